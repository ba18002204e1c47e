#include <stdlib.h>
#include <sys/uio.h>

#include "check.h"
#include "journal_send.h"

/* Flatten the iovecs into one buffer, as the kernel would send them. */
static size_t flatten(const struct iovec *iov, size_t n, char *out) {
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                memcpy(out + len, iov[i].iov_base, iov[i].iov_len);
                len += iov[i].iov_len;
        }
        return len;
}

int main(void) {
        struct iovec iov[10];
        unsigned char lens[2][8];
        char buf[256];

        const struct journal_field simple[] = {
                { "MESSAGE", "hello", 5 },
                { "PRIORITY", "6", 1 },
        };
        size_t len = flatten(iov, journal_entry_iovec(simple, 2, iov, lens), buf);
        CHECK(len == strlen("MESSAGE=hello\nPRIORITY=6\n"));
        CHECK(memcmp(buf, "MESSAGE=hello\nPRIORITY=6\n", len) == 0);

        /* a value with a newline takes the binary-safe form */
        const struct journal_field multi[] = { { "MESSAGE", "a\nb", 3 } };
        len = flatten(iov, journal_entry_iovec(multi, 1, iov, lens), buf);
        const char want[] = "MESSAGE\n\x03\0\0\0\0\0\0\0a\nb\n";
        CHECK(len == sizeof want - 1);
        CHECK(memcmp(buf, want, len) == 0);
        return check_finish("journal_send");
}
