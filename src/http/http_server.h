/* http_server.h - an HTTP server (libmicrohttpd) driven by the sd-event loop.
 *
 * libmicrohttpd runs in MHD_USE_EPOLL mode without threads of its own: its
 * epoll fd is one source of the loop and its timeout another, so a stalled
 * handler stalls the loop, and the watchdog sees it. */
#pragma once

#include <systemd/sd-event.h>

#include "router.h"

struct http_server;

struct http_server_config {
        const struct http_route *routes;
        size_t n_routes;
        void *userdata;                 /* passed to every handler */
        /* Routes the core itself serves (registry_client_routes), after the
         * service's own, with their own userdata. */
        const struct http_route *core_routes;
        size_t n_core_routes;
        void *core_userdata;
        size_t max_body;                /* default for routes that set none; 0: HTTP_MAX_BODY_DEFAULT */
        unsigned connection_limit;      /* 0: 1024 */
        unsigned idle_timeout_sec;      /* 0: 30 */
        /* Threads serving the socket, the loop's own included; 0 or 1: the
         * loop alone. Handlers then run in any of them: see http_workers.h. */
        unsigned threads;
};

int http_server_start(sd_event *e, int listen_fd, const struct http_server_config *config,
                      struct http_server **ret);
void http_server_free(struct http_server *s);
unsigned long long http_server_requests(const struct http_server *s);
