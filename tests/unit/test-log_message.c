/* test-log_message.c - proves how POST /log bodies are read and written:
 * the plain "[Service] - text" form (no or a bad prefix: kept whole, from
 * "unknown"), the JSON form with its service and priority (by name or
 * number), and each bad body refused with the message the client gets
 * (empty, not UTF-8, invalid JSON, not an object, a missing or non-string
 * message, a bad service name or priority, a duplicate key, a NUL);
 * service names of 1 to 64 bytes; escaping of newlines, backslashes and
 * control bytes, and of U+0085, the rest of C1, U+2028, U+2029 and the
 * bidirectional overrides as \uXXXX, within its documented bound; the file's line format
 * "TIMESTAMP SERVICE PRIORITY TEXT", always exactly one line. */
#include <errno.h>
#include <syslog.h>

#include "check.h"
#include "log/log_message.h"

static int parse(const char *type, const char *body, struct log_message *m, char *err) {
        return log_message_parse(type, body, strlen(body), m, err, 256);
}

static void test_plain(void) {
        struct log_message m;
        char err[256];

        CHECK(parse("text/plain", "[GradingService] - Grade added", &m, err) == 0);
        CHECK_STR(m.service, "GradingService");
        CHECK(m.text_len == strlen("Grade added") && memcmp(m.text, "Grade added", m.text_len) == 0);
        CHECK(m.priority == LOG_INFO);
        log_message_done(&m);

        CHECK(parse("text/plain", "[Portal] hi", &m, err) == 0);
        CHECK_STR(m.service, "Portal");
        CHECK(m.text_len == 2);
        log_message_done(&m);

        /* no prefix, or a prefix that is not a valid name: kept whole */
        CHECK(parse("", "just a line", &m, err) == 0);
        CHECK_STR(m.service, "unknown");
        CHECK(m.text_len == strlen("just a line"));
        CHECK(parse("text/plain", "[bad name] - x", &m, err) == 0);
        CHECK_STR(m.service, "unknown");
        CHECK(m.text_len == strlen("[bad name] - x"));

        CHECK(parse("text/plain", "", &m, err) == -EINVAL);
        CHECK_STR(err, "empty log message");
        CHECK(parse("text/plain", "[Svc] - ", &m, err) == -EINVAL);
        CHECK(parse("text/plain", "bad \xff utf8", &m, err) == -EINVAL);
        CHECK_STR(err, "the message is not valid UTF-8");
}

static void test_json(void) {
        struct log_message m;
        char err[256];
        const char *j = "application/json";

        CHECK(parse(j, "{\"service\":\"GradingService\",\"priority\":\"warning\",\"message\":\"disk low\"}", &m, err) == 0);
        CHECK_STR(m.service, "GradingService");
        CHECK(m.priority == LOG_WARNING);
        CHECK(m.text_len == 8 && memcmp(m.text, "disk low", 8) == 0);
        log_message_done(&m);

        CHECK(parse(j, "{\"message\":\"x\",\"priority\":3}", &m, err) == 0);
        CHECK_STR(m.service, "unknown");
        CHECK(m.priority == LOG_ERR);
        log_message_done(&m);

        CHECK(parse(j, "{\"message\":\"x\",\"priority\":\"error\"}", &m, err) == 0);
        CHECK(m.priority == LOG_ERR);
        log_message_done(&m);

        CHECK(parse(j, "{\"message\":", &m, err) == -EINVAL);
        CHECK(strncmp(err, "invalid JSON", 12) == 0);
        CHECK(parse(j, "[1,2]", &m, err) == -EINVAL);
        CHECK_STR(err, "the body must be a JSON object");
        CHECK(parse(j, "{\"service\":\"x\"}", &m, err) == -EINVAL);
        CHECK_STR(err, "\"message\" must be a string");
        CHECK(parse(j, "{\"message\":42}", &m, err) == -EINVAL);
        CHECK(parse(j, "{\"message\":\"\"}", &m, err) == -EINVAL);
        CHECK_STR(err, "empty log message");
        CHECK(parse(j, "{\"message\":\"x\",\"service\":\"has space\"}", &m, err) == -EINVAL);
        CHECK(parse(j, "{\"message\":\"x\",\"service\":17}", &m, err) == -EINVAL);
        CHECK(parse(j, "{\"message\":\"x\",\"priority\":\"loud\"}", &m, err) == -EINVAL);
        CHECK(parse(j, "{\"message\":\"x\",\"priority\":8}", &m, err) == -EINVAL);
        CHECK(parse(j, "{\"message\":\"x\",\"priority\":-1}", &m, err) == -EINVAL);
        CHECK(parse(j, "{\"message\":\"a\",\"message\":\"b\"}", &m, err) == -EINVAL);   /* duplicate key */
        CHECK(parse(j, "{\"message\":\"a\\u0000b\"}", &m, err) == -EINVAL);            /* NUL in JSON string */

        char name[100];
        memset(name, 'a', sizeof name);
        CHECK(log_service_name_valid(name, 64));
        CHECK(!log_service_name_valid(name, 65));
        CHECK(!log_service_name_valid(name, 0));
}

static void test_escape_and_line(void) {
        char out[LOG_ESCAPED_MAX(64)];
        const char in[] = "a\nb\\c\td\re\x01\x7f\xc3\xa9";

        CHECK(log_escape(in, sizeof in - 1, out) == strlen("a\\nb\\\\c\\td\\re\\x01\\x7f\xc3\xa9"));
        CHECK_STR(out, "a\\nb\\\\c\\td\\re\\x01\\x7f\xc3\xa9");

        const char nul[] = "x\0y";
        log_escape(nul, 3, out);
        CHECK_STR(out, "x\\x00y");

        /* issue 13: every other line separator Unicode knows, the C1
         * controls and the bidirectional overrides and isolates as \uXXXX;
         * VT and FF are C0 (\x0b, \x0c); other characters stay as they are */
        const char seps[] = "a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9" "d\v\fe\xc2\x9b" "f\xe2\x80\xae" "g\xe2\x81\xa6"
                            "h\xe2\x80\x8e\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xaa\xc2\xa0\xc3\xa9";
        log_escape(seps, sizeof seps - 1, out);
        CHECK_STR(out, "a\\u0085b\\u2028c\\u2029d\\x0b\\x0ce\\u009bf\\u202eg\\u2066"
                       "h\xe2\x80\x8e\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xaa\xc2\xa0\xc3\xa9");
        char nels[8], nels_out[LOG_ESCAPED_MAX(8)];
        for (size_t i = 0; i < sizeof nels; i += 2)
                nels[i] = (char) 0xc2, nels[i + 1] = (char) 0x85;
        CHECK(log_escape(nels, sizeof nels, nels_out) == 3 * sizeof nels);      /* within the bound */

        /* the worst case fits the documented bound */
        char ctl[16], big[LOG_ESCAPED_MAX(16)];
        memset(ctl, 1, sizeof ctl);
        CHECK(log_escape(ctl, sizeof ctl, big) == 4 * sizeof ctl);

        struct timespec ts = { .tv_sec = 1795849800, .tv_nsec = 123456789 };
        char stamp[40];
        log_format_timestamp(&ts, stamp, sizeof stamp);
        CHECK_STR(stamp, "2026-11-28T07:10:00.123456Z");

        struct log_message m = { .service = "GradingService", .priority = LOG_NOTICE,
                                 .text = "two\nlines", .text_len = 9 };
        char line[LOG_LINE_MAX(9)];
        size_t len = log_format_line(&m, &ts, line);
        CHECK_STR(line, "2026-11-28T07:10:00.123456Z GradingService notice two\\nlines\n");
        CHECK(len == strlen(line));
        CHECK(memchr(line, '\n', len) == line + len - 1);   /* exactly one line */
        m.text = "one\xe2\x80\xa8two\xc2\x85three";
        m.text_len = strlen(m.text);
        char line2[LOG_LINE_MAX(32)];
        log_format_line(&m, &ts, line2);
        CHECK_STR(line2, "2026-11-28T07:10:00.123456Z GradingService notice one\\u2028two\\u0085three\n");

        CHECK(log_priority_from_name("debug") == LOG_DEBUG);
        CHECK(log_priority_from_name("nope") == -1);
        CHECK_STR(log_priority_name(LOG_ERR), "err");
}

int main(void) {
        test_plain();
        test_json();
        test_escape_and_line();
        return check_finish("log_message");
}
