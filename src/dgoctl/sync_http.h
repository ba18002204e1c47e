/* sync_http.h - dgoctl's requests to dgo's services: one at a time, libcurl's
 * easy interface, plain http, no proxy, every request bounded in time and
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
