/* http_workers.h - more threads serving the same listening socket.
 *
 * One loop thread serves about 60,000 small replies a second here. A service
 * whose handlers are short and guard their own data with a lock (dgo-grading)
 * can serve its socket from more threads: http_server_config.threads > 1.
 * Each worker is a thread with its own sd-event loop and its own
 * libmicrohttpd daemon without a listening socket. The main loop accepts
 * every connection and hands it to its own daemon or to a worker
 * (MHD_add_connection(), in the thread of the daemon that takes it), the one
 * conn_steer_pick() chooses: preferably the thread of the CPU the client's
 * packets come in on, within a bound on imbalance. Left to the kernel, a
 * burst of connections lands unevenly, and a few long-lived ones may all end
 * up in one thread. The main loop (still sending
 * WATCHDOG=1 itself) checks that every worker makes progress: its loop
 * turns, or its handlers return (under many slow writes one turn of the
 * loop may run handler after handler for a while); when one has done
 * neither for half the watchdog interval it says WATCHDOG=trigger, and
 * systemd kills and restarts the service exactly as for a hung main loop.
 * A handler in a worker that returns HTTP_LATER is answered from another
 * thread with http_request_resume_async(). */
#pragma once

#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "http_server.h"

struct http_workers;

struct http_thread_count;

/* N worker threads serving what they are handed with CONFIG (its threads
 * ignored); worker I is thread I + 1 of COUNTS (the main loop's is 0). */
int http_workers_start(sd_event *main_loop, const struct http_server_config *config, unsigned n,
                       struct http_thread_count *counts, struct http_workers **ret);
/* Hand the accepted connection FD (from ADDR) to worker I: 0, or -EAGAIN
 * when its queue is full (FD is then still the caller's). */
int http_workers_hand(struct http_workers *w, unsigned i, int fd, const struct sockaddr *addr, socklen_t len);
/* Stops the workers (each finishes its server as http_server_free() does) and joins them. */
void http_workers_free(struct http_workers *w);
unsigned long long http_workers_requests(const struct http_workers *w);
