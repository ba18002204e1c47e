/* log_sink.h - where an accepted message goes: journald and the central file.
 *
 * Both writes finish before log_sink_write() returns, so a message is in the
 * journal and in the kernel's copy of the file before the client hears 200;
 * a crash of the service after that loses nothing. */
#pragma once

#include <stdbool.h>

#include "journal_send.h"
#include "log_message.h"

struct log_sink {
        char *path;
        int fd;
        struct journal_conn journal;    /* path NULL when there is no journald (run by hand) */
        char *buf;                      /* one formatted line or journal field */
        size_t buf_size;
        unsigned long long written;
};

/* JOURNAL_SOCKET: journald's native socket, or NULL for the file only. */
int log_sink_open(struct log_sink *s, const char *path, const char *journal_socket);
/* Reopen the file by name, after a rotation moved it (SIGHUP). */
int log_sink_reopen(struct log_sink *s);
int log_sink_write(struct log_sink *s, const struct log_message *m);
void log_sink_close(struct log_sink *s);
