/* http.h - what a request handler sees of the HTTP server.
 *
 * A handler gets the request with its body already read and bounded, and
 * answers it with one of the http_reply*() calls. If it returns a negative
 * errno without answering, the client gets a 500 with a JSON error. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "router.h"

/* A handler that must wait (for another service, say) returns HTTP_LATER:
 * the connection is suspended, and whoever finishes the work later answers
 * with http_reply*() and then calls http_request_resume() (without a reply,
 * the client gets a 500). The request stays valid until then. Every
 * suspended request must be resumed before the server is freed. */
#define HTTP_LATER 1

/* In the thread that serves the request. */
void http_request_resume(struct http_request *req);
/* From any thread, for work done elsewhere: the request's own thread calls
 * ANSWER(REQ, DATA), which makes the reply, then resumes it. Only that thread
 * may touch the request: while its handler is still returning HTTP_LATER,
 * another thread could not tell whether a reply is made yet. */
typedef void (*http_answer_fn)(struct http_request *req, void *data);
void http_request_resume_async(struct http_request *req, http_answer_fn answer, void *data);

#define HTTP_MAX_BODY_DEFAULT (64u * 1024u)

const char *http_request_method(const struct http_request *req);
const char *http_request_path(const struct http_request *req);
const char *http_request_param(const struct http_request *req, unsigned i);   /* "{}" captures */
const char *http_request_header(const struct http_request *req, const char *name);
const char *http_request_query(const struct http_request *req, const char *key);
/* The body, NUL-terminated for convenience (it may hold NULs itself). */
const char *http_request_body(const struct http_request *req, size_t *len);
/* The media type of the body, lower-cased and without parameters: "application/json". */
void http_request_media_type(const struct http_request *req, char *buf, size_t size);
/* The client's address as text ("127.0.0.1", "::1"; "local" for a Unix
 * socket, "" when unknown), into BUF (at least 64 bytes). */
void http_request_peer(const struct http_request *req, char *buf, size_t size);
/* The peer's address as a short key, unique per address ("4:7f000001",
 * "6:..." in hex, "l:" for a Unix socket), into BUF of at least 35 bytes:
 * for tables keyed by client, without inet_ntop()'s cost on every request. */
void http_request_peer_key(const struct http_request *req, char *buf, size_t size);
/* Did the request come over TLS? */
bool http_request_tls(const struct http_request *req);

int http_reply(struct http_request *req, unsigned status, const char *content_type,
               const void *body, size_t len);
/* An empty body (no Content-Type); cheap: the reply object is shared. */
int http_reply_empty(struct http_request *req, unsigned status);
/* Takes ownership of BODY, which must come from malloc(). */
int http_reply_take(struct http_request *req, unsigned status, const char *content_type,
                    char *body, size_t len);
/* Takes the reference to J (may be NULL: then 500). */
int http_reply_json(struct http_request *req, unsigned status, json_t *j);
/* {"error":"..."} with STATUS; returns 0. */
int http_reply_error(struct http_request *req, unsigned status, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
int http_reply_redirect(struct http_request *req, unsigned status, const char *location);
/* Adds a header to the reply made before. */
int http_reply_header(struct http_request *req, const char *name, const char *value);

/* A reply made once and sent many times (a cached document). Counted: freeing
 * it while requests (in any thread) still send it is safe; it goes when the
 * last of them is done. */
struct http_shared;
/* Takes BODY (from malloc); CONTENT_TYPE must live as long as the reply (a
 * string literal). NULL on failure. */
struct http_shared *http_shared_new(const char *content_type, char *body, size_t len);
void http_shared_free(struct http_shared *r);
/* One more reference (to hand R to another thread); each is given back with http_shared_free(). */
struct http_shared *http_shared_ref(struct http_shared *r);
int http_reply_shared(struct http_request *req, unsigned status, struct http_shared *r);
/* What R sends (to build a larger document out of cached ones). */
const char *http_shared_body(const struct http_shared *r, size_t *len);

/* The JSON error document, as bytes (pure; unit-tested). */
char *http_error_body(const char *message, size_t *len);
