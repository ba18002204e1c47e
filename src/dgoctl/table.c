/* table.c - a text table in the manner of `systemctl list-units`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define ANSI_BOLD "\033[1m"
#define ANSI_RESET "\033[0m"

struct table {
        size_t n_columns, n_lines, lines_size;
        char **cells;                   /* n_lines * n_columns, line 0 the header */
        enum table_color *colors;       /* same shape */
        bool *right;                    /* per column */
};

static const char *const color_codes[] = {
        [TABLE_PLAIN] = "",
        [TABLE_GREEN] = "\033[32m",
        [TABLE_RED] = "\033[31m",
        [TABLE_YELLOW] = "\033[33m",
};

size_t utf8_width(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                if (((unsigned char) *s & 0xc0) != 0x80)
                        n++;
        return n;
}

/* A copy with every control character (C0 and DEL) replaced by '?'. */
static char *cell_dup(const char *s) {
        char *c = strdup(s ? s : "-");

        if (!c)
                return NULL;
        for (char *p = c; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = '?';
        return c;
}

static int table_append(struct table *t, const char *const *cells, const enum table_color *colors) {
        size_t base;

        if (t->n_lines == t->lines_size) {
                size_t size = t->lines_size ? t->lines_size * 2 : 8;
                char **c = realloc(t->cells, size * t->n_columns * sizeof *c);
                if (!c)
                        return -ENOMEM;
                t->cells = c;
                enum table_color *k = realloc(t->colors, size * t->n_columns * sizeof *k);
                if (!k)
                        return -ENOMEM;
                t->colors = k;
                t->lines_size = size;
        }
        base = t->n_lines * t->n_columns;
        for (size_t i = 0; i < t->n_columns; i++) {
                t->cells[base + i] = cell_dup(cells[i]);
                t->colors[base + i] = colors ? colors[i] : TABLE_PLAIN;
                if (!t->cells[base + i]) {
                        while (i-- > 0)
                                free(t->cells[base + i]);
                        return -ENOMEM;
                }
        }
        t->n_lines++;
        return 0;
}

struct table *table_new(size_t n_columns, const char *const *headers) {
        struct table *t;

        if (n_columns == 0)
                return NULL;
        t = calloc(1, sizeof *t);
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        t->right = calloc(n_columns, sizeof *t->right);
        if (!t->right || table_append(t, headers, NULL) < 0) {
                table_free(t);
                return NULL;
        }
        return t;
}

void table_free(struct table *t) {
        if (!t)
                return;
        if (t->cells)
                for (size_t i = 0; i < t->n_lines * t->n_columns; i++)
                        free(t->cells[i]);
        free(t->cells);
        free(t->colors);
        free(t->right);
        free(t);
}

void table_align_right(struct table *t, size_t column) {
        if (column < t->n_columns)
                t->right[column] = true;
}

int table_add_row(struct table *t, const char *const *cells, const enum table_color *colors) {
        return table_append(t, cells, colors);
}

size_t table_rows(const struct table *t) {
        return t->n_lines - 1;
}

char *table_format(const struct table *t, bool color) {
        size_t *width = calloc(t->n_columns, sizeof *width), size = 0;
        char *text = NULL;
        FILE *f;

        if (!width)
                return NULL;
        for (size_t row = 0; row < t->n_lines; row++)
                for (size_t col = 0; col < t->n_columns; col++) {
                        size_t w = utf8_width(t->cells[row * t->n_columns + col]);
                        if (w > width[col])
                                width[col] = w;
                }
        f = open_memstream(&text, &size);
        if (!f) {
                free(width);
                return NULL;
        }
        for (size_t row = 0; row < t->n_lines; row++) {
                if (color && row == 0)
                        fputs(ANSI_BOLD, f);
                for (size_t col = 0; col < t->n_columns; col++) {
                        const char *cell = t->cells[row * t->n_columns + col];
                        enum table_color c = t->colors[row * t->n_columns + col];
                        size_t pad = width[col] - utf8_width(cell);
                        bool last = col + 1 == t->n_columns;

                        if (col > 0)
                                fputs("  ", f);
                        if (t->right[col])
                                fprintf(f, "%*s", (int) pad, "");
                        if (color && c != TABLE_PLAIN)
                                fprintf(f, "%s%s" ANSI_RESET, color_codes[c], cell);
                        else
                                fputs(cell, f);
                        if (!t->right[col] && !last)
                                fprintf(f, "%*s", (int) pad, "");
                }
                if (color && row == 0)
                        fputs(ANSI_RESET, f);
                fputc('\n', f);
        }
        free(width);
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}
