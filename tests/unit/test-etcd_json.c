/* test-etcd_json - the etcd client's pure half (src/etcd/etcd_json.h): the
 * bodies it sends, the answers and watch lines it reads, as etcd 3.4's
 * gateway writes them (copied from a real one), and what it refuses: bad
 * JSON, wrong types, numbers too big or not numbers, bad base64, missing
 * fields, more than the bounds, lines cut short. Nothing may crash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "basic/macros.h"
#include "etcd/etcd_json.h"

#define HDR "\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":\"13668033151171901709\"," \
            "\"revision\":\"7\",\"raft_term\":\"2\"}"

static int reply(enum etcd_reply_kind kind, const char *json, struct etcd_reply *r) {
        return etcd_reply_parse(kind, json, strlen(json), r);
}

static void test_prefix_end(void) {
        char *end;
        size_t len;

        CHECK(etcd_prefix_end("/dgo/", 5, &end, &len) == 0);
        CHECK(len == 5 && memcmp(end, "/dgo0", 5) == 0);
        free(end);
        CHECK(etcd_prefix_end("a\xff\xff", 3, &end, &len) == 0);
        CHECK(len == 1 && end[0] == 'b');
        free(end);
        CHECK(etcd_prefix_end("\xff", 1, &end, &len) == 0);
        CHECK(len == 1 && end[0] == '\0');      /* every key from here on */
        free(end);
}

static void test_build(void) {
        char *s;
        char big[ETCD_KEY_MAX + 2];

        CHECK(etcd_build_range("/dgo/", true, 0, 0, &s) == 0);
        /* "/dgo/" and "/dgo0" in base64; the limit the bound. */
        CHECK_STR(s, "{\"key\":\"L2Rnby8=\",\"range_end\":\"L2RnbzA=\",\"limit\":\"10000\"}");
        free(s);
        CHECK(etcd_build_put("/a/x", "hello", 5, 4111120510616610567LL, false, &s) == 0);
        CHECK_STR(s, "{\"key\":\"L2EveA==\",\"value\":\"aGVsbG8=\",\"lease\":\"4111120510616610567\"}");
        free(s);
        CHECK(etcd_build_put("/a/x", NULL, 0, 0, true, &s) == 0);
        CHECK_STR(s, "{\"key\":\"L2EveA==\",\"value\":\"\",\"prev_kv\":true}");
        free(s);
        CHECK(etcd_build_delete("/a/", true, false, &s) == 0);
        CHECK_STR(s, "{\"key\":\"L2Ev\",\"range_end\":\"L2Ew\"}");
        free(s);
        CHECK(etcd_build_lease_grant(10, &s) == 0);
        CHECK_STR(s, "{\"TTL\":\"10\"}");
        free(s);
        CHECK(etcd_build_lease_id(42, &s) == 0);
        CHECK_STR(s, "{\"ID\":\"42\"}");
        free(s);
        CHECK(etcd_build_watch_create("/a/", true, 5, true, true, &s) == 0);
        CHECK_STR(s, "{\"create_request\":{\"key\":\"L2Ev\",\"range_end\":\"L2Ew\",\"start_revision\":\"5\","
                     "\"prev_kv\":true,\"progress_notify\":true}}");
        free(s);
        CHECK(etcd_build_compact(3, true, &s) == 0);
        CHECK_STR(s, "{\"revision\":\"3\",\"physical\":true}");
        free(s);

        /* Refused: no key, too long a key or value, bad numbers. */
        s = NULL;
        CHECK(etcd_build_range("", true, 0, 0, &s) == -EINVAL);
        CHECK(etcd_build_range(NULL, true, 0, 0, &s) == -EINVAL);
        memset(big, 'k', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        CHECK(etcd_build_put(big, "v", 1, 0, false, &s) == -E2BIG);
        CHECK(etcd_build_put("/k", "v", ETCD_VALUE_MAX + 1, 0, false, &s) == -E2BIG);
        CHECK(etcd_build_put("/k", NULL, 1, 0, false, &s) == -EINVAL);
        CHECK(etcd_build_put("/k", "v", 1, -1, false, &s) == -EINVAL);
        CHECK(etcd_build_lease_grant(0, &s) == -EINVAL);
        CHECK(etcd_build_lease_grant(1LL << 40, &s) == -EINVAL);
        CHECK(etcd_build_lease_id(0, &s) == -EINVAL);
        CHECK(etcd_build_watch_create("/a/", true, -1, false, false, &s) == -EINVAL);
        CHECK(etcd_build_range("/a/", true, ETCD_OBJECTS_MAX + 1, 0, &s) == -EINVAL);
        CHECK(s == NULL);
}

static void test_replies(void) {
        struct etcd_reply r;

        CHECK(reply(ETCD_REPLY_RANGE, "{" HDR ",\"kvs\":[{\"key\":\"L2EveA==\",\"create_revision\":\"2\","
                    "\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"aGVsbG8=\",\"lease\":\"4111120510616610567\"},"
                    "{\"key\":\"L2EveQ==\",\"mod_revision\":\"4\"}],\"count\":\"2\"}", &r) == 0);
        CHECK(r.header.revision == 7 && r.header.cluster_id == 15118495548433857066ULL && r.header.raft_term == 2);
        CHECK(r.n_kvs == 2 && r.count == 2 && !r.more);
        CHECK(r.n_kvs == 2 && r.kvs[0].key_len == 4 && strcmp(r.kvs[0].key, "/a/x") == 0);
        CHECK(r.n_kvs == 2 && r.kvs[0].value_len == 5 && strcmp(r.kvs[0].value, "hello") == 0);
        CHECK(r.n_kvs == 2 && r.kvs[0].create_revision == 2 && r.kvs[0].mod_revision == 3 &&
              r.kvs[0].version == 1 && r.kvs[0].lease == 4111120510616610567LL);
        /* A value left out is empty, a lease left out none. */
        CHECK(r.n_kvs == 2 && r.kvs[1].value_len == 0 && r.kvs[1].value && r.kvs[1].value[0] == '\0' &&
              r.kvs[1].lease == 0);
        etcd_reply_done(&r);

        /* No "kvs": none. */
        CHECK(reply(ETCD_REPLY_RANGE, "{" HDR "}", &r) == 0);
        CHECK(r.n_kvs == 0 && r.kvs == NULL);
        etcd_reply_done(&r);
        CHECK(reply(ETCD_REPLY_DELETE, "{" HDR ",\"deleted\":\"3\"}", &r) == 0 && r.deleted == 3);
        etcd_reply_done(&r);
        CHECK(reply(ETCD_REPLY_LEASE_GRANT, "{" HDR ",\"ID\":\"4111120510616610565\",\"TTL\":\"2\"}", &r) == 0);
        CHECK(r.lease_id == 4111120510616610565LL && r.ttl == 2);
        etcd_reply_done(&r);
        CHECK(reply(ETCD_REPLY_LEASE_KEEPALIVE, "{\"result\":{" HDR ",\"ID\":\"5\",\"TTL\":\"30\"}}", &r) == 0);
        CHECK(r.lease_id == 5 && r.ttl == 30);
        etcd_reply_done(&r);
        /* A keepalive on a lease that is gone: 200, no TTL. */
        CHECK(reply(ETCD_REPLY_LEASE_KEEPALIVE, "{\"result\":{" HDR ",\"ID\":\"123\"}}", &r) == -ENOENT);
        CHECK(r.lease_id == 123 && r.ttl == 0);
        etcd_reply_done(&r);
        /* etcd's errors, as the gateway words them. */
        CHECK(reply(ETCD_REPLY_LEASE_REVOKE, "{\"error\":\"etcdserver: requested lease not found\","
                    "\"message\":\"etcdserver: requested lease not found\",\"code\":5}", &r) == -ENOENT);
        CHECK(r.error_code == 5);
        CHECK_STR(r.error_message, "etcdserver: requested lease not found");
        etcd_reply_done(&r);
        CHECK(reply(ETCD_REPLY_RANGE, "{\"error\":\"etcdserver: mvcc: required revision has been compacted\","
                    "\"code\":11}", &r) == -ERANGE);
        etcd_reply_done(&r);
        CHECK(reply(ETCD_REPLY_PUT, "{\"error\":\"etcdserver: no leader\",\"code\":14}", &r) == -EAGAIN);
        etcd_reply_done(&r);
        CHECK(reply(ETCD_REPLY_PUT, "{\"error\":\"x\",\"code\":0}", &r) == -EREMOTEIO);  /* never OK */
        etcd_reply_done(&r);
}

static void test_hostile_replies(void) {
        static const char *const bad[] = {
                "", "not json", "[]", "\"x\"", "null", "{", "{\"header\":",
                /* no header, or no revision: means nothing */
                "{}", "{\"header\":{}}", "{\"header\":7}",
                /* numbers: too big, signed, leading zero, spaces, not digits, float, a NUL inside */
                "{\"header\":{\"revision\":\"9223372036854775808\"}}",
                "{\"header\":{\"revision\":\"99999999999999999999999\"}}",
                "{\"header\":{\"revision\":\"-1\"}}", "{\"header\":{\"revision\":\"+1\"}}",
                "{\"header\":{\"revision\":\"01\"}}", "{\"header\":{\"revision\":\" 1\"}}",
                "{\"header\":{\"revision\":\"1x\"}}", "{\"header\":{\"revision\":\"\"}}",
                "{\"header\":{\"revision\":1.5}}", "{\"header\":{\"revision\":-3}}",
                "{\"header\":{\"revision\":\"1\\u00002\"}}",
                "{\"header\":{\"revision\":true}}", "{\"header\":{\"revision\":[1]}}",
                "{\"header\":{\"revision\":\"1\",\"cluster_id\":\"18446744073709551616\"}}",
                "{\"header\":{\"revision\":\"1\",\"revision\":\"2\"}}",         /* twice */
                /* kvs: wrong types, bad base64, missing key or revision */
                "{" HDR ",\"kvs\":{}}", "{" HDR ",\"kvs\":[1]}", "{" HDR ",\"kvs\":[{}]}",
                "{" HDR ",\"kvs\":[{\"key\":\"L2EveA==\"}]}",
                "{" HDR ",\"kvs\":[{\"key\":\"\",\"mod_revision\":\"1\"}]}",
                "{" HDR ",\"kvs\":[{\"key\":\"L2EveA\",\"mod_revision\":\"1\"}]}",
                "{" HDR ",\"kvs\":[{\"key\":\"L2Ev eA==\",\"mod_revision\":\"1\"}]}",
                "{" HDR ",\"kvs\":[{\"key\":\"L2E*eA==\",\"mod_revision\":\"1\"}]}",
                "{" HDR ",\"kvs\":[{\"key\":\"L2E=eA==\",\"mod_revision\":\"1\"}]}",
                "{" HDR ",\"kvs\":[{\"key\":\"L2EveA==\",\"mod_revision\":\"1\",\"value\":5}]}",
                "{" HDR ",\"kvs\":[{\"key\":7,\"mod_revision\":\"1\"}]}",
                "{" HDR ",\"more\":\"true\"}",
                "{\"error\":5}", "{\"error\":\"x\",\"code\":\"5\"}", "{\"error\":\"x\",\"code\":99999}",
        };
        struct etcd_reply r;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int k = reply(ETCD_REPLY_RANGE, bad[i], &r);
                if (k != -EBADMSG)
                        fprintf(stderr, "accepted or misread (%d): %s\n", k, bad[i]);
                CHECK(k == -EBADMSG);
                CHECK(r.kvs == NULL && r.n_kvs == 0 && r.error_message == NULL);
                etcd_reply_done(&r);
        }
        /* A grant without an ID or TTL, a keepalive not wrapped. */
        CHECK(reply(ETCD_REPLY_LEASE_GRANT, "{" HDR ",\"TTL\":\"2\"}", &r) == -EBADMSG);
        CHECK(reply(ETCD_REPLY_LEASE_GRANT, "{" HDR ",\"ID\":\"2\"}", &r) == -EBADMSG);
        CHECK(reply(ETCD_REPLY_LEASE_KEEPALIVE, "{" HDR ",\"ID\":\"2\",\"TTL\":\"2\"}", &r) == -EBADMSG);
        CHECK(reply(ETCD_REPLY_LEASE_KEEPALIVE, "{\"result\":[]}", &r) == -EBADMSG);
        /* A NULL or too large body. */
        CHECK(etcd_reply_parse(ETCD_REPLY_PUT, NULL, 0, &r) == -EBADMSG);
        CHECK(etcd_reply_parse(ETCD_REPLY_PUT, "{}", ETCD_MESSAGE_MAX + 1, &r) == -E2BIG);

        /* More kvs than the bound: refused, not half read. */
        size_t n = ETCD_OBJECTS_MAX + 1, size = 64 + n * 48;
        char *big = malloc(size), *p = big;
        p += sprintf(p, "{" HDR ",\"kvs\":[");
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "%s{\"key\":\"YQ==\",\"mod_revision\":\"1\"}", i ? "," : "");
        p += sprintf(p, "]}");
        CHECK(reply(ETCD_REPLY_RANGE, big, &r) == -E2BIG && r.kvs == NULL);
        /* Deep nesting: jansson's own bound, no stack overflow. */
        memset(big, '[', size - 1);
        big[size - 1] = '\0';
        CHECK(reply(ETCD_REPLY_RANGE, big, &r) == -EBADMSG);
        free(big);
        /* A value over the bound. */
        size = ETCD_VALUE_MAX / 3 * 4 + 200;
        big = malloc(size);
        p = big + sprintf(big, "{" HDR ",\"kvs\":[{\"key\":\"YQ==\",\"mod_revision\":\"1\",\"value\":\"");
        memset(p, 'A', ETCD_VALUE_MAX / 3 * 4 + 8);
        strcpy(p + ETCD_VALUE_MAX / 3 * 4 + 8, "\"}]}");
        CHECK(reply(ETCD_REPLY_RANGE, big, &r) == -E2BIG);
        free(big);
}

static int watch(const char *line, struct etcd_watch_message *m) {
        return etcd_watch_message_parse(line, strlen(line), m);
}

static void test_watch_messages(void) {
        struct etcd_watch_message m;

        CHECK(watch("{\"result\":{" HDR ",\"created\":true}}", &m) == 0);
        CHECK(m.created && !m.canceled && m.n_events == 0 && m.header.revision == 7);
        etcd_watch_message_done(&m);
        /* A PUT has no "type"; a DELETE's kv only key and mod_revision. */
        CHECK(watch("{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"L2EveA==\",\"create_revision\":\"2\","
                    "\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"aGVsbG8=\",\"lease\":\"9\"}},"
                    "{\"type\":\"DELETE\",\"kv\":{\"key\":\"L2EveA==\",\"mod_revision\":\"3\"},"
                    "\"prev_kv\":{\"key\":\"L2EveA==\",\"mod_revision\":\"2\",\"value\":\"aGVsbG8=\"}}]}}", &m) == 0);
        CHECK(m.n_events == 2);
        if (m.n_events == 2) {
                CHECK(m.events[0].type == ETCD_EVENT_PUT && strcmp(m.events[0].kv.key, "/a/x") == 0 &&
                      strcmp(m.events[0].kv.value, "hello") == 0 && m.events[0].kv.lease == 9 &&
                      !m.events[0].has_prev_kv);
                CHECK(m.events[1].type == ETCD_EVENT_DELETE && m.events[1].kv.mod_revision == 3 &&
                      m.events[1].has_prev_kv && strcmp(m.events[1].prev_kv.value, "hello") == 0);
        }
        etcd_watch_message_done(&m);
        /* Compacted: the header has no revision then. */
        CHECK(watch("{\"result\":{\"header\":{\"cluster_id\":\"1\",\"raft_term\":\"2\"},\"canceled\":true,"
                    "\"compact_revision\":\"3\"}}", &m) == 0);
        CHECK(m.canceled && m.compact_revision == 3);
        etcd_watch_message_done(&m);
        /* A progress notification: a header, nothing else. */
        CHECK(watch("{\"result\":{" HDR "}}", &m) == 0);
        CHECK(!m.created && !m.canceled && m.n_events == 0 && m.header.revision == 7);
        etcd_watch_message_done(&m);
        /* A stream's error. */
        CHECK(watch("{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\","
                    "\"http_status\":\"Service Unavailable\"}}", &m) == -EAGAIN);
        CHECK(m.error_code == 14);
        CHECK_STR(m.error_message, "etcdserver: no leader");
        etcd_watch_message_done(&m);

        static const char *const bad[] = {
                "", "{", "{\"result\":{" HDR, "{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"L2Ev",
                "{\"result\":7}", "{}", "{\"result\":{\"events\":{}}}", "{\"result\":{\"events\":[{}]}}",
                "{\"result\":{\"events\":[{\"type\":\"PUTX\",\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"1\"}}]}}",
                "{\"result\":{\"events\":[{\"type\":1,\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"1\"}}]}}",
                "{\"result\":{\"events\":[{\"kv\":{\"key\":\"!!!!\",\"mod_revision\":\"1\"}}]}}",
                "{\"result\":{\"events\":[{\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"1\"},\"prev_kv\":3}]}}",
                "{\"result\":{\"created\":\"true\"}}", "{\"result\":{\"compact_revision\":\"1e3\"}}",
                "{\"result\":{\"watch_id\":\"18446744073709551615\"}}", "{\"error\":[]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int k = watch(bad[i], &m);
                if (k != -EBADMSG)
                        fprintf(stderr, "watch line accepted or misread (%d): %s\n", k, bad[i]);
                CHECK(k == -EBADMSG && m.events == NULL);
                etcd_watch_message_done(&m);
        }
}

struct seen {
        int n;
        char lines[8][64];
        int stop_at;
};

static int on_line(const char *line, size_t len, void *userdata) {
        struct seen *s = userdata;

        if (s->n < 8)
                snprintf(s->lines[s->n], sizeof s->lines[0], "%.*s", (int) len, line);
        s->n++;
        return s->n == s->stop_at ? -ECANCELED : 0;
}

static void test_lines(void) {
        struct etcd_lines l = { 0 };
        struct seen s = { 0 };
        const char *stream = "{\"a\":1}\n\r\n{\"b\":2}\r\n{\"c\":";

        /* Byte by byte: the lines come whole whatever the split. */
        for (size_t i = 0; i < strlen(stream); i++)
                CHECK(etcd_lines_feed(&l, stream + i, 1, on_line, &s) == 0);
        CHECK(s.n == 2);
        CHECK_STR(s.lines[0], "{\"a\":1}");
        CHECK_STR(s.lines[1], "{\"b\":2}");
        /* Cut off in the middle of a message. */
        CHECK(etcd_lines_finish(&l) == -EBADMSG);
        CHECK(etcd_lines_feed(&l, "3}\n", 3, on_line, &s) == 0);
        CHECK(s.n == 3);
        CHECK_STR(s.lines[2], "{\"c\":3}");
        CHECK(etcd_lines_finish(&l) == 0);
        /* The callback stops the feed. */
        s = (struct seen) { .stop_at = 2 };
        CHECK(etcd_lines_feed(&l, "1\n2\n3\n", 6, on_line, &s) == -ECANCELED && s.n == 2);
        etcd_lines_done(&l);

        /* A line longer than the bound, in pieces: refused. */
        char *chunk = malloc(64 * 1024);
        memset(chunk, 'x', 64 * 1024);
        int r = 0;
        for (int i = 0; i < 32 && r == 0; i++)
                r = etcd_lines_feed(&l, chunk, 64 * 1024, on_line, &s);
        CHECK(r == -EBADMSG);
        CHECK(l.len <= ETCD_MESSAGE_MAX);
        etcd_lines_done(&l);
        free(chunk);
}

int main(void) {
        test_prefix_end();
        test_build();
        test_replies();
        test_hostile_replies();
        test_watch_messages();
        test_lines();
        return check_finish("test-etcd_json");
}
