/* http_reply.c - what a handler reads of its request and how it answers
 * (http.h): the accessors, the replies, and the shared replies counted
 * across threads. */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "http.h"
#include "http_request.h"
#include "basic/log.h"

const char *http_request_method(const struct http_request *req) {
        return req->method;
}

const char *http_request_path(const struct http_request *req) {
        return req->path;
}

const char *http_request_param(const struct http_request *req, unsigned i) {
        return i < req->params.n ? req->params.value[i] : NULL;
}

const char *http_request_header(const struct http_request *req, const char *name) {
        return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *http_request_query(const struct http_request *req, const char *key) {
        return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_request_body(const struct http_request *req, size_t *len) {
        if (len)
                *len = req->body_len;
        return req->body ? req->body : "";
}

void http_request_media_type(const struct http_request *req, char *buf, size_t size) {
        const char *ct = http_request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
        size_t n = 0;

        if (ct) {
                while (*ct == ' ' || *ct == '\t')
                        ct++;
                for (; ct[n] && ct[n] != ';' && ct[n] != ' ' && n + 1 < size; n++)
                        buf[n] = (char) tolower((unsigned char) ct[n]);
        }
        buf[n] = '\0';
}

void http_request_peer(const struct http_request *req, char *buf, size_t size) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->connection,
                                                                      MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;

        assert(size >= 64);
        buf[0] = '\0';
        if (!sa)
                return;
        if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *) (const void *) sa)->sin_addr, buf, (socklen_t) size);
        else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr, buf,
                          (socklen_t) size);
        else if (sa->sa_family == AF_UNIX)
                snprintf(buf, size, "local");
}

void http_request_peer_key(const struct http_request *req, char *buf, size_t size) {
        static const char hex[] = "0123456789abcdef";
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->connection,
                                                                      MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;
        const unsigned char *a = NULL;
        size_t n = 0, o = 0;

        assert(size >= 2 + 2 * 16 + 1);
        if (sa && sa->sa_family == AF_INET) {
                a = (const unsigned char *) &((const struct sockaddr_in *) (const void *) sa)->sin_addr;
                n = 4;
        } else if (sa && sa->sa_family == AF_INET6) {
                a = ((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr.s6_addr;
                n = 16;
        }
        buf[o++] = n == 4 ? '4' : n == 16 ? '6' : sa ? 'l' : '?';
        buf[o++] = ':';
        for (size_t i = 0; i < n; i++) {
                buf[o++] = hex[a[i] >> 4];
                buf[o++] = hex[a[i] & 0xf];
        }
        buf[o] = '\0';
}

bool http_request_tls(const struct http_request *req) {
        return MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_GNUTLS_SESSION) != NULL;
}

/* On every reply: no browser may guess a type other than the one it says
 * (a JSON body with HTML in its strings is not a page). */
static void add_nosniff(struct MHD_Response *resp) {
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

static int set_response(struct http_request *req, unsigned status, struct MHD_Response *resp,
                        const char *content_type) {
        if (!resp)
                return -ENOMEM;
        add_nosniff(resp);
        if (content_type)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        http_request_drop_response(req);        /* a second reply replaces the first */
        req->response = resp;
        req->status = status;
        return 0;
}

/* A reply sent many times. libmicrohttpd counts the connections sending it;
 * REFS counts the holders that may still hand it to one (a cache, a request
 * between its handler and MHD_queue_response()), across threads. The last
 * of those gives it back to libmicrohttpd, which frees it once sent. */
struct http_shared {
        atomic_uint refs;
        struct MHD_Response *response;
        /* What it was made of, for a copy that closes the connection
         * (http_reply_closing()): BODY lives as long as RESPONSE. */
        const char *body;
        size_t len;
        const char *content_type;               /* static, or NULL */
};

static struct http_shared *shared_ref(struct http_shared *r) {
        atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
        return r;
}

static void shared_unref(struct http_shared *r) {
        if (r && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
                MHD_destroy_response(r->response);
                free(r);
        }
}

void http_request_drop_response(struct http_request *req) {
        if (req->shared)
                shared_unref(req->shared);
        else if (req->response)
                MHD_destroy_response(req->response);
        req->response = NULL;
        req->shared = NULL;
}

/* One empty reply per thread that serves: a hot path such as POST /log
 * then allocates no response at all. */
static _Thread_local struct http_shared *empty_reply;

static struct http_shared *shared_wrap(struct MHD_Response *resp, const char *body, size_t len,
                                       const char *content_type) {
        struct http_shared *r = resp ? malloc(sizeof *r) : NULL;

        if (!r) {
                if (resp)
                        MHD_destroy_response(resp);
                return NULL;
        }
        add_nosniff(resp);
        atomic_init(&r->refs, 1);
        r->response = resp;
        r->body = body;
        r->len = len;
        r->content_type = content_type;
        return r;
}

int http_reply_shared(struct http_request *req, unsigned status, struct http_shared *r) {
        assert(r);
        shared_ref(r);                  /* first: R may be the request's own reply */
        http_request_drop_response(req);
        req->response = r->response;
        req->shared = r;
        req->status = status;
        return 0;
}

int http_reply_empty(struct http_request *req, unsigned status) {
        if (!empty_reply &&
            !(empty_reply = shared_wrap(MHD_create_response_from_buffer(0, (void *) "", MHD_RESPMEM_PERSISTENT),
                                        "", 0, NULL)))
                return -ENOMEM;
        return http_reply_shared(req, status, empty_reply);
}

void http_reply_cleanup(void) {
        shared_unref(empty_reply);
        empty_reply = NULL;
}

struct http_shared *http_shared_new(const char *content_type, char *body, size_t len) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);

        if (!resp) {
                free(body);
                return NULL;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        return shared_wrap(resp, body, len, content_type);
}

struct http_shared *http_shared_ref(struct http_shared *r) {
        return shared_ref(r);
}

const char *http_shared_body(const struct http_shared *r, size_t *len) {
        assert(r);
        assert(len);
        *len = r->len;
        return r->body;
}

int http_reply_closing(struct http_request *req) {
        const struct http_shared *r = req->shared;
        struct MHD_Response *resp;

        if (!r)                                 /* the request's own: mark it */
                return MHD_add_response_header(req->response, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES ?
                       0 : -ENOMEM;
        /* Shared with other connections: a copy of its own. */
        resp = MHD_create_response_from_buffer(r->len, (void *) r->body, MHD_RESPMEM_MUST_COPY);
        if (!resp || MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES) {
                if (resp)
                        MHD_destroy_response(resp);
                return -ENOMEM;
        }
        return set_response(req, req->status, resp, r->content_type);
}

void http_shared_free(struct http_shared *r) {
        shared_unref(r);
}

int http_reply(struct http_request *req, unsigned status, const char *content_type,
               const void *body, size_t len) {
        return set_response(req, status,
                            MHD_create_response_from_buffer(len, (void *) body, MHD_RESPMEM_MUST_COPY),
                            content_type);
}

int http_reply_take(struct http_request *req, unsigned status, const char *content_type,
                    char *body, size_t len) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);

        if (!resp)
                free(body);
        return set_response(req, status, resp, content_type);
}

int http_reply_json(struct http_request *req, unsigned status, json_t *j) {
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

        json_decref(j);
        if (!text)
                return http_reply_error(req, 500, "cannot encode the reply");
        return http_reply_take(req, status, "application/json", text, strlen(text));
}

char *http_error_body(const char *message, size_t *len) {
        json_t *j = json_pack("{s:s}", "error", message);
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

        json_decref(j);
        if (!text)              /* message was not UTF-8, or out of memory */
                text = strdup("{\"error\":\"internal error\"}");
        if (text && len)
                *len = strlen(text);
        return text;
}

int http_reply_error(struct http_request *req, unsigned status, const char *format, ...) {
        char message[512];
        size_t len;
        char *body;
        va_list ap;

        va_start(ap, format);
        vsnprintf(message, sizeof message, format, ap);
        va_end(ap);

        body = http_error_body(message, &len);
        if (!body)
                return -ENOMEM;
        (void) http_reply_take(req, status, "application/json", body, len);
        return 0;
}

int http_reply_redirect(struct http_request *req, unsigned status, const char *location) {
        int r = http_reply(req, status, "text/plain; charset=utf-8", "", 0);

        return r < 0 ? r : http_reply_header(req, MHD_HTTP_HEADER_LOCATION, location);
}

int http_reply_header(struct http_request *req, const char *name, const char *value) {
        if (!req->response || req->shared)
                return -EINVAL;
        return MHD_add_response_header(req->response, name, value) == MHD_YES ? 0 : -EINVAL;
}
