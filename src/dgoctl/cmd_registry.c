/* cmd_registry.c - `dgoctl status` and `dgoctl services`: the registry's
 * view, and for status systemd's beside it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgo/cluster_conf.h"
#include "dgoctl.h"
#include "units.h"
#include "render.h"

static const char status_help[] =
        "Usage: dgoctl status [OPTIONS]\n"
        "\n"
        "One line per dgo service: its name in the registry, its unit's ActiveState\n"
        "and SubState and its socket's state (from systemd over D-Bus), its health\n"
        "as the registry sees it, its URL and since when it has been in that health.\n"
        "Services the registry knows besides dgo's own follow.\n"
        "\n"
        "If the registry cannot be reached the table still shows what systemd says,\n"
        "with HEALTH \"?\", a warning goes to stderr and the exit status is 3.\n"
        "\n"
        "In a cluster a HOST column follows SERVICE; while the registry has lost etcd\n"
        "other hosts' entries read \"up (stale)\" and a warning goes to stderr.\n"
        "\n"
        "Options:\n"
        "  -h, --help    show this help\n"
        "(and the global options, see dgoctl --help)\n";

static const char services_help[] =
        "Usage: dgoctl services [--json] [OPTIONS]\n"
        "\n"
        "The registry's table (GET /services): every registration, its URL, unit,\n"
        "health, since when, the services it requires and why it has its health;\n"
        "in a cluster its host, and \"(stale)\" as for dgoctl status.\n"
        "\n"
        "Options:\n"
        "      --json    print the registry's JSON, indented\n"
        "  -h, --help    show this help\n"
        "(and the global options, see dgoctl --help)\n";

/* units_query, remembering the first failure to warn about it once. */
struct bus_query {
        void *bus;
        int error;
};

static int query_units(const char *unit, struct unit_info *ret, void *userdata) {
        struct bus_query *q = userdata;
        int r;

        if (!q->bus) {
                *ret = (struct unit_info) { 0 };
                return -ENOTCONN;
        }
        r = units_query(unit, ret, q->bus);
        if (r < 0 && q->error == 0)
                q->error = r;
        return r;
}

static int no_operands(const char *command, int argc, char **argv) {
        if (optind < argc)
                return dgoctl_usage_error(command, "unexpected argument '%s'", argv[optind]);
        return DGOCTL_CONTINUE;
}

/* GET /services; *RET NULL (and the exit code returned) if it failed. */
static int get_registrations(const struct dgoctl *ctl, json_t **ret) {
        int code = dgoctl_call(ctl, "registry", "GET", ctl->registry, "/services", NULL, ret);

        if (code == DGOCTL_EXIT_OK && !json_is_array(*ret)) {
                json_decref(*ret);
                *ret = NULL;
                return dgoctl_error(DGOCTL_EXIT_FAILED, "the registry's answer to GET /services is not a list");
        }
        return code;
}

/* This host's name, for telling its registrations from other hosts': only
 * when the registry's answer has hosts (cluster mode), from the cluster's
 * configuration. NULL when not known (a single host, no readable file). */
static const char *this_host(const json_t *regs, struct cluster_conf *conf) {
        const json_t *reg;
        size_t i;

        json_array_foreach(regs, i, reg)
                if (json_is_string(json_object_get(reg, "Host")))
                        return cluster_conf_load(NULL, conf) == 0 ? conf->host : NULL;
        return NULL;
}

/* Said on stderr too: the table's "(stale)" is easy to miss in a long one. */
static void warn_stale(const json_t *regs) {
        if (registrations_stale(regs))
                fprintf(stderr, "dgoctl: warning: the registry has lost etcd: other hosts' entries may be out of date\n");
}

int cmd_status(struct dgoctl *ctl, int argc, char **argv) {
        struct bus_query q = { 0 };
        struct cluster_conf conf;
        const char *local_host;
        json_t *regs = NULL;
        sd_bus *bus = NULL;
        int code, r;

        code = dgoctl_parse(ctl, "status", status_help, argc, argv, NULL, NULL, NULL, NULL);
        if (code == DGOCTL_CONTINUE)
                code = no_operands("status", argc, argv);
        if (code != DGOCTL_CONTINUE)
                return code;

        code = get_registrations(ctl, &regs);
        if (code != DGOCTL_EXIT_OK)
                fprintf(stderr, "dgoctl: warning: without the registry: unit states from systemd only, "
                                "HEALTH unknown (?)\n");
        r = units_connect(ctl->timeout, &bus);
        if (r < 0) {
                q.error = r;
        } else {
                q.bus = bus;
        }
        local_host = this_host(regs, &conf);
        r = dgoctl_print_table(ctl, status_table(regs, ctl->registry, local_host, query_units, &q));
        warn_stale(regs);
        if (q.error < 0) {
                fprintf(stderr, "dgoctl: warning: cannot ask systemd for unit states: %s\n", strerror(-q.error));
                if (code == DGOCTL_EXIT_OK)
                        code = DGOCTL_EXIT_UNREACHABLE;
        }
        json_decref(regs);
        sd_bus_flush_close_unref(bus);
        return code != DGOCTL_EXIT_OK ? code : r;
}

static int services_option(int c, const char *arg, void *userdata) {
        bool *json = userdata;

        if (c == OPT_JSON)
                *json = true;
        return DGOCTL_CONTINUE;
}

int cmd_services(struct dgoctl *ctl, int argc, char **argv) {
        static const struct option opts[] = { { "json", no_argument, NULL, OPT_JSON }, { 0 } };
        json_t *regs = NULL;
        bool json = false;
        int code;

        code = dgoctl_parse(ctl, "services", services_help, argc, argv, NULL, opts, services_option, &json);
        if (code == DGOCTL_CONTINUE)
                code = no_operands("services", argc, argv);
        if (code != DGOCTL_CONTINUE)
                return code;
        code = get_registrations(ctl, &regs);
        if (code != DGOCTL_EXIT_OK)
                return code;
        /* --json passes the registry's answer through, Host and Stale with the rest */
        code = json ? dgoctl_print_json(regs) : dgoctl_print_table(ctl, services_table(regs));
        warn_stale(regs);
        json_decref(regs);
        return code;
}
