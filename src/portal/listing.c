/* listing.c - see listing.h. */
#include "listing.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/utf8.h"
#include "dgo/student.h"

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int page_parse(const char *s, unsigned long *ret) {
        unsigned long v = 0;

        if (!s || !*s) {
                *ret = 1;
                return 0;
        }
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned long) (*s - '0');
                if (v > LISTING_PAGE_MAX)       /* before it could overflow */
                        return -EINVAL;
        }
        if (v < 1)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int name_parse(const char *s, char *out, char *error, size_t error_size) {
        size_t len;
        int r;

        if (!s)
                s = "";
        while (is_space(*s))
                s++;
        len = strlen(s);
        while (len > 0 && is_space(s[len - 1]))
                len--;
        /* The grading service's rule for its "name" (empty: no search). */
        r = len > 0 ? text_field_check(s, len, LISTING_NAME_MAX) : 0;
        if (r == -E2BIG) {
                snprintf(error, error_size, "The name to search for is too long: at most %d bytes "
                         "(letters such as \xc3\xa9 take two).", LISTING_NAME_MAX);
                return -EINVAL;
        }
        if (!utf8_valid(s, len)) {
                snprintf(error, error_size, "The name to search for is not valid UTF-8 text.");
                return -EINVAL;
        }
        if (r < 0) {
                snprintf(error, error_size, "The name to search for %s.", text_field_problem(r));
                return -EINVAL;
        }
        memcpy(out, s, len);
        out[len] = '\0';
        return 0;
}

int listing_query_parse(const char *page, const char *name, struct listing_query *ret, char *error,
                        size_t error_size) {
        struct listing_query q = { 0 };

        if (page_parse(page, &q.page) < 0) {
                snprintf(error, error_size, "The page number must be a whole number from 1 to %lu.",
                         LISTING_PAGE_MAX);
                return -EINVAL;
        }
        if (name_parse(name, q.name, error, error_size) < 0)
                return -EINVAL;
        *ret = q;
        return 0;
}

/* Append S to BUF at *AT (counting on past SIZE, so that the caller sees
 * it did not fit), percent-encoded when ENCODE (RFC 3986: all but the
 * unreserved characters). */
static void append(char *buf, size_t size, size_t *at, const char *s, bool encode) {
        static const char hex[] = "0123456789ABCDEF";

        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                bool plain = !encode || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
                char enc[4] = { (char) c, '\0' };

                if (!plain) {
                        enc[0] = '%';
                        enc[1] = hex[c >> 4];
                        enc[2] = hex[c & 15];
                        enc[3] = '\0';
                }
                for (const char *e = enc; *e; e++) {
                        if (*at + 1 < size)
                                buf[*at] = *e;
                        (*at)++;
                }
        }
}

/* BASE, then "&name=..." when Q has a search. */
static int with_name(const struct listing_query *q, const char *base, char *buf, size_t size) {
        size_t at = 0;

        append(buf, size, &at, base, false);
        if (q->name[0]) {
                append(buf, size, &at, "&name=", false);
                append(buf, size, &at, q->name, true);
        }
        if (size == 0 || at >= size)
                return -ENOBUFS;
        buf[at] = '\0';
        return 0;
}

int listing_upstream_path(const struct listing_query *q, char *buf, size_t size) {
        char base[64];

        snprintf(base, sizeof base, "/students?offset=%llu&limit=%d",
                 (unsigned long long) (q->page - 1) * LISTING_PAGE_SIZE, LISTING_PAGE_SIZE);
        return with_name(q, base, buf, size);
}

int listing_page_url(const struct listing_query *q, unsigned long page, char *buf, size_t size) {
        char base[64];

        snprintf(base, sizeof base, "/students?page=%lu", page);
        return with_name(q, base, buf, size);
}

int listing_api_path(const char *offset, const char *limit, const char *name, char *buf, size_t size) {
        const char *const keys[] = { "offset", "limit", "name" }, *const values[] = { offset, limit, name };
        size_t at = 0;
        bool first = true;

        append(buf, size, &at, "/students", false);
        for (size_t i = 0; i < 3; i++) {
                if (!values[i])
                        continue;
                if (strlen(values[i]) > LISTING_NAME_MAX)
                        return -E2BIG;
                append(buf, size, &at, first ? "?" : "&", false);
                append(buf, size, &at, keys[i], false);
                append(buf, size, &at, "=", false);
                append(buf, size, &at, values[i], true);
                first = false;
        }
        if (size == 0 || at >= size)
                return -ENOBUFS;
        buf[at] = '\0';
        return 0;
}

/* Whether "FirstName LastName" of student S holds NEEDLE, ignoring ASCII case. */
static bool name_matches(const json_t *s, const char *needle) {
        const char *first = json_string_value(json_object_get(s, "FirstName"));
        const char *last = json_string_value(json_object_get(s, "LastName"));

        return student_name_contains(first ? first : "", last ? last : "", needle);
}

static int total_parse(const char *s, unsigned long long *ret) {
        unsigned long long v = 0;

        while (*s == ' ' || *s == '\t')
                s++;
        if (!*s)
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (v > (~0ULL - 9) / 10)
                        return -EINVAL;
                v = v * 10 + (unsigned long long) (*s - '0');
        }
        while (*s == ' ' || *s == '\t')
                s++;
        if (*s)
                return -EINVAL;
        *ret = v;
        return 0;
}

int listing_read(const struct listing_query *q, const json_t *answer, const char *total, json_t **rows,
                 struct listing *ret) {
        unsigned long long offset = (unsigned long long) (q->page - 1) * LISTING_PAGE_SIZE, count = 0;
        struct listing l = { .page = q->page };
        json_t *out, *s;
        size_t i;

        if (!json_is_array(answer))
                return -EINVAL;
        if (total && total_parse(total, &l.total) < 0)
                return -EINVAL;
        out = json_array();
        if (!out)
                return -ENOMEM;
        json_array_foreach(answer, i, s) {
                bool take;

                if (total)                      /* the page itself */
                        take = json_array_size(out) < LISTING_PAGE_SIZE;
                else {                          /* the whole book: the matches, this page of them */
                        if (q->name[0] && !name_matches(s, q->name))
                                continue;
                        take = count >= offset && count < offset + LISTING_PAGE_SIZE;
                        count++;
                }
                if (take && json_array_append(out, (json_t *) s) < 0) {
                        json_decref(out);
                        return -ENOMEM;
                }
        }
        if (!total)
                l.total = count;
        l.pages = l.total == 0 ? 1 : (unsigned long) ((l.total + LISTING_PAGE_SIZE - 1) / LISTING_PAGE_SIZE);
        if (l.page > l.pages) {
                json_decref(out);
                *ret = l;
                return -ERANGE;
        }
        if (json_array_size(out) > 0) {
                l.first = offset + 1;
                l.last = offset + json_array_size(out);
        }
        *rows = out;
        *ret = l;
        return 0;
}
