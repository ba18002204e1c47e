/* http_internal.h - the request as http_server.c and http_reply.c share it. */
#pragma once

#include <microhttpd.h>
#include <systemd/sd-event.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "http_server.h"
#include "router.h"

struct http_server;

struct http_request {
        struct http_server *server;
        struct MHD_Connection *connection;
        const char *method, *path;              /* owned by libmicrohttpd */
        const struct http_route *route;
        void *userdata;                         /* for route->handler */
        struct route_params params;
        char allow[64];                         /* for 405 */
        unsigned early_status;                  /* 404/405/413 decided before the handler */
        size_t max_body;
        char *body;
        size_t body_len, body_size;
        size_t received;                        /* body bytes seen, kept or not */
        struct MHD_Response *response;          /* set by http_reply*() */
        struct http_shared *shared;             /* RESPONSE belongs to this shared reply (a reference) */
        bool suspended;                         /* the handler said HTTP_LATER */
        /* http_request_resume_async(): its list, and what makes the reply */
        struct http_request *answered_next;
        http_answer_fn answer;
        void *answer_data;
        bool close_after;                       /* the reply ends the connection (conn_steer.h) */
        unsigned status;
};

/* Per serving thread: connections the main loop handed to it, and those
 * gone from it (closed, or refused), each counted by one thread, read by all;
 * and when it last showed it is not stuck (CLOCK_MONOTONIC): its loop turned,
 * or a handler of its returned (one loop turn may run many slow handlers). */
struct http_thread_count {
        atomic_uint handed, gone;
        atomic_uint_fast64_t alive_usec;
};

uint64_t http_now_usec(void);
void http_thread_stamp(struct http_thread_count *c);

/* A server for a worker thread of http_workers.c: no listening socket, no
 * threads of its own. It is thread INDEX
 * of COUNTS (the main loop's is 0). */
int http_server_start_worker(sd_event *e, const struct http_server_config *config,
                             struct http_thread_count *counts, unsigned index, struct http_server **ret);
/* Serve the accepted connection FD (closed on failure); in the server's thread. */
void http_server_add_connection(struct http_server *s, int fd, const struct sockaddr *addr, socklen_t len);

/* Make the request's reply one that closes the connection after it. */
int http_reply_closing(struct http_request *req);

/* Drop the request's reply, unless it is shared. */
void http_request_drop_response(struct http_request *req);
/* Free what http_reply.c keeps for the whole process. */
void http_reply_cleanup(void);
