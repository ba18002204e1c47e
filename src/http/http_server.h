/* http_server.h - the HTTP server a service starts on its sd-event loop.
 *
 * One libmicrohttpd daemon on the loop (http_daemon.h), which accepts on the
 * listening socket itself; or, when the service asks for serving threads, a
 * pool of such daemons (http_workers.h), the loop accepting for them.
 * Handlers see only http.h. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "router.h"

struct http_server;

struct http_server_config {
        const struct http_route *routes;
        size_t n_routes;
        void *userdata;                 /* passed to every handler */
        /* Routes the service core itself serves (GET /heartbeat, the
         * patches), after the service's own, with their own userdata. */
        const struct http_route *core_routes;
        size_t n_core_routes;
        void *core_userdata;
        size_t max_body;                /* default for routes that set none; 0: HTTP_MAX_BODY_DEFAULT */
        unsigned connection_limit;      /* 0: 1024 */
        unsigned idle_timeout_sec;      /* 0: 30; reset by every byte */
        /* A request must have its headers within HEADERS_TIMEOUT_SEC of its
         * first byte (0: 5) and be complete, body and all, within
         * REQUEST_TIMEOUT_SEC (0: 10), or its connection is shut down. */
        unsigned headers_timeout_sec, request_timeout_sec;
        /* 0: the loop alone, libmicrohttpd accepting by itself. N >= 1: N
         * threads serving the socket, the loop's own included, the loop
         * accepting every connection and handing it to one (http_workers.h);
         * handlers then run in any of them. A service that serves from one
         * thread per CPU asks for N >= 1 on every machine, so that its
         * connections take the same path on one CPU as on many. */
        unsigned threads;
        /* Who may send what (web_policy.h; docs/security.md, "What a web page
         * can and cannot do"). A request TRUSTED vouches for (a verified dgo
         * service; NULL: none) is taken as it is; any other is anonymous and
         * must come from loopback, name the service in Host, carry no foreign
         * Origin and type its body. NO_ANONYMOUS: only trusted ones pass. */
        bool (*trusted)(struct http_request *req);
        bool no_anonymous;
        const char *const *host_names;  /* more names for Host and Origin, NULL-terminated; may be NULL */
        unsigned port;                  /* the listening port, for Host; 0: http_server_start() asks the socket */
        /* HTTPS (libmicrohttpd with GnuTLS): the certificate chain and its
         * private key, PEM text, both or neither; NULL: plain HTTP. Over TLS a
         * bare Host "localhost" names port 443, not 80. */
        const char *tls_cert, *tls_key;
        /* Take anonymous requests from any peer, not only from loopback
         * (WEB_POLICY_ANY_PEER): a listener meant for other hosts. */
        bool any_peer;
        /* Connections at once from one address that is not loopback (all
         * of loopback shares connection_limit); 0: 256. A pool shares it out
         * among its threads, as connection_limit. */
        unsigned per_address_limit;
};

int http_server_start(sd_event *e, int listen_fd, const struct http_server_config *config,
                      struct http_server **ret);
void http_server_free(struct http_server *s);
unsigned long long http_server_requests(const struct http_server *s);
