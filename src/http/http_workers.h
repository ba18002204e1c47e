/* http_workers.h - a pool of threads serving one listening socket.
 *
 * One loop thread serves about 60,000 small replies a second here. A service
 * whose handlers are short and guard their own data with a lock (dgo-grading)
 * can serve its socket from more threads: http_server_config.threads.
 * Serving thread 0 is the caller's loop; each other one a worker thread with
 * its own sd-event loop. Each has its own libmicrohttpd daemon without a
 * listening socket (http_daemon.h). The main loop accepts every connection
 * and hands it to one of them for its whole life (MHD_add_connection(), in
 * the thread of the daemon that takes it), the one conn_steer_pick()
 * chooses: preferably the thread of the CPU the client's packets come in
 * on, within a bound on imbalance. Left to the kernel, a burst of
 * connections lands unevenly, and a few long-lived ones may all end up in
 * one thread. Now and then a thread ends a connection whose client has
 * moved to another CPU (conn_steer_should_move()), so that the client's
 * next one is steered anew.
 *
 * The main loop (still sending WATCHDOG=1 itself) checks that every worker
 * makes progress: its loop turns, or its handlers return (under many slow
 * writes one turn of the loop may run handler after handler for a while);
 * when one has done neither for half the watchdog interval it says
 * WATCHDOG=trigger, and systemd kills and restarts the service exactly as
 * for a hung main loop. A handler in a worker that returns HTTP_LATER is
 * answered from another thread with http_request_resume_async(). */
#pragma once

#include <systemd/sd-event.h>

#include "http_server.h"

struct http_workers;

/* Serve LISTEN_FD (made non-blocking) from CONFIG->threads (at least 1)
 * threads: the loop E's and CONFIG->threads - 1 workers. The connection
 * limit is shared out among them. Logs why it failed. */
int http_workers_start(sd_event *e, int listen_fd, const struct http_server_config *config,
                       struct http_workers **ret);
/* Stops accepting (the backlog stays for the next process), stops the
 * workers (each finishes its daemon as http_daemon_free() does) and joins
 * them, then finishes the main loop's daemon. LISTEN_FD stays open. */
void http_workers_free(struct http_workers *w);
/* Requests answered by all the threads. */
unsigned long long http_workers_requests(const struct http_workers *w);
