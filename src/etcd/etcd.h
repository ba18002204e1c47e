/* etcd.h - a small etcd v3 client on the sd-event loop, through etcd's JSON
 * gateway (POST /v3/...), for the registry's cluster map (issue 14).
 *
 * The contract, for every function here:
 *  - Everything runs on the one thread that runs the loop given to
 *    etcd_client_new(); nothing here is thread-safe, and no callback is ever
 *    called from another thread, nor from inside the call that started it.
 *  - Each request's callback is called exactly once (unless the request
 *    could not be started: then the start function returns a negative errno
 *    and never calls it). The reply it gets, and everything the reply points
 *    to, lives only during the call: copy what you keep.
 *  - A callback may start new requests, free a watch, or free the client.
 *  - Every wait is bounded: a request by the client's request timeout (all
 *    endpoints tried within it), a connection by the connect timeout, a
 *    watch by its idle bound (nothing, not even a progress notification,
 *    for that long ends it).
 *
 * Errors are negative errnos: -ECONNREFUSED (no endpoint could be reached),
 * -ECONNRESET (reached, but no answer), -ETIMEDOUT, -EBADMSG (the answer is
 * not what etcd sends), -ECANCELED (the client was freed), and etcd's own
 * errors by their gRPC code (the reply's error_code and error_message say
 * more): -ENOENT (not found: an unknown or expired lease), -ERANGE (a
 * compacted or future revision), -EAGAIN (unavailable: no leader),
 * -EINVAL, -EPERM, -EACCES, -ENOSPC, -EREMOTEIO (any other). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/* Bounds on what is sent and what is believed. */
#define ETCD_KEY_MAX 4096u                      /* bytes of a key */
#define ETCD_VALUE_MAX (256u * 1024u)           /* bytes of a value */
#define ETCD_OBJECTS_MAX 10000u                 /* kvs in a reply, events in a watch message */
#define ETCD_MESSAGE_MAX (1024u * 1024u)        /* bytes of a reply or of one watch line */
#define ETCD_ENDPOINTS_MAX 16u

#define ETCD_CONNECT_TIMEOUT_MS 1000u           /* defaults; etcd_client_set_timeouts() */
#define ETCD_REQUEST_TIMEOUT_MS 5000u
/* Just over etcd's default --experimental-watch-progress-notify-interval
 * (10 min): set that lower on the cluster, and this with it. */
#define ETCD_WATCH_IDLE_S 660u

struct etcd_header {
        uint64_t cluster_id, member_id, raft_term;
        int64_t revision;                       /* the store's revision when answered; 0 if absent */
};

/* One key. KEY and VALUE are decoded, and NUL-terminated as well (a key or
 * value may itself hold NULs: use the lengths). */
struct etcd_kv {
        char *key;
        size_t key_len;
        char *value;
        size_t value_len;
        int64_t create_revision, mod_revision, version;
        int64_t lease;                          /* 0: none */
};

enum etcd_event_type {
        ETCD_EVENT_PUT,
        ETCD_EVENT_DELETE,
};

struct etcd_event {
        enum etcd_event_type type;
        struct etcd_kv kv;                      /* a DELETE has only key and mod_revision */
        bool has_prev_kv;                       /* only when the watch asked for it */
        struct etcd_kv prev_kv;
};

/* A unary request's answer: the fields its kind fills, the others zero. */
struct etcd_reply {
        struct etcd_header header;
        struct etcd_kv *kvs;                    /* range: the keys, in key order */
        size_t n_kvs;
        bool more;                              /* range: more keys than the limit */
        int64_t count;                          /* range: how many keys in the range */
        int64_t deleted;                        /* delete: how many */
        int64_t lease_id;                       /* lease grant, keepalive */
        int64_t ttl;                            /* lease grant, keepalive: seconds left */
        int error_code;                         /* etcd's error: its gRPC code; 0 none */
        char *error_message;                    /* and its words; NULL none */
};

struct etcd_client;
struct etcd_watch;

/* R is 0 or a negative errno (above). REPLY is non-NULL when etcd answered
 * (on success, and for etcd's own errors, with error_code/error_message);
 * NULL when it did not. */
typedef void (*etcd_reply_fn)(int r, const struct etcd_reply *reply, void *userdata);

/* TLS material for https:// endpoints: all paths (PEM), NULL for none.
 * CA_FILE is the only CA trusted (http_client_set_tls()); CERT_FILE and
 * KEY_FILE, both or neither, are presented to etcd (client-cert-auth).
 * etcd_client_new() refuses https:// endpoints without a CA_FILE (-EINVAL)
 * rather than go unverified. */
struct etcd_tls {
        const char *ca_file;
        const char *cert_file;
        const char *key_file;
};

/* ENDPOINTS: a NULL-terminated list of base URLs ("http://10.0.0.1:2379"),
 * 1..ETCD_ENDPOINTS_MAX, copied. Requests go to the first that answers and
 * stay with it; on a connection failure the next is tried (within the same
 * request's time). TLS may be NULL. */
int etcd_client_new(sd_event *e, const char *const *endpoints, const struct etcd_tls *tls,
                    struct etcd_client **ret);
/* Pending requests' callbacks are called with -ECANCELED (from inside this
 * call). Every watch of the client must have been freed before (it may be
 * from the same callback: free the watch, then the client). */
void etcd_client_free(struct etcd_client *c);
int etcd_client_set_timeouts(struct etcd_client *c, unsigned connect_ms, unsigned request_ms);
/* The endpoint requests go to now (for logs). */
const char *etcd_client_endpoint(const struct etcd_client *c);

/* Keys are C strings (no NUL inside), 1..ETCD_KEY_MAX bytes; values bytes.
 * Each returns 0 (DONE will be called) or a negative errno: -EINVAL for a
 * bad argument, -E2BIG for too long a key or value, -ECANCELED after
 * etcd_client_free(), -ENOMEM. */

/* Every key starting with PREFIX, at the store's latest revision (the
 * reply's header.revision: watch from revision + 1 to miss nothing). At
 * most LIMIT keys (0: ETCD_OBJECTS_MAX); reply->more says there were more. */
int etcd_get_prefix(struct etcd_client *c, const char *prefix, size_t limit, etcd_reply_fn done, void *userdata);
/* LEASE 0: none. Not retried on another endpoint once it may have been sent. */
int etcd_put(struct etcd_client *c, const char *key, const void *value, size_t value_len, int64_t lease,
             etcd_reply_fn done, void *userdata);
/* KEY alone, or with PREFIX every key starting with it: reply->deleted. */
int etcd_delete(struct etcd_client *c, const char *key, bool prefix, etcd_reply_fn done, void *userdata);
/* TTL in seconds (1..INT32_MAX): reply->lease_id, reply->ttl. */
int etcd_lease_grant(struct etcd_client *c, int64_t ttl, etcd_reply_fn done, void *userdata);
/* One keepalive: reply->ttl. A lease that expired or was revoked answers
 * -ENOENT (etcd says so only by leaving out the TTL): the lease is lost,
 * and so are its keys. */
int etcd_lease_keepalive(struct etcd_client *c, int64_t lease, etcd_reply_fn done, void *userdata);
/* Revokes the lease and deletes its keys; -ENOENT if it was not there. */
int etcd_lease_revoke(struct etcd_client *c, int64_t lease, etcd_reply_fn done, void *userdata);
/* Compacts the history up to REVISION (tests and maintenance). */
int etcd_compact(struct etcd_client *c, int64_t revision, etcd_reply_fn done, void *userdata);

/* ---- the watch ---- */

enum etcd_watch_kind {
        ETCD_WATCH_CREATED,     /* etcd has the watch; revision: the store's now */
        ETCD_WATCH_EVENTS,      /* events[0..n_events), in revision order */
        ETCD_WATCH_PROGRESS,    /* nothing happened up to revision */
        ETCD_WATCH_COMPACTED,   /* the start revision is gone: revision is the compacted one.
                                 * Re-list (etcd_get_prefix) and watch from its revision + 1. */
        ETCD_WATCH_ENDED,       /* error says why; watch again from etcd_watch_next_revision() */
};

struct etcd_watch_update {
        enum etcd_watch_kind kind;
        int64_t revision;
        const struct etcd_event *events;
        size_t n_events;
        int error;                              /* ENDED: a negative errno (above); -EAGAIN: no leader */
        const char *message;                    /* ENDED: etcd's or curl's words, or NULL */
};

/* Called from the loop for each update. After COMPACTED or ENDED nothing
 * more comes; the watch is still the caller's to free (it may be freed from
 * inside the callback, at any update). UPDATE lives only during the call. */
typedef void (*etcd_watch_fn)(struct etcd_watch *w, const struct etcd_watch_update *update, void *userdata);

/* Watches every key starting with PREFIX from START_REVISION (0: from now
 * on), through the client's current endpoint (the others on a connection
 * failure). Sent with "Grpc-Metadata-Hasleader: true": a member that loses
 * its leader ends the watch (ENDED, -EAGAIN) instead of falling silent.
 * Asks for progress notifications; IDLE_S (0: ETCD_WATCH_IDLE_S) seconds
 * without a byte end it with -ETIMEDOUT. */
int etcd_watch_new(struct etcd_client *c, const char *prefix, int64_t start_revision, bool prev_kv,
                   unsigned idle_s, etcd_watch_fn callback, void *userdata, struct etcd_watch **ret);
/* Stops the watch (no more callbacks). NULL is fine. */
void etcd_watch_free(struct etcd_watch *w);
/* The first revision not yet reported: a new watch from it misses nothing. */
int64_t etcd_watch_next_revision(const struct etcd_watch *w);
