/* test-http_limit - the HTTP server (libmicrohttpd accepting by itself, no
 * worker threads: the log service's way) at its connection limit serves a
 * waiting connection as soon as one of its connections closes.
 *
 * libmicrohttpd stops accepting at the limit (and when accept() runs out of
 * descriptors) and takes it up again when a connection closes, but puts its
 * listening socket back into its epoll set only at the start of its next
 * run; http_daemon.c runs it once more after a close, or the waiting
 * connection would wait for the next timeout, here IDLE_TIMEOUT_SEC.
 * Proves: with the limit at 2 and two idle keep-alive connections open, a
 * third connection's request gets no answer (it waits in the backlog);
 * once one of the two closes, it is answered within BOUND_MS. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "loopback.h"
#include "basic/macros.h"
#include "http/http.h"
#include "http/http_server.h"

#define LIMIT 2
#define IDLE_TIMEOUT_SEC 10
#define BOUND_MS 1000

static unsigned port;
static sd_event *event;
static int quit[2] = { -1, -1 };        /* the clients' end of the test, to the loop (sd-event is one thread's) */
static double waited_ms = -1;   /* the third request: from the close to its answer */
static bool answered_at_limit;  /* ... answered while the limit held (wrong) */

static int handle_hello(struct http_request *req, void *userdata) {
        return http_reply(req, 200, "text/plain", "hello", 5);
}

static const struct http_route routes[] = {
        { "GET", "/hello", handle_hello, 0, 0 },
};

static int connect_loopback(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

static bool send_hello(int fd) {
        char request[128];
        int n = snprintf(request, sizeof request, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n", port);

        return write(fd, request, (size_t) n) == n;
}

/* Whether an answer ("HTTP/1.1 200") comes on FD within MS. */
static bool answered_within(int fd, int ms) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char buf[512];
        ssize_t n;

        if (poll(&p, 1, ms) != 1)
                return false;
        n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
                fprintf(stderr, "unexpected answer: %.40s\n", buf);
        return strncmp(buf, "HTTP/1.1 200", 12) == 0;
}

static double ms_since(const struct timespec *t0) {
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) (t.tv_sec - t0->tv_sec) * 1e3 + (double) (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The clients, blocking, beside the server's loop. */
static void *clients_main(void *userdata) {
        int a = connect_loopback(), b = connect_loopback(), c;
        struct timespec t0;

        CHECK(a >= 0 && b >= 0);
        CHECK(send_hello(a) && answered_within(a, 2000));       /* both open, kept alive */
        CHECK(send_hello(b) && answered_within(b, 2000));
        c = connect_loopback();                                 /* the kernel's backlog takes it */
        CHECK(c >= 0 && send_hello(c));
        answered_at_limit = answered_within(c, 300);
        CHECK(!answered_at_limit);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        close(a);
        if (answered_within(c, (IDLE_TIMEOUT_SEC + 2) * 1000))
                waited_ms = ms_since(&t0);
        close(b);
        close(c);
        CHECK(write(quit[1], "q", 1) == 1);
        return NULL;
}

static int on_quit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        return sd_event_exit(event, 0);
}

int main(void) {
        struct http_server_config config = {
                .routes = routes, .n_routes = ELEMENTSOF(routes),
                .connection_limit = LIMIT, .idle_timeout_sec = IDLE_TIMEOUT_SEC,
        };
        struct http_server *server = NULL;
        pthread_t t;
        int fd;

        fd = listen_loopback(&port);
        CHECK(fd >= 0);
        CHECK(sd_event_new(&event) >= 0);
        CHECK(http_server_start(event, fd, &config, &server) == 0);
        CHECK(pipe2(quit, O_CLOEXEC) == 0);
        CHECK(sd_event_add_io(event, NULL, quit[0], EPOLLIN, on_quit, NULL) >= 0);
        CHECK(pthread_create(&t, NULL, clients_main, NULL) == 0);
        CHECK(sd_event_loop(event) >= 0);
        pthread_join(t, NULL);
        printf("at the limit (%d connections): the waiting request answered %.1f ms after one closed (bound %d ms; "
               "without a run after the close it waits for the %d s idle timeout)\n", LIMIT, waited_ms, BOUND_MS,
               IDLE_TIMEOUT_SEC);
        CHECK(waited_ms >= 0 && waited_ms <= BOUND_MS);
        http_server_free(server);
        sd_event_unref(event);
        close(quit[0]);
        close(quit[1]);
        return check_finish("http_limit");
}
