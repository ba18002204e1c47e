/* loop.c - see loop.h. */
#include "loop.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"

int loop_new(sd_event **ret) {
        sd_event *e = NULL;
        sigset_t mask;
        int r;

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

        if ((r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL)) < 0 ||
            (r = sd_event_set_watchdog(e, 1)) < 0) {
                sd_event_unref(e);
                return log_error_errno(r, "Cannot set up the event loop");
        }
        *ret = e;
        return 0;
}

static void notify_vf(const char *prefix, const char *format, va_list ap) {
        char text[512];
        int n = snprintf(text, sizeof text, "%s", prefix);

        vsnprintf(text + n, sizeof text - (size_t) n, format, ap);
        sd_notify(0, text);
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
        sd_notify(0, "STOPPING=1\nSTATUS=Shutting down");
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
