/* log_sink.c - see log_sink.h. */
#include "log_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fd_util.h"
#include "log.h"

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

static int reserve(struct log_sink *s, size_t size) {
        if (size <= s->buf_size)
                return 0;
        char *p = realloc(s->buf, size);
        if (!p)
                return -ENOMEM;
        s->buf = p;
        s->buf_size = size;
        return 0;
}

static int write_journal(struct log_sink *s, const struct log_message *m) {
        char priority[2] = { (char) ('0' + m->priority), '\0' };
        size_t service_len = strlen(m->service);
        const struct journal_field fields[] = {
                { "MESSAGE", m->text, m->text_len },
                { "PRIORITY", priority, 1 },
                { "SYSLOG_IDENTIFIER", m->service, service_len },
                { "DGO_SERVICE", m->service, service_len },
        };

        return journal_conn_send(&s->journal, fields, sizeof fields / sizeof fields[0]);
}

int log_sink_write(struct log_sink *s, const struct log_message *m) {
        struct timespec now;
        int r;

        if (s->journal.path) {
                r = write_journal(s, m);
                if (r < 0)
                        return log_error_errno(r, "Cannot write to the journal");
        }

        r = reserve(s, LOG_LINE_MAX(m->text_len));
        if (r < 0)
                return r;
        clock_gettime(CLOCK_REALTIME, &now);
        size_t len = log_format_line(m, &now, s->buf);
        /* One write() of the whole line to an O_APPEND file: lines never interleave. */
        r = write_all(s->fd, s->buf, len);
        if (r < 0)
                return log_error_errno(r, "Cannot write to %s", s->path);
        s->written++;
        return 0;
}

void log_sink_close(struct log_sink *s) {
        if (s->fd >= 0)
                close(s->fd);
        journal_conn_close(&s->journal);
        free(s->path);
        free(s->buf);
        *s = (struct log_sink) { .fd = -1, .journal.fd = -1 };
}
