/* log_sink.h - where an accepted message goes: journald and the central file.
 *
 * Messages are gathered with log_sink_add() and written together by
 * log_sink_flush(): the whole batch as one datagram to journald and one
 * write() to the file. The caller answers the messages' senders only after
 * the flush, so a message is in the journal and in the kernel's copy of the
 * file before its client hears 200; a crash of the service after that loses
 * nothing, and a crash before it loses only messages nobody was told were
 * stored. */
#pragma once

#include <stdbool.h>

#include "journal_send.h"
#include "log_message.h"

/* A batch is flushed before its journal datagram or its file lines would
 * grow past this (a message of the largest size is sent alone). Well
 * under the socket send buffer the kernel allows (wmem_max, 208 KiB by
 * default, doubled). */
#define LOG_BATCH_MAX_BYTES (128u * 1024u)

struct log_sink {
        char *path;
        int fd;
        struct journal_conn journal;    /* path NULL when there is no journald (run by hand) */
        struct journal_batch entries;   /* for the journal */
        char *lines;                    /* for the file */
        size_t lines_len, lines_size;
        unsigned pending;               /* messages added since the last flush */
        unsigned long long written;
};

/* JOURNAL_SOCKET: journald's native socket, or NULL for the file only. */
int log_sink_open(struct log_sink *s, const char *path, const char *journal_socket);
/* Reopen the file by name, after a rotation moved it (SIGHUP). */
int log_sink_reopen(struct log_sink *s);
/* Adds M to the batch (copied: M may go). 0 or -ENOMEM (then it is not in
 * the batch). */
int log_sink_add(struct log_sink *s, const struct log_message *m);
/* Would adding a message of TEXT_LEN bytes take the batch past its bound? */
bool log_sink_full(const struct log_sink *s, size_t text_len);
/* Writes the batch out and empties it. 0 when every message of it is in the
 * journal and the file; < 0 when some may be missing from either (the
 * batch is dropped all the same: its senders get an error). */
int log_sink_flush(struct log_sink *s);
void log_sink_close(struct log_sink *s);
