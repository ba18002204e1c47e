/* journal_send.c - see journal_send.h. */
#include "journal_send.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/grow.h"

#define JOURNAL_SNDBUF (8 * 1024 * 1024)

static void put(struct journal_batch *b, const void *p, size_t len) {
        memcpy(b->data + b->len, p, len);
        b->len += len;
}

int journal_batch_add(struct journal_batch *b, const struct journal_field *fields, size_t n) {
        size_t need = 1;                                /* the empty line after the entry */

        for (size_t i = 0; i < n; i++)
                need += strlen(fields[i].name) + 1 + 8 + fields[i].len + 1;
        if (grow_to(&b->data, &b->size, b->len + need, 4096) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct journal_field *f = &fields[i];
                put(b, f->name, strlen(f->name));
                if (memchr(f->value, '\n', f->len)) {
                        /* Binary-safe form: NAME\n, 64-bit little-endian length, value, \n. */
                        unsigned char len[8];
                        for (int k = 0; k < 8; k++)
                                len[k] = (unsigned char) ((uint64_t) f->len >> (8 * k));
                        put(b, "\n", 1);
                        put(b, len, 8);
                } else
                        put(b, "=", 1);
                put(b, f->value, f->len);
                put(b, "\n", 1);
        }
        put(b, "\n", 1);
        b->entries++;
        return 0;
}

void journal_batch_clear(struct journal_batch *b) {
        b->len = 0;
        b->entries = 0;
}

void journal_batch_free(struct journal_batch *b) {
        free(b->data);
        *b = (struct journal_batch) { 0 };
}

static int connect_journal(struct journal_conn *j) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int size = JOURNAL_SNDBUF;

        if (strlen(j->path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, j->path);
        j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (j->fd < 0)
                return -errno;
        /* Room for a batch; the kernel caps it at wmem_max. */
        (void) setsockopt(j->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        if (connect(j->fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                int r = -errno;
                close(j->fd);
                j->fd = -1;
                return r;
        }
        return 0;
}

int journal_conn_open(struct journal_conn *j, const char *path) {
        j->path = path;
        return connect_journal(j);
}

int journal_conn_send(struct journal_conn *j, const struct journal_batch *b) {
        for (int attempt = 0; attempt < 2; attempt++) {
                if (j->fd < 0) {
                        int r = connect_journal(j);
                        if (r < 0)
                                return r;
                }
                if (send(j->fd, b->data, b->len, MSG_NOSIGNAL) >= 0)
                        return 0;
                if (errno == EINTR) {
                        attempt--;
                        continue;
                }
                if (errno != ECONNREFUSED && errno != ENOTCONN)
                        return -errno;
                /* journald's socket was replaced: connect again, once. */
                close(j->fd);
                j->fd = -1;
        }
        return -ECONNREFUSED;
}

void journal_conn_close(struct journal_conn *j) {
        if (j->fd >= 0)
                close(j->fd);
        j->fd = -1;
}
