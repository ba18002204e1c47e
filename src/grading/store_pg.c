/* store_pg.c - the grade book in a PostgreSQL database, over libpq (store.h).
 *
 * Several grading services (replicas on several hosts) may write one book
 * at once. What that asks of each call:
 *
 *  - A student's grades are counted and changed with the student's row
 *    locked (SELECT ... FOR UPDATE): two writers adding a grade to one
 *    student take turns, so the count that keeps GB_GRADES_MAX is right
 *    (past it, the book would not load, and would not be served).
 *
 *  - A new student's ID is the highest so far + 1, as in the original and
 *    in SQLite, read with the students table locked in SHARE ROW EXCLUSIVE
 *    mode until the commit. That mode conflicts with itself and with every
 *    INSERT into students, so two writers (and any other program adding
 *    students, an import) take turns, and never see the same highest ID;
 *    and the count that keeps GB_STUDENTS_MAX is right too, which a
 *    sequence alone would not make so. It does not conflict with reads nor
 *    with the row locks of grades. A sequence would not block, but leaves
 *    gaps after every rollback, must be kept in step with imported IDs, and
 *    still needs a lock for the count. The price: writers adding students
 *    wait for each other's commit.
 *
 *  - A batch takes its locks first, in one order (pg_lock_batch(): that
 *    table lock, then its students' rows by ID): two writers' batches wait
 *    for each other and never deadlock (which the server would break only
 *    after deadlock_timeout, 1 s, failing one batch). A grade is then one
 *    statement (count, insert, announce): a batch of one grade is four
 *    round trips, BEGIN, the locks, the grade, COMMIT.
 *
 *  - The schema is made and a new book filled in one transaction holding an
 *    advisory lock: the first of two replicas starting at once creates and
 *    fills it; the other waits, then finds it and loads it. An import
 *    (store_replace_book()) takes the same lock, so it too makes the schema
 *    and fills it at once, or finds a book and replaces it whole.
 *
 *  - A book replaced whole is announced as the student "*" (STORE_BOOK_ALL):
 *    the replicas read the whole book again.
 *
 *  - synchronous_commit is the server's (never lowered here): COMMIT's
 *    answer means durable as the server is configured. A COMMIT whose answer
 *    is lost (the connection dropped, an error with no SQLSTATE, the
 *    connection bad afterwards), any other failure of COMMIT, and a COMMIT
 *    whose wait for the synchronous standbys was cancelled (the server then
 *    says "committed locally" in a WARNING, and succeeds) are UNKNOWN:
 *    store_commit() < 0. A failure before COMMIT is NOT_STORED: the
 *    transaction is rolled back (by ROLLBACK, or by the server when the
 *    connection is gone: without a COMMIT it cannot commit).
 *
 *  - A lost connection is made again at the next batch (PQreset(); with
 *    several hosts and target_session_attrs=read-write, to the primary of
 *    the moment). */
#include "store_backend.h"

#include <assert.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macros.h"
#include "basic/stringify.h"
#include "store_schema.h"

DEFINE_POINTER_CLEANUP(PGresult *, PQclear)

/* The advisory lock held while the schema is made (and the book filled):
 * "dgo" and the lock's purpose, as a number. */
#define SCHEMA_LOCK_KEY "6774351"
/* How long store_replace_book() waits for a lock. */
#define STORE_REPLACE_LOCK_TIMEOUT "30s"

struct store_pg {
        struct store base;              /* base.where: "PostgreSQL database D on H:P" */
        PGconn *conn;
        bool in_commit;                 /* waiting for COMMIT's answer */
        bool commit_warned;             /* ... and a WARNING came (a cancelled wait for the standbys) */
        /* The students whose rows this batch locked first (pg_lock_batch(),
         * ascending): not locked again, a round trip each saved. */
        long *locked;
        size_t n_locked, locked_size;
};

static struct store_pg *to_pg(struct store *base) {
        return (struct store_pg *) base;
}

/* Log the server's (or libpq's) error about WHAT; -EIO. */
static int pg_error(struct store_pg *st, const PGresult *res, const char *what) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *message = res ? PQresultErrorMessage(res) : "";
        int len;

        if (!message || !*message)
                message = PQerrorMessage(st->conn);
        len = (int) strlen(message);
        while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == ' '))
                len--;
        log_error("%s: %s: %.*s (SQLSTATE %s)", st->base.where, what, len, message, state ? state : "none");
        return -EIO;
}

/* Notices of the server: logged; a WARNING while COMMIT waits is noted
 * (the wait for the synchronous standbys was cancelled: "The transaction
 * has already committed locally, but might not have been replicated"). */
static void on_notice(void *userdata, const PGresult *res) {
        struct store_pg *st = userdata;
        const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
        const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        bool warning = severity && strcmp(severity, "WARNING") == 0;

        if (warning && st->in_commit)
                st->commit_warned = true;
        if (warning)
                log_warning("%s: %s%s%s", st->base.where, message ? message : "?", detail ? " " : "",
                            detail ? detail : "");
        else
                log_debug("%s: %s", st->base.where, message ? message : "?");
}

/* SQL with N text parameters; 0 (the result into *RET if RET) or -EIO, logged. */
static int run(struct store_pg *st, const char *sql, int n, const char *const *values, PGresult **ret) {
        PGresult *res = PQexecParams(st->conn, sql, n, NULL, values, NULL, NULL, 0);
        ExecStatusType status = PQresultStatus(res);
        int r = 0;

        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
                r = pg_error(st, res, sql);
        if (r >= 0 && ret)
                *ret = res;
        else
                PQclear(res);
        return r;
}

/* A statement of several (no parameters). */
static int run_script(struct store_pg *st, const char *sql) {
        _cleanup_(PQclearp) PGresult *res = PQexec(st->conn, sql);

        if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
                return pg_error(st, res, sql);
        return 0;
}

static int parse_int(struct store_pg *st, const char *text, const char *sql, long long *ret) {
        char *end;

        errno = 0;
        *ret = strtoll(text, &end, 10);
        if (errno || end == text || *end) {
                log_error("%s: %s: not a number: \"%s\"", st->base.where, sql, text);
                return -EIO;
        }
        return 0;
}

/* The first column of the first row as an integer into *RET; -ENOENT with
 * no row. */
static int query_int(struct store_pg *st, const char *sql, int n, const char *const *values, long long *ret) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = run(st, sql, n, values, &res);

        if (r < 0)
                return r;
        if (PQntuples(res) < 1)
                return -ENOENT;
        return parse_int(st, PQgetvalue(res, 0, 0), sql, ret);
}

/* The two columns of the one row of SQL (no parameters) as integers. */
static int query_two(struct store_pg *st, const char *sql, long long *ret_a, long long *ret_b) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = run(st, sql, 0, NULL, &res);

        if (r >= 0 && (PQntuples(res) != 1 || PQnfields(res) != 2))
                r = pg_error(st, res, sql);
        if (r >= 0)
                r = parse_int(st, PQgetvalue(res, 0, 0), sql, ret_a);
        if (r >= 0)
                r = parse_int(st, PQgetvalue(res, 0, 1), sql, ret_b);
        return r;
}

/* Begin a transaction with SQL ("BEGIN ..."), connecting again first when
 * the connection is known to be lost, and once more when BEGIN finds it
 * lost (the server restarted or failed over while we were idle; with
 * several hosts and target_session_attrs=read-write, the new connection is
 * the primary of the moment). Nothing was begun when this fails. */
static int begin_with(struct store_pg *st, const char *sql) {
        int r;

        if (PQstatus(st->conn) != CONNECTION_OK) {
                log_warning("%s: the connection was lost; connecting again", st->base.where);
                PQreset(st->conn);
                if (PQstatus(st->conn) != CONNECTION_OK)
                        return pg_error(st, NULL, "cannot connect");
        }
        if (PQtransactionStatus(st->conn) != PQTRANS_IDLE) {
                log_error("%s: a transaction is open already", st->base.where);
                return -EIO;
        }
        r = run(st, sql, 0, NULL, NULL);
        if (r < 0 && PQstatus(st->conn) != CONNECTION_OK) {
                log_warning("%s: the connection was lost; connecting again", st->base.where);
                PQreset(st->conn);
                r = PQstatus(st->conn) == CONNECTION_OK ? run(st, sql, 0, NULL, NULL)
                                                         : pg_error(st, NULL, "cannot connect");
        }
        return r;
}

static int pg_begin(struct store *base) {
        struct store_pg *st = to_pg(base);

        st->n_locked = 0;               /* a new batch: its locks are yet to be taken */
        return begin_with(st, "BEGIN");
}

static int pg_commit(struct store *base) {
        struct store_pg *st = to_pg(base);
        _cleanup_(PQclearp) PGresult *res = NULL;

        st->commit_warned = false;
        st->in_commit = true;
        res = PQexec(st->conn, "COMMIT");
        st->in_commit = false;
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                pg_error(st, res, "COMMIT");
                log_error("%s: COMMIT failed%s: whether the transaction was committed is unknown", base->where,
                          PQstatus(st->conn) != CONNECTION_OK ? " and the connection is lost" : "");
                return -EIO;
        }
        if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
                /* The transaction had failed: the server rolled it back. No
                 * batch gets here (store_*() returned -EIO first); should
                 * one, it is not reported as stored. */
                log_error("%s: COMMIT answered %s", base->where, PQcmdStatus(res));
                return -EIO;
        }
        if (st->commit_warned) {
                log_error("%s: COMMIT's wait for the synchronous standbys was cancelled: committed on the "
                          "primary, maybe not on any standby, so not acknowledged as durable", base->where);
                return -EIO;
        }
        return 0;
}

static int pg_rollback(struct store *base) {
        struct store_pg *st = to_pg(base);
        _cleanup_(PQclearp) PGresult *res = NULL;

        /* No COMMIT was sent: with the connection gone, the server rolls
         * the transaction back itself. */
        if (PQstatus(st->conn) != CONNECTION_OK || PQtransactionStatus(st->conn) == PQTRANS_IDLE)
                return 0;
        res = PQexec(st->conn, "ROLLBACK");
        if (PQresultStatus(res) == PGRES_COMMAND_OK || PQstatus(st->conn) != CONNECTION_OK)
                return 0;
        return pg_error(st, res, "ROLLBACK");
}

static int compare_ids(const void *a, const void *b) {
        long x = *(const long *) a, y = *(const long *) b;

        return (x > y) - (x < y);
}

/* Lock STUDENT's row until the commit (unless this batch did already):
 * its grades are counted and changed by one writer at a time. */
static int lock_student(struct store_pg *st, long student) {
        char id[24];
        const char *const values[] = { id };
        long long got;
        int r;

        if (bsearch(&student, st->locked, st->n_locked, sizeof *st->locked, compare_ids))
                return 0;
        snprintf(id, sizeof id, "%ld", student);
        r = query_int(st, "SELECT id FROM students WHERE id = $1 FOR UPDATE", 1, values, &got);
        if (r == -ENOENT) {
                /* The service checks first: cannot be, as students stay. */
                log_error("%s: no student %ld", st->base.where, student);
                return -EIO;
        }
        return r;
}

/* Tell the other replicas, once this transaction commits, that student
 * ID changed (store.h, STORE_CHANNEL; the server sends it at COMMIT, and
 * one notification per student per transaction). */
static int announce(struct store_pg *st, const char *id) {
        const char *const values[] = { id };

        return run(st, "SELECT pg_notify('" STORE_CHANNEL "', $1)", 1, values, NULL);
}

/* The students table's lock for new IDs (pg_add_student()), then the
 * students' rows in ascending order: a row lock waits behind the table
 * lock, never the other way round, and rows are taken in one order. */
static int pg_lock_batch(struct store *base, const long *students, size_t n, bool adds_students) {
        struct store_pg *st = to_pg(base);
        _cleanup_free_ char *list = malloc(n * 21 + 3);
        const char *const values[] = { list };
        size_t at = 0;
        int r;

        if (adds_students && (r = run(st, "LOCK TABLE students IN SHARE ROW EXCLUSIVE MODE", 0, NULL, NULL)) < 0)
                return r;
        if (n == 0)
                return 0;
        if (!list)
                return -ENOMEM;
        /* Numbers of ours, as an array literal: {1,2,3}. */
        list[at++] = '{';
        for (size_t i = 0; i < n; i++)
                at += (size_t) sprintf(list + at, "%s%ld", i ? "," : "", students[i]);
        strcpy(list + at, "}");
        r = run(st, "SELECT id FROM students WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", 1, values, NULL);
        if (r < 0)
                return r;
        if (n > st->locked_size) {
                long *more = realloc(st->locked, n * sizeof *st->locked);
                if (!more)
                        return 0;               /* locked all the same; lock_student() locks again */
                st->locked = more;
                st->locked_size = n;
        }
        memcpy(st->locked, students, n * sizeof *students);
        st->n_locked = n;
        return 0;
}

/* With the student's row locked (so that the count is of the grades as
 * the last writer before us committed them), one statement: the grade
 * inserted if the student has fewer than GB_GRADES_MAX, and announced. */
#define ADD_GRADE_SQL                                                                                   \
        "WITH added AS (INSERT INTO grades (student_id, title, type, score) SELECT $1, $2, $3, $4 "   \
        "WHERE (SELECT count(*) FROM grades WHERE student_id = $1) < " STRINGIFY(GB_GRADES_MAX) " "   \
        "RETURNING student_id) SELECT pg_notify('" STORE_CHANNEL "', student_id::text) FROM added"

static int pg_add_grade(struct store *base, long student, const struct grade *g) {
        struct store_pg *st = to_pg(base);
        _cleanup_(PQclearp) PGresult *res = NULL;
        char id[24], score[32];
        const char *const values[] = { id, g->title, grade_type_to_string(g->type), score };
        int r;

        snprintf(id, sizeof id, "%ld", student);
        snprintf(score, sizeof score, "%.17g", g->score);
        r = lock_student(st, student);
        if (r >= 0)
                r = run(st, ADD_GRADE_SQL, 4, values, &res);
        if (r < 0)
                return r;
        return PQntuples(res) == 1 ? 0 : -ENOSPC;
}

static int pg_grade_is(struct store *base, long student, size_t index, const struct grade *expected) {
        static const char sql[] = "SELECT title, type, score FROM grades WHERE student_id = $1 ORDER BY id "
                                  "LIMIT 1 OFFSET $2";
        struct store_pg *st = to_pg(base);
        _cleanup_(PQclearp) PGresult *res = NULL;
        char id[24], offset[24];
        const char *const values[] = { id, offset };
        char *end;
        double score;
        int r;

        snprintf(id, sizeof id, "%ld", student);
        snprintf(offset, sizeof offset, "%zu", index > GB_GRADES_MAX ? (size_t) GB_GRADES_MAX : index);
        r = lock_student(st, student);
        if (r >= 0)
                r = run(st, sql, 2, values, &res);
        if (r < 0)
                return r;
        if (PQntuples(res) < 1)
                return -ENOENT;
        score = strtod(PQgetvalue(res, 0, 2), &end);
        if (*end || strcmp(PQgetvalue(res, 0, 0), expected->title) != 0 ||
            strcmp(PQgetvalue(res, 0, 1), grade_type_to_string(expected->type)) != 0 || score != expected->score)
                return -ESTALE;
        return 0;
}

static int pg_remove_grade(struct store *base, long student, size_t index) {
        struct store_pg *st = to_pg(base);
        char id[24], offset[24], grade[24];
        const char *const values[] = { id, offset };
        const char *const grade_id[] = { grade };
        long long g;
        int r;

        snprintf(id, sizeof id, "%ld", student);
        snprintf(offset, sizeof offset, "%zu", index > GB_GRADES_MAX ? (size_t) GB_GRADES_MAX : index);
        r = lock_student(st, student);
        if (r >= 0)
                r = query_int(st, "SELECT id FROM grades WHERE student_id = $1 ORDER BY id LIMIT 1 OFFSET $2", 2,
                              values, &g);
        if (r < 0)
                return r;               /* -ENOENT: no such grade */
        snprintf(grade, sizeof grade, "%lld", g);
        r = run(st, "DELETE FROM grades WHERE id = $1", 1, grade_id, NULL);
        return r < 0 ? r : announce(st, id);
}

static int pg_add_student(struct store *base, const char *first_name, const char *last_name, long *ret_id) {
        struct store_pg *st = to_pg(base);
        long long n, max;
        char id[24];
        int r;

        /* Why this lock: at the top of this file. */
        r = run(st, "LOCK TABLE students IN SHARE ROW EXCLUSIVE MODE", 0, NULL, NULL);
        if (r >= 0)
                r = query_two(st, "SELECT count(*), coalesce(max(id), 0) FROM students", &n, &max);
        if (r < 0)
                return r;
        if (n >= GB_STUDENTS_MAX || max >= GB_ID_MAX)
                return -ENOSPC;
        snprintf(id, sizeof id, "%lld", max + 1);
        const char *const values[] = { id, first_name, last_name };
        r = run(st, "INSERT INTO students (id, first_name, last_name) VALUES ($1, $2, $3)", 3, values, NULL);
        if (r >= 0)
                r = announce(st, id);
        if (r >= 0)
                *ret_id = (long) (max + 1);
        return r;
}

/* COPY's text format: a field with its backslashes and the characters that
 * end a field or a row escaped (names and titles hold no control
 * characters, but a backslash they may). */
static void copy_field(FILE *f, const char *s, char end) {
        for (; *s; s++)
                switch (*s) {
                case '\\': fputs("\\\\", f); break;
                case '\t': fputs("\\t", f); break;
                case '\n': fputs("\\n", f); break;
                case '\r': fputs("\\r", f); break;
                default: fputc(*s, f);
                }
        fputc(end, f);
}

/* Send TEXT (LEN bytes) as the data of a COPY ... FROM STDIN (SQL). */
static int copy_in(struct store_pg *st, const char *sql, const char *text, size_t len) {
        _cleanup_(PQclearp) PGresult *res = PQexec(st->conn, sql);
        const size_t chunk = 256 * 1024;

        if (PQresultStatus(res) != PGRES_COPY_IN)
                return pg_error(st, res, sql);
        for (size_t at = 0; at < len; at += chunk)
                if (PQputCopyData(st->conn, text + at, (int) (len - at < chunk ? len - at : chunk)) != 1)
                        return pg_error(st, NULL, sql);
        if (PQputCopyEnd(st->conn, NULL) != 1)
                return pg_error(st, NULL, sql);
        PQclear(res);
        res = PQgetResult(st->conn);
        int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_error(st, res, sql);
        /* Drain to the end of the command. */
        for (PGresult *more; (more = PQgetResult(st->conn)); )
                PQclear(more);
        return r;
}

/* The whole book by COPY: students, then grades in their order (so their
 * bigserial IDs keep it). */
static int pg_insert_book(struct store *base, const struct gradebook *gb) {
        struct store_pg *st = to_pg(base);
        _cleanup_free_ char *students = NULL, *grades = NULL;
        size_t students_len = 0, grades_len = 0;
        FILE *fs = open_memstream(&students, &students_len), *fg = open_memstream(&grades, &grades_len);
        int r = 0;

        if (!fs || !fg) {
                if (fs)
                        fclose(fs);
                if (fg)
                        fclose(fg);
                return -ENOMEM;
        }
        for (size_t i = 0; i < gb->n_students; i++) {
                const struct student *s = &gb->students[i];

                fprintf(fs, "%ld\t", s->id);
                copy_field(fs, s->first_name, '\t');
                copy_field(fs, s->last_name, '\n');
                for (size_t k = 0; k < s->n_grades; k++) {
                        fprintf(fg, "%ld\t", s->id);
                        copy_field(fg, s->grades[k].title, '\t');
                        fprintf(fg, "%s\t%.17g\n", grade_type_to_string(s->grades[k].type), s->grades[k].score);
                }
        }
        if (fclose(fs) != 0 || fclose(fg) != 0)
                return -ENOMEM;
        store_import_progress(0, gb->n_students);
        r = copy_in(st, "COPY students (id, first_name, last_name) FROM STDIN", students, students_len);
        if (r >= 0)
                r = copy_in(st, "COPY grades (student_id, title, type, score) FROM STDIN", grades, grades_len);
        return r;
}

/* Rows of SQL one at a time (single-row mode: a book of a million grades
 * is not held twice in memory), each to ROW; every result is read even
 * after a failure, so the connection is ready for the next command. */
static int each_row(struct store_pg *st, const char *sql, int (*row)(struct store_pg *st, const PGresult *res,
                                                                       struct gradebook *gb, struct student **last),
                    struct gradebook *gb) {
        struct student *last = NULL;
        PGresult *res;
        int r = 0;

        if (!PQsendQueryParams(st->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
                return pg_error(st, NULL, sql);
        if (!PQsetSingleRowMode(st->conn))
                r = pg_error(st, NULL, sql);
        while ((res = PQgetResult(st->conn))) {
                ExecStatusType status = PQresultStatus(res);

                if (status == PGRES_SINGLE_TUPLE) {
                        if (r >= 0)
                                r = row(st, res, gb, &last);
                } else if (status != PGRES_TUPLES_OK && r >= 0)
                        r = pg_error(st, res, sql);
                PQclear(res);
        }
        return r;
}

static int student_row(struct store_pg *st, const PGresult *res, struct gradebook *gb, struct student **last) {
        long long id;
        int r = parse_int(st, PQgetvalue(res, 0, 0), "students.id", &id);

        return r < 0 ? r : store_load_student(&st->base, gb, id, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
}

static int grade_row(struct store_pg *st, const PGresult *res, struct gradebook *gb, struct student **last) {
        const char *text = PQgetvalue(res, 0, 3);
        long long id;
        char *end;
        double score;
        int r = parse_int(st, PQgetvalue(res, 0, 0), "grades.student_id", &id);

        if (r < 0)
                return r;
        score = strtod(text, &end);
        if (end == text || *end) {
                log_error("%s: a grade of student %lld has the score \"%s\"", st->base.where, id, text);
                return -EBADMSG;
        }
        return store_load_grade(&st->base, gb, last, (long) id, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), score);
}

/* Reading the book, or some students: students and grades of one moment. */
#define SNAPSHOT "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

static int pg_load(struct store *base, struct gradebook *gb) {
        struct store_pg *st = to_pg(base);
        int r;

        *gb = (struct gradebook) { 0 };
        /* One snapshot: students and grades of one moment. */
        r = begin_with(st, SNAPSHOT);
        if (r >= 0)
                r = each_row(st, "SELECT id, first_name, last_name FROM students ORDER BY id", student_row, gb);
        if (r >= 0)
                r = each_row(st, "SELECT student_id, title, type, score FROM grades ORDER BY id", grade_row, gb);
        if (PQtransactionStatus(st->conn) != PQTRANS_IDLE && run(st, r >= 0 ? "COMMIT" : "ROLLBACK", 0, NULL, NULL) < 0 &&
            r >= 0)
                r = -EIO;
        if (r < 0)
                gradebook_free(gb);
        return r;
}

static int pg_read_students(struct store *base, const long *ids, size_t n, struct gradebook *gb) {
        struct store_pg *st = to_pg(base);
        _cleanup_free_ char *students = NULL, *grades = NULL;
        char list[STORE_READ_IDS_MAX * 12 + 3];
        size_t at = 0;
        int r;

        /* Numbers of ours, not text from outside: written into the query. */
        for (size_t i = 0; i < n; i++)
                at += (size_t) snprintf(list + at, sizeof list - at, "%s%ld", i ? "," : "", ids[i]);
        if (asprintf(&students, "SELECT id, first_name, last_name FROM students WHERE id IN (%s) ORDER BY id",
                     list) < 0 ||
            asprintf(&grades, "SELECT student_id, title, type, score FROM grades WHERE student_id IN (%s) "
                     "ORDER BY id", list) < 0)
                return -ENOMEM;
        *gb = (struct gradebook) { 0 };
        r = begin_with(st, SNAPSHOT);
        if (r >= 0)
                r = each_row(st, students, student_row, gb);
        if (r >= 0)
                r = each_row(st, grades, grade_row, gb);
        if (PQtransactionStatus(st->conn) != PQTRANS_IDLE && run(st, r >= 0 ? "COMMIT" : "ROLLBACK", 0, NULL, NULL) < 0 &&
            r >= 0)
                r = -EIO;
        if (r < 0)
                gradebook_free(gb);
        return r < 0 ? -EIO : 0;
}

/* The schema version: 0 when there is no schema yet. */
static int schema_version(struct store_pg *st, long long *ret) {
        long long exists;
        int r = query_int(st, "SELECT count(*) FROM pg_catalog.pg_tables "
                          "WHERE tablename = 'dgo_schema' AND schemaname = current_schema()", 0, NULL, &exists);

        if (r < 0)
                return r;
        if (!exists) {
                *ret = 0;
                return 0;
        }
        r = query_int(st, "SELECT version FROM dgo_schema", 0, NULL, ret);
        if (r == -ENOENT) {
                log_error("%s: the table dgo_schema has no row: not a dgo grade book, or a damaged one", st->base.where);
                return -EBADMSG;
        }
        return r;
}

/* In the open transaction: take the advisory lock (two first starts, an
 * import: one at a time), then bring the schema to STORE_SCHEMA_VERSION.
 * *RET_VERSION: the version found, 0 when there was no schema (the caller
 * fills the new book in this transaction). A newer schema is refused. */
static int take_schema(struct store_pg *st, long long *ret_version) {
        long long version = 0;
        char sql[64];
        int r;

        r = run(st, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")", 0, NULL, NULL);
        if (r >= 0)
                r = schema_version(st, &version);
        if (r < 0)
                return r;
        if (version > STORE_SCHEMA_VERSION) {
                log_error("%s has schema version %lld; this dgo knows versions up to %d: refusing to use it",
                          st->base.where, version, STORE_SCHEMA_VERSION);
                return -EPROTONOSUPPORT;
        }
        for (long long v = version; r >= 0 && v < STORE_SCHEMA_VERSION; v++) {
                log_info("%s: schema version %lld to %lld", st->base.where, v, v + 1);
                r = run_script(st, store_pg_migrations[v]);
        }
        if (r >= 0 && version < STORE_SCHEMA_VERSION) {
                snprintf(sql, sizeof sql, "UPDATE dgo_schema SET version = %d", STORE_SCHEMA_VERSION);
                r = run(st, sql, 0, NULL, NULL);
        }
        *ret_version = version;
        return r;
}

/* Bring the schema to STORE_SCHEMA_VERSION, holding the advisory lock; a new
 * book is filled in the same transaction. */
static int migrate(struct store_pg *st, const char *legacy, const char *seed) {
        long long version = 0;
        bool imported = false;
        int r;

        r = run(st, "BEGIN", 0, NULL, NULL);
        if (r >= 0)
                r = take_schema(st, &version);
        if (r >= 0 && version == STORE_SCHEMA_VERSION) {
                if (legacy && access(legacy, F_OK) >= 0)
                        log_warning("%s exists beside the grade book; it was not imported again (%s already "
                                    "holds a grade book)", legacy, st->base.where);
                return run(st, "COMMIT", 0, NULL, NULL);
        }
        if (r >= 0 && version == 0)
                r = store_fill_new(&st->base, legacy, seed, &imported);
        if (r >= 0)
                r = pg_commit(&st->base);
        if (r < 0) {
                (void) pg_rollback(&st->base);
                return r;
        }
        if (imported)
                store_set_legacy_aside(legacy);
        return 0;
}

/* store_replace_book(). The tables are locked before they are counted, so
 * nothing is added between the count and the commit; ACCESS EXCLUSIVE, so
 * no replica reads a half-replaced book either (its reads wait for the
 * commit, then see the new book). DELETE, not TRUNCATE: a replica's
 * snapshot taken before the commit still sees the old book whole. */
static int pg_replace_book(struct store *base, const struct gradebook *gb, bool replace, size_t *ret_students,
                           size_t *ret_grades) {
        struct store_pg *st = to_pg(base);
        long long version = 0, students = 0, grades = 0;
        int r;

        /* The replicas' batches hold their locks for milliseconds: a wait
         * longer than this is something else's (a forgotten session), and
         * the import fails, changing nothing, rather than hang. */
        r = run(st, "SET LOCAL lock_timeout = '" STORE_REPLACE_LOCK_TIMEOUT "'", 0, NULL, NULL);
        if (r >= 0)
                r = take_schema(st, &version);
        if (r >= 0)
                r = run(st, "LOCK TABLE students, grades IN ACCESS EXCLUSIVE MODE", 0, NULL, NULL);
        if (r >= 0)
                r = query_two(st, "SELECT (SELECT count(*) FROM students), (SELECT count(*) FROM grades)",
                              &students, &grades);
        if (r < 0)
                return r;
        *ret_students = (size_t) students;
        *ret_grades = (size_t) grades;
        if (students > 0 && !replace)
                return -ENOTEMPTY;
        r = run_script(st, "DELETE FROM grades; DELETE FROM students");
        if (r >= 0)
                r = pg_insert_book(base, gb);
        if (r >= 0)
                r = announce(st, STORE_BOOK_ALL);
        return r;
}

static void pg_close(struct store *base) {
        struct store_pg *st = to_pg(base);

        if (!st)
                return;
        PQfinish(st->conn);
        free(st->locked);
        free(st->base.where);
        free(st);
}

static const struct store_ops pg_ops = {
        .name = "PostgreSQL",
        .load = pg_load,
        .begin = pg_begin,
        .lock_batch = pg_lock_batch,
        .add_grade = pg_add_grade,
        .remove_grade = pg_remove_grade,
        .add_student = pg_add_student,
        .commit = pg_commit,
        .rollback = pg_rollback,
        .close = pg_close,
        .insert_book = pg_insert_book,
        .read_students = pg_read_students,
        .grade_is = pg_grade_is,
        .replace_book = pg_replace_book,
};

/* Connect: the defaults below, then CONNINFO's settings (they win), then
 * PASSWORD. A dead host is noticed within seconds rather than after TCP's
 * 15 minutes: by keepalives while nothing is unacknowledged (idle, or a
 * COMMIT the server has received waiting for its answer), and by
 * tcp_user_timeout while something sent is (a statement sent to a host
 * that has just been lost: the writer's next batch after a power cut). */
static int connect_db(struct store_pg *st, const char *conninfo, const char *password) {
        const char *keys[] = { "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                               "tcp_user_timeout", "application_name", "client_encoding", "dbname",
                               password ? "password" : NULL, NULL };
        const char *values[] = { "10", "5", "2", "3", "6000", "dgo-grading", "UTF8", conninfo, password, NULL };
        const char *host;

        st->conn = PQconnectdbParams(keys, values, 1);
        if (!st->conn)
                return -ENOMEM;
        host = PQhost(st->conn);
        if (asprintf(&st->base.where, "PostgreSQL database %s on %s%s%s", PQdb(st->conn) ? PQdb(st->conn) : "?",
                     host && *host ? host : "?", host && *host == '/' ? " port " : ":",
                     PQport(st->conn) ? PQport(st->conn) : "?") < 0) {
                st->base.where = NULL;
                return -ENOMEM;
        }
        if (PQstatus(st->conn) != CONNECTION_OK)
                return pg_error(st, NULL, "cannot connect");
        PQsetNoticeReceiver(st->conn, on_notice, st);
        return 0;
}

/* Connected; with SEED, the schema made or migrated (a new book filled)
 * and the book loaded into GB. */
static int open_pg(const char *conninfo, const char *password, const char *legacy, const char *seed,
                   struct store **ret, struct gradebook *gb) {
        struct store_pg *st = calloc(1, sizeof *st);
        int r;

        if (!st)
                return -ENOMEM;
        st->base.ops = &pg_ops;
        r = connect_db(st, conninfo, password);
        if (r >= 0 && seed)
                r = migrate(st, legacy, seed);
        if (r >= 0 && seed)
                r = pg_load(&st->base, gb);
        if (r < 0) {
                log_error_errno(r, "Cannot open the grade book in %s", st->base.where ? st->base.where : "PostgreSQL");
                pg_close(&st->base);
                return r;
        }
        *ret = &st->base;
        return 0;
}

int store_open_postgresql(const char *conninfo, const char *password, const char *legacy, const char *seed,
                          struct store **ret, struct gradebook *gb) {
        assert(conninfo && seed && ret && gb);
        return open_pg(conninfo, password, legacy, seed, ret, gb);
}

int store_connect_postgresql(const char *conninfo, const char *password, struct store **ret) {
        assert(conninfo && ret);
        return open_pg(conninfo, password, NULL, NULL, ret, NULL);
}
