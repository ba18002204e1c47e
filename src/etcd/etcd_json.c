/* etcd_json.c - see etcd_json.h: etcd's gateway JSON, built and parsed.
 *
 * Parsing trusts nothing: the answer may come from something that is not
 * etcd, or from a newer etcd. A field of the wrong type is an error, not a
 * default; a missing field is its default (the gateway leaves defaults
 * out), except the few without which the answer means nothing. */
#include "etcd_json.h"

#include <assert.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"


/* ---- base64 ---- */

static int b64_encode(const void *data, size_t len, json_t **ret) {
        gnutls_datum_t in = { .data = (unsigned char *) data, .size = (unsigned) len }, out = { 0 };
        json_t *s;

        if (len > UINT_MAX / 2)
                return -E2BIG;
        if (len == 0) {
                s = json_string("");
                goto done;
        }
        if (gnutls_base64_encode2(&in, &out) < 0)
                return -ENOMEM;
        s = json_stringn((const char *) out.data, out.size);
        gnutls_free(out.data);
done:
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Strictly the standard alphabet, padded: GnuTLS alone would skip
 * whitespace, and what etcd sends has none. */
static bool b64_valid(const char *s, size_t len) {
        size_t pad = 0;

        if (len % 4 != 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (ch == '=') {
                        if (i < len - 2)
                                return false;
                        pad++;
                } else if (pad > 0 ||
                           !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                             ch == '+' || ch == '/'))
                        return false;
        }
        return true;
}

/* S into *RET (NUL-terminated, malloc'd), at most MAX bytes decoded. */
static int b64_decode(const char *s, size_t len, size_t max, char **ret, size_t *ret_len) {
        gnutls_datum_t in = { .data = (unsigned char *) s, .size = (unsigned) len }, out = { 0 };
        char *p;

        if (len / 4 * 3 > max + 2)
                return -E2BIG;
        if (!b64_valid(s, len))
                return -EBADMSG;
        if (len > 0 && gnutls_base64_decode2(&in, &out) < 0)
                return -EBADMSG;
        if (out.size > max) {
                gnutls_free(out.data);
                return -E2BIG;
        }
        p = malloc(out.size + 1);
        if (!p) {
                gnutls_free(out.data);
                return -ENOMEM;
        }
        if (out.size > 0)
                memcpy(p, out.data, out.size);
        p[out.size] = '\0';
        gnutls_free(out.data);
        *ret = p;
        *ret_len = out.size;
        return 0;
}

/* ---- numbers ---- */

/* Digits only, no leading zero, at most MAX; a '-' first if NEGATIVE_OK. */
static int parse_u64_str(const char *s, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (!*s || (s[0] == '0' && s[1]))
                return -EBADMSG;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EBADMSG;
                unsigned d = (unsigned) (*s - '0');
                if (v > (max - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

/* An int64 field: a string of digits (the gateway's way) or a JSON integer;
 * absent is 0. Negative values are refused: no field read here has one. */
static int get_i64(json_t *o, const char *name, int64_t *ret) {
        json_t *v = json_object_get(o, name);
        uint64_t u;

        *ret = 0;
        if (!v)
                return 0;
        if (json_is_integer(v)) {
                if (json_integer_value(v) < 0)
                        return -EBADMSG;
                *ret = (int64_t) json_integer_value(v);
                return 0;
        }
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
            parse_u64_str(json_string_value(v), INT64_MAX, &u) < 0)
                return -EBADMSG;
        *ret = (int64_t) u;
        return 0;
}

static int get_u64(json_t *o, const char *name, uint64_t *ret) {
        json_t *v = json_object_get(o, name);

        *ret = 0;
        if (!v)
                return 0;
        if (json_is_integer(v)) {
                if (json_integer_value(v) < 0)
                        return -EBADMSG;
                *ret = (uint64_t) json_integer_value(v);
                return 0;
        }
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                return -EBADMSG;
        return parse_u64_str(json_string_value(v), UINT64_MAX, ret);
}

static int get_bool(json_t *o, const char *name, bool *ret) {
        json_t *v = json_object_get(o, name);

        *ret = false;
        if (!v)
                return 0;
        if (!json_is_boolean(v))
                return -EBADMSG;
        *ret = json_is_true(v);
        return 0;
}

/* A string field, copied, at most 1 KiB kept (it is only for logs). */
static int get_message(json_t *o, const char *name, char **ret) {
        json_t *v = json_object_get(o, name);

        *ret = NULL;
        if (!v)
                return 0;
        if (!json_is_string(v))
                return -EBADMSG;
        *ret = strndup(json_string_value(v), 1024);
        return *ret ? 0 : -ENOMEM;
}

static int get_b64(json_t *o, const char *name, size_t max, char **ret, size_t *ret_len) {
        json_t *v = json_object_get(o, name);

        *ret = NULL;
        *ret_len = 0;
        if (!v)
                return b64_decode("", 0, max, ret, ret_len);
        if (!json_is_string(v))
                return -EBADMSG;
        return b64_decode(json_string_value(v), json_string_length(v), max, ret, ret_len);
}

/* ---- building ---- */

static int key_check(const char *key) {
        if (!key || !*key)
                return -EINVAL;
        if (strnlen(key, ETCD_KEY_MAX + 1) > ETCD_KEY_MAX)
                return -E2BIG;
        return 0;
}

int etcd_prefix_end(const char *prefix, size_t len, char **ret, size_t *ret_len) {
        char *end;
        size_t n = len;

        assert(prefix || len == 0);
        while (n > 0 && (unsigned char) prefix[n - 1] == 0xff)
                n--;
        end = malloc(n > 0 ? n + 1 : 2);
        if (!end)
                return -ENOMEM;
        if (n == 0) {
                end[0] = end[1] = '\0';
                *ret_len = 1;                   /* "\0": to the end of the key space */
        } else {
                memcpy(end, prefix, n);
                end[n - 1] = (char) ((unsigned char) end[n - 1] + 1);
                end[n] = '\0';
                *ret_len = n;
        }
        *ret = end;
        return 0;
}

static int set_new(json_t *o, const char *name, json_t *v) {
        return v && json_object_set_new(o, name, v) == 0 ? 0 : -ENOMEM;
}

/* Numbers as strings, as the gateway gives them. */
static int set_i64(json_t *o, const char *name, int64_t v) {
        char buf[32];

        snprintf(buf, sizeof buf, "%lld", (long long) v);
        return set_new(o, name, json_string(buf));
}

static int set_b64(json_t *o, const char *name, const void *data, size_t len) {
        json_t *s;
        int r = b64_encode(data, len, &s);

        return r < 0 ? r : set_new(o, name, s);
}

/* "key", and "range_end" for a prefix. */
static int set_key(json_t *o, const char *key, bool prefix) {
        _cleanup_free_ char *end = NULL;
        size_t end_len;
        int r = key_check(key);

        if (r < 0)
                return r;
        r = set_b64(o, "key", key, strlen(key));
        if (r < 0 || !prefix)
                return r;
        r = etcd_prefix_end(key, strlen(key), &end, &end_len);
        if (r < 0)
                return r;
        return set_b64(o, "range_end", end, end_len);
}

static int dump(json_t *o, char **ret) {
        char *s = json_dumps(o, JSON_COMPACT);

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int etcd_build_range(const char *key, bool prefix, size_t limit, int64_t revision, char **ret) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        int r;

        if (!o)
                return -ENOMEM;
        if (limit > ETCD_OBJECTS_MAX || revision < 0)
                return -EINVAL;
        r = set_key(o, key, prefix);
        if (r >= 0)
                r = set_i64(o, "limit", limit > 0 ? (int64_t) limit : (int64_t) ETCD_OBJECTS_MAX);
        if (r >= 0 && revision > 0)
                r = set_i64(o, "revision", revision);
        return r < 0 ? r : dump(o, ret);
}

int etcd_build_put(const char *key, const void *value, size_t value_len, int64_t lease, bool prev_kv, char **ret) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        int r;

        if (!o)
                return -ENOMEM;
        if ((!value && value_len > 0) || lease < 0)
                return -EINVAL;
        if (value_len > ETCD_VALUE_MAX)
                return -E2BIG;
        r = set_key(o, key, false);
        if (r >= 0)
                r = set_b64(o, "value", value, value_len);
        if (r >= 0 && lease > 0)
                r = set_i64(o, "lease", lease);
        if (r >= 0 && prev_kv)
                r = set_new(o, "prev_kv", json_true());
        return r < 0 ? r : dump(o, ret);
}

int etcd_build_delete(const char *key, bool prefix, bool prev_kv, char **ret) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = set_key(o, key, prefix);
        if (r >= 0 && prev_kv)
                r = set_new(o, "prev_kv", json_true());
        return r < 0 ? r : dump(o, ret);
}

int etcd_build_lease_grant(int64_t ttl, char **ret) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        int r;

        if (!o)
                return -ENOMEM;
        if (ttl <= 0 || ttl > INT32_MAX)
                return -EINVAL;
        r = set_i64(o, "TTL", ttl);
        return r < 0 ? r : dump(o, ret);
}

int etcd_build_lease_id(int64_t lease, char **ret) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        int r;

        if (!o)
                return -ENOMEM;
        if (lease <= 0)
                return -EINVAL;
        r = set_i64(o, "ID", lease);
        return r < 0 ? r : dump(o, ret);
}

int etcd_build_watch_create(const char *key, bool prefix, int64_t start_revision, bool prev_kv,
                            bool progress_notify, char **ret) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        json_t *create = json_object();
        int r;

        if (!o || !create || json_object_set_new(o, "create_request", create) < 0)
                return -ENOMEM;
        if (start_revision < 0)
                return -EINVAL;
        r = set_key(create, key, prefix);
        if (r >= 0 && start_revision > 0)
                r = set_i64(create, "start_revision", start_revision);
        if (r >= 0 && prev_kv)
                r = set_new(create, "prev_kv", json_true());
        if (r >= 0 && progress_notify)
                r = set_new(create, "progress_notify", json_true());
        return r < 0 ? r : dump(o, ret);
}

int etcd_build_compact(int64_t revision, bool physical, char **ret) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        int r;

        if (!o)
                return -ENOMEM;
        if (revision <= 0)
                return -EINVAL;
        r = set_i64(o, "revision", revision);
        if (r >= 0 && physical)
                r = set_new(o, "physical", json_true());
        return r < 0 ? r : dump(o, ret);
}

/* ---- parsing ---- */

int etcd_error_to_errno(int grpc_code) {
        switch (grpc_code) {
        case 3:  return -EINVAL;                /* INVALID_ARGUMENT */
        case 4:  return -ETIMEDOUT;             /* DEADLINE_EXCEEDED */
        case 5:  return -ENOENT;                /* NOT_FOUND */
        case 7:  return -EPERM;                 /* PERMISSION_DENIED */
        case 8:  return -ENOSPC;                /* RESOURCE_EXHAUSTED */
        case 11: return -ERANGE;                /* OUT_OF_RANGE: compacted, future revision */
        case 14: return -EAGAIN;                /* UNAVAILABLE: no leader, stopping */
        case 16: return -EACCES;                /* UNAUTHENTICATED */
        default: return -EREMOTEIO;
        }
}

static int load(const char *text, size_t len, json_t **ret) {
        json_error_t err;
        json_t *o;

        if (!text || len > ETCD_MESSAGE_MAX)
                return text ? -E2BIG : -EBADMSG;
        o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
        if (!o)
                return -EBADMSG;
        if (!json_is_object(o)) {
                json_decref(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

static int header_parse(json_t *o, struct etcd_header *h) {
        json_t *v = json_object_get(o, "header");
        int r;

        *h = (struct etcd_header) { 0 };
        if (!v)
                return 0;
        if (!json_is_object(v))
                return -EBADMSG;
        r = get_u64(v, "cluster_id", &h->cluster_id);
        if (r >= 0)
                r = get_u64(v, "member_id", &h->member_id);
        if (r >= 0)
                r = get_u64(v, "raft_term", &h->raft_term);
        if (r >= 0)
                r = get_i64(v, "revision", &h->revision);
        return r;
}

static void kv_done(struct etcd_kv *kv) {
        free(kv->key);
        free(kv->value);
        *kv = (struct etcd_kv) { 0 };
}

static int kv_parse(json_t *o, struct etcd_kv *kv) {
        int r;

        *kv = (struct etcd_kv) { 0 };
        if (!json_is_object(o))
                return -EBADMSG;
        r = get_b64(o, "key", ETCD_KEY_MAX, &kv->key, &kv->key_len);
        if (r >= 0 && kv->key_len == 0)
                r = -EBADMSG;                   /* etcd has no empty key */
        if (r >= 0)
                r = get_b64(o, "value", ETCD_VALUE_MAX, &kv->value, &kv->value_len);
        if (r >= 0)
                r = get_i64(o, "create_revision", &kv->create_revision);
        if (r >= 0)
                r = get_i64(o, "mod_revision", &kv->mod_revision);
        if (r >= 0 && kv->mod_revision == 0)
                r = -EBADMSG;                   /* every key was changed at some revision */
        if (r >= 0)
                r = get_i64(o, "version", &kv->version);
        if (r >= 0)
                r = get_i64(o, "lease", &kv->lease);
        if (r < 0)
                kv_done(kv);
        return r;
}

/* The error shapes: a unary one {"error":"...","code":5,"message":"..."},
 * a stream's {"error":{"grpc_code":14,"message":"..."}}. Returns 1 if O
 * is an error (CODE, MESSAGE set), 0 if not. */
static int error_parse(json_t *o, int *code, char **message) {
        json_t *e = json_object_get(o, "error"), *c;
        int r;

        if (!e)
                return 0;
        if (json_is_string(e)) {
                c = json_object_get(o, "code");
                r = get_message(o, "message", message);
                if (r >= 0 && !*message)
                        r = get_message(o, "error", message);
        } else if (json_is_object(e)) {
                c = json_object_get(e, "grpc_code");
                r = get_message(e, "message", message);
        } else
                return -EBADMSG;
        if (r < 0)
                return r;
        if (c && (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 1000)) {
                free(*message);
                *message = NULL;
                return -EBADMSG;
        }
        *code = c ? (int) json_integer_value(c) : 2;    /* UNKNOWN */
        if (*code == 0)
                *code = 2;                      /* an error that says OK is still an error */
        return 1;
}

void etcd_reply_done(struct etcd_reply *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n_kvs; i++)
                kv_done(&r->kvs[i]);
        free(r->kvs);
        free(r->error_message);
        *r = (struct etcd_reply) { 0 };
}

static int kvs_parse(json_t *o, struct etcd_reply *ret) {
        json_t *a = json_object_get(o, "kvs"), *v;
        size_t i;
        int r;

        if (!a)
                return 0;                       /* none */
        if (!json_is_array(a))
                return -EBADMSG;
        if (json_array_size(a) > ETCD_OBJECTS_MAX)
                return -E2BIG;
        if (json_array_size(a) == 0)
                return 0;
        ret->kvs = calloc(json_array_size(a), sizeof *ret->kvs);
        if (!ret->kvs)
                return -ENOMEM;
        json_array_foreach(a, i, v) {
                r = kv_parse(v, &ret->kvs[i]);
                if (r < 0)
                        return r;
                ret->n_kvs++;
        }
        return 0;
}

static int reply_fields(enum etcd_reply_kind kind, json_t *o, struct etcd_reply *ret) {
        int r = header_parse(o, &ret->header);

        if (r < 0)
                return r;
        /* Every answer of a member in a cluster carries its revision (>= 1). */
        if (ret->header.revision <= 0)
                return -EBADMSG;
        switch (kind) {
        case ETCD_REPLY_RANGE:
                r = kvs_parse(o, ret);
                if (r >= 0)
                        r = get_bool(o, "more", &ret->more);
                if (r >= 0)
                        r = get_i64(o, "count", &ret->count);
                return r;
        case ETCD_REPLY_DELETE:
                return get_i64(o, "deleted", &ret->deleted);
        case ETCD_REPLY_LEASE_GRANT:
        case ETCD_REPLY_LEASE_KEEPALIVE:
                r = get_i64(o, "ID", &ret->lease_id);
                if (r >= 0)
                        r = get_i64(o, "TTL", &ret->ttl);
                if (r >= 0 && ret->lease_id == 0)
                        r = -EBADMSG;
                if (r >= 0 && kind == ETCD_REPLY_LEASE_GRANT && ret->ttl == 0)
                        r = -EBADMSG;
                return r;
        case ETCD_REPLY_PUT:
        case ETCD_REPLY_LEASE_REVOKE:
        case ETCD_REPLY_COMPACT:
                return 0;
        }
        return -EINVAL;
}

int etcd_reply_parse(enum etcd_reply_kind kind, const char *body, size_t len, struct etcd_reply *ret) {
        _cleanup_(json_decrefp) json_t *o = NULL;
        json_t *fields;
        int r;

        assert(ret);
        *ret = (struct etcd_reply) { 0 };
        r = load(body, len, &o);
        if (r < 0)
                return r;
        r = error_parse(o, &ret->error_code, &ret->error_message);
        if (r < 0)
                goto fail;
        if (r > 0)
                return etcd_error_to_errno(ret->error_code);

        fields = o;
        if (kind == ETCD_REPLY_LEASE_KEEPALIVE) {
                fields = json_object_get(o, "result");
                if (!json_is_object(fields)) {
                        r = -EBADMSG;
                        goto fail;
                }
        }
        r = reply_fields(kind, fields, ret);
        if (r < 0)
                goto fail;
        /* The only sign a keepalive gives of a lease that is gone. */
        if (kind == ETCD_REPLY_LEASE_KEEPALIVE && ret->ttl == 0)
                return -ENOENT;
        return 0;
fail:
        etcd_reply_done(ret);
        return r;
}

static void event_done(struct etcd_event *e) {
        kv_done(&e->kv);
        kv_done(&e->prev_kv);
}

void etcd_watch_message_done(struct etcd_watch_message *m) {
        if (!m)
                return;
        for (size_t i = 0; i < m->n_events; i++)
                event_done(&m->events[i]);
        free(m->events);
        free(m->cancel_reason);
        free(m->error_message);
        *m = (struct etcd_watch_message) { 0 };
}

static int event_parse(json_t *o, struct etcd_event *e) {
        json_t *t, *kv, *prev;
        int r;

        *e = (struct etcd_event) { 0 };
        if (!json_is_object(o))
                return -EBADMSG;
        t = json_object_get(o, "type");
        if (!t || (json_is_string(t) && strcmp(json_string_value(t), "PUT") == 0))
                e->type = ETCD_EVENT_PUT;       /* the default, so usually left out */
        else if (json_is_string(t) && strcmp(json_string_value(t), "DELETE") == 0)
                e->type = ETCD_EVENT_DELETE;
        else
                return -EBADMSG;
        kv = json_object_get(o, "kv");
        if (!kv)
                return -EBADMSG;
        r = kv_parse(kv, &e->kv);
        if (r < 0)
                return r;
        prev = json_object_get(o, "prev_kv");
        if (prev) {
                r = kv_parse(prev, &e->prev_kv);
                if (r < 0) {
                        event_done(e);
                        return r;
                }
                e->has_prev_kv = true;
        }
        return 0;
}

int etcd_watch_message_parse(const char *line, size_t len, struct etcd_watch_message *ret) {
        _cleanup_(json_decrefp) json_t *o = NULL;
        json_t *res, *a, *v;
        size_t i;
        int r;

        assert(ret);
        *ret = (struct etcd_watch_message) { 0 };
        r = load(line, len, &o);
        if (r < 0)
                return r;
        r = error_parse(o, &ret->error_code, &ret->error_message);
        if (r < 0)
                goto fail;
        if (r > 0)
                return etcd_error_to_errno(ret->error_code);

        res = json_object_get(o, "result");
        if (!json_is_object(res)) {
                r = -EBADMSG;
                goto fail;
        }
        r = header_parse(res, &ret->header);
        if (r >= 0)
                r = get_i64(res, "watch_id", &ret->watch_id);
        if (r >= 0)
                r = get_bool(res, "created", &ret->created);
        if (r >= 0)
                r = get_bool(res, "canceled", &ret->canceled);
        if (r >= 0)
                r = get_i64(res, "compact_revision", &ret->compact_revision);
        if (r >= 0)
                r = get_message(res, "cancel_reason", &ret->cancel_reason);
        if (r < 0)
                goto fail;

        a = json_object_get(res, "events");
        if (a) {
                if (!json_is_array(a)) {
                        r = -EBADMSG;
                        goto fail;
                }
                if (json_array_size(a) > ETCD_OBJECTS_MAX) {
                        r = -E2BIG;
                        goto fail;
                }
                if (json_array_size(a) > 0) {
                        ret->events = calloc(json_array_size(a), sizeof *ret->events);
                        if (!ret->events) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }
                json_array_foreach(a, i, v) {
                        r = event_parse(v, &ret->events[i]);
                        if (r < 0)
                                goto fail;
                        ret->n_events++;
                }
        }
        return 0;
fail:
        etcd_watch_message_done(ret);
        return r;
}

/* ---- lines ---- */

static int line_call(const char *line, size_t len, etcd_line_fn fn, void *userdata) {
        if (len > 0 && line[len - 1] == '\r')
                len--;
        if (len == 0)
                return 0;
        return fn(line, len, userdata);
}

int etcd_lines_feed(struct etcd_lines *l, const void *data, size_t len, etcd_line_fn fn, void *userdata) {
        const char *p = data, *end = p + len;
        int r;

        assert(l);
        assert(fn);
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);

                if (n > ETCD_MESSAGE_MAX - l->len)
                        return -EBADMSG;
                if (nl && l->len == 0) {
                        /* The whole line is here: no copy. */
                        p = nl + 1;
                        r = line_call(nl - n, n, fn, userdata);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (l->len + n + 1 > l->size) {
                        size_t size = l->size ? l->size : 4096;
                        while (size < l->len + n + 1)
                                size *= 2;
                        char *b = realloc(l->buf, size);
                        if (!b)
                                return -ENOMEM;
                        l->buf = b;
                        l->size = size;
                }
                memcpy(l->buf + l->len, p, n);
                l->len += n;
                p += n;
                if (nl) {
                        size_t m = l->len;
                        p++;
                        l->len = 0;
                        r = line_call(l->buf, m, fn, userdata);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int etcd_lines_finish(const struct etcd_lines *l) {
        for (size_t i = 0; i < l->len; i++)
                if (!strchr(" \t\r", l->buf[i]))
                        return -EBADMSG;
        return 0;
}

void etcd_lines_done(struct etcd_lines *l) {
        free(l->buf);
        *l = (struct etcd_lines) { 0 };
}
