/* test-dgoctl-render.c - dgoctl's text tables and what goes in them: the
 * status table from the registry's answer and (fake) unit states, with
 * the registry answering or not; services, students, grades; in cluster
 * mode a HOST column, other hosts' entries apart from this host's units,
 * stale ones marked. */
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"
#include "check.h"
#include "dgoctl/table.h"
#include "dgoctl/render.h"

/* The table's text; the table is freed. */
static char *text(struct table *t, bool color) {
        char *s = t ? table_format(t, color) : NULL;

        table_free(t);
        return s;
}

static void check_text(struct table *t, const char *want) {
        char *s = text(t, false);

        CHECK_STR(s, want);
        free(s);
}

static void test_table(void) {
        static const char *const h[] = { "A", "LONG HEADER", "N" };
        struct table *t = table_new(3, h);
        char *s;

        CHECK(t && table_rows(t) == 0);
        table_align_right(t, 2);
        CHECK(table_add_row(t, (const char *const[]) { "wide cell", "x", "7" }, NULL) == 0);
        CHECK(table_add_row(t, (const char *const[]) { "é–ü", NULL, "123" }, NULL) == 0);
        CHECK(table_add_row(t, (const char *const[]) { "a\033[31mb\n", "y", "" }, NULL) == 0);
        CHECK(table_rows(t) == 3);
        check_text(t, "A          LONG HEADER    N\n"
                      "wide cell  x              7\n"
                      "é–ü        -            123\n"
                      "a?[31mb?   y               \n");
        CHECK(utf8_width("é–ü") == 3);

        /* The last column is not padded; colours only when asked for. */
        t = table_new(2, (const char *const[]) { "X", "HEALTH" });
        table_add_row(t, (const char *const[]) { "long value", "up" },
                      (const enum table_color[]) { TABLE_PLAIN, TABLE_GREEN });
        table_add_row(t, (const char *const[]) { "v", "down" }, (const enum table_color[]) { TABLE_PLAIN, TABLE_RED });
        s = table_format(t, true);
        CHECK_STR(s, "\033[1mX           HEALTH\033[0m\n"
                     "long value  \033[32mup\033[0m\n"
                     "v           \033[31mdown\033[0m\n");
        free(s);
        check_text(t, "X           HEALTH\nlong value  up\nv           down\n");

        /* Many rows: the storage grows. */
        t = table_new(1, (const char *const[]) { "N" });
        for (int i = 0; i < 100; i++)
                CHECK(table_add_row(t, (const char *const[]) { "row" }, NULL) == 0);
        CHECK(table_rows(t) == 100);
        s = text(t, false);
        CHECK(s && strlen(s) == 2 + 100 * 4);
        free(s);
}

/* A fake systemd: the states of a few units; "bus down" fails every query. */
struct fake {
        bool down;
        int queries;
};

static int fake_query(const char *unit, struct unit_info *ret, void *userdata) {
        struct fake *f = userdata;
        static const struct { const char *unit, *load, *active, *sub, *listen; } units[] = {
                { "dgo-registry.service", "loaded", "active", "running", NULL },
                { "dgo-registry.socket", "loaded", "active", "running", "127.0.0.1:3000" },
                { "dgo-log.service", "loaded", "failed", "failed", NULL },
                { "dgo-log.socket", "loaded", "active", "listening", "127.0.0.1:4000" },
                { "dgo-grading.service", "loaded", "inactive", "dead", NULL },
                { "dgo-grading.socket", "loaded", "active", "listening", "127.0.0.1:6000" },
                { "dgo-portal.service", "not-found", "inactive", "dead", NULL },
                { "dgo-portal.socket", "loaded", "inactive", "dead", "127.0.0.1:5000" },
                { "weather.service", "loaded", "active", "running", NULL },
                { "weather.socket", "not-found", "inactive", "dead", NULL },
        };

        f->queries++;
        *ret = (struct unit_info) { 0 };
        if (f->down)
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strcmp(unit, units[i].unit) == 0) {
                        ret->load = strdup(units[i].load);
                        ret->active = strdup(units[i].active);
                        ret->sub = strdup(units[i].sub);
                        ret->listen = units[i].listen ? strdup(units[i].listen) : NULL;
                        return 0;
                }
        return -1;
}

static const char registrations[] =
        "[{\"ServiceName\":\"GradingService\",\"ServiceURL\":\"http://127.0.0.1:6000\",\"RequiredServices\":[\"LogService\"],"
        "\"Unit\":\"dgo-grading.service\",\"Health\":\"up\",\"Since\":\"2026-11-28T09:00:00Z\","
        "\"Reason\":\"socket listening, starts on demand\"},"
        "{\"ServiceName\":\"LogService\",\"ServiceURL\":\"http://127.0.0.1:4000\",\"RequiredServices\":[],"
        "\"Unit\":\"dgo-log.service\",\"Health\":\"down\",\"Since\":\"2026-11-28T09:01:00Z\",\"Reason\":\"failed\"},"
        "{\"ServiceName\":\"Weather\",\"ServiceURL\":\"http://127.0.0.1:7000\",\"RequiredServices\":[\"LogService\","
        "\"GradingService\"],\"Unit\":null,\"Health\":\"up\",\"Since\":\"2026-11-28T09:02:00Z\",\"Reason\":\"registered\"},"
        "{\"ServiceName\":\"Clock\",\"ServiceURL\":\"http://127.0.0.1:7100\",\"RequiredServices\":[],"
        "\"Unit\":\"weather.service\",\"Health\":\"up\",\"Since\":\"\",\"Reason\":\"running\"}]";

static void test_status(void) {
        json_t *regs = json_loads(registrations, 0, NULL);
        struct fake f = { 0 };
        char *s;

        CHECK(regs != NULL);
        check_text(status_table(regs, "http://127.0.0.1:3000", NULL, fake_query, &f),
                "SERVICE         UNIT                  ACTIVE     SUB      SOCKET     HEALTH  URL                    SINCE\n"
                "Registry        dgo-registry.service  active     running  running    up      http://127.0.0.1:3000  -\n"
                "LogService      dgo-log.service       failed     failed   listening  down    http://127.0.0.1:4000  2026-11-28T09:01:00Z\n"
                "GradingService  dgo-grading.service   inactive   dead     listening  up      http://127.0.0.1:6000  2026-11-28T09:00:00Z\n"
                "TeacherPortal   dgo-portal.service    not-found  dead     dead       -       http://127.0.0.1:5000  -\n"
                "Weather         -                     -          -        -          up      http://127.0.0.1:7000  2026-11-28T09:02:00Z\n"
                "Clock           weather.service       active     running  not-found  up      http://127.0.0.1:7100  -\n");
        CHECK(f.queries == 10);

        /* The registry down: systemd's side, HEALTH "?", the registry "down". */
        f = (struct fake) { 0 };
        check_text(status_table(NULL, "http://127.0.0.1:3000", NULL, fake_query, &f),
                "SERVICE         UNIT                  ACTIVE     SUB      SOCKET     HEALTH  URL                    SINCE\n"
                "Registry        dgo-registry.service  active     running  running    down    http://127.0.0.1:3000  -\n"
                "LogService      dgo-log.service       failed     failed   listening  ?       http://127.0.0.1:4000  -\n"
                "GradingService  dgo-grading.service   inactive   dead     listening  ?       http://127.0.0.1:6000  -\n"
                "TeacherPortal   dgo-portal.service    not-found  dead     dead       ?       http://127.0.0.1:5000  -\n");
        CHECK(f.queries == 8);

        /* Neither: still one row per service. */
        f = (struct fake) { .down = true };
        check_text(status_table(NULL, "http://r:1", NULL, fake_query, &f),
                "SERVICE         UNIT                  ACTIVE  SUB  SOCKET  HEALTH  URL         SINCE\n"
                "Registry        dgo-registry.service  ?       ?    ?       down    http://r:1  -\n"
                "LogService      dgo-log.service       ?       ?    ?       ?       -           -\n"
                "GradingService  dgo-grading.service   ?       ?    ?       ?       -           -\n"
                "TeacherPortal   dgo-portal.service    ?       ?    ?       ?       -           -\n");

        /* Colours: health and states. */
        f = (struct fake) { 0 };
        s = text(status_table(regs, "http://127.0.0.1:3000", NULL, fake_query, &f), true);
        CHECK(s && strstr(s, "\033[31mfailed\033[0m"));
        CHECK(s && strstr(s, "\033[32mlistening\033[0m"));
        CHECK(s && strstr(s, "\033[31mdown\033[0m"));
        CHECK(s && strstr(s, "\033[32mup\033[0m"));
        free(s);

        /* Two registrations under one unit: two rows. */
        json_t *two = json_loads("[{\"ServiceName\":\"GradingService\",\"ServiceURL\":\"http://a:1\",\"Unit\":"
                                 "\"dgo-grading.service\",\"Health\":\"up\"},{\"ServiceName\":\"GradingService\","
                                 "\"ServiceURL\":\"http://b:2\",\"Unit\":\"dgo-grading.service\",\"Health\":\"down\"}]",
                                 0, NULL);
        f = (struct fake) { 0 };
        s = text(status_table(two, "http://127.0.0.1:3000", NULL, fake_query, &f), false);
        CHECK(s && strstr(s, "http://a:1") && strstr(s, "http://b:2"));
        free(s);
        json_decref(two);
        json_decref(regs);
}

static void test_services(void) {
        json_t *regs = json_loads(registrations, 0, NULL);

        check_text(services_table(regs),
                "SERVICE         URL                    UNIT                 HEALTH  SINCE                 REQUIRES                    REASON\n"
                "GradingService  http://127.0.0.1:6000  dgo-grading.service  up      2026-11-28T09:00:00Z  LogService                  socket listening, starts on demand\n"
                "LogService      http://127.0.0.1:4000  dgo-log.service      down    2026-11-28T09:01:00Z  -                           failed\n"
                "Weather         http://127.0.0.1:7000  -                    up      2026-11-28T09:02:00Z  LogService, GradingService  registered\n"
                "Clock           http://127.0.0.1:7100  weather.service      up      -                     -                           running\n");
        json_decref(regs);
        check_text(services_table(NULL), "SERVICE  URL  UNIT  HEALTH  SINCE  REQUIRES  REASON\n");
}

/* Cluster mode: h1's registry, its own LogService and GradingService, h2's
 * GradingService and Weather. */
static const char cluster_registrations[] =
        "[{\"ServiceName\":\"LogService\",\"ServiceURL\":\"http://127.0.0.1:4000\",\"RequiredServices\":[],"
        "\"Unit\":\"dgo-log.service\",\"Health\":\"up\",\"Since\":\"\",\"Reason\":\"running\",\"Host\":\"h1\"},"
        "{\"ServiceName\":\"GradingService\",\"ServiceURL\":\"http://127.0.0.1:6000\",\"RequiredServices\":[],"
        "\"Unit\":\"dgo-grading.service\",\"Health\":\"up\",\"Since\":\"\",\"Reason\":\"running\",\"Host\":\"h1\"},"
        "{\"ServiceName\":\"GradingService\",\"ServiceURL\":\"http://10.0.0.2:6000\",\"RequiredServices\":[],"
        "\"Unit\":\"dgo-grading.service\",\"Health\":\"up\",\"Since\":\"\",\"Reason\":\"published by host h2\","
        "\"Host\":\"h2\"},"
        "{\"ServiceName\":\"Weather\",\"ServiceURL\":\"http://10.0.0.2:7000\",\"RequiredServices\":[],"
        "\"Unit\":null,\"Health\":\"down\",\"Since\":\"\",\"Reason\":\"published by host h2\",\"Host\":\"h2\"}]";

static void test_cluster(void) {
        json_t *regs = json_loads(cluster_registrations, 0, NULL);
        struct fake f = { 0 };
        char *s;

        CHECK(regs != NULL);
        /* h2's GradingService is not h1's dgo-grading.service: listed after,
         * without systemd's states, which are h1's */
        check_text(status_table(regs, "http://127.0.0.1:3000", "h1", fake_query, &f),
                "SERVICE         HOST  UNIT                  ACTIVE     SUB      SOCKET     HEALTH  URL                    SINCE\n"
                "Registry        h1    dgo-registry.service  active     running  running    up      http://127.0.0.1:3000  -\n"
                "LogService      h1    dgo-log.service       failed     failed   listening  up      http://127.0.0.1:4000  -\n"
                "GradingService  h1    dgo-grading.service   inactive   dead     listening  up      http://127.0.0.1:6000  -\n"
                "TeacherPortal   h1    dgo-portal.service    not-found  dead     dead       -       http://127.0.0.1:5000  -\n"
                "GradingService  h2    dgo-grading.service   -          -        -          up      http://10.0.0.2:6000   -\n"
                "Weather         h2    -                     -          -        -          down    http://10.0.0.2:7000   -\n");
        CHECK(f.queries == 8);
        check_text(services_table(regs),
                "SERVICE         HOST  URL                    UNIT                 HEALTH  SINCE  REQUIRES  REASON\n"
                "LogService      h1    http://127.0.0.1:4000  dgo-log.service      up      -      -         running\n"
                "GradingService  h1    http://127.0.0.1:6000  dgo-grading.service  up      -      -         running\n"
                "GradingService  h2    http://10.0.0.2:6000   dgo-grading.service  up      -      -         published by host h2\n"
                "Weather         h2    http://10.0.0.2:7000   -                    down    -      -         published by host h2\n");
        CHECK(!registrations_stale(regs));

        /* The registry has lost etcd: h2's entries stale, marked (yellow);
         * a stale entry is another host's even when this one's name is not known. */
        json_object_set_new(json_array_get(regs, 2), "Stale", json_true());
        json_object_set_new(json_array_get(regs, 3), "Stale", json_true());
        CHECK(registrations_stale(regs));
        f = (struct fake) { 0 };
        check_text(status_table(regs, "http://127.0.0.1:3000", NULL, fake_query, &f),
                "SERVICE         HOST  UNIT                  ACTIVE     SUB      SOCKET     HEALTH        URL                    SINCE\n"
                "Registry        -     dgo-registry.service  active     running  running    up            http://127.0.0.1:3000  -\n"
                "LogService      h1    dgo-log.service       failed     failed   listening  up            http://127.0.0.1:4000  -\n"
                "GradingService  h1    dgo-grading.service   inactive   dead     listening  up            http://127.0.0.1:6000  -\n"
                "TeacherPortal   -     dgo-portal.service    not-found  dead     dead       -             http://127.0.0.1:5000  -\n"
                "GradingService  h2    dgo-grading.service   -          -        -          up (stale)    http://10.0.0.2:6000   -\n"
                "Weather         h2    -                     -          -        -          down (stale)  http://10.0.0.2:7000   -\n");
        check_text(services_table(regs),
                "SERVICE         HOST  URL                    UNIT                 HEALTH        SINCE  REQUIRES  REASON\n"
                "LogService      h1    http://127.0.0.1:4000  dgo-log.service      up            -      -         running\n"
                "GradingService  h1    http://127.0.0.1:6000  dgo-grading.service  up            -      -         running\n"
                "GradingService  h2    http://10.0.0.2:6000   dgo-grading.service  up (stale)    -      -         published by host h2\n"
                "Weather         h2    http://10.0.0.2:7000   -                    down (stale)  -      -         published by host h2\n");
        s = text(services_table(regs), true);
        CHECK(s && strstr(s, "\033[33mup (stale)\033[0m") && strstr(s, "\033[32mup\033[0m"));
        free(s);
        json_decref(regs);

        /* A single host's answer: no HOST column, nothing stale. */
        regs = json_loads(registrations, 0, NULL);
        CHECK(!registrations_stale(regs));
        s = text(services_table(regs), false);
        CHECK(s && !strstr(s, "HOST") && !strstr(s, "stale"));
        free(s);
        json_decref(regs);
}

static void test_students(void) {
        json_t *st = json_loads(
                "[{\"ID\":1,\"FirstName\":\"Nick\",\"LastName\":\"Carter\",\"Grades\":[{\"Title\":\"Quiz 1\",\"Type\":\"Quiz\","
                "\"Score\":85},{\"Title\":\"Homework\",\"Type\":\"Homework\",\"Score\":94},{\"Title\":\"Q2\",\"Type\":\"Quiz\","
                "\"Score\":82}]},{\"ID\":12,\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\",\"Grades\":[{\"Title\":\"Midterm\","
                "\"Type\":\"Test\",\"Score\":97.5},{\"Title\":\"Q\",\"Type\":\"Quiz\",\"Score\":100}]},"
                "{\"ID\":5,\"FirstName\":\"Marie\",\"LastName\":\"Curie\",\"Grades\":[]}]", 0, NULL);
        char *name;

        CHECK(st != NULL);
        check_text(students_table(st),
                "ID  NAME          GRADES  AVERAGE\n"
                " 1  Nick Carter        3    87.0%\n"
                "12  Ada Lovelace       2    98.8%\n"
                " 5  Marie Curie        0        \xe2\x80\x93\n");
        check_text(grades_table(json_object_get(json_array_get(st, 1), "Grades")),
                "TITLE    TYPE  SCORE\n"
                "Midterm  Test   97.5\n"
                "Q        Quiz    100\n");
        name = student_name(json_array_get(st, 0));
        CHECK_STR(name, "Nick Carter");
        free(name);
        json_t *empty = json_object();
        name = student_name(empty);
        CHECK_STR(name, "- -");
        free(name);
        json_decref(empty);
        json_decref(st);
}

int main(void) {
        test_table();
        test_status();
        test_services();
        test_cluster();
        test_students();
        return check_finish("dgoctl-render");
}
