/* test-http_tls - HTTPS end to end in one process: the project's HTTP
 * server with a certificate (http_server_config.tls_cert, libmicrohttpd with
 * GnuTLS) and the HTTP client (http_client_set_tls(), libcurl). Proves: a
 * client without TLS set up refuses https:// URLs (-EINVAL); one that
 * trusts the server's certificate gets the answer, and the handler sees the
 * request came over TLS (http_request_tls()); one that trusts another CA
 * gets no answer (the certificate is not verified); a name the certificate
 * does not hold (localhost, where it says 127.0.0.1) gets none either; a
 * plain http:// request to the TLS port gets no HTTP answer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "loopback.h"
#include "basic/macros.h"
#include "http/http.h"
#include "http/http_client.h"
#include "http/http_server.h"

/* openssl req -x509 -newkey ec ... -subj /CN=loopback -addext subjectAltName=IP:127.0.0.1 */
static const char cert[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBjzCCATSgAwIBAgIUfoHBCVNz8UD2eqF6Wq4THgcxA+8wCgYIKoZIzj0EAwIw\n"
        "EzERMA8GA1UEAwwIbG9vcGJhY2swIBcNMjYxMjA3MjI0OTA2WhgPMjEyNjExMTMy\n"
        "MjQ5MDZaMBMxETAPBgNVBAMMCGxvb3BiYWNrMFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
        "AQcDQgAEistSyVRhY9EsicmisZDO0SK0l+CbDdY5uvKVdy81NaEdY7c0k8YUZGLs\n"
        "/sUpypl6iP7GTRh+iler8EqBlA5B8qNkMGIwHQYDVR0OBBYEFFoX8ZlSIwqtbBn3\n"
        "nnjjcn8o2sBbMB8GA1UdIwQYMBaAFFoX8ZlSIwqtbBn3nnjjcn8o2sBbMA8GA1Ud\n"
        "EwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEfwAAATAKBggqhkjOPQQDAgNJADBGAiEA\n"
        "kD9zqlw+SM48PrWQUPkdhWONOLgT7i5qoDKPPcIRsUACIQCYWju0XhQNiVjWOFwj\n"
        "KLZrjbxpQi8+3Ppp4gjmGb/0AQ==\n"
        "-----END CERTIFICATE-----\n"
        ;

static const char key[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgn4SURB7xP54ru9Ij\n"
        "980JT1xm6fIfn4wglfRe0zFd94+hRANCAASKy1LJVGFj0SyJyaKxkM7RIrSX4JsN\n"
        "1jm68pV3LzU1oR1jtzSTxhRkYuz+xSnKmXqI/sZNGH6KV6vwSoGUDkHy\n"
        "-----END PRIVATE KEY-----\n"
        ;

/* Another CA's certificate, for the same address. */
static const char other[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBiDCCAS6gAwIBAgIUJHHj9VPmC8KfjNQ2tQFyfCgPuBYwCgYIKoZIzj0EAwIw\n"
        "EDEOMAwGA1UEAwwFb3RoZXIwIBcNMjYxMjA3MjI0OTA2WhgPMjEyNjExMTMyMjQ5\n"
        "MDZaMBAxDjAMBgNVBAMMBW90aGVyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
        "jTlxaBmiCGcjY60WfxudukDlhvJEzH5VvDhqjCcRxYuEBP6LAk1zBSRcyv+QyuK+\n"
        "jXTzQ5OCkO5xMp5Zh2y79aNkMGIwHQYDVR0OBBYEFLPP1sNlAiYw/Ey4FVPLaLcC\n"
        "7rGPMB8GA1UdIwQYMBaAFLPP1sNlAiYw/Ey4FVPLaLcC7rGPMA8GA1UdEwEB/wQF\n"
        "MAMBAf8wDwYDVR0RBAgwBocEfwAAATAKBggqhkjOPQQDAgNIADBFAiEAsAVGsKrP\n"
        "DudjmI+JRPK/OgSeWChNVyMwHK28Gd3vwLwCIFMXi+0T6WR2cDlsdYDFEiWhaIcc\n"
        "gG7uLHwbovBXnif7\n"
        "-----END CERTIFICATE-----\n"
        ;

struct call {
        bool done;
        long status;
        char body[64];
        char error[256];
};

static sd_event *event;
static unsigned pending;

static int handle_hello(struct http_request *req, void *userdata) {
        const char *answer = http_request_tls(req) ? "over TLS\n" : "plain\n";
        return http_reply(req, 200, "text/plain", answer, strlen(answer));
}

static bool trust_all(struct http_request *req) {
        return true;
}

static void on_done(const struct http_client_response *resp, void *userdata) {
        struct call *c = userdata;

        c->done = true;
        c->status = resp->status;
        snprintf(c->body, sizeof c->body, "%s", resp->body);
        snprintf(c->error, sizeof c->error, "%s", resp->error ? resp->error : "");
        if (--pending == 0)
                sd_event_exit(event, 0);
}

static void start(struct http_client *client, const char *url, struct call *c) {
        int r = http_client_request(client, "GET", url, NULL, NULL, 0, 3000, on_done, c);

        CHECK(r == 0);
        if (r == 0)
                pending++;
}

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        CHECK(f != NULL);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

int main(void) {
        char dir[] = "/tmp/test-http_tls-XXXXXX", ca_path[128], other_path[128];
        char https[96], https_name[96], plain[96];
        struct http_client *none, *trusting, *foreign;
        struct http_server *server = NULL;
        struct call ok = { 0 }, wrong_ca = { 0 }, wrong_name = { 0 }, plain_call = { 0 };
        unsigned port = 0;
        int fd;

        CHECK(mkdtemp(dir) != NULL);
        snprintf(ca_path, sizeof ca_path, "%s/ca.pem", dir);
        snprintf(other_path, sizeof other_path, "%s/other.pem", dir);
        write_file(ca_path, cert);
        write_file(other_path, other);

        CHECK(sd_event_new(&event) >= 0);
        fd = listen_loopback(&port);
        CHECK(fd >= 0);
        static const struct http_route routes[] = { { "GET", "/hello", handle_hello, 0, 0 } };
        struct http_server_config config = {
                .routes = routes,
                .n_routes = ELEMENTSOF(routes),
                .trusted = trust_all,
                .tls_cert = cert,
                .tls_key = key,
        };
        CHECK(http_server_start(event, fd, &config, &server) == 0);
        snprintf(https, sizeof https, "https://127.0.0.1:%u/hello", port);
        snprintf(https_name, sizeof https_name, "https://localhost:%u/hello", port);
        snprintf(plain, sizeof plain, "http://127.0.0.1:%u/hello", port);

        CHECK(http_client_new(event, &none) == 0);
        CHECK(http_client_new(event, &trusting) == 0);
        CHECK(http_client_new(event, &foreign) == 0);
        CHECK(http_client_request(none, "GET", https, NULL, NULL, 0, 3000, on_done, &ok) == -EINVAL);
        CHECK(http_client_set_tls(trusting, ca_path, "cert-without-key.pem", NULL) == -EINVAL);
        CHECK(http_client_set_tls(trusting, ca_path, NULL, NULL) == 0);
        CHECK(http_client_set_tls(foreign, other_path, NULL, NULL) == 0);

        start(trusting, https, &ok);
        start(foreign, https, &wrong_ca);
        start(trusting, https_name, &wrong_name);
        start(none, plain, &plain_call);
        CHECK(sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, 10 * 1000000ULL, 0, NULL, (void *) (intptr_t) -ETIMEDOUT) >= 0);
        CHECK(sd_event_loop(event) == 0);

        CHECK(ok.done && ok.status == 200);
        CHECK_STR(ok.body, "over TLS\n");
        CHECK(wrong_ca.done && wrong_ca.status == 0);
        CHECK(strstr(wrong_ca.error, "certificate") != NULL || strstr(wrong_ca.error, "SSL") != NULL);
        CHECK(wrong_name.done && wrong_name.status == 0);
        CHECK(plain_call.done && plain_call.status == 0 && !strstr(plain_call.body, "plain"));
        if (!ok.done || ok.status != 200 || wrong_ca.status || wrong_name.status || plain_call.status)
                fprintf(stderr, "ok %ld %s | wrong CA %ld %s | wrong name %ld %s | plain %ld %s\n", ok.status, ok.error,
                        wrong_ca.status, wrong_ca.error, wrong_name.status, wrong_name.error, plain_call.status,
                        plain_call.error);

        http_client_free(none);
        http_client_free(trusting);
        http_client_free(foreign);
        http_server_free(server);
        sd_event_unref(event);
        close(fd);
        unlink(ca_path);
        unlink(other_path);
        rmdir(dir);
        return check_finish("http_tls");
}
