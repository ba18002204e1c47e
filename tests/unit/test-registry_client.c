/* The provider table of the registry client: patches in, provider choice
 * and failover out. No registry is running: the registration attempt the
 * client starts stays pending, since the loop never runs. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "http/http_client.h"
#include "service/registry_client.h"

static int apply(struct registry_client *c, const char *patch) {
        char error[160];
        return registry_client_apply_patch(c, patch, strlen(patch), error, sizeof error);
}

int main(void) {
        sd_event *e = NULL;
        struct http_client *http = NULL;
        struct registry_client *c = NULL;
        const char *required[] = { "LogService", "GradingService", NULL };
        struct registry_client_config config = {
                .registry_url = "http://127.0.0.1:9/services",
                .service_name = "TeacherPortal",
                .service_url = "http://127.0.0.1:5000",
                .required = required,
        };

        CHECK(sd_event_new(&e) >= 0);
        CHECK(http_client_new(e, &http) >= 0);
        CHECK(registry_client_new(e, &config, &c) >= 0);
        CHECK(registry_client_register(c, http, NULL, NULL) >= 0);
        CHECK(registry_client_register(c, http, NULL, NULL) == -EALREADY);
        CHECK(!registry_client_registered(c));
        CHECK(registry_client_provider(c, "LogService") == NULL);

        CHECK(apply(c, "{\"Added\":[{\"Name\":\"LogService\",\"URL\":\"http://127.0.0.1:4000\"}],\"Removed\":[]}") == 0);
        CHECK_STR(registry_client_provider(c, "LogService"), "http://127.0.0.1:4000");

        /* two providers: the first stays chosen until it fails */
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6000\"},"
                       "{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6001\"}]}") == 0);
        CHECK_STR(registry_client_provider(c, "GradingService"), "http://127.0.0.1:6000");
        registry_client_provider_failed(c, "GradingService", "http://127.0.0.1:6000");
        CHECK_STR(registry_client_provider(c, "GradingService"), "http://127.0.0.1:6001");
        /* a failure reported for a provider no longer chosen changes nothing */
        registry_client_provider_failed(c, "GradingService", "http://127.0.0.1:6000");
        CHECK_STR(registry_client_provider(c, "GradingService"), "http://127.0.0.1:6001");
        registry_client_provider_failed(c, "GradingService", "http://127.0.0.1:6001");
        CHECK_STR(registry_client_provider(c, "GradingService"), "http://127.0.0.1:6000");

        /* the same provider added twice is kept once; removing it leaves the other */
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6000\"}]}") == 0);
        CHECK(apply(c, "{\"Removed\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6000\"}]}") == 0);
        CHECK_STR(registry_client_provider(c, "GradingService"), "http://127.0.0.1:6001");
        CHECK(apply(c, "{\"Removed\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6001\"}]}") == 0);
        CHECK(registry_client_provider(c, "GradingService") == NULL);
        /* removing what is not there is harmless */
        CHECK(apply(c, "{\"Removed\":[{\"Name\":\"Nobody\",\"URL\":\"http://127.0.0.1:1\"}]}") == 0);

        /* bad patches are refused and change nothing */
        CHECK(apply(c, "not json") == -EINVAL);
        CHECK(apply(c, "[]") == -EINVAL);
        CHECK(apply(c, "{\"Added\":{}}") == -EINVAL);
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"LogService\"}]}") == -EINVAL);
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"X\",\"URL\":\"ftp://x\"}]}") == -EINVAL);
        CHECK(apply(c, "{\"Removed\":[{\"Name\":\"LogService\",\"URL\":\"http://127.0.0.1:4000\"}],"
                       "\"Added\":[{\"Name\":1,\"URL\":\"http://a:1\"}]}") == -EINVAL);
        CHECK_STR(registry_client_provider(c, "LogService"), "http://127.0.0.1:4000");
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"Other\",\"URL\":\"http://127.0.0.1:7\"}],"
                       "\"Removed\":[{\"Name\":\"LogService\",\"URL\":\"nope\"}]}") == -EINVAL);
        CHECK(registry_client_provider(c, "Other") == NULL);

        http_client_free(http);         /* first: its pending request calls back into c */
        registry_client_free(c);
        sd_event_unref(e);
        return check_finish("registry_client");
}
