/* cluster_map.h - the pure half of the registry's cluster map (cluster.c):
 * where a registration lives in etcd, what is stored there, and what a
 * change of the map means for dependents.
 *
 * Key layout: one key per registration of a host,
 *   /dgo/v1/services/<host>/<host:port of the registration's own ServiceURL>
 * so a host's keys are found (and, with its lease, dropped) together, and an
 * entry's key does not change with its health. The value is a JSON object:
 *   {"Host":"h1","ServiceName":"GradingService","ServiceURL":"https://10.77.0.1:6000",
 *    "Unit":"dgo-grading.service","Health":"up"}
 * where ServiceURL is the one other hosts use: a loopback URL
 * (http://127.0.0.1:6000) is published as https:// at the host's cluster
 * Address and the same port, where the service's cluster socket listens.
 *
 * Values come from other hosts through etcd: they are checked as strictly as
 * a Registration over HTTP (names, URL syntax, sizes), and more: the URL must
 * name an IP address that is not loopback (a loopback URL from another host
 * would point at this one), and "Host" must be the key's host.
 *
 * No I/O; unit-tested (test-cluster_map). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dgo/patch.h"
#include "dgo/registration.h"

#define CLUSTER_KEY_PREFIX "/dgo/v1/services/"
#define CLUSTER_VALUE_MAX 2048u          /* bytes of a value we believe */
#define CLUSTER_REMOTE_MAX 1024u         /* entries of other hosts kept */

struct cluster_entry {
        char *key;                      /* the etcd key */
        char *host;                     /* the host that published it */
        char *name;                     /* ServiceName */
        char *url;                      /* ServiceURL, as other hosts reach it */
        char *unit;                     /* may be NULL */
        enum health health;
};

struct cluster_map {
        struct cluster_entry **entries;
        size_t n, allocated;
};

struct cluster_entry *cluster_entry_free(struct cluster_entry *e);

/* The key of the registration at URL (a valid ServiceURL) on HOST, into
 * BUF of SIZE: 0, -EINVAL (URL not valid) or -ENOBUFS. */
int cluster_key(const char *host, const char *url, char *buf, size_t size);
/* The host segment of KEY (under CLUSTER_KEY_PREFIX, then a valid host and
 * '/' and something) into HOST (HOST_SIZE bytes); false if KEY is not one. */
bool cluster_key_host(const char *key, char *host, size_t host_size);
/* The URL other hosts use for URL: a loopback one becomes https:// at
 * ADDRESS (an IPv6 one bracketed) and the same port; others are kept. Into BUF of SIZE: 0, -EINVAL, -ENOBUFS. */
int cluster_public_url(const char *url, const char *address, char *buf, size_t size);

/* The value for R on HOST, with PUBLIC_URL: a malloc'd NUL-terminated JSON
 * text, or NULL when out of memory. */
char *cluster_value_format(const struct registration *r, const char *host, const char *public_url);
/* Parse VALUE (LEN bytes, any bytes) stored at KEY into *RET: 0, -ENOMEM,
 * or -EINVAL with a sentence in ERROR. */
int cluster_value_parse(const char *key, const char *value, size_t len, struct cluster_entry **ret,
                        char *error, size_t error_size);

/* The map: entries by key. put takes E and returns the entry it replaced
 * (the caller's to free), or NULL; -ENOSPC/-ENOMEM leave E the caller's. */
struct cluster_entry *cluster_map_find(const struct cluster_map *m, const char *key);
int cluster_map_put(struct cluster_map *m, struct cluster_entry *e, struct cluster_entry **replaced);
struct cluster_entry *cluster_map_take(struct cluster_map *m, const char *key);   /* NULL if none */
void cluster_map_clear(struct cluster_map *m);
/* Distinct hosts in M. */
size_t cluster_map_hosts(const struct cluster_map *m);

/* What dependents must hear when the entry at one key goes from OLD to NEW
 * (either may be NULL): Removed for OLD if it was up and is not up at the
 * same name and URL any more, Added for NEW if it is up and was not. */
void cluster_entry_diff(const struct cluster_entry *old, const struct cluster_entry *new, patch_entry_fn fn,
                        void *userdata);
/* The same for two whole maps (a re-list after losing etcd): a provider
 * (name and URL) up in OLD and not in NEW is Removed, up in NEW and not in
 * OLD is Added; what is the same in both is not mentioned. Removals first. */
void cluster_map_diff(const struct cluster_map *old, const struct cluster_map *new, patch_entry_fn fn,
                      void *userdata);
