/* login.c - see login.h.
 *
 * POST /login: the form (its own double-submit CSRF cookie, csrf.h, since
 * there is no session yet), then the throttle: a client and name that
 * failed recently wait first, suspended on a timer of the loop. The
 * password is checked with crypt_r() (for an unknown name against a dummy
 * hash, so that the time does not tell which names exist); a failure is
 * answered only after the throttle's new delay, a success with a new
 * session and a 303 to the pages. */
#include "login.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <systemd/sd-event.h>

#include "basic/clock.h"
#include "basic/log.h"
#include "basic/macros.h"
#include "csrf.h"
#include "form.h"
#include "portal.h"

#define FORM_MEDIA_TYPE "application/x-www-form-urlencoded"
#define CSRF_HEADER "X-CSRF-Token"

struct login_wait {
        LIST_FIELDS(struct login_wait, waits);
        struct portal *p;
        struct http_request *req;
        sd_event_source *timer;
        bool checked;                   /* the password was checked: the timer only delays the answer */
        char key[THROTTLE_KEY_MAX + 1];
        char user[ACCOUNT_NAME_MAX * 2 + 1];
        char password[PASSWORD_MAX + 1];
        char token[CSRF_TOKEN_LEN + 1]; /* the login form's */
};

void login_init(struct login *l) {
        *l = (struct login) {
                .teachers.name = TEACHERS_FILE,
                .tokens.name = TOKENS_FILE,
                .idle = SESSION_IDLE_DEFAULT,
                .max = SESSION_MAX_DEFAULT,
        };
}

static bool same_file(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Read F again if it changed; true when its list changed. A file that
 * cannot be read keeps the list as it was (and is tried again later). */
static bool refresh_file(struct login *l, struct accounts_file *f) {
        _cleanup_free_ char *path = NULL;
        struct accounts fresh = { 0 };
        struct stat st;
        unsigned line;
        int r;

        if (asprintf(&path, "%s/%s", l->dir, f->name) < 0)
                return false;
        if (stat(path, &st) < 0) {
                if (errno != ENOENT || f->st.st_ino == 0)
                        return false;
                log_info("%s is gone: no %s", path, f->name);
                accounts_done(&f->accounts);
                f->st = (struct stat) { 0 };
                return true;
        }
        if (same_file(&st, &f->st))
                return false;
        r = accounts_load(path, &fresh, &line);
        if (r < 0) {
                accounts_done(&fresh);
                if (r == -EINVAL)
                        log_warning("%s, line %u: not NAME:HASH; kept the list as it was", path, line);
                else
                        log_warning_errno(r, "Cannot read %s; kept the list as it was", path);
                f->st = st;             /* not again until it changes */
                return false;
        }
        if (f == &l->tokens)
                for (size_t i = 0; i < fresh.n; i++)
                        if (!token_hash_valid(fresh.v[i].hash))
                                log_warning("%s: the token %s has no valid hash and is never accepted", path,
                                            fresh.v[i].name);
        accounts_done(&f->accounts);
        f->accounts = fresh;
        f->st = st;
        log_info("Read %s: %zu %s", path, f->accounts.n, f->name);
        return true;
}

static void refresh(struct login *l, bool now) {
        uint64_t t = now_usec(CLOCK_MONOTONIC);

        if (!now && l->checked && t < l->checked + USEC_PER_SEC)
                return;
        l->checked = t;
        if (refresh_file(l, &l->teachers)) {
                size_t ended = session_prune(&l->sessions, &l->teachers.accounts);
                if (ended > 0)
                        log_info("%zu sessions ended: their teacher was removed or has a new password", ended);
        }
        refresh_file(l, &l->tokens);
}

int login_setup(struct portal *p) {
        struct login *l = &p->login;
        const char *state = getenv("STATE_DIRECTORY");
        char random_password[33];
        int r;

        if (!l->dir && !(l->dir = strdup(state && *state && !strchr(state, ':') ? state : ACCOUNTS_DIR_DEFAULT)))
                return -ENOMEM;
        session_table_init(&l->sessions, l->idle, l->max);
        /* A hash no password matches, of the real kind and cost. */
        if (getrandom(random_password, sizeof random_password - 1, 0) != sizeof random_password - 1)
                return log_error_errno(-EIO, "Cannot make the dummy hash");
        for (size_t i = 0; i < sizeof random_password - 1; i++)
                random_password[i] = (char) ('a' + (unsigned char) random_password[i] % 26);
        random_password[sizeof random_password - 1] = '\0';
        r = password_hash(random_password, l->dummy_hash, sizeof l->dummy_hash);
        explicit_bzero(random_password, sizeof random_password);
        if (r < 0)
                return log_error_errno(r, "Cannot hash with yescrypt");
        refresh(l, true);
        if (l->teachers.accounts.n == 0)
                log_warning("No teachers in %s/%s: nobody can log in. Add one with: dgoctl teacher add NAME",
                            l->dir, TEACHERS_FILE);
        return 0;
}

static void wait_free(struct login_wait *w) {
        if (!w)
                return;
        LIST_REMOVE(waits, w->p->login.waits, w);
        sd_event_source_disable_unref(w->timer);
        explicit_bzero(w, sizeof *w);
        free(w);
}

void login_done(struct login *l) {
        struct login_wait *w, *n;

        LIST_FOREACH_SAFE(waits, w, n, l->waits) {
                (void) http_reply_error(w->req, 503, "the portal is stopping");
                http_request_resume(w->req);
                wait_free(w);
        }
        session_table_done(&l->sessions);
        throttle_done(&l->throttle);
        accounts_done(&l->teachers.accounts);
        accounts_done(&l->tokens.accounts);
        free(l->dir);
        l->dir = NULL;
}

struct session *portal_session(struct portal *p, struct http_request *req) {
        size_t len;
        const char *id = cookie_get(http_request_header(req, "Cookie"), SESSION_COOKIE, &len);

        if (!id)
                return NULL;
        refresh(&p->login, false);
        return session_get(&p->login.sessions, id, len, now_usec(CLOCK_MONOTONIC));
}

/* ---- the guards ---- */

int portal_page_guard(struct http_request *req, struct portal *p, http_handler_fn handler) {
        if (portal_session(p, req))
                return handler(req, p);
        /* A page or a form without a session: to the login page (a form's
         * content is lost; nothing was changed). */
        http_reply_header(req, "Cache-Control", "no-store");
        return http_reply_redirect(req, 303, "/login");
}

static bool token_known(const struct accounts *tokens, const char *hash) {
        bool ok = false;

        for (size_t i = 0; i < tokens->n; i++)
                if (token_hash_valid(tokens->v[i].hash) && secret_equal(tokens->v[i].hash, hash))
                        ok = true;
        return ok;
}

/* Does REQ carry one of the API tokens (Authorization: Bearer ...)? A
 * token not known is looked for again in the file as it is now: one that
 * dgoctl has just made works at once. */
static bool api_token_ok(struct portal *p, const char *authorization) {
        const char *t = authorization + strlen("Bearer ");
        char hash[TOKEN_HASH_LEN + 1];

        if (!token_valid(t, strlen(t)) || token_hash(t, strlen(t), hash) < 0)
                return false;
        refresh(&p->login, false);
        if (token_known(&p->login.tokens.accounts, hash))
                return true;
        refresh(&p->login, true);
        return token_known(&p->login.tokens.accounts, hash);
}

int portal_api_guard(struct http_request *req, struct portal *p, http_handler_fn handler) {
        const char *authorization = http_request_header(req, "Authorization"), *csrf;
        struct session *s;

        if (authorization) {
                if (strncasecmp(authorization, "Bearer ", 7) == 0 && api_token_ok(p, authorization))
                        return handler(req, p);
                http_reply_header(req, "WWW-Authenticate", "Bearer");
                return http_reply_error(req, 401, "the API token is not valid (dgoctl token list)");
        }
        s = portal_session(p, req);
        if (!s) {
                http_reply_header(req, "WWW-Authenticate", "Bearer");
                return http_reply_error(req, 401, "log in, or send an API token: Authorization: Bearer TOKEN "
                                                  "(dgoctl token add NAME)");
        }
        csrf = http_request_header(req, CSRF_HEADER);
        if (!csrf || !csrf_token_valid(csrf, strlen(csrf)) || !secret_equal(csrf, s->csrf))
                return http_reply_error(req, 403, "with a session, the API needs the session's " CSRF_HEADER
                                                  " header (the csrf field of the portal's forms)");
        return handler(req, p);
}

/* ---- the login page ---- */

/* The login form's token: the dgo_csrf cookie's, or a new one (*NEW_COOKIE). */
static int form_token(struct http_request *req, char token[CSRF_TOKEN_LEN + 1], bool *new_cookie) {
        *new_cookie = false;
        if (csrf_from_cookie(http_request_header(req, "Cookie"), token))
                return 0;
        *new_cookie = true;
        return csrf_token_new(token);
}

static int reply_login_page(struct portal *p, struct http_request *req, unsigned status, const char *token,
                            bool new_cookie, const char *error, const char *name) {
        struct page *pg = NULL;
        char cookie[CSRF_SET_COOKIE_MAX];
        size_t len;
        char *text;
        int r = view_login(&p->templates, error, name, &pg);

        if (r < 0)
                return r;
        text = page_fill(pg, token, strlen(token), &len);
        page_free(pg);
        if (!text)
                return -ENOMEM;
        r = http_reply_take(req, status, "text/html; charset=utf-8", text, len);
        if (r < 0)
                return r;
        if (new_cookie) {
                csrf_set_cookie(token, http_request_tls(req), cookie, sizeof cookie);
                http_reply_header(req, "Set-Cookie", cookie);
        }
        portal_page_headers(req);
        p->pages++;
        return 0;
}

int portal_handle_login_page(struct http_request *req, void *userdata) {
        struct portal *p = userdata;
        char token[CSRF_TOKEN_LEN + 1];
        bool new_cookie;
        int r;

        if (portal_session(p, req))
                return http_reply_redirect(req, 303, "/students");
        r = form_token(req, token, &new_cookie);
        if (r < 0)
                return log_error_errno(r, "Cannot make a CSRF token");
        return reply_login_page(p, req, 200, token, new_cookie, NULL, NULL);
}

/* A name as it may go into the journal: valid, or not shown. */
static const char *loggable(const char *user) {
        return account_name_valid(user) ? user : "(not a valid name)";
}

/* Check W's password; answer at once on success, else after the throttle's delay. */
static int attempt(struct login_wait *w);

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct login_wait *w = userdata;
        struct http_request *req = w->req;
        int r;

        w->timer = sd_event_source_disable_unref(w->timer);
        if (w->checked) {
                r = reply_login_page(w->p, req, 401, w->token, false, "Wrong name or password.", w->user);
                wait_free(w);
        } else {
                r = attempt(w);
                if (r == HTTP_LATER)
                        return 0;
        }
        if (r < 0)
                (void) http_reply_error(req, 500, "the login could not be answered");
        http_request_resume(req);
        return 0;
}

static int hold(struct login_wait *w, uint64_t usec) {
        int r = sd_event_add_time_relative(w->p->service.event, &w->timer, CLOCK_MONOTONIC, usec, 10 * USEC_PER_MSEC,
                                           on_timer, w);
        if (r < 0) {
                wait_free(w);
                return log_error_errno(r, "Cannot hold a login back");
        }
        return HTTP_LATER;
}

static int attempt(struct login_wait *w) {
        struct login *l = &w->p->login;
        struct http_request *req = w->req;
        const struct account *a = account_name_valid(w->user) ? accounts_find(&l->teachers.accounts, w->user) : NULL;
        bool ok = password_check(w->password, a ? a->hash : l->dummy_hash) && a;
        uint64_t now = now_usec(CLOCK_MONOTONIC), delay;
        char cookie[SESSION_SET_COOKIE_MAX];
        struct session *s;
        int r;

        explicit_bzero(w->password, sizeof w->password);
        w->checked = true;
        if (!ok) {
                delay = throttle_failed(&l->throttle, w->key, now);
                log_notice("Failed login as %s from %s; the next attempt waits %.1f s", loggable(w->user),
                           w->key + strlen(w->key) + 1, (double) delay / USEC_PER_SEC);
                return hold(w, delay);
        }
        throttle_succeeded(&l->throttle, w->key);
        r = session_new(&l->sessions, a->name, a->hash, now, &s);
        if (r < 0) {
                wait_free(w);
                return log_error_errno(r, "Cannot make a session");
        }
        session_set_cookie(s, http_request_tls(req), cookie, sizeof cookie);
        log_info("%s logged in from %s", a->name, w->key + strlen(w->key) + 1);
        wait_free(w);
        r = http_reply_redirect(req, 303, "/students");
        if (r >= 0) {
                http_reply_header(req, "Set-Cookie", cookie);
                http_reply_header(req, "Cache-Control", "no-store");
        }
        return r;
}

int portal_handle_login(struct http_request *req, void *userdata) {
        struct portal *p = userdata;
        struct login_wait *w;
        char media[64], csrf[CSRF_TOKEN_LEN + 8], token[CSRF_TOKEN_LEN + 1], peer[64];
        bool new_cookie;
        uint64_t wait;
        size_t len;
        const char *body;
        int r;

        http_request_media_type(req, media, sizeof media);
        if (form_token(req, token, &new_cookie) < 0)
                return -EIO;
        if (strcmp(media, FORM_MEDIA_TYPE) != 0)
                return reply_login_page(p, req, 415, token, new_cookie, "The login takes a form.", NULL);
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        struct form_field fields[] = {
                { "csrf", csrf, sizeof csrf, 0 },
                { "user", w->user, sizeof w->user, 0 },
                { "password", w->password, sizeof w->password, 0 },
        };
        body = http_request_body(req, &len);
        r = form_parse(body, len, fields, ELEMENTSOF(fields));
        if (r < 0 || fields[0].result < 0 || !csrf_check(http_request_header(req, "Cookie"), csrf,
                                                          (size_t) fields[0].result)) {
                explicit_bzero(w, sizeof *w);
                free(w);
                return reply_login_page(p, req, 403, token, new_cookie,
                                        "The form expired (or came from another site). Try again.", NULL);
        }
        if (fields[1].result <= 0 || fields[2].result <= 0) {
                r = reply_login_page(p, req, 400, token, new_cookie, "Give your name and password.",
                                     fields[1].result > 0 ? w->user : NULL);
                explicit_bzero(w, sizeof *w);
                free(w);
                return r;
        }
        w->p = p;
        w->req = req;
        memcpy(w->token, token, sizeof token);
        http_request_peer(req, peer, sizeof peer);
        /* The throttle's key: the name (at most 32 bytes kept), then the
         * address after the NUL, so that one client's failures on one name
         * slow that client and name. */
        snprintf(w->key, sizeof w->key, "%.32s", w->user);
        snprintf(w->key + strlen(w->key) + 1, sizeof w->key - strlen(w->key) - 1, "%s", peer);
        LIST_PREPEND(waits, p->login.waits, w);
        refresh(&p->login, true);               /* a teacher dgoctl has just added can log in */
        wait = throttle_wait(&p->login.throttle, w->key, now_usec(CLOCK_MONOTONIC));
        /* Both free W when they fail or have answered. */
        return wait > 0 ? hold(w, wait) : attempt(w);
}

int portal_handle_logout(struct http_request *req, void *userdata) {
        struct portal *p = userdata;
        struct session *s = portal_session(p, req);
        char csrf[CSRF_TOKEN_LEN + 8], cookie[SESSION_SET_COOKIE_MAX];
        struct form_field fields[] = { { "csrf", csrf, sizeof csrf, 0 } };
        size_t len;
        const char *body = http_request_body(req, &len);
        int r;

        if (!s)
                return http_reply_redirect(req, 303, "/login");
        if (form_parse(body, len, fields, ELEMENTSOF(fields)) < 0 || fields[0].result < 0 ||
            !secret_equal(csrf, s->csrf))
                return http_reply_error(req, 403, "the logout form did not carry this session's token");
        log_info("%s logged out", s->user);
        session_end(&p->login.sessions, s);
        session_set_cookie(NULL, http_request_tls(req), cookie, sizeof cookie);
        r = http_reply_redirect(req, 303, "/login");
        if (r >= 0) {
                http_reply_header(req, "Set-Cookie", cookie);
                http_reply_header(req, "Cache-Control", "no-store");
        }
        return r;
}
