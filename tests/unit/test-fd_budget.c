/* test-fd_budget.c - the connection limit derived from the descriptor
 * limit: what the units' 16384 and systemd's default soft limit 1024 give,
 * that connections and the reserve together never exceed the limit (so
 * connections alone cannot exhaust it), that a limit set too small leaves
 * half for the rest, and that huge or infinite limits stay in range. */
#include <limits.h>
#include <stdint.h>
#include <sys/resource.h>

#include "check.h"
#include "basic/fd_budget.h"

int main(void) {
        /* The reserve: 128 for the process, 16 per serving thread; no threads counts as one. */
        CHECK(fd_budget_reserve(0) == 144);
        CHECK(fd_budget_reserve(1) == 144);
        CHECK(fd_budget_reserve(2) == 160);
        CHECK(fd_budget_reserve(16) == 384);

        /* The units' limit, and systemd's default soft limit. */
        CHECK(fd_budget_connections(16384, 1) == 16240);
        CHECK(fd_budget_connections(16384, 2) == 16224);
        CHECK(fd_budget_connections(16384, 16) == 16000);
        CHECK(fd_budget_connections(1024, 1) == 880);
        CHECK(fd_budget_connections(1024, 2) == 864);

        /* For every limit and thread count: at least one connection, fewer
         * connections than descriptors, connections plus reserve within the
         * limit once it holds twice the reserve, and more descriptors never
         * mean fewer connections. */
        for (unsigned threads = 0; threads <= 20; threads++) {
                unsigned before = 0, reserve = fd_budget_reserve(threads);
                for (uint64_t nofile = 0; nofile <= 5000; nofile++) {
                        unsigned n = fd_budget_connections(nofile, threads);
                        CHECK(n >= 1);
                        if (nofile >= 2)
                                CHECK(n < nofile);
                        if (nofile >= 2 * (uint64_t) reserve)
                                CHECK(n + reserve == nofile);
                        else
                                CHECK(n <= nofile / 2 + 1);
                        CHECK(n >= before);
                        before = n;
                }
        }

        /* Set too small by hand: half of it. */
        CHECK(fd_budget_connections(200, 1) == 100);
        CHECK(fd_budget_connections(1, 1) == 1);
        CHECK(fd_budget_connections(0, 1) == 1);

        /* Above the kernel's ceiling, or infinite: counted as the ceiling. */
        CHECK(fd_budget_connections(RLIM_INFINITY, 2) == FD_BUDGET_NOFILE_MAX - 160);
        CHECK(fd_budget_connections(UINT64_MAX, 2) == FD_BUDGET_NOFILE_MAX - 160);
        CHECK(fd_budget_connections((uint64_t) 1 << 40, 1) == FD_BUDGET_NOFILE_MAX - 144);
        /* An absurd thread count cannot wrap the reserve around. */
        CHECK(fd_budget_connections(FD_BUDGET_NOFILE_MAX, UINT_MAX) ==
              FD_BUDGET_NOFILE_MAX - fd_budget_reserve(UINT_MAX));
        CHECK(fd_budget_reserve(UINT_MAX) == fd_budget_reserve(1024));
        return check_finish("fd_budget");
}
