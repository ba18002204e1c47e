/* gb_file.c - see gb_file.h. */
#include "gb_file.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/macros.h"
#include "db_problem.h"
#include "db_copy.h"

void gb_summarize(const struct gradebook *gb, struct gb_summary *ret) {
        *ret = (struct gb_summary) { .students = gb->n_students };
        for (size_t i = 0; i < gb->n_students; i++) {
                ret->grades += gb->students[i].n_grades;
                if (gb->students[i].id > ret->highest_id)
                        ret->highest_id = gb->students[i].id;
        }
}

int gb_check(const char *text, size_t len, struct gradebook *ret, struct gb_summary *sum, char *error,
             size_t error_size) {
        struct gradebook book = { 0 };
        json_error_t jerr;
        json_t *j;
        int r;

        /* The store's own flags (read_json_book() in grading/store.c). */
        j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
                snprintf(error, error_size, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                         jerr.column);
                return -EINVAL;
        }
        error[0] = '\0';
        r = gradebook_from_json(j, &book, error, error_size);
        json_decref(j);
        if (r == -ENOSPC && !error[0])
                snprintf(error, error_size, "more than %d students", GB_STUDENTS_MAX);
        else if (r == -ENOMEM)
                snprintf(error, error_size, "out of memory");
        if (r < 0)
                return r;
        gb_summarize(&book, sum);
        if (ret)
                *ret = book;
        else
                gradebook_free(&book);
        return 0;
}

int gb_read_file(const char *path, size_t max, char **ret, size_t *ret_len, char **ret_problem) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size;
        struct stat st;

        *ret_problem = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return db_problem(ret_problem, -errno, "%s", errno == ENOENT ? "does not exist" : strerror(errno));
        if (fstat(fd, &st) < 0)
                return db_problem(ret_problem, -errno, "%s", strerror(errno));
        if (!S_ISREG(st.st_mode))
                return db_problem(ret_problem, -EINVAL, "is not a regular file");
        if ((unsigned long long) st.st_size > max)
                return db_problem(ret_problem, -EFBIG, "is larger than %zu MiB", max >> 20);
        size = (size_t) st.st_size;
        buf = malloc(size + 2);
        if (!buf)
                return -ENOMEM;
        /* One byte more than its size: a file that grows meanwhile is noticed. */
        for (;;) {
                ssize_t n = read(fd, buf + len, size + 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return db_problem(ret_problem, -errno, "cannot be read: %s", strerror(errno));
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > size)
                        return db_problem(ret_problem, -EBUSY, "changed while it was read");
        }
        buf[len] = '\0';
        *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int gb_write_file(const char *path, const char *data, size_t len, bool replace, char **ret_problem) {
        _cleanup_free_ char *tmp = NULL;
        struct stat st;
        int fd, r;

        *ret_problem = NULL;
        if (lstat(path, &st) == 0) {
                if (!replace)
                        return db_problem(ret_problem, -EEXIST, "%s exists; not replaced (--force replaces it)", path);
                if (!S_ISREG(st.st_mode))
                        return db_problem(ret_problem, -EEXIST, "%s exists and is not a regular file; not replaced",
                                       path);
        } else if (errno != ENOENT)
                return db_problem(ret_problem, -errno, "%s: %s", path, strerror(errno));

        if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        fd = mkostemp(tmp, O_CLOEXEC);          /* mode 0600 */
        if (fd < 0)
                return db_problem(ret_problem, -errno, "cannot create a file beside %s: %s", path, strerror(errno));
        r = write_all(fd, data, len);
        if (r == 0 && fchmod(fd, 0600) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)            /* close() may report the write's failure */
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return db_problem(ret_problem, r, "cannot write %s: %s", tmp, strerror(-r));
        }
        r = db_install(tmp, path, replace);
        if (r < 0) {
                (void) unlink(tmp);
                if (r == -EEXIST)
                        return db_problem(ret_problem, r, "%s appeared meanwhile; not replaced (--force replaces it)",
                                       path);
                return db_problem(ret_problem, r, "cannot rename %s to %s: %s", tmp, path, strerror(-r));
        }
        return 0;
}
