/* dgoctl.h - what dgoctl's commands share: the global options, the way
 * they parse their own options, call a service and print. */
#pragma once

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "args.h"
#include "table.h"

struct dgoctl {
        char *registry;                 /* base URL, no trailing '/' or "/services" */
        char *portal;                   /* base URL */
        double timeout;                 /* seconds, every request */
        bool no_color;
        bool color;                     /* decided once the options are read */
        const char *token;              /* $DGO_TOKEN: the portal's API token, or NULL */
};

/* The global options, accepted before and after the command. */
#define DGOCTL_GLOBAL_OPTIONS \
        { "registry", required_argument, NULL, OPT_REGISTRY }, \
        { "portal", required_argument, NULL, OPT_PORTAL }, \
        { "timeout", required_argument, NULL, OPT_TIMEOUT }, \
        { "no-color", no_argument, NULL, OPT_NO_COLOR }, \
        { "version", no_argument, NULL, OPT_VERSION }, \
        { "help", no_argument, NULL, 'h' }

enum {
        OPT_REGISTRY = 0x100,
        OPT_PORTAL,
        OPT_TIMEOUT,
        OPT_NO_COLOR,
        OPT_VERSION,
        OPT_JSON,
        OPT_NO_PAGER,
        OPT_TITLE,
        OPT_TYPE,
        OPT_SCORE,
        OPT_STORE,
        OPT_FORCE,
        OPT_DIR,
        OPT_PASSWORD_STDIN,
        OPT_HOST,
        OPT_ADDRESS,
        OPT_OUTPUT,
        OPT_NO_START,
        OPT_ROOT,
        OPT_WAIT,
        OPT_URL,
        OPT_REPLACE,
        OPT_POSTGRESQL,
        OPT_PG_CONNINFO,
        OPT_COMMAND_BASE,
};

/* Handle global option C (from getopt_long) with OPTARG. Returns -1 when C
 * is not a global option, else an exit code to leave with now (--version,
 * a bad value) or DGOCTL_CONTINUE. */
#define DGOCTL_CONTINUE (-2)
int dgoctl_global_option(struct dgoctl *ctl, int c, const char *arg, const char *command);

/* Parse a command's options: its own (SHORTOPTS, OPTS ending in a zero
 * entry, each handed to ON_OPTION) and the global ones; -h/--help prints
 * HELP. Returns DGOCTL_CONTINUE with the operands in argv[optind..], or an
 * exit code to leave with (0 after --help or --version). ARGV[0] is
 * replaced by "dgoctl COMMAND" for getopt's messages. */
typedef int (*dgoctl_option_fn)(int c, const char *arg, void *userdata);
int dgoctl_parse(struct dgoctl *ctl, const char *command, const char *help, int argc, char **argv,
                 const char *shortopts, const struct option *opts, dgoctl_option_fn on_option, void *userdata);

/* Colours: on a terminal, without --no-color and without NO_COLOR. */
void dgoctl_decide_color(struct dgoctl *ctl);

/* "dgoctl: ..." on stderr; returns CODE. */
int dgoctl_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error: the message, then "Try 'dgoctl COMMAND --help'."; returns 2. */
int dgoctl_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* METHOD BASE+PATH at the service WHO ("registry", "portal"), BODY as JSON
 * if not NULL; the answer's JSON in *RET. Returns an exit code and says on
 * stderr what went wrong: 3 when no answer came (or a 502/503/504 from a
 * gateway whose service is not reached), 1 for any other error status
 * (with the service's "error" text) or an answer that is not JSON. */
int dgoctl_call(const struct dgoctl *ctl, const char *who, const char *method, const char *base,
                const char *path, const json_t *body, json_t **ret);

/* Print J as indented JSON; print T and free it. Exit codes. */
int dgoctl_print_json(const json_t *j);
int dgoctl_print_table(const struct dgoctl *ctl, struct table *t);
/* Text from a service to stdout, control characters as '?'. */
void dgoctl_put_clean(const char *s);
/* Flush stdout: 0, or 1 (said on stderr) when writing failed. */
int dgoctl_flush(void);

int cmd_status(struct dgoctl *ctl, int argc, char **argv);
int cmd_services(struct dgoctl *ctl, int argc, char **argv);
int cmd_logs(struct dgoctl *ctl, int argc, char **argv);
int cmd_students(struct dgoctl *ctl, int argc, char **argv);
int cmd_student(struct dgoctl *ctl, int argc, char **argv);
int cmd_grade(struct dgoctl *ctl, int argc, char **argv);
int cmd_backup(struct dgoctl *ctl, int argc, char **argv);
int cmd_restore(struct dgoctl *ctl, int argc, char **argv);
int cmd_teacher(struct dgoctl *ctl, int argc, char **argv);
int cmd_token(struct dgoctl *ctl, int argc, char **argv);
int cmd_cluster(struct dgoctl *ctl, int argc, char **argv);
int cmd_gradebook(struct dgoctl *ctl, int argc, char **argv);

/* The grading service's database (its StateDirectory=), --store's default. */
#define DGOCTL_STORE "/var/lib/dgo-grading/gradebook.db"

/* Who shall own a new grade book at STORE (restore, gradebook import): the
 * old book's owner and mode, or where there is none the state directory's
 * owner with 0600. DGOCTL_CONTINUE, or an exit code (said on stderr). */
struct stat;
int dgoctl_book_owner(const char *store, struct stat *ret);
