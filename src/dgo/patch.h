/* patch.h - a patch: what the registry POSTs to a dependent's
 * ServiceUpdateURL when providers of what it requires come or go,
 * {"Added":[{"Name":..,"URL":..}],"Removed":[..]}. Built by the registry,
 * checked and read by every service's providers table.
 *
 * Pure code (no I/O), unit-tested (test-registration). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define PATCH_ENTRIES_MAX 256           /* per list */

json_t *patch_new(void);
int patch_add(json_t *patch, bool added, const char *name, const char *url);
bool patch_empty(const json_t *patch);

/* Whether PATCH is one: an object whose "Added" and "Removed" (each may be
 * missing or null) are lists of at most PATCH_ENTRIES_MAX entries, each
 * with a valid "Name" and "URL" (provider_url_valid(), registration.h).
 * -EINVAL with a sentence in ERROR if not. */
int patch_check(const json_t *patch, char *error, size_t error_size);

typedef void (*patch_entry_fn)(bool added, const char *name, const char *url, void *userdata);
/* FN for each entry of a checked PATCH: the removals first, then the
 * additions, each in its list's order. */
void patch_foreach(const json_t *patch, patch_entry_fn fn, void *userdata);
