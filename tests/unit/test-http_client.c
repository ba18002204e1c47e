/* test-http_client - the HTTP client against servers on loopback, all in one
 * process and one sd-event loop: the project's own HTTP server, a socket
 * that listens but is never accepted from (a server that never answers), a
 * closed port, and a raw server for what the real one will not do.
 * It runs as a chain of phases (phases.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "basic/macros.h"
#include "phases.h"
#include "loopback.h"
#include "http/http.h"
#include "http/http_client.h"
#include "http/http_server.h"

#define PARALLEL 150             /* more than HTTP_CLIENT_MAX_RUNNING: some wait their turn */
#define TIMEOUT_MS 300
#define TIMEOUT_SLACK_MS 700
/* Over 1 MiB, where libcurl (7.88) would add "Expect: 100-continue". It goes
 * to the raw server: http_server.c takes over 2 s to read a body this large,
 * as its libmicrohttpd timer has sd-event's default slack of 250 ms. */
#define UPLOAD_SIZE (1536u * 1024u)

struct call {
        bool done;
        int n_done;
        long status;
        char *body;
        size_t body_len;
        char *error;
        bool request_sent;
        unsigned long long usec;
        char *total_count;              /* its X-Total-Count header, if any */
        uint64_t elapsed_usec;          /* measured here */
        uint64_t start;
};

static sd_event *event;
static struct http_client *client;
static char base[64], silent_url[64], closed_url[64], raw_big_url[64], raw_close_url[64], raw_upload_url[64];

/* What the echo route saw. */
static char echo_content_type[128];
static bool echo_had_content_type, echo_had_expect;


/* ---- the server side ---- */

static int handle_hello(struct http_request *req, void *userdata) {
        return http_reply(req, 200, "text/plain", "hello", 5);
}

static int handle_counted(struct http_request *req, void *userdata) {
        int r = http_reply(req, 200, "application/json", "[]", 2);

        if (r >= 0)
                r = http_reply_header(req, "X-Total-Count", "250");
        return r;
}

static int handle_echo(struct http_request *req, void *userdata) {
        const char *ct = http_request_header(req, "Content-Type");
        size_t len;
        const char *body = http_request_body(req, &len);

        echo_had_content_type = ct != NULL;
        snprintf(echo_content_type, sizeof echo_content_type, "%s", ct ? ct : "");
        echo_had_expect = http_request_header(req, "Expect") != NULL;
        return http_reply(req, 201, "application/octet-stream", body, len);
}

static int handle_big(struct http_request *req, void *userdata) {
        size_t len = HTTP_CLIENT_MAX_RESPONSE + 1;
        char *body = malloc(len);

        if (!body)
                return -ENOMEM;
        memset(body, 'x', len);
        return http_reply_take(req, 200, "text/plain", body, len);
}

static int handle_exact(struct http_request *req, void *userdata) {
        size_t len = HTTP_CLIENT_MAX_RESPONSE;
        char *body = malloc(len);

        if (!body)
                return -ENOMEM;
        memset(body, 'y', len);
        return http_reply_take(req, 200, "text/plain", body, len);
}

static bool trust_all(struct http_request *req) {
        return true;
}

static const struct http_route routes[] = {
        { "GET", "/hello", handle_hello, 0, 0 },
        { "GET", "/counted", handle_counted, 0, 0 },
        { "POST", "/echo", handle_echo, 0, 0 },
        { "PUT", "/echo", handle_echo, 0, 0 },
        { "GET", "/big", handle_big, 0, 0 },
        { "GET", "/exact", handle_exact, 0, 0 },
};

/* The raw server, for what the real one will not do. Per mode:
 * RAW_BIG answers with a body over the limit and no Content-Length (so only
 * the client's own count can stop it); RAW_CLOSE hangs up at once;
 * RAW_UPLOAD reads the whole request and answers "LENGTH expect|no-expect". */
enum raw_mode { RAW_BIG, RAW_CLOSE, RAW_UPLOAD };

struct raw_conn {
        int fd;
        enum raw_mode mode;
        sd_event_source *io;
        char head[8192];
        size_t head_len;
        bool head_done;
        size_t body_need, body_got;
        char *out;                      /* the answer, once the request is in */
        size_t sent, total;
};

static const char raw_big_head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";

static void raw_conn_free(struct raw_conn *rc) {
        sd_event_source_disable_unref(rc->io);
        close(rc->fd);
        free(rc->out);
        free(rc);
}

static void raw_take(struct raw_conn *rc, const char *data, size_t n) {
        if (rc->head_done) {
                rc->body_got += n;
                return;
        }
        size_t room = sizeof rc->head - 1 - rc->head_len;
        size_t take = n < room ? n : room;
        memcpy(rc->head + rc->head_len, data, take);
        rc->head_len += take;
        rc->head[rc->head_len] = '\0';
        char *end = strstr(rc->head, "\r\n\r\n");
        if (!end)
                return;
        rc->head_done = true;
        /* What came after the head is body; so is what did not fit. */
        rc->body_got = rc->head_len - (size_t) (end + 4 - rc->head) + (n - take);
        const char *cl = strcasestr(rc->head, "\r\nContent-Length:");
        rc->body_need = cl ? strtoul(cl + 17, NULL, 10) : 0;
}

static int raw_answer(struct raw_conn *rc) {
        if (rc->mode == RAW_BIG) {
                size_t head = sizeof raw_big_head - 1;
                rc->total = head + HTTP_CLIENT_MAX_RESPONSE + 4096;
                rc->out = malloc(rc->total);
                if (!rc->out)
                        return -ENOMEM;
                memcpy(rc->out, raw_big_head, head);
                memset(rc->out + head, 'z', rc->total - head);
        } else {
                char text[64];
                int n = snprintf(text, sizeof text, "%zu %s", rc->body_got,
                                 strcasestr(rc->head, "\r\nExpect:") ? "expect" : "no-expect");
                if (asprintf(&rc->out, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", n, text) < 0) {
                        rc->out = NULL;
                        return -ENOMEM;
                }
                rc->total = strlen(rc->out);
        }
        return 0;
}

static int on_raw_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct raw_conn *rc = userdata;
        char buf[16384];
        ssize_t n;

        while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
                raw_take(rc, buf, (size_t) n);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {    /* the client is gone */
                raw_conn_free(rc);
                return 0;
        }
        if (!rc->out) {
                if (!rc->head_done || rc->body_got < rc->body_need)
                        return 0;
                if (raw_answer(rc) < 0) {
                        raw_conn_free(rc);
                        return 0;
                }
                return sd_event_source_set_io_events(s, EPOLLIN | EPOLLOUT);
        }
        while (rc->sent < rc->total) {
                n = send(fd, rc->out + rc->sent, rc->total - rc->sent, MSG_NOSIGNAL);
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n < 0) {
                        raw_conn_free(rc);
                        return 0;
                }
                rc->sent += (size_t) n;
        }
        /* All sent: wait for the client to hang up. */
        shutdown(fd, SHUT_WR);
        return sd_event_source_set_io_events(s, EPOLLIN);
}

static int on_raw_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        enum raw_mode mode = (enum raw_mode) (intptr_t) userdata;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct raw_conn *rc;

        if (cfd < 0)
                return 0;
        if (mode == RAW_CLOSE || !(rc = calloc(1, sizeof *rc))) {
                close(cfd);
                return 0;
        }
        rc->fd = cfd;
        rc->mode = mode;
        if (sd_event_add_io(event, &rc->io, cfd, EPOLLIN, on_raw_conn, rc) < 0) {
                close(cfd);
                free(rc);
        }
        return 0;
}

static int raw_listen(enum raw_mode mode, char *url, size_t size, int *ret_fd, sd_event_source **ret_src) {
        unsigned port;
        int fd = listen_loopback(&port);

        if (fd < 0)
                return fd;
        snprintf(url, size, "http://127.0.0.1:%u/", port);
        *ret_fd = fd;
        return sd_event_add_io(event, ret_src, fd, EPOLLIN, on_raw_accept, (void *) (intptr_t) mode);
}

/* ---- the client side ---- */

static void call_reset(struct call *c) {
        free(c->body);
        free(c->error);
        free(c->total_count);
        memset(c, 0, sizeof *c);
}


static void record(struct call *c, const struct http_client_response *resp) {
        c->done = true;
        c->n_done++;
        c->status = resp->status;
        free(c->body);
        c->body = malloc(resp->body_len + 1);
        if (c->body) {
                memcpy(c->body, resp->body, resp->body_len);
                c->body[resp->body_len] = '\0';
        }
        c->body_len = resp->body_len;
        CHECK(resp->body[resp->body_len] == '\0');
        free(c->error);
        c->error = resp->error ? strdup(resp->error) : NULL;
        c->request_sent = resp->request_sent;
        c->usec = resp->usec;
        free(c->total_count);
        const char *total = http_client_response_header(resp, "x-total-count");   /* any case */
        c->total_count = total ? strdup(total) : NULL;
        c->elapsed_usec = phases_now_usec() - c->start;
}

static void on_done(const struct http_client_response *resp, void *userdata) {
        record(userdata, resp);
        phases_done();
}

static void start(struct http_client *hc, struct call *c, const char *method, const char *url,
                  const char *content_type, const void *body, size_t len, unsigned timeout_ms,
                  http_client_done_fn done) {
        size_t before = http_client_pending(hc);

        call_reset(c);
        c->start = phases_now_usec();
        int r = http_client_request(hc, method, url, content_type, body, len, timeout_ms, done, c);
        CHECK(r == 0);
        if (r < 0)
                return;
        CHECK(!c->done);                        /* never from inside the call */
        CHECK(http_client_pending(hc) == before + 1);
        if (hc == client)
                phases_outstanding++;
}

static struct call basic[7], counted;

static void phase_basic(void) {
        static const char binary[] = { 'a', '\0', 'b', '\n', '\xff', 'c' };
        char url[128];

        snprintf(url, sizeof url, "%s/hello", base);
        start(client, &basic[0], "GET", url, NULL, NULL, 0, 2000, on_done);
        snprintf(url, sizeof url, "%s/echo", base);
        start(client, &basic[1], "POST", url, "application/octet-stream", binary, sizeof binary, 2000, on_done);
        snprintf(url, sizeof url, "%s/counted", base);
        start(client, &counted, "GET", url, NULL, NULL, 0, 2000, on_done);
        CHECK(http_client_pending(client) == 3);
}

static void check_basic(void) {
        static const char binary[] = { 'a', '\0', 'b', '\n', '\xff', 'c' };

        CHECK(basic[0].status == 200);
        CHECK_STR(basic[0].body, "hello");
        CHECK(basic[0].body_len == 5);
        CHECK(basic[0].error == NULL);
        CHECK(basic[0].usec > 0 && basic[0].usec <= basic[0].elapsed_usec);
        CHECK(basic[1].status == 201);
        CHECK(basic[1].body_len == sizeof binary && basic[1].body &&
              memcmp(basic[1].body, binary, sizeof binary) == 0);
        CHECK_STR(echo_content_type, "application/octet-stream");
        CHECK(!echo_had_expect);
        /* A header of the answer, by name; none when the answer had none. */
        CHECK(counted.status == 200);
        CHECK_STR(counted.total_count, "250");
        CHECK(basic[0].total_count == NULL);
        CHECK(http_client_pending(client) == 0);
}

/* A POST without a content type sends none (curl would say form-urlencoded),
 * an empty POST works, and a PUT reaches the PUT route. */
static void phase_body_forms(void) {
        char url[128];

        snprintf(url, sizeof url, "%s/echo", base);
        start(client, &basic[2], "POST", url, NULL, "plain", 5, 2000, on_done);
}

static void check_body_forms(void) {
        CHECK(basic[2].status == 201);
        CHECK_STR(basic[2].body, "plain");
        CHECK(!echo_had_content_type);
}

static void phase_empty_post(void) {
        char url[128];

        snprintf(url, sizeof url, "%s/echo", base);
        start(client, &basic[3], "POST", url, "text/plain", NULL, 0, 2000, on_done);
}

static void check_empty_post(void) {
        CHECK(basic[3].status == 201);
        CHECK_STR(basic[3].body, "");
        CHECK(basic[3].body_len == 0);
        CHECK_STR(echo_content_type, "text/plain");
}

static void phase_put(void) {
        char url[128];

        snprintf(url, sizeof url, "%s/echo", base);
        start(client, &basic[4], "PUT", url, "text/plain", "put body", 8, 2000, on_done);
        snprintf(url, sizeof url, "%s/nothing-here", base);
        start(client, &basic[5], "GET", url, NULL, NULL, 0, 2000, on_done);
        char *upload = malloc(UPLOAD_SIZE);
        CHECK(upload != NULL);
        if (!upload)
                return;
        memset(upload, 'u', UPLOAD_SIZE);
        start(client, &basic[6], "POST", raw_upload_url, "text/plain", upload, UPLOAD_SIZE, 2000, on_done);
        free(upload);                           /* copied: freeing it now must not matter */
}

static void check_put(void) {
        CHECK(basic[4].status == 201);
        CHECK_STR(basic[4].body, "put body");
        CHECK(basic[5].status == 404);          /* an HTTP answer, whatever it says */
        CHECK(basic[5].error == NULL);
        CHECK(basic[5].body && strstr(basic[5].body, "\"error\""));
        /* Single requests on an idle loop, each started from a timer curl
         * sets to "now": sd-event's default timer slack (250 ms) shows here. */
        CHECK(basic[2].usec + basic[3].usec + basic[4].usec < 400000);
        CHECK(basic[6].status == 200);
        CHECK_STR(basic[6].body, "1572864 no-expect");
        /* Without "Expect:" disabled, curl waits for "100 Continue" (or 1 s). */
        CHECK(basic[6].usec < 500000);
}

static struct call parallel[PARALLEL];

static void phase_parallel(void) {
        char url[128];

        snprintf(url, sizeof url, "%s/hello", base);
        for (unsigned i = 0; i < PARALLEL; i++)
                start(client, &parallel[i], "GET", url, NULL, NULL, 0, 3000, on_done);
        CHECK(http_client_pending(client) == PARALLEL);
}

static void check_parallel(void) {
        unsigned ok = 0;

        for (unsigned i = 0; i < PARALLEL; i++)
                if (parallel[i].n_done == 1 && parallel[i].status == 200 && parallel[i].body &&
                    strcmp(parallel[i].body, "hello") == 0)
                        ok++;
        CHECK(ok == PARALLEL);
        CHECK(http_client_pending(client) == 0);
}

static struct call closed, silent, silent2, big, exact, raw_big, raw_close;

static void phase_failures(void) {
        char url[128];

        start(client, &closed, "GET", closed_url, NULL, NULL, 0, 2000, on_done);
        snprintf(url, sizeof url, "%s/big", base);
        start(client, &big, "GET", url, NULL, NULL, 0, 3000, on_done);
        snprintf(url, sizeof url, "%s/exact", base);
        start(client, &exact, "GET", url, NULL, NULL, 0, 3000, on_done);
        start(client, &raw_big, "GET", raw_big_url, NULL, NULL, 0, 3000, on_done);
        start(client, &raw_close, "GET", raw_close_url, NULL, NULL, 0, 2000, on_done);
        CHECK(http_client_pending(client) == 5);
}

static void check_failed_requests(void) {
        CHECK(closed.n_done == 1 && closed.status == 0 && closed.error && closed.error[0]);
        CHECK(closed.total_count == NULL);      /* no answer, no headers */
        CHECK(!closed.request_sent);            /* refused: it never left */
        CHECK_STR(closed.body, "");

        CHECK(big.n_done == 1 && big.status == 0 && big.error && strstr(big.error, "larger than"));
        CHECK(big.body_len == 0);
        CHECK(exact.status == 200 && exact.body_len == HTTP_CLIENT_MAX_RESPONSE);
        CHECK(raw_big.n_done == 1 && raw_big.status == 0 && raw_big.error &&
              strstr(raw_big.error, "larger than"));
        CHECK(raw_close.n_done == 1 && raw_close.status == 0 && raw_close.error && raw_close.error[0]);
        CHECK(raw_close.request_sent);          /* read, then the connection reset */
        fprintf(stderr, "closed: %s\nbig: %s\nraw big: %s\nraw close: %s\n",
                closed.error, big.error, raw_big.error, raw_close.error);
}

/* Two requests to a server that never answers, with one timeout: they end
 * in the same curl call, and both must be reported. */
static void phase_timeouts(void) {
        start(client, &silent, "POST", silent_url, "text/plain", "anyone?", 7, TIMEOUT_MS, on_done);
        start(client, &silent2, "GET", silent_url, NULL, NULL, 0, TIMEOUT_MS, on_done);
}

static void check_timeouts(void) {
        CHECK(silent.n_done == 1 && silent.status == 0 && silent.error);
        CHECK(silent.elapsed_usec >= TIMEOUT_MS * 1000ULL);
        CHECK(silent.elapsed_usec < (TIMEOUT_MS + TIMEOUT_SLACK_MS) * 1000ULL);
        CHECK(silent.usec >= TIMEOUT_MS * 1000ULL && silent.usec <= silent.elapsed_usec);
        CHECK(silent.error && strstr(silent.error, "imed out"));
        CHECK(silent.request_sent && silent2.request_sent);     /* in the socket, never answered */
        CHECK(silent2.n_done == 1 && silent2.status == 0 && silent2.error);
        fprintf(stderr, "silent: %s (%.0f ms)\n", silent.error, silent.elapsed_usec / 1000.0);
}

/* Free with requests pending: each is cancelled, from inside the free, and
 * a request started from a cancelled callback is refused. */
static struct call cancel[3];
static int cancel_restart = 1;
static struct http_client *doomed;

static void on_cancelled(const struct http_client_response *resp, void *userdata) {
        record(userdata, resp);
        cancel_restart = http_client_request(doomed, "GET", base, NULL, NULL, 0, 1000, on_cancelled, NULL);
}

/* And free from inside a done callback, with another request pending. */
static struct call inner_hello, inner_silent;
static struct http_client *inner;

static void on_inner_hello(const struct http_client_response *resp, void *userdata) {
        record(userdata, resp);
        http_client_free(inner);                /* cancels inner_silent, from here */
        inner = NULL;
        CHECK(inner_silent.n_done == 1);
        phases_done();
}

static void on_inner_silent(const struct http_client_response *resp, void *userdata) {
        record(userdata, resp);
        phases_done();
}

static void phase_cancel(void) {
        char url[128];

        CHECK(http_client_new(event, &doomed) == 0);
        for (unsigned i = 0; i < 3; i++)
                start(doomed, &cancel[i], "GET", silent_url, NULL, NULL, 0, 10000, on_cancelled);
        CHECK(http_client_pending(doomed) == 3);
        http_client_free(doomed);
        doomed = NULL;
        for (unsigned i = 0; i < 3; i++) {
                CHECK(cancel[i].n_done == 1);
                CHECK(cancel[i].status == 0);
                CHECK_STR(cancel[i].error, "cancelled");
        }
        CHECK(cancel_restart == -ECANCELED);

        CHECK(http_client_new(event, &inner) == 0);
        snprintf(url, sizeof url, "%s/hello", base);
        start(inner, &inner_hello, "GET", url, NULL, NULL, 0, 2000, on_inner_hello);
        start(inner, &inner_silent, "GET", silent_url, NULL, NULL, 0, 10000, on_inner_silent);
        phases_outstanding += 2;
}

static void check_cancel(void) {
        CHECK(inner_hello.status == 200);
        CHECK(inner_silent.n_done == 1 && inner_silent.status == 0);
        CHECK_STR(inner_silent.error, "cancelled");
}

/* Sequential requests on the kept-alive connection, chained from the done
 * callback itself. */
static struct call chain;
static unsigned chain_left = 5;
static uint64_t chain_start, chain_usec;

static void on_chain(const struct http_client_response *resp, void *userdata) {
        char url[128];

        record(userdata, resp);
        CHECK(resp->status == 200);
        if (--chain_left > 0) {
                snprintf(url, sizeof url, "%s/hello", base);
                CHECK(http_client_request(client, "GET", url, NULL, NULL, 0, 2000, on_chain, &chain) == 0);
                return;
        }
        chain_usec = phases_now_usec() - chain_start;
        phases_done();
}

static void phase_chain(void) {
        char url[128];

        chain_start = phases_now_usec();
        snprintf(url, sizeof url, "%s/hello", base);
        start(client, &chain, "GET", url, NULL, NULL, 0, 2000, on_chain);
}

static void check_chain(void) {
        CHECK(chain_left == 0);
        /* Each request starts from a timer curl sets to "now": sd-event's
         * default timer slack (250 ms) would show here. */
        CHECK(chain_usec < 500000);
        CHECK(http_client_pending(client) == 0);
}

static const struct phase phases[] = {
        { phase_basic, check_basic },
        { phase_body_forms, check_body_forms },
        { phase_empty_post, check_empty_post },
        { phase_put, check_put },
        { phase_parallel, check_parallel },
        { phase_failures, check_failed_requests },
        { phase_timeouts, check_timeouts },
        { phase_cancel, check_cancel },
        { phase_chain, check_chain },
};



int main(void) {
        struct http_server *server = NULL;
        unsigned port, silent_port, closed_port;
        int server_fd, silent_fd, closed_fd, raw_big_fd = -1, raw_close_fd = -1, raw_upload_fd = -1;
        sd_event_source *raw_big_src = NULL, *raw_close_src = NULL, *raw_upload_src = NULL;

        CHECK(sd_event_new(&event) >= 0);
        server_fd = listen_loopback(&port);
        silent_fd = listen_loopback(&silent_port);
        closed_fd = listen_loopback(&closed_port);
        CHECK(server_fd >= 0 && silent_fd >= 0 && closed_fd >= 0);
        close(closed_fd);                       /* nobody listens there now */
        snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
        snprintf(silent_url, sizeof silent_url, "http://127.0.0.1:%u/", silent_port);
        snprintf(closed_url, sizeof closed_url, "http://127.0.0.1:%u/", closed_port);
        CHECK(raw_listen(RAW_BIG, raw_big_url, sizeof raw_big_url, &raw_big_fd, &raw_big_src) >= 0);
        CHECK(raw_listen(RAW_CLOSE, raw_close_url, sizeof raw_close_url, &raw_close_fd, &raw_close_src) >= 0);
        CHECK(raw_listen(RAW_UPLOAD, raw_upload_url, sizeof raw_upload_url, &raw_upload_fd, &raw_upload_src) >= 0);

        struct http_server_config config = {
                .routes = routes,
                .n_routes = ELEMENTSOF(routes),
                .trusted = trust_all,           /* the client's tests send any type; the web rules are not theirs */
        };
        CHECK(http_server_start(event, server_fd, &config, &server) == 0);
        CHECK(http_client_new(event, &client) == 0);

        /* Refused at once, and then no callback. */
        CHECK(http_client_request(client, "GET", "ftp://127.0.0.1/", NULL, NULL, 0, 1000, on_done, NULL) == -EINVAL);
        CHECK(http_client_request(client, "GET", base, NULL, NULL, 0, 0, on_done, NULL) == -EINVAL);
        CHECK(http_client_request(client, "GET /x HTTP/1.0\r\n", base, NULL, NULL, 0, 1000, on_done, NULL) == -EINVAL);
        CHECK(http_client_request(client, "POST", base, "text/plain\r\nX-Evil: 1", "", 0, 1000, on_done, NULL) == -EINVAL);
        CHECK(http_client_request(client, "POST", base, NULL, NULL, 3, 1000, on_done, NULL) == -EINVAL);
        CHECK(http_client_pending(client) == 0);

        phases_run(event, phases, ELEMENTSOF(phases), 4 * 1000000ULL);

        http_client_free(client);
        http_client_free(inner);
        http_server_free(server);
        sd_event_source_disable_unref(raw_big_src);
        sd_event_source_disable_unref(raw_close_src);
        sd_event_source_disable_unref(raw_upload_src);
        sd_event_unref(event);
        close(silent_fd);
        close(raw_big_fd);
        close(raw_close_fd);
        close(raw_upload_fd);

        for (unsigned i = 0; i < ELEMENTSOF(basic); i++)
                call_reset(&basic[i]);
        for (unsigned i = 0; i < PARALLEL; i++)
                call_reset(&parallel[i]);
        for (unsigned i = 0; i < 3; i++)
                call_reset(&cancel[i]);
        call_reset(&closed);
        call_reset(&silent);
        call_reset(&silent2);
        call_reset(&big);
        call_reset(&exact);
        call_reset(&raw_big);
        call_reset(&raw_close);
        call_reset(&inner_hello);
        call_reset(&inner_silent);
        call_reset(&chain);
        call_reset(&counted);
        return check_finish("http_client");
}
