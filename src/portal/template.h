/* template.h - the portal's pages: HTML files with placeholders.
 *
 * Pure code (but for reading the file), unit-tested. A template is HTML
 * with two kinds of placeholder:
 *
 *   {{name}}     replaced by the value of NAME, HTML-escaped (html.h);
 *   {{{name}}}   replaced by NAME's value as it is: only for fragments of
 *                HTML the portal's C code built (and escaped) itself.
 *
 * Names are [a-z0-9_]+. The template is parsed once, at start; rendering
 * checks that every placeholder gets a value of its kind (an escaped
 * placeholder a TMPL_TEXT or TMPL_SLOT value, a raw one a TMPL_HTML value),
 * so data can never land unescaped by a slip in a template file.
 *
 * A TMPL_SLOT writes nothing: the renderer notes where it would go. The
 * CSRF token differs per visitor, while the rest of a page is the same for
 * all: a page is rendered once with a slot and the token filled in per
 * reply (page.h). */
#pragma once

#include <stddef.h>

#include "basic/buf.h"

#define TMPL_NAME_MAX 32
#define TMPL_SLOTS_MAX 4

struct tmpl;

enum tmpl_kind {
        TMPL_TEXT,                      /* escaped */
        TMPL_HTML,                      /* a fragment of HTML, as is */
        TMPL_SLOT,                      /* filled in later; VALUE is unused */
};

struct tmpl_var {
        const char *name;
        enum tmpl_kind kind;
        const char *value;
};

/* Parse TEXT. On error -EINVAL with a sentence (and where) in ERROR. */
int tmpl_parse(const char *text, size_t len, struct tmpl **ret, char *error, size_t error_size);

/* The pages share one layout (head, navigation): LAYOUT has a line
 * "<!--title-->" and, after it, a line "<!--main-->"; the first line of
 * PAGE (its <title> element) takes the place of the first, the rest of PAGE
 * the place of the second. Appends to OUT; -EINVAL with a sentence in ERROR
 * when either does not have that shape. Pure. */
int tmpl_compose(const char *layout, const char *page, struct buf *out, char *error, size_t error_size);
/* The file PATH in the layout file LAYOUT_PATH, parsed; logs what was wrong. */
int tmpl_load_in_layout(const char *layout_path, const char *path, struct tmpl **ret);
/* The file PATH, a whole page of its own (no layout), parsed; logs what was wrong. */
int tmpl_load(const char *path, struct tmpl **ret);
void tmpl_free(struct tmpl *t);

/* Append the template to OUT with VARS (the first of a name counts).
 * SLOTS (room for TMPL_SLOTS_MAX) gets the offsets in OUT of the slot
 * placeholders, *N_SLOTS their number. Returns 0; -ENOENT when a
 * placeholder has no value, -EINVAL when the kind does not fit, -E2BIG for
 * more slots than TMPL_SLOTS_MAX, or OUT's own error. */
int tmpl_render(const struct tmpl *t, const struct tmpl_var *vars, size_t n_vars, struct buf *out,
                size_t *slots, size_t *n_slots);
