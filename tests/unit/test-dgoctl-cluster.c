/* test-dgoctl-cluster.c - proves the pure parts of `dgoctl cluster`:
 *  - the certificates (checked with GnuTLS itself, not only with our own
 *    check): a host certificate chains to its CA and to no other, names
 *    DNS=NAME, IP=ADDRESS and IP=127.0.0.1, is digitalSignature for TLS
 *    server and client, not a CA; the CA is a CA (path length 0, keyCertSign)
 *    for about 10 years; pki_check_host() refuses another CA, name, address
 *    or key; pki_check_ca_key() refuses a key that is not the CA's;
 *  - etcd's initial-cluster string: parsed, formatted back the same, bad
 *    ones refused;
 *  - the etcd drop-in's text: every flag dgo relies on, TLS from %d;
 *  - the join bundle: written then parsed gives the same parts, the
 *    installation secret too; hostile or broken bundles (40-odd variants,
 *    a secret missing, not hex, too short or long, in capitals) are refused
 *    with a reason;
 *  - /etc/dgo/secret's text: 64 lowercase hex digits and a newline;
 *  - the registry's drop-in: IPAddressAllow= every etcd member's address;
 *  - the sockets for the other hosts: the address and port, named "cluster";
 *  - etcd's member lists as the 3.4 JSON gateway sends them. */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cluster_files.h"
#include "cluster_pki.h"

static char error[512];
#define SECRET "0123456789abcdef0123456789abcdef00112233445566778899aabbccddeeff"

static gnutls_x509_crt_t crt_of(const char *pem) {
        gnutls_x509_crt_t c;
        gnutls_datum_t d = { .data = (unsigned char *) pem, .size = (unsigned) strlen(pem) };

        if (gnutls_x509_crt_init(&c) < 0 || gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM) < 0)
                abort();
        return c;
}

/* "DNS:x IP:a.b.c.d ..." of C's subjectAltName. */
static void sans(gnutls_x509_crt_t c, char *buf, size_t size) {
        size_t at = 0;

        buf[0] = '\0';
        for (unsigned i = 0;; i++) {
                unsigned char v[256];
                size_t n = sizeof v;
                char ip[64];
                int type = gnutls_x509_crt_get_subject_alt_name(c, i, v, &n, NULL);
                if (type < 0)
                        break;
                if (type == GNUTLS_SAN_DNSNAME)
                        at += (size_t) snprintf(buf + at, size - at, "%sDNS:%.*s", at ? " " : "", (int) n, v);
                else if (type == GNUTLS_SAN_IPADDRESS && n == 4) {
                        snprintf(ip, sizeof ip, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
                        at += (size_t) snprintf(buf + at, size - at, "%sIP:%s", at ? " " : "", ip);
                }
        }
}

static void test_pki(void) {
        struct pki_pair ca = { 0 }, ca2 = { 0 }, host = { 0 }, other = { 0 };
        gnutls_x509_crt_t c, a;
        unsigned status = 99, usage = 0, critical = 0, ca_flag;
        int path_len = -2;
        char buf[256], oid[128];
        size_t n;
        time_t now = time(NULL);

        CHECK(pki_make_ca(&ca, error, sizeof error) == 0);
        CHECK(pki_make_ca(&ca2, error, sizeof error) == 0);
        CHECK(pki_make_host(&ca, "h1", "10.77.0.1", &host, error, sizeof error) == 0);
        CHECK(pki_make_host(&ca2, "h1", "10.77.0.1", &other, error, sizeof error) == 0);
        CHECK(strncmp(host.key_pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
        CHECK(strncmp(host.cert_pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);

        /* GnuTLS's own verdicts. */
        c = crt_of(host.cert_pem);
        a = crt_of(ca.cert_pem);
        CHECK(gnutls_x509_crt_verify(c, &a, 1, 0, &status) == 0 && status == 0);
        sans(c, buf, sizeof buf);
        CHECK_STR(buf, "DNS:h1 IP:10.77.0.1 IP:127.0.0.1");
        CHECK(gnutls_x509_crt_get_key_usage(c, &usage, &critical) >= 0 && usage == GNUTLS_KEY_DIGITAL_SIGNATURE);
        n = sizeof oid;
        CHECK(gnutls_x509_crt_get_key_purpose_oid(c, 0, oid, &n, NULL) >= 0 &&
              strcmp(oid, GNUTLS_KP_TLS_WWW_SERVER) == 0);
        n = sizeof oid;
        CHECK(gnutls_x509_crt_get_key_purpose_oid(c, 1, oid, &n, NULL) >= 0 &&
              strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0);
        CHECK(gnutls_x509_crt_get_basic_constraints(c, &critical, &ca_flag, &path_len) == 0);
        CHECK(gnutls_x509_crt_get_pk_algorithm(c, NULL) == GNUTLS_PK_ECDSA);
        CHECK(gnutls_x509_crt_get_expiration_time(c) <= gnutls_x509_crt_get_expiration_time(a));
        CHECK(gnutls_x509_crt_get_activation_time(c) < now);
        CHECK(gnutls_x509_crt_get_basic_constraints(a, &critical, &ca_flag, &path_len) == 1 && path_len == 0);
        CHECK(gnutls_x509_crt_get_key_usage(a, &usage, &critical) >= 0 && (usage & GNUTLS_KEY_KEY_CERT_SIGN));
        time_t years = (gnutls_x509_crt_get_expiration_time(a) - now) / (365 * 24 * 3600);
        CHECK(years >= 9 && years <= 10);
        gnutls_x509_crt_deinit(a);
        a = crt_of(ca2.cert_pem);
        status = 0;
        CHECK(gnutls_x509_crt_verify(c, &a, 1, 0, &status) < 0 || status != 0);   /* another CA's: no */
        gnutls_x509_crt_deinit(a);
        gnutls_x509_crt_deinit(c);

        /* Our check, as join uses it. */
        CHECK(pki_check_host(ca.cert_pem, host.cert_pem, host.key_pem, "h1", "10.77.0.1", error, sizeof error) == 0);
        CHECK(pki_check_host(ca2.cert_pem, host.cert_pem, host.key_pem, "h1", "10.77.0.1", error, sizeof error) < 0);
        CHECK(strstr(error, "not signed by the CA"));
        CHECK(pki_check_host(ca.cert_pem, host.cert_pem, host.key_pem, "h2", "10.77.0.1", error, sizeof error) < 0);
        CHECK(pki_check_host(ca.cert_pem, host.cert_pem, host.key_pem, "h1", "10.77.0.2", error, sizeof error) < 0);
        CHECK(pki_check_host(ca.cert_pem, host.cert_pem, other.key_pem, "h1", "10.77.0.1", error, sizeof error) < 0);
        CHECK(strstr(error, "not the host certificate's"));
        /* A host certificate posing as the CA. */
        CHECK(pki_check_host(host.cert_pem, host.cert_pem, host.key_pem, "h1", "10.77.0.1", error, sizeof error) < 0);
        CHECK(pki_check_host(ca.cert_pem, "junk", host.key_pem, "h1", "10.77.0.1", error, sizeof error) < 0);
        CHECK(pki_check_ca_key(ca.cert_pem, ca.key_pem, error, sizeof error) == 0);
        CHECK(pki_check_ca_key(ca.cert_pem, ca2.key_pem, error, sizeof error) < 0);
        pki_pair_done(&other);
        CHECK(pki_make_host(&ca, "h1", "not-an-ip", &other, error, sizeof error) == -EINVAL);

        /* IPv6. */
        CHECK(pki_make_host(&ca, "h6", "fd00::6", &other, error, sizeof error) == 0);
        CHECK(pki_check_host(ca.cert_pem, other.cert_pem, other.key_pem, "h6", "fd00::6", error, sizeof error) == 0);

        pki_pair_done(&ca);
        pki_pair_done(&ca2);
        pki_pair_done(&host);
        pki_pair_done(&other);
}

static void test_initial_cluster(void) {
        struct initial_cluster ic;
        char buf[4096];
        const char *good = "h1=https://10.77.0.1:2380,h2=https://10.77.0.2:2380,h3=https://[fd00::3]:2380";
        static const char *const bad[] = {
                "", ",", "h1", "h1=", "=https://10.0.0.1:2380", "H1=https://10.0.0.1:2380",
                "h1=http://10.0.0.1:2380", "h1=https://host.example:2380", "h1=https://10.0.0.1",
                "h1=https://10.0.0.1:2380/x", "h1=https://10.0.0.1:2380,h1=https://10.0.0.2:2380",
                "h1=https://10.0.0.1:2380,h2=https://10.0.0.1:2380",
                "a=https://10.0.0.1:1,b=https://10.0.0.2:1,c=https://10.0.0.3:1,d=https://10.0.0.4:1,"
                "e=https://10.0.0.5:1,f=https://10.0.0.6:1,g=https://10.0.0.7:1,h=https://10.0.0.8:1",
                "h1=https://10.0.0.1:2380 ,h2=https://10.0.0.2:2380",
        };

        CHECK(initial_cluster_parse(good, &ic, error, sizeof error) == 0);
        CHECK(ic.n == 3);
        CHECK(initial_cluster_format(&ic, buf, sizeof buf) == 0);
        CHECK_STR(buf, good);
        CHECK(initial_cluster_add(&ic, "h2", "https://10.77.0.9:2380") == -EEXIST);
        CHECK(initial_cluster_add(&ic, "h9", "https://10.77.0.1:2380") == -EEXIST);
        CHECK(initial_cluster_format(&ic, buf, 20) == -ENOBUFS);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                int r = initial_cluster_parse(bad[i], &ic, error, sizeof error);
                CHECK(r == -EINVAL);
                if (r != -EINVAL)
                        fprintf(stderr, "    accepted: %s\n", bad[i]);
        }
        CHECK(cluster_url("10.0.0.1", 2379, buf, sizeof buf) == 0);
        CHECK_STR(buf, "https://10.0.0.1:2379");
        CHECK(cluster_url("fd00::1", 2380, buf, sizeof buf) == 0);
        CHECK_STR(buf, "https://[fd00::1]:2380");
}

static void test_dropin(void) {
        char *init = etcd_dropin_format(&(struct etcd_dropin) {
                .name = "h1", .address = "10.77.0.1", .initial_cluster = "h1=https://10.77.0.1:2380",
                .new_cluster = true, .token = "dgo-0123" });
        char *join = etcd_dropin_format(&(struct etcd_dropin) {
                .name = "h2", .address = "10.77.0.2",
                .initial_cluster = "h1=https://10.77.0.1:2380,h2=https://10.77.0.2:2380" });
        static const char *const both[] = {
                "\n[Service]\n",
                "\nLoadCredential=dgo-cluster-ca.crt:/etc/credstore/dgo-cluster-ca.crt\n",
                "\nLoadCredential=dgo-cluster.crt:/etc/credstore/dgo-cluster.crt\n",
                "\nLoadCredential=dgo-cluster.key:/etc/credstore/dgo-cluster.key\n",
                "\nEnvironment=ETCD_DATA_DIR=/var/lib/etcd/dgo\n",
                "\nEnvironment=ETCD_CERT_FILE=%d/dgo-cluster.crt\n",
                "\nEnvironment=ETCD_KEY_FILE=%d/dgo-cluster.key\n",
                "\nEnvironment=ETCD_TRUSTED_CA_FILE=%d/dgo-cluster-ca.crt\n",
                "\nEnvironment=ETCD_CLIENT_CERT_AUTH=true\n",
                "\nEnvironment=ETCD_PEER_CERT_FILE=%d/dgo-cluster.crt\n",
                "\nEnvironment=ETCD_PEER_KEY_FILE=%d/dgo-cluster.key\n",
                "\nEnvironment=ETCD_PEER_TRUSTED_CA_FILE=%d/dgo-cluster-ca.crt\n",
                "\nEnvironment=ETCD_PEER_CLIENT_CERT_AUTH=true\n",
                "\nEnvironment=ETCD_PRE_VOTE=true\n",
                "\nEnvironment=ETCD_HEARTBEAT_INTERVAL=100\n",
                "\nEnvironment=ETCD_ELECTION_TIMEOUT=1000\n",
                "\nEnvironment=ETCD_AUTO_COMPACTION_MODE=periodic\n",
                "\nEnvironment=ETCD_AUTO_COMPACTION_RETENTION=1h\n",
                "\nTimeoutStopSec=5s\n",
        };

        CHECK(init && join);
        if (!init || !join)
                return;
        for (size_t i = 0; i < sizeof both / sizeof both[0]; i++) {
                CHECK(strstr(init, both[i]));
                CHECK(strstr(join, both[i]));
        }
        CHECK(strstr(init, "\nEnvironment=ETCD_NAME=h1\n"));
        CHECK(strstr(init, "\nEnvironment=ETCD_LISTEN_PEER_URLS=https://10.77.0.1:2380\n"));
        CHECK(strstr(init, "\nEnvironment=ETCD_INITIAL_ADVERTISE_PEER_URLS=https://10.77.0.1:2380\n"));
        CHECK(strstr(init, "\nEnvironment=ETCD_LISTEN_CLIENT_URLS=https://10.77.0.1:2379,https://127.0.0.1:2379\n"));
        CHECK(strstr(init, "\nEnvironment=ETCD_ADVERTISE_CLIENT_URLS=https://10.77.0.1:2379\n"));
        CHECK(strstr(init, "\nEnvironment=ETCD_INITIAL_CLUSTER=h1=https://10.77.0.1:2380\n"));
        CHECK(strstr(init, "\nEnvironment=ETCD_INITIAL_CLUSTER_STATE=new\n"));
        CHECK(strstr(init, "\nEnvironment=ETCD_INITIAL_CLUSTER_TOKEN=dgo-0123\n"));
        CHECK(strstr(join, "\nEnvironment=ETCD_NAME=h2\n"));
        CHECK(strstr(join, "\nEnvironment=ETCD_INITIAL_CLUSTER=h1=https://10.77.0.1:2380,h2=https://10.77.0.2:2380\n"));
        CHECK(strstr(join, "\nEnvironment=ETCD_INITIAL_CLUSTER_STATE=existing\n"));
        CHECK(!strstr(join, "TOKEN"));
        CHECK(!strstr(init, "http://"));        /* nothing in clear */
        CHECK(!strstr(join, "http://"));
        free(init);
        free(join);
}

/* A good bundle's text for h2, from real certificates. */
static char *good_bundle(struct pki_pair *ca) {
        struct cluster_bundle b = { 0 };
        struct pki_pair host = { 0 };
        char *text;

        CHECK(pki_make_host(ca, "h2", "10.77.0.2", &host, error, sizeof error) == 0);
        snprintf(b.host, sizeof b.host, "h2");
        CHECK(initial_cluster_parse("h1=https://10.77.0.1:2380,h2=https://10.77.0.2:2380", &b.initial, error,
                                    sizeof error) == 0);
        b.conf = (struct cluster_conf) { .host = "h2", .address = "10.77.0.2", .lease_sec = 20, .n_etcd = 2,
                                         .etcd = { "https://10.77.0.1:2379", "https://10.77.0.2:2379" } };
        b.ca_pem = strdup(ca->cert_pem);
        b.cert_pem = host.cert_pem;
        b.key_pem = host.key_pem;
        snprintf(b.secret, sizeof b.secret, SECRET);
        text = bundle_format(&b);
        bundle_done(&b);
        return text;
}

/* TEXT with the first FROM replaced by TO (malloc'd). */
static char *replace(const char *text, const char *from, const char *to) {
        const char *at = strstr(text, from);
        char *s;

        if (!at)
                abort();
        if (asprintf(&s, "%.*s%s%s", (int) (at - text), text, to, at + strlen(from)) < 0)
                abort();
        return s;
}

static void test_bundle(void) {
        struct pki_pair ca = { 0 };
        struct cluster_bundle b;
        char *text, *twice;

        CHECK(pki_make_ca(&ca, error, sizeof error) == 0);
        text = good_bundle(&ca);
        CHECK(text != NULL);
        if (!text)
                return;
        CHECK(bundle_parse(text, strlen(text), &b, error, sizeof error) == 0);
        CHECK_STR(b.host, "h2");
        CHECK(b.initial.n == 2);
        CHECK_STR(b.conf.host, "h2");
        CHECK_STR(b.conf.address, "10.77.0.2");
        CHECK(b.conf.lease_sec == 20 && b.conf.n_etcd == 2);
        CHECK_STR(b.ca_pem, ca.cert_pem);
        CHECK(b.key_pem && strstr(b.key_pem, "-----BEGIN PRIVATE KEY-----\n"));
        CHECK_STR(b.secret, SECRET);
        CHECK(strstr(text, "\n--- secret\n" SECRET "\n--- end\n"));
        CHECK(strstr(text, "private key and the cluster's installation secret"));
        CHECK(pki_check_host(b.ca_pem, b.cert_pem, b.key_pem, b.host, b.conf.address, error, sizeof error) == 0);
        /* Written again from what was parsed: the same text. */
        twice = bundle_format(&b);
        CHECK_STR(twice, text);
        free(twice);
        bundle_done(&b);

        static const struct { const char *from, *to, *why; } hostile[] = {
                { "dgo-cluster-bundle 1\n", "dgo-cluster-bundle 2\n", "not a dgo cluster bundle" },
                { "dgo-cluster-bundle 1\n", "", "not a dgo cluster bundle" },
                { "host h2\n", "host H2\n", "not 'host NAME'" },
                { "host h2\n", "host h2 \n", "not 'host NAME'" },
                { "host h2\n", "host h3\n", "cluster.conf is for host 'h2', the bundle for 'h3'" },
                { "host h2\n", "", "not 'host NAME'" },
                { "initial-cluster h1=https://10.77.0.1:2380,h2=https://10.77.0.2:2380",
                  "initial-cluster h1=https://10.77.0.1:2380", "does not name host h2" },
                { "initial-cluster h1=https://10.77.0.1:2380,h2=https://10.77.0.2:2380",
                  "initial-cluster h2=https://10.77.0.2:2380", "no other host" },
                { "h2=https://10.77.0.2:2380", "h2=https://10.77.0.9:2380", "gives h2 the peer URL" },
                { "h1=https://10.77.0.1:2380", "h1=http://10.77.0.1:2380", "not https://ADDRESS:PORT" },
                { "h1=https://10.77.0.1:2380", "h1=https://10.77.0.1:2380\nx", "expected '--- cluster.conf'" },
                { "--- cluster.conf\n", "--- cluster.conf\n[Evil]\n", "unknown section" },
                { "--- cluster.conf\n", "", "expected '--- cluster.conf'" },
                { "Host=h2\n", "Host=h2\nHost=h2\n", "Host given twice" },
                { "Host=h2\n", "", "Host= is missing" },
                { "Address=10.77.0.2\n", "Address=127.0.0.1\n", "Address must be" },
                { "Etcd=https://10.77.0.1:2379 https://10.77.0.2:2379\n", "Etcd=https://10.77.0.1:2379\n",
                  "does not list https://10.77.0.2:2379" },
                { "--- ca.crt\n", "--- host.crt\n", "expected '--- ca.crt'" },
                { "--- ca.crt\n-----BEGIN CERTIFICATE-----\n", "--- ca.crt\n-----BEGIN PRIVATE KEY-----\n",
                  "not one PEM block of CERTIFICATE" },
                { "-----END CERTIFICATE-----\n--- host.crt", "-----END CERTIFICATE-----\n\n--- host.crt",
                  "not one PEM block" },
                { "-----END CERTIFICATE-----\n--- host.crt",
                  "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n--- host.crt",
                  "not one PEM block" },
                { "--- host.key\n-----BEGIN PRIVATE KEY-----\n", "--- host.key\n-----BEGIN EC PRIVATE KEY-----\n",
                  "not one PEM block of PRIVATE KEY" },
                { "--- host.key\n-----BEGIN PRIVATE KEY-----\n", "--- host.key\n-----BEGIN PRIVATE KEY-----\n*\n",
                  "not one PEM block" },
                { "--- host.key\n", "--- host.key\n--- host.key\n", "not one PEM block" },
                { "--- secret\n" SECRET "\n", "", "expected '--- secret'" },
                { "--- secret\n", "", "section host.key is not one PEM block" },
                { "--- secret\n", "--- secret\n\n", "section secret is not one line" },
                { "--- secret\n" SECRET "\n", "--- secret\n--- end\n", "section secret is not one line" },
                { "--- secret\n" SECRET "\n", "--- secret\n" SECRET "\n" SECRET "\n",
                  "section secret is not one line" },
                { "--- secret\n0123", "--- secret\n0g23", "section secret is not one line" },
                { "--- secret\n0123", "--- secret\n 123", "section secret is not one line" },
                { "--- secret\n0123", "--- secret\n123", "section secret is not one line" },
                { "--- secret\n0123", "--- secret\n00123", "section secret is not one line" },
                { "--- secret\n" SECRET, "--- secret\n" SECRET "0", "section secret is not one line" },
                { "--- secret\n0123456789abcdef", "--- secret\n0123456789ABCDEF", "section secret is not one line" },
                { "--- secret\n0123456789abcdef", "--- secret\n0x23456789abcdef", "section secret is not one line" },
                { "--- host.key\n", "--- secret\n" SECRET "\n--- host.key\n", "expected '--- host.key'" },
                { "--- end\n", "", "expected '--- end'" },
                { "--- end\n", "--- end\nmore\n", "text after '--- end'" },
                { "--- end\n", "--- end\n\n", "text after '--- end'" },
                { "--- end\n", "--- end", "does not end with a newline" },
                { "--- end\n", "--- end\r\n", "not printable ASCII" },
                { "host h2\n", "host h\xc3\xa9\n", "not printable ASCII" },
                { "host h2\n", "host h2\t\n", "not printable ASCII" },
                { "host h2\n", "# late comment\nhost h2\n", "not 'host NAME'" },
                { "LeaseSec=20\n", "LeaseSec=1\n", "LeaseSec must be" },
        };
        for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
                char *bad = replace(text, hostile[i].from, hostile[i].to);
                int r = bundle_parse(bad, strlen(bad), &b, error, sizeof error);
                CHECK(r == -EINVAL);
                if (r != -EINVAL || !strstr(error, hostile[i].why)) {
                        CHECK(!"wrong reason");
                        fprintf(stderr, "    hostile %zu: r=%d '%s', want '%s'\n", i, r, error, hostile[i].why);
                }
                CHECK(!b.key_pem && !b.ca_pem);         /* nothing left behind */
                free(bad);
        }
        /* A NUL byte inside, and a bundle too large. */
        char *nul = strdup(text);
        nul[strlen(nul) / 2] = '\0';
        size_t len = strlen(text);
        CHECK(bundle_parse(nul, len, &b, error, sizeof error) == -EINVAL);
        free(nul);
        char *big = malloc(BUNDLE_MAX + 2);
        memset(big, 'a', BUNDLE_MAX + 1);
        big[BUNDLE_MAX] = '\n';
        big[BUNDLE_MAX + 1] = '\0';
        CHECK(bundle_parse(big, BUNDLE_MAX + 1, &b, error, sizeof error) == -EINVAL);
        CHECK(strstr(error, "larger than"));
        free(big);
        CHECK(bundle_parse("", 0, &b, error, sizeof error) == -EINVAL);

        /* Parsed well, but the certificate is another host's: join's second check. */
        CHECK(bundle_parse(text, strlen(text), &b, error, sizeof error) == 0);
        CHECK(pki_check_host(b.ca_pem, b.cert_pem, b.key_pem, "h3", b.conf.address, error, sizeof error) < 0);
        bundle_done(&b);
        free(text);
        pki_pair_done(&ca);
}

static void test_secret(void) {
        char secret[CLUSTER_SECRET_HEX + 1];
        static const char *const bad[] = {
                "", "\n", SECRET "\n\n", " " SECRET, SECRET " ", SECRET "\r\n",
                "0123456789ABCDEF0123456789abcdef00112233445566778899aabbccddeeff\n",
                "0123456789abcdef0123456789abcdef00112233445566778899aabbccddeef\n",
                SECRET "0\n", "0123456789abcdef0123456789abcdef00112233445566778899aabbccddeeg\n",
        };

        CHECK(cluster_secret_parse(SECRET "\n", strlen(SECRET "\n"), secret) == 0);
        CHECK_STR(secret, SECRET);
        CHECK(cluster_secret_parse(SECRET, strlen(SECRET), secret) == 0);
        CHECK_STR(secret, SECRET);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                int r = cluster_secret_parse(bad[i], strlen(bad[i]), secret);
                CHECK(r == -EINVAL);
                if (r != -EINVAL)
                        fprintf(stderr, "    accepted secret %zu\n", i);
        }
        /* A NUL inside. */
        char nul[] = SECRET "\n";
        nul[10] = '\0';
        CHECK(cluster_secret_parse(nul, sizeof nul - 1, secret) == -EINVAL);
        CHECK(cluster_secret_valid(SECRET) && !cluster_secret_valid("") && !cluster_secret_valid(SECRET "0"));
}

static void test_registry_dropin(void) {
        struct cluster_conf conf = { .host = "h2", .address = "10.77.0.2", .lease_sec = 15, .n_etcd = 4,
                                     .etcd = { "https://10.77.0.1:2379", "https://10.77.0.2:2379",
                                               "https://[fd00::3]:2379", "http://10.77.0.1:12379" } };
        char *text = registry_dropin_format(&conf);

        CHECK(text != NULL);
        if (text) {
                CHECK(strstr(text, "\n[Service]\nIPAddressAllow=10.77.0.1 10.77.0.2 fd00::3\n"));
                CHECK(strstr(text, "dgoctl"));
                CHECK(!strstr(text, "IPAddressDeny"));
                CHECK(text[strlen(text) - 1] == '\n');
                /* Every other line a comment: the [Service] line, the one setting. */
                size_t settings = 0;
                for (const char *l = text; *l; l = strchr(l, '\n') + 1)
                        settings += *l != '#';
                CHECK(settings == 2);
        }
        free(text);
        conf.n_etcd = 1;
        text = registry_dropin_format(&conf);
        CHECK(text && strstr(text, "\nIPAddressAllow=10.77.0.1\n"));
        free(text);
        conf.n_etcd = 0;
        CHECK(registry_dropin_format(&conf) == NULL);
        conf.n_etcd = 1;
        snprintf(conf.etcd[0], sizeof conf.etcd[0], "https://:2379");
        CHECK(registry_dropin_format(&conf) == NULL);
}

static void test_cluster_socket(void) {
        char *text = cluster_socket_format("dgo-grading", "10.77.0.2", 6000);

        CHECK(text != NULL);
        if (text) {
                CHECK(strstr(text, "\n[Socket]\nListenStream=10.77.0.2:6000\n"));
                CHECK(strstr(text, "\nFileDescriptorName=cluster\n"));
                CHECK(strstr(text, "\nService=dgo-grading.service\n"));
                CHECK(strstr(text, "\nFreeBind=yes\n"));
                CHECK(strstr(text, "\n[Install]\nWantedBy=sockets.target dgo.target\n"));
                CHECK(text[strlen(text) - 1] == '\n');
        }
        free(text);
        text = cluster_socket_format("dgo-log", "fd00::3", 4000);
        CHECK(text && strstr(text, "\nListenStream=[fd00::3]:4000\n") && strstr(text, "\nService=dgo-log.service\n"));
        free(text);
}

static void test_members(void) {
        /* etcd 3.4.23's member/add answer with a member not started yet. */
        const char *add =
                "{\"header\":{\"cluster_id\":\"14841639068965178418\",\"member_id\":\"10276657743932975437\","
                "\"raft_term\":\"2\"},\"member\":{\"ID\":\"1609966301281233446\",\"peerURLs\":"
                "[\"https://10.77.0.2:2380\"]},\"members\":[{\"ID\":\"1609966301281233446\",\"peerURLs\":"
                "[\"https://10.77.0.2:2380\"]},{\"ID\":\"10276657743932975437\",\"name\":\"h1\",\"peerURLs\":"
                "[\"https://10.77.0.1:2380\"],\"clientURLs\":[\"https://10.77.0.1:2379\"]}]}";
        struct etcd_members ms;
        unsigned long long v;

        CHECK(etcd_members_parse(add, strlen(add), &ms, error, sizeof error) == 0);
        CHECK(ms.n == 2);
        CHECK(ms.added_id == 1609966301281233446ull);
        CHECK_STR(ms.m[0].name, "");
        CHECK_STR(ms.m[0].client_url, "");
        CHECK_STR(ms.m[1].name, "h1");
        CHECK(ms.m[1].id == 10276657743932975437ull);
        CHECK_STR(ms.m[1].client_url, "https://10.77.0.1:2379");
        CHECK(ms.m[1].n_peer_urls == 1 && !ms.m[1].learner);

        static const char *const bad[] = {
                "", "{}", "{\"members\":{}}", "{\"members\":[{}]}",
                "{\"members\":[{\"ID\":\"x\",\"peerURLs\":[\"https://10.0.0.1:2380\"]}]}",
                "{\"members\":[{\"ID\":\"1\"}]}",
                "{\"members\":[{\"ID\":\"1\",\"peerURLs\":[\"https://evil.example:2380\"]}]}",
                "{\"members\":[{\"ID\":\"1\",\"name\":\"../x\",\"peerURLs\":[\"https://10.0.0.1:2380\"]}]}",
                "{\"members\":[{\"ID\":\"1\",\"peerURLs\":[\"https://10.0.0.1:2380\"],\"clientURLs\":[\"x\"]}]}",
                "{\"member\":{},\"members\":[]}",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                CHECK(etcd_members_parse(bad[i], strlen(bad[i]), &ms, error, sizeof error) == -EINVAL);
        CHECK(etcd_u64("18446744073709551615", &v) == 0 && v == 18446744073709551615ull);
        CHECK(etcd_u64("18446744073709551616", &v) < 0);
        CHECK(etcd_u64("-1", &v) < 0 && etcd_u64("", &v) < 0 && etcd_u64(NULL, &v) < 0);
}

int main(void) {
        test_pki();
        test_initial_cluster();
        test_dropin();
        test_bundle();
        test_secret();
        test_registry_dropin();
        test_cluster_socket();
        test_members();
        return check_finish("dgoctl-cluster");
}
