/* fd_budget.c - see fd_budget.h. */
#include "fd_budget.h"

unsigned fd_budget_reserve(unsigned threads) {
        if (threads < 1)
                threads = 1;
        if (threads > 1024)             /* far above any real count; keeps the sum in range */
                threads = 1024;
        return FD_BUDGET_CLIENT + FD_BUDGET_PROCESS + FD_BUDGET_PER_THREAD * threads;
}

unsigned fd_budget_connections(uint64_t nofile, unsigned threads) {
        uint64_t reserve = fd_budget_reserve(threads);

        if (nofile > FD_BUDGET_NOFILE_MAX)
                nofile = FD_BUDGET_NOFILE_MAX;
        if (nofile < 2 * reserve)
                return nofile >= 2 ? (unsigned) (nofile / 2) : 1;
        return (unsigned) (nofile - reserve);
}
