/* format.h - averages and scores as people read them, the same in the
 * portal's pages and in dgoctl's tables. */
#pragma once

#include <jansson.h>
#include <stddef.h>

/* The mean of the "Score"s of GRADES (a JSON list) with one decimal,
 * rounded half up, and "%": "86.7%", "90.3%" for 90.25; "–" when there
 * are none. */
void format_average(const json_t *grades, char *buf, size_t size);
/* A score as people write it: 85, 97.5, 33.33 (at most two decimals). */
void format_score(double score, char *buf, size_t size);
