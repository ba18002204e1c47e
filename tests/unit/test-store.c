/* test-store: the grade book's SQLite store, its group-commit writer and
 * the read replies, on real database files in a temporary directory.
 *
 * Proves: a new database gets schema version 1 and the samples; an earlier
 * dgo's students.json is imported with its IDs, in one transaction, and set
 * aside; it is never imported twice; a database of a newer schema, or with
 * a damaged row, is refused whole (nothing half-loaded); changes of
 * concurrent clients share commits; a change refused for want of the write
 * lock is "not stored" and memory equals the disk afterwards; an fsync that
 * fails at commit gives "unknown", leaves memory as it was, refuses further
 * changes and ends the main loop; replies: the whole book equals the
 * original's JSON, pages and name search; the checkpoint thread copies a
 * large WAL into the database. Disk faults are injected by
 * interposing fdatasync(), which libsqlite3 calls for every sync. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "sqlite_int.h"
#include "grading/checkpointer.h"
#include "dgo/gradebook.h"
#include "grading/replies.h"
#include "grading/store.h"
#include "grading/writer.h"
#include "tmp_dir.h"
#include "writer_answers.h"

/* fdatasync() as libsqlite3 sees it: fails with EIO while fail_sync is set,
 * and waits sync_delay_us first (to let changes queue behind a commit). */
static atomic_bool fail_sync;
static atomic_uint sync_delay_us;

int fdatasync(int fd) {
        if (atomic_load(&sync_delay_us))
                usleep(atomic_load(&sync_delay_us));
        if (atomic_load(&fail_sync)) {
                errno = EIO;
                return -1;
        }
        return (int) syscall(SYS_fdatasync, fd);
}

static char dir[] = "/tmp/dgo-test-store-XXXXXX";

#define in_dir(name) tmp_path(dir, (name))

static char *book_json(const struct gradebook *gb) {
        json_t *j = gradebook_to_json(gb);
        char *text = json_dumps(j, JSON_COMPACT);

        json_decref(j);
        return text;
}


static void sql_exec(const char *path, const char *sql) {
        sqlite3 *db;

        CHECK(sqlite3_open(path, &db) == SQLITE_OK);
        CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(db);
}

static void remove_db(const char *path) {
        char p[160];

        unlink(path);
        snprintf(p, sizeof p, "%s-wal", path);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", path);
        unlink(p);
}

static const char seed_json[] = "[{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":"
                                "[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\",\"Score\":85}]}]";
/* An earlier dgo's file: IDs with gaps, out of order, a fractional score. */
static const char legacy_json[] = "[{\"ID\":7,\"FirstName\":\"Grace\",\"LastName\":\"Hopper\",\"Grades\":"
                                  "[{\"Title\":\"Élan\",\"Type\":\"Exam\",\"Score\":99.5},"
                                  "{\"Title\":\"Q\",\"Type\":\"Quiz\",\"Score\":0}]},"
                                  "{\"ID\":3,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":[]}]";

static void test_new_and_import(void) {
        char *db = in_dir("gradebook.db"), *seed = in_dir("seed.json"), *legacy = in_dir("students.json");
        struct gradebook gb;
        struct store *st;
        char *text;

        tmp_write(seed, seed_json);
        /* nothing yet: the samples, schema version 1 */
        CHECK(store_open(db, legacy, seed, &st, &gb) == 0);
        CHECK(gb.n_students == 1 && gb.students[0].n_grades == 1);
        store_close(st);
        gradebook_free(&gb);
        CHECK(sqlite_int(db, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
        remove_db(db);

        /* an earlier dgo's students.json: imported with its IDs, set aside */
        tmp_write(legacy, legacy_json);
        CHECK(store_open(db, legacy, seed, &st, &gb) == 0);
        CHECK(access(legacy, F_OK) < 0 && access(in_dir("students.json.imported"), F_OK) == 0);
        text = book_json(&gb);
        CHECK_STR(text, "[{\"ID\":3,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":[]},"
                        "{\"ID\":7,\"FirstName\":\"Grace\",\"LastName\":\"Hopper\",\"Grades\":"
                        "[{\"Title\":\"Élan\",\"Type\":\"Exam\",\"Score\":99.5},{\"Title\":\"Q\",\"Type\":\"Quiz\",\"Score\":0}]}]");
        free(text);
        store_close(st);
        gradebook_free(&gb);

        /* a students.json beside a database that holds a book: not imported again */
        tmp_write(legacy, seed_json);
        CHECK(store_open(db, legacy, seed, &st, &gb) == 0);
        CHECK(gb.n_students == 2 && gradebook_find(&gb, 7) && !gradebook_find(&gb, 1));
        CHECK(access(legacy, F_OK) == 0);
        store_close(st);
        gradebook_free(&gb);
        unlink(legacy);
        remove_db(db);

        /* a students.json that does not parse: refused, nothing made of it */
        tmp_write(legacy, "[{\"ID\":");
        CHECK(store_open(db, legacy, seed, &st, &gb) < 0);
        CHECK(access(legacy, F_OK) == 0);
        CHECK(sqlite_int(db, "PRAGMA user_version") == 0);
        unlink(legacy);
        unlink(in_dir("students.json.imported"));
        remove_db(db);
}

static void test_refused(void) {
        char *db = in_dir("gradebook.db"), *seed = in_dir("seed.json");
        struct gradebook gb = { 0 };
        struct store *st = NULL;

        CHECK(store_open(db, NULL, seed, &st, &gb) == 0);
        store_close(st);
        gradebook_free(&gb);

        /* a newer dgo's database: refused, and left as it was */
        sql_exec(db, "PRAGMA user_version = 99");
        CHECK(store_open(db, NULL, seed, &st, &gb) == -EPROTONOSUPPORT);
        CHECK(gb.n_students == 0);
        CHECK(sqlite_int(db, "PRAGMA user_version") == 99);

        /* a damaged row: the whole book is refused, not served in part */
        sql_exec(db, "PRAGMA user_version = 1; PRAGMA ignore_check_constraints = 1;"
                     "INSERT INTO grades (student_id, title, type, score) VALUES (1, 'x', 'Essay', 50)");
        CHECK(store_open(db, NULL, seed, &st, &gb) < 0);
        CHECK(gb.n_students == 0 && gb.students == NULL);
        sql_exec(db, "DELETE FROM grades WHERE type = 'Essay';"
                     "INSERT INTO grades (student_id, title, type, score) VALUES (42, 'x', 'Quiz', 50)");
        CHECK(store_open(db, NULL, seed, &st, &gb) < 0);
        remove_db(db);
}

/* The writer's answers, as the service's would be. */
struct answers {
        struct writer_answers w;
        struct gradebook *gb;           /* the book in memory, as the service's */
};

static int apply(struct change *batch, void *userdata) {
        struct answers *a = userdata;

        for (struct change *c = batch; c; c = c->next)
                if (c->outcome == CHANGE_STORED && c->kind == CHANGE_ADD_GRADE) {
                        struct grade g = c->grade;
                        g.title = strdup(c->grade.title);
                        if (student_add_grade(gradebook_find(a->gb, c->student), &g) < 0)
                                return -ENOMEM;
                }
        return 0;
}

static void answer(struct change *c, void *userdata) {
        writer_answers_take(&((struct answers *) userdata)->w, c);
}

static const struct writer_ops ops = { .apply = apply, .answer = answer };



/* Memory equals what a fresh load of the database finds. */
static bool memory_equals_disk(const char *db, const struct gradebook *gb) {
        struct gradebook disk;
        struct store *st;
        char *m, *d;
        bool same;

        if (store_open(db, NULL, in_dir("seed.json"), &st, &disk) < 0)
                return false;
        m = book_json(gb);
        d = book_json(&disk);
        same = strcmp(m, d) == 0;
        free(m);
        free(d);
        gradebook_free(&disk);
        store_close(st);
        return same;
}

static void test_writer(void) {
        char *db = in_dir("gradebook.db"), *seed = in_dir("seed.json");
        struct gradebook gb;
        struct answers a = { .w = WRITER_ANSWERS_INIT, .gb = &gb };
        struct writer *w;
        struct store *st;
        sd_event *e;
        sqlite3 *other;

        CHECK(sd_event_new(&e) >= 0);
        CHECK(store_open(db, NULL, seed, &st, &gb) == 0);
        CHECK(writer_start(st, e, &ops, &a, &w) == 0);

        /* group commit: 20 changes submitted while one commit waits for its
         * fsync share one more commit */
        atomic_store(&sync_delay_us, 100000);
        CHECK(writer_submit(w, grade_change(1, "first")));
        usleep(30000);
        for (int i = 0; i < 20; i++)
                CHECK(writer_submit(w, grade_change(1, "batched")));
        CHECK(writer_answers_wait(&a.w, 21, 60));
        atomic_store(&sync_delay_us, 0);
        CHECK(a.w.stored == 21);
        CHECK(writer_commits(w) == 2);
        CHECK(sqlite_int(db, "SELECT count(*) FROM grades WHERE title = 'batched'") == 20);

        /* the book's rules: the 1001st grade of a student is refused */
        sql_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 978) "
                     "INSERT INTO grades (student_id, title, type, score) SELECT 1, 'fill', 'Quiz', 1 FROM n");
        CHECK(writer_submit(w, grade_change(1, "too many")));
        CHECK(writer_answers_wait(&a.w, 22, 60));
        CHECK(a.w.refused == 1);

        /* another program holds the write lock past the busy timeout: not
         * stored, and memory equals the disk */
        sql_exec(db, "DELETE FROM grades WHERE title = 'fill'");
        CHECK(sqlite3_open(db, &other) == SQLITE_OK);
        CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
        CHECK(writer_submit(w, grade_change(1, "locked out")));
        CHECK(writer_answers_wait(&a.w, 23, 60));
        CHECK(a.w.not_stored == 1);
        sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(other);
        CHECK(memory_equals_disk(db, &gb));
        CHECK(gradebook_find(&gb, 1)->n_grades == 22);

        /* the commit's fsync fails: unknown; memory unchanged; no more
         * changes taken; the main loop ends with -EIO */
        atomic_store(&fail_sync, true);
        CHECK(writer_submit(w, grade_change(1, "fsync fails")));
        CHECK(writer_answers_wait(&a.w, 24, 60));
        atomic_store(&fail_sync, false);
        CHECK(a.w.unknown == 1);
        CHECK(gradebook_find(&gb, 1)->n_grades == 22);
        struct change *late = grade_change(1, "after the failure");
        CHECK(!writer_submit(w, late));
        change_free(late);
        CHECK(sd_event_loop(e) == -EIO);

        writer_stop(w);
        store_close(st);
        sd_event_unref(e);
        gradebook_free(&gb);
        remove_db(db);
}

/* The checkpoint thread copies a large WAL into the database (it once did
 * nothing: its connection had not read the file, so did not know it was in
 * WAL mode). */
static void test_checkpointer(void) {
        char *db = in_dir("ckpt.db");
        struct checkpointer *c;
        struct stat before, after;
        sqlite3 *w;

        CHECK(sqlite3_open(db, &w) == SQLITE_OK);
        CHECK(sqlite3_exec(w, "PRAGMA journal_mode = WAL; CREATE TABLE t (b BLOB)", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_wal_autocheckpoint(w, 0);
        CHECK(checkpointer_start(db, &c) == 0);
        /* About 2,000 pages of 4 KiB into the WAL only. */
        CHECK(sqlite3_exec(w, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                              "INSERT INTO t SELECT randomblob(3000) FROM n", NULL, NULL, NULL) == SQLITE_OK);
        CHECK(stat(db, &before) == 0);
        checkpointer_poke(c, 2000);
        for (int i = 0; i < 200; i++) {         /* up to 2 s */
                usleep(10 * 1000);
                if (stat(db, &after) == 0 && after.st_size > 4 * 1024 * 1024)
                        break;
        }
        CHECK(stat(db, &after) == 0 && after.st_size > before.st_size + 4 * 1024 * 1024);
        checkpointer_stop(c);
        sqlite3_close(w);
        remove_db(db);
}

static void test_replies(void) {
        struct gradebook gb;
        struct replies r = { 0 };
        char err[160], *whole;
        size_t len, total;
        json_t *j = json_loads("[{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":"
                               "[{\"Title\":\"Q\",\"Type\":\"Quiz\",\"Score\":85}]},"
                               "{\"ID\":2,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":[]},"
                               "{\"ID\":4,\"FirstName\":\"Grace\",\"LastName\":\"Hopper\",\"Grades\":[]}]", 0, NULL);

        CHECK(gradebook_from_json(j, &gb, err, sizeof err) == 0);
        json_decref(j);
        whole = book_json(&gb);
        const char *body = http_shared_body(replies_all(&r, &gb), &len);
        CHECK(len == strlen(whole) && memcmp(body, whole, len) == 0);

        char *page = replies_page(&r, &gb, 1, 1, NULL, &len, &total);
        CHECK_STR(page, "[{\"ID\":2,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":[]}]");
        CHECK(total == 3);
        free(page);
        page = replies_page(&r, &gb, 0, 100, "ce H", &len, &total);      /* "Grace Hopper" */
        CHECK_STR(page, "[{\"ID\":4,\"FirstName\":\"Grace\",\"LastName\":\"Hopper\",\"Grades\":[]}]");
        CHECK(total == 1);
        free(page);
        page = replies_page(&r, &gb, 5, 100, NULL, &len, &total);
        CHECK_STR(page, "[]");
        CHECK(total == 3);
        free(page);

        /* a change: the student's and the whole book's replies are made anew */
        struct grade g = { .title = strdup("T"), .type = GRADE_TEST, .score = 88.5 };
        CHECK(student_add_grade(&gb.students[1], &g) == 0);
        replies_changed(&r, 1);
        free(whole);
        whole = book_json(&gb);
        body = http_shared_body(replies_all(&r, &gb), &len);
        CHECK(len == strlen(whole) && memcmp(body, whole, len) == 0);
        free(whole);
        replies_free(&r);
        gradebook_free(&gb);
}

int main(void) {
        CHECK(mkdtemp(dir) != NULL);
        test_new_and_import();
        test_refused();
        test_writer();
        test_checkpointer();
        test_replies();
        unlink(in_dir("seed.json"));
        CHECK(rmdir(dir) == 0);
        return check_finish("store");
}
