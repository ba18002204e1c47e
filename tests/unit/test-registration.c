/* test-registration.c - proves the registry protocol's rules: a
 * Registration is parsed (required names folded when repeated, Unit
 * optional) and written back as JSON with its Health; each bad one is refused
 * with a message that says what is wrong (missing or invalid ServiceName,
 * ServiceURL not http://, HeartbeatURL required without a Unit, a bad Unit,
 * a URL over 512 bytes, 17 required names, a ServiceURL with a path, an
 * update or heartbeat URL that is not the ServiceURL's /services and
 * /heartbeat); URL (http://HOST:PORT only), loopback host, unit and service
 * name checks; every arrow of the health mapping from unit and socket states
 * (with its reason, and no change while a unit is on its way); the patch's
 * Added/Removed JSON, its checks (what is refused, and why) and its entries
 * read back removals first; the Registration a service sends for itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"
#include "check.h"
#include "dgo/patch.h"
#include "dgo/registration.h"

static int parse(const char *text, struct registration **r, char *err) {
        json_t *j = json_loads(text, 0, NULL);
        int e = registration_from_json(j, r, err, 160);
        json_decref(j);
        return e;
}

static void test_parse(void) {
        struct registration *r;
        char err[160];

        CHECK(parse("{\"ServiceName\":\"GradingService\",\"ServiceURL\":\"http://localhost:6000\","
                    "\"RequiredServices\":[\"LogService\",\"LogService\"],"
                    "\"ServiceUpdateURL\":\"http://localhost:6000/services\","
                    "\"HeartbeatURL\":\"http://localhost:6000/heartbeat\"}", &r, err) == 0);
        CHECK_STR(r->name, "GradingService");
        CHECK_STR(r->url, "http://localhost:6000");
        CHECK(r->n_required == 1);                    /* duplicates folded */
        CHECK(registration_requires(r, "LogService"));
        CHECK(!registration_requires(r, "Other"));
        CHECK(r->unit == NULL);

        json_t *j = registration_to_json(r);
        CHECK_STR(json_string_value(json_object_get(j, "ServiceName")), "GradingService");
        CHECK_STR(json_string_value(json_object_get(j, "Health")), "up");
        CHECK(json_is_null(json_object_get(j, "Unit")));
        CHECK(json_array_size(json_object_get(j, "RequiredServices")) == 1);
        json_decref(j);
        registration_free(r);

        CHECK(parse("{\"ServiceName\":\"LogService\",\"ServiceURL\":\"http://127.0.0.1:4000\","
                    "\"Unit\":\"dgo-log.service\"}", &r, err) == 0);
        CHECK_STR(r->unit, "dgo-log.service");
        CHECK(r->update_url == NULL && r->n_required == 0);
        registration_free(r);

        /* each bad input says what is wrong */
        CHECK(parse("[1]", &r, err) == -EINVAL);
        CHECK(parse("{\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://a:1/h\"}", &r, err) == -EINVAL);
        CHECK_STR(err, "\"ServiceName\" is missing");
        CHECK(parse("{\"ServiceName\":\"has space\",\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://a:1/h\"}", &r, err) == -EINVAL);
        CHECK_STR(err, "\"ServiceName\" is not valid");
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"ftp://a:1\",\"HeartbeatURL\":\"http://a:1/h\"}", &r, err) == -EINVAL);
        CHECK_STR(err, "\"ServiceURL\" is not valid");
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":42,\"HeartbeatURL\":\"http://a:1/h\"}", &r, err) == -EINVAL);
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\"}", &r, err) == -EINVAL);
        CHECK_STR(err, "\"HeartbeatURL\" is required for a service without \"Unit\"");
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://a:1/h\","
                    "\"RequiredServices\":\"LogService\"}", &r, err) == -EINVAL);
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://a:1/h\","
                    "\"RequiredServices\":[1]}", &r, err) == -EINVAL);
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\",\"Unit\":\"../etc/passwd\"}", &r, err) == -EINVAL);
        CHECK_STR(err, "\"Unit\" is not valid");

        char big[700] = "{\"ServiceName\":\"A\",\"HeartbeatURL\":\"http://a:1/h\",\"ServiceURL\":\"http://";
        size_t n = strlen(big);
        memset(big + n, 'a', 600);
        strcpy(big + n + 600, "\"}");
        CHECK(parse(big, &r, err) == -EINVAL);        /* URL over 512 bytes */

        char many[1024] = "{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://a:1/h\",\"RequiredServices\":[";
        for (int i = 0; i < 17; i++)
                sprintf(many + strlen(many), "%s\"S%d\"", i ? "," : "", i);
        strcat(many, "]}");
        CHECK(parse(many, &r, err) == -EINVAL);       /* 17 required names */

        /* No path beyond the protocol's: http://HOST:PORT, its /services and /heartbeat. */
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1/x\",\"HeartbeatURL\":\"http://a:1/x/heartbeat\"}",
                    &r, err) == -EINVAL);
        CHECK_STR(err, "\"ServiceURL\" is not valid");
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://a:1/h\"}", &r, err) == -EINVAL);
        CHECK_STR(err, "\"HeartbeatURL\" is not valid: it must be the ServiceURL followed by /heartbeat");
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://a:1/heartbeat\","
                    "\"ServiceUpdateURL\":\"http://a:1/secret?x=/services\"}", &r, err) == -EINVAL);
        CHECK_STR(err, "\"ServiceUpdateURL\" is not valid: it must be the ServiceURL followed by /services");
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://b:1/heartbeat\"}",
                    &r, err) == -EINVAL);
        CHECK(parse("{\"ServiceName\":\"A\",\"ServiceURL\":\"http://a:1\",\"HeartbeatURL\":\"http://a:1/heartbeat\"}",
                    &r, err) == 0);
        registration_free(r);
}

static void test_validators(void) {
        CHECK(http_url_valid("http://127.0.0.1:4000"));
        CHECK(!http_url_valid("http://"));
        CHECK(!http_url_valid("https://x"));           /* a registrant's URLs: plain HTTP on this host */
        CHECK(!service_url_valid("https://10.0.0.1:6000"));
        CHECK(provider_url_valid("https://10.0.0.1:6000"));     /* another host's, in a patch */
        CHECK(provider_url_valid("http://127.0.0.1:6000"));
        CHECK(!provider_url_valid("https://"));
        CHECK(!provider_url_valid("httpss://10.0.0.1:6000"));
        CHECK(!provider_url_valid("ftp://10.0.0.1:6000"));
        CHECK(!http_url_valid("http://a b"));
        CHECK(!http_url_valid("http://a\x7f"));
        static const char *const good[] = {
                "http://127.0.0.1:4000", "http://localhost:6000", "http://[::1]:3000", "http://a-b.example:65535",
        };
        static const char *const bad[] = {
                "http://127.0.0.1", "http://127.0.0.1:", "http://127.0.0.1:0", "http://127.0.0.1:65536",
                "http://127.0.0.1:04000", "http://127.0.0.1:4000/", "http://127.0.0.1:4000/x", "http://a:1?x",
                "http://a:1#f", "http://u@a:1", "http://:1", "http://[::1:1", "http://[]:1", "http://-a:1",
                "http://a_b:1", "https://a:1", "http://a:1:2",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                CHECK(service_url_valid(good[i]));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK(!service_url_valid(bad[i]));
        char host[64];
        CHECK(service_url_host("http://[::1]:3000", host, sizeof host));
        CHECK_STR(host, "[::1]");
        CHECK(service_url_host("https://[fd00::1]:6000", host, sizeof host));
        CHECK_STR(host, "[fd00::1]");
        CHECK(!service_url_host("http://averyveryverylonghostname:1", host, 8));
        CHECK(host_is_loopback("localhost") && host_is_loopback("LocalHost") && host_is_loopback("[::1]"));
        CHECK(host_is_loopback("127.0.0.1") && host_is_loopback("127.1.2.3"));
        CHECK(!host_is_loopback("128.0.0.1") && !host_is_loopback("127.0.0.256") && !host_is_loopback("127.0.0"));
        CHECK(!host_is_loopback("127.0.0.1.example") && !host_is_loopback("localhost.example"));
        CHECK(!host_is_loopback("[::2]") && !host_is_loopback("example.org"));
        CHECK(unit_name_valid("dgo-log.service"));
        CHECK(unit_name_valid("foo@bar.service"));
        CHECK(!unit_name_valid("dgo-log.socket"));
        CHECK(!unit_name_valid(".service"));
        CHECK(!unit_name_valid("a/b.service"));
        CHECK(service_name_valid("TeacherPortal"));
        CHECK(!service_name_valid(""));
}

/* Every arrow of the state mapping. */
static void test_health(void) {
        char reason[64];

        CHECK(health_from_units("active", "running", "active", HEALTH_DOWN, reason, sizeof reason) == HEALTH_UP);
        CHECK_STR(reason, "running");
        CHECK(health_from_units("reloading", "reload", "active", HEALTH_DOWN, reason, sizeof reason) == HEALTH_UP);
        CHECK(health_from_units("failed", "failed", "active", HEALTH_UP, reason, sizeof reason) == HEALTH_DOWN);
        CHECK_STR(reason, "failed");
        CHECK(health_from_units("activating", "auto-restart", "active", HEALTH_UP, reason, sizeof reason) == HEALTH_DOWN);
        CHECK_STR(reason, "restarting");
        CHECK(health_from_units("inactive", "dead", "active", HEALTH_DOWN, reason, sizeof reason) == HEALTH_UP);
        CHECK_STR(reason, "socket listening, starts on demand");
        CHECK(health_from_units("inactive", "dead", "inactive", HEALTH_UP, reason, sizeof reason) == HEALTH_DOWN);
        CHECK_STR(reason, "stopped");
        CHECK(health_from_units("inactive", "dead", "failed", HEALTH_UP, reason, sizeof reason) == HEALTH_DOWN);
        /* on the way: no change */
        CHECK(health_from_units("activating", "start", "active", HEALTH_UP, reason, sizeof reason) == HEALTH_UP);
        CHECK(health_from_units("activating", "start", "active", HEALTH_DOWN, reason, sizeof reason) == HEALTH_DOWN);
        CHECK(health_from_units("deactivating", "stop-sigterm", "active", HEALTH_UP, reason, sizeof reason) == HEALTH_UP);
}

static void test_patch(void) {
        json_t *p = patch_new();
        CHECK(patch_empty(p));
        patch_add(p, true, "LogService", "http://127.0.0.1:4000");
        patch_add(p, false, "GradingService", "http://127.0.0.1:6000");
        CHECK(!patch_empty(p));
        char *s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
        CHECK_STR(s, "{\"Added\":[{\"Name\":\"LogService\",\"URL\":\"http://127.0.0.1:4000\"}],"
                     "\"Removed\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6000\"}]}");
        free(s);
        json_decref(p);
}

static void collect(bool added, const char *name, const char *url, void *userdata) {
        char *seen = userdata;
        size_t n = strlen(seen);

        snprintf(seen + n, 256 - n, "%c%s@%s;", added ? '+' : '-', name, url);
}

static void test_patch_check(void) {
        static const struct {
                const char *json, *error;
        } bad[] = {
                { "[]", "a patch is a JSON object" },
                { "{\"Added\":{}}", "\"Added\" must be a list of at most 256 entries" },
                { "{\"Added\":[{\"Name\":\"A\"}]}", "each \"Added\" entry needs a \"Name\" and a \"URL\" (http:// or https://)" },
                { "{\"Removed\":[{\"Name\":\"A b\",\"URL\":\"http://x\"}]}",
                  "each \"Removed\" entry needs a \"Name\" and a \"URL\" (http:// or https://)" },
                { "{\"Removed\":[{\"Name\":\"A\",\"URL\":\"ftp://x\"}]}",
                  "each \"Removed\" entry needs a \"Name\" and a \"URL\" (http:// or https://)" },
        };
        char error[128], seen[256] = "";

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *j = json_loads(bad[i].json, 0, NULL);
                error[0] = '\0';
                CHECK(j && patch_check(j, error, sizeof error) == -EINVAL);
                CHECK_STR(error, bad[i].error);
                json_decref(j);
        }
        json_t *big = patch_new();
        for (int i = 0; i < PATCH_ENTRIES_MAX + 1; i++)
                patch_add(big, true, "A", "http://127.0.0.1:1");
        CHECK(patch_check(big, error, sizeof error) == -EINVAL);
        json_decref(big);

        json_t *ok = json_loads("{\"Added\":[{\"Name\":\"A\",\"URL\":\"http://a\"}],\"Removed\":null}", 0, NULL);
        CHECK(ok && patch_check(ok, error, sizeof error) == 0);
        json_decref(ok);

        json_t *p = patch_new();
        patch_add(p, true, "A", "http://a");
        patch_add(p, false, "B", "http://b");
        patch_add(p, true, "C", "http://c");
        CHECK(patch_check(p, error, sizeof error) == 0);
        patch_foreach(p, collect, seen);
        CHECK_STR(seen, "-B@http://b;+A@http://a;+C@http://c;");
        json_decref(p);
}

static void test_registration_request(void) {
        static const char *const required[] = { "LogService", "GradingService", NULL };
        json_t *j = registration_request_new("TeacherPortal", "http://127.0.0.1:5000", required,
                                             "dgo-portal.service");
        struct registration *r = NULL;
        char error[128];

        /* What a service sends is what the registry takes. */
        CHECK(j && registration_from_json(j, &r, error, sizeof error) == 0);
        CHECK(r && strcmp(r->update_url, "http://127.0.0.1:5000/services") == 0);
        CHECK(r && strcmp(r->heartbeat_url, "http://127.0.0.1:5000/heartbeat") == 0);
        CHECK(r && r->n_required == 2 && strcmp(r->unit, "dgo-portal.service") == 0);
        registration_free(r);
        json_decref(j);

        j = registration_request_new("Weather", "http://127.0.0.1:7000", NULL, NULL);
        CHECK(j && !json_object_get(j, "Unit") && json_array_size(json_object_get(j, "RequiredServices")) == 0);
        json_decref(j);
}

int main(void) {
        test_parse();
        test_validators();
        test_health();
        test_patch();
        test_patch_check();
        test_registration_request();
        return check_finish("registration");
}
