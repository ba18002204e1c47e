/* listing.h - the student list, in pages.
 *
 * Pure code, unit-tested. A school's book (10,000 students) is no page: the
 * browser asks for /students?page=K&name=TEXT, and the portal asks the
 * grading service for that page only, with its paging extension:
 * GET /students?offset=N&limit=M&name=TEXT, the number of students that
 * match in the answer's X-Total-Count header.
 *
 * A grading service without the extension (one of the original protocol)
 * ignores the query and sends the whole book, without that header: the
 * portal then picks the page (and the matching names) out of it itself, so
 * the pages look the same either way. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "dgo/student.h"

#define LISTING_PAGE_SIZE 100
#define LISTING_PAGE_MAX 1000000UL      /* 10^8 students: far past any book */
#define LISTING_NAME_MAX GB_NAME_MAX    /* bytes of a search: the grading service's bound */
#define LISTING_URL_MAX 256             /* room for any path or link made here */

/* What the browser asked for, checked. */
struct listing_query {
        unsigned long page;                     /* 1 .. LISTING_PAGE_MAX */
        char name[LISTING_NAME_MAX + 1];        /* a part of "FirstName LastName"; "" for everyone */
};

/* Read the list's query from PAGE and NAME as the browser sent them (decoded;
 * NULL when absent). An empty value is no value: page 1, everyone. NAME
 * loses the white space at its ends; what is left must be valid UTF-8
 * without control characters, at most LISTING_NAME_MAX bytes. PAGE is
 * decimal digits, 1 to LISTING_PAGE_MAX. Returns 0; -EINVAL with a
 * sentence for people in ERROR. */
int listing_query_parse(const char *page, const char *name, struct listing_query *ret, char *error,
                        size_t error_size);

/* The grading service's path for Q's page:
 * "/students?offset=100&limit=100&name=Ada%20L". Also the key of the
 * page's cached fetch: one key per page and search. -ENOBUFS when SIZE is
 * too small. */
int listing_upstream_path(const struct listing_query *q, char *buf, size_t size);

/* The portal's own link to page PAGE of Q's list: "/students?page=2&name=Ada%20L"
 * (a URL, not yet HTML: escape it for an attribute). -ENOBUFS. */
int listing_page_url(const struct listing_query *q, unsigned long page, char *buf, size_t size);

/* The API gateway's GET /api/students?offset=N&limit=M&name=TEXT, passed on:
 * "/students?offset=N&limit=M&name=TEXT" with those of the three that are
 * given (non-NULL), each percent-encoded again, in that order; "/students"
 * with none. The grading service checks the values (and answers 400).
 * -E2BIG when a value is over LISTING_NAME_MAX bytes, -ENOBUFS. */
int listing_api_path(const char *offset, const char *limit, const char *name, char *buf, size_t size);

/* Where a page is in the list. */
struct listing {
        unsigned long page, pages;              /* page PAGE of PAGES; PAGES >= 1 */
        unsigned long long total;               /* students in the list (that match the search) */
        unsigned long long first, last;         /* positions shown (from 1), or 0 and 0: none */
};

/* The page from the grading service's ANSWER (the JSON) and its
 * X-Total-Count header TOTAL (NULL when it sent none: the whole book came).
 * Returns 0 with *ROWS (a new reference) the students to show, at most
 * LISTING_PAGE_SIZE, and *RET where they are; -ERANGE when Q's page is past
 * the last (RET->pages says which is the last); -EINVAL when the answer is
 * not a list or TOTAL not a number; -ENOMEM. */
int listing_read(const struct listing_query *q, const json_t *answer, const char *total, json_t **rows,
                 struct listing *ret);
