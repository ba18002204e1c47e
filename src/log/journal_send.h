/* journal_send.h - entries to journald over one connected socket.
 *
 * sd_journal_sendv() sends every entry to the socket's path on an
 * unconnected socket, so the kernel resolves the path for each message; at
 * tens of thousands of messages a second that lookup was a large part of
 * the log service's time. This speaks the same native protocol
 * (systemd.io/JOURNAL_NATIVE_PROTOCOL) on a socket connected once. */
#pragma once

#include <stddef.h>
#include <sys/uio.h>

struct journal_field {
        const char *name;               /* "MESSAGE" */
        const char *value;
        size_t len;
};

struct journal_conn {
        int fd;
        const char *path;
};

int journal_conn_open(struct journal_conn *j, const char *path);
/* Sends one entry; blocks while journald's queue is full (backpressure, not loss). */
int journal_conn_send(struct journal_conn *j, const struct journal_field *fields, size_t n);
void journal_conn_close(struct journal_conn *j);

/* Builds the iovecs of one entry (pure; unit-tested). IOV must hold 5*n
 * entries, LENS n; returns the number of iovecs used. */
size_t journal_entry_iovec(const struct journal_field *fields, size_t n, struct iovec *iov,
                           unsigned char (*lens)[8]);
