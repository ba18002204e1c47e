/* store_sqlite.c - the grade book in one SQLite database (store.h). */
#include "store_backend.h"

#include <assert.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpointer.h"
#include "basic/log.h"
#include "store_schema.h"

enum statement {
        ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
        ST_COUNT_GRADES, ST_ADD_GRADE, ST_NTH_GRADE, ST_DELETE_GRADE,
        ST_COUNT_STUDENTS, ST_MAX_STUDENT, ST_ADD_STUDENT,
        N_STATEMENTS
};

static const char *const statement_sql[N_STATEMENTS] = {
        /* IMMEDIATE: take the write lock now, so that a batch never fails
         * half-way for want of it. */
        [ST_BEGIN] = "BEGIN IMMEDIATE",
        [ST_COMMIT] = "COMMIT",
        [ST_ROLLBACK] = "ROLLBACK",
        [ST_COUNT_GRADES] = "SELECT count(*) FROM grades WHERE student_id = ?1",
        [ST_ADD_GRADE] = "INSERT INTO grades (student_id, title, type, score) VALUES (?1, ?2, ?3, ?4)",
        [ST_NTH_GRADE] = "SELECT id FROM grades WHERE student_id = ?1 ORDER BY id LIMIT 1 OFFSET ?2",
        [ST_DELETE_GRADE] = "DELETE FROM grades WHERE id = ?1",
        [ST_COUNT_STUDENTS] = "SELECT count(*) FROM students",
        [ST_MAX_STUDENT] = "SELECT coalesce(max(id), 0) FROM students",
        [ST_ADD_STUDENT] = "INSERT INTO students (id, first_name, last_name) VALUES (?1, ?2, ?3)",
};

struct store_sqlite {
        struct store base;              /* base.where: the database's path */
        sqlite3 *db;
        sqlite3_stmt *statement[N_STATEMENTS];
        struct checkpointer *checkpointer;
        int wal_pages;                  /* in the WAL after the last commit */
        int truncate_at;                /* try truncating from this many on */
};

/* How long a write waits for a lock another program holds (an operator's
 * sqlite3 shell): then the batch is not stored, and says so. */
#define BUSY_TIMEOUT_MS 1000

/* Log the database's own error about WHAT; -EIO. */
static int db_error(struct store_sqlite *st, const char *what) {
        log_error("%s: %s: %s (SQLite error %d)", st->base.where, what, sqlite3_errmsg(st->db),
                  sqlite3_extended_errcode(st->db));
        return -EIO;
}

static int exec(struct store_sqlite *st, const char *sql) {
        char *message = NULL;

        if (sqlite3_exec(st->db, sql, NULL, NULL, &message) == SQLITE_OK)
                return 0;
        log_error("%s: %s: %s", st->base.where, sql, message ? message : sqlite3_errmsg(st->db));
        sqlite3_free(message);
        return -EIO;
}

/* Run a prepared statement that returns nothing, or one integer (into *RET). */
static int step(struct store_sqlite *st, enum statement s, long long *ret) {
        sqlite3_stmt *stmt = st->statement[s];
        int rc = sqlite3_step(stmt), r = 0;

        if (rc == SQLITE_ROW && ret)
                *ret = sqlite3_column_int64(stmt, 0);
        else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
                if (ret)
                        r = -ENOENT;            /* no row */
        } else
                r = db_error(st, statement_sql[s]);
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return r;
}

static int bind_text(struct store_sqlite *st, enum statement s, int i, const char *text) {
        if (sqlite3_bind_text(st->statement[s], i, text, -1, SQLITE_STATIC) != SQLITE_OK)
                return db_error(st, statement_sql[s]);
        return 0;
}

static int bind_int(struct store_sqlite *st, enum statement s, int i, long long v) {
        if (sqlite3_bind_int64(st->statement[s], i, v) != SQLITE_OK)
                return db_error(st, statement_sql[s]);
        return 0;
}

static int sqlite_begin(struct store *base) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        return step(st, ST_BEGIN, NULL);
}

static int sqlite_commit(struct store *base) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        return step(st, ST_COMMIT, NULL);
}

static int sqlite_rollback(struct store *base) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        /* After some errors (a full disk, an I/O error) SQLite has rolled the
         * transaction back itself; its documentation says to ask this. */
        if (sqlite3_get_autocommit(st->db))
                return 0;
        return step(st, ST_ROLLBACK, NULL);
}

static int insert_grade(struct store_sqlite *st, long student, const struct grade *g) {
        int r = bind_int(st, ST_ADD_GRADE, 1, student);

        if (r >= 0)
                r = bind_text(st, ST_ADD_GRADE, 2, g->title);
        if (r >= 0)
                r = bind_text(st, ST_ADD_GRADE, 3, grade_type_to_string(g->type));
        if (r >= 0 && sqlite3_bind_double(st->statement[ST_ADD_GRADE], 4, g->score) != SQLITE_OK)
                r = db_error(st, statement_sql[ST_ADD_GRADE]);
        return r < 0 ? r : step(st, ST_ADD_GRADE, NULL);
}

static int sqlite_add_grade(struct store *base, long student, const struct grade *g) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        long long n;
        int r = bind_int(st, ST_COUNT_GRADES, 1, student);

        if (r >= 0)
                r = step(st, ST_COUNT_GRADES, &n);
        if (r < 0)
                return r;
        if (n >= GB_GRADES_MAX)
                return -ENOSPC;
        return insert_grade(st, student, g);
}

static int sqlite_remove_grade(struct store *base, long student, size_t index) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        long long id;
        int r = bind_int(st, ST_NTH_GRADE, 1, student);

        if (r >= 0)
                r = bind_int(st, ST_NTH_GRADE, 2, index > GB_GRADES_MAX ? GB_GRADES_MAX : (long long) index);
        if (r >= 0)
                r = step(st, ST_NTH_GRADE, &id);
        if (r >= 0)
                r = bind_int(st, ST_DELETE_GRADE, 1, id);
        return r < 0 ? r : step(st, ST_DELETE_GRADE, NULL);
}

static int insert_student(struct store_sqlite *st, long id, const char *first_name, const char *last_name) {
        int r = bind_int(st, ST_ADD_STUDENT, 1, id);

        if (r >= 0)
                r = bind_text(st, ST_ADD_STUDENT, 2, first_name);
        if (r >= 0)
                r = bind_text(st, ST_ADD_STUDENT, 3, last_name);
        return r < 0 ? r : step(st, ST_ADD_STUDENT, NULL);
}

static int sqlite_add_student(struct store *base, const char *first_name, const char *last_name, long *ret_id) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        long long n, max;
        int r = step(st, ST_COUNT_STUDENTS, &n);

        if (r >= 0)
                r = step(st, ST_MAX_STUDENT, &max);
        if (r < 0)
                return r;
        if (n >= GB_STUDENTS_MAX || max >= GB_ID_MAX)
                return -ENOSPC;
        r = insert_student(st, (long) max + 1, first_name, last_name);
        if (r >= 0)
                *ret_id = (long) max + 1;
        return r;
}

static int sqlite_insert_book(struct store *base, const struct gradebook *gb) {
        struct store_sqlite *st = (struct store_sqlite *) base;

        for (size_t i = 0; i < gb->n_students; i++) {
                const struct student *s = &gb->students[i];
                int r = insert_student(st, s->id, s->first_name, s->last_name);

                for (size_t k = 0; r >= 0 && k < s->n_grades; k++)
                        r = insert_grade(st, s->id, &s->grades[k]);
                if (r < 0)
                        return r;
                store_import_progress(i + 1, gb->n_students);
        }
        return 0;
}

static int user_version(struct store_sqlite *st, long long *ret) {
        sqlite3_stmt *stmt;
        int r = -EIO;

        if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
                return db_error(st, "PRAGMA user_version");
        if (sqlite3_step(stmt) == SQLITE_ROW) {
                *ret = sqlite3_column_int64(stmt, 0);
                r = 0;
        } else
                db_error(st, "PRAGMA user_version");
        sqlite3_finalize(stmt);
        return r;
}

static int prepare_statements(struct store_sqlite *st) {
        for (size_t i = 0; i < N_STATEMENTS; i++)
                if (sqlite3_prepare_v3(st->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                       &st->statement[i], NULL) != SQLITE_OK)
                        return db_error(st, statement_sql[i]);
        return 0;
}

/* Bring the schema to STORE_SCHEMA_VERSION; a new database is filled in
 * the same transaction. */
static int migrate(struct store_sqlite *st, const char *legacy, const char *seed) {
        long long version = 0;
        bool imported = false;
        char sql[64];
        int r;

        r = exec(st, "BEGIN IMMEDIATE");
        if (r >= 0)
                r = user_version(st, &version);
        if (r >= 0 && version > STORE_SCHEMA_VERSION) {
                log_error("%s has schema version %lld; this dgo knows versions up to %d: refusing to use it",
                          st->base.where, version, STORE_SCHEMA_VERSION);
                r = -EPROTONOSUPPORT;
        }
        for (long long v = version; r >= 0 && v < STORE_SCHEMA_VERSION; v++) {
                log_info("%s: schema version %lld to %lld", st->base.where, v, v + 1);
                r = exec(st, store_migrations[v]);
        }
        if (r >= 0)
                r = prepare_statements(st);     /* now that the tables exist */
        if (r >= 0 && version == STORE_SCHEMA_VERSION) {
                if (legacy && access(legacy, F_OK) >= 0)
                        log_warning("%s exists beside the grade book database %s; it was not imported again "
                                    "(the database already holds a grade book)", legacy, st->base.where);
                return exec(st, "COMMIT");
        }
        if (r >= 0 && version == 0)
                r = store_fill_new(&st->base, legacy, seed, &imported);
        if (r >= 0) {
                snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
                r = exec(st, sql);
        }
        if (r >= 0)
                r = exec(st, "COMMIT");
        if (r < 0) {
                if (!sqlite3_get_autocommit(st->db))
                        (void) exec(st, "ROLLBACK");
                return r;
        }
        if (imported)
                store_set_legacy_aside(legacy);
        return 0;
}

static int open_db(struct store_sqlite *st) {
        const char *journal_mode;
        sqlite3_stmt *stmt;
        int r;

        if (sqlite3_open_v2(st->base.where, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            NULL) != SQLITE_OK)
                return st->db ? db_error(st, "cannot open") : -ENOMEM;
        sqlite3_extended_result_codes(st->db, 1);
        /* Wait a while for the write lock that another program (an operator's
         * sqlite3 shell) may hold, instead of failing at once. */
        sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
        if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) != SQLITE_OK)
                return db_error(st, "PRAGMA journal_mode = WAL");
        r = sqlite3_step(stmt) == SQLITE_ROW && (journal_mode = (const char *) sqlite3_column_text(stmt, 0)) &&
            strcmp(journal_mode, "wal") == 0 ? 0 : db_error(st, "cannot use the WAL journal mode");
        sqlite3_finalize(stmt);
        if (r < 0)
                return r;
        /* FULL: in WAL mode NORMAL does not fsync at each commit, and the
         * last commits could be lost with the power. */
        return exec(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
}

static int load_grades(struct store_sqlite *st, struct gradebook *gb) {
        static const char sql[] = "SELECT student_id, title, type, score FROM grades ORDER BY id";
        struct student *s = NULL;
        sqlite3_stmt *stmt;
        int rc, r = 0;

        /* In the table's order (the order grades were given in), which is
         * each student's order too, reading the file front to back. */
        if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
                return db_error(st, sql);
        while (r >= 0 && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
                r = store_load_grade(&st->base, gb, &s, (long) sqlite3_column_int64(stmt, 0),
                                     (const char *) sqlite3_column_text(stmt, 1),
                                     (const char *) sqlite3_column_text(stmt, 2), sqlite3_column_double(stmt, 3));
        if (r >= 0 && rc != SQLITE_DONE)
                r = db_error(st, sql);
        sqlite3_finalize(stmt);
        return r;
}

static int load_students(struct store_sqlite *st, struct gradebook *gb) {
        static const char sql[] = "SELECT id, first_name, last_name FROM students ORDER BY id";
        sqlite3_stmt *stmt;
        int rc, r = 0;

        if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
                return db_error(st, sql);
        while (r >= 0 && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
                r = store_load_student(&st->base, gb, sqlite3_column_int64(stmt, 0),
                                       (const char *) sqlite3_column_text(stmt, 1),
                                       (const char *) sqlite3_column_text(stmt, 2));
        if (r >= 0 && rc != SQLITE_DONE)
                r = db_error(st, sql);
        sqlite3_finalize(stmt);
        return r;
}

static int sqlite_load(struct store *base, struct gradebook *gb) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        int r;

        *gb = (struct gradebook) { 0 };
        /* One read transaction: students and grades of one moment. */
        r = exec(st, "BEGIN");
        if (r >= 0)
                r = load_students(st, gb);
        if (r >= 0)
                r = load_grades(st, gb);
        if (exec(st, "COMMIT") < 0 && r >= 0)
                r = -EIO;
        if (r < 0)
                gradebook_free(gb);
        return r;
}

/* The WAL file is truncated by the writer itself, when it has nothing
 * queued and the WAL holds 16 MB, or at once at 256 MB (the checkpoint
 * thread fell behind a stream of writes that never lets up). Truncating
 * copies what the checkpoint thread has not copied yet and fsyncs the
 * database: whoever comes meanwhile waits. When it cannot (the checkpoint
 * thread is at work, or a reader holds a snapshot), it tries again 1,000
 * pages later. */
#define WAL_IDLE_TRUNCATE_PAGES 4096
#define WAL_TRUNCATE_PAGES 65536
#define WAL_TRUNCATE_RETRY_PAGES 1000

static void truncate_wal(struct store_sqlite *st) {
        int rc;

        if (st->wal_pages < st->truncate_at)
                return;
        /* Without waiting for readers: a dgoctl backup holds its snapshot for
         * a while, and the writer must not wait on it at every commit. */
        sqlite3_busy_timeout(st->db, 0);
        rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
        if (rc == SQLITE_OK) {
                st->wal_pages = st->truncate_at = 0;
                return;
        }
        st->truncate_at = st->wal_pages + WAL_TRUNCATE_RETRY_PAGES;
        if (rc != SQLITE_BUSY)
                log_warning("%s: cannot truncate the WAL (%d pages): %s", st->base.where, st->wal_pages,
                            sqlite3_errmsg(st->db));
}

static void sqlite_idle(struct store *base) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        if (st->wal_pages >= WAL_IDLE_TRUNCATE_PAGES)
                truncate_wal(st);
}

/* Called in the writer's thread after each commit, which is durable by then. */
static int on_wal_commit(void *userdata, sqlite3 *db, const char *name, int pages) {
        struct store_sqlite *st = userdata;

        if (pages < st->wal_pages)              /* started over */
                st->truncate_at = 0;
        st->wal_pages = pages;
        checkpointer_poke(st->checkpointer, pages);
        if (pages >= WAL_TRUNCATE_PAGES)
                truncate_wal(st);
        return SQLITE_OK;
}

/* Checkpoints from now on in their own thread (checkpointer.h), after one
 * here that empties the WAL (after an import it holds the whole book). */
static int start_checkpoints(struct store_sqlite *st) {
        int r;

        if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) != SQLITE_OK)
                log_warning("%s: cannot checkpoint the WAL: %s", st->base.where, sqlite3_errmsg(st->db));
        r = checkpointer_start(st->base.where, &st->checkpointer);
        if (r < 0)
                return r;
        sqlite3_wal_autocheckpoint(st->db, 0);
        sqlite3_wal_hook(st->db, on_wal_commit, st);
        return 0;
}

static void sqlite_close(struct store *base) {
        struct store_sqlite *st = (struct store_sqlite *) base;
        if (!st)
                return;
        checkpointer_stop(st->checkpointer);
        for (size_t i = 0; i < N_STATEMENTS; i++)
                sqlite3_finalize(st->statement[i]);
        if (sqlite3_close(st->db) != SQLITE_OK)
                log_warning("%s: cannot close the database: %s", st->base.where, sqlite3_errmsg(st->db));
        free(st->base.where);
        free(st);
}

static const struct store_ops sqlite_ops = {
        .name = "SQLite",
        .load = sqlite_load,
        .begin = sqlite_begin,
        .add_grade = sqlite_add_grade,
        .remove_grade = sqlite_remove_grade,
        .add_student = sqlite_add_student,
        .commit = sqlite_commit,
        .rollback = sqlite_rollback,
        .idle = sqlite_idle,
        .close = sqlite_close,
        .insert_book = sqlite_insert_book,
};

int store_open(const char *path, const char *legacy, const char *seed, struct store **ret, struct gradebook *gb) {
        struct store_sqlite *st = calloc(1, sizeof *st);
        int r;

        assert(path && seed && ret && gb);
        if (!st || !(st->base.where = strdup(path))) {
                free(st);
                return -ENOMEM;
        }
        st->base.ops = &sqlite_ops;
        r = open_db(st);
        if (r >= 0)
                r = migrate(st, legacy, seed);
        if (r >= 0)
                r = start_checkpoints(st);
        if (r >= 0)
                r = sqlite_load(&st->base, gb);
        if (r < 0) {
                sqlite_close(&st->base);
                return log_error_errno(r, "Cannot open the grade book %s", path);
        }
        *ret = &st->base;
        return 0;
}
