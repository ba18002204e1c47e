/* portal.h - the teacher portal's state, shared by its handlers. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "flight.h"
#include "flights.h"
#include "login.h"
#include "http/router.h"
#include "service/service.h"
#include "upstream.h"
#include "view.h"

#define PORTAL_BODY_MAX (16 * 1024)     /* a form, or a JSON body for the API */
#define REGISTRY_TIMEOUT_MS 2000
/* Flights kept while idle, with their last answer and rendering. A page of
 * the list holds 100 students with all their grades (up to the HTTP
 * client's 1 MiB), a student page one student: fewer of the first. */
#define STUDENT_FLIGHTS_KEEP 256
#define LIST_FLIGHTS_KEEP 32

struct portal {
        struct service service;
        struct registry_client *registry;       /* the registration, and the HTTP client */
        char *templates_dir, *static_dir;
        struct templates templates;
        char *style;
        size_t style_len;
        struct upstream *grading;               /* the GradingService, with failover */
        struct flight_set lists;                /* GET /students?offset=...: a page of the list */
        struct flight_set students;             /* GET /students/{id} */
        unsigned long long pages, api;
        struct login login;                     /* teachers, tokens, sessions */
};

/* pages.c: the HTML pages and their forms. */
int portal_handle_root(struct http_request *req, void *userdata);
int portal_handle_style(struct http_request *req, void *userdata);
int portal_handle_list(struct http_request *req, void *userdata);
int portal_handle_student(struct http_request *req, void *userdata);
int portal_handle_add_student(struct http_request *req, void *userdata);
int portal_handle_add_grade(struct http_request *req, void *userdata);
int portal_handle_status(struct http_request *req, void *userdata);
void portal_flights_free(struct portal *p);
/* The headers of every HTML page: no caching, the Content-Security-Policy. */
void portal_page_headers(struct http_request *req);

/* gateway.c: /api/... relayed to the GradingService and the registry. */
int portal_handle_api(struct http_request *req, void *userdata);
int portal_handle_api_services(struct http_request *req, void *userdata);
