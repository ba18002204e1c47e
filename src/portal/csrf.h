/* csrf.h - the double-submit cookie against cross-site form posts.
 *
 * Every page makes sure its visitor has a dgo_csrf cookie (a random token,
 * HttpOnly, SameSite=Strict) and puts the same token in the hidden "csrf"
 * field of its forms. A POST counts only when its field equals its cookie:
 * another site can make a browser send the cookie, but cannot read it to
 * put it in the form. Pure code but for csrf_token_new(); unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CSRF_COOKIE "dgo_csrf"
#define CSRF_FIELD "csrf"
#define CSRF_TOKEN_LEN 32               /* hex digits: 128 random bits */
#define CSRF_SET_COOKIE_MAX 96

/* A new token from getrandom(): CSRF_TOKEN_LEN lower-case hex digits. */
int csrf_token_new(char token[CSRF_TOKEN_LEN + 1]);
/* Exactly CSRF_TOKEN_LEN lower-case hex digits? */
bool csrf_token_valid(const char *s, size_t len);
/* The token of the dgo_csrf cookie in HEADER (a Cookie: header, may be
 * NULL) into TOKEN; false when there is none or it is malformed. */
bool csrf_from_cookie(const char *header, char token[CSRF_TOKEN_LEN + 1]);
/* Does a form's csrf FIELD (LEN bytes) match the cookie in COOKIE_HEADER?
 * Both must be well-formed; compared in constant time. */
bool csrf_check(const char *cookie_header, const char *field, size_t len);
/* The Set-Cookie: value for TOKEN; SECURE: served over TLS, so the browser
 * sends it back over TLS only. */
void csrf_set_cookie(const char *token, bool secure, char *buf, size_t size);
