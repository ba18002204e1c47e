/* http_daemon.h - one libmicrohttpd daemon on one sd-event loop, and the
 * life of every request it serves (http_request.h has the phases).
 *
 * libmicrohttpd runs in MHD_USE_EPOLL mode without threads of its own: its
 * epoll fd is one source of the loop and its timeout another, so a stalled
 * handler stalls the loop, and the watchdog sees it. The daemon routes each
 * request (404, 405), bounds its body (413), runs its handler, suspends it
 * when the handler says HTTP_LATER and resumes it when it is answered (in
 * this thread, or from another one through an eventfd), and queues the reply
 * once the request is complete.
 *
 * It also enforces the web rules (web_policy.h) and the deadlines of slow
 * requests and the per-address limit (http_daemon.c, on_sweep()).
 *
 * The daemon knows nothing of other threads serving beside it: the pool
 * above it (http_workers.h) sees connections come and go, and decides
 * whether a reply closes its connection, through the hooks below. */
#pragma once

#include <stdbool.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "http_server.h"

#define HTTP_CONNECTION_LIMIT_DEFAULT 1024u
#define HTTP_IDLE_TIMEOUT_SEC_DEFAULT 30u
#define HTTP_HEADERS_TIMEOUT_SEC_DEFAULT 5u     /* from a request's first byte to its last header */
#define HTTP_REQUEST_TIMEOUT_SEC_DEFAULT 10u    /* from its first byte to the end of its body */
#define HTTP_PER_ADDRESS_LIMIT_DEFAULT 256u

struct http_daemon;

/* Called in the daemon's thread; each may be NULL. */
struct http_daemon_hooks {
        /* Connection FD was taken up (OPENED), or is gone. *STATE is the
         * hooks' own pointer for the connection, NULL at first; whatever it
         * holds at the close is theirs to free. Every open has its close,
         * also when http_daemon_add_connection() fails after it. */
        void (*connection)(void *userdata, int fd, bool opened, void **state);
        /* A request came in on the connection with STATE: true if its reply
         * should close the connection. */
        bool (*request)(void *userdata, void *state);
        /* A reply is being queued (a handler has returned, or a waiting
         * request was answered). */
        void (*reply)(void *userdata);
        void *userdata;
};

/* LISTEN_FD >= 0: libmicrohttpd accepts on it itself; -1: the daemon serves
 * only what http_daemon_add_connection() gives it. Of CONFIG it uses all
 * but threads (zeros: the defaults; port as given: the pool has no listening
 * socket of its own); HOOKS may be NULL. Logs why it failed. */
int http_daemon_start(sd_event *e, int listen_fd, const struct http_server_config *config,
                      const struct http_daemon_hooks *hooks, struct http_daemon **ret);
/* Serve the accepted connection FD, which is the daemon's now: 0, or
 * -ECONNREFUSED when libmicrohttpd refused it (and closed it; it logged why). */
int http_daemon_add_connection(struct http_daemon *d, int fd, const struct sockaddr *addr, socklen_t len);
/* Resumes what other threads answered, sends what can be sent without
 * waiting (a request that came in meanwhile gets a 503), and stops. A
 * listening socket is left to the backlog, for the next process. In the
 * daemon's thread. */
void http_daemon_free(struct http_daemon *d);
/* Requests answered; from any thread. */
unsigned long long http_daemon_requests(const struct http_daemon *d);
