/* registry.c - see registry.h. */
#include "registry.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/clock.h"
#include "basic/log.h"
#include "cluster_map.h"

int registry_init(struct registry *reg, sd_event *e, const struct registry_config *config) {
        assert(reg && e && config);
        *reg = (struct registry) { .event = sd_event_ref(e), .config = *config };
        return http_client_new(e, &reg->http);
}

void registry_done(struct registry *reg) {
        sd_event_source_disable_unref(reg->heartbeat_timer);
        http_client_free(reg->http);
        notify_done(reg);
        for (size_t i = 0; i < reg->n_regs; i++)
                registration_free(reg->regs[i]);
        for (size_t i = 0; i < reg->n_descriptors; i++)
                registration_free(reg->descriptors[i]);
        sd_event_unref(reg->event);
        *reg = (struct registry) { 0 };
}

struct registration *registry_find(struct registry *reg, const char *url) {
        for (size_t i = 0; i < reg->n_regs; i++)
                if (strcmp(reg->regs[i]->url, url) == 0)
                        return reg->regs[i];
        return NULL;
}

static const struct unit_state *unit_get(const struct registry *reg, const char *unit) {
        for (size_t i = 0; i < reg->n_units; i++)
                if (strcmp(reg->units[i].unit, unit) == 0)
                        return &reg->units[i];
        return NULL;
}

/* A dependent that is a dgo unit gets patches only while it runs: a patch
 * must not start a socket-activated service, which learns everything when it
 * registers on start anyway. */
static bool wants_patches(const struct registry *reg, const struct registration *r) {
        if (!r->update_url)
                return false;
        if (!r->unit)
                return true;
        const struct unit_state *u = unit_get(reg, r->unit);
        return u && strcmp(u->active, "active") == 0;
}

/* Tell the dependents of NAME at URL (but SELF, the provider if local)
 * that it came (ADDED) or went. */
static void announce_provider(struct registry *reg, const struct registration *self, const char *name,
                              const char *url, bool added) {
        for (size_t i = 0; i < reg->n_regs; i++) {
                struct registration *d = reg->regs[i];
                if (d == self || !registration_requires(d, name) || !wants_patches(reg, d))
                        continue;
                json_t *patch = patch_new();
                patch_add(patch, added, name, url);
                notify_send(reg, d, patch);
        }
}

static void announce(struct registry *reg, const struct registration *provider, bool added) {
        announce_provider(reg, provider, provider->name, provider->url, added);
}

void registry_announce_remote(struct registry *reg, bool added, const char *name, const char *url) {
        log_info("%s at %s (another host) is %s", name, url, added ? "up" : "gone or down");
        announce_provider(reg, NULL, name, url, added);
}

static void local_changed(struct registry *reg, const struct registration *r, bool gone) {
        if (reg->local_changed)
                reg->local_changed(reg->cluster_userdata, r, gone);
}

/* The providers of everything D requires: Added for those up, and, when
 * WITH_REMOVED, Removed for those down. */
static json_t *providers_patch(const struct registry *reg, const struct registration *d, bool with_removed) {
        json_t *patch = patch_new();

        for (size_t i = 0; i < reg->n_regs; i++) {
                const struct registration *p = reg->regs[i];
                if (p == d || !registration_requires(d, p->name))
                        continue;
                if (p->health == HEALTH_UP)
                        patch_add(patch, true, p->name, p->url);
                else if (with_removed)
                        patch_add(patch, false, p->name, p->url);
        }
        /* Those on other hosts likewise (cluster mode): a newcomer here hears
         * of them in its first patch. */
        for (size_t i = 0; reg->remote && i < reg->remote->n; i++) {
                const struct cluster_entry *p = reg->remote->entries[i];
                if (!registration_requires(d, p->name))
                        continue;
                if (p->health == HEALTH_UP)
                        patch_add(patch, true, p->name, p->url);
                else if (with_removed)
                        patch_add(patch, false, p->name, p->url);
        }
        return patch;
}

void registry_set_health(struct registry *reg, struct registration *r, enum health h, const char *reason) {
        if (reason)
                snprintf(r->reason, sizeof r->reason, "%s", reason);
        if (r->health == h && r->since_usec)
                return;
        bool changed = r->health != h;
        r->health = h;
        r->since_usec = now_usec(CLOCK_REALTIME);
        if (h == HEALTH_DOWN)
                r->down_since_mono = now_usec(CLOCK_MONOTONIC);
        if (!changed)
                return;
        log_info("%s at %s is %s (%s)", r->name, r->url, health_to_string(h), r->reason);
        announce(reg, r, h == HEALTH_UP);
        local_changed(reg, r, false);
}

/* Recompute the health of a registration with a unit from the unit table. */
static void unit_health_update(struct registry *reg, struct registration *r) {
        char sock[REG_UNIT_MAX + 16], reason[sizeof r->reason] = "";
        const struct unit_state *svc = unit_get(reg, r->unit), *so;

        /* Units are checked to be .service units when registered. */
        if (!unit_socket_name(r->unit, sock, sizeof sock))
                sock[0] = '\0';
        so = unit_get(reg, sock);
        /* A unit systemd has not loaded is inactive. */
        enum health h = health_from_units(svc ? svc->active : "inactive", svc ? svc->sub : "dead",
                                          so ? so->active : "inactive", r->health, reason, sizeof reason);
        registry_set_health(reg, r, h, h == r->health && !*reason ? NULL : reason);
}

void registry_unit_changed(struct registry *reg, const char *unit, const char *active, const char *sub) {
        struct unit_state *u = (struct unit_state *) unit_get(reg, unit);

        if (!u) {
                if (reg->n_units >= UNIT_STATES_MAX || strlen(unit) > REG_UNIT_MAX)
                        return;
                u = &reg->units[reg->n_units++];
                snprintf(u->unit, sizeof u->unit, "%s", unit);
        }
        snprintf(u->active, sizeof u->active, "%s", active);
        snprintf(u->sub, sizeof u->sub, "%s", sub);
        log_debug("unit %s: %s/%s", unit, active, sub);

        for (size_t i = 0; i < reg->n_regs; i++) {
                struct registration *r = reg->regs[i];
                char sock[REG_UNIT_MAX + 16];
                if (!r->unit)
                        continue;
                if (strcmp(r->unit, unit) == 0 ||
                    (unit_socket_name(r->unit, sock, sizeof sock) && strcmp(sock, unit) == 0))
                        unit_health_update(reg, r);
        }
}

const struct registration *registry_descriptor_of_url(const struct registry *reg, const char *url) {
        for (size_t i = 0; i < reg->n_descriptors; i++)
                if (strcmp(reg->descriptors[i]->url, url) == 0)
                        return reg->descriptors[i];
        return NULL;
}

const struct registration *registry_descriptor_of_unit(const struct registry *reg, const char *unit) {
        for (size_t i = 0; i < reg->n_descriptors; i++)
                if (strcmp(reg->descriptors[i]->unit, unit) == 0)
                        return reg->descriptors[i];
        return NULL;
}

const struct registration *registry_descriptor_of_name(const struct registry *reg, const char *name) {
        for (size_t i = 0; i < reg->n_descriptors; i++)
                if (strcmp(reg->descriptors[i]->name, name) == 0)
                        return reg->descriptors[i];
        return NULL;
}

bool registration_is_descriptor(const struct registration *r, const struct registration *d) {
        return strcmp(r->name, d->name) == 0 && strcmp(r->url, d->url) == 0 && r->unit && d->unit &&
               strcmp(r->unit, d->unit) == 0;
}

size_t registry_anonymous_count(const struct registry *reg) {
        size_t n = 0;

        for (size_t i = 0; i < reg->n_regs; i++)
                n += !reg->regs[i]->owner;
        return n;
}

void registry_expire(struct registry *reg) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (reg->config.anonymous_expire_usec == 0)
                return;
        for (size_t i = 0; i < reg->n_regs;) {
                struct registration *r = reg->regs[i];
                if (r->owner || r->unit || r->health != HEALTH_DOWN || !r->down_since_mono ||
                    now - r->down_since_mono < reg->config.anonymous_expire_usec) {
                        i++;
                        continue;
                }
                log_info("%s at %s expires: its heartbeat has failed for %llu s", r->name, r->url,
                         (unsigned long long) ((now - r->down_since_mono) / USEC_PER_SEC));
                if (state_save_change(reg, NULL, r->url) < 0) {
                        i++;                    /* kept while it cannot be saved: tried again next time */
                        continue;
                }
                registry_remove(reg, r->url);   /* moves the last entry to I */
        }
}

bool registry_host_allowed(const struct registry *reg, const char *host) {
        if (host_is_loopback(host))
                return true;
        for (size_t i = 0; i < reg->config.n_allow_hosts; i++)
                if (strcasecmp(reg->config.allow_hosts[i], host) == 0)
                        return true;
        return false;
}

bool registry_has_room(struct registry *reg, const char *url) {
        return reg->n_regs < REGISTRY_MAX || registry_find(reg, url);
}

int registry_add(struct registry *reg, struct registration *r, struct notify_waiter *waiter) {
        struct registration *old;
        size_t i;

        assert(reg && r);
        old = registry_find(reg, r->url);
        if (!registry_has_room(reg, r->url)) {
                registration_free(r);
                return -ENOSPC;
        }
        if (old) {
                for (i = 0; reg->regs[i] != old; i++)
                        ;
                /* Same URL: the new entry replaces the old. If the name changed,
                 * the old name's dependents lose this provider, and the new
                 * name's hear of it below, as of a newcomer. */
                bool renamed = strcmp(old->name, r->name) != 0;
                if (renamed) {
                        if (old->health == HEALTH_UP)
                                announce(reg, old, false);
                        r->health = HEALTH_DOWN;
                } else {
                        r->health = old->health;
                        r->since_usec = old->since_usec;
                        memcpy(r->reason, old->reason, sizeof r->reason);
                }
                registration_free(old);
                reg->regs[i] = r;
        } else {
                reg->regs[reg->n_regs++] = r;
                r->health = HEALTH_DOWN;        /* so that "up" below announces it */
        }

        if (r->unit)
                unit_health_update(reg, r);
        else
                registry_set_health(reg, r, HEALTH_UP, "registered");
        local_changed(reg, r, false);           /* published unless the same as before */

        /* The newcomer learns the providers it needs now. */
        if (r->update_url && r->n_required > 0) {
                json_t *patch = providers_patch(reg, r, false);
                if (patch_empty(patch))
                        json_decref(patch);
                else if (waiter) {
                        notify_send_wait(reg, r, patch, waiter);
                        return 1;
                } else
                        notify_send(reg, r, patch);
        }
        return 0;
}

int registry_remove(struct registry *reg, const char *url) {
        for (size_t i = 0; i < reg->n_regs; i++) {
                struct registration *r = reg->regs[i];
                if (strcmp(r->url, url) != 0)
                        continue;
                if (r->health == HEALTH_UP)
                        announce(reg, r, false);
                log_info("%s at %s deregistered", r->name, r->url);
                local_changed(reg, r, true);
                reg->regs[i] = reg->regs[--reg->n_regs];
                registration_free(r);
                return 0;
        }
        return -ENOENT;
}

void registry_refresh_all(struct registry *reg) {
        for (size_t i = 0; i < reg->n_regs; i++) {
                struct registration *d = reg->regs[i];
                if (d->n_required == 0 || !wants_patches(reg, d))
                        continue;
                json_t *patch = providers_patch(reg, d, true);
                if (patch_empty(patch))
                        json_decref(patch);
                else
                        notify_send(reg, d, patch);
        }
}

json_t *registry_to_json(const struct registry *reg) {
        json_t *list = json_array();

        for (size_t i = 0; i < reg->n_regs; i++)
                json_array_append_new(list, registration_to_json(reg->regs[i]));
        return list;
}
