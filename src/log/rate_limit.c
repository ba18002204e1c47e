/* rate_limit.c - see rate_limit.h. */
#include "rate_limit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/clock.h"
#include "basic/decimal.h"
#include "basic/macros.h"
#include "http/http.h"
#include "service/auth.h"

#define RATE_LIMIT_VALUE_MAX 10000000.0

int rate_limit_init(struct rate_limit *rl, double rate, double burst) {
        /* calloc: the kernel's zero pages, touched only as clients come. */
        struct rate_limit_client *clients = calloc(RATE_LIMIT_CLIENTS, sizeof *clients);

        if (!clients)
                return -ENOMEM;
        *rl = (struct rate_limit) {
                .rate = rate,
                .burst = burst,
                .total.tokens = burst * RATE_LIMIT_TOTAL_FACTOR,
                .overflow.tokens = burst,
                .clients = clients,
        };
        return 0;
}

void rate_limit_done(struct rate_limit *rl) {
        free(rl->clients);
        rl->clients = NULL;
}

void rate_limit_set_services(struct rate_limit *rl, double rate, double burst) {
        rl->service_rate = rate;
        rl->service_burst = burst;
}

int rate_limit_parse(const char *s, double *rate, double *burst) {
        char copy[2 * DECIMAL_TEXT_MAX + 2];
        const char *slash = strchr(s, '/');
        double r, b;

        if (strcmp(s, "off") == 0) {
                *rate = *burst = 0;
                return 0;
        }
        if (strlen(s) >= sizeof copy)
                return -EINVAL;
        strcpy(copy, s);
        if (slash)
                copy[slash - s] = '\0';
        if (decimal_parse(copy, &r) < 0 || r < 1 || r > RATE_LIMIT_VALUE_MAX)
                return -EINVAL;
        if (!slash)
                b = r * 10 > RATE_LIMIT_VALUE_MAX ? RATE_LIMIT_VALUE_MAX : r * 10;
        else if (decimal_parse(copy + (slash - s) + 1, &b) < 0 || b < 1 || b > RATE_LIMIT_VALUE_MAX)
                return -EINVAL;
        *rate = r;
        *burst = b;
        return 0;
}

int rate_limit_from_env(double *rate, double *burst) {
        const char *s = getenv(RATE_LIMIT_ENV);

        if (s && rate_limit_parse(s, rate, burst) < 0) {
                fprintf(stderr, "dgo-log: invalid $" RATE_LIMIT_ENV " '%s' (see --help)\n", s);
                return -EINVAL;
        }
        return 0;
}

/* Brings B up to NOW at RATE, at most BURST. */
static void refill(struct rate_bucket *b, double rate, double burst, uint64_t now_usec) {
        if (now_usec > b->last_usec) {
                b->tokens += (double) (now_usec - b->last_usec) * rate / 1e6;
                if (b->tokens > burst)
                        b->tokens = burst;
        }
        b->last_usec = now_usec;
}

static bool take(struct rate_bucket *b, double rate, double burst, uint64_t now_usec) {
        refill(b, rate, burst, now_usec);
        if (b->tokens < 1)
                return false;
        b->tokens -= 1;
        return true;
}

static uint32_t hash(const char *key, bool service) {
        uint32_t h = service ? 2166136261u ^ 1u : 2166136261u;        /* FNV-1a */

        for (const unsigned char *p = (const unsigned char *) key; *p; p++)
                h = (h ^ *p) * 16777619u;
        return h;
}

static struct rate_limit_client *insert(struct rate_limit *rl, const struct rate_limit_client *c) {
        uint32_t h = hash(c->key, c->service) % RATE_LIMIT_CLIENTS;

        while (rl->clients[h].key[0])
                h = (h + 1) % RATE_LIMIT_CLIENTS;
        rl->clients[h] = *c;
        rl->n_clients++;
        return &rl->clients[h];
}

/* Forget every client whose bucket is full again at NOW: it loses nothing.
 * Rebuilds the table, since open addressing cannot just empty a slot. */
static void forget_idle(struct rate_limit *rl, uint64_t now_usec) {
        _cleanup_free_ struct rate_limit_client *kept = calloc(rl->n_clients, sizeof *kept);
        unsigned n = 0;

        if (!kept)
                return;                 /* then new clients share the overflow bucket */
        for (unsigned i = 0; i < RATE_LIMIT_CLIENTS; i++) {
                struct rate_limit_client *c = &rl->clients[i];
                double rate = c->service ? rl->service_rate : rl->rate;
                double burst = c->service ? rl->service_burst : rl->burst;

                if (!c->key[0])
                        continue;
                refill(&c->bucket, rate, burst, now_usec);
                if (c->bucket.tokens < burst)
                        kept[n++] = *c;
        }
        memset(rl->clients, 0, RATE_LIMIT_CLIENTS * sizeof rl->clients[0]);
        rl->n_clients = 0;
        for (unsigned i = 0; i < n; i++)
                insert(rl, &kept[i]);
}

/* KEY's bucket, a new full one if it has none; the overflow bucket while
 * the table is full of clients still using theirs. */
static struct rate_bucket *find(struct rate_limit *rl, const char *key, bool service, double burst,
                                uint64_t now_usec) {
        uint32_t h = hash(key, service) % RATE_LIMIT_CLIENTS;

        for (unsigned probe = 0; probe < RATE_LIMIT_CLIENTS; probe++, h = (h + 1) % RATE_LIMIT_CLIENTS) {
                struct rate_limit_client *c = &rl->clients[h];

                if (!c->key[0])
                        break;
                if (c->service == service && strcmp(c->key, key) == 0)
                        return &c->bucket;
        }
        /* Not there. Keep the table at most 3/4 full, so probes stay short. */
        if (rl->n_clients >= RATE_LIMIT_CLIENTS * 3 / 4) {
                /* At most every 100 ms: while every client is busy, a
                 * stream of new addresses must not make each lookup a
                 * walk through the whole table. */
                if (now_usec >= rl->next_forget_usec) {
                        forget_idle(rl, now_usec);
                        rl->next_forget_usec = now_usec + 100 * USEC_PER_MSEC;
                }
                if (rl->n_clients >= RATE_LIMIT_CLIENTS * 3 / 4)
                        return &rl->overflow;
        }
        struct rate_limit_client c = { .service = service, .bucket = { .tokens = burst, .last_usec = now_usec } };
        snprintf(c.key, sizeof c.key, "%s", key);
        return &insert(rl, &c)->bucket;
}

bool rate_limit_take(struct rate_limit *rl, const char *key, bool service, uint64_t now_usec) {
        double rate = service ? rl->service_rate : rl->rate;
        double burst = service ? rl->service_burst : rl->burst;
        struct rate_bucket *b;

        if (rate <= 0)
                return true;
        b = find(rl, key, service, burst, now_usec);
        refill(b, rate, burst, now_usec);
        /* A message the client's own bucket refuses takes nothing from the total. */
        if (b->tokens >= 1 &&
            (service || take(&rl->total, rl->rate * RATE_LIMIT_TOTAL_FACTOR, rl->burst * RATE_LIMIT_TOTAL_FACTOR, now_usec))) {
                b->tokens -= 1;
                return true;
        }
        rl->refused++;
        return false;
}

bool rate_limit_request(struct rate_limit *rl, struct http_request *req) {
        const char *identity = auth_request_identity(req);
        char peer[64];

        if (identity)
                snprintf(peer, sizeof peer, "%s", identity);
        else
                http_request_peer_key(req, peer, sizeof peer);
        if (rate_limit_take(rl, peer, identity != NULL, now_usec(CLOCK_MONOTONIC)))
                return true;
        /* At RATE a second, the next message may go in 1/RATE s: a second
         * is the least Retry-After says. */
        http_reply_error(req, 429, "too many log messages from %s: at most %.0f a second, %.0f at once; "
                         "try again in a second", identity ? identity : "this address",
                         identity ? rl->service_rate : rl->rate, identity ? rl->service_burst : rl->burst);
        (void) http_reply_header(req, "Retry-After", "1");
        return false;
}
