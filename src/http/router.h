/* router.h - match an HTTP method and path against a table of routes.
 *
 * Pure code (no I/O), so it is unit-tested on its own. A pattern is a path
 * whose segments are literal text or "{}", which matches one non-empty
 * segment and captures it: "/students/{}/grades". */
#pragma once

#include <stddef.h>

#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_MAX 128          /* longest captured segment, with NUL */

struct http_request;
typedef int (*http_handler_fn)(struct http_request *req, void *userdata);

struct http_route {
        const char *method;          /* "GET", "POST", "DELETE", ... */
        const char *pattern;
        http_handler_fn handler;
        size_t max_body;             /* bytes; 0 means the server default */
        unsigned flags;              /* HTTP_ROUTE_*: body types taken besides JSON (web_policy.h) */
};

/* An anonymous POST, PUT, PATCH or DELETE with a body must say its body is
 * application/json; a route may take these too (only where the original's
 * clients send them: the Origin and Host rules then keep web pages out). */
#define HTTP_ROUTE_TEXT 1u           /* text/plain */
#define HTTP_ROUTE_FORM 2u           /* application/x-www-form-urlencoded (the portal's HTML forms) */

struct route_params {
        unsigned n;
        char value[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
};

enum route_result {
        ROUTE_FOUND,
        ROUTE_NOT_FOUND,             /* no pattern matches the path: 404 */
        ROUTE_METHOD_NOT_ALLOWED,    /* the path matches, the method does not: 405 */
};

/* Find the route for METHOD and PATH. On ROUTE_FOUND *ret is the route and
 * params holds the captured segments; on ROUTE_METHOD_NOT_ALLOWED "allow" is
 * filled with the comma-separated methods the path accepts (for "Allow:"). */
enum route_result route_lookup(const struct http_route *routes, size_t n_routes,
                               const char *method, const char *path,
                               const struct http_route **ret, struct route_params *params,
                               char *allow, size_t allow_size);

/* Does PATH match PATTERN? Captures into params (may be NULL). */
int route_path_matches(const char *pattern, const char *path, struct route_params *params);
