/* test-portal-session.c - proves the portal's sessions (session.h) and
 * login throttle (throttle.h): a new session has a 64-hex-digit ID and a
 * CSRF token of its own, both different for every session; it is found by
 * its ID only (not a prefix, not another), and then not after its idle
 * time without a request, nor after its maximum age however busy, nor
 * after it ended; using it moves its idle expiry; pruning against the
 * teachers ends the sessions of a removed teacher and of one whose hash
 * changed; at SESSIONS_MAX the least recently used goes; the cookie is
 * found in a Cookie header and set HttpOnly, SameSite=Strict, Secure only
 * over TLS, and deleted with Max-Age=0. The throttle: no wait before a
 * failure; after failures 0.5 s, 1 s, 2 s ... up to 30 s, for that key
 * only; a success clears it; forgotten after 15 minutes. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "portal/session.h"
#include "portal/throttle.h"

#define S UINT64_C(1000000)

int main(void) {
        struct session_table t;
        struct session *a, *b, *s;
        struct accounts teachers = { 0 };
        struct throttle th = { 0 };
        char id_a[SESSION_ID_LEN + 1], id_b[SESSION_ID_LEN + 1], csrf_a[CSRF_TOKEN_LEN + 1], cookie[SESSION_SET_COOKIE_MAX];
        const char *v;
        size_t len;
        uint64_t now = 1000 * S;

        session_table_init(&t, 30 * S, 600 * S);
        CHECK(session_new(&t, "alice", "$y$h1", now, &a) == 0);
        memcpy(id_a, a->id, sizeof id_a);
        memcpy(csrf_a, a->csrf, sizeof csrf_a);
        CHECK(strlen(id_a) == SESSION_ID_LEN && strspn(id_a, "0123456789abcdef") == SESSION_ID_LEN);
        CHECK(csrf_token_valid(csrf_a, strlen(csrf_a)));
        CHECK(session_new(&t, "bob", "$y$h2", now, &b) == 0);
        memcpy(id_b, b->id, sizeof id_b);
        CHECK(strcmp(id_a, id_b) != 0);
        CHECK(strcmp(csrf_a, b->csrf) != 0);

        /* found by the whole ID only */
        s = session_get(&t, id_a, SESSION_ID_LEN, now + S);
        CHECK(s && strcmp(s->user, "alice") == 0 && strcmp(s->csrf, csrf_a) == 0);
        CHECK(!session_get(&t, id_a, SESSION_ID_LEN - 1, now + S));
        id_a[0] = id_a[0] == '0' ? '1' : '0';
        CHECK(!session_get(&t, id_a, SESSION_ID_LEN, now + S));
        id_a[0] = s->id[0];

        /* idle: used at +20 s, so alive at +45 s, gone at +80 s */
        CHECK(session_get(&t, id_a, SESSION_ID_LEN, now + 20 * S));
        CHECK(session_get(&t, id_a, SESSION_ID_LEN, now + 45 * S));
        CHECK(!session_get(&t, id_b, SESSION_ID_LEN, now + 45 * S));   /* bob idle since now */
        CHECK(t.n == 1);
        CHECK(!session_get(&t, id_a, SESSION_ID_LEN, now + 80 * S));
        CHECK(t.n == 0);

        /* maximum age, however busy */
        CHECK(session_new(&t, "alice", "$y$h1", now, &a) == 0);
        memcpy(id_a, a->id, sizeof id_a);
        for (uint64_t at = now + 20 * S; at < now + 600 * S; at += 20 * S)
                CHECK(session_get(&t, id_a, SESSION_ID_LEN, at));
        CHECK(!session_get(&t, id_a, SESSION_ID_LEN, now + 600 * S));

        /* logout */
        CHECK(session_new(&t, "alice", "$y$h1", now, &a) == 0);
        memcpy(id_a, a->id, sizeof id_a);
        session_end(&t, a);
        CHECK(!session_get(&t, id_a, SESSION_ID_LEN, now));

        /* pruned: bob removed, carol's password changed, alice kept */
        CHECK(session_new(&t, "alice", "$y$h1", now, &a) == 0);
        memcpy(id_a, a->id, sizeof id_a);
        CHECK(session_new(&t, "bob", "$y$h2", now, &b) == 0);
        CHECK(session_new(&t, "carol", "$y$h3", now, &s) == 0);
        CHECK(accounts_set(&teachers, "alice", "$y$h1") == 0);
        CHECK(accounts_set(&teachers, "carol", "$y$h3new") == 0);
        CHECK(session_prune(&t, &teachers) == 2);
        CHECK(t.n == 1 && session_get(&t, id_a, SESSION_ID_LEN, now));
        accounts_done(&teachers);

        /* the table is bounded: the least recently used goes */
        for (unsigned i = 0; i < SESSIONS_MAX; i++)
                CHECK(session_new(&t, "x", "$y$h", now + 1 + i, &s) == 0);
        CHECK(t.n == SESSIONS_MAX);
        CHECK(!session_get(&t, id_a, SESSION_ID_LEN, now + SESSIONS_MAX));
        session_table_done(&t);

        /* cookies */
        v = cookie_get("a=1; dgo_session=abc; b=2", SESSION_COOKIE, &len);
        CHECK(v && len == 3 && strncmp(v, "abc", 3) == 0);
        CHECK(!cookie_get("xdgo_session=abc", SESSION_COOKIE, &len));
        CHECK(!cookie_get("dgo_sessionx=abc", SESSION_COOKIE, &len));
        CHECK(!cookie_get(NULL, SESSION_COOKIE, &len));
        v = cookie_get("dgo_session=first; dgo_session=second", SESSION_COOKIE, &len);
        CHECK(v && len == 5);
        session_table_init(&t, 30 * S, 600 * S);
        CHECK(session_new(&t, "alice", "$y$h1", now, &a) == 0);
        session_set_cookie(a, false, cookie, sizeof cookie);
        CHECK(strncmp(cookie, "dgo_session=", 12) == 0 && strncmp(cookie + 12, a->id, SESSION_ID_LEN) == 0);
        CHECK(strstr(cookie, "; HttpOnly") && strstr(cookie, "; SameSite=Strict") && !strstr(cookie, "Secure"));
        session_set_cookie(a, true, cookie, sizeof cookie);
        CHECK(strstr(cookie, "; Secure"));
        session_set_cookie(NULL, false, cookie, sizeof cookie);
        CHECK_STR(cookie, "dgo_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        session_table_done(&t);

        /* the throttle */
        CHECK(throttle_delay(0) == 0);
        CHECK(throttle_delay(1) == S / 2);
        CHECK(throttle_delay(2) == S);
        CHECK(throttle_delay(3) == 2 * S);
        CHECK(throttle_delay(20) == THROTTLE_DELAY_MAX);
        CHECK(throttle_wait(&th, "alice\n127.0.0.1", now) == 0);
        CHECK(throttle_failed(&th, "alice\n127.0.0.1", now) == S / 2);
        CHECK(throttle_wait(&th, "alice\n127.0.0.1", now) == S / 2);
        CHECK(throttle_wait(&th, "alice\n127.0.0.1", now + S / 4) == S / 4);
        CHECK(throttle_wait(&th, "alice\n127.0.0.2", now) == 0);
        CHECK(throttle_wait(&th, "bob\n127.0.0.1", now) == 0);
        CHECK(throttle_failed(&th, "alice\n127.0.0.1", now + S) == S);
        CHECK(throttle_failed(&th, "alice\n127.0.0.1", now + 2 * S) == 2 * S);
        CHECK(throttle_wait(&th, "alice\n127.0.0.1", now + 3 * S) == S);
        throttle_succeeded(&th, "alice\n127.0.0.1");
        CHECK(throttle_wait(&th, "alice\n127.0.0.1", now + 3 * S) == 0);
        CHECK(throttle_failed(&th, "alice\n127.0.0.1", now + 3 * S) == S / 2);  /* from the start again */
        CHECK(throttle_failed(&th, "bob\n127.0.0.1", now) == S / 2);
        CHECK(throttle_failed(&th, "bob\n127.0.0.1", now + S) == S);
        CHECK(throttle_failed(&th, "bob\n127.0.0.1", now + THROTTLE_FORGET + 2 * S) == S / 2);  /* forgotten */
        throttle_done(&th);
        return check_finish("test-portal-session");
}
