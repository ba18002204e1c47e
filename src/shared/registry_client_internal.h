/* registry_client_internal.h - the registry client's state, shared by its
 * two halves: registry_client.c (provider table, patches, the routes; no
 * HTTP client) and registry_register.c (registering and log forwarding,
 * which need libcurl). A process that only takes patches links the first. */
#pragma once

#include <stdbool.h>

#include "registry_client.h"

struct provider_list {
        char name[65];
        char *urls[PROVIDERS_PER_NAME_MAX];
        size_t n, current;
};

struct registry_client {
        sd_event *event;
        struct http_client *http;               /* NULL until registry_client_register() */
        char *registry_url, *service_name;
        char *registration;                     /* the JSON we POST */
        registry_client_done_fn on_done;
        void *on_done_userdata;
        sd_event_source *retry;
        uint64_t retry_usec;
        unsigned attempts;
        int registered;
        struct provider_list providers[PROVIDER_NAMES_MAX];
        size_t n_providers;
        unsigned forward_pending;
        unsigned long long forward_dropped;
};
