/* loop.c - see loop.h. */
#include "loop.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "macros.h"
#include "notify_socket.h"

static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata) {
        uint64_t *interval = userdata;

        notify_socket_send("WATCHDOG=1");
        return sd_event_source_set_time(s, usec + *interval);
}

/* WATCHDOG=1 from a timer of the loop: it proves the loop turns, like
 * sd_event_set_watchdog(), but over the socket notify_socket_open() keeps (that
 * one calls sd_notify(), which needs a new descriptor each time). Every
 * quarter of the interval, as sd-event does, ahead of other sources. */
static int add_watchdog(sd_event *e) {
        _cleanup_(sd_event_source_unrefp) sd_event_source *s = NULL;
        _cleanup_free_ uint64_t *interval = NULL;
        uint64_t usec;
        int r;

        if (sd_watchdog_enabled(0, &usec) <= 0)
                return 0;
        interval = malloc(sizeof *interval);
        if (!interval)
                return -ENOMEM;
        *interval = usec / 4;
        r = sd_event_add_time_relative(e, &s, CLOCK_MONOTONIC, *interval, *interval / 8, on_watchdog, interval);
        if (r < 0)
                return r;
        /* The source owns INTERVAL, and the loop owns the source. */
        sd_event_source_set_destroy_callback(s, free);
        TAKE_PTR(interval);
        r = sd_event_source_set_priority(s, SD_EVENT_PRIORITY_IMPORTANT);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(s, SD_EVENT_ON);
        if (r < 0)
                return r;
        return sd_event_source_set_floating(s, 1);
}

int loop_new(sd_event **ret) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        sigset_t mask;
        int r;

        r = notify_socket_open();
        if (r < 0)
                log_warning_errno(r, "Cannot open a socket to systemd; using sd_notify()");
        r = sd_event_default(&e);
        if (r < 0)
                return log_error_errno(r, "Cannot create the event loop");

        /* sd_event_add_signal() needs the signals blocked; a NULL handler
         * makes the signal end the loop with sd_event_exit(). */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);               /* a peer that hangs up is an error, not a death */

        r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot handle SIGTERM and SIGINT in the event loop");
        r = add_watchdog(e);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the watchdog timer");
        *ret = TAKE_PTR(e);
        return 0;
}

static void notify_vf(const char *prefix, const char *format, va_list ap) {
        char text[512];
        int n = snprintf(text, sizeof text, "%s", prefix);

        vsnprintf(text + n, sizeof text - (size_t) n, format, ap);
        notify_socket_send(text);
}

void notify_ready(const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        notify_vf("READY=1\nSTATUS=", format, ap);
        va_end(ap);
}

void notify_status(const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        notify_vf("STATUS=", format, ap);
        va_end(ap);
}

void notify_stopping(void) {
        notify_socket_send("STOPPING=1\nSTATUS=Shutting down");
}

#define STATUS_INTERVAL_USEC (5 * USEC_PER_SEC)

struct status_timer {
        status_fn fn;
        void *userdata;
};

static int on_status(sd_event_source *s, uint64_t usec, void *userdata) {
        struct status_timer *t = userdata;
        char text[256];

        t->fn(text, sizeof text, t->userdata);
        notify_status("%s", text);
        sd_event_source_set_time(s, usec + STATUS_INTERVAL_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);       /* again, for ever */
}

int loop_add_status(sd_event *e, status_fn fn, void *userdata) {
        _cleanup_(sd_event_source_unrefp) sd_event_source *s = NULL;
        _cleanup_free_ struct status_timer *t = malloc(sizeof *t);
        int r;

        assert(e && fn);
        if (!t)
                return -ENOMEM;
        *t = (struct status_timer) { fn, userdata };
        r = sd_event_add_time_relative(e, &s, CLOCK_MONOTONIC, STATUS_INTERVAL_USEC, 0, on_status, t);
        if (r < 0)
                return r;
        /* The source owns T, and the loop owns the source. */
        sd_event_source_set_destroy_callback(s, free);
        TAKE_PTR(t);
        return sd_event_source_set_floating(s, 1);
}

int loop_run(sd_event *e) {
        int r = sd_event_loop(e);

        if (r < 0)
                return log_error_errno(r, "Event loop failed");
        return 0;
}

uint64_t loop_now(sd_event *e) {
        uint64_t now;

        if (sd_event_now(e, CLOCK_MONOTONIC, &now) < 0)
                now = 0;
        return now;
}
