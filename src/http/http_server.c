/* http_server.c - see http_server.h.
 *
 * Request life: libmicrohttpd calls on_access() once with the headers (we
 * only route and set up state there: a reply queued in that first call would
 * make it answer "Connection: close"), then once per body chunk, then once
 * with no data, when the handler runs and its reply is queued. */
#include "http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_steer.h"
#include "basic/grow.h"
#include "http.h"
#include "http_internal.h"
#include "http_workers.h"
#include "basic/log.h"
#include "basic/loop.h"

struct http_server {
        struct MHD_Daemon *mhd;
        sd_event *event;
        sd_event_source *io, *timer;
        sd_event_source *accept_io, *accept_retry;      /* threads > 1: we accept, not libmicrohttpd */
        int listen_fd;
        /* threads > 1: which serving thread this is (above 0: a worker's),
         * and every thread's connections (the main loop's server owns the
         * array). */
        struct http_thread_count *counts;
        unsigned index;
        unsigned turn;                                  /* main loop: conn_steer_pick()'s round robin */
        unsigned *load;                                 /* main loop: scratch for conn_steer_pick() */
        unsigned started;                               /* connections libmicrohttpd took up */
        uint64_t moved_usec;                            /* when a connection was last sent elsewhere */
        struct http_server_config config;
        atomic_ullong requests;                 /* read by the main thread's STATUS= */
        bool stopping;                          /* in http_server_free(): start no handler */
        struct http_workers *workers;           /* threads > 1: the other threads */
        /* Requests answered in another thread (http_request_resume_async()),
         * to be resumed in ours: a list under a lock, and an eventfd that
         * wakes our loop. */
        pthread_mutex_t answered_lock;
        struct http_request *answered;
        int answered_fd;
        sd_event_source *answered_io;
        /* libmicrohttpd's own error messages, bounded: a burst of refused
         * connections must not flood the journal. */
        time_t log_window;
        unsigned log_count, log_suppressed;
};

#define MHD_LOG_PER_SECOND 10

static void on_mhd_log(void *cls, const char *format, va_list ap) {
        struct http_server *s = cls;
        time_t now = time(NULL);
        char text[512];

        if (now != s->log_window) {
                if (s->log_suppressed)
                        log_warning("libmicrohttpd: %u more messages suppressed", s->log_suppressed);
                s->log_window = now;
                s->log_count = s->log_suppressed = 0;
        }
        if (++s->log_count > MHD_LOG_PER_SECOND) {
                s->log_suppressed++;
                return;
        }
        vsnprintf(text, sizeof text, format, ap);
        text[strcspn(text, "\n")] = '\0';
        log_warning("libmicrohttpd: %s", text);
}

static int rearm_timer(struct http_server *s) {
        MHD_UNSIGNED_LONG_LONG ms;

        if (MHD_get_timeout(s->mhd, &ms) != MHD_YES)
                return sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
        int r = sd_event_source_set_time(s->timer, loop_now(s->event) + (uint64_t) ms * 1000);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static int run_mhd(struct http_server *s) {
        MHD_run(s->mhd);
        int r = rearm_timer(s);
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

static enum MHD_Result queue_reply(struct http_server *s, struct http_request *req) {
        enum MHD_Result ret;

        if (!req->response && http_reply_error(req, 500, "internal error") < 0)
                return MHD_NO;                          /* out of memory: drop the connection */
        if (req->close_after)
                (void) http_reply_closing(req);         /* on failure the connection just stays */
        if (s->index > 0)
                http_thread_stamp(&s->counts[s->index]);
        ret = MHD_queue_response(req->connection, req->status, req->response);
        http_request_drop_response(req);
        atomic_fetch_add_explicit(&s->requests, 1, memory_order_relaxed);
        return ret;
}

static enum MHD_Result reply_early(struct http_server *s, struct http_request *req) {
        switch (req->early_status) {
        case 404:
                http_reply_error(req, 404, "no such resource: %s", req->path);
                break;
        case 405:
                http_reply_error(req, 405, "method %s not allowed here (allowed: %s)", req->method, req->allow);
                http_reply_header(req, MHD_HTTP_HEADER_ALLOW, req->allow);
                break;
        default:
                http_reply_error(req, 413, "request body larger than %zu bytes", req->max_body);
                break;
        }
        return queue_reply(s, req);
}

static bool declared_too_large(struct http_request *req) {
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

static struct http_request *request_new(struct http_server *s, struct MHD_Connection *c,
                                       const char *url, const char *method) {
        struct http_request *req = calloc(1, sizeof *req);

        if (!req)
                return NULL;
        req->server = s;
        req->connection = c;
        req->method = method;
        req->path = url;
        enum route_result rr = route_lookup(s->config.routes, s->config.n_routes, method, url, &req->route,
                                            &req->params, req->allow, sizeof req->allow);
        req->userdata = s->config.userdata;
        if (rr != ROUTE_FOUND && s->config.n_core_routes) {
                char core_allow[sizeof req->allow];
                enum route_result cr = route_lookup(s->config.core_routes, s->config.n_core_routes, method, url,
                                                    &req->route, &req->params, core_allow, sizeof core_allow);
                if (cr == ROUTE_FOUND)
                        req->userdata = s->config.core_userdata;
                if (cr == ROUTE_FOUND || (cr == ROUTE_METHOD_NOT_ALLOWED && rr == ROUTE_NOT_FOUND)) {
                        rr = cr;
                        memcpy(req->allow, core_allow, sizeof core_allow);
                }
        }
        if (rr == ROUTE_NOT_FOUND)
                req->early_status = 404;
        else if (rr == ROUTE_METHOD_NOT_ALLOWED)
                req->early_status = 405;
        req->max_body = req->route && req->route->max_body ? req->route->max_body : s->config.max_body;
        return req;
}

/* A body over the limit is read and dropped up to this much more, so the
 * client gets its 413 (libmicrohttpd queues a reply only once the request is
 * complete); past that the connection is dropped. */
#define DISCARD_MAX (1024u * 1024u)

/* Keep a chunk of the body; false when the connection should be dropped. */
static bool body_take(struct http_request *req, const char *data, size_t len) {
        req->received += len;
        if (!req->early_status && req->received > req->max_body) {
                req->early_status = 413;
                free(req->body);
                req->body = NULL;
                req->body_len = req->body_size = 0;
        }
        if (req->early_status)
                return req->received - len <= req->max_body + DISCARD_MAX;

        if (grow_to(&req->body, &req->body_size, req->body_len + len + 1, 1024) < 0)
                return false;
        memcpy(req->body + req->body_len, data, len);
        req->body_len += len;
        req->body[req->body_len] = '\0';
        return true;
}

static bool move_due(struct http_server *s, struct MHD_Connection *c);

/* The CPU the kernel processes FD's incoming packets on (conn_steer.h), or -1. */
static int incoming_cpu(int fd) {
        int cpu = -1;
        socklen_t len = sizeof cpu;

        return getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) < 0 ? -1 : cpu;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls) {
        struct http_server *s = cls;
        struct http_request *req = *con_cls;

        if (!req) {
                req = request_new(s, c, url, method);
                if (!req)
                        return MHD_NO;
                *con_cls = req;
                req->close_after = s->counts && move_due(s, c);
                if (declared_too_large(req)) {
                        /* Answer before the body is sent (no "100 Continue"); the
                         * connection closes, which is what we want here. A 404
                         * or 405 already decided says more than the 413. */
                        if (!req->early_status)
                                req->early_status = 413;
                        return reply_early(s, req);
                }
                return MHD_YES;
        }

        if (*upload_data_size > 0) {
                if (!body_take(req, upload_data, *upload_data_size))
                        return MHD_NO;
                *upload_data_size = 0;
                return MHD_YES;
        }

        if (req->early_status)
                return reply_early(s, req);
        if (req->suspended) {                   /* resumed: the reply is ready */
                req->suspended = false;
                return queue_reply(s, req);
        }
        if (s->stopping) {                      /* what the service needs may be gone */
                http_reply_error(req, 503, "shutting down");
                return queue_reply(s, req);
        }

        int r = req->route->handler(req, req->userdata);
        if (r == HTTP_LATER && !req->response) {
                req->suspended = true;
                MHD_suspend_connection(c);
                return MHD_YES;
        }
        if (r < 0 && !req->response) {
                log_error_errno(r, "%s %s failed", method, url);
                http_reply_error(req, 500, "internal error");
        }
        return queue_reply(s, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
        struct http_request *req = *con_cls;

        if (!req)
                return;
        http_request_drop_response(req);
        free(req->body);
        free(req);
        *con_cls = NULL;
}

uint64_t http_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

void http_thread_stamp(struct http_thread_count *c) {
        atomic_store_explicit(&c->alive_usec, http_now_usec(), memory_order_relaxed);
}

/* What a serving thread keeps per connection (its socket context). */
struct connection_state {
        unsigned requests;
        bool strayed;                   /* at the last look its CPU mapped to another thread */
};

static void count_gone(struct http_server *s) {
        atomic_fetch_add_explicit(&s->counts[s->index].gone, 1, memory_order_relaxed);
}

/* Counts the connections open in each thread, for conn_steer.h. Every
 * STARTED has its CLOSED, also when MHD_add_connection() fails after it. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        struct http_server *s = cls;

        if (!s->counts)
                return;
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                s->started++;
                *socket_context = calloc(1, sizeof(struct connection_state));  /* none: never moved */
        } else {
                count_gone(s);
                free(*socket_context);
                *socket_context = NULL;
        }
}

static unsigned thread_load(const struct http_server *s, unsigned t) {
        return atomic_load_explicit(&s->counts[t].handed, memory_order_relaxed) -
               atomic_load_explicit(&s->counts[t].gone, memory_order_relaxed);
}

/* Now and then, in the thread serving connection C: would C be better
 * served by another thread (conn_steer.h)? Then its reply says
 * "Connection: close", and the client's next connection is steered anew. */
static bool move_due(struct http_server *s, struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        struct connection_state *cs = ci ? ci->socket_context : NULL;
        int cpu;
        uint64_t now;

        if (!cs || ++cs->requests % CONN_STEER_LOOK_EVERY != 0)
                return false;
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci || (cpu = incoming_cpu(ci->connect_fd)) < 0)
                return false;
        unsigned want = (unsigned) cpu % s->config.threads, open = 0;
        bool strayed = cs->strayed;
        cs->strayed = want != s->index;
        if (!strayed || !cs->strayed)
                return false;
        now = loop_now(s->event);
        for (unsigned t = 0; t < s->config.threads; t++)
                open += thread_load(s, t);
        if (now - s->moved_usec < CONN_STEER_MOVE_GAP_USEC ||
            !conn_steer_should_move(s->index, want, thread_load(s, s->index), thread_load(s, want), open,
                                    s->config.threads))
                return false;
        s->moved_usec = now;
        return true;
}

void http_server_add_connection(struct http_server *s, int fd, const struct sockaddr *addr, socklen_t len) {
        unsigned started = s->started;

        if (MHD_add_connection(s->mhd, fd, addr, len) != MHD_YES) {
                if (s->counts && s->started == started)        /* refused before it counted */
                        count_gone(s);
                return;                         /* closed by libmicrohttpd; it logged why */
        }
        run_mhd(s);                             /* without threads of its own, it starts on it in MHD_run() */
}

static int on_accept_retry(sd_event_source *src, uint64_t usec, void *userdata) {
        struct http_server *s = userdata;

        s->accept_retry = sd_event_source_disable_unref(s->accept_retry);
        return sd_event_source_set_enabled(s->accept_io, SD_EVENT_ON);
}

/* Which thread serves the accepted connection FD: 0 is our own daemon, 1..
 * the workers (see conn_steer.h). */
static unsigned steer(struct http_server *s, int fd) {
        for (unsigned t = 0; t < s->config.threads; t++)
                s->load[t] = thread_load(s, t);
        return conn_steer_pick(s->load, s->config.threads, incoming_cpu(fd), &s->turn);
}

/* Accept what is waiting (a bounded batch: the loop has other work) and
 * hand each connection to the thread steer() picks. */
static int on_accept(sd_event_source *src, int listen_fd, uint32_t revents, void *userdata) {
        struct http_server *s = userdata;

        for (int i = 0; i < 64; i++) {
                struct sockaddr_storage addr;
                socklen_t len = sizeof addr;
                int fd = accept4(listen_fd, (struct sockaddr *) &addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                return 0;
                        /* Out of descriptors or memory: pause instead of spinning. */
                        log_warning_errno(-errno, "Cannot accept a connection; pausing for 100 ms");
                        sd_event_source_set_enabled(src, SD_EVENT_OFF);
                        return sd_event_add_time_relative(s->event, &s->accept_retry, CLOCK_MONOTONIC,
                                                          100 * 1000, 0, on_accept_retry, s);
                }
                /* Counted before it is handed: its thread may close it at once. */
                unsigned t = steer(s, fd);
                atomic_fetch_add_explicit(&s->counts[t].handed, 1, memory_order_relaxed);
                if (t > 0 && http_workers_hand(s->workers, t - 1, fd, (struct sockaddr *) &addr, len) < 0) {
                        atomic_fetch_sub_explicit(&s->counts[t].handed, 1, memory_order_relaxed);
                        t = 0;                  /* its queue is full: ours, then */
                        atomic_fetch_add_explicit(&s->counts[t].handed, 1, memory_order_relaxed);
                }
                if (t == 0)
                        http_server_add_connection(s, fd, (struct sockaddr *) &addr, len);
        }
        return 0;
}

/* Give a suspended request back to libmicrohttpd, with its reply (a 500
 * when whoever answered made none). It is taken up in the next MHD_run(). */
static void resume_connection(struct http_request *req) {
        if (!req->response)
                http_reply_error(req, 500, "internal error");
        MHD_resume_connection(req->connection);
}

/* Resume, in our thread, what other threads answered; RUN: and send it
 * now (not when http_server_free() runs libmicrohttpd itself). */
static void resume_answered(struct http_server *s, bool run) {
        struct http_request *req;

        pthread_mutex_lock(&s->answered_lock);
        req = s->answered;
        s->answered = NULL;
        pthread_mutex_unlock(&s->answered_lock);
        bool any = req;
        while (req) {
                struct http_request *next = req->answered_next;
                req->answer(req, req->answer_data);
                resume_connection(req);
                req = next;
        }
        /* Once for them all (http_request_resume() arms the timer instead,
         * a system call per request). */
        if (any && run)
                run_mhd(s);
}

static int on_answered(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        uint64_t n;

        if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
                log_warning_errno(-errno, "Cannot read the HTTP server's eventfd");
        resume_answered(userdata, true);
        return 0;
}

void http_request_resume_async(struct http_request *req, http_answer_fn answer, void *data) {
        struct http_server *s = req->server;
        uint64_t one = 1;

        req->answer = answer;
        req->answer_data = data;
        pthread_mutex_lock(&s->answered_lock);
        req->answered_next = s->answered;
        s->answered = req;
        pthread_mutex_unlock(&s->answered_lock);
        /* Fails only when the counter is full, when a wake-up is pending anyway. */
        (void) !write(s->answered_fd, &one, sizeof one);
}

/* INDEX 0: the main loop's server (it makes COUNTS itself when it has
 * workers); above 0: worker INDEX's, of COUNTS. */
static int server_start(sd_event *e, int listen_fd, const struct http_server_config *config,
                        struct http_thread_count *counts, unsigned index, struct http_server **ret) {
        bool in_worker = index > 0;
        /* With more threads, or in one of them, connections come from on_accept(). */
        bool listens = !in_worker && config->threads <= 1;
        struct http_server *s = calloc(1, sizeof *s);
        const union MHD_DaemonInfo *info;
        int r;

        if (!s)
                return -ENOMEM;
        s->config = *config;
        if (!s->config.max_body)
                s->config.max_body = HTTP_MAX_BODY_DEFAULT;
        if (!s->config.connection_limit)
                s->config.connection_limit = 1024;
        if (!s->config.idle_timeout_sec)
                s->config.idle_timeout_sec = 30;
        if (!in_worker && s->config.threads > 1)        /* each daemon a share: the fd limit is for all */
                s->config.connection_limit = s->config.connection_limit / s->config.threads > 64 ?
                                             s->config.connection_limit / s->config.threads : 64;
        s->counts = counts;
        s->index = index;
        s->event = sd_event_ref(e);
        pthread_mutex_init(&s->answered_lock, NULL);
        s->answered_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (s->answered_fd < 0) {
                r = log_error_errno(-errno, "Cannot make an eventfd for the HTTP server");
                goto fail;
        }

        /* libmicrohttpd refuses MHD_OPTION_LISTEN_SOCKET with MHD_USE_NO_LISTEN_SOCKET. */
        struct MHD_OptionItem listen_option[] = {
                { listens ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_END, listen_fd, NULL },
                { MHD_OPTION_END, 0, NULL },
        };
        s->listen_fd = listen_fd;
        s->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME |
                                  (listens ? 0 : MHD_USE_NO_LISTEN_SOCKET), 0,
                                  NULL, NULL, on_access, s,
                                  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,     /* first, to catch all */
                                  MHD_OPTION_ARRAY, listen_option,
                                  MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                  MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                                  MHD_OPTION_CONNECTION_LIMIT, s->config.connection_limit,
                                  MHD_OPTION_CONNECTION_TIMEOUT, s->config.idle_timeout_sec,
                                  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 8192,
                                  MHD_OPTION_END);
        if (!s->mhd) {
                r = log_error_errno(-EIO, "Cannot start the HTTP server");
                goto fail;
        }
        info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info) {
                r = log_error_errno(-EIO, "libmicrohttpd has no epoll fd");
                goto fail;
        }
        r = sd_event_add_io(e, &s->io, info->epoll_fd, EPOLLIN, on_io, s);
        if (r >= 0)
                r = sd_event_add_io(e, &s->answered_io, s->answered_fd, EPOLLIN, on_answered, s);
        if (r >= 0)
                r = sd_event_add_time(e, &s->timer, CLOCK_MONOTONIC, 0, 1, on_timer, s);   /* accuracy 1 us: the default 250 ms would stall reading bodies */
        if (r >= 0)
                r = rearm_timer(s);
        if (r < 0) {
                log_error_errno(r, "Cannot add the HTTP server to the event loop");
                goto fail;
        }
        if (!in_worker && s->config.threads > 1) {
                /* systemd passes the socket blocking: on_accept() must see EAGAIN. */
                int flags = fcntl(listen_fd, F_GETFL);
                if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                        r = log_error_errno(-errno, "Cannot make the listening socket non-blocking");
                        goto fail;
                }
                s->counts = calloc(s->config.threads, sizeof *s->counts);
                s->load = calloc(s->config.threads, sizeof *s->load);
                if (!s->counts || !s->load) {
                        r = log_error_errno(-ENOMEM, "Cannot start the HTTP server");
                        goto fail;
                }
                r = http_workers_start(e, &s->config, s->config.threads - 1, s->counts, &s->workers);
                if (r >= 0)
                        r = sd_event_add_io(e, &s->accept_io, listen_fd, EPOLLIN, on_accept, s);
                if (r < 0)
                        goto fail;
        }
        *ret = s;
        return 0;
fail:
        http_server_free(s);
        return r;
}

int http_server_start(sd_event *e, int listen_fd, const struct http_server_config *config,
                      struct http_server **ret) {
        return server_start(e, listen_fd, config, NULL, 0, ret);
}

int http_server_start_worker(sd_event *e, const struct http_server_config *config,
                             struct http_thread_count *counts, unsigned index, struct http_server **ret) {
        return server_start(e, -1, config, counts, index, ret);
}

void http_server_free(struct http_server *s) {
        if (!s)
                return;
        /* We stop accepting (the backlog stays for the next process); then
         * the workers finish their connections while what their handlers use
         * still exists. */
        sd_event_source_disable_unref(s->accept_io);
        sd_event_source_disable_unref(s->accept_retry);
        http_workers_free(s->workers);
        if (s->mhd)
                resume_answered(s, false);      /* answered while our loop was ending */
        sd_event_source_disable_unref(s->io);
        sd_event_source_disable_unref(s->timer);
        sd_event_source_disable_unref(s->answered_io);
        if (s->mhd) {
                /* Replies made while shutting down (requests that waited,
                 * answered as their work was cancelled) go out now, as far as
                 * they can without waiting; a request that came in meanwhile
                 * gets a 503, not its handler. Quiesced first: connections
                 * still in the backlog stay there, for the next process. */
                MHD_socket fd = MHD_quiesce_daemon(s->mhd);
                s->stopping = true;
                MHD_run(s->mhd);
                if (fd != MHD_INVALID_SOCKET)
                        close(fd);              /* ours once quiesced; systemd keeps its own */
                MHD_stop_daemon(s->mhd);
        }
        http_reply_cleanup();
        if (s->answered_fd >= 0)
                close(s->answered_fd);
        pthread_mutex_destroy(&s->answered_lock);
        sd_event_unref(s->event);
        if (s->index == 0)
                free(s->counts);                /* the main loop's: the workers are gone by now */
        free(s->load);
        free(s);
}

void http_request_resume(struct http_request *req) {
        struct http_server *s = req->server;
        int r;

        resume_connection(req);
        /* Without threads of its own, libmicrohttpd takes up a resumed
         * connection only in the next MHD_run() (its documentation says so):
         * that is now, from the loop. Without this the reply waits for other
         * traffic, or for ever. */
        r = sd_event_source_set_time(s->timer, 0);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
        if (r < 0 && r != -ESTALE)              /* ESTALE: the loop has ended; http_server_free() runs it */
                log_error_errno(r, "Cannot arm the HTTP timer");
}

unsigned long long http_server_requests(const struct http_server *s) {
        return atomic_load_explicit(&s->requests, memory_order_relaxed) + http_workers_requests(s->workers);
}
