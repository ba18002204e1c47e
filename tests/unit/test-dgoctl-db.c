/* test-dgoctl-db: the grade book files behind `dgoctl backup` and `dgoctl
 * restore`, on databases made here with the grading service's schema.
 *
 * The check restore makes first accepts a good book with its counts and
 * refuses, with a message that says why and without changing the file: a
 * corrupt file, a text file, an empty or missing file, a user_version of 0
 * or newer than known, a missing table or column, a grade without its
 * student, and each kind of row the grading service would refuse to load
 * (while rows at its limits pass). The copy holds what a WAL book has
 * committed but not yet checkpointed, is one file in rollback-journal mode,
 * takes the given owner's mode and leaves nothing behind on failure;
 * installing it never replaces a file without being told to. The swap keeps
 * the old book (with the grades a killed service left in its -wal, folded
 * in) as .before-restore, leaves no -wal or -shm beside the new book, a
 * second swap replaces the first .before-restore, and a failed swap leaves
 * the old book in place. */
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
#include "dgoctl/db_copy.h"
#include "dgoctl/db_replace.h"
#include "dgoctl/db_verify.h"

#define SCHEMA \
        "CREATE TABLE students (id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL);" \
        "CREATE TABLE grades (id INTEGER PRIMARY KEY," \
        "  student_id INTEGER NOT NULL REFERENCES students(id)," \
        "  title TEXT NOT NULL," \
        "  type TEXT NOT NULL CHECK (type IN ('Quiz','Test','Exam','Homework'))," \
        "  score REAL NOT NULL CHECK (score >= 0 AND score <= 100));" \
        "CREATE INDEX grades_by_student ON grades(student_id, id);"

#define SAMPLE \
        "INSERT INTO students VALUES (1, 'Nick', 'Carter'), (2, 'Ada', 'Lovelace'), (3, 'Alan', 'Turing');" \
        "INSERT INTO grades (student_id, title, type, score) VALUES" \
        "  (1, 'Quiz 1', 'Quiz', 85), (1, 'Test 1', 'Test', 88.5), (2, 'Exam', 'Exam', 100)," \
        "  (3, 'HW 1', 'Homework', 0), (3, 'Quiz 1', 'Quiz', 70);"

static char dir[] = "/tmp/test-dgoctl-db-XXXXXX";

#define path(name) tmp_path(dir, (name))

static bool exists(const char *p) {
        return access(p, F_OK) == 0;
}

/* A book at P in WAL mode, as the service keeps it: SCHEMA, user_version
 * VERSION, the SAMPLE rows, then EXTRA (SQL, may be NULL) with foreign keys
 * off. Left open in *KEEP when KEEP is not NULL (its WAL not checkpointed). */
static void make_book_open(const char *p, int version, const char *extra, sqlite3 **keep) {
        char sql[4096];
        sqlite3 *db;

        unlink(p);
        CHECK(sqlite3_open(p, &db) == SQLITE_OK);
        snprintf(sql, sizeof sql,
                 "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; " SCHEMA SAMPLE
                 "PRAGMA user_version = %d; %s", version, extra ? extra : "");
        CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
        if (keep)
                *keep = db;
        else
                sqlite3_close(db);
}

static void make_book(const char *p, int version, const char *extra) {
        make_book_open(p, version, extra, NULL);
}

static void write_file(const char *p, const void *data, size_t len) {
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        CHECK(fd >= 0);
        CHECK(write(fd, data, len) == (ssize_t) len);
        close(fd);
}

/* The bytes of P in a malloc'd buffer, its size in *LEN. */
static char *read_file(const char *p, size_t *len) {
        struct stat st;
        char *data;
        int fd = open(p, O_RDONLY | O_CLOEXEC);

        if (fd < 0 || fstat(fd, &st) < 0) {
                if (fd >= 0)
                        close(fd);
                *len = 0;
                return NULL;
        }
        data = malloc((size_t) st.st_size + 1);
        *len = data && read(fd, data, (size_t) st.st_size) == st.st_size ? (size_t) st.st_size : 0;
        close(fd);
        return data;
}

static void copy_file(const char *from, const char *to) {
        size_t len;
        char *data = read_file(from, &len);

        CHECK(data != NULL);
        write_file(to, data, len);
        free(data);
}

/* verify P: the return value; the problem text in PROBLEM (or ""). */
static int verify(const char *p, struct db_summary *sum, char *problem, size_t size) {
        char *why = NULL;
        int r = db_verify(p, sum, &why);

        snprintf(problem, size, "%s", why ? why : "");
        CHECK((r < 0) == (why != NULL));
        free(why);
        return r;
}

/* The book at P is refused with a message containing WANT, and its bytes
 * are the same after the check. */
#define CHECK_REFUSED(p, want) do {                                             \
        struct db_summary s_;                                                   \
        char why_[512];                                                         \
        size_t l1_, l2_;                                                        \
        char *b1_ = read_file(p, &l1_), *b2_;                                   \
        CHECK(verify(p, &s_, why_, sizeof why_) == -EINVAL);                    \
        if (!strstr(why_, want))                                                \
                fprintf(stderr, "problem: \"%s\", want \"%s\"\n", why_, want);  \
        CHECK(strstr(why_, want) != NULL);                                      \
        b2_ = read_file(p, &l2_);                                               \
        CHECK(l1_ == l2_ && (l1_ == 0 || memcmp(b1_, b2_, l1_) == 0));          \
        free(b1_);                                                              \
        free(b2_);                                                              \
} while (0)

static void test_verify_good(void) {
        struct db_summary sum = { 0 };
        char why[512];

        make_book(path("good.db"), 1, NULL);
        CHECK(verify(path("good.db"), &sum, why, sizeof why) == 0);
        CHECK_STR(why, "");
        CHECK(sum.students == 3 && sum.grades == 5);

        /* An empty book is a book. */
        make_book(path("empty-book.db"), 1, "DELETE FROM grades; DELETE FROM students;");
        CHECK(verify(path("empty-book.db"), &sum, why, sizeof why) == 0);
        CHECK(sum.students == 0 && sum.grades == 0);
}

static void test_verify_not_sqlite(void) {
        struct db_summary sum;
        char why[512];

        write_file(path("text.db"), "[{\"ID\":1}]\n", 11);
        CHECK_REFUSED(path("text.db"), "is not an SQLite database");
        write_file(path("empty.db"), "", 0);
        CHECK_REFUSED(path("empty.db"), "is empty");
        CHECK(verify(path("missing.db"), &sum, why, sizeof why) == -ENOENT);
        CHECK(strstr(why, "No such file") != NULL);
        CHECK(!exists(path("missing.db")));
        CHECK(verify(dir, &sum, why, sizeof why) == -EINVAL);
        CHECK(strstr(why, "not a regular file") != NULL);
}

/* Garbage over every page after the first: SQLite's header is intact, the
 * tables are not. */
static void test_verify_corrupt(void) {
        size_t len;
        char *data;

        make_book(path("corrupt.db"), 1, "PRAGMA wal_checkpoint(TRUNCATE);");
        data = read_file(path("corrupt.db"), &len);
        CHECK(data && len > 4096);
        for (size_t i = 4096; i < len; i++)
                data[i] = (char) (i * 131 + 7);
        write_file(path("corrupt.db"), data, len);
        free(data);
        unlink(path("corrupt.db-wal"));
        unlink(path("corrupt.db-shm"));
        CHECK_REFUSED(path("corrupt.db"), "");
        {
                struct db_summary sum;
                char why[512];

                verify(path("corrupt.db"), &sum, why, sizeof why);
                CHECK(strstr(why, "integrity check") || strstr(why, "malformed") || strstr(why, "not a database"));
        }

        /* Half a book: the file cut after its first pages. */
        make_book(path("cut.db"), 1, "PRAGMA wal_checkpoint(TRUNCATE);");
        data = read_file(path("cut.db"), &len);
        CHECK(data && len > 2 * 4096);
        write_file(path("cut.db"), data, 2 * 4096);
        free(data);
        unlink(path("cut.db-wal"));
        unlink(path("cut.db-shm"));
        CHECK_REFUSED(path("cut.db"), "");
}

static void test_verify_version(void) {
        make_book(path("v0.db"), 0, NULL);
        CHECK_REFUSED(path("v0.db"), "is no dgo grade book (its user_version is 0");
        make_book(path("v2.db"), 2, NULL);
        CHECK_REFUSED(path("v2.db"), "version 2, newer than this dgo knows (1)");
        make_book(path("vneg.db"), -1, NULL);
        CHECK_REFUSED(path("vneg.db"), "user_version -1");
}

static void test_verify_schema(void) {
        make_book(path("nogrades.db"), 1, "DROP TABLE grades;");
        CHECK_REFUSED(path("nogrades.db"), "has no table \"grades\"");
        make_book(path("noscore.db"), 1, "ALTER TABLE grades DROP COLUMN score;");
        CHECK_REFUSED(path("noscore.db"), "has no column \"score\" in table \"grades\"");
        make_book(path("nolast.db"), 1, "ALTER TABLE students RENAME COLUMN last_name TO surname;");
        CHECK_REFUSED(path("nolast.db"), "has no column \"last_name\" in table \"students\"");
}

static void test_verify_grades(void) {
        make_book(path("orphan.db"), 1,
                  "INSERT INTO grades (id, student_id, title, type, score) VALUES (17, 99, 'Lost', 'Quiz', 50);");
        CHECK_REFUSED(path("orphan.db"), "has 1 grade whose student does not exist (the first: grade 17, of student 99)");
        make_book(path("orphans.db"), 1, "DELETE FROM students WHERE id = 1;");
        CHECK_REFUSED(path("orphans.db"), "has 2 grades whose student does not exist (the first: grade 1, of student 1)");
        make_book(path("badtype.db"), 1,
                  "PRAGMA ignore_check_constraints = ON;"
                  "INSERT INTO grades (id, student_id, title, type, score) VALUES (9, 1, 'Essay', 'Essay', 50);");
        CHECK_REFUSED(path("badtype.db"), "has 1 grade the grading service would refuse (the first: grade 9, of "
                      "student 1: its type is none of Quiz, Test, Exam, Homework)");
        make_book(path("badscore.db"), 1,
                  "PRAGMA ignore_check_constraints = ON;"
                  "INSERT INTO grades (id, student_id, title, type, score) VALUES (9, 1, 'Q', 'Quiz', 101),"
                  " (10, 2, 'Q', 'Quiz', -1);");
        CHECK_REFUSED(path("badscore.db"), "has 2 grades the grading service would refuse (the first: grade 9, of "
                      "student 1: its score is not from 0 to 100)");
        make_book(path("badtitle.db"), 1, "UPDATE grades SET title = 'a' || char(10) || 'b' WHERE id = 4;");
        CHECK_REFUSED(path("badtitle.db"), "(the first: grade 4, of student 3: its title is not 1 to 100 bytes");
        make_book(path("longtitle.db"), 1, "UPDATE grades SET title = printf('%.101c', 'x') WHERE id = 2;");
        CHECK_REFUSED(path("longtitle.db"), "grade 2, of student 1: its title");
        make_book(path("badname.db"), 1, "UPDATE students SET last_name = '' WHERE id = 2;");
        CHECK_REFUSED(path("badname.db"), "has 1 student the grading service would refuse (the first: student 2: "
                      "its last name is not 1 to 64 bytes");
        make_book(path("badid.db"), 1, "INSERT INTO students VALUES (1000000000, 'Big', 'Number');");
        CHECK_REFUSED(path("badid.db"), "student 1000000000: its ID is not from 1 to 999999999");
        make_book(path("many.db"), 1,
                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
                  " INSERT INTO grades (student_id, title, type, score) SELECT 2, 'G', 'Quiz', 1 FROM n;");
        CHECK_REFUSED(path("many.db"), "gives student 2 1001 grades, more than the grading service takes (1000)");
        /* At the limits: still good. */
        {
                struct db_summary sum;
                char why[512];

                make_book(path("limits.db"), 1,
                          "UPDATE grades SET title = printf('%.100c', 'x'), score = 100 WHERE id = 2;"
                          "UPDATE students SET first_name = printf('%.64c', 'y') WHERE id = 3;"
                          "INSERT INTO students VALUES (999999999, 'Last', 'One');"
                          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 999)"
                          " INSERT INTO grades (student_id, title, type, score) SELECT 2, 'G', 'Quiz', 0 FROM n;");
                CHECK(verify(path("limits.db"), &sum, why, sizeof why) == 0);
                CHECK_STR(why, "");
                CHECK(sum.students == 4 && sum.grades == 1004);
        }
}

static size_t dir_entries(void) {
        DIR *d = opendir(dir);
        size_t n = 0;

        for (struct dirent *e; d && (e = readdir(d));)
                n += e->d_name[0] != '.';
        if (d)
                closedir(d);
        return n;
}

static void test_copy(void) {
        struct db_summary sum = { 0 };
        char why[512], *tmp = NULL, *problem = NULL;
        unsigned char header[20];
        sqlite3 *live = NULL;
        struct stat st, like;
        size_t n_before, len;
        char *data;

        /* The service's connection stays open: the last grade is committed
         * in the -wal only. */
        make_book_open(path("live.db"), 1, "INSERT INTO grades (student_id, title, type, score) VALUES (2, 'Late', 'Test', 60);",
                       &live);
        CHECK(db_copy_to_temp(path("live.db"), path("copy.db"), NULL, &tmp, &problem) == 0);
        CHECK(problem == NULL);
        CHECK(tmp && strncmp(tmp, path("copy.db.tmp-"), strlen(path("copy.db.tmp-"))) == 0);
        CHECK(tmp && stat(tmp, &st) == 0 && (st.st_mode & 07777) == 0600);
        CHECK(db_install(tmp, path("copy.db"), false) == 0);
        CHECK(tmp && !exists(tmp));
        free(tmp);
        CHECK(verify(path("copy.db"), &sum, why, sizeof why) == 0);
        CHECK(sum.students == 3 && sum.grades == 6);
        /* One file in rollback-journal mode (header bytes 18 and 19 are 1),
         * so opening it needs nothing beside it and leaves nothing. */
        data = read_file(path("copy.db"), &len);
        CHECK(data && len >= sizeof header);
        memcpy(header, data, sizeof header);
        free(data);
        CHECK(header[18] == 1 && header[19] == 1);
        CHECK(!exists(path("copy.db-wal")) && !exists(path("copy.db-shm")) && !exists(path("copy.db-journal")));

        /* An existing file is not replaced unless asked to. */
        n_before = dir_entries();
        CHECK(db_copy_to_temp(path("live.db"), path("copy.db"), NULL, &tmp, &problem) == 0);
        CHECK(db_install(tmp, path("copy.db"), false) == -EEXIST);
        CHECK(exists(tmp));
        CHECK(db_install(tmp, path("copy.db"), true) == 0);
        CHECK(!exists(tmp));
        free(tmp);
        CHECK(dir_entries() == n_before);

        /* The owner and mode of another file. */
        like = (struct stat) { .st_uid = getuid(), .st_gid = getgid(), .st_mode = S_IFREG | 0640 };
        CHECK(db_copy_to_temp(path("live.db"), path("owned.db"), &like, &tmp, &problem) == 0);
        CHECK(tmp && stat(tmp, &st) == 0 && (st.st_mode & 07777) == 0640);
        if (tmp)
                unlink(tmp);
        free(tmp);
        sqlite3_close(live);

        /* A source that is no database: a sentence, and nothing left. */
        n_before = dir_entries();
        tmp = NULL;
        CHECK(db_copy_to_temp(path("text.db"), path("bad-copy.db"), NULL, &tmp, &problem) < 0);
        CHECK(problem && strstr(problem, "text.db") != NULL);
        CHECK(tmp == NULL);
        free(problem);
        problem = NULL;
        CHECK(db_copy_to_temp(path("missing.db"), path("bad-copy.db"), NULL, &tmp, &problem) < 0);
        CHECK(problem != NULL);
        free(problem);
        CHECK(dir_entries() == n_before);
        CHECK(!exists(path("missing.db")));
}

static void test_replace(void) {
        struct db_summary sum = { 0 };
        char why[512], *tmp = NULL, *problem = NULL;
        sqlite3 *killed = NULL;
        bool had_old = true;

        /* No old book: the new one simply appears. */
        make_book(path("src.db"), 1, "DELETE FROM grades WHERE id > 2;");
        CHECK(db_copy_to_temp(path("src.db"), path("state.db"), NULL, &tmp, &problem) == 0);
        CHECK(db_replace(path("state.db"), tmp, &had_old, &problem) == 0);
        CHECK(!had_old && problem == NULL);
        CHECK(!exists(path("state.db.before-restore")));
        free(tmp);
        CHECK(verify(path("state.db"), &sum, why, sizeof why) == 0 && sum.grades == 2);

        /* The old book as a killed service leaves it: a grade committed in
         * its -wal only (the files copied while its connection is open). */
        make_book_open(path("crashed.db"), 1,
                       "INSERT INTO grades (student_id, title, type, score) VALUES (1, 'In the WAL', 'Quiz', 1);", &killed);
        copy_file(path("crashed.db"), path("state.db"));
        copy_file(path("crashed.db-wal"), path("state.db-wal"));
        copy_file(path("crashed.db-shm"), path("state.db-shm"));
        sqlite3_close(killed);
        make_book(path("src.db"), 1, "DELETE FROM grades WHERE id > 3;");
        CHECK(db_copy_to_temp(path("src.db"), path("state.db"), NULL, &tmp, &problem) == 0);
        CHECK(db_replace(path("state.db"), tmp, &had_old, &problem) == 0);
        CHECK(had_old && problem == NULL);
        CHECK(!exists(tmp));
        free(tmp);
        CHECK(!exists(path("state.db-wal")) && !exists(path("state.db-shm")));
        CHECK(verify(path("state.db"), &sum, why, sizeof why) == 0 && sum.grades == 3);
        /* The old book whole in one file: its -wal was checkpointed into it. */
        CHECK(!exists(path("state.db.before-restore-wal")));
        CHECK(verify(path("state.db.before-restore"), &sum, why, sizeof why) == 0 && sum.grades == 6);

        /* Again: the first .before-restore (and its -wal) makes room. */
        make_book(path("src.db"), 1, "DELETE FROM grades WHERE id > 4;");
        CHECK(db_copy_to_temp(path("src.db"), path("state.db"), NULL, &tmp, &problem) == 0);
        CHECK(db_replace(path("state.db"), tmp, &had_old, &problem) == 0);
        free(tmp);
        CHECK(had_old);
        CHECK(verify(path("state.db"), &sum, why, sizeof why) == 0 && sum.grades == 4);
        CHECK(verify(path("state.db.before-restore"), &sum, why, sizeof why) == 0 && sum.grades == 3);
        CHECK(!exists(path("state.db.before-restore.new")));

        /* A NEW that is not there: the old book stays, with its grades. */
        make_book_open(path("crashed.db"), 1,
                       "INSERT INTO grades (student_id, title, type, score) VALUES (1, 'In the WAL', 'Quiz', 1);", &killed);
        copy_file(path("crashed.db"), path("state.db"));
        copy_file(path("crashed.db-wal"), path("state.db-wal"));
        sqlite3_close(killed);
        CHECK(db_replace(path("state.db"), path("no-such.tmp"), &had_old, &problem) < 0);
        CHECK(problem && strstr(problem, "no-such.tmp") != NULL);
        free(problem);
        CHECK(verify(path("state.db"), &sum, why, sizeof why) == 0 && sum.grades == 6);
}

static void remove_dir(void) {
        DIR *d = opendir(dir);

        for (struct dirent *e; d && (e = readdir(d));)
                if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0))
                        unlink(path(e->d_name));
        if (d)
                closedir(d);
        rmdir(dir);
}

int main(void) {
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        test_verify_good();
        test_verify_not_sqlite();
        test_verify_corrupt();
        test_verify_version();
        test_verify_schema();
        test_verify_grades();
        test_copy();
        test_replace();
        remove_dir();
        return check_finish("dgoctl-db");
}
