/* test-registry_cluster - two registries' cluster maps (src/registry/cluster.c),
 * hosts "ha" and "hb" in one process, against a real etcd this test starts
 * on loopback (and kills, and starts again on the same data and ports).
 * A dependent of B's, requiring GradingService, is an HTTP server here that
 * records its patches. Proves:
 *  - a provider registered on A appears in B's map with its host, at A's
 *    cluster address, and B's dependent gets Added (time printed);
 *  - a newcomer on B gets the remote provider in its first patch;
 *  - a health change on A is put at once: down -> Removed at B, up -> Added;
 *  - A's lease lost (revoked behind its back): B hears Removed (etcd deleted
 *    the keys), A's next keepalive (within TTL/3) finds out, takes a new
 *    lease and puts its entries again, and B hears Added;
 *  - etcd killed: B marks its map stale and keeps the entry (GET /services
 *    says "Stale"), and its dependents hear no Removed;
 *  - etcd back: B re-syncs, and announces only what changed meanwhile (a
 *    provider added on A while etcd was down: Added; the old one: nothing);
 *  - A stops (its lease revoked): B's dependent gets Removed at once (time
 *    printed), not after the lease's TTL.
 * Nothing leaves 127.0.0.1: the cluster addresses 10.77.0.x are only
 * strings in URLs here, never connected to. Skipped (77) without
 * /usr/bin/etcd. Every wait is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/clock.h"
#include "check.h"
#include "http/http.h"
#include "http/http_server.h"
#include "etcd_server.h"
#include "loopback.h"
#include "registry/cluster.h"
#include "registry/cluster_map.h"
#include "registry/registry.h"


static sd_event *event;
static pid_t etcd_pid = -1;
static char data_dir[] = "/tmp/test-registry_cluster.XXXXXX";
static unsigned client_port, peer_port;
static char etcd_url[64];

static uint64_t now_ms(void) {
        return now_usec(CLOCK_MONOTONIC) / 1000;
}

static int start_etcd(void) {
        pid_t pid = etcd_server_start(data_dir, client_port, peer_port, etcd_url);

        if (pid < 0)
                return (int) pid;
        etcd_pid = pid;
        return 0;
}

static void kill_etcd(int sig) {
        etcd_server_stop(&etcd_pid, sig);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

/* ---- a dependent: records its patches as "+Name URL;" and "-Name URL;" ---- */

struct dependent {
        char said[4096];
        unsigned patches;
        uint64_t last_ms;
        struct http_server *server;
        unsigned port;
};

static int handle_patch(struct http_request *req, void *userdata) {
        struct dependent *d = userdata;
        size_t len, i;
        const char *body = http_request_body(req, &len);
        json_t *j = json_loadb(body, len, 0, NULL), *e;

        for (int added = 0; added < 2 && j; added++)
                json_array_foreach(json_object_get(j, added ? "Added" : "Removed"), i, e) {
                        size_t n = strlen(d->said);
                        snprintf(d->said + n, sizeof d->said - n, "%s%s %s;", added ? "+" : "-",
                                 json_string_value(json_object_get(e, "Name")),
                                 json_string_value(json_object_get(e, "URL")));
                }
        json_decref(j);
        d->patches++;
        d->last_ms = now_ms();
        return http_reply_empty(req, 200);
}

static const struct http_route dep_routes[] = { { "POST", "/services", handle_patch, 0, 0 } };

static int dependent_start(struct dependent *d) {
        struct http_server_config sc = { .routes = dep_routes, .n_routes = 1, .userdata = d };
        int fd = listen_loopback(&d->port);

        if (fd < 0)
                return fd;
        return http_server_start(event, fd, &sc, &d->server);
}

static bool said(const struct dependent *d, const char *what) {
        return strstr(d->said, what) != NULL;
}

/* Runs the loop until said(D, WHAT) or MS have passed; the time it took, or -1. */
static long wait_said(const struct dependent *d, const char *what, unsigned ms) {
        uint64_t start = now_ms(), deadline = start + ms;

        while (!said(d, what) && now_ms() < deadline)
                (void) sd_event_run(event, 20 * 1000);
        return said(d, what) ? (long) (now_ms() - start) : -1;
}

static void run_ms(unsigned ms) {
        uint64_t deadline = now_ms() + ms;
        while (now_ms() < deadline)
                (void) sd_event_run(event, 20 * 1000);
}

static bool wait_synced(struct cluster *c, unsigned ms) {
        uint64_t deadline = now_ms() + ms;
        while (!(cluster_is_synced(c) && !cluster_is_stale(c)) && now_ms() < deadline)
                (void) sd_event_run(event, 20 * 1000);
        return cluster_is_synced(c) && !cluster_is_stale(c);
}

/* ---- registries ---- */

static int add(struct registry *reg, const char *name, const char *url, const char *required) {
        char text[1024], error[256];
        struct registration *r = NULL;
        json_error_t jerr;

        /* No heartbeats are polled here (heartbeat_start() is not called). */
        snprintf(text, sizeof text,
                 "{\"ServiceName\":\"%s\",\"ServiceURL\":\"%s\",\"RequiredServices\":[%s%s%s],"
                 "\"ServiceUpdateURL\":\"%s/services\",\"HeartbeatURL\":\"%s/heartbeat\"}",
                 name, url, required ? "\"" : "", required ? required : "", required ? "\"" : "", url, url);
        json_t *j = json_loads(text, 0, &jerr);
        if (!j || registration_from_json(j, &r, error, sizeof error) < 0) {
                fprintf(stderr, "bad registration: %s\n", error);
                json_decref(j);
                return -EINVAL;
        }
        json_decref(j);
        return registry_add(reg, r, NULL);
}

static const struct registry_config config = {
        .heartbeat_interval_usec = 3 * USEC_PER_SEC,
        .heartbeat_attempts = 2,
        .heartbeat_timeout_ms = 1000,
        .notify_timeout_ms = 2000,
        .notify_attempts = 4,
};

static struct cluster_conf conf(const char *host, const char *address) {
        struct cluster_conf c = { .n_etcd = 1, .lease_sec = 5 };
        snprintf(c.host, sizeof c.host, "%s", host);
        snprintf(c.address, sizeof c.address, "%s", address);
        snprintf(c.etcd[0], sizeof c.etcd[0], "%s", etcd_url);
        return c;
}

/* ---- the test's own etcd requests ---- */

struct reply {
        bool done;
        int r;
        int64_t lease;
};

static void on_reply(int r, const struct etcd_reply *reply, void *userdata) {
        struct reply *res = userdata;
        res->done = true;
        res->r = r;
        if (r >= 0 && reply->n_kvs > 0)
                res->lease = reply->kvs[0].lease;
}

static void wait_reply(struct reply *res) {
        uint64_t deadline = now_ms() + 5000;
        while (!res->done && now_ms() < deadline)
                (void) sd_event_run(event, 20 * 1000);
}

/* Revoke the lease of HOST's keys, as if it had expired. */
static int revoke_lease_of(const char *host) {
        const char *endpoints[] = { etcd_url, NULL };
        struct etcd_client *etcd = NULL;
        struct reply res = { 0 };
        char prefix[64];
        int r;

        snprintf(prefix, sizeof prefix, "%s%s/", CLUSTER_KEY_PREFIX, host);
        r = etcd_client_new(event, endpoints, NULL, &etcd);
        if (r < 0)
                return r;
        r = etcd_get_prefix(etcd, prefix, 0, on_reply, &res);
        if (r >= 0)
                wait_reply(&res);
        if (r >= 0 && res.r >= 0 && res.lease) {
                int64_t lease = res.lease;
                res = (struct reply) { 0 };
                r = etcd_lease_revoke(etcd, lease, on_reply, &res);
                if (r >= 0)
                        wait_reply(&res);
                r = r < 0 ? r : res.done ? res.r : -ETIMEDOUT;
        } else if (r >= 0)
                r = res.r < 0 ? res.r : -ENOENT;
        etcd_client_free(etcd);
        return r;
}

/* B's GET /services, as text. */
static char *listing(struct registry *reg, struct cluster *c) {
        json_t *list = registry_to_json(reg);
        cluster_decorate_json(c, list);
        char *text = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(list);
        return text;
}

/* The TLS material from systemd's credentials directory. */
static void test_credentials(void) {
        char dir[] = "/tmp/test-registry_cluster-creds.XXXXXX", path[256];
        struct cluster_tls_files files;
        struct etcd_tls tls;
        static const char *const names[] = { CLUSTER_CREDENTIAL_CA, CLUSTER_CREDENTIAL_CERT,
                                             CLUSTER_CREDENTIAL_KEY };

        CHECK(!cluster_tls_from_credentials(NULL, &files, &tls) && !tls.ca_file);
        CHECK(mkdtemp(dir));
        CHECK(!cluster_tls_from_credentials(dir, &files, &tls) && !tls.ca_file);   /* none: plain */
        for (size_t i = 0; i < 3; i++) {
                snprintf(path, sizeof path, "%s/%s", dir, names[i]);
                FILE *f = fopen(path, "w");
                CHECK(f && fputs("x\n", f) >= 0 && fclose(f) == 0);
        }
        CHECK(cluster_tls_from_credentials(dir, &files, &tls));
        snprintf(path, sizeof path, "%s/%s", dir, CLUSTER_CREDENTIAL_CA);
        CHECK_STR(tls.ca_file, path);
        CHECK(tls.cert_file && tls.key_file && strstr(tls.cert_file, CLUSTER_CREDENTIAL_CERT) &&
              strstr(tls.key_file, CLUSTER_CREDENTIAL_KEY));
        snprintf(path, sizeof path, "%s/%s", dir, CLUSTER_CREDENTIAL_KEY);
        CHECK(unlink(path) == 0);                       /* a certificate without its key: the CA only */
        CHECK(cluster_tls_from_credentials(dir, &files, &tls) && tls.ca_file && !tls.cert_file && !tls.key_file);
        (void) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
        struct registry a, b;
        struct cluster *ca = NULL, *cb = NULL;
        struct dependent dep = { 0 }, late = { 0 };
        char url[64], status[256];
        long t;

        test_credentials();
        if (access(ETCD_BIN, X_OK) < 0) {
                printf("test-registry_cluster: %s not installed, the rest skipped\n", ETCD_BIN);
                return check_failures ? check_finish("test-registry_cluster") : 77;
        }
        if (!mkdtemp(data_dir))
                return 1;
        client_port = etcd_free_port();
        peer_port = etcd_free_port();
        CHECK(client_port && peer_port && client_port != peer_port);
        CHECK(start_etcd() == 0);
        CHECK(sd_event_new(&event) >= 0);
        CHECK(dependent_start(&dep) == 0);
        CHECK(dependent_start(&late) == 0);

        struct cluster_conf conf_a = conf("ha", "10.77.0.1"), conf_b = conf("hb", "10.77.0.2");
        CHECK(registry_init(&a, event, &config) == 0);
        CHECK(registry_init(&b, event, &config) == 0);
        CHECK(cluster_new(&a, &conf_a, NULL, &ca) == 0);
        CHECK(cluster_new(&b, &conf_b, NULL, &cb) == 0);
        CHECK(cluster_start(ca) == 0);
        CHECK(cluster_start(cb) == 0);
        /* etcd takes a moment to start: the clusters retry meanwhile. */
        CHECK(wait_synced(ca, 15000));
        CHECK(wait_synced(cb, 15000));

        /* A dependent on B; a provider on A. */
        snprintf(url, sizeof url, "http://127.0.0.1:%u", dep.port);
        CHECK(add(&b, "PortalService", url, "GradingService") == 0);
        uint64_t t0 = now_ms();
        CHECK(add(&a, "GradingService", "http://127.0.0.1:9001", NULL) == 0);
        t = wait_said(&dep, "+GradingService https://10.77.0.1:9001;", 5000);
        CHECK(t >= 0);
        printf("registered on A -> Added at B's dependent: %llu ms\n", (unsigned long long) (now_ms() - t0));
        char *text = listing(&b, cb);
        CHECK(strstr(text, "\"Host\":\"ha\"") && strstr(text, "\"ServiceURL\":\"https://10.77.0.1:9001\""));
        CHECK(strstr(text, "\"Host\":\"hb\"") && !strstr(text, "Stale"));
        free(text);
        cluster_status(cb, status, sizeof status);
        CHECK_STR(status, "cluster: 2 hosts, 1 remote services");

        /* A newcomer on B hears of the remote provider in its first patch. */
        snprintf(url, sizeof url, "http://127.0.0.1:%u", late.port);
        CHECK(add(&b, "ReportService", url, "GradingService") == 0);
        CHECK(wait_said(&late, "+GradingService https://10.77.0.1:9001;", 3000) >= 0);

        /* A health change on A: put at once. */
        struct registration *g = registry_find(&a, "http://127.0.0.1:9001");
        t0 = now_ms();
        registry_set_health(&a, g, HEALTH_DOWN, "test: down");
        CHECK(wait_said(&dep, "-GradingService https://10.77.0.1:9001;", 3000) >= 0);
        printf("down on A -> Removed at B's dependent: %llu ms\n", (unsigned long long) (now_ms() - t0));
        dep.said[0] = '\0';
        registry_set_health(&a, g, HEALTH_UP, "test: up");
        CHECK(wait_said(&dep, "+GradingService https://10.77.0.1:9001;", 3000) >= 0);

        /* A's lease lost behind its back: a new one, its entries put again. */
        dep.said[0] = '\0';
        t0 = now_ms();
        CHECK(revoke_lease_of("ha") == 0);
        CHECK(wait_said(&dep, "-GradingService https://10.77.0.1:9001;", 3000) >= 0);
        t = wait_said(&dep, "+GradingService https://10.77.0.1:9001;", conf_a.lease_sec * 1000 / 3 + 2000);
        CHECK(t >= 0);
        printf("A's lease revoked behind its back -> re-published, Added again at B after %llu ms "
               "(keepalive every %u ms)\n", (unsigned long long) (now_ms() - t0), conf_a.lease_sec * 1000 / 3);
        CHECK(!cluster_is_stale(ca) && !cluster_is_stale(cb));
        dep.said[0] = '\0';

        /* etcd lost: B keeps the entry, marked stale, and says nothing false. */
        kill_etcd(SIGKILL);
        uint64_t deadline = now_ms() + 10000;
        while (!cluster_is_stale(cb) && now_ms() < deadline)
                (void) sd_event_run(event, 20 * 1000);
        CHECK(cluster_is_stale(cb));
        printf("etcd killed -> B stale after %llu ms\n", (unsigned long long) (now_ms() - (deadline - 10000)));
        /* A provider comes on A meanwhile: published once etcd is back. */
        CHECK(add(&a, "GradingService", "http://127.0.0.1:9002", NULL) == 0);
        run_ms(3000);
        CHECK(!said(&dep, "-GradingService"));
        text = listing(&b, cb);
        CHECK(strstr(text, "\"ServiceURL\":\"https://10.77.0.1:9001\"") && strstr(text, "\"Stale\":true"));
        free(text);
        cluster_status(cb, status, sizeof status);
        CHECK(strncmp(status, "cluster: etcd unreachable since ", 32) == 0 && strstr(status, "map stale"));

        /* etcd back: re-synced; only the difference is announced. */
        size_t before = strlen(dep.said);
        t0 = now_ms();
        CHECK(start_etcd() == 0);
        CHECK(wait_synced(cb, 20000));
        CHECK(wait_said(&dep, "+GradingService https://10.77.0.1:9002;", 10000) >= 0);
        printf("etcd restarted -> B re-synced and Added the new provider after %llu ms\n",
               (unsigned long long) (now_ms() - t0));
        run_ms(500);
        CHECK(!said(&dep, "-GradingService"));
        CHECK(!strstr(dep.said + before, "https://10.77.0.1:9001"));   /* not re-announced */

        /* A health change on A is put at once: down (removed from the table) -> Removed at B. */
        t0 = now_ms();
        CHECK(registry_remove(&a, "http://127.0.0.1:9002") == 0);
        CHECK(wait_said(&dep, "-GradingService https://10.77.0.1:9002;", 5000) >= 0);
        printf("removed on A -> Removed at B's dependent: %llu ms\n", (unsigned long long) (now_ms() - t0));

        /* A stops: its lease is revoked, B hears at once. */
        t0 = now_ms();
        cluster_free(ca, true);
        ca = NULL;
        t = wait_said(&dep, "-GradingService https://10.77.0.1:9001;", 3000);
        CHECK(t >= 0);
        printf("A's lease revoked -> Removed at B's dependent: %llu ms (lease TTL %u s)\n",
               (unsigned long long) (now_ms() - t0), conf_a.lease_sec);
        cluster_status(cb, status, sizeof status);
        CHECK_STR(status, "cluster: 1 hosts, 0 remote services");

        cluster_free(cb, false);
        registry_done(&a);
        registry_done(&b);
        http_server_free(dep.server);
        http_server_free(late.server);
        sd_event_unref(event);
        kill_etcd(SIGTERM);
        (void) nftw(data_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return check_finish("test-registry_cluster");
}
