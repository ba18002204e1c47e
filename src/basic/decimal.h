/* decimal.h - a number as people type it: digits with at most one '.'
 * ("0", "85", "97.5", ".5", "5."), nothing else: no sign, exponent, hex,
 * "inf" or "nan", all of which strtod() alone would take. Pure. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DECIMAL_TEXT_MAX 32             /* bytes: more is no number people type */

/* S as a number; -EINVAL when S is not such a decimal (or is longer than
 * DECIMAL_TEXT_MAX bytes). */
static inline int decimal_parse(const char *s, double *ret) {
        bool digit = false, dot = false;

        for (const char *p = s; *p; p++) {
                if (*p >= '0' && *p <= '9')
                        digit = true;
                else if (*p == '.' && !dot)
                        dot = true;
                else
                        return -EINVAL;
        }
        if (!digit || strlen(s) > DECIMAL_TEXT_MAX)
                return -EINVAL;
        *ret = strtod(s, NULL);
        return 0;
}
