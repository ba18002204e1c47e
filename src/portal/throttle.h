/* throttle.h - failed logins slowed, per client and name.
 *
 * Each failed login of a KEY (the client's address and the name it tried)
 * makes the next attempt of that key wait: 0.5 s after the first failure,
 * doubling with each further one up to THROTTLE_DELAY_MAX; a success, or
 * THROTTLE_FORGET without a failure, clears it. The portal suspends the
 * request for the wait (a timer on the loop), never blocking it. At most
 * THROTTLE_KEYS keys are kept (the oldest goes). Pure code; times are
 * passed in; unit-tested. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define THROTTLE_KEY_MAX 96
#define THROTTLE_KEYS 4096
#define THROTTLE_DELAY_FIRST (500 * UINT64_C(1000))
#define THROTTLE_DELAY_MAX (30 * UINT64_C(1000000))
#define THROTTLE_FORGET (15 * 60 * UINT64_C(1000000))

struct throttle_entry {
        char key[THROTTLE_KEY_MAX + 1];
        unsigned fails;
        uint64_t until, last;           /* usec: next attempt allowed; last failure */
};

struct throttle {
        struct throttle_entry *v;
        size_t n, n_alloc;
};

void throttle_done(struct throttle *t);
/* How long (usec) an attempt of KEY at NOW must wait first; 0: none. */
uint64_t throttle_wait(struct throttle *t, const char *key, uint64_t now);
/* A failed attempt of KEY at NOW; returns the delay it now has (usec). */
uint64_t throttle_failed(struct throttle *t, const char *key, uint64_t now);
void throttle_succeeded(struct throttle *t, const char *key);
/* The delay after N failures. */
uint64_t throttle_delay(unsigned fails);
