/* login.h - teachers log in: the login page, sessions, logout, and the
 * guards in front of every page and of the API.
 *
 * The teachers and API tokens are the files dgoctl writes in the portal's
 * state directory (dgo/accounts.h); the portal reads them at start and again
 * when they change (looked at, at most once a second, when a login or an
 * API token needs them). Sessions live in memory (session.h): a restart
 * logs everyone out. docs/security.md, "Teachers and sessions". */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "basic/list.h"
#include "dgo/accounts.h"
#include "http/http.h"
#include "session.h"
#include "throttle.h"

struct portal;
struct login_wait;

struct accounts_file {
        const char *name;               /* TEACHERS_FILE, TOKENS_FILE */
        struct accounts accounts;
        struct stat st;                 /* as last read; st_ino 0: none */
};

struct login {
        char *dir;                      /* the accounts' directory */
        struct accounts_file teachers, tokens;
        uint64_t checked;               /* when the files were last looked at (usec) */
        char dummy_hash[ACCOUNT_HASH_MAX + 1];  /* checked for unknown names: the same time */
        struct session_table sessions;
        struct throttle throttle;
        uint64_t idle, max;             /* session expiry (usec) */
        struct login_wait *waits;       /* logins held back by the throttle */
};

/* Defaults before the options. */
void login_init(struct login *l);
/* Read the accounts (from DIR, default $STATE_DIRECTORY or ACCOUNTS_DIR_DEFAULT). */
int login_setup(struct portal *p);
/* Answer held-back logins (503) and free everything. Before the server closes. */
void login_done(struct login *l);

/* The live session of REQ (its dgo_session cookie), or NULL. */
struct session *portal_session(struct portal *p, struct http_request *req);

/* The guards: HANDLER runs only for a request with a session (pages:
 * otherwise a 303 to /login), or for the API with a session and its
 * X-CSRF-Token header, or an API token (otherwise 401 or 403). */
int portal_page_guard(struct http_request *req, struct portal *p, http_handler_fn handler);
int portal_api_guard(struct http_request *req, struct portal *p, http_handler_fn handler);

/* GET /login, POST /login, POST /logout. */
int portal_handle_login_page(struct http_request *req, void *userdata);
int portal_handle_login(struct http_request *req, void *userdata);
int portal_handle_logout(struct http_request *req, void *userdata);
