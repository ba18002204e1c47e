/* service_register.c - service_register(): the HTTP client and the
 * registration, apart from service.c so that a service that does not
 * register this way (dgo-log) does not link libcurl. See service.h. */
#include "service.h"

#include "basic/log.h"

static void release_client(struct service *s) {
        http_client_free(s->client);
        s->client = NULL;
}

int service_register(struct service *s, const struct service_args *args, const char *name,
                     const char *const *required) {
        struct registry_client_config rc = {
                .registry_url = args->registry,
                .service_name = name,
                .service_url = s->url,
                .unit = s->unit,
                .required = required,
        };
        int r = http_client_new(s->event, &s->client);

        if (r < 0)
                return log_error_errno(r, "Cannot create the HTTP client");
        s->release_client = release_client;
        r = registry_client_new(s->event, &rc, &s->registry);
        if (r >= 0)
                r = registry_client_register(s->registry, s->client, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the registration");
        return 0;
}
