/* buf.h - a growing text buffer for building pages.
 *
 * Appending never fails on the spot: running out of memory (or past
 * BUF_MAX) marks the buffer, and whoever finishes it checks once. A page is
 * built from many small appends, and checking each would bury the markup. */
#pragma once

#include <stddef.h>

#define BUF_MAX (4u * 1024u * 1024u)    /* no page of ours comes near this */

struct buf {
        char *data;                     /* NUL-terminated while len > 0 */
        size_t len, size;
        int error;                      /* 0, -ENOMEM or -E2BIG */
};

void buf_put(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* The text (NUL-terminated, from malloc) and its length, or NULL with the
 * buffer's error in *error; the buffer is empty again either way. */
char *buf_steal(struct buf *b, size_t *len, int *error);
void buf_done(struct buf *b);
