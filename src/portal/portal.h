/* portal.h - the teacher portal's state, shared by its handlers. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "flight.h"
#include "router.h"
#include "service.h"
#include "upstream.h"
#include "view.h"

#define PORTAL_BODY_MAX (16 * 1024)     /* a form, or a JSON body for the API */
#define REGISTRY_TIMEOUT_MS 2000

struct student_flight {
        long id;
        struct flight *flight;
        uint64_t used_usec;
};

struct portal {
        struct service service;
        char *templates_dir, *static_dir;
        struct templates templates;
        char *style;
        size_t style_len;
        struct upstream *grading;               /* the GradingService, with failover */
        struct flight *list;                    /* GET /students */
        struct student_flight *students;        /* GET /students/{id}, by id */
        size_t n_students, students_size;
        unsigned long long pages, api;
};

/* pages.c: the HTML pages and their forms. */
int portal_handle_root(struct dgo_request *req, void *userdata);
int portal_handle_style(struct dgo_request *req, void *userdata);
int portal_handle_list(struct dgo_request *req, void *userdata);
int portal_handle_student(struct dgo_request *req, void *userdata);
int portal_handle_add_student(struct dgo_request *req, void *userdata);
int portal_handle_add_grade(struct dgo_request *req, void *userdata);
int portal_handle_status(struct dgo_request *req, void *userdata);
/* The flight of GET /students/ID, made on first use; NULL when out of memory. */
struct flight *portal_student_flight(struct portal *p, long id);
void portal_flights_free(struct portal *p);

/* gateway.c: /api/... relayed to the GradingService and the registry. */
int portal_handle_api(struct dgo_request *req, void *userdata);
int portal_handle_api_services(struct dgo_request *req, void *userdata);
