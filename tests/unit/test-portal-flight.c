/* The portal's fetches (upstream.h, flight.h) against an in-process grading
 * service on loopback whose GET /students answers 30 ms late, all in one
 * sd-event loop. The provider table is a real registry client's, fed with
 * patches (its registry is a closed port: it only retries, harmlessly).
 *
 *  1. no provider yet (the portal just started): views wait for one, and
 *     are served once a patch brings it;
 *  2. single flight: 20 views at once make one fetch; 20 more that come
 *     while it is under way, after a change, wait for the next fetch (one
 *     for all of them) and see the change; a rendering kept for an answer
 *     is dropped when the answer changes, kept when it does not; a view
 *     that comes after the fetch was sent never rides it;
 *  3. pages of the list (flights.h): one flight per path, so views of one
 *     page share a fetch and views of another page get their own, each
 *     with the page it asked for and the X-Total-Count; a rendering kept
 *     for a page is dropped when only the total changed, kept when nothing
 *     did; past its bound the set drops the idle flight used longest ago,
 *     and its counts stay in the totals;
 *  4. failover: the first provider refuses, the second answers;
 *  5. the only provider refuses: 502, at once;
 *  6. no provider any more: 503, at once, but never from inside the call;
 *  7. a provider that never answers: 502 within the attempt timeout;
 *  8. a POST is sent to a second provider when the first refused, but not
 *     when the first took it and never answered (it may have done it): 502,
 *     and the second provider never sees it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "basic/macros.h"
#include "check.h"
#include "phases.h"
#include "loopback.h"
#include "portal/flight.h"
#include "portal/flights.h"
#include "http/http.h"
#include "http/http_client.h"
#include "http/http_server.h"
#include "service/registry_client.h"
#include "portal/upstream.h"

#define VIEWS 20
#define SERVER_DELAY_USEC (30 * 1000ULL)

static sd_event *event;
static struct http_client *client;
static struct registry_client *rc;
static struct providers *providers;
static struct upstream *up;
static struct flight *list;
static bool in_call;                    /* inside flight_join() or upstream_request() */
static char good_url[64], refused_url[64], silent_url[64];

/* The fake grading service. */
static unsigned version, server_gets, total_count;      /* X-Total-Count to send; 0: none */

struct view {
        bool done;
        unsigned status;
        bool answered;
        char body[256];
        char total[32];                         /* X-Total-Count; "" when none */
        uint64_t usec;
        struct flight_waiter w;
};
static struct view views[2 * VIEWS];
static struct view single;


/* ---- the grading service: the data as it was when asked, 30 ms later ---- */

struct pending {
        struct http_request *req;
        char body[96];
        unsigned total;
};

static int on_answer_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct pending *p = userdata;
        char total[16];

        http_reply(p->req, 200, "application/json", p->body, strlen(p->body));
        snprintf(total, sizeof total, "%u", p->total);
        if (p->total)
                http_reply_header(p->req, "X-Total-Count", total);
        http_request_resume(p->req);
        sd_event_source_disable_unref(s);
        free(p);
        return 0;
}

static int handle_students(struct http_request *req, void *userdata) {
        struct pending *p = calloc(1, sizeof *p);

        if (!p)
                return -ENOMEM;
        const char *offset = http_request_query(req, "offset");

        server_gets++;
        p->req = req;
        p->total = total_count;
        if (offset)                             /* a page: which one */
                snprintf(p->body, sizeof p->body, "[{\"version\":%u,\"offset\":\"%.8s\"}]", version, offset);
        else
                snprintf(p->body, sizeof p->body, "[{\"version\":%u}]", version);
        if (sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, SERVER_DELAY_USEC, 1, on_answer_timer, p) < 0) {
                free(p);
                return -EIO;
        }
        return HTTP_LATER;
}

static unsigned server_posts;

static int handle_post(struct http_request *req, void *userdata) {
        server_posts++;
        return http_reply(req, 201, "application/json", "{}", 2);
}

static const struct http_route routes[] = {
        { "GET", "/students", handle_students, 0, 0 },
        { "POST", "/students/{}/grades", handle_post, 0, 0 },
};

static void patch(const char *verb, const char *url) {
        char body[256], error[160];

        snprintf(body, sizeof body, "{\"%s\":[{\"Name\":\"GradingService\",\"URL\":\"%s\"}]}", verb, url);
        CHECK(providers_apply_patch(providers, body, strlen(body), error, sizeof error) == 0);
}

/* ---- the views ---- */


static void record(struct view *v, const struct upstream_response *r) {
        CHECK(!in_call);                        /* always from the loop */
        CHECK(!v->done);                        /* exactly once */
        v->done = true;
        v->status = r->status;
        v->answered = r->answered;
        snprintf(v->body, sizeof v->body, "%s", r->answered ? r->body : r->error);
        snprintf(v->total, sizeof v->total, "%s", r->total_count ? r->total_count : "");
        v->usec = phases_now_usec() - phases_started_usec;
}

static void on_view(struct flight *f, const struct upstream_response *r, void *userdata) {
        record(userdata, r);
        phases_done();
}

static void join(struct view *v) {
        memset(v, 0, sizeof *v);
        in_call = true;
        int r = flight_join(list, &v->w, on_view, v);
        in_call = false;
        CHECK(r == 0);
        if (r == 0)
                phases_outstanding++;
}

static void on_single(const struct upstream_response *r, void *userdata) {
        record(userdata, r);
        phases_done();
}

static void request_single_as(const char *method, const char *path, const char *body) {
        memset(&single, 0, sizeof single);
        in_call = true;
        int r = upstream_request(up, method, path, body ? "application/json" : NULL, body, body ? strlen(body) : 0,
                                 on_single, &single);
        in_call = false;
        CHECK(r == 0);
        if (r == 0)
                phases_outstanding++;
}

static void request_single(void) {
        request_single_as("GET", "/students", NULL);
}

static void request_post(void) {
        request_single_as("POST", "/students/1/grades", "{\"Title\":\"t\",\"Type\":\"Quiz\",\"Score\":1}");
}

/* 1: no provider yet; one arrives 100 ms later. */
static int on_provider_arrives(sd_event_source *s, uint64_t usec, void *userdata) {
        patch("Added", good_url);
        return 0;
}

static void phase_startup(void) {
        for (unsigned i = 0; i < 5; i++)
                join(&views[i]);
        CHECK(sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, 100 * 1000ULL, 1, on_provider_arrives, NULL) >= 0);
}

static void check_startup(void) {
        for (unsigned i = 0; i < 5; i++) {
                CHECK(views[i].status == 200 && views[i].answered);
                CHECK_STR(views[i].body, "[{\"version\":0}]");
                CHECK(views[i].usec >= 100 * 1000ULL);          /* they waited for the provider */
        }
        CHECK(server_gets == 1);                                /* one fetch for the five */
}

/* 2: single flight, read after write, the kept rendering. */
static unsigned cache_frees;
static void cache_free(void *p) {
        cache_frees++;
        free(p);
}

static int on_change_and_more_views(sd_event_source *s, uint64_t usec, void *userdata) {
        /* A change acknowledged now must be seen by every view that comes now. */
        version++;
        for (unsigned i = VIEWS; i < 2 * VIEWS; i++)
                join(&views[i]);
        return 0;
}

static void phase_single_flight(void) {
        server_gets = 0;
        flight_set_cache(list, strdup("rendering of version 0"), cache_free);
        for (unsigned i = 0; i < VIEWS; i++)
                join(&views[i]);
        CHECK(sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, 10 * 1000ULL, 1,
                                         on_change_and_more_views, NULL) >= 0);
}

static void check_single_flight(void) {
        struct flight_stats st;

        for (unsigned i = 0; i < VIEWS; i++)
                CHECK_STR(views[i].body, "[{\"version\":0}]");
        for (unsigned i = VIEWS; i < 2 * VIEWS; i++) {
                CHECK(views[i].status == 200);
                CHECK_STR(views[i].body, "[{\"version\":1}]");  /* never the older answer */
        }
        CHECK(server_gets == 2);                                /* 40 views, 2 fetches */
        /* The first answer was the same as before: the rendering stayed; the second differed. */
        CHECK(cache_frees == 1);
        CHECK(flight_cache(list) == NULL);
        flight_get_stats(list, &st);
        CHECK(st.renders_saved >= 1);
        CHECK(flight_idle(list));
}

/* 3: pages of the list, each its own flight. */
#define PAGE_1 "/students?offset=0&limit=100"
#define PAGE_2 "/students?offset=100&limit=100"
#define PAGE_3 "/students?offset=200&limit=100"
static struct flight_set pages;

static void join_path(struct view *v, const char *path) {
        struct flight *f = flight_set_get(&pages, path);

        memset(v, 0, sizeof *v);
        CHECK(f != NULL);
        if (!f)
                return;
        in_call = true;
        int r = flight_join(f, &v->w, on_view, v);
        in_call = false;
        CHECK(r == 0);
        if (r == 0)
                phases_outstanding++;
}

static void phase_pages(void) {
        server_gets = 0;
        total_count = 250;
        flight_set_init(&pages, event, up, 2);
        CHECK(flight_set_get(&pages, PAGE_1) == flight_set_get(&pages, PAGE_1));
        CHECK(flight_set_get(&pages, PAGE_1) != flight_set_get(&pages, PAGE_2));
        for (unsigned i = 0; i < 3; i++)
                join_path(&views[i], PAGE_1);
        for (unsigned i = 3; i < 6; i++)
                join_path(&views[i], PAGE_2);
}

static void check_pages(void) {
        char want[2][96];

        snprintf(want[0], sizeof want[0], "[{\"version\":%u,\"offset\":\"0\"}]", version);
        snprintf(want[1], sizeof want[1], "[{\"version\":%u,\"offset\":\"100\"}]", version);
        for (unsigned i = 0; i < 6; i++) {
                CHECK(views[i].status == 200);
                CHECK_STR(views[i].body, want[i / 3]);          /* the page it asked for */
                CHECK_STR(views[i].total, "250");
        }
        CHECK(server_gets == 2);                                /* one fetch per page, not per view */
        CHECK(pages.n == 2);
}

/* The same page with a new total: the kept rendering is stale. */
static void phase_total_changes(void) {
        cache_frees = 0;
        flight_set_cache(flight_set_get(&pages, PAGE_1), strdup("page 1 of 3"), cache_free);
        total_count = 251;
        join_path(&views[0], PAGE_1);
}

static void check_total_changes(void) {
        CHECK_STR(views[0].total, "251");
        CHECK(cache_frees == 1);
        CHECK(flight_cache(flight_set_get(&pages, PAGE_1)) == NULL);
        flight_set_cache(flight_set_get(&pages, PAGE_1), strdup("page 1 of 3, 251"), cache_free);
}

/* ... and again the same: it stays. */
static void phase_total_same(void) {
        join_path(&views[0], PAGE_1);
}

static void check_total_same(void) {
        CHECK_STR(views[0].total, "251");
        CHECK(cache_frees == 1);
        CHECK(flight_cache(flight_set_get(&pages, PAGE_1)) != NULL);
}

/* A third page, with room for two: page 2, idle and used longest ago, goes. */
static struct flight *page_1;

static void phase_evict(void) {
        page_1 = flight_set_get(&pages, PAGE_1);
        CHECK(flight_set_get(&pages, PAGE_3) != NULL);
        total_count = 0;
}

static void check_evict(void) {
        struct flight_stats st;

        CHECK(pages.n == 2);
        CHECK(flight_set_get(&pages, PAGE_1) == page_1);       /* still the one with the rendering */
        CHECK(flight_cache(page_1) != NULL);
        CHECK(strcmp(pages.entries[0].path, PAGE_2) != 0 && strcmp(pages.entries[1].path, PAGE_2) != 0);
        flight_set_get_stats(&pages, &st);
        CHECK(st.fetches == 4);                                 /* page 2's fetch still counts */
        CHECK(st.served == 8);
}

/* 4: failover from a refusing provider to a good one. */
static void phase_failover(void) {
        struct upstream_stats st;

        patch("Removed", good_url);
        patch("Added", refused_url);
        patch("Added", good_url);
        CHECK_STR(registry_client_provider(rc, "GradingService"), refused_url);
        upstream_get_stats(up, &st);
        CHECK(st.failovers == 0);
        request_single();
}

static void check_failover(void) {
        struct upstream_stats st;

        CHECK(single.status == 200 && single.answered);
        CHECK_STR(registry_client_provider(rc, "GradingService"), good_url);    /* it stays there */
        upstream_get_stats(up, &st);
        CHECK(st.failovers == 1);
}

/* 5: the only provider refuses. */
static void phase_refused(void) {
        patch("Removed", good_url);
        request_single();
}

static void check_refused(void) {
        CHECK(single.status == 502 && !single.answered);
        CHECK(strstr(single.body, refused_url) != NULL);
        CHECK(single.usec < 500 * 1000ULL);
}

/* 6: no provider any more (the portal is not new): 503 at once. */
static void phase_none(void) {
        patch("Removed", refused_url);
        CHECK(registry_client_provider(rc, "GradingService") == NULL);
        request_single();
        join(&views[0]);                        /* a view too */
}

static void check_none(void) {
        CHECK(single.status == 503 && !single.answered);
        CHECK(strstr(single.body, "no provider") != NULL);
        CHECK(single.usec < 100 * 1000ULL);
        CHECK(views[0].status == 503);
}

/* 7: a provider that accepts and never answers. */
static void phase_silent(void) {
        patch("Added", silent_url);
        request_single();
}

static void check_silent(void) {
        CHECK(single.status == 502 && !single.answered);
        CHECK(single.usec >= (UPSTREAM_ATTEMPT_TIMEOUT_MS - 50) * 1000ULL);
        CHECK(single.usec < (UPSTREAM_BUDGET_MS + 500) * 1000ULL);
        printf("a silent provider: 502 after %.0f ms\n", single.usec / 1000.0);
}

/* 8: a POST to FIRST, with the good provider next. */
static void post_via(const char *first) {
        patch("Removed", silent_url);
        patch("Removed", refused_url);
        patch("Removed", good_url);
        patch("Added", first);
        patch("Added", good_url);
        CHECK_STR(registry_client_provider(rc, "GradingService"), first);
        server_posts = 0;
        request_post();
}

/* It fails over from a refusing provider ... */
static void phase_post_refused(void) {
        post_via(refused_url);
}

static void check_post_refused(void) {
        CHECK(single.status == 201 && single.answered);
        CHECK(server_posts == 1);
}

/* ... but not from one that took it and never answered. */
static void phase_post_silent(void) {
        post_via(silent_url);
}

static void check_post_silent(void) {
        CHECK(single.status == 502 && !single.answered);
        CHECK(strstr(single.body, "not sent again") != NULL);
        CHECK(server_posts == 0);
        CHECK_STR(registry_client_provider(rc, "GradingService"), good_url);    /* the next one goes there */
}

static const struct phase phases[] = {
        { phase_startup, check_startup },
        { phase_single_flight, check_single_flight },
        { phase_pages, check_pages },
        { phase_total_changes, check_total_changes },
        { phase_total_same, check_total_same },
        { phase_evict, check_evict },
        { phase_failover, check_failover },
        { phase_refused, check_refused },
        { phase_none, check_none },
        { phase_silent, check_silent },
        { phase_post_refused, check_post_refused },
        { phase_post_silent, check_post_silent },
};



int main(void) {
        struct http_server *server = NULL;
        unsigned port = 0, refused_port = 0, silent_port = 0, registry_port = 0;
        int fd, refused_fd, silent_fd, registry_fd;
        static const char *const required[] = { "GradingService", NULL };

        CHECK(sd_event_new(&event) >= 0);
        fd = listen_loopback(&port);
        refused_fd = listen_loopback(&refused_port);
        silent_fd = listen_loopback(&silent_port);
        registry_fd = listen_loopback(&registry_port);
        CHECK(fd >= 0 && refused_fd >= 0 && silent_fd >= 0 && registry_fd >= 0);
        close(refused_fd);                      /* nobody listens there now */
        close(registry_fd);
        snprintf(good_url, sizeof good_url, "http://127.0.0.1:%u", port);
        snprintf(refused_url, sizeof refused_url, "http://127.0.0.1:%u", refused_port);
        snprintf(silent_url, sizeof silent_url, "http://127.0.0.1:%u", silent_port);
        char registry_url[64];
        snprintf(registry_url, sizeof registry_url, "http://127.0.0.1:%u/services", registry_port);

        struct http_server_config config = { .routes = routes, .n_routes = ELEMENTSOF(routes) };
        CHECK(http_server_start(event, fd, &config, &server) == 0);
        CHECK(providers_new(&providers) == 0);
        struct registry_client_config rcc = {
                .registry_url = registry_url,
                .service_name = "TeacherPortal",
                .service_url = "http://127.0.0.1:9",
                .required = required,
        };
        CHECK(registry_client_new(event, &rcc, providers, &rc) == 0);
        client = registry_client_http(rc);
        CHECK(registry_client_register(rc, NULL, NULL) == 0);
        CHECK(upstream_new(event, client, rc, "GradingService", &up) == 0);
        CHECK(flight_new(event, up, "/students", &list) == 0);

        phases_run(event, phases, ELEMENTSOF(phases), 15 * 1000000ULL);

        upstream_shutdown(up);
        registry_client_free(rc);             /* with its HTTP client: cancels what is in flight */
        flight_free(list);
        flight_set_done(&pages);
        upstream_free(up);
        providers_free(providers);
        http_server_free(server);
        sd_event_unref(event);
        close(silent_fd);
        return check_finish("portal-flight");
}
