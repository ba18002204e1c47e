/* test-portal-csrf.c - proves the portal's double-submit cookie (csrf.h)
 * refuses forged forms: new tokens are 32 lower-case hex digits and differ;
 * the dgo_csrf cookie is found anywhere in a Cookie header, but not under
 * another name, malformed or quoted, and only the first of its name counts;
 * a form passes only when its field equals the cookie's well-formed token
 * (not one digit off, not a prefix, not empty, not without a cookie); the
 * Set-Cookie is "Path=/; HttpOnly; SameSite=Strict". */
#include <string.h>

#include "check.h"
#include "portal/csrf.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

int main(void) {
        char a[CSRF_TOKEN_LEN + 1], b[CSRF_TOKEN_LEN + 1], t[CSRF_TOKEN_LEN + 1], cookie[CSRF_SET_COOKIE_MAX];

        /* new tokens: well-formed, and not the same twice */
        CHECK(csrf_token_new(a) == 0);
        CHECK(csrf_token_new(b) == 0);
        CHECK(strlen(a) == CSRF_TOKEN_LEN && csrf_token_valid(a, strlen(a)));
        CHECK(strcmp(a, b) != 0);

        CHECK(csrf_token_valid(TOKEN, 32));
        CHECK(!csrf_token_valid(TOKEN, 31));
        CHECK(!csrf_token_valid(TOKEN "0", 33));
        CHECK(!csrf_token_valid("0123456789ABCDEF0123456789abcdef", 32));    /* lower case only */
        CHECK(!csrf_token_valid("0123456789abcdeg0123456789abcdef", 32));
        CHECK(!csrf_token_valid("", 0));

        /* the cookie, wherever it is in the header */
        CHECK(csrf_from_cookie("dgo_csrf=" TOKEN, t) && strcmp(t, TOKEN) == 0);
        CHECK(csrf_from_cookie("a=1; dgo_csrf=" TOKEN "; b=2", t) && strcmp(t, TOKEN) == 0);
        CHECK(csrf_from_cookie("a=1;dgo_csrf=" TOKEN, t));
        CHECK(csrf_from_cookie("dgo_csrf=" TOKEN " ", t));
        CHECK(!csrf_from_cookie(NULL, t));
        CHECK(!csrf_from_cookie("", t));
        CHECK(!csrf_from_cookie("a=1; b=2", t));
        CHECK(!csrf_from_cookie("xdgo_csrf=" TOKEN, t));                      /* another name */
        CHECK(!csrf_from_cookie("dgo_csrfx=" TOKEN, t));
        CHECK(!csrf_from_cookie("dgo_csrf=" TOKEN "0", t));                   /* malformed */
        CHECK(!csrf_from_cookie("dgo_csrf=", t));
        CHECK(!csrf_from_cookie("dgo_csrf=\"" TOKEN "\"", t));
        /* the first of our name counts */
        CHECK(!csrf_from_cookie("dgo_csrf=bad; dgo_csrf=" TOKEN, t));

        /* the check: the form's field must equal the cookie's token */
        CHECK(csrf_check("dgo_csrf=" TOKEN, TOKEN, 32));
        CHECK(csrf_check("x=y; dgo_csrf=" TOKEN, TOKEN, 32));
        CHECK(!csrf_check("dgo_csrf=" TOKEN, "0123456789abcdef0123456789abcdee", 32));   /* one digit off */
        CHECK(!csrf_check("dgo_csrf=" TOKEN, "f123456789abcdef0123456789abcdef", 32));
        CHECK(!csrf_check("dgo_csrf=" TOKEN, TOKEN, 31));                    /* a prefix */
        CHECK(!csrf_check("dgo_csrf=" TOKEN, "", 0));                        /* no field */
        CHECK(!csrf_check(NULL, TOKEN, 32));                                 /* no cookie */
        CHECK(!csrf_check("other=" TOKEN, TOKEN, 32));
        CHECK(!csrf_check("dgo_csrf=", "", 0));                              /* both empty */
        CHECK(!csrf_check("dgo_csrf=abc", "abc", 3));                        /* equal, but malformed */

        csrf_set_cookie(TOKEN, false, cookie, sizeof cookie);
        CHECK_STR(cookie, "dgo_csrf=" TOKEN "; Path=/; HttpOnly; SameSite=Strict");
        csrf_set_cookie(TOKEN, true, cookie, sizeof cookie);                 /* over TLS */
        CHECK_STR(cookie, "dgo_csrf=" TOKEN "; Path=/; HttpOnly; SameSite=Strict; Secure");
        return check_finish("portal-csrf");
}
