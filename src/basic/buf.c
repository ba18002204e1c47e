/* buf.c - see buf.h. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

static int buf_reserve(struct buf *b, size_t n) {
        if (b->error)
                return b->error;
        if (n > BUF_MAX - b->len)
                return b->error = -E2BIG;
        if (grow_to(&b->data, &b->size, b->len + n + 1, 1024) < 0)
                return b->error = -ENOMEM;
        return 0;
}

void buf_put(struct buf *b, const void *p, size_t n) {
        if (n == 0 || buf_reserve(b, n) < 0)
                return;
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s) {
        buf_put(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *format, ...) {
        char small[256];
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(small, sizeof small, format, ap);
        va_end(ap);
        if (n < 0) {
                b->error = b->error ? b->error : -EINVAL;
                return;
        }
        if ((size_t) n < sizeof small) {
                buf_put(b, small, (size_t) n);
                return;
        }
        if (buf_reserve(b, (size_t) n) < 0)
                return;
        va_start(ap, format);
        vsnprintf(b->data + b->len, (size_t) n + 1, format, ap);
        va_end(ap);
        b->len += (size_t) n;
}

char *buf_steal(struct buf *b, size_t *len, int *error) {
        char *text = NULL;

        if (b->error) {
                if (error)
                        *error = b->error;
                buf_done(b);
                return NULL;
        }
        if (!b->data && buf_reserve(b, 0) < 0) {        /* an empty text is still a text */
                if (error)
                        *error = b->error;
                buf_done(b);
                return NULL;
        }
        b->data[b->len] = '\0';
        text = b->data;
        if (len)
                *len = b->len;
        *b = (struct buf) { 0 };
        return text;
}

void buf_done(struct buf *b) {
        free(b->data);
        *b = (struct buf) { 0 };
}
