/* cluster_pki.h - the cluster's certificates, made with GnuTLS: one CA per
 * cluster, one certificate per host signed by it (docs/cluster.md).
 *
 * Every key is ECDSA P-256 (small, fast, and what etcd's Go TLS and libcurl
 * both take). The CA is valid for 10 years and may sign host certificates
 * only (path length 0). A host's certificate names the host twice in its
 * subjectAltName, DNS=NAME and IP=ADDRESS, plus IP=127.0.0.1 because every
 * host's own clients reach its etcd on loopback; it is good for TLS servers
 * and clients both (etcd's peers are both, and etcd's JSON gateway dials
 * its own gRPC server with the server certificate as a client one). It
 * lives as long as the CA, less a day: renewing is not built yet.
 *
 * PEM text in and out; no files. Unit-tested (tests/unit/test-dgoctl-cluster.c). */
#pragma once

#include <stddef.h>

#define PKI_CA_DAYS 3650
#define PKI_PEM_MAX (16u * 1024u)       /* a certificate or key's PEM, far above the ~800 bytes of ours */

struct pki_pair {
        char *cert_pem;                 /* malloc'd, NUL-terminated */
        char *key_pem;                  /* malloc'd, PKCS#8 "PRIVATE KEY", wiped by pki_pair_done() */
};
void pki_pair_done(struct pki_pair *p);

/* A new CA, its subject "CN=dgo cluster CA <random hex>" so two clusters'
 * CAs differ by name too. 0 or -errno; ERROR says why. */
int pki_make_ca(struct pki_pair *ca, char *error, size_t error_size);

/* A new key and certificate for host NAME at ADDRESS, signed by CA. */
int pki_make_host(const struct pki_pair *ca, const char *name, const char *address, struct pki_pair *host,
                  char *error, size_t error_size);

/* Is HOST (cert and key) a host certificate of CA for NAME at ADDRESS, as
 * pki_make_host() makes one: it chains to CA now, names NAME and ADDRESS,
 * the key is the certificate's, and CA_PEM is a CA certificate. What join
 * checks in a bundle before it installs anything. 0 or -EINVAL with ERROR. */
int pki_check_host(const char *ca_pem, const char *cert_pem, const char *key_pem, const char *name,
                   const char *address, char *error, size_t error_size);

/* Is KEY_PEM the private key of CA_PEM (add-host checks it has the CA key). */
int pki_check_ca_key(const char *ca_pem, const char *key_pem, char *error, size_t error_size);
