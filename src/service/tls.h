/* tls.h - the HTTPS material a service serves with: its certificate chain
 * and private key (PEM), and the host names the certificate is for.
 *
 * Under systemd both come as credentials (LoadCredential=, never read from
 * /etc by the service itself): $CREDENTIALS_DIRECTORY/IDENT-tls.crt and
 * IDENT-tls.key, which the unit loads from systemd's credential store
 * (/etc/credstore/dgo-portal-tls.crt, ...); --tls-cert and --tls-key name
 * other files. docs/security.md, "HTTPS". */
#pragma once

#include <stddef.h>

#define TLS_PEM_MAX (64u * 1024u)       /* a chain of a few certificates, or a key */
#define TLS_NAMES_MAX 8

/* A cluster host's own certificate and key, and the cluster's CA, as the
 * units load them from /etc/credstore (dgoctl cluster, docs/cluster.md). */
#define TLS_CLUSTER_CERT "dgo-cluster.crt"
#define TLS_CLUSTER_KEY "dgo-cluster.key"
#define TLS_CLUSTER_CA "dgo-cluster-ca.crt"

struct service_tls {
        char *cert, *key;                       /* PEM text; NULL: none loaded */
        char *names[TLS_NAMES_MAX + 1];         /* the certificate's host names, NULL-terminated */
};

/* Load the certificate and key for the service IDENT ("dgo-portal"): from
 * CERT_PATH and KEY_PATH when given, else from the credentials. 0, -ENOENT
 * when there is none (nothing logged: whether that is wrong is the
 * caller's to say), or another -errno, logged. */
int service_tls_load(struct service_tls *t, const char *ident, const char *cert_path, const char *key_path);
/* The same from the credentials CERT_NAME and KEY_NAME ("dgo-cluster.crt"):
 * 0, -ENOENT when either is missing, another -errno (logged). */
int service_tls_load_credentials(struct service_tls *t, const char *cert_name, const char *key_name);
/* $CREDENTIALS_DIRECTORY/NAME when it exists: malloc'd; NULL when not (or
 * out of memory). */
char *service_credential_path(const char *name);
void service_tls_done(struct service_tls *t);

/* The host names the first certificate in PEM is for: its subjectAltName's
 * DNS names and IP addresses ("192.0.2.7", "[2001:db8::1]"), at most MAX of
 * them, into NAMES (malloc'd strings). Wildcard names and names with other
 * characters than letters, digits, '-' and '.' are left out (the Host rule
 * compares names whole). The number of names, or -EINVAL when PEM holds no
 * certificate, -ENOMEM. Pure: unit-tested. */
int tls_cert_names(const char *pem, char **names, size_t max);
