/* Registering (registry_client.c), against an in-process "registry" on
 * an ephemeral loopback port that answers what the test says: refused
 * (400) it is not retried and the caller hears -EINVAL; unreachable (503)
 * it is retried with backoff until the registry takes it (200), and then the
 * caller hears 0. What was POSTed is the Registration of the protocol. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http/http.h"
#include "http/http_client.h"
#include "http/http_server.h"
#include "loopback.h"
#include "service/registry_client.h"

static sd_event *event;
static unsigned answers[3];                     /* what the registry answers, in turn */
static unsigned posts;
static char last_body[1024];

static int handle_register(struct http_request *req, void *userdata) {
        size_t len;
        const char *body = http_request_body(req, &len);
        unsigned status = answers[posts < 3 ? posts : 2];

        snprintf(last_body, sizeof last_body, "%.*s", (int) len, body);
        posts++;
        return status == 200 ? http_reply_empty(req, 200) : http_reply_error(req, status, "test says %u", status);
}

static int result = 1;                          /* 1: not called yet */

static void on_done(int r, void *userdata) {
        result = r;
}

static void run(unsigned a, unsigned b, unsigned c, const char *registry_url) {
        static const char *const required[] = { "LogService", NULL };
        struct registry_client_config config = {
                .registry_url = registry_url,
                .service_name = "GradingService",
                .service_url = "http://127.0.0.1:6000",
                .unit = "dgo-grading.service",
                .required = required,
        };
        struct registry_client *rc = NULL;

        answers[0] = a, answers[1] = b, answers[2] = c;
        posts = 0;
        result = 1;
        CHECK(registry_client_new(event, &config, NULL, &rc) == 0);
        CHECK(registry_client_register(rc, on_done, NULL) == 0);
        for (int i = 0; i < 50 && result == 1; i++)          /* at most 5 s */
                CHECK(sd_event_run(event, 100 * 1000) >= 0);
        CHECK(registry_client_registered(rc) == (result == 0));
        registry_client_free(rc);
}

int main(void) {
        static const struct http_route routes[] = { { "POST", "/services", handle_register, 0, 0 } };
        struct http_server_config sc = { .routes = routes, .n_routes = 1 };
        struct http_server *server = NULL;
        unsigned port = 0;
        char url[64];
        int fd = listen_loopback(&port);

        CHECK(fd >= 0);
        CHECK(sd_event_new(&event) >= 0);
        CHECK(http_server_start(event, fd, &sc, &server) == 0);
        snprintf(url, sizeof url, "http://127.0.0.1:%u/services", port);

        /* Refused: told at once, not retried. */
        run(400, 200, 200, url);
        CHECK(result == -EINVAL);
        CHECK(posts == 1);

        /* Not there twice (503), then taken: retried, then 0. */
        run(503, 503, 200, url);
        CHECK(result == 0);
        CHECK(posts == 3);

        json_t *j = json_loads(last_body, 0, NULL);
        CHECK(j != NULL);
        CHECK_STR(json_string_value(json_object_get(j, "ServiceName")), "GradingService");
        CHECK_STR(json_string_value(json_object_get(j, "ServiceURL")), "http://127.0.0.1:6000");
        CHECK_STR(json_string_value(json_object_get(j, "ServiceUpdateURL")), "http://127.0.0.1:6000/services");
        CHECK_STR(json_string_value(json_object_get(j, "HeartbeatURL")), "http://127.0.0.1:6000/heartbeat");
        CHECK_STR(json_string_value(json_object_get(j, "Unit")), "dgo-grading.service");
        CHECK_STR(json_string_value(json_array_get(json_object_get(j, "RequiredServices"), 0)), "LogService");
        json_decref(j);

        http_server_free(server);
        sd_event_unref(event);
        return check_finish("registry_register");
}
