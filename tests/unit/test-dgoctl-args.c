/* test-dgoctl-args.c - proves dgoctl refuses bad arguments before sending
 * anything, with the message the user reads: student IDs (positive, 9 digits at most),
 * scores (0 to 100, plain decimals only), grade types in any case, titles
 * (no control bytes, at most GB_TITLE_MAX), --timeout, -n, --registry and
 * --portal URLs (http:// only; a registry's /services suffix dropped) and
 * book paths; that service names (registry, GradingService, dgo-grading,
 * dgo-grading.socket ...) find their service and unit; and that `dgoctl logs`
 * runs exactly the journalctl command line expected for one service, a
 * foreign one, and all of dgo (and none for a name with '=' or spaces). */
#include <stdlib.h>
#include <string.h>

#include "dgoctl/args.h"
#include "check.h"
#include "dgoctl/names.h"
#include "dgo/grade.h"            /* GB_TITLE_MAX */
#include "dgo/registration.h"     /* service_name_valid(), unit_socket_name() */

static void test_student_id(void) {
        long id = 0;

        CHECK(!parse_student_id("1", &id) && id == 1);
        CHECK(!parse_student_id("123456789", &id) && id == 123456789);
        CHECK(parse_student_id("0", &id));
        CHECK(parse_student_id("", &id));
        CHECK(parse_student_id("-1", &id));
        CHECK(parse_student_id("+1", &id));
        CHECK(parse_student_id("1x", &id));
        CHECK(parse_student_id(" 1", &id));
        CHECK(parse_student_id("1234567890", &id));    /* 10 digits */
        CHECK(parse_student_id("0x10", &id));
}

static void test_score(void) {
        double v = -1;

        CHECK(!parse_score("0", &v) && v == 0);
        CHECK(!parse_score("100", &v) && v == 100);
        CHECK(!parse_score("97.5", &v) && v == 97.5);
        CHECK(!parse_score(".5", &v) && v == 0.5);
        CHECK(!parse_score("88.", &v) && v == 88);
        CHECK(parse_score("100.01", &v));
        CHECK(parse_score("-1", &v));
        CHECK(parse_score("", &v));
        CHECK(parse_score(".", &v));
        CHECK(parse_score("1e2", &v));
        CHECK(parse_score("0x10", &v));
        CHECK(parse_score("inf", &v));
        CHECK(parse_score("nan", &v));
        CHECK(parse_score("1.2.3", &v));
        CHECK(parse_score("8 8", &v));
        CHECK_STR(parse_score("abc", &v), "must be a number from 0 to 100 (e.g. 88 or 97.5)");
}

static void test_type_title(void) {
        const char *t = NULL;
        char long_title[GB_TITLE_MAX + 2];

        CHECK(!parse_grade_type("Quiz", &t));
        CHECK_STR(t, "Quiz");
        CHECK(!parse_grade_type("homework", &t));
        CHECK_STR(t, "Homework");
        CHECK(!parse_grade_type("EXAM", &t));
        CHECK_STR(t, "Exam");
        CHECK(parse_grade_type("Quizz", &t));
        CHECK(parse_grade_type("", &t));

        CHECK(!check_title("Quiz 3"));
        CHECK(!check_title("Prüfung"));
        CHECK(check_title(""));
        CHECK(check_title("a\tb"));
        CHECK(check_title("a\nb"));
        CHECK(check_title("\x7f"));
        CHECK(check_title("\xff\xfe"));
        CHECK_STR(check_title("   "), "must not be empty or only spaces");
        CHECK(strstr(check_title("Quiz \xe2\x80\xae" "1"), "bidirectional overrides") != NULL);
        CHECK(strstr(check_title("a\xc2\x85" "b"), "control characters") != NULL);   /* NEL */
        memset(long_title, 'x', GB_TITLE_MAX);
        long_title[GB_TITLE_MAX] = '\0';
        CHECK(!check_title(long_title));
        long_title[GB_TITLE_MAX] = 'x';
        long_title[GB_TITLE_MAX + 1] = '\0';
        CHECK(check_title(long_title));
}

static void test_timeout_lines(void) {
        double t = 0;
        unsigned n = 99;

        CHECK(!parse_timeout("5", &t) && t == 5);
        CHECK(!parse_timeout("0.25", &t) && t == 0.25);
        CHECK(!parse_timeout("3600", &t));
        CHECK(parse_timeout("3600.5", &t));
        CHECK(parse_timeout("0", &t));
        CHECK(parse_timeout("-1", &t));
        CHECK(parse_timeout("1s", &t));
        CHECK(!parse_lines("0", &n) && n == 0);
        CHECK(!parse_lines("1000000", &n) && n == 1000000);
        CHECK(parse_lines("1000001", &n));
        CHECK(parse_lines("-5", &n));
        CHECK(parse_lines("", &n));
}

static void test_base_url(void) {
        char *u = NULL;

        CHECK(!parse_base_url("http://127.0.0.1:3000", true, &u));
        CHECK_STR(u, "http://127.0.0.1:3000");
        free(u);
        CHECK(!parse_base_url("http://127.0.0.1:3000/services", true, &u));
        CHECK_STR(u, "http://127.0.0.1:3000");
        free(u);
        CHECK(!parse_base_url("http://127.0.0.1:3000/services/", true, &u));
        CHECK_STR(u, "http://127.0.0.1:3000");
        free(u);
        CHECK(!parse_base_url("http://h:1/services", false, &u));      /* only the registry's */
        CHECK_STR(u, "http://h:1/services");
        free(u);
        CHECK(!parse_base_url("HTTP://localhost:5000//", false, &u));
        CHECK_STR(u, "HTTP://localhost:5000");
        free(u);
        u = NULL;
        CHECK(parse_base_url("https://127.0.0.1:3000", true, &u));
        CHECK(parse_base_url("127.0.0.1:3000", true, &u));
        CHECK(parse_base_url("http://", true, &u));
        CHECK(parse_base_url("http:///x", true, &u));
        CHECK(parse_base_url("http://a b", true, &u));
        CHECK(parse_base_url("http://h/?x=1", true, &u));
        CHECK(u == NULL);
}

static void test_names(void) {
        const struct dgo_service *d;
        char buf[64];

        CHECK(dgo_services_count == 4);
        CHECK_STR(dgo_services[0].short_name, "registry");
        d = dgo_service_lookup("grading");
        CHECK(d && strcmp(d->name, "GradingService") == 0);
        CHECK(dgo_service_lookup("GradingService") == d);
        CHECK(dgo_service_lookup("gradingservice") == d);
        CHECK(dgo_service_lookup("dgo-grading") == d);
        CHECK(dgo_service_lookup("dgo-grading.service") == d);
        CHECK(dgo_service_lookup("dgo-grading.socket") == d);
        CHECK(dgo_service_lookup("dgo-gradingx") == NULL);
        CHECK_STR(dgo_service_lookup("portal")->name, "TeacherPortal");
        CHECK_STR(dgo_service_lookup("TeacherPortal")->unit, "dgo-portal.service");
        CHECK_STR(dgo_service_lookup("log")->name, "LogService");
        CHECK_STR(dgo_service_lookup("registry")->socket, "dgo-registry.socket");
        CHECK(dgo_service_lookup("Weather") == NULL);
        CHECK(dgo_service_by_unit("dgo-log.service") == dgo_service_lookup("log"));
        CHECK(dgo_service_by_unit("dgo-log.socket") == NULL);

        CHECK(service_name_valid("Weather_2.b-c"));
        CHECK(!service_name_valid(""));
        CHECK(!service_name_valid("a b"));
        CHECK(!service_name_valid("a=b"));
        CHECK(!service_name_valid("0123456789012345678901234567890123456789012345678901234567890123x"));

        CHECK(unit_socket_name("dgo-x.service", buf, sizeof buf));
        CHECK_STR(buf, "dgo-x.socket");
        CHECK(!unit_socket_name("dgo-x.socket", buf, sizeof buf));
        CHECK(!unit_socket_name(".service", buf, sizeof buf));
        CHECK(!unit_socket_name("a-very-long-name.service", buf, 8));
}

/* The argv as one string, words separated by spaces. */
static char *joined(char **argv) {
        size_t n = 1;
        char *s;

        for (char **p = argv; *p; p++)
                n += strlen(*p) + 1;
        s = calloc(1, n);
        for (char **p = argv; *p; p++) {
                if (p != argv)
                        strcat(s, " ");
                strcat(s, *p);
        }
        return s;
}

static void check_journal(const struct journal_options *o, const char *want) {
        char **argv = journal_args(o), *s;

        CHECK(argv != NULL);
        if (!argv)
                return;
        s = joined(argv);
        CHECK_STR(s, want);
        free(s);
        journal_args_free(argv);
}

static void test_journal_args(void) {
        struct journal_options o = { 0 };

        check_journal(&o, "journalctl _SYSTEMD_UNIT=dgo-log.service + _SYSTEMD_UNIT=dgo-registry.service + _PID=1 "
                          "UNIT=dgo-registry.service UNIT=dgo-registry.socket UNIT=dgo-log.service UNIT=dgo-log.socket "
                          "UNIT=dgo-grading.service UNIT=dgo-grading.socket UNIT=dgo-portal.service "
                          "UNIT=dgo-portal.socket UNIT=dgo.target");
        o = (struct journal_options) { .service = "grading", .follow = true, .lines_set = true, .lines = 20 };
        check_journal(&o, "journalctl --follow --lines=20 DGO_SERVICE=GradingService + _PID=1 "
                          "UNIT=dgo-grading.service UNIT=dgo-grading.socket");
        o = (struct journal_options) { .service = "TeacherPortal", .no_pager = true };
        check_journal(&o, "journalctl --no-pager DGO_SERVICE=TeacherPortal + _PID=1 UNIT=dgo-portal.service "
                          "UNIT=dgo-portal.socket");
        o = (struct journal_options) { .service = "dgo-registry" };
        check_journal(&o, "journalctl DGO_SERVICE=Registry + _SYSTEMD_UNIT=dgo-registry.service "
                          "SYSLOG_IDENTIFIER=dgo-registry + _PID=1 UNIT=dgo-registry.service UNIT=dgo-registry.socket");
        o = (struct journal_options) { .service = "log", .lines_set = true, .lines = 0 };
        check_journal(&o, "journalctl --lines=0 DGO_SERVICE=LogService + _SYSTEMD_UNIT=dgo-log.service "
                          "SYSLOG_IDENTIFIER=dgo-log SYSLOG_IDENTIFIER=dgo-register + _PID=1 UNIT=dgo-log.service "
                          "UNIT=dgo-log.socket");
        o = (struct journal_options) { .service = "Weather" };
        check_journal(&o, "journalctl DGO_CLAIMED_SERVICE=Weather + DGO_SERVICE=Weather");
        o = (struct journal_options) { .service = "a=b + _PID=1" };
        CHECK(journal_args(&o) == NULL);
        o = (struct journal_options) { .service = "" };
        CHECK(journal_args(&o) == NULL);
}

static void test_db_path(void) {
        char long_name[4097];

        CHECK(!check_db_path("book.db"));
        CHECK(!check_db_path("/var/backups/dgo/2026-11-28 grade book.db"));
        CHECK_STR(check_db_path(""), "must not be empty");
        CHECK_STR(check_db_path("a\nb"), "must not contain control characters");
        memset(long_name, 'x', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = '\0';
        CHECK_STR(check_db_path(long_name), "is too long (at most 4095 bytes)");
        long_name[4095] = '\0';
        CHECK(!check_db_path(long_name));
}

int main(void) {
        test_student_id();
        test_db_path();
        test_score();
        test_type_title();
        test_timeout_lines();
        test_base_url();
        test_names();
        test_journal_args();
        return check_finish("dgoctl-args");
}
