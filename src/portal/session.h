/* session.h - teachers' sessions: who is logged in, until when, and the
 * CSRF token of each session.
 *
 * A session is made at login: an ID of 256 random bits (getrandom(), 64
 * hex digits, the dgo_session cookie: HttpOnly, SameSite=Strict, Secure
 * over TLS) and a CSRF token of its own (the synchronizer token: every form
 * and every API call with the cookie must carry it, and another site can
 * neither read nor plant it). It ends at logout, after IDLE without a
 * request, after MAX from the login, or when the teacher's account is
 * removed or its password changed. Pure code but for the random bytes;
 * times are passed in; unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csrf.h"
#include "dgo/accounts.h"

#define SESSION_COOKIE "dgo_session"
#define SESSION_ID_LEN 64               /* hex digits: 256 random bits */
#define SESSIONS_MAX 4096               /* beyond: the least recently used ends */
#define SESSION_IDLE_DEFAULT (30 * 60 * UINT64_C(1000000))
#define SESSION_MAX_DEFAULT (12 * 3600 * UINT64_C(1000000))
#define SESSION_SET_COOKIE_MAX 160

struct session {
        char id[SESSION_ID_LEN + 1];
        char user[ACCOUNT_NAME_MAX + 1];
        char csrf[CSRF_TOKEN_LEN + 1];
        uint64_t hash_print;            /* of the password hash at login */
        uint64_t created, used;         /* usec, CLOCK_MONOTONIC */
};

struct session_table {
        struct session *v;
        size_t n, n_alloc;
        uint64_t idle, max;             /* usec */
};

void session_table_init(struct session_table *t, uint64_t idle, uint64_t max);
void session_table_done(struct session_table *t);

/* A fingerprint of a password hash: a session ends when it changes. */
uint64_t session_hash_print(const char *hash);

/* A new session for USER (whose password hash is HASH) at NOW. The
 * returned pointer is valid until the table next changes. */
int session_new(struct session_table *t, const char *user, const char *hash, uint64_t now, struct session **ret);
/* The live session with ID (LEN bytes, compared in constant time), its
 * last use set to NOW; NULL when none (an expired one is removed). */
struct session *session_get(struct session_table *t, const char *id, size_t len, uint64_t now);
void session_end(struct session_table *t, struct session *s);
/* End every session that has expired at NOW. */
void session_expire(struct session_table *t, uint64_t now);
/* End every session whose teacher is no longer in TEACHERS, or whose
 * password changed. Returns how many ended. */
size_t session_prune(struct session_table *t, const struct accounts *teachers);

/* The value of cookie NAME in a Cookie: HEADER (may be NULL), the first of
 * that name, as a pointer into HEADER and its length; NULL when none. */
const char *cookie_get(const char *header, const char *name, size_t *len);
/* The Set-Cookie: value for S (NULL: one that deletes the cookie). */
void session_set_cookie(const struct session *s, bool secure, char *buf, size_t size);
