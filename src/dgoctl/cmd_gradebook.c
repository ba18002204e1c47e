/* cmd_gradebook.c - `dgoctl gradebook export FILE` and `import FILE`: the
 * whole grade book as the original's JSON (gb_file.h), to move a book from
 * one installation to another with every ID kept.
 *
 * export reads GET /students of the running grading service on loopback
 * (one answer: the whole book as of one moment), checks it with the parser
 * import uses, and writes it atomically with mode 0600. import checks the
 * file, wants the grading units stopped, builds a new database with the
 * grading service's own store (gb_build.h), checks it as restore checks a
 * backup, and swaps it in as restore does (db_replace.h): the old book is
 * kept as DB.before-restore.
 *
 * import --postgresql replaces a cluster's PostgreSQL book instead, which
 * the grading replicas go on serving: the store replaces it in one
 * transaction and tells them (gb_build_postgresql()), so nothing is
 * stopped. Its connection string is the grading units' own
 * (patroni_grading_conninfo()), its password their credential. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/macros.h"
#include "cluster_files.h"
#include "cluster_install.h"
#include "cluster_patroni.h"
#include "db_replace.h"
#include "db_verify.h"
#include "dgo/cluster_conf.h"
#include "dgoctl.h"
#include "gb_build.h"
#include "gb_file.h"
#include "names.h"
#include "sync_http.h"
#include "units.h"

#define DEFAULT_GRADING "http://127.0.0.1:6000"

static const char gradebook_help[] =
        "Usage: dgoctl gradebook export [--url URL] [--force] FILE\n"
        "       dgoctl gradebook import [--store DB] [--replace] FILE\n"
        "       dgoctl gradebook import --postgresql [--pg-conninfo STRING] [--replace] FILE\n"
        "\n"
        "Move the whole grade book between installations as JSON: the list of\n"
        "students with their grades that GET /students answers (the original\n"
        "dgo's format), with every student ID kept.\n"
        "\n"
        "export  reads the book from the running grading service, checks it as\n"
        "        import would, and writes it to FILE atomically with mode 0600\n"
        "        (grades are personal data); FILE - writes it to standard output.\n"
        "import  checks FILE, builds a new grade book from it with the grading\n"
        "        service's own store, checks that, and puts it in place of DB.\n"
        "        dgo-grading.socket and dgo-grading.service must be stopped. A\n"
        "        book that holds students is replaced only with --replace, and is\n"
        "        then kept as DB.before-restore. Needs root.\n"
        "import --postgresql\n"
        "        replaces the cluster's PostgreSQL grade book with FILE's in one\n"
        "        transaction, every ID kept, while the grading replicas run: they\n"
        "        read the new book at once. A book that holds students is replaced\n"
        "        only with --replace (it is not kept: export it first). Run it\n"
        "        on a cluster host, as root (the database's password is in\n"
        "        " CREDSTORE "/" CRED_PG_PASSWORD ").\n"
        "\n"
        "Options:\n"
        "      --url URL    export: the grading service (default: " DEFAULT_GRADING ")\n"
        "      --force      export: replace FILE if it exists\n"
        "      --store DB   import: the grade book (default: " DGOCTL_STORE ")\n"
        "      --replace    import: replace a grade book that holds students\n"
        "      --postgresql import: into the cluster's PostgreSQL grade book\n"
        "      --pg-conninfo STRING\n"
        "                   with --postgresql: the database, as a libpq connection\n"
        "                   string (default: the grading units', every host of\n"
        "                   " CLUSTER_CONF_PATH "'s Etcd=, the one taking writes,\n"
        "                   TLS checked with the cluster's CA); no password in it\n"
        "  -h, --help       show this help\n"
        "(and the global options, see dgoctl --help; --timeout bounds export's request)\n"
        "\n"
        "Exit status: 0 done; 1 refused or failed (the message says why; nothing\n"
        "was changed unless it says so); 2 usage error; 3 the grading service,\n"
        "systemd or the database could not be reached.\n";

struct gradebook_args {
        char *url;
        const char *store;
        const char *pg_conninfo;
        bool force, replace, postgresql;
        bool url_set, store_set;
};

/* A connection string from the command line: bounded, one line of text. */
static const char *conninfo_problem(const char *s) {
        if (!*s)
                return "is empty";
        if (strlen(s) >= PATRONI_CONNINFO_MAX)
                return "is too long";
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 0x7f)
                        return "holds a control character";
        return NULL;
}

static int gradebook_option(int c, const char *arg, void *userdata) {
        struct gradebook_args *a = userdata;
        const char *problem;

        switch (c) {
        case OPT_URL:
                free(a->url);
                a->url = NULL;
                problem = parse_base_url(arg, false, &a->url);
                if (problem)
                        return dgoctl_usage_error("gradebook", "--url %s: %s", arg, problem);
                a->url_set = true;
                break;
        case OPT_STORE:
                problem = check_db_path(arg);
                if (problem)
                        return dgoctl_usage_error("gradebook", "--store '%s' %s", arg, problem);
                a->store = arg;
                a->store_set = true;
                break;
        case OPT_FORCE:
                a->force = true;
                break;
        case OPT_REPLACE:
                a->replace = true;
                break;
        case OPT_POSTGRESQL:
                a->postgresql = true;
                break;
        case OPT_PG_CONNINFO:
                problem = conninfo_problem(arg);
                if (problem)
                        return dgoctl_usage_error("gradebook", "--pg-conninfo %s", problem);
                a->pg_conninfo = arg;
                break;
        }
        return DGOCTL_CONTINUE;
}

static const char *plural(size_t n) {
        return n == 1 ? "" : "s";
}

/* ---- export ---- */

static int export_book(const struct dgoctl *ctl, const char *base, const char *file, bool force) {
        _cleanup_(http_answer_clear) struct http_answer a = { 0 };
        _cleanup_free_ char *url = NULL, *problem = NULL;
        struct gb_summary sum;
        char error[256];
        bool to_stdout = strcmp(file, "-") == 0;
        int r;

        if (asprintf(&url, "%s/students", base) < 0) {
                url = NULL;
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        }
        r = sync_http_get_large(url, GB_FILE_MAX, ctl->timeout, &a);
        if (r < 0)
                return dgoctl_error(r == -EFBIG || r == -ENOMEM ? DGOCTL_EXIT_FAILED : DGOCTL_EXIT_UNREACHABLE,
                                    "not exported: cannot read the grade book from the grading service at %s: %s",
                                    base, a.error);
        if (a.status != 200)
                return dgoctl_error(a.status == 502 || a.status == 503 || a.status == 504 ? DGOCTL_EXIT_UNREACHABLE
                                                                                         : DGOCTL_EXIT_FAILED,
                                    "not exported: GET %s answered %ld", url, a.status);
        /* Never a file that import would refuse. */
        r = gb_check(a.body, a.len, NULL, &sum, error, sizeof error);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not exported: the grading service's book is one import "
                                    "would refuse: %s", error);
        if (to_stdout) {
                if (fwrite(a.body, 1, a.len, stdout) != a.len)
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot write to standard output: %s",
                                            strerror(errno));
                r = dgoctl_flush();
                if (r != DGOCTL_EXIT_OK)
                        return r;
        } else {
                struct stat f, db;

                if (stat(file, &f) == 0 && stat(DGOCTL_STORE, &db) == 0 && f.st_dev == db.st_dev &&
                    f.st_ino == db.st_ino)
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "not exported: %s is the grade book itself; not "
                                            "replaced", file);
                r = gb_write_file(file, a.body, a.len, force, &problem);
                if (r < 0)
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "not exported: %s",
                                            problem ? problem : strerror(-r));
        }
        /* The summary goes where the book does not. */
        fprintf(to_stdout ? stderr : stdout,
                "Exported %zu student%s, %zu grade%s (highest ID %ld) from %s to %s: %zu bytes%s.\n",
                sum.students, plural(sum.students), sum.grades, plural(sum.grades), sum.highest_id, base,
                to_stdout ? "standard output" : file, a.len, to_stdout ? "" : ", mode 0600");
        return dgoctl_flush();
}

/* ---- import ---- */

static bool unit_running(const char *active) {
        return active && (strcmp(active, "active") == 0 || strcmp(active, "activating") == 0 ||
                          strcmp(active, "reloading") == 0 || strcmp(active, "deactivating") == 0);
}

/* The socket too: while it listens, a connection starts the service, which
 * would open the book being replaced. */
static int check_stopped(double timeout) {
        const struct dgo_service *grading = dgo_service_lookup("grading");
        const char *units[] = { grading->socket, grading->unit };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = units_connect(timeout, &bus);

        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_UNREACHABLE, "not imported: cannot reach systemd on the system bus "
                                    "to see that the grading service is stopped: %s; nothing was changed",
                                    strerror(-r));
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                struct unit_info info;
                bool up;

                r = units_query(units[i], &info, bus);
                if (r < 0)
                        return dgoctl_error(DGOCTL_EXIT_UNREACHABLE, "not imported: cannot ask systemd about %s: %s; "
                                            "nothing was changed", units[i], strerror(-r));
                up = unit_running(info.active);
                unit_info_clear(&info);
                if (up)
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: %s is running; stop the grading "
                                            "service first (systemctl stop %s %s); nothing was changed",
                                            units[i], grading->socket, grading->unit);
        }
        return DGOCTL_CONTINUE;
}

/* The counts of the book at STORE, checked as restore checks a file. Read
 * and write: a read-only connection to a book in WAL mode leaves a -wal and
 * a -shm behind (it cannot take the lock to remove them), root's, which the
 * service's dynamic user could not open. This one removes them on close,
 * and writes nothing (SQLite folds a -wal a killed service left into the
 * book, which db_replace() would do too). */
static int count_book(const char *store, struct db_summary *ret, char **ret_problem) {
        sqlite3 *db = NULL;
        struct stat st;
        int r;

        if (stat(store, &st) < 0 || !S_ISREG(st.st_mode) || access(store, R_OK | W_OK) < 0)
                return db_verify(store, ret, ret_problem);     /* says what is wrong */
        r = db_open(store, SQLITE_OPEN_READWRITE, &db, ret_problem);
        if (r >= 0)
                r = db_verify_open(db, ret, ret_problem);
        sqlite3_close(db);
        return r;
}

/* Whether the book at STORE may be replaced: there is none, or it holds no
 * student, or --replace. */
static int check_replaceable(const char *store, bool replace) {
        _cleanup_free_ char *problem = NULL;
        struct db_summary sum;
        struct stat st;
        int r;

        if (stat(store, &st) < 0) {
                if (errno == ENOENT)
                        return DGOCTL_CONTINUE;
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: %s: %s; nothing was changed", store,
                                    strerror(errno));
        }
        if (replace)
                return DGOCTL_CONTINUE;
        if (!S_ISREG(st.st_mode) || st.st_size > 0) {
                r = count_book(store, &sum, &problem);
                if (r < 0)
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: the grade book %s %s; --replace "
                                            "replaces it (and keeps it as %s" DB_BEFORE_RESTORE_SUFFIX "); nothing "
                                            "was changed", store, problem ? problem : strerror(-r), store);
                if (sum.students > 0)
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: the grade book %s holds %lld "
                                            "student%s and %lld grade%s; --replace replaces it (and keeps it as %s"
                                            DB_BEFORE_RESTORE_SUFFIX "); nothing was changed", store,
                                            (long long) sum.students, plural((size_t) sum.students),
                                            (long long) sum.grades, plural((size_t) sum.grades), store);
        }
        return DGOCTL_CONTINUE;
}

static void unlink_and_freep(char **path) {
        if (*path)
                (void) unlink(*path);
        free(*path);
}

/* FILE read and checked: its text, its book and their counts. */
static int read_book(const char *file, char **ret_text, size_t *ret_len, struct gradebook *ret_book,
                     struct gb_summary *ret_sum) {
        _cleanup_free_ char *problem = NULL;
        char error[256];
        int r;

        r = gb_read_file(file, GB_FILE_MAX, ret_text, ret_len, &problem);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: %s %s; nothing was changed", file,
                                    problem ? problem : strerror(-r));
        r = gb_check(*ret_text, *ret_len, ret_book, ret_sum, error, sizeof error);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: %s is no grade book dgo accepts: %s; nothing "
                                    "was changed", file, error);
        return DGOCTL_CONTINUE;
}

static int import_book(const struct dgoctl *ctl, const char *store, const char *file, bool replace) {
        _cleanup_(gradebook_free) struct gradebook book = { 0 };
        _cleanup_(unlink_and_freep) char *tmp = NULL;
        _cleanup_free_ char *text = NULL, *problem = NULL;
        struct gb_summary sum;
        struct db_summary built;
        struct stat like;
        bool had_old = false;
        size_t len;
        int code, r;

        code = read_book(file, &text, &len, &book, &sum);
        if (code != DGOCTL_CONTINUE)
                return code;
        code = check_stopped(ctl->timeout);
        if (code == DGOCTL_CONTINUE)
                code = check_replaceable(store, replace);
        if (code == DGOCTL_CONTINUE)
                code = dgoctl_book_owner(store, &like);
        if (code != DGOCTL_CONTINUE)
                return code;

        r = gb_build(store, text, len, &book, &like, &tmp, &built, &problem);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: %s; nothing was changed",
                                    problem ? problem : strerror(-r));
        if ((size_t) built.students != sum.students || (size_t) built.grades != sum.grades)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: the new grade book holds %lld students and "
                                    "%lld grades, the file %zu and %zu; nothing was changed",
                                    (long long) built.students, (long long) built.grades, sum.students, sum.grades);
        free(problem);
        problem = NULL;
        /* The service may have been started meanwhile: look again, last. */
        code = check_stopped(ctl->timeout);
        if (code != DGOCTL_CONTINUE)
                return code;
        r = db_replace(store, tmp, &had_old, &problem);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: %s", problem ? problem : strerror(-r));
        free(TAKE_PTR(tmp));                    /* it is the grade book now */
        printf("Imported %s into %s: %zu student%s, %zu grade%s, highest ID %ld.\n", file, store, sum.students,
               plural(sum.students), sum.grades, plural(sum.grades), sum.highest_id);
        if (had_old)
                printf("The previous grade book is %s" DB_BEFORE_RESTORE_SUFFIX
                       " ('dgoctl restore %s" DB_BEFORE_RESTORE_SUFFIX "' goes back to it).\n", store, store);
        printf("Start the grading service: systemctl start dgo-grading.socket\n");
        return dgoctl_flush();
}

/* ---- import --postgresql ---- */

/* The grading units' connection string on this cluster host into BUF. */
static int cluster_conninfo(char *buf, size_t size) {
        char addr[CLUSTER_ETCD_MAX][CLUSTER_URL_MAX + 1];
        const char *list[CLUSTER_ETCD_MAX];
        struct cluster_conf conf;
        int n, r;

        r = cluster_conf_load(CLUSTER_CONF_PATH, &conf);
        if (r == -ENOENT)
                return dgoctl_usage_error("gradebook", "this host is in no cluster (" CLUSTER_CONF_PATH " does not "
                                          "exist): --pg-conninfo names the PostgreSQL grade book");
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: " CLUSTER_CONF_PATH " cannot be read (%s); "
                                    "nothing was changed", strerror(-r));
        n = cluster_etcd_addresses(&conf, addr);
        for (int i = 0; i < n; i++)
                list[i] = addr[i];
        r = n > 0 ? patroni_grading_conninfo(list, (size_t) n, CREDSTORE "/" CRED_CA, buf, size) : -EINVAL;
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: the hosts of " CLUSTER_CONF_PATH "'s Etcd= "
                                    "make no connection string (1 to %d IPv4 addresses); --pg-conninfo names the "
                                    "database; nothing was changed", PATRONI_HOSTS_MAX);
        return DGOCTL_CONTINUE;
}

static void free_secretp(char **s) {
        if (*s) {
                explicit_bzero(*s, strlen(*s));
                free(*s);
        }
}

/* The password of the database user dgo, where `dgoctl cluster postgres`
 * put it (the grading units' credential); never from the command line,
 * which every user sees. *RET stays NULL when this host has none. */
#define PG_PASSWORD_FILE CREDSTORE "/" CRED_PG_PASSWORD
static int read_pg_password(char **ret) {
        size_t len;
        int r = read_file_bounded(PG_PASSWORD_FILE, 4096, ret, &len);

        if (r == -ENOENT) {
                *ret = NULL;
                return DGOCTL_CONTINUE;
        }
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not imported: cannot read the database password "
                                    PG_PASSWORD_FILE ": %s%s; nothing was changed", strerror(-r),
                                    r == -EACCES ? " (it is root's)" : "");
        while (len > 0 && ((*ret)[len - 1] == '\n' || (*ret)[len - 1] == '\r'))
                (*ret)[--len] = '\0';
        return DGOCTL_CONTINUE;
}

static int import_postgresql(const char *conninfo, const char *file, bool replace) {
        _cleanup_(gradebook_free) struct gradebook book = { 0 };
        _cleanup_free_ char *text = NULL, *problem = NULL;
        _cleanup_(free_secretp) char *password = NULL;
        char own[PATRONI_CONNINFO_MAX];
        struct gb_pg_result res;
        struct gb_summary sum;
        size_t len;
        int code, r;

        code = conninfo ? DGOCTL_CONTINUE : cluster_conninfo(own, sizeof own);
        if (code == DGOCTL_CONTINUE)
                code = read_book(file, &text, &len, &book, &sum);
        if (code == DGOCTL_CONTINUE)
                code = read_pg_password(&password);
        if (code != DGOCTL_CONTINUE)
                return code;
        if (conninfo && strstr(conninfo, "password"))
                fprintf(stderr, "dgoctl: gradebook: warning: --pg-conninfo holds a password, which every user "
                        "of this host can read (ps); " PG_PASSWORD_FILE " is read when it exists\n");
        free(TAKE_PTR(text));                   /* the book is parsed: a large file's text is not needed */

        r = gb_build_postgresql(conninfo ? conninfo : own, password, &book, replace, &res, &problem);
        if (r < 0 && res.outcome == GB_PG_UNCHANGED)
                return dgoctl_error(r == -EHOSTUNREACH ? DGOCTL_EXIT_UNREACHABLE : DGOCTL_EXIT_FAILED,
                                    "not imported: %s; nothing was changed", problem ? problem : strerror(-r));
        if (r < 0 && res.outcome == GB_PG_UNKNOWN)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "%s", problem ? problem : "whether the book was replaced "
                                    "is unknown: look with dgoctl gradebook export");
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "%s was imported (it held %zu students and %zu grades "
                                    "before), but %s", file, res.old_students, res.old_grades,
                                    problem ? problem : strerror(-r));
        printf("Imported %s into the cluster's grade book (PostgreSQL): %zu student%s, %zu grade%s, highest ID "
               "%ld, as read back.\n", file, res.loaded.students, plural(res.loaded.students), res.loaded.grades,
               plural(res.loaded.grades), res.loaded.highest_id);
        printf("It held %zu student%s and %zu grade%s before. The running grading services read the new book "
               "at once.\n", res.old_students, plural(res.old_students), res.old_grades, plural(res.old_grades));
        return dgoctl_flush();
}

int cmd_gradebook(struct dgoctl *ctl, int argc, char **argv) {
        static const struct option opts[] = {
                { "url", required_argument, NULL, OPT_URL },
                { "store", required_argument, NULL, OPT_STORE },
                { "force", no_argument, NULL, OPT_FORCE },
                { "replace", no_argument, NULL, OPT_REPLACE },
                { "postgresql", no_argument, NULL, OPT_POSTGRESQL },
                { "pg-conninfo", required_argument, NULL, OPT_PG_CONNINFO },
                { 0 },
        };
        struct gradebook_args a = { .store = DGOCTL_STORE };
        const char *verb, *file, *bad;
        int code;

        code = dgoctl_parse(ctl, "gradebook", gradebook_help, argc, argv, NULL, opts, gradebook_option, &a);
        if (code != DGOCTL_CONTINUE)
                goto done;
        code = DGOCTL_EXIT_USAGE;
        if (optind >= argc) {
                dgoctl_usage_error("gradebook", "no subcommand given (export or import)");
                goto done;
        }
        verb = argv[optind];
        if (strcmp(verb, "export") != 0 && strcmp(verb, "import") != 0) {
                dgoctl_usage_error("gradebook", "unknown subcommand '%s' (export or import)", verb);
                goto done;
        }
        if (optind + 1 >= argc) {
                dgoctl_usage_error("gradebook", "no FILE given (%s)", strcmp(verb, "export") == 0 ?
                                   "where shall the book go? - is standard output" : "which book shall be imported?");
                goto done;
        }
        if (optind + 2 < argc) {
                dgoctl_usage_error("gradebook", "one FILE only ('%s' is one too many)", argv[optind + 2]);
                goto done;
        }
        file = argv[optind + 1];
        bad = check_db_path(file);
        if (bad) {
                dgoctl_usage_error("gradebook", "FILE '%s' %s", file, bad);
                goto done;
        }
        if (strcmp(verb, "export") == 0) {
                if (a.store_set || a.replace || a.postgresql || a.pg_conninfo) {
                        dgoctl_usage_error("gradebook", "--store, --replace, --postgresql and --pg-conninfo are "
                                           "for import");
                        goto done;
                }
                if (a.force && strcmp(file, "-") == 0) {
                        dgoctl_usage_error("gradebook", "--force with FILE - (standard output) makes no sense");
                        goto done;
                }
                code = export_book(ctl, a.url ? a.url : DEFAULT_GRADING, file, a.force);
        } else {
                if (a.url_set || a.force) {
                        dgoctl_usage_error("gradebook", "--url and --force are for export");
                        goto done;
                }
                if (strcmp(file, "-") == 0) {
                        dgoctl_usage_error("gradebook", "import reads a FILE, not standard output or input");
                        goto done;
                }
                if (a.pg_conninfo && !a.postgresql) {
                        dgoctl_usage_error("gradebook", "--pg-conninfo goes with --postgresql");
                        goto done;
                }
                if (a.postgresql && a.store_set) {
                        dgoctl_usage_error("gradebook", "--store is the SQLite book; --postgresql imports into "
                                           "PostgreSQL");
                        goto done;
                }
                code = a.postgresql ? import_postgresql(a.pg_conninfo, file, a.replace)
                                    : import_book(ctl, a.store, file, a.replace);
        }
done:
        free(a.url);
        return code;
}
