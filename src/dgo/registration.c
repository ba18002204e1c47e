/* registration.c - see registration.h. */
#include "registration.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "basic/macros.h"

static bool all_chars_in(const char *s, const char *extra) {
        for (; *s; s++) {
                char c = *s;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      strchr(extra, c)))
                        return false;
        }
        return true;
}

bool service_name_valid(const char *s) {
        size_t n = strlen(s);
        return n > 0 && n <= REG_NAME_MAX && all_chars_in(s, "_-.");
}

size_t url_scheme_len(const char *s) {
        if (strncmp(s, "http://", 7) == 0)
                return 7;
        if (strncmp(s, "https://", 8) == 0)
                return 8;
        return 0;
}

/* A URL of at most REG_URL_MAX printable ASCII characters without spaces,
 * more than its scheme ("http://" only, or "https://" too with HTTPS). */
static bool url_valid(const char *s, bool https) {
        size_t n = strlen(s), scheme = url_scheme_len(s);

        if (n > REG_URL_MAX || scheme == 0 || (scheme == 8 && !https) || n == scheme)
                return false;
        for (const char *p = s; *p; p++)        /* printable ASCII, no spaces */
                if (*p <= ' ' || *p >= 0x7f)
                        return false;
        return true;
}

bool http_url_valid(const char *s) {
        return url_valid(s, false);
}

/* "HOST:PORT" of length N: a host name (letters, digits, '-', '.'), an IPv4
 * address or a bracketed IPv6 address, and a port 1-65535. The host, when
 * HOST is not NULL, is copied there (HOST_SIZE bytes). */
static bool host_port_parse(const char *s, size_t n, char *host, size_t host_size) {
        const char *colon = NULL;
        size_t host_len;
        unsigned long port = 0;

        for (size_t i = n; i > 0; i--)
                if (s[i - 1] == ':') {
                        colon = s + i - 1;
                        break;
                }
        if (!colon || colon == s)
                return false;
        host_len = (size_t) (colon - s);
        if (s[0] == '[') {
                if (host_len < 3 || s[host_len - 1] != ']')
                        return false;
                for (size_t i = 1; i < host_len - 1; i++)
                        if (!strchr("0123456789abcdefABCDEF:.", s[i]))
                                return false;
        } else {
                if (s[0] == '-' || s[0] == '.' || s[host_len - 1] == '-')
                        return false;
                for (size_t i = 0; i < host_len; i++) {
                        char c = s[i];
                        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                              c == '-' || c == '.'))
                                return false;
                }
        }
        const char *p = colon + 1;
        size_t digits = (size_t) (s + n - p);
        if (digits == 0 || digits > 5 || *p == '0')
                return false;
        for (; p < s + n; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                port = port * 10 + (unsigned long) (*p - '0');
        }
        if (port > 65535)
                return false;
        if (host) {
                if (host_len >= host_size)
                        return false;
                memcpy(host, s, host_len);
                host[host_len] = '\0';
        }
        return true;
}

bool service_url_host(const char *url, char *host, size_t host_size) {
        size_t scheme = url_scheme_len(url);

        return url_valid(url, true) && host_port_parse(url + scheme, strlen(url + scheme), host, host_size);
}

bool service_url_valid(const char *s) {
        return http_url_valid(s) && service_url_host(s, NULL, 0);
}

bool provider_url_valid(const char *s) {
        return url_valid(s, true);
}

bool host_is_loopback(const char *host) {
        int a, b, c, d, n = 0;

        if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
                return true;
        /* 127.0.0.0/8, dotted decimal: all of it is the loopback interface's. */
        if (sscanf(host, "%d.%d.%d.%d%n", &a, &b, &c, &d, &n) != 4 || host[n] != '\0')
                return false;
        return a == 127 && b >= 0 && b <= 255 && c >= 0 && c <= 255 && d >= 0 && d <= 255 &&
               strspn(host, "0123456789.") == strlen(host);
}

/* URL is exactly BASE followed by SUFFIX. */
static bool url_is(const char *url, const char *base, const char *suffix) {
        size_t n = strlen(base);
        return strncmp(url, base, n) == 0 && strcmp(url + n, suffix) == 0;
}

bool unit_name_valid(const char *s) {
        size_t n = strlen(s);
        return n > 8 && n <= REG_UNIT_MAX && strcmp(s + n - 8, ".service") == 0 && all_chars_in(s, "_-.:@\\");
}

bool unit_socket_name(const char *unit, char *buf, size_t size) {
        size_t n = strlen(unit), suffix = strlen(".service");
        int r;

        if (n <= suffix || strcmp(unit + n - suffix, ".service") != 0)
                return false;
        r = snprintf(buf, size, "%.*s.socket", (int) (n - suffix), unit);
        return r > 0 && (size_t) r < size;
}

const char *health_to_string(enum health h) {
        return h == HEALTH_UP ? "up" : "down";
}

struct registration *registration_free(struct registration *r) {
        if (!r)
                return NULL;
        free(r->name);
        free(r->url);
        for (size_t i = 0; i < r->n_required; i++)
                free(r->required[i]);
        free(r->update_url);
        free(r->heartbeat_url);
        free(r->unit);
        free(r->owner);
        free(r);
        return NULL;
}

bool registration_requires(const struct registration *r, const char *name) {
        for (size_t i = 0; i < r->n_required; i++)
                if (strcmp(r->required[i], name) == 0)
                        return true;
        return false;
}

/* A string field: *out stays NULL when absent and OPTIONAL. */
static int get_string(const json_t *j, const char *key, bool optional, bool (*valid)(const char *),
                      char **out, char *error, size_t error_size) {
        const json_t *v = json_object_get(j, key);

        if (!v || (optional && json_is_null(v)) || (optional && json_is_string(v) && !*json_string_value(v))) {
                if (optional)
                        return 0;
                snprintf(error, error_size, "\"%s\" is missing", key);
                return -EINVAL;
        }
        if (!json_is_string(v) || !valid(json_string_value(v))) {
                snprintf(error, error_size, "\"%s\" is not valid", key);
                return -EINVAL;
        }
        *out = strdup(json_string_value(v));
        return *out ? 0 : -ENOMEM;
}

DEFINE_POINTER_CLEANUP(struct registration *, registration_free)

/* "RequiredServices": a list of at most REG_REQUIRED_MAX names (or absent),
 * each kept once. */
static int required_from_json(const json_t *req, struct registration *r, char *error, size_t error_size) {
        const json_t *item;
        size_t i;

        if (!req || json_is_null(req))
                return 0;
        if (!json_is_array(req) || json_array_size(req) > REG_REQUIRED_MAX) {
                snprintf(error, error_size, "\"RequiredServices\" must be a list of at most %d names",
                         REG_REQUIRED_MAX);
                return -EINVAL;
        }
        json_array_foreach(req, i, item) {
                if (!json_is_string(item) || !service_name_valid(json_string_value(item))) {
                        snprintf(error, error_size, "\"RequiredServices\" holds an invalid name");
                        return -EINVAL;
                }
                if (registration_requires(r, json_string_value(item)))
                        continue;
                r->required[r->n_required] = strdup(json_string_value(item));
                if (!r->required[r->n_required])
                        return -ENOMEM;
                r->n_required++;
        }
        return 0;
}

int registration_from_json(const json_t *j, struct registration **ret, char *error, size_t error_size) {
        _cleanup_(registration_freep) struct registration *r = NULL;
        int e;

        if (!json_is_object(j)) {
                snprintf(error, error_size, "the body must be a JSON object (a Registration)");
                return -EINVAL;
        }
        r = calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;

        e = get_string(j, "ServiceName", false, service_name_valid, &r->name, error, error_size);
        if (e < 0)
                return e;
        e = get_string(j, "ServiceURL", false, service_url_valid, &r->url, error, error_size);
        if (e < 0)
                return e;
        e = get_string(j, "ServiceUpdateURL", true, http_url_valid, &r->update_url, error, error_size);
        if (e < 0)
                return e;
        e = get_string(j, "HeartbeatURL", true, http_url_valid, &r->heartbeat_url, error, error_size);
        if (e < 0)
                return e;
        e = get_string(j, "Unit", true, unit_name_valid, &r->unit, error, error_size);
        if (e < 0)
                return e;
        e = required_from_json(json_object_get(j, "RequiredServices"), r, error, error_size);
        if (e < 0)
                return e;
        /* No path beyond what the protocol defines: the registry and the
         * dependents fetch only these. */
        if (r->update_url && !url_is(r->update_url, r->url, "/services")) {
                snprintf(error, error_size, "\"ServiceUpdateURL\" is not valid: it must be the ServiceURL followed by /services");
                return -EINVAL;
        }
        if (r->heartbeat_url && !url_is(r->heartbeat_url, r->url, "/heartbeat")) {
                snprintf(error, error_size, "\"HeartbeatURL\" is not valid: it must be the ServiceURL followed by /heartbeat");
                return -EINVAL;
        }
        if (!r->unit && !r->heartbeat_url) {
                /* A foreign service is watched by its heartbeat: without one we
                 * could never notice it is gone. */
                snprintf(error, error_size, "\"HeartbeatURL\" is required for a service without \"Unit\"");
                return -EINVAL;
        }
        r->health = HEALTH_UP;
        *ret = TAKE_PTR(r);
        return 0;
}

static json_t *string_or_empty(const char *s) {
        return json_string(s ? s : "");
}

json_t *registration_to_json(const struct registration *r) {
        json_t *required = json_array(), *j;
        char since[32] = "";

        if (r->since_usec) {
                time_t sec = (time_t) (r->since_usec / 1000000);
                struct tm tm;
                gmtime_r(&sec, &tm);
                strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        for (size_t i = 0; i < r->n_required; i++)
                json_array_append_new(required, json_string(r->required[i]));
        j = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s}",
                      "ServiceName", r->name,
                      "ServiceURL", r->url,
                      "RequiredServices", required,
                      "ServiceUpdateURL", string_or_empty(r->update_url),
                      "HeartbeatURL", string_or_empty(r->heartbeat_url),
                      "Unit", r->unit ? json_string(r->unit) : json_null(),
                      "Health", health_to_string(r->health),
                      "Since", since,
                      "Reason", r->reason);
        return j;
}

enum health health_from_units(const char *svc_active, const char *svc_sub,
                              const char *sock_active, enum health previous,
                              char *reason, size_t reason_size) {
        bool listening = sock_active && strcmp(sock_active, "active") == 0;

        if (strcmp(svc_active, "active") == 0 || strcmp(svc_active, "reloading") == 0) {
                snprintf(reason, reason_size, "running");
                return HEALTH_UP;
        }
        if (strcmp(svc_active, "failed") == 0 || strcmp(svc_sub, "auto-restart") == 0) {
                snprintf(reason, reason_size, "%s", strcmp(svc_active, "failed") == 0 ? "failed" : "restarting");
                return HEALTH_DOWN;
        }
        if (strcmp(svc_active, "inactive") == 0) {
                snprintf(reason, reason_size, "%s", listening ? "socket listening, starts on demand" : "stopped");
                return listening ? HEALTH_UP : HEALTH_DOWN;
        }
        /* activating, deactivating: on the way somewhere; wait for where it lands. */
        return previous;
}

json_t *registration_request_new(const char *name, const char *url, const char *const *required,
                                 const char *unit) {
        _cleanup_(json_decrefp) json_t *j = NULL;
        _cleanup_free_ char *update = NULL, *heartbeat = NULL;
        json_t *list = json_array();

        if (!list)
                return NULL;
        for (const char *const *p = required; p && *p; p++)
                json_array_append_new(list, json_string(*p));
        if (asprintf(&update, "%s/services", url) < 0 || asprintf(&heartbeat, "%s/heartbeat", url) < 0) {
                json_decref(list);
                return NULL;
        }
        j = json_pack("{s:s, s:s, s:o, s:s, s:s}",
                      "ServiceName", name,
                      "ServiceURL", url,
                      "RequiredServices", list,
                      "ServiceUpdateURL", update,
                      "HeartbeatURL", heartbeat);
        if (j && unit && json_object_set_new(j, "Unit", json_string(unit)) < 0)
                return NULL;
        return TAKE_PTR(j);
}
