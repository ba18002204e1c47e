/* page.h - a rendered page, with the places where each visitor's CSRF
 * token goes.
 *
 * Rendering happens when the data changes; a reply is then one copy of
 * the page with the token put in (page_fill), not another rendering.
 * Pure code, unit-tested. */
#pragma once

#include <stddef.h>

#include "template.h"

struct page {
        char *text;
        size_t len;
        size_t slots[TMPL_SLOTS_MAX];   /* offsets in text where the token goes */
        size_t n_slots;
};

/* Render T with VARS into a new page. */
int page_render(const struct tmpl *t, const struct tmpl_var *vars, size_t n_vars, struct page **ret);
void page_free(struct page *p);
/* The page's text with TOKEN (TOKEN_LEN bytes, already safe in HTML) in
 * every slot; from malloc, NULL when out of memory. */
char *page_fill(const struct page *p, const char *token, size_t token_len, size_t *len);
