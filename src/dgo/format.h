/* format.h - averages and scores as people read them, the same in the
 * portal's pages and in dgoctl's tables. Pure code, unit-tested
 * (test-portal-view, test-gradebook). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The mean of the "Score"s of GRADES (a JSON list: a student's "Grades")
 * in *RET; grades without a numeric score do not count. false when there
 * is none. The one average of dgo. */
bool grades_average(const json_t *grades, double *ret);
/* That average with one decimal, rounded half up, and "%": "86.7%",
 * "90.3%" for 90.25; "–" when there are no scores. */
void format_average(const json_t *grades, char *buf, size_t size);
/* A score as people write it: 85, 97.5, 33.33 (at most two decimals). */
void format_score(double score, char *buf, size_t size);
