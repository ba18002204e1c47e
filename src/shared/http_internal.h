/* http_internal.h - the request as http_server.c and http_reply.c share it. */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>

#include "router.h"

struct http_server;

struct dgo_request {
        struct http_server *server;
        struct MHD_Connection *connection;
        const char *method, *path;              /* owned by libmicrohttpd */
        const struct dgo_route *route;
        void *userdata;                         /* for route->handler */
        struct route_params params;
        char allow[64];                         /* for 405 */
        unsigned early_status;                  /* 404/405/413 decided before the handler */
        size_t max_body;
        char *body;
        size_t body_len, body_size;
        size_t received;                        /* body bytes seen, kept or not */
        struct MHD_Response *response;          /* set by http_reply*() */
        bool response_shared;                   /* not ours to destroy (http_reply_empty) */
        bool suspended;                         /* the handler said HTTP_LATER */
        unsigned status;
};

/* Drop the request's reply, unless it is shared. */
void http_request_drop_response(struct dgo_request *req);
/* Free what http_reply.c keeps for the whole process. */
void http_reply_cleanup(void);
