/* gradebook.c - see gradebook.h. */
#include "gradebook.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/grow.h"
#include "basic/macros.h"

void gradebook_free(struct gradebook *gb) {
        for (size_t i = 0; i < gb->n_students; i++)
                student_done(&gb->students[i]);
        free(gb->students);
        *gb = (struct gradebook) { 0 };
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

json_t *gradebook_to_json(const struct gradebook *gb) {
        json_t *list = json_array();

        for (size_t i = 0; i < gb->n_students; i++)
                json_array_append_new(list, student_to_json(&gb->students[i]));
        return list;
}

/* Appends *ST (taking what it holds). */
static int append_student(struct gradebook *gb, struct student *st) {
        int r;

        if (gb->n_students >= GB_STUDENTS_MAX)
                return -ENOSPC;
        r = GROW_ARRAY(gb->students, gb->students_size, gb->n_students + 1, 16);
        if (r < 0)
                return r;
        gb->students[gb->n_students++] = *st;
        *st = (struct student) { 0 };
        return 0;
}

int gradebook_append_student(struct gradebook *gb, long id, const char *first_name, const char *last_name) {
        _cleanup_(student_done) struct student st = {
                .id = id, .first_name = strdup(first_name), .last_name = strdup(last_name),
        };

        assert(id > 0);
        if (gb->n_students > 0 && gb->students[gb->n_students - 1].id >= id)
                return -EINVAL;                 /* IDs only grow: the list stays sorted */
        if (!st.first_name || !st.last_name)
                return -ENOMEM;
        return append_student(gb, &st);
}

int gradebook_put_student(struct gradebook *gb, struct student *st, size_t *ret_pos, bool *ret_inserted) {
        size_t lo = 0, hi = gb->n_students;
        int r;

        assert(st->id > 0);
        while (lo < hi) {                       /* the first position whose ID is not below ST's */
                size_t mid = lo + (hi - lo) / 2;
                if (gb->students[mid].id < st->id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret_pos = lo;
        *ret_inserted = lo == gb->n_students || gb->students[lo].id != st->id;
        if (!*ret_inserted) {
                student_done(&gb->students[lo]);
                gb->students[lo] = *st;
                *st = (struct student) { 0 };
                return 0;
        }
        if (gb->n_students >= GB_STUDENTS_MAX)
                return -ENOSPC;
        r = GROW_ARRAY(gb->students, gb->students_size, gb->n_students + 1, 16);
        if (r < 0)
                return r;
        memmove(&gb->students[lo + 1], &gb->students[lo], (gb->n_students - lo) * sizeof gb->students[0]);
        gb->students[lo] = *st;
        gb->n_students++;
        *st = (struct student) { 0 };
        return 0;
}

static int compare_ids(const void *a, const void *b) {
        const struct student *x = a, *y = b;

        return (x->id > y->id) - (x->id < y->id);
}

int gradebook_from_json(const json_t *j, struct gradebook *gb, char *error, size_t error_size) {
        _cleanup_(gradebook_free) struct gradebook book = { 0 };
        const json_t *item;
        size_t i;
        int r;

        *gb = (struct gradebook) { 0 };
        if (!json_is_array(j)) {
                snprintf(error, error_size, "the grade book is a JSON list of students");
                return -EINVAL;
        }
        json_array_foreach(j, i, item) {
                _cleanup_(student_done) struct student st = { 0 };

                r = student_from_json(item, i, &st, error, error_size);
                if (r < 0)
                        return r;
                r = append_student(&book, &st);
                if (r < 0)
                        return r;
        }
        /* Sorted by ID for gradebook_find(), and each ID once. */
        if (book.n_students > 1)                /* qsort(NULL, 0, ...) is undefined */
                qsort(book.students, book.n_students, sizeof book.students[0], compare_ids);
        for (i = 1; i < book.n_students; i++)
                if (book.students[i].id == book.students[i - 1].id) {
                        snprintf(error, error_size, "student ID %ld appears twice", book.students[i].id);
                        return -EINVAL;
                }
        *gb = book;
        book = (struct gradebook) { 0 };
        return 0;
}
