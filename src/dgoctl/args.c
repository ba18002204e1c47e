/* args.c - dgoctl's checks of what the user typed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "basic/decimal.h"
#include "basic/stringify.h"
#include "basic/utf8.h"
#include "dgo/grade.h"
#include "dgo/student.h"

static bool all_digits(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

const char *parse_student_id(const char *s, long *ret) {
        long id = student_id_parse(s);

        if (id < 0)
                return "must be a student ID, a positive number (e.g. 1)";
        *ret = id;
        return NULL;
}

const char *parse_score(const char *s, double *ret) {
        if (score_parse(s, ret) < 0)
                return "must be a number from 0 to " STRINGIFY(GB_SCORE_MAX) " (e.g. 88 or 97.5)";
        return NULL;
}

const char *parse_grade_type(const char *s, const char **ret) {
        int t = grade_type_from_string_any_case(s);

        if (t < 0)
                return "must be one of " GRADE_TYPES_TEXT;
        *ret = grade_type_to_string((enum grade_type) t);
        return NULL;
}

const char *check_title(const char *s) {
        size_t len = strlen(s);
        int r = text_field_check(s, len, GB_TITLE_MAX);

        /* The grading service's rule; UTF-8 is checked here, as jansson
         * checks it there. */
        if (r == -ENODATA)
                return "must not be empty or only spaces";
        if (r == -E2BIG)
                return "is too long (at most " STRINGIFY(GB_TITLE_MAX) " bytes)";
        if (!utf8_valid(s, len))
                return "is not valid UTF-8";
        if (r == -EBADMSG)
                return "must not contain bidirectional overrides (U+202A to U+202E, U+2066 to U+2069)";
        if (r < 0)
                return "must not contain control characters (tabs, newlines, ...)";
        return NULL;
}

const char *parse_timeout(const char *s, double *ret) {
        double v;

        if (decimal_parse(s, &v) < 0)
                return "must be a number of seconds (e.g. 5 or 0.5)";
        if (!(v > 0) || v > DGOCTL_TIMEOUT_MAX)
                return "must be more than 0 and at most " STRINGIFY(DGOCTL_TIMEOUT_MAX) " seconds";
        *ret = v;
        return NULL;
}

const char *parse_lines(const char *s, unsigned *ret) {
        if (!all_digits(s) || strlen(s) > 7 || strtoul(s, NULL, 10) > 1000000)
                return "must be a number of lines from 0 to 1000000";
        *ret = (unsigned) strtoul(s, NULL, 10);
        return NULL;
}

const char *check_db_path(const char *s) {
        size_t len = strlen(s);

        if (len == 0)
                return "must not be empty";
        if (len >= 4096)
                return "is too long (at most 4095 bytes)";
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return "must not contain control characters";
        return NULL;
}

const char *parse_base_url(const char *s, bool strip_services, char **ret) {
        const char *host = s + strlen("http://");
        size_t len = strlen(s);
        char *url;

        if (strncasecmp(s, "http://", strlen("http://")) != 0)
                return "must be an http:// URL (e.g. http://127.0.0.1:3000)";
        if (len > 512)
                return "is too long (at most 512 bytes)";
        if (!*host || *host == '/' || *host == ':')
                return "has no host (e.g. http://127.0.0.1:3000)";
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f || *p == '?' || *p == '#')
                        return "must be printable ASCII without spaces, '?' or '#'";
        url = strdup(s);
        if (!url)
                return "cannot be copied: out of memory";
        len = strlen(url);
        while (len > 0 && url[len - 1] == '/')
                url[--len] = '\0';
        if (strip_services && len > strlen("/services") &&
            strcmp(url + len - strlen("/services"), "/services") == 0) {
                len -= strlen("/services");
                url[len] = '\0';
                while (len > 0 && url[len - 1] == '/')
                        url[--len] = '\0';
        }
        if (len <= strlen("http://")) {
                free(url);
                return "has no host (e.g. http://127.0.0.1:3000)";
        }
        *ret = url;
        return NULL;
}
