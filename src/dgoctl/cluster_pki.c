/* cluster_pki.c - see cluster_pki.h. */
#include "cluster_pki.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/macros.h"

#define DAY_SEC (24 * 3600)
/* Certificates start an hour in the past: the hosts' clocks may differ a
 * little, and a certificate "not yet valid" on the host that receives it
 * would be refused for no good reason. */
#define BACKDATE_SEC 3600

DEFINE_POINTER_CLEANUP(gnutls_x509_crt_t, gnutls_x509_crt_deinit)
DEFINE_POINTER_CLEANUP(gnutls_x509_privkey_t, gnutls_x509_privkey_deinit)

static int fail(char *error, size_t size, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *error, size_t size, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(error, size, fmt, ap);
        va_end(ap);
        return r;
}

/* "what: GnuTLS's reason" for a GnuTLS error R. */
#define GT(r, what) fail(error, error_size, -EIO, "%s: %s", what, gnutls_strerror(r))

void pki_pair_done(struct pki_pair *p) {
        if (p->key_pem) {
                explicit_bzero(p->key_pem, strlen(p->key_pem));
                free(p->key_pem);
        }
        free(p->cert_pem);
        *p = (struct pki_pair) { 0 };
}

/* A copy of D as a NUL-terminated malloc'd string; D wiped and freed. */
static char *take_datum(gnutls_datum_t *d) {
        char *s = malloc(d->size + 1);

        if (s) {
                memcpy(s, d->data, d->size);
                s[d->size] = '\0';
        }
        explicit_bzero(d->data, d->size);
        gnutls_free(d->data);
        *d = (gnutls_datum_t) { 0 };
        return s;
}

static gnutls_datum_t datum_of(const char *pem) {
        return (gnutls_datum_t) { .data = (unsigned char *) pem, .size = (unsigned) strlen(pem) };
}

static int import_crt(const char *pem, gnutls_x509_crt_t *ret) {
        gnutls_datum_t d = datum_of(pem);
        int r = gnutls_x509_crt_init(ret);

        if (r < 0)
                return r;
        return gnutls_x509_crt_import(*ret, &d, GNUTLS_X509_FMT_PEM);
}

static int import_key(const char *pem, gnutls_x509_privkey_t *ret) {
        gnutls_datum_t d = datum_of(pem);
        int r = gnutls_x509_privkey_init(ret);

        if (r < 0)
                return r;
        return gnutls_x509_privkey_import2(*ret, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
}

/* The address in binary for a SAN: 4 or 16 bytes in BUF, its length, or -EINVAL. */
static int address_bytes(const char *address, unsigned char buf[static 16]) {
        if (inet_pton(AF_INET, address, buf) == 1)
                return 4;
        if (inet_pton(AF_INET6, address, buf) == 1)
                return 16;
        return -EINVAL;
}

/* What a CA and a host certificate share: version, a random serial, times,
 * the subject CN, the key and its ID. */
static int crt_common(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn, time_t not_after) {
        unsigned char serial[20], id[64];
        size_t id_size = sizeof id;
        time_t now = time(NULL);
        int r;

        /* RFC 5280: a positive serial of at most 20 bytes, unpredictable
         * (random serials are what made chosen-prefix collisions useless). */
        r = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
        if (r < 0)
                return r;
        serial[0] = (unsigned char) ((serial[0] & 0x7f) | 0x01);
        if ((r = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
            (r = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
            (r = gnutls_x509_crt_set_activation_time(crt, now - BACKDATE_SEC)) < 0 ||
            (r = gnutls_x509_crt_set_expiration_time(crt, not_after)) < 0 ||
            (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned) strlen(cn))) < 0 ||
            (r = gnutls_x509_crt_set_key(crt, key)) < 0 ||
            (r = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA1, id, &id_size)) < 0 ||
            (r = gnutls_x509_crt_set_subject_key_id(crt, id, id_size)) < 0)
                return r;
        return 0;
}

static int new_key(gnutls_x509_privkey_t *key) {
        int r = gnutls_x509_privkey_init(key);

        if (r < 0)
                return r;
        return gnutls_x509_privkey_generate2(*key, GNUTLS_PK_ECDSA,
                                             GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0);
}

static int export_pair(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, struct pki_pair *ret) {
        gnutls_datum_t c = { 0 }, k = { 0 };
        int r;

        r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c);
        if (r < 0)
                return r;
        r = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &k);
        if (r < 0) {
                gnutls_free(c.data);
                return r;
        }
        ret->cert_pem = take_datum(&c);
        ret->key_pem = take_datum(&k);
        if (!ret->cert_pem || !ret->key_pem) {
                pki_pair_done(ret);
                return GNUTLS_E_MEMORY_ERROR;
        }
        return 0;
}

int pki_make_ca(struct pki_pair *ca, char *error, size_t error_size) {
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t key = NULL;
        _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t crt = NULL;
        unsigned char tag[6];
        char cn[64];
        int r;

        *ca = (struct pki_pair) { 0 };
        r = gnutls_rnd(GNUTLS_RND_NONCE, tag, sizeof tag);
        if (r < 0)
                return GT(r, "random bytes");
        snprintf(cn, sizeof cn, "dgo cluster CA %02x%02x%02x%02x%02x%02x", tag[0], tag[1], tag[2], tag[3], tag[4],
                 tag[5]);
        if ((r = new_key(&key)) < 0)
                return GT(r, "a P-256 key");
        if ((r = gnutls_x509_crt_init(&crt)) < 0 ||
            (r = crt_common(crt, key, cn, time(NULL) + (time_t) PKI_CA_DAYS * DAY_SEC)) < 0 ||
            /* A CA that signs end entities only: no intermediate CAs. */
            (r = gnutls_x509_crt_set_basic_constraints(crt, 1, 0)) < 0 ||
            (r = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) < 0 ||
            (r = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
                return GT(r, "the CA certificate");
        if ((r = export_pair(crt, key, ca)) < 0)
                return GT(r, "the CA's PEM");
        return 0;
}

int pki_make_host(const struct pki_pair *ca, const char *name, const char *address, struct pki_pair *host,
                  char *error, size_t error_size) {
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t key = NULL, ca_key = NULL;
        _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t crt = NULL, ca_crt = NULL;
        unsigned char ip[16], loopback[4] = { 127, 0, 0, 1 }, id[64];
        size_t id_size = sizeof id;
        time_t ca_end;
        int r, ip_len;

        assert(ca && ca->cert_pem && ca->key_pem && name && address);
        *host = (struct pki_pair) { 0 };
        ip_len = address_bytes(address, ip);
        if (ip_len < 0)
                return fail(error, error_size, -EINVAL, "'%s' is not an IP address", address);
        if ((r = import_crt(ca->cert_pem, &ca_crt)) < 0)
                return GT(r, "the CA certificate");
        if ((r = import_key(ca->key_pem, &ca_key)) < 0)
                return GT(r, "the CA key");
        ca_end = gnutls_x509_crt_get_expiration_time(ca_crt);
        if (ca_end == (time_t) -1 || ca_end - DAY_SEC <= time(NULL))
                return fail(error, error_size, -EINVAL, "the CA certificate has expired or expires within a day");
        if ((r = new_key(&key)) < 0)
                return GT(r, "a P-256 key");
        if ((r = gnutls_x509_crt_init(&crt)) < 0 || (r = crt_common(crt, key, name, ca_end - DAY_SEC)) < 0 ||
            (r = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
            /* ECDSA signs the handshake: digitalSignature is all TLS 1.2/1.3 need. */
            (r = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
            (r = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
            (r = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0 ||
            (r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name, (unsigned) strlen(name),
                                                      GNUTLS_FSAN_APPEND)) < 0 ||
            (r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, (unsigned) ip_len,
                                                      GNUTLS_FSAN_APPEND)) < 0 ||
            (r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, loopback, sizeof loopback,
                                                      GNUTLS_FSAN_APPEND)) < 0 ||
            (r = gnutls_x509_crt_get_subject_key_id(ca_crt, id, &id_size, NULL)) < 0 ||
            (r = gnutls_x509_crt_set_authority_key_id(crt, id, id_size)) < 0 ||
            (r = gnutls_x509_crt_sign2(crt, ca_crt, ca_key, GNUTLS_DIG_SHA256, 0)) < 0)
                return GT(r, "the host certificate");
        if ((r = export_pair(crt, key, host)) < 0)
                return GT(r, "the host's PEM");
        return 0;
}

/* Does CRT's public key belong to KEY? */
static bool key_matches(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key) {
        unsigned char a[64], b[64];
        size_t na = sizeof a, nb = sizeof b;

        return gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, a, &na) >= 0 &&
               gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, b, &nb) >= 0 && na == nb &&
               memcmp(a, b, na) == 0;
}

static bool has_purpose(gnutls_x509_crt_t crt, const char *oid) {
        for (unsigned i = 0; i < 16; i++) {
                char buf[128];
                size_t size = sizeof buf;
                int r = gnutls_x509_crt_get_key_purpose_oid(crt, i, buf, &size, NULL);
                if (r < 0)
                        return false;
                if (strcmp(buf, oid) == 0)
                        return true;
        }
        return false;
}

int pki_check_host(const char *ca_pem, const char *cert_pem, const char *key_pem, const char *name,
                   const char *address, char *error, size_t error_size) {
        _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t crt = NULL, ca = NULL;
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t key = NULL;
        unsigned char ip[16];
        unsigned status = 0, critical = 0, usage = 0;
        int r, ip_len;

        if (import_crt(ca_pem, &ca) < 0)
                return fail(error, error_size, -EINVAL, "the CA certificate is not a PEM certificate");
        if (import_crt(cert_pem, &crt) < 0)
                return fail(error, error_size, -EINVAL, "the host certificate is not a PEM certificate");
        if (import_key(key_pem, &key) < 0)
                return fail(error, error_size, -EINVAL, "the host key is not an unencrypted PEM private key");
        if (gnutls_x509_crt_get_basic_constraints(ca, &critical, NULL, NULL) != 1)
                return fail(error, error_size, -EINVAL, "the CA certificate is not a CA's");
        r = gnutls_x509_crt_verify(crt, &ca, 1, 0, &status);
        if (r < 0 || status != 0)
                return fail(error, error_size, -EINVAL, "the host certificate is not signed by the CA, or is "
                            "not valid now (status 0x%x)", status);
        if (gnutls_x509_crt_get_basic_constraints(crt, &critical, NULL, NULL) != 0)
                return fail(error, error_size, -EINVAL, "the host certificate is a CA's");
        if (!key_matches(crt, key))
                return fail(error, error_size, -EINVAL, "the host key is not the host certificate's");
        if (!gnutls_x509_crt_check_hostname2(crt, name, GNUTLS_VERIFY_DO_NOT_ALLOW_WILDCARDS))
                return fail(error, error_size, -EINVAL, "the host certificate does not name '%s'", name);
        ip_len = address_bytes(address, ip);
        if (ip_len < 0 || !gnutls_x509_crt_check_ip(crt, ip, (unsigned) ip_len, 0))
                return fail(error, error_size, -EINVAL, "the host certificate does not name the address %s",
                            address);
        if (gnutls_x509_crt_get_key_usage(crt, &usage, &critical) < 0 || !(usage & GNUTLS_KEY_DIGITAL_SIGNATURE))
                return fail(error, error_size, -EINVAL, "the host certificate's key usage lacks digitalSignature");
        if (!has_purpose(crt, GNUTLS_KP_TLS_WWW_SERVER) || !has_purpose(crt, GNUTLS_KP_TLS_WWW_CLIENT))
                return fail(error, error_size, -EINVAL, "the host certificate is not for TLS servers and clients");
        return 0;
}

int pki_check_ca_key(const char *ca_pem, const char *key_pem, char *error, size_t error_size) {
        _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t ca = NULL;
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t key = NULL;

        if (import_crt(ca_pem, &ca) < 0)
                return fail(error, error_size, -EINVAL, "the CA certificate is not a PEM certificate");
        if (import_key(key_pem, &key) < 0)
                return fail(error, error_size, -EINVAL, "the CA key is not an unencrypted PEM private key");
        if (!key_matches(ca, key))
                return fail(error, error_size, -EINVAL, "the CA key is not the CA certificate's");
        return 0;
}
