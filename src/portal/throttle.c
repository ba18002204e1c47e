/* throttle.c - see throttle.h. */
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/grow.h"

void throttle_done(struct throttle *t) {
        free(t->v);
        *t = (struct throttle) { 0 };
}

uint64_t throttle_delay(unsigned fails) {
        uint64_t d = THROTTLE_DELAY_FIRST;

        if (fails == 0)
                return 0;
        for (unsigned i = 1; i < fails && d < THROTTLE_DELAY_MAX; i++)
                d *= 2;
        return d < THROTTLE_DELAY_MAX ? d : THROTTLE_DELAY_MAX;
}

static void forget_old(struct throttle *t, uint64_t now) {
        for (size_t i = t->n; i > 0; i--)
                if (now >= t->v[i - 1].last + THROTTLE_FORGET && now >= t->v[i - 1].until)
                        t->v[i - 1] = t->v[--t->n];
}

static struct throttle_entry *find(struct throttle *t, const char *key) {
        for (size_t i = 0; i < t->n; i++)
                if (strncmp(t->v[i].key, key, THROTTLE_KEY_MAX) == 0)
                        return &t->v[i];
        return NULL;
}

uint64_t throttle_wait(struct throttle *t, const char *key, uint64_t now) {
        struct throttle_entry *e;

        forget_old(t, now);
        e = find(t, key);
        return e && e->until > now ? e->until - now : 0;
}

uint64_t throttle_failed(struct throttle *t, const char *key, uint64_t now) {
        struct throttle_entry *e;

        forget_old(t, now);
        e = find(t, key);
        if (!e) {
                if (t->n >= THROTTLE_KEYS) {
                        size_t oldest = 0;
                        for (size_t i = 1; i < t->n; i++)
                                if (t->v[i].last < t->v[oldest].last)
                                        oldest = i;
                        t->v[oldest] = t->v[--t->n];
                }
                if (GROW_ARRAY(t->v, t->n_alloc, t->n + 1, 16) < 0)
                        return THROTTLE_DELAY_MAX;      /* no room to count: slow it all the same */
                e = &t->v[t->n++];
                *e = (struct throttle_entry) { 0 };
                snprintf(e->key, sizeof e->key, "%s", key);
        }
        if (e->fails < 64)
                e->fails++;
        e->last = now;
        e->until = now + throttle_delay(e->fails);
        return throttle_delay(e->fails);
}

void throttle_succeeded(struct throttle *t, const char *key) {
        struct throttle_entry *e = find(t, key);

        if (e)
                *e = t->v[--t->n];
}
