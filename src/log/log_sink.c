/* log_sink.c - see log_sink.h. */
#include "log_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/grow.h"
#include "basic/log.h"
#include "basic/macros.h"

static int open_file(const char *path) {
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

        return fd < 0 ? -errno : fd;
}

int log_sink_open(struct log_sink *s, const char *path, const char *journal_socket) {
        int r;

        *s = (struct log_sink) { .fd = -1, .journal.fd = -1 };
        s->path = strdup(path);
        if (!s->path)
                return -ENOMEM;
        s->fd = open_file(path);
        if (s->fd < 0)
                return log_error_errno(s->fd, "Cannot open the log file %s", path);
        if (journal_socket) {
                r = journal_conn_open(&s->journal, journal_socket);
                if (r < 0)
                        return log_error_errno(r, "Cannot connect to journald at %s", journal_socket);
        }
        return 0;
}

int log_sink_reopen(struct log_sink *s) {
        int fd = open_file(s->path);

        if (fd < 0)
                return log_error_errno(fd, "Cannot reopen the log file %s, keeping the old one", s->path);
        close(s->fd);
        s->fd = fd;
        log_info("Reopened the log file %s", s->path);
        return 0;
}

bool log_sink_full(const struct log_sink *s, size_t text_len) {
        /* An entry is the text and its five fields' names and values. */
        return s->pending > 0 && (s->entries.len + text_len + 320 + 5 * LOG_SERVICE_NAME_MAX > LOG_BATCH_MAX_BYTES ||
                                  s->lines_len + LOG_LINE_MAX(text_len) > LOG_BATCH_MAX_BYTES);
}

int log_sink_add(struct log_sink *s, const struct log_message *m) {
        struct timespec now;

        if (grow_to(&s->lines, &s->lines_size, s->lines_len + LOG_LINE_MAX(m->text_len), 4096) < 0)
                return -ENOMEM;
        if (s->journal.path) {
                char priority[2] = { (char) ('0' + m->priority), '\0' };
                const struct journal_field fields[] = {
                        { "MESSAGE", m->text, m->text_len },
                        { "PRIORITY", priority, 1 },
                        { "SYSLOG_IDENTIFIER", log_message_label(m), strlen(log_message_label(m)) },
                        { "DGO_SERVICE", m->service, strlen(m->service) },
                        { "DGO_CLAIMED_SERVICE", m->claimed, strlen(m->claimed) },  /* only when set */
                };
                /* No DGO_CLAIMED_SERVICE= field when nothing is claimed. */
                if (journal_batch_add(&s->entries, fields, ELEMENTSOF(fields) - !m->claimed[0]) < 0)
                        return -ENOMEM;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        s->lines_len += log_format_line(m, &now, s->lines + s->lines_len);
        s->pending++;
        return 0;
}

int log_sink_flush(struct log_sink *s) {
        int r = 0;

        if (s->pending == 0)
                return 0;
        if (s->journal.path) {
                r = journal_conn_send(&s->journal, &s->entries);
                if (r < 0)
                        log_error_errno(r, "Cannot write %u messages to the journal", s->pending);
        }
        /* One write() of whole lines to an O_APPEND file: lines never
         * interleave. Not after a failed journal write: the senders hear
         * of the failure, and may send again. */
        if (r >= 0) {
                r = write_all(s->fd, s->lines, s->lines_len);
                if (r < 0)
                        log_error_errno(r, "Cannot write %u messages to %s", s->pending, s->path);
        }
        if (r >= 0)
                s->written += s->pending;
        journal_batch_clear(&s->entries);
        s->lines_len = 0;
        s->pending = 0;
        return r;
}

void log_sink_close(struct log_sink *s) {
        if (s->fd >= 0)
                close(s->fd);
        journal_conn_close(&s->journal);
        journal_batch_free(&s->entries);
        free(s->path);
        free(s->lines);
        *s = (struct log_sink) { .fd = -1, .journal.fd = -1 };
}
