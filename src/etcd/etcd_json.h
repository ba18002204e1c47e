/* etcd_json.h - the pure half of the etcd client: the JSON the gateway
 * takes and gives, with no I/O (tests/unit/test-etcd_json.c).
 *
 * The gateway's ways, which every parser here expects: keys and values are
 * base64; 64-bit numbers are strings ("12"), which are parsed strictly
 * (digits only, no sign unless negative, no leading zeros, in range; a JSON
 * integer is taken too); a field at its default (0, false, "", none) is left
 * out. Anything else - not JSON, a wrong type, a bad number or base64, more
 * than the bounds of etcd.h - is refused: -EBADMSG, or -E2BIG past a bound,
 * and the output is left empty. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcd.h"

/* Request bodies: *RET a new NUL-terminated JSON string. KEY is a C string,
 * 1..ETCD_KEY_MAX bytes. Returns 0, -EINVAL, -E2BIG or -ENOMEM. */

/* The smallest key greater than every key starting with PREFIX (etcd's
 * range_end for a prefix): the last byte that is not 0xff, plus one, with
 * what follows it cut off; "\0" (every key) when there is none. */
int etcd_prefix_end(const char *prefix, size_t len, char **ret, size_t *ret_len);

int etcd_build_range(const char *key, bool prefix, size_t limit, int64_t revision, char **ret);
int etcd_build_put(const char *key, const void *value, size_t value_len, int64_t lease, bool prev_kv, char **ret);
int etcd_build_delete(const char *key, bool prefix, bool prev_kv, char **ret);
int etcd_build_lease_grant(int64_t ttl, char **ret);
/* {"ID":...}: a keepalive's and a revoke's body. */
int etcd_build_lease_id(int64_t lease, char **ret);
int etcd_build_watch_create(const char *key, bool prefix, int64_t start_revision, bool prev_kv,
                            bool progress_notify, char **ret);
int etcd_build_compact(int64_t revision, bool physical, char **ret);

enum etcd_reply_kind {
        ETCD_REPLY_RANGE,
        ETCD_REPLY_PUT,
        ETCD_REPLY_DELETE,
        ETCD_REPLY_LEASE_GRANT,
        ETCD_REPLY_LEASE_KEEPALIVE,     /* wrapped in {"result":...}: it is a stream of one */
        ETCD_REPLY_LEASE_REVOKE,
        ETCD_REPLY_COMPACT,
};

/* etcd's error, by its gRPC code, as a negative errno (etcd.h). */
int etcd_error_to_errno(int grpc_code);

/* BODY (LEN bytes, any status) into *RET. Returns 0; or etcd's error,
 * *RET holding error_code and error_message, as etcd_error_to_errno() says
 * (and -ENOENT for a keepalive without a TTL: the lease is lost); or
 * -EBADMSG/-E2BIG/-ENOMEM with *RET empty. *RET is always to be released
 * with etcd_reply_done(). */
int etcd_reply_parse(enum etcd_reply_kind kind, const char *body, size_t len, struct etcd_reply *ret);
void etcd_reply_done(struct etcd_reply *r);

/* One line of a watch stream. */
struct etcd_watch_message {
        struct etcd_header header;
        int64_t watch_id;
        bool created, canceled;
        int64_t compact_revision;               /* with canceled: the watch's start was compacted */
        char *cancel_reason;
        struct etcd_event *events;
        size_t n_events;
        int error_code;                         /* a stream error {"error":{...}}: its gRPC code */
        char *error_message;
};

/* As etcd_reply_parse(): 0; etcd's error in the stream (error_code,
 * error_message set) as a negative errno; or -EBADMSG/-E2BIG/-ENOMEM. */
int etcd_watch_message_parse(const char *line, size_t len, struct etcd_watch_message *ret);
void etcd_watch_message_done(struct etcd_watch_message *m);

/* Cuts a stream into lines (without the "\n" or a "\r" before it; blank
 * lines skipped), each at most ETCD_MESSAGE_MAX bytes. */
struct etcd_lines {
        char *buf;
        size_t len, size;
};

/* Returns 0 to go on, a negative errno to stop the feed (which returns it
 * at once, without touching the etcd_lines again). */
typedef int (*etcd_line_fn)(const char *line, size_t len, void *userdata);

/* Calls FN for each line DATA completes; keeps the rest. -EBADMSG for a
 * line too long. */
int etcd_lines_feed(struct etcd_lines *l, const void *data, size_t len, etcd_line_fn fn, void *userdata);
/* At the end of the stream: -EBADMSG if a line was left unfinished. */
int etcd_lines_finish(const struct etcd_lines *l);
void etcd_lines_done(struct etcd_lines *l);
