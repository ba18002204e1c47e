/* cmd_grades.c - `dgoctl students`, `dgoctl student ID` and `dgoctl grade
 * add`: the grade book through the portal's API gateway (/api/...), which
 * relays to the grading service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/stringify.h"
#include "dgo/format.h"
#include "dgo/grade.h"
#include "dgoctl.h"
#include "render.h"

static const char students_help[] =
        "Usage: dgoctl students [--json] [OPTIONS]\n"
        "\n"
        "Every student with the number of grades and the average (one decimal,\n"
        "as the portal shows it), from the portal's GET /api/students.\n"
        "\n"
        "Options:\n"
        "      --json    print the JSON list, indented\n"
        "  -h, --help    show this help\n"
        "(and the global options, see dgoctl --help)\n";

static const char student_help[] =
        "Usage: dgoctl student ID [--json] [OPTIONS]\n"
        "\n"
        "One student: name, average and every grade, from the portal's\n"
        "GET /api/students/ID. ID is a positive number.\n"
        "\n"
        "Options:\n"
        "      --json    print the student's JSON, indented\n"
        "  -h, --help    show this help\n"
        "(and the global options, see dgoctl --help)\n";

static const char grade_help[] =
        "Usage: dgoctl grade add ID --title TITLE --type TYPE --score SCORE [OPTIONS]\n"
        "\n"
        "Add a grade to student ID through the portal's API\n"
        "(POST /api/students/ID/grades) and print the grade as stored.\n"
        "\n"
        "Options:\n"
        "      --title TITLE   1 to " STRINGIFY(GB_TITLE_MAX) " bytes, no control characters\n"
        "      --type TYPE     " GRADE_TYPES_TEXT " (any case)\n"
        "      --score SCORE   a number from 0 to " STRINGIFY(GB_SCORE_MAX) ", e.g. 88 or 97.5\n"
        "      --json          print the stored grade's JSON\n"
        "  -h, --help          show this help\n"
        "(and the global options, see dgoctl --help)\n"
        "\n"
        "The arguments are checked before anything is sent: a bad one exits with 2.\n";

static int json_option(int c, const char *arg, void *userdata) {
        bool *json = userdata;

        if (c == OPT_JSON)
                *json = true;
        return DGOCTL_CONTINUE;
}

static const struct option json_opts[] = { { "json", no_argument, NULL, OPT_JSON }, { 0 } };

int cmd_students(struct dgoctl *ctl, int argc, char **argv) {
        json_t *students = NULL;
        bool json = false;
        int code;

        code = dgoctl_parse(ctl, "students", students_help, argc, argv, NULL, json_opts, json_option, &json);
        if (code == DGOCTL_CONTINUE && optind < argc)
                code = dgoctl_usage_error("students", "unexpected argument '%s' (for one student: dgoctl student ID)",
                                          argv[optind]);
        if (code != DGOCTL_CONTINUE)
                return code;
        code = dgoctl_call(ctl, "portal", "GET", ctl->portal, "/api/students", NULL, &students);
        if (code != DGOCTL_EXIT_OK)
                return code;
        if (!json_is_array(students))
                code = dgoctl_error(DGOCTL_EXIT_FAILED, "the portal's answer to GET /api/students is not a list");
        else
                code = json ? dgoctl_print_json(students) : dgoctl_print_table(ctl, students_table(students));
        json_decref(students);
        return code;
}

static int print_student(const struct dgoctl *ctl, const json_t *s) {
        const json_t *grades = json_object_get(s, "Grades");
        char average[32], *name = student_name(s);

        if (!name)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        format_average(grades, average, sizeof average);
        printf("Student %lld: ", (long long) json_integer_value(json_object_get(s, "ID")));
        dgoctl_put_clean(name);
        printf("\nGrades:  %zu\n", json_array_size(grades));
        printf("Average: %s\n", average);
        free(name);
        if (json_array_size(grades) == 0)
                return dgoctl_flush();
        putchar('\n');
        return dgoctl_print_table(ctl, grades_table(grades));
}

int cmd_student(struct dgoctl *ctl, int argc, char **argv) {
        json_t *student = NULL;
        bool json = false;
        const char *problem;
        char path[64];
        long id;
        int code;

        code = dgoctl_parse(ctl, "student", student_help, argc, argv, NULL, json_opts, json_option, &json);
        if (code != DGOCTL_CONTINUE)
                return code;
        if (optind >= argc)
                return dgoctl_usage_error("student", "which student? Give an ID (dgoctl students lists them)");
        if (optind + 1 < argc)
                return dgoctl_usage_error("student", "unexpected argument '%s'", argv[optind + 1]);
        problem = parse_student_id(argv[optind], &id);
        if (problem)
                return dgoctl_usage_error("student", "'%s' %s", argv[optind], problem);

        snprintf(path, sizeof path, "/api/students/%ld", id);
        code = dgoctl_call(ctl, "portal", "GET", ctl->portal, path, NULL, &student);
        if (code != DGOCTL_EXIT_OK)
                return code;
        if (!json_is_object(student))
                code = dgoctl_error(DGOCTL_EXIT_FAILED, "the portal's answer to GET %s is not a student", path);
        else
                code = json ? dgoctl_print_json(student) : print_student(ctl, student);
        json_decref(student);
        return code;
}

struct grade_args {
        const char *title, *type, *score;
        bool json;
};

static int grade_option(int c, const char *arg, void *userdata) {
        struct grade_args *g = userdata;

        switch (c) {
        case OPT_TITLE:
                g->title = arg;
                break;
        case OPT_TYPE:
                g->type = arg;
                break;
        case OPT_SCORE:
                g->score = arg;
                break;
        case OPT_JSON:
                g->json = true;
                break;
        }
        return DGOCTL_CONTINUE;
}

int cmd_grade(struct dgoctl *ctl, int argc, char **argv) {
        static const struct option opts[] = {
                { "title", required_argument, NULL, OPT_TITLE },
                { "type", required_argument, NULL, OPT_TYPE },
                { "score", required_argument, NULL, OPT_SCORE },
                { "json", no_argument, NULL, OPT_JSON },
                { 0 },
        };
        struct grade_args g = { 0 };
        const char *problem, *type;
        json_t *body, *stored = NULL;
        char path[64], score_text[32];
        double score;
        long id;
        int code;

        code = dgoctl_parse(ctl, "grade", grade_help, argc, argv, NULL, opts, grade_option, &g);
        if (code != DGOCTL_CONTINUE)
                return code;
        if (optind >= argc)
                return dgoctl_usage_error("grade", "missing the action: dgoctl grade add ID --title T --type T --score N");
        if (strcmp(argv[optind], "add") != 0)
                return dgoctl_usage_error("grade", "unknown action '%s' (the one there is: add)", argv[optind]);
        if (optind + 1 >= argc)
                return dgoctl_usage_error("grade", "add: which student? Give an ID");
        if (optind + 2 < argc)
                return dgoctl_usage_error("grade", "add: unexpected argument '%s'", argv[optind + 2]);
        if ((problem = parse_student_id(argv[optind + 1], &id)))
                return dgoctl_usage_error("grade", "add: '%s' %s", argv[optind + 1], problem);
        if (!g.title || !g.type || !g.score)
                return dgoctl_usage_error("grade", "add: --%s is required", !g.title ? "title" : !g.type ? "type" : "score");
        if ((problem = check_title(g.title)))
                return dgoctl_usage_error("grade", "add: --title %s", problem);
        if ((problem = parse_grade_type(g.type, &type)))
                return dgoctl_usage_error("grade", "add: --type '%s' %s", g.type, problem);
        if ((problem = parse_score(g.score, &score)))
                return dgoctl_usage_error("grade", "add: --score '%s' %s", g.score, problem);

        body = json_pack("{s:s, s:s, s:o}", "Title", g.title, "Type", type, "Score", score_to_json(score));
        if (!body)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        snprintf(path, sizeof path, "/api/students/%ld/grades", id);
        code = dgoctl_call(ctl, "portal", "POST", ctl->portal, path, body, &stored);
        json_decref(body);
        if (code != DGOCTL_EXIT_OK)
                return code;
        if (g.json) {
                code = dgoctl_print_json(stored);
        } else {
                const json_t *s = json_object_get(stored, "Score");
                format_score(json_is_number(s) ? json_number_value(s) : score, score_text, sizeof score_text);
                /* What the service stored, which may differ from what we sent. */
                const char *title = json_string_value(json_object_get(stored, "Title"));
                const char *stype = json_string_value(json_object_get(stored, "Type"));
                printf("Added to student %ld: \"", id);
                dgoctl_put_clean(title ? title : g.title);
                printf("\" (");
                dgoctl_put_clean(stype ? stype : type);
                printf(") %s\n", score_text);
                code = dgoctl_flush();
        }
        json_decref(stored);
        return code;
}
