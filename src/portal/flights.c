/* flights.c - see flights.h. */
#include "flights.h"

#include <stdlib.h>
#include <string.h>

#include "basic/grow.h"
#include "basic/loop.h"

void flight_set_init(struct flight_set *s, sd_event *e, struct upstream *up, size_t keep) {
        *s = (struct flight_set) { .event = e, .up = up, .keep = keep };
}

static void stats_add(struct flight_stats *sum, const struct flight *f) {
        struct flight_stats st;

        flight_get_stats(f, &st);
        sum->fetches += st.fetches;
        sum->served += st.served;
        sum->renders_saved += st.renders_saved;
}

static void entry_drop(struct flight_set *s, struct flight_entry *e) {
        stats_add(&s->gone, e->flight);
        flight_free(e->flight);
        free(e->path);
        *e = (struct flight_entry) { 0 };
}

void flight_set_done(struct flight_set *s) {
        for (size_t i = 0; i < s->n; i++)
                entry_drop(s, &s->entries[i]);
        free(s->entries);
        s->entries = NULL;
        s->n = s->size = 0;
}

struct flight *flight_set_get(struct flight_set *s, const char *path) {
        uint64_t now = loop_now(s->event);
        struct flight_entry *e = NULL;

        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->entries[i].path, path) == 0) {
                        s->entries[i].used_usec = now;
                        return s->entries[i].flight;
                }
        /* Past the limit, the idle flight used longest ago makes room. */
        if (s->n >= s->keep)
                for (size_t i = 0; i < s->n; i++)
                        if (flight_idle(s->entries[i].flight) && (!e || s->entries[i].used_usec < e->used_usec))
                                e = &s->entries[i];
        if (e)
                entry_drop(s, e);
        else {
                if (GROW_ARRAY(s->entries, s->size, s->n + 1, 16) < 0)
                        return NULL;
                e = &s->entries[s->n++];
        }
        *e = (struct flight_entry) { .path = strdup(path), .used_usec = now };
        if (!e->path || flight_new(s->event, s->up, path, &e->flight) < 0) {
                free(e->path);
                *e = s->entries[--s->n];        /* the last one fills the hole */
                return NULL;
        }
        return e->flight;
}

void flight_set_get_stats(const struct flight_set *s, struct flight_stats *ret) {
        *ret = s->gone;
        for (size_t i = 0; i < s->n; i++)
                stats_add(ret, s->entries[i].flight);
}
