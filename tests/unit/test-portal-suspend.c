/* Handlers that answer later (HTTP_LATER, http_request_resume), the way the
 * portal answers every page that needs another service: an in-process
 * server on an ephemeral loopback port whose handler answers from a timer
 * 50 ms later, and 20 concurrent requests from the HTTP client, all in
 * one sd-event loop. They must all be answered, each after its 50 ms, and
 * together in about 50 ms, not 20 times that: a suspended request holds up
 * nothing else. Then a second round on the same (kept-alive) connections,
 * and a handler that resumes without a reply (500). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "basic/clock.h"
#include "basic/macros.h"
#include "loopback.h"
#include "http/http.h"
#include "http/http_client.h"
#include "http/http_server.h"

#define N 20
#define DELAY_USEC (50 * 1000ULL)

static sd_event *event;
static struct http_client *client;
static char base[64];
static unsigned outstanding, round_no, suspended_now, suspended_max;
static uint64_t round_start;

struct answer {
        long status;
        char body[64];
        uint64_t usec;
};
static struct answer answers[2][N];
static struct answer silent;

/* ---- the server: answer from a timer ---- */

struct later {
        struct http_request *req;
        bool reply;
};

static int on_later_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct later *l = userdata;
        char text[64];

        if (l->reply) {
                int n = snprintf(text, sizeof text, "later %s", http_request_param(l->req, 0));
                CHECK(http_reply(l->req, 200, "text/plain", text, (size_t) n) == 0);
        }
        suspended_now--;
        http_request_resume(l->req);
        sd_event_source_disable_unref(s);
        free(l);
        return 0;
}

static int later(struct http_request *req, bool reply) {
        struct later *l = calloc(1, sizeof *l);

        if (!l)
                return -ENOMEM;
        *l = (struct later) { .req = req, .reply = reply };
        if (sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, DELAY_USEC, 1, on_later_timer, l) < 0) {
                free(l);
                return -EIO;
        }
        if (++suspended_now > suspended_max)
                suspended_max = suspended_now;
        return HTTP_LATER;
}

static int handle_later(struct http_request *req, void *userdata) {
        return later(req, true);
}

static int handle_silent(struct http_request *req, void *userdata) {
        return later(req, false);
}

static const struct http_route routes[] = {
        { "GET", "/later/{}", handle_later, 0, 0 },
        { "GET", "/silent", handle_silent, 0, 0 },
};

/* ---- the client ---- */

static void start_round(void);

static void on_done(const struct http_client_response *resp, void *userdata) {
        struct answer *a = userdata;

        a->status = resp->status;
        snprintf(a->body, sizeof a->body, "%s", resp->body);
        a->usec = now_usec(CLOCK_MONOTONIC) - round_start;
        if (--outstanding > 0)
                return;
        if (++round_no < 2)
                start_round();
        else
                sd_event_exit(event, 0);
}

static void start_round(void) {
        char url[128];

        round_start = now_usec(CLOCK_MONOTONIC);
        for (unsigned i = 0; i < N; i++) {
                snprintf(url, sizeof url, "%s/later/%u", base, i);
                CHECK(http_client_request(client, "GET", url, NULL, NULL, 0, 2000, on_done, &answers[round_no][i]) == 0);
                outstanding++;
        }
        if (round_no == 1) {
                snprintf(url, sizeof url, "%s/silent", base);
                CHECK(http_client_request(client, "GET", url, NULL, NULL, 0, 2000, on_done, &silent) == 0);
                outstanding++;
        }
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        fprintf(stderr, "deadline hit in round %u with %u requests outstanding\n", round_no, outstanding);
        check_failures++;
        return sd_event_exit(event, 0);
}

int main(void) {
        struct http_server *server = NULL;
        unsigned port = 0;
        int fd;

        CHECK(sd_event_new(&event) >= 0);
        fd = listen_loopback(&port);
        CHECK(fd >= 0);
        snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
        struct http_server_config config = { .routes = routes, .n_routes = ELEMENTSOF(routes) };
        CHECK(http_server_start(event, fd, &config, &server) == 0);
        CHECK(http_client_new(event, &client) == 0);

        start_round();
        CHECK(sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, 5 * 1000000ULL, 0, on_deadline, NULL) >= 0);
        CHECK(sd_event_loop(event) >= 0);

        for (unsigned r = 0; r < 2; r++) {
                uint64_t last = 0;
                for (unsigned i = 0; i < N; i++) {
                        char want[64];
                        snprintf(want, sizeof want, "later %u", i);
                        CHECK(answers[r][i].status == 200);
                        CHECK_STR(answers[r][i].body, want);
                        CHECK(answers[r][i].usec >= DELAY_USEC);
                        if (answers[r][i].usec > last)
                                last = answers[r][i].usec;
                }
                /* All at once: serial answers would take N * 50 ms = 1 s. */
                printf("round %u: %u requests answered 50 ms later, the last after %.1f ms\n", r, N, last / 1000.0);
                CHECK(last < 400 * 1000ULL);
        }
        CHECK(suspended_max >= N);              /* they really waited side by side */
        CHECK(suspended_now == 0);
        CHECK(silent.status == 500);            /* resumed without a reply */
        CHECK(strstr(silent.body, "\"error\"") != NULL);

        http_client_free(client);
        http_server_free(server);
        sd_event_unref(event);
        return check_finish("portal-suspend");
}
