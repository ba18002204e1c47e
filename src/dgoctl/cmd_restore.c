/* cmd_restore.c - `dgoctl restore FILE`: replace the grade book with a
 * backup. FILE is checked before anything is touched (db_verify.c); it is
 * copied into the state directory while the service still serves; only
 * then is dgo-grading stopped, the book swapped (db_replace.c) and the units
 * brought back to the states they had. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macros.h"
#include "db_copy.h"
#include "db_replace.h"
#include "db_verify.h"
#include "dgoctl.h"
#include "names.h"
#include "units.h"

/* A start or stop job of dgo-grading ends well within this: systemd's
 * default TimeoutStopSec= is 90 s, and it kills the service then. */
#define JOB_TIMEOUT_SEC 120.0

static const char restore_help[] =
        "Usage: dgoctl restore [--store DB] FILE\n"
        "\n"
        "Replace the grade book with FILE, a backup (see dgoctl backup). FILE is\n"
        "checked first: an SQLite database that passes PRAGMA integrity_check, a\n"
        "grade book of a version this dgo knows, with the tables and columns of its\n"
        "schema, every grade's student there and every grade one the service\n"
        "accepts. If not, nothing is touched. Then dgo-grading.socket and\n"
        "dgo-grading.service are stopped, the grade book is replaced atomically\n"
        "(with the old one's owner and mode), and the socket is started again (and\n"
        "the service, if it ran before; a service the operator had stopped stays\n"
        "stopped). The old grade book is kept as DB.before-restore:\n"
        "'dgoctl restore DB.before-restore' undoes the restore. Needs root.\n"
        "\n"
        "Options:\n"
        "      --store DB   the grade book (default: " DGOCTL_STORE ")\n"
        "  -h, --help       show this help\n"
        "(and the global options, see dgoctl --help)\n"
        "\n"
        "Exit status: 0 restored; 1 refused (FILE fails a check) or failed (the\n"
        "message says whether the grade book was replaced); 2 usage error; 3\n"
        "systemd could not be reached (nothing was touched).\n";

static int restore_option(int c, const char *arg, void *userdata) {
        const char **store = userdata;
        const char *problem;

        if (c == OPT_STORE) {
                problem = check_db_path(arg);
                if (problem)
                        return dgoctl_usage_error("restore", "--store '%s' %s", arg, problem);
                *store = arg;
        }
        return DGOCTL_CONTINUE;
}

/* The socket first: once it is stopped, no connection starts the service
 * again. */
struct unit_state {
        const char *unit;
        bool running;                   /* before the restore */
};

static bool running(const char *active) {
        return active && (strcmp(active, "active") == 0 || strcmp(active, "activating") == 0 ||
                          strcmp(active, "reloading") == 0);
}

static int read_states(sd_bus *bus, struct unit_state units[2]) {
        for (size_t i = 0; i < 2; i++) {
                struct unit_info info;
                int r = units_query(units[i].unit, &info, bus);

                if (r < 0)
                        return dgoctl_error(DGOCTL_EXIT_UNREACHABLE, "cannot ask systemd about %s: %s; nothing was "
                                            "changed", units[i].unit, strerror(-r));
                if (!info.load || strcmp(info.load, "loaded") != 0) {
                        r = dgoctl_error(DGOCTL_EXIT_FAILED, "%s is %s, not loaded (is dgo installed?); nothing was "
                                         "changed", units[i].unit, info.load ? info.load : "unknown");
                        unit_info_clear(&info);
                        return r;
                }
                units[i].running = running(info.active);
                unit_info_clear(&info);
        }
        return DGOCTL_CONTINUE;
}

/* One start or stop job; says on stderr what went wrong. 0 or -errno. */
static int job(sd_bus *bus, const char *method, const char *unit) {
        char *result = NULL;
        int r = units_run_job(bus, method, unit, JOB_TIMEOUT_SEC, &result);

        if (r == -EIO)
                dgoctl_error(DGOCTL_EXIT_FAILED, "%s %s: the job ended with \"%s\" (journalctl -u %s says why)",
                             method, unit, result ? result : "?", unit);
        else if (r < 0)
                dgoctl_error(DGOCTL_EXIT_FAILED, "%s %s: %s", method, unit, result ? result : strerror(-r));
        free(result);
        return r;
}

/* Start again what ran before; 0 or the first failure. */
static int bring_back(sd_bus *bus, const struct unit_state units[2]) {
        int r = 0;

        for (size_t i = 0; i < 2; i++)
                if (units[i].running) {
                        int q = job(bus, "StartUnit", units[i].unit);

                        if (q < 0 && r == 0)
                                r = q;
                }
        return r;
}

/* See dgoctl.h. */
int dgoctl_book_owner(const char *store, struct stat *ret) {
        char *copy = strdup(store);
        struct stat dir;
        int r;

        if (!copy)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        if (stat(store, ret) == 0) {
                free(copy);
                if (!S_ISREG(ret->st_mode))
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "%s is not a regular file; nothing was changed", store);
                return DGOCTL_CONTINUE;
        }
        if (errno != ENOENT) {
                r = dgoctl_error(DGOCTL_EXIT_FAILED, "%s: %s; nothing was changed", store, strerror(errno));
        } else if (stat(dirname(copy), &dir) < 0 || !S_ISDIR(dir.st_mode)) {
                r = dgoctl_error(DGOCTL_EXIT_FAILED, "no state directory %s for %s (start dgo-grading once, and "
                                 "systemd makes it); nothing was changed", copy, store);
        } else {
                *ret = dir;
                ret->st_mode = S_IFREG | 0600;
                r = DGOCTL_CONTINUE;
        }
        free(copy);
        return r;
}

static void say_units(const struct unit_state units[2]) {
        for (size_t i = 0; i < 2; i++)
                printf("%s %s\n", units[i].unit,
                       units[i].running ? "is started again." : "is left stopped, as it was before.");
}

/* A temporary copy that did not take the grade book's place goes. */
static void unlink_and_freep(char **path) {
        if (*path)
                (void) unlink(*path);
        free(*path);
}

int cmd_restore(struct dgoctl *ctl, int argc, char **argv) {
        static const struct option opts[] = { { "store", required_argument, NULL, OPT_STORE }, { 0 } };
        const struct dgo_service *grading = dgo_service_lookup("grading");
        struct unit_state units[2] = { { grading->socket, false }, { grading->unit, false } };
        const char *store = DGOCTL_STORE, *file, *bad;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(unlink_and_freep) char *tmp = NULL;
        _cleanup_free_ char *problem = NULL;
        struct db_summary sum;
        struct stat like, st;
        bool had_old = false;
        int code, r;

        code = dgoctl_parse(ctl, "restore", restore_help, argc, argv, NULL, opts, restore_option, &store);
        if (code != DGOCTL_CONTINUE)
                return code;
        if (optind >= argc)
                return dgoctl_usage_error("restore", "no FILE given: which backup shall be restored?");
        if (optind + 1 < argc)
                return dgoctl_usage_error("restore", "one FILE only ('%s' is one too many)", argv[optind + 1]);
        file = argv[optind];
        bad = check_db_path(file);
        if (bad)
                return dgoctl_usage_error("restore", "FILE '%s' %s", file, bad);

        r = db_verify(file, &sum, &problem);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not restored: %s %s; nothing was changed", file,
                                    problem ? problem : strerror(-r));
        code = dgoctl_book_owner(store, &like);
        if (code != DGOCTL_CONTINUE)
                return code;
        r = units_connect(ctl->timeout, &bus);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_UNREACHABLE, "cannot reach systemd on the system bus: %s; nothing "
                                    "was changed", strerror(-r));
        code = read_states(bus, units);
        if (code != DGOCTL_CONTINUE)
                return code;

        /* The copy is made while the service still serves: it is down only
         * for the swap. */
        r = db_copy_to_temp(file, store, &like, &tmp, &problem);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "not restored: %s; nothing was changed",
                                    problem ? problem : strerror(-r));
        for (size_t i = 0; i < 2; i++)
                if (job(bus, "StopUnit", units[i].unit) < 0) {
                        code = dgoctl_error(DGOCTL_EXIT_FAILED, "not restored: %s could not be stopped; the grade "
                                            "book is unchanged", units[i].unit);
                        (void) bring_back(bus, units);
                        return code;
                }
        r = db_replace(store, tmp, &had_old, &problem);
        if (r < 0) {
                code = dgoctl_error(DGOCTL_EXIT_FAILED, "not restored: %s", problem ? problem : strerror(-r));
                (void) bring_back(bus, units);
                return code;
        }
        free(TAKE_PTR(tmp));                    /* it is the grade book now */
        if (stat(store, &st) < 0)
                st.st_size = 0;
        printf("Restored %s to %s: %lld student%s, %lld grade%s, %lld bytes.\n", file, store,
               (long long) sum.students, sum.students == 1 ? "" : "s", (long long) sum.grades,
               sum.grades == 1 ? "" : "s", (long long) st.st_size);
        if (had_old)
                printf("The previous grade book is %s" DB_BEFORE_RESTORE_SUFFIX
                       " ('dgoctl restore %s" DB_BEFORE_RESTORE_SUFFIX "' goes back to it).\n", store, store);
        r = bring_back(bus, units);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "the grade book is restored, but the grading service did not "
                                    "start again");
        say_units(units);
        return dgoctl_flush();
}
