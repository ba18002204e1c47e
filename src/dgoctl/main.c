/* dgoctl - the operator's command line for dgo.
 *
 * The global options, then a command: status, services, logs, students,
 * student, grade, backup, restore, gradebook, teacher, token, cluster. Each command reads its own options (and
 * the global ones again, so they may come after it). See dgoctl(1). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"
#include "config.h"
#include "dgoctl.h"

#define DEFAULT_REGISTRY "http://127.0.0.1:3000"
#define DEFAULT_PORTAL "http://127.0.0.1:5000"
#define DEFAULT_TIMEOUT 5.0

static const char main_help[] =
        "Usage: dgoctl [OPTIONS] COMMAND [ARGS...]\n"
        "\n"
        "The operator's command line for dgo, the distributed grade book.\n"
        "\n"
        "Commands:\n"
        "  status                       units, sockets and health of every service\n"
        "  services [--json]            the registry's table of services\n"
        "  logs [SERVICE] [-f] [-n N]   the central log (through journalctl)\n"
        "  students [--json]            every student with the average\n"
        "  student ID [--json]          one student's grades\n"
        "  grade add ID --title TITLE --type TYPE --score SCORE\n"
        "                               add a grade through the portal's API\n"
        "  backup FILE [--force]        copy the grade book while the service runs\n"
        "  restore FILE                 check FILE, then make it the grade book\n"
        "  gradebook export|import FILE the whole grade book as JSON, IDs kept\n"
        "  teacher add|passwd|remove|list [NAME]\n"
        "                               the teachers who may log in to the portal\n"
        "  token add|remove|list [NAME] API tokens for the portal's /api\n"
        "  cluster init|add-host|join|status\n"
        "                               set up etcd and TLS for several hosts\n"
        "\n"
        "Options (before or after the command):\n"
        "      --registry URL     the registry (default: $DGO_REGISTRY or\n"
        "                         " DEFAULT_REGISTRY "; a trailing /services is fine)\n"
        "      --portal URL       the teacher portal (default: $DGO_PORTAL or\n"
        "                         " DEFAULT_PORTAL ")\n"
        "      --timeout SECONDS  bound on each request (default: 5)\n"
        "      --no-color         no colours (also: NO_COLOR set, or not a terminal)\n"
        "  -h, --help             show this help; COMMAND --help for a command's\n"
        "      --version          show the version\n"
        "\n"
        "Environment: DGO_TOKEN, an API token (dgoctl token add NAME), for the\n"
        "commands that use the portal's API (students, student, grade add).\n"
        "\n"
        "Exit status:\n"
        "  0  done\n"
        "  1  the operation failed: a service answered with an error (its text is\n"
        "     shown), or its answer made no sense; backup or restore refused or\n"
        "     failed (the message says why)\n"
        "  2  usage error: a bad command, option or argument; nothing was sent\n"
        "  3  a service could not be reached: the registry or the portal gave no\n"
        "     answer within the timeout, the portal could not reach the grading\n"
        "     service (502/503/504), or systemd could not be asked (dgoctl status\n"
        "     still prints what it knows)\n"
        "\n"
        "See dgoctl(1) and dgo(7).\n";

static const struct {
        const char *name;
        int (*run)(struct dgoctl *ctl, int argc, char **argv);
} commands[] = {
        { "status", cmd_status },
        { "services", cmd_services },
        { "logs", cmd_logs },
        { "students", cmd_students },
        { "student", cmd_student },
        { "grade", cmd_grade },
        { "backup", cmd_backup },
        { "restore", cmd_restore },
        { "gradebook", cmd_gradebook },
        { "teacher", cmd_teacher },
        { "token", cmd_token },
        { "cluster", cmd_cluster },
};

/* $NAME if set and not empty, else DEFAULT, checked as --OPTION would be. */
static int url_from_env(const char *name, const char *fallback, bool strip_services, char **ret) {
        const char *value = getenv(name), *problem;

        if (!value || !*value)
                value = fallback;
        problem = parse_base_url(value, strip_services, ret);
        if (problem) {
                fprintf(stderr, "dgoctl: %s=%s: %s\n", name, value, problem);
                return DGOCTL_EXIT_USAGE;
        }
        return DGOCTL_CONTINUE;
}

static int run(struct dgoctl *ctl, int argc, char **argv) {
        static const struct option globals[] = { DGOCTL_GLOBAL_OPTIONS, { 0 } };
        int c, code;

        code = url_from_env("DGO_REGISTRY", DEFAULT_REGISTRY, true, &ctl->registry);
        if (code == DGOCTL_CONTINUE)
                code = url_from_env("DGO_PORTAL", DEFAULT_PORTAL, false, &ctl->portal);
        if (code != DGOCTL_CONTINUE)
                return code;
        ctl->token = getenv("DGO_TOKEN");
        if (ctl->token && !*ctl->token)
                ctl->token = NULL;

        /* "+": stop at the command; what follows it is the command's. */
        while ((c = getopt_long(argc, argv, "+h", globals, NULL)) != -1) {
                if (c == 'h') {
                        fputs(main_help, stdout);
                        return dgoctl_flush();
                }
                if (c == '?') {
                        fputs("Try 'dgoctl --help'.\n", stderr);
                        return DGOCTL_EXIT_USAGE;
                }
                code = dgoctl_global_option(ctl, c, optarg, NULL);
                if (code != DGOCTL_CONTINUE)
                        return code;
        }
        if (optind >= argc)
                return dgoctl_usage_error(NULL, "no command given (status, services, logs, students, student, grade, "
                                          "backup, restore, gradebook, teacher, token, cluster)");
        if (strcmp(argv[optind], "help") == 0) {
                fputs(main_help, stdout);
                return dgoctl_flush();
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(argv[optind], commands[i].name) == 0)
                        return commands[i].run(ctl, argc - optind, argv + optind);
        return dgoctl_usage_error(NULL, "unknown command '%s'", argv[optind]);
}

int main(int argc, char **argv) {
        struct dgoctl ctl = { .timeout = DEFAULT_TIMEOUT };
        int code;

        if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
                fputs("dgoctl: libcurl could not be initialised\n", stderr);
                return DGOCTL_EXIT_FAILED;
        }
        code = run(&ctl, argc, argv);
        free(ctl.registry);
        free(ctl.portal);
        curl_global_cleanup();
        return code;
}
