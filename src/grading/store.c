/* store.c - see store.h: the calls, dispatched to the backend; what the
 * backends share (store_backend.h). */
#include "store_backend.h"

#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/atomic_file.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "basic/notify_socket.h"

int store_load(struct store *st, struct gradebook *gb) {
        return st->ops->load(st, gb);
}

int store_read_students(struct store *st, const long *ids, size_t n, struct gradebook *gb) {
        assert(n > 0 && n <= STORE_READ_IDS_MAX);
        if (!st->ops->read_students)
                return -EOPNOTSUPP;
        return st->ops->read_students(st, ids, n, gb);
}

bool store_shared(const struct store *st) {
        return st->ops->read_students != NULL;
}

int store_grade_is(struct store *st, long student, size_t index, const struct grade *expected) {
        return st->ops->grade_is ? st->ops->grade_is(st, student, index, expected) : 0;
}

int store_replace_book(struct store *st, const struct gradebook *gb, bool replace, size_t *ret_students,
                       size_t *ret_grades) {
        assert(gb && ret_students && ret_grades);
        if (!st->ops->replace_book)
                return -EOPNOTSUPP;
        return st->ops->replace_book(st, gb, replace, ret_students, ret_grades);
}

int store_begin(struct store *st) {
        return st->ops->begin(st);
}

int store_lock_batch(struct store *st, const long *students, size_t n, bool adds_students) {
        for (size_t i = 1; i < n; i++)
                assert(students[i - 1] < students[i]);
        return st->ops->lock_batch ? st->ops->lock_batch(st, students, n, adds_students) : 0;
}

int store_add_grade(struct store *st, long student, const struct grade *g) {
        return st->ops->add_grade(st, student, g);
}

int store_remove_grade(struct store *st, long student, size_t index) {
        return st->ops->remove_grade(st, student, index);
}

int store_add_student(struct store *st, const char *first_name, const char *last_name, long *ret_id) {
        return st->ops->add_student(st, first_name, last_name, ret_id);
}

int store_commit(struct store *st) {
        return st->ops->commit(st);
}

int store_rollback(struct store *st) {
        return st->ops->rollback(st);
}

void store_idle(struct store *st) {
        if (st->ops->idle)
                st->ops->idle(st);
}

void store_close(struct store *st) {
        if (st)
                st->ops->close(st);
}

/* Read a JSON grade book (an earlier dgo's store, or the samples). */
static int read_json_book(const char *path, struct gradebook *gb) {
        json_error_t jerr;
        char error[200];
        json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        int r;

        if (!j) {
                if (access(path, F_OK) < 0)
                        return -ENOENT;
                return log_error_errno(-EBADMSG, "%s is not valid JSON: %s (line %d)", path, jerr.text, jerr.line);
        }
        r = gradebook_from_json(j, gb, error, sizeof error);
        json_decref(j);
        if (r < 0)
                return log_error_errno(r, "%s: %s", path, error);
        return 0;
}

void store_import_progress(size_t done, size_t total) {
        /* A school's book takes seconds to import (10,000 students x 100
         * grades: about 10 s here into SQLite): show systemd progress. */
        if (done % 500 == 0) {
                notify_socket_send("WATCHDOG=1");
                notify_status("Importing the grade book: %zu of %zu students", done, total);
        }
}

int store_fill_new(struct store *st, const char *legacy, const char *seed, bool *imported) {
        struct gradebook book = { 0 };
        const char *from = legacy;
        int r = legacy ? read_json_book(legacy, &book) : -ENOENT;

        if (r == -ENOENT) {
                from = seed;
                r = read_json_book(seed, &book);
                if (r == -ENOENT)
                        return log_error_errno(r, "The sample students %s do not exist", seed);
        }
        if (r < 0)
                return r;
        r = st->ops->insert_book(st, &book);
        if (r >= 0) {
                *imported = from == legacy;
                log_info("%s: %zu students from %s", st->where, book.n_students, from);
        }
        gradebook_free(&book);
        malloc_trim(0);         /* a large JSON file's parse leaves hundreds of MB free in the heap */
        return r;
}

void store_set_legacy_aside(const char *legacy) {
        _cleanup_free_ char *aside = NULL;
        int r;

        if (asprintf(&aside, "%s.imported", legacy) < 0) {
                log_warning("Imported %s, but cannot rename it: out of memory", legacy);
                return;
        }
        r = rename_durably(legacy, aside);
        if (r < 0)
                log_warning_errno(r, "Imported %s, but cannot rename it to %s", legacy, aside);
        else
                log_info("Imported %s; it is kept as %s", legacy, aside);
}

int store_load_student(struct store *st, struct gradebook *gb, long long id, const char *first, const char *last) {
        if (student_fields_problem(id, first, last)) {
                log_error("%s: student %lld is not valid (ID or names)", st->where, id);
                return -EBADMSG;
        }
        return gradebook_append_student(gb, (long) id, first, last);
}

int store_load_grade(struct store *st, struct gradebook *gb, struct student **last, long id, const char *title,
                     const char *type, double score) {
        struct grade g = { .score = score };
        struct student *s = *last && (*last)->id == id ? *last : gradebook_find(gb, id);
        int r;

        *last = s;
        if (!s || grade_fields_problem(title, type, g.score)) {
                log_error("%s: a grade of student %ld is not valid (unknown student, type, title or score)",
                          st->where, id);
                return -EBADMSG;
        }
        g.type = (enum grade_type) grade_type_from_string(type);
        g.title = strdup(title);
        r = g.title ? student_add_grade(s, &g) : -ENOMEM;
        if (r == -ENOSPC)
                r = log_error_errno(-EBADMSG, "%s: student %ld has more than %d grades", st->where, id, GB_GRADES_MAX);
        if (r < 0)
                free(g.title);
        return r;
}
