/* cluster_files.h - the text `dgoctl cluster` writes and reads: etcd's
 * initial-cluster string, the drop-in for Debian's etcd.service, and the
 * join bundle that `add-host` writes and `join` installs (docs/cluster.md).
 *
 * Pure code, unit-tested (tests/unit/test-dgoctl-cluster.c).
 *
 * The join bundle, a text file (mode 0600: it holds the new host's private
 * key and the installation secret), every line printable ASCII, at most
 * BUNDLE_MAX bytes:
 *
 *   # comments, only before the first line below
 *   dgo-cluster-bundle 1
 *   host h2
 *   initial-cluster h1=https://10.77.0.1:2380,h2=https://10.77.0.2:2380
 *   --- cluster.conf
 *   (h2's /etc/dgo/cluster.conf, as cluster_conf_format() writes it)
 *   --- ca.crt
 *   (the cluster CA's certificate: one PEM block, CERTIFICATE)
 *   --- host.crt
 *   (h2's certificate: one PEM block, CERTIFICATE)
 *   --- host.key
 *   (h2's private key: one PEM block, PRIVATE KEY)
 *   --- secret
 *   (the installation secret, /etc/dgo/secret: one line, 64 hex digits a-f)
 *   --- end
 *
 * Sections in this order, each once, nothing after "--- end". The parser
 * also checks that the parts agree (cluster.conf's Host= is the bundle's
 * host; initial-cluster names it at https://ADDRESS:2380 with Address=
 * from cluster.conf); the certificates themselves are checked by
 * pki_check_host() before anything is installed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dgo/cluster_conf.h"

#define CLUSTER_PEER_PORT 2380
#define CLUSTER_CLIENT_PORT 2379
#define BUNDLE_MAX (64u * 1024u)
#define BUNDLE_MAGIC "dgo-cluster-bundle 1"
/* etcd's own data, apart from the directory Debian's package may already
 * have filled with a single-member cluster of its own (a data directory
 * that holds a cluster makes etcd ignore every --initial-* flag). */
#define CLUSTER_ETCD_DATA_DIR "/var/lib/etcd/dgo"
/* The installation secret (docs/security.md, "Authentication between dgo's
 * services"): 32 bytes as 64 lowercase hex digits, one secret for every
 * host of a cluster. */
#define CLUSTER_SECRET_HEX 64

struct initial_cluster {
        struct {
                char name[CLUSTER_HOST_MAX + 1];
                char peer_url[CLUSTER_URL_MAX + 1];
        } member[CLUSTER_ETCD_MAX];
        size_t n;
};

/* "https://ADDRESS:PORT" ("[ADDRESS]" for IPv6) into BUF; -ENOBUFS. */
int cluster_url(const char *address, unsigned port, char *buf, size_t size);

/* "NAME=URL,NAME=URL": 1 to CLUSTER_ETCD_MAX members, names by
 * cluster_host_valid(), https peer URLs by cluster_etcd_url_valid(), no
 * name or URL twice. 0 or -EINVAL (ERROR says why). */
int initial_cluster_parse(const char *s, struct initial_cluster *ic, char *error, size_t error_size);
/* Add NAME=URL (-EEXIST if the name or URL is there, -E2BIG when full). */
int initial_cluster_add(struct initial_cluster *ic, const char *name, const char *peer_url);
/* The string etcd takes, in BUF; -ENOBUFS. */
int initial_cluster_format(const struct initial_cluster *ic, char *buf, size_t size);

struct etcd_dropin {
        const char *name;               /* this member, the host's name */
        const char *address;            /* the host's cluster address */
        const char *initial_cluster;    /* initial_cluster_format()'s */
        bool new_cluster;               /* init: "new"; join: "existing" */
        const char *token;              /* init only: the cluster's initial token */
};
/* The drop-in's text, malloc'd, or NULL (out of memory). */
char *etcd_dropin_format(const struct etcd_dropin *d);

/* The socket unit of SERVICE ("dgo-grading") for the cluster's other hosts:
 * ADDRESS (an IP address, bracketed in the unit when IPv6) and PORT, the
 * service's loopback port, named "cluster" (FileDescriptorName=) for
 * SERVICE.service. A malloc'd text, or NULL when out of memory. */
char *cluster_socket_format(const char *service, const char *address, unsigned port);
/* The address of URL ("SCHEME://ADDRESS:PORT", or "SCHEME://[ADDRESS]:PORT"
 * for IPv6) into BUF: an etcd member's, for the registry's drop-in and
 * Patroni's configuration. 0, or -EINVAL. */
int cluster_url_address(const char *url, char *buf, size_t size);
/* The addresses of CONF's Etcd= URLs (the cluster's hosts), each once, in
 * their order, into ADDR: how many (0 when there are none), or -EINVAL. */
int cluster_etcd_addresses(const struct cluster_conf *conf, char addr[static CLUSTER_ETCD_MAX][CLUSTER_URL_MAX + 1]);
/* dgo.target's drop-in in a cluster: Wants=dgo-registry.service. */
extern const char cluster_target_dropin[];

struct cluster_bundle {
        char host[CLUSTER_HOST_MAX + 1];
        struct initial_cluster initial;
        struct cluster_conf conf;
        char *ca_pem, *cert_pem, *key_pem;      /* malloc'd; the key wiped by bundle_done() */
        char secret[CLUSTER_SECRET_HEX + 1];    /* wiped by bundle_done() */
};
void bundle_done(struct cluster_bundle *b);

/* B as text, malloc'd, or NULL (out of memory). B's parts are the caller's
 * and trusted (this host made them). */
char *bundle_format(const struct cluster_bundle *b);
/* TEXT (LEN bytes, from a file anyone may have handed over) into B. 0, or
 * -EINVAL with ERROR saying what is wrong and on which line; -ENOMEM. */
int bundle_parse(const char *text, size_t len, struct cluster_bundle *b, char *error, size_t error_size);

/* Is S exactly CLUSTER_SECRET_HEX lowercase hex digits? */
bool cluster_secret_valid(const char *s);
/* The text of /etc/dgo/secret (LEN bytes) into SECRET: the digits and at
 * most one newline after them, nothing else. 0 or -EINVAL. */
int cluster_secret_parse(const char *text, size_t len, char secret[static CLUSTER_SECRET_HEX + 1]);

/* The registry's drop-in (dgo-registry.service.d/dgo-cluster.conf): its
 * unit allows localhost only; this adds IPAddressAllow= for the address of
 * each of CONF's Etcd= URLs (once each). Malloc'd, or NULL (out of memory,
 * or an Etcd= URL without an address). */
char *registry_dropin_format(const struct cluster_conf *conf);

/* etcd's member list as its v3 JSON gateway gives it (member/list and
 * member/add answer "members": [...]): IDs are 64-bit numbers as strings,
 * a member not started yet has no "name" and no "clientURLs". */
#define ETCD_MEMBERS_MAX 16
struct etcd_member {
        unsigned long long id;
        char name[CLUSTER_HOST_MAX + 1];        /* "" until it has started */
        char peer_url[CLUSTER_URL_MAX + 1];     /* the first */
        char client_url[CLUSTER_URL_MAX + 1];   /* the first, or "" */
        size_t n_peer_urls;
        bool learner;
};
struct etcd_members {
        struct etcd_member m[ETCD_MEMBERS_MAX];
        size_t n;
        unsigned long long added_id;            /* member/add: the new member's ID, else 0 */
};
/* BODY (LEN bytes) of member/list or member/add into MS. 0 or -EINVAL with
 * ERROR (etcd's answer is not what 3.4 sends, or holds names or URLs that
 * no dgo host has). */
int etcd_members_parse(const char *body, size_t len, struct etcd_members *ms, char *error, size_t error_size);
/* A 64-bit number as etcd's gateway sends it: a decimal string. */
int etcd_u64(const char *s, unsigned long long *ret);
