/* providers.h - who provides each service this one requires, as the
 * registry's patches say.
 *
 * The registry POSTs a patch to a service's ServiceUpdateURL
 * (URL/services) whenever a provider of what it requires comes or goes:
 * {"Added":[{"Name":..,"URL":..}],"Removed":[..]}. The table answers
 * "where is LogService now?", with failover to the next provider when a
 * request to one fails. No HTTP client here (no libcurl): dgo-log takes
 * patches too. Patches may come in on any thread serving HTTP
 * (http_workers.h): the table is guarded by a lock of its own. */
#pragma once

#include <stddef.h>

#include "basic/macros.h"

#define PROVIDER_NAMES_MAX 16
#define PROVIDERS_PER_NAME_MAX 8

struct http_request;
struct providers;

int providers_new(struct providers **ret);
void providers_free(struct providers *p);
DEFINE_POINTER_CLEANUP(struct providers *, providers_free)

/* Apply a patch BODY (pure; unit-tested): 0, or -EINVAL with a sentence in
 * ERROR, and then nothing changed (a bad patch is checked whole first). */
int providers_apply_patch(struct providers *p, const char *body, size_t len, char *error, size_t error_size);

/* The provider of NAME to use now, or NULL when none is known: the first
 * one added, or this host's own (a loopback URL) once one is added, or the
 * next after providers_failed(). The string
 * lasts until the next patch: where patches may arrive on another thread,
 * use the copy. */
const char *providers_get(struct providers *p, const char *name);
/* The same into BUF: 0, -ENOENT when none is known, -ENAMETOOLONG. */
int providers_get_copy(struct providers *p, const char *name, char *buf, size_t size);
/* A request to URL failed: prefer the next provider of NAME from now on. */
void providers_failed(struct providers *p, const char *name, const char *url);

/* POST /services: a patch, with the table as USERDATA (400 for a bad one). */
int providers_handle_patch(struct http_request *req, void *userdata);
