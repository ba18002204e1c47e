/* rate_limit.h - how many messages the log service takes from each client.
 *
 * A token bucket per client: a client may send BURST messages at once and
 * RATE a second after that; a message beyond that is refused (429) and
 * costs the service a lookup, not a journal entry or a line in the file.
 * Who is a client:
 *
 *   - a verified dgo service (service/auth.h) is one client under its name,
 *     with an allowance of its own (by default none: dgo's services log what
 *     their own, bounded, requests do, and that is what the log is for);
 *   - every other request is anonymous, one client per peer address, and all
 *     anonymous clients together share a second bucket (the total): a local
 *     process can send from any of 127.0.0.0/8, so the per-address bucket
 *     keeps one greedy client from the others, and the total bounds what all
 *     anonymous clients together put in the journal.
 *
 * The figures, and why: docs/security.md, "Log service: limits and what a
 * line can hold". The table of clients is bounded (RATE_LIMIT_CLIENTS); when
 * it is 3/4 full, the clients whose bucket has refilled are forgotten (they lose
 * nothing), and while none has, new addresses share one overflow bucket.
 *
 * The buckets are pure code (a clock in microseconds is passed in);
 * rate_limit_request() is the glue to a request. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct http_request;

/* Anonymous clients, each address: 1,000 messages a second, 10,000 at once
 * (journald's own default burst for a whole unit); all of them together five
 * times that. */
#define RATE_LIMIT_RATE_DEFAULT 1000.0
#define RATE_LIMIT_BURST_DEFAULT 10000.0
#define RATE_LIMIT_TOTAL_FACTOR 5.0
/* Slots for clients; at most 3/4 of them are used (3,072 clients). */
#define RATE_LIMIT_CLIENTS 4096
#define RATE_LIMIT_KEY_MAX 64                   /* an IPv6 address as text, or a service name */

struct rate_bucket {
        double tokens;
        uint64_t last_usec;                     /* when TOKENS was last brought up to date */
};

struct rate_limit_client {
        char key[RATE_LIMIT_KEY_MAX];           /* "" for a free slot */
        bool service;                           /* a verified dgo service: its allowance */
        struct rate_bucket bucket;
};

struct rate_limit {
        double rate, burst;                     /* per anonymous client; rate 0: no limit at all */
        double service_rate, service_burst;     /* per verified dgo service; rate 0: no limit */
        struct rate_bucket total;               /* every anonymous client together */
        struct rate_bucket overflow;            /* new addresses while the table is full */
        unsigned n_clients;
        uint64_t next_forget_usec;              /* the next time a full table may be swept */
        unsigned long long refused;
        struct rate_limit_client *clients;      /* RATE_LIMIT_CLIENTS slots, open addressing */
};

/* Limits of RATE a second and BURST at once per anonymous client, 5 times
 * that for all of them; RATE 0 turns every limit off. Verified services are
 * not limited (rate_limit_set_services() changes that). */
int rate_limit_init(struct rate_limit *rl, double rate, double burst);     /* 0 or -ENOMEM */
void rate_limit_done(struct rate_limit *rl);
void rate_limit_set_services(struct rate_limit *rl, double rate, double burst);

/* "RATE/BURST" ("1000/10000"), "RATE" (burst: 10 s of RATE) or "off";
 * RATE and BURST from 1 to 10,000,000 (plain decimals). 0 or -EINVAL. */
int rate_limit_parse(const char *s, double *rate, double *burst);

/* The default of --rate-limit, if set: "RATE/BURST" as above. */
#define RATE_LIMIT_ENV "DGO_LOG_RATE_LIMIT"
/* Reads it into *RATE and *BURST (unchanged when unset); -EINVAL, said on
 * stderr, when it is not valid. */
int rate_limit_from_env(double *rate, double *burst);

/* May the client KEY send one more message at NOW_USEC (a monotonic clock)?
 * KEY is a peer address for an anonymous client (SERVICE false), a dgo
 * service's verified name otherwise. Takes the token when it may. */
bool rate_limit_take(struct rate_limit *rl, const char *key, bool service, uint64_t now_usec);

/* For a request: true when it may go on; else it is answered 429 with a
 * JSON error and a Retry-After, and false is returned. */
bool rate_limit_request(struct rate_limit *rl, struct http_request *req);
