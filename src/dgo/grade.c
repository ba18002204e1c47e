/* grade.c - see grade.h. */
#include "grade.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "basic/decimal.h"
#include "basic/macros.h"
#include "basic/stringify.h"

static const char *const grade_type_names[] = { GRADE_TYPES(GRADE_TYPE_NAME_, GRADE_TYPES_COMMA_) };

const char *grade_type_to_string(enum grade_type t) {
        assert(t >= 0 && t < _GRADE_TYPE_MAX);
        return grade_type_names[t];
}

static int grade_type_lookup(const char *s, int (*compare)(const char *, const char *)) {
        for (size_t i = 0; i < ELEMENTSOF(grade_type_names); i++)
                if (compare(grade_type_names[i], s) == 0)
                        return (int) i;
        return -1;
}

int grade_type_from_string(const char *s) {
        return grade_type_lookup(s, strcmp);
}

int grade_type_from_string_any_case(const char *s) {
        return grade_type_lookup(s, strcasecmp);
}

bool score_valid(double score) {
        return isfinite(score) && score >= 0 && score <= GB_SCORE_MAX;
}

int score_parse(const char *s, double *ret) {
        double v;

        if (decimal_parse(s, &v) < 0 || !score_valid(v))
                return -EINVAL;
        *ret = v;
        return 0;
}

json_t *score_to_json(double score) {
        /* 85 stays 85, as the original sends it, and 88.5 stays 88.5. */
        if (score == floor(score))
                return json_integer((json_int_t) score);
        return json_real(score);
}

/* The code point at S (at most LEN bytes), its length in *N. Lenient: a
 * byte that does not start a well-formed sequence counts as U+FFFD, of
 * length 1 (UTF-8 is the caller's to check). */
static uint32_t next_code_point(const unsigned char *s, size_t len, size_t *n) {
        size_t need = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
        uint32_t cp = need == 4 ? s[0] & 0x07u : need == 3 ? s[0] & 0x0fu : s[0] & 0x1fu;

        *n = 1;
        if (need == 1)
                return s[0];
        if (need == 0 || need > len || s[0] >= 0xf8)
                return 0xfffd;
        for (size_t i = 1; i < need; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0xfffd;
                cp = cp << 6 | (s[i] & 0x3fu);
        }
        *n = need;
        return cp;
}

/* Control characters: C0, DEL, C1 (U+0085, NEL, among them), and the
 * Unicode line and paragraph separators. */
static bool is_control(uint32_t cp) {
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

/* The bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO,
 * RLO; LRI, RLI, FSI, PDI): they reorder what follows them, so a title
 * could show other than it reads ("Trojan Source", CVE-2021-42574). The
 * marks U+200E, U+200F and U+061C are not among them: they only set the
 * direction of the neutral characters beside them, as a right-to-left name
 * with digits may need. */
static bool is_bidi_control(uint32_t cp) {
        return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* What shows as nothing: Unicode's White_Space (the control characters
 * among them are refused anyway) and the invisible format characters
 * (zero-width space, joiners, word joiner, the direction marks, BOM). */
static bool is_blank(uint32_t cp) {
        return cp == ' ' || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f) ||
               cp == 0x202f || cp == 0x205f || cp == 0x2060 || cp == 0x3000 || cp == 0xfeff ||
               cp == 0x061c;
}

int text_field_check(const char *s, size_t len, size_t max) {
        bool blank = true;
        size_t n;

        if (len == 0)
                return -ENODATA;
        if (len > max)
                return -E2BIG;
        for (size_t i = 0; i < len; i += n) {
                uint32_t cp = next_code_point((const unsigned char *) s + i, len - i, &n);

                if (is_control(cp))
                        return -EINVAL;
                if (is_bidi_control(cp))
                        return -EBADMSG;
                if (!is_blank(cp))
                        blank = false;
        }
        return blank ? -ENODATA : 0;
}

bool text_field_valid(const char *s, size_t len, size_t max) {
        return text_field_check(s, len, max) == 0;
}

bool text_field_stored_valid(const char *s, size_t len, size_t max) {
        if (len == 0 || len > max)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

const char *text_field_problem(int r) {
        switch (r) {
        case 0:
                return NULL;
        case -ENODATA:
                return "is empty or only spaces";
        case -E2BIG:
                return "is too long";
        case -EBADMSG:
                return "holds a bidirectional override (U+202A to U+202E, U+2066 to U+2069)";
        default:
                return "holds a control character (a tab, a newline, U+0085, U+2028, ...)";
        }
}

int text_field_from_json(const json_t *j, const char *key, size_t max, char **ret,
                         char *error, size_t error_size) {
        const json_t *v = json_object_get(j, key);
        int r = json_is_string(v) ? text_field_check(json_string_value(v), json_string_length(v), max) : -EINVAL;

        /* Blank text and bidirectional overrides are named; the rest is the
         * rule as it always read. */
        if (r == -EBADMSG || (r == -ENODATA && json_string_length(v) > 0)) {
                snprintf(error, error_size, "\"%s\" %s", key, text_field_problem(r));
                return -EINVAL;
        }
        if (r < 0 || strlen(json_string_value(v)) != json_string_length(v)) {
                snprintf(error, error_size, "\"%s\" must be text of 1 to %zu bytes without control characters",
                         key, max);
                return -EINVAL;
        }
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

int grade_from_json(const json_t *j, struct grade *g, char *error, size_t error_size) {
        const json_t *type = json_object_get(j, "Type"), *score = json_object_get(j, "Score");
        int t, r;

        *g = (struct grade) { 0 };
        if (!json_is_object(j)) {
                snprintf(error, error_size, "a grade is a JSON object {\"Title\",\"Type\",\"Score\"}");
                return -EINVAL;
        }
        if (!json_is_string(type) || (t = grade_type_from_string(json_string_value(type))) < 0) {
                snprintf(error, error_size, "\"Type\" must be one of %s", GRADE_TYPES_TEXT);
                return -EINVAL;
        }
        if (!json_is_number(score) || !score_valid(json_number_value(score))) {
                snprintf(error, error_size, "\"Score\" must be a number from 0 to %d", GB_SCORE_MAX);
                return -EINVAL;
        }
        r = text_field_from_json(j, "Title", GB_TITLE_MAX, &g->title, error, error_size);
        if (r < 0)
                return r;
        g->type = (enum grade_type) t;
        g->score = json_number_value(score);
        return 0;
}

json_t *grade_to_json(const struct grade *g) {
        return json_pack("{s:s, s:s, s:o}", "Title", g->title, "Type", grade_type_to_string(g->type),
                         "Score", score_to_json(g->score));
}

const char *grade_fields_problem(const char *title, const char *type, double score) {
        if (!type || grade_type_from_string(type) < 0)
                return "its type is none of " GRADE_TYPES_TEXT;
        if (!score_valid(score))
                return "its score is not from 0 to " STRINGIFY(GB_SCORE_MAX);
        if (!title || !text_field_stored_valid(title, strlen(title), GB_TITLE_MAX))
                return "its title is not 1 to " STRINGIFY(GB_TITLE_MAX) " bytes without control characters";
        return NULL;
}
