/* html.h - text into HTML.
 *
 * Pure code, unit-tested. Everything a page shows that came from outside
 * (a student's name, a grade's title, a service's URL, what a user typed)
 * goes through html_escape(), in element content and in quoted attribute
 * values alike. */
#pragma once

#include <stddef.h>

#include "basic/buf.h"

/* Append LEN bytes of S to B with & < > " ' as character references. C0
 * controls other than tab, LF and CR, and DEL, are not allowed in HTML text:
 * they become U+FFFD. S is expected to be UTF-8 (what jansson and the form
 * decoder hand us); other bytes pass unchanged. */
void html_escape(struct buf *b, const char *s, size_t len);
void html_escape_str(struct buf *b, const char *s);
