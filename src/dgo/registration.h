/* registration.h - one service as the registry knows it, and its health.
 *
 * Pure code (no I/O): parsing and validating the original protocol's
 * Registration, its JSON form in GET /services, and the mapping from systemd
 * unit states to health. Unit-tested. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REG_NAME_MAX 64
#define REG_URL_MAX 512
#define REG_UNIT_MAX 128
#define REG_REQUIRED_MAX 16

enum health {
        HEALTH_UP,              /* a request now will be served */
        HEALTH_DOWN,
};

struct registration {
        char *name;                     /* ServiceName */
        char *url;                      /* ServiceURL: the key */
        char *required[REG_REQUIRED_MAX];
        size_t n_required;
        char *update_url;               /* ServiceUpdateURL: where patches go; may be NULL */
        char *heartbeat_url;            /* HeartbeatURL: polled for a foreign service */
        char *unit;                     /* "dgo-log.service"; NULL for a foreign service */

        enum health health;
        uint64_t since_usec;            /* CLOCK_REALTIME of the last health change */
        char reason[128];               /* why the health is what it is, for people */
        unsigned heartbeat_failures;    /* in a row */
        bool polling;                   /* a heartbeat request is out */
        bool over_http;                 /* registered with POST (saved), not from a descriptor */
        char *owner;                    /* who may replace or remove it: a verified dgo service
                                         * name (descriptors: theirs); NULL: anonymous */
        uint64_t down_since_mono;       /* CLOCK_MONOTONIC when it last went down (expiry) */
};

/* Parse a Registration; on error returns -EINVAL with a sentence in ERROR. */
int registration_from_json(const json_t *j, struct registration **ret, char *error, size_t error_size);
struct registration *registration_free(struct registration *r);
bool registration_requires(const struct registration *r, const char *name);

/* The Registration a service POSTs for itself: NAME serving at URL (its
 * ServiceUpdateURL and HeartbeatURL are URL/services and URL/heartbeat),
 * requiring REQUIRED (NULL-terminated, may be NULL), run by UNIT (may be
 * NULL). NULL when out of memory. */
json_t *registration_request_new(const char *name, const char *url, const char *const *required,
                                 const char *unit);

/* The original fields, plus "Unit", "Health", "Since" (ISO 8601 UTC) and "Reason". */
json_t *registration_to_json(const struct registration *r);

const char *health_to_string(enum health h);

bool service_name_valid(const char *s);
/* "http://" and something: the length of URL's scheme and "://" when it is
 * "http://" (7) or "https://" (8), else 0. */
size_t url_scheme_len(const char *url);
bool http_url_valid(const char *s);
/* A ServiceURL: exactly "http://HOST:PORT", no path, no query, no user; HOST a
 * name (letters, digits, '-', '.'), an IPv4 address or "[IPv6]", PORT 1-65535.
 * A Registration's ServiceUpdateURL and HeartbeatURL, when given, must be
 * the ServiceURL followed by "/services" and "/heartbeat" (as the original's
 * clients and dgo's own send them). */
bool service_url_valid(const char *s);
/* A provider's URL in a patch: as http_url_valid(), or the same with
 * "https://" (a service on another host of a cluster, reached over HTTPS:
 * docs/cluster.md). As lax as the original's patches are. */
bool provider_url_valid(const char *s);
/* The HOST of a valid ServiceURL, http:// or https://, into HOST (HOST_SIZE
 * bytes); false if not valid. */
bool service_url_host(const char *url, char *host, size_t host_size);
/* "localhost", "[::1]" or an IPv4 address in 127.0.0.0/8. */
bool host_is_loopback(const char *host);
bool unit_name_valid(const char *s);
/* A dgo service's socket unit: "dgo-x.service" -> "dgo-x.socket" in BUF;
 * false if UNIT is no .service or BUF (SIZE bytes) too small. */
bool unit_socket_name(const char *unit, char *buf, size_t size);


/* Health of a socket-activated service from its units' states:
 *   service active (running, reloading, ...)             -> up
 *   service failed, or restarting (auto-restart)         -> down
 *   service inactive and its socket listening            -> up (the next connection starts it)
 *   service inactive and no socket listening             -> down
 *   service activating/deactivating otherwise            -> PREVIOUS (wait for where it lands)
 * REASON gets a short text for GET /services. */
enum health health_from_units(const char *svc_active, const char *svc_sub,
                              const char *sock_active, enum health previous,
                              char *reason, size_t reason_size);
