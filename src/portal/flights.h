/* flights.h - the flights (flight.h) of many resources, by path, bounded.
 *
 * Each student page, and each page (and search) of the student list, is a
 * resource of its own: GET /students/7, GET /students?offset=100&limit=100.
 * Its flight is made when a view first asks for it and kept for the views
 * after, with its cached rendering. Past KEEP flights, the idle one used
 * longest ago makes room for a new one; flights with views waiting are
 * never dropped, so under a burst of distinct paths the set may hold more
 * than KEEP for a while. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "flight.h"
#include "upstream.h"

struct flight_entry {
        char *path;
        struct flight *flight;
        uint64_t used_usec;
};

struct flight_set {
        sd_event *event;                        /* not a reference: the owner's loop */
        struct upstream *up;
        size_t keep;
        struct flight_entry *entries;
        size_t n, size;
        struct flight_stats gone;               /* of the flights dropped, for the totals */
};

void flight_set_init(struct flight_set *s, sd_event *e, struct upstream *up, size_t keep);
/* Frees every flight: only when none has views waiting (flight_free()). */
void flight_set_done(struct flight_set *s);

/* The flight of GET PATH, made on first use; NULL when out of memory. */
struct flight *flight_set_get(struct flight_set *s, const char *path);

/* The sums over all flights the set ever had. */
void flight_set_get_stats(const struct flight_set *s, struct flight_stats *ret);
