/* student.c - see student.h. */
#include "student.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/grow.h"
#include "basic/macros.h"
#include "basic/stringify.h"

void student_done(struct student *s) {
        free(s->first_name);
        free(s->last_name);
        for (size_t i = 0; i < s->n_grades; i++)
                free(s->grades[i].title);
        free(s->grades);
        *s = (struct student) { 0 };
}

long student_id_parse(const char *s) {
        char *end;
        long v;

        if (!s || *s < '0' || *s > '9' || strlen(s) > 9)
                return -1;
        v = strtol(s, &end, 10);
        return *end || v <= 0 ? -1 : v;
}

static int names_from_json(const json_t *j, struct student *st, char *error, size_t error_size) {
        int r = text_field_from_json(j, "FirstName", GB_NAME_MAX, &st->first_name, error, error_size);
        if (r >= 0)
                r = text_field_from_json(j, "LastName", GB_NAME_MAX, &st->last_name, error, error_size);
        return r;
}

/* ERROR becomes the text of FMT followed by what ERROR said (which student a
 * problem of a book is in); R. */
static int prefix_error(int r, char *error, size_t error_size, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int prefix_error(int r, char *error, size_t error_size, const char *fmt, ...) {
        char inner[256], head[64];
        va_list ap;

        snprintf(inner, sizeof inner, "%s", error);
        va_start(ap, fmt);
        vsnprintf(head, sizeof head, fmt, ap);
        va_end(ap);
        snprintf(error, error_size, "%s%s", head, inner);
        return r;
}

int student_from_json(const json_t *j, size_t index, struct student *st, char *error, size_t error_size) {
        _cleanup_(student_done) struct student s = { 0 };
        const json_t *id = json_object_get(j, "ID"), *grades = json_object_get(j, "Grades"), *item;
        size_t k;
        int r;

        if (!json_is_integer(id) || json_integer_value(id) <= 0 || json_integer_value(id) > GB_ID_MAX) {
                snprintf(error, error_size, "student %zu: \"ID\" must be a positive integer", index);
                return -EINVAL;
        }
        s.id = (long) json_integer_value(id);
        r = names_from_json(j, &s, error, error_size);
        if (r < 0)
                return prefix_error(r, error, error_size, "student %ld: ", s.id);
        if (grades && !json_is_array(grades)) {
                snprintf(error, error_size, "student %ld: \"Grades\" must be a list", s.id);
                return -EINVAL;
        }
        json_array_foreach(grades, k, item) {
                struct grade g;

                r = grade_from_json(item, &g, error, error_size);
                if (r < 0)
                        return prefix_error(r, error, error_size, "student %ld, grade %zu: ", s.id, k + 1);
                r = student_add_grade(&s, &g);
                if (r < 0) {
                        free(g.title);
                        if (r == -ENOSPC)
                                snprintf(error, error_size, "student %ld: more than %d grades", s.id, GB_GRADES_MAX);
                        return r;
                }
        }
        *st = s;
        s = (struct student) { 0 };
        return 0;
}

json_t *student_to_json(const struct student *s) {
        json_t *grades = json_array();

        for (size_t i = 0; i < s->n_grades; i++)
                json_array_append_new(grades, grade_to_json(&s->grades[i]));
        return json_pack("{s:I, s:s, s:s, s:o}", "ID", (json_int_t) s->id, "FirstName", s->first_name,
                         "LastName", s->last_name, "Grades", grades);
}

int student_names_from_json(const json_t *j, char **first_name, char **last_name,
                            char *error, size_t error_size) {
        _cleanup_(student_done) struct student st = { 0 };
        int r;

        if (!json_is_object(j)) {
                snprintf(error, error_size, "a student is a JSON object {\"FirstName\",\"LastName\"}");
                return -EINVAL;
        }
        r = names_from_json(j, &st, error, error_size);
        if (r < 0)
                return r;
        *first_name = TAKE_PTR(st.first_name);
        *last_name = TAKE_PTR(st.last_name);
        return 0;
}

int student_add_grade(struct student *s, struct grade *g) {
        int r;

        if (s->n_grades >= GB_GRADES_MAX)
                return -ENOSPC;
        r = GROW_ARRAY(s->grades, s->grades_size, s->n_grades + 1, 8);
        if (r < 0)
                return r;
        s->grades[s->n_grades++] = *g;
        *g = (struct grade) { 0 };
        return 0;
}

int student_remove_grade(struct student *s, size_t index) {
        if (index >= s->n_grades)
                return -ENOENT;
        free(s->grades[index].title);
        memmove(&s->grades[index], &s->grades[index + 1], (s->n_grades - index - 1) * sizeof s->grades[0]);
        s->n_grades--;
        return 0;
}

static char ascii_lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

bool student_name_contains(const char *first, const char *last, const char *needle) {
        size_t n_first = strlen(first), total = n_first + 1 + strlen(last), n = strlen(needle);

        /* The text is FIRST, a space, LAST: its character I, without building it. */
        for (size_t i = 0; i + n <= total; i++) {
                size_t k = 0;

                for (; k < n; k++) {
                        size_t at = i + k;
                        char c = at < n_first ? first[at] : at == n_first ? ' ' : last[at - n_first - 1];

                        if (ascii_lower(c) != ascii_lower(needle[k]))
                                break;
                }
                if (k == n)
                        return true;
        }
        return false;
}

const char *student_fields_problem(long long id, const char *first, const char *last) {
        if (id <= 0 || id > GB_ID_MAX)
                return "its ID is not from 1 to " STRINGIFY(GB_ID_MAX);
        if (!first || !text_field_stored_valid(first, strlen(first), GB_NAME_MAX))
                return "its first name is not 1 to " STRINGIFY(GB_NAME_MAX) " bytes without control characters";
        if (!last || !text_field_stored_valid(last, strlen(last), GB_NAME_MAX))
                return "its last name is not 1 to " STRINGIFY(GB_NAME_MAX) " bytes without control characters";
        return NULL;
}
