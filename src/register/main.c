/* dgo-register - register a service with the dgo registry, then exit.
 *
 * dgo-log runs it at start so that it needs no HTTP client of its own (see
 * src/service/register_helper.h); it serves as well to register a foreign
 * service from a shell script. It retries with backoff while the registry
 * cannot be reached, as every dgo service does, and exits 0 once the
 * registry has answered 200. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "config.h"
#include "http/http_client.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "dgo/registration.h"
#include "service/auth.h"
#include "service/registry_client.h"

static void usage(FILE *f) {
        fprintf(f,
                "Usage: dgo-register --name NAME --url URL [OPTIONS]\n"
                "\n"
                "Register a service with the dgo registry, retrying with backoff while the\n"
                "registry cannot be reached, and exit once it has the registration.\n"
                "\n"
                "  -n, --name NAME       the service's name (\"LogService\")\n"
                "  -u, --url URL         where it serves (\"http://127.0.0.1:4000\"); its\n"
                "                        ServiceUpdateURL and HeartbeatURL are URL/services\n"
                "                        and URL/heartbeat\n"
                "      --unit UNIT       its systemd unit (\"dgo-log.service\"); without it the\n"
                "                        registry treats it as foreign and polls its heartbeat\n"
                "  -r, --requires NAME   a service it requires (repeatable, at most %d)\n"
                "      --registry URL    the registry (default: $DGO_REGISTRY or\n"
                "                        " REGISTRY_URL_DEFAULT ")\n"
                "      --exit-with-parent PID\n"
                "                        stop when process PID, our parent, ends (a service\n"
                "                        that runs us: we must not outlive it)\n"
                "  -h, --help            show this help\n"
                "      --version         show the version\n"
                "\n"
                "Exit status: 0 registered; 1 the registry refused the registration, or an\n"
                "error; 2 bad usage.\n", REG_REQUIRED_MAX);
}

struct outcome {
        sd_event *event;
        int result;
};

static void on_done(int result, void *userdata) {
        struct outcome *o = userdata;

        o->result = result;
        sd_event_exit(o->event, 0);
}

/* Unset what a service that runs us passes on: its notification and
 * activation variables are the service's, not ours. */
static void forget_service_environment(void) {
        static const char *const names[] = {
                "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                unsetenv(names[i]);
}

/* Register as CONFIG says, until the registry has answered. Returns < 0
 * when that could not be set up; otherwise *RESULT is 0 once registered,
 * -EINVAL when refused (-ETIMEDOUT: stopped before an answer). */
static int register_service(const struct registry_client_config *config, int *result) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(registry_client_freep) struct registry_client *rc = NULL;
        struct outcome outcome = { .result = -ETIMEDOUT };
        int r;

        r = loop_new(&e);
        if (r < 0)
                return r;
        outcome.event = e;
        r = registry_client_new(e, config, NULL, &rc);
        if (r < 0)
                return r;
        r = registry_client_register(rc, on_done, &outcome);
        if (r < 0)
                return r;
        r = loop_run(e);
        if (r < 0)
                return r;
        *result = outcome.result;
        return 0;
}

int main(int argc, char **argv) {
        enum { OPT_UNIT = 0x100, OPT_REGISTRY, OPT_VERSION, OPT_PARENT };
        static const struct option options[] = {
                { "name", required_argument, NULL, 'n' },
                { "url", required_argument, NULL, 'u' },
                { "unit", required_argument, NULL, OPT_UNIT },
                { "requires", required_argument, NULL, 'r' },
                { "registry", required_argument, NULL, OPT_REGISTRY },
                { "exit-with-parent", required_argument, NULL, OPT_PARENT },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                { NULL, 0, NULL, 0 }
        };
        const char *required[REG_REQUIRED_MAX + 1] = { NULL };
        size_t n_required = 0;
        struct registry_client_config config = { 0 };
        long parent = 0;
        char *end;
        int c, r, result = -ETIMEDOUT;

        while ((c = getopt_long(argc, argv, "n:u:r:h", options, NULL)) >= 0) {
                switch (c) {
                case 'n': config.service_name = optarg; break;
                case 'u': config.service_url = optarg; break;
                case OPT_UNIT: config.unit = optarg; break;
                case OPT_REGISTRY: config.registry_url = optarg; break;
                case OPT_PARENT:
                        parent = strtol(optarg, &end, 10);
                        if (parent < 2 || *end || parent > INT_MAX) {
                                fprintf(stderr, "dgo-register: --exit-with-parent needs a PID\n");
                                return 2;
                        }
                        break;
                case 'r':
                        if (n_required == REG_REQUIRED_MAX) {
                                fprintf(stderr, "dgo-register: at most %d --requires\n", REG_REQUIRED_MAX);
                                return 2;
                        }
                        if (!service_name_valid(optarg)) {
                                fprintf(stderr, "dgo-register: a --requires name has 1 to 64 characters "
                                                "(letters, digits, '_', '-', '.')\n");
                                return 2;
                        }
                        required[n_required++] = optarg;
                        break;
                case 'h': usage(stdout); return 0;
                case OPT_VERSION: printf("dgo-register %s\n", DGO_VERSION); return 0;
                default: usage(stderr); return 2;
                }
        }
        if (optind < argc || !config.service_name || !service_name_valid(config.service_name) ||
            !config.service_url || !http_url_valid(config.service_url) ||
            (config.registry_url && !http_url_valid(config.registry_url))) {
                fprintf(stderr, "dgo-register: needs --name NAME (1 to 64 characters: letters, digits, "
                                "'_', '-', '.') and an http:// --url (see --help)\n");
                return 2;
        }
        config.required = required;

        /* A helper must not outlive its service: were dgo-log killed, systemd
         * would otherwise have to stop us too before it can start it again. */
        if (parent && prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) {
                fprintf(stderr, "dgo-register: cannot follow process %ld: %s\n", parent, strerror(errno));
                return 1;
        }
        if (parent && getppid() != (pid_t) parent) {
                fprintf(stderr, "dgo-register: process %ld, our parent, has already ended\n", parent);
                return 1;
        }

        forget_service_environment();
        log_setup("dgo-register");
        /* Run by dgo-log, we have its credential and register as dgo's LogService. */
        if (auth_setup() < 0)
                return 1;

        r = register_service(&config, &result);
        if (r < 0)
                log_error_errno(r, "Cannot register %s", config.service_name);
        return r >= 0 && result == 0 ? 0 : 1;
}
