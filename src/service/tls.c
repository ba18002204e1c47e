/* tls.c - see tls.h. */
#include "tls.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/macros.h"

static void crt_deinitp(gnutls_x509_crt_t *crt) {
        if (*crt)
                gnutls_x509_crt_deinit(*crt);
}

static bool dns_name_plain(const char *name, size_t len) {
        return len > 0 && len < 254 && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == len;
}

/* One subjectAltName entry of TYPE and LEN bytes in BUF as a Host name, or NULL. */
static char *san_name(int type, const char *buf, size_t len) {
        char text[INET6_ADDRSTRLEN + 2];

        switch (type) {
        case GNUTLS_SAN_DNSNAME:
                return dns_name_plain(buf, len) && !memchr(buf, '\0', len) ? strndup(buf, len) : NULL;
        case GNUTLS_SAN_IPADDRESS:
                if (len == 4 && inet_ntop(AF_INET, buf, text, sizeof text))
                        return strdup(text);
                if (len == 16 && inet_ntop(AF_INET6, buf, text + 1, sizeof text - 2)) {
                        text[0] = '[';
                        strcat(text, "]");
                        return strdup(text);
                }
                return NULL;
        default:
                return NULL;
        }
}

int tls_cert_names(const char *pem, char **names, size_t max) {
        _cleanup_(crt_deinitp) gnutls_x509_crt_t crt = NULL;
        gnutls_datum_t data = { (unsigned char *) pem, (unsigned) strlen(pem) };
        size_t n = 0;

        assert(pem && names);
        if (gnutls_x509_crt_init(&crt) < 0)
                return -ENOMEM;
        if (gnutls_x509_crt_import(crt, &data, GNUTLS_X509_FMT_PEM) < 0)
                return -EINVAL;
        for (unsigned seq = 0; n < max && seq < 64; seq++) {
                char buf[256];
                size_t size = sizeof buf - 1;
                int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &size, NULL);

                if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
                        break;
                if (type < 0)
                        continue;               /* too long, or not understood: not a name we compare */
                errno = 0;
                char *name = san_name(type, buf, size);
                if (name)
                        names[n++] = name;
                else if (errno == ENOMEM)
                        return -ENOMEM;
        }
        return (int) n;
}

/* $CREDENTIALS_DIRECTORY/NAME, when set; NULL otherwise. */
static char *credential_path(const char *name) {
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        char *path;

        if (!dir || !*dir)
                return NULL;
        return asprintf(&path, "%s/%s", dir, name) < 0 ? NULL : path;
}

char *service_credential_path(const char *name) {
        char *path = credential_path(name);

        if (path && access(path, F_OK) < 0) {
                free(path);
                return NULL;
        }
        return path;
}

static int read_pem(const char *path, const char *what, char **ret) {
        int r = read_file_bounded(path, TLS_PEM_MAX, ret, NULL);

        if (r == -EFBIG)
                return log_error_errno(r, "The TLS %s %s is larger than %u bytes", what, path, TLS_PEM_MAX);
        if (r < 0)
                return log_error_errno(r, "Cannot read the TLS %s %s", what, path);
        return 0;
}

static int load_files(struct service_tls *t, const char *cert_path, const char *key_path) {
        int r = read_pem(cert_path, "certificate", &t->cert);

        if (r >= 0)
                r = read_pem(key_path, "key", &t->key);
        if (r >= 0) {
                r = tls_cert_names(t->cert, t->names, TLS_NAMES_MAX);
                if (r == -EINVAL)
                        log_error("%s holds no PEM certificate", cert_path);
        }
        if (r < 0) {
                service_tls_done(t);
                return r;
        }
        return 0;
}

int service_tls_load_credentials(struct service_tls *t, const char *cert_name, const char *key_name) {
        _cleanup_free_ char *cert = NULL, *key = NULL;

        assert(t && cert_name && key_name);
        *t = (struct service_tls) { 0 };
        cert = service_credential_path(cert_name);
        key = service_credential_path(key_name);
        if (!cert || !key)
                return -ENOENT;
        return load_files(t, cert, key);
}

int service_tls_load(struct service_tls *t, const char *ident, const char *cert_path, const char *key_path) {
        _cleanup_free_ char *cert_name = NULL, *key_name = NULL;

        assert(t && ident);
        *t = (struct service_tls) { 0 };
        if (!cert_path != !key_path)
                return log_error_errno(-EINVAL, "--tls-cert and --tls-key go together");
        if (cert_path)
                return load_files(t, cert_path, key_path);
        if (asprintf(&cert_name, "%s-tls.crt", ident) < 0 || asprintf(&key_name, "%s-tls.key", ident) < 0)
                return -ENOMEM;
        return service_tls_load_credentials(t, cert_name, key_name);
}

void service_tls_done(struct service_tls *t) {
        assert(t);
        free(t->cert);
        if (t->key) {
                explicit_bzero(t->key, strlen(t->key));        /* the private key leaves no copy behind */
                free(t->key);
        }
        for (size_t i = 0; t->names[i]; i++)
                free(t->names[i]);
        *t = (struct service_tls) { 0 };
}
