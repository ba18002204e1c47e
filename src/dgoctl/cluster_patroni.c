/* cluster_patroni.c - see cluster_patroni.h; the reasons for the settings
 * are in docs/cluster.md, "The grade book on PostgreSQL". */
#include "cluster_patroni.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_install.h"
#include "dgo/cluster_conf.h"

static int derive(const char *secret, const char *role, char out[static PATRONI_PASSWORD_HEX + 1]) {
        unsigned char digest[32];
        char text[64];

        snprintf(text, sizeof text, "dgo-postgres\n%s", role);
        if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, strlen(secret), text, strlen(text), digest) < 0)
                return -EIO;
        for (size_t i = 0; i < sizeof digest; i++)
                snprintf(out + 2 * i, 3, "%02x", digest[i]);
        explicit_bzero(digest, sizeof digest);
        return 0;
}

int patroni_passwords_derive(const char *secret, struct patroni_passwords *pw) {
        if (!secret || !cluster_secret_valid(secret))
                return -EINVAL;
        if (derive(secret, PG_SUPERUSER, pw->superuser) < 0 || derive(secret, PG_REPLICATION_USER, pw->replication) < 0 ||
            derive(secret, PG_USER, pw->dgo) < 0) {
                patroni_passwords_wipe(pw);
                return -EIO;
        }
        return 0;
}

void patroni_passwords_wipe(struct patroni_passwords *pw) {
        explicit_bzero(pw, sizeof *pw);
}

/* A growing text; on any failure it is freed and stays NULL. */
struct text {
        char *s;
        size_t len, size;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...) {
        va_list ap;
        int n;

        if (!t->s)
                return;
        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(t->s + t->len, t->size - t->len, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        free(t->s);
                        *t = (struct text) { 0 };
                        return;
                }
                if ((size_t) n < t->size - t->len) {
                        t->len += (size_t) n;
                        return;
                }
                char *s = realloc(t->s, t->size * 2 + (size_t) n);
                if (!s) {
                        explicit_bzero(t->s, t->size);
                        free(t->s);
                        *t = (struct text) { 0 };
                        return;
                }
                t->s = s;
                t->size = t->size * 2 + (size_t) n;
        }
}

/* The cluster's hosts: 1 to PATRONI_HOSTS_MAX addresses, each once, each
 * IPv4 for now (pg_hba's /32, Patroni's ADDRESS:PORT). */
static bool addresses_valid(const char *const *addresses, size_t n) {
        if (n == 0 || n > PATRONI_HOSTS_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (!addresses[i] || !cluster_address_valid(addresses[i]) || strchr(addresses[i], ':'))
                        return false;
                for (size_t j = 0; j < i; j++)
                        if (strcmp(addresses[i], addresses[j]) == 0)
                                return false;
        }
        return true;
}

static bool host_valid(const struct patroni_host *h) {
        bool mine = false;

        if (!h->name || !cluster_host_valid(h->name) || !h->address || !cluster_address_valid(h->address) ||
            strchr(h->address, ':') || !h->pw || !addresses_valid(h->addresses, h->n_addresses))
                return false;
        for (size_t i = 0; i < h->n_addresses; i++)
                mine = mine || strcmp(h->addresses[i], h->address) == 0;
        return mine;
}

#define CRED(name) PATRONI_CRED_DIR "/" name

char *patroni_yaml_format(const struct patroni_host *h) {
        struct text t = { .s = malloc(8192), .size = 8192 };
        const struct patroni_passwords *pw = h->pw;

        if (!t.s)
                return NULL;
        t.s[0] = '\0';
        if (!host_valid(h)) {
                free(t.s);
                return NULL;
        }
        add(&t,
            "# Written by dgoctl cluster postgres (docs/cluster.md, \"The grade book on PostgreSQL\").\n"
            "# Root's, mode 0600: it holds the database passwords. patroni.service reads it as a\n"
            "# credential (its drop-in, %s). dgoctl rewrites it; edit at your own risk.\n"
            "scope: " PATRONI_SCOPE "\n"
            "namespace: /service/\n"
            "name: %s\n"
            "\n"
            "log:\n"
            "  level: INFO\n"
            "\n"
            "# The REST API: the cluster address only, TLS with the host's cluster certificate, and\n"
            "# only clients with a certificate of the cluster's CA (the other members, patronictl).\n"
            "restapi:\n"
            "  listen: '%s:%u'\n"
            "  connect_address: '%s:%u'\n"
            "  certfile: " CRED(CRED_CERT) "\n"
            "  keyfile: " CRED(CRED_KEY) "\n"
            "  cafile: " CRED(CRED_CA) "\n"
            "  verify_client: required\n"
            "\n"
            "# This host's own etcd member first: Patroni watches its keys through one member, and a\n"
            "# watch through a member whose host is lost stays silent until TCP gives up (up to\n"
            "# ttl, 30 s before the first configuration is read), which would hold a failover; the\n"
            "# local member lives and dies with this host. use_proxies: the list as given, in order\n"
            "# (the others are where Patroni goes when its own member fails).\n"
            "etcd3:\n"
            "  use_proxies: true\n"
            "  protocol: https\n"
            "  cacert: " CRED(CRED_CA) "\n"
            "  cert: " CRED(CRED_CERT) "\n"
            "  key: " CRED(CRED_KEY) "\n"
            "  hosts:\n",
            PATRONI_DROPIN, h->name, h->address, PATRONI_API_PORT, h->address, PATRONI_API_PORT);
        add(&t, "  - '%s:%u'\n", h->address, CLUSTER_CLIENT_PORT);
        for (size_t i = 0; i < h->n_addresses; i++)
                if (strcmp(h->addresses[i], h->address) != 0)
                        add(&t, "  - '%s:%u'\n", h->addresses[i], CLUSTER_CLIENT_PORT);
        add(&t,
            "\n"
            "bootstrap:\n"
            "  # Shared by every member, kept in etcd (patronictl edit-config changes them).\n"
            "  dcs:\n"
            "    ttl: %d\n"
            "    loop_wait: %d\n"
            "    retry_timeout: %d\n"
            "    maximum_lag_on_failover: 1048576\n"
            "    # One synchronous standby, chosen by Patroni among the healthy ones and replaced\n"
            "    # when it is lost; only it may be promoted: no acknowledged commit is lost.\n"
            "    synchronous_mode: true\n"
            "    synchronous_mode_strict: false\n"
            "    synchronous_node_count: 1\n"
            "    postgresql:\n"
            "      use_pg_rewind: true\n"
            "      use_slots: true\n"
            "      parameters:\n"
            "        wal_level: replica\n"
            "        hot_standby: 'on'\n"
            "        synchronous_commit: 'on'\n"
            "        wal_log_hints: 'on'\n"
            "        max_wal_senders: 10\n"
            "        max_replication_slots: 10\n"
            "        wal_keep_size: 256MB\n"
            "        # A standby lost without a goodbye (a power cut) leaves the primary's\n"
            "        # sender in place until this ends it; only then can Patroni pick the other\n"
            "        # standby as the synchronous one (the default, 60 s, is that long a pause).\n"
            "        wal_sender_timeout: 5s\n"
            "        wal_receiver_timeout: 5s\n"
            "        password_encryption: scram-sha-256\n"
            "  initdb:\n"
            "  - encoding: UTF8\n"
            "  - locale: C.UTF-8\n"
            "  - data-checksums\n"
            "  # Run once, by the member that creates the cluster (synchronous_commit=local),\n"
            "  # with a connection string as its last argument; Patroni then sets dgo's password.\n"
            "  post_bootstrap: " PG_BIN_DIR "/psql -q -v ON_ERROR_STOP=1 -c 'CREATE ROLE " PG_USER " LOGIN' -c "
            "'CREATE DATABASE " PG_DATABASE " OWNER " PG_USER "'\n"
            "  users:\n"
            "    " PG_USER ":\n"
            "      password: '%s'\n"
            "      options: [login]\n"
            "\n"
            "postgresql:\n"
            "  listen: '%s:%u'\n"
            "  connect_address: '%s:%u'\n"
            "  data_dir: " PG_DATA_DIR "\n"
            "  bin_dir: " PG_BIN_DIR "\n"
            "  pgpass: " PATRONI_RUN_DIR "/pgpass\n"
            "  use_unix_socket: true\n"
            "  # A new standby's copy starts at once (pg_basebackup's default, a spread checkpoint,\n"
            "  # took 95 s on an idle primary).\n"
            "  basebackup:\n"
            "  - checkpoint: fast\n"
            "  authentication:\n"
            "    superuser:\n"
            "      username: " PG_SUPERUSER "\n"
            "      password: '%s'\n"
            "      sslmode: verify-full\n"
            "      sslrootcert: " CRED(CRED_CA) "\n"
            "    replication:\n"
            "      username: " PG_REPLICATION_USER "\n"
            "      password: '%s'\n"
            "      sslmode: verify-full\n"
            "      sslrootcert: " CRED(CRED_CA) "\n"
            "  parameters:\n"
            "    # Its own socket directory: Debian's clusters keep /var/run/postgresql.\n"
            "    unix_socket_directories: '" PATRONI_RUN_DIR "'\n"
            "    ssl: 'on'\n"
            "    ssl_cert_file: " CRED(CRED_CERT) "\n"
            "    ssl_key_file: " CRED(CRED_KEY) "\n"
            "    ssl_ca_file: " CRED(CRED_CA) "\n"
            "    ssl_min_protocol_version: TLSv1.2\n"
            "  # Patroni's own connection (the Unix socket, as the postgres user), then TLS with a\n"
            "  # password from the cluster's hosts only: replication, pg_rewind, dgo's services.\n"
            "  pg_hba:\n"
            "  - local all " PG_SUPERUSER " peer\n",
            PATRONI_TTL, PATRONI_LOOP_WAIT, PATRONI_RETRY_TIMEOUT, pw->dgo, h->address, PG_PORT, h->address,
            PG_PORT, pw->superuser, pw->replication);
        for (size_t i = 0; i < h->n_addresses; i++)
                add(&t,
                    "  - hostssl replication " PG_REPLICATION_USER " %s/32 scram-sha-256\n"
                    "  - hostssl all " PG_SUPERUSER " %s/32 scram-sha-256\n"
                    "  - hostssl " PG_DATABASE " " PG_USER " %s/32 scram-sha-256\n",
                    h->addresses[i], h->addresses[i], h->addresses[i]);
        add(&t,
            "\n"
            "# No watchdog device in general; synchronous mode keeps a hung old primary from\n"
            "# acknowledging commits (its synchronous standby is the one promoted).\n"
            "watchdog:\n"
            "  mode: 'off'\n"
            "\n"
            "tags:\n"
            "  nofailover: false\n"
            "  noloadbalance: false\n"
            "  clonefrom: false\n"
            "  nosync: false\n");
        return t.s;
}

const char patroni_dropin[] =
        "# Written by dgoctl cluster postgres (docs/cluster.md, \"The grade book on PostgreSQL\").\n"
        "# Debian's patroni.service (User=postgres) runs dgo's configuration, which is root's\n"
        "# 0600 like the host's key: both reach Patroni as credentials, in %d, the postgres\n"
        "# user's for as long as it runs.\n"
        "[Unit]\n"
        "ConditionPathExists=\n"
        "ConditionPathExists=" PATRONI_CONF "\n"
        "Wants=network-online.target\n"
        "After=network-online.target etcd.service\n"
        "\n"
        "[Service]\n"
        "LoadCredential=dgo-patroni.yml:" PATRONI_CONF "\n"
        "LoadCredential=" CRED_CA ":" CREDSTORE "/" CRED_CA "\n"
        "LoadCredential=" CRED_CERT ":" CREDSTORE "/" CRED_CERT "\n"
        "LoadCredential=" CRED_KEY ":" CREDSTORE "/" CRED_KEY "\n"
        "RuntimeDirectory=dgo-patroni\n"
        "RuntimeDirectoryMode=0750\n"
        "ExecStart=\n"
        "ExecStart=/usr/bin/patroni %d/dgo-patroni.yml\n"
        "Restart=on-failure\n"
        "RestartSec=2s\n"
        "TimeoutStopSec=60s\n";

/* Characters that mean nothing special to libpq's connection strings or
 * to a unit file's ExecStart= (no quoting, escaping, variable or
 * specifier): a path made of them goes into both as it is. */
static bool plain_path(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/+-", *s))
                        return false;
        return true;
}

int patroni_grading_conninfo(const char *const *addresses, size_t n, const char *ca_path, char *buf, size_t size) {
        size_t len = 0;
        int k;

        if (!addresses || !addresses_valid(addresses, n) || !ca_path || !buf || size == 0)
                return -EINVAL;
        /* An absolute path, or the unit's credentials directory (%d) and a
         * path under it: nothing else a unit file would expand. */
        if (!(ca_path[0] == '/' || strncmp(ca_path, "%d/", 3) == 0) ||
            !plain_path(ca_path[0] == '/' ? ca_path : ca_path + 2))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                k = snprintf(buf + len, size - len, "%s%s", i == 0 ? "host=" : ",", addresses[i]);
                if (k < 0 || (size_t) k >= size - len)
                        return -ENOBUFS;
                len += (size_t) k;
        }
        k = snprintf(buf + len, size - len,
                     " port=%u dbname=" PG_DATABASE " user=" PG_USER " target_session_attrs=read-write"
                     " sslmode=verify-full sslrootcert=%s connect_timeout=%d",
                     PG_PORT, ca_path, PATRONI_CONNECT_TIMEOUT_SEC);
        if (k < 0 || (size_t) k >= size - len)
                return -ENOBUFS;
        return 0;
}

/* Can S go between double quotes in ExecStart= as it is? Printable ASCII,
 * no quote, backslash or $ (a variable), and % only as %d. */
static bool unit_quotable(const char *s) {
        for (; *s; s++) {
                if (*s < 0x20 || *s > 0x7e || strchr("\"'\\$", *s))
                        return false;
                if (*s == '%' && s[1] != 'd')
                        return false;
        }
        return true;
}

char *grading_pg_dropin_format(const char *binary, const char *conninfo) {
        struct text t = { .s = malloc(2048), .size = 2048 };

        if (!t.s)
                return NULL;
        t.s[0] = '\0';
        if (!binary || binary[0] != '/' || !plain_path(binary) || !conninfo || !*conninfo ||
            !unit_quotable(conninfo)) {
                free(t.s);
                return NULL;
        }
        add(&t,
            "# Written by dgoctl cluster postgres (docs/cluster.md, \"The grade book on PostgreSQL\").\n"
            "# This host's grading service serves the cluster's one grade book, in PostgreSQL, instead\n"
            "# of a book of its own. dgoctl rewrites it; to go back to the host's own SQLite book,\n"
            "# delete it and run systemctl daemon-reload && systemctl try-restart " GRADING_UNIT ".\n"
            "[Unit]\n"
            "# While the database has no primary (a failover: up to about 20 s) a start fails and is\n"
            "# tried again (RestartSec= below); systemd's default start limit (5 in 10 s) would give\n"
            "# up for good and leave the socket refusing. No limit: it retries until a primary answers.\n"
            "StartLimitIntervalSec=0\n"
            "\n"
            "[Service]\n"
            "# The database user dgo's password (root's 0600), a copy only this unit reads: the\n"
            "# service takes it from $CREDENTIALS_DIRECTORY, never from its command line.\n"
            "LoadCredential=" CRED_PG_PASSWORD ":" CREDSTORE "/" CRED_PG_PASSWORD "\n"
            "# The book on PostgreSQL: every host, libpq finds the primary (read-write); TLS verified\n"
            "# against the cluster's CA, the unit's credential %%d/" CRED_CA ".\n"
            "ExecStart=\n"
            "ExecStart=%s --backend postgresql --pg-conninfo \"%s\"\n"
            "# Restarts wait 1 s rather than the unit's 100 ms: a start that found no primary is not\n"
            "# tried ten times a second through a failover of seconds (a crash is restarted 1 s later\n"
            "# too; connections wait in the socket meanwhile).\n"
            "RestartSec=1s\n",
            binary, conninfo);
        return t.s;
}
