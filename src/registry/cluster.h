/* cluster.h - the registry's part in a cluster of hosts (issue 14), only
 * when /etc/dgo/cluster.conf exists.
 *
 * Publishes every local registration into etcd, under one lease per host,
 * and keeps the table of the other hosts' registrations from a watch of the
 * cluster prefix, telling local dependents of providers on other hosts as of
 * local ones. Losing etcd marks that table stale, and keeps it: a remote
 * provider is announced removed only when etcd says it is (its key deleted,
 * or its host's lease gone), never because this host stopped hearing. See
 * docs/architecture.md, "The cluster map". */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dgo/cluster_conf.h"
#include "etcd/etcd.h"
#include "registry.h"

#define CLUSTER_CREDENTIAL_CA "dgo-cluster-ca.crt"
#define CLUSTER_CREDENTIAL_CERT "dgo-cluster.crt"
#define CLUSTER_CREDENTIAL_KEY "dgo-cluster.key"

struct cluster;

/* A cluster for REG (which must outlive it) as CONF says, TLS may be NULL
 * (plain http:// endpoints). Nothing is sent before cluster_start(). */
int cluster_new(struct registry *reg, const struct cluster_conf *conf, const struct etcd_tls *tls,
                struct cluster **ret);
/* Publish the table as it is now, then every change; list and watch the
 * other hosts'. Failures are retried with backoff, never fatal. */
int cluster_start(struct cluster *c);
/* With REVOKE the host's lease is revoked (bounded, ~2 s at most), so the
 * other hosts see its services go at once rather than after LeaseSec. */
void cluster_free(struct cluster *c, bool revoke);

/* "cluster: N hosts, M remote services" or "cluster: etcd unreachable since ..., map stale". */
void cluster_status(const struct cluster *c, char *buf, size_t size);
/* LIST is GET /services' array of local entries: give them "Host", and add
 * the other hosts' (with "Host", and "Stale": true while etcd is lost). */
void cluster_decorate_json(const struct cluster *c, json_t *list);
bool cluster_is_stale(const struct cluster *c);
/* For tests: has the map been listed since the start or the last loss? */
bool cluster_is_synced(const struct cluster *c);
struct cluster_tls_files {
        char ca[512], cert[512], key[512];
};
/* The TLS material from systemd's credentials in CREDENTIALS_DIR (NULL:
 * none), into FILES, and TLS pointing at them: true when there is a CA
 * (then the certificate and key too if both are there); false: plain. */
bool cluster_tls_from_credentials(const char *credentials_dir, struct cluster_tls_files *files,
                                  struct etcd_tls *tls);
