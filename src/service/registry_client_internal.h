/* registry_client_internal.h - the registry client's state, shared by its
 * two halves: registry_client.c (provider table, patches, the routes; no
 * HTTP client) and registry_register.c (registering and log forwarding,
 * which need libcurl). A process that only takes patches links the first. */
#pragma once

#include <pthread.h>
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
        /* Patches may come in on any thread serving HTTP (http_workers.h):
         * the table is guarded. Recursive, as changing it logs, and logging
         * forwards, which looks a provider up. */
        pthread_mutex_t lock;
        struct provider_list providers[PROVIDER_NAMES_MAX];
        size_t n_providers;
        /* Log forwarding, in the loop's thread only (libcurl): lines logged
         * in other threads come through this pipe, one strdup'd char * each. */
        pthread_t loop_thread;
        int mailbox[2];
        sd_event_source *mailbox_source;
        unsigned forward_pending;
        unsigned long long forward_dropped;
};

