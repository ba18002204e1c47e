/* store.c - see store.h. */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"

static int load_file(const char *path, struct gradebook *gb) {
        json_error_t jerr;
        char error[200];
        json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        int r;

        if (!j) {
                if (access(path, F_OK) < 0)
                        return -ENOENT;
                return log_error_errno(-EBADMSG, "%s is not valid JSON: %s (line %d)", path, jerr.text, jerr.line);
        }
        r = gradebook_from_json(j, gb, error, sizeof error);
        json_decref(j);
        if (r < 0)
                return log_error_errno(r, "%s: %s", path, error);
        return 0;
}

int store_load(const char *path, const char *seed, struct gradebook *gb) {
        int r = load_file(path, gb);

        if (r != -ENOENT)
                return r;
        r = load_file(seed, gb);
        if (r == -ENOENT)
                return log_error_errno(r, "Neither %s nor the sample students %s exist", path, seed);
        if (r < 0)
                return r;
        log_info("First start: %zu sample students from %s", gb->n_students, seed);
        return store_save(path, gb);
}

int store_save(const char *path, const struct gradebook *gb) {
        json_t *j = gradebook_to_json(gb);
        char *text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
        int r;

        json_decref(j);
        if (!text)
                return -ENOMEM;
        r = atomic_write_file(path, text, strlen(text), 0600);
        free(text);
        if (r < 0)
                return log_error_errno(r, "Cannot save the grade book to %s", path);
        return 0;
}
