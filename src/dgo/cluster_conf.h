/* cluster_conf.h - /etc/dgo/cluster.conf, the one place a host's part in a
 * cluster is configured (dgo-cluster.conf(5); docs/cluster.md).
 *
 * A host without the file is a single host: nothing of the cluster is
 * read, started or needed. With it, the file says who this host is, where
 * it is reached, where etcd is, and how long its lease lives:
 *
 *   [Cluster]
 *   Host=h1                     this host's name in the cluster
 *   Address=10.77.0.1           the address other hosts reach it at
 *   Etcd=https://10.77.0.1:2379 https://10.77.0.2:2379 ...
 *   LeaseSec=15                 optional, 5 to 120 (default 15)
 *
 * Empty lines and lines starting with '#' or ';' are comments. The TLS
 * material is not named here: it has fixed names in systemd's credential
 * store (dgo-cluster-ca.crt, dgo-cluster.crt, dgo-cluster.key), handed to
 * each unit with LoadCredential=.
 *
 * Pure code but for cluster_conf_load(), unit-tested. */
#pragma once

#include <stddef.h>

#define CLUSTER_CONF_PATH "/etc/dgo/cluster.conf"
#define CLUSTER_CONF_MAX (16u * 1024u)
#define CLUSTER_HOST_MAX 63
#define CLUSTER_ETCD_MAX 7              /* etcd members: 3 or 5 in practice */
#define CLUSTER_URL_MAX 255
#define CLUSTER_LEASE_SEC_DEFAULT 15u
#define CLUSTER_LEASE_SEC_MIN 5u
#define CLUSTER_LEASE_SEC_MAX 120u

struct cluster_conf {
        char host[CLUSTER_HOST_MAX + 1];        /* [a-z0-9-], starting with a letter */
        char address[64];                       /* an IPv4 or IPv6 literal, not loopback, not a wildcard */
        char etcd[CLUSTER_ETCD_MAX][CLUSTER_URL_MAX + 1];
        size_t n_etcd;
        unsigned lease_sec;
};

/* Parse TEXT (LEN bytes) into CONF. 0, or -EINVAL with the offending line
 * number in *LINE (0: the file as a whole, e.g. Host= missing) and a
 * message in ERROR (ERROR_SIZE bytes). */
int cluster_conf_parse(const char *text, size_t len, struct cluster_conf *conf, unsigned *line, char *error,
                       size_t error_size);
/* Write CONF as the text cluster_conf_parse() reads back, into BUF of SIZE:
 * its length, or -ENOBUFS. */
int cluster_conf_format(const struct cluster_conf *conf, char *buf, size_t size);
/* Read PATH (NULL: CLUSTER_CONF_PATH). 0; -ENOENT when there is no file (a
 * single host); -EINVAL when it does not parse, logged with its line. */
int cluster_conf_load(const char *path, struct cluster_conf *conf);

/* Single checks, for dgoctl's arguments too. */
int cluster_host_valid(const char *host);       /* bool */
int cluster_address_valid(const char *address);  /* bool: a literal, not loopback, not a wildcard */
int cluster_etcd_url_valid(const char *url);     /* bool: http(s)://IP-or-[IPv6]:PORT, nothing after */
