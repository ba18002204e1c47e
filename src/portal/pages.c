/* pages.c - the portal's HTML pages and forms.
 *
 * Every page that shows data waits for it (HTTP_LATER) and is answered
 * from the callback of the fetch: a page of the student list and a
 * student's page through their flights (flights.h: one per path asked of
 * the grading service, so one per page and search of the list), the
 * status page straight from the registry. A form's POST is checked (CSRF
 * first, then its fields), sent to the grading service as JSON, and
 * answered once that answered: with a 303 back to the page, or the page
 * again with the error and what was typed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csrf.h"
#include "dgo/student.h"
#include "http/http.h"
#include "input.h"
#include "listing.h"
#include "basic/log.h"
#include "basic/macros.h"
#include "portal.h"

#define FORM_MEDIA_TYPE "application/x-www-form-urlencoded"

/* One page view (or form post) while it waits. */
struct view_req {
        struct flight_waiter waiter;
        struct portal *p;
        struct http_request *req;
        char token[CSRF_TOKEN_LEN + 1];         /* the session's CSRF token; "" without one */
        long id;                                /* the student, on student pages */
        struct listing_query query;             /* the page of the list, on list pages */
        unsigned long last_page;                /* of the list, when the one asked for is past it */
        /* A form shown again: its status (400, ...), error and values. */
        unsigned status;
        char *error;
        struct grade_input *grade;
        struct student_input *student;
};

static struct view_req *view_req_new(struct portal *p, struct http_request *req) {
        struct view_req *v = calloc(1, sizeof *v);

        if (!v)
                return NULL;
        v->p = p;
        v->req = req;
        v->query.page = 1;
        /* The session's own token (the guard let only requests with a
         * session through; none: forms carry an empty one, never accepted). */
        struct session *s = portal_session(p, req);
        if (s)
                memcpy(v->token, s->csrf, sizeof v->token);
        return v;
}

static void view_req_free(struct view_req *v) {
        free(v->error);
        free(v->grade);
        free(v->student);
        free(v);
}

DEFINE_POINTER_CLEANUP(struct view_req *, view_req_free)

void portal_page_headers(struct http_request *req) {
        /* The pages hold per-session tokens and always-fresh data. */
        http_reply_header(req, "Cache-Control", "no-store");
        /* Should escaping ever miss, no injected script or style would run. */
        http_reply_header(req, "Content-Security-Policy",
                          "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'");
}

static void reply_page(struct view_req *v, unsigned status, const struct page *pg) {
        size_t len;
        char *text = page_fill(pg, v->token, strlen(v->token), &len);

        /* On failure no reply is made: resuming then answers 500. */
        if (!text || http_reply_take(v->req, status, "text/html; charset=utf-8", text, len) < 0)
                return;
        portal_page_headers(v->req);
        v->p->pages++;
}

static void reply_error(struct view_req *v, unsigned status, const char *title, const char *message) {
        struct page *pg;
        int r = view_error(&v->p->templates, status, title, message, &pg);

        if (r < 0) {
                log_error_errno(r, "Cannot render the error page");
                return;
        }
        reply_page(v, status, pg);
        page_free(pg);
}

static void reply_unavailable(struct view_req *v, const struct upstream_response *r) {
        char message[768];

        if (r->status == 503) {
                snprintf(message, sizeof message,
                         "No grading service is available right now (%s). The portal uses one again as soon "
                         "as the registry announces it: try again in a moment.", r->error);
                reply_error(v, 503, "Grading service unavailable", message);
        } else {
                snprintf(message, sizeof message,
                         "The grading service did not answer (%s). Try again in a moment.", r->error);
                reply_error(v, 502, "Grading service not answering", message);
        }
}

static void reply_bad_answer(struct view_req *v, const char *what, unsigned status) {
        char message[256];

        snprintf(message, sizeof message, "The grading service sent %s the portal cannot show (HTTP status %u).",
                 what, status);
        reply_error(v, 502, "Unexpected answer from the grading service", message);
}

static void reply_no_student(struct view_req *v, const char *id) {
        char message[256];

        snprintf(message, sizeof message, "There is no student with the ID %s.", id);
        reply_error(v, 404, "No such student", message);
}

static void finish(struct view_req *v) {
        http_request_resume(v->req);
        view_req_free(v);
}

/* The answer's body as JSON, or NULL. */
static json_t *answer_json(const struct upstream_response *r) {
        return json_loadb(r->body, r->len, 0, NULL);
}

static void page_free_cache(void *pg) {
        page_free(pg);
}

/* A page of the list past its last (the book shrank, or a hand-made URL):
 * to the last page, searched as asked. */
static void reply_last_page(struct view_req *v) {
        char url[LISTING_URL_MAX];

        if (listing_page_url(&v->query, v->last_page, url, sizeof url) >= 0 &&
            http_reply_redirect(v->req, 303, url) >= 0)
                v->p->pages++;
}

/* What the list and a student page share once the answer is a 200: the
 * cached page when no form is shown again, or RENDER the answer (WHAT it
 * should be, for messages) and keep the page until the data changes. */
typedef int (*render_fn)(struct view_req *v, const struct upstream_response *r, json_t *answer,
                         struct page **ret);

static void serve_view(struct flight *f, const struct upstream_response *r, struct view_req *v,
                       bool form_again, render_fn render, const char *what) {
        struct page *pg = NULL;
        json_t *j;
        int k;

        if (!form_again && (pg = flight_cache(f))) {
                reply_page(v, 200, pg);
                finish(v);
                return;
        }
        j = answer_json(r);
        k = render(v, r, j, &pg);
        json_decref(j);
        if (k == -EINVAL)
                reply_bad_answer(v, what, r->status);
        else if (k == -ERANGE)
                reply_last_page(v);             /* no page rendered: nothing to cache */
        else if (k < 0)
                log_error_errno(k, "Cannot render %s", what);
        else {
                reply_page(v, form_again ? v->status : 200, pg);
                if (!form_again) {
                        flight_set_cache(f, pg, page_free_cache);      /* until the data changes */
                        pg = NULL;
                }
        }
        page_free(pg);
        finish(v);
}

/* ---- GET /students?page=K&name=TEXT, and POST /students shown again ---- */

static int render_list(struct view_req *v, const struct upstream_response *r, json_t *answer,
                       struct page **ret) {
        struct student_form form;
        struct listing l;
        json_t *rows;
        int k = listing_read(&v->query, answer, r->total_count, &rows, &l);

        if (k == -ERANGE)
                v->last_page = l.pages;
        if (k < 0)
                return k;
        if (v->student)
                form = (struct student_form) {
                        .first_name = v->student->first_name,
                        .last_name = v->student->last_name,
                        .error = v->error,
                };
        k = view_students(&v->p->templates, rows, &v->query, &l, v->student ? &form : NULL, ret);
        json_decref(rows);
        return k;
}

static char *answer_error(const struct upstream_response *r);

static void on_list(struct flight *f, const struct upstream_response *r, void *userdata) {
        struct view_req *v = userdata;

        if (!r->answered)
                reply_unavailable(v, r);
        else if (r->status == 400) {
                /* The grading service's own checks of the page or search:
                 * ours should have caught it, but its word is the last. */
                char *error = answer_error(r);
                reply_error(v, 400, "Not a page of the list", error ? error : "The grading service refused it.");
                free(error);
        } else if (r->status != 200)
                reply_bad_answer(v, "an error", r->status);
        else {
                serve_view(f, r, v, v->student != NULL, render_list, "a list of students");
                return;
        }
        finish(v);
}

/* Wait for V's page of the list (page 1 of everyone, when it shows a form again). */
static int join_list(struct view_req *v) {
        char path[LISTING_URL_MAX];
        struct flight *f;
        int r = listing_upstream_path(&v->query, path, sizeof path);

        if (r < 0)
                return r;
        f = flight_set_get(&v->p->lists, path);
        return f ? flight_join(f, &v->waiter, on_list, v) : -ENOMEM;
}

int portal_handle_list(struct http_request *req, void *userdata) {
        _cleanup_(view_req_freep) struct view_req *v = view_req_new(userdata, req);
        char error[256];
        int r;

        if (!v)
                return -ENOMEM;
        /* Checked before anything is asked of the grading service. */
        if (listing_query_parse(http_request_query(req, "page"), http_request_query(req, "name"), &v->query, error,
                                sizeof error) < 0) {
                reply_error(v, 400, "Not a page of the list", error);
                return 0;
        }
        r = join_list(v);
        if (r < 0)
                return r;
        TAKE_PTR(v);                            /* freed once its page is answered */
        return HTTP_LATER;
}

/* ---- GET /students/{id}, and the grade form shown again ---- */

static int render_student(struct view_req *v, const struct upstream_response *r, json_t *answer,
                          struct page **ret) {
        struct grade_form form;

        if (!v->grade)
                return view_student(&v->p->templates, answer, NULL, ret);
        form = (struct grade_form) {
                .title = v->grade->title,
                .type = v->grade->type,
                .score = v->grade->score,
                .error = v->error,
        };
        return view_student(&v->p->templates, answer, &form, ret);
}

static void on_student(struct flight *f, const struct upstream_response *r, void *userdata) {
        struct view_req *v = userdata;
        char id[32];

        snprintf(id, sizeof id, "%ld", v->id);
        if (!r->answered || r->status != 200) {
                if (!r->answered)
                        reply_unavailable(v, r);
                else if (r->status == 404)
                        reply_no_student(v, id);
                else
                        reply_bad_answer(v, "an error", r->status);
                finish(v);
                return;
        }
        serve_view(f, r, v, v->grade != NULL, render_student, "a student");
}

void portal_flights_free(struct portal *p) {
        flight_set_done(&p->students);
        flight_set_done(&p->lists);
}

/* Wait for the student's page: with V's form, if it has one. */
static int join_student(struct view_req *v) {
        char path[64];
        struct flight *f;

        snprintf(path, sizeof path, "/students/%ld", v->id);
        f = flight_set_get(&v->p->students, path);

        return f ? flight_join(f, &v->waiter, on_student, v) : -ENOMEM;
}

/* V's student, from the path's first parameter; false once a 404 has
 * answered a path that names none. */
static bool view_req_student(struct view_req *v, struct http_request *req) {
        v->id = student_id_parse(http_request_param(req, 0));
        if (v->id >= 0)
                return true;
        reply_no_student(v, http_request_param(req, 0));
        return false;
}

int portal_handle_student(struct http_request *req, void *userdata) {
        _cleanup_(view_req_freep) struct view_req *v = view_req_new(userdata, req);
        int r;

        if (!v)
                return -ENOMEM;
        if (!view_req_student(v, req))
                return 0;
        r = join_student(v);
        if (r < 0)
                return r;
        TAKE_PTR(v);                            /* freed once its page is answered */
        return HTTP_LATER;
}

/* ---- the forms ---- */

/* Checks shared by both forms; false when the reply is made. */
static bool form_acceptable(struct view_req *v, const char *csrf, int csrf_len) {
        char media[64];

        http_request_media_type(v->req, media, sizeof media);
        if (strcmp(media, FORM_MEDIA_TYPE) != 0) {
                reply_error(v, 415, "Not a form", "The portal takes forms as " FORM_MEDIA_TYPE ".");
                return false;
        }
        if (csrf_len < 0 || !csrf_token_valid(csrf, (size_t) csrf_len) || !csrf_token_valid(v->token, strlen(v->token)) ||
            !secret_equal(csrf, v->token)) {
                reply_error(v, 403, "Form expired",
                            "The form did not come with this session's security token (it may be from an "
                            "older page, or from another site). Open the page again and send the form from there.");
                return false;
        }
        return true;
}

/* The message of a {"error": ...} answer, or a general one. */
static char *answer_error(const struct upstream_response *r) {
        json_t *j = answer_json(r);
        const char *text = json_string_value(json_object_get(j, "error"));
        char *message = NULL;

        if (text && asprintf(&message, "The grading service refused it: %s.", text) < 0)
                message = NULL;
        if (!text && asprintf(&message, "The grading service refused it (HTTP status %u).", r->status) < 0)
                message = NULL;
        json_decref(j);
        return message;
}

/* A form refused (by us or the grading service): the page again, with the
 * error and what was typed, once the page's data is in. */
static int show_again(struct view_req *v, unsigned status, const char *error, bool student_page) {
        v->status = status;
        free(v->error);
        v->error = strdup(error);
        if (!v->error)
                return -ENOMEM;
        return student_page ? join_student(v) : join_list(v);
}

static void on_grade_posted(const struct upstream_response *r, void *userdata) {
        struct view_req *v = userdata;
        char location[64], *error;

        snprintf(location, sizeof location, "/students/%ld", v->id);
        if (!r->answered)
                reply_unavailable(v, r);
        else if (r->status >= 200 && r->status < 300) {
                if (http_reply_redirect(v->req, 303, location) >= 0)
                        v->p->pages++;
        } else if (r->status == 404)
                reply_no_student(v, location + strlen("/students/"));
        else if (r->status >= 400 && r->status < 500) {
                error = answer_error(r);
                int k = error ? show_again(v, r->status, error, true) : -ENOMEM;
                free(error);
                if (k >= 0)
                        return;                 /* answered when the page is */
        } else
                reply_bad_answer(v, "an error", r->status);
        finish(v);
}

/* What both form POSTs do once V's form is parsed (PARSED: its result; DOC:
 * the JSON to send, taken; V taken): refuse it without a valid CSRF token, show the
 * form again with ERROR when it is invalid, else POST DOC to the grading
 * service's PATH, answered by DONE. A handler's return value. */
static int forward_form(struct view_req *v, int parsed, json_t *doc, const char *error, bool student_page,
                        const char *path, upstream_done_fn done) {
        const char *csrf = v->grade ? v->grade->csrf : v->student->csrf;
        int csrf_len = v->grade ? v->grade->csrf_len : v->student->csrf_len;
        char *body = NULL;
        int r = parsed;

        if (!form_acceptable(v, csrf, csrf_len)) {
                json_decref(doc);
                view_req_free(v);
                return 0;
        }
        if (r == -EINVAL)
                r = show_again(v, 400, error, student_page);
        else if (r >= 0) {
                body = json_dumps(doc, JSON_COMPACT);
                r = body ? upstream_request(v->p->grading, "POST", path, "application/json", body, strlen(body),
                                            done, v) : -ENOMEM;
        }
        json_decref(doc);
        free(body);
        if (r < 0) {
                view_req_free(v);
                return r;
        }
        return HTTP_LATER;
}

int portal_handle_add_grade(struct http_request *req, void *userdata) {
        _cleanup_(view_req_freep) struct view_req *v = view_req_new(userdata, req);
        char error[256], path[64];
        json_t *grade = NULL;
        size_t len;
        const char *form;
        int r;

        if (!v)
                return -ENOMEM;
        if (!view_req_student(v, req))
                return 0;
        v->grade = calloc(1, sizeof *v->grade);
        if (!v->grade)
                return -ENOMEM;
        form = http_request_body(req, &len);
        r = grade_input_parse(form, len, v->grade, &grade, error, sizeof error);
        snprintf(path, sizeof path, "/students/%ld/grades", v->id);
        return forward_form(TAKE_PTR(v), r, grade, error, true, path, on_grade_posted);
}

static void on_student_posted(const struct upstream_response *r, void *userdata) {
        struct view_req *v = userdata;
        char location[64], *error;

        if (!r->answered)
                reply_unavailable(v, r);
        else if (r->status >= 200 && r->status < 300) {
                json_t *j = answer_json(r);
                json_t *id = json_object_get(j, "ID");
                /* To the new student's page; to the list if the answer does not say which. */
                if (json_is_integer(id))
                        snprintf(location, sizeof location, "/students/%lld", (long long) json_integer_value(id));
                else
                        snprintf(location, sizeof location, "/students");
                json_decref(j);
                if (http_reply_redirect(v->req, 303, location) >= 0)
                        v->p->pages++;
        } else if (r->status >= 400 && r->status < 500) {
                error = answer_error(r);
                int k = error ? show_again(v, r->status, error, false) : -ENOMEM;
                free(error);
                if (k >= 0)
                        return;
        } else
                reply_bad_answer(v, "an error", r->status);
        finish(v);
}

int portal_handle_add_student(struct http_request *req, void *userdata) {
        _cleanup_(view_req_freep) struct view_req *v = view_req_new(userdata, req);
        char error[256];
        json_t *student = NULL;
        size_t len;
        const char *form;
        int r;

        if (!v)
                return -ENOMEM;
        v->student = calloc(1, sizeof *v->student);
        if (!v->student)
                return -ENOMEM;
        form = http_request_body(req, &len);
        r = student_input_parse(form, len, v->student, &student, error, sizeof error);
        return forward_form(TAKE_PTR(v), r, student, error, false, "/students", on_student_posted);
}

/* ---- GET /status ---- */

static void on_services(const struct http_client_response *resp, void *userdata) {
        struct view_req *v = userdata;
        struct page *pg = NULL;
        char message[768];
        json_t *j;
        int k;

        if (resp->status != 200) {
                if (resp->status == 0)
                        snprintf(message, sizeof message, "The registry at %s did not answer (%s).",
                                 registry_client_url(v->p->registry), resp->error);
                else
                        snprintf(message, sizeof message, "The registry at %s answered with HTTP status %ld.",
                                 registry_client_url(v->p->registry), resp->status);
                reply_error(v, 502, "Registry not answering", message);
                finish(v);
                return;
        }
        j = json_loadb(resp->body, resp->body_len, 0, NULL);
        k = view_status(&v->p->templates, j, registry_client_url(v->p->registry), &pg);
        json_decref(j);
        if (k == -EINVAL)
                reply_error(v, 502, "Unexpected answer from the registry",
                            "The registry's list of services is not a JSON list.");
        else if (k < 0)
                log_error_errno(k, "Cannot render the status page");
        else
                reply_page(v, 200, pg);
        page_free(pg);
        finish(v);
}

int portal_handle_status(struct http_request *req, void *userdata) {
        struct portal *p = userdata;
        struct view_req *v = view_req_new(p, req);
        int r;

        if (!v)
                return -ENOMEM;
        r = http_client_request(registry_client_http(p->registry), "GET", registry_client_url(p->registry), NULL, NULL, 0,
                                REGISTRY_TIMEOUT_MS, on_services, v);
        if (r < 0) {
                view_req_free(v);
                return r;
        }
        return HTTP_LATER;
}

/* ---- the rest ---- */

int portal_handle_root(struct http_request *req, void *userdata) {
        return http_reply_redirect(req, 302, "/students");
}

int portal_handle_style(struct http_request *req, void *userdata) {
        struct portal *p = userdata;
        int r = http_reply(req, 200, "text/css; charset=utf-8", p->style, p->style_len);

        if (r >= 0)
                http_reply_header(req, "Cache-Control", "max-age=300");
        return r;
}
