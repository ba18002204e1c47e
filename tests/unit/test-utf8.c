/* test-utf8.c - proves the UTF-8 check behind "not valid UTF-8" answers
 * accepts ASCII, two- to four-byte characters up to U+10FFFF and a NUL, and
 * refuses truncated and overlong sequences, surrogates, code points above
 * U+10FFFF, stray continuation bytes and 0xff. */
#include "check.h"
#include "basic/utf8.h"

#define V(s) utf8_valid(s, sizeof(s) - 1)

int main(void) {
        CHECK(V(""));
        CHECK(V("plain ascii"));
        CHECK(V("caf\xc3\xa9"));                        /* é */
        CHECK(V("\xe2\x82\xac"));                       /* € */
        CHECK(V("\xf0\x9f\x98\x80"));                   /* emoji */
        CHECK(V("\xf4\x8f\xbf\xbf"));                   /* U+10FFFF */
        CHECK(V("nul\0inside"));                        /* NUL is valid UTF-8 */

        CHECK(!V("\xc3"));                              /* truncated */
        CHECK(!V("\xe2\x82"));
        CHECK(!V("\xc0\xaf"));                          /* overlong '/' */
        CHECK(!V("\xe0\x80\xaf"));                      /* overlong */
        CHECK(!V("\xf0\x80\x80\xaf"));                  /* overlong */
        CHECK(!V("\xed\xa0\x80"));                      /* surrogate D800 */
        CHECK(!V("\xf4\x90\x80\x80"));                  /* above U+10FFFF */
        CHECK(!V("\xff"));
        CHECK(!V("\x80"));                              /* stray continuation */
        CHECK(!V("ok\xc3\x28"));                        /* bad continuation */
        return check_finish("utf8");
}
