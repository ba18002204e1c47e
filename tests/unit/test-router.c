/* test-router.c - proves requests reach the right handler: a method and a
 * path find their route, with the {} segments captured; a known path with
 * another method is 405 with the Allow list of the methods it takes; any
 * other path (empty segments, trailing slash, prefixes, no leading slash) is
 * 404; a captured segment longer than ROUTE_PARAM_MAX - 1 bytes matches
 * nothing. */
#include "check.h"
#include "basic/macros.h"
#include "http/router.h"

static int h(struct http_request *r, void *u) { return 0; }

static const struct http_route routes[] = {
        { "GET", "/students", h, 0, 0 },
        { "POST", "/students", h, 0, 0 },
        { "GET", "/students/{}", h, 0, 0 },
        { "POST", "/students/{}/grades", h, 0, 0 },
        { "DELETE", "/students/{}/grades/{}", h, 0, 0 },
        { "GET", "/", h, 0, 0 },
};
#define N ELEMENTSOF(routes)

int main(void) {
        const struct http_route *r;
        struct route_params p;
        char allow[64];

        CHECK(route_lookup(routes, N, "GET", "/students", &r, &p, allow, sizeof allow) == ROUTE_FOUND);
        CHECK(r == &routes[0] && p.n == 0);
        CHECK(route_lookup(routes, N, "POST", "/students", &r, &p, allow, sizeof allow) == ROUTE_FOUND);
        CHECK(r == &routes[1]);

        CHECK(route_lookup(routes, N, "GET", "/students/42", &r, &p, allow, sizeof allow) == ROUTE_FOUND);
        CHECK(r == &routes[2] && p.n == 1);
        CHECK_STR(p.value[0], "42");

        CHECK(route_lookup(routes, N, "DELETE", "/students/7/grades/3", &r, &p, allow, sizeof allow) == ROUTE_FOUND);
        CHECK(p.n == 2);
        CHECK_STR(p.value[0], "7");
        CHECK_STR(p.value[1], "3");

        /* 405 with the methods the path does take */
        CHECK(route_lookup(routes, N, "PUT", "/students", &r, &p, allow, sizeof allow) == ROUTE_METHOD_NOT_ALLOWED);
        CHECK(r == NULL);
        CHECK_STR(allow, "GET, POST");
        CHECK(route_lookup(routes, N, "GET", "/students/1/grades", &r, &p, allow, sizeof allow) == ROUTE_METHOD_NOT_ALLOWED);
        CHECK_STR(allow, "POST");

        /* 404: nothing matches the path */
        CHECK(route_lookup(routes, N, "GET", "/nope", &r, &p, allow, sizeof allow) == ROUTE_NOT_FOUND);
        CHECK(route_lookup(routes, N, "GET", "/students/", &r, &p, allow, sizeof allow) == ROUTE_NOT_FOUND);
        CHECK(route_lookup(routes, N, "GET", "/students//grades", &r, &p, allow, sizeof allow) == ROUTE_NOT_FOUND);
        CHECK(route_lookup(routes, N, "GET", "/studentsX", &r, &p, allow, sizeof allow) == ROUTE_NOT_FOUND);
        CHECK(route_lookup(routes, N, "GET", "students", &r, &p, allow, sizeof allow) == ROUTE_NOT_FOUND);
        CHECK(route_lookup(routes, N, "GET", "", &r, &p, allow, sizeof allow) == ROUTE_NOT_FOUND);
        CHECK(route_lookup(routes, N, "GET", "/", &r, &p, allow, sizeof allow) == ROUTE_FOUND);
        CHECK(r == &routes[5]);

        /* a captured segment is bounded: longer ones do not match */
        char longpath[300] = "/students/";
        memset(longpath + 10, '9', 200);
        longpath[210] = '\0';
        CHECK(route_lookup(routes, N, "GET", longpath, &r, &p, allow, sizeof allow) == ROUTE_NOT_FOUND);
        longpath[10 + ROUTE_PARAM_MAX] = '\0';          /* a segment of ROUTE_PARAM_MAX bytes */
        CHECK(route_lookup(routes, N, "GET", longpath, &r, &p, allow, sizeof allow) == ROUTE_NOT_FOUND);
        longpath[10 + ROUTE_PARAM_MAX - 1] = '\0';      /* one less: fits with its NUL */
        CHECK(route_lookup(routes, N, "GET", longpath, &r, &p, allow, sizeof allow) == ROUTE_FOUND);
        CHECK(strlen(p.value[0]) == ROUTE_PARAM_MAX - 1);

        CHECK(route_path_matches("/a/{}", "/a/b", NULL));
        CHECK(!route_path_matches("/a/{}", "/a/b/c", NULL));
        return check_finish("router");
}
