/* input.h - the portal's two forms, read and checked.
 *
 * Pure code, unit-tested. The rules are the grading service's own
 * (dgo/grade.h, dgo/student.h: the same limits and the same checks), so what passes here
 * is what the grading service takes; the messages are for people. A form
 * keeps what was typed, so that a page with an error can show it again. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "csrf.h"

#define INPUT_VALUE_MAX 1024            /* bytes kept of a typed value */

struct grade_input {
        char csrf[CSRF_TOKEN_LEN + 8];
        int csrf_len;                   /* or < 0 when the field was unusable */
        char title[INPUT_VALUE_MAX], type[32], score[64];
};

struct student_input {
        char csrf[CSRF_TOKEN_LEN + 8];
        int csrf_len;
        char first_name[INPUT_VALUE_MAX], last_name[INPUT_VALUE_MAX];
};

/* Read the add-grade form (Title, Type, Score, csrf) from BODY into IN,
 * and check it. Returns 0 with *RET the grade as the grading service takes
 * it ({"Title","Type","Score"}); -EINVAL with a sentence in ERROR; -ENOMEM. */
int grade_input_parse(const char *body, size_t len, struct grade_input *in, json_t **ret,
                      char *error, size_t error_size);

/* The same for the add-student form (FirstName, LastName, csrf):
 * {"FirstName","LastName"}. */
int student_input_parse(const char *body, size_t len, struct student_input *in, json_t **ret,
                        char *error, size_t error_size);
