/* gradebook.c - see gradebook.h. */
#include "gradebook.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = { "Quiz", "Test", "Exam", "Homework" };

const char *grade_type_to_string(enum grade_type t) {
        return type_names[t];
}

int grade_type_from_string(const char *s) {
        for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
                if (strcmp(type_names[i], s) == 0)
                        return (int) i;
        return -1;
}

bool text_field_valid(const char *s, size_t len, size_t max) {
        if (len == 0 || len > max)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

static void student_done(struct student *s) {
        free(s->first_name);
        free(s->last_name);
        for (size_t i = 0; i < s->n_grades; i++)
                free(s->grades[i].title);
        free(s->grades);
}

void gradebook_free(struct gradebook *gb) {
        for (size_t i = 0; i < gb->n_students; i++)
                student_done(&gb->students[i]);
        free(gb->students);
        *gb = (struct gradebook) { 0 };
}

long student_id_parse(const char *s) {
        char *end;
        long v;

        if (!s || *s < '0' || *s > '9' || strlen(s) > 9)
                return -1;
        v = strtol(s, &end, 10);
        return *end || v <= 0 ? -1 : v;
}

struct student *gradebook_find(struct gradebook *gb, long id) {
        size_t lo = 0, hi = gb->n_students;

        while (lo < hi) {                       /* sorted by ID */
                size_t mid = lo + (hi - lo) / 2;
                if (gb->students[mid].id == id)
                        return &gb->students[mid];
                if (gb->students[mid].id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

json_t *score_to_json(double score) {
        /* 85 stays 85, as the original sends it, and 88.5 stays 88.5. */
        if (score == floor(score))
                return json_integer((json_int_t) score);
        return json_real(score);
}

json_t *grade_to_json(const struct grade *g) {
        return json_pack("{s:s, s:s, s:o}", "Title", g->title, "Type", grade_type_to_string(g->type),
                         "Score", score_to_json(g->score));
}

json_t *student_to_json(const struct student *s) {
        json_t *grades = json_array();

        for (size_t i = 0; i < s->n_grades; i++)
                json_array_append_new(grades, grade_to_json(&s->grades[i]));
        return json_pack("{s:I, s:s, s:s, s:o}", "ID", (json_int_t) s->id, "FirstName", s->first_name,
                         "LastName", s->last_name, "Grades", grades);
}

json_t *gradebook_to_json(const struct gradebook *gb) {
        json_t *list = json_array();

        for (size_t i = 0; i < gb->n_students; i++)
                json_array_append_new(list, student_to_json(&gb->students[i]));
        return list;
}

static int text_from_json(const json_t *j, const char *key, size_t max, char **out,
                          char *error, size_t error_size) {
        const json_t *v = json_object_get(j, key);

        if (!json_is_string(v) || !text_field_valid(json_string_value(v), json_string_length(v), max) ||
            strlen(json_string_value(v)) != json_string_length(v)) {
                snprintf(error, error_size, "\"%s\" must be text of 1 to %zu bytes without control characters",
                         key, max);
                return -EINVAL;
        }
        *out = strdup(json_string_value(v));
        return *out ? 0 : -ENOMEM;
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
                snprintf(error, error_size, "\"Type\" must be one of Quiz, Test, Exam, Homework");
                return -EINVAL;
        }
        if (!json_is_number(score) || !isfinite(json_number_value(score)) ||
            json_number_value(score) < 0 || json_number_value(score) > 100) {
                snprintf(error, error_size, "\"Score\" must be a number from 0 to 100");
                return -EINVAL;
        }
        r = text_from_json(j, "Title", GB_TITLE_MAX, &g->title, error, error_size);
        if (r < 0)
                return r;
        g->type = (enum grade_type) t;
        g->score = json_number_value(score);
        return 0;
}

int student_add_grade(struct student *s, struct grade *g) {
        if (s->n_grades >= GB_GRADES_MAX)
                return -ENOSPC;
        if (s->n_grades == s->grades_size) {
                size_t size = s->grades_size ? s->grades_size * 2 : 8;
                struct grade *p = realloc(s->grades, size * sizeof *p);
                if (!p)
                        return -ENOMEM;
                s->grades = p;
                s->grades_size = size;
        }
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

static int append_student(struct gradebook *gb, struct student *st) {
        if (gb->n_students >= GB_STUDENTS_MAX)
                return -ENOSPC;
        if (gb->n_students == gb->students_size) {
                size_t size = gb->students_size ? gb->students_size * 2 : 16;
                struct student *p = realloc(gb->students, size * sizeof *p);
                if (!p)
                        return -ENOMEM;
                gb->students = p;
                gb->students_size = size;
        }
        gb->students[gb->n_students++] = *st;
        return 0;
}

static int names_from_json(const json_t *j, struct student *st, char *error, size_t error_size) {
        int r = text_from_json(j, "FirstName", GB_NAME_MAX, &st->first_name, error, error_size);
        if (r >= 0)
                r = text_from_json(j, "LastName", GB_NAME_MAX, &st->last_name, error, error_size);
        return r;
}

int student_names_from_json(const json_t *j, char **first_name, char **last_name,
                            char *error, size_t error_size) {
        struct student st = { 0 };
        int r;

        if (!json_is_object(j)) {
                snprintf(error, error_size, "a student is a JSON object {\"FirstName\",\"LastName\"}");
                return -EINVAL;
        }
        r = names_from_json(j, &st, error, error_size);
        if (r < 0) {
                student_done(&st);
                return r;
        }
        *first_name = st.first_name;
        *last_name = st.last_name;
        return 0;
}

int gradebook_append_student(struct gradebook *gb, long id, const char *first_name, const char *last_name) {
        struct student st = { .id = id, .first_name = strdup(first_name), .last_name = strdup(last_name) };
        int r;

        assert(id > 0);
        if (gb->n_students > 0 && gb->students[gb->n_students - 1].id >= id)
                r = -EINVAL;                    /* IDs only grow: the list stays sorted */
        else
                r = st.first_name && st.last_name ? append_student(gb, &st) : -ENOMEM;
        if (r < 0)
                student_done(&st);
        return r;
}

static int compare_ids(const void *a, const void *b) {
        const struct student *x = a, *y = b;

        return (x->id > y->id) - (x->id < y->id);
}

int gradebook_from_json(const json_t *j, struct gradebook *gb, char *error, size_t error_size) {
        const json_t *item, *grade;
        size_t i, k;
        int r = 0;

        *gb = (struct gradebook) { 0 };
        if (!json_is_array(j)) {
                snprintf(error, error_size, "the grade book is a JSON list of students");
                return -EINVAL;
        }
        json_array_foreach(j, i, item) {
                struct student st = { 0 };
                const json_t *id = json_object_get(item, "ID"), *grades = json_object_get(item, "Grades");

                if (!json_is_integer(id) || json_integer_value(id) <= 0 || json_integer_value(id) > GB_ID_MAX) {
                        snprintf(error, error_size, "student %zu: \"ID\" must be a positive integer", i);
                        r = -EINVAL;
                        goto fail;
                }
                st.id = (long) json_integer_value(id);
                r = names_from_json(item, &st, error, error_size);
                if (r >= 0 && grades && !json_is_array(grades)) {
                        snprintf(error, error_size, "student %ld: \"Grades\" must be a list", st.id);
                        r = -EINVAL;
                }
                json_array_foreach(grades, k, grade) {
                        struct grade g;
                        if (r < 0)
                                break;
                        r = grade_from_json(grade, &g, error, error_size);
                        if (r >= 0 && (r = student_add_grade(&st, &g)) < 0)
                                free(g.title);
                }
                if (r >= 0)
                        r = append_student(gb, &st);
                if (r < 0) {
                        student_done(&st);
                        goto fail;
                }
        }
        /* Sorted by ID for gradebook_find(), and each ID once. */
        qsort(gb->students, gb->n_students, sizeof gb->students[0], compare_ids);
        for (i = 1; i < gb->n_students; i++)
                if (gb->students[i].id == gb->students[i - 1].id) {
                        snprintf(error, error_size, "student ID %ld appears twice", gb->students[i].id);
                        r = -EINVAL;
                        goto fail;
                }
        return 0;
fail:
        gradebook_free(gb);
        return r;
}

bool student_average(const struct student *s, double *ret) {
        double sum = 0;

        if (s->n_grades == 0)
                return false;
        for (size_t i = 0; i < s->n_grades; i++)
                sum += s->grades[i].score;
        *ret = sum / (double) s->n_grades;
        return true;
}
