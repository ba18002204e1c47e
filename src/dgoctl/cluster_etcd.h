/* cluster_etcd.h - dgoctl's few requests to etcd, through its v3 JSON
 * gateway (POST /v3/...), over TLS with this host's cluster certificate
 * (libcurl, one request at a time, each bounded by TIMEOUT seconds). */
#pragma once

#include <stdbool.h>

#include "cluster_files.h"
#include "sync_http.h"

/* This host's etcd, as its own clients reach it (loopback, TLS). */
#define CLUSTER_ETCD_LOCAL "https://127.0.0.1:2379"

/* The members as ENDPOINT's etcd sees them. 0, or -EHOSTUNREACH (no
 * answer), -EIO (an error answer), -EINVAL (an answer dgo cannot read);
 * ERROR says why. */
int etcd_member_list(const char *endpoint, const struct sync_tls *tls, double timeout, struct etcd_members *ms,
                     char *error, size_t error_size);
/* Add a member at PEER_URL; the members after it (the new one without a
 * name) in MS, its ID in MS->added_id. Errors as etcd_member_list(). */
int etcd_member_add(const char *endpoint, const struct sync_tls *tls, const char *peer_url, double timeout,
                    struct etcd_members *ms, char *error, size_t error_size);

struct etcd_status {
        unsigned long long member_id, leader;   /* leader 0: none known */
        unsigned long long raft_term, revision;
        char version[32];
};
/* ENDPOINT's maintenance/status. Errors as etcd_member_list(). */
int etcd_status(const char *endpoint, const struct sync_tls *tls, double timeout, struct etcd_status *st,
                char *error, size_t error_size);

/* Until this host's etcd answers with a leader, at most WAIT seconds
 * (each try bounded by a second). 0, or -ETIMEDOUT with the last reason in ERROR. */
int etcd_wait_ready(const struct sync_tls *tls, double wait, char *error, size_t error_size);
