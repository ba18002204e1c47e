/* router.c - see router.h: a method and path matched against a route
 * table (pure). */
#include "router.h"

#include <stdbool.h>
#include <string.h>

static size_t segment_length(const char *s) {
        return strcspn(s, "/");
}

int route_path_matches(const char *pattern, const char *path, struct route_params *params) {
        struct route_params local;
        struct route_params *p = params ? params : &local;

        p->n = 0;
        if (*pattern != '/' || *path != '/')
                return 0;

        while (*pattern == '/' && *path == '/') {
                pattern++;
                path++;
                size_t plen = segment_length(pattern), slen = segment_length(path);

                if (plen == 2 && pattern[0] == '{' && pattern[1] == '}') {
                        if (slen == 0 || slen >= ROUTE_PARAM_MAX || p->n >= ROUTE_MAX_PARAMS)
                                return 0;
                        memcpy(p->value[p->n], path, slen);
                        p->value[p->n][slen] = '\0';
                        p->n++;
                } else if (plen != slen || memcmp(pattern, path, plen) != 0)
                        return 0;

                pattern += plen;
                path += slen;
        }
        return *pattern == '\0' && *path == '\0';
}

static void append_allow(char *allow, size_t size, const char *method) {
        size_t used = strlen(allow), mlen = strlen(method);

        /* Skip duplicates: several routes may share a method and pattern family. */
        for (const char *s = allow; (s = strstr(s, method)); s += mlen)
                if ((s == allow || s[-1] == ' ') && (s[mlen] == ',' || s[mlen] == '\0'))
                        return;
        if (used + (used ? 2 : 0) + mlen + 1 > size)
                return;
        if (used) {
                memcpy(allow + used, ", ", 2);
                used += 2;
        }
        memcpy(allow + used, method, mlen + 1);
}

enum route_result route_lookup(const struct http_route *routes, size_t n_routes,
                               const char *method, const char *path,
                               const struct http_route **ret, struct route_params *params,
                               char *allow, size_t allow_size) {
        bool path_known = false;

        if (allow && allow_size)
                allow[0] = '\0';

        for (size_t i = 0; i < n_routes; i++) {
                if (!route_path_matches(routes[i].pattern, path, params))
                        continue;
                if (strcmp(routes[i].method, method) == 0) {
                        *ret = &routes[i];
                        return ROUTE_FOUND;
                }
                path_known = true;
                if (allow && allow_size)
                        append_allow(allow, allow_size, routes[i].method);
        }
        *ret = NULL;
        return path_known ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}
