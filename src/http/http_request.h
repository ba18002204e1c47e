/* http_request.h - one request as the daemon keeps it (http_daemon.c) and
 * the replies answer it (http_reply.c). Private to src/http: handlers see
 * only the accessors of http.h.
 *
 * The phases of a request, each entered in the daemon's thread:
 *
 *   HEADERS ─▶ BODY ────────▶ HANDLER ─┬──────────────────────────▶ REPLIED
 *      │         (kept,                 └─▶ SUSPENDED ─▶ RESUMED ─▶ REPLIED
 *      │          bounded)                  (HTTP_LATER)  (answered)
 *      └─────▶ REFUSED ─────────────────────────────────────────────▶ REPLIED
 *              (404/405/413 decided before the handler: the body,
 *               if any, is read and dropped)
 *
 * HEADERS is the first call of libmicrohttpd's access callback, which makes
 * the request; REPLIED means its reply is queued, and libmicrohttpd calls
 * no more for it (it sends the reply, then the daemon frees the request). */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/list.h"
#include "http.h"
#include "router.h"

enum http_request_phase {
        HTTP_REQUEST_BODY,              /* routed; reading the body into BODY */
        HTTP_REQUEST_REFUSED,           /* REFUSED_STATUS decided; reading the body, dropping it */
        HTTP_REQUEST_HANDLER,           /* its handler runs */
        HTTP_REQUEST_SUSPENDED,         /* the handler said HTTP_LATER; the connection waits */
        HTTP_REQUEST_RESUMED,           /* answered while suspended: the reply goes out next */
        HTTP_REQUEST_REPLIED,           /* the reply is queued */
};

struct http_daemon;
struct http_conn;

struct http_request {
        struct http_daemon *daemon;
        struct http_conn *conn;                 /* the daemon's, for its connection (NULL: gone) */
        struct MHD_Connection *connection;
        enum http_request_phase phase;
        const char *method, *path;              /* owned by libmicrohttpd */
        const struct http_route *route;          /* NULL when refused with 404 or 405 */
        void *userdata;                         /* for route->handler */
        struct route_params params;
        char allow[64];                         /* for 405 */
        unsigned refused_status;                /* REFUSED: 403, 404, 405, 413 or 415 */
        const char *refused_message;            /* for 403 and 415: a static string */
        size_t max_body;
        char *body;
        size_t body_len, body_size;
        size_t received;                        /* body bytes seen, kept or not */
        bool close_after;                       /* the reply ends the connection (http_daemon_hooks) */
        /* Set by http_reply*(). */
        struct MHD_Response *response;
        struct http_shared *shared;             /* RESPONSE belongs to this shared reply (a reference) */
        unsigned status;
        /* http_request_resume_async(): the daemon's list of requests answered
         * in other threads, and what makes the reply. */
        LIST_FIELDS(struct http_request, answered);
        http_answer_fn answer;
        void *answer_data;
};

/* Make the request's reply one that closes the connection after it. */
int http_reply_closing(struct http_request *req);
/* Drop the request's reply, unless it is shared. */
void http_request_drop_response(struct http_request *req);
/* Free what http_reply.c keeps for the calling thread (its empty reply). */
void http_reply_cleanup(void);
