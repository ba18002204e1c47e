/* cluster.c - see cluster.h.
 *
 * One state machine, driven by etcd's answers:
 *   SYNCING  a lease (if none), every local entry put, the prefix listed;
 *   LIVE     the watch runs from the listing's revision + 1;
 *   BACKOFF  something failed: wait, then SYNCING again.
 * Each sync has a generation; answers of an older one are ignored, so a
 * late answer cannot start a second watch. Puts are per key, at most one on
 * its way at a time (a newer value waits for it): two puts of one key on two
 * connections could land in either order, and the older health would win.
 *
 * Stale: set when etcd cannot be reached or has no leader (a request or the
 * watch failed), cleared when a listing succeeds. The other hosts' table is
 * kept meanwhile; the next listing is diffed against it, so dependents hear
 * only what changed while we were cut off. A lost lease (etcd answered, it
 * is gone) is not staleness: a new lease, every entry put again. */
#include "cluster.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/clock.h"
#include "basic/log.h"
#include "cluster_map.h"

#define BACKOFF_FIRST_USEC (250 * USEC_PER_MSEC)
#define BACKOFF_MAX_USEC (5 * USEC_PER_SEC)     /* and at most TTL/3 (third_usec()) */
#define REQUEST_MIN_MS 1000u
#define REVOKE_WAIT_USEC (2 * USEC_PER_SEC)
#define PUBS_MAX (REGISTRY_MAX * 2)

enum cluster_state { CLUSTER_SYNCING, CLUSTER_LIVE, CLUSTER_BACKOFF };

/* A local entry as published: WANT is what etcd should hold (NULL: the key
 * deleted), at most one request on its way for it. */
struct pub {
        struct cluster *c;
        char *key;
        char *want;
        int64_t sent_lease;                     /* the lease of the put on its way */
        bool in_flight, dirty;
};

struct cluster {
        struct registry *reg;
        sd_event *event;
        struct cluster_conf conf;
        char own_prefix[sizeof CLUSTER_KEY_PREFIX + CLUSTER_HOST_MAX + 2];
        struct cluster_tls_files tls_files;
        bool has_tls;
        struct etcd_tls tls;
        struct etcd_client *etcd;
        struct etcd_watch *watch;
        enum cluster_state state;
        unsigned gen;
        int64_t lease;                          /* 0: none */
        bool keepalive_out;
        uint64_t backoff_usec;
        sd_event_source *retry_timer, *keepalive_timer;
        bool stale, synced, started, freeing;
        uint64_t stale_since;                   /* CLOCK_REALTIME */
        struct cluster_map remote;
        struct pub *pubs[PUBS_MAX];
        size_t n_pubs;
};

/* A lease grant's or a listing's context: the sync generation it belongs to. */
struct op {
        struct cluster *c;
        unsigned gen;
        int64_t lease;
};

static void sync_begin(struct cluster *c);

/* A third of the lease: the keepalive period, and the longest a request
 * or a retry may take. A keepalive slower than that is as good as lost, and
 * one that hangs (a member without a leader holds a request until the
 * timeout) must not delay the next: once etcd is back, the host is
 * published again within about a third of its lease. */
static uint64_t third_usec(const struct cluster *c) {
        return c->conf.lease_sec * USEC_PER_SEC / 3;
}

static struct op *op_new(struct cluster *c) {
        struct op *op = malloc(sizeof *op);
        if (op)
                *op = (struct op) { .c = c, .gen = c->gen, .lease = c->lease };
        return op;
}

/* Something failed: with MARK_STALE, etcd is lost (keep the map, say it is
 * stale); either way, sync again after a backoff. */
static void cluster_fail(struct cluster *c, int error, bool mark_stale, const char *what) {
        if (c->freeing)
                return;
        if (mark_stale && !c->stale) {
                c->stale = true;
                c->synced = false;
                c->stale_since = now_usec(CLOCK_REALTIME);
                log_warning_errno(error, "etcd lost (%s): keeping the other hosts' %zu services, marked stale",
                                  what, c->remote.n);
        } else
                log_debug("etcd: %s failed: %s", what, strerror(-error));
        if (c->state == CLUSTER_BACKOFF)
                return;
        etcd_watch_free(c->watch);
        c->watch = NULL;
        c->gen++;
        c->state = CLUSTER_BACKOFF;
        /* etcd answered (a lost lease): no reason to wait long. */
        if (!mark_stale)
                c->backoff_usec = BACKOFF_FIRST_USEC;
        if (sd_event_source_set_time_relative(c->retry_timer, c->backoff_usec) < 0 ||
            sd_event_source_set_enabled(c->retry_timer, SD_EVENT_ONESHOT) < 0)
                log_error("etcd: cannot arm the retry timer");
        uint64_t max = third_usec(c) < BACKOFF_MAX_USEC ? third_usec(c) : BACKOFF_MAX_USEC;
        c->backoff_usec = c->backoff_usec * 2 > max ? max : c->backoff_usec * 2;
}

/* ---- publishing local entries ---- */

static void pub_free(struct pub *p) {
        free(p->key);
        free(p->want);
        free(p);
}

static void pub_drop(struct cluster *c, struct pub *p) {
        for (size_t i = 0; i < c->n_pubs; i++)
                if (c->pubs[i] == p) {
                        c->pubs[i] = c->pubs[--c->n_pubs];
                        break;
                }
        pub_free(p);
}

static void pub_flush(struct pub *p);

static void on_pub_done(int r, const struct etcd_reply *reply, void *userdata) {
        struct pub *p = userdata;
        struct cluster *c = p->c;

        p->in_flight = false;
        if (r == -ECANCELED)
                return;                         /* the client is going: so is P, by cluster_free() */
        if (r == -ENOENT && p->want && p->sent_lease != c->lease) {
                /* Put with a lease lost before the current one: put again with it. */
                pub_flush(p);
                return;
        }
        if (r < 0) {
                p->dirty = true;                /* sent again by the next sync */
                if (r == -ENOENT && p->want) {  /* put with a lease etcd no longer has */
                        log_warning("etcd: the lease is gone: a new one, and every entry put again");
                        c->lease = 0;
                        cluster_fail(c, r, false, "a put");
                } else
                        cluster_fail(c, r, true, p->want ? "a put" : "a delete");
                return;
        }
        if (p->dirty) {
                p->dirty = false;
                pub_flush(p);
        } else if (!p->want)
                pub_drop(c, p);
}

static void pub_flush(struct pub *p) {
        struct cluster *c = p->c;
        int r;

        if (c->lease == 0 || c->state == CLUSTER_BACKOFF || !c->started) {
                p->dirty = true;                /* the next sync sends it */
                return;
        }
        if (p->in_flight) {
                p->dirty = true;
                return;
        }
        p->dirty = false;
        p->sent_lease = c->lease;
        if (p->want)
                r = etcd_put(c->etcd, p->key, p->want, strlen(p->want), c->lease, on_pub_done, p);
        else
                r = etcd_delete(c->etcd, p->key, false, on_pub_done, p);
        if (r < 0) {
                p->dirty = true;
                cluster_fail(c, r, true, "sending a put");
                return;
        }
        p->in_flight = true;
}

static struct pub *pub_find(struct cluster *c, const char *key) {
        for (size_t i = 0; i < c->n_pubs; i++)
                if (strcmp(c->pubs[i]->key, key) == 0)
                        return c->pubs[i];
        return NULL;
}

/* The registry's hook: R changed (GONE: removed). */
static void on_local_changed(void *userdata, const struct registration *r, bool gone) {
        struct cluster *c = userdata;
        char key[ETCD_KEY_MAX], url[REG_URL_MAX + 64];
        char *value = NULL;
        struct pub *p;

        if (cluster_key(c->conf.host, r->url, key, sizeof key) < 0 ||
            cluster_public_url(r->url, c->conf.address, url, sizeof url) < 0) {
                log_warning("%s at %s cannot be published to the cluster", r->name, r->url);
                return;
        }
        if (!gone) {
                value = cluster_value_format(r, c->conf.host, url);
                if (!value) {
                        log_error("Out of memory");
                        return;
                }
        }
        p = pub_find(c, key);
        if (p && ((!value && !p->want) || (value && p->want && strcmp(value, p->want) == 0))) {
                free(value);                    /* nothing new to say */
                return;
        }
        if (!p) {
                if (gone)
                        return;                 /* never published */
                if (c->n_pubs >= PUBS_MAX) {
                        free(value);
                        log_warning("Too many entries to publish: %s at %s is not", r->name, r->url);
                        return;
                }
                p = calloc(1, sizeof *p);
                if (!p || !(p->key = strdup(key))) {
                        free(p);
                        free(value);
                        log_error("Out of memory");
                        return;
                }
                p->c = c;
                c->pubs[c->n_pubs++] = p;
        }
        free(p->want);
        p->want = value;
        pub_flush(p);
}

/* ---- the other hosts' entries ---- */

static void on_diff(bool added, const char *name, const char *url, void *userdata) {
        struct cluster *c = userdata;
        registry_announce_remote(c->reg, added, name, url);
}

/* A key of another host? (Ours are what we put; foreign keys under the
 * prefix that are no host's are ignored.) */
static bool remote_key(const struct cluster *c, const char *key, size_t key_len) {
        char host[CLUSTER_HOST_MAX + 1];

        return strlen(key) == key_len && cluster_key_host(key, host, sizeof host) &&
               strcmp(host, c->conf.host) != 0;
}

/* Parse the value at KEY; NULL (logged) if it is not one. */
static struct cluster_entry *entry_parse(const struct etcd_kv *kv) {
        struct cluster_entry *e = NULL;
        char error[256];
        int r = cluster_value_parse(kv->key, kv->value, kv->value_len, &e, error, sizeof error);

        if (r == -ENOMEM)
                log_error("Out of memory");
        else if (r < 0)
                log_warning("etcd: ignoring %s: %s", kv->key, error);
        return r < 0 ? NULL : e;
}

/* The entry at KV's key is now NEW (NULL: gone): update the map, tell dependents. */
static void remote_set(struct cluster *c, const char *key, struct cluster_entry *new) {
        struct cluster_entry *old = NULL;

        if (new) {
                int r = cluster_map_put(&c->remote, new, &old);
                if (r < 0) {
                        log_warning_errno(r, "etcd: no room for %s", key);
                        cluster_entry_free(new);
                        return;
                }
        } else
                old = cluster_map_take(&c->remote, key);
        cluster_entry_diff(old, new, on_diff, c);
        cluster_entry_free(old);
}

static void on_watch(struct etcd_watch *w, const struct etcd_watch_update *u, void *userdata) {
        struct cluster *c = userdata;

        switch (u->kind) {
        case ETCD_WATCH_CREATED:
        case ETCD_WATCH_PROGRESS:
                return;
        case ETCD_WATCH_EVENTS:
                for (size_t i = 0; i < u->n_events; i++) {
                        const struct etcd_event *ev = &u->events[i];
                        if (!remote_key(c, ev->kv.key, ev->kv.key_len))
                                continue;
                        /* A value that does not parse is as good as none. */
                        remote_set(c, ev->kv.key, ev->type == ETCD_EVENT_PUT ? entry_parse(&ev->kv) : NULL);
                }
                return;
        case ETCD_WATCH_COMPACTED:
                /* Events were missed: list again (the diff tells what changed). */
                log_info("etcd: the watch's revision was compacted: listing again");
                etcd_watch_free(w);
                c->watch = NULL;
                c->state = CLUSTER_SYNCING;
                sync_begin(c);
                return;
        case ETCD_WATCH_ENDED:
                etcd_watch_free(w);
                c->watch = NULL;
                cluster_fail(c, u->error, true, u->error == -EAGAIN ? "the watch: no leader" : "the watch");
                return;
        }
}

static void on_list(int r, const struct etcd_reply *reply, void *userdata) {
        struct op *op = userdata;
        struct cluster *c = op->c;
        struct cluster_map fresh = { 0 };
        unsigned gen = op->gen;

        free(op);
        if (r == -ECANCELED || gen != c->gen)
                return;
        if (r < 0) {
                cluster_fail(c, r, true, "listing the cluster");
                return;
        }
        if (reply->more)
                log_warning("etcd: more than %u keys under %s: only the first are known", ETCD_OBJECTS_MAX,
                            CLUSTER_KEY_PREFIX);
        for (size_t i = 0; i < reply->n_kvs; i++) {
                if (!remote_key(c, reply->kvs[i].key, reply->kvs[i].key_len))
                        continue;
                struct cluster_entry *e = entry_parse(&reply->kvs[i]), *dup;
                if (e && cluster_map_put(&fresh, e, &dup) < 0)
                        cluster_entry_free(e);
                else
                        cluster_entry_free(dup);
        }
        /* Dependents hear only what changed since the map they were told of. */
        struct cluster_map old = c->remote;
        c->remote = fresh;
        cluster_map_diff(&old, &c->remote, on_diff, c);
        cluster_map_clear(&old);
        c->reg->remote = &c->remote;

        r = etcd_watch_new(c->etcd, CLUSTER_KEY_PREFIX, reply->header.revision + 1, false, 0, on_watch, c,
                           &c->watch);
        if (r < 0) {
                cluster_fail(c, r, true, "starting the watch");
                return;
        }
        if (c->stale)
                log_info("etcd reachable again: the map is re-synced (%zu services of other hosts)", c->remote.n);
        else
                log_info("etcd: %zu services of other hosts listed", c->remote.n);
        c->stale = false;
        c->synced = true;
        c->state = CLUSTER_LIVE;
        c->backoff_usec = BACKOFF_FIRST_USEC;
}

static void sync_list(struct cluster *c) {
        struct op *op = op_new(c);
        int r;

        if (!op) {
                cluster_fail(c, -ENOMEM, false, "listing");
                return;
        }
        r = etcd_get_prefix(c->etcd, CLUSTER_KEY_PREFIX, 0, on_list, op);
        if (r < 0) {
                free(op);
                cluster_fail(c, r, true, "listing the cluster");
        }
}

static void flush_all(struct cluster *c) {
        /* Backwards: a delete that completes at once could move entries. */
        for (size_t i = c->n_pubs; i > 0; i--)
                if (i - 1 < c->n_pubs)
                        pub_flush(c->pubs[i - 1]);
}

static void on_ignored(int r, const struct etcd_reply *reply, void *userdata) {
}

static void on_grant(int r, const struct etcd_reply *reply, void *userdata) {
        struct op *op = userdata;
        struct cluster *c = op->c;
        unsigned gen = op->gen;

        free(op);
        if (r == -ECANCELED)
                return;
        if (r >= 0 && gen != c->gen) {
                /* A lease granted for a sync that failed meanwhile: not ours to keep. */
                (void) etcd_lease_revoke(c->etcd, reply->lease_id, on_ignored, NULL);
                return;
        }
        if (gen != c->gen)
                return;
        if (r < 0) {
                cluster_fail(c, r, true, "granting a lease");
                return;
        }
        c->lease = reply->lease_id;
        log_info("etcd: lease %llx for %u s, through %s", (unsigned long long) c->lease, c->conf.lease_sec,
                 etcd_client_endpoint(c->etcd));
        flush_all(c);
        if (c->state == CLUSTER_SYNCING)
                sync_list(c);
}

static void sync_begin(struct cluster *c) {
        c->gen++;
        if (c->lease != 0) {
                flush_all(c);
                if (c->state == CLUSTER_SYNCING)
                        sync_list(c);
                return;
        }
        struct op *op = op_new(c);
        if (!op) {
                cluster_fail(c, -ENOMEM, false, "granting a lease");
                return;
        }
        int r = etcd_lease_grant(c->etcd, c->conf.lease_sec, on_grant, op);
        if (r < 0) {
                free(op);
                cluster_fail(c, r, true, "granting a lease");
        }
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct cluster *c = userdata;

        c->state = CLUSTER_SYNCING;
        sync_begin(c);
        return 0;
}

static void on_keepalive(int r, const struct etcd_reply *reply, void *userdata) {
        struct op *op = userdata;
        struct cluster *c = op->c;
        int64_t lease = op->lease;

        free(op);
        if (r == -ECANCELED)
                return;
        c->keepalive_out = false;
        if (lease != c->lease)
                return;
        if (r == -ENOENT) {
                log_warning("etcd: lease %llx expired: a new one, and every entry put again",
                            (unsigned long long) lease);
                c->lease = 0;
                cluster_fail(c, r, false, "the keepalive");
                return;
        }
        if (r < 0)
                cluster_fail(c, r, true, "the keepalive");
}

static int on_keepalive_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct cluster *c = userdata;

        /* Every TTL/3: two may be lost before the lease is. */
        (void) sd_event_source_set_time(s, usec + third_usec(c));
        if (c->lease == 0 || c->keepalive_out)
                return 0;
        struct op *op = op_new(c);
        if (!op)
                return 0;
        if (etcd_lease_keepalive(c->etcd, c->lease, on_keepalive, op) < 0) {
                free(op);
                return 0;
        }
        c->keepalive_out = true;
        return 0;
}

/* ---- life ---- */

/* Is URL at ADDRESS ("http://10.0.0.1:2379", "https://[fd00::1]:2379")? */
static bool endpoint_at(const char *url, const char *address) {
        const char *h = strstr(url, "//");
        size_t n = strlen(address);

        if (!h)
                return false;
        h += 2;
        if (*h == '[')
                return strncmp(h + 1, address, n) == 0 && h[1 + n] == ']';
        return strncmp(h, address, n) == 0 && h[n] == ':';
}

/* The etcd members, this host's own first: it is the nearest, and when
 * the host is cut off it answers at once ("no leader") where another
 * member's address would time out. The client fails over to the others. */
static void endpoints_order(const struct cluster_conf *conf, const char **endpoints) {
        size_t n = 0;

        for (size_t i = 0; i < conf->n_etcd; i++)
                if (endpoint_at(conf->etcd[i], conf->address))
                        endpoints[n++] = conf->etcd[i];
        for (size_t i = 0; i < conf->n_etcd; i++)
                if (!endpoint_at(conf->etcd[i], conf->address))
                        endpoints[n++] = conf->etcd[i];
        endpoints[n] = NULL;
}

int cluster_new(struct registry *reg, const struct cluster_conf *conf, const struct etcd_tls *tls,
                struct cluster **ret) {
        const char *endpoints[CLUSTER_ETCD_MAX + 1] = { 0 };
        struct cluster *c;
        int r;

        assert(reg && conf && ret);
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        *c = (struct cluster) { .reg = reg, .event = reg->event, .conf = *conf,
                                .backoff_usec = BACKOFF_FIRST_USEC, .state = CLUSTER_SYNCING };
        snprintf(c->own_prefix, sizeof c->own_prefix, "%s%s/", CLUSTER_KEY_PREFIX, conf->host);
        if (tls && tls->ca_file) {
                snprintf(c->tls_files.ca, sizeof c->tls_files.ca, "%s", tls->ca_file);
                if (tls->cert_file && tls->key_file) {
                        snprintf(c->tls_files.cert, sizeof c->tls_files.cert, "%s", tls->cert_file);
                        snprintf(c->tls_files.key, sizeof c->tls_files.key, "%s", tls->key_file);
                }
                c->tls = (struct etcd_tls) { .ca_file = c->tls_files.ca,
                                             .cert_file = *c->tls_files.cert ? c->tls_files.cert : NULL,
                                             .key_file = *c->tls_files.key ? c->tls_files.key : NULL };
                c->has_tls = true;
        }
        endpoints_order(&c->conf, endpoints);
        r = etcd_client_new(c->event, endpoints, c->has_tls ? &c->tls : NULL, &c->etcd);
        if (r >= 0) {
                unsigned request_ms = (unsigned) (third_usec(c) / USEC_PER_MSEC);
                if (request_ms < REQUEST_MIN_MS)
                        request_ms = REQUEST_MIN_MS;
                if (request_ms > ETCD_REQUEST_TIMEOUT_MS)
                        request_ms = ETCD_REQUEST_TIMEOUT_MS;
                r = etcd_client_set_timeouts(c->etcd, ETCD_CONNECT_TIMEOUT_MS, request_ms);
        }
        if (r >= 0)
                r = sd_event_add_time_relative(c->event, &c->retry_timer, CLOCK_MONOTONIC, USEC_PER_SEC, 0,
                                               on_retry, c);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->retry_timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(c->event, &c->keepalive_timer, CLOCK_MONOTONIC,
                                               third_usec(c), 0, on_keepalive_timer, c);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->keepalive_timer, SD_EVENT_ON);
        if (r < 0) {
                cluster_free(c, false);
                return r;
        }
        *ret = c;
        return 0;
}

int cluster_start(struct cluster *c) {
        struct registry *reg = c->reg;

        reg->remote = &c->remote;
        reg->local_changed = on_local_changed;
        reg->cluster_userdata = c;
        /* Everything known now is published with the first lease. */
        for (size_t i = 0; i < reg->n_regs; i++)
                on_local_changed(c, reg->regs[i], false);
        c->started = true;
        log_info("Cluster: host %s at %s, etcd at %s%s, lease %u s", c->conf.host, c->conf.address,
                 c->conf.etcd[0], c->conf.n_etcd > 1 ? " ..." : "", c->conf.lease_sec);
        sync_begin(c);
        return 0;
}

static void on_revoked(int r, const struct etcd_reply *reply, void *userdata) {
        int *result = userdata;
        *result = r;
}

/* The loop may be over (the registry is stopping): a loop of our own, bounded. */
static void revoke_now(struct cluster *c) {
        const char *endpoints[CLUSTER_ETCD_MAX + 1] = { 0 };
        struct etcd_client *etcd = NULL;
        sd_event *e = NULL;
        int result = 1;

        endpoints_order(&c->conf, endpoints);
        if (sd_event_new(&e) < 0)
                return;
        if (etcd_client_new(e, endpoints, c->has_tls ? &c->tls : NULL, &etcd) >= 0 &&
            etcd_client_set_timeouts(etcd, 500, 1500) >= 0 &&
            etcd_lease_revoke(etcd, c->lease, on_revoked, &result) >= 0) {
                uint64_t deadline = now_usec(CLOCK_MONOTONIC) + REVOKE_WAIT_USEC;
                while (result == 1 && now_usec(CLOCK_MONOTONIC) < deadline)
                        (void) sd_event_run(e, deadline - now_usec(CLOCK_MONOTONIC));
        }
        if (result == 0)
                log_info("etcd: lease %llx revoked: the other hosts see this host's services go",
                         (unsigned long long) c->lease);
        else
                log_warning("etcd: lease %llx not revoked: it expires within %u s",
                            (unsigned long long) c->lease, c->conf.lease_sec);
        etcd_client_free(etcd);
        sd_event_unref(e);
}

void cluster_free(struct cluster *c, bool revoke) {
        if (!c)
                return;
        c->freeing = true;
        if (c->reg->cluster_userdata == c) {
                c->reg->remote = NULL;
                c->reg->local_changed = NULL;
                c->reg->cluster_userdata = NULL;
        }
        sd_event_source_disable_unref(c->retry_timer);
        sd_event_source_disable_unref(c->keepalive_timer);
        etcd_watch_free(c->watch);
        etcd_client_free(c->etcd);              /* pending callbacks: -ECANCELED */
        if (revoke && c->lease != 0)
                revoke_now(c);
        for (size_t i = 0; i < c->n_pubs; i++)
                pub_free(c->pubs[i]);
        cluster_map_clear(&c->remote);
        free(c);
}

/* ---- what people see ---- */

bool cluster_is_stale(const struct cluster *c) {
        return c->stale;
}

bool cluster_is_synced(const struct cluster *c) {
        return c->synced;
}

void cluster_status(const struct cluster *c, char *buf, size_t size) {
        if (c->stale) {
                char since[32];
                time_t t = (time_t) (c->stale_since / USEC_PER_SEC);
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S UTC", &tm);
                snprintf(buf, size, "cluster: etcd unreachable since %s, map stale (%zu remote services kept)",
                         since, c->remote.n);
        } else if (!c->synced)
                snprintf(buf, size, "cluster: connecting to etcd");
        else
                snprintf(buf, size, "cluster: %zu hosts, %zu remote services", cluster_map_hosts(&c->remote) + 1,
                         c->remote.n);
}

void cluster_decorate_json(const struct cluster *c, json_t *list) {
        size_t i;
        json_t *j;

        json_array_foreach(list, i, j)
                json_object_set_new(j, "Host", json_string(c->conf.host));
        for (i = 0; i < c->remote.n; i++) {
                const struct cluster_entry *e = c->remote.entries[i];
                char reason[128];
                snprintf(reason, sizeof reason, "published by host %s", e->host);
                j = json_pack("{s:s, s:s, s:[], s:s, s:s, s:o, s:s, s:s, s:s, s:s}",
                              "ServiceName", e->name, "ServiceURL", e->url, "RequiredServices",
                              "ServiceUpdateURL", "", "HeartbeatURL", "",
                              "Unit", e->unit ? json_string(e->unit) : json_null(),
                              "Health", health_to_string(e->health), "Since", "", "Reason", reason,
                              "Host", e->host);
                if (!j)
                        continue;
                if (c->stale)
                        json_object_set_new(j, "Stale", json_true());
                json_array_append_new(list, j);
        }
}

static bool readable(const char *path) {
        return access(path, R_OK) == 0;
}

bool cluster_tls_from_credentials(const char *dir, struct cluster_tls_files *files, struct etcd_tls *tls) {
        *files = (struct cluster_tls_files) { 0 };
        *tls = (struct etcd_tls) { 0 };
        if (!dir)
                return false;
        snprintf(files->ca, sizeof files->ca, "%s/%s", dir, CLUSTER_CREDENTIAL_CA);
        snprintf(files->cert, sizeof files->cert, "%s/%s", dir, CLUSTER_CREDENTIAL_CERT);
        snprintf(files->key, sizeof files->key, "%s/%s", dir, CLUSTER_CREDENTIAL_KEY);
        if (!readable(files->ca))
                return false;
        tls->ca_file = files->ca;
        if (readable(files->cert) && readable(files->key)) {
                tls->cert_file = files->cert;
                tls->key_file = files->key;
        }
        return true;
}
