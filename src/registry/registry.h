/* registry.h - the registry's table of services and what happens when it changes.
 *
 * Every change of a service's health or presence ends in patches to the
 * services that require it (notify.c); every change of the table is saved
 * (state.c) before it is acknowledged. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "basic/macros.h"
#include "dgo/patch.h"
#include "dgo/registration.h"
#include "http/http_client.h"

DEFINE_POINTER_CLEANUP(struct registration *, registration_free)

#define REGISTRY_MAX 256
#define UNIT_STATES_MAX 256
#define REGISTRY_ALLOW_HOSTS_MAX 16
/* Anonymous registrations (no verified dgo identity) in the table at most:
 * room for the original's services and a few more, while REGISTRY_MAX stays
 * for dgo's own. The registry listens on loopback only, so they all come
 * from one source. */
#define REGISTRY_ANONYMOUS_MAX 32
#define DESCRIPTORS_MAX 64

struct unit_state {
        char unit[REG_UNIT_MAX + 1];
        char active[16];
        char sub[32];
};

struct registry_config {
        uint64_t heartbeat_interval_usec;       /* foreign services */
        unsigned heartbeat_attempts;            /* failures in a row before "down" */
        unsigned heartbeat_timeout_ms;
        unsigned notify_timeout_ms;
        unsigned notify_attempts;
        const char *state_path;                 /* NULL: nothing persisted */
        const char *descriptor_dir;
        /* Hosts a ServiceURL may name besides loopback (--allow-service-host). */
        const char *allow_hosts[REGISTRY_ALLOW_HOSTS_MAX];
        size_t n_allow_hosts;
        uint64_t anonymous_expire_usec;         /* an anonymous entry down this long goes */
};

struct notify_queue;
struct cluster_map;

/* Someone waiting for a patch to reach its dependent (notify_send_wait()):
 * DONE is called once, when the request that carried the patch has ended
 * (DELIVERED: answered 2xx; false: it failed, or the queue went; the patch
 * then stays queued and is retried as any other), unless the waiter was
 * detached before. DONE must not call into notify.c. */
struct notify_waiter {
        void (*done)(struct notify_waiter *w, bool delivered);
        struct notify_queue *queue;             /* notify.c's: where it waits */
};

struct registry {
        sd_event *event;
        struct http_client *http;
        struct registry_config config;
        struct registration *regs[REGISTRY_MAX];
        size_t n_regs;
        struct registration *descriptors[DESCRIPTORS_MAX];     /* as installed, for ownership */
        size_t n_descriptors;
        struct unit_state units[UNIT_STATES_MAX];
        size_t n_units;
        sd_event_source *heartbeat_timer;
        unsigned long long patches_sent, patches_failed, patch_retries;
        struct notify_queue *queues;            /* notify.c: one per dependent with patches owed */
        size_t n_queues;
        /* Cluster mode only (cluster.c; all NULL on a single host): the other
         * hosts' providers, offered to local dependents as the local ones
         * are, and who hears of every change of a local entry (GONE: it was
         * removed) to publish it. */
        const struct cluster_map *remote;
        void (*local_changed)(void *userdata, const struct registration *r, bool gone);
        void *cluster_userdata;
};

int registry_init(struct registry *reg, sd_event *e, const struct registry_config *config);
void registry_done(struct registry *reg);

/* The table. add replaces an entry with the same ServiceURL; both take R.
 * The newcomer is sent the providers it requires; with WAITER (may be NULL)
 * that patch is sent by notify_send_wait(): then add returns 1, and WAITER is
 * told when it has reached the newcomer (0: no patch to wait for). */
int registry_add(struct registry *reg, struct registration *r, struct notify_waiter *waiter);
int registry_remove(struct registry *reg, const char *url);     /* -ENOENT if unknown */
struct registration *registry_find(struct registry *reg, const char *url);
/* Could a registration at URL be added (it replaces one, or the table has
 * room)? registry_add() refuses with -ENOSPC when not. */
bool registry_has_room(struct registry *reg, const char *url);

/* The descriptor of dgo's service at URL, or running UNIT; NULL if none. */
const struct registration *registry_descriptor_of_url(const struct registry *reg, const char *url);
const struct registration *registry_descriptor_of_unit(const struct registry *reg, const char *unit);
const struct registration *registry_descriptor_of_name(const struct registry *reg, const char *name);
/* Does R say exactly what descriptor D says (name, URL and unit)? */
bool registration_is_descriptor(const struct registration *r, const struct registration *d);
size_t registry_anonymous_count(const struct registry *reg);
/* Remove the anonymous entries whose heartbeat has failed for
 * anonymous_expire_usec (saved first; dependents were told when they went down). */
void registry_expire(struct registry *reg);

/* May a registration name a ServiceURL at HOST: loopback, or one of --allow-service-host? */
bool registry_host_allowed(const struct registry *reg, const char *host);

/* A unit's state changed (from unit_watch). */
void registry_unit_changed(struct registry *reg, const char *unit, const char *active, const char *sub);

/* A provider on another host came (ADDED) or went: tell the local dependents. */
void registry_announce_remote(struct registry *reg, bool added, const char *name, const char *url);

/* Tell every running dependent the current providers of what it requires
 * (after a restart of the registry). */
void registry_refresh_all(struct registry *reg);

json_t *registry_to_json(const struct registry *reg);

/* notify.c: POST PATCH to R's ServiceUpdateURL, merged with what is still
 * owed to it, retried with backoff. Takes PATCH. */
void notify_send(struct registry *reg, const struct registration *r, json_t *patch);
/* The same, and WAITER is told when the request that carries PATCH has ended
 * (at once, with false, when there is no queue for it). */
void notify_send_wait(struct registry *reg, const struct registration *r, json_t *patch,
                      struct notify_waiter *waiter);
/* WAITER is no longer told (it gave up waiting); the patch stays queued. */
void notify_waiter_detach(struct notify_waiter *waiter);
/* Free the queues (after the HTTP client, whose cancelled requests use them). */
void notify_done(struct registry *reg);
/* heartbeat.c: poll the foreign services. */
int heartbeat_start(struct registry *reg);
/* state.c: save and load what was registered over HTTP; descriptors.
 * state_save_change() saves the registrations as they will be once ADD (not
 * yet in REG) has replaced whatever is at its URL, or once the one at
 * DROP_URL is gone. */
int state_save_change(const struct registry *reg, const struct registration *add, const char *drop_url);
int state_load(struct registry *reg);
int descriptors_load(struct registry *reg);

/* registry.c, for heartbeat.c: set a registration's health and tell dependents. */
void registry_set_health(struct registry *reg, struct registration *r, enum health h, const char *reason);
