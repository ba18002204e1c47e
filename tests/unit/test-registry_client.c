/* test-registry_client.c - proves the registry client (service/
 * registry_client.c) without a registry: the registration it starts stays
 * pending (the loop never runs) and a second start is -EALREADY; the
 * provider it names is the providers table's, as patches say. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "service/registry_client.h"

int main(void) {
        sd_event *e = NULL;
        struct providers *p = NULL;
        struct registry_client *c = NULL;
        const char *required[] = { "LogService", "GradingService", NULL };
        struct registry_client_config config = {
                .registry_url = "http://127.0.0.1:9/services",
                .service_name = "TeacherPortal",
                .service_url = "http://127.0.0.1:5000",
                .required = required,
        };
        const char *patch = "{\"Added\":[{\"Name\":\"LogService\",\"URL\":\"http://127.0.0.1:4000\"}],\"Removed\":[]}";
        char error[160];

        CHECK(sd_event_new(&e) >= 0);
        CHECK(providers_new(&p) >= 0);
        CHECK(registry_client_new(e, &config, p, &c) >= 0);
        CHECK(registry_client_register(c, NULL, NULL) >= 0);
        CHECK(registry_client_register(c, NULL, NULL) == -EALREADY);
        CHECK(!registry_client_registered(c));
        CHECK_STR(registry_client_url(c), "http://127.0.0.1:9/services");
        CHECK(registry_client_provider(c, "LogService") == NULL);

        CHECK(providers_apply_patch(p, patch, strlen(patch), error, sizeof error) == 0);
        CHECK_STR(registry_client_provider(c, "LogService"), "http://127.0.0.1:4000");

        registry_client_free(c);        /* first: the table is borrowed */
        providers_free(p);
        sd_event_unref(e);
        return check_finish("registry_client");
}
