/* test-dgoctl-gradebook: the files behind `dgoctl gradebook export` and
 * `import`, in a temporary directory.
 *
 * The check accepts the original's JSON (also an empty list) with its
 * counts and highest ID, and refuses, with a message that says where or
 * what: text that is not JSON (with its line and column), a duplicate key,
 * a duplicate ID, an object instead of a list, a score, title or type the
 * service refuses, more grades than a student may have. A file is read
 * only when it is a regular file within the bound. The atomic write makes
 * a 0600 file with exactly the bytes given, never replaces a file unless
 * told to, never a directory, and leaves no temporary file. The build
 * through the grading service's store makes a database that holds the
 * book with every ID and every grade in order, one self-contained file
 * (no -wal, rollback journal) that `dgoctl restore`'s check accepts, with
 * nothing else left beside it; a book the store would load back
 * differently is refused and leaves nothing behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tmp_dir.h"
#include "dgoctl/gb_build.h"
#include "dgoctl/gb_file.h"

static char dir[] = "/tmp/test-dgoctl-gradebook-XXXXXX";

#define path(name) tmp_path(dir, (name))

static size_t n_entries(void) {
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t n = 0;

        while (d && (e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        n++;
        if (d)
                closedir(d);
        return n;
}

static void remove_dir(void) {
        DIR *d = opendir(dir);
        struct dirent *e;

        while (d && (e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                        if (unlink(path(e->d_name)) < 0)
                                rmdir(path(e->d_name));
                }
        if (d)
                closedir(d);
        rmdir(dir);
}

#define BOOK \
        "[{\"ID\":17,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":[" \
        "{\"Title\":\"Exam\",\"Type\":\"Exam\",\"Score\":100},{\"Title\":\"Quiz 2\",\"Type\":\"Quiz\",\"Score\":0}]}," \
        "{\"ID\":3,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":[" \
        "{\"Title\":\"T\",\"Type\":\"Test\",\"Score\":88.5},{\"Title\":\"A\",\"Type\":\"Homework\",\"Score\":12.25}," \
        "{\"Title\":\"T\",\"Type\":\"Test\",\"Score\":88.5}]}," \
        "{\"ID\":999999999,\"FirstName\":\"Z\",\"LastName\":\"Last\",\"Grades\":[]}]"

static int check_text(const char *text, struct gb_summary *sum, char *error, size_t size) {
        error[0] = '\0';
        return gb_check(text, strlen(text), NULL, sum, error, size);
}

#define CHECK_BAD(text, want) do {                                              \
        struct gb_summary s_;                                                   \
        char e_[256];                                                           \
        CHECK(check_text(text, &s_, e_, sizeof e_) < 0);                        \
        if (!strstr(e_, want)) {                                                \
                check_failures++;                                               \
                fprintf(stderr, "%s:%d: error \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, e_, want); \
        }                                                                       \
} while (0)

static void test_check(void) {
        struct gradebook gb;
        struct gb_summary sum;
        char error[256];

        CHECK(gb_check(BOOK, strlen(BOOK), &gb, &sum, error, sizeof error) == 0);
        CHECK(sum.students == 3 && sum.grades == 5 && sum.highest_id == 999999999);
        CHECK(gb.n_students == 3 && gb.students[0].id == 3 && gb.students[2].id == 999999999);
        gradebook_free(&gb);
        CHECK(check_text("[]", &sum, error, sizeof error) == 0);
        CHECK(sum.students == 0 && sum.grades == 0 && sum.highest_id == 0);
        CHECK(check_text(" [ ]\n", &sum, error, sizeof error) == 0);

        CHECK_BAD("", "not valid JSON");
        CHECK_BAD("[{\"ID\":1,\n\"FirstName\":", "(line 2, column");
        CHECK_BAD("[{\"ID\":1,\"ID\":2,\"FirstName\":\"A\",\"LastName\":\"B\"}]", "duplicate");
        CHECK_BAD("{\"ID\":1}", "list of students");
        CHECK_BAD("[{\"ID\":1,\"FirstName\":\"A\",\"LastName\":\"B\"},{\"ID\":1,\"FirstName\":\"C\",\"LastName\":\"D\"}]",
                  "ID 1 appears twice");
        CHECK_BAD("[{\"ID\":1,\"FirstName\":\"A\",\"LastName\":\"B\",\"Grades\":[{\"Title\":\"t\",\"Type\":\"Quiz\","
                  "\"Score\":100.5}]}]", "student 1, grade 1: \"Score\" must be");
        CHECK_BAD("[{\"ID\":1,\"FirstName\":\"A\",\"LastName\":\"B\",\"Grades\":[{\"Title\":\"t\",\"Type\":\"Essay\","
                  "\"Score\":1}]}]", "student 1, grade 1: \"Type\"");
        CHECK_BAD("[{\"ID\":0,\"FirstName\":\"A\",\"LastName\":\"B\"}]", "ID");
        CHECK_BAD("[{\"ID\":1,\"FirstName\":\"\",\"LastName\":\"B\"}]", "student 1: \"FirstName\"");

        /* GB_GRADES_MAX + 1 grades of one student. */
        {
                size_t size = 64 + (GB_GRADES_MAX + 1) * 48, len;
                char *text = malloc(size);

                len = (size_t) snprintf(text, size, "[{\"ID\":1,\"FirstName\":\"A\",\"LastName\":\"B\",\"Grades\":[");
                for (int i = 0; i <= GB_GRADES_MAX; i++)
                        len += (size_t) snprintf(text + len, size - len, "%s{\"Title\":\"t\",\"Type\":\"Quiz\",\"Score\":1}",
                                                 i ? "," : "");
                snprintf(text + len, size - len, "]}]");
                CHECK(check_text(text, &sum, error, sizeof error) < 0);
                CHECK_STR(error, "student 1: more than 1000 grades");
                free(text);
        }

        /* GB_STUDENTS_MAX + 1 students. */
        {
                size_t size = 64 + (GB_STUDENTS_MAX + 1) * 64, len = 1;
                char *text = malloc(size);

                text[0] = '[';
                for (int i = 1; i <= GB_STUDENTS_MAX + 1; i++)
                        len += (size_t) snprintf(text + len, size - len, "%s{\"ID\":%d,\"FirstName\":\"A\",\"LastName\":\"B\"}",
                                                 i > 1 ? "," : "", i);
                snprintf(text + len, size - len, "]");
                CHECK(check_text(text, &sum, error, sizeof error) == -ENOSPC);
                CHECK_STR(error, "more than 10000 students");
                free(text);
        }
}

static void write_text(const char *p, const char *text) {
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        CHECK(fd >= 0);
        CHECK(write(fd, text, strlen(text)) == (ssize_t) strlen(text));
        close(fd);
}

static void test_read(void) {
        char *text = NULL, *problem = NULL;
        size_t len = 0;

        write_text(path("in.json"), BOOK);
        CHECK(gb_read_file(path("in.json"), GB_FILE_MAX, &text, &len, &problem) == 0);
        CHECK(text && len == strlen(BOOK) && memcmp(text, BOOK, len) == 0 && text[len] == '\0');
        free(text);
        text = NULL;
        CHECK(gb_read_file(path("in.json"), 10, &text, &len, &problem) == -EFBIG);
        CHECK(problem && strstr(problem, "larger than"));
        free(problem);
        CHECK(gb_read_file(path("missing.json"), GB_FILE_MAX, &text, &len, &problem) == -ENOENT);
        CHECK_STR(problem, "does not exist");
        free(problem);
        CHECK(mkdir(path("adir"), 0700) == 0);
        CHECK(gb_read_file(path("adir"), GB_FILE_MAX, &text, &len, &problem) < 0);
        CHECK_STR(problem, "is not a regular file");
        free(problem);
        CHECK(text == NULL);
        unlink(path("in.json"));
}

static void test_write(void) {
        char *text = NULL, *problem = NULL;
        size_t len, before = n_entries();
        struct stat st;

        umask(022);
        CHECK(gb_write_file(path("out.json"), BOOK, strlen(BOOK), false, &problem) == 0);
        CHECK(problem == NULL);
        CHECK(stat(path("out.json"), &st) == 0 && (st.st_mode & 07777) == 0600);
        CHECK(gb_read_file(path("out.json"), GB_FILE_MAX, &text, &len, &problem) == 0);
        CHECK(text && len == strlen(BOOK) && memcmp(text, BOOK, len) == 0);
        free(text);
        CHECK(n_entries() == before + 1);

        /* Not replaced unless told to. */
        CHECK(gb_write_file(path("out.json"), "[]", 2, false, &problem) == -EEXIST);
        CHECK(problem && strstr(problem, "exists; not replaced"));
        free(problem);
        CHECK(stat(path("out.json"), &st) == 0 && (size_t) st.st_size == strlen(BOOK));
        CHECK(gb_write_file(path("out.json"), "[]", 2, true, &problem) == 0);
        CHECK(stat(path("out.json"), &st) == 0 && st.st_size == 2 && (st.st_mode & 07777) == 0600);
        CHECK(gb_write_file(path("adir"), "[]", 2, true, &problem) == -EEXIST);
        CHECK(problem && strstr(problem, "not a regular file"));
        free(problem);
        CHECK(gb_write_file(path("nodir/out.json"), "[]", 2, false, &problem) < 0);
        CHECK(problem != NULL);
        free(problem);
        CHECK(n_entries() == before + 1);             /* no temporary file left */
        unlink(path("out.json"));
}

/* The IDs and the grades of the database P, in order, as text. */
static void dump(const char *p, char *out, size_t size) {
        sqlite3 *db;
        sqlite3_stmt *stmt;
        size_t len = 0;

        out[0] = '\0';
        CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
        CHECK(sqlite3_prepare_v2(db, "SELECT s.id, s.first_name, g.title, g.type, g.score FROM students s "
                                 "LEFT JOIN grades g ON g.student_id = s.id ORDER BY s.id, g.id", -1, &stmt,
                                 NULL) == SQLITE_OK);
        while (sqlite3_step(stmt) == SQLITE_ROW && len < size)
                len += (size_t) snprintf(out + len, size - len, "%lld %s %s %s %g;", sqlite3_column_int64(stmt, 0),
                                         sqlite3_column_text(stmt, 1),
                                         sqlite3_column_text(stmt, 2) ? (const char *) sqlite3_column_text(stmt, 2) : "-",
                                         sqlite3_column_text(stmt, 3) ? (const char *) sqlite3_column_text(stmt, 3) : "-",
                                         sqlite3_column_double(stmt, 4));
        sqlite3_finalize(stmt);
        CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK);
        CHECK(sqlite3_step(stmt) == SQLITE_ROW);
        CHECK_STR((const char *) sqlite3_column_text(stmt, 0), "delete");
        sqlite3_finalize(stmt);
        sqlite3_close(db);
}

static void test_build(void) {
        struct gradebook gb, other;
        struct gb_summary sum;
        struct db_summary built;
        char error[256], *tmp = NULL, *problem = NULL, got[2048], wal[600];
        size_t before = n_entries();
        struct stat st;

        CHECK(gb_check(BOOK, strlen(BOOK), &gb, &sum, error, sizeof error) == 0);
        CHECK(gb_build(path("gradebook.db"), BOOK, strlen(BOOK), &gb, NULL, &tmp, &built, &problem) == 0);
        if (problem)
                fprintf(stderr, "gb_build: %s\n", problem);
        CHECK(problem == NULL && tmp != NULL);
        CHECK(built.students == 3 && built.grades == 5);
        CHECK(n_entries() == before + 1);              /* the new file only */
        CHECK(tmp && strncmp(tmp, path("gradebook.db.import-"), strlen(path("gradebook.db.import-"))) == 0);
        CHECK(tmp && stat(tmp, &st) == 0 && (st.st_mode & 07777) == 0600);
        snprintf(wal, sizeof wal, "%s-wal", tmp ? tmp : "");
        CHECK(access(wal, F_OK) < 0);
        dump(tmp, got, sizeof got);
        CHECK_STR(got, "3 Nick T Test 88.5;3 Nick A Homework 12.25;3 Nick T Test 88.5;"
                       "17 Ada Exam Exam 100;17 Ada Quiz 2 Quiz 0;999999999 Z - - 0;");
        if (tmp)
                unlink(tmp);
        free(tmp);
        tmp = NULL;

        /* What the store loads back must be the book checked: a different
         * EXPECT is refused, and nothing is left behind. */
        CHECK(gb_check("[]", 2, &other, &sum, error, sizeof error) == 0);
        CHECK(gb_build(path("gradebook.db"), BOOK, strlen(BOOK), &other, NULL, &tmp, &built, &problem) == -EBADMSG);
        CHECK(problem && strstr(problem, "differs"));
        free(problem);
        problem = NULL;
        CHECK(tmp == NULL);
        CHECK(n_entries() == before);

        /* An empty book is a book. */
        CHECK(gb_build(path("gradebook.db"), "[]", 2, &other, NULL, &tmp, &built, &problem) == 0);
        CHECK(built.students == 0 && built.grades == 0);
        if (tmp)
                unlink(tmp);
        free(tmp);
        tmp = NULL;

        /* No directory to build in. */
        CHECK(gb_build(path("nodir/gradebook.db"), BOOK, strlen(BOOK), &gb, NULL, &tmp, &built, &problem) < 0);
        CHECK(problem != NULL && tmp == NULL);
        free(problem);
        CHECK(n_entries() == before);
        gradebook_free(&gb);
        gradebook_free(&other);
}

int main(void) {
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        test_check();
        test_read();
        test_write();
        test_build();
        remove_dir();
        return check_finish("dgoctl-gradebook");
}
