/* etcd.c - see etcd.h: etcd's gateway on the loop, through http_client.
 *
 * A request is one POST, tried on the client's current endpoint and, if
 * that cannot be reached, on the next ones, all within the request's time.
 * Once a request may have reached etcd it is not sent again, except reads
 * (a put sent twice would make two revisions, a grant two leases).
 *
 * A watch is one POST /v3/watch whose answer never ends: each line is one
 * message. Lines go to etcd_json.c and then to the caller, one update at a
 * time; the caller may free the watch from any update, so after each one we
 * look whether it did before touching anything again. */
#include "etcd.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/clock.h"
#include "basic/list.h"
#include "basic/macros.h"
#include "etcd_json.h"
#include "http/http_client.h"

#define WATCH_ERROR_BODY_MAX (64u * 1024u)
#define HASLEADER_HEADER "Grpc-Metadata-Hasleader: true"

struct etcd_call;

struct etcd_client {
        struct http_client *http;
        char **endpoints;
        size_t n_endpoints;
        size_t current;                         /* where requests go first */
        unsigned connect_ms, request_ms;
        size_t n_watches;
        bool freed;
};

struct etcd_call {
        struct etcd_client *client;
        enum etcd_reply_kind kind;
        const char *path;
        char *body;
        bool read_only;                         /* may be sent again after a lost answer */
        uint64_t deadline_usec;
        size_t endpoint, tries;
        etcd_reply_fn done;
        void *userdata;
};

struct etcd_watch {
        struct etcd_client *client;
        char *body;
        size_t endpoint, tries;
        unsigned idle_s;
        int64_t next_revision;
        struct http_client_call *http;          /* the stream; NULL once it ended */
        struct etcd_lines lines;
        char *error_body;                       /* an answer other than 200, bounded */
        size_t error_len;
        int stop_error;                         /* why we stopped reading, if we did */
        bool over;                              /* COMPACTED or ENDED was reported */
        bool in_callback, free_requested;
        etcd_watch_fn callback;
        void *userdata;
};

static const char *endpoint_url(const struct etcd_client *c, size_t i) {
        return c->endpoints[i];
}

const char *etcd_client_endpoint(const struct etcd_client *c) {
        return endpoint_url(c, c->current);
}

static void client_release(struct etcd_client *c) {
        if (c->endpoints)
                for (size_t i = 0; i < c->n_endpoints; i++)
                        free(c->endpoints[i]);
        free(c->endpoints);
        free(c);
}

DEFINE_POINTER_CLEANUP(struct etcd_client *, client_release)

int etcd_client_new(sd_event *e, const char *const *endpoints, const struct etcd_tls *tls,
                    struct etcd_client **ret) {
        _cleanup_(client_releasep) struct etcd_client *c = NULL;
        size_t n = 0;
        int r;

        assert(e);
        assert(ret);
        if (!endpoints)
                return -EINVAL;
        while (endpoints[n] && n <= ETCD_ENDPOINTS_MAX)
                n++;
        if (n == 0 || n > ETCD_ENDPOINTS_MAX)
                return -EINVAL;
        bool with_tls = tls && tls->ca_file;
        if (tls && !tls->ca_file && (tls->cert_file || tls->key_file))
                return -EINVAL;                 /* a certificate without a CA to check the server with */

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->endpoints = calloc(n, sizeof *c->endpoints);
        if (!c->endpoints)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(endpoints[i]);

                bool https = strncasecmp(endpoints[i], "https://", 8) == 0;
                if (https && !with_tls)
                        return -EINVAL;                 /* https needs the CA (and our certificate) */
                if ((!https && strncasecmp(endpoints[i], "http://", 7) != 0) || len <= 8 || len > 256 ||
                    strpbrk(endpoints[i], " \t\r\n?#"))
                        return -EINVAL;
                /* Without a trailing slash: paths are appended. */
                c->endpoints[i] = strndup(endpoints[i], endpoints[i][len - 1] == '/' ? len - 1 : len);
                if (!c->endpoints[i])
                        return -ENOMEM;
                c->n_endpoints++;
        }
        c->connect_ms = ETCD_CONNECT_TIMEOUT_MS;
        c->request_ms = ETCD_REQUEST_TIMEOUT_MS;
        r = http_client_new(e, &c->http);
        if (r < 0)
                return r;
        if (with_tls) {
                r = http_client_set_tls(c->http, tls->ca_file, tls->cert_file, tls->key_file);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

void etcd_client_free(struct etcd_client *c) {
        if (!c)
                return;
        /* A watch holds a stream of the HTTP client: the caller's bug. */
        assert(c->n_watches == 0);
        c->freed = true;
        /* Answers every pending call with "cancelled": -ECANCELED below. */
        http_client_free(c->http);
        client_release(c);
}

int etcd_client_set_timeouts(struct etcd_client *c, unsigned connect_ms, unsigned request_ms) {
        assert(c);
        if (connect_ms == 0 || request_ms == 0 || connect_ms > request_ms)
                return -EINVAL;
        c->connect_ms = connect_ms;
        c->request_ms = request_ms;
        return 0;
}

/* ---- unary calls ---- */

static void call_free(struct etcd_call *call) {
        free(call->body);
        free(call);
}

DEFINE_POINTER_CLEANUP(struct etcd_call *, call_free)

static void on_call_done(const struct http_client_response *resp, void *userdata);

static int call_send(struct etcd_call *call) {
        struct etcd_client *c = call->client;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        char url[512];

        if (now >= call->deadline_usec)
                return -ETIMEDOUT;
        unsigned left_ms = (unsigned) ((call->deadline_usec - now + 999) / 1000);
        struct http_client_params p = {
                .method = "POST",
                .url = url,
                .content_type = "application/json",
                .body = call->body,
                .len = strlen(call->body),
                .timeout_ms = left_ms,
                .connect_timeout_ms = c->connect_ms < left_ms ? c->connect_ms : left_ms,
                .done = on_call_done,
                .userdata = call,
        };

        snprintf(url, sizeof url, "%s%s", endpoint_url(c, call->endpoint), call->path);
        call->tries++;
        return http_client_start(c->http, &p, NULL);
}

/* Answers and frees the call; touches nothing after DONE (which may free
 * the client). */
static void call_finish(struct etcd_call *call, int r, const struct etcd_reply *reply) {
        etcd_reply_fn done = call->done;
        void *userdata = call->userdata;

        call_free(call);
        done(r, reply, userdata);
}

static int no_answer_errno(const struct http_client_response *resp) {
        if (resp->timed_out)
                return -ETIMEDOUT;
        return resp->request_sent ? -ECONNRESET : -ECONNREFUSED;
}

/* What the answer (or its absence) means, into *REPLY (released by the
 * caller) when etcd said something. Returns 1 if CALL was sent again. */
static int call_outcome(struct etcd_call *call, const struct http_client_response *resp,
                        struct etcd_reply *reply, bool *has_reply) {
        struct etcd_client *c = call->client;
        int r;

        *has_reply = false;
        if (c->freed)
                return -ECANCELED;
        if (resp->status == 0) {
                r = no_answer_errno(resp);
                /* Another endpoint, while there is one not yet tried and
                 * time: when this one could not be reached at all, or for a
                 * read. */
                if ((!resp->request_sent || call->read_only) && call->tries < c->n_endpoints) {
                        call->endpoint = (call->endpoint + 1) % c->n_endpoints;
                        if (!resp->request_sent)
                                c->current = call->endpoint;
                        int k = call_send(call);
                        if (k >= 0)
                                return 1;
                        if (k != -ETIMEDOUT)
                                r = k;
                }
                return r;
        }

        r = etcd_reply_parse(call->kind, resp->body, resp->body_len, reply);
        if (r == -EBADMSG || r == -E2BIG || r == -ENOMEM)
                return r;
        *has_reply = true;
        /* Anything but 200 must say what went wrong, as etcd's errors do. */
        if (r >= 0 && resp->status != 200) {
                etcd_reply_done(reply);
                *has_reply = false;
                return -EBADMSG;
        }
        return r;
}

static void on_call_done(const struct http_client_response *resp, void *userdata) {
        struct etcd_call *call = userdata;
        struct etcd_reply reply = { 0 };
        bool has_reply;
        int r = call_outcome(call, resp, &reply, &has_reply);

        if (r == 1)
                return;                         /* on its way to the next endpoint */
        call_finish(call, r, has_reply ? &reply : NULL);
        etcd_reply_done(&reply);
}

/* Takes BODY, whatever happens. */
static int call_start(struct etcd_client *c, enum etcd_reply_kind kind, const char *path, char *body,
                      bool read_only, etcd_reply_fn done, void *userdata) {
        _cleanup_(call_freep) struct etcd_call *call = NULL;
        _cleanup_free_ char *b = body;
        int r;

        assert(c);
        if (!done)
                return -EINVAL;
        if (c->freed)
                return -ECANCELED;
        call = calloc(1, sizeof *call);
        if (!call)
                return -ENOMEM;
        *call = (struct etcd_call) {
                .client = c,
                .kind = kind,
                .path = path,
                .body = TAKE_PTR(b),
                .read_only = read_only,
                .deadline_usec = now_usec(CLOCK_MONOTONIC) + (uint64_t) c->request_ms * USEC_PER_MSEC,
                .endpoint = c->current,
                .done = done,
                .userdata = userdata,
        };
        r = call_send(call);
        if (r < 0)
                return r;
        TAKE_PTR(call);                         /* on_call_done()'s now */
        return 0;
}

int etcd_get_prefix(struct etcd_client *c, const char *prefix, size_t limit, etcd_reply_fn done, void *userdata) {
        char *body;
        int r = etcd_build_range(prefix, true, limit, 0, &body);

        if (r < 0)
                return r;
        return call_start(c, ETCD_REPLY_RANGE, "/v3/kv/range", body, true, done, userdata);
}

int etcd_put(struct etcd_client *c, const char *key, const void *value, size_t value_len, int64_t lease,
             etcd_reply_fn done, void *userdata) {
        char *body;
        int r = etcd_build_put(key, value, value_len, lease, false, &body);

        if (r < 0)
                return r;
        return call_start(c, ETCD_REPLY_PUT, "/v3/kv/put", body, false, done, userdata);
}

int etcd_delete(struct etcd_client *c, const char *key, bool prefix, etcd_reply_fn done, void *userdata) {
        char *body;
        int r = etcd_build_delete(key, prefix, false, &body);

        if (r < 0)
                return r;
        return call_start(c, ETCD_REPLY_DELETE, "/v3/kv/deleterange", body, false, done, userdata);
}

int etcd_lease_grant(struct etcd_client *c, int64_t ttl, etcd_reply_fn done, void *userdata) {
        char *body;
        int r = etcd_build_lease_grant(ttl, &body);

        if (r < 0)
                return r;
        return call_start(c, ETCD_REPLY_LEASE_GRANT, "/v3/lease/grant", body, false, done, userdata);
}

int etcd_lease_keepalive(struct etcd_client *c, int64_t lease, etcd_reply_fn done, void *userdata) {
        char *body;
        int r = etcd_build_lease_id(lease, &body);

        if (r < 0)
                return r;
        /* Renewing twice does no harm: it may be sent again. */
        return call_start(c, ETCD_REPLY_LEASE_KEEPALIVE, "/v3/lease/keepalive", body, true, done, userdata);
}

int etcd_lease_revoke(struct etcd_client *c, int64_t lease, etcd_reply_fn done, void *userdata) {
        char *body;
        int r = etcd_build_lease_id(lease, &body);

        if (r < 0)
                return r;
        return call_start(c, ETCD_REPLY_LEASE_REVOKE, "/v3/lease/revoke", body, false, done, userdata);
}

int etcd_compact(struct etcd_client *c, int64_t revision, etcd_reply_fn done, void *userdata) {
        char *body;
        int r = etcd_build_compact(revision, true, &body);

        if (r < 0)
                return r;
        return call_start(c, ETCD_REPLY_COMPACT, "/v3/kv/compaction", body, false, done, userdata);
}

/* ---- the watch ---- */

/* Touches nothing of the client: it may be gone already (below). */
static void watch_destroy(struct etcd_watch *w) {
        etcd_lines_done(&w->lines);
        free(w->error_body);
        free(w->body);
        free(w);
}

void etcd_watch_free(struct etcd_watch *w) {
        if (!w)
                return;
        if (!w->free_requested) {
                /* Counted off now: the caller may free the client next,
                 * from the same callback. */
                assert(w->client->n_watches > 0);
                w->client->n_watches--;
                w->free_requested = true;
        }
        if (w->in_callback)
                return;                         /* freed by whoever called it, once it returns */
        if (w->http)
                http_client_cancel(w->client->http, w->http);
        watch_destroy(w);
}

int64_t etcd_watch_next_revision(const struct etcd_watch *w) {
        return w->next_revision;
}

/* Calls the callback; returns false if the watch was freed in it (it is
 * then left to the caller of this to destroy it). */
static bool watch_report(struct etcd_watch *w, const struct etcd_watch_update *u) {
        if (u->kind == ETCD_WATCH_COMPACTED || u->kind == ETCD_WATCH_ENDED)
                w->over = true;
        w->in_callback = true;
        w->callback(w, u, w->userdata);
        w->in_callback = false;
        return !w->free_requested;
}

static int on_watch_line(const char *line, size_t len, void *userdata) {
        struct etcd_watch *w = userdata;
        struct etcd_watch_message m;
        struct etcd_watch_update u = { 0 };
        bool alive;
        int r;

        if (w->over)                            /* nothing after the end */
                return -ECANCELED;
        r = etcd_watch_message_parse(line, len, &m);
        if (r < 0 && m.error_code == 0) {
                w->stop_error = r;              /* not etcd's: ENDED when the stream is closed */
                return r;
        }
        if (r < 0) {
                u = (struct etcd_watch_update) { .kind = ETCD_WATCH_ENDED, .error = r, .message = m.error_message };
                /* The stream stops here, whether the watch was freed or not. */
                (void) watch_report(w, &u);
                etcd_watch_message_done(&m);
                return -ECANCELED;
        }

        if (m.canceled) {
                if (m.compact_revision > 0)
                        u = (struct etcd_watch_update) { .kind = ETCD_WATCH_COMPACTED, .revision = m.compact_revision };
                else {
                        /* etcd's reasons are words only: "no leader" is the one to act on. */
                        bool no_leader = m.cancel_reason && strstr(m.cancel_reason, "no leader");
                        u = (struct etcd_watch_update) {
                                .kind = ETCD_WATCH_ENDED,
                                .error = no_leader ? -EAGAIN : -ECANCELED,
                                .message = m.cancel_reason,
                        };
                }
        } else if (m.created) {
                /* Events from an older start revision are still to come:
                 * only a watch from now on is at the store's revision. */
                if (w->next_revision == 0)
                        w->next_revision = m.header.revision + 1;
                u = (struct etcd_watch_update) { .kind = ETCD_WATCH_CREATED, .revision = m.header.revision };
        } else if (m.n_events > 0) {
                w->next_revision = m.events[m.n_events - 1].kv.mod_revision + 1;
                u = (struct etcd_watch_update) {
                        .kind = ETCD_WATCH_EVENTS,
                        .revision = m.header.revision,
                        .events = m.events,
                        .n_events = m.n_events,
                };
        } else {
                /* A progress notification: everything up to its revision was said. */
                if (m.header.revision >= w->next_revision)
                        w->next_revision = m.header.revision + 1;
                u = (struct etcd_watch_update) { .kind = ETCD_WATCH_PROGRESS, .revision = m.header.revision };
        }
        alive = watch_report(w, &u);
        etcd_watch_message_done(&m);
        if (!alive || w->over)
                return -ECANCELED;
        return 0;
}

static int on_watch_data(long status, const void *data, size_t len, void *userdata) {
        struct etcd_watch *w = userdata;
        int r;

        if (status != 200) {
                /* etcd's error, whole, for the end. */
                size_t n = len < WATCH_ERROR_BODY_MAX - w->error_len ? len : WATCH_ERROR_BODY_MAX - w->error_len;
                if (n == 0)
                        return 0;
                char *b = realloc(w->error_body, w->error_len + n + 1);
                if (!b)
                        return -ENOMEM;
                memcpy(b + w->error_len, data, n);
                w->error_len += n;
                b[w->error_len] = '\0';
                w->error_body = b;
                return 0;
        }
        r = etcd_lines_feed(&w->lines, data, len, on_watch_line, w);
        if (r >= 0)
                return 0;
        if (w->free_requested) {
                /* Freed from a callback: the stream goes with it - unless
                 * the client was freed too, which ended it already. */
                if (w->http)
                        http_client_cancel(w->client->http, w->http);
                watch_destroy(w);
                return 0;
        }
        if (!w->over && w->stop_error == 0)
                w->stop_error = r;
        return r;                               /* ends the stream: on_watch_done() */
}

static void on_watch_done(const struct http_client_response *resp, void *userdata);

static int watch_send(struct etcd_watch *w) {
        struct etcd_client *c = w->client;
        char url[512];
        struct http_client_params p = {
                .method = "POST",
                .url = url,
                .header = HASLEADER_HEADER,
                .content_type = "application/json",
                .body = w->body,
                .len = strlen(w->body),
                .connect_timeout_ms = c->connect_ms,
                .idle_timeout_s = w->idle_s,
                .data = on_watch_data,
                .done = on_watch_done,
                .userdata = w,
        };

        snprintf(url, sizeof url, "%s/v3/watch", endpoint_url(c, w->endpoint));
        w->tries++;
        return http_client_start(c->http, &p, &w->http);
}

static void on_watch_done(const struct http_client_response *resp, void *userdata) {
        struct etcd_watch *w = userdata;
        struct etcd_client *c = w->client;
        struct etcd_watch_update u = { .kind = ETCD_WATCH_ENDED };
        struct etcd_watch_message m = { 0 };
        char message[256];

        w->http = NULL;
        /* Said already (the caller frees it), or freed in a callback that
         * then freed the client too (whoever called it destroys it). */
        if (w->over || w->free_requested)
                return;

        if (resp->status == 0) {
                if (!resp->request_sent && w->tries < c->n_endpoints && w->stop_error == 0) {
                        w->endpoint = (w->endpoint + 1) % c->n_endpoints;
                        c->current = w->endpoint;
                        if (watch_send(w) >= 0)
                                return;
                }
                u.error = w->stop_error ? w->stop_error : no_answer_errno(resp);
                u.message = resp->error;
                if (w->stop_error == -EBADMSG)
                        u.message = "not a watch message from etcd";
        } else if (resp->status != 200) {
                int r = w->error_body ? etcd_watch_message_parse(w->error_body, w->error_len, &m) : -EBADMSG;
                u.error = r < 0 && m.error_code != 0 ? r : -EBADMSG;
                snprintf(message, sizeof message, "HTTP status %ld%s%s", resp->status,
                         m.error_message ? ": " : "", m.error_message ? m.error_message : "");
                u.message = message;
        } else if (etcd_lines_finish(&w->lines) < 0) {
                u.error = -EBADMSG;
                u.message = "the watch stream ended in the middle of a message";
        } else {
                u.error = -ECONNRESET;
                u.message = "the watch stream ended";
        }
        bool alive = watch_report(w, &u);
        etcd_watch_message_done(&m);
        if (!alive)
                watch_destroy(w);
}

int etcd_watch_new(struct etcd_client *c, const char *prefix, int64_t start_revision, bool prev_kv,
                   unsigned idle_s, etcd_watch_fn callback, void *userdata, struct etcd_watch **ret) {
        struct etcd_watch *w;
        int r;

        assert(c);
        assert(ret);
        if (!callback || start_revision < 0)
                return -EINVAL;
        if (c->freed)
                return -ECANCELED;
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        r = etcd_build_watch_create(prefix, true, start_revision, prev_kv, true, &w->body);
        if (r < 0) {
                free(w);
                return r;
        }
        w->client = c;
        w->endpoint = c->current;
        w->idle_s = idle_s > 0 ? idle_s : ETCD_WATCH_IDLE_S;
        w->next_revision = start_revision;
        w->callback = callback;
        w->userdata = userdata;
        r = watch_send(w);
        if (r < 0) {
                watch_destroy(w);
                return r;
        }
        c->n_watches++;
        *ret = w;
        return 0;
}
