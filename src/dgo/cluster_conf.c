/* cluster_conf.c - see cluster_conf.h. */
#include "cluster_conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/macros.h"

int cluster_host_valid(const char *host) {
        size_t n = strlen(host);

        return n >= 1 && n <= CLUSTER_HOST_MAX && host[0] >= 'a' && host[0] <= 'z' &&
               strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789-") == n && host[n - 1] != '-';
}

int cluster_address_valid(const char *address) {
        struct in_addr a4;
        struct in6_addr a6;

        if (inet_pton(AF_INET, address, &a4) == 1) {
                uint32_t a = ntohl(a4.s_addr);
                return (a >> 24) != 127 && a != 0 && a != 0xffffffffu && (a >> 28) != 0xe;   /* multicast */
        }
        if (inet_pton(AF_INET6, address, &a6) == 1)
                return !IN6_IS_ADDR_LOOPBACK(&a6) && !IN6_IS_ADDR_UNSPECIFIED(&a6) && !IN6_IS_ADDR_MULTICAST(&a6) &&
                       !IN6_IS_ADDR_V4MAPPED(&a6);
        return false;
}

int cluster_etcd_url_valid(const char *url) {
        const char *rest, *end;
        char host[64];
        size_t n;

        if (strlen(url) > CLUSTER_URL_MAX)
                return false;
        if (strncmp(url, "https://", 8) == 0)
                rest = url + 8;
        else if (strncmp(url, "http://", 7) == 0)
                rest = url + 7;
        else
                return false;
        if (*rest == '[') {
                end = strchr(rest, ']');
                if (!end || end[1] != ':')
                        return false;
                n = (size_t) (end - rest - 1);
                if (n >= sizeof host)
                        return false;
                memcpy(host, rest + 1, n);
                host[n] = '\0';
                end++;
        } else {
                end = strchr(rest, ':');
                if (!end || (size_t) (end - rest) >= sizeof host)
                        return false;
                n = (size_t) (end - rest);
                memcpy(host, rest, n);
                host[n] = '\0';
        }
        /* Loopback is allowed here: a one-member test cluster, or a local proxy. */
        struct in6_addr any;
        if (inet_pton(AF_INET, host, &any) != 1 && inet_pton(AF_INET6, host, &any) != 1)
                return false;
        const char *port = end + 1;
        size_t digits = strspn(port, "0123456789");
        if (digits < 1 || digits > 5 || port[digits] != '\0')
                return false;
        long p = strtol(port, NULL, 10);
        return p >= 1 && p <= 65535;
}

static int fail(unsigned *line, unsigned at, char *error, size_t size, const char *fmt, ...) {
        va_list ap;

        *line = at;
        va_start(ap, fmt);
        vsnprintf(error, size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static char *trim(char *s) {
        size_t n = strlen(s);

        while (*s == ' ' || *s == '\t')
                s++, n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

/* KEY=VALUE of line AT into CONF; SEEN marks keys given once. */
static int set_key(struct cluster_conf *conf, const char *key, char *value, unsigned at, unsigned *seen,
                   unsigned *line, char *error, size_t size) {
        static const char *const keys[] = { "Host", "Address", "Etcd", "LeaseSec" };
        size_t k;

        for (k = 0; k < ELEMENTSOF(keys) && strcmp(key, keys[k]) != 0; k++)
                ;
        if (k == ELEMENTSOF(keys))
                return fail(line, at, error, size, "unknown key '%.32s' (Host, Address, Etcd, LeaseSec)", key);
        if (*seen & (1u << k))
                return fail(line, at, error, size, "%s given twice", key);
        *seen |= 1u << k;

        switch (k) {
        case 0:
                if (!cluster_host_valid(value))
                        return fail(line, at, error, size, "Host must be 1-63 of a-z, 0-9, '-', starting with a letter");
                snprintf(conf->host, sizeof conf->host, "%s", value);
                return 0;
        case 1:
                if (!cluster_address_valid(value))
                        return fail(line, at, error, size,
                                    "Address must be an IP address other hosts reach (not loopback, a wildcard or multicast)");
                snprintf(conf->address, sizeof conf->address, "%s", value);
                return 0;
        case 2:
                for (char *save = NULL, *url = strtok_r(value, " \t,", &save); url; url = strtok_r(NULL, " \t,", &save)) {
                        if (conf->n_etcd == CLUSTER_ETCD_MAX)
                                return fail(line, at, error, size, "Etcd lists more than %d endpoints", CLUSTER_ETCD_MAX);
                        if (!cluster_etcd_url_valid(url))
                                return fail(line, at, error, size,
                                            "Etcd endpoint '%.64s' is not http(s)://ADDRESS:PORT", url);
                        snprintf(conf->etcd[conf->n_etcd++], sizeof conf->etcd[0], "%s", url);
                }
                if (!conf->n_etcd)
                        return fail(line, at, error, size, "Etcd lists no endpoint");
                return 0;
        default: {
                char *end;
                unsigned long v;

                errno = 0;
                v = strtoul(value, &end, 10);
                if (errno || end == value || *end || value[0] == '-' || v < CLUSTER_LEASE_SEC_MIN ||
                    v > CLUSTER_LEASE_SEC_MAX)
                        return fail(line, at, error, size, "LeaseSec must be a whole number from %u to %u",
                                    CLUSTER_LEASE_SEC_MIN, CLUSTER_LEASE_SEC_MAX);
                conf->lease_sec = (unsigned) v;
                return 0;
        }
        }
}

int cluster_conf_parse(const char *text, size_t len, struct cluster_conf *conf, unsigned *line, char *error,
                       size_t error_size) {
        _cleanup_free_ char *copy = NULL;
        unsigned at = 0, seen = 0;
        bool in_cluster = false;
        int r;

        *conf = (struct cluster_conf) { .lease_sec = CLUSTER_LEASE_SEC_DEFAULT };
        *line = 0;
        if (len > CLUSTER_CONF_MAX)
                return fail(line, 0, error, error_size, "larger than %u bytes", CLUSTER_CONF_MAX);
        if (memchr(text, '\0', len))
                return fail(line, 0, error, error_size, "holds a NUL byte");
        copy = strndup(text, len);
        if (!copy)
                return -ENOMEM;
        for (char *l = copy, *next; l; l = next) {
                next = strchr(l, '\n');
                if (next)
                        *next++ = '\0';
                at++;
                char *s = trim(l);
                if (!*s || *s == '#' || *s == ';')
                        continue;
                if (*s == '[') {
                        if (strcmp(s, "[Cluster]") != 0)
                                return fail(line, at, error, error_size, "unknown section '%.32s' ([Cluster] only)", s);
                        in_cluster = true;
                        continue;
                }
                if (!in_cluster)
                        return fail(line, at, error, error_size, "a key before [Cluster]");
                char *eq = strchr(s, '=');
                if (!eq)
                        return fail(line, at, error, error_size, "not KEY=VALUE");
                *eq = '\0';
                r = set_key(conf, trim(s), trim(eq + 1), at, &seen, line, error, error_size);
                if (r < 0)
                        return r;
        }
        if (!(seen & 1u))
                return fail(line, 0, error, error_size, "Host= is missing");
        if (!(seen & 2u))
                return fail(line, 0, error, error_size, "Address= is missing");
        if (!(seen & 4u))
                return fail(line, 0, error, error_size, "Etcd= is missing");
        return 0;
}

int cluster_conf_format(const struct cluster_conf *conf, char *buf, size_t size) {
        size_t at;
        int n;

        n = snprintf(buf, size,
                     "# dgo's cluster configuration: written by dgoctl cluster; see dgo-cluster.conf(5).\n"
                     "[Cluster]\nHost=%s\nAddress=%s\nEtcd=", conf->host, conf->address);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        at = (size_t) n;
        for (size_t i = 0; i < conf->n_etcd; i++) {
                n = snprintf(buf + at, size - at, "%s%s", i ? " " : "", conf->etcd[i]);
                if (n < 0 || (size_t) n >= size - at)
                        return -ENOBUFS;
                at += (size_t) n;
        }
        n = snprintf(buf + at, size - at, "\nLeaseSec=%u\n", conf->lease_sec);
        if (n < 0 || (size_t) n >= size - at)
                return -ENOBUFS;
        return (int) (at + (size_t) n);
}

int cluster_conf_load(const char *path, struct cluster_conf *conf) {
        _cleanup_free_ char *text = NULL;
        char error[160];
        size_t len = 0;
        unsigned line;
        int r;

        path = path ? path : CLUSTER_CONF_PATH;
        r = read_file_bounded(path, CLUSTER_CONF_MAX, &text, &len);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return log_error_errno(r, "Cannot read %s", path);
        r = cluster_conf_parse(text, len, conf, &line, error, sizeof error);
        if (r == -EINVAL) {
                if (line)
                        log_error("%s:%u: %s", path, line, error);
                else
                        log_error("%s: %s", path, error);
        }
        return r;
}
