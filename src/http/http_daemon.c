/* http_daemon.c - see http_daemon.h.
 *
 * A request's life, in libmicrohttpd's access callback (on_access()): it is
 * called once with the headers (HEADERS: we only route and set up state
 * there, since a reply queued in that first call would make it answer
 * "Connection: close"), then once per body chunk (BODY, or REFUSED), then
 * once with no data: the handler runs (HANDLER) and its reply is queued
 * (REPLIED), or it waits (SUSPENDED) until it is answered and resumed
 * (RESUMED), and libmicrohttpd calls once more to take the reply.
 *
 * Before the handler, a request passes the web rules (web_policy.h), unless
 * the server's trusted() vouches for it. And every connection is watched
 * (sweep()): libmicrohttpd's timeout is an idle one, which each byte a slow
 * client trickles in resets; so a request must have its headers within a
 * few seconds of its first byte, and be complete within a few more, or its
 * connection is shut down. An address that is not loopback may hold only so
 * many connections at once. */
#include "http_daemon.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <search.h>
#include <arpa/inet.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "basic/clock.h"
#include "basic/grow.h"
#include "basic/list.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "http.h"
#include "http_request.h"
#include "web_policy.h"

/* What the daemon keeps per connection: libmicrohttpd's socket context. */
struct http_conn {
        int fd;
        LIST_FIELDS(struct http_conn, conns);
        struct http_request *req;       /* from HEADERS until the request is freed */
        uint64_t start_usec;            /* when its current request began; 0: no byte of it seen yet */
        uint64_t bytes_seen;            /* bytes received when its last request ended */
        bool baseline;                  /* bytes_seen is to be read at the next sweep */
        bool cut;                       /* shut down: too slow, or too many from its address */
        struct address_count *address;  /* its address's count (not loopback), or NULL */
        void *hook_state;               /* http_daemon_hooks' own */
        unsigned seq;                   /* its number among the daemon's connections, for the sweep's turns */
};

/* Connections open from one address that is not loopback. */
struct address_count {
        int family;
        uint8_t addr[16];
        unsigned n;
};

struct http_daemon {
        struct MHD_Daemon *mhd;
        sd_event *event;
        sd_event_source *io, *timer;
        struct http_server_config config;       /* with the defaults filled in */
        struct http_daemon_hooks hooks;
        atomic_ullong requests;                 /* read by other threads (a STATUS= line) */
        bool stopping;                          /* in http_daemon_free(): start no handler */
        bool closed;                            /* a connection closed in this MHD_run() */
        /* Requests answered in another thread (http_request_resume_async()),
         * to be resumed in ours: a list under a lock, and an eventfd that
         * wakes our loop. */
        pthread_mutex_t answered_lock;
        struct http_request *answered;          /* LIST_FIELDS(answered) */
        int answered_fd;
        sd_event_source *answered_io;
        /* libmicrohttpd's own error messages, bounded: a burst of refused
         * connections must not flood the journal. */
        uint64_t log_window;                    /* the second they are counted in */
        unsigned log_count, log_suppressed;
        struct web_policy policy;
        /* Open connections, the sweep that cuts late requests, and the
         * counts per address; how many were cut since it was last logged. */
        struct http_conn *conns;                /* LIST_FIELDS(conns) */
        unsigned n_conns, next_seq, sweeps;
        sd_event_source *sweep;
        void *addresses;                        /* tsearch() tree of struct address_count */
        unsigned cut_late, cut_greedy;
        uint64_t cut_logged_usec;
};

#define SWEEP_USEC USEC_PER_SEC
/* Connections between requests whose byte count one sweep reads (a system
 * call each): with more of them, each is read every few sweeps instead, so
 * that 16,000 idle connections do not cost a getsockopt() each a second. */
#define SWEEP_PROBES_MAX 2048u
#define CUT_LOG_USEC (10 * USEC_PER_SEC)

#define MHD_LOG_PER_SECOND 10

/* GnuTLS's: TLS 1.2 and 1.3 only, its default ciphers (the older versions
 * are deprecated, RFC 8996). */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"


static void on_mhd_log(void *cls, const char *format, va_list ap) {
        struct http_daemon *d = cls;
        uint64_t second = now_usec(CLOCK_MONOTONIC) / USEC_PER_SEC;
        char text[512];

        if (second != d->log_window) {
                if (d->log_suppressed)
                        log_warning("libmicrohttpd: %u more messages suppressed", d->log_suppressed);
                d->log_window = second;
                d->log_count = d->log_suppressed = 0;
        }
        if (++d->log_count > MHD_LOG_PER_SECOND) {
                d->log_suppressed++;
                return;
        }
        vsnprintf(text, sizeof text, format, ap);
        text[strcspn(text, "\n")] = '\0';
        log_warning("libmicrohttpd: %s", text);
}

static int rearm_timer(struct http_daemon *d) {
        MHD_UNSIGNED_LONG_LONG ms;

        if (MHD_get_timeout(d->mhd, &ms) != MHD_YES)
                return sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
        int r = sd_event_source_set_time(d->timer, loop_now(d->event) + (uint64_t) ms * USEC_PER_MSEC);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
}

/* libmicrohttpd stops accepting at its connection limit and when accept()
 * fails for want of descriptors ("temporarily suspending accept()"), and
 * takes it up again when a connection closes, but puts its listening
 * socket back into its epoll set only at the start of its next run: with
 * nothing else to wake our loop (an idle daemon, a full backlog), that
 * would wait for a timeout. So after a run that closed a connection it
 * runs again at once (a few times at most: each closes what is left). */
#define RUNS_AFTER_CLOSE 4

static int run_mhd(struct http_daemon *d) {
        for (unsigned i = 0; i < RUNS_AFTER_CLOSE; i++) {
                d->closed = false;
                MHD_run(d->mhd);
                if (!d->closed)
                        break;
        }
        int r = rearm_timer(d);
        if (r < 0)
                log_error_errno(r, "Cannot arm the HTTP timer");
        return 0;
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        return run_mhd(userdata);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        return run_mhd(userdata);
}

/* ---- a request's phases ---- */

/* HEADERS: route the request, and set up what the next phases need. */
static struct http_request *request_new(struct http_daemon *d, struct MHD_Connection *c,
                                        const char *url, const char *method) {
        const struct http_server_config *config = &d->config;
        struct http_request *req = calloc(1, sizeof *req);

        if (!req)
                return NULL;
        req->daemon = d;
        req->connection = c;
        req->method = method;
        req->path = url;
        enum route_result rr = route_lookup(config->routes, config->n_routes, method, url, &req->route,
                                            &req->params, req->allow, sizeof req->allow);
        req->userdata = config->userdata;
        if (rr != ROUTE_FOUND && config->n_core_routes) {
                char core_allow[sizeof req->allow];
                enum route_result cr = route_lookup(config->core_routes, config->n_core_routes, method, url,
                                                    &req->route, &req->params, core_allow, sizeof core_allow);
                if (cr == ROUTE_FOUND)
                        req->userdata = config->core_userdata;
                if (cr == ROUTE_FOUND || (cr == ROUTE_METHOD_NOT_ALLOWED && rr == ROUTE_NOT_FOUND)) {
                        rr = cr;
                        memcpy(req->allow, core_allow, sizeof core_allow);
                }
        }
        req->phase = HTTP_REQUEST_BODY;
        if (rr != ROUTE_FOUND) {
                req->phase = HTTP_REQUEST_REFUSED;
                req->refused_status = rr == ROUTE_NOT_FOUND ? 404 : 405;
        }
        req->max_body = req->route && req->route->max_body ? req->route->max_body : config->max_body;
        return req;
}

static bool declared_too_large(const struct http_request *req) {
        const char *cl = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        char *end;
        unsigned long long n;

        if (!cl)
                return false;
        errno = 0;
        n = strtoull(cl, &end, 10);
        return errno == ERANGE || (end != cl && n > req->max_body);
}

/* A body over the limit is read and dropped up to this much more, so the
 * client gets its 413 (libmicrohttpd queues a reply only once the request is
 * complete); past that the connection is dropped. */
#define DISCARD_MAX (1024u * 1024u)

/* BODY or REFUSED: keep a chunk of the body, or drop it; false when the
 * connection should be dropped. */
static bool body_take(struct http_request *req, const char *data, size_t len) {
        req->received += len;
        if (req->phase == HTTP_REQUEST_BODY && req->received > req->max_body) {
                req->phase = HTTP_REQUEST_REFUSED;
                req->refused_status = 413;
                free(req->body);
                req->body = NULL;
                req->body_len = req->body_size = 0;
        }
        if (req->phase == HTTP_REQUEST_REFUSED)
                return req->received - len <= req->max_body + DISCARD_MAX;

        if (grow_to(&req->body, &req->body_size, req->body_len + len + 1, 1024) < 0)
                return false;
        memcpy(req->body + req->body_len, data, len);
        req->body_len += len;
        req->body[req->body_len] = '\0';
        return true;
}

/* REPLIED: hand the reply (a 500 when none was made) to libmicrohttpd. */
static enum MHD_Result queue_reply(struct http_daemon *d, struct http_request *req) {
        enum MHD_Result ret;

        if (!req->response && http_reply_error(req, 500, "internal error") < 0)
                return MHD_NO;                          /* out of memory: drop the connection */
        if (req->close_after)
                (void) http_reply_closing(req);         /* on failure the connection just stays */
        if (d->hooks.reply)
                d->hooks.reply(d->hooks.userdata);
        req->phase = HTTP_REQUEST_REPLIED;
        ret = MHD_queue_response(req->connection, req->status, req->response);
        http_request_drop_response(req);
        atomic_fetch_add_explicit(&d->requests, 1, memory_order_relaxed);
        return ret;
}

/* REFUSED: the reply decided before the handler. */
static enum MHD_Result reply_refused(struct http_daemon *d, struct http_request *req) {
        switch (req->refused_status) {
        case 404:
                http_reply_error(req, 404, "no such resource: %s", req->path);
                break;
        case 405:
                http_reply_error(req, 405, "method %s not allowed here (allowed: %s)", req->method, req->allow);
                http_reply_header(req, MHD_HTTP_HEADER_ALLOW, req->allow);
                break;
        case 403:
        case 415:
                http_reply_error(req, req->refused_status, "%s", req->refused_message);
                break;
        default:
                assert(req->refused_status == 413);
                http_reply_error(req, 413, "request body larger than %zu bytes", req->max_body);
                break;
        }
        return queue_reply(d, req);
}

static socklen_t sockaddr_len(const struct sockaddr *sa) {
        if (!sa)
                return 0;
        return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
               sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(sa_family_t);
}

/* The body is complete: does the request pass the web rules (web_policy.h)?
 * Checked here, not with the headers, so that trusted() may look at the
 * body. False when it is now refused with 403 or 415. */
static bool admit(struct http_daemon *d, struct http_request *req) {
        const struct http_server_config *config = &d->config;
        char media[64] = "";
        enum web_verdict v;

        if (config->trusted && config->trusted(req))
                return true;
        if (config->no_anonymous) {
                req->refused_message = "anonymous requests are not taken here";
                v = WEB_BAD_PEER;
        } else {
                const union MHD_ConnectionInfo *ci =
                        MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
                const struct sockaddr *peer = ci ? ci->client_addr : NULL;
                bool typed = req->phase == HTTP_REQUEST_BODY;   /* routed: its body's type matters */

                if (typed && strcmp(req->method, "GET") != 0)
                        http_request_media_type(req, media, sizeof media);
                v = web_check(&d->policy, peer, sockaddr_len(peer),
                              MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST),
                              MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Origin"),
                              req->method, typed ? media : NULL, req->received > 0, req->route ? req->route->flags : 0);
                if (v == WEB_OK)
                        return true;
                req->refused_message = web_verdict_message(v);
                if (v == WEB_BAD_CONTENT_TYPE)
                        req->refused_message = req->route->flags & HTTP_ROUTE_TEXT ?
                                "the body must be application/json or text/plain" :
                                req->route->flags & HTTP_ROUTE_FORM ?
                                "the body must be application/json or application/x-www-form-urlencoded" :
                                "the body must be application/json";
        }
        free(req->body);
        req->body = NULL;
        req->body_len = req->body_size = 0;
        req->phase = HTTP_REQUEST_REFUSED;
        req->refused_status = v == WEB_BAD_CONTENT_TYPE ? 415 : 403;
        return false;
}

/* HANDLER: the body is complete; the handler answers now or later. */
static enum MHD_Result run_handler(struct http_daemon *d, struct http_request *req) {
        if (d->stopping) {                      /* what the service needs may be gone */
                http_reply_error(req, 503, "shutting down");
                return queue_reply(d, req);
        }

        req->phase = HTTP_REQUEST_HANDLER;
        int r = req->route->handler(req, req->userdata);
        if (r == HTTP_LATER && !req->response) {
                req->phase = HTTP_REQUEST_SUSPENDED;
                MHD_suspend_connection(req->connection);
                return MHD_YES;
        }
        if (r < 0 && !req->response) {
                log_error_errno(r, "%s %s failed", req->method, req->path);
                http_reply_error(req, 500, "internal error");
        }
        return queue_reply(d, req);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls) {
        struct http_daemon *d = cls;
        struct http_request *req = *con_cls;

        if (!req) {                             /* HEADERS */
                req = request_new(d, c, url, method);
                if (!req)
                        return MHD_NO;
                *con_cls = req;
                const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
                struct http_conn *conn = ci ? ci->socket_context : NULL;
                if (conn) {
                        req->conn = conn;
                        conn->req = req;
                        if (!conn->start_usec)
                                conn->start_usec = loop_now(d->event);
                }
                if (d->hooks.request)
                        req->close_after = d->hooks.request(d->hooks.userdata, conn ? conn->hook_state : NULL);
                if (declared_too_large(req)) {
                        /* Answer before the body is sent (no "100 Continue"); the
                         * connection closes, which is what we want here. A 404
                         * or 405 already decided says more than the 413. */
                        if (req->phase != HTTP_REQUEST_REFUSED) {
                                req->phase = HTTP_REQUEST_REFUSED;
                                req->refused_status = 413;
                        }
                        return reply_refused(d, req);
                }
                return MHD_YES;
        }

        switch (req->phase) {
        case HTTP_REQUEST_BODY:
        case HTTP_REQUEST_REFUSED:
                if (*upload_data_size > 0) {
                        if (!body_take(req, upload_data, *upload_data_size))
                                return MHD_NO;
                        *upload_data_size = 0;
                        return MHD_YES;
                }
                if (!admit(d, req) || req->phase == HTTP_REQUEST_REFUSED)
                        return reply_refused(d, req);
                return run_handler(d, req);
        case HTTP_REQUEST_RESUMED:
                return queue_reply(d, req);
        case HTTP_REQUEST_HANDLER:
        case HTTP_REQUEST_SUSPENDED:
        case HTTP_REQUEST_REPLIED:
                break;
        }
        /* libmicrohttpd does not call while a handler runs, while the
         * connection is suspended, or once a reply is queued. */
        log_error("HTTP request %s %s called back in phase %d", req->method, req->path, (int) req->phase);
        return MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
        struct http_request *req = *con_cls;

        if (!req)
                return;
        if (req->conn) {
                /* Its next request begins with the next byte (sweep()). */
                req->conn->req = NULL;
                req->conn->start_usec = 0;
                req->conn->baseline = true;
        }
        http_request_drop_response(req);
        free(req->body);
        free(req);
        *con_cls = NULL;
}

/* ---- waiting requests ---- */

/* SUSPENDED -> RESUMED: give the request back to libmicrohttpd, with its
 * reply (a 500 when whoever answered made none). It is taken up in the next
 * MHD_run(). */
static void resume_connection(struct http_request *req) {
        assert(req->phase == HTTP_REQUEST_SUSPENDED);
        if (!req->response)
                http_reply_error(req, 500, "internal error");
        req->phase = HTTP_REQUEST_RESUMED;
        MHD_resume_connection(req->connection);
}

void http_request_resume(struct http_request *req) {
        struct http_daemon *d = req->daemon;
        int r;

        resume_connection(req);
        /* Without threads of its own, libmicrohttpd takes up a resumed
         * connection only in the next MHD_run() (its documentation says so):
         * that is now, from the loop. Without this the reply waits for other
         * traffic, or for ever. */
        r = sd_event_source_set_time(d->timer, 0);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
        if (r < 0 && r != -ESTALE)              /* ESTALE: the loop has ended; http_daemon_free() runs it */
                log_error_errno(r, "Cannot arm the HTTP timer");
}

/* Resume, in our thread, what other threads answered; RUN: and send it
 * now (not when http_daemon_free() runs libmicrohttpd itself). */
static void resume_answered(struct http_daemon *d, bool run) {
        struct http_request *req, *next, *list;

        pthread_mutex_lock(&d->answered_lock);
        list = TAKE_PTR(d->answered);
        pthread_mutex_unlock(&d->answered_lock);
        LIST_FOREACH_SAFE(answered, req, next, list) {
                req->answer(req, req->answer_data);
                resume_connection(req);
        }
        /* Once for them all (http_request_resume() arms the timer instead,
         * a system call per request). */
        if (list && run)
                run_mhd(d);
}

static int on_answered(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        uint64_t n;

        if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
                log_warning_errno(-errno, "Cannot read the HTTP server's eventfd");
        resume_answered(userdata, true);
        return 0;
}

void http_request_resume_async(struct http_request *req, http_answer_fn answer, void *data) {
        struct http_daemon *d = req->daemon;
        uint64_t one = 1;

        assert(answer);
        req->answer = answer;
        req->answer_data = data;
        pthread_mutex_lock(&d->answered_lock);
        LIST_PREPEND(answered, d->answered, req);
        pthread_mutex_unlock(&d->answered_lock);
        /* Fails only when the counter is full, when a wake-up is pending anyway. */
        (void) !write(d->answered_fd, &one, sizeof one);
}

/* ---- connections ---- */

/* Bytes received on the TCP connection FD so far; UINT64_MAX when unknown. */
static uint64_t bytes_received(int fd) {
        struct tcp_info ti = { 0 };
        socklen_t len = sizeof ti;

        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
            len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
                return UINT64_MAX;
        return ti.tcpi_bytes_received;
}

static void conn_cut(struct http_conn *conn) {
        if (conn->cut)
                return;
        conn->cut = true;
        /* libmicrohttpd sees the hang-up in its next run and closes it. */
        (void) shutdown(conn->fd, SHUT_RDWR);
}

static void log_cuts(struct http_daemon *d, uint64_t now, bool force) {
        if (!d->cut_late && !d->cut_greedy)
                return;
        if (!force && now - d->cut_logged_usec < CUT_LOG_USEC)
                return;
        log_warning("Closed %u connections whose request was not complete in time and %u over the limit of %u per address",
                    d->cut_late, d->cut_greedy, d->config.per_address_limit);
        d->cut_late = d->cut_greedy = 0;
        d->cut_logged_usec = now;
}

/* Every second: cut connections whose request began too long ago. A
 * request begins with the first byte after the last one (TCP_INFO's count
 * of bytes received, read here rather than on every request). Connections
 * between requests take turns to be read: each every STRIDE sweeps, at most
 * SWEEP_PROBES_MAX a sweep; so a request is cut at most 2 * STRIDE seconds
 * after its deadline (STRIDE is 1 up to SWEEP_PROBES_MAX connections). */
static int on_sweep(sd_event_source *src, uint64_t usec, void *userdata) {
        struct http_daemon *d = userdata;
        const uint64_t now = loop_now(d->event);
        const uint64_t headers_usec = d->config.headers_timeout_sec * USEC_PER_SEC;
        const uint64_t request_usec = d->config.request_timeout_sec * USEC_PER_SEC;
        const unsigned stride = 1 + d->n_conns / SWEEP_PROBES_MAX;
        struct http_conn *conn;
        unsigned cut = 0;

        d->sweeps++;
        LIST_FOREACH(conns, conn, d->conns) {
                if (conn->cut)
                        continue;
                if (conn->req) {
                        enum http_request_phase ph = conn->req->phase;
                        if ((ph == HTTP_REQUEST_BODY || ph == HTTP_REQUEST_REFUSED) &&
                            now - conn->start_usec > request_usec) {
                                conn_cut(conn);
                                cut++;
                        }
                        continue;               /* the handler's time is ours, not the client's */
                }
                if ((conn->seq + d->sweeps) % stride != 0)
                        continue;               /* not its turn */
                uint64_t b = bytes_received(conn->fd);
                if (b == UINT64_MAX)
                        continue;               /* not TCP: the idle timeout alone */
                if (conn->baseline) {
                        conn->bytes_seen = b;
                        conn->baseline = false;
                } else if (!conn->start_usec) {
                        if (b > conn->bytes_seen)
                                conn->start_usec = now;
                } else if (now - conn->start_usec > headers_usec) {
                        conn_cut(conn);
                        cut++;
                }
        }
        d->cut_late += cut;
        log_cuts(d, now, false);
        if (cut)
                run_mhd(d);
        if (!d->conns)
                return sd_event_source_set_enabled(src, SD_EVENT_OFF);
        return sd_event_source_set_time_relative(src, SWEEP_USEC);
}

static int address_compare(const void *a, const void *b) {
        const struct address_count *x = a, *y = b;

        if (x->family != y->family)
                return x->family < y->family ? -1 : 1;
        return memcmp(x->addr, y->addr, sizeof x->addr);
}

/* Count CONN's address (not loopback); false when it has too many. */
static bool address_take(struct http_daemon *d, struct http_conn *conn, const struct sockaddr *sa) {
        struct address_count key = { .family = sa ? sa->sa_family : AF_UNSPEC };
        struct address_count **found, *a;

        if (!sa || web_peer_loopback(sa, sockaddr_len(sa)))
                return true;
        if (sa->sa_family == AF_INET)
                memcpy(key.addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
        else if (sa->sa_family == AF_INET6)
                memcpy(key.addr, &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
        else
                return true;
        found = tfind(&key, &d->addresses, address_compare);
        if (found)
                a = *found;
        else {
                a = malloc(sizeof *a);
                if (!a)
                        return false;
                *a = key;
                if (!tsearch(a, &d->addresses, address_compare)) {
                        free(a);
                        return false;
                }
        }
        a->n++;
        conn->address = a;
        return a->n <= d->config.per_address_limit;
}

static void address_drop(struct http_daemon *d, struct http_conn *conn) {
        struct address_count *a = conn->address;

        if (!a || --a->n > 0)
                return;
        tdelete(a, &d->addresses, address_compare);
        free(a);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        struct http_daemon *d = cls;
        struct http_conn *conn = *socket_context;

        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
                const union MHD_ConnectionInfo *addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

                conn = calloc(1, sizeof *conn);
                if (conn) {
                        conn->fd = fd ? fd->connect_fd : -EBADF;
                        conn->seq = d->next_seq++;
                        LIST_PREPEND(conns, d->conns, conn);
                        d->n_conns++;
                        if (!address_take(d, conn, addr ? addr->client_addr : NULL)) {
                                conn_cut(conn);
                                d->cut_greedy++;
                        }
                        if (sd_event_source_get_enabled(d->sweep, NULL) == 0) {
                                (void) sd_event_source_set_time_relative(d->sweep, SWEEP_USEC);
                                (void) sd_event_source_set_enabled(d->sweep, SD_EVENT_ON);
                        }
                }
                *socket_context = conn;
                if (d->hooks.connection)
                        d->hooks.connection(d->hooks.userdata, fd ? fd->connect_fd : -1, true,
                                            conn ? &conn->hook_state : &(void *) { NULL });
                return;
        }
        d->closed = true;               /* run_mhd() runs once more */
        if (d->hooks.connection)        /* gone: the hooks' state is theirs to free */
                d->hooks.connection(d->hooks.userdata, conn ? conn->fd : -1, false,
                                    conn ? &conn->hook_state : &(void *) { NULL });
        if (conn) {
                if (conn->req)
                        conn->req->conn = NULL;
                address_drop(d, conn);
                LIST_REMOVE(conns, d->conns, conn);
                d->n_conns--;
                free(conn);
                *socket_context = NULL;
        }
}

int http_daemon_add_connection(struct http_daemon *d, int fd, const struct sockaddr *addr, socklen_t len) {
        if (MHD_add_connection(d->mhd, fd, addr, len) != MHD_YES)
                return -ECONNREFUSED;
        run_mhd(d);                             /* without threads of its own, it starts on it in MHD_run() */
        return 0;
}

/* ---- the daemon ---- */

DEFINE_POINTER_CLEANUP(struct http_daemon *, http_daemon_free)

int http_daemon_start(sd_event *e, int listen_fd, const struct http_server_config *config,
                      const struct http_daemon_hooks *hooks, struct http_daemon **ret) {
        _cleanup_(http_daemon_freep) struct http_daemon *d = NULL;
        const union MHD_DaemonInfo *info;
        bool listens = listen_fd >= 0;
        int r;

        assert(e);
        assert(config);
        assert(ret);
        d = calloc(1, sizeof *d);
        if (!d)
                return log_error_errno(-ENOMEM, "Cannot start the HTTP server");
        d->answered_fd = -EBADF;
        pthread_mutex_init(&d->answered_lock, NULL);
        d->event = sd_event_ref(e);
        d->config = *config;
        if (!d->config.max_body)
                d->config.max_body = HTTP_MAX_BODY_DEFAULT;
        if (!d->config.connection_limit)
                d->config.connection_limit = HTTP_CONNECTION_LIMIT_DEFAULT;
        if (!d->config.idle_timeout_sec)
                d->config.idle_timeout_sec = HTTP_IDLE_TIMEOUT_SEC_DEFAULT;
        if (!d->config.headers_timeout_sec)
                d->config.headers_timeout_sec = HTTP_HEADERS_TIMEOUT_SEC_DEFAULT;
        if (!d->config.request_timeout_sec)
                d->config.request_timeout_sec = HTTP_REQUEST_TIMEOUT_SEC_DEFAULT;
        if (!d->config.per_address_limit)
                d->config.per_address_limit = HTTP_PER_ADDRESS_LIMIT_DEFAULT;
        web_policy_init(&d->policy, d->config.port, d->config.host_names,
                        (config->tls_cert ? WEB_POLICY_TLS : 0) | (config->any_peer ? WEB_POLICY_ANY_PEER : 0));
        if (hooks)
                d->hooks = *hooks;

        d->answered_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (d->answered_fd < 0)
                return log_error_errno(-errno, "Cannot make an eventfd for the HTTP server");

        assert(!config->tls_cert == !config->tls_key);
        bool tls = config->tls_cert;
        if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
                return log_error_errno(-EOPNOTSUPP, "This libmicrohttpd is built without TLS: cannot serve HTTPS");

        /* libmicrohttpd refuses MHD_OPTION_LISTEN_SOCKET with
         * MHD_USE_NO_LISTEN_SOCKET, and the HTTPS options without MHD_USE_TLS:
         * each list ends early when its options do not apply. */
        struct MHD_OptionItem listen_option[] = {
                { listens ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_END, listen_fd, NULL },
                { MHD_OPTION_END, 0, NULL },
        };
        struct MHD_OptionItem tls_options[] = {
                { tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *) config->tls_cert },
                { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *) config->tls_key },
                { MHD_OPTION_HTTPS_PRIORITIES, 0, (void *) TLS_PRIORITIES },
                { MHD_OPTION_END, 0, NULL },
        };
        d->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME |
                                  (listens ? 0 : MHD_USE_NO_LISTEN_SOCKET) | (tls ? MHD_USE_TLS : 0), 0,
                                  NULL, NULL, on_access, d,
                                  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, d,     /* first, to catch all */
                                  MHD_OPTION_ARRAY, listen_option,
                                  MHD_OPTION_ARRAY, tls_options,
                                  MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
                                  MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
                                  MHD_OPTION_CONNECTION_LIMIT, d->config.connection_limit,
                                  MHD_OPTION_CONNECTION_TIMEOUT, d->config.idle_timeout_sec,
                                  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 8192,
                                  MHD_OPTION_END);
        if (!d->mhd)
                return log_error_errno(-EIO, "Cannot start the HTTP%s server%s", tls ? "S" : "",
                                       tls ? " (is the key the certificate's, both PEM?)" : "");
        info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info)
                return log_error_errno(-EIO, "libmicrohttpd has no epoll fd");
        r = sd_event_add_io(e, &d->io, info->epoll_fd, EPOLLIN, on_io, d);
        if (r < 0)
                return log_error_errno(r, "Cannot add the HTTP server to the event loop");
        r = sd_event_add_io(e, &d->answered_io, d->answered_fd, EPOLLIN, on_answered, d);
        if (r < 0)
                return log_error_errno(r, "Cannot add the HTTP server to the event loop");
        /* Accuracy 1 us: the default 250 ms would stall reading bodies. */
        r = sd_event_add_time(e, &d->timer, CLOCK_MONOTONIC, 0, 1, on_timer, d);
        if (r < 0)
                return log_error_errno(r, "Cannot add the HTTP server to the event loop");
        r = rearm_timer(d);
        if (r < 0)
                return log_error_errno(r, "Cannot add the HTTP server to the event loop");
        r = sd_event_add_time_relative(e, &d->sweep, CLOCK_MONOTONIC, SWEEP_USEC, 0, on_sweep, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->sweep, SD_EVENT_OFF);   /* on with the first connection */
        if (r < 0)
                return log_error_errno(r, "Cannot add the HTTP server to the event loop");
        *ret = TAKE_PTR(d);
        return 0;
}

void http_daemon_free(struct http_daemon *d) {
        if (!d)
                return;
        if (d->mhd)
                resume_answered(d, false);      /* answered while our loop was ending */
        sd_event_source_disable_unref(d->io);
        sd_event_source_disable_unref(d->timer);
        sd_event_source_disable_unref(d->answered_io);
        sd_event_source_disable_unref(d->sweep);
        if (d->mhd) {
                /* Replies made while shutting down (requests that waited,
                 * answered as their work was cancelled) go out now, as far as
                 * they can without waiting; a request that came in meanwhile
                 * gets a 503, not its handler. Quiesced first: connections
                 * still in the backlog stay there, for the next process. */
                MHD_socket fd = MHD_quiesce_daemon(d->mhd);
                d->stopping = true;
                MHD_run(d->mhd);
                if (fd != MHD_INVALID_SOCKET)
                        close(fd);              /* ours once quiesced; systemd keeps its own */
                MHD_stop_daemon(d->mhd);       /* closes every connection (on_connection()) */
                log_cuts(d, 0, true);
        }
        assert(!d->conns);
        tdestroy(d->addresses, free);           /* empty too */
        http_reply_cleanup();
        if (d->answered_fd >= 0)
                close(d->answered_fd);
        pthread_mutex_destroy(&d->answered_lock);
        sd_event_unref(d->event);
        free(d);
}

unsigned long long http_daemon_requests(const struct http_daemon *d) {
        return atomic_load_explicit(&d->requests, memory_order_relaxed);
}
