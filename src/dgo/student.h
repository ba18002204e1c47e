/* student.h - a student: ID, names and grades.
 *
 * Pure code (no I/O), unit-tested (test-gradebook). The rules and limits
 * are the protocol's, written once (see grade.h). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dgo/grade.h"

#define GB_NAME_MAX 64                  /* bytes, FirstName / LastName */
#define GB_GRADES_MAX 1000              /* per student */
#define GB_ID_MAX 999999999             /* a student ID has at most 9 digits */

struct student {
        long id;
        char *first_name, *last_name;
        struct grade *grades;
        size_t n_grades, grades_size;
};

/* Frees what S holds (not S itself). */
void student_done(struct student *s);

/* "42" -> 42; -1 when not a positive decimal number of at most 9 digits. */
long student_id_parse(const char *s);

/* {"ID","FirstName","LastName","Grades"} (Grades may be absent) into *ST;
 * INDEX (its place in the list) names it in messages. -EINVAL with a
 * sentence in ERROR; -ENOSPC past GB_GRADES_MAX grades. */
int student_from_json(const json_t *j, size_t index, struct student *st, char *error, size_t error_size);
json_t *student_to_json(const struct student *s);

/* Validate {"FirstName","LastName"}: the names, malloc'd. */
int student_names_from_json(const json_t *j, char **first_name, char **last_name,
                            char *error, size_t error_size);

/* Append G (taking its title). -ENOSPC past GB_GRADES_MAX. */
int student_add_grade(struct student *s, struct grade *g);
/* Remove grade INDEX (0-based). -ENOENT if there is none. */
int student_remove_grade(struct student *s, size_t index);

/* Whether "FIRST LAST" holds NEEDLE, ASCII case ignored (the search of
 * GET /students?name=). */
bool student_name_contains(const char *first, const char *last, const char *needle);

/* A student as stored (ID and names; the names may be NULL): NULL when the
 * grading service takes it, else what is wrong with it. */
const char *student_fields_problem(long long id, const char *first, const char *last);
