/* test-store_backends: the same cases against both of the grade book's
 * store backends, SQLite (files in a temporary directory) and PostgreSQL
 * (a private server the test starts, pg_server.h), then what is
 * PostgreSQL's alone.
 *
 * Proves, for each backend: a new book is made and seeded, once (with
 * PostgreSQL also when two stores open it at once, as two replicas' first
 * starts; an SQLite file has one service, and two first opens at once may
 * fail to switch it to WAL, "database is locked", as before); an earlier
 * dgo's students.json is imported with its IDs and set aside; additions
 * and removals are committed and read back after reopening, a rollback
 * leaves nothing; changes refused by the book's rules (-ENOSPC, -ENOENT)
 * leave the batch going; a book of a newer schema is refused; two stores
 * (two replicas) adding students at once get distinct IDs. PostgreSQL: a
 * COMMIT whose connection is terminated while it waits (for a synchronous
 * standby that never comes: the moment is certain) is UNKNOWN through the
 * writer, which then reads the whole book again (the grade is in it) and
 * goes on, answering a change "not stored" while the database refuses
 * connections and storing the next once it takes them, the main loop
 * never told to end; one whose wait is cancelled (the server then
 * answers COMMIT with a WARNING) is UNKNOWN too; and in both the grade is
 * in the book, so "nothing changed" would have been false. A connection
 * lost before COMMIT: rolled back, not stored, and the next batch connects
 * again. Two writers' batches with two students' grades in opposite
 * orders: deadlock (one fails) when rows are locked as met, both stored
 * (the second waiting) when store_lock_batch() takes them in order first.
 * Measures: a single-grade insert + commit through the store, p50 and p99,
 * on each backend.
 *
 * Without PostgreSQL 15's server binaries the PostgreSQL half is skipped
 * (exit 77 when the SQLite half passed); scripts/deps test installs them. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/macros.h"
#include "check.h"
#include "sqlite_int.h"
#include "writer_answers.h"
#include "dgo/gradebook.h"
#include "grading/store.h"
#include "grading/writer.h"
#include "pg_server.h"
#include "tmp_dir.h"

static char dir[] = "/tmp/dgo-test-store_backends-XXXXXX";
static struct pg_server pg;

#define in_dir(name) tmp_path(dir, (name))

static char *book_json(const struct gradebook *gb) {
        json_t *j = gradebook_to_json(gb);
        char *text = json_dumps(j, JSON_COMPACT);

        json_decref(j);
        return text;
}

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A backend, as the cases see it: a "book" is a path (SQLite) or a
 * connection string (PostgreSQL). */
struct backend {
        const char *name;
        /* A new, empty book's name into BOOK (256 bytes). */
        void (*new_book)(char *book);
        int (*open)(const char *book, const char *legacy, const char *seed, struct store **st, struct gradebook *gb);
        /* SQL's first column of its first row as an integer; -1 if none. */
        long long (*sql)(const char *book, const char *sql);
        const char *version_sql, *set_version_99_sql;
        bool replicas_start_at_once;            /* several services' first starts on one book */
};

/* --- SQLite --- */

static void sqlite_new_book(char *book) {
        static unsigned n;

        snprintf(book, 256, "%s/book-%u.db", dir, n++);
}

static int sqlite_open(const char *book, const char *legacy, const char *seed, struct store **st,
                       struct gradebook *gb) {
        return store_open(book, legacy, seed, st, gb);
}

static long long sqlite_sql(const char *book, const char *sql) {
        return sqlite_int(book, sql);
}

static const struct backend sqlite_backend = {
        "SQLite", sqlite_new_book, sqlite_open, sqlite_sql, "PRAGMA user_version", "PRAGMA user_version = 99",
        false,
};

/* --- PostgreSQL --- */

static void pg_new_book(char *book) {
        static unsigned n;
        char sql[64], name[32];

        snprintf(name, sizeof name, "book%u", n++);
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
        pg_server_sql(&pg, "postgres", sql);
        pg_server_conninfo(&pg, name, book, 256);
}

static int pg_open(const char *book, const char *legacy, const char *seed, struct store **st, struct gradebook *gb) {
        return store_open_postgresql(book, NULL, legacy, seed, st, gb);
}

/* The database's name in BOOK's connection string. */
static const char *pg_dbname(const char *book) {
        return strstr(book, "dbname=") + strlen("dbname=");
}

static long long pg_sql(const char *book, const char *sql) {
        return pg_server_sql(&pg, pg_dbname(book), sql);
}

static const struct backend pg_backend = {
        "PostgreSQL", pg_new_book, pg_open, pg_sql, "SELECT version FROM dgo_schema",
        "UPDATE dgo_schema SET version = 99", true,
};

/* --- the cases, for each backend --- */

static const char seed_json[] = "[{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":"
                                "[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\",\"Score\":85}]}]";
static const char legacy_json[] = "[{\"ID\":7,\"FirstName\":\"Grace\",\"LastName\":\"Hopper\",\"Grades\":"
                                  "[{\"Title\":\"Élan \\\\ tab\",\"Type\":\"Exam\",\"Score\":99.5},"
                                  "{\"Title\":\"Q\",\"Type\":\"Quiz\",\"Score\":0.5}]},"
                                  "{\"ID\":3,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":[]}]";

/* The book as reopened, in the original's JSON. */
static char *reopened_json(const struct backend *b, const char *book) {
        struct gradebook gb;
        struct store *st;
        char *text;

        if (b->open(book, NULL, in_dir("seed.json"), &st, &gb) < 0)
                return NULL;
        text = book_json(&gb);
        gradebook_free(&gb);
        store_close(st);
        return text;
}

static void test_new_and_import(const struct backend *b) {
        char book[256], *seed = in_dir("seed.json"), *legacy = in_dir("students.json");
        struct gradebook gb;
        struct store *st;
        char *text;

        /* nothing yet: the samples, the schema's version */
        b->new_book(book);
        CHECK(b->open(book, legacy, seed, &st, &gb) == 0);
        CHECK(gb.n_students == 1 && gb.students[0].n_grades == 1);
        store_close(st);
        gradebook_free(&gb);
        CHECK(b->sql(book, b->version_sql) == STORE_SCHEMA_VERSION);
        /* opened again: not seeded again */
        CHECK(b->open(book, legacy, seed, &st, &gb) == 0);
        store_close(st);
        gradebook_free(&gb);
        CHECK(b->sql(book, "SELECT count(*) FROM students") == 1);
        CHECK(b->sql(book, "SELECT count(*) FROM grades") == 1);

        /* an earlier dgo's students.json: imported with its IDs, set aside */
        b->new_book(book);
        tmp_write(legacy, legacy_json);
        CHECK(b->open(book, legacy, seed, &st, &gb) == 0);
        CHECK(access(legacy, F_OK) < 0 && access(in_dir("students.json.imported"), F_OK) == 0);
        text = book_json(&gb);
        CHECK_STR(text, "[{\"ID\":3,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":[]},"
                        "{\"ID\":7,\"FirstName\":\"Grace\",\"LastName\":\"Hopper\",\"Grades\":"
                        "[{\"Title\":\"Élan \\\\ tab\",\"Type\":\"Exam\",\"Score\":99.5},"
                        "{\"Title\":\"Q\",\"Type\":\"Quiz\",\"Score\":0.5}]}]");
        free(text);
        store_close(st);
        gradebook_free(&gb);
        /* the next student's ID follows the imported ones */
        CHECK(b->open(book, NULL, seed, &st, &gb) == 0);
        long id = 0;
        CHECK(store_begin(st) == 0);
        CHECK(store_add_student(st, "Alan", "Turing", &id) == 0);
        CHECK(store_commit(st) == 0);
        CHECK(id == 8);
        store_close(st);
        gradebook_free(&gb);
        unlink(in_dir("students.json.imported"));

        /* a students.json that does not parse: refused, nothing made of it */
        b->new_book(book);
        tmp_write(legacy, "[{\"ID\":");
        CHECK(b->open(book, legacy, seed, &st, &gb) < 0);
        CHECK(access(legacy, F_OK) == 0);
        CHECK(b->sql(book, b->version_sql) <= 0);
        unlink(legacy);
}

static void test_changes(const struct backend *b) {
        char book[256], *seed = in_dir("seed.json"), *text;
        struct gradebook gb;
        struct store *st;
        struct grade g = { .title = (char *) "A", .type = GRADE_TEST, .score = 71.25 };
        long id = 0;

        b->new_book(book);
        CHECK(b->open(book, NULL, seed, &st, &gb) == 0);
        gradebook_free(&gb);
        CHECK(store_begin(st) == 0);
        CHECK(store_add_grade(st, 1, &g) == 0);
        CHECK(store_add_student(st, "Ada", "Lovelace", &id) == 0);
        CHECK(id == 2);
        g.title = (char *) "B";
        CHECK(store_add_grade(st, 2, &g) == 0);
        CHECK(store_remove_grade(st, 1, 0) == 0);               /* the sample's "Quiz 1" */
        CHECK(store_commit(st) == 0);

        /* a rollback leaves nothing */
        g.title = (char *) "rolled back";
        CHECK(store_begin(st) == 0);
        CHECK(store_add_grade(st, 1, &g) == 0);
        CHECK(store_add_student(st, "Not", "Stored", &id) == 0);
        CHECK(store_rollback(st) == 0);
        store_close(st);

        text = reopened_json(b, book);
        CHECK_STR(text, "[{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":"
                        "[{\"Title\":\"A\",\"Type\":\"Test\",\"Score\":71.25}]},"
                        "{\"ID\":2,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":"
                        "[{\"Title\":\"B\",\"Type\":\"Test\",\"Score\":71.25}]}]");
        free(text);

        /* a newer dgo's book: refused, and left as it was */
        b->sql(book, b->set_version_99_sql);
        CHECK(b->open(book, NULL, seed, &st, &gb) == -EPROTONOSUPPORT);
        CHECK(gb.n_students == 0);
        CHECK(b->sql(book, b->version_sql) == 99);
}

static void test_refused(const struct backend *b) {
        char book[256], *seed = in_dir("seed.json");
        struct gradebook gb;
        struct store *st;
        struct grade g = { .title = (char *) "fill", .type = GRADE_QUIZ, .score = 1 };
        long id = 0;
        int r = 0;

        b->new_book(book);
        CHECK(b->open(book, NULL, seed, &st, &gb) == 0);
        gradebook_free(&gb);
        CHECK(store_begin(st) == 0);
        for (int i = 1; i < GB_GRADES_MAX && r == 0; i++)       /* the sample has one */
                r = store_add_grade(st, 1, &g);
        CHECK(r == 0);
        CHECK(store_add_student(st, "Ada", "Lovelace", &id) == 0 && id == 2);
        CHECK(store_commit(st) == 0);

        /* in one batch: two changes refused by the rules, one stored */
        g.title = (char *) "after the refusals";
        CHECK(store_begin(st) == 0);
        CHECK(store_add_grade(st, 1, &g) == -ENOSPC);
        CHECK(store_remove_grade(st, 2, 0) == -ENOENT);
        CHECK(store_remove_grade(st, 1, 5000) == -ENOENT);
        CHECK(store_add_grade(st, 2, &g) == 0);
        CHECK(store_commit(st) == 0);
        store_close(st);

        CHECK(b->open(book, NULL, seed, &st, &gb) == 0);
        CHECK(gb.n_students == 2 && gb.students[0].n_grades == GB_GRADES_MAX && gb.students[1].n_grades == 1);
        store_close(st);
        gradebook_free(&gb);
}

/* Two stores of one book, as two replicas, each in a thread of its own. */
struct replica {
        const struct backend *b;
        const char *book;
        struct store *st;
        long ids[20];
        int failures;
};

static void *add_students(void *userdata) {
        struct replica *p = userdata;

        for (size_t i = 0; i < ELEMENTSOF(p->ids); i++) {
                if (store_begin(p->st) < 0 || store_add_student(p->st, "Twin", "Replica", &p->ids[i]) < 0) {
                        (void) store_rollback(p->st);
                        p->failures++;
                } else if (store_commit(p->st) < 0)
                        p->failures++;
        }
        return NULL;
}

static void test_two_replicas(const struct backend *b) {
        char book[256], *seed = in_dir("seed.json");
        struct replica r[2] = { { .b = b, .book = book }, { .b = b, .book = book } };
        struct gradebook gb;
        pthread_t t[2];

        b->new_book(book);
        for (int i = 0; i < 2; i++) {
                CHECK(b->open(book, NULL, seed, &r[i].st, &gb) == 0);
                gradebook_free(&gb);
        }
        for (int i = 0; i < 2; i++)
                CHECK(pthread_create(&t[i], NULL, add_students, &r[i]) == 0);
        for (int i = 0; i < 2; i++) {
                pthread_join(t[i], NULL);
                CHECK(r[i].failures == 0);
                store_close(r[i].st);
        }
        /* 40 distinct IDs, 2 to 41, and 41 students in the book */
        bool seen[42] = { false }, distinct = true;
        for (int i = 0; i < 2; i++)
                for (size_t k = 0; k < ELEMENTSOF(r[i].ids); k++) {
                        long id = r[i].ids[k];
                        if (id < 2 || id > 41 || seen[id])
                                distinct = false;
                        else
                                seen[id] = true;
                }
        CHECK(distinct);
        CHECK(b->sql(book, "SELECT count(*) FROM students") == 41);
}

/* Two replicas' first starts at once on an empty book: seeded once. */
struct first_start {
        const struct backend *b;
        const char *book;
        int r;
        size_t n_students;
};

static void *first_start(void *userdata) {
        struct first_start *f = userdata;
        struct gradebook gb;
        struct store *st;

        f->r = f->b->open(f->book, NULL, in_dir("seed.json"), &st, &gb);
        if (f->r >= 0) {
                f->n_students = gb.n_students;
                gradebook_free(&gb);
                store_close(st);
        }
        return NULL;
}

static void test_first_starts(const struct backend *b) {
        char book[256];
        struct first_start f[2] = { { .b = b, .book = book }, { .b = b, .book = book } };
        pthread_t t[2];

        b->new_book(book);
        for (int i = 0; i < 2; i++)
                CHECK(pthread_create(&t[i], NULL, first_start, &f[i]) == 0);
        for (int i = 0; i < 2; i++) {
                pthread_join(t[i], NULL);
                CHECK(f[i].r == 0 && f[i].n_students == 1);
        }
        CHECK(b->sql(book, "SELECT count(*) FROM students") == 1);
        CHECK(b->sql(book, "SELECT count(*) FROM grades") == 1);
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

/* Single-grade insert + commit through the store: p50 and p99 of up to
 * 500 (at most 20 s). */
static void measure(const struct backend *b) {
        enum { N = 500 };
        static double ms[N];
        char book[256];
        struct gradebook gb;
        struct store *st;
        struct grade g = { .title = (char *) "bench", .type = GRADE_QUIZ, .score = 50 };
        double start = now_ms();
        int n = 0;

        b->new_book(book);
        CHECK(b->open(book, NULL, in_dir("seed.json"), &st, &gb) == 0);
        gradebook_free(&gb);
        /* one student per 900 grades, below GB_GRADES_MAX */
        long student = 1;
        for (; n < N && now_ms() - start < 20000; n++) {
                if (n % 900 == 899) {
                        CHECK(store_begin(st) == 0 && store_add_student(st, "Bench", "Mark", &student) == 0 &&
                              store_commit(st) == 0);
                }
                double t0 = now_ms();
                int r = store_begin(st);
                if (r >= 0)
                        r = store_add_grade(st, student, &g);
                if (r >= 0)
                        r = store_commit(st);
                ms[n] = now_ms() - t0;
                if (r < 0) {
                        CHECK(r >= 0);
                        break;
                }
        }
        store_close(st);
        qsort(ms, (size_t) n, sizeof ms[0], compare_double);
        CHECK(n >= 100);
        if (n > 0)
                printf("%s: single-grade insert + commit through the store, %d times: p50 %.3f ms, p99 %.3f ms, "
                       "max %.3f ms\n", b->name, n, ms[n / 2], ms[n * 99 / 100], ms[n - 1]);
}

static void run_cases(const struct backend *b) {
        int before = check_failures;

        test_new_and_import(b);
        test_changes(b);
        test_refused(b);
        test_two_replicas(b);
        if (b->replicas_start_at_once)
                test_first_starts(b);
        measure(b);
        printf("%s: the common cases %s\n", b->name, check_failures == before ? "passed" : "FAILED");
}

/* --- PostgreSQL's alone --- */

/* The writer's answers, as the service's would be. */
struct answers {
        struct writer_answers w;
        /* The writer's reads of the whole book (no request to answer), and
         * the grades titled WATCH the last one found. */
        unsigned whole_reads, watched;
        const char *watch;
};

static int apply(struct change *batch, void *userdata) {
        struct answers *a = userdata;

        for (struct change *c = batch; c; c = c->next) {
                if (c->kind != CHANGE_REFRESH || c->n_ids != 0)
                        continue;
                unsigned found = 0;
                for (size_t i = 0; i < c->fresh.n_students; i++)
                        for (size_t j = 0; j < c->fresh.students[i].n_grades; j++)
                                found += a->watch && strcmp(c->fresh.students[i].grades[j].title, a->watch) == 0;
                pthread_mutex_lock(&a->w.lock);
                a->whole_reads++;
                a->watched = found;
                pthread_mutex_unlock(&a->w.lock);
        }
        return 0;
}

static void answer(struct change *c, void *userdata) {
        writer_answers_take(&((struct answers *) userdata)->w, c);
}

static const struct writer_ops ops = { .apply = apply, .answer = answer };



struct committer {
        struct store *st;
        int r;
};

static void *commit_one(void *userdata) {
        struct committer *c = userdata;
        struct grade g = { .title = (char *) "cancelled wait", .type = GRADE_QUIZ, .score = 50 };

        c->r = store_begin(c->st);
        if (c->r >= 0)
                c->r = store_add_grade(c->st, 1, &g);
        if (c->r >= 0)
                c->r = store_commit(c->st);
        return NULL;
}

static void test_pg_commit_lost(void) {
        struct answers a = { .w = WRITER_ANSWERS_INIT };
        char book[256], count[128];
        struct gradebook gb;
        struct committer c = { 0 };
        struct writer *w;
        struct store *st;
        sd_event *e;
        pthread_t t;
        long long pid;

        pg_new_book(book);
        CHECK(pg_open(book, NULL, in_dir("seed.json"), &st, &gb) == 0);         /* made and seeded */
        store_close(st);
        gradebook_free(&gb);

        /* From now on a COMMIT waits for a standby that never comes. */
        CHECK(pg_server_set_standby_names(&pg, "dgo_no_such_standby"));

        /* Through the writer: the connection is terminated while COMMIT
         * waits: UNKNOWN. A shared book is then read again whole (and the
         * grade is in it: committed on the primary all the same, so "not
         * stored" would have been false); the process goes on, and the
         * writer takes changes again. */
        CHECK(sd_event_new(&e) >= 0);
        CHECK(pg_open(book, NULL, in_dir("seed.json"), &st, &gb) == 0);         /* loads: commits nothing */
        a.watch = "terminated wait";
        CHECK(writer_start(st, e, &ops, &a, &w) == 0);
        CHECK(writer_submit(w, grade_change(1, "terminated wait")));
        pid = pg_server_waiting_commit(&pg, pg_dbname(book));
        CHECK(pid > 0);
        /* ... and the database cannot be reached for a while (a failover);
         * this commit waits for no standby. */
        snprintf(count, sizeof count, "SET synchronous_commit = local; ALTER DATABASE %s ALLOW_CONNECTIONS false",
                 pg_dbname(book));
        CHECK(pg_server_exec(&pg, "postgres", count));
        snprintf(count, sizeof count, "SELECT pg_terminate_backend(%lld)::int", pid);
        CHECK(pg_server_sql(&pg, "postgres", count) == 1);
        CHECK(writer_answers_wait(&a.w, 1, 20));
        CHECK(a.w.unknown == 1 && a.w.stored == 0 && a.w.not_stored == 0);
        /* Meanwhile a change is answered "not stored", within a try. */
        CHECK(writer_submit(w, grade_change(1, "while unreachable")));
        CHECK(writer_answers_wait(&a.w, 2, 20));
        CHECK(a.w.not_stored == 1 && a.w.stored == 0);
        snprintf(count, sizeof count, "SET synchronous_commit = local; ALTER DATABASE %s ALLOW_CONNECTIONS true",
                 pg_dbname(book));
        CHECK(pg_server_exec(&pg, "postgres", count));
        CHECK(pg_server_set_standby_names(&pg, ""));
        CHECK(writer_submit(w, grade_change(1, "after the failure")));
        CHECK(writer_answers_wait(&a.w, 3, 20));
        CHECK(a.w.stored == 1 && a.w.unknown == 1 && a.w.not_stored == 1);
        pthread_mutex_lock(&a.w.lock);
        CHECK(a.whole_reads == 1 && a.watched == 1);
        pthread_mutex_unlock(&a.w.lock);
        CHECK(sd_event_run(e, 0) >= 0);
        CHECK(sd_event_get_state(e) != SD_EVENT_FINISHED);      /* the main loop goes on */
        writer_stop(w);
        store_close(st);
        sd_event_unref(e);
        gradebook_free(&gb);
        CHECK(pg_sql(book, "SELECT count(*) FROM grades WHERE title = 'after the failure'") == 1);
        CHECK(pg_sql(book, "SELECT count(*) FROM grades WHERE title = 'while unreachable'") == 0);
        CHECK(pg_server_set_standby_names(&pg, "dgo_no_such_standby"));
        /* committed on the primary all the same: "not stored" would have been false */
        CHECK(pg_sql(book, "SELECT count(*) FROM grades WHERE title = 'terminated wait'") == 1);

        /* The wait cancelled: the server answers COMMIT with a WARNING
         * ("committed locally, but might not have been replicated"). */
        CHECK(pg_open(book, NULL, in_dir("seed.json"), &c.st, &gb) == 0);
        gradebook_free(&gb);
        CHECK(pthread_create(&t, NULL, commit_one, &c) == 0);
        pid = pg_server_waiting_commit(&pg, pg_dbname(book));
        CHECK(pid > 0);
        snprintf(count, sizeof count, "SELECT pg_cancel_backend(%lld)::int", pid);
        CHECK(pg_server_sql(&pg, "postgres", count) == 1);
        pthread_join(t, NULL);
        CHECK(c.r < 0);
        store_close(c.st);
        CHECK(pg_sql(book, "SELECT count(*) FROM grades WHERE title = 'cancelled wait'") == 1);

        CHECK(pg_server_set_standby_names(&pg, ""));
}

static void test_pg_lost_before_commit(void) {
        char book[256], sql[256];
        struct gradebook gb;
        struct store *st;
        struct grade g = { .title = (char *) "lost", .type = GRADE_QUIZ, .score = 50 };

        pg_new_book(book);
        CHECK(pg_open(book, NULL, in_dir("seed.json"), &st, &gb) == 0);
        gradebook_free(&gb);
        snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid)::int FROM pg_stat_activity "
                 "WHERE datname = '%s' AND application_name = 'dgo-grading'", pg_dbname(book));

        /* lost in the middle of a batch: the next statement fails; the
         * rollback is the server's; nothing stored */
        CHECK(store_begin(st) == 0);
        CHECK(store_add_grade(st, 1, &g) == 0);
        CHECK(pg_server_sql(&pg, "postgres", sql) == 1);
        usleep(100 * 1000);
        CHECK(store_add_grade(st, 1, &g) == -EIO);
        CHECK(store_rollback(st) == 0);
        CHECK(pg_sql(book, "SELECT count(*) FROM grades WHERE title = 'lost'") == 0);

        /* lost between batches: the next batch connects again */
        g.title = (char *) "after reconnecting";
        CHECK(store_begin(st) == 0);
        CHECK(store_add_grade(st, 1, &g) == 0);
        CHECK(store_commit(st) == 0);
        CHECK(pg_server_sql(&pg, "postgres", sql) == 1);
        usleep(100 * 1000);
        CHECK(store_begin(st) == 0);
        CHECK(store_add_grade(st, 1, &g) == 0);
        CHECK(store_commit(st) == 0);
        store_close(st);
        CHECK(pg_sql(book, "SELECT count(*) FROM grades WHERE title = 'after reconnecting'") == 2);
}

/* The rest of a batch on another thread: ORDERED: begin, take the locks
 * of students 1 and 2 in order (timed), a grade for 2, then for 1, commit;
 * else: a grade for STUDENT in the open batch. R: the first failure (the
 * batch then rolled back: a deadlock's victim lets go) or 0. */
struct other_writer {
        struct store *st;
        bool ordered;
        long student;
        int r;
        double lock_ms;
};

static void *other_writer_main(void *userdata) {
        struct other_writer *o = userdata;
        struct grade g = { .title = (char *) (o->ordered ? "ordered" : "unordered"), .type = GRADE_QUIZ, .score = 1 };
        const long both[] = { 1, 2 };
        struct timespec t0, t1;

        if (!o->ordered)
                o->r = store_add_grade(o->st, o->student, &g);
        else {
                o->r = store_begin(o->st);
                clock_gettime(CLOCK_MONOTONIC, &t0);
                if (o->r >= 0)
                        o->r = store_lock_batch(o->st, both, 2, false);
                clock_gettime(CLOCK_MONOTONIC, &t1);
                o->lock_ms = (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6;
                if (o->r >= 0)
                        o->r = store_add_grade(o->st, 2, &g);
                if (o->r >= 0)
                        o->r = store_add_grade(o->st, 1, &g);
                if (o->r >= 0)
                        o->r = store_commit(o->st);
        }
        if (o->r < 0)
                (void) store_rollback(o->st);
        return NULL;
}

/* Two writers of one book, batches with grades of students 1 and 2 in
 * opposite orders. Taking the rows as met, PostgreSQL finds a deadlock and
 * fails one batch (after deadlock_timeout, 1 s): what the service would
 * answer 503. Taking them first with store_lock_batch(), the second waits
 * for the first's commit and both are stored. */
static void test_pg_lock_order(void) {
        struct grade unordered = { .title = (char *) "unordered", .type = GRADE_QUIZ, .score = 1 };
        struct grade ordered = { .title = (char *) "ordered", .type = GRADE_QUIZ, .score = 1 };
        const long both[] = { 1, 2 };
        struct other_writer y = { 0 };
        struct store *x;
        char book[256];
        struct gradebook gb;
        pthread_t t;
        long id = 0;
        int rx;

        pg_new_book(book);
        CHECK(pg_open(book, NULL, in_dir("seed.json"), &x, &gb) == 0);
        gradebook_free(&gb);
        CHECK(pg_open(book, NULL, in_dir("seed.json"), &y.st, &gb) == 0);
        gradebook_free(&gb);
        CHECK(store_begin(x) == 0 && store_add_student(x, "Second", "Student", &id) == 0 && store_commit(x) == 0);
        CHECK(id == 2);

        /* As met: X holds 1 and wants 2 (on the thread), Y holds 2 and wants 1. */
        CHECK(store_begin(x) == 0 && store_add_grade(x, 1, &unordered) == 0);
        CHECK(store_begin(y.st) == 0 && store_add_grade(y.st, 2, &unordered) == 0);
        y.student = 1;
        CHECK(pthread_create(&t, NULL, other_writer_main, &y) == 0);
        usleep(100 * 1000);
        rx = store_add_grade(x, 2, &unordered);
        if (rx < 0)
                (void) store_rollback(x);
        pthread_join(t, NULL);
        CHECK((rx < 0) != (y.r < 0));                   /* one of the two failed */
        CHECK((rx < 0 ? store_commit(y.st) : store_commit(x)) == 0);
        CHECK(pg_sql(book, "SELECT count(*) FROM grades WHERE title = 'unordered'") == 2);

        /* In order: X takes 1 and 2 first; Y's store_lock_batch() waits for
         * X's commit, then both of Y's grades go in. */
        CHECK(store_begin(x) == 0 && store_lock_batch(x, both, 2, false) == 0);
        CHECK(store_add_grade(x, 1, &ordered) == 0);
        y = (struct other_writer) { .st = y.st, .ordered = true };
        CHECK(pthread_create(&t, NULL, other_writer_main, &y) == 0);
        usleep(200 * 1000);
        CHECK(store_add_grade(x, 2, &ordered) == 0);
        CHECK(store_commit(x) == 0);
        pthread_join(t, NULL);
        CHECK(y.r == 0);
        CHECK(y.lock_ms >= 150);                        /* it waited for X */
        printf("PostgreSQL: the second writer's locks waited %.0f ms for the first's commit, no deadlock\n",
               y.lock_ms);
        CHECK(pg_sql(book, "SELECT count(*) FROM grades WHERE title = 'ordered'") == 4);
        store_close(x);
        store_close(y.st);
}

int main(void) {
        bool have_pg = pg_server_installed();
        int r;

        CHECK(mkdtemp(dir) != NULL);
        tmp_write(in_dir("seed.json"), seed_json);
        /* The server first, before any thread. */
        if (have_pg) {
                r = pg_server_start(&pg);
                CHECK(r == 0);
                if (r < 0) {
                        pg_server_stop(&pg, true);
                        return check_finish("store_backends");
                }
        }

        run_cases(&sqlite_backend);
        if (have_pg) {
                run_cases(&pg_backend);
                test_pg_commit_lost();
                test_pg_lost_before_commit();
                test_pg_lock_order();
                pg_server_stop(&pg, check_failures > 0);
        }

        unlink(in_dir("seed.json"));
        pg_server_rm_rf(dir);                                           /* the SQLite books */
        if (!have_pg) {
                printf("SKIP: the PostgreSQL half: PostgreSQL 15's server (" PG_BINDIR ") is not installed "
                       "(scripts/deps test installs postgresql-15)\n");
                return check_failures ? check_finish("store_backends") : 77;
        }
        return check_finish("store_backends");
}
