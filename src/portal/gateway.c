/* gateway.c - the portal's API: /api/students... relayed to the grading
 * service, /api/services to the registry.
 *
 * Method, body and Content-Type go on as they came, and so does the paging
 * query of GET /api/students (offset, limit, name); status, body and
 * X-Total-Count come back as the service sent them, and so does its
 * Content-Type when it is application/json: any other (an HTML page with a
 * script, say, from a provider that is not what it claims) is not passed
 * on, the client gets a 502 instead; an empty body goes on without one.
 * When no provider answers, the client gets the portal's own 502 or 503
 * with {"error": ...}. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dgo/student.h"
#include "http/http.h"
#include "listing.h"
#include "basic/log.h"
#include "portal.h"

struct api_req {
        struct portal *p;
        struct http_request *req;
};

/* Is CONTENT_TYPE application/json (any case, any parameters)? */
static bool is_json(const char *content_type) {
        static const char json[] = "application/json";
        size_t n = sizeof json - 1;

        if (!content_type || strncasecmp(content_type, json, n) != 0)
                return false;
        while (content_type[n] == ' ' || content_type[n] == '\t')
                n++;
        return content_type[n] == '\0' || content_type[n] == ';';
}

/* What WHO answered, passed on if it is JSON (or nothing at all). */
static void relay(struct http_request *req, const char *who, unsigned status, const char *content_type,
                  const char *body, size_t len) {
        if (is_json(content_type))
                (void) http_reply(req, status, "application/json", body, len);
        else if (len == 0)
                (void) http_reply(req, status, NULL, "", 0);
        else
                (void) http_reply_error(req, 502, "%s answered %u with a body that is not JSON (%.64s)", who, status,
                                        content_type ? content_type : "no Content-Type");
}

static void on_answer(const struct upstream_response *r, void *userdata) {
        struct api_req *a = userdata;

        if (r->answered) {
                relay(a->req, "GradingService", r->status, r->content_type, r->body, r->len);
                if (r->total_count && is_json(r->content_type))
                        (void) http_reply_header(a->req, "X-Total-Count", r->total_count);
        } else
                (void) http_reply_error(a->req, r->status, "GradingService %s: %s",
                                        r->status == 503 ? "unavailable" : "did not answer", r->error);
        http_request_resume(a->req);
        free(a);
}

/* The {} of the routes are IDs and grade indexes: decimal numbers. Checked,
 * they also keep the path we send on free of anything but digits and the
 * route's own text. */
static bool params_valid(struct http_request *req) {
        const char *s;

        for (unsigned i = 0; (s = http_request_param(req, i)); i++)
                if (strcmp(s, "0") != 0 && student_id_parse(s) < 0)
                        return false;
        return true;
}

int portal_handle_api(struct http_request *req, void *userdata) {
        struct portal *p = userdata;
        const char *path = http_request_path(req), *body, *to = path + strlen("/api");
        char paged[LISTING_URL_MAX];
        struct api_req *a;
        size_t len;
        int r;

        if (!params_valid(req))
                return http_reply_error(req, 404, "no such resource: %s", path);
        /* The list's paging: the only query string of the grading API. */
        if (strcmp(http_request_method(req), "GET") == 0 && strcmp(path, "/api/students") == 0) {
                r = listing_api_path(http_request_query(req, "offset"), http_request_query(req, "limit"),
                                     http_request_query(req, "name"), paged, sizeof paged);
                if (r < 0)
                        return http_reply_error(req, 400, "offset, limit and name are at most %d bytes each",
                                                LISTING_NAME_MAX);
                to = paged;
        }
        a = calloc(1, sizeof *a);
        if (!a)
                return -ENOMEM;
        *a = (struct api_req) { .p = p, .req = req };
        body = http_request_body(req, &len);
        /* "/api/students/1" is "/students/1" at the grading service. */
        r = upstream_request(p->grading, http_request_method(req), to,
                             http_request_header(req, "Content-Type"), len > 0 ? body : NULL, len, on_answer, a);
        if (r < 0) {
                free(a);
                if (r == -EINVAL)
                        return http_reply_error(req, 400, "the request cannot be forwarded (its Content-Type?)");
                return r;
        }
        p->api++;
        return HTTP_LATER;
}

static void on_services(const struct http_client_response *resp, void *userdata) {
        struct api_req *a = userdata;

        if (resp->status > 0)
                relay(a->req, "the registry", (unsigned) resp->status, resp->content_type, resp->body, resp->body_len);
        else
                (void) http_reply_error(a->req, 502, "the registry at %s did not answer: %s",
                                        registry_client_url(a->p->registry), resp->error);
        http_request_resume(a->req);
        free(a);
}

int portal_handle_api_services(struct http_request *req, void *userdata) {
        struct portal *p = userdata;
        struct api_req *a = calloc(1, sizeof *a);
        int r;

        if (!a)
                return -ENOMEM;
        *a = (struct api_req) { .p = p, .req = req };
        r = http_client_request(registry_client_http(p->registry), "GET", registry_client_url(p->registry), NULL, NULL, 0,
                                REGISTRY_TIMEOUT_MS, on_services, a);
        if (r < 0) {
                free(a);
                return r;
        }
        p->api++;
        return HTTP_LATER;
}
