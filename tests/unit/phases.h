/* phases.h - a unit test as a chain of phases in one sd-event loop.
 *
 * Each phase's start() begins its asynchronous work and counts each piece
 * in phases_outstanding; each piece, when done, calls phases_done(). Once
 * none is outstanding the phase's check() runs and the next phase starts,
 * from a defer source (never from inside a callback). After the last check
 * the loop exits; so it does when the deadline passes first, as a failure
 * that says which phase hung. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "check.h"

struct phase {
        void (*start)(void);
        void (*check)(void);
};

static const struct phase *phases_list;
static unsigned phases_n, phases_at, phases_outstanding;
static uint64_t phases_started_usec;           /* CLOCK_MONOTONIC: when the current phase started */
static sd_event_source *phases_next;

static inline uint64_t phases_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static inline void phases_done(void) {
        if (--phases_outstanding == 0)
                sd_event_source_set_enabled(phases_next, SD_EVENT_ONESHOT);
}

static int phases_on_next(sd_event_source *s, void *userdata) {
        if (phases_at > 0)
                phases_list[phases_at - 1].check();
        if (phases_at == phases_n)
                return sd_event_exit(sd_event_source_get_event(s), 0);
        phases_started_usec = phases_now_usec();
        phases_list[phases_at++].start();
        if (phases_outstanding == 0)
                sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static int phases_on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        fprintf(stderr, "deadline hit in phase %u with %u requests outstanding\n", phases_at, phases_outstanding);
        check_failures++;
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* Run the N phases of LIST in E's loop, for at most DEADLINE_USEC; checks
 * that every phase ran. */
static inline void phases_run(sd_event *e, const struct phase *list, unsigned n, uint64_t deadline_usec) {
        phases_list = list;
        phases_n = n;
        CHECK(sd_event_add_defer(e, &phases_next, phases_on_next, NULL) >= 0);
        CHECK(sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, deadline_usec, 0, phases_on_deadline, NULL) >= 0);
        CHECK(sd_event_loop(e) >= 0);
        CHECK(phases_at == n);
        phases_next = sd_event_source_disable_unref(phases_next);
}
