/* test-cluster_map - the pure half of the registry's cluster map: keys,
 * the URL other hosts use, values both ways (with hostile values from
 * etcd), and what a change of one entry or of the whole map tells
 * dependents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "registry/cluster_map.h"

static struct cluster_entry *entry(const char *host, const char *name, const char *url, enum health h) {
        struct cluster_entry *e = calloc(1, sizeof *e);
        char key[256];

        CHECK(cluster_key(host, url, key, sizeof key) == 0);
        e->key = strdup(key);
        e->host = strdup(host);
        e->name = strdup(name);
        e->url = strdup(url);
        e->health = h;
        return e;
}

static char said[1024];

static void record(bool added, const char *name, const char *url, void *userdata) {
        size_t n = strlen(said);
        snprintf(said + n, sizeof said - n, "%s%s %s;", added ? "+" : "-", name, url);
}

static void test_keys(void) {
        char buf[256], host[64];

        CHECK(cluster_key("h1", "http://127.0.0.1:8081", buf, sizeof buf) == 0);
        CHECK_STR(buf, "/dgo/v1/services/h1/127.0.0.1:8081");
        CHECK(cluster_key("h1", "http://[::1]:8081", buf, sizeof buf) == 0);
        CHECK_STR(buf, "/dgo/v1/services/h1/[::1]:8081");
        CHECK(cluster_key("H1", "http://127.0.0.1:8081", buf, sizeof buf) == -EINVAL);
        CHECK(cluster_key("h1", "http://127.0.0.1:8081/x", buf, sizeof buf) == -EINVAL);
        CHECK(cluster_key("h1", "http://127.0.0.1:8081", buf, 10) == -ENOBUFS);
        CHECK(cluster_key("h1", "https://127.0.0.1:8081", buf, sizeof buf) == -EINVAL);   /* registrations are http:// */

        CHECK(cluster_key_host("/dgo/v1/services/h1/127.0.0.1:8081", host, sizeof host));
        CHECK_STR(host, "h1");
        CHECK(!cluster_key_host("/dgo/v1/services/h1/", host, sizeof host));
        CHECK(!cluster_key_host("/dgo/v1/services/h1", host, sizeof host));
        CHECK(!cluster_key_host("/dgo/v1/services//x", host, sizeof host));
        CHECK(!cluster_key_host("/dgo/v1/services/Bad_Host/x", host, sizeof host));
        CHECK(!cluster_key_host("/other/h1/x", host, sizeof host));
        CHECK(!cluster_key_host("/dgo/v1/services/h1/x", host, 2));

        CHECK(cluster_public_url("http://127.0.0.1:8081", "10.77.0.1", buf, sizeof buf) == 0);
        CHECK_STR(buf, "https://10.77.0.1:8081");            /* the cluster socket: HTTPS */
        CHECK(cluster_public_url("http://[::1]:8081", "fd00::1", buf, sizeof buf) == 0);
        CHECK_STR(buf, "https://[fd00::1]:8081");
        CHECK(cluster_public_url("https://10.77.0.9:443", "10.77.0.1", buf, sizeof buf) == 0);
        CHECK_STR(buf, "https://10.77.0.9:443");
        CHECK(cluster_public_url("http://10.77.0.9:80", "10.77.0.1", buf, sizeof buf) == 0);
        CHECK_STR(buf, "http://10.77.0.9:80");
        CHECK(cluster_public_url("http://127.0.0.1:8081", "127.0.0.1", buf, sizeof buf) == -EINVAL);
        CHECK(cluster_public_url("ftp://127.0.0.1:8081", "10.77.0.1", buf, sizeof buf) == -EINVAL);
}

static int parse(const char *key, const char *value, struct cluster_entry **e) {
        char error[256];
        *e = NULL;
        return cluster_value_parse(key, value, strlen(value), e, error, sizeof error);
}

static void test_values(void) {
        static const char *const required[] = { "LogService", NULL };
        json_t *j = registration_request_new("GradingService", "http://127.0.0.1:8082", required,
                                             "dgo-grading.service");
        struct registration *r = NULL;
        struct cluster_entry *e;
        char error[256];
        const char *key = "/dgo/v1/services/h1/127.0.0.1:8082";

        CHECK(registration_from_json(j, &r, error, sizeof error) == 0);
        json_decref(j);
        r->health = HEALTH_UP;
        char *v = cluster_value_format(r, "h1", "http://10.77.0.1:8082");
        CHECK_STR(v, "{\"Health\":\"up\",\"Host\":\"h1\",\"ServiceName\":\"GradingService\","
                     "\"ServiceURL\":\"http://10.77.0.1:8082\",\"Unit\":\"dgo-grading.service\"}");
        /* Both ways. */
        CHECK(parse(key, v, &e) == 0);
        CHECK(e && strcmp(e->host, "h1") == 0 && strcmp(e->name, "GradingService") == 0 &&
              strcmp(e->url, "http://10.77.0.1:8082") == 0 && e->health == HEALTH_UP &&
              e->unit && strcmp(e->unit, "dgo-grading.service") == 0 && strcmp(e->key, key) == 0);
        cluster_entry_free(e);
        free(v);
        registration_free(r);

        /* A foreign service: no unit; unknown fields are fine. */
        CHECK(parse(key, "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://[fd00::2]:1\","
                         "\"Unit\":null,\"Health\":\"down\",\"Future\":[1]}", &e) == 0);
        CHECK(e && !e->unit && e->health == HEALTH_DOWN);
        cluster_entry_free(e);

        /* Hostile or broken values. */
        static const char *const bad[] = {
                "",
                "null",
                "[]",
                "\"x\"",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\"",  /* cut */
                "{\"Host\":\"h2\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"up\"}",
                "{\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"up\"}",
                "{\"Host\":1,\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://127.0.0.1:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://[::1]:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://localhost:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://evil.example:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://0.0.0.0:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1/p\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"ftp://10.0.0.1:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"https://127.0.0.1:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"UP\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"a b\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"up\","
                "\"Unit\":\"../../x\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"up\","
                "\"Unit\":5}",
                "{\"Host\":\"h1\\u0000x\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"ServiceName\":\"X\\u0000\",\"ServiceURL\":\"http://10.0.0.1:1\",\"Health\":\"up\"}",
                "{\"Host\":\"h1\",\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":\"http://10.0.0.1:1\","
                "\"Health\":\"up\"}",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                int rr = parse(key, bad[i], &e);
                if (rr != -EINVAL)
                        fprintf(stderr, "accepted: %s\n", bad[i]);
                CHECK(rr == -EINVAL && !e);
        }
        /* A good value under a key that is not one. */
        CHECK(parse("/dgo/v1/services/h1", "{\"Host\":\"h1\",\"ServiceName\":\"X\",\"ServiceURL\":"
                                           "\"http://10.0.0.1:1\",\"Health\":\"up\"}", &e) == -EINVAL);
        /* NULs inside the value's bytes, and a value too long. */
        static const char nul[] = "{\"Host\":\"h1\"}\0garbage";
        CHECK(cluster_value_parse(key, nul, sizeof nul - 1, &e, error, sizeof error) == -EINVAL);
        char *big = malloc(CLUSTER_VALUE_MAX + 2);
        memset(big, ' ', CLUSTER_VALUE_MAX + 1);
        big[CLUSTER_VALUE_MAX + 1] = '\0';
        CHECK(parse(key, big, &e) == -EINVAL);
        free(big);
}

static void test_map(void) {
        struct cluster_map m = { 0 }, n = { 0 };
        struct cluster_entry *old;

        CHECK(cluster_map_put(&m, entry("h1", "A", "http://10.0.0.1:1", HEALTH_UP), &old) == 0 && !old);
        CHECK(cluster_map_put(&m, entry("h1", "B", "http://10.0.0.1:2", HEALTH_UP), &old) == 0 && !old);
        CHECK(cluster_map_put(&m, entry("h2", "A", "http://10.0.0.2:1", HEALTH_DOWN), &old) == 0 && !old);
        CHECK(m.n == 3 && cluster_map_hosts(&m) == 2);
        CHECK(cluster_map_put(&m, entry("h1", "A", "http://10.0.0.1:1", HEALTH_DOWN), &old) == 0 && old);
        CHECK(m.n == 3);
        CHECK(cluster_map_find(&m, "/dgo/v1/services/h1/10.0.0.1:1")->health == HEALTH_DOWN);

        /* One entry's changes. */
        said[0] = '\0';
        cluster_entry_diff(old, cluster_map_find(&m, old->key), record, NULL);
        CHECK_STR(said, "-A http://10.0.0.1:1;");
        said[0] = '\0';
        cluster_entry_diff(cluster_map_find(&m, old->key), old, record, NULL);
        CHECK_STR(said, "+A http://10.0.0.1:1;");
        said[0] = '\0';
        cluster_entry_diff(old, old, record, NULL);             /* nothing changed */
        cluster_entry_diff(NULL, cluster_map_find(&m, old->key), record, NULL);  /* came down */
        CHECK_STR(said, "");
        struct cluster_entry *renamed = entry("h1", "C", "http://10.0.0.1:1", HEALTH_UP);
        cluster_entry_diff(old, renamed, record, NULL);
        CHECK_STR(said, "-A http://10.0.0.1:1;+C http://10.0.0.1:1;");
        said[0] = '\0';
        cluster_entry_diff(renamed, NULL, record, NULL);
        CHECK_STR(said, "-C http://10.0.0.1:1;");
        cluster_entry_free(renamed);
        cluster_entry_free(old);

        /* Whole maps: m = {A@1 down, B@2 up, A@h2 down}; n = {B@2 up, A@h2 up, D up}. */
        CHECK(cluster_map_put(&n, entry("h1", "B", "http://10.0.0.1:2", HEALTH_UP), &old) == 0);
        CHECK(cluster_map_put(&n, entry("h2", "A", "http://10.0.0.2:1", HEALTH_UP), &old) == 0);
        CHECK(cluster_map_put(&n, entry("h3", "D", "http://10.0.0.3:1", HEALTH_UP), &old) == 0);
        said[0] = '\0';
        cluster_map_diff(&m, &n, record, NULL);
        CHECK_STR(said, "+A http://10.0.0.2:1;+D http://10.0.0.3:1;");
        said[0] = '\0';
        cluster_map_diff(&n, &m, record, NULL);
        CHECK_STR(said, "-A http://10.0.0.2:1;-D http://10.0.0.3:1;");
        said[0] = '\0';
        cluster_map_diff(&n, &n, record, NULL);
        CHECK_STR(said, "");

        old = cluster_map_take(&m, "/dgo/v1/services/h1/10.0.0.1:2");
        CHECK(old && m.n == 2 && !cluster_map_find(&m, old->key));
        CHECK(!cluster_map_take(&m, old->key));
        cluster_entry_free(old);

        /* Bounded. */
        struct cluster_map big = { 0 };
        for (unsigned i = 0; i < CLUSTER_REMOTE_MAX; i++) {
                char url[64];
                snprintf(url, sizeof url, "http://10.0.%u.%u:1", i / 250, i % 250 + 1);
                CHECK(cluster_map_put(&big, entry("h1", "A", url, HEALTH_UP), &old) == 0 && !old);
        }
        struct cluster_entry *extra = entry("h9", "A", "http://10.9.9.9:1", HEALTH_UP);
        CHECK(cluster_map_put(&big, extra, &old) == -ENOSPC);
        cluster_entry_free(extra);
        cluster_map_clear(&big);
        cluster_map_clear(&m);
        cluster_map_clear(&n);
        CHECK(m.n == 0 && !m.entries);
}

int main(void) {
        test_keys();
        test_values();
        test_map();
        return check_finish("test-cluster_map");
}
