/* gradebook.h - students and their grades, in memory.
 *
 * Pure code (no I/O): the model, its validation, its JSON in the original
 * protocol's field names, and averages. Unit-tested. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define GB_NAME_MAX 64                  /* bytes, FirstName / LastName */
#define GB_TITLE_MAX 100                /* bytes, a grade's Title */
#define GB_STUDENTS_MAX 10000
#define GB_GRADES_MAX 1000              /* per student */
#define GB_ID_MAX 999999999L            /* a student ID has at most 9 digits */

enum grade_type { GRADE_QUIZ, GRADE_TEST, GRADE_EXAM, GRADE_HOMEWORK };

struct grade {
        char *title;
        enum grade_type type;
        double score;                   /* 0 to 100 */
};

struct student {
        long id;
        char *first_name, *last_name;
        struct grade *grades;
        size_t n_grades, grades_size;
};

struct gradebook {
        struct student *students;       /* sorted by ID */
        size_t n_students, students_size;
};

void gradebook_free(struct gradebook *gb);

/* Parse the stored or shipped form: [{"ID":1,"FirstName":..,"LastName":..,"Grades":[..]}].
 * On error -EINVAL with a sentence in ERROR. */
int gradebook_from_json(const json_t *j, struct gradebook *gb, char *error, size_t error_size);
json_t *gradebook_to_json(const struct gradebook *gb);
json_t *student_to_json(const struct student *s);
json_t *grade_to_json(const struct grade *g);
/* A score as the original sends it: 85 as 85, 88.5 as 88.5. */
json_t *score_to_json(double score);

/* Binary search: the students are sorted by ID. */
struct student *gradebook_find(struct gradebook *gb, long id);
/* "42" -> 42; -1 when not a positive decimal number. */
long student_id_parse(const char *s);

/* Validate a {"Title","Type","Score"} object into G (G owns its title then). */
int grade_from_json(const json_t *j, struct grade *g, char *error, size_t error_size);
/* Append G (taking its title). -ENOSPC past GB_GRADES_MAX. */
int student_add_grade(struct student *s, struct grade *g);
/* Remove grade INDEX (0-based). -ENOENT if there is none. */
int student_remove_grade(struct student *s, size_t index);

/* Validate {"FirstName","LastName"}: the names, malloc'd. */
int student_names_from_json(const json_t *j, char **first_name, char **last_name,
                            char *error, size_t error_size);
/* Append a student with ID, which must be above every ID in GB (-EINVAL). */
int gradebook_append_student(struct gradebook *gb, long id, const char *first_name, const char *last_name);

/* The mean of the scores; false when there are none. */
bool student_average(const struct student *s, double *ret);

const char *grade_type_to_string(enum grade_type t);
int grade_type_from_string(const char *s);      /* -1 if unknown */
/* Non-empty, at most MAX bytes, valid UTF-8 (jansson checked), no control characters. */
bool text_field_valid(const char *s, size_t len, size_t max);
