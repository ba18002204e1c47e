/* cluster_etcd.c - see cluster_etcd.h. */
#include "cluster_etcd.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "basic/macros.h"

/* POST ENDPOINT/v3/PATH with BODY; a 200's answer in A. */
static int post(const char *endpoint, const char *path, const char *body, const struct sync_tls *tls, double timeout,
                struct http_answer *a, char *error, size_t error_size) {
        _cleanup_(json_decrefp) json_t *j = NULL;
        const char *why;
        char url[CLUSTER_URL_MAX + 64];

        snprintf(url, sizeof url, "%s/v3/%s", endpoint, path);
        if (sync_https_post(url, body, tls, timeout, a) < 0) {
                snprintf(error, error_size, "no answer from etcd at %s: %s", endpoint, a->error);
                return -EHOSTUNREACH;
        }
        if (a->status == 200)
                return 0;
        /* The gateway's errors: {"error": "...", "code": N, "message": "..."}. */
        j = json_loadb(a->body, a->len, 0, NULL);
        why = json_string_value(json_object_get(j, "message"));
        if (!why)
                why = json_string_value(json_object_get(j, "error"));
        snprintf(error, error_size, "etcd at %s answered %ld: %.200s", endpoint, a->status, why ? why : "(no reason)");
        return -EIO;
}

int etcd_member_list(const char *endpoint, const struct sync_tls *tls, double timeout, struct etcd_members *ms,
                     char *error, size_t error_size) {
        _cleanup_(http_answer_clear) struct http_answer a = { 0 };
        int r = post(endpoint, "cluster/member/list", "{}", tls, timeout, &a, error, error_size);

        if (r < 0)
                return r;
        return etcd_members_parse(a.body, a.len, ms, error, error_size);
}

int etcd_member_add(const char *endpoint, const struct sync_tls *tls, const char *peer_url, double timeout,
                    struct etcd_members *ms, char *error, size_t error_size) {
        _cleanup_(http_answer_clear) struct http_answer a = { 0 };
        _cleanup_(json_decrefp) json_t *body = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        body = json_pack("{s:[s]}", "peerURLs", peer_url);
        text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        if (!text)
                return -ENOMEM;
        r = post(endpoint, "cluster/member/add", text, tls, timeout, &a, error, error_size);
        if (r < 0)
                return r;
        r = etcd_members_parse(a.body, a.len, ms, error, error_size);
        if (r == 0 && ms->added_id == 0) {
                snprintf(error, error_size, "etcd's answer does not say which member it added");
                return -EINVAL;
        }
        return r;
}

/* A field of OBJ that is a 64-bit number as a string; 0 when absent (the
 * gateway leaves out fields at their default, and 0 is that). */
static unsigned long long u64_field(const json_t *obj, const char *key) {
        unsigned long long v;

        return etcd_u64(json_string_value(json_object_get(obj, key)), &v) < 0 ? 0 : v;
}

int etcd_status(const char *endpoint, const struct sync_tls *tls, double timeout, struct etcd_status *st,
                char *error, size_t error_size) {
        _cleanup_(http_answer_clear) struct http_answer a = { 0 };
        _cleanup_(json_decrefp) json_t *j = NULL;
        const json_t *header;
        int r;

        *st = (struct etcd_status) { 0 };
        r = post(endpoint, "maintenance/status", "{}", tls, timeout, &a, error, error_size);
        if (r < 0)
                return r;
        j = json_loadb(a.body, a.len, 0, NULL);
        header = json_object_get(j, "header");
        if (!json_is_object(header)) {
                snprintf(error, error_size, "etcd at %s: its status is not JSON with a header", endpoint);
                return -EINVAL;
        }
        st->member_id = u64_field(header, "member_id");
        st->revision = u64_field(header, "revision");
        st->raft_term = u64_field(header, "raft_term");
        st->leader = u64_field(j, "leader");
        const char *version = json_string_value(json_object_get(j, "version"));
        snprintf(st->version, sizeof st->version, "%s", version ? version : "?");
        return 0;
}

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int etcd_wait_ready(const struct sync_tls *tls, double wait, char *error, size_t error_size) {
        double end = now_sec() + wait;
        struct etcd_status st;

        for (;;) {
                double left = end - now_sec();
                if (etcd_status(CLUSTER_ETCD_LOCAL, tls, left < 1.0 ? (left > 0.05 ? left : 0.05) : 1.0, &st, error,
                                error_size) == 0) {
                        if (st.leader != 0)
                                return 0;
                        snprintf(error, error_size, "etcd answers but has no leader");
                }
                if (now_sec() >= end)
                        return -ETIMEDOUT;
                nanosleep(&(struct timespec) { .tv_nsec = 200 * 1000 * 1000 }, NULL);
        }
}
