/* providers.c - see providers.h. */
#include "providers.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "basic/log.h"
#include "dgo/patch.h"
#include "dgo/registration.h"
#include "http/http.h"

struct provider_list {
        char name[REG_NAME_MAX + 1];
        char *urls[PROVIDERS_PER_NAME_MAX];
        size_t n, current;
};

struct providers {
        /* Recursive: changing the table logs, and logging may forward the
         * line to the LogService (registry_client.h), which looks it up. */
        pthread_mutex_t lock;
        struct provider_list lists[PROVIDER_NAMES_MAX];
        size_t n_lists;
};

int providers_new(struct providers **ret) {
        pthread_mutexattr_t recursive;
        struct providers *p;

        assert(ret);
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        pthread_mutexattr_init(&recursive);
        pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&p->lock, &recursive);
        pthread_mutexattr_destroy(&recursive);
        *ret = p;
        return 0;
}

void providers_free(struct providers *p) {
        if (!p)
                return;
        pthread_mutex_destroy(&p->lock);
        for (size_t i = 0; i < p->n_lists; i++)
                for (size_t k = 0; k < p->lists[i].n; k++)
                        free(p->lists[i].urls[k]);
        free(p);
}

static struct provider_list *list_of(struct providers *p, const char *name, bool create) {
        for (size_t i = 0; i < p->n_lists; i++)
                if (strcmp(p->lists[i].name, name) == 0)
                        return &p->lists[i];
        if (!create || p->n_lists >= PROVIDER_NAMES_MAX)
                return NULL;
        struct provider_list *l = &p->lists[p->n_lists++];
        *l = (struct provider_list) { 0 };
        strcpy(l->name, name);                  /* checked by service_name_valid() */
        return l;
}

/* A provider on this host: a loopback URL. */
static bool provider_local(const char *url) {
        char host[REG_URL_MAX + 1];

        return service_url_host(url, host, sizeof host) && host_is_loopback(host);
}

static void provider_add(struct providers *p, const char *name, const char *url) {
        struct provider_list *l = list_of(p, name, true);

        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->urls[i], url) == 0)
                        return;
        if (l->n >= PROVIDERS_PER_NAME_MAX || !(l->urls[l->n] = strdup(url)))
                return;
        l->n++;
        /* This host's own provider first, when there is one: no hop over the
         * network, no TLS (a cluster's other hosts are https://). */
        if (provider_local(url) && !provider_local(l->urls[l->current % l->n]))
                l->current = l->n - 1;
        log_info("Provider of %s: %s (now %zu)", name, url, l->n);
}

static void provider_remove(struct providers *p, const char *name, const char *url) {
        struct provider_list *l = list_of(p, name, false);

        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                if (strcmp(l->urls[i], url) != 0)
                        continue;
                free(l->urls[i]);
                memmove(&l->urls[i], &l->urls[i + 1], (l->n - i - 1) * sizeof l->urls[0]);
                l->n--;
                if (l->current >= l->n)
                        l->current = 0;
                log_info("Provider of %s gone: %s (%zu left)", name, url, l->n);
                return;
        }
}

const char *providers_get(struct providers *p, const char *name) {
        assert(p);
        pthread_mutex_lock(&p->lock);
        struct provider_list *l = list_of(p, name, false);
        const char *url = l && l->n ? l->urls[l->current % l->n] : NULL;
        pthread_mutex_unlock(&p->lock);
        return url;
}

int providers_get_copy(struct providers *p, const char *name, char *buf, size_t size) {
        int r = -ENOENT;

        assert(p);
        pthread_mutex_lock(&p->lock);
        struct provider_list *l = list_of(p, name, false);
        if (l && l->n)
                r = snprintf(buf, size, "%s", l->urls[l->current % l->n]) < (int) size ? 0 : -ENAMETOOLONG;
        pthread_mutex_unlock(&p->lock);
        return r;
}

void providers_failed(struct providers *p, const char *name, const char *url) {
        assert(p);
        pthread_mutex_lock(&p->lock);
        struct provider_list *l = list_of(p, name, false);

        if (l && l->n > 1 && strcmp(l->urls[l->current % l->n], url) == 0)
                l->current = (l->current + 1) % l->n;
        pthread_mutex_unlock(&p->lock);
}

static void apply_entry(bool added, const char *name, const char *url, void *userdata) {
        struct providers *p = userdata;

        if (added)
                provider_add(p, name, url);
        else
                provider_remove(p, name, url);
}

int providers_apply_patch(struct providers *p, const char *body, size_t len, char *error, size_t error_size) {
        _cleanup_(json_decrefp) json_t *j = NULL;
        json_error_t jerr;
        int r;

        assert(p);
        j = json_loadb(body, len, 0, &jerr);
        if (!j) {
                snprintf(error, error_size, "invalid JSON: %s", jerr.text);
                return -EINVAL;
        }
        /* Check it all first: a bad patch changes nothing. */
        r = patch_check(j, error, error_size);
        if (r < 0)
                return r;
        pthread_mutex_lock(&p->lock);
        patch_foreach(j, apply_entry, p);
        pthread_mutex_unlock(&p->lock);
        return 0;
}

int providers_handle_patch(struct http_request *req, void *userdata) {
        struct providers *p = userdata;
        char error[160];
        size_t len;
        const char *body = http_request_body(req, &len);
        const char *sender = auth_request_identity(req);

        /* With a secret, the registry's word only: anyone else could point
         * us at their own server as our LogService or GradingService. */
        if (auth_enabled() && (!sender || strcmp(sender, "ServiceRegistry") != 0))
                return http_reply_error(req, 403, "Only the service registry may change this service's providers");
        if (providers_apply_patch(p, body, len, error, sizeof error) < 0)
                return http_reply_error(req, 400, "%s", error);
        return http_reply_empty(req, 200);
}
