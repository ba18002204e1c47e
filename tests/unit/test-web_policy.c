/* test-web_policy.c - proves the rules that keep web pages out of an
 * anonymous request (web_policy.h): only loopback peers (127.0.0.0/8, ::1,
 * v4-mapped 127.x, a Unix socket); Host only the service's own names with
 * its port (any case; a configured name bare or with the port; a foreign
 * name, another port, a missing Host refused); Origin absent or http(s) of
 * an allowed Host ("null", a path, another port, a foreign site refused);
 * POST/PUT/PATCH and a DELETE with a body typed application/json, or the
 * types their route allows (text/plain, forms), while GET and a bodiless
 * DELETE need none; and the order of the verdicts. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "check.h"
#include "http/router.h"
#include "http/web_policy.h"

static struct sockaddr_in v4(const char *a) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(40000) };
        inet_pton(AF_INET, a, &sa.sin_addr);
        return sa;
}

static struct sockaddr_in6 v6(const char *a) {
        struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(40000) };
        inet_pton(AF_INET6, a, &sa.sin6_addr);
        return sa;
}

#define SA(x) ((const struct sockaddr *) &(x)), sizeof(x)

int main(void) {
        static const char *const names[] = { "grades.school.example", "proxy.example:8443", NULL };
        struct web_policy p, bare, tls;
        struct sockaddr_in lo = v4("127.0.0.1"), lo2 = v4("127.3.4.5"), lan = v4("192.168.1.7");
        struct sockaddr_in6 lo6 = v6("::1"), mapped = v6("::ffff:127.0.0.1"), mapped_lan = v6("::ffff:10.0.0.1"),
                            lan6 = v6("fe80::1");
        struct sockaddr_un un = { .sun_family = AF_UNIX };

        web_policy_init(&p, 6000, names, 0);
        web_policy_init(&bare, 80, NULL, 0);
        web_policy_init(&tls, 443, names, WEB_POLICY_TLS | WEB_POLICY_ANY_PEER);

        /* Peers */
        CHECK(web_peer_loopback(SA(lo)));
        CHECK(web_peer_loopback(SA(lo2)));
        CHECK(web_peer_loopback(SA(lo6)));
        CHECK(web_peer_loopback(SA(mapped)));
        CHECK(web_peer_loopback(SA(un)));
        CHECK(!web_peer_loopback(SA(lan)));
        CHECK(!web_peer_loopback(SA(lan6)));
        CHECK(!web_peer_loopback(SA(mapped_lan)));
        CHECK(!web_peer_loopback(NULL, 0));

        /* Host */
        CHECK(web_host_allowed(&p, "127.0.0.1:6000"));
        CHECK(web_host_allowed(&p, "localhost:6000"));
        CHECK(web_host_allowed(&p, "LocalHost:6000"));
        CHECK(web_host_allowed(&p, "[::1]:6000"));
        CHECK(web_host_allowed(&p, "grades.school.example"));
        CHECK(web_host_allowed(&p, "grades.school.example:6000"));
        CHECK(web_host_allowed(&p, "proxy.example:8443"));
        CHECK(!web_host_allowed(&p, "proxy.example"));
        CHECK(!web_host_allowed(&p, "proxy.example:6000"));
        CHECK(!web_host_allowed(&p, "127.0.0.1"));
        CHECK(!web_host_allowed(&p, "127.0.0.1:60000"));
        CHECK(!web_host_allowed(&p, "127.0.0.1:600"));
        CHECK(!web_host_allowed(&p, "127.0.0.1:6000.evil"));
        CHECK(!web_host_allowed(&p, "localhost.evil:6000"));
        CHECK(!web_host_allowed(&p, "rebind.attacker.example"));
        CHECK(!web_host_allowed(&p, "rebind.attacker.example:6000"));
        CHECK(!web_host_allowed(&p, ""));
        CHECK(!web_host_allowed(&p, NULL));
        CHECK(web_host_allowed(&bare, "localhost"));
        CHECK(web_host_allowed(&bare, "127.0.0.1:80"));

        /* Origin */
        CHECK(web_origin_allowed(&p, NULL));
        CHECK(web_origin_allowed(&p, "http://127.0.0.1:6000"));
        CHECK(web_origin_allowed(&p, "https://localhost:6000"));
        CHECK(web_origin_allowed(&p, "https://grades.school.example"));
        CHECK(!web_origin_allowed(&p, "http://evil"));
        CHECK(!web_origin_allowed(&p, "http://127.0.0.1:5000"));
        CHECK(!web_origin_allowed(&p, "null"));
        CHECK(!web_origin_allowed(&p, "http://127.0.0.1:6000/"));
        CHECK(!web_origin_allowed(&p, "file://"));
        CHECK(!web_origin_allowed(&p, ""));

        /* Content-Type */
        CHECK(web_media_type_allowed("GET", "", false, 0));
        CHECK(web_media_type_allowed("GET", "text/plain", true, 0));
        CHECK(web_media_type_allowed("POST", "application/json", true, 0));
        CHECK(!web_media_type_allowed("POST", "text/plain", true, 0));
        CHECK(!web_media_type_allowed("POST", "", true, 0));
        CHECK(!web_media_type_allowed("POST", "", false, 0));
        CHECK(!web_media_type_allowed("PUT", "application/x-www-form-urlencoded", true, 0));
        CHECK(!web_media_type_allowed("PATCH", "multipart/form-data", true, HTTP_ROUTE_FORM));
        CHECK(web_media_type_allowed("POST", "text/plain", true, HTTP_ROUTE_TEXT));
        CHECK(!web_media_type_allowed("POST", "application/x-www-form-urlencoded", true, HTTP_ROUTE_TEXT));
        CHECK(web_media_type_allowed("POST", "application/x-www-form-urlencoded", true, HTTP_ROUTE_FORM));
        CHECK(!web_media_type_allowed("POST", "text/plain", true, HTTP_ROUTE_FORM));
        CHECK(web_media_type_allowed("DELETE", "", false, 0));
        CHECK(!web_media_type_allowed("DELETE", "application/x-www-form-urlencoded", true, 0));
        CHECK(web_media_type_allowed("DELETE", "text/plain", true, HTTP_ROUTE_TEXT));

        /* The whole rule, in order */
        CHECK(web_check(&p, SA(lo), "127.0.0.1:6000", NULL, "POST", "application/json", true, 0) == WEB_OK);
        CHECK(web_check(&p, SA(lan), "rebind.attacker.example", "http://evil", "POST", "text/plain", true, 0) ==
              WEB_BAD_PEER);
        CHECK(web_check(&p, SA(lo), "rebind.attacker.example", "http://evil", "POST", "text/plain", true, 0) ==
              WEB_BAD_HOST);
        CHECK(web_check(&p, SA(lo), "127.0.0.1:6000", "http://evil", "POST", "text/plain", true, 0) ==
              WEB_BAD_ORIGIN);
        CHECK(web_check(&p, SA(lo), "127.0.0.1:6000", NULL, "POST", "text/plain", true, 0) == WEB_BAD_CONTENT_TYPE);
        CHECK(web_check(&p, SA(lo), "127.0.0.1:6000", NULL, "POST", "text/plain", true, HTTP_ROUTE_TEXT) == WEB_OK);
        CHECK(web_check(&p, SA(lo), "127.0.0.1:6000", "http://evil", "POST", "text/plain", true, HTTP_ROUTE_TEXT) ==
              WEB_BAD_ORIGIN);
        CHECK(web_check(&p, SA(lo), "127.0.0.1:6000", NULL, "POST", NULL, true, 0) == WEB_OK);   /* not checked */
        /* A listener for other hosts (HTTPS): any peer, the rest as strict */
        CHECK(web_check(&tls, SA(lan), "grades.school.example", "https://grades.school.example", "POST",
                        "application/x-www-form-urlencoded", true, HTTP_ROUTE_FORM) == WEB_OK);
        CHECK(web_check(&tls, SA(lan6), "grades.school.example:443", NULL, "GET", NULL, false, 0) == WEB_OK);
        CHECK(web_check(&tls, SA(lan), "rebind.attacker.example", NULL, "GET", NULL, false, 0) == WEB_BAD_HOST);
        CHECK(web_check(&tls, SA(lan), "grades.school.example", "https://evil.example", "POST", "application/json",
                        true, 0) == WEB_BAD_ORIGIN);
        CHECK(web_check(&tls, SA(lan), "grades.school.example", NULL, "POST", "text/plain", true, 0) ==
              WEB_BAD_CONTENT_TYPE);
        CHECK(web_host_allowed(&tls, "localhost"));            /* bare: 443 is HTTPS's own port */
        CHECK(web_host_allowed(&tls, "127.0.0.1:443"));
        CHECK(!web_host_allowed(&p, "localhost"));             /* 6000 is not plain HTTP's */
        CHECK(strcmp(web_verdict_message(WEB_BAD_HOST), "the Host header does not name this service") == 0);
        return check_finish("web_policy");
}
