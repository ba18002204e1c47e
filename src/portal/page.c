/* page.c - see page.h. */
#include "page.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/buf.h"

int page_render(const struct tmpl *t, const struct tmpl_var *vars, size_t n_vars, struct page **ret) {
        struct page *p = calloc(1, sizeof *p);
        struct buf b = { 0 };
        int r;

        if (!p)
                return -ENOMEM;
        r = tmpl_render(t, vars, n_vars, &b, p->slots, &p->n_slots);
        if (r >= 0 && !(p->text = buf_steal(&b, &p->len, &r)))
                r = r < 0 ? r : -ENOMEM;
        if (r < 0) {
                buf_done(&b);
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void page_free(struct page *p) {
        if (!p)
                return;
        free(p->text);
        free(p);
}

char *page_fill(const struct page *p, const char *token, size_t token_len, size_t *len) {
        size_t total = p->len + p->n_slots * token_len, at = 0, from = 0;
        char *out = malloc(total + 1);

        if (!out)
                return NULL;
        for (size_t i = 0; i < p->n_slots; i++) {
                memcpy(out + at, p->text + from, p->slots[i] - from);
                at += p->slots[i] - from;
                memcpy(out + at, token, token_len);
                at += token_len;
                from = p->slots[i];
        }
        memcpy(out + at, p->text + from, p->len - from);
        out[total] = '\0';
        *len = total;
        return out;
}
