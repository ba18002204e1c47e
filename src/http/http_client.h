/* http_client.h - outgoing HTTP requests from the sd-event loop (libcurl multi).
 *
 * Requests never block the loop: libcurl's sockets and timer are sources of
 * the loop, and every request is bounded by its own timeout. Connections are
 * kept and reused (libcurl's connection cache), per host. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#define HTTP_CLIENT_MAX_RESPONSE (1024u * 1024u)   /* longer bodies fail the request */
#define HTTP_CLIENT_MAX_RUNNING 64                  /* at once; more wait their turn (FIFO) */

struct http_client;

struct http_client_response {
        long status;                    /* HTTP status; 0 when there was no answer */
        const char *body;               /* NUL-terminated; "" when none */
        size_t body_len;
        const char *content_type;       /* the answer's Content-Type; NULL when none */
        const char *error;              /* why there was no answer (status 0), else NULL */
        bool request_sent;              /* without an answer: some of the request may have
                                         * reached the server (false: it surely did not) */
        bool timed_out;                 /* without an answer: a time or idle bound ran out */
        unsigned long long usec;        /* how long the request took */
        void *handle;                   /* for http_client_response_header() only */
};

/* Called exactly once per request, from the loop, never from inside
 * http_client_request(). The response lives only during the call. It may
 * start new requests, and may free the client. */
typedef void (*http_client_done_fn)(const struct http_client_response *resp, void *userdata);

int http_client_new(sd_event *e, struct http_client **ret);
/* Cancels what is pending: those callbacks are called with status 0 and
 * error "cancelled" (a request they start then fails with -ECANCELED). */
void http_client_free(struct http_client *c);

/* From now on take https:// URLs too: trusting only the certificates of
 * CA_FILE (PEM; the system's store is not used), the server's certificate
 * naming the host or address of the URL, TLS 1.2 or later; presenting
 * CERT_FILE with KEY_FILE (both or neither) to a server that asks. The files
 * are read at each connection. 0, -EINVAL, -ENOMEM. */
int http_client_set_tls(struct http_client *c, const char *ca_file, const char *cert_file, const char *key_file);

/* METHOD "GET", "POST", "DELETE", ...; URL http:// (https:// after
 * http_client_set_tls()); BODY (may be NULL) is
 * copied and may hold NULs; CONTENT_TYPE may be NULL (no Content-Type at all).
 * TIMEOUT_MS (> 0) bounds the whole request, connection included. Redirects
 * are not followed, proxies from the environment not used.
 * Returns 0, or a negative errno (then DONE is not called): -EINVAL for a bad
 * argument, -ENOMEM. */
int http_client_request(struct http_client *c, const char *method, const char *url,
                        const char *content_type, const void *body, size_t len,
                        unsigned timeout_ms, http_client_done_fn done, void *userdata);

/* The same with one more request header, HEADER "Name: value" (NULL: none;
 * -EINVAL if it holds a line break or no colon): dgo's own credentials
 * ("Authorization: Dgo ...", service/auth.h), sent only where they belong. */
int http_client_request_with_header(struct http_client *c, const char *method, const char *url,
                                    const char *header, const char *content_type, const void *body, size_t len,
                                    unsigned timeout_ms, http_client_done_fn done, void *userdata);

/* The value of the answer's header NAME (case-insensitive; the first one if
 * it came more than once), or NULL. Only during the done callback, and only
 * until the next call for the same response: copy what you keep. */
const char *http_client_response_header(const struct http_client_response *resp, const char *name);

/* A request in flight, for http_client_cancel(); valid until its done
 * callback is called (or it is cancelled). */
struct http_client_call;

/* A streamed answer (a long-lived chunked body: etcd's watch): called from
 * the loop, never from inside libcurl, with the bytes of the body that came
 * since the last call (any split, not lines); STATUS is the answer's HTTP
 * status. The bytes live only during the call: copy what you keep. Return 0
 * to go on, or a negative errno to end the request (DONE is then called with
 * status 0 and error "stopped by the receiver"). It may call
 * http_client_cancel() on its own request (DONE is then not called) or
 * http_client_free() (DONE is then called from inside it, "cancelled"). */
typedef int (*http_client_data_fn)(long status, const void *data, size_t len, void *userdata);

struct http_client_params {
        const char *method;             /* as for http_client_request() */
        const char *url;
        const char *header;             /* one more header "Name: value", or NULL */
        const char *content_type;
        const void *body;
        size_t len;
        unsigned timeout_ms;            /* bounds the whole request; 0 only for a stream: unbounded */
        unsigned connect_timeout_ms;    /* connecting; 0: timeout_ms. Also bounds the wait for a turn */
        unsigned idle_timeout_s;        /* a stream ends (timed_out) when no byte of the answer
                                         * came for this long; required when timeout_ms is 0 */
        http_client_data_fn data;       /* non-NULL: the body is streamed to it, DONE gets none */
        http_client_done_fn done;
        void *userdata;
};

/* The general form of http_client_request(): a separate connection timeout,
 * or a streamed body. RET (may be NULL) gets a handle for
 * http_client_cancel(). Returns 0 or a negative errno (then DONE is not
 * called). */
int http_client_start(struct http_client *c, const struct http_client_params *p, struct http_client_call **ret);

/* Forgets the request: DONE will not be called, the connection is closed.
 * May be called from any callback of the same client, and from the
 * request's own data callback; not after its DONE was called. */
void http_client_cancel(struct http_client *c, struct http_client_call *call);

/* Requests started and not yet done. */
size_t http_client_pending(const struct http_client *c);
