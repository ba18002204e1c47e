/* journal_send.c - see journal_send.h. */
#include "journal_send.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define JOURNAL_SNDBUF (8 * 1024 * 1024)
#define MAX_FIELDS 16

size_t journal_entry_iovec(const struct journal_field *fields, size_t n, struct iovec *iov,
                           unsigned char (*lens)[8]) {
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                const struct journal_field *f = &fields[i];
                iov[k++] = (struct iovec) { (void *) f->name, strlen(f->name) };
                if (memchr(f->value, '\n', f->len)) {
                        /* Binary-safe form: NAME\n, 64-bit little-endian length, value, \n. */
                        uint64_t len = f->len;
                        for (int b = 0; b < 8; b++)
                                lens[i][b] = (unsigned char) (len >> (8 * b));
                        iov[k++] = (struct iovec) { "\n", 1 };
                        iov[k++] = (struct iovec) { lens[i], 8 };
                } else
                        iov[k++] = (struct iovec) { "=", 1 };
                iov[k++] = (struct iovec) { (void *) f->value, f->len };
                iov[k++] = (struct iovec) { "\n", 1 };
        }
        return k;
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
        /* Room for a 64 KiB message; the kernel caps it at wmem_max. */
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

int journal_conn_send(struct journal_conn *j, const struct journal_field *fields, size_t n) {
        struct iovec iov[5 * MAX_FIELDS];
        unsigned char lens[MAX_FIELDS][8];

        if (n > MAX_FIELDS)
                return -E2BIG;
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = journal_entry_iovec(fields, n, iov, lens) };

        for (int attempt = 0; attempt < 2; attempt++) {
                if (j->fd < 0) {
                        int r = connect_journal(j);
                        if (r < 0)
                                return r;
                }
                if (sendmsg(j->fd, &mh, MSG_NOSIGNAL) >= 0)
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
