/* test-conn_steer.c - proves how a multi-threaded server spreads
 * connections (conn_steer_pick(): which serving thread takes a new one;
 * conn_steer_should_move(): whether a thread hands one over later): one
 * thread takes all; connections follow their client's CPU (mapped onto the
 * threads there are); unknown CPUs go in turn; all from one CPU stay within
 * the balance bound (6 on 3 threads: 1 to 3 each); a busy own thread gives
 * way, one with room does not; a connection moves only to a less busy other
 * thread, and never while only a handful are open. */
#include "check.h"
#include "http/conn_steer.h"

#define MAXN 4

/* Connections arrive from the CPUs in CPUS (N_CONN of them, -1: unknown)
 * and stay open; LOAD ends as each thread's count, WHO as each one's thread. */
static void arrive(unsigned n, const int *cpus, unsigned n_conn, unsigned load[MAXN], unsigned *who) {
        unsigned turn = 0;

        for (unsigned t = 0; t < MAXN; t++)
                load[t] = 0;
        for (unsigned i = 0; i < n_conn; i++) {
                unsigned t = conn_steer_pick(load, n, cpus[i], &turn);
                load[t]++;
                if (who)
                        who[i] = t;
        }
}

static unsigned max_of(const unsigned *v, unsigned n) {
        unsigned m = v[0];
        for (unsigned i = 1; i < n; i++)
                m = v[i] > m ? v[i] : m;
        return m;
}

static unsigned min_of(const unsigned *v, unsigned n) {
        unsigned m = v[0];
        for (unsigned i = 1; i < n; i++)
                m = v[i] < m ? v[i] : m;
        return m;
}

int main(void) {
        unsigned load[MAXN], who[64];
        int cpus[64];

        /* One thread takes everything. */
        for (unsigned i = 0; i < 10; i++)
                cpus[i] = (int) i % 3 - 1;
        arrive(1, cpus, 10, load, NULL);
        CHECK(load[0] == 10);

        /* Two client threads on two CPUs, connecting in turn (wrk -t2):
         * each client's connections all land in the thread of its CPU. */
        for (unsigned i = 0; i < 50; i++)
                cpus[i] = (int) (i % 2);
        arrive(2, cpus, 50, load, who);
        CHECK(load[0] == 25 && load[1] == 25);
        for (unsigned i = 0; i < 50; i++)
                CHECK(who[i] == i % 2);

        /* The CPU maps onto the threads there are: CPU 3 of 4 with 2 threads is thread 1. */
        for (unsigned i = 0; i < 8; i++)
                cpus[i] = i % 2 ? 3 : 2;
        arrive(2, cpus, 8, load, who);
        CHECK(who[0] == 0 && who[1] == 1 && load[0] == 4 && load[1] == 4);

        /* Unknown CPU: in turn, so 3 threads get 2 each of 6. */
        for (unsigned i = 0; i < 6; i++)
                cpus[i] = -1;
        arrive(3, cpus, 6, load, who);
        CHECK(load[0] == 2 && load[1] == 2 && load[2] == 2);
        CHECK(who[0] == 0 && who[1] == 1 && who[2] == 2 && who[3] == 0);

        /* Everything from one CPU: balance bounds the hint. 50 connections on
         * 2 threads end at most half as many again plus the slack apart. */
        for (unsigned i = 0; i < 50; i++)
                cpus[i] = 0;
        arrive(2, cpus, 50, load, NULL);
        CHECK(load[0] + load[1] == 50);
        CHECK(load[0] < load[1] + load[1] / 2 + CONN_STEER_SLACK + 1);
        CHECK(load[1] >= 19);
        /* ... and 6 connections on 3 threads from one CPU give each 1 to 3. */
        arrive(3, cpus, 6, load, NULL);
        CHECK(min_of(load, 3) >= 1 && max_of(load, 3) <= 3);

        /* A busy own thread gives way to the least busy one; a thread with
         * room takes its own CPU's connection even when another is idler. */
        unsigned turn = 0;
        unsigned busy[2] = { 5, 2 };
        CHECK(conn_steer_pick(busy, 2, 0, &turn) == 1);
        unsigned room[2] = { 4, 2 };
        CHECK(conn_steer_pick(room, 2, 0, &turn) == 0);
        unsigned idle[3] = { 0, 9, 3 };
        turn = 1;
        CHECK(conn_steer_pick(idle, 3, -1, &turn) == 0);        /* the least, not the turn's */
        CHECK(turn == 1);

        /* Connections that close make room again: loads are what is open. */
        unsigned after_close[2] = { 1, 30 };
        CHECK(conn_steer_pick(after_close, 2, 1, &turn) == 0);
        /* Moving a connection: only to another thread, never to a busier one;
         * equal loads may swap; never with a handful of connections. */
        CHECK(conn_steer_should_move(0, 1, 30, 20, 50, 2));
        CHECK(conn_steer_should_move(1, 0, 25, 25, 50, 2));
        CHECK(!conn_steer_should_move(0, 1, 20, 21, 41, 2));
        CHECK(!conn_steer_should_move(1, 1, 30, 0, 30, 2));
        CHECK(!conn_steer_should_move(0, 1, 2, 0, 2, 2));               /* the portal's two */
        CHECK(!conn_steer_should_move(0, 1, 5, 2, CONN_STEER_MOVE_MIN_OPEN * 2 - 1, 2));
        CHECK(conn_steer_should_move(0, 1, 5, 3, CONN_STEER_MOVE_MIN_OPEN * 2, 2));
        return check_finish("conn_steer");
}
