/* unit-watch-probe - run a unit_watch and print what it reports (box tests).
 *
 * Usage: unit-watch-probe PATTERN [UNIT...]
 * Follows the units matching PATTERN and asks for each UNIT with
 * unit_watch_query(). One line per report, flushed at once:
 *   <usec> <unit> <active> <sub>
 * where usec is CLOCK_REALTIME in microseconds at the callback, so a test
 * can compare it with the time it did something ($EPOCHREALTIME). When the
 * bus connection is lost it prints "<usec> LOST" and exits with status 3;
 * SIGTERM/SIGINT end it with status 0. With UW_PROBE_FREE_ON_LOST=1 it frees
 * the watch inside the lost callback (which unit_watch.h allows). Built by
 * the tests that use it, not by meson: it is not installed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/log.h"
#include "registry/unit_watch.h"

static unsigned long long now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000;
}

static void on_changed(const char *unit, const char *active, const char *sub, void *userdata) {
        printf("%llu %s %s %s\n", now_usec(), unit, active, sub);
        fflush(stdout);
}

static struct unit_watch *watch;

static void on_lost(void *userdata) {
        sd_event *e = userdata;
        const char *f = getenv("UW_PROBE_FREE_ON_LOST");

        printf("%llu LOST\n", now_usec());
        fflush(stdout);
        if (f && strcmp(f, "1") == 0) {
                unit_watch_free(watch);
                watch = NULL;
        }
        sd_event_exit(e, 3);
}

int main(int argc, char **argv) {
        sd_event *e = NULL;
        sigset_t mask;
        int r, code = 1;

        if (argc < 2) {
                fprintf(stderr, "usage: unit-watch-probe PATTERN [UNIT...]\n");
                return 2;
        }
        log_setup("unit-watch-probe");

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_default(&e);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
        if (r < 0) {
                log_error_errno(r, "Cannot set up the event loop");
                goto out;
        }

        r = unit_watch_new(e, argv[1], on_changed, on_lost, e, &watch);
        if (r < 0)
                goto out;
        for (int i = 2; i < argc; i++) {
                r = unit_watch_query(watch, argv[i]);
                if (r < 0) {
                        log_error_errno(r, "Cannot ask for %s", argv[i]);
                        goto out;
                }
        }

        r = sd_event_loop(e);
        if (r < 0)
                log_error_errno(r, "Event loop failed");
        else
                code = r;
out:
        unit_watch_free(watch);
        sd_event_unref(e);
        return code;
}
