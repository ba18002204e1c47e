/* fd_budget.h - how many connections a service may serve at once, from
 * how many descriptors it may open.
 *
 * Each HTTP connection holds one descriptor for its whole life. Were the
 * connection limit above what the process can open, enough idle clients
 * would take the last descriptors, and then everything else that needs
 * one fails: accept() (which retries and logs a few times a second), the
 * store, the journal, the HTTP client (and sd_notify(), which opens a
 * socket for every WATCHDOG=1: systemd killed the service on its watchdog
 * until the socket was kept open, notify_socket.h). So the connection
 * limit is the descriptor limit less what the process opens besides
 * connections (the reserve below): at the limit libmicrohttpd refuses new
 * connections, and everything else still works.
 *
 * The reserve, counted generously (the cost is nothing next to the
 * 16384 descriptors the units allow: under 3 %):
 * - FD_BUDGET_CLIENT (64): the outgoing HTTP client (registry, log,
 *   grading) runs at most HTTP_CLIENT_MAX_RUNNING = 64 requests at once and
 *   keeps as many connections (service.c checks the two agree).
 * - FD_BUDGET_PROCESS (64): the rest of the process, about 40 counted,
 *   the rest margin: standard streams and listening sockets (5), the
 *   loop's epoll, signalfd and timerfds (8), the journal socket, a memfd
 *   for a large entry and the socket to systemd (4), sd-bus (2), the store
 *   (database, its WAL and shm, a journal or temporary file, the directory
 *   for fsync, its writer's wake-up: 7), a file being replaced and its
 *   directory (2), the log file while it is reopened (2), the log
 *   forwarder's pipe (2), what glibc opens to resolve a name (3), the HTTP
 *   client's resolver (2).
 * - FD_BUDGET_PER_THREAD (16) for each serving thread: its sd-event loop
 *   (epoll, timerfd, eventfds, the pipe that hands it connections: 6) and
 *   its libmicrohttpd daemon (epoll, inter-thread eventfd: 2), the rest
 *   margin.
 * Measured at rest in the box, connections and client sockets included:
 * dgo-grading (two threads) 30 descriptors, dgo-log 16, dgo-portal 19,
 * dgo-registry 18; its reserve is 160 or 144. */
#pragma once

#include <stdint.h>

#define FD_BUDGET_CLIENT 64u
#define FD_BUDGET_PROCESS 64u
#define FD_BUDGET_PER_THREAD 16u

/* Linux's default ceiling for any process (fs.nr_open): a larger or
 * infinite limit counts as this much. */
#define FD_BUDGET_NOFILE_MAX (1024u * 1024u)

/* The descriptors a process serving from THREADS threads (0 counts as 1)
 * keeps for other things than connections. */
unsigned fd_budget_reserve(unsigned threads);

/* The connection limit for a process that may open NOFILE descriptors
 * (its soft RLIMIT_NOFILE) and serves from THREADS threads: NOFILE less
 * the reserve. When NOFILE is below twice the reserve (a limit set too
 * small by hand), half of it, so that connections cannot take it all
 * either. At least 1. */
unsigned fd_budget_connections(uint64_t nofile, unsigned threads);
