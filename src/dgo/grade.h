/* grade.h - a grade: its types, its score, its title, and the rule for
 * every text field of the grade book.
 *
 * Pure code (no I/O), unit-tested (test-gradebook). The rules and limits
 * here are the protocol's (docs/protocol.md), written once: the grading
 * service checks what it is sent with them, the portal its forms, dgoctl
 * its arguments and the files it restores. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define GB_TITLE_MAX 100                /* bytes, a grade's Title */
#define GB_SCORE_MAX 100                /* a Score is a number from 0 to this */

/* The grade types, in the protocol's spelling and in the order messages
 * list them. X(ID, NAME) is applied to each, SEPARATOR put between them:
 * the enum below, the table of names, and GRADE_TYPES_TEXT are made from
 * this one list. */
#define GRADE_TYPES(X, SEPARATOR)                                               \
        X(QUIZ, "Quiz") SEPARATOR X(TEST, "Test") SEPARATOR                     \
        X(EXAM, "Exam") SEPARATOR X(HOMEWORK, "Homework")

#define GRADE_TYPE_ENUM_(id, name) GRADE_##id
#define GRADE_TYPE_NAME_(id, name) name
#define GRADE_TYPES_COMMA_ ,

enum grade_type {
        GRADE_TYPES(GRADE_TYPE_ENUM_, GRADE_TYPES_COMMA_),
        _GRADE_TYPE_MAX,                /* how many there are */
};

/* "Quiz, Test, Exam, Homework", for messages. */
#define GRADE_TYPES_TEXT GRADE_TYPES(GRADE_TYPE_NAME_, ", ")

struct grade {
        char *title;
        enum grade_type type;
        double score;                   /* 0 to GB_SCORE_MAX */
};

const char *grade_type_to_string(enum grade_type t);
/* "Quiz" -> GRADE_QUIZ; -1 if unknown. The protocol's spelling only. */
int grade_type_from_string(const char *s);
/* The same, any case: "quiz" and "QUIZ" are GRADE_QUIZ too. */
int grade_type_from_string_any_case(const char *s);

/* Finite, 0 to GB_SCORE_MAX. */
bool score_valid(double score);
/* A score as people type it: "85", "97.5", ".5" (digits with at most one
 * '.', basic/decimal.h), 0 to GB_SCORE_MAX. 0, or -EINVAL. */
int score_parse(const char *s, double *ret);
/* A score as the original sends it: 85 as 85, 88.5 as 88.5. */
json_t *score_to_json(double score);

/* The rule for every text field (a Title, a name) that comes in: 1 to MAX
 * bytes, not blank, no control characters, no bidirectional overrides.
 * 0 when S (LEN bytes) keeps it; else
 *   -ENODATA  empty, or nothing but spaces and invisible characters
 *             (Unicode White_Space, U+200B-U+200F, U+2060, U+FEFF, U+061C);
 *   -E2BIG    longer than MAX;
 *   -EINVAL   a control character: C0, DEL, C1 (U+0080-U+009F, NEL among
 *             them), U+2028 or U+2029 (line and paragraph separators);
 *   -EBADMSG  a bidirectional embedding, override or isolate (U+202A-U+202E,
 *             U+2066-U+2069); the marks U+200E, U+200F, U+061C are allowed.
 * UTF-8 is the caller's (jansson checks what comes as JSON). */
int text_field_check(const char *s, size_t len, size_t max);
bool text_field_valid(const char *s, size_t len, size_t max);
/* What text_field_check()'s R says is wrong, after the field's name:
 * "is empty or only spaces", ...; NULL for 0. */
const char *text_field_problem(int r);
/* The rule rows already stored were written under (1 to MAX bytes, no C0
 * or DEL): a grade book stored before the rule above grew keeps loading. */
bool text_field_stored_valid(const char *s, size_t len, size_t max);
/* The string KEY of the JSON object J, if it keeps the rule with MAX (and
 * holds no NUL), into *RET (malloc'd). -EINVAL with a sentence in ERROR. */
int text_field_from_json(const json_t *j, const char *key, size_t max, char **ret,
                         char *error, size_t error_size);

/* Validate a {"Title","Type","Score"} object into G (G owns its title then).
 * On error -EINVAL with a sentence in ERROR. */
int grade_from_json(const json_t *j, struct grade *g, char *error, size_t error_size);
json_t *grade_to_json(const struct grade *g);

/* A grade as stored (title, type, score; TITLE and TYPE may be NULL):
 * NULL when the grading service keeps it as stored (text_field_stored_valid()),
 * else what is wrong with it ("its title is not 1 to 100 bytes without
 * control characters"). */
const char *grade_fields_problem(const char *title, const char *type, double score);
