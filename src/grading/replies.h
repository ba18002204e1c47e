/* replies.h - the grading service's read replies, kept ready.
 *
 * Each student's JSON is made once and kept until that student changes;
 * the whole book (GET /students) is those texts joined, kept until any
 * change; a page (GET /students?offset=..) is joined from them per request.
 * So after a grade is added to one student of 10,000, the next GET /students
 * copies 10,000 texts instead of encoding a million grades again.
 *
 * Not thread-safe: the caller holds the book's lock. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dgo/gradebook.h"
#include "http/http.h"

struct replies {
        struct http_shared *all;
        struct http_shared **one;       /* by position in the book */
        size_t n_one;
};

void replies_free(struct replies *c);
/* The reply of the student at POS of GB; NULL when out of memory. */
struct http_shared *replies_student(struct replies *c, const struct gradebook *gb, size_t pos);
/* The whole book; NULL when out of memory. */
struct http_shared *replies_all(struct replies *c, const struct gradebook *gb);
/* The student at POS changed (or was added). */
void replies_changed(struct replies *c, size_t pos);

/* A page of the students whose "First Last" contains NAME (ASCII case
 * insensitive; NULL: all): at most LIMIT of them from the OFFSETth on, as a
 * JSON list (malloc'd, its length in *LEN); how many match in *TOTAL (when
 * not NULL). */
char *replies_page(struct replies *c, const struct gradebook *gb, size_t offset, size_t limit, const char *name,
                   size_t *len, size_t *total);
