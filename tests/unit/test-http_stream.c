/* test-http_stream - the HTTP client's streamed answers (http_client_start()
 * with a data callback, http_client_cancel()), against a raw server in the
 * same loop that sends a chunked answer in pieces: the bytes arrive in order
 * with the status, and done comes after; a stream cancelled from its own
 * data callback never calls done; one that returns an error ends with why;
 * one whose server falls silent ends at its idle bound; the client freed
 * from a data callback; and streams without a bound are refused. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "loopback.h"
#include "basic/clock.h"
#include "basic/macros.h"
#include "http/http_client.h"

static sd_event *event;
static struct http_client *client;
static char url[64];

/* ---- the server: the head and "hello\n" at once, "world\n" 100 ms later,
 * then the end, or (silent) nothing more ---- */

static bool server_silent;

struct conn {
        int fd;
        sd_event_source *io, *timer;
        char in[4096];
        size_t in_len;
};

static void conn_free(struct conn *cn) {
        sd_event_source_disable_unref(cn->io);
        sd_event_source_disable_unref(cn->timer);
        close(cn->fd);
        free(cn);
}

static void say(struct conn *cn, const char *s) {
        (void) write(cn->fd, s, strlen(s));
}

static int on_later(sd_event_source *s, uint64_t usec, void *userdata) {
        struct conn *cn = userdata;

        say(cn, "6\r\nworld\n\r\n");
        if (!server_silent)
                say(cn, "0\r\n\r\n");
        return 0;
}

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct conn *cn = userdata;
        ssize_t n = read(fd, cn->in + cn->in_len, sizeof cn->in - 1 - cn->in_len);

        if (n <= 0) {
                conn_free(cn);
                return 0;
        }
        cn->in_len += (size_t) n;
        cn->in[cn->in_len] = '\0';
        if (!strstr(cn->in, "\r\n\r\n") || cn->timer)
                return 0;
        say(cn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                "Connection: close\r\n\r\n"
                "6\r\nhello\n\r\n");
        (void) sd_event_add_time_relative(event, &cn->timer, CLOCK_MONOTONIC, 100 * 1000, 1000, on_later, cn);
        return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        struct conn *cn;

        if (c < 0)
                return 0;
        cn = calloc(1, sizeof *cn);
        if (!cn) {
                close(c);
                return 0;
        }
        cn->fd = c;
        if (sd_event_add_io(event, &cn->io, c, EPOLLIN, on_conn, cn) < 0)
                conn_free(cn);
        return 0;
}

/* ---- the client side ---- */

struct stream {
        char got[256];
        size_t got_len;
        int n_data;
        long data_status;
        enum { GO_ON, CANCEL, STOP, FREE_CLIENT } action;
        struct http_client_call *call;
        bool done;
        long status;
        size_t body_len;
        bool timed_out;
        char error[256];
        bool done_inside_data;
        bool in_data;
};

static int on_data(long status, const void *data, size_t len, void *userdata) {
        struct stream *st = userdata;

        st->n_data++;
        st->data_status = status;
        if (len > sizeof st->got - 1 - st->got_len)
                len = sizeof st->got - 1 - st->got_len;
        memcpy(st->got + st->got_len, data, len);
        st->got_len += len;
        st->got[st->got_len] = '\0';
        switch (st->action) {
        case CANCEL:
                http_client_cancel(client, st->call);
                st->done = true;                /* for wait_for(): done itself must not come */
                return 0;
        case STOP:
                return -EPROTO;
        case FREE_CLIENT:
                st->in_data = true;
                http_client_free(client);
                client = NULL;
                st->in_data = false;
                return 0;
        case GO_ON:
                break;
        }
        return 0;
}

static void on_done(const struct http_client_response *resp, void *userdata) {
        struct stream *st = userdata;

        if (st->action == CANCEL)
                CHECK(!"done after a cancel");
        st->done = true;
        st->done_inside_data = st->in_data;
        st->status = resp->status;
        st->body_len = resp->body_len;
        st->timed_out = resp->timed_out;
        snprintf(st->error, sizeof st->error, "%s", resp->error ? resp->error : "");
}

static bool wait_for(const bool *flag, unsigned ms) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + ms * 1000ULL;

        while (!*flag && now_usec(CLOCK_MONOTONIC) < deadline)
                (void) sd_event_run(event, 100 * 1000);
        return *flag;
}

static int start(struct stream *st, unsigned idle_s) {
        const struct http_client_params p = {
                .method = "GET",
                .url = url,
                .connect_timeout_ms = 1000,
                .idle_timeout_s = idle_s,
                .data = on_data,
                .done = on_done,
                .userdata = st,
        };
        return http_client_start(client, &p, &st->call);
}

int main(void) {
        unsigned port = 0;
        int fd = listen_loopback(&port);
        struct stream st;

        CHECK(fd >= 0);
        CHECK(sd_event_default(&event) >= 0);
        CHECK(sd_event_add_io(event, NULL, fd, EPOLLIN, on_accept, NULL) >= 0);
        snprintf(url, sizeof url, "http://127.0.0.1:%u/stream", port);
        CHECK(http_client_new(event, &client) == 0);

        /* The whole stream, in pieces, then done with no body of its own. */
        st = (struct stream) { .action = GO_ON };
        CHECK(start(&st, 5) == 0);
        CHECK(wait_for(&st.done, 3000));
        CHECK_STR(st.got, "hello\nworld\n");
        CHECK(st.n_data >= 2 && st.data_status == 200);
        CHECK(st.status == 200 && st.body_len == 0 && !st.timed_out);

        /* Cancelled from its own data callback: no done, and the client goes on. */
        st = (struct stream) { .action = CANCEL };
        CHECK(start(&st, 5) == 0);
        CHECK(wait_for(&st.done, 3000));
        st.done = false;
        bool never = false;
        (void) wait_for(&never, 300);           /* the rest of the stream would come now */
        CHECK(st.n_data == 1 && http_client_pending(client) == 0);

        /* Stopped by the receiver. */
        st = (struct stream) { .action = STOP };
        CHECK(start(&st, 5) == 0);
        CHECK(wait_for(&st.done, 3000));
        CHECK(st.status == 0);
        CHECK_STR(st.error, "stopped by the receiver");

        /* The server falls silent after "world": the idle bound ends it. */
        server_silent = true;
        st = (struct stream) { .action = GO_ON };
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        CHECK(start(&st, 1) == 0);
        CHECK(wait_for(&st.done, 4000));
        uint64_t took_ms = (now_usec(CLOCK_MONOTONIC) - t0) / 1000;
        CHECK(st.status == 0 && st.timed_out);
        CHECK_STR(st.got, "hello\nworld\n");
        CHECK_STR(st.error, "nothing received for 1 s");
        CHECK(took_ms >= 1000 && took_ms < 2500);
        server_silent = false;

        /* Every request bounded: a stream needs its connect and idle bounds,
         * a plain request its time. */
        const struct http_client_params no_idle = {
                .method = "GET", .url = url, .connect_timeout_ms = 1000, .data = on_data, .done = on_done,
        }, no_connect = {
                .method = "GET", .url = url, .idle_timeout_s = 1, .data = on_data, .done = on_done,
        }, no_time = {
                .method = "GET", .url = url, .connect_timeout_ms = 1000, .idle_timeout_s = 1, .done = on_done,
        };
        CHECK(http_client_start(client, &no_idle, NULL) == -EINVAL);
        CHECK(http_client_start(client, &no_connect, NULL) == -EINVAL);
        CHECK(http_client_start(client, &no_time, NULL) == -EINVAL);

        /* The client freed from a data callback: done comes from inside it. */
        st = (struct stream) { .action = FREE_CLIENT };
        CHECK(start(&st, 5) == 0);
        CHECK(wait_for(&st.done, 3000));
        CHECK(st.done_inside_data && st.status == 0);
        CHECK_STR(st.error, "cancelled");
        CHECK(client == NULL);

        http_client_free(client);
        close(fd);
        sd_event_unref(event);
        return check_finish("test-http_stream");
}
