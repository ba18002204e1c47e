/* test-dgoctl-gradebook-pg: `dgoctl gradebook import --postgresql` into a
 * private PostgreSQL server the test starts (pg_server.h), through
 * gb_build_postgresql() and through the dgoctl binary (its path the first
 * argument).
 *
 * Proves: into a database with no schema, the schema is made and the book
 * is the file's, IDs kept (students 3, 7, 12 and their grades in order),
 * read back equal, and the next student added gets the highest ID + 1;
 * into a book that holds students, without --replace, it is refused with
 * the book's counts, and the book, byte for byte, and the listeners hear
 * nothing; with --replace the old students are gone, the new ones there
 * with their IDs, and one notification "*" tells the replicas; a file
 * import refuses (not JSON, a duplicate ID) changes nothing; usage errors
 * (--pg-conninfo without --postgresql, --store with it, no cluster.conf
 * and no --pg-conninfo) exit 2; an unreachable database exits 3; a
 * COMMIT whose answer is lost (its connection terminated while it waits
 * for a synchronous standby that never comes) exits 1 saying the outcome
 * is unknown, never "nothing was changed", and the book was in fact
 * replaced.
 *
 * Without PostgreSQL 15's server binaries: skipped (77). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dgo/gradebook.h"
#include "dgoctl/gb_build.h"
#include "dgoctl/gb_file.h"
#include "grading/store.h"
#include "pg_server.h"
#include "tmp_dir.h"

static struct pg_server pg;
static const char *dgoctl;
static char dir[] = "/tmp/dgo-test-gradebook-pg-XXXXXX";

static const char book_a[] =
        "[{\"ID\":3,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":"
        "[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\",\"Score\":85},{\"Title\":\"Back \\\\ slash\",\"Type\":\"Exam\","
        "\"Score\":99.5}]},"
        "{\"ID\":7,\"FirstName\":\"Grace\",\"LastName\":\"Hopper\",\"Grades\":[]},"
        "{\"ID\":12,\"FirstName\":\"Alan\",\"LastName\":\"Turing\",\"Grades\":"
        "[{\"Title\":\"H\",\"Type\":\"Homework\",\"Score\":0.25}]}]";
static const char book_b[] =
        "[{\"ID\":2,\"FirstName\":\"Émile\",\"LastName\":\"Noether\",\"Grades\":"
        "[{\"Title\":\"T\",\"Type\":\"Test\",\"Score\":70}]},"
        "{\"ID\":40,\"FirstName\":\"Kurt\",\"LastName\":\"Gödel\",\"Grades\":[]}]";

#define in_dir(name) tmp_path(dir, (name))

/* A new, empty database; its connection string into CONNINFO (256). */
static void new_database(const char *name, char *conninfo) {
        char sql[64];

        snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
        CHECK(pg_server_exec(&pg, "postgres", sql));
        pg_server_conninfo(&pg, name, conninfo, 256);
}

static void parse(const char *text, struct gradebook *gb) {
        struct gb_summary sum;
        char error[256];

        if (gb_check(text, strlen(text), gb, &sum, error, sizeof error) < 0) {
                fprintf(stderr, "gb_check: %s\n", error);
                abort();                /* a test's own book: nothing sensible goes on */
        }
}

/* The book in the database as the store reads it, as JSON (malloc'd). */
static char *stored_json(const char *conninfo) {
        struct gradebook gb = { 0 };
        struct store *st = NULL;
        char *text = NULL;

        if (store_connect_postgresql(conninfo, NULL, &st) == 0 && store_load(st, &gb) == 0) {
                json_t *j = gradebook_to_json(&gb);
                text = json_dumps(j, JSON_COMPACT);
                json_decref(j);
        }
        gradebook_free(&gb);
        store_close(st);
        return text;
}

static char *file_json(const char *text) {
        struct gradebook gb;
        char *out;

        parse(text, &gb);
        json_t *j = gradebook_to_json(&gb);
        out = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        gradebook_free(&gb);
        return out;
}

/* A connection LISTENing as the replicas do. */
static PGconn *listener(const char *conninfo) {
        PGconn *c = PQconnectdb(conninfo);
        PGresult *res = PQexec(c, "LISTEN " STORE_CHANNEL);

        CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
        PQclear(res);
        return c;
}

/* The payloads heard so far, joined by spaces, into OUT. */
static void heard(PGconn *c, char *out, size_t size) {
        PGresult *res = PQexec(c, "SELECT 1");         /* a round trip: what was sent has come */
        PGnotify *n;
        size_t at = 0;

        PQclear(res);
        out[0] = '\0';
        PQconsumeInput(c);
        while ((n = PQnotifies(c))) {
                at += (size_t) snprintf(out + at, size - at, "%s%s", at ? " " : "", n->extra);
                PQfreemem(n);
        }
}

static int import(const char *conninfo, const char *text, bool replace, struct gb_pg_result *res, char **problem) {
        struct gradebook gb;
        int r;

        parse(text, &gb);
        r = gb_build_postgresql(conninfo, NULL, &gb, replace, res, problem);
        gradebook_free(&gb);
        return r;
}

static void test_library(void) {
        char conninfo[256], got[256], *before, *after, *expect, *problem = NULL;
        struct gb_pg_result res;
        struct gradebook gb;
        struct store *st;
        PGconn *l;
        long id = 0;

        /* No schema yet: made, and the book is the file's, IDs kept. */
        new_database("lib", conninfo);
        CHECK(import(conninfo, book_a, false, &res, &problem) == 0);
        CHECK(problem == NULL);
        CHECK(res.outcome == GB_PG_REPLACED && res.old_students == 0 && res.old_grades == 0);
        CHECK(res.loaded.students == 3 && res.loaded.grades == 3 && res.loaded.highest_id == 12);
        CHECK(pg_server_sql(&pg, "lib", "SELECT version FROM dgo_schema") == STORE_SCHEMA_VERSION);
        CHECK(pg_server_sql(&pg, "lib", "SELECT (string_agg(id::text, ',' ORDER BY id) = '3,7,12')::int "
                                        "FROM students") == 1);
        before = stored_json(conninfo);
        expect = file_json(book_a);
        CHECK(before && expect && strcmp(before, expect) == 0);
        free(expect);

        /* The next student is the highest ID + 1, as a replica adds it. */
        CHECK(store_open_postgresql(conninfo, NULL, NULL, in_dir("no-seed.json"), &st, &gb) == 0);
        CHECK(store_begin(st) == 0 && store_add_student(st, "Next", "One", &id) == 0 && store_commit(st) == 0);
        CHECK(id == 13);
        store_close(st);
        gradebook_free(&gb);
        free(before);
        before = stored_json(conninfo);

        /* A book with students, no --replace: refused, with its counts;
         * nothing changed, nothing announced. */
        l = listener(conninfo);
        CHECK(import(conninfo, book_b, false, &res, &problem) == -ENOTEMPTY);
        CHECK(res.outcome == GB_PG_UNCHANGED && res.old_students == 4 && res.old_grades == 3);
        CHECK(problem && strstr(problem, "holds 4 students and 3 grades; --replace replaces it"));
        free(problem);
        problem = NULL;
        after = stored_json(conninfo);
        CHECK(before && after && strcmp(before, after) == 0);
        free(after);
        heard(l, got, sizeof got);
        CHECK_STR(got, "");

        /* --replace: the old students gone, the new ones there; one "*". */
        CHECK(import(conninfo, book_b, true, &res, &problem) == 0);
        CHECK(res.outcome == GB_PG_REPLACED && res.old_students == 4 && res.old_grades == 3);
        CHECK(res.loaded.students == 2 && res.loaded.grades == 1 && res.loaded.highest_id == 40);
        CHECK(pg_server_sql(&pg, "lib", "SELECT count(*) FROM students WHERE id IN (3, 7, 12, 13)") == 0);
        CHECK(pg_server_sql(&pg, "lib", "SELECT count(*) FROM grades") == 1);
        after = stored_json(conninfo);
        expect = file_json(book_b);
        CHECK(after && expect && strcmp(after, expect) == 0);
        free(after);
        free(expect);
        heard(l, got, sizeof got);
        CHECK_STR(got, STORE_BOOK_ALL);
        PQfinish(l);

        /* An empty book replaces one too (with --replace). */
        CHECK(import(conninfo, "[]", true, &res, &problem) == 0);
        CHECK(res.loaded.students == 0 && pg_server_sql(&pg, "lib", "SELECT count(*) FROM students") == 0);
        free(before);
}

/* Run dgoctl ARGS (a shell's words) with its output into OUT; its exit
 * status. */
static int run(const char *args, char *out, size_t size) {
        char cmd[1024];
        size_t len;
        FILE *p;
        int status;

        snprintf(cmd, sizeof cmd, "'%s' gradebook %s 2>&1", dgoctl, args);
        p = popen(cmd, "r");
        if (!p)
                return -1;
        len = fread(out, 1, size - 1, p);
        out[len] = '\0';
        status = pclose(p);
        CHECK(!strstr(out, "runtime error:") && !strstr(out, "Sanitizer"));
        if (status != -1 && WIFEXITED(status))
                return WEXITSTATUS(status);
        return -1;
}

static void test_command(void) {
        char conninfo[256], args[1024], out[4096], *before, *after;

        new_database("cmd", conninfo);
        tmp_write(in_dir("a.json"), book_a);
        tmp_write(in_dir("b.json"), book_b);
        tmp_write(in_dir("bad.json"), "[{\"ID\":1,\"FirstName\":\"A\",\"LastName\":\"B\",\"Grades\":[]},\n"
                                       " {\"ID\":1,\"FirstName\":\"C\",\"LastName\":\"D\",\"Grades\":[]}]");
        tmp_write(in_dir("notjson.json"), "[{\"ID\":1,");

        snprintf(args, sizeof args, "import --postgresql --pg-conninfo '%s' %s", conninfo, in_dir("a.json"));
        CHECK(run(args, out, sizeof out) == 0);
        CHECK(strstr(out, "3 students, 3 grades, highest ID 12, as read back"));
        CHECK(strstr(out, "It held 0 students and 0 grades before"));
        before = stored_json(conninfo);

        /* Refused: the book holds students. */
        snprintf(args, sizeof args, "import --postgresql --pg-conninfo '%s' %s", conninfo, in_dir("b.json"));
        CHECK(run(args, out, sizeof out) == 1);
        CHECK(strstr(out, "not imported: the cluster's grade book holds 3 students and 3 grades; --replace "
                          "replaces it; nothing was changed"));
        /* Bad files, with --replace: nothing changed either. */
        snprintf(args, sizeof args, "import --postgresql --replace --pg-conninfo '%s' %s", conninfo,
                 in_dir("bad.json"));
        CHECK(run(args, out, sizeof out) == 1);
        CHECK(strstr(out, "is no grade book dgo accepts") && strstr(out, "nothing was changed"));
        snprintf(args, sizeof args, "import --postgresql --replace --pg-conninfo '%s' %s", conninfo,
                 in_dir("notjson.json"));
        CHECK(run(args, out, sizeof out) == 1);
        CHECK(strstr(out, "not valid JSON") && strstr(out, "nothing was changed"));
        after = stored_json(conninfo);
        CHECK(before && after && strcmp(before, after) == 0);
        free(after);
        free(before);

        /* Usage errors. */
        snprintf(args, sizeof args, "import --pg-conninfo '%s' %s", conninfo, in_dir("b.json"));
        CHECK(run(args, out, sizeof out) == 2 && strstr(out, "--pg-conninfo goes with --postgresql"));
        snprintf(args, sizeof args, "import --postgresql --store %s %s", in_dir("x.db"), in_dir("b.json"));
        CHECK(run(args, out, sizeof out) == 2);
        snprintf(args, sizeof args, "export --postgresql %s", in_dir("out.json"));
        CHECK(run(args, out, sizeof out) == 2);
        CHECK(run("import --postgresql --pg-conninfo '' x.json", out, sizeof out) == 2);
        if (access("/etc/dgo/cluster.conf", F_OK) < 0) {
                snprintf(args, sizeof args, "import --postgresql %s", in_dir("b.json"));
                CHECK(run(args, out, sizeof out) == 2 && strstr(out, "this host is in no cluster"));
        }
        /* No server there: unreachable. */
        snprintf(args, sizeof args, "import --postgresql --pg-conninfo 'host=%s port=5999 dbname=cmd user=dgo' %s",
                 dir, in_dir("b.json"));
        CHECK(run(args, out, sizeof out) == 3 && strstr(out, "nothing was changed"));

        /* --replace. */
        snprintf(args, sizeof args, "import --postgresql --replace --pg-conninfo '%s' %s", conninfo,
                 in_dir("b.json"));
        CHECK(run(args, out, sizeof out) == 0);
        CHECK(strstr(out, "2 students, 1 grade, highest ID 40") && strstr(out, "It held 3 students and 3 grades"));
        CHECK(pg_server_sql(&pg, "cmd", "SELECT count(*) FROM students WHERE id IN (3, 7, 12)") == 0);
        CHECK(pg_server_sql(&pg, "cmd", "SELECT count(*) FROM students WHERE id IN (2, 40)") == 2);
}

/* The COMMIT's answer lost: "unknown", exit 1, and the book replaced. */
static void test_commit_lost(void) {
        char conninfo[256], cmd[1024], out[4096] = "", kill_sql[128];
        long long pid;
        size_t len;
        FILE *p;
        int status;

        new_database("lost", conninfo);
        tmp_write(in_dir("a.json"), book_a);
        CHECK(pg_server_set_standby_names(&pg, "dgo_no_such_standby"));
        snprintf(cmd, sizeof cmd, "'%s' gradebook import --postgresql --pg-conninfo '%s' %s 2>&1", dgoctl, conninfo,
                 in_dir("a.json"));
        p = popen(cmd, "r");
        CHECK(p != NULL);
        if (!p)
                return;
        pid = pg_server_waiting_commit(&pg, "lost");
        CHECK(pid > 0);
        snprintf(kill_sql, sizeof kill_sql, "SELECT pg_terminate_backend(%lld)::int", pid);
        CHECK(pg_server_sql(&pg, "postgres", kill_sql) == 1);
        len = fread(out, 1, sizeof out - 1, p);
        out[len] = '\0';
        status = pclose(p);
        fprintf(stderr, "dgoctl, its COMMIT's connection terminated:\n%s", out);
        CHECK(!strstr(out, "runtime error:") && !strstr(out, "Sanitizer"));
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
        CHECK(strstr(out, "whether the book was replaced is unknown: look with dgoctl gradebook export"));
        CHECK(!strstr(out, "nothing was changed"));
        CHECK(pg_server_set_standby_names(&pg, ""));
        /* committed on the server all the same */
        CHECK(pg_server_sql(&pg, "lost", "SELECT count(*) FROM students WHERE id IN (3, 7, 12)") == 3);
}

int main(int argc, char **argv) {
        int r;

        if (argc != 2) {
                fprintf(stderr, "Usage: %s DGOCTL\n", argv[0]);
                return 1;
        }
        dgoctl = argv[1];
        if (!pg_server_installed()) {
                printf("SKIP: PostgreSQL 15's server (" PG_BINDIR ") is not installed (scripts/deps test installs "
                       "postgresql-15)\n");
                return 77;
        }
        CHECK(mkdtemp(dir) != NULL);
        r = pg_server_start(&pg);
        CHECK(r == 0);
        if (r == 0) {
                test_library();
                test_command();
                test_commit_lost();
        }
        pg_server_stop(&pg, check_failures > 0);
        pg_server_rm_rf(dir);
        return check_finish("dgoctl-gradebook-pg");
}
