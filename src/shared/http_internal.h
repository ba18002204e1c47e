/* http_internal.h - the request as http_server.c and http_reply.c share it. */
#pragma once

#include <microhttpd.h>

#include "router.h"

struct dgo_request {
        struct MHD_Connection *connection;
        const char *method, *path;              /* owned by libmicrohttpd */
        const struct dgo_route *route;
        struct route_params params;
        char allow[64];                         /* for 405 */
        unsigned early_status;                  /* 404/405/413 decided before the handler */
        size_t max_body;
        char *body;
        size_t body_len, body_size;
        size_t received;                        /* body bytes seen, kept or not */
        struct MHD_Response *response;          /* set by http_reply*() */
        unsigned status;
};
