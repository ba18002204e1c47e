/* http_workers.c - see http_workers.h.
 *
 * Above the daemons: accepting, steering (conn_steer.h), handing over,
 * moving clients that changed CPU, and watching that the workers make
 * progress. The daemons know nothing of it; they tell it of connections
 * and replies through their hooks (http_daemon_hooks). */
#include "http_workers.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "basic/clock.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "basic/notify_socket.h"
#include "conn_steer.h"
#include "http_daemon.h"

#define STAMP_USEC_DEFAULT (500 * USEC_PER_MSEC)
#define ACCEPT_BATCH 64                         /* connections accepted per loop turn at most */
#define ACCEPT_PAUSE_USEC (100 * USEC_PER_MSEC) /* after accept() failed for want of descriptors */
#define SHARE_MIN 64u                           /* connections a thread may take at least */
#define PER_ADDRESS_SHARE_MIN 16u               /* and from one address that is not loopback */

/* One serving thread. Thread 0 runs on the main loop; the others are
 * workers, each a thread of its own with a loop of its own. */
struct serving {
        struct http_workers *pool;
        unsigned index;
        sd_event *event;
        struct http_daemon *daemon;
        /* Read by every thread: connections handed to it (counted by the
         * main loop) and gone from it (closed, or refused; counted by this
         * thread), and when it last showed it is not stuck: its loop turned,
         * or a handler of its returned. */
        atomic_uint handed, gone;
        atomic_uint_fast64_t alive_usec;
        /* This thread's own. */
        unsigned started;                       /* connections its daemon took up */
        uint64_t moved_usec;                    /* when it last sent a connection elsewhere */
        /* A worker's: its thread, and how the main loop talks to it. */
        pthread_t thread;
        bool running;
        sd_event_source *stop_source, *stamp_timer, *inbox_source;
        int stop_fd;                            /* eventfd: the main loop says "stop" */
        int inbox[2];                           /* pipe of struct handoff: connections to serve */
};

struct http_workers {
        sd_event *event;                        /* the main loop */
        sd_event_source *accept_io, *accept_retry, *check_timer;
        unsigned turn;                          /* conn_steer_pick()'s round robin */
        unsigned *load;                         /* scratch for conn_steer_pick() */
        uint64_t stamp_usec, stale_usec;        /* how often workers stamp; when a stamp is too old */
        bool triggered;
        unsigned n;
        struct serving threads[];               /* [0]: the main loop's */
};

static void stamp(struct serving *t) {
        atomic_store_explicit(&t->alive_usec, now_usec(CLOCK_MONOTONIC), memory_order_relaxed);
}

static unsigned thread_load(const struct http_workers *p, unsigned i) {
        return atomic_load_explicit(&p->threads[i].handed, memory_order_relaxed) -
               atomic_load_explicit(&p->threads[i].gone, memory_order_relaxed);
}

/* The CPU the kernel processes FD's incoming packets on (conn_steer.h), or -1. */
static int incoming_cpu(int fd) {
        int cpu = -1;
        socklen_t len = sizeof cpu;

        return getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) < 0 ? -1 : cpu;
}

/* ---- in each serving thread: the daemon's hooks ---- */

/* What a serving thread keeps per connection. */
struct connection_state {
        int fd;
        unsigned requests;
        bool strayed;                           /* at the last look its CPU mapped to another thread */
};

/* Counts the connections open in each thread, for conn_steer.h. */
static void on_connection(void *userdata, int fd, bool opened, void **state) {
        struct serving *t = userdata;

        if (opened) {
                struct connection_state *cs = calloc(1, sizeof *cs);    /* none: never moved */
                t->started++;
                if (cs)
                        cs->fd = fd;
                *state = cs;
        } else {
                atomic_fetch_add_explicit(&t->gone, 1, memory_order_relaxed);
                free(*state);
                *state = NULL;
        }
}

/* Now and then, in the thread serving the connection: would it be better
 * served by another thread (conn_steer.h)? Then its reply says
 * "Connection: close", and the client's next connection is steered anew. */
static bool on_request(void *userdata, void *state) {
        struct serving *t = userdata;
        struct http_workers *p = t->pool;
        struct connection_state *cs = state;
        unsigned want, open = 0;
        int cpu;

        if (!cs || ++cs->requests % CONN_STEER_LOOK_EVERY != 0)
                return false;
        cpu = incoming_cpu(cs->fd);
        if (cpu < 0)
                return false;
        want = (unsigned) cpu % p->n;
        bool strayed = cs->strayed;
        cs->strayed = want != t->index;
        if (!strayed || !cs->strayed)
                return false;
        uint64_t now = loop_now(t->event);
        for (unsigned i = 0; i < p->n; i++)
                open += thread_load(p, i);
        if (now - t->moved_usec < CONN_STEER_MOVE_GAP_USEC ||
            !conn_steer_should_move(t->index, want, thread_load(p, t->index), thread_load(p, want), open, p->n))
                return false;
        t->moved_usec = now;
        return true;
}

static void on_reply(void *userdata) {
        stamp(userdata);
}

/* Serve the accepted connection FD in thread T (in that thread). */
static void serve(struct serving *t, int fd, const struct sockaddr *addr, socklen_t len) {
        unsigned started = t->started;

        if (http_daemon_add_connection(t->daemon, fd, addr, len) < 0 && t->started == started)
                atomic_fetch_add_explicit(&t->gone, 1, memory_order_relaxed);  /* refused before it counted */
}

static int serving_start(struct serving *t, const struct http_server_config *config) {
        const struct http_daemon_hooks hooks = {
                .connection = on_connection,
                .request = on_request,
                .reply = on_reply,
                .userdata = t,
        };

        stamp(t);
        return http_daemon_start(t->event, -1, config, &hooks, &t->daemon);
}

/* ---- in a worker thread ---- */

/* One connection on its way to a worker; smaller than PIPE_BUF, so one
 * write(2) of it is atomic. */
struct handoff {
        int fd;
        socklen_t len;
        struct sockaddr_storage addr;
};

static int on_inbox(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct handoff h;

        for (int i = 0; i < ACCEPT_BATCH && read(fd, &h, sizeof h) == sizeof h; i++)
                serve(userdata, h.fd, (const struct sockaddr *) &h.addr, h.len);
        return 0;
}

static int on_stop(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct serving *t = userdata;

        return sd_event_exit(t->event, 0);
}

static int on_stamp(sd_event_source *s, uint64_t usec, void *userdata) {
        struct serving *t = userdata;

        stamp(t);
        return sd_event_source_set_time_relative(s, t->pool->stamp_usec);
}

static void *worker_main(void *userdata) {
        struct serving *t = userdata;
        int r = sd_event_loop(t->event);

        if (r < 0)
                log_error_errno(r, "HTTP worker %u stopped", t->index - 1);
        /* Here, in the thread whose loop ran it: the daemon's per-thread
         * state (the empty reply) is this thread's. */
        http_daemon_free(t->daemon);
        t->daemon = NULL;
        return NULL;
}

static int worker_start(struct serving *t, const struct http_server_config *config) {
        int r;

        t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (t->stop_fd < 0)
                return -errno;
        r = sd_event_new(&t->event);
        if (r < 0)
                return r;
        r = sd_event_add_io(t->event, &t->stop_source, t->stop_fd, EPOLLIN, on_stop, t);
        if (r < 0)
                return r;
        if (pipe2(t->inbox, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        r = sd_event_add_io(t->event, &t->inbox_source, t->inbox[0], EPOLLIN, on_inbox, t);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(t->event, &t->stamp_timer, CLOCK_MONOTONIC, t->pool->stamp_usec, 0,
                                       on_stamp, t);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(t->stamp_timer, SD_EVENT_ON);
        if (r < 0)
                return r;
        r = serving_start(t, config);
        if (r < 0)
                return r;
        r = -pthread_create(&t->thread, NULL, worker_main, t);
        if (r < 0)
                return r;
        t->running = true;
        return 0;
}

/* In the main loop: hand FD to worker T. 0, or -EAGAIN when its queue is
 * full (FD is then still the caller's). */
static int worker_hand(struct serving *t, int fd, const struct sockaddr *addr, socklen_t len) {
        struct handoff h = { .fd = fd, .len = len };

        assert(t->index > 0);
        if (len > sizeof h.addr)
                return -EINVAL;
        memcpy(&h.addr, addr, len);
        return write(t->inbox[1], &h, sizeof h) == sizeof h ? 0 : -EAGAIN;
}

static void worker_stop(struct serving *t) {
        if (t->running) {
                eventfd_write(t->stop_fd, 1);
                pthread_join(t->thread, NULL);
        } else
                http_daemon_free(t->daemon);    /* never ran: free it here */
        t->daemon = NULL;
        sd_event_source_disable_unref(t->stop_source);
        sd_event_source_disable_unref(t->stamp_timer);
        sd_event_source_disable_unref(t->inbox_source);
        sd_event_unref(t->event);
        if (t->stop_fd >= 0)
                close(t->stop_fd);
        if (t->inbox[0] >= 0) {
                struct handoff h;
                while (read(t->inbox[0], &h, sizeof h) == sizeof h)
                        close(h.fd);            /* handed over too late: the client sees it closed */
                close(t->inbox[0]);
                close(t->inbox[1]);
        }
}

/* ---- in the main loop ---- */

/* Is every worker's loop still turning? */
static int on_check(sd_event_source *s, uint64_t usec, void *userdata) {
        struct http_workers *p = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        for (unsigned i = 1; i < p->n && !p->triggered; i++) {
                uint64_t alive = atomic_load_explicit(&p->threads[i].alive_usec, memory_order_relaxed);
                if (alive >= now || now - alive <= p->stale_usec)    /* stamped since we looked at the clock */
                        continue;
                log_error("HTTP worker %u has made no progress for %llu ms: asking systemd to restart us", i - 1,
                          (unsigned long long) ((now - alive) / USEC_PER_MSEC));
                notify_socket_send("WATCHDOG=trigger");
                p->triggered = true;
        }
        return sd_event_source_set_time_relative(s, p->stamp_usec);
}

static int on_accept_retry(sd_event_source *src, uint64_t usec, void *userdata) {
        struct http_workers *p = userdata;

        p->accept_retry = sd_event_source_disable_unref(p->accept_retry);
        return sd_event_source_set_enabled(p->accept_io, SD_EVENT_ON);
}

/* Which thread serves the accepted connection FD (see conn_steer.h). */
static unsigned steer(struct http_workers *p, int fd) {
        for (unsigned i = 0; i < p->n; i++)
                p->load[i] = thread_load(p, i);
        return conn_steer_pick(p->load, p->n, incoming_cpu(fd), &p->turn);
}

/* Accept what is waiting (a bounded batch: the loop has other work) and
 * hand each connection to the thread steer() picks. */
static int on_accept(sd_event_source *src, int listen_fd, uint32_t revents, void *userdata) {
        struct http_workers *p = userdata;

        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage addr;
                socklen_t len = sizeof addr;
                int fd = accept4(listen_fd, (struct sockaddr *) &addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                return 0;
                        /* Out of descriptors or memory: pause instead of spinning. */
                        log_warning_errno(-errno, "Cannot accept a connection; pausing for 100 ms");
                        sd_event_source_set_enabled(src, SD_EVENT_OFF);
                        return sd_event_add_time_relative(p->event, &p->accept_retry, CLOCK_MONOTONIC,
                                                          ACCEPT_PAUSE_USEC, 0, on_accept_retry, p);
                }
                /* Counted before it is handed: its thread may close it at once. */
                unsigned t = steer(p, fd);
                atomic_fetch_add_explicit(&p->threads[t].handed, 1, memory_order_relaxed);
                if (t > 0 && worker_hand(&p->threads[t], fd, (struct sockaddr *) &addr, len) < 0) {
                        atomic_fetch_sub_explicit(&p->threads[t].handed, 1, memory_order_relaxed);
                        t = 0;                  /* its queue is full: ours, then */
                        atomic_fetch_add_explicit(&p->threads[t].handed, 1, memory_order_relaxed);
                }
                if (t == 0)
                        serve(&p->threads[0], fd, (struct sockaddr *) &addr, len);
        }
        return 0;
}

DEFINE_POINTER_CLEANUP(struct http_workers *, http_workers_free)

int http_workers_start(sd_event *e, int listen_fd, const struct http_server_config *config,
                       struct http_workers **ret) {
        _cleanup_(http_workers_freep) struct http_workers *p = NULL;
        struct http_server_config share = *config;
        unsigned n = config->threads;
        uint64_t watchdog_usec = 0;
        int r;

        assert(e);
        assert(listen_fd >= 0);
        assert(n >= 1);
        assert(ret);
        p = calloc(1, sizeof *p + n * sizeof p->threads[0]);
        if (!p)
                return log_error_errno(-ENOMEM, "Cannot start the HTTP server");
        p->event = sd_event_ref(e);
        p->n = n;
        for (unsigned i = 0; i < n; i++)
                p->threads[i] = (struct serving) { .pool = p, .index = i, .stop_fd = -EBADF,
                                                   .inbox = { -EBADF, -EBADF } };
        p->threads[0].event = sd_event_ref(e);
        p->load = calloc(n, sizeof *p->load);
        if (!p->load)
                return log_error_errno(-ENOMEM, "Cannot start the HTTP server");
        p->stamp_usec = STAMP_USEC_DEFAULT;
        if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec / 8 < p->stamp_usec)
                p->stamp_usec = watchdog_usec / 8;
        p->stale_usec = watchdog_usec / 2;

        /* Each daemon a share: the descriptor limit is for all of them. */
        unsigned limit = config->connection_limit ? config->connection_limit : HTTP_CONNECTION_LIMIT_DEFAULT;
        share.connection_limit = limit / n;
        if (share.connection_limit < SHARE_MIN)
                share.connection_limit = limit < SHARE_MIN ? limit : SHARE_MIN;
        unsigned per_address = config->per_address_limit ? config->per_address_limit : HTTP_PER_ADDRESS_LIMIT_DEFAULT;
        share.per_address_limit = per_address / n < PER_ADDRESS_SHARE_MIN ? PER_ADDRESS_SHARE_MIN : per_address / n;

        /* systemd passes the socket blocking: on_accept() must see EAGAIN. */
        int flags = fcntl(listen_fd, F_GETFL);
        if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return log_error_errno(-errno, "Cannot make the listening socket non-blocking");

        r = serving_start(&p->threads[0], &share);
        if (r < 0)
                return r;
        for (unsigned i = 1; i < n; i++) {
                r = worker_start(&p->threads[i], &share);
                if (r < 0)
                        return log_error_errno(r, "Cannot start HTTP worker %u", i - 1);
        }
        if (p->stale_usec && n > 1) {
                r = sd_event_add_time_relative(e, &p->check_timer, CLOCK_MONOTONIC, p->stamp_usec, 0,
                                               on_check, p);
                if (r >= 0)
                        r = sd_event_source_set_enabled(p->check_timer, SD_EVENT_ON);
                if (r < 0)
                        return log_error_errno(r, "Cannot add the HTTP workers' check to the event loop");
        }
        r = sd_event_add_io(e, &p->accept_io, listen_fd, EPOLLIN, on_accept, p);
        if (r < 0)
                return log_error_errno(r, "Cannot add the HTTP server to the event loop");
        *ret = TAKE_PTR(p);
        return 0;
}

void http_workers_free(struct http_workers *p) {
        if (!p)
                return;
        /* We stop accepting (the backlog stays for the next process); then
         * the workers finish their connections while what their handlers use
         * still exists; then ours. */
        sd_event_source_disable_unref(p->accept_io);
        sd_event_source_disable_unref(p->accept_retry);
        sd_event_source_disable_unref(p->check_timer);
        for (unsigned i = 1; i < p->n; i++)
                worker_stop(&p->threads[i]);
        http_daemon_free(p->threads[0].daemon);
        sd_event_unref(p->threads[0].event);
        sd_event_unref(p->event);
        free(p->load);
        free(p);
}

unsigned long long http_workers_requests(const struct http_workers *p) {
        unsigned long long n = 0;

        for (unsigned i = 0; i < p->n; i++)
                n += p->threads[i].daemon ? http_daemon_requests(p->threads[i].daemon) : 0;
        return n;
}
