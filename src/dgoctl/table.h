/* table.h - a text table in the manner of `systemctl list-units`.
 *
 * Pure code: cells are copied (control characters replaced by '?', so no
 * text from a service can reach the terminal as an escape sequence),
 * columns are as wide as their widest cell in UTF-8 characters, separated
 * by two spaces; the last column is not padded. Each cell may carry a
 * colour, used only when the table is formatted with colour on. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum table_color { TABLE_PLAIN, TABLE_GREEN, TABLE_RED, TABLE_YELLOW };

struct table;

/* HEADERS: N_COLUMNS strings. NULL on allocation failure. */
struct table *table_new(size_t n_columns, const char *const *headers);
void table_free(struct table *t);

/* Right-align COLUMN (numbers). */
void table_align_right(struct table *t, size_t column);

/* Append a row of n_columns cells; a NULL cell is shown as "-". COLORS may
 * be NULL (all plain). -ENOMEM on failure. */
int table_add_row(struct table *t, const char *const *cells, const enum table_color *colors);
size_t table_rows(const struct table *t);

/* The table as text, one line per row with '\n', the header first (bold
 * with COLOR). NULL on allocation failure; free() it. */
char *table_format(const struct table *t, bool color);

/* Characters (not bytes) in the UTF-8 string S. */
size_t utf8_width(const char *s);
