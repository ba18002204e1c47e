/* html.c - see html.h. */
#include "html.h"

#include <string.h>

static const char *entity(unsigned char c) {
        switch (c) {
        case '&':  return "&amp;";
        case '<':  return "&lt;";
        case '>':  return "&gt;";
        case '"':  return "&quot;";
        case '\'': return "&#39;";
        case '\t': case '\n': case '\r':
                return NULL;
        default:
                return c < 0x20 || c == 0x7f ? "\xef\xbf\xbd" : NULL;      /* U+FFFD */
        }
}

void html_escape(struct buf *b, const char *s, size_t len) {
        size_t start = 0;

        /* Copy runs of plain bytes at once: most text has nothing to escape. */
        for (size_t i = 0; i < len; i++) {
                const char *e = entity((unsigned char) s[i]);
                if (!e)
                        continue;
                buf_put(b, s + start, i - start);
                buf_puts(b, e);
                start = i + 1;
        }
        buf_put(b, s + start, len - start);
}

void html_escape_str(struct buf *b, const char *s) {
        html_escape(b, s, strlen(s));
}
