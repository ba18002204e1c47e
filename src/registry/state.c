/* state.c - what survives a restart of the registry, and what it knows
 * before anything registers.
 *
 * Descriptors: one Registration (with "Unit") per dgo service, installed in
 * /usr/share/dgo/services/ (one .json file each) beside the units. The registry loads them
 * at start, so a socket-activated service is known, and announced while its
 * socket listens, before it ever ran: no service is started just to register.
 *
 * State: every registration that came over HTTP is saved to a JSON file in
 * StateDirectory= (atomically, before the 200: a change is saved first and
 * made only once saved, so a change that could not be saved is not made at
 * all), and loaded at start. Health
 * is not saved: units are re-read from systemd, foreign services re-polled. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/atomic_file.h"
#include "basic/log.h"
#include "registry.h"


static void append_saved(json_t *list, const struct registration *r) {
        json_t *j;

        if (!r->over_http)
                return;
        j = registration_to_json(r);
        /* Health is re-learned at start, not restored. */
        json_object_del(j, "Health");
        json_object_del(j, "Since");
        json_object_del(j, "Reason");
        if (r->owner)
                json_object_set_new(j, "Owner", json_string(r->owner));
        json_array_append_new(list, j);
}

int state_save_change(const struct registry *reg, const struct registration *add, const char *drop_url) {
        json_t *list = json_array();
        char *text;
        int r;

        if (!reg->config.state_path)
                return 0;
        if (add)
                drop_url = add->url;    /* a registration replaces the one at its URL */
        for (size_t i = 0; i < reg->n_regs; i++)
                if (!drop_url || strcmp(reg->regs[i]->url, drop_url) != 0)
                        append_saved(list, reg->regs[i]);
        if (add)
                append_saved(list, add);
        text = json_dumps(list, JSON_INDENT(1));
        json_decref(list);
        if (!text)
                return -ENOMEM;
        r = atomic_write_file(reg->config.state_path, text, strlen(text), 0600);
        free(text);
        if (r < 0)
                return log_error_errno(r, "Cannot save the registry state to %s", reg->config.state_path);
        return 0;
}

static int add_from_json(struct registry *reg, const json_t *j, const char *origin, bool need_unit) {
        struct registration *r;
        char error[160];
        int e = registration_from_json(j, &r, error, sizeof error);

        if (e < 0) {
                log_warning("Ignoring a registration in %s: %s", origin, error);
                return e;
        }
        r->over_http = !need_unit;
        if (need_unit && !r->unit) {
                log_warning("Ignoring %s: a descriptor needs \"Unit\"", origin);
                registration_free(r);
                return -EINVAL;
        }
        /* A descriptor's entry is its service's; a saved one is whose it was. */
        const json_t *owner = json_object_get(j, "Owner");
        if (need_unit || (json_is_string(owner) && service_name_valid(json_string_value(owner)))) {
                r->owner = strdup(need_unit ? r->name : json_string_value(owner));
                if (!r->owner) {
                        registration_free(r);
                        return -ENOMEM;
                }
        }
        if (need_unit && reg->n_descriptors < DESCRIPTORS_MAX) {
                struct registration *copy = NULL;
                if (registration_from_json(j, &copy, error, sizeof error) >= 0)
                        reg->descriptors[reg->n_descriptors++] = copy;
        }
        return registry_add(reg, r, NULL);
}

int state_load(struct registry *reg) {
        json_error_t jerr;
        json_t *list, *item;
        size_t i;

        if (!reg->config.state_path)
                return 0;
        list = json_load_file(reg->config.state_path, 0, &jerr);
        if (!list) {
                if (errno == ENOENT || strstr(jerr.text, "unable to open"))
                        return 0;
                log_warning("Ignoring the unreadable state file %s: %s", reg->config.state_path, jerr.text);
                return 0;
        }
        json_array_foreach(list, i, item)
                add_from_json(reg, item, reg->config.state_path, false);
        log_info("Restored %zu registrations from %s", json_array_size(list), reg->config.state_path);
        json_decref(list);
        return 0;
}

static int filter_json(const struct dirent *d) {
        size_t n = strlen(d->d_name);
        return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

int descriptors_load(struct registry *reg) {
        struct dirent **names;
        int n;

        if (!reg->config.descriptor_dir)
                return 0;
        n = scandir(reg->config.descriptor_dir, &names, filter_json, alphasort);
        if (n < 0) {
                if (errno != ENOENT)
                        log_warning_errno(-errno, "Cannot read %s", reg->config.descriptor_dir);
                return 0;
        }
        for (int i = 0; i < n; i++) {
                char path[512];
                json_error_t jerr;
                snprintf(path, sizeof path, "%s/%s", reg->config.descriptor_dir, names[i]->d_name);
                json_t *j = i < DESCRIPTORS_MAX ? json_load_file(path, 0, &jerr) : NULL;
                if (j)
                        add_from_json(reg, j, path, true);
                else if (i < DESCRIPTORS_MAX)
                        log_warning("Ignoring %s: %s", path, jerr.text);
                json_decref(j);
                free(names[i]);
        }
        free(names);
        return 0;
}
