#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "gradebook.h"
#include "store.h"

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
        json_decref(sj);
        CHECK_STR(text, "{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":"
                        "[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\",\"Score\":85},{\"Title\":\"T\",\"Type\":\"Test\",\"Score\":88.5}]}");
        free(text);

        double avg;
        CHECK(student_average(s, &avg) && fabs(avg - 86.75) < 1e-9);
        CHECK(!student_average(gradebook_find(&gb, 7), &avg));

        /* adding a student takes the next ID after the highest */
        json_t *j = json_loads("{\"FirstName\":\"Alan\",\"LastName\":\"Turing\"}", 0, NULL);
        struct student *added;
        CHECK(gradebook_add_student(&gb, j, &added, err, sizeof err) == 0);
        CHECK(added->id == 8);
        json_decref(j);
        j = json_loads("{\"FirstName\":\"\",\"LastName\":\"X\"}", 0, NULL);
        CHECK(gradebook_add_student(&gb, j, &added, err, sizeof err) == -EINVAL);
        json_decref(j);
        j = json_loads("{\"FirstName\":\"A\\nB\",\"LastName\":\"X\"}", 0, NULL);
        CHECK(gradebook_add_student(&gb, j, &added, err, sizeof err) == -EINVAL);
        json_decref(j);
        CHECK(gb.n_students == 3);

        CHECK(student_remove_grade(gradebook_find(&gb, 1), 0) == 0);
        CHECK_STR(gradebook_find(&gb, 1)->grades[0].title, "T");
        CHECK(student_remove_grade(gradebook_find(&gb, 1), 1) == -ENOENT);
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

static void test_store(void) {
        char dir[] = "/tmp/dgo-test-store-XXXXXX", path[64], seed[64];
        struct gradebook gb, again;
        char err[160];

        CHECK(mkdtemp(dir) != NULL);
        snprintf(path, sizeof path, "%s/students.json", dir);
        snprintf(seed, sizeof seed, "%s/seed.json", dir);
        FILE *f = fopen(seed, "w");
        fputs("[{\"ID\":3,\"FirstName\":\"Grace\",\"LastName\":\"Hopper\",\"Grades\":[]}]", f);
        fclose(f);

        /* first start: the seed is copied */
        CHECK(store_load(path, seed, &gb) == 0);
        CHECK(gb.n_students == 1 && access(path, F_OK) == 0);
        struct grade g;
        json_t *j = json_loads("{\"Title\":\"Élan\",\"Type\":\"Exam\",\"Score\":99.5}", 0, NULL);
        CHECK(grade_from_json(j, &g, err, sizeof err) == 0);
        json_decref(j);
        CHECK(student_add_grade(&gb.students[0], &g) == 0);
        CHECK(store_save(path, &gb) == 0);

        /* round trip: the seed is not used again */
        unlink(seed);
        CHECK(store_load(path, seed, &again) == 0);
        CHECK(again.n_students == 1 && again.students[0].n_grades == 1);
        CHECK_STR(again.students[0].grades[0].title, "Élan");
        CHECK(again.students[0].grades[0].score == 99.5);
        gradebook_free(&again);

        /* a damaged file is refused, not replaced */
        f = fopen(path, "w");
        fputs("[{\"ID\":", f);
        fclose(f);
        CHECK(store_load(path, seed, &again) < 0);
        f = fopen(path, "r");
        char buf[32] = "";
        CHECK(fgets(buf, sizeof buf, f) != NULL);
        fclose(f);
        CHECK_STR(buf, "[{\"ID\":");
        gradebook_free(&gb);
        unlink(path);
        rmdir(dir);
}

int main(void) {
        test_parse_and_json();
        test_grades();
        test_store();
        return check_finish("gradebook");
}
