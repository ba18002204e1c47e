/* test-rate_limit.c - proves the log service's per-client token buckets:
 * a client gets its burst at once, then its rate, and a refused message
 * costs it nothing more; another address keeps its own allowance while one
 * is over; all anonymous clients together stop at the total (5 times one
 * client's), and a message its own bucket refused takes nothing from that
 * total; a verified dgo service is not limited by default and, when given an
 * allowance, is counted apart from the anonymous; a full table forgets the
 * clients whose bucket has refilled, and while none has, new addresses
 * share one overflow bucket; "RATE/BURST", "RATE" and "off" parse, anything
 * else is refused. */
#include <errno.h>
#include <stdio.h>

#include "check.h"
#include "log/rate_limit.h"

#define SEC 1000000ull

static unsigned take_n(struct rate_limit *rl, const char *key, bool service, unsigned n, uint64_t now) {
        unsigned ok = 0;

        for (unsigned i = 0; i < n; i++)
                ok += rate_limit_take(rl, key, service, now);
        return ok;
}

static void test_bucket(void) {
        struct rate_limit rl;

        CHECK(rate_limit_init(&rl, 100, 1000) == 0);
        /* the burst at once, then nothing */
        CHECK(take_n(&rl, "127.0.0.1", false, 1500, 10 * SEC) == 1000);
        CHECK(rl.refused == 500);
        /* another address is another client */
        CHECK(take_n(&rl, "127.0.0.2", false, 10, 10 * SEC) == 10);
        /* the rate: 100 a second, so 50 in half a second */
        CHECK(take_n(&rl, "127.0.0.1", false, 200, 10 * SEC + SEC / 2) == 50);
        /* refused messages did not borrow: a second on, 100 more */
        CHECK(take_n(&rl, "127.0.0.1", false, 200, 11 * SEC + SEC / 2) == 100);
        /* never more than the burst, however long it waited */
        CHECK(take_n(&rl, "127.0.0.1", false, 5000, 1000 * SEC) == 1000);
        /* a clock that goes back gives nothing */
        CHECK(take_n(&rl, "127.0.0.1", false, 10, 999 * SEC) == 0);
        rate_limit_done(&rl);
}

static void test_total(void) {
        struct rate_limit rl;
        char key[32];
        unsigned ok = 0;

        CHECK(rate_limit_init(&rl, 10, 100) == 0);
        /* 10 clients of 100 at once: the total (500 at once) stops them */
        for (unsigned i = 0; i < 10; i++) {
                snprintf(key, sizeof key, "10.0.0.%u", i);
                ok += take_n(&rl, key, false, 100, SEC);
        }
        CHECK(ok == 500);
        /* a verified service is not limited by default, and not by the total */
        CHECK(take_n(&rl, "GradingService", true, 100000, SEC) == 100000);
        rate_limit_done(&rl);
        /* a client over its own allowance takes nothing from the total */
        CHECK(rate_limit_init(&rl, 10, 100) == 0);
        CHECK(take_n(&rl, "127.0.0.1", false, 100000, SEC) == 100);
        CHECK(take_n(&rl, "127.0.0.2", false, 100, SEC) == 100);
        rate_limit_done(&rl);

        /* a service given an allowance has its own bucket, by its name */
        CHECK(rate_limit_init(&rl, 10, 100) == 0);
        rate_limit_set_services(&rl, 1000, 2000);
        CHECK(take_n(&rl, "GradingService", true, 3000, SEC) == 2000);
        CHECK(take_n(&rl, "TeacherPortal", true, 10, SEC) == 10);
        /* the name of a service is not the address of an anonymous client */
        CHECK(take_n(&rl, "GradingService", false, 200, SEC) == 100);
        rate_limit_done(&rl);

        /* off: everything goes */
        CHECK(rate_limit_init(&rl, 0, 0) == 0);
        CHECK(take_n(&rl, "127.0.0.1", false, 100000, SEC) == 100000);
        rate_limit_done(&rl);
}

static void test_table(void) {
        struct rate_limit rl;
        char key[32];
        unsigned ok = 0;

        /* Keys of services, so that the anonymous total does not count:
         * the table is the same. One a second, two at once. */
        CHECK(rate_limit_init(&rl, 1, 2) == 0);
        rate_limit_set_services(&rl, 1, 2);
        /* fill the table with busy clients (each has used its burst) */
        for (unsigned i = 0; i < RATE_LIMIT_CLIENTS * 3 / 4; i++) {
                snprintf(key, sizeof key, "S%u", i);
                ok += take_n(&rl, key, true, 2, SEC);
        }
        CHECK(ok == RATE_LIMIT_CLIENTS * 3 / 4 * 2);
        CHECK(rl.n_clients == RATE_LIMIT_CLIENTS * 3 / 4);
        /* full of busy clients: new ones share the overflow bucket (2 at once) */
        CHECK(take_n(&rl, "new1", true, 5, SEC) == 2);
        CHECK(take_n(&rl, "new2", true, 5, SEC) == 0);
        /* the old clients still have theirs, used up */
        CHECK(take_n(&rl, "S0", true, 5, SEC) == 0);
        /* two seconds later every bucket is full again: the idle are forgotten */
        CHECK(take_n(&rl, "new3", true, 5, 3 * SEC) == 2);
        CHECK(rl.n_clients == 1);
        CHECK(take_n(&rl, "S0", true, 5, 3 * SEC) == 2);
        CHECK(rl.n_clients == 2);
        rate_limit_done(&rl);
}

static void test_parse(void) {
        double rate, burst;

        CHECK(rate_limit_parse("1000/10000", &rate, &burst) == 0 && rate == 1000 && burst == 10000);
        CHECK(rate_limit_parse("50", &rate, &burst) == 0 && rate == 50 && burst == 500);
        CHECK(rate_limit_parse("2.5/3", &rate, &burst) == 0 && rate == 2.5 && burst == 3);
        CHECK(rate_limit_parse("10000000", &rate, &burst) == 0 && burst == 10000000);
        CHECK(rate_limit_parse("off", &rate, &burst) == 0 && rate == 0);
        CHECK(rate_limit_parse("", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("0", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("0.5", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("10/", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("/10", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("10/0", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("-1", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("1e3", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("10000001", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("10/20/30", &rate, &burst) == -EINVAL);
        CHECK(rate_limit_parse("99999999999999999999999999999999999999999999999999999999999999999999999", &rate, &burst) == -EINVAL);
}

int main(void) {
        test_bucket();
        test_total();
        test_table();
        test_parse();
        return check_finish("rate_limit");
}
