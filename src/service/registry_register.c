/* registry_register.c - registering with the registry, and forwarding a
 * service's own log lines to the LogService: the half of the registry
 * client that talks HTTP (libcurl). See registry_client.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_client.h"
#include "basic/log.h"
#include "registry_client.h"
#include "registry_client_internal.h"

#define RETRY_FIRST_USEC (200 * 1000ULL)
#define RETRY_MAX_USEC (5 * 1000000ULL)
#define REGISTER_TIMEOUT_MS 3000
#define LOG_FORWARD_MAX_PENDING 64

static void on_forwarded(const struct http_client_response *resp, void *userdata) {
        struct registry_client *c = userdata;
        c->forward_pending--;
}

/* The original's client logger: a service's own lines go to the LogService
 * too, as "[ServiceName] - text". Bounded: beyond LOG_FORWARD_MAX_PENDING
 * requests in flight, lines are only in the journal. In the loop's thread. */
static void forward_now(struct registry_client *c, const char *text) {
        char url[600], *body;

        if (registry_client_provider_copy(c, "LogService", url, sizeof url - 4) < 0)
                return;
        if (c->forward_pending >= LOG_FORWARD_MAX_PENDING) {
                c->forward_dropped++;
                return;
        }
        if (asprintf(&body, "[%s] - %s", c->service_name, text) < 0)
                return;
        strcat(url, "/log");
        if (http_client_request(c->http, "POST", url, "text/plain", body, strlen(body), 2000, on_forwarded, c) >= 0)
                c->forward_pending++;
        free(body);
}

static int on_mailbox(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct registry_client *c = userdata;
        char *line;

        for (int i = 0; i < 256 && read(fd, &line, sizeof line) == sizeof line; i++) {
                forward_now(c, line);
                free(line);
        }
        return 0;
}

/* Another thread: hand a copy of the line over (a pointer written to a pipe
 * is one atomic write); when the pipe is full the line is only in the journal. */
static void post_to_loop(struct registry_client *c, const char *text) {
        char *line = strdup(text);

        if (line && write(c->mailbox[1], &line, sizeof line) != sizeof line)
                free(line);
}

static void forward_log(int priority, const char *text, void *userdata) {
        struct registry_client *c = userdata;

        if (pthread_equal(pthread_self(), c->loop_thread))
                forward_now(c, text);
        else
                post_to_loop(c, text);
}

void registry_client_forward_logs(struct registry_client *c) {
        if (!c->http)
                return;
        if (c->mailbox[0] < 0) {
                if (pipe2(c->mailbox, O_CLOEXEC | O_NONBLOCK) < 0) {
                        log_error_errno(-errno, "Cannot forward log lines");
                        return;
                }
                if (sd_event_add_io(c->event, &c->mailbox_source, c->mailbox[0], EPOLLIN, on_mailbox, c) < 0) {
                        log_error("Cannot forward log lines: no event source");
                        return;
                }
        }
        c->loop_thread = pthread_self();
        log_set_forward(forward_log, c);
}

static void send_registration(struct registry_client *c);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct registry_client *c = userdata;

        c->retry = sd_event_source_disable_unref(c->retry);
        send_registration(c);
        return 0;
}

static void on_registered(const struct http_client_response *resp, void *userdata) {
        struct registry_client *c = userdata;

        if (resp->status == 200) {
                c->registered = 1;
                log_info("Registered as %s with %s", c->service_name, c->registry_url);
                if (c->on_done)
                        c->on_done(0, c->on_done_userdata);
                return;
        }
        if (resp->error && strcmp(resp->error, "cancelled") == 0)
                return;
        if (resp->status >= 400 && resp->status < 500) {
                /* The registry rejected what we sent: retrying will not help. */
                log_error("The registry refused our registration: %ld %s", resp->status, resp->body);
                if (c->on_done)
                        c->on_done(-EINVAL, c->on_done_userdata);
                return;
        }
        /* Say so on the first failures, then only now and then. */
        if (c->attempts <= 3 || c->attempts % 20 == 0)
                log_notice("Registry at %s not reachable (%s), retrying in %llu ms", c->registry_url,
                           resp->status ? "HTTP error" : resp->error, (unsigned long long) c->retry_usec / 1000);
        if (sd_event_add_time_relative(c->event, &c->retry, CLOCK_MONOTONIC, c->retry_usec, 0, on_retry, c) < 0)
                log_error("Cannot schedule another registration attempt");
        c->retry_usec = c->retry_usec * 2 > RETRY_MAX_USEC ? RETRY_MAX_USEC : c->retry_usec * 2;
}

static void send_registration(struct registry_client *c) {
        c->attempts++;
        int r = http_client_request(c->http, "POST", c->registry_url, "application/json", c->registration,
                                    strlen(c->registration), REGISTER_TIMEOUT_MS, on_registered, c);
        if (r < 0)
                log_error_errno(r, "Cannot send the registration");
}


int registry_client_register(struct registry_client *c, struct http_client *http, registry_client_done_fn done,
                             void *userdata) {
        if (c->http)
                return -EALREADY;
        c->http = http;
        c->on_done = done;
        c->on_done_userdata = userdata;
        c->retry_usec = RETRY_FIRST_USEC;
        send_registration(c);
        return 0;
}
