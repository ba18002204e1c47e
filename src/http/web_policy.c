/* web_policy.c - see web_policy.h. */
#include "web_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "basic/macros.h"
#include "router.h"

bool web_peer_loopback(const struct sockaddr *addr, size_t len) {
        if (!addr || len < sizeof(sa_family_t))
                return false;
        switch (addr->sa_family) {
        case AF_UNIX:
                return true;
        case AF_INET: {
                const struct sockaddr_in *in = (const struct sockaddr_in *) addr;
                return len >= sizeof *in && (ntohl(in->sin_addr.s_addr) >> 24) == 127;
        }
        case AF_INET6: {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) addr;
                const uint8_t *b = in6->sin6_addr.s6_addr;
                if (len < sizeof *in6)
                        return false;
                if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
                        return true;
                return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
        }
        default:
                return false;
        }
}

void web_policy_init(struct web_policy *p, unsigned port, const char *const *names, unsigned flags) {
        *p = (struct web_policy) {
                .port = port,
                .default_port = flags & WEB_POLICY_TLS ? 443 : 80,
                .any_peer = flags & WEB_POLICY_ANY_PEER,
                .names = names,
        };
        if (port)
                snprintf(p->port_suffix, sizeof p->port_suffix, ":%u", port);
}

/* Does HOST (LEN bytes) equal NAME (if BARE), or NAME ":" PORT? */
static bool host_is(const struct web_policy *p, const char *host, size_t len, const char *name, bool bare) {
        size_t n = strlen(name);

        if (len < n || strncasecmp(host, name, n) != 0)
                return false;
        if (len == n)
                return bare;
        return p->port && strlen(p->port_suffix) == len - n && memcmp(host + n, p->port_suffix, len - n) == 0;
}

static bool host_allowed_n(const struct web_policy *p, const char *host, size_t len) {
        static const char *const loopback[] = { "127.0.0.1", "localhost", "[::1]" };

        for (size_t i = 0; p->port && i < ELEMENTSOF(loopback); i++)
                if (host_is(p, host, len, loopback[i], p->port == p->default_port))
                        return true;
        for (const char *const *name = p->names; name && *name; name++)
                if (host_is(p, host, len, *name, true))
                        return true;
        return false;
}

bool web_host_allowed(const struct web_policy *p, const char *host) {
        return host && *host && host_allowed_n(p, host, strlen(host));
}

bool web_origin_allowed(const struct web_policy *p, const char *origin) {
        const char *rest;

        if (!origin)
                return true;
        if (strncasecmp(origin, "http://", 7) == 0)
                rest = origin + 7;
        else if (strncasecmp(origin, "https://", 8) == 0)
                rest = origin + 8;
        else
                return false;                   /* "null", or another scheme */
        return *rest && !strchr(rest, '/') && host_allowed_n(p, rest, strlen(rest));
}

static bool method_changes(const char *method) {
        return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 ||
               strcmp(method, "DELETE") == 0;
}

bool web_media_type_allowed(const char *method, const char *media_type, bool has_body, unsigned flags) {
        if (!method_changes(method))
                return true;
        if (!has_body && strcmp(method, "DELETE") == 0)
                return true;                    /* no body to mistake: nothing to type */
        return strcmp(media_type, "application/json") == 0 ||
               ((flags & HTTP_ROUTE_TEXT) && strcmp(media_type, "text/plain") == 0) ||
               ((flags & HTTP_ROUTE_FORM) && strcmp(media_type, "application/x-www-form-urlencoded") == 0);
}

enum web_verdict web_check(const struct web_policy *p, const struct sockaddr *peer, size_t peer_len,
                           const char *host, const char *origin, const char *method, const char *media_type,
                           bool has_body, unsigned flags) {
        if (!p->any_peer && !web_peer_loopback(peer, peer_len))
                return WEB_BAD_PEER;
        if (!web_host_allowed(p, host))
                return WEB_BAD_HOST;
        if (!web_origin_allowed(p, origin))
                return WEB_BAD_ORIGIN;
        if (media_type && !web_media_type_allowed(method, media_type, has_body, flags))
                return WEB_BAD_CONTENT_TYPE;
        return WEB_OK;
}

const char *web_verdict_message(enum web_verdict v) {
        switch (v) {
        case WEB_OK:
                return "ok";
        case WEB_BAD_PEER:
                return "anonymous requests are taken from loopback only";
        case WEB_BAD_HOST:
                return "the Host header does not name this service";
        case WEB_BAD_ORIGIN:
                return "requests from other origins are refused";
        case WEB_BAD_CONTENT_TYPE:
                return "the body must be application/json";
        }
        return "refused";
}
