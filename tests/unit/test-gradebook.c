/* test-gradebook: the grade book model: the original JSON in and out (85 stays
 * 85), the average of a student's grades (none without grades),
 * validation of every field with its message, IDs kept sorted for the
 * binary search, and new students appended with growing IDs; the rules the
 * portal and dgoctl share with it (grade types in any case, scores typed by
 * people, the search in names, what is wrong with a stored row); the text
 * rule of issue 13: C1 controls and U+2028/U+2029, bidirectional overrides
 * and isolates, and blank text are refused in what comes in, while rows
 * already stored keep loading under the rule they were written with. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dgo/format.h"
#include "dgo/gradebook.h"

static int load(const char *text, struct gradebook *gb, char *err) {
        json_t *j = json_loads(text, 0, NULL);
        int r = gradebook_from_json(j, gb, err, 160);
        json_decref(j);
        return r;
}

static int grade(const char *text, struct grade *g, char *err) {
        json_t *j = json_loads(text, 0, NULL);
        int r = grade_from_json(j, g, err, 160);
        json_decref(j);
        return r;
}

static void test_parse_and_json(void) {
        struct gradebook gb;
        char err[160];

        CHECK(load("[{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":"
                   "[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\",\"Score\":85},{\"Title\":\"T\",\"Type\":\"Test\",\"Score\":88.5}]},"
                   "{\"ID\":7,\"FirstName\":\"A\",\"LastName\":\"B\",\"Grades\":[]}]", &gb, err) == 0);
        CHECK(gb.n_students == 2);
        struct student *s = gradebook_find(&gb, 1);
        CHECK(s && s->n_grades == 2 && s->grades[1].type == GRADE_TEST);
        CHECK(gradebook_find(&gb, 2) == NULL);

        /* the original's field names, and 85 stays 85 */
        json_t *sj = student_to_json(s);
        char *text = json_dumps(sj, JSON_COMPACT);
        CHECK_STR(text, "{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":"
                        "[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\",\"Score\":85},{\"Title\":\"T\",\"Type\":\"Test\",\"Score\":88.5}]}");
        free(text);

        /* the one average (format.h), of the student's grades as sent */
        double avg;
        CHECK(grades_average(json_object_get(sj, "Grades"), &avg) && fabs(avg - 86.75) < 1e-9);
        json_decref(sj);
        sj = student_to_json(gradebook_find(&gb, 7));
        CHECK(!grades_average(json_object_get(sj, "Grades"), &avg));
        json_decref(sj);

        /* a new student's names are validated apart; appending keeps IDs growing */
        json_t *j = json_loads("{\"FirstName\":\"Alan\",\"LastName\":\"Turing\"}", 0, NULL);
        char *first, *last;
        CHECK(student_names_from_json(j, &first, &last, err, sizeof err) == 0);
        CHECK_STR(first, "Alan");
        CHECK(gradebook_append_student(&gb, 8, first, last) == 0);
        CHECK(gradebook_append_student(&gb, 8, first, last) == -EINVAL);
        CHECK(gradebook_find(&gb, 8) && gradebook_find(&gb, 8)->n_grades == 0);
        free(first);
        free(last);
        json_decref(j);
        j = json_loads("{\"FirstName\":\"\",\"LastName\":\"X\"}", 0, NULL);
        CHECK(student_names_from_json(j, &first, &last, err, sizeof err) == -EINVAL);
        json_decref(j);
        j = json_loads("{\"FirstName\":\"A\\nB\",\"LastName\":\"X\"}", 0, NULL);
        CHECK(student_names_from_json(j, &first, &last, err, sizeof err) == -EINVAL);
        json_decref(j);
        CHECK(gb.n_students == 3);

        CHECK(student_remove_grade(gradebook_find(&gb, 1), 0) == 0);
        CHECK_STR(gradebook_find(&gb, 1)->grades[0].title, "T");
        CHECK(student_remove_grade(gradebook_find(&gb, 1), 1) == -ENOENT);
        gradebook_free(&gb);

        /* a file's students in any order: found all the same */
        CHECK(load("[{\"ID\":9,\"FirstName\":\"A\",\"LastName\":\"B\"},{\"ID\":2,\"FirstName\":\"C\",\"LastName\":\"D\"},"
                   "{\"ID\":5,\"FirstName\":\"E\",\"LastName\":\"F\"}]", &gb, err) == 0);
        CHECK(gradebook_find(&gb, 9) && gradebook_find(&gb, 2) && gradebook_find(&gb, 5) && !gradebook_find(&gb, 3));
        CHECK(gb.students[0].id == 2 && gb.students[2].id == 9);
        gradebook_free(&gb);

        /* refused: duplicate IDs, bad IDs, bad grades inside */
        CHECK(load("[{\"ID\":1,\"FirstName\":\"A\",\"LastName\":\"B\"},{\"ID\":1,\"FirstName\":\"C\",\"LastName\":\"D\"}]", &gb, err) == -EINVAL);
        CHECK(load("[{\"ID\":0,\"FirstName\":\"A\",\"LastName\":\"B\"}]", &gb, err) == -EINVAL);
        CHECK(load("[{\"ID\":1,\"FirstName\":\"A\",\"LastName\":\"B\",\"Grades\":[{\"Title\":\"x\",\"Type\":\"Quiz\",\"Score\":-1}]}]", &gb, err) == -EINVAL);
        CHECK(load("{}", &gb, err) == -EINVAL);
}

static void test_grades(void) {
        struct grade g;
        char err[160];

        CHECK(grade("{\"Title\":\"Quiz 3\",\"Type\":\"Quiz\",\"Score\":88}", &g, err) == 0);
        CHECK_STR(g.title, "Quiz 3");
        CHECK(g.score == 88);
        free(g.title);
        CHECK(grade("{\"Title\":\"Q\",\"Type\":\"Homework\",\"Score\":0}", &g, err) == 0);
        free(g.title);
        CHECK(grade("{\"Title\":\"Q\",\"Type\":\"Exam\",\"Score\":100}", &g, err) == 0);
        free(g.title);
        CHECK(grade("{\"Title\":\"Q\",\"Type\":\"Exam\",\"Score\":100.01}", &g, err) == -EINVAL);
        CHECK_STR(err, "\"Score\" must be a number from 0 to 100");
        CHECK(grade("{\"Title\":\"Q\",\"Type\":\"Exam\",\"Score\":\"90\"}", &g, err) == -EINVAL);
        CHECK(grade("{\"Title\":\"Q\",\"Type\":\"quiz\",\"Score\":90}", &g, err) == -EINVAL);
        CHECK_STR(err, "\"Type\" must be one of Quiz, Test, Exam, Homework");
        CHECK(grade("{\"Type\":\"Quiz\",\"Score\":90}", &g, err) == -EINVAL);
        CHECK(grade("{\"Title\":\"\",\"Type\":\"Quiz\",\"Score\":90}", &g, err) == -EINVAL);
        char long_title[200] = "{\"Title\":\"";
        memset(long_title + 10, 'x', 101);
        strcpy(long_title + 111, "\",\"Type\":\"Quiz\",\"Score\":1}");
        CHECK(grade(long_title, &g, err) == -EINVAL);  /* 101 bytes */
        CHECK(grade("[]", &g, err) == -EINVAL);

        CHECK(student_id_parse("42") == 42);
        CHECK(student_id_parse("0") == -1);
        CHECK(student_id_parse("-1") == -1);
        CHECK(student_id_parse("4x") == -1);
        CHECK(student_id_parse("99999999999") == -1);
        CHECK(student_id_parse("") == -1);
}

static void test_shared_rules(void) {
        double v;

        CHECK_STR(GRADE_TYPES_TEXT, "Quiz, Test, Exam, Homework");
        CHECK(grade_type_from_string("Homework") == GRADE_HOMEWORK);
        CHECK(grade_type_from_string("homework") == -1);
        CHECK(grade_type_from_string_any_case("homework") == GRADE_HOMEWORK);
        CHECK(grade_type_from_string_any_case("EXAM") == GRADE_EXAM);
        CHECK(grade_type_from_string_any_case("Quizz") == -1);
        CHECK_STR(grade_type_to_string(GRADE_QUIZ), "Quiz");

        CHECK(score_parse("88.5", &v) == 0 && v == 88.5);
        CHECK(score_parse("100.5", &v) == -EINVAL);
        CHECK(score_parse("1e2", &v) == -EINVAL);

        CHECK(text_field_check("Quiz 1", 6, GB_TITLE_MAX) == 0);
        CHECK(text_field_check("", 0, GB_TITLE_MAX) == -ENODATA);
        CHECK(text_field_check("abc", 3, 2) == -E2BIG);
        CHECK(text_field_check("a\tb", 3, GB_TITLE_MAX) == -EINVAL);
#define TF(s) text_field_check(s, strlen(s), GB_TITLE_MAX)
        /* issue 13: text hygiene. C1 (NEL) and the Unicode line separators are control characters */
        CHECK(TF("a\xc2\x85" "b") == -EINVAL);          /* U+0085 */
        CHECK(TF("a\xc2\x9f") == -EINVAL);              /* U+009F */
        CHECK(TF("a\xe2\x80\xa8" "b") == -EINVAL);      /* U+2028 */
        CHECK(TF("a\xe2\x80\xa9") == -EINVAL);          /* U+2029 */
        /* bidirectional embeddings, overrides and isolates; every one of them */
        for (unsigned cp = 0x202a; cp <= 0x2069; cp++) {
                char t[] = { 'A', (char) 0xe2, (char) (0x80 | (cp >> 6 & 0x3f)), (char) (0x80 | (cp & 0x3f)), 'B', 0 };
                bool bidi = cp <= 0x202e || cp >= 0x2066;
                CHECK(TF(t) == (bidi ? -EBADMSG : 0));
        }
        CHECK(TF("Quiz \xe2\x80\xae" "1 ztseT") == -EBADMSG);   /* RLO */
        /* the direction marks are allowed: a right-to-left name may need them */
        CHECK(TF("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\xe2\x80\x8e 2") == 0);
        CHECK(TF("a\xe2\x80\x8f" "b") == 0);            /* RLM */
        /* blank: only spaces and invisible characters */
        CHECK(TF(" ") == -ENODATA);
        CHECK(TF("   ") == -ENODATA);
        CHECK(TF("\xc2\xa0\xe3\x80\x80") == -ENODATA);     /* NBSP, U+3000 */
        CHECK(TF("\xe2\x80\x8b\xe2\x80\x8e\xef\xbb\xbf") == -ENODATA); /* ZWSP LRM BOM */
        CHECK(TF(" a ") == 0);
        CHECK(TF("\xc3\xa9") == 0);                    /* é */
        CHECK(TF("\xf0\x9f\x98\x80") == 0);           /* U+1F600 */
        /* not UTF-8 is the caller's: a stray byte is not taken for anything */
        CHECK(TF("\xff") == 0);
        CHECK(TF("\xe2\x80") == 0);
        CHECK(text_field_problem(0) == NULL);
        CHECK_STR(text_field_problem(-ENODATA), "is empty or only spaces");
        CHECK(strstr(text_field_problem(-EBADMSG), "bidirectional override") != NULL);
        CHECK(strstr(text_field_problem(-EINVAL), "control character") != NULL);
        /* the JSON rule is the same, and says so */
        {
                char error[256], *title = NULL;
                json_t *j = json_pack("{s:s}", "Title", "\xe2\x80\xae" "evil");
                CHECK(text_field_from_json(j, "Title", GB_TITLE_MAX, &title, error, sizeof error) == -EINVAL);
                CHECK_STR(error, "\"Title\" holds a bidirectional override (U+202A to U+202E, U+2066 to U+2069)");
                CHECK(title == NULL);
                json_decref(j);
                j = json_pack("{s:s}", "Title", "  ");
                CHECK(text_field_from_json(j, "Title", GB_TITLE_MAX, &title, error, sizeof error) == -EINVAL);
                CHECK_STR(error, "\"Title\" is empty or only spaces");
                json_decref(j);
                j = json_pack("{s:s}", "Title", "a\xe2\x80\xa8" "b");
                CHECK(text_field_from_json(j, "Title", GB_TITLE_MAX, &title, error, sizeof error) == -EINVAL);
                CHECK_STR(error, "\"Title\" must be text of 1 to 100 bytes without control characters");
                json_decref(j);
                j = json_pack("{s:s}", "Title", "");
                CHECK(text_field_from_json(j, "Title", GB_TITLE_MAX, &title, error, sizeof error) == -EINVAL);
                CHECK_STR(error, "\"Title\" must be text of 1 to 100 bytes without control characters");
                json_decref(j);
        }
        /* rows already stored keep loading under the rule they were written with */
        CHECK(text_field_stored_valid("  ", 2, GB_TITLE_MAX));
        CHECK(text_field_stored_valid("\xe2\x80\xae", 3, GB_TITLE_MAX));
        CHECK(!text_field_stored_valid("a\nb", 3, GB_TITLE_MAX));
        CHECK(!text_field_stored_valid("", 0, GB_TITLE_MAX));
        CHECK(grade_fields_problem(" ", "Quiz", 1) == NULL);

        CHECK(student_name_contains("Ada", "Lovelace", "ada love"));
        CHECK(student_name_contains("Ada", "Lovelace", "LACE"));
        CHECK(student_name_contains("Ada", "Lovelace", ""));
        CHECK(!student_name_contains("Ada", "Lovelace", "adalove"));
        CHECK(!student_name_contains("Ada", "Lovelace", "Lovelace!"));

        CHECK(student_fields_problem(1, "A", "B") == NULL);
        CHECK_STR(student_fields_problem(0, "A", "B"), "its ID is not from 1 to 999999999");
        CHECK_STR(student_fields_problem(1, "", "B"),
                  "its first name is not 1 to 64 bytes without control characters");
        CHECK(student_fields_problem(1, "A", NULL) != NULL);
        CHECK(grade_fields_problem("T", "Quiz", 100) == NULL);
        CHECK_STR(grade_fields_problem("T", "quiz", 1), "its type is none of Quiz, Test, Exam, Homework");
        CHECK_STR(grade_fields_problem("T", "Quiz", 100.5), "its score is not from 0 to 100");
        CHECK_STR(grade_fields_problem(NULL, "Quiz", 1),
                  "its title is not 1 to 100 bytes without control characters");
}

/* Students put in their place by ID: replaced, or inserted in order. */
static void test_put_student(void) {
        struct gradebook gb = { 0 };
        char err[128];
        size_t pos;
        bool inserted;

        CHECK(load("[{\"ID\":2,\"FirstName\":\"A\",\"LastName\":\"B\"},{\"ID\":5,\"FirstName\":\"C\",\"LastName\":\"D\"}]",
                   &gb, err) == 0);
        struct student s = { .id = 3, .first_name = strdup("E"), .last_name = strdup("F") };
        CHECK(gradebook_put_student(&gb, &s, &pos, &inserted) == 0 && pos == 1 && inserted);
        CHECK(!s.first_name);                                   /* taken */
        CHECK(gb.n_students == 3 && gb.students[0].id == 2 && gb.students[1].id == 3 && gb.students[2].id == 5);
        s = (struct student) { .id = 5, .first_name = strdup("G"), .last_name = strdup("H") };
        CHECK(gradebook_put_student(&gb, &s, &pos, &inserted) == 0 && pos == 2 && !inserted);
        CHECK_STR(gradebook_find(&gb, 5)->first_name, "G");
        s = (struct student) { .id = 1, .first_name = strdup("I"), .last_name = strdup("J") };
        CHECK(gradebook_put_student(&gb, &s, &pos, &inserted) == 0 && pos == 0 && inserted);
        s = (struct student) { .id = 9, .first_name = strdup("K"), .last_name = strdup("L") };
        CHECK(gradebook_put_student(&gb, &s, &pos, &inserted) == 0 && pos == 4 && inserted);
        CHECK(gb.n_students == 5);
        for (size_t i = 1; i < gb.n_students; i++)
                CHECK(gb.students[i - 1].id < gb.students[i].id);
        CHECK(gradebook_find(&gb, 3) && gradebook_find(&gb, 9) && gradebook_find(&gb, 1));
        gradebook_free(&gb);
}

int main(void) {
        test_put_student();
        test_parse_and_json();
        test_grades();
        test_shared_rules();
        return check_finish("gradebook");
}
