/* input.c - see input.h. */
#include "input.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "basic/macros.h"
#include "dgo/grade.h"
#include "dgo/student.h"
#include "form.h"

/* A text field: the form's value must have been readable, then the grading
 * service's rule (1 to MAX bytes, not blank, no control characters or
 * bidirectional overrides: dgo/grade.h). */
static int text_check(const char *label, const struct form_field *f, size_t max, char *error, size_t error_size) {
        if (f->result == -ENOENT || f->result == 0) {
                snprintf(error, error_size, "%s is required.", label);
                return -EINVAL;
        }
        if (f->result < 0) {
                snprintf(error, error_size, "%s %s.", label, form_strerror(f->result));
                return -EINVAL;
        }
        int r = text_field_check(f->value, (size_t) f->result, max);
        if (r == -ENODATA || r == -EBADMSG) {
                snprintf(error, error_size, "%s %s.", label, text_field_problem(r));
                return -EINVAL;
        }
        if (r < 0) {
                snprintf(error, error_size, "%s must be at most %zu bytes of text, without control characters.",
                         label, max);
                return -EINVAL;
        }
        return 0;
}

/* Decode the form into FIELDS, the first of them the CSRF token (its length,
 * or < 0, into *CSRF_LEN: it is checked whatever else is wrong). */
static int fields_parse(const char *body, size_t len, struct form_field *fields, size_t n, int *csrf_len,
                        char *error, size_t error_size) {
        int r = form_parse(body, len, fields, n);

        *csrf_len = fields[0].result;
        if (r < 0) {
                snprintf(error, error_size, "The form has too many fields.");
                return -EINVAL;
        }
        return 0;
}

int grade_input_parse(const char *body, size_t len, struct grade_input *in, json_t **ret,
                      char *error, size_t error_size) {
        struct form_field fields[] = {
                { .name = CSRF_FIELD, .value = in->csrf, .size = sizeof in->csrf },
                { .name = "Title", .value = in->title, .size = sizeof in->title },
                { .name = "Type", .value = in->type, .size = sizeof in->type },
                { .name = "Score", .value = in->score, .size = sizeof in->score },
        };
        double score;
        int r;

        r = fields_parse(body, len, fields, ELEMENTSOF(fields), &in->csrf_len, error, error_size);
        if (r < 0)
                return r;
        r = text_check("Title", &fields[1], GB_TITLE_MAX, error, error_size);
        if (r < 0)
                return r;
        if (fields[2].result < 0 || grade_type_from_string(in->type) < 0) {
                snprintf(error, error_size, "Type must be one of %s.", GRADE_TYPES_TEXT);
                return -EINVAL;
        }
        if (fields[3].result < 0 || score_parse(in->score, &score) < 0) {
                snprintf(error, error_size, "Score must be a number from 0 to %d.", GB_SCORE_MAX);
                return -EINVAL;
        }
        *ret = json_pack("{s:s, s:s, s:o}", "Title", in->title, "Type", in->type, "Score", score_to_json(score));
        return *ret ? 0 : -ENOMEM;
}

int student_input_parse(const char *body, size_t len, struct student_input *in, json_t **ret,
                        char *error, size_t error_size) {
        struct form_field fields[] = {
                { .name = CSRF_FIELD, .value = in->csrf, .size = sizeof in->csrf },
                { .name = "FirstName", .value = in->first_name, .size = sizeof in->first_name },
                { .name = "LastName", .value = in->last_name, .size = sizeof in->last_name },
        };
        int r;

        r = fields_parse(body, len, fields, ELEMENTSOF(fields), &in->csrf_len, error, error_size);
        if (r < 0)
                return r;
        r = text_check("First name", &fields[1], GB_NAME_MAX, error, error_size);
        if (r < 0)
                return r;
        r = text_check("Last name", &fields[2], GB_NAME_MAX, error, error_size);
        if (r < 0)
                return r;
        *ret = json_pack("{s:s, s:s}", "FirstName", in->first_name, "LastName", in->last_name);
        return *ret ? 0 : -ENOMEM;
}
