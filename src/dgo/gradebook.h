/* gradebook.h - the grade book: every student, sorted by ID, in memory.
 *
 * Pure code (no I/O), unit-tested (test-gradebook): the list in the
 * original protocol's JSON, the binary search, new students with growing
 * IDs. A student is student.h, a grade grade.h. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dgo/grade.h"
#include "dgo/student.h"

#define GB_STUDENTS_MAX 10000

struct gradebook {
        struct student *students;       /* sorted by ID */
        size_t n_students, students_size;
};

void gradebook_free(struct gradebook *gb);

/* Parse the stored or shipped form: [{"ID":1,"FirstName":..,"LastName":..,"Grades":[..]}].
 * On error -EINVAL with a sentence in ERROR. */
int gradebook_from_json(const json_t *j, struct gradebook *gb, char *error, size_t error_size);
json_t *gradebook_to_json(const struct gradebook *gb);

/* Binary search: the students are sorted by ID. */
struct student *gradebook_find(struct gradebook *gb, long id);

/* Append a student with ID, which must be above every ID in GB (-EINVAL).
 * -ENOSPC past GB_STUDENTS_MAX. */
int gradebook_append_student(struct gradebook *gb, long id, const char *first_name, const char *last_name);
/* Put *ST (taking what it holds) in its place by ID: replacing the student
 * with its ID (*RET_INSERTED false), or inserted where the order wants it
 * (true; the students after it move up by one). Its position in *RET_POS.
 * -ENOSPC past GB_STUDENTS_MAX. For a book that several writers change
 * (the grading replicas of one PostgreSQL book). */
int gradebook_put_student(struct gradebook *gb, struct student *st, size_t *ret_pos, bool *ret_inserted);
