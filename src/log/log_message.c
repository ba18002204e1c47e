/* log_message.c - see log_message.h. */
#include "log_message.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "basic/macros.h"
#include "basic/utf8.h"

static const struct {
        const char *name;
        int priority;
} priority_names[] = {
        /* the syslog keywords first: log_priority_name() returns these */
        { "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT }, { "err", LOG_ERR },
        { "warning", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
        /* the spellings people also use */
        { "emergency", LOG_EMERG }, { "critical", LOG_CRIT }, { "error", LOG_ERR }, { "warn", LOG_WARNING },
};

int log_priority_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(priority_names); i++)
                if (strcmp(priority_names[i].name, name) == 0)
                        return priority_names[i].priority;
        return -1;
}

const char *log_priority_name(int priority) {
        return priority >= LOG_EMERG && priority <= LOG_DEBUG ? priority_names[priority].name : "info";
}

bool log_service_name_valid(const char *name, size_t len) {
        char copy[LOG_SERVICE_NAME_MAX + 1];

        if (len == 0 || len > LOG_SERVICE_NAME_MAX || memchr(name, '\0', len))
                return false;
        memcpy(copy, name, len);
        copy[len] = '\0';
        return service_name_valid(copy);
}

static void set_label(struct log_message *m) {
        if (m->claimed[0])
                snprintf(m->label, sizeof m->label, "%s(claimed:%s)", m->service, m->claimed);
        else
                snprintf(m->label, sizeof m->label, "%s", m->service);
}

static void set_service(struct log_message *m, const char *name, size_t len) {
        memcpy(m->service, name, len);
        m->service[len] = '\0';
        m->claimed[0] = '\0';
        set_label(m);
}

const char *log_message_label(const struct log_message *m) {
        return m->label[0] ? m->label : m->service;
}

void log_message_attribute(struct log_message *m, const char *verified) {
        const char *sender = verified ? verified : LOG_ANONYMOUS_SERVICE;

        assert(m);
        assert(strlen(sender) <= LOG_SERVICE_NAME_MAX);
        if (strcmp(m->service, sender) != 0 && strcmp(m->service, LOG_UNKNOWN_SERVICE) != 0)
                memcpy(m->claimed, m->service, sizeof m->claimed);
        else
                m->claimed[0] = '\0';
        snprintf(m->service, sizeof m->service, "%s", sender);
        set_label(m);
}

/* The original protocol: "[ServiceName] - text". A body without a valid
 * prefix is kept whole and attributed to "unknown". */
static void parse_plain(const char *body, size_t len, struct log_message *m) {
        const char *close = len > 1 && body[0] == '[' ? memchr(body, ']', len) : NULL;
        size_t name_len = close ? (size_t) (close - body - 1) : 0;

        m->text = body;
        m->text_len = len;
        set_service(m, LOG_UNKNOWN_SERVICE, strlen(LOG_UNKNOWN_SERVICE));
        if (!close || !log_service_name_valid(body + 1, name_len))
                return;

        set_service(m, body + 1, name_len);
        const char *rest = close + 1, *end = body + len;
        if (end - rest >= 3 && memcmp(rest, " - ", 3) == 0)
                rest += 3;
        else if (rest < end && *rest == ' ')
                rest++;
        m->text = rest;
        m->text_len = (size_t) (end - rest);
}

static int parse_json(const char *body, size_t len, struct log_message *m, char *error, size_t error_size) {
        json_error_t jerr;
        json_t *service, *priority, *message;

        m->json = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!m->json) {
                snprintf(error, error_size, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
                return -EINVAL;
        }
        if (!json_is_object(m->json)) {
                snprintf(error, error_size, "the body must be a JSON object");
                return -EINVAL;
        }

        message = json_object_get(m->json, "message");
        if (!json_is_string(message)) {
                snprintf(error, error_size, "\"message\" must be a string");
                return -EINVAL;
        }
        m->text = json_string_value(message);
        m->text_len = json_string_length(message);

        service = json_object_get(m->json, "service");
        if (!service)
                set_service(m, LOG_UNKNOWN_SERVICE, strlen(LOG_UNKNOWN_SERVICE));
        else if (json_is_string(service) &&
                 log_service_name_valid(json_string_value(service), json_string_length(service)))
                set_service(m, json_string_value(service), json_string_length(service));
        else {
                snprintf(error, error_size, "\"service\" must be 1 to %d letters, digits, '_', '-' or '.'",
                         LOG_SERVICE_NAME_MAX);
                return -EINVAL;
        }

        priority = json_object_get(m->json, "priority");
        if (json_is_string(priority))
                m->priority = log_priority_from_name(json_string_value(priority));
        else if (json_is_integer(priority) && json_integer_value(priority) >= LOG_EMERG &&
                 json_integer_value(priority) <= LOG_DEBUG)
                m->priority = (int) json_integer_value(priority);
        else if (priority)
                m->priority = -1;
        if (m->priority < 0) {
                snprintf(error, error_size, "\"priority\" must be a syslog level name (e.g. \"info\") or 0 to 7");
                return -EINVAL;
        }
        return 0;
}

int log_message_parse(const char *media_type, const char *body, size_t len,
                      struct log_message *m, char *error, size_t error_size) {
        int r;

        *m = (struct log_message) { .priority = LOG_INFO };
        if (!utf8_valid(body, len)) {
                snprintf(error, error_size, "the message is not valid UTF-8");
                return -EINVAL;
        }
        if (strcmp(media_type, "application/json") == 0) {
                r = parse_json(body, len, m, error, error_size);
                if (r < 0) {
                        log_message_done(m);
                        return r;
                }
        } else
                parse_plain(body, len, m);

        if (m->text_len == 0) {
                snprintf(error, error_size, "empty log message");
                log_message_done(m);
                return -EINVAL;
        }
        return 0;
}

void log_message_done(struct log_message *m) {
        json_decref(m->json);
        m->json = NULL;
}

/* The length of the code point at S (LEN bytes left) if it is one that
 * log_escape() writes as \uXXXX (into *CP), else 0: the C1 controls
 * (U+0085, NEL, among them), the line and paragraph separators U+2028 and
 * U+2029, and the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069), which would reorder the rest of the line
 * for whoever reads the file. */
static size_t escaped_code_point(const unsigned char *s, size_t len, unsigned *cp) {
        if (s[0] == 0xc2 && len >= 2 && s[1] >= 0x80 && s[1] <= 0x9f) {
                *cp = s[1];
                return 2;
        }
        if (s[0] == 0xe2 && len >= 3 && (s[1] == 0x80 || s[1] == 0x81) && (s[2] & 0xc0) == 0x80) {
                *cp = 0x2000u | (unsigned) (s[1] & 0x3f) << 6 | (s[2] & 0x3fu);
                if ((*cp >= 0x2028 && *cp <= 0x202e) || (*cp >= 0x2066 && *cp <= 0x2069))
                        return 3;
        }
        return 0;
}

size_t log_escape(const char *in, size_t len, char *out) {
        static const char hex[] = "0123456789abcdef";
        char *o = out;
        unsigned cp;
        size_t n;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) in[i];
                /* Nearly every byte is one of these, copied as it is: one
                 * test, not the switch below. */
                if (c >= 0x20 && c != 0x7f && c != '\\' && c != 0xc2 && c != 0xe2) {
                        *o++ = (char) c;
                        continue;
                }
                switch (c) {
                case '\\': *o++ = '\\'; *o++ = '\\'; break;
                case '\n': *o++ = '\\'; *o++ = 'n'; break;
                case '\r': *o++ = '\\'; *o++ = 'r'; break;
                case '\t': *o++ = '\\'; *o++ = 't'; break;
                case 0xc2:
                case 0xe2:
                        n = escaped_code_point((const unsigned char *) in + i, len - i, &cp);
                        if (n == 0) {
                                *o++ = (char) c;
                                break;
                        }
                        *o++ = '\\';
                        *o++ = 'u';
                        for (int shift = 12; shift >= 0; shift -= 4)
                                *o++ = hex[cp >> shift & 0xf];
                        i += n - 1;
                        break;
                default:
                        if (c < 0x20 || c == 0x7f) {
                                *o++ = '\\';
                                *o++ = 'x';
                                *o++ = hex[c >> 4];
                                *o++ = hex[c & 0xf];
                        } else
                                *o++ = (char) c;
                }
        }
        *o = '\0';
        return (size_t) (o - out);
}

void log_format_timestamp(const struct timespec *ts, char *buf, size_t size) {
        /* The seconds part changes once a second: format it once a second. */
        static time_t cached_sec = -1;
        static char base[24];

        if (ts->tv_sec != cached_sec) {
                struct tm tm;
                gmtime_r(&ts->tv_sec, &tm);
                strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
                cached_sec = ts->tv_sec;
        }
        snprintf(buf, size, "%s.%06ldZ", base, ts->tv_nsec / 1000);
}

size_t log_format_line(const struct log_message *m, const struct timespec *ts, char *out) {
        char stamp[40];
        int n;

        log_format_timestamp(ts, stamp, sizeof stamp);
        n = sprintf(out, "%s %s %s ", stamp, log_message_label(m), log_priority_name(m->priority));
        size_t len = (size_t) n + log_escape(m->text, m->text_len, out + n);
        out[len++] = '\n';
        out[len] = '\0';
        return len;
}
