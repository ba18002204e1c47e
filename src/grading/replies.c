/* replies.c - see replies.h. */
#include "replies.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/grow.h"

void replies_free(struct replies *c) {
        http_shared_free(c->all);
        for (size_t i = 0; i < c->n_one; i++)
                http_shared_free(c->one[i]);
        free(c->one);
        *c = (struct replies) { 0 };
}

static struct http_shared *shared_json(json_t *j) {
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

        json_decref(j);
        return text ? http_shared_new("application/json", text, strlen(text)) : NULL;
}

/* One slot per student (students are only ever appended). */
static int make_room(struct replies *c, size_t n) {
        struct http_shared **one;

        if (n <= c->n_one)
                return 0;
        one = realloc(c->one, n * sizeof *one);
        if (!one)
                return -ENOMEM;
        memset(one + c->n_one, 0, (n - c->n_one) * sizeof *one);
        c->one = one;
        c->n_one = n;
        return 0;
}

struct http_shared *replies_student(struct replies *c, const struct gradebook *gb, size_t pos) {
        if (make_room(c, gb->n_students) < 0)
                return NULL;
        if (!c->one[pos])
                c->one[pos] = shared_json(student_to_json(&gb->students[pos]));
        return c->one[pos];
}

void replies_changed(struct replies *c, size_t pos) {
        http_shared_free(c->all);
        c->all = NULL;
        if (pos < c->n_one) {
                http_shared_free(c->one[pos]);
                c->one[pos] = NULL;
        }
}

/* Append the student at POS to the list in BUF (LEN so far, SIZE allocated). */
static int append_student(struct replies *c, const struct gradebook *gb, size_t pos,
                          char **buf, size_t *len, size_t *size) {
        struct http_shared *one = replies_student(c, gb, pos);
        const char *text;
        size_t n;

        if (!one)
                return -ENOMEM;
        text = http_shared_body(one, &n);
        if (grow_to(buf, size, *len + n + 2, 4096) < 0)
                return -ENOMEM;
        if (*len > 1)                           /* after "[" and a student */
                (*buf)[(*len)++] = ',';
        memcpy(*buf + *len, text, n);
        *len += n;
        return 0;
}

/* "[" + the texts of the students matching NAME, LIMIT from the OFFSETth + "]". */
char *replies_page(struct replies *c, const struct gradebook *gb, size_t offset, size_t limit, const char *name,
                   size_t *ret_len, size_t *total) {
        char *buf = NULL;
        size_t len = 0, size = 0, matched = 0;

        if (grow_to(&buf, &size, 2, 4096) < 0)
                return NULL;
        buf[len++] = '[';
        for (size_t pos = 0; pos < gb->n_students; pos++) {
                const struct student *s = &gb->students[pos];

                if (name && !student_name_contains(s->first_name, s->last_name, name))
                        continue;
                if (matched++ < offset || matched > offset + limit)
                        continue;
                if (append_student(c, gb, pos, &buf, &len, &size) < 0) {
                        free(buf);
                        return NULL;
                }
        }
        if (grow_to(&buf, &size, len + 2, 4096) < 0) {
                free(buf);
                return NULL;
        }
        buf[len++] = ']';
        buf[len] = '\0';
        *ret_len = len;
        if (total)
                *total = matched;
        return buf;
}

struct http_shared *replies_all(struct replies *c, const struct gradebook *gb) {
        char *text;
        size_t len;

        if (c->all)
                return c->all;
        text = replies_page(c, gb, 0, SIZE_MAX, NULL, &len, NULL);
        c->all = text ? http_shared_new("application/json", text, len) : NULL;
        return c->all;
}

