/* cmd_cluster.c - `dgoctl cluster init|add-host|join|status`: etcd over
 * TLS across hosts, in two commands per host (docs/cluster.md).
 *
 * init makes the cluster's CA (its key stays on this host) and this host's
 * certificate, writes cluster.conf, etcd's drop-in for a cluster of one and
 * the registry's (IPAddressAllow= the etcd members), and starts etcd.
 * add-host, on the host with the CA key, issues a new host's certificate,
 * adds it to etcd as a member and writes a join bundle (with this host's
 * installation secret); join, on the new host, checks and installs the
 * bundle (the secret as /etc/dgo/secret, one for the whole cluster), starts
 * etcd and restarts the dgo services that run.
 * Files are written atomically (keys mode 0600, never readable on the way);
 * an existing cluster is never overwritten without --force. */
#include <assert.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macros.h"
#include "config.h"
#include "cluster_etcd.h"
#include "cluster_files.h"
#include "cluster_install.h"
#include "cluster_patroni.h"
#include "cluster_pki.h"
#include "dgoctl.h"

#define WAIT_DEFAULT 60.0               /* seconds for etcd to answer after a start */
#define WAIT_MAX 3600.0

static const char cluster_help[] =
        "Usage: dgoctl cluster init --host NAME --address ADDRESS [--force] [--no-start]\n"
        "       dgoctl cluster add-host --host NAME --address ADDRESS --output FILE [--force]\n"
        "       dgoctl cluster join FILE [--force] [--no-start]\n"
        "       dgoctl cluster postgres [--force] [--no-start]\n"
        "       dgoctl cluster status\n"
        "\n"
        "Set up etcd, over TLS with the cluster's own CA, on several hosts; see\n"
        "docs/cluster.md. Needs root.\n"
        "\n"
        "  init      on the first host: the cluster CA (its key stays here, in\n"
        "            " CLUSTER_CA_KEY "), this host's certificate, " CLUSTER_CONF_PATH ",\n"
        "            etcd's drop-in for a cluster of one, the registry's drop-in;\n"
        "            then starts etcd\n"
        "  add-host  on the host with the CA key: NAME's certificate, NAME added as\n"
        "            an etcd member, and a join bundle FILE for NAME (mode 0600: it\n"
        "            holds NAME's private key and this host's " SECRET_PATH "). One\n"
        "            host at a time: join it before adding the next\n"
        "  join      on the new host: checks and installs the bundle (the cluster's\n"
        "            secret replaces this host's), starts etcd, restarts dgo's\n"
        "            services that run\n"
        "  postgres  on every host, once all have joined: the grade book's PostgreSQL\n"
        "            under Patroni (" PATRONI_CONF ", patroni.service's drop-in,\n"
        "            " CREDSTORE "/" CRED_PG_PASSWORD ") and the grading service on it\n"
        "            (" GRADING_PG_DROPIN "); starts\n"
        "            patroni.service, restarts dgo-grading.service if it runs\n"
        "  status    this host's configuration, etcd's members and their health\n"
        "\n"
        "Options:\n"
        "      --host NAME       the host's name in the cluster: 1-63 of a-z 0-9 -,\n"
        "                        starting with a letter\n"
        "      --address ADDR    the IP address other hosts reach it at\n"
        "      --output FILE     add-host: where to write the join bundle\n"
        "      --force           replace an existing cluster configuration (etcd's\n"
        "                        data is moved aside, never deleted), or FILE\n"
        "      --no-start        write the files, start or restart nothing (packaging,\n"
        "                        tests)\n"
        "      --root DIR        write under DIR instead of /; implies --no-start\n"
        "      --wait SECONDS    how long to wait for etcd to answer (default 60)\n"
        "  -h, --help            show this help\n"
        "\n"
        "Exit status: 0 done; 1 refused or failed (the message says why); 2 usage\n"
        "error; 3 etcd could not be reached.\n";

struct cluster_args {
        const char *host, *address, *output, *root;
        bool force, no_start;
        double wait;
        const char *bad_wait;
};

static int cluster_option(int c, const char *arg, void *userdata) {
        struct cluster_args *a = userdata;

        switch (c) {
        case OPT_HOST:
                a->host = arg;
                break;
        case OPT_ADDRESS:
                a->address = arg;
                break;
        case OPT_OUTPUT:
                a->output = arg;
                break;
        case OPT_FORCE:
                a->force = true;
                break;
        case OPT_NO_START:
                a->no_start = true;
                break;
        case OPT_ROOT:
                a->root = arg;
                a->no_start = true;
                break;
        case OPT_WAIT: {
                char *end;
                a->wait = strtod(arg, &end);
                if (end == arg || *end || !(a->wait > 0) || a->wait > WAIT_MAX)
                        a->bad_wait = arg;
                break;
        }
        default:
                break;
        }
        return DGOCTL_CONTINUE;
}

/* "dgoctl: cluster VERB: ..." */
#define FAIL(code, ...) cluster_error(verb, code, __VA_ARGS__)
static int cluster_error(const char *verb, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cluster_error(const char *verb, int code, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "dgoctl: cluster %s: ", verb);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return code;
}

static void tls_of(const struct cluster_paths *p, struct sync_tls *tls) {
        *tls = (struct sync_tls) { .ca_file = p->ca_crt, .cert_file = p->crt, .key_file = p->key };
}

/* What init and join refuse to replace without --force; with it, etcd is
 * stopped (when we start things) and its old data moved aside. */
static int check_fresh(const char *verb, const struct cluster_args *a, const struct cluster_paths *p) {
        char aside[PATH_MAX];
        int r;

        if (!a->force) {
                if (cluster_exists(p->conf))
                        return FAIL(DGOCTL_EXIT_FAILED, "this host is in a cluster already (%s); --force replaces it",
                                    p->conf);
                if (cluster_exists(p->dropin) || cluster_exists(p->key))
                        return FAIL(DGOCTL_EXIT_FAILED, "a cluster's files are here already (%s, %s): an earlier "
                                    "attempt? --force replaces them", p->dropin, p->key);
                if (cluster_exists(p->etcd_data))
                        return FAIL(DGOCTL_EXIT_FAILED, "etcd has the data of an earlier cluster in %s; --force "
                                    "moves it aside", p->etcd_data);
                return DGOCTL_EXIT_OK;
        }
        if (!a->no_start && cluster_systemctl("stop", "etcd.service", NULL) != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot stop etcd.service to replace its configuration");
        if (cluster_exists(p->etcd_data)) {
                r = cluster_move_data_aside(p->etcd_data, aside, sizeof aside);
                if (r < 0)
                        return FAIL(DGOCTL_EXIT_FAILED, "cannot move %s aside: %s", p->etcd_data, strerror(-r));
                fprintf(stderr, "Moved etcd's earlier data to %s.\n", aside);
        }
        return DGOCTL_EXIT_OK;
}

/* The registry's drop-in for CONF's etcd members. */
static int write_registry_dropin(const char *verb, const struct cluster_paths *p, const struct cluster_conf *conf) {
        _cleanup_free_ char *text = registry_dropin_format(conf);
        int r;

        if (!text)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot make the registry's drop-in (out of memory, or an Etcd= "
                            "URL without an address)");
        if ((r = cluster_write(p->registry_dropin, text, 0644)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", p->registry_dropin, strerror(-r));
        return DGOCTL_EXIT_OK;
}

/* SERVICE's socket for the other hosts, at PATH. */
static int write_socket(const char *verb, const char *path, const char *service, const char *address,
                        unsigned port) {
        _cleanup_free_ char *text = cluster_socket_format(service, address, port);
        int r;

        if (!text)
                return FAIL(DGOCTL_EXIT_FAILED, "out of memory");
        if ((r = cluster_write(path, text, 0644)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", path, strerror(-r));
        return DGOCTL_EXIT_OK;
}

/* The cluster's SECRET as this host's installation secret, atomically,
 * 0600; *CHANGED when this host had none or another one. */
static int install_secret(const char *verb, const struct cluster_paths *p, const char *secret, bool *changed) {
        _cleanup_free_ char *old = NULL;
        char mine[CLUSTER_SECRET_HEX + 1] = "", line[CLUSTER_SECRET_HEX + 2];
        bool had;
        int r;

        r = cluster_read(p->secret, 4096, &old);
        had = r != -ENOENT;
        if (r >= 0) {
                r = cluster_secret_parse(old, strlen(old), mine);
                explicit_bzero(old, strlen(old));
                if (r >= 0 && strcmp(mine, secret) == 0) {
                        explicit_bzero(mine, sizeof mine);
                        *changed = false;
                        return DGOCTL_EXIT_OK;
                }
        }
        explicit_bzero(mine, sizeof mine);
        snprintf(line, sizeof line, "%s\n", secret);
        r = cluster_write(p->secret, line, 0600);
        explicit_bzero(line, sizeof line);
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", p->secret, strerror(-r));
        *changed = true;
        if (had)
                fprintf(stderr, "Replaced this host's installation secret (%s) with the cluster's: tokens made from "
                                "the old one are no longer accepted.\n", p->secret);
        else
                fprintf(stderr, "Installed the cluster's installation secret as %s.\n", p->secret);
        return DGOCTL_EXIT_OK;
}

/* Write the files of a host: credentials, etcd's drop-in, the installation
 * secret (join: SECRET; init: NULL, the host's own stays), the registry's
 * drop-in, the sockets for the other hosts, dgo.target's drop-in,
 * cluster.conf last (its presence is what says "this host is in a
 * cluster"). */
static int install(const char *verb, const struct cluster_paths *p, const char *ca_pem, const char *cert_pem,
                   const char *key_pem, const char *dropin, const struct cluster_conf *conf, const char *secret,
                   bool *secret_changed) {
        char text[CLUSTER_CONF_MAX];
        int code, r;

        if ((r = cluster_make_dirs(p)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot make the directories for %s, %s: %s", p->credstore, p->conf,
                            strerror(-r));
        if ((r = cluster_write(p->key, key_pem, 0600)) < 0 || (r = cluster_write(p->crt, cert_pem, 0644)) < 0 ||
            (r = cluster_write(p->ca_crt, ca_pem, 0644)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write the credentials in %s: %s", p->credstore, strerror(-r));
        if ((r = cluster_write(p->dropin, dropin, 0644)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", p->dropin, strerror(-r));
        if (secret && (code = install_secret(verb, p, secret, secret_changed)) != DGOCTL_EXIT_OK)
                return code;
        if ((code = write_registry_dropin(verb, p, conf)) != DGOCTL_EXIT_OK ||
            (code = write_socket(verb, p->grading_socket, "dgo-grading", conf->address, GRADING_PORT)) !=
                    DGOCTL_EXIT_OK ||
            (code = write_socket(verb, p->log_socket, "dgo-log", conf->address, LOG_PORT)) != DGOCTL_EXIT_OK)
                return code;
        if ((r = cluster_write(p->target_dropin, cluster_target_dropin, 0644)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", p->target_dropin, strerror(-r));
        if (cluster_conf_format(conf, text, sizeof text) < 0 || (r = cluster_write(p->conf, text, 0644)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", p->conf, strerror(r < 0 ? -r : ENOBUFS));
        return DGOCTL_EXIT_OK;
}

/* Reload systemd, enable and (re)start etcd, wait until it answers. */
static int start_etcd(const char *verb, const struct cluster_args *a, const struct cluster_paths *p) {
        struct sync_tls tls;
        char why[300];

        if (a->no_start) {
                fprintf(stderr, "Not started (--no-start): systemctl daemon-reload && systemctl enable --now "
                                "etcd.service\n");
                return DGOCTL_EXIT_OK;
        }
        if (cluster_systemctl("daemon-reload", NULL) != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "systemctl daemon-reload failed");
        if (cluster_systemctl("enable", "--quiet", "etcd.service", NULL) != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "systemctl enable etcd.service failed");
        /* --no-block: etcd is ready (Type=notify) only once it has joined
         * its cluster; we wait for that ourselves, bounded. A restart, as a
         * running etcd (Debian starts one at install) has the old flags. */
        if (cluster_systemctl("restart", "--no-block", "etcd.service", NULL) != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "systemctl restart etcd.service failed");
        tls_of(p, &tls);
        if (etcd_wait_ready(&tls, a->wait, why, sizeof why) < 0)
                return FAIL(DGOCTL_EXIT_UNREACHABLE, "etcd did not answer within %g s (%s); see journalctl -u "
                            "etcd.service", a->wait, why);
        return DGOCTL_EXIT_OK;
}

static const char *const dgo_services[] = {
        "dgo-registry.service", "dgo-log.service", "dgo-grading.service", "dgo-portal.service",
};

/* After the files are written and systemd reloaded: the registry restarted
 * (if it runs) for its drop-in and cluster.conf; with ALL (a host that has
 * just joined or made the cluster, after start_cluster_sockets(), which
 * restarted the grading and log services), the portal too, for the
 * cluster's credentials and installation secret. Not with --no-start.
 * Returns DGOCTL_EXIT_OK, or DGOCTL_EXIT_FAILED (said why). */
static int restart_services(const char *verb, const struct cluster_args *a, bool all) {
        const char *list = all ? "dgo-registry.service dgo-log.service dgo-grading.service dgo-portal.service"
                               : "dgo-registry.service";
        int r;

        if (a->no_start) {
                fprintf(stderr, "Not restarted (--no-start): systemctl daemon-reload && systemctl try-restart %s\n",
                        list);
                return DGOCTL_EXIT_OK;
        }
        if (all)
                r = cluster_systemctl("try-restart", dgo_services[0], dgo_services[3], NULL);
        else
                r = cluster_systemctl("try-restart", dgo_services[0], NULL);
        if (r != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "systemctl try-restart %s failed (%d): the files are in place; "
                            "restart those that run yourself, and see journalctl -u dgo-registry.service", list, r);
        fprintf(stderr, "Restarted %s (those that ran).\n", all ? "dgo's services, with the cluster's credentials "
                        "and sockets," : "dgo's registry, with its drop-in,");
        /* dgo.target wants the registry from now on (its drop-in); if dgo
         * runs, so does the registry now, publishing this host. */
        if (cluster_systemctl("is-active", "--quiet", "dgo.target", NULL) == 0 &&
            cluster_systemctl("start", "dgo-registry.service", NULL) != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "systemctl start dgo-registry.service failed: see journalctl -u "
                            "dgo-registry.service");
        return DGOCTL_EXIT_OK;
}

/* The sockets for the other hosts, enabled and started. systemd refuses to
 * start a socket whose service runs already ("Socket service ... already
 * active, refusing"): a grading or log service that runs (a host that
 * served alone before) is stopped first, its loopback socket holding new
 * connections meanwhile, and started again after, with the new socket and
 * the cluster's credentials. */
static int start_cluster_sockets(const char *verb, const struct cluster_args *a) {
        const char *served[] = { dgo_services[1], dgo_services[2] };      /* log, grading */
        bool running[ELEMENTSOF(served)];
        int code = DGOCTL_EXIT_OK;

        if (a->no_start) {
                fprintf(stderr, "Not started (--no-start): systemctl enable --now %s %s\n", GRADING_CLUSTER_SOCKET,
                        LOG_CLUSTER_SOCKET);
                return DGOCTL_EXIT_OK;
        }
        for (size_t i = 0; i < ELEMENTSOF(served); i++) {
                running[i] = cluster_systemctl("is-active", "--quiet", served[i], NULL) == 0;
                if (running[i] && cluster_systemctl("stop", served[i], NULL) != 0)
                        return FAIL(DGOCTL_EXIT_FAILED, "systemctl stop %s failed: see journalctl -u %s", served[i],
                                    served[i]);
        }
        if (cluster_systemctl("enable", "--now", "--quiet", GRADING_CLUSTER_SOCKET, LOG_CLUSTER_SOCKET, NULL) != 0)
                code = FAIL(DGOCTL_EXIT_FAILED, "systemctl enable --now %s %s failed: see systemctl status %s",
                            GRADING_CLUSTER_SOCKET, LOG_CLUSTER_SOCKET, GRADING_CLUSTER_SOCKET);
        /* Started again in any case: they ran before this command. */
        for (size_t i = 0; i < ELEMENTSOF(served); i++)
                if (running[i] && cluster_systemctl("start", served[i], NULL) != 0 && code == DGOCTL_EXIT_OK)
                        code = FAIL(DGOCTL_EXIT_FAILED, "systemctl start %s failed: see journalctl -u %s", served[i],
                                    served[i]);
        return code;
}

static int random_token(char *buf, size_t size) {
        unsigned char b[8];

        if (gnutls_rnd(GNUTLS_RND_NONCE, b, sizeof b) < 0)
                return -EIO;
        snprintf(buf, size, "dgo-%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
        return 0;
}

static int check_host_address(const char *verb, const struct cluster_args *a) {
        if (!a->host || !a->address)
                return dgoctl_usage_error("cluster", "%s needs --host NAME and --address ADDRESS", verb);
        if (!cluster_host_valid(a->host))
                return dgoctl_usage_error("cluster", "--host %s: 1-63 of a-z 0-9 -, starting with a letter", a->host);
        if (!cluster_address_valid(a->address))
                return dgoctl_usage_error("cluster", "--address %s: must be an IP address other hosts reach (not "
                                          "loopback, a wildcard or multicast)", a->address);
        return DGOCTL_CONTINUE;
}

static int cluster_init(const struct cluster_args *a, const struct cluster_paths *p) {
        const char *verb = "init";
        _cleanup_(pki_pair_done) struct pki_pair ca = { 0 }, host = { 0 };
        _cleanup_free_ char *dropin = NULL;
        struct initial_cluster ic = { 0 };
        struct cluster_conf conf = { .lease_sec = CLUSTER_LEASE_SEC_DEFAULT };
        char peer[CLUSTER_URL_MAX + 1], ics[sizeof ic.member], token[32], why[256];
        int code, r;

        if ((code = check_host_address(verb, a)) != DGOCTL_CONTINUE)
                return code;
        if (!a->force && cluster_exists(p->ca_key))
                return FAIL(DGOCTL_EXIT_FAILED, "this host holds a cluster CA already (%s); --force makes a new "
                            "one (every host must then join again)", p->ca_key);
        if ((code = check_fresh(verb, a, p)) != DGOCTL_EXIT_OK)
                return code;

        if (pki_make_ca(&ca, why, sizeof why) < 0 || pki_make_host(&ca, a->host, a->address, &host, why, sizeof why) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot make the certificates: %s", why);
        if (cluster_url(a->address, CLUSTER_PEER_PORT, peer, sizeof peer) < 0 ||
            cluster_url(a->address, CLUSTER_CLIENT_PORT, conf.etcd[0], sizeof conf.etcd[0]) < 0 ||
            initial_cluster_add(&ic, a->host, peer) < 0 || initial_cluster_format(&ic, ics, sizeof ics) < 0 ||
            random_token(token, sizeof token) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "the address is too long");
        snprintf(conf.host, sizeof conf.host, "%s", a->host);
        snprintf(conf.address, sizeof conf.address, "%s", a->address);
        conf.n_etcd = 1;
        dropin = etcd_dropin_format(&(struct etcd_dropin) { .name = a->host, .address = a->address,
                                                            .initial_cluster = ics, .new_cluster = true,
                                                            .token = token });
        if (!dropin)
                return FAIL(DGOCTL_EXIT_FAILED, "out of memory");

        if ((code = cluster_make_dirs(p)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot make the directory of %s: %s", p->ca_key, strerror(-code));
        if ((r = cluster_write(p->ca_key, ca.key_pem, 0600)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", p->ca_key, strerror(-r));
        if ((code = install(verb, p, ca.cert_pem, host.cert_pem, host.key_pem, dropin, &conf, NULL, NULL)) !=
            DGOCTL_EXIT_OK)
                return code;
        fprintf(stderr, "Made the cluster CA (its key in %s: keep it on this host only) and %s's certificate.\n",
                p->ca_key, a->host);
        if ((code = start_etcd(verb, a, p)) != DGOCTL_EXIT_OK)
                return code;
        if (!a->no_start)
                fprintf(stderr, "etcd runs: a cluster of one, %s at %s.\n", a->host, peer);
        if ((code = start_cluster_sockets(verb, a)) != DGOCTL_EXIT_OK ||
            (code = restart_services(verb, a, true)) != DGOCTL_EXIT_OK)
                return code;
        fprintf(stderr, "Next, for each other host, one at a time: dgoctl cluster add-host --host NAME --address "
                        "ADDRESS --output FILE\n");
        return DGOCTL_EXIT_OK;
}

/* The new host's cluster.conf and initial-cluster from etcd's members
 * after the add (the new one still without a name). */
static int plan_bundle(const char *verb, const struct cluster_args *a, const struct cluster_conf *mine,
                       const struct etcd_members *ms, const char *peer, struct cluster_bundle *b) {
        char client[CLUSTER_URL_MAX + 1];

        snprintf(b->host, sizeof b->host, "%s", a->host);
        b->conf = (struct cluster_conf) { .lease_sec = mine->lease_sec };
        snprintf(b->conf.host, sizeof b->conf.host, "%s", a->host);
        snprintf(b->conf.address, sizeof b->conf.address, "%s", a->address);
        if (cluster_url(a->address, CLUSTER_CLIENT_PORT, client, sizeof client) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "the address is too long");
        for (size_t i = 0; i < ms->n; i++) {
                const struct etcd_member *m = &ms->m[i];
                bool is_new = strcmp(m->peer_url, peer) == 0;
                if (initial_cluster_add(&b->initial, is_new ? a->host : m->name, m->peer_url) < 0)
                        return FAIL(DGOCTL_EXIT_FAILED, "etcd's members do not make an initial cluster (%s twice?)",
                                    m->name);
                if (!is_new && *m->client_url && b->conf.n_etcd < CLUSTER_ETCD_MAX - 1)
                        snprintf(b->conf.etcd[b->conf.n_etcd++], sizeof b->conf.etcd[0], "%s", m->client_url);
        }
        snprintf(b->conf.etcd[b->conf.n_etcd++], sizeof b->conf.etcd[0], "%s", client);
        return DGOCTL_EXIT_OK;
}

/* Refuse what etcd would refuse or what would break the cluster, with a
 * reason an operator can act on. */
static int check_members(const char *verb, const struct cluster_args *a, const struct etcd_members *ms,
                         const char *peer) {
        for (size_t i = 0; i < ms->n; i++) {
                const struct etcd_member *m = &ms->m[i];
                if (strcmp(m->name, a->host) == 0 || strcmp(m->peer_url, peer) == 0)
                        return FAIL(DGOCTL_EXIT_FAILED, "%s (%s) is a member already: run 'dgoctl cluster join' "
                                    "there with its bundle, or remove the member first", m->name[0] ? m->name : a->host,
                                    m->peer_url);
                if (!m->name[0])
                        return FAIL(DGOCTL_EXIT_FAILED, "the member at %s was added but has not joined yet: run "
                                    "'dgoctl cluster join' on it first (etcd adds one host at a time)", m->peer_url);
                if (m->n_peer_urls != 1)
                        return FAIL(DGOCTL_EXIT_FAILED, "the member %s has %zu peer URLs: not set up by dgoctl",
                                    m->name, m->n_peer_urls);
        }
        if (ms->n >= CLUSTER_ETCD_MAX)
                return FAIL(DGOCTL_EXIT_FAILED, "etcd has %zu members, dgo's most", ms->n);
        return DGOCTL_EXIT_OK;
}

/* etcd adds a member only once every member has been connected to the
 * leader for 5 s (its strict reconfiguration check, "unhealthy cluster"):
 * right after a join it is not yet. Retried each second, --wait at most. */
static int add_member(const struct cluster_args *a, const struct sync_tls *tls, const char *peer,
                      struct etcd_members *after, char *why, size_t why_size) {
        int r;

        for (unsigned tries = 0;; tries++) {
                r = etcd_member_add(CLUSTER_ETCD_LOCAL, tls, peer, 10.0, after, why, why_size);
                if (r != -EIO || !strstr(why, "unhealthy cluster"))
                        return r;
                if (tries == 0)
                        fprintf(stderr, "etcd is not yet connected to every member for 5 s (a host joined just "
                                        "now, or one is down); waiting up to %g s...\n", a->wait);
                if (tries >= (unsigned) a->wait) {
                        snprintf(why + strlen(why), why_size - strlen(why), " (every member must be up and "
                                 "connected for 5 s; see dgoctl cluster status)");
                        return r;
                }
                sleep(1);
        }
}

/* This host's installation secret, checked, into SECRET: the bundle carries
 * it to the new host. */
static int read_secret(const char *verb, const struct cluster_paths *p, char secret[static CLUSTER_SECRET_HEX + 1]) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = cluster_read(p->secret, 4096, &text);
        if (r == -ENOENT)
                return FAIL(DGOCTL_EXIT_FAILED, "this host has no installation secret (%s), which the bundle must "
                            "carry to the new host: dgo's package makes it at install, dgo-secret.service at a "
                            "service's first start (systemctl start dgo-secret.service)", p->secret);
        if (r < 0 && r != -EFBIG)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot read the installation secret %s: %s", p->secret,
                            strerror(-r));
        r = r < 0 ? -EINVAL : cluster_secret_parse(text, strlen(text), secret);
        if (text)
                explicit_bzero(text, strlen(text));
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "%s is not an installation secret as dgo makes it (64 hex digits "
                            "0-9 a-f and a newline); every host of the cluster would get it: fix it first",
                            p->secret);
        return DGOCTL_EXIT_OK;
}

static int cluster_add_host(const struct cluster_args *a, const struct cluster_paths *p) {
        const char *verb = "add-host";
        _cleanup_(pki_pair_done) struct pki_pair ca = { 0 }, host = { 0 };
        _cleanup_(bundle_done) struct cluster_bundle b = { 0 };
        _cleanup_free_ char *text = NULL;
        struct etcd_members before, after;
        struct cluster_conf mine;
        struct sync_tls tls;
        char peer[CLUSTER_URL_MAX + 1], client[CLUSTER_URL_MAX + 1], why[512], conf_text[CLUSTER_CONF_MAX];
        int code, r;

        if ((code = check_host_address(verb, a)) != DGOCTL_CONTINUE)
                return code;
        if (!a->output)
                return dgoctl_usage_error("cluster", "add-host needs --output FILE, where the join bundle goes");
        r = cluster_conf_load(p->conf, &mine);
        if (r == -ENOENT)
                return FAIL(DGOCTL_EXIT_FAILED, "this host is in no cluster (no %s): 'dgoctl cluster init' first",
                            p->conf);
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "%s cannot be read (said above)", p->conf);
        if (strcmp(mine.host, a->host) == 0 || strcmp(mine.address, a->address) == 0)
                return FAIL(DGOCTL_EXIT_FAILED, "%s or %s is this host", a->host, a->address);
        r = cluster_read(p->ca_key, PKI_PEM_MAX, &ca.key_pem);
        if (r == -ENOENT)
                return FAIL(DGOCTL_EXIT_FAILED, "this host does not hold the cluster's CA key (%s): run add-host "
                            "on the host where 'cluster init' ran", p->ca_key);
        if (r < 0 || (r = cluster_read(p->ca_crt, PKI_PEM_MAX, &ca.cert_pem)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot read the CA: %s", strerror(-r));
        if (pki_check_ca_key(ca.cert_pem, ca.key_pem, why, sizeof why) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "%s and %s: %s", p->ca_key, p->ca_crt, why);
        if (!a->force && cluster_exists(a->output))
                return FAIL(DGOCTL_EXIT_FAILED, "%s exists; --force replaces it", a->output);
        if ((code = read_secret(verb, p, b.secret)) != DGOCTL_EXIT_OK)
                return code;

        tls_of(p, &tls);
        if (cluster_url(a->address, CLUSTER_PEER_PORT, peer, sizeof peer) < 0 ||
            cluster_url(a->address, CLUSTER_CLIENT_PORT, client, sizeof client) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "the address is too long");
        r = etcd_member_list(CLUSTER_ETCD_LOCAL, &tls, 5.0, &before, why, sizeof why);
        if (r < 0)
                return FAIL(r == -EHOSTUNREACH ? DGOCTL_EXIT_UNREACHABLE : DGOCTL_EXIT_FAILED, "%s", why);
        if ((code = check_members(verb, a, &before, peer)) != DGOCTL_EXIT_OK)
                return code;

        /* The certificate before the member: a member etcd waits for but
         * that could never join would cost the cluster its quorum for
         * nothing. The bundle needs etcd's answer (the members as they are
         * now); should writing it fail, we say how to undo the add. */
        if (pki_make_host(&ca, a->host, a->address, &host, why, sizeof why) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot make %s's certificate: %s", a->host, why);
        r = add_member(a, &tls, peer, &after, why, sizeof why);
        if (r < 0)
                return FAIL(r == -EHOSTUNREACH ? DGOCTL_EXIT_UNREACHABLE : DGOCTL_EXIT_FAILED,
                            "etcd did not add %s: %s", a->host, why);
        if ((code = plan_bundle(verb, a, &mine, &after, peer, &b)) != DGOCTL_EXIT_OK)
                goto added_but;
        b.ca_pem = TAKE_PTR(ca.cert_pem);
        b.cert_pem = TAKE_PTR(host.cert_pem);
        b.key_pem = TAKE_PTR(host.key_pem);
        text = bundle_format(&b);
        if (!text) {
                code = FAIL(DGOCTL_EXIT_FAILED, "out of memory");
                goto added_but;
        }
        r = cluster_write(a->output, text, 0600);
        explicit_bzero(text, strlen(text));
        if (r < 0) {
                code = FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", a->output, strerror(-r));
                goto added_but;
        }

        /* This host's own list of endpoints learns the new one, and so
         * does its registry: its drop-in allows the new address. */
        if (mine.n_etcd < CLUSTER_ETCD_MAX) {
                snprintf(mine.etcd[mine.n_etcd++], sizeof mine.etcd[0], "%s", client);
                if (cluster_conf_format(&mine, conf_text, sizeof conf_text) < 0 ||
                    cluster_write(p->conf, conf_text, 0644) < 0)
                        fprintf(stderr, "dgoctl: cluster add-host: warning: could not add %s to %s's Etcd=\n", client,
                                p->conf);
                else if (cluster_make_dirs(p) >= 0 &&   /* a host set up before the drop-in existed */
                         write_registry_dropin(verb, p, &mine) == DGOCTL_EXIT_OK) {
                        if (!a->no_start && cluster_systemctl("daemon-reload", NULL) != 0)
                                fprintf(stderr, "dgoctl: cluster add-host: warning: systemctl daemon-reload failed; "
                                                "the registry's drop-in %s waits for it\n", p->registry_dropin);
                        else
                                (void) restart_services(verb, a, false);        /* said why; the bundle matters more */
                }
        }
        fprintf(stderr, "Added %s (%s) to etcd as member %llx; its join bundle is %s (mode 0600: it holds %s's "
                        "private key and the installation secret).\nCopy it to %s only and run there: dgoctl "
                        "cluster join FILE\n", a->host, peer,
                after.added_id, a->output, a->host, a->host);
        if (before.n == 1)
                fprintf(stderr, "Until %s has joined, etcd has two members and one of them running: no quorum, "
                                "no writes.\n", a->host);
        return DGOCTL_EXIT_OK;

added_but:
        fprintf(stderr, "dgoctl: cluster add-host: etcd has member %llx (%s) now, but no bundle was written; "
                        "remove it: etcdctl member remove %llx\n", after.added_id, peer, after.added_id);
        return code;
}

static int cluster_join(const struct cluster_args *a, const struct cluster_paths *p, const char *file) {
        const char *verb = "join";
        _cleanup_(bundle_done) struct cluster_bundle b = { 0 };
        _cleanup_free_ char *text = NULL, *dropin = NULL;
        char ics[sizeof b.initial.member], why[300];
        bool secret_changed = false;
        struct stat st;
        int code, r;

        r = cluster_read(file, BUNDLE_MAX, &text);
        if (r == -EFBIG)
                return FAIL(DGOCTL_EXIT_FAILED, "%s: larger than %u bytes: not a bundle", file, BUNDLE_MAX);
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot read %s: %s", file, strerror(-r));
        r = bundle_parse(text, strlen(text), &b, why, sizeof why);
        explicit_bzero(text, strlen(text));
        if (r == -ENOMEM)
                return FAIL(DGOCTL_EXIT_FAILED, "out of memory");
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "%s: %s", file, why);
        if (pki_check_host(b.ca_pem, b.cert_pem, b.key_pem, b.host, b.conf.address, why, sizeof why) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "%s: %s", file, why);
        if (stat(file, &st) == 0 && (st.st_mode & 0077))
                fprintf(stderr, "dgoctl: cluster join: warning: %s is readable by others (mode %04o), and it holds "
                                "a private key and the installation secret\n", file, (unsigned) (st.st_mode & 07777));
        if (!a->root && !cluster_address_local(b.conf.address))
                return FAIL(DGOCTL_EXIT_FAILED, "the bundle is for %s at %s, and this host has no such address: "
                            "the wrong host?", b.host, b.conf.address);
        if ((code = check_fresh(verb, a, p)) != DGOCTL_EXIT_OK)
                return code;

        if (initial_cluster_format(&b.initial, ics, sizeof ics) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "the initial cluster is too long");
        dropin = etcd_dropin_format(&(struct etcd_dropin) { .name = b.host, .address = b.conf.address,
                                                            .initial_cluster = ics, .new_cluster = false });
        if (!dropin)
                return FAIL(DGOCTL_EXIT_FAILED, "out of memory");
        if ((code = install(verb, p, b.ca_pem, b.cert_pem, b.key_pem, dropin, &b.conf, b.secret,
                            &secret_changed)) != DGOCTL_EXIT_OK)
                return code;
        fprintf(stderr, "Installed %s's certificate, %s, etcd's drop-in and the registry's.\n", b.host, p->conf);
        if ((code = start_etcd(verb, a, p)) != DGOCTL_EXIT_OK)
                return code;
        if ((code = start_cluster_sockets(verb, a)) != DGOCTL_EXIT_OK ||
            (code = restart_services(verb, a, true)) != DGOCTL_EXIT_OK)
                return code;
        if (!a->no_start)
                fprintf(stderr, "etcd runs: %s has joined (%s). Delete %s now: it holds the private key and the "
                        "installation secret.\n", b.host, ics, file);
        return DGOCTL_EXIT_OK;
}

/* dgo-grading.service's drop-in at ROOT: the grading units on the book in
 * PostgreSQL, on the N ADDRESSES of the cluster's hosts, MINE first: libpq
 * tries them in order, and a host lost first in the list would cost every
 * new connection its connect_timeout; this host is up whenever its grading
 * service runs (a standby answers at once that it is read-only). */
static int write_grading_dropin(const char *verb, const char *root, const char *mine,
                                const char *const *addresses, size_t n, char *path, size_t path_size) {
        _cleanup_free_ char *text = NULL;
        const char *order[PATRONI_HOSTS_MAX];
        char conninfo[PATRONI_CONNINFO_MAX], dir[PATH_MAX];
        size_t k = 0;
        int r;

        assert(n <= PATRONI_HOSTS_MAX);
        for (size_t i = 0; i < n; i++)
                if (strcmp(addresses[i], mine) == 0)
                        order[k++] = addresses[i];
        for (size_t i = 0; i < n; i++)
                if (strcmp(addresses[i], mine) != 0)
                        order[k++] = addresses[i];

        if (snprintf(path, path_size, "%s" GRADING_PG_DROPIN, root) >= (int) path_size ||
            snprintf(dir, sizeof dir, "%s" GRADING_PG_DROPIN_DIR, root) >= (int) sizeof dir)
                return dgoctl_usage_error("cluster", "--root %s: too long", root);
        r = patroni_grading_conninfo(order, n, GRADING_PG_CA, conninfo, sizeof conninfo);
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot make the grading units' connection string: %s",
                            strerror(-r));
        /* The unit's own ExecStart= (units/dgo-grading.service.in), with
         * the options added. */
        text = grading_pg_dropin_format(DGO_LIBEXECDIR "/dgo-grading", conninfo);
        if (!text)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot make %s (out of memory)", path);
        if ((r = cluster_mkdir_p(dir, 0755)) < 0 || (r = cluster_write(path, text, 0644)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", path, strerror(-r));
        return DGOCTL_EXIT_OK;
}

/* `postgres`: Patroni's files for this host (cluster_patroni.h). The
 * cluster's hosts are etcd's members (every one, joined or not: the list
 * where pg_hba lets them in), asked of this host's etcd; with --root, the
 * addresses of cluster.conf's Etcd= (nothing is reached then). */
static int cluster_postgres(const struct cluster_args *a, const struct cluster_paths *p) {
        const char *verb = "postgres";
        struct cluster_conf conf;
        struct patroni_passwords pw;
        struct patroni_host h = { 0 };
        char secret[CLUSTER_SECRET_HEX + 1], addr[PATRONI_HOSTS_MAX][64], why[300];
        char yml_path[PATH_MAX], dropin_path[PATH_MAX], dir[PATH_MAX], pass_path[PATH_MAX], grading_path[PATH_MAX];
        const char *root = a->root ? a->root : "";
        _cleanup_free_ char *yml = NULL;
        int code, r;

        if (snprintf(yml_path, sizeof yml_path, "%s" PATRONI_CONF, root) >= (int) sizeof yml_path ||
            snprintf(dropin_path, sizeof dropin_path, "%s" PATRONI_DROPIN, root) >= (int) sizeof dropin_path ||
            snprintf(pass_path, sizeof pass_path, "%s/" CRED_PG_PASSWORD, p->credstore) >= (int) sizeof pass_path)
                return dgoctl_usage_error("cluster", "--root %s: too long", root);
        r = cluster_conf_load(p->conf, &conf);
        if (r == -ENOENT)
                return FAIL(DGOCTL_EXIT_FAILED, "this host is in no cluster (%s): dgoctl cluster init or join first",
                            p->conf);
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "%s cannot be read (said above)", p->conf);
        if (!a->force && cluster_exists(yml_path))
                return FAIL(DGOCTL_EXIT_FAILED, "%s is there already; --force replaces it (and restarts Patroni: "
                            "on the primary, a failover)", yml_path);
        if (!a->root && access("/usr/bin/patroni", X_OK) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "Patroni is not installed: apt-get install patroni postgresql-15");

        if (a->root) {
                for (size_t i = 0; i < conf.n_etcd && h.n_addresses < PATRONI_HOSTS_MAX; i++)
                        if (cluster_url_address(conf.etcd[i], addr[h.n_addresses], sizeof addr[0]) == 0)
                                h.n_addresses++;
        } else {
                struct etcd_members ms;
                struct sync_tls tls;

                tls_of(p, &tls);
                r = etcd_member_list(CLUSTER_ETCD_LOCAL, &tls, 5.0, &ms, why, sizeof why);
                if (r < 0)
                        return FAIL(r == -EHOSTUNREACH ? DGOCTL_EXIT_UNREACHABLE : DGOCTL_EXIT_FAILED,
                                    "cannot list etcd's members: %s", why);
                for (size_t i = 0; i < ms.n && h.n_addresses < PATRONI_HOSTS_MAX; i++)
                        if (cluster_url_address(ms.m[i].peer_url, addr[h.n_addresses], sizeof addr[0]) < 0)
                                return FAIL(DGOCTL_EXIT_FAILED, "etcd member %s: no address in %s", ms.m[i].name,
                                            ms.m[i].peer_url);
                        else
                                h.n_addresses++;
        }
        for (size_t i = 0; i < h.n_addresses; i++)
                h.addresses[i] = addr[i];
        if (h.n_addresses < 3)
                fprintf(stderr, "dgoctl: cluster postgres: warning: %zu host(s) in the cluster: synchronous "
                                "replication with a standby to spare needs 3; run this on every host once all "
                                "have joined\n", h.n_addresses);
        if ((code = read_secret(verb, p, secret)) != DGOCTL_EXIT_OK)
                return code;
        r = patroni_passwords_derive(secret, &pw);
        explicit_bzero(secret, sizeof secret);
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot derive the database passwords");
        h.name = conf.host;
        h.address = conf.address;
        h.pw = &pw;
        yml = patroni_yaml_format(&h);
        if (!yml) {
                patroni_passwords_wipe(&pw);
                return FAIL(DGOCTL_EXIT_FAILED, "cannot make Patroni's configuration (out of memory, or an "
                            "address it cannot take: IPv4 only for now, this host's among etcd's members)");
        }
        snprintf(dir, sizeof dir, "%s/etc/patroni", root);
        if ((r = cluster_mkdir_p(dir, 0755)) < 0 || (r = cluster_make_dirs(p)) < 0 ||
            (r = cluster_write(yml_path, yml, 0600)) < 0 || (r = cluster_write(pass_path, pw.dgo, 0600)) < 0) {
                patroni_passwords_wipe(&pw);
                explicit_bzero(yml, strlen(yml));
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s or %s: %s", yml_path, pass_path, strerror(-r));
        }
        patroni_passwords_wipe(&pw);
        explicit_bzero(yml, strlen(yml));
        snprintf(dir, sizeof dir, "%s" PATRONI_DROPIN_DIR, root);
        if ((r = cluster_mkdir_p(dir, 0755)) < 0 || (r = cluster_write(dropin_path, patroni_dropin, 0644)) < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "cannot write %s: %s", dropin_path, strerror(-r));
        if ((code = write_grading_dropin(verb, root, conf.address, h.addresses, h.n_addresses, grading_path,
                                         sizeof grading_path)) != DGOCTL_EXIT_OK)
                return code;
        fprintf(stderr, "Wrote %s (%zu hosts), %s, %s and %s.\n", yml_path, h.n_addresses, dropin_path, pass_path,
                grading_path);
        if (a->no_start) {
                fprintf(stderr, "Not started (--no-start): systemctl daemon-reload && systemctl enable --now "
                                PATRONI_UNIT " && systemctl try-restart " GRADING_UNIT "\n");
                return DGOCTL_EXIT_OK;
        }
        if (cluster_systemctl("daemon-reload", NULL) != 0 ||
            cluster_systemctl("enable", "--quiet", PATRONI_UNIT, NULL) != 0 ||
            cluster_systemctl("restart", "--no-block", PATRONI_UNIT, NULL) != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "systemctl could not enable and start " PATRONI_UNIT);
        fprintf(stderr, "Started " PATRONI_UNIT ": the first host to start creates the database, the others "
                        "copy it and follow (patronictl -c " PATRONI_CONF " list).\n");
        /* A running grading service moves to the cluster's book now (until
         * a primary answers, its starts fail and are retried every second:
         * the drop-in); one that does not run starts on it at its socket's
         * next connection. */
        if (cluster_systemctl("try-restart", GRADING_UNIT, NULL) != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "systemctl try-restart " GRADING_UNIT " failed: the drop-in is in "
                            "place; see journalctl -u " GRADING_UNIT);
        fprintf(stderr, "Restarted " GRADING_UNIT " (if it ran): it serves the book in PostgreSQL.\n");
        return DGOCTL_EXIT_OK;
}

/* A credential file's mode and owner for status. */
static void print_file(const char *label, const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                printf("  %-12s %s: %s\n", label, path, strerror(errno));
        else
                printf("  %-12s %s (mode %04o, uid %u)\n", label, path, (unsigned) (st.st_mode & 07777),
                       (unsigned) st.st_uid);
}

static int cluster_status(const struct cluster_args *a, const struct cluster_paths *p) {
        const char *verb = "status";
        struct cluster_conf conf;
        struct etcd_members ms;
        struct etcd_status st;
        struct sync_tls tls;
        char why[300];
        int r, code = DGOCTL_EXIT_OK;

        r = cluster_conf_load(p->conf, &conf);
        if (r == -ENOENT) {
                printf("No cluster configured (%s): a single host.\n", p->conf);
                return dgoctl_flush();
        }
        if (r < 0)
                return FAIL(DGOCTL_EXIT_FAILED, "%s cannot be read (said above)", p->conf);
        printf("Host:      %s\nAddress:   %s\nLeaseSec:  %u\nEtcd:     ", conf.host, conf.address, conf.lease_sec);
        for (size_t i = 0; i < conf.n_etcd; i++)
                printf(" %s", conf.etcd[i]);
        printf("\nFiles:\n");
        print_file("CA", p->ca_crt);
        print_file("certificate", p->crt);
        print_file("key", p->key);
        print_file("drop-in", p->dropin);
        print_file("registry", p->registry_dropin);
        print_file("sockets", p->grading_socket);
        print_file("", p->log_socket);
        print_file("dgo.target", p->target_dropin);
        print_file("secret", p->secret);
        printf("  %-12s %s\n", "CA key", cluster_exists(p->ca_key) ? "held here (add-host runs here)" : "not here");

        tls_of(p, &tls);
        r = etcd_member_list(CLUSTER_ETCD_LOCAL, &tls, 3.0, &ms, why, sizeof why);
        if (r < 0) {
                printf("etcd:      not reached: %s\n", why);
                (void) dgoctl_flush();
                return r == -EHOSTUNREACH ? DGOCTL_EXIT_UNREACHABLE : DGOCTL_EXIT_FAILED;
        }
        printf("etcd members (%zu):\n", ms.n);
        for (size_t i = 0; i < ms.n; i++) {
                const struct etcd_member *m = &ms.m[i];
                char health[200];

                if (!*m->client_url)
                        snprintf(health, sizeof health, "not started (added, has not joined yet)");
                else if (etcd_status(m->client_url, &tls, 2.0, &st, why, sizeof why) < 0) {
                        snprintf(health, sizeof health, "unhealthy: %.160s", why);
                        code = DGOCTL_EXIT_FAILED;
                } else
                        snprintf(health, sizeof health, "healthy%s, etcd %s, term %llu, revision %llu",
                                 st.leader == m->id ? " (leader)" : st.leader ? "" : " but no leader", st.version,
                                 st.raft_term, st.revision);
                printf("  %-12s %016llx %s %s%s\n", m->name[0] ? m->name : "?", m->id, m->peer_url, health,
                       m->learner ? " (learner)" : "");
        }
        r = dgoctl_flush();
        return r != DGOCTL_EXIT_OK ? r : code;
}

int cmd_cluster(struct dgoctl *ctl, int argc, char **argv) {
        static const struct option opts[] = {
                { "host", required_argument, NULL, OPT_HOST },
                { "address", required_argument, NULL, OPT_ADDRESS },
                { "output", required_argument, NULL, OPT_OUTPUT },
                { "force", no_argument, NULL, OPT_FORCE },
                { "no-start", no_argument, NULL, OPT_NO_START },
                { "root", required_argument, NULL, OPT_ROOT },
                { "wait", required_argument, NULL, OPT_WAIT },
                { NULL, 0, NULL, 0 }
        };
        struct cluster_args a = { .wait = WAIT_DEFAULT };
        struct cluster_paths p;
        const char *verb, *file = NULL;
        int code;

        code = dgoctl_parse(ctl, "cluster", cluster_help, argc, argv, NULL, opts, cluster_option, &a);
        if (code != DGOCTL_CONTINUE)
                return code;
        if (a.bad_wait)
                return dgoctl_usage_error("cluster", "--wait %s: must be seconds, more than 0 and at most %g",
                                          a.bad_wait, WAIT_MAX);
        if (optind >= argc)
                return dgoctl_usage_error("cluster", "no subcommand given (init, add-host, join, postgres, status)");
        verb = argv[optind++];
        if (strcmp(verb, "join") == 0) {
                if (optind >= argc)
                        return dgoctl_usage_error("cluster", "join: no FILE given (the bundle from add-host)");
                file = argv[optind++];
        }
        if (optind < argc)
                return dgoctl_usage_error("cluster", "unexpected argument '%s'", argv[optind]);
        if (strcmp(verb, "init") != 0 && strcmp(verb, "add-host") != 0 && strcmp(verb, "join") != 0 &&
            strcmp(verb, "postgres") != 0 && strcmp(verb, "status") != 0)
                return dgoctl_usage_error("cluster", "unknown subcommand '%s' (init, add-host, join, postgres, "
                                          "status)", verb);
        if (a.output && strcmp(verb, "add-host") != 0)
                return dgoctl_usage_error("cluster", "--output is for add-host");
        if ((a.host || a.address) && strcmp(verb, "init") != 0 && strcmp(verb, "add-host") != 0)
                return dgoctl_usage_error("cluster", "--host and --address are for init and add-host");
        if (a.root && a.root[0] != '/')
                return dgoctl_usage_error("cluster", "--root %s: must be an absolute path", a.root);
        if (geteuid() != 0)
                return FAIL(DGOCTL_EXIT_FAILED, "needs root (the cluster's files and this host's key are root's)");
        if (cluster_paths_init(&p, a.root ? a.root : "") < 0)
                return dgoctl_usage_error("cluster", "--root %s: too long", a.root);

        if (strcmp(verb, "init") == 0)
                return cluster_init(&a, &p);
        if (strcmp(verb, "add-host") == 0)
                return cluster_add_host(&a, &p);
        if (strcmp(verb, "join") == 0)
                return cluster_join(&a, &p, file);
        if (strcmp(verb, "postgres") == 0)
                return cluster_postgres(&a, &p);
        return cluster_status(&a, &p);
}
