/* test-dgoctl-patroni.c - proves the pure parts of `dgoctl cluster postgres`
 * (src/dgoctl/cluster_patroni.h):
 *  - the passwords: HMAC-SHA256(secret, "dgo-postgres\n" ROLE) in hex (values
 *    computed apart, with Python's hmac), three different ones, a bad secret
 *    refused;
 *  - dgo.yml: member NAME of scope dgo; the REST API and PostgreSQL on the
 *    cluster address only (no wildcard, no loopback listener), REST API with
 *    TLS and client certificates required; etcd3 over https at every
 *    member's address with the credentials from patroni.service's %d; the
 *    timings obey Patroni's loop_wait + 2 * retry_timeout <= ttl; its own
 *    etcd member first (use_proxies: in that order); pg_basebackup's fast
 *    checkpoint;
 *    synchronous mode with one synchronous standby; pg_rewind; the
 *    PostgreSQL parameters; pg_hba: the local superuser by peer, then TLS
 *    and scram-sha-256 from each cluster address only, nothing else (no
 *    "host" line, no trust, no md5, no 0.0.0.0/0); the three passwords where
 *    they belong;
 *  - hosts refused: a bad name, an address not among the cluster's, one
 *    twice, loopback, IPv6 (not yet), none;
 *  - the drop-in: the condition replaced, the credentials loaded, ExecStart
 *    on %d;
 *  - the grading units' connection string: every host in order, the primary
 *    (read-write), verify-full against the CA in the unit's %d, the connect
 *    timeout; addresses refused (none, too many, twice, loopback, IPv6, not
 *    an address, one that would smuggle in another keyword), paths refused
 *    (relative, another specifier, a space, a quote), a buffer too small;
 *  - dgo-grading.service's drop-in: ExecStart= reset, then the unit's own
 *    binary with --backend postgresql and the string quoted once, the
 *    password credential from /etc/credstore, RestartSec=1s and no start
 *    limit, each with a comment; a binary or string a unit file would
 *    misread refused;
 *  - the distinct addresses of cluster.conf's Etcd= URLs, in order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"
#include "check.h"
#include "cluster_patroni.h"
#include "cluster_files.h"
#include "cluster_install.h"
#include "dgo/cluster_conf.h"

#define SECRET "0123456789abcdef0123456789abcdef00112233445566778899aabbccddeeff"

static size_t count(const char *hay, const char *needle) {
        size_t n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* The integer after "KEY: " in TEXT, or -1. */
static long value_of(const char *text, const char *key) {
        const char *p = strstr(text, key);

        return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void test_passwords(void) {
        struct patroni_passwords pw;

        CHECK(patroni_passwords_derive(SECRET, &pw) == 0);
        CHECK_STR(pw.superuser, "afb9a56ceb02a12582c94800fa8c1074bff87ed4b89fe7b7e320d21f52a0fcf8");
        CHECK_STR(pw.replication, "21922383ea5e4fc0b17b43413c7769d5942f6057063821990db964bb514c1b83");
        CHECK_STR(pw.dgo, "00b0046e508f3acd7af58b80725ba3ea20f3a6ea03c8e91fc6c9b7474d5e96ab");
        patroni_passwords_wipe(&pw);
        CHECK(pw.dgo[0] == '\0');
        CHECK(patroni_passwords_derive("0123", &pw) == -EINVAL);
        CHECK(patroni_passwords_derive(NULL, &pw) == -EINVAL);
        CHECK(patroni_passwords_derive("0123456789ABCDEF0123456789abcdef00112233445566778899aabbccddeeff", &pw) ==
              -EINVAL);
}

static void test_yaml(void) {
        struct patroni_passwords pw;
        struct patroni_host h = { .name = "h2", .address = "10.77.0.2",
                                  .addresses = { "10.77.0.1", "10.77.0.2", "10.77.0.3" }, .n_addresses = 3,
                                  .pw = &pw };
        char *y;
        long ttl, loop, retry;

        CHECK(patroni_passwords_derive(SECRET, &pw) == 0);
        y = patroni_yaml_format(&h);
        CHECK(y != NULL);
        if (!y)
                return;
        CHECK(strstr(y, "\nscope: dgo\n"));
        CHECK(strstr(y, "\nname: h2\n"));
        /* REST API: the cluster address, TLS, client certificates */
        CHECK(strstr(y, "  listen: '10.77.0.2:8008'\n  connect_address: '10.77.0.2:8008'\n"));
        CHECK(strstr(y, "  certfile: /run/credentials/patroni.service/dgo-cluster.crt\n"));
        CHECK(strstr(y, "  keyfile: /run/credentials/patroni.service/dgo-cluster.key\n"));
        CHECK(strstr(y, "  cafile: /run/credentials/patroni.service/dgo-cluster-ca.crt\n"));
        CHECK(strstr(y, "  verify_client: required\n"));
        /* etcd v3 over TLS at every member */
        CHECK(strstr(y, "etcd3:\n  use_proxies: true\n  protocol: https\n"));
        CHECK(strstr(y, "  cacert: /run/credentials/patroni.service/dgo-cluster-ca.crt\n"));
        CHECK(strstr(y, "  cert: /run/credentials/patroni.service/dgo-cluster.crt\n"));
        CHECK(strstr(y, "  key: /run/credentials/patroni.service/dgo-cluster.key\n"));
        /* this host's own member first, then the others in their order */
        CHECK(strstr(y, "  hosts:\n  - '10.77.0.2:2379'\n  - '10.77.0.1:2379'\n  - '10.77.0.3:2379'\n"));
        CHECK(strstr(y, "  basebackup:\n  - checkpoint: fast\n"));
        /* timings */
        ttl = value_of(y, "\n    ttl: ");
        loop = value_of(y, "\n    loop_wait: ");
        retry = value_of(y, "\n    retry_timeout: ");
        CHECK(ttl == PATRONI_TTL && loop == PATRONI_LOOP_WAIT && retry == PATRONI_RETRY_TIMEOUT);
        CHECK(loop >= 1 && retry >= 1 && loop + 2 * retry <= ttl);
        CHECK(ttl <= 15);       /* the issue: Patroni's 30 s default fails over in about 30 s */
        CHECK(strstr(y, "    synchronous_mode: true\n"));
        CHECK(strstr(y, "    synchronous_node_count: 1\n"));
        CHECK(strstr(y, "    synchronous_mode_strict: false\n"));
        CHECK(strstr(y, "    maximum_lag_on_failover: 1048576\n"));
        CHECK(strstr(y, "      use_pg_rewind: true\n"));
        CHECK(strstr(y, "        wal_level: replica\n"));
        CHECK(strstr(y, "        synchronous_commit: 'on'\n"));
        CHECK(strstr(y, "        wal_log_hints: 'on'\n"));
        CHECK(strstr(y, "        hot_standby: 'on'\n"));
        CHECK(strstr(y, "        wal_sender_timeout: 5s\n"));
        /* PostgreSQL: the cluster address, TLS with the host's certificate */
        CHECK(strstr(y, "postgresql:\n  listen: '10.77.0.2:5432'\n  connect_address: '10.77.0.2:5432'\n"));
        CHECK(strstr(y, "    ssl: 'on'\n"));
        CHECK(strstr(y, "    ssl_cert_file: /run/credentials/patroni.service/dgo-cluster.crt\n"));
        CHECK(strstr(y, "    ssl_key_file: /run/credentials/patroni.service/dgo-cluster.key\n"));
        CHECK(strstr(y, "    ssl_ca_file: /run/credentials/patroni.service/dgo-cluster-ca.crt\n"));
        CHECK(strstr(y, "    unix_socket_directories: '/run/dgo-patroni'\n"));
        CHECK(!strstr(y, "0.0.0.0") && !strstr(y, "127.0.0.1") && !strstr(y, "'*"));
        /* pg_hba: peer for the local superuser, else TLS + scram from the cluster's addresses */
        CHECK(strstr(y, "  pg_hba:\n  - local all postgres peer\n"));
        CHECK(count(y, "\n  - local ") == 1);
        CHECK(count(y, "\n  - hostssl ") == 9);
        CHECK(count(y, "\n  - host ") == 0);
        CHECK(count(y, "/32 scram-sha-256\n") == 9);
        CHECK(!strstr(y, "trust") && !strstr(y, " md5"));
        for (size_t i = 0; i < 3; i++) {
                char line[128];
                snprintf(line, sizeof line, "  - hostssl replication replicator %s/32 scram-sha-256\n", h.addresses[i]);
                CHECK(strstr(y, line));
                snprintf(line, sizeof line, "  - hostssl dgo dgo %s/32 scram-sha-256\n", h.addresses[i]);
                CHECK(strstr(y, line));
                snprintf(line, sizeof line, "  - hostssl all postgres %s/32 scram-sha-256\n", h.addresses[i]);
                CHECK(strstr(y, line));
        }
        /* the passwords, each where it belongs, and verified TLS for the members' own connections */
        CHECK(strstr(y, "    superuser:\n      username: postgres\n      password: 'afb9a56c"));
        CHECK(strstr(y, "    replication:\n      username: replicator\n      password: '21922383"));
        CHECK(strstr(y, "  users:\n    dgo:\n      password: '00b0046e"));
        CHECK(count(y, "      sslmode: verify-full\n") == 2);
        CHECK(strstr(y, "CREATE DATABASE dgo OWNER dgo"));
        CHECK(strstr(y, "  mode: 'off'\n"));
        free(y);

        /* refused */
        h.name = "H2";
        CHECK(patroni_yaml_format(&h) == NULL);
        h.name = "h2";
        h.address = "10.77.0.9";
        CHECK(patroni_yaml_format(&h) == NULL);         /* not among the cluster's */
        h.address = "10.77.0.2";
        h.addresses[2] = "10.77.0.2";
        CHECK(patroni_yaml_format(&h) == NULL);         /* twice */
        h.addresses[2] = "127.0.0.1";
        CHECK(patroni_yaml_format(&h) == NULL);
        h.addresses[2] = "fd00::3";
        CHECK(patroni_yaml_format(&h) == NULL);         /* IPv6: not yet */
        h.addresses[2] = "10.77.0.3";
        h.n_addresses = 0;
        CHECK(patroni_yaml_format(&h) == NULL);
        h.n_addresses = 3;
        h.pw = NULL;
        CHECK(patroni_yaml_format(&h) == NULL);
        h.pw = &pw;
        y = patroni_yaml_format(&h);
        CHECK(y != NULL);
        free(y);
        patroni_passwords_wipe(&pw);
}

static void test_dropin(void) {
        const char *d = patroni_dropin;

        CHECK(strstr(d, "[Unit]\nConditionPathExists=\nConditionPathExists=/etc/patroni/dgo.yml\n"));
        CHECK(strstr(d, "LoadCredential=dgo-patroni.yml:/etc/patroni/dgo.yml\n"));
        CHECK(strstr(d, "LoadCredential=dgo-cluster-ca.crt:/etc/credstore/dgo-cluster-ca.crt\n"));
        CHECK(strstr(d, "LoadCredential=dgo-cluster.crt:/etc/credstore/dgo-cluster.crt\n"));
        CHECK(strstr(d, "LoadCredential=dgo-cluster.key:/etc/credstore/dgo-cluster.key\n"));
        CHECK(strstr(d, "ExecStart=\nExecStart=/usr/bin/patroni %d/dgo-patroni.yml\n"));
        CHECK(strstr(d, "RuntimeDirectory=dgo-patroni\n"));
}

static void test_url_address(void) {
        char a[64];

        CHECK(cluster_url_address("https://10.77.0.3:2380", a, sizeof a) == 0);
        CHECK_STR(a, "10.77.0.3");
        CHECK(cluster_url_address("https://[fd00::1]:2380", a, sizeof a) == 0);
        CHECK_STR(a, "fd00::1");
        CHECK(cluster_url_address("10.77.0.3:2380", a, sizeof a) == -EINVAL);
        CHECK(cluster_url_address("https://:2380", a, sizeof a) == -EINVAL);
        CHECK(cluster_url_address("https://10.77.0.3:2380", a, 4) == -EINVAL);
}

static void test_etcd_addresses(void) {
        struct cluster_conf conf = { .n_etcd = 4 };
        char addr[CLUSTER_ETCD_MAX][CLUSTER_URL_MAX + 1];

        strcpy(conf.etcd[0], "https://10.77.0.2:2379");
        strcpy(conf.etcd[1], "https://10.77.0.1:2379");
        strcpy(conf.etcd[2], "https://10.77.0.2:2380");
        strcpy(conf.etcd[3], "https://10.77.0.3:2379");
        CHECK(cluster_etcd_addresses(&conf, addr) == 3);
        CHECK_STR(addr[0], "10.77.0.2");
        CHECK_STR(addr[1], "10.77.0.1");
        CHECK_STR(addr[2], "10.77.0.3");
        strcpy(conf.etcd[3], "10.77.0.3:2379");
        CHECK(cluster_etcd_addresses(&conf, addr) == -EINVAL);
        conf.n_etcd = 0;
        CHECK(cluster_etcd_addresses(&conf, addr) == 0);
}

#define CONNINFO3 \
        "host=10.77.0.1,10.77.0.2,10.77.0.3 port=5432 dbname=dgo user=dgo target_session_attrs=read-write " \
        "sslmode=verify-full sslrootcert=%d/dgo-cluster-ca.crt connect_timeout=2"

static void test_grading_conninfo(void) {
        const char *three[] = { "10.77.0.1", "10.77.0.2", "10.77.0.3" };
        const char *bad[] = { "10.77.0.1", NULL };
        const char *many[PATRONI_HOSTS_MAX + 1];
        char addrs[PATRONI_HOSTS_MAX + 1][16], buf[512];

        CHECK(patroni_grading_conninfo(three, 3, GRADING_PG_CA, buf, sizeof buf) == 0);
        CHECK_STR(buf, CONNINFO3);
        CHECK(patroni_grading_conninfo(three, 1, "/etc/credstore/dgo-cluster-ca.crt", buf, sizeof buf) == 0);
        CHECK_STR(buf, "host=10.77.0.1 port=5432 dbname=dgo user=dgo target_session_attrs=read-write "
                       "sslmode=verify-full sslrootcert=/etc/credstore/dgo-cluster-ca.crt connect_timeout=2");
        /* the exact length fits, one byte less does not */
        CHECK(patroni_grading_conninfo(three, 3, GRADING_PG_CA, buf, strlen(CONNINFO3) + 1) == 0);
        CHECK(patroni_grading_conninfo(three, 3, GRADING_PG_CA, buf, strlen(CONNINFO3)) == -ENOBUFS);
        CHECK(patroni_grading_conninfo(three, 3, GRADING_PG_CA, buf, 8) == -ENOBUFS);

        /* addresses refused */
        CHECK(patroni_grading_conninfo(three, 0, GRADING_PG_CA, buf, sizeof buf) == -EINVAL);
        for (size_t i = 0; i <= PATRONI_HOSTS_MAX; i++) {
                snprintf(addrs[i], sizeof addrs[i], "10.77.0.%zu", i + 1);
                many[i] = addrs[i];
        }
        CHECK(patroni_grading_conninfo(many, PATRONI_HOSTS_MAX, GRADING_PG_CA, buf, sizeof buf) == 0);
        CHECK(patroni_grading_conninfo(many, PATRONI_HOSTS_MAX + 1, GRADING_PG_CA, buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(bad, 2, GRADING_PG_CA, buf, sizeof buf) == -EINVAL);
        bad[1] = "10.77.0.1";
        CHECK(patroni_grading_conninfo(bad, 2, GRADING_PG_CA, buf, sizeof buf) == -EINVAL);     /* twice */
        bad[1] = "127.0.0.1";
        CHECK(patroni_grading_conninfo(bad, 2, GRADING_PG_CA, buf, sizeof buf) == -EINVAL);
        bad[1] = "fd00::2";
        CHECK(patroni_grading_conninfo(bad, 2, GRADING_PG_CA, buf, sizeof buf) == -EINVAL);     /* IPv6: not yet */
        bad[1] = "h2";
        CHECK(patroni_grading_conninfo(bad, 2, GRADING_PG_CA, buf, sizeof buf) == -EINVAL);
        bad[1] = "10.77.0.2 sslmode=disable";
        CHECK(patroni_grading_conninfo(bad, 2, GRADING_PG_CA, buf, sizeof buf) == -EINVAL);
        /* paths refused */
        CHECK(patroni_grading_conninfo(three, 3, "dgo-cluster-ca.crt", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "%h/ca.crt", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "%d", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "%d/%n.crt", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "/etc/my ca.crt", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "/etc/ca.crt\" sslmode=disable", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "/etc/$CA", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, NULL, buf, sizeof buf) == -EINVAL);
}

static void test_grading_dropin(void) {
        char *d;
        const char *exec;

        d = grading_pg_dropin_format("/usr/libexec/dgo/dgo-grading", CONNINFO3);
        CHECK(d != NULL);
        if (!d)
                return;
        CHECK(strstr(d, "\n[Unit]\n"));
        CHECK(strstr(d, "\n[Service]\n"));
        /* StartLimitIntervalSec= is the [Unit] section's */
        CHECK(strstr(d, "\nStartLimitIntervalSec=0\n") && strstr(d, "\nStartLimitIntervalSec=0\n") < strstr(d, "[Service]"));
        CHECK(strstr(d, "\nLoadCredential=dgo-pg-password:/etc/credstore/dgo-pg-password\n"));
        CHECK(strstr(d, "\nRestartSec=1s\n") > strstr(d, "[Service]"));
        /* ExecStart= reset first (else systemd refuses a second one for Type=notify), then ours */
        exec = strstr(d, "\nExecStart=\nExecStart=/usr/libexec/dgo/dgo-grading --backend postgresql --pg-conninfo \""
                         CONNINFO3 "\"\n");
        CHECK(exec && exec > strstr(d, "[Service]"));
        CHECK(count(d, "ExecStart=") == 2);
        /* each setting has its reason above it */
        CHECK(strstr(d, "#") && count(d, "\n# ") >= 8);
        for (const char *k = d; (k = strstr(k, "\n")) && k[1]; k++)
                if (k[1] != '#' && k[1] != '[' && k[1] != '\n' && strncmp(k + 1, "ExecStart=", 10) != 0) {
                        const char *before = k;     /* the line before a setting is a comment */
                        while (before > d && before[-1] != '\n')
                                before--;
                        CHECK(before[0] == '#');
                }
        free(d);

        /* refused: what a unit file would read otherwise */
        CHECK(grading_pg_dropin_format("dgo-grading", CONNINFO3) == NULL);
        CHECK(grading_pg_dropin_format("/usr/lib/dgo/dgo grading", CONNINFO3) == NULL);
        CHECK(grading_pg_dropin_format("/usr/lib/dgo/%n", CONNINFO3) == NULL);
        CHECK(grading_pg_dropin_format("/usr/libexec/dgo/dgo-grading", "host=a\" --store=/tmp/x \"") == NULL);
        CHECK(grading_pg_dropin_format("/usr/libexec/dgo/dgo-grading", "sslrootcert=$CA") == NULL);
        CHECK(grading_pg_dropin_format("/usr/libexec/dgo/dgo-grading", "sslrootcert=%h/ca") == NULL);
        CHECK(grading_pg_dropin_format("/usr/libexec/dgo/dgo-grading", "host=a\nExecStartPre=/bin/sh") == NULL);
        CHECK(grading_pg_dropin_format("/usr/libexec/dgo/dgo-grading", "host=a\\") == NULL);
        CHECK(grading_pg_dropin_format("/usr/libexec/dgo/dgo-grading", "") == NULL);
        CHECK(grading_pg_dropin_format(NULL, CONNINFO3) == NULL);
}

int main(void) {
        test_passwords();
        test_yaml();
        test_dropin();
        test_url_address();
        test_grading_conninfo();
        test_etcd_addresses();
        test_grading_dropin();
        return check_finish("dgoctl-patroni");
}
