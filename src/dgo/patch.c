/* patch.c - see patch.h. */
#include "patch.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>

#include "registration.h"

json_t *patch_new(void) {
        return json_pack("{s:[], s:[]}", "Added", "Removed");
}

int patch_add(json_t *patch, bool added, const char *name, const char *url) {
        json_t *list = json_object_get(patch, added ? "Added" : "Removed");

        return json_array_append_new(list, json_pack("{s:s, s:s}", "Name", name, "URL", url)) < 0 ? -ENOMEM : 0;
}

bool patch_empty(const json_t *patch) {
        return json_array_size(json_object_get(patch, "Added")) == 0 &&
               json_array_size(json_object_get(patch, "Removed")) == 0;
}

static int check_list(const json_t *list, const char *key, char *error, size_t error_size) {
        const json_t *item;
        size_t i;

        if (!list || json_is_null(list))
                return 0;
        if (!json_is_array(list) || json_array_size(list) > PATCH_ENTRIES_MAX) {
                snprintf(error, error_size, "\"%s\" must be a list of at most %d entries", key, PATCH_ENTRIES_MAX);
                return -EINVAL;
        }
        json_array_foreach(list, i, item) {
                const json_t *name = json_object_get(item, "Name"), *url = json_object_get(item, "URL");
                if (!json_is_string(name) || !service_name_valid(json_string_value(name)) ||
                    !json_is_string(url) || !provider_url_valid(json_string_value(url))) {
                        snprintf(error, error_size, "each \"%s\" entry needs a \"Name\" and a \"URL\" "
                                 "(http:// or https://)", key);
                        return -EINVAL;
                }
        }
        return 0;
}

int patch_check(const json_t *patch, char *error, size_t error_size) {
        int r;

        if (!json_is_object(patch)) {
                snprintf(error, error_size, "a patch is a JSON object");
                return -EINVAL;
        }
        r = check_list(json_object_get(patch, "Added"), "Added", error, error_size);
        if (r < 0)
                return r;
        return check_list(json_object_get(patch, "Removed"), "Removed", error, error_size);
}

void patch_foreach(const json_t *patch, patch_entry_fn fn, void *userdata) {
        static const char *const lists[] = { "Removed", "Added" };

        assert(fn);
        for (size_t l = 0; l < 2; l++) {
                const json_t *item;
                size_t i;

                json_array_foreach(json_object_get(patch, lists[l]), i, item)
                        fn(l == 1, json_string_value(json_object_get(item, "Name")),
                           json_string_value(json_object_get(item, "URL")), userdata);
        }
}
