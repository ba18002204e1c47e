/* cmd_logs.c - `dgoctl logs [SERVICE]`: the central log, by running
 * journalctl with the right matches (names.c says which). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dgoctl.h"
#include "dgo/registration.h"
#include "names.h"

static const char logs_help[] =
        "Usage: dgoctl logs [SERVICE] [-f] [-n N] [--no-pager] [OPTIONS]\n"
        "\n"
        "The central log through journalctl. SERVICE is a short name (registry, log,\n"
        "grading, portal), a registry name (GradingService) or a unit (dgo-grading),\n"
        "or the name of any other service that logs to the log service.\n"
        "\n"
        "For a service: the messages it sent to the log service (DGO_SERVICE=NAME),\n"
        "and systemd's own lines about its units (started, failed, ...); for the\n"
        "registry and the log service, which send nothing there, their own journal\n"
        "lines. Without SERVICE: the whole central log, the registry's and the log\n"
        "service's lines, and systemd's lines about every dgo unit.\n"
        "\n"
        "Options:\n"
        "  -f, --follow      keep printing new entries\n"
        "  -n, --lines N     only the last N entries\n"
        "      --no-pager    do not pipe into a pager\n"
        "  -h, --help        show this help\n"
        "(and the global options, see dgoctl --help)\n"
        "\n"
        "The exit status is journalctl's. The command run is printed with\n"
        "DGOCTL_DEBUG=1 in the environment.\n";

struct logs_args {
        struct journal_options j;
        const char *problem;
};

static int logs_option(int c, const char *arg, void *userdata) {
        struct logs_args *a = userdata;

        switch (c) {
        case 'f':
                a->j.follow = true;
                break;
        case 'n':
                a->problem = parse_lines(arg, &a->j.lines);
                if (a->problem)
                        return dgoctl_usage_error("logs", "--lines '%s' %s", arg, a->problem);
                a->j.lines_set = true;
                break;
        case OPT_NO_PAGER:
                a->j.no_pager = true;
                break;
        }
        return DGOCTL_CONTINUE;
}

int cmd_logs(struct dgoctl *ctl, int argc, char **argv) {
        static const struct option opts[] = {
                { "follow", no_argument, NULL, 'f' },
                { "lines", required_argument, NULL, 'n' },
                { "no-pager", no_argument, NULL, OPT_NO_PAGER },
                { 0 },
        };
        struct logs_args a = { 0 };
        const char *debug;
        char **args;
        int code;

        code = dgoctl_parse(ctl, "logs", logs_help, argc, argv, "fn:", opts, logs_option, &a);
        if (code != DGOCTL_CONTINUE)
                return code;
        if (optind + 1 < argc)
                return dgoctl_usage_error("logs", "one SERVICE at most ('%s' is one too many)", argv[optind + 1]);
        if (optind < argc) {
                a.j.service = argv[optind];
                if (!dgo_service_lookup(a.j.service) && !service_name_valid(a.j.service))
                        return dgoctl_usage_error("logs", "'%s' is no service name: registry, log, grading, portal, "
                                                  "or a registered name (1-64 letters, digits, _ - .)", a.j.service);
        }
        args = journal_args(&a.j);
        if (!args)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        if (!ctl->color)
                setenv("SYSTEMD_COLORS", "0", 1);
        debug = getenv("DGOCTL_DEBUG");
        if (debug && strcmp(debug, "1") == 0) {
                fputs("dgoctl: running", stderr);
                for (char **p = args; *p; p++)
                        fprintf(stderr, " %s", *p);
                fputc('\n', stderr);
        }
        fflush(stdout);
        execvp(args[0], args);
        code = dgoctl_error(DGOCTL_EXIT_FAILED, "cannot run journalctl: %s", strerror(errno));
        journal_args_free(args);
        return code;
}
