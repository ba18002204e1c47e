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
 *  - the grading book's connection string: every host in order, port 5432,
 *    database and user dgo, the primary found (read-write), TLS checked
 *    against the CA given (verify-full), no password; refused: no host, too
 *    many, one twice, IPv6, loopback, a CA path that is relative or holds
 *    white space or a quote; a buffer one byte short: -ENOBUFS;
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

static void test_grading_conninfo(void) {
        const char *three[] = { "10.77.0.1", "10.77.0.2", "10.77.0.3" };
        const char *twice[] = { "10.77.0.1", "10.77.0.1" };
        const char *v6[] = { "fd00::1" };
        const char *loopback[] = { "127.0.0.1" };
        const char *many[PATRONI_HOSTS_MAX + 1];
        char many_text[PATRONI_HOSTS_MAX + 1][16];
        static const char expect[] = "host=10.77.0.1,10.77.0.2,10.77.0.3 port=5432 dbname=dgo user=dgo "
                                     "target_session_attrs=read-write sslmode=verify-full "
                                     "sslrootcert=/etc/credstore/dgo-cluster-ca.crt connect_timeout=2";
        const char *ca = CREDSTORE "/" CRED_CA;
        char buf[PATRONI_CONNINFO_MAX];

        for (size_t i = 0; i < ELEMENTSOF(many); i++) {
                snprintf(many_text[i], sizeof many_text[i], "10.0.0.%zu", i + 1);
                many[i] = many_text[i];
        }
        CHECK(patroni_grading_conninfo(three, 3, ca, buf, sizeof buf) == (int) strlen(expect));
        CHECK_STR(buf, expect);
        CHECK(!strstr(buf, "password"));
        CHECK(patroni_grading_conninfo(three, 1, ca, buf, sizeof buf) > 0);
        CHECK(strncmp(buf, "host=10.77.0.1 port=5432 ", 25) == 0);
        CHECK(patroni_grading_conninfo(three, 3, ca, buf, sizeof expect) == (int) strlen(expect));
        CHECK(patroni_grading_conninfo(three, 3, ca, buf, sizeof expect - 1) == -ENOBUFS);
        CHECK(patroni_grading_conninfo(three, 0, ca, buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(many, PATRONI_HOSTS_MAX, ca, buf, sizeof buf) > 0);
        CHECK(patroni_grading_conninfo(many, PATRONI_HOSTS_MAX + 1, ca, buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(twice, 2, ca, buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(v6, 1, ca, buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(loopback, 1, ca, buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "ca.crt", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "/etc/my ca.crt", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, "/etc/ca.crt' sslmode=disable", buf, sizeof buf) == -EINVAL);
        CHECK(patroni_grading_conninfo(three, 3, NULL, buf, sizeof buf) == -EINVAL);
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

int main(void) {
        test_passwords();
        test_yaml();
        test_dropin();
        test_url_address();
        test_grading_conninfo();
        test_etcd_addresses();
        return check_finish("dgoctl-patroni");
}
