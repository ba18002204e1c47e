/* args.c - dgoctl's checks of what the user typed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "basic/utf8.h"

static bool all_digits(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

const char *parse_student_id(const char *s, long *ret) {
        if (!all_digits(s) || strlen(s) > 9)
                return "must be a student ID, a positive number (e.g. 1)";
        long id = strtol(s, NULL, 10);
        if (id <= 0)
                return "must be a student ID, a positive number (e.g. 1)";
        *ret = id;
        return NULL;
}

/* Digits with at most one '.', at least one digit: no sign, exponent,
 * hex, "inf" or "nan", which strtod() would take. */
static bool plain_decimal(const char *s) {
        bool digit = false, dot = false;

        for (; *s; s++) {
                if (*s >= '0' && *s <= '9')
                        digit = true;
                else if (*s == '.' && !dot)
                        dot = true;
                else
                        return false;
        }
        return digit;
}

const char *parse_score(const char *s, double *ret) {
        const char *msg = "must be a number from 0 to 100 (e.g. 88 or 97.5)";
        char *end;
        double v;

        if (!plain_decimal(s) || strlen(s) > 32)
                return msg;
        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || *end || !isfinite(v) || v < 0 || v > 100)
                return msg;
        *ret = v;
        return NULL;
}

const char *parse_grade_type(const char *s, const char **ret) {
        static const char *const types[] = { "Quiz", "Test", "Exam", "Homework" };

        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
                if (strcasecmp(s, types[i]) == 0) {
                        *ret = types[i];
                        return NULL;
                }
        return "must be one of Quiz, Test, Exam, Homework";
}

const char *check_title(const char *s) {
        size_t len = strlen(s);

        if (len == 0)
                return "must not be empty";
        if (len > DGOCTL_TITLE_MAX)
                return "is too long (at most 100 bytes)";
        if (!utf8_valid(s, len))
                return "is not valid UTF-8";
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return "must not contain control characters (tabs, newlines, ...)";
        return NULL;
}

const char *parse_timeout(const char *s, double *ret) {
        double v;

        if (!plain_decimal(s) || strlen(s) > 32)
                return "must be a number of seconds (e.g. 5 or 0.5)";
        v = strtod(s, NULL);
        if (!(v > 0) || v > DGOCTL_TIMEOUT_MAX)
                return "must be more than 0 and at most 3600 seconds";
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
