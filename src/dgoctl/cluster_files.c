/* cluster_files.c - see cluster_files.h. */
#include "cluster_files.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "basic/macros.h"

static int fail(char *error, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *error, size_t size, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(error, size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

int cluster_url(const char *address, unsigned port, char *buf, size_t size) {
        bool v6 = strchr(address, ':');
        int n = snprintf(buf, size, "https://%s%s%s:%u", v6 ? "[" : "", address, v6 ? "]" : "", port);

        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

int initial_cluster_add(struct initial_cluster *ic, const char *name, const char *peer_url) {
        assert(strlen(name) <= CLUSTER_HOST_MAX && strlen(peer_url) <= CLUSTER_URL_MAX);
        for (size_t i = 0; i < ic->n; i++)
                if (strcmp(ic->member[i].name, name) == 0 || strcmp(ic->member[i].peer_url, peer_url) == 0)
                        return -EEXIST;
        if (ic->n == CLUSTER_ETCD_MAX)
                return -E2BIG;
        snprintf(ic->member[ic->n].name, sizeof ic->member[0].name, "%s", name);
        snprintf(ic->member[ic->n].peer_url, sizeof ic->member[0].peer_url, "%s", peer_url);
        ic->n++;
        return 0;
}

int initial_cluster_parse(const char *s, struct initial_cluster *ic, char *error, size_t error_size) {
        _cleanup_free_ char *copy = NULL;
        int r;

        *ic = (struct initial_cluster) { 0 };
        if (strlen(s) > (CLUSTER_HOST_MAX + 1 + CLUSTER_URL_MAX + 1) * CLUSTER_ETCD_MAX)
                return fail(error, error_size, "initial-cluster is too long");
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        for (char *save = NULL, *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(m, '=');
                if (!eq)
                        return fail(error, error_size, "initial-cluster: '%.40s' is not NAME=URL", m);
                *eq = '\0';
                if (!cluster_host_valid(m))
                        return fail(error, error_size, "initial-cluster: '%.40s' is not a host name", m);
                if (strncmp(eq + 1, "https://", 8) != 0 || !cluster_etcd_url_valid(eq + 1))
                        return fail(error, error_size, "initial-cluster: '%.80s' is not https://ADDRESS:PORT", eq + 1);
                r = initial_cluster_add(ic, m, eq + 1);
                if (r == -EEXIST)
                        return fail(error, error_size, "initial-cluster names '%s' or its URL twice", m);
                if (r < 0)
                        return fail(error, error_size, "initial-cluster has more than %d members", CLUSTER_ETCD_MAX);
        }
        if (ic->n == 0)
                return fail(error, error_size, "initial-cluster is empty");
        return 0;
}

int initial_cluster_format(const struct initial_cluster *ic, char *buf, size_t size) {
        size_t at = 0;

        if (size)
                buf[0] = '\0';
        for (size_t i = 0; i < ic->n; i++) {
                int n = snprintf(buf + at, size - at, "%s%s=%s", i ? "," : "", ic->member[i].name,
                                 ic->member[i].peer_url);
                if (n < 0 || (size_t) n >= size - at)
                        return -ENOBUFS;
                at += (size_t) n;
        }
        return 0;
}

char *etcd_dropin_format(const struct etcd_dropin *d) {
        char peer[CLUSTER_URL_MAX + 1], client[CLUSTER_URL_MAX + 1];
        char *text = NULL;

        if (cluster_url(d->address, CLUSTER_PEER_PORT, peer, sizeof peer) < 0 ||
            cluster_url(d->address, CLUSTER_CLIENT_PORT, client, sizeof client) < 0)
                return NULL;
        /* Environment= rather than a new ExecStart=: Debian's etcd reads
         * every flag from ETCD_* variables, and its unit stays as it is
         * (User=etcd, Type=notify, its ExecStart=). %d is the unit's
         * credentials directory: the key is copied there by systemd,
         * readable by the etcd user only, and exists only while etcd runs. */
        if (asprintf(&text,
                     "# Written by dgoctl cluster %s (docs/cluster.md): host %s as a member of the dgo\n"
                     "# cluster's etcd. dgoctl rewrites it; edit at your own risk.\n"
                     "[Service]\n"
                     "LoadCredential=dgo-cluster-ca.crt:/etc/credstore/dgo-cluster-ca.crt\n"
                     "LoadCredential=dgo-cluster.crt:/etc/credstore/dgo-cluster.crt\n"
                     "LoadCredential=dgo-cluster.key:/etc/credstore/dgo-cluster.key\n"
                     "Environment=ETCD_NAME=%s\n"
                     "Environment=ETCD_DATA_DIR=" CLUSTER_ETCD_DATA_DIR "\n"
                     "Environment=ETCD_LISTEN_PEER_URLS=%s\n"
                     "Environment=ETCD_INITIAL_ADVERTISE_PEER_URLS=%s\n"
                     "# Loopback too, for this host's own clients (dgo's registry, dgoctl): TLS\n"
                     "# and a client certificate there as well, so only the cluster's hosts' root\n"
                     "# and the units given the key talk to etcd at all.\n"
                     "Environment=ETCD_LISTEN_CLIENT_URLS=%s,https://127.0.0.1:%u\n"
                     "Environment=ETCD_ADVERTISE_CLIENT_URLS=%s\n"
                     "Environment=ETCD_INITIAL_CLUSTER=%s\n"
                     "Environment=ETCD_INITIAL_CLUSTER_STATE=%s\n"
                     "%s%s%s"
                     "Environment=ETCD_CERT_FILE=%%d/dgo-cluster.crt\n"
                     "Environment=ETCD_KEY_FILE=%%d/dgo-cluster.key\n"
                     "Environment=ETCD_TRUSTED_CA_FILE=%%d/dgo-cluster-ca.crt\n"
                     "Environment=ETCD_CLIENT_CERT_AUTH=true\n"
                     "Environment=ETCD_PEER_CERT_FILE=%%d/dgo-cluster.crt\n"
                     "Environment=ETCD_PEER_KEY_FILE=%%d/dgo-cluster.key\n"
                     "Environment=ETCD_PEER_TRUSTED_CA_FILE=%%d/dgo-cluster-ca.crt\n"
                     "Environment=ETCD_PEER_CLIENT_CERT_AUTH=true\n"
                     "# A member back from a partition first asks whether it could win before it\n"
                     "# raises the term: without this it deposes the majority's leader (writes\n"
                     "# stalled 1.3 s, measured; 30 ms with).\n"
                     "Environment=ETCD_PRE_VOTE=true\n"
                     "# etcd's defaults, on purpose: a heartbeat of about a LAN round trip, an\n"
                     "# election timeout of 10 heartbeats. Shorter (50/500 ms) fails over faster\n"
                     "# (0.6-0.8 s instead of 1.0-2.3 s, measured) but deposes healthy leaders\n"
                     "# whose host is busy or whose disk is slow to fsync; a host's lease (15 s by\n"
                     "# default) outlives either failover many times.\n"
                     "Environment=ETCD_HEARTBEAT_INTERVAL=100\n"
                     "Environment=ETCD_ELECTION_TIMEOUT=1000\n"
                     "# An hour of history: a watcher cut off for less resumes from its revision,\n"
                     "# after that it re-lists. Without compaction the history grows for ever.\n"
                     "Environment=ETCD_AUTO_COMPACTION_MODE=periodic\n"
                     "Environment=ETCD_AUTO_COMPACTION_RETENTION=1h\n"
                     "Environment=ETCD_LOGGER=zap\n"
                     "Environment=ETCD_LOG_OUTPUTS=stderr\n"
                     "# A leader that lost its quorum may never finish stopping (etcd 3.4.23);\n"
                     "# every write it acknowledged is already fsynced, so SIGKILL after 5 s\n"
                     "# loses nothing.\n"
                     "TimeoutStopSec=5s\n",
                     d->new_cluster ? "init" : "join", d->name, d->name, peer, peer, client, CLUSTER_CLIENT_PORT,
                     client, d->initial_cluster, d->new_cluster ? "new" : "existing",
                     d->token ? "Environment=ETCD_INITIAL_CLUSTER_TOKEN=" : "", d->token ? d->token : "",
                     d->token ? "\n" : "") < 0)
                return NULL;
        return text;
}

const char cluster_target_dropin[] =
        "# Written by dgoctl cluster (docs/cluster.md): in a cluster the registry runs\n"
        "# whenever dgo does, not only once something asks it: it is what publishes this\n"
        "# host's services to the others, and what tells this host's of theirs.\n"
        "[Unit]\n"
        "Wants=dgo-registry.service\n";

char *cluster_socket_format(const char *service, const char *address, unsigned port) {
        bool v6 = strchr(address, ':') != NULL;
        char *text = NULL;

        if (asprintf(&text,
                     "# Written by dgoctl cluster (docs/cluster.md): %s.service for the cluster's\n"
                     "# other hosts, over HTTPS with this host's cluster certificate, to dgo's own\n"
                     "# services only. The registry publishes it as https://ADDRESS:PORT, PORT being\n"
                     "# the service's loopback port: keep the two the same.\n"
                     "# dgoctl rewrites it; edit at your own risk.\n"
                     "[Unit]\n"
                     "Description=%s socket for the cluster's other hosts\n"
                     "Documentation=man:dgo-services(8) man:dgo-cluster.conf(5)\n"
                     "PartOf=dgo.target\n"
                     "\n"
                     "[Socket]\n"
                     "ListenStream=%s%s%s:%u\n"
                     "# The address may come up after this socket (a slow network at boot).\n"
                     "FreeBind=yes\n"
                     "FileDescriptorName=cluster\n"
                     "Service=%s.service\n"
                     "Backlog=4096\n"
                     "\n"
                     "[Install]\n"
                     "WantedBy=sockets.target dgo.target\n",
                     service, service, v6 ? "[" : "", address, v6 ? "]" : "", port, service) < 0)
                return NULL;
        return text;
}

int cluster_url_address(const char *url, char *buf, size_t size) {
        const char *a = strstr(url, "://"), *end;

        if (!a)
                return -EINVAL;
        a += 3;
        if (*a == '[') {
                a++;
                end = strchr(a, ']');
        } else
                end = strrchr(a, ':');
        if (!end || end == a || (size_t) (end - a) >= size)
                return -EINVAL;
        memcpy(buf, a, (size_t) (end - a));
        buf[end - a] = '\0';
        return 0;
}

int cluster_etcd_addresses(const struct cluster_conf *conf, char addr[static CLUSTER_ETCD_MAX][CLUSTER_URL_MAX + 1]) {
        size_t n = 0;

        for (size_t i = 0; i < conf->n_etcd && i < CLUSTER_ETCD_MAX; i++) {
                bool seen = false;
                if (cluster_url_address(conf->etcd[i], addr[n], CLUSTER_URL_MAX + 1) < 0)
                        return -EINVAL;
                for (size_t j = 0; j < n; j++)
                        seen = seen || strcmp(addr[j], addr[n]) == 0;
                if (!seen)
                        n++;
        }
        return (int) n;
}

char *registry_dropin_format(const struct cluster_conf *conf) {
        char addr[CLUSTER_ETCD_MAX][CLUSTER_URL_MAX + 1], list[CLUSTER_ETCD_MAX * (CLUSTER_URL_MAX + 1) + 1] = "";
        size_t at = 0;
        char *text = NULL;
        int n = cluster_etcd_addresses(conf, addr);

        if (n <= 0)
                return NULL;
        for (int i = 0; i < n; i++)
                at += (size_t) snprintf(list + at, sizeof list - at, "%s%s", i ? " " : "", addr[i]);
        if (asprintf(&text,
                     "# Written by dgoctl cluster (docs/cluster.md): dgo's registry, which its unit\n"
                     "# lets reach localhost only, reaches the cluster's etcd members too, at the\n"
                     "# addresses of Etcd= in %s.\n"
                     "# dgoctl rewrites it; edit at your own risk.\n"
                     "[Service]\n"
                     "IPAddressAllow=%s\n",
                     CLUSTER_CONF_PATH, list) < 0)
                return NULL;
        return text;
}

/* ---- the installation secret ---- */

bool cluster_secret_valid(const char *s) {
        return strlen(s) == CLUSTER_SECRET_HEX && strspn(s, "0123456789abcdef") == CLUSTER_SECRET_HEX;
}

int cluster_secret_parse(const char *text, size_t len, char secret[static CLUSTER_SECRET_HEX + 1]) {
        if (len != CLUSTER_SECRET_HEX && !(len == CLUSTER_SECRET_HEX + 1 && text[CLUSTER_SECRET_HEX] == '\n'))
                return -EINVAL;
        memcpy(secret, text, CLUSTER_SECRET_HEX);
        secret[CLUSTER_SECRET_HEX] = '\0';
        if (!cluster_secret_valid(secret)) {
                explicit_bzero(secret, CLUSTER_SECRET_HEX + 1);
                return -EINVAL;
        }
        return 0;
}

/* ---- the join bundle ---- */

static const struct {
        const char *name;
        const char *pem_label;          /* NULL: not PEM */
} sections[] = {
        { "cluster.conf", NULL },
        { "ca.crt", "CERTIFICATE" },
        { "host.crt", "CERTIFICATE" },
        { "host.key", "PRIVATE KEY" },
        { "secret", NULL },
};

void bundle_done(struct cluster_bundle *b) {
        if (b->key_pem) {
                explicit_bzero(b->key_pem, strlen(b->key_pem));
                free(b->key_pem);
        }
        free(b->ca_pem);
        free(b->cert_pem);
        explicit_bzero(b->secret, sizeof b->secret);
        *b = (struct cluster_bundle) { 0 };
}

char *bundle_format(const struct cluster_bundle *b) {
        char conf[CLUSTER_CONF_MAX], ic[sizeof b->initial.member], *text = NULL;

        if (cluster_conf_format(&b->conf, conf, sizeof conf) < 0 ||
            initial_cluster_format(&b->initial, ic, sizeof ic) < 0)
                return NULL;
        if (asprintf(&text,
                     "# dgo cluster join bundle for host %s: dgoctl cluster join FILE on %s (docs/cluster.md).\n"
                     "# It holds %s's private key and the cluster's installation secret (/etc/dgo/secret):\n"
                     "# copy it to %s only, and delete it once %s has joined.\n"
                     BUNDLE_MAGIC "\nhost %s\ninitial-cluster %s\n"
                     "--- cluster.conf\n%s"
                     "--- ca.crt\n%s%s"
                     "--- host.crt\n%s%s"
                     "--- host.key\n%s%s"
                     "--- secret\n%s\n"
                     "--- end\n",
                     b->host, b->host, b->host, b->host, b->host, b->host, ic, conf,
                     b->ca_pem, strchr(b->ca_pem, '\0')[-1] == '\n' ? "" : "\n",
                     b->cert_pem, strchr(b->cert_pem, '\0')[-1] == '\n' ? "" : "\n",
                     b->key_pem, strchr(b->key_pem, '\0')[-1] == '\n' ? "" : "\n", b->secret) < 0)
                return NULL;
        return text;
}

/* Is LINES (N lines, each NUL-terminated) one PEM block of LABEL? */
static bool pem_block_valid(char **lines, size_t n, const char *label) {
        char begin[64], end[64];

        snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
        snprintf(end, sizeof end, "-----END %s-----", label);
        if (n < 3 || strcmp(lines[0], begin) != 0 || strcmp(lines[n - 1], end) != 0)
                return false;
        for (size_t i = 1; i < n - 1; i++) {
                size_t len = strlen(lines[i]);
                if (len == 0 || len > 76 ||
                    strspn(lines[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != len)
                        return false;
        }
        return true;
}

/* LINES[0..N) joined with '\n' after each, malloc'd. */
static char *join_lines(char **lines, size_t n) {
        size_t len = 0, at = 0;
        char *s;

        for (size_t i = 0; i < n; i++)
                len += strlen(lines[i]) + 1;
        s = malloc(len + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(lines[i]);
                memcpy(s + at, lines[i], l);
                s[at + l] = '\n';
                at += l + 1;
        }
        s[at] = '\0';
        return s;
}

/* The checks of one section's lines; its text in *RET (malloc'd). */
static int take_section(struct cluster_bundle *b, size_t k, char **lines, size_t n, size_t first_line,
                        char *error, size_t error_size) {
        _cleanup_free_ char *text = NULL;
        char why[160];
        unsigned line;
        int r;

        if (sections[k].pem_label && !pem_block_valid(lines, n, sections[k].pem_label))
                return fail(error, error_size, "line %zu: section %s is not one PEM block of %s", first_line,
                            sections[k].name, sections[k].pem_label);
        text = join_lines(lines, n);
        if (!text)
                return -ENOMEM;
        switch (k) {
        case 0:
                r = cluster_conf_parse(text, strlen(text), &b->conf, &line, why, sizeof why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(error, error_size, "line %zu: cluster.conf%s: %s",
                                    line ? first_line + line - 1 : first_line, line ? "" : " as a whole", why);
                return 0;
        case 1:
                b->ca_pem = TAKE_PTR(text);
                return 0;
        case 2:
                b->cert_pem = TAKE_PTR(text);
                return 0;
        case 3:
                b->key_pem = TAKE_PTR(text);
                return 0;
        default:
                explicit_bzero(text, strlen(text));
                if (n != 1 || !cluster_secret_valid(lines[0]))
                        return fail(error, error_size, "line %zu: section secret is not one line of %d hex digits "
                                    "0-9 a-f", first_line, CLUSTER_SECRET_HEX);
                snprintf(b->secret, sizeof b->secret, "%s", lines[0]);
                return 0;
        }
}

/* The parts agree with one another. */
static int check_agree(const struct cluster_bundle *b, char *error, size_t error_size) {
        char peer[CLUSTER_URL_MAX + 1], client[CLUSTER_URL_MAX + 1];
        bool in_ic = false, in_etcd = false;

        if (strcmp(b->conf.host, b->host) != 0)
                return fail(error, error_size, "cluster.conf is for host '%s', the bundle for '%s'", b->conf.host,
                            b->host);
        if (cluster_url(b->conf.address, CLUSTER_PEER_PORT, peer, sizeof peer) < 0 ||
            cluster_url(b->conf.address, CLUSTER_CLIENT_PORT, client, sizeof client) < 0)
                return fail(error, error_size, "the address is too long");
        for (size_t i = 0; i < b->initial.n; i++)
                if (strcmp(b->initial.member[i].name, b->host) == 0) {
                        if (strcmp(b->initial.member[i].peer_url, peer) != 0)
                                return fail(error, error_size, "initial-cluster gives %s the peer URL %s, not %s",
                                            b->host, b->initial.member[i].peer_url, peer);
                        in_ic = true;
                }
        if (!in_ic)
                return fail(error, error_size, "initial-cluster does not name host %s", b->host);
        if (b->initial.n < 2)
                return fail(error, error_size, "initial-cluster names no other host to join");
        for (size_t i = 0; i < b->conf.n_etcd; i++)
                in_etcd = in_etcd || strcmp(b->conf.etcd[i], client) == 0;
        if (!in_etcd)
                return fail(error, error_size, "cluster.conf's Etcd= does not list %s, the host's own", client);
        return 0;
}

int bundle_parse(const char *text, size_t len, struct cluster_bundle *b, char *error, size_t error_size) {
        _cleanup_free_ char *copy = NULL;
        _cleanup_free_ char **lines = NULL;
        size_t n = 0, at = 0, k;
        char why[160];
        int r;

        *b = (struct cluster_bundle) { 0 };
        if (len > BUNDLE_MAX)
                return fail(error, error_size, "larger than %u bytes: not a bundle", BUNDLE_MAX);
        for (size_t i = 0; i < len; i++)
                if ((text[i] < 0x20 && text[i] != '\n') || (unsigned char) text[i] >= 0x7f)
                        return fail(error, error_size, "byte %zu is not printable ASCII or a newline", i + 1);
        if (len == 0 || text[len - 1] != '\n')
                return fail(error, error_size, "does not end with a newline (cut short?)");
        copy = strndup(text, len);
        lines = calloc(len + 1, sizeof *lines);
        if (!copy || !lines)
                return -ENOMEM;
        for (char *l = copy, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
                *nl = '\0';
                lines[n++] = l;
        }

        while (at < n && lines[at][0] == '#')
                at++;
        if (at == n || strcmp(lines[at], BUNDLE_MAGIC) != 0)
                return fail(error, error_size, "line %zu: not a dgo cluster bundle (no '" BUNDLE_MAGIC "' line)",
                            at + 1);
        at++;
        if (at == n || strncmp(lines[at], "host ", 5) != 0 || !cluster_host_valid(lines[at] + 5))
                return fail(error, error_size, "line %zu: not 'host NAME' with a valid host name", at + 1);
        snprintf(b->host, sizeof b->host, "%s", lines[at] + 5);
        at++;
        if (at == n || strncmp(lines[at], "initial-cluster ", 16) != 0)
                return fail(error, error_size, "line %zu: not 'initial-cluster ...'", at + 1);
        r = initial_cluster_parse(lines[at] + 16, &b->initial, why, sizeof why);
        if (r == -ENOMEM)
                goto fail;
        if (r < 0) {
                r = fail(error, error_size, "line %zu: %s", at + 1, why);
                goto fail;
        }
        at++;

        for (k = 0; k < ELEMENTSOF(sections); k++) {
                size_t start;
                if (at == n || strncmp(lines[at], "--- ", 4) != 0 || strcmp(lines[at] + 4, sections[k].name) != 0) {
                        r = fail(error, error_size, "line %zu: expected '--- %s'", at + 1, sections[k].name);
                        goto fail;
                }
                start = ++at;
                while (at < n && strncmp(lines[at], "--- ", 4) != 0)
                        at++;
                r = take_section(b, k, lines + start, at - start, start + 1, error, error_size);
                if (r < 0)
                        goto fail;
        }
        if (at == n || strcmp(lines[at], "--- end") != 0) {
                r = fail(error, error_size, "line %zu: expected '--- end'", at + 1);
                goto fail;
        }
        if (at + 1 != n) {
                r = fail(error, error_size, "line %zu: text after '--- end'", at + 2);
                goto fail;
        }
        r = check_agree(b, error, error_size);
        if (r < 0)
                goto fail;
        explicit_bzero(copy, len);      /* it held the key */
        return 0;
fail:
        bundle_done(b);
        explicit_bzero(copy, len);
        return r;
}

/* ---- etcd's answers ---- */

int etcd_u64(const char *s, unsigned long long *ret) {
        char *end;

        if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20)
                return -EINVAL;
        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno ? -EINVAL : 0;
}

/* The first string of the array A (NULL if none), and how many there are in *N. */
static const char *first_string(const json_t *a, size_t *n) {
        *n = json_is_array(a) ? json_array_size(a) : 0;
        return *n ? json_string_value(json_array_get(a, 0)) : NULL;
}

int etcd_members_parse(const char *body, size_t len, struct etcd_members *ms, char *error, size_t error_size) {
        _cleanup_(json_decrefp) json_t *root = NULL;
        const json_t *members, *added, *m;
        size_t i;

        *ms = (struct etcd_members) { 0 };
        root = json_loadb(body, len, 0, NULL);
        members = json_object_get(root, "members");
        if (!json_is_array(members))
                return fail(error, error_size, "etcd's answer has no member list");
        if (json_array_size(members) > ETCD_MEMBERS_MAX)
                return fail(error, error_size, "etcd lists more than %d members", ETCD_MEMBERS_MAX);
        json_array_foreach(members, i, m) {
                struct etcd_member *e = &ms->m[ms->n];
                const char *name = json_string_value(json_object_get(m, "name")), *peer, *client;
                size_t n_client;

                if (etcd_u64(json_string_value(json_object_get(m, "ID")), &e->id) < 0)
                        return fail(error, error_size, "etcd's member %zu has no ID", i + 1);
                peer = first_string(json_object_get(m, "peerURLs"), &e->n_peer_urls);
                client = first_string(json_object_get(m, "clientURLs"), &n_client);
                if (!peer || !cluster_etcd_url_valid(peer))
                        return fail(error, error_size, "etcd's member %llx has no peer URL dgo knows", e->id);
                if (name && *name && !cluster_host_valid(name))
                        return fail(error, error_size, "etcd's member %llx is named '%.40s', not a dgo host name",
                                    e->id, name);
                if (client && !cluster_etcd_url_valid(client))
                        return fail(error, error_size, "etcd's member %llx has a client URL dgo does not know",
                                    e->id);
                snprintf(e->name, sizeof e->name, "%s", name ? name : "");
                snprintf(e->peer_url, sizeof e->peer_url, "%s", peer);
                snprintf(e->client_url, sizeof e->client_url, "%s", client ? client : "");
                e->learner = json_is_true(json_object_get(m, "isLearner"));
                ms->n++;
        }
        added = json_object_get(root, "member");
        if (added && etcd_u64(json_string_value(json_object_get(added, "ID")), &ms->added_id) < 0)
                return fail(error, error_size, "etcd's answer has an added member without an ID");
        return 0;
}
