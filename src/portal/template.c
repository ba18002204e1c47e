/* template.c - see template.h. */
#include "template.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macros.h"
#include "html.h"

#define TMPL_FILE_MAX (256u * 1024u)
#define TMPL_PARTS_MAX 256

/* A template is a list of parts: literal text, or a placeholder. */
struct part {
        const char *text;               /* into tmpl->text */
        size_t len;
        bool placeholder, raw;
        char name[TMPL_NAME_MAX + 1];
};

struct tmpl {
        char *text;
        struct part *parts;
        size_t n_parts;
};

static bool name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static void where(const char *text, const char *at, char *error, size_t error_size, const char *what) {
        unsigned line = 1;

        for (const char *p = text; p < at; p++)
                line += *p == '\n';
        snprintf(error, error_size, "line %u: %s", line, what);
}

static int add_part(struct tmpl *t, const struct part *p) {
        if (t->n_parts >= TMPL_PARTS_MAX)
                return -E2BIG;
        t->parts[t->n_parts++] = *p;
        return 0;
}

DEFINE_POINTER_CLEANUP(struct tmpl *, tmpl_free)
DEFINE_POINTER_CLEANUP(FILE *, fclose)

static int too_many_parts(char *error, size_t error_size) {
        snprintf(error, error_size, "more than %d parts", TMPL_PARTS_MAX);
        return -E2BIG;
}

int tmpl_parse(const char *text, size_t len, struct tmpl **ret, char *error, size_t error_size) {
        _cleanup_(tmpl_freep) struct tmpl *t = calloc(1, sizeof *t);
        const char *p, *end;

        if (!t || !(t->text = malloc(len + 1)) || !(t->parts = calloc(TMPL_PARTS_MAX, sizeof *t->parts))) {
                snprintf(error, error_size, "out of memory");
                return -ENOMEM;
        }
        memcpy(t->text, text, len);
        t->text[len] = '\0';
        if (memchr(t->text, '\0', len)) {
                snprintf(error, error_size, "a NUL byte in the template");
                return -EINVAL;
        }

        p = t->text;
        end = t->text + len;
        while (p < end) {
                const char *open = strstr(p, "{{");
                struct part part = { 0 };

                if (!open)
                        open = end;
                if (open > p) {
                        part = (struct part) { .text = p, .len = (size_t) (open - p) };
                        if (add_part(t, &part) < 0)
                                return too_many_parts(error, error_size);
                }
                if (open == end)
                        break;

                bool raw = open[2] == '{';
                const char *name = open + (raw ? 3 : 2), *q = name;
                while (name_char(*q))
                        q++;
                size_t n = (size_t) (q - name);
                if (n == 0 || n > TMPL_NAME_MAX || strncmp(q, raw ? "}}}" : "}}", raw ? 3 : 2) != 0) {
                        where(t->text, open, error, error_size,
                              "a placeholder is {{name}} or {{{name}}}, with a name of a-z, 0-9 and _");
                        return -EINVAL;
                }
                part = (struct part) { .placeholder = true, .raw = raw };
                memcpy(part.name, name, n);
                if (add_part(t, &part) < 0)
                        return too_many_parts(error, error_size);
                p = q + (raw ? 3 : 2);
        }
        *ret = TAKE_PTR(t);
        return 0;
}

/* The file PATH, NUL-terminated, bounded by TMPL_FILE_MAX; logs what was wrong. */
static int read_template(const char *path, char **ret, size_t *len) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        _cleanup_free_ char *text = NULL;
        int r;

        if (!f)
                return log_error_errno(-errno, "Cannot open the template %s", path);
        text = malloc(TMPL_FILE_MAX + 1);
        if (!text)
                return -ENOMEM;
        *len = fread(text, 1, TMPL_FILE_MAX + 1, f);
        r = ferror(f) ? -EIO : *len > TMPL_FILE_MAX ? -EFBIG : 0;
        if (r < 0)
                return log_error_errno(r, "Cannot read the template %s", path);
        text[*len] = '\0';
        *ret = TAKE_PTR(text);
        return 0;
}

static int parse_logged(const char *path, const char *text, size_t len, struct tmpl **ret) {
        char error[160];
        int r = tmpl_parse(text, len, ret, error, sizeof error);

        if (r < 0)
                return log_error_errno(r, "Template %s: %s", path, error);
        return 0;
}

#define MARK_TITLE "<!--title-->\n"
#define MARK_MAIN "<!--main-->\n"

int tmpl_compose(const char *layout, const char *page, struct buf *out, char *error, size_t error_size) {
        const char *title = strstr(layout, MARK_TITLE), *main = strstr(layout, MARK_MAIN);
        const char *body = strchr(page, '\n');

        if (!title || !main || main < title) {
                snprintf(error, error_size, "the layout needs the lines " "<!--title-->" " and then " "<!--main-->");
                return -EINVAL;
        }
        if (strncmp(page, "<title>", 7) != 0 || !body) {
                snprintf(error, error_size, "a page's first line is its <title>");
                return -EINVAL;
        }
        body++;
        buf_put(out, layout, (size_t) (title - layout));
        buf_put(out, page, (size_t) (body - page));
        title += strlen(MARK_TITLE);
        buf_put(out, title, (size_t) (main - title));
        buf_puts(out, body);
        buf_puts(out, main + strlen(MARK_MAIN));
        return 0;
}

int tmpl_load_in_layout(const char *layout_path, const char *path, struct tmpl **ret) {
        _cleanup_free_ char *layout = NULL, *page = NULL, *text = NULL;
        struct buf out = { 0 };
        char error[160];
        size_t len;
        int r;

        r = read_template(layout_path, &layout, &len);
        if (r < 0)
                return r;
        r = read_template(path, &page, &len);
        if (r < 0)
                return r;
        r = tmpl_compose(layout, page, &out, error, sizeof error);
        if (r < 0) {
                buf_done(&out);
                log_error("Template %s in %s: %s", path, layout_path, error);
                return r;
        }
        text = buf_steal(&out, &len, &r);
        if (!text)
                return r;
        return parse_logged(path, text, len, ret);
}

int tmpl_load(const char *path, struct tmpl **ret) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_template(path, &text, &len);

        if (r < 0)
                return r;
        return parse_logged(path, text, len, ret);
}

void tmpl_free(struct tmpl *t) {
        if (!t)
                return;
        free(t->text);
        free(t->parts);
        free(t);
}

static const struct tmpl_var *var_of(const struct tmpl_var *vars, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(vars[i].name, name) == 0)
                        return &vars[i];
        return NULL;
}

int tmpl_render(const struct tmpl *t, const struct tmpl_var *vars, size_t n_vars, struct buf *out,
                size_t *slots, size_t *n_slots) {
        *n_slots = 0;
        for (size_t i = 0; i < t->n_parts; i++) {
                const struct part *p = &t->parts[i];
                const struct tmpl_var *v;

                if (!p->placeholder) {
                        buf_put(out, p->text, p->len);
                        continue;
                }
                v = var_of(vars, n_vars, p->name);
                if (!v)
                        return -ENOENT;
                if (p->raw != (v->kind == TMPL_HTML))
                        return -EINVAL;
                switch (v->kind) {
                case TMPL_HTML:
                        buf_puts(out, v->value ? v->value : "");
                        break;
                case TMPL_TEXT:
                        html_escape_str(out, v->value ? v->value : "");
                        break;
                case TMPL_SLOT:
                        if (*n_slots >= TMPL_SLOTS_MAX)
                                return -E2BIG;
                        slots[(*n_slots)++] = out->len;
                        break;
                }
        }
        return out->error;
}
