/* log.c - see log.h. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

static const char *identifier = "dgo";
static int max_priority = -1;           /* DGO_LOG_LEVEL=debug shows debug lines */
static int to_journal = -1;             /* decided on first use */

static log_forward_fn forward;
static void *forward_userdata;

void log_set_forward(log_forward_fn fn, void *userdata) {
        forward = fn;
        forward_userdata = userdata;
}

void log_setup(const char *ident) {
        identifier = ident;
        to_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_max_priority(int priority) {
        max_priority = priority;
}

int log_full(int priority, int error, const char *file, int line, const char *func,
             const char *format, ...) {
        char text[2048], code_file[256], code_line[32];
        va_list ap;

        if (to_journal < 0)
                to_journal = getenv("JOURNAL_STREAM") != NULL;
        if (max_priority < 0) {
                const char *level = getenv("DGO_LOG_LEVEL");
                max_priority = level && strcmp(level, "debug") == 0 ? LOG_DEBUG : LOG_INFO;
        }
        if (priority > max_priority)
                return error < 0 ? error : -error;

        va_start(ap, format);
        int n = vsnprintf(text, sizeof text, format, ap);
        va_end(ap);
        if (error && n >= 0 && (size_t) n < sizeof text)
                snprintf(text + n, sizeof text - (size_t) n, ": %s", strerror(error < 0 ? -error : error));

        if (forward && priority <= LOG_INFO) {
                static _Thread_local bool forwarding;   /* a forwarder that logs must not loop */
                if (!forwarding) {
                        forwarding = true;
                        forward(priority, text, forward_userdata);
                        forwarding = false;
                }
        }

        if (to_journal) {
                snprintf(code_file, sizeof code_file, "CODE_FILE=%s", file);
                snprintf(code_line, sizeof code_line, "CODE_LINE=%d", line);
                if (sd_journal_send_with_location(code_file, code_line, func,
                                                  "MESSAGE=%s", text,
                                                  "PRIORITY=%d", priority,
                                                  "SYSLOG_IDENTIFIER=%s", identifier,
                                                  /* a NULL format ends the list early: no ERRNO= field */
                                                  error ? "ERRNO=%d" : NULL, error < 0 ? -error : error,
                                                  NULL) >= 0)
                        return error < 0 ? error : -error;
        }
        fprintf(stderr, "%s: %s\n", identifier, text);
        return error < 0 ? error : -error;
}
