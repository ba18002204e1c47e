/* registry_client.c - see registry_client.h. */
#include "registry_client.h"
#include "registry_client_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"
#include "basic/log.h"

static struct provider_list *providers_of(struct registry_client *c, const char *name, bool create) {
        for (size_t i = 0; i < c->n_providers; i++)
                if (strcmp(c->providers[i].name, name) == 0)
                        return &c->providers[i];
        if (!create || c->n_providers >= PROVIDER_NAMES_MAX || strlen(name) >= sizeof c->providers[0].name)
                return NULL;
        struct provider_list *p = &c->providers[c->n_providers++];
        *p = (struct provider_list) { 0 };
        strcpy(p->name, name);
        return p;
}

static void provider_add(struct registry_client *c, const char *name, const char *url) {
        struct provider_list *p = providers_of(c, name, true);

        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->urls[i], url) == 0)
                        return;
        if (p->n >= PROVIDERS_PER_NAME_MAX || !(p->urls[p->n] = strdup(url)))
                return;
        p->n++;
        log_info("Provider of %s: %s (now %zu)", name, url, p->n);
}

static void provider_remove(struct registry_client *c, const char *name, const char *url) {
        struct provider_list *p = providers_of(c, name, false);

        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++) {
                if (strcmp(p->urls[i], url) != 0)
                        continue;
                free(p->urls[i]);
                memmove(&p->urls[i], &p->urls[i + 1], (p->n - i - 1) * sizeof p->urls[0]);
                p->n--;
                if (p->current >= p->n)
                        p->current = 0;
                log_info("Provider of %s gone: %s (%zu left)", name, url, p->n);
                return;
        }
}

const char *registry_client_provider(struct registry_client *c, const char *name) {
        pthread_mutex_lock(&c->lock);
        struct provider_list *p = providers_of(c, name, false);
        const char *url = p && p->n ? p->urls[p->current % p->n] : NULL;
        pthread_mutex_unlock(&c->lock);
        return url;
}

int registry_client_provider_copy(struct registry_client *c, const char *name, char *buf, size_t size) {
        int r = -ENOENT;

        pthread_mutex_lock(&c->lock);
        struct provider_list *p = providers_of(c, name, false);
        if (p && p->n)
                r = snprintf(buf, size, "%s", p->urls[p->current % p->n]) < (int) size ? 0 : -ENAMETOOLONG;
        pthread_mutex_unlock(&c->lock);
        return r;
}

void registry_client_provider_failed(struct registry_client *c, const char *name, const char *url) {
        pthread_mutex_lock(&c->lock);
        struct provider_list *p = providers_of(c, name, false);

        if (p && p->n > 1 && strcmp(p->urls[p->current % p->n], url) == 0)
                p->current = (p->current + 1) % p->n;
        pthread_mutex_unlock(&c->lock);
}

const char *registry_client_url(const struct registry_client *c) {
        return c->registry_url;
}

int registry_client_registered(const struct registry_client *c) {
        return c->registered;
}

char *own_service_unit(void) {
        const char *unit = getenv("DGO_UNIT");
        size_t n = unit ? strlen(unit) : 0;

        /* The unit files set DGO_UNIT=%n. (sd_pid_get_unit() would need PID 1's
         * cgroup, which ProtectProc=invisible rightly hides.) */
        if (n < 9 || n > 128 || strcmp(unit + n - 8, ".service") != 0)
                return NULL;
        return strdup(unit);
}

static bool url_ok(const char *s) {
        size_t n = strlen(s);
        if (n < 8 || n > 512 || strncmp(s, "http://", 7) != 0)
                return false;
        for (; *s; s++)
                if (*s <= ' ' || *s >= 0x7f)
                        return false;
        return true;
}

static int check_list(const json_t *list, const char *key, char *error, size_t error_size) {
        const json_t *item;
        size_t i;

        if (!list || json_is_null(list))
                return 0;
        if (!json_is_array(list) || json_array_size(list) > 256) {
                snprintf(error, error_size, "\"%s\" must be a list of at most 256 entries", key);
                return -EINVAL;
        }
        json_array_foreach(list, i, item) {
                const json_t *name = json_object_get(item, "Name"), *url = json_object_get(item, "URL");
                if (!json_is_string(name) || json_string_length(name) == 0 || json_string_length(name) > 64 ||
                    !json_is_string(url) || !url_ok(json_string_value(url))) {
                        snprintf(error, error_size, "each \"%s\" entry needs a \"Name\" and an http \"URL\"", key);
                        return -EINVAL;
                }
        }
        return 0;
}

static void apply_list(struct registry_client *c, const json_t *list, bool added) {
        const json_t *item;
        size_t i;

        json_array_foreach(list, i, item) {
                const char *name = json_string_value(json_object_get(item, "Name"));
                const char *url = json_string_value(json_object_get(item, "URL"));
                if (added)
                        provider_add(c, name, url);
                else
                        provider_remove(c, name, url);
        }
}

int registry_client_apply_patch(struct registry_client *c, const char *body, size_t len,
                                char *error, size_t error_size) {
        json_error_t jerr;
        json_t *j = json_loadb(body, len, 0, &jerr);
        const json_t *added, *removed;
        int r;

        if (!j) {
                snprintf(error, error_size, "invalid JSON: %s", jerr.text);
                return -EINVAL;
        }
        if (!json_is_object(j)) {
                json_decref(j);
                snprintf(error, error_size, "a patch is a JSON object");
                return -EINVAL;
        }
        added = json_object_get(j, "Added");
        removed = json_object_get(j, "Removed");
        /* Check it all first: a bad patch changes nothing. */
        r = check_list(added, "Added", error, error_size);
        if (r >= 0)
                r = check_list(removed, "Removed", error, error_size);
        if (r >= 0) {
                pthread_mutex_lock(&c->lock);
                apply_list(c, removed, false);
                apply_list(c, added, true);
                pthread_mutex_unlock(&c->lock);
        }
        json_decref(j);
        return r;
}

static int handle_patch(struct http_request *req, void *userdata) {
        struct registry_client *c = userdata;
        char error[160];
        size_t len;
        const char *body = http_request_body(req, &len);

        if (registry_client_apply_patch(c, body, len, error, sizeof error) < 0)
                return http_reply_error(req, 400, "%s", error);
        return http_reply_empty(req, 200);
}

static int handle_heartbeat(struct http_request *req, void *userdata) {
        return http_reply(req, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

const struct http_route registry_client_routes[] = {
        { "GET", "/heartbeat", handle_heartbeat, 0 },
        { "POST", "/services", handle_patch, 64 * 1024 },
};
const size_t registry_client_n_routes = sizeof registry_client_routes / sizeof registry_client_routes[0];

static char *registration_json(const struct registry_client_config *config) {
        json_t *required = json_array(), *j;
        char *text, update[600], heartbeat[600];

        for (const char *const *p = config->required; p && *p; p++)
                json_array_append_new(required, json_string(*p));
        snprintf(update, sizeof update, "%s/services", config->service_url);
        snprintf(heartbeat, sizeof heartbeat, "%s/heartbeat", config->service_url);
        j = json_pack("{s:s, s:s, s:o, s:s, s:s}",
                      "ServiceName", config->service_name,
                      "ServiceURL", config->service_url,
                      "RequiredServices", required,
                      "ServiceUpdateURL", update,
                      "HeartbeatURL", heartbeat);
        if (j && config->unit)
                json_object_set_new(j, "Unit", json_string(config->unit));
        text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        return text;
}

int registry_client_new(sd_event *e, const struct registry_client_config *config, struct registry_client **ret) {
        struct registry_client *c = calloc(1, sizeof *c);
        const char *url = config->registry_url ? config->registry_url : getenv("DGO_REGISTRY");

        pthread_mutexattr_t recursive;

        if (!c)
                return -ENOMEM;
        pthread_mutexattr_init(&recursive);
        pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&c->lock, &recursive);
        pthread_mutexattr_destroy(&recursive);
        c->mailbox[0] = c->mailbox[1] = -1;
        c->event = sd_event_ref(e);
        c->registry_url = strdup(url && *url ? url : REGISTRY_URL_DEFAULT);
        c->service_name = strdup(config->service_name);
        c->registration = registration_json(config);
        if (!c->registry_url || !c->service_name || !c->registration) {
                registry_client_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

void registry_client_free(struct registry_client *c) {
        if (!c)
                return;
        log_set_forward(NULL, NULL);
        sd_event_source_disable_unref(c->retry);
        sd_event_source_disable_unref(c->mailbox_source);
        if (c->mailbox[0] >= 0) {
                char *line;
                while (read(c->mailbox[0], &line, sizeof line) == sizeof line)
                        free(line);
                close(c->mailbox[0]);
                close(c->mailbox[1]);
        }
        pthread_mutex_destroy(&c->lock);
        for (size_t i = 0; i < c->n_providers; i++)
                for (size_t k = 0; k < c->providers[i].n; k++)
                        free(c->providers[i].urls[k]);
        free(c->registry_url);
        free(c->service_name);
        free(c->registration);
        sd_event_unref(c->event);
        free(c);
}
