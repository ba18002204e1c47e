/* cmd_backup.c - `dgoctl backup FILE`: a consistent copy of the grade book
 * while the grading service runs and serves (db_copy.c says how), checked
 * as `dgoctl restore` would check it, installed at FILE atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_copy.h"
#include "db_verify.h"
#include "dgoctl.h"

static const char backup_help[] =
        "Usage: dgoctl backup [--store DB] [--force] FILE\n"
        "\n"
        "Copy the grade book to FILE while the grading service runs and serves.\n"
        "The copy holds every grade committed before the backup began and none in\n"
        "part; the service goes on writing meanwhile. It is checked as dgoctl restore\n"
        "checks a file, written to a temporary file beside FILE, fsync'd and renamed\n"
        "to FILE (mode 0600). Then the numbers of students and grades and the size\n"
        "are printed. Needs root: the grade book is private to the service.\n"
        "\n"
        "Options:\n"
        "      --store DB   the grade book (default: " DGOCTL_STORE ")\n"
        "      --force      replace FILE if it exists\n"
        "  -h, --help       show this help\n"
        "(and the global options, see dgoctl --help)\n"
        "\n"
        "Exit status: 0 copied and checked; 1 no backup made (FILE exists, the grade\n"
        "book cannot be read, no room, ...) or the copy fails a check (it is kept\n"
        "for salvage, and the message says so); 2 usage error.\n";

struct backup_args {
        const char *store;
        bool force;
};

static int backup_option(int c, const char *arg, void *userdata) {
        struct backup_args *a = userdata;
        const char *problem;

        switch (c) {
        case OPT_STORE:
                problem = check_db_path(arg);
                if (problem)
                        return dgoctl_usage_error("backup", "--store '%s' %s", arg, problem);
                a->store = arg;
                break;
        case OPT_FORCE:
                a->force = true;
                break;
        }
        return DGOCTL_CONTINUE;
}

/* What is at FILE may be replaced (--force) or not at all; never the grade
 * book itself. */
static int check_target(const char *file, const char *store, bool force) {
        struct stat f, s;

        if (lstat(file, &f) < 0) {
                if (errno == ENOENT)
                        return DGOCTL_CONTINUE;
                return dgoctl_error(DGOCTL_EXIT_FAILED, "%s: %s", file, strerror(errno));
        }
        if (!force)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "%s exists; not replaced (--force replaces it)", file);
        if (!S_ISREG(f.st_mode))
                return dgoctl_error(DGOCTL_EXIT_FAILED, "%s exists and is not a regular file; not replaced", file);
        if (stat(store, &s) == 0 && s.st_dev == f.st_dev && s.st_ino == f.st_ino)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "%s is the grade book itself; not replaced", file);
        return DGOCTL_CONTINUE;
}

/* The grade book is there and readable by us: say plainly when not. */
static int check_store(const char *store) {
        if (access(store, R_OK) == 0)
                return DGOCTL_CONTINUE;
        if (errno == ENOENT)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "no grade book at %s (--store names another)", store);
        if (errno == EACCES)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot read %s: %s (the grade book is private to the "
                                    "grading service: run dgoctl as root)", store, strerror(errno));
        return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot read %s: %s", store, strerror(errno));
}

int cmd_backup(struct dgoctl *ctl, int argc, char **argv) {
        static const struct option opts[] = {
                { "store", required_argument, NULL, OPT_STORE },
                { "force", no_argument, NULL, OPT_FORCE },
                { 0 },
        };
        struct backup_args a = { .store = DGOCTL_STORE };
        struct db_summary sum;
        char *tmp = NULL, *problem = NULL;
        const char *file, *bad;
        bool salvage = false;
        struct stat st;
        int code, r;

        code = dgoctl_parse(ctl, "backup", backup_help, argc, argv, NULL, opts, backup_option, &a);
        if (code != DGOCTL_CONTINUE)
                return code;
        if (optind >= argc)
                return dgoctl_usage_error("backup", "no FILE given: where shall the copy go?");
        if (optind + 1 < argc)
                return dgoctl_usage_error("backup", "one FILE only ('%s' is one too many)", argv[optind + 1]);
        file = argv[optind];
        bad = check_db_path(file);
        if (bad)
                return dgoctl_usage_error("backup", "FILE '%s' %s", file, bad);

        code = check_target(file, a.store, a.force);
        if (code == DGOCTL_CONTINUE)
                code = check_store(a.store);
        if (code != DGOCTL_CONTINUE)
                return code;

        r = db_copy_to_temp(a.store, file, NULL, &tmp, &problem);
        if (r < 0) {
                code = dgoctl_error(DGOCTL_EXIT_FAILED, "no backup made: %s", problem ? problem : strerror(-r));
                free(problem);
                return code;
        }
        r = db_verify(tmp, &sum, &problem);
        if (r < 0) {
                /* Whatever could be copied may still help someone: keep it,
                 * under FILE, but say that restore would refuse it. */
                dgoctl_error(DGOCTL_EXIT_FAILED, "the copy of %s %s", a.store, problem ? problem : strerror(-r));
                free(problem);
                salvage = true;
        }
        r = db_install(tmp, file, a.force);
        if (r < 0) {
                if (r == -EEXIST)
                        code = dgoctl_error(DGOCTL_EXIT_FAILED, "%s appeared meanwhile; not replaced (--force "
                                            "replaces it)", file);
                else
                        code = dgoctl_error(DGOCTL_EXIT_FAILED, "no backup made: cannot rename %s to %s: %s", tmp,
                                            file, strerror(-r));
                unlink(tmp);
                free(tmp);
                return code;
        }
        free(tmp);
        if (salvage) {
                fprintf(stderr, "dgoctl: %s is written for salvage, but dgoctl restore would refuse it\n", file);
                return DGOCTL_EXIT_FAILED;
        }
        if (stat(file, &st) < 0)
                st.st_size = 0;
        printf("Backed up %s to %s: %lld student%s, %lld grade%s, %lld bytes.\n", a.store, file,
               (long long) sum.students, sum.students == 1 ? "" : "s", (long long) sum.grades,
               sum.grades == 1 ? "" : "s", (long long) st.st_size);
        return dgoctl_flush();
}
