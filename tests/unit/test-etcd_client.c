/* test-etcd_client - the etcd client (src/etcd/etcd.h) against a real etcd
 * this test starts on 127.0.0.1 (free ports, a temporary data directory),
 * and stops by its PID at the end: put and get by prefix; a lease granted,
 * kept alive, revoked (its key gone); a lease left to expire (its key gone,
 * then a keepalive says lost); a watch from a past revision sees PUT and
 * DELETE in order, then live ones; a quiet watch lives on progress
 * notifications, one on a silent server ends at its idle bound; after a
 * compaction a watch from before it says compacted, with the revision; a
 * dead endpoint first in the list fails over to the live one; and, from a
 * fake etcd in the test, watch streams that go wrong (bad lines, cut short,
 * no leader, error statuses) end with why.
 * Skipped (77) when /usr/bin/etcd is not installed. Every wait is bounded. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "etcd_server.h"
#include "loopback.h"
#include "basic/clock.h"
#include "basic/macros.h"
#include "etcd/etcd.h"


static sd_event *event;
static pid_t etcd_pid = -1;
static char data_dir[] = "/tmp/test-etcd_client.XXXXXX";
static char live_url[64], dead_url[64], silent_url[64];

static uint64_t now_ms(void) {
        return now_usec(CLOCK_MONOTONIC) / 1000;
}

/* Runs the loop until *FLAG or MS have passed. */
static bool wait_for(const bool *flag, unsigned ms) {
        uint64_t deadline = now_ms() + ms;

        while (!*flag && now_ms() < deadline)
                (void) sd_event_run(event, (deadline - now_ms()) * 1000 + 1000);
        return *flag;
}

static void sleep_loop(unsigned ms) {
        bool never = false;
        (void) wait_for(&never, ms);
}

static unsigned free_port(void) {
        return etcd_free_port();
}

static int start_etcd(void) {
        pid_t pid = etcd_server_start(data_dir, free_port(), free_port(), live_url);

        if (pid < 0)
                return (int) pid;
        etcd_pid = pid;
        return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void stop_etcd(void) {
        etcd_server_stop(&etcd_pid, SIGTERM);
        (void) nftw(data_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- unary results ---- */

struct result {
        bool done;
        int r;
        bool has_reply;
        int64_t revision, lease_id, ttl, deleted;
        size_t n_kvs;
        char keys[8][64], values[8][64];
        int64_t leases[8];
};

static void on_reply(int r, const struct etcd_reply *reply, void *userdata) {
        struct result *res = userdata;

        res->done = true;
        res->r = r;
        res->has_reply = reply != NULL;
        if (!reply)
                return;
        res->revision = reply->header.revision;
        res->lease_id = reply->lease_id;
        res->ttl = reply->ttl;
        res->deleted = reply->deleted;
        res->n_kvs = reply->n_kvs;
        for (size_t i = 0; i < reply->n_kvs && i < 8; i++) {
                snprintf(res->keys[i], sizeof res->keys[i], "%s", reply->kvs[i].key);
                snprintf(res->values[i], sizeof res->values[i], "%s", reply->kvs[i].value);
                res->leases[i] = reply->kvs[i].lease;
        }
}

/* Starts CALL (with on_reply, &RES) and waits for its answer. */
#define SYNC(res, call) do {                                            \
                (res) = (struct result) { 0 };                          \
                int k_ = (call);                                        \
                CHECK(k_ == 0);                                         \
                if (k_ == 0)                                            \
                        CHECK(wait_for(&(res).done, 8000));             \
        } while (0)

/* ---- watch records ---- */

struct wrec {
        bool created, compacted, ended, any_event;
        int n_progress, error, n;
        int64_t created_rev, compact_rev;
        char message[256];
        struct {
                enum etcd_event_type type;
                char key[64];
                int64_t rev;
        } ev[32];
        uint64_t last_event_ms;
        bool free_at_end;               /* free the watch from inside the callback */
        bool free_at_event;             /* ... at its first events */
        bool freed;
        struct etcd_client **free_client;       /* at CREATED: free the watch, then this client */
};

static void on_watch(struct etcd_watch *w, const struct etcd_watch_update *u, void *userdata) {
        struct wrec *rec = userdata;

        switch (u->kind) {
        case ETCD_WATCH_CREATED:
                rec->created = true;
                rec->created_rev = u->revision;
                break;
        case ETCD_WATCH_EVENTS:
                for (size_t i = 0; i < u->n_events && rec->n < 32; i++, rec->n++) {
                        rec->ev[rec->n].type = u->events[i].type;
                        snprintf(rec->ev[rec->n].key, sizeof rec->ev[0].key, "%s", u->events[i].kv.key);
                        rec->ev[rec->n].rev = u->events[i].kv.mod_revision;
                }
                rec->any_event = true;
                rec->last_event_ms = now_ms();
                break;
        case ETCD_WATCH_PROGRESS:
                rec->n_progress++;
                break;
        case ETCD_WATCH_COMPACTED:
                rec->compacted = true;
                rec->compact_rev = u->revision;
                break;
        case ETCD_WATCH_ENDED:
                rec->ended = true;
                rec->error = u->error;
                snprintf(rec->message, sizeof rec->message, "%s", u->message ? u->message : "");
                break;
        }
        if (rec->free_client && u->kind == ETCD_WATCH_CREATED) {
                etcd_watch_free(w);
                etcd_client_free(*rec->free_client);
                *rec->free_client = NULL;
                rec->freed = true;
                return;
        }
        if ((rec->free_at_end && (rec->compacted || rec->ended)) ||
            (rec->free_at_event && u->kind == ETCD_WATCH_EVENTS)) {
                etcd_watch_free(w);
                rec->freed = true;
        }
}

/* ---- the tests ---- */

static struct etcd_client *client;

static bool wait_ready(void) {
        uint64_t deadline = now_ms() + 15000;
        struct result res;

        while (now_ms() < deadline) {
                SYNC(res, etcd_get_prefix(client, "/", 0, on_reply, &res));
                if (res.r == 0)
                        return true;
                sleep_loop(100);
        }
        return false;
}

static void test_put_get(void) {
        struct result res;

        SYNC(res, etcd_put(client, "/t/a", "1", 1, 0, on_reply, &res));
        CHECK(res.r == 0 && res.revision > 0);
        SYNC(res, etcd_put(client, "/t/b", "two", 3, 0, on_reply, &res));
        SYNC(res, etcd_put(client, "/u/c", "3", 1, 0, on_reply, &res));
        SYNC(res, etcd_get_prefix(client, "/t/", 0, on_reply, &res));
        CHECK(res.r == 0 && res.n_kvs == 2);
        CHECK_STR(res.keys[0], "/t/a");
        CHECK_STR(res.values[0], "1");
        CHECK_STR(res.keys[1], "/t/b");
        CHECK_STR(res.values[1], "two");
        SYNC(res, etcd_delete(client, "/t/", true, on_reply, &res));
        CHECK(res.r == 0 && res.deleted == 2);
        SYNC(res, etcd_get_prefix(client, "/t/", 0, on_reply, &res));
        CHECK(res.r == 0 && res.n_kvs == 0);

        /* Put p50 and max over 50, for the record. */
        uint64_t t[50];
        for (int i = 0; i < 50; i++) {
                uint64_t start = now_usec(CLOCK_MONOTONIC);
                SYNC(res, etcd_put(client, "/bench/k", "v", 1, 0, on_reply, &res));
                t[i] = now_usec(CLOCK_MONOTONIC) - start;
        }
        for (int i = 0; i < 50; i++)
                for (int j = i + 1; j < 50; j++)
                        if (t[j] < t[i]) {
                                uint64_t x = t[i];
                                t[i] = t[j];
                                t[j] = x;
                        }
        printf("put (one member, loopback): p50 %.2f ms, max %.2f ms\n", t[25] / 1000.0, t[49] / 1000.0);
}

static void test_lease(void) {
        struct result res;
        int64_t lease;

        SYNC(res, etcd_lease_grant(client, 5, on_reply, &res));
        CHECK(res.r == 0 && res.lease_id > 0 && res.ttl == 5);
        lease = res.lease_id;
        SYNC(res, etcd_put(client, "/l/k", "v", 1, lease, on_reply, &res));
        CHECK(res.r == 0);
        SYNC(res, etcd_lease_keepalive(client, lease, on_reply, &res));
        CHECK(res.r == 0 && res.lease_id == lease && res.ttl == 5);
        SYNC(res, etcd_get_prefix(client, "/l/", 0, on_reply, &res));
        CHECK(res.r == 0 && res.n_kvs == 1 && res.leases[0] == lease);
        SYNC(res, etcd_lease_revoke(client, lease, on_reply, &res));
        CHECK(res.r == 0);
        SYNC(res, etcd_get_prefix(client, "/l/", 0, on_reply, &res));
        CHECK(res.r == 0 && res.n_kvs == 0);
        /* Revoked twice: etcd's "not found", as -ENOENT with its words. */
        SYNC(res, etcd_lease_revoke(client, lease, on_reply, &res));
        CHECK(res.r == -ENOENT && res.has_reply);

        /* Left to expire: TTL 2, kept alive once, then not. */
        SYNC(res, etcd_lease_grant(client, 2, on_reply, &res));
        lease = res.lease_id;
        SYNC(res, etcd_put(client, "/l/e", "v", 1, lease, on_reply, &res));
        SYNC(res, etcd_lease_keepalive(client, lease, on_reply, &res));
        CHECK(res.r == 0 && res.ttl == 2);
        uint64_t last_keepalive = now_ms(), gone_ms = 0;
        while (now_ms() - last_keepalive < 8000) {
                SYNC(res, etcd_get_prefix(client, "/l/", 0, on_reply, &res));
                if (res.r == 0 && res.n_kvs == 0) {
                        gone_ms = now_ms() - last_keepalive;
                        break;
                }
                sleep_loop(50);
        }
        CHECK(gone_ms >= 1500 && gone_ms < 8000);
        printf("lease TTL 2: key gone %.2f s after the last keepalive\n", gone_ms / 1000.0);
        SYNC(res, etcd_lease_keepalive(client, lease, on_reply, &res));
        CHECK(res.r == -ENOENT);                /* lost */
}

static void test_watch(void) {
        struct wrec rec = { 0 };
        struct etcd_watch *w = NULL;
        struct result res;
        int64_t r1;

        /* Three changes before the watch. */
        SYNC(res, etcd_put(client, "/w/x", "1", 1, 0, on_reply, &res));
        r1 = res.revision;
        SYNC(res, etcd_delete(client, "/w/x", false, on_reply, &res));
        SYNC(res, etcd_put(client, "/w/y", "2", 1, 0, on_reply, &res));
        SYNC(res, etcd_put(client, "/other", "2", 1, 0, on_reply, &res));

        CHECK(etcd_watch_new(client, "/w/", r1, false, 5, on_watch, &rec, &w) == 0);
        CHECK(wait_for(&rec.created, 5000));
        uint64_t deadline = now_ms() + 5000;
        while (rec.n < 3 && now_ms() < deadline)
                sleep_loop(20);
        CHECK(rec.n == 3);
        CHECK(rec.ev[0].type == ETCD_EVENT_PUT && strcmp(rec.ev[0].key, "/w/x") == 0 && rec.ev[0].rev == r1);
        CHECK(rec.ev[1].type == ETCD_EVENT_DELETE && strcmp(rec.ev[1].key, "/w/x") == 0 && rec.ev[1].rev == r1 + 1);
        CHECK(rec.ev[2].type == ETCD_EVENT_PUT && strcmp(rec.ev[2].key, "/w/y") == 0 && rec.ev[2].rev == r1 + 2);

        /* Live: put -> event, timed. */
        double worst = 0, sum = 0;
        for (int i = 0; i < 10; i++) {
                int before = rec.n;
                uint64_t start = now_usec(CLOCK_MONOTONIC);
                SYNC(res, etcd_put(client, "/w/z", "3", 1, 0, on_reply, &res));
                deadline = now_ms() + 3000;
                while (rec.n == before && now_ms() < deadline)
                        (void) sd_event_run(event, 100 * 1000);
                CHECK(rec.n == before + 1);
                double ms = (now_usec(CLOCK_MONOTONIC) - start) / 1000.0;
                sum += ms;
                worst = ms > worst ? ms : worst;
                CHECK(etcd_watch_next_revision(w) == res.revision + 1);
        }
        printf("put -> watch event: mean %.2f ms, max %.2f ms\n", sum / 10, worst);

        /* Quiet for longer than the idle bound (5 s): progress keeps it. */
        int progress_before = rec.n_progress;
        sleep_loop(6000);
        CHECK(!rec.ended);
        CHECK(rec.n_progress - progress_before >= 3);
        /* A progress notification moves the next revision past /other. */
        SYNC(res, etcd_put(client, "/other", "3", 1, 0, on_reply, &res));
        sleep_loop(1500);
        CHECK(etcd_watch_next_revision(w) == res.revision + 1);
        etcd_watch_free(w);

        /* Freed from inside its events callback, in the middle of a stream:
         * nothing more comes, nothing breaks. */
        struct wrec rec2 = { .free_at_event = true };
        CHECK(etcd_watch_new(client, "/w/", r1, false, 5, on_watch, &rec2, &w) == 0);
        CHECK(wait_for(&rec2.freed, 5000));
        int n = rec2.n;
        SYNC(res, etcd_put(client, "/w/after", "1", 1, 0, on_reply, &res));
        sleep_loop(300);
        CHECK(rec2.n == n && !rec2.ended);
}

static void test_compacted(void) {
        struct wrec rec = { .free_at_end = true };
        struct etcd_watch *w = NULL;
        struct result res;
        int64_t old, now;

        SYNC(res, etcd_put(client, "/c/a", "1", 1, 0, on_reply, &res));
        old = res.revision;
        SYNC(res, etcd_put(client, "/c/a", "2", 1, 0, on_reply, &res));
        now = res.revision;
        SYNC(res, etcd_compact(client, now, on_reply, &res));
        CHECK(res.r == 0);

        /* Freed from inside its callback at COMPACTED. */
        CHECK(etcd_watch_new(client, "/c/", old, false, 5, on_watch, &rec, &w) == 0);
        CHECK(wait_for(&rec.compacted, 5000));
        CHECK(rec.compact_rev == now);
        CHECK(!rec.ended);
        /* The caller's way on: re-list, watch from its revision + 1. */
        SYNC(res, etcd_get_prefix(client, "/c/", 0, on_reply, &res));
        CHECK(res.r == 0 && res.n_kvs == 1);
        CHECK_STR(res.values[0], "2");
}

static void test_idle_bound(void) {
        struct etcd_client *silent = NULL;
        const char *const eps[] = { silent_url, NULL };
        struct wrec rec = { .free_at_end = true };
        struct etcd_watch *w = NULL;

        /* A server that takes the connection and never answers. */
        CHECK(etcd_client_new(event, eps, NULL, &silent) == 0);
        uint64_t start = now_ms();
        CHECK(etcd_watch_new(silent, "/w/", 0, false, 2, on_watch, &rec, &w) == 0);
        CHECK(wait_for(&rec.ended, 6000));
        CHECK(rec.error == -ETIMEDOUT);
        uint64_t took = now_ms() - start;
        CHECK(took >= 1500 && took < 5000);
        printf("watch on a silent server, idle bound 2 s: ended after %.2f s (%s)\n", took / 1000.0, rec.message);
        etcd_client_free(silent);
}

static void test_failover(void) {
        struct etcd_client *c = NULL;
        const char *const eps[] = { dead_url, live_url, NULL };
        struct wrec rec = { 0 };
        struct etcd_watch *w = NULL;
        struct result res;

        CHECK(etcd_client_new(event, eps, NULL, &c) == 0);
        CHECK_STR(etcd_client_endpoint(c), dead_url);
        uint64_t start = now_ms();
        SYNC(res, etcd_put(c, "/f/k", "v", 1, 0, on_reply, &res));
        CHECK(res.r == 0);
        printf("put with a dead endpoint first: %llu ms\n", (unsigned long long) (now_ms() - start));
        CHECK_STR(etcd_client_endpoint(c), live_url);
        etcd_client_free(c);

        /* The watch too. */
        CHECK(etcd_client_new(event, eps, NULL, &c) == 0);
        CHECK(etcd_watch_new(c, "/f/", 0, false, 5, on_watch, &rec, &w) == 0);
        CHECK(wait_for(&rec.created, 5000));
        CHECK(!rec.ended);
        etcd_watch_free(w);

        /* Only dead endpoints: refused, within the request's time. */
        const char *const dead[] = { dead_url, dead_url, NULL };
        etcd_client_free(c);
        CHECK(etcd_client_new(event, dead, NULL, &c) == 0);
        SYNC(res, etcd_get_prefix(c, "/", 0, on_reply, &res));
        CHECK(res.r == -ECONNREFUSED && !res.has_reply);
        /* Pending calls answered -ECANCELED when the client goes. */
        res = (struct result) { 0 };
        CHECK(etcd_get_prefix(c, "/", 0, on_reply, &res) == 0);
        etcd_client_free(c);
        CHECK(res.done && res.r == -ECANCELED);
}

/* ---- a fake etcd for the watch's bad days ---- */

static const char *fake_answer;         /* what the fake says to a watch */
static int fake_conns[8];
static size_t n_fake_conns;
static char fake_request[4096];
static size_t fake_request_len;

static int on_fake_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ssize_t n = read(fd, fake_request + fake_request_len, sizeof fake_request - 1 - fake_request_len);

        if (n <= 0) {
                sd_event_source_disable_unref(s);
                return 0;
        }
        fake_request_len += (size_t) n;
        fake_request[fake_request_len] = '\0';
        /* The whole request read (the watch body ends its JSON with "}}"),
         * so that closing sends no reset. */
        if (fake_request_len >= 2 && strcmp(fake_request + fake_request_len - 2, "}}") == 0) {
                (void) write(fd, fake_answer, strlen(fake_answer));
                (void) shutdown(fd, SHUT_WR);   /* the answer ends here */
                sd_event_source_disable_unref(s);
        }
        return 0;
}

static int on_fake_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        if (conn < 0)
                return 0;
        if (n_fake_conns == ELEMENTSOF(fake_conns)) {
                close(conn);
                return 0;
        }
        fake_conns[n_fake_conns++] = conn;
        fake_request_len = 0;
        (void) sd_event_add_io(event, NULL, conn, EPOLLIN, on_fake_conn, NULL);
        return 0;
}

#define CREATED_LINE "{\"result\":{\"header\":{\"revision\":\"5\"},\"created\":true}}\n"

static void test_bad_streams(void) {
        static const struct {
                const char *answer;
                bool created;
                int error;
                const char *message;
        } cases[] = {
                { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" CREATED_LINE "garbage\n",
                  true, -EBADMSG, "not a watch message from etcd" },
                { "HTTP/1.1 200 OK\r\n\r\n" CREATED_LINE "{\"result\":{\"header\":",
                  true, -EBADMSG, "the watch stream ended in the middle of a message" },
                { "HTTP/1.1 200 OK\r\n\r\n" CREATED_LINE
                  "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\"}}\n",
                  true, -EAGAIN, "etcdserver: no leader" },
                { "HTTP/1.1 200 OK\r\n\r\n" CREATED_LINE
                  "{\"result\":{\"header\":{\"revision\":\"5\"},\"canceled\":true,\"cancel_reason\":\"etcdserver: no leader\"}}\n",
                  true, -EAGAIN, "etcdserver: no leader" },
                { "HTTP/1.1 200 OK\r\n\r\n" CREATED_LINE, true, -ECONNRESET, "the watch stream ended" },
                { "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
                  false, -EBADMSG, "HTTP status 404" },
                { "HTTP/1.1 500 Oops\r\nContent-Length: 50\r\n\r\n"
                  "{\"error\":\"etcdserver: too many requests\",\"code\":8}",
                  false, -ENOSPC, "HTTP status 500: etcdserver: too many requests" },
                { "HTTP/1.1 200 OK\r\n\r\n{\"result\":{\"events\":[{\"kv\":{\"key\":\"!!\"}}]}}\n",
                  false, -EBADMSG, "not a watch message from etcd" },
        };
        unsigned port;
        int fd = listen_loopback(&port);
        sd_event_source *src = NULL;
        struct etcd_client *c = NULL;
        char url[64];

        CHECK(fd >= 0);
        if (fd < 0)
                return;
        CHECK(sd_event_add_io(event, &src, fd, EPOLLIN, on_fake_accept, NULL) >= 0);
        snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
        const char *const eps[] = { url, NULL };
        CHECK(etcd_client_new(event, eps, NULL, &c) == 0);
        for (size_t i = 0; i < ELEMENTSOF(cases) && c; i++) {
                struct wrec rec = { .free_at_end = true };
                struct etcd_watch *w;

                fake_answer = cases[i].answer;
                CHECK(etcd_watch_new(c, "/w/", 0, false, 5, on_watch, &rec, &w) == 0);
                CHECK(wait_for(&rec.freed, 5000));
                CHECK(rec.created == cases[i].created);
                CHECK(rec.error == cases[i].error);
                CHECK_STR(rec.message, cases[i].message);
                if (rec.error != cases[i].error)
                        fprintf(stderr, "case %zu: %d %s\n", i, rec.error, rec.message);
        }
        etcd_client_free(c);
        sd_event_source_disable_unref(src);
        close(fd);
        for (size_t i = 0; i < n_fake_conns; i++)
                close(fake_conns[i]);
}

static void on_reply_free_client(int r, const struct etcd_reply *reply, void *userdata) {
        struct etcd_client **c = userdata;

        etcd_client_free(*c);
        *c = NULL;
}

/* A client freed from inside a reply's callback, with another call pending. */
static void test_free_in_callback(void) {
        const char *const eps[] = { live_url, NULL };
        struct etcd_client *c = NULL;
        struct result other = { 0 };

        CHECK(etcd_client_new(event, eps, NULL, &c) == 0);
        CHECK(etcd_get_prefix(c, "/", 0, on_reply_free_client, &c) == 0);
        CHECK(etcd_lease_grant(c, 100, on_reply, &other) == 0);
        uint64_t deadline = now_ms() + 5000;
        while (c && now_ms() < deadline)
                (void) sd_event_run(event, 100 * 1000);
        CHECK(!c);
        /* The other was answered, cancelled or not (it may have won the race). */
        CHECK(other.done && (other.r == -ECANCELED || other.r == 0));

        /* A watch and its client freed from inside the watch's callback. */
        struct wrec rec = { 0 };
        struct etcd_watch *w;
        CHECK(etcd_client_new(event, eps, NULL, &c) == 0);
        rec.free_client = &c;
        CHECK(etcd_watch_new(c, "/w/", 0, false, 5, on_watch, &rec, &w) == 0);
        CHECK(wait_for(&rec.freed, 5000));
        CHECK(!c);
        sleep_loop(200);
}

static void test_arguments(void) {
        struct etcd_client *c = NULL;
        const char *const https[] = { "https://127.0.0.1:2379", NULL };
        const char *const bad[] = { "127.0.0.1:2379", NULL };
        const char *const none[] = { NULL };
        const struct etcd_tls tls = { .ca_file = "/etc/dgo/ca.pem" }, cert_only = { .cert_file = "/etc/dgo/c.pem" };
        const char *const ok[] = { live_url, NULL };

        CHECK(etcd_client_new(event, https, NULL, &c) == -EINVAL);              /* https without a CA */
        CHECK(etcd_client_new(event, bad, NULL, &c) == -EINVAL);
        CHECK(etcd_client_new(event, none, NULL, &c) == -EINVAL);
        CHECK(etcd_client_new(event, ok, &cert_only, &c) == -EINVAL);
        CHECK(etcd_client_new(event, https, &tls, &c) == 0);                    /* the files are read when connecting */
        etcd_client_free(c);
        CHECK(etcd_put(client, "", "v", 1, 0, on_reply, NULL) == -EINVAL);
        CHECK(etcd_lease_grant(client, 0, on_reply, NULL) == -EINVAL);
}

int main(void) {
        int silent_fd;
        unsigned port;

        if (access(ETCD_BIN, X_OK) < 0) {
                printf("test-etcd_client: skipped: %s is not installed (Debian: etcd-server)\n", ETCD_BIN);
                return 77;
        }
        signal(SIGPIPE, SIG_IGN);
        if (!mkdtemp(data_dir) || sd_event_default(&event) < 0)
                return 1;
        /* Dead: nobody listens. Silent: listens, never accepts, never answers. */
        port = free_port();
        snprintf(dead_url, sizeof dead_url, "http://127.0.0.1:%u", port);
        silent_fd = listen_loopback(&port);
        snprintf(silent_url, sizeof silent_url, "http://127.0.0.1:%u", port);
        if (silent_fd < 0 || start_etcd() < 0) {
                stop_etcd();
                return 1;
        }

        const char *const eps[] = { live_url, NULL };
        CHECK(etcd_client_new(event, eps, NULL, &client) == 0);
        if (!client || !wait_ready()) {
                fprintf(stderr, "etcd did not come up: see %s/etcd.log\n", data_dir);
                CHECK(false);
        } else {
                test_arguments();
                test_put_get();
                test_lease();
                test_watch();
                test_compacted();
                test_idle_bound();
                test_failover();
                test_free_in_callback();
                test_bad_streams();
        }
        etcd_client_free(client);
        close(silent_fd);
        stop_etcd();
        sd_event_unref(event);
        return check_finish("test-etcd_client");
}
