/* http_client.c - see http_client.h: outgoing HTTP requests, libcurl's
 * multi interface on the sd-event loop.
 *
 * The glue between libcurl's multi interface and sd-event: curl tells us
 * which sockets to watch for what (on_curl_socket) and when to wake it up
 * (on_curl_timer); we tell it what happened with curl_multi_socket_action()
 * and then collect the finished transfers with curl_multi_info_read().
 *
 * A done callback may start new requests, and may even free the client.
 * While callbacks run the client holds an extra reference: freeing it from
 * one cancels and releases everything at once, but the struct itself lives
 * until the dispatch loop that called the callback has seen the "freed" mark. */
#include "http_client.h"

#include <assert.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "basic/clock.h"
#include "basic/grow.h"
#include "basic/list.h"
#include "basic/log.h"
#include "basic/macros.h"

/* One socket curl asked us to watch. Kept in a list as well as with
 * curl_multi_assign(), so that none outlives the client. */
struct watch {
        struct http_client *client;
        curl_socket_t fd;
        sd_event_source *io;
        LIST_FIELDS(struct watch, watches);
};

struct http_client_call {
        struct http_client *client;
        CURL *easy;
        struct curl_slist *headers;
        http_client_done_fn done;
        void *userdata;
        uint64_t start_usec;
        char *body;
        size_t body_len, body_size;
        bool too_large;
        char error[CURL_ERROR_SIZE];            /* curl's own words for a failure */
        LIST_FIELDS(struct http_client_call, requests);
        uint64_t deadline_usec;                 /* start + timeout: the queue counts too */
        bool started;                           /* handed to curl (else waiting) */
        struct http_client_call *wait_next;       /* the wait queue (below) */
        unsigned timeout_ms, connect_timeout_ms;
        bool timed_out;                         /* a time bound ran out */
        /* A stream: the body goes to data() as it comes, from the loop. The
         * bytes wait in body until then, and the request on with_data. */
        http_client_data_fn data;
        bool on_data_list;
        LIST_FIELDS(struct http_client_call, with_data);
        /* data() is running: whatever ends the request meanwhile leaves the
         * struct to be freed after it returns. */
        bool in_callback, gone;
        /* A stream has no end to wait for; silence is what bounds it. Not
         * curl's LOW_SPEED_*: the request's own bytes count as speed there. */
        sd_event_source *idle_timer;
        uint64_t idle_usec, last_data_usec;
};

struct http_client {
        unsigned n_ref;
        bool freed;                             /* http_client_free() was called */
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;                 /* the one timer curl asks for */
        struct watch *watches;                  /* LIST_FIELDS(watches) */
        struct http_client_call *requests;        /* pending: started or waiting; LIST_FIELDS(requests) */
        size_t n_pending;
        /* Requests past HTTP_CLIENT_MAX_RUNNING wait here, first in first out:
         * libcurl's own queue for connection limits is rescanned whole on
         * every change, which stalled the loop with tens of thousands queued.
         * A singly linked queue with its own tail, not list.h (which adds at
         * the head only): requests join at the tail and leave at the head. */
        struct http_client_call *wait_head, *wait_tail;
        size_t n_running;
        struct http_client_call *with_data;     /* streams with bytes for data(); LIST_FIELDS(with_data) */
        /* https:// once http_client_set_tls() was called: whom to trust and
         * who we are (files, PEM). */
        char *tls_ca, *tls_cert, *tls_key;
};

#define CHECK_CURL(x) do { if ((x) != CURLE_OK) return -EIO; } while (0)

static void client_unref(struct http_client *c) {
        if (--c->n_ref > 0)
                return;
        sd_event_unref(c->event);
        free(c->tls_ca);
        free(c->tls_cert);
        free(c->tls_key);
        free(c);
}

int http_client_set_tls(struct http_client *c, const char *ca_file, const char *cert_file, const char *key_file) {
        assert(c && ca_file);
        if (!cert_file != !key_file)
                return -EINVAL;
        free(c->tls_ca);
        free(c->tls_cert);
        free(c->tls_key);
        c->tls_ca = strdup(ca_file);
        c->tls_cert = cert_file ? strdup(cert_file) : NULL;
        c->tls_key = key_file ? strdup(key_file) : NULL;
        if (!c->tls_ca || (cert_file && (!c->tls_cert || !c->tls_key)))
                return -ENOMEM;
        return 0;
}

/* TLS for an https:// request: only the client's CA is trusted (not the
 * system's), the server's name or address must be in its certificate, TLS
 * 1.2 at least; our own certificate when there is one. */
static int tls_setup(struct http_client *c, CURL *h) {
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_CAINFO, c->tls_ca));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_CAPATH, NULL));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2));
        if (c->tls_cert) {
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_SSLCERT, c->tls_cert));
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_SSLKEY, c->tls_key));
        }
        return 0;
}

static void watch_free(struct watch *w) {
        LIST_REMOVE(watches, w->client->watches, w);
        /* Disable, not just unref: the source may be the one sd-event is
         * dispatching (it then lives on until that returns), and the fd must
         * leave epoll now, before curl closes it and the number is reused. */
        sd_event_source_disable_unref(w->io);
        free(w);
}

static void request_unlink(struct http_client *c, struct http_client_call *req) {
        LIST_REMOVE(requests, c->requests, req);
        c->n_pending--;
        if (req->on_data_list) {
                LIST_REMOVE(with_data, c->with_data, req);
                req->on_data_list = false;
        }
}

static void request_free(struct http_client_call *req) {
        if (req->easy)
                curl_easy_cleanup(req->easy);
        curl_slist_free_all(req->headers);
        sd_event_source_disable_unref(req->idle_timer);
        free(req->body);
        free(req);
}

DEFINE_POINTER_CLEANUP(struct http_client_call *, request_free)

/* Take the request out of the client and curl, answer it and free it. */
static void request_finish(struct http_client *c, struct http_client_call *req, long status,
                           const char *error) {
        struct http_client_response resp = {
                .status = error ? 0 : status,
                .body = !error && !req->data && req->body ? req->body : "",
                .body_len = error || req->data ? 0 : req->body_len,
                .error = error,
                .timed_out = error && req->timed_out,
                .usec = now_usec(CLOCK_MONOTONIC) - req->start_usec,
                .handle = error ? NULL : req->easy,
        };
        char *content_type = NULL;
        long request_size = 0;

        /* Bytes of the request written to a connection: none when it could not
         * be connected (refused, unreachable, or timed out connecting). */
        if (error && (curl_easy_getinfo(req->easy, CURLINFO_REQUEST_SIZE, &request_size) != CURLE_OK ||
                      request_size > 0))
                resp.request_sent = true;
        /* curl keeps the string with the handle, which outlives the callback. */
        if (!error && curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK)
                resp.content_type = content_type;

        request_unlink(c, req);
        if (req->started)
                c->n_running--;
        /* Before the callback: it may add handles, or free the client. */
        (void) curl_multi_remove_handle(c->multi, req->easy);
        req->done(&resp, req->userdata);
        if (req->in_callback)
                req->gone = true;               /* from inside its own data(): freed after */
        else
                request_free(req);
}

/* Hand a stream's bytes to its data(). Returns false when the request is no
 * more: cancelled, or stopped by the receiver, or the client freed. */
static bool request_deliver(struct http_client *c, struct http_client_call *req) {
        long status = 0;
        size_t n = req->body_len;
        int r;

        if (req->on_data_list) {
                LIST_REMOVE(with_data, c->with_data, req);
                req->on_data_list = false;
        }
        if (n == 0)
                return true;
        (void) curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
        /* No curl call runs during data(), so nothing is appended meanwhile. */
        req->body_len = 0;
        req->in_callback = true;
        r = req->data(status, req->body, n, req->userdata);
        req->in_callback = false;
        if (req->gone) {
                request_free(req);
                return false;
        }
        if (r < 0) {
                request_finish(c, req, 0, "stopped by the receiver");
                return false;
        }
        return true;
}

/* Every stream's waiting bytes, outside libcurl's callbacks. The caller
 * holds a reference to C: a data() may free the client. */
static void deliver_all(struct http_client *c) {
        while (!c->freed && c->with_data)
                (void) request_deliver(c, c->with_data);
}

static void request_complete(struct http_client *c, struct http_client_call *req, CURLcode result) {
        char error[CURL_ERROR_SIZE + 64];
        long status = 0;

        /* What a stream received before it ended is its receiver's. */
        if (req->data && !request_deliver(c, req))
                return;
        req->timed_out = result == CURLE_OPERATION_TIMEDOUT;
        if (req->too_large || result == CURLE_FILESIZE_EXCEEDED) {
                /* The first when the body overflowed our buffer, the second
                 * when Content-Length said it would. */
                snprintf(error, sizeof error, "response body larger than %u bytes",
                         HTTP_CLIENT_MAX_RESPONSE);
                request_finish(c, req, 0, error);
        } else if (result != CURLE_OK) {
                /* A partial answer (reset or timeout in the middle of the
                 * body) is no answer either: status 0. */
                request_finish(c, req, 0, req->error[0] ? req->error : curl_easy_strerror(result));
        } else if (curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status <= 0)
                request_finish(c, req, 0, "no HTTP status in the answer");
        else {
                if (req->body)
                        req->body[req->body_len] = '\0';
                request_finish(c, req, status, NULL);
        }
}

const char *http_client_response_header(const struct http_client_response *resp, const char *name) {
        struct curl_header *h;

        if (!resp->handle ||
            curl_easy_header(resp->handle, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
                return NULL;
        return h->value;
}

/* Hand the request to curl, with what is left of its time. */
static int request_start(struct http_client *c, struct http_client_call *req) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        long left_ms = req->deadline_usec > now ? (long) ((req->deadline_usec - now + 999) / 1000) : 0;
        long connect_ms = left_ms;

        if (left_ms <= 0)
                return -ETIMEDOUT;
        if (req->connect_timeout_ms > 0 && (long) req->connect_timeout_ms < connect_ms)
                connect_ms = (long) req->connect_timeout_ms;
        /* An unbounded stream's deadline bounds only its wait and connection. */
        if (curl_easy_setopt(req->easy, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? left_ms : 0L) != CURLE_OK ||
            curl_easy_setopt(req->easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK)
                return -EIO;
        /* This arms the timer at zero; the request starts from the loop. */
        CURLMcode m = curl_multi_add_handle(c->multi, req->easy);
        if (m != CURLM_OK)
                return m == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
        req->started = true;
        c->n_running++;
        return 0;
}

/* Start waiting requests while there is room. */
static void start_waiting(struct http_client *c) {
        while (!c->freed && c->wait_head && c->n_running < HTTP_CLIENT_MAX_RUNNING) {
                struct http_client_call *req = c->wait_head;
                c->wait_head = req->wait_next;
                if (!c->wait_head)
                        c->wait_tail = NULL;
                req->wait_next = NULL;
                int r = request_start(c, req);
                req->timed_out = r == -ETIMEDOUT;
                if (r < 0)
                        request_finish(c, req, 0, r == -ETIMEDOUT ? "timed out waiting for a connection"
                                                                  : "cannot start the request");
        }
}

/* Answer every transfer curl has finished, then start what waits. */
static void dispatch_done(struct http_client *c) {
        CURLMsg *msg;
        int left;

        c->n_ref++;
        deliver_all(c);
        while (!c->freed && (msg = curl_multi_info_read(c->multi, &left))) {
                char *priv = NULL;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK || !priv) {
                        log_error("curl finished a transfer that is not ours");
                        (void) curl_multi_remove_handle(c->multi, msg->easy_handle);
                        continue;
                }
                request_complete(c, (struct http_client_call *) priv, msg->data.result);
        }
        start_waiting(c);
        client_unref(c);
}

static void socket_action(struct http_client *c, curl_socket_t fd, int events) {
        int running;
        CURLMcode m = curl_multi_socket_action(c->multi, fd, events, &running);

        if (m != CURLM_OK)
                log_error("curl_multi_socket_action() failed: %s", curl_multi_strerror(m));
        dispatch_done(c);
}

/* The handlers return 0 whatever happened: a negative value would make
 * sd-event disable the source, and every request on it would hang. */
static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        int events = 0;

        if (revents & EPOLLIN)
                events |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                events |= CURL_CSELECT_OUT;
        if (revents & EPOLLERR)
                events |= CURL_CSELECT_ERR;
        socket_action(userdata, fd, events);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        socket_action(userdata, CURL_SOCKET_TIMEOUT, 0);
        return 0;
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userdata, void *socketp) {
        struct http_client *c = userdata;
        struct watch *w = socketp;
        uint32_t events = 0;
        int r;

        if (what == CURL_POLL_REMOVE) {
                if (w)
                        watch_free(w);
                return 0;
        }
        if (what & CURL_POLL_IN)
                events |= EPOLLIN;
        if (what & CURL_POLL_OUT)
                events |= EPOLLOUT;

        if (w) {
                r = sd_event_source_set_io_events(w->io, events);
                if (r < 0) {
                        log_error_errno(r, "Cannot change the events of an HTTP client socket");
                        return -1;
                }
                return 0;
        }

        w = calloc(1, sizeof *w);
        if (!w) {
                log_error_errno(-ENOMEM, "Cannot watch an HTTP client socket");
                return -1;
        }
        r = sd_event_add_io(c->event, &w->io, fd, events, on_io, c);
        if (r < 0) {
                free(w);
                log_error_errno(r, "Cannot watch an HTTP client socket");
                return -1;
        }
        (void) sd_event_source_set_description(w->io, "http-client-io");
        w->client = c;
        w->fd = fd;
        LIST_PREPEND(watches, c->watches, w);
        if (curl_multi_assign(c->multi, fd, w) != CURLM_OK) {
                watch_free(w);
                log_error("Cannot attach a watch to an HTTP client socket");
                return -1;
        }
        return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userdata) {
        struct http_client *c = userdata;
        int r;

        if (timeout_ms < 0)                     /* no timer wanted */
                r = sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        else {
                /* 0 means "call me at once": the next loop iteration, never
                 * from inside the call that got us here (add_handle, say). */
                r = sd_event_source_set_time(c->timer, now_usec(CLOCK_MONOTONIC) + (uint64_t) timeout_ms * USEC_PER_MSEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        }
        if (r < 0) {
                log_error_errno(r, "Cannot arm the HTTP client timer");
                return -1;
        }
        return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
        struct http_client_call *req = userdata;
        size_t n = size * nmemb;

        /* For a stream, the bound is on what waits for data(): the bytes of
         * one turn of the loop. */
        if (n > HTTP_CLIENT_MAX_RESPONSE - req->body_len) {
                req->too_large = true;
                return 0;                       /* any count but n fails the transfer */
        }
        if (grow_to(&req->body, &req->body_size, req->body_len + n + 1, 4096) < 0)
                return 0;
        memcpy(req->body + req->body_len, data, n);
        req->body_len += n;
        req->last_data_usec = now_usec(CLOCK_MONOTONIC);
        if (req->data && !req->on_data_list) {
                struct http_client *c = req->client;
                LIST_PREPEND(with_data, c->with_data, req);
                req->on_data_list = true;
        }
        return n;
}

DEFINE_POINTER_CLEANUP(struct http_client *, http_client_free)

/* A stream's idle bound: ends it unless a byte came in the last idle_usec. */
static int on_idle(sd_event_source *s, uint64_t usec, void *userdata) {
        struct http_client_call *req = userdata;
        struct http_client *c = req->client;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        char error[64];

        if (now - req->last_data_usec < req->idle_usec) {
                if (sd_event_source_set_time(s, req->last_data_usec + req->idle_usec) >= 0 &&
                    sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) >= 0)
                        return 0;
        }
        snprintf(error, sizeof error, "nothing received for %llu s",
                 (unsigned long long) (req->idle_usec / USEC_PER_SEC));
        req->timed_out = true;
        c->n_ref++;
        request_finish(c, req, 0, error);
        start_waiting(c);                       /* its room is free */
        client_unref(c);
        return 0;
}

int http_client_new(sd_event *e, struct http_client **ret) {
        static bool curl_ready;
        _cleanup_(http_client_freep) struct http_client *c = NULL;
        int r;

        assert(e);
        assert(ret);
        /* curl_global_init() must run once, and not while another thread
         * uses libcurl: a client belongs to one loop, and a service makes
         * its clients in its main thread before it starts serving threads
         * (which never use libcurl). It is never cleaned up. */
        if (!curl_ready) {
                /* Plain http only: no TLS library to set up. */
                CURLcode cr = curl_global_init(CURL_GLOBAL_NOTHING);
                if (cr != CURLE_OK) {
                        log_error("Cannot initialize libcurl: %s", curl_easy_strerror(cr));
                        return -EIO;
                }
                curl_ready = true;
        }

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->n_ref = 1;
        c->event = sd_event_ref(e);

        r = sd_event_add_time(e, &c->timer, CLOCK_MONOTONIC, 0, 0, on_timer, c);
        if (r < 0)
                return log_error_errno(r, "Cannot create the HTTP client");
        /* sd-event's default accuracy is 250 ms: a timer curl wants "now"
         * (to start a request) would then wait up to that long. */
        r = sd_event_source_set_time_accuracy(c->timer, 1);
        if (r < 0)
                return log_error_errno(r, "Cannot create the HTTP client");
        r = sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Cannot create the HTTP client");
        (void) sd_event_source_set_description(c->timer, "http-client-timer");

        c->multi = curl_multi_init();
        if (!c->multi)
                return log_error_errno(-ENOMEM, "Cannot create the HTTP client");
        if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK ||
            /* At most HTTP_CLIENT_MAX_RUNNING requests run (see start_waiting()),
             * so at most that many sockets are open; the cache keeps a few. */
            curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long) HTTP_CLIENT_MAX_RUNNING) != CURLM_OK)
                return log_error_errno(-EIO, "Cannot create the HTTP client");
        *ret = TAKE_PTR(c);
        return 0;
}

void http_client_free(struct http_client *c) {
        if (!c || c->freed)
                return;
        c->freed = true;

        /* A cancelled callback that asks for a new request gets -ECANCELED. */
        c->wait_head = c->wait_tail = NULL;
        while (c->requests)
                request_finish(c, c->requests, 0, "cancelled");
        if (c->multi)
                curl_multi_cleanup(c->multi);   /* closes the cached connections */
        c->multi = NULL;
        while (c->watches)                      /* curl removes them itself; in case it did not */
                watch_free(c->watches);
        c->timer = sd_event_source_disable_unref(c->timer);
        client_unref(c);
}

size_t http_client_pending(const struct http_client *c) {
        return c->n_pending;
}

/* A method is an HTTP token; anything else would let a caller forge the
 * request line. */
static bool method_valid(const char *method) {
        size_t n = strlen(method);

        return n > 0 && n < 32 &&
               strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") == n;
}

static int request_setup(struct http_client_call *req, const struct http_client_params *p) {
        const char *method = p->method, *content_type = p->content_type;
        const void *body = p->body;
        size_t len = p->len;
        char header[512];
        CURL *h = req->easy;
        struct curl_slist *l;

        CHECK_CURL(curl_easy_setopt(h, CURLOPT_URL, p->url));
        if (strncasecmp(p->url, "https://", 8) == 0) {
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https"));
                int r = tls_setup(req->client, h);
                if (r < 0)
                        return r;
        } else
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http"));    /* libcurl >= 7.85 */
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http"));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
        /* dgo services talk to each other directly: an http_proxy in the
         * environment must not reroute them. */
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_PROXY, ""));
        /* No signals from curl: they would hit the whole service. */
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
        /* The connection is part of the request, so its timeout is the
         * same bound (curl's own default would be 300 s). */
        long ms = p->timeout_ms > INT_MAX ? INT_MAX : (long) p->timeout_ms;
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                                    p->connect_timeout_ms > 0 ? (long) p->connect_timeout_ms : ms));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_USERAGENT, "dgo/" DGO_VERSION));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, req->error));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_PRIVATE, req));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body));
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_WRITEDATA, req));
        /* Fails at once when Content-Length announces too much (a stream
         * has none, and no bound on its whole length). */
        if (!p->data)
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) HTTP_CLIENT_MAX_RESPONSE));

        if (body) {
                /* The size first: COPYPOSTFIELDS then copies that many bytes,
                 * NULs included, instead of strlen(). */
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len));
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body));
        } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
                /* An empty body, sent with "Content-Length: 0". */
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) 0));
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, ""));
        }
        /* A body makes curl send a POST, no body a GET; any other method
         * (or a GET with a body) is named explicitly. */
        if (strcmp(method, "HEAD") == 0)
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_NOBODY, 1L));     /* no body will follow */
        else if (strcmp(method, "POST") != 0 && !(strcmp(method, "GET") == 0 && !body))
                CHECK_CURL(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method));

        /* "Expect:" turns off "Expect: 100-continue", which would hold a
         * larger body back for a second or until the server says go on.
         * "Content-Type:" without a value keeps curl from labelling a body
         * application/x-www-form-urlencoded. */
        if (content_type)
                snprintf(header, sizeof header, "Content-Type: %s", content_type);
        else
                snprintf(header, sizeof header, "Content-Type:");
        l = curl_slist_append(NULL, "Expect:");
        if (!l)
                return -ENOMEM;
        req->headers = l;
        if (!curl_slist_append(l, header))
                return -ENOMEM;
        if (p->header && !curl_slist_append(l, p->header))
                return -ENOMEM;
        CHECK_CURL(curl_easy_setopt(h, CURLOPT_HTTPHEADER, req->headers));
        return 0;
}

int http_client_request(struct http_client *c, const char *method, const char *url,
                        const char *content_type, const void *body, size_t len,
                        unsigned timeout_ms, http_client_done_fn done, void *userdata) {
        return http_client_request_with_header(c, method, url, NULL, content_type, body, len, timeout_ms, done,
                                               userdata);
}

int http_client_request_with_header(struct http_client *c, const char *method, const char *url,
                                    const char *header, const char *content_type, const void *body, size_t len,
                                    unsigned timeout_ms, http_client_done_fn done, void *userdata) {
        const struct http_client_params p = {
                .method = method, .url = url, .header = header, .content_type = content_type,
                .body = body, .len = len, .timeout_ms = timeout_ms, .done = done, .userdata = userdata,
        };

        if (timeout_ms == 0)
                return -EINVAL;
        return http_client_start(c, &p, NULL);
}

int http_client_start(struct http_client *c, const struct http_client_params *p, struct http_client_call **ret) {
        _cleanup_(request_freep) struct http_client_call *req = NULL;
        int r;

        if (!c || !p || !p->method || !p->url || !p->done || (!p->body && p->len > 0) ||
            !method_valid(p->method) ||
            (strncasecmp(p->url, "http://", 7) != 0 && !(c->tls_ca && strncasecmp(p->url, "https://", 8) == 0)) ||
            (p->content_type && (strpbrk(p->content_type, "\r\n") || strlen(p->content_type) > 256)) ||
            (p->header && (strpbrk(p->header, "\r\n") || !strchr(p->header, ':'))))
                return -EINVAL;
        /* Every request is bounded: by its time, or (a stream) by its
         * connection's time and its silence. */
        if (p->timeout_ms == 0 && (!p->data || p->connect_timeout_ms == 0 || p->idle_timeout_s == 0))
                return -EINVAL;
        if (c->freed)
                return -ECANCELED;

        req = calloc(1, sizeof *req);
        if (!req)
                return -ENOMEM;
        req->client = c;
        req->done = p->done;
        req->data = p->data;
        req->userdata = p->userdata;
        req->timeout_ms = p->timeout_ms;
        req->connect_timeout_ms = p->connect_timeout_ms;
        req->start_usec = now_usec(CLOCK_MONOTONIC);
        req->easy = curl_easy_init();
        if (!req->easy)
                return -ENOMEM;
        r = request_setup(req, p);
        if (r < 0)
                return r;
        req->deadline_usec = req->start_usec +
                (uint64_t) (p->timeout_ms > 0 ? p->timeout_ms : p->connect_timeout_ms) * USEC_PER_MSEC;
        if (p->data && p->idle_timeout_s > 0) {
                req->idle_usec = (uint64_t) p->idle_timeout_s * USEC_PER_SEC;
                req->last_data_usec = req->start_usec;
                r = sd_event_add_time(c->event, &req->idle_timer, CLOCK_MONOTONIC,
                                      req->start_usec + req->idle_usec, USEC_PER_SEC / 10, on_idle, req);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(req->idle_timer, "http-client-idle");
        }
        if (c->n_running < HTTP_CLIENT_MAX_RUNNING) {
                r = request_start(c, req);
                if (r < 0)
                        return r;
        } else {
                if (c->wait_tail)
                        c->wait_tail->wait_next = req;
                else
                        c->wait_head = req;
                c->wait_tail = req;
        }
        LIST_PREPEND(requests, c->requests, req);
        c->n_pending++;
        if (ret)
                *ret = req;
        TAKE_PTR(req);                          /* the client's now */
        return 0;
}

void http_client_cancel(struct http_client *c, struct http_client_call *req) {
        assert(c);
        assert(req);

        if (req->gone)                          /* already ended during its data() */
                return;
        if (!req->started) {
                /* Out of the wait queue: a walk, but it is short and this rare. */
                struct http_client_call **pp = &c->wait_head, *prev = NULL;
                while (*pp && *pp != req) {
                        prev = *pp;
                        pp = &(*pp)->wait_next;
                }
                assert(*pp);
                *pp = req->wait_next;
                if (c->wait_tail == req)
                        c->wait_tail = prev;
        } else {
                c->n_running--;
                if (c->multi)
                        (void) curl_multi_remove_handle(c->multi, req->easy);
                /* A turn of the loop soon, for whatever waits for the room
                 * (not from here: that would call done callbacks). */
                if (c->wait_head)
                        (void) on_curl_timer(c->multi, 0, c);
        }
        request_unlink(c, req);
        if (req->in_callback)
                req->gone = true;
        else
                request_free(req);
}
