/* test-journal_send.c - proves the log service's entries are encoded in
 * journald's native protocol as journald reads it: fields as NAME=value
 * lines, a value with a newline in the binary-safe length form, entries of
 * a batch separated by an empty line (several entries in one datagram);
 * a 100,000-byte value grows the buffer, and clearing a batch keeps its
 * memory for the next. */
#include <stdlib.h>

#include "check.h"
#include "log/journal_send.h"

int main(void) {
        struct journal_batch b = { 0 };

        const struct journal_field simple[] = {
                { "MESSAGE", "hello", 5 },
                { "PRIORITY", "6", 1 },
        };
        CHECK(journal_batch_add(&b, simple, 2) == 0);
        const char one[] = "MESSAGE=hello\nPRIORITY=6\n\n";
        CHECK(b.entries == 1);
        CHECK(b.len == sizeof one - 1 && memcmp(b.data, one, b.len) == 0);

        /* a value with a newline takes the binary-safe form; entries are
         * separated by an empty line */
        const struct journal_field multi[] = { { "MESSAGE", "a\nb", 3 } };
        CHECK(journal_batch_add(&b, multi, 1) == 0);
        const char two[] = "MESSAGE=hello\nPRIORITY=6\n\n" "MESSAGE\n\x03\0\0\0\0\0\0\0a\nb\n\n";
        CHECK(b.entries == 2);
        CHECK(b.len == sizeof two - 1 && memcmp(b.data, two, b.len) == 0);

        /* a large value grows the buffer, and clearing keeps the memory */
        size_t big_len = 100000;
        char *big = malloc(big_len);
        memset(big, 'x', big_len);
        const struct journal_field large[] = { { "MESSAGE", big, big_len } };
        CHECK(journal_batch_add(&b, large, 1) == 0);
        CHECK(b.len == sizeof two - 1 + strlen("MESSAGE=") + big_len + 2);
        CHECK(b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n' && b.data[b.len - 3] == 'x');
        size_t size = b.size;
        journal_batch_clear(&b);
        CHECK(b.len == 0 && b.entries == 0 && b.size == size);
        CHECK(journal_batch_add(&b, simple, 2) == 0);
        CHECK(b.len == sizeof one - 1 && memcmp(b.data, one, b.len) == 0);
        journal_batch_free(&b);
        free(big);
        return check_finish("journal_send");
}
