/* The portal's pages from JSON (view.h), rendered with the real templates
 * (argv[1]: data/templates): the structure the browser tests rely on, the
 * averages, that every value from the data is escaped, and a page of the
 * student list: "Students 101–200 of 250", "Page 2 of 3", the links to the
 * other pages (with the search in them), and the search box with what was
 * searched for, escaped; every page in the layout has the logout form
 * (its CSRF token a slot), the login page is one of its own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dgo/format.h"
#include "check.h"
#include "portal/view.h"

static struct templates templates;

static int count(const char *haystack, const char *needle) {
        int n = 0;

        for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

#define CHECK_HAS(page, s) do {                                                 \
        check_count++;                                                          \
        if (!(page) || !strstr((page), (s))) {                                  \
                check_failures++;                                               \
                fprintf(stderr, "%s:%d: page lacks: %s\n", __FILE__, __LINE__, (s)); \
        }                                                                       \
} while (0)

static json_t *load(const char *text) {
        json_t *j = json_loads(text, 0, NULL);
        CHECK(j != NULL);
        return j;
}

static void average_of(const char *grades, const char *want) {
        json_t *j = load(grades);
        char buf[32];

        format_average(j, buf, sizeof buf);
        CHECK_STR(buf, want);
        json_decref(j);
}

static void test_formats(void) {
        char buf[32];

        average_of("[]", "\xe2\x80\x93");
        average_of("[{\"Score\":85},{\"Score\":94},{\"Score\":82}]", "87.0%");
        average_of("[{\"Score\":100},{\"Score\":97.5}]", "98.8%");
        average_of("[{\"Score\":91},{\"Score\":88},{\"Score\":95}]", "91.3%");
        average_of("[{\"Score\":80},{\"Score\":90},{\"Score\":90}]", "86.7%");
        average_of("[{\"Score\":85},{\"Score\":94},{\"Score\":82},{\"Score\":100}]", "90.3%");   /* 90.25: half up */
        average_of("[{\"Score\":88.45}]", "88.5%");                   /* 88.4499... in binary */
        average_of("[{\"Score\":88.44}]", "88.4%");
        average_of("[{\"Score\":0.05}]", "0.1%");
        average_of("[{\"Score\":99.95}]", "100.0%");
        average_of("[{\"Score\":0}]", "0.0%");
        average_of("[{\"Score\":100}]", "100.0%");
        average_of("[{\"Score\":\"x\"},{\"Title\":\"no score\"},{\"Score\":50}]", "50.0%");   /* only numbers count */
        format_average(NULL, buf, sizeof buf);
        CHECK_STR(buf, "\xe2\x80\x93");

        format_score(85, buf, sizeof buf);
        CHECK_STR(buf, "85");
        format_score(97.5, buf, sizeof buf);
        CHECK_STR(buf, "97.5");
        format_score(100.0 / 3, buf, sizeof buf);
        CHECK_STR(buf, "33.33");
        format_score(0, buf, sizeof buf);
        CHECK_STR(buf, "0");
        format_score(100, buf, sizeof buf);
        CHECK_STR(buf, "100");
        format_score(70.10, buf, sizeof buf);
        CHECK_STR(buf, "70.1");
}

static const char students_json[] =
        "[{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":"
        "[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\",\"Score\":85},{\"Title\":\"W1\",\"Type\":\"Homework\",\"Score\":94},"
        "{\"Title\":\"Quiz 2\",\"Type\":\"Quiz\",\"Score\":82}]},"
        "{\"ID\":5,\"FirstName\":\"Marie\",\"LastName\":\"Curie\",\"Grades\":[]},"
        "{\"ID\":6,\"FirstName\":\"<script>alert(1)</script>\",\"LastName\":\"\\\"O'Neil & Co\\\"\",\"Grades\":[]},"
        "{\"ID\":\"7\",\"FirstName\":\"no\",\"LastName\":\"link\"}]";

static void test_students(void) {
        json_t *j = load(students_json);
        struct page *p = NULL;

        CHECK(view_students(&templates, j, NULL, NULL, NULL, &p) == 0);
        const char *t = p ? p->text : NULL;
        CHECK(t && strncmp(t, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
        CHECK(t && strstr(t, "</html>") && strcmp(strstr(t, "</html>"), "</html>\n") == 0);
        CHECK_HAS(t, "<table id=\"students\">");
        CHECK_HAS(t, "<tr data-student-id=\"1\"><td class=\"name\"><a href=\"/students/1\">Nick Carter</a></td>"
                     "<td class=\"average\">87.0%</td></tr>");
        CHECK_HAS(t, "<tr data-student-id=\"5\"><td class=\"name\"><a href=\"/students/5\">Marie Curie</a></td>"
                     "<td class=\"average\">\xe2\x80\x93</td></tr>");
        CHECK_HAS(t, ">&lt;script&gt;alert(1)&lt;/script&gt; &quot;O&#39;Neil &amp; Co&quot;</a>");
        CHECK(t && !strstr(t, "<script"));
        CHECK(t && count(t, "data-student-id=") == 3);                  /* not the one without an ID */
        CHECK(t && !strstr(t, "no-students"));
        CHECK_HAS(t, "<form id=\"add-student\" method=\"post\" action=\"/students\">");
        CHECK_HAS(t, "name=\"FirstName\"");
        CHECK_HAS(t, "name=\"LastName\"");
        CHECK_HAS(t, "<input type=\"hidden\" name=\"csrf\" value=\"\">");
        CHECK(p && p->n_slots == 2);    /* the form's and the layout's logout form's */
        CHECK(t && !strstr(t, "class=\"error\""));
        CHECK(t && !strstr(t, "{{"));
        page_free(p);

        /* shown again with an error and what was typed */
        struct student_form form = { .first_name = "\"><b>", .last_name = "L", .error = "First name <is> wrong." };
        CHECK(view_students(&templates, j, NULL, NULL, &form, &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<p class=\"error\" role=\"alert\">First name &lt;is&gt; wrong.</p>");
        CHECK_HAS(t, "value=\"&quot;&gt;&lt;b&gt;\"");
        CHECK_HAS(t, "value=\"L\"");
        page_free(p);
        json_decref(j);

        j = load("[]");
        CHECK(view_students(&templates, j, NULL, NULL, NULL, &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<p id=\"no-students\">No students found</p>");
        CHECK(t && !strstr(t, "id=\"students\""));
        CHECK_HAS(t, "id=\"add-student\"");
        page_free(p);
        json_decref(j);

        j = load("{\"error\":\"x\"}");
        CHECK(view_students(&templates, j, NULL, NULL, NULL, &p) == -EINVAL);
        json_decref(j);
        CHECK(view_students(&templates, NULL, NULL, NULL, NULL, &p) == -EINVAL);
}

/* Students FROM .. TO-1, as a grading service's page of the list. */
static json_t *rows_of(int from, int to) {
        json_t *a = json_array();

        for (int i = from; i < to; i++)
                json_array_append_new(a, json_pack("{s:i,s:s,s:s,s:[{s:i}]}", "ID", i, "FirstName", "First",
                                                   "LastName", "Last", "Grades", "Score", 80));
        return a;
}

static struct page *list_page(const char *page, const char *name, int from, int to, const char *total) {
        struct listing_query q;
        struct listing l;
        struct page *p = NULL;
        char error[128];
        json_t *answer = rows_of(from, to), *rows = NULL;

        CHECK(listing_query_parse(page, name, &q, error, sizeof error) == 0);
        CHECK(listing_read(&q, answer, total, &rows, &l) == 0);
        CHECK(view_students(&templates, rows, &q, &l, NULL, &p) == 0);
        json_decref(rows);
        json_decref(answer);
        return p;
}

static void test_student_pages(void) {
        struct page *p = list_page("2", NULL, 101, 201, "250");
        const char *t = p ? p->text : NULL;

        CHECK(t && count(t, "<tr data-student-id=") == 100);
        CHECK_HAS(t, "<tr data-student-id=\"101\"><td class=\"name\"><a href=\"/students/101\">First Last</a></td>"
                     "<td class=\"average\">80.0%</td></tr>");
        CHECK_HAS(t, "<tr data-student-id=\"200\">");
        CHECK_HAS(t, "<p id=\"list-summary\">Students 101\xe2\x80\x93" "200 of 250</p>");
        CHECK_HAS(t, "<span id=\"page-of\">Page 2 of 3</span>");
        CHECK_HAS(t, "<a rel=\"first\" href=\"/students?page=1\">First</a>");
        CHECK_HAS(t, "<a rel=\"prev\" href=\"/students?page=1\">Previous</a>");
        CHECK_HAS(t, "<a rel=\"next\" href=\"/students?page=3\">Next</a>");
        CHECK_HAS(t, "<a rel=\"last\" href=\"/students?page=3\">Last</a>");
        /* the search box, empty, and before the list; no "all students" link */
        CHECK_HAS(t, "<form id=\"search\" method=\"get\" action=\"/students\" role=\"search\">");
        CHECK_HAS(t, "<input id=\"search-name\" type=\"search\" name=\"name\" value=\"\" maxlength=\"64\"");
        CHECK(t && strstr(t, "id=\"search\"") < strstr(t, "id=\"students\""));
        CHECK(t && !strstr(t, "clear-search"));
        CHECK_HAS(t, "<form id=\"add-student\" method=\"post\" action=\"/students\">");
        CHECK(p && p->n_slots == 2);
        CHECK(t && !strstr(t, "{{"));
        page_free(p);

        /* the last page: 50 rows, a way back, none forward */
        p = list_page("3", NULL, 201, 251, "250");
        t = p ? p->text : NULL;
        CHECK(t && count(t, "<tr data-student-id=") == 50);
        CHECK_HAS(t, "Students 201\xe2\x80\x93" "250 of 250</p>");
        CHECK_HAS(t, "Page 3 of 3");
        CHECK_HAS(t, "<a rel=\"prev\" href=\"/students?page=2\">");
        CHECK(t && !strstr(t, "rel=\"next\"") && !strstr(t, "rel=\"last\""));
        page_free(p);

        /* the first page: none back */
        p = list_page(NULL, NULL, 1, 101, "250");
        t = p ? p->text : NULL;
        CHECK_HAS(t, "Students 1\xe2\x80\x93" "100 of 250</p>");
        CHECK(t && !strstr(t, "rel=\"prev\"") && !strstr(t, "rel=\"first\""));
        CHECK_HAS(t, "<a rel=\"next\" href=\"/students?page=2\">");
        page_free(p);

        /* one page only: no pager at all */
        p = list_page(NULL, NULL, 1, 6, "5");
        t = p ? p->text : NULL;
        CHECK_HAS(t, "Students 1\xe2\x80\x93" "5 of 5</p>");
        CHECK(t && !strstr(t, "id=\"pager\""));
        page_free(p);

        /* a search: echoed in the box and the summary, escaped; in every link */
        p = list_page("2", " O'Neil & <b>Co\" ", 101, 201, "201");
        t = p ? p->text : NULL;
        CHECK_HAS(t, "name=\"name\" value=\"O&#39;Neil &amp; &lt;b&gt;Co&quot;\"");
        CHECK_HAS(t, "Students 101\xe2\x80\x93" "200 of 201 whose name contains "
                     "\xe2\x80\x9cO&#39;Neil &amp; &lt;b&gt;Co&quot;\xe2\x80\x9d</p>");
        CHECK_HAS(t, "<a rel=\"next\" href=\"/students?page=3&amp;name=O%27Neil%20%26%20%3Cb%3ECo%22\">Next</a>");
        CHECK_HAS(t, "<a rel=\"prev\" href=\"/students?page=1&amp;name=O%27Neil%20%26%20%3Cb%3ECo%22\">");
        CHECK_HAS(t, "<a id=\"clear-search\" href=\"/students\">All students</a>");
        CHECK(t && !strstr(t, "<b>"));
        page_free(p);

        /* a search that finds nobody */
        p = list_page(NULL, "Zz<", 0, 0, "0");
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<p id=\"no-students\">No student\xe2\x80\x99s name contains \xe2\x80\x9cZz&lt;\xe2\x80\x9d.</p>");
        CHECK(t && !strstr(t, "id=\"students\"") && !strstr(t, "id=\"pager\"") && !strstr(t, "list-summary"));
        CHECK_HAS(t, "id=\"clear-search\"");
        page_free(p);
}

static void test_student(void) {
        json_t *j = load("{\"ID\":2,\"FirstName\":\"Ada\",\"LastName\":\"<i>Lovelace</i>\",\"Grades\":"
                         "[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\",\"Score\":100},"
                         "{\"Title\":\"<img src=x onerror=alert(1)>\",\"Type\":\"Test\",\"Score\":97.5}]}");
        struct page *p = NULL;

        CHECK(view_student(&templates, j, NULL, &p) == 0);
        const char *t = p ? p->text : NULL;
        CHECK_HAS(t, "<h1>Ada &lt;i&gt;Lovelace&lt;/i&gt;</h1>");
        CHECK_HAS(t, "<title>Ada &lt;i&gt;Lovelace&lt;/i&gt; ");
        CHECK_HAS(t, "<table id=\"grades\">");
        CHECK_HAS(t, "<tr><td class=\"title\">Quiz 1</td><td class=\"type\">Quiz</td><td class=\"score\">100</td></tr>");
        CHECK_HAS(t, "<tr><td class=\"title\">&lt;img src=x onerror=alert(1)&gt;</td><td class=\"type\">Test</td>"
                     "<td class=\"score\">97.5</td></tr>");
        CHECK(t && count(t, "<td class=\"score\">") == 2);
        CHECK_HAS(t, "<p id=\"average\">Average: 98.8%</p>");
        CHECK_HAS(t, "<form id=\"add-grade\" method=\"post\" action=\"/students/2/grades\">");
        CHECK_HAS(t, "name=\"Title\"");
        CHECK_HAS(t, "<select id=\"type\" name=\"Type\"><option value=\"Quiz\">Quiz</option>"
                     "<option value=\"Test\">Test</option><option value=\"Exam\">Exam</option>"
                     "<option value=\"Homework\">Homework</option></select>");
        CHECK_HAS(t, "name=\"Score\" type=\"number\" min=\"0\" max=\"100\" step=\"any\"");
        CHECK_HAS(t, "<input type=\"hidden\" name=\"csrf\" value=\"\">");
        CHECK(t && !strstr(t, "no-grades"));
        CHECK(t && !strstr(t, "<img"));
        page_free(p);

        struct grade_form form = { .title = "a\"b", .type = "Exam", .score = "150", .error = "Score must be <100." };
        CHECK(view_student(&templates, j, &form, &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<p class=\"error\" role=\"alert\">Score must be &lt;100.</p>");
        CHECK_HAS(t, "name=\"Title\" value=\"a&quot;b\"");
        CHECK_HAS(t, "<option value=\"Exam\" selected>Exam</option>");
        CHECK_HAS(t, "value=\"150\"");
        page_free(p);
        json_decref(j);

        j = load("{\"ID\":5,\"FirstName\":\"Marie\",\"LastName\":\"Curie\",\"Grades\":[]}");
        CHECK(view_student(&templates, j, NULL, &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<p id=\"no-grades\">No grades available</p>");
        CHECK_HAS(t, "<p id=\"average\">Average: \xe2\x80\x93</p>");
        CHECK(t && !strstr(t, "id=\"grades\""));
        page_free(p);
        json_decref(j);

        j = load("[]");
        CHECK(view_student(&templates, j, NULL, &p) == -EINVAL);
        json_decref(j);
}

/* Cluster mode: every entry has a Host, a Host column shows it; while the
 * registry has lost etcd the remote entries are "Stale": marked, and a note
 * above the table. Host comes from the network: escaped like the rest. */
static void test_status_cluster(void) {
        json_t *j = load("[{\"ServiceName\":\"LogService\",\"ServiceURL\":\"http://127.0.0.1:4000\","
                         "\"Unit\":\"dgo-log.service\",\"Health\":\"up\",\"Since\":\"\",\"Reason\":\"\","
                         "\"Host\":\"h1\"},"
                         "{\"ServiceName\":\"GradingService\",\"ServiceURL\":\"http://10.0.0.2:6000\","
                         "\"Unit\":\"dgo-grading.service\",\"Health\":\"up\",\"Since\":\"\","
                         "\"Reason\":\"published by host h2\",\"Host\":\"<h2>\\\" x=\\\"\"}]");
        struct page *p = NULL;
        const char *t;

        CHECK(view_status(&templates, j, "http://127.0.0.1:3000/services", &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<thead><tr><th scope=\"col\">Service</th><th scope=\"col\">Host</th><th scope=\"col\">URL</th>");
        CHECK_HAS(t, "<tr class=\"up registry\"><td class=\"name\">Registry</td><td class=\"host\"></td>"
                     "<td class=\"url\">http://127.0.0.1:3000/services</td>");
        CHECK_HAS(t, "<tr class=\"up\"><td class=\"name\">LogService</td><td class=\"host\">h1</td>"
                     "<td class=\"url\">http://127.0.0.1:4000</td>");
        CHECK_HAS(t, "<td class=\"name\">GradingService</td><td class=\"host\">&lt;h2&gt;&quot; x=&quot;</td>"
                     "<td class=\"url\">http://10.0.0.2:6000</td><td class=\"unit\">dgo-grading.service</td>"
                     "<td class=\"health\">up</td>");
        CHECK(t && count(t, "<td class=\"host\">") == 3);
        CHECK(t && !strstr(t, "stale"));        /* fresh: nothing marked */
        page_free(p);

        /* the registry has lost etcd: the remote entry is stale */
        json_object_set_new(json_array_get(j, 1), "Stale", json_true());
        CHECK(view_status(&templates, j, "http://127.0.0.1:3000/services", &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<p class=\"stale\" role=\"status\">The registry has lost etcd: "
                     "other hosts' entries may be out of date</p>\n<table id=\"services\">");
        CHECK_HAS(t, "<tr class=\"up stale\"><td class=\"name\">GradingService</td>");
        CHECK_HAS(t, "<td class=\"health\">up (stale)</td>");
        CHECK_HAS(t, "<tr class=\"up\"><td class=\"name\">LogService</td>");       /* local: not stale */
        CHECK(t && count(t, "(stale)") == 1);
        page_free(p);

        /* "Stale" that is not true marks nothing */
        json_object_set_new(json_array_get(j, 1), "Stale", json_string("yes"));
        CHECK(view_status(&templates, j, "http://127.0.0.1:3000/services", &p) == 0);
        t = p ? p->text : NULL;
        CHECK(t && !strstr(t, "stale"));
        page_free(p);
        json_decref(j);
}

static void test_status_and_error(void) {
        json_t *j = load("[{\"ServiceName\":\"LogService\",\"ServiceURL\":\"http://127.0.0.1:4000\","
                         "\"Unit\":\"dgo-log.service\",\"Health\":\"up\",\"Since\":\"2026-11-28T07:10:00Z\","
                         "\"Reason\":\"socket listening, starts on demand\"},"
                         "{\"ServiceName\":\"Foreign\",\"ServiceURL\":\"http://x/<b>\",\"Unit\":null,"
                         "\"Health\":\"down\\\" onclick=\\\"x\",\"Since\":\"\",\"Reason\":\"<stopped>\"}]");
        struct page *p = NULL;

        CHECK(view_status(&templates, j, "http://127.0.0.1:3000/services", &p) == 0);
        const char *t = p ? p->text : NULL;
        CHECK_HAS(t, "<table id=\"services\">");
        CHECK_HAS(t, "<tr class=\"up\"><td class=\"name\">LogService</td><td class=\"url\">http://127.0.0.1:4000</td>"
                     "<td class=\"unit\">dgo-log.service</td><td class=\"health\">up</td>"
                     "<td class=\"since\">2026-11-28T07:10:00Z</td><td class=\"reason\">socket listening, starts on demand</td></tr>");
        CHECK_HAS(t, "<tr class=\"unknown\"><td class=\"name\">Foreign</td><td class=\"url\">http://x/&lt;b&gt;</td>"
                     "<td class=\"unit\"></td><td class=\"health\">down&quot; onclick=&quot;x</td>");
        CHECK_HAS(t, "<td class=\"reason\">&lt;stopped&gt;</td>");
        CHECK_HAS(t, "<code>http://127.0.0.1:3000/services</code>");
        CHECK_HAS(t, "<tr class=\"up registry\"><td class=\"name\">Registry</td>"
                     "<td class=\"url\">http://127.0.0.1:3000/services</td>");
        CHECK(t && count(t, "<td class=\"name\">") == 3);
        /* a single host: no Host column, nothing stale, the table as it always was */
        CHECK_HAS(t, "<p>The services the registry at <code>http://127.0.0.1:3000/services</code> knows, and their health.</p>\n"
                     "<table id=\"services\">\n<thead><tr><th scope=\"col\">Service</th><th scope=\"col\">URL</th>"
                     "<th scope=\"col\">Unit</th><th scope=\"col\">Health</th><th scope=\"col\">Since</th>"
                     "<th scope=\"col\">Reason</th></tr></thead>\n<tbody>\n");
        CHECK(t && !strstr(t, "Host") && !strstr(t, "class=\"host\"") && !strstr(t, "stale"));
        page_free(p);
        json_decref(j);

        test_status_cluster();

        CHECK(view_error(&templates, 503, "Grading <service> unavailable", "No provider & no luck.", &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<h1>Grading &lt;service&gt; unavailable</h1>");
        CHECK_HAS(t, "<p class=\"error\" role=\"alert\" id=\"error-message\">No provider &amp; no luck.</p>");
        CHECK_HAS(t, "HTTP status 503.");
        CHECK(p && p->n_slots == 1);    /* the logout form's */
        CHECK_HAS(t, "<form id=\"logout\" method=\"post\" action=\"/logout\">");
        page_free(p);
}

/* The login page: a page of its own (no navigation, no logout), its form
 * with the token's slot, the name typed shown again escaped, the error. */
static void test_login(void) {
        struct page *p = NULL;
        const char *t;

        CHECK(view_login(&templates, NULL, NULL, &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<form id=\"login\" method=\"post\" action=\"/login\">");
        CHECK_HAS(t, "name=\"password\" type=\"password\"");
        CHECK(t && !strstr(t, "/logout") && !strstr(t, "class=\"error\""));
        CHECK(p && p->n_slots == 1);
        page_free(p);
        CHECK(view_login(&templates, "Wrong name or password.", "<b>x", &p) == 0);
        t = p ? p->text : NULL;
        CHECK_HAS(t, "<p class=\"error\" role=\"alert\">Wrong name or password.</p>");
        CHECK_HAS(t, "value=\"&lt;b&gt;x\"");
        page_free(p);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s TEMPLATE-DIR\n", argv[0]);
                return 2;
        }
        CHECK(templates_load(&templates, argv[1]) == 0);
        if (check_failures)
                return check_finish("portal-view");
        test_formats();
        test_students();
        test_student_pages();
        test_login();
        test_student();
        test_status_and_error();
        templates_free(&templates);
        return check_finish("portal-view");
}
