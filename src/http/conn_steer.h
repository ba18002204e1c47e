/* conn_steer.h - which serving thread takes a new connection.
 *
 * With more serving threads (http_workers.h) the main loop accepts and hands
 * each connection to one thread for its whole life. A loopback client is
 * served cheapest by the thread that runs where the client's own packets are
 * processed: the kernel reports that CPU (SO_INCOMING_CPU), and when a client
 * thread and "its" serving thread pass requests and replies back and forth
 * they can share one CPU's run queue instead of waking each other across
 * CPUs (an interprocessor interrupt, dear in a virtual machine). Measured
 * here with wrk's two threads: about 90,000-100,000 replies a second when
 * each client thread's connections stay in one serving thread, 70,000-77,000
 * when they are dealt out in turn.
 *
 * The CPU only hints at the client thread (a client may connect before the
 * scheduler spreads its threads out), so balance bounds it: a thread takes
 * its CPU's connection only while it serves fewer than half as many again
 * as the least busy thread, plus CONN_STEER_SLACK. Otherwise (clients that
 * all connected from one CPU, or the CPU is unknown) the least busy thread
 * takes it, ties going round in turn. */
#pragma once

#include <stdbool.h>

#define CONN_STEER_SLACK 2u

/* The thread (0..N-1) for a connection whose packets come in on CPU (-1:
 * unknown), given each thread's open connections LOAD[0..N-1]. TURN is the
 * caller's round-robin state for ties. N must be at least 1. */
unsigned conn_steer_pick(const unsigned *load, unsigned n, int cpu, unsigned *turn);

/* Later the client may run elsewhere (wrk's threads, say, all connect from
 * one CPU before the scheduler spreads them). Every CONN_STEER_LOOK_EVERY
 * requests a serving thread looks again at a connection's CPU; when it maps
 * to another thread at two looks in a row, and moving it there would not
 * leave that thread busier than this one, the reply closes the connection,
 * and the client's new one is steered from where it is now. Only with at
 * least CONN_STEER_MOVE_MIN_OPEN connections open per thread: pairing pays
 * when several client threads keep every CPU busy, while a single client
 * thread with a connection or two (the portal) would only be chased from
 * CPU to CPU, and it is served as well from the other CPU. One connection
 * per thread per CONN_STEER_MOVE_GAP_USEC at most. */
#define CONN_STEER_LOOK_EVERY 16u
#define CONN_STEER_MOVE_GAP_USEC 1000u
#define CONN_STEER_MOVE_MIN_OPEN 4u

/* Should thread OWN (LOAD_OWN open connections) send one to thread WANT
 * (LOAD_WANT), of N threads with OPEN connections in all? */
bool conn_steer_should_move(unsigned own, unsigned want, unsigned load_own, unsigned load_want, unsigned open,
                            unsigned n);
