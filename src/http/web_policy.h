/* web_policy.h - which anonymous requests a service takes: the rules that
 * keep web pages out (docs/security.md, "What a web page can and cannot do").
 *
 * An anonymous request is taken only when it comes from a loopback address
 * (or from anywhere, on a listener told so: WEB_POLICY_ANY_PEER), names the
 * service in Host (127.0.0.1:PORT, localhost:PORT, [::1]:PORT with
 * the listening PORT, or a configured name), carries no Origin or one of the
 * service's own origins (http:// or https:// and an allowed Host), and, if
 * it may change something (POST, PUT, PATCH, DELETE), says its body is JSON,
 * or one of the few other types its route takes (HTTP_ROUTE_TEXT,
 * HTTP_ROUTE_FORM in router.h). A DELETE without a body needs no type.
 *
 * Pure code (no I/O), unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* How a listener is reached (web_policy_init()). */
enum {
        /* HTTPS: a bare loopback name (no ":PORT") names the service on 443, not 80. */
        WEB_POLICY_TLS = 1u << 0,
        /* Take anonymous requests from any peer, not only from loopback: a
         * listener for other hosts (HTTPS, or plain HTTP the operator asked
         * for); Host, Origin and the body's type are still checked. */
        WEB_POLICY_ANY_PEER = 1u << 1,
};

struct web_policy {
        unsigned port;                  /* the listening port; 0: unknown, only configured names pass */
        unsigned default_port;          /* the scheme's: 80, or 443 with WEB_POLICY_TLS */
        bool any_peer;                  /* WEB_POLICY_ANY_PEER */
        const char *const *names;       /* configured names, NULL-terminated (may be NULL): "NAME" or "NAME:PORT" */
        char port_suffix[16];           /* ":PORT" */
};

/* FLAGS: WEB_POLICY_*. */
void web_policy_init(struct web_policy *p, unsigned port, const char *const *names, unsigned flags);

enum web_verdict {
        WEB_OK,
        WEB_BAD_PEER,                   /* not from loopback (and not WEB_POLICY_ANY_PEER): 403 */
        WEB_BAD_HOST,                   /* 403 */
        WEB_BAD_ORIGIN,                 /* 403 */
        WEB_BAD_CONTENT_TYPE,           /* 415 */
};

/* Is ADDR (of LEN bytes; NULL: unknown) a loopback address: 127.0.0.0/8, ::1,
 * ::ffff:127.0.0.0/104? A Unix socket counts as local too. */
bool web_peer_loopback(const struct sockaddr *addr, size_t len);
/* Does HOST (the Host header; NULL: none) name the service? Compared without
 * regard to case. A configured "NAME" matches "NAME" and "NAME:PORT"; the
 * loopback names match only with ":PORT" (or bare, when PORT is the scheme's
 * default: 80, or 443 over TLS). */
bool web_host_allowed(const struct web_policy *p, const char *host);
/* Is ORIGIN (the Origin header; NULL: none, which is allowed) one of the
 * service's own: "http://" or "https://" and an allowed Host? "null" is not. */
bool web_origin_allowed(const struct web_policy *p, const char *origin);
/* May a METHOD request with body type MEDIA_TYPE (lower-cased, without
 * parameters; "" when none) go to a route with FLAGS (router.h)? HAS_BODY:
 * the request has a body (Content-Length > 0, or chunked). */
bool web_media_type_allowed(const char *method, const char *media_type, bool has_body, unsigned flags);

/* The whole rule, in the order above; MEDIA_TYPE NULL: the body's type is
 * not checked (a request refused anyway, with 404 or 405). */
enum web_verdict web_check(const struct web_policy *p, const struct sockaddr *peer, size_t peer_len,
                           const char *host, const char *origin, const char *method, const char *media_type,
                           bool has_body, unsigned flags);
/* What a refusal says, for its JSON error. */
const char *web_verdict_message(enum web_verdict v);
