/* sync_http.c - dgoctl's requests: libcurl's easy interface, bounded. */
#include <curl/curl.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "basic/grow.h"
#include "basic/macros.h"
#include "sync_http.h"

struct sink {
        char *data;
        size_t len, size, max;
        int error;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct sink *s = userdata;
        size_t n = size * nmemb;

        if (n > s->max - s->len) {
                s->error = -EFBIG;
                return 0;       /* libcurl ends the transfer */
        }
        if (grow_to(&s->data, &s->size, s->len + n + 1, 4096) < 0) {
                s->error = -ENOMEM;
                return 0;
        }
        memcpy(s->data + s->len, ptr, n);
        s->len += n;
        s->data[s->len] = '\0';
        return n;
}

void http_answer_clear(struct http_answer *a) {
        free(a->body);
        *a = (struct http_answer) { 0 };
}

DEFINE_POINTER_CLEANUP(CURL *, curl_easy_cleanup)
DEFINE_POINTER_CLEANUP(struct curl_slist *, curl_slist_free_all)

#define SET(h, opt, val) do { if (curl_easy_setopt(h, opt, val) != CURLE_OK) return -ENOMEM; } while (0)

/* H made ready for METHOD URL, its headers in *HEADERS (the caller's to
 * free). 0, or -ENOMEM when libcurl refused a setting. */
static int setup(CURL *h, const char *method, const char *url, const char *json_body, const char *token,
                 const struct sync_tls *tls, long timeout_ms, struct sink *sink, struct curl_slist **headers) {
        SET(h, CURLOPT_URL, url);
        SET(h, CURLOPT_CUSTOMREQUEST, method);
        SET(h, CURLOPT_PROTOCOLS_STR, tls ? "https" : "http");
        SET(h, CURLOPT_REDIR_PROTOCOLS_STR, tls ? "https" : "http");
        if (tls) {
                /* The cluster's CA only, not the system's: a certificate any
                 * public CA issued must not pass for a cluster member. */
                SET(h, CURLOPT_CAINFO, tls->ca_file);
                SET(h, CURLOPT_CAPATH, NULL);
                SET(h, CURLOPT_SSLCERT, tls->cert_file);
                SET(h, CURLOPT_SSLKEY, tls->key_file);
                SET(h, CURLOPT_SSL_VERIFYPEER, 1L);
                SET(h, CURLOPT_SSL_VERIFYHOST, 2L);
                SET(h, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
        }
        SET(h, CURLOPT_PROXY, "");                      /* dgo's services are reached directly */
        SET(h, CURLOPT_NOSIGNAL, 1L);
        SET(h, CURLOPT_TIMEOUT_MS, timeout_ms);
        SET(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
        SET(h, CURLOPT_USERAGENT, "dgoctl/" DGO_VERSION);
        SET(h, CURLOPT_WRITEFUNCTION, on_data);
        SET(h, CURLOPT_WRITEDATA, sink);
        *headers = curl_slist_append(NULL, "Accept: application/json");
        if (!*headers)
                return -ENOMEM;
        if (json_body) {
                struct curl_slist *more = curl_slist_append(*headers, "Content-Type: application/json");
                if (!more)
                        return -ENOMEM;
                *headers = more;
                SET(h, CURLOPT_POSTFIELDS, json_body);
                SET(h, CURLOPT_POSTFIELDSIZE, (long) strlen(json_body));
        }
        if (token) {
                _cleanup_free_ char *line = NULL;
                struct curl_slist *more;
                if (asprintf(&line, "Authorization: Bearer %s", token) < 0)
                        return -ENOMEM;
                more = curl_slist_append(*headers, line);
                explicit_bzero(line, strlen(line));
                if (!more)
                        return -ENOMEM;
                *headers = more;
        }
        SET(h, CURLOPT_HTTPHEADER, *headers);
        return 0;
}

static int request(const char *method, const char *url, const char *json_body, const char *token,
                   const struct sync_tls *tls, double timeout_sec, size_t max_body, struct http_answer *answer) {
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_(curl_easy_cleanupp) CURL *h = NULL;
        _cleanup_free_ char *body = NULL;
        struct sink sink = { .max = max_body };
        long timeout_ms = (long) (timeout_sec * 1000.0);
        CURLcode c;

        *answer = (struct http_answer) { 0 };
        if (timeout_ms < 1)
                timeout_ms = 1;
        h = curl_easy_init();
        if (!h || setup(h, method, url, json_body, token, tls, timeout_ms, &sink, &headers) < 0) {
                snprintf(answer->error, sizeof answer->error, "libcurl could not be set up");
                return -ENOMEM;
        }

        c = curl_easy_perform(h);
        body = sink.data;                       /* freed unless it becomes the answer */
        if (c != CURLE_OK) {
                if (sink.error == -EFBIG)
                        snprintf(answer->error, sizeof answer->error, "the answer is larger than %zu MiB",
                                 max_body >> 20);
                else if (c == CURLE_OPERATION_TIMEDOUT)
                        snprintf(answer->error, sizeof answer->error, "no answer within %g s", timeout_sec);
                else
                        snprintf(answer->error, sizeof answer->error, "%s", curl_easy_strerror(c));
                return sink.error < 0 ? sink.error : -EHOSTUNREACH;
        }
        (void) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer->status);
        answer->body = body ? TAKE_PTR(body) : strdup("");
        answer->len = sink.len;
        if (!answer->body) {
                snprintf(answer->error, sizeof answer->error, "out of memory");
                return -ENOMEM;
        }
        return 0;
}

int sync_http_request(const char *method, const char *url, const char *json_body, const char *token,
                      double timeout_sec, struct http_answer *answer) {
        return request(method, url, json_body, token, NULL, timeout_sec, DGOCTL_BODY_MAX, answer);
}

int sync_http_get_large(const char *url, size_t max_body, double timeout_sec, struct http_answer *answer) {
        return request("GET", url, NULL, NULL, NULL, timeout_sec, max_body, answer);
}

int sync_https_post(const char *url, const char *json_body, const struct sync_tls *tls, double timeout_sec,
                    struct http_answer *answer) {
        assert(tls);
        return request("POST", url, json_body, NULL, tls, timeout_sec, DGOCTL_BODY_MAX, answer);
}
