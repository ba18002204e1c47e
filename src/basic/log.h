/* log.h - a service's own diagnostics.
 *
 * Under systemd (JOURNAL_STREAM is set) messages go to journald natively,
 * with the source location and the priority as fields; run by hand, they go
 * to stderr. Errors are returned as negative errno values and logged once,
 * where they are handled: log_*_errno() returns its (negative) error. */
#pragma once

#include <syslog.h>

void log_setup(const char *identifier);
/* Show only messages of PRIORITY or more urgent (LOG_WARNING: no info
 * lines; dgoctl uses the grading store this way). */
void log_set_max_priority(int priority);

/* Also hand every message of priority info or more urgent to FN (the
 * registry client forwards them to the LogService). FN must not log. It is
 * called in the thread that logs. */
typedef void (*log_forward_fn)(int priority, const char *text, void *userdata);
void log_set_forward(log_forward_fn fn, void *userdata);

int log_full(int priority, int error, const char *file, int line, const char *func,
             const char *format, ...) __attribute__((format(printf, 6, 7)));

#define log_debug(...)   log_full(LOG_DEBUG, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
/* These append ": " and the text of ERR (a negative errno) to the message. */
#define log_error_errno(err, ...)   log_full(LOG_ERR, (err), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_warning_errno(err, ...) log_full(LOG_WARNING, (err), __FILE__, __LINE__, __func__, __VA_ARGS__)
