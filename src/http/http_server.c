/* http_server.c - see http_server.h: the one place that chooses between
 * one daemon listening by itself and a pool of serving threads. */
#include "http_server.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "basic/log.h"
#include "basic/macros.h"
#include "http_daemon.h"
#include "http_workers.h"

/* Exactly one of the two is set. */
struct http_server {
        struct http_daemon *daemon;             /* threads 0: libmicrohttpd accepts by itself */
        struct http_workers *pool;              /* threads >= 1: we accept, and hand over */
};

/* The port LISTEN_FD listens on, for the Host rule (web_policy.h); 0 if none. */
static unsigned listening_port(int listen_fd) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;

        if (listen_fd < 0 || getsockname(listen_fd, (struct sockaddr *) &sa, &len) < 0)
                return 0;
        if (sa.ss_family == AF_INET)
                return ntohs(((const struct sockaddr_in *) &sa)->sin_port);
        if (sa.ss_family == AF_INET6)
                return ntohs(((const struct sockaddr_in6 *) &sa)->sin6_port);
        return 0;
}

int http_server_start(sd_event *e, int listen_fd, const struct http_server_config *config_in,
                      struct http_server **ret) {
        _cleanup_free_ struct http_server *s = NULL;
        struct http_server_config config_copy, *config = &config_copy;
        int r;

        assert(e);
        assert(config_in);
        assert(ret);
        config_copy = *config_in;
        if (!config->port)
                config->port = listening_port(listen_fd);
        s = calloc(1, sizeof *s);
        if (!s)
                return log_error_errno(-ENOMEM, "Cannot start the HTTP server");
        /* The only difference between the two ways of serving is chosen by
         * the service, never by the machine: a service that may serve from
         * several threads asks for threads >= 1 whatever the CPU count, and
         * its connections then take the same path with one thread as with
         * sixteen (accepted by the main loop, steered, handed over). */
        if (config->threads == 0)
                r = http_daemon_start(e, listen_fd, config, NULL, &s->daemon);
        else
                r = http_workers_start(e, listen_fd, config, &s->pool);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

void http_server_free(struct http_server *s) {
        if (!s)
                return;
        http_workers_free(s->pool);
        http_daemon_free(s->daemon);
        free(s);
}

unsigned long long http_server_requests(const struct http_server *s) {
        return s->daemon ? http_daemon_requests(s->daemon) : http_workers_requests(s->pool);
}
