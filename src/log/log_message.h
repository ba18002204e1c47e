/* log_message.h - what the log service accepts, and how it writes it down.
 *
 * Pure code (no I/O): parsing a POST /log body in either form, and the one
 * line per message that goes to the central log file. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dgo/registration.h"

/* A sending service's name: the registry's rule (registration.h). */
#define LOG_SERVICE_NAME_MAX REG_NAME_MAX
#define LOG_UNKNOWN_SERVICE "unknown"
/* The sender of a message that no credential proves (auth.h). */
#define LOG_ANONYMOUS_SERVICE "anonymous"

struct log_message {
        char service[LOG_SERVICE_NAME_MAX + 1];         /* DGO_SERVICE=: verified, or as claimed without a secret */
        char claimed[LOG_SERVICE_NAME_MAX + 1];         /* a name the body claims and no credential proves; "" none */
        char label[2 * LOG_SERVICE_NAME_MAX + 16];      /* the file line's and SYSLOG_IDENTIFIER's: "anonymous(claimed:X)" */
        int priority;                   /* syslog level, 0 (emerg) .. 7 (debug) */
        const char *text;               /* into the body, or into json */
        size_t text_len;
        json_t *json;                   /* keeps text alive for a JSON body */
};

/* Parse a body. MEDIA_TYPE "application/json" means the structured form
 * {"service":..,"priority":..,"message":..}; anything else is the original
 * protocol, a plain message, usually "[ServiceName] - text". On error returns
 * -EINVAL and writes a sentence for the client into ERROR. */
int log_message_parse(const char *media_type, const char *body, size_t len,
                      struct log_message *m, char *error, size_t error_size);
void log_message_done(struct log_message *m);
/* With the installation secret loaded: M was sent by VERIFIED (a dgo service
 * its credential proved, auth.h) or, NULL, by an anonymous client. The name
 * the body gave becomes a claim unless it is the verified one: service is
 * VERIFIED or "anonymous", claimed the other name. (Without a secret nothing
 * is called and the name given is taken, as before.) */
void log_message_attribute(struct log_message *m, const char *verified);

/* service_name_valid() for the LEN bytes at NAME (not NUL-terminated). */
bool log_service_name_valid(const char *name, size_t len);
int log_priority_from_name(const char *name);   /* -1 if unknown */
const char *log_priority_name(int priority);

/* Escape IN so it fits on one line and shows as it is: backslash, newline,
 * CR, tab and every other C0 control byte and DEL become \\, \n, \r, \t
 * and \xHH; every other line separator Unicode knows (U+0085 NEL and the
 * rest of C1, U+2028, U+2029) and the bidirectional embeddings, overrides
 * and isolates (U+202A-U+202E, U+2066-U+2069) become \uXXXX (4 lower-case
 * hex digits). OUT must hold LOG_ESCAPED_MAX(len) bytes (no byte grows to
 * more than 4); returns the length written (NUL excluded). */
#define LOG_ESCAPED_MAX(len) (4 * (len) + 1)
size_t log_escape(const char *in, size_t len, char *out);

/* "2026-11-28T07:10:00.123456Z" into BUF (at least 32 bytes). */
void log_format_timestamp(const struct timespec *ts, char *buf, size_t size);

/* Who the file line and SYSLOG_IDENTIFIER= name: m->label, or m->service when no label was made. */
const char *log_message_label(const struct log_message *m);

/* The file line, newline included: "TIMESTAMP SERVICE PRIORITY TEXT\n"; SERVICE
 * is m->label: the service, or "anonymous(claimed:NAME)" for a claim.
 * OUT must hold LOG_LINE_MAX(m->text_len) bytes; returns the length. */
#define LOG_LINE_MAX(text_len) (32 + 2 * LOG_SERVICE_NAME_MAX + 32 + LOG_ESCAPED_MAX(text_len) + 1)
size_t log_format_line(const struct log_message *m, const struct timespec *ts, char *out);
