/* grade.c - see grade.h. */
#include "grade.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
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

int text_field_check(const char *s, size_t len, size_t max) {
        if (len == 0)
                return -ENODATA;
        if (len > max)
                return -E2BIG;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return -EINVAL;
        return 0;
}

bool text_field_valid(const char *s, size_t len, size_t max) {
        return text_field_check(s, len, max) == 0;
}

int text_field_from_json(const json_t *j, const char *key, size_t max, char **ret,
                         char *error, size_t error_size) {
        const json_t *v = json_object_get(j, key);

        if (!json_is_string(v) || !text_field_valid(json_string_value(v), json_string_length(v), max) ||
            strlen(json_string_value(v)) != json_string_length(v)) {
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
        if (!title || !text_field_valid(title, strlen(title), GB_TITLE_MAX))
                return "its title is not 1 to " STRINGIFY(GB_TITLE_MAX) " bytes without control characters";
        return NULL;
}
