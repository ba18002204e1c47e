/* cluster_map.c - see cluster_map.h. */
#include "cluster_map.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgo/cluster_conf.h"

struct cluster_entry *cluster_entry_free(struct cluster_entry *e) {
        if (!e)
                return NULL;
        free(e->key);
        free(e->host);
        free(e->name);
        free(e->url);
        free(e->unit);
        free(e);
        return NULL;
}

int cluster_key(const char *host, const char *url, char *buf, size_t size) {
        if (!cluster_host_valid(host) || !service_url_valid(url))
                return -EINVAL;
        /* The URL without its scheme: "127.0.0.1:8081" or "[::1]:8081", no '/'. */
        int n = snprintf(buf, size, "%s%s/%s", CLUSTER_KEY_PREFIX, host, url + url_scheme_len(url));
        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

bool cluster_key_host(const char *key, char *host, size_t host_size) {
        size_t p = strlen(CLUSTER_KEY_PREFIX);
        char h[CLUSTER_HOST_MAX + 1];

        if (strncmp(key, CLUSTER_KEY_PREFIX, p) != 0)
                return false;
        const char *slash = strchr(key + p, '/');
        if (!slash || slash[1] == '\0' || (size_t) (slash - (key + p)) > CLUSTER_HOST_MAX)
                return false;
        memcpy(h, key + p, (size_t) (slash - (key + p)));
        h[slash - (key + p)] = '\0';
        if (!cluster_host_valid(h) || strlen(h) >= host_size)
                return false;
        memcpy(host, h, strlen(h) + 1);
        return true;
}

int cluster_public_url(const char *url, const char *address, char *buf, size_t size) {
        char host[REG_URL_MAX + 1];
        int n;

        if (!service_url_host(url, host, sizeof host) || !cluster_address_valid(address))
                return -EINVAL;
        const char *rest = url + url_scheme_len(url) + strlen(host);   /* ":PORT" */
        /* The other hosts reach a service that listens on loopback at the
         * cluster socket of the same port, over HTTPS (docs/cluster.md). */
        if (!host_is_loopback(host))
                n = snprintf(buf, size, "%s", url);
        else if (strchr(address, ':'))
                n = snprintf(buf, size, "https://[%s]%s", address, rest);
        else
                n = snprintf(buf, size, "https://%s%s", address, rest);
        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

char *cluster_value_format(const struct registration *r, const char *host, const char *public_url) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:s}", "Host", host, "ServiceName", r->name,
                              "ServiceURL", public_url, "Unit", r->unit ? json_string(r->unit) : json_null(),
                              "Health", health_to_string(r->health));
        if (!j)
                return NULL;
        char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        return text;
}

static int fail(char *error, size_t error_size, const char *what) {
        snprintf(error, error_size, "%s", what);
        return -EINVAL;
}

/* A URL another host may publish: a ServiceURL naming an IP address that is
 * not loopback (nor a wildcard); names are not resolved here. */
static bool remote_url_valid(const char *url) {
        char host[REG_URL_MAX + 1];
        size_t n;

        if (!service_url_host(url, host, sizeof host))
                return false;
        n = strlen(host);
        if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
                memmove(host, host + 1, n - 2);
                host[n - 2] = '\0';
        }
        return cluster_address_valid(host);
}

int cluster_value_parse(const char *key, const char *value, size_t len, struct cluster_entry **ret,
                        char *error, size_t error_size) {
        char key_host[CLUSTER_HOST_MAX + 1];
        const char *host, *name, *url, *unit = NULL, *health;
        json_t *j, *ju;
        json_error_t jerr;
        int r;

        if (!cluster_key_host(key, key_host, sizeof key_host))
                return fail(error, error_size, "the key is not /dgo/v1/services/HOST/...");
        if (len > CLUSTER_VALUE_MAX)
                return fail(error, error_size, "the value is too long");
        j = json_loadb(value, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j)
                return fail(error, error_size, "the value is not JSON");
        if (!json_is_object(j)) {
                json_decref(j);
                return fail(error, error_size, "the value is not a JSON object");
        }
        host = json_string_value(json_object_get(j, "Host"));
        name = json_string_value(json_object_get(j, "ServiceName"));
        url = json_string_value(json_object_get(j, "ServiceURL"));
        health = json_string_value(json_object_get(j, "Health"));
        ju = json_object_get(j, "Unit");
        if (ju && !json_is_null(ju))
                unit = json_string_value(ju);
        /* json_string_value() is NUL-terminated, but a string may hold NULs:
         * the checks below see only up to the first, so compare lengths too. */
        if (!host || strcmp(host, key_host) != 0 || json_string_length(json_object_get(j, "Host")) != strlen(host))
                r = fail(error, error_size, "\"Host\" is missing or not the key's host");
        else if (!name || !service_name_valid(name) ||
                 json_string_length(json_object_get(j, "ServiceName")) != strlen(name))
                r = fail(error, error_size, "\"ServiceName\" is missing or not valid");
        else if (!url || !remote_url_valid(url) || json_string_length(json_object_get(j, "ServiceURL")) != strlen(url))
                r = fail(error, error_size, "\"ServiceURL\" is missing, not valid, or not at an IP address "
                                            "other hosts can reach");
        else if (!health || (strcmp(health, "up") != 0 && strcmp(health, "down") != 0))
                r = fail(error, error_size, "\"Health\" is neither \"up\" nor \"down\"");
        else if (ju && !json_is_null(ju) &&
                 (!unit || !unit_name_valid(unit) || json_string_length(ju) != strlen(unit)))
                r = fail(error, error_size, "\"Unit\" is not a unit name");
        else {
                struct cluster_entry *e = calloc(1, sizeof *e);
                if (e) {
                        e->key = strdup(key);
                        e->host = strdup(host);
                        e->name = strdup(name);
                        e->url = strdup(url);
                        e->unit = unit ? strdup(unit) : NULL;
                        e->health = strcmp(health, "up") == 0 ? HEALTH_UP : HEALTH_DOWN;
                }
                if (!e || !e->key || !e->host || !e->name || !e->url || (unit && !e->unit)) {
                        cluster_entry_free(e);
                        r = -ENOMEM;
                } else {
                        *ret = e;
                        r = 0;
                }
        }
        json_decref(j);
        return r;
}

static size_t find_index(const struct cluster_map *m, const char *key) {
        for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->entries[i]->key, key) == 0)
                        return i;
        return m->n;
}

struct cluster_entry *cluster_map_find(const struct cluster_map *m, const char *key) {
        size_t i = find_index(m, key);
        return i < m->n ? m->entries[i] : NULL;
}

int cluster_map_put(struct cluster_map *m, struct cluster_entry *e, struct cluster_entry **replaced) {
        size_t i = find_index(m, e->key);

        *replaced = NULL;
        if (i < m->n) {
                *replaced = m->entries[i];
                m->entries[i] = e;
                return 0;
        }
        if (m->n >= CLUSTER_REMOTE_MAX)
                return -ENOSPC;
        if (m->n == m->allocated) {
                size_t a = m->allocated ? 2 * m->allocated : 16;
                struct cluster_entry **p = realloc(m->entries, a * sizeof *p);
                if (!p)
                        return -ENOMEM;
                m->entries = p;
                m->allocated = a;
        }
        m->entries[m->n++] = e;
        return 0;
}

struct cluster_entry *cluster_map_take(struct cluster_map *m, const char *key) {
        size_t i = find_index(m, key);

        if (i == m->n)
                return NULL;
        struct cluster_entry *e = m->entries[i];
        m->entries[i] = m->entries[--m->n];
        return e;
}

void cluster_map_clear(struct cluster_map *m) {
        for (size_t i = 0; i < m->n; i++)
                cluster_entry_free(m->entries[i]);
        free(m->entries);
        *m = (struct cluster_map) { 0 };
}

size_t cluster_map_hosts(const struct cluster_map *m) {
        size_t hosts = 0;

        for (size_t i = 0; i < m->n; i++) {
                size_t j;
                for (j = 0; j < i && strcmp(m->entries[j]->host, m->entries[i]->host) != 0; j++)
                        ;
                hosts += j == i;
        }
        return hosts;
}

static bool same_provider(const struct cluster_entry *a, const struct cluster_entry *b) {
        return strcmp(a->name, b->name) == 0 && strcmp(a->url, b->url) == 0;
}

static bool up(const struct cluster_entry *e) {
        return e && e->health == HEALTH_UP;
}

void cluster_entry_diff(const struct cluster_entry *old, const struct cluster_entry *new, patch_entry_fn fn,
                        void *userdata) {
        bool same = old && new && same_provider(old, new);

        if (up(old) && !(same && up(new)))
                fn(false, old->name, old->url, userdata);
        if (up(new) && !(same && up(old)))
                fn(true, new->name, new->url, userdata);
}

/* Is a provider with E's name and URL up in M? */
static bool up_in(const struct cluster_map *m, const struct cluster_entry *e) {
        for (size_t i = 0; i < m->n; i++)
                if (up(m->entries[i]) && same_provider(m->entries[i], e))
                        return true;
        return false;
}

void cluster_map_diff(const struct cluster_map *old, const struct cluster_map *new, patch_entry_fn fn,
                      void *userdata) {
        for (size_t i = 0; i < old->n; i++)
                if (up(old->entries[i]) && !up_in(new, old->entries[i]))
                        fn(false, old->entries[i]->name, old->entries[i]->url, userdata);
        for (size_t i = 0; i < new->n; i++)
                if (up(new->entries[i]) && !up_in(old, new->entries[i]))
                        fn(true, new->entries[i]->name, new->entries[i]->url, userdata);
}
