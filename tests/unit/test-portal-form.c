/* The portal's form decoding (form.h) and its two forms (input.h): percent
 * decoding, '+', malformed and truncated sequences, UTF-8, bounds, and the
 * grading service's rules for each field. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "portal/form.h"
#include "portal/input.h"
#include "dgo/grade.h"          /* score_parse(): the rule the form uses */

static int decode(const char *in, char *out, size_t size) {
        return form_decode(in, strlen(in), out, size);
}

static void test_decode(void) {
        char out[64];

        CHECK(decode("abc", out, sizeof out) == 3);
        CHECK_STR(out, "abc");
        CHECK(decode("", out, sizeof out) == 0);
        CHECK_STR(out, "");
        CHECK(decode("a+b+%2B", out, sizeof out) == 5);
        CHECK_STR(out, "a b +");
        CHECK(decode("%3Cscript%3E", out, sizeof out) == 8);
        CHECK_STR(out, "<script>");
        CHECK(decode("%c3%a9t%C3%A9", out, sizeof out) == 5);           /* "été", either case of hex */
        CHECK_STR(out, "\xc3\xa9t\xc3\xa9");
        CHECK(decode("%26%3D%25", out, sizeof out) == 3);
        CHECK_STR(out, "&=%");

        /* malformed percent sequences */
        CHECK(decode("%", out, sizeof out) == -EINVAL);
        CHECK(decode("a%4", out, sizeof out) == -EINVAL);
        CHECK(decode("%G1", out, sizeof out) == -EINVAL);
        CHECK(decode("%1G", out, sizeof out) == -EINVAL);
        CHECK(decode("%%41", out, sizeof out) == -EINVAL);
        CHECK(decode("%00", out, sizeof out) == -EINVAL);               /* no NUL in a C string */
        CHECK(form_decode("a\0b", 3, out, sizeof out) == -EINVAL);

        /* UTF-8 is checked after decoding */
        CHECK(decode("%FF", out, sizeof out) == -EILSEQ);
        CHECK(decode("%C3", out, sizeof out) == -EILSEQ);               /* truncated */
        CHECK(decode("%C0%AF", out, sizeof out) == -EILSEQ);            /* overlong */
        CHECK(decode("%ED%A0%80", out, sizeof out) == -EILSEQ);         /* a surrogate */
        CHECK(decode("\xff", out, sizeof out) == -EILSEQ);              /* raw bytes too */
        CHECK(decode("%F0%9F%98%80", out, sizeof out) == 4);            /* U+1F600 */

        /* bounds: SIZE includes the NUL */
        CHECK(decode("abcd", out, 5) == 4);
        CHECK(decode("abcde", out, 5) == -ENOBUFS);
        CHECK(decode("%41%42%43%44", out, 5) == 4);
        CHECK(decode("%41%42%43%44%45", out, 5) == -ENOBUFS);
        CHECK(decode("", out, 1) == 0);
        CHECK(decode("a", out, 0) == -ENOBUFS);
}

static void test_parse(void) {
        char a[16], b[16], c[4];
        struct form_field f[] = {
                { .name = "a", .value = a, .size = sizeof a },
                { .name = "b c", .value = b, .size = sizeof b },
                { .name = "c", .value = c, .size = sizeof c },
        };
        const char *body;

        body = "a=1&b+c=two+words&x=y";
        CHECK(form_parse(body, strlen(body), f, 3) == 0);
        CHECK(f[0].result == 1);
        CHECK_STR(a, "1");
        CHECK(f[1].result == 9);
        CHECK_STR(b, "two words");
        CHECK(f[2].result == -ENOENT);
        CHECK_STR(c, "");

        /* the first of a name counts; a field without '=' is empty; empty pairs are skipped */
        body = "&&a=first&a=second&b%20c&c=%ZZ&";
        CHECK(form_parse(body, strlen(body), f, 3) == 0);
        CHECK_STR(a, "first");
        CHECK(f[1].result == 0);
        CHECK_STR(b, "");
        CHECK(f[2].result == -EINVAL);
        CHECK_STR(c, "");

        /* too long for its buffer; a later good one does not replace the error */
        body = "c=long&c=ok";
        CHECK(form_parse(body, strlen(body), f, 3) == 0);
        CHECK(f[2].result == -ENOBUFS);
        CHECK_STR(c, "");

        /* names are decoded too; a name that does not decode is nobody's */
        body = "%61=encoded&%ZZ=x&=novalue";
        CHECK(form_parse(body, strlen(body), f, 3) == 0);
        CHECK_STR(a, "encoded");

        /* only LEN bytes count */
        body = "a=12345";
        CHECK(form_parse(body, 4, f, 3) == 0);
        CHECK_STR(a, "12");

        /* too many pairs: nothing is filled */
        char many[4 * FORM_MAX_PAIRS + 16] = "a=1";
        for (int i = 0; i < FORM_MAX_PAIRS; i++)
                strcat(many, "&x=1");
        CHECK(form_parse(many, strlen(many), f, 3) == -E2BIG);
        CHECK(f[0].result == -ENOENT);
        many[strlen(many) - 4] = '\0';                          /* exactly the limit */
        CHECK(form_parse(many, strlen(many), f, 3) == 0);
        CHECK(f[0].result == 1);
}

static void test_score(void) {
        double v;

        CHECK(score_parse("85", &v) == 0 && v == 85);
        CHECK(score_parse("0", &v) == 0 && v == 0);
        CHECK(score_parse("100", &v) == 0 && v == 100);
        CHECK(score_parse("97.5", &v) == 0 && v == 97.5);
        CHECK(score_parse(".5", &v) == 0 && v == 0.5);
        CHECK(score_parse("5.", &v) == 0 && v == 5);
        CHECK(score_parse("100.0", &v) == 0 && v == 100);
        CHECK(score_parse("100.01", &v) == -EINVAL);
        CHECK(score_parse("101", &v) == -EINVAL);
        CHECK(score_parse("-1", &v) == -EINVAL);
        CHECK(score_parse("", &v) == -EINVAL);
        CHECK(score_parse(".", &v) == -EINVAL);
        CHECK(score_parse("1.2.3", &v) == -EINVAL);
        CHECK(score_parse("0x10", &v) == -EINVAL);
        CHECK(score_parse("1e2", &v) == -EINVAL);
        CHECK(score_parse("nan", &v) == -EINVAL);
        CHECK(score_parse("inf", &v) == -EINVAL);
        CHECK(score_parse(" 85", &v) == -EINVAL);
        CHECK(score_parse("85,5", &v) == -EINVAL);
}

static int grade(const char *body, struct grade_input *in, char **json, char *error, size_t size) {
        json_t *j = NULL;
        int r = grade_input_parse(body, strlen(body), in, &j, error, size);

        *json = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(j);
        return r;
}

static void test_grade_input(void) {
        static struct grade_input in;
        char error[256], *json, body[2048];

        CHECK(grade("csrf=0123456789abcdef0123456789abcdef&Title=Quiz+3&Type=Quiz&Score=88", &in, &json,
                    error, sizeof error) == 0);
        CHECK_STR(json, "{\"Score\":88,\"Title\":\"Quiz 3\",\"Type\":\"Quiz\"}");
        CHECK_STR(in.csrf, "0123456789abcdef0123456789abcdef");
        CHECK(in.csrf_len == 32);
        free(json);

        CHECK(grade("Title=Essay%3A+%C3%A9t%C3%A9&Type=Homework&Score=88.5", &in, &json, error, sizeof error) == 0);
        CHECK_STR(json, "{\"Score\":88.5,\"Title\":\"Essay: \xc3\xa9t\xc3\xa9\",\"Type\":\"Homework\"}");
        CHECK(in.csrf_len == -ENOENT);
        free(json);

        /* each rule, with the value kept for the form */
        CHECK(grade("Title=&Type=Quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Title is required.");
        CHECK(grade("Type=Quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Title is required.");
        CHECK(grade("Title=a%01b&Type=Quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK(strstr(error, "without control characters") != NULL);
        /* issue 13: the model's text rule, in the form's words */
        CHECK(grade("Title=+++&Type=Quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Title is empty or only spaces.");
        CHECK(grade("Title=Quiz+%E2%80%AE1&Type=Quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK(strstr(error, "Title holds a bidirectional override") != NULL);
        CHECK(grade("Title=a%E2%80%A8b&Type=Quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK(strstr(error, "without control characters") != NULL);
        CHECK(grade("Title=%FF&Type=Quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Title is not valid UTF-8 text.");
        CHECK(grade("Title=%Z&Type=Quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Title is not correctly encoded.");
        CHECK(grade("Title=x&Type=Essay&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Type must be one of Quiz, Test, Exam, Homework.");
        CHECK_STR(in.type, "Essay");
        CHECK(grade("Title=x&Type=quiz&Score=5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK(grade("Title=x&Type=Quiz&Score=100.5", &in, &json, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Score must be a number from 0 to 100.");
        CHECK_STR(in.score, "100.5");
        CHECK_STR(in.title, "x");
        CHECK(grade("Title=x&Type=Quiz", &in, &json, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Score must be a number from 0 to 100.");

        /* Title: 100 bytes pass, 101 do not (bytes, not characters) */
        strcpy(body, "Type=Exam&Score=1&Title=");
        for (int i = 0; i < 50; i++)
                strcat(body, "%C3%A9");                                 /* 2 bytes each */
        CHECK(grade(body, &in, &json, error, sizeof error) == 0);
        free(json);
        strcat(body, "x");
        CHECK(grade(body, &in, &json, error, sizeof error) == -EINVAL);
        CHECK(strstr(error, "at most 100 bytes") != NULL);
}

static void test_student_input(void) {
        static struct student_input in;
        char error[256], body[512];
        json_t *j = NULL;
        char *json;
        const char *b;

        b = "FirstName=%3Cscript%3Ealert(1)%3C%2Fscript%3E&LastName=X&csrf=abc";
        CHECK(student_input_parse(b, strlen(b), &in, &j, error, sizeof error) == 0);
        json = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        CHECK_STR(json, "{\"FirstName\":\"<script>alert(1)</script>\",\"LastName\":\"X\"}");
        CHECK_STR(in.csrf, "abc");
        free(json);
        json_decref(j);

        b = "FirstName=Ada";
        CHECK(student_input_parse(b, strlen(b), &in, &j, error, sizeof error) == -EINVAL);
        CHECK_STR(error, "Last name is required.");
        CHECK_STR(in.first_name, "Ada");
        strcpy(body, "LastName=L&FirstName=");
        for (int i = 0; i < 65; i++)
                strcat(body, "a");
        CHECK(student_input_parse(body, strlen(body), &in, &j, error, sizeof error) == -EINVAL);
        CHECK(strstr(error, "First name must be at most 64 bytes") == error);
        body[strlen(body) - 1] = '\0';
        CHECK(student_input_parse(body, strlen(body), &in, &j, error, sizeof error) == 0);
        json_decref(j);
}

int main(void) {
        test_decode();
        test_parse();
        test_score();
        test_grade_input();
        test_student_input();
        return check_finish("portal-form");
}
