/* sync_http.h - dgoctl's requests to dgo's services: one at a time, libcurl's
 * easy interface, plain http (https with a client certificate for etcd), no proxy, every request bounded in time and
 * in the size of the answer. */
#pragma once

#include <stddef.h>

#define DGOCTL_BODY_MAX (16u << 20)     /* bytes of an answer */

struct http_answer {
        long status;                    /* 0: no answer */
        char *body;                     /* NUL-terminated */
        size_t len;
        char error[256];                /* why there was no answer */
};

/* METHOD URL, with JSON_BODY as application/json if not NULL, and
 * "Authorization: Bearer TOKEN" if TOKEN is not NULL. 0 when an answer came
 * (whatever its status), -EHOSTUNREACH-like < 0 when none did
 * (ANSWER->error says why). Free with http_answer_clear(). */
int sync_http_request(const char *method, const char *url, const char *json_body, const char *token,
                      double timeout_sec, struct http_answer *answer);
void http_answer_clear(struct http_answer *answer);
/* GET URL as sync_http_request() does, but with answers of up to MAX_BODY
 * bytes (dgoctl gradebook export: a whole grade book). */
int sync_http_get_large(const char *url, size_t max_body, double timeout_sec, struct http_answer *answer);

/* TLS with a client certificate, for etcd (dgoctl cluster): the server's
 * certificate must chain to CA_FILE (and no other CA) and name the URL's
 * host; CERT_FILE and KEY_FILE are ours. PEM files. */
struct sync_tls {
        const char *ca_file;
        const char *cert_file;
        const char *key_file;
};
/* POST URL (https only) with JSON_BODY, as sync_http_request() otherwise. */
int sync_https_post(const char *url, const char *json_body, const struct sync_tls *tls, double timeout_sec,
                    struct http_answer *answer);
