/* form.h - decoding application/x-www-form-urlencoded bodies.
 *
 * Pure code, unit-tested. A body is "name=value&name=value"; in both, '+'
 * stands for a space and %XX for the byte XX. The caller names the fields it
 * wants, each with a bounded buffer, and gets per field either the decoded
 * value (valid UTF-8, no NUL) or why there is none. */
#pragma once

#include <stddef.h>

#define FORM_MAX_PAIRS 64               /* more pairs than that: the body is refused */
#define FORM_NAME_MAX 64                /* longer names are no field of ours */

struct form_field {
        const char *name;
        char *value;                    /* the caller's buffer: decoded and NUL-terminated */
        size_t size;                    /* of value, NUL included */
        /* After form_parse(): the value's length, or -ENOENT (not in the
         * body), -EINVAL (a '%' not followed by two hex digits, or %00),
         * -EILSEQ (not UTF-8), -ENOBUFS (longer than size - 1). The first
         * pair with the name counts; later ones are ignored. */
        int result;
};

/* Decode LEN bytes of S (one name or value) into OUT (SIZE bytes, NUL-terminated).
 * Returns the decoded length or a negative errno as for form_field.result. */
int form_decode(const char *s, size_t len, char *out, size_t size);

/* Fill FIELDS from BODY. Returns 0, or -E2BIG when the body holds more than
 * FORM_MAX_PAIRS pairs (then no field is filled: all -ENOENT). */
int form_parse(const char *body, size_t len, struct form_field *fields, size_t n_fields);

/* A sentence for a field's negative result, for the page. */
const char *form_strerror(int result);
