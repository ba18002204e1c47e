/* The student list in pages (listing.h): what the browser may ask for and
 * what it gets told when the page number or the search is bad; the path
 * asked of the grading service (its paging extension, the search
 * percent-encoded), the API gateway's paging query passed on, and the
 * portal's links to other pages; and which students a page shows, from a
 * paged answer with X-Total-Count and from a whole book (a grading service
 * without the extension), with the search matched as the grading service
 * does (ASCII case-insensitive, a part of "FirstName LastName"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"
#include "check.h"
#include "portal/listing.h"

static struct listing_query q;
static char error[256];

static int parse(const char *page, const char *name) {
        error[0] = '\0';
        memset(&q, 0xaa, sizeof q);
        return listing_query_parse(page, name, &q, error, sizeof error);
}

static void test_parse(void) {
        char long_name[LISTING_NAME_MAX + 2];

        CHECK(parse(NULL, NULL) == 0 && q.page == 1);
        CHECK_STR(q.name, "");
        CHECK(parse("", "") == 0 && q.page == 1);               /* an empty box is no search */
        CHECK_STR(q.name, "");
        CHECK(parse("3", "Carter") == 0 && q.page == 3);
        CHECK_STR(q.name, "Carter");
        CHECK(parse("007", NULL) == 0 && q.page == 7);
        CHECK(parse("1000000", NULL) == 0 && q.page == LISTING_PAGE_MAX);
        CHECK(parse(NULL, "  Nick Carter \t") == 0);            /* the ends' spaces go, the inner one stays */
        CHECK_STR(q.name, "Nick Carter");
        CHECK(parse(NULL, "   ") == 0);
        CHECK_STR(q.name, "");
        CHECK(parse(NULL, "Ren\xc3\xa9") == 0);
        CHECK_STR(q.name, "Ren\xc3\xa9");

        /* bad page numbers: a sentence, and nothing asked of anyone */
        static const char *const bad_pages[] = { "0", "-1", "+2", "1.5", "2x", " 2", "1000001",
                                                  "99999999999999999999999", "two" };
        for (size_t i = 0; i < ELEMENTSOF(bad_pages); i++) {
                CHECK(parse(bad_pages[i], NULL) == -EINVAL);
                CHECK_STR(error, "The page number must be a whole number from 1 to 1000000.");
        }

        memset(long_name, 'a', LISTING_NAME_MAX);
        long_name[LISTING_NAME_MAX] = '\0';
        CHECK(parse(NULL, long_name) == 0 && strlen(q.name) == LISTING_NAME_MAX);
        long_name[LISTING_NAME_MAX] = 'a';
        long_name[LISTING_NAME_MAX + 1] = '\0';
        CHECK(parse(NULL, long_name) == -EINVAL);
        CHECK(strstr(error, "too long: at most 64 bytes") != NULL);
        CHECK(parse(NULL, "a\x01" "b") == -EINVAL);
        CHECK(strstr(error, "control character") != NULL);
        CHECK(parse(NULL, "a\x7f") == -EINVAL);
        CHECK(parse(NULL, "\xc3") == -EINVAL);                   /* cut UTF-8 */
        CHECK(strstr(error, "UTF-8") != NULL);
        CHECK(parse(NULL, "\xc0\xaf") == -EINVAL);               /* overlong */
}

static void test_paths(void) {
        char buf[LISTING_URL_MAX];

        CHECK(parse(NULL, NULL) == 0);
        CHECK(listing_upstream_path(&q, buf, sizeof buf) == 0);
        CHECK_STR(buf, "/students?offset=0&limit=100");
        CHECK(listing_page_url(&q, 2, buf, sizeof buf) == 0);
        CHECK_STR(buf, "/students?page=2");

        CHECK(parse("3", "Ada L") == 0);
        CHECK(listing_upstream_path(&q, buf, sizeof buf) == 0);
        CHECK_STR(buf, "/students?offset=200&limit=100&name=Ada%20L");
        CHECK(listing_page_url(&q, 4, buf, sizeof buf) == 0);
        CHECK_STR(buf, "/students?page=4&name=Ada%20L");

        /* Whatever the search holds stays inside its one parameter. */
        CHECK(parse("1000000", "a&limit=5#x?y=%+/\"<\xc3\xa9~_.-") == 0);
        CHECK(listing_upstream_path(&q, buf, sizeof buf) == 0);
        CHECK_STR(buf, "/students?offset=99999900&limit=100&name=a%26limit%3D5%23x%3Fy%3D%25%2B%2F%22%3C%C3%A9~_.-");

        /* The longest search, all of it encoded, fits. */
        char worst[LISTING_NAME_MAX + 1];
        memset(worst, '&', LISTING_NAME_MAX);
        worst[LISTING_NAME_MAX] = '\0';
        CHECK(parse("1000000", worst) == 0);
        CHECK(listing_upstream_path(&q, buf, sizeof buf) == 0);
        CHECK(strlen(buf) == strlen("/students?offset=99999900&limit=100&name=") + 3 * LISTING_NAME_MAX);
        CHECK(listing_page_url(&q, LISTING_PAGE_MAX, buf, sizeof buf) == 0);

        /* The API gateway passes the paging query on, re-encoded. */
        CHECK(listing_api_path(NULL, NULL, NULL, buf, sizeof buf) == 0);
        CHECK_STR(buf, "/students");
        CHECK(listing_api_path("200", "50", NULL, buf, sizeof buf) == 0);
        CHECK_STR(buf, "/students?offset=200&limit=50");
        CHECK(listing_api_path(NULL, NULL, "Ada L&x=1", buf, sizeof buf) == 0);
        CHECK_STR(buf, "/students?name=Ada%20L%26x%3D1");
        CHECK(listing_api_path("-1", "", "", buf, sizeof buf) == 0);   /* the grading service's to refuse */
        CHECK_STR(buf, "/students?offset=-1&limit=&name=");
        CHECK(listing_api_path(NULL, worst, NULL, buf, sizeof buf) == 0);
        char longer[LISTING_NAME_MAX + 2];
        memset(longer, '1', sizeof longer - 1);
        longer[sizeof longer - 1] = '\0';
        CHECK(listing_api_path(longer, NULL, NULL, buf, sizeof buf) == -E2BIG);
        CHECK(listing_api_path(NULL, NULL, longer, buf, sizeof buf) == -E2BIG);

        /* Too small a buffer says so, and writes no more than it has. */
        char small[12];
        memset(small, 'z', sizeof small);
        CHECK(listing_upstream_path(&q, small, 10) == -ENOBUFS);
        CHECK(small[10] == 'z' && small[11] == 'z');
}

/* [{"ID":FROM,...}, ... {"ID":TO-1}] with "FirstName":"F<ID>","LastName":"L<ID>". */
static json_t *students(int from, int to) {
        json_t *a = json_array();

        for (int i = from; i < to; i++) {
                char first[16], last[16];
                snprintf(first, sizeof first, "F%d", i);
                snprintf(last, sizeof last, "L%d", i);
                json_array_append_new(a, json_pack("{s:i,s:s,s:s,s:[]}", "ID", i, "FirstName", first, "LastName",
                                                   last, "Grades"));
        }
        return a;
}

static int first_id(const json_t *rows) {
        return (int) json_integer_value(json_object_get(json_array_get(rows, 0), "ID"));
}

static int last_id(const json_t *rows) {
        return (int) json_integer_value(json_object_get(json_array_get(rows, json_array_size(rows) - 1), "ID"));
}

static void test_read_paged(void) {
        struct listing l;
        json_t *answer, *rows = NULL;

        /* page 2 of 250: what the grading service sent, and where it is */
        CHECK(parse("2", NULL) == 0);
        answer = students(101, 201);
        CHECK(listing_read(&q, answer, "250", &rows, &l) == 0);
        CHECK(json_array_size(rows) == 100 && first_id(rows) == 101 && last_id(rows) == 200);
        CHECK(l.page == 2 && l.pages == 3 && l.total == 250 && l.first == 101 && l.last == 200);
        json_decref(rows);
        json_decref(answer);

        /* the last page, 50 of them */
        CHECK(parse("3", NULL) == 0);
        answer = students(201, 251);
        CHECK(listing_read(&q, answer, "250", &rows, &l) == 0);
        CHECK(json_array_size(rows) == 50 && l.first == 201 && l.last == 250 && l.pages == 3);
        json_decref(rows);
        json_decref(answer);

        /* past the last page: which one is the last */
        CHECK(parse("4", NULL) == 0);
        answer = json_array();
        CHECK(listing_read(&q, answer, "250", &rows, &l) == -ERANGE);
        CHECK(l.pages == 3);
        CHECK(listing_read(&q, answer, "300", &rows, &l) == -ERANGE);   /* exactly 3 pages */
        CHECK(listing_read(&q, answer, "301", &rows, &l) == 0);         /* 4 pages; the page is empty */
        CHECK(json_array_size(rows) == 0 && l.first == 0 && l.last == 0 && l.pages == 4);
        json_decref(rows);

        /* nobody (matches): page 1 of 1, empty; page 2 is past it */
        CHECK(parse("1", "nobody") == 0);
        CHECK(listing_read(&q, answer, "0", &rows, &l) == 0);
        CHECK(l.total == 0 && l.pages == 1 && l.first == 0 && json_array_size(rows) == 0);
        json_decref(rows);
        CHECK(parse("2", "nobody") == 0);
        CHECK(listing_read(&q, answer, "0", &rows, &l) == -ERANGE && l.pages == 1);
        json_decref(answer);

        /* more than a page in a paged answer: a page is shown, no more */
        CHECK(parse("1", NULL) == 0);
        answer = students(1, 151);
        CHECK(listing_read(&q, answer, "150", &rows, &l) == 0);
        CHECK(json_array_size(rows) == 100 && l.last == 100 && l.pages == 2);
        json_decref(rows);

        /* answers the page cannot be made of */
        static const char *const bad_totals[] = { "", "x", "-1", "12a", "1 2", "99999999999999999999999" };
        for (size_t i = 0; i < ELEMENTSOF(bad_totals); i++)
                CHECK(listing_read(&q, answer, bad_totals[i], &rows, &l) == -EINVAL);
        CHECK(listing_read(&q, answer, " 150 ", &rows, &l) == 0);      /* spaces around a header value */
        json_decref(rows);
        json_decref(answer);
        answer = json_pack("{s:s}", "error", "x");
        CHECK(listing_read(&q, answer, "1", &rows, &l) == -EINVAL);
        CHECK(listing_read(&q, NULL, NULL, &rows, &l) == -EINVAL);
        json_decref(answer);
}

static void test_read_whole_book(void) {
        struct listing l;
        json_t *book = students(1, 251), *rows = NULL;

        /* No X-Total-Count: the whole book came; the portal picks the page. */
        CHECK(parse("3", NULL) == 0);
        CHECK(listing_read(&q, book, NULL, &rows, &l) == 0);
        CHECK(json_array_size(rows) == 50 && first_id(rows) == 201 && last_id(rows) == 250);
        CHECK(l.total == 250 && l.pages == 3 && l.first == 201 && l.last == 250);
        json_decref(rows);
        CHECK(parse("4", NULL) == 0);
        CHECK(listing_read(&q, book, NULL, &rows, &l) == -ERANGE && l.pages == 3);

        /* The search, as the grading service does it: a part of "First Last",
         * ASCII letters in any case. "F12" is in F12, F120..F129: 11. */
        CHECK(parse("1", "f12") == 0);
        CHECK(listing_read(&q, book, NULL, &rows, &l) == 0);
        CHECK(json_array_size(rows) == 11 && l.total == 11 && first_id(rows) == 12 && last_id(rows) == 129);
        json_decref(rows);
        CHECK(parse("1", "F7 l7") == 0);                        /* across the space */
        CHECK(listing_read(&q, book, NULL, &rows, &l) == 0);
        CHECK(l.total == 1 && first_id(rows) == 7);
        json_decref(rows);
        CHECK(parse("1", "7 L") == 0);                          /* F7, F17, ..., F247 */
        CHECK(listing_read(&q, book, NULL, &rows, &l) == 0);
        CHECK(l.total == 25);
        json_decref(rows);
        CHECK(parse("1", "F7L7") == 0);
        CHECK(listing_read(&q, book, NULL, &rows, &l) == 0);
        CHECK(l.total == 0 && json_array_size(rows) == 0);
        json_decref(rows);
        json_decref(book);

        /* non-ASCII letters match as bytes only: no case folding there */
        book = json_loads("[{\"ID\":1,\"FirstName\":\"Ren\xc3\xa9\",\"LastName\":\"\xc3\x89lise\"},"
                          "{\"ID\":2,\"FirstName\":\"x\"},{\"ID\":3}]", 0, NULL);
        CHECK(parse("1", "REN\xc3\xa9 \xc3\x89") == 0);
        CHECK(listing_read(&q, book, NULL, &rows, &l) == 0);
        CHECK(l.total == 1 && first_id(rows) == 1);
        json_decref(rows);
        CHECK(parse("1", "\xc3\xa9lise") == 0);
        CHECK(listing_read(&q, book, NULL, &rows, &l) == 0);
        CHECK(l.total == 0);
        json_decref(rows);
        CHECK(parse("1", "X") == 0);                            /* no LastName: "x " */
        CHECK(listing_read(&q, book, NULL, &rows, &l) == 0);
        CHECK(l.total == 1 && first_id(rows) == 2);
        json_decref(rows);
        json_decref(book);
}

int main(void) {
        test_parse();
        test_paths();
        test_read_paged();
        test_read_whole_book();
        return check_finish("portal-listing");
}
