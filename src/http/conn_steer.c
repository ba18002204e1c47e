/* conn_steer.c - see conn_steer.h: which serving thread takes a
 * connection, and when one should give it up (pure policy, no I/O). */
#include "conn_steer.h"

#include <assert.h>

unsigned conn_steer_pick(const unsigned *load, unsigned n, int cpu, unsigned *turn) {
        assert(load);
        assert(n >= 1);
        assert(turn);

        unsigned least = *turn % n;

        for (unsigned k = 1; k < n; k++) {
                unsigned t = (*turn + k) % n;
                if (load[t] < load[least])
                        least = t;
        }
        if (cpu >= 0) {
                unsigned own = (unsigned) cpu % n;
                if (load[own] < load[least] + load[least] / 2 + CONN_STEER_SLACK)
                        return own;
        }
        *turn = least + 1;
        return least;
}

bool conn_steer_should_move(unsigned own, unsigned want, unsigned load_own, unsigned load_want, unsigned open,
                            unsigned n) {
        /* Equal loads may still swap: each side gives one, and both win. */
        return want != own && load_want <= load_own && open >= CONN_STEER_MOVE_MIN_OPEN * n;
}
