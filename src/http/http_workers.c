/* http_workers.c - see http_workers.h. */
#include "http_workers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "http_internal.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "basic/notify_socket.h"

#define STAMP_USEC_DEFAULT (500 * 1000ULL)

struct worker {
        struct http_workers *owner;
        unsigned index;
        pthread_t thread;
        bool running;
        sd_event *event;
        struct http_server *server;
        sd_event_source *stop_source, *stamp_timer, *inbox_source;
        int stop_fd;                            /* eventfd: the main loop says "stop" */
        int inbox[2];                           /* pipe of struct handoff: connections to serve */
        struct http_thread_count *count;        /* its entry: where it stamps that it is not stuck */
};

struct http_workers {
        sd_event_source *check_timer;
        uint64_t stamp_usec, stale_usec;        /* how often workers stamp; when a stamp is too old */
        bool triggered;
        unsigned n;
        struct worker workers[];
};

/* One connection on its way to a worker; smaller than PIPE_BUF, so one
 * write(2) of it is atomic. */
struct handoff {
        int fd;
        socklen_t len;
        struct sockaddr_storage addr;
};

static int on_inbox(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct worker *w = userdata;
        struct handoff h;

        for (int i = 0; i < 64 && read(fd, &h, sizeof h) == sizeof h; i++)
                http_server_add_connection(w->server, h.fd, (const struct sockaddr *) &h.addr, h.len);
        return 0;
}

int http_workers_hand(struct http_workers *ws, unsigned i, int fd, const struct sockaddr *addr, socklen_t len) {
        struct handoff h = { .fd = fd, .len = len };

        if (i >= ws->n || len > sizeof h.addr)
                return -EINVAL;
        memcpy(&h.addr, addr, len);
        return write(ws->workers[i].inbox[1], &h, sizeof h) == sizeof h ? 0 : -EAGAIN;
}

static int on_stop(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct worker *w = userdata;

        return sd_event_exit(w->event, 0);
}

static int on_stamp(sd_event_source *s, uint64_t usec, void *userdata) {
        struct worker *w = userdata;

        http_thread_stamp(w->count);
        return sd_event_source_set_time_relative(s, w->owner->stamp_usec);
}

static void *worker_main(void *userdata) {
        struct worker *w = userdata;
        int r = sd_event_loop(w->event);

        if (r < 0)
                log_error_errno(r, "HTTP worker %u stopped", w->index);
        /* Here, in the thread whose loop ran it: the server's per-thread
         * state (the empty reply) is this thread's. */
        http_server_free(w->server);
        w->server = NULL;
        return NULL;
}

/* In the main loop: is every worker's loop still turning? */
static int on_check(sd_event_source *s, uint64_t usec, void *userdata) {
        struct http_workers *ws = userdata;
        uint64_t now = http_now_usec();

        for (unsigned i = 0; i < ws->n && !ws->triggered; i++) {
                uint64_t alive = atomic_load_explicit(&ws->workers[i].count->alive_usec, memory_order_relaxed);
                if (alive >= now || now - alive <= ws->stale_usec)    /* stamped since we looked at the clock */
                        continue;
                log_error("HTTP worker %u has made no progress for %llu ms: asking systemd to restart us", i,
                          (unsigned long long) (now - alive) / 1000);
                notify_socket_send("WATCHDOG=trigger");
                ws->triggered = true;
        }
        return sd_event_source_set_time_relative(s, ws->stamp_usec);
}

static int worker_setup(struct http_workers *ws, struct worker *w, const struct http_server_config *config,
                        struct http_thread_count *counts) {
        int r;

        w->owner = ws;
        w->count = &counts[w->index + 1];
        http_thread_stamp(w->count);
        w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->stop_fd < 0)
                return -errno;
        r = sd_event_new(&w->event);
        if (r < 0)
                return r;
        r = sd_event_add_io(w->event, &w->stop_source, w->stop_fd, EPOLLIN, on_stop, w);
        if (r < 0)
                return r;
        if (pipe2(w->inbox, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        r = sd_event_add_io(w->event, &w->inbox_source, w->inbox[0], EPOLLIN, on_inbox, w);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(w->event, &w->stamp_timer, CLOCK_MONOTONIC, ws->stamp_usec, 0, on_stamp, w);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(w->stamp_timer, SD_EVENT_ON);
        if (r < 0)
                return r;
        r = http_server_start_worker(w->event, config, counts, w->index + 1, &w->server);
        if (r < 0)
                return r;
        r = -pthread_create(&w->thread, NULL, worker_main, w);
        if (r < 0)
                return r;
        w->running = true;
        return 0;
}

int http_workers_start(sd_event *main_loop, const struct http_server_config *config, unsigned n,
                       struct http_thread_count *counts, struct http_workers **ret) {
        struct http_workers *ws = calloc(1, sizeof *ws + n * sizeof ws->workers[0]);
        uint64_t watchdog_usec = 0;
        int r;

        if (!ws)
                return -ENOMEM;
        ws->n = n;
        ws->stamp_usec = STAMP_USEC_DEFAULT;
        if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec / 8 < ws->stamp_usec)
                ws->stamp_usec = watchdog_usec / 8;
        ws->stale_usec = watchdog_usec ? watchdog_usec / 2 : 0;
        for (unsigned i = 0; i < n; i++) {
                ws->workers[i].index = i;
                ws->workers[i].stop_fd = -1;
                ws->workers[i].inbox[0] = ws->workers[i].inbox[1] = -1;
        }
        for (unsigned i = 0; i < n; i++) {
                r = worker_setup(ws, &ws->workers[i], config, counts);
                if (r < 0) {
                        log_error_errno(r, "Cannot start HTTP worker %u", i);
                        goto fail;
                }
        }
        if (ws->stale_usec) {
                r = sd_event_add_time_relative(main_loop, &ws->check_timer, CLOCK_MONOTONIC, ws->stamp_usec, 0,
                                               on_check, ws);
                if (r >= 0)
                        r = sd_event_source_set_enabled(ws->check_timer, SD_EVENT_ON);
                if (r < 0)
                        goto fail;
        }
        *ret = ws;
        return 0;
fail:
        http_workers_free(ws);
        return r;
}

void http_workers_free(struct http_workers *ws) {
        if (!ws)
                return;
        sd_event_source_disable_unref(ws->check_timer);
        for (unsigned i = 0; i < ws->n; i++) {
                struct worker *w = &ws->workers[i];
                if (w->running) {
                        eventfd_write(w->stop_fd, 1);
                        pthread_join(w->thread, NULL);
                } else {
                        http_server_free(w->server);    /* never ran: free it here */
                }
                sd_event_source_disable_unref(w->stop_source);
                sd_event_source_disable_unref(w->stamp_timer);
                sd_event_source_disable_unref(w->inbox_source);
                sd_event_unref(w->event);
                if (w->stop_fd >= 0)
                        close(w->stop_fd);
                if (w->inbox[0] >= 0) {
                        struct handoff h;
                        while (read(w->inbox[0], &h, sizeof h) == sizeof h)
                                close(h.fd);            /* handed over too late: the client sees it closed */
                        close(w->inbox[0]);
                        close(w->inbox[1]);
                }
        }
        free(ws);
}

unsigned long long http_workers_requests(const struct http_workers *ws) {
        unsigned long long n = 0;

        for (unsigned i = 0; ws && i < ws->n; i++)
                n += ws->workers[i].server ? http_server_requests(ws->workers[i].server) : 0;
        return n;
}
