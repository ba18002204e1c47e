/* test-tls.c - proves how a service reads its HTTPS material (service/tls.h):
 * the host names of a certificate are its subjectAltName's DNS names and IP
 * addresses (IPv6 in brackets, as in a Host header), without wildcard names
 * or names with other characters, at most the number asked for; text that
 * is no certificate is -EINVAL. service_tls_load() takes --tls-cert and
 * --tls-key together or not at all, finds the credentials
 * ($CREDENTIALS_DIRECTORY/IDENT-tls.crt and .key), says -ENOENT when there
 * are none, and refuses a file over TLS_PEM_MAX (read_file_bounded()). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "basic/fd_util.h"
#include "service/tls.h"

/* openssl req -x509 -newkey ec ... -subj /CN=portal.test -addext "subjectAltName=
 * DNS:portal.test,DNS:*.wild.test,DNS:bad_name.test,IP:10.99.0.1,IP:2001:db8::1,DNS:Grades.School.Example" */
static const char cert[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIB6DCCAY6gAwIBAgIUWzV6Mq8tl5BGSH3Ce3ghHfLH5X8wCgYIKoZIzj0EAwIw\n"
        "FjEUMBIGA1UEAwwLcG9ydGFsLnRlc3QwIBcNMjYxMjA3MjIwNDM4WhgPMjEyNjEx\n"
        "MTMyMjA0MzhaMBYxFDASBgNVBAMMC3BvcnRhbC50ZXN0MFkwEwYHKoZIzj0CAQYI\n"
        "KoZIzj0DAQcDQgAEGdgl8y7V4uNaHt3Bi6n905jgqWdrhkZDTfGh1oF1ns4TpT3n\n"
        "FGPlScgIElH45hUw0okIU4g6Za3KzxSDbfettaOBtzCBtDAdBgNVHQ4EFgQUEbfS\n"
        "waN6kjhDZ9URXvC025UiI1wwHwYDVR0jBBgwFoAUEbfSwaN6kjhDZ9URXvC025Ui\n"
        "I1wwDwYDVR0TAQH/BAUwAwEB/zBhBgNVHREEWjBYggtwb3J0YWwudGVzdIILKi53\n"
        "aWxkLnRlc3SCDWJhZF9uYW1lLnRlc3SHBApjAAGHECABDbgAAAAAAAAAAAAAAAGC\n"
        "FUdyYWRlcy5TY2hvb2wuRXhhbXBsZTAKBggqhkjOPQQDAgNIADBFAiAP4BaWNOQE\n"
        "+rTokZopilrsy8m5WW5K6Q3XfslDfkzjVQIhAKdGb3WxI44w+mz6V+Np0yidJwLH\n"
        "hzDHfUWRQKo5Z2xS\n"
        "-----END CERTIFICATE-----\n"
        ;

static const char key[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/e/sRtlMayR3MWhS\n"
        "sWNZRJ3DOc7XbflfTGPw4s0cbV+hRANCAAQZ2CXzLtXi41oe3cGLqf3TmOCpZ2uG\n"
        "RkNN8aHWgXWezhOlPecUY+VJyAgSUfjmFTDSiQhTiDplrcrPFINt9621\n"
        "-----END PRIVATE KEY-----\n"
        ;

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        CHECK(f != NULL);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void free_names(char **names) {
        for (size_t i = 0; names[i]; i++)
                free(names[i]);
}

int main(void) {
        char *names[8] = { NULL };
        char dir[] = "/tmp/test-tls-XXXXXX", path[128], big[TLS_PEM_MAX + 16];
        struct service_tls t;

        CHECK(tls_cert_names(cert, names, 7) == 4);
        CHECK_STR(names[0], "portal.test");
        CHECK_STR(names[1], "10.99.0.1");
        CHECK_STR(names[2], "[2001:db8::1]");
        CHECK_STR(names[3], "Grades.School.Example");
        CHECK(names[4] == NULL);
        free_names(names);
        memset(names, 0, sizeof names);
        CHECK(tls_cert_names(cert, names, 2) == 2);             /* bounded */
        free_names(names);
        CHECK(tls_cert_names("not a certificate", names, 7) == -EINVAL);
        CHECK(tls_cert_names(key, names, 7) == -EINVAL);

        CHECK(mkdtemp(dir) != NULL);
        unsetenv("CREDENTIALS_DIRECTORY");
        CHECK(service_tls_load(&t, "dgo-portal", NULL, NULL) == -ENOENT);
        setenv("CREDENTIALS_DIRECTORY", dir, 1);
        CHECK(service_tls_load(&t, "dgo-portal", NULL, NULL) == -ENOENT);
        snprintf(path, sizeof path, "%s/dgo-portal-tls.crt", dir);
        write_file(path, cert);
        CHECK(service_tls_load(&t, "dgo-portal", NULL, NULL) == -ENOENT);       /* the key is missing */
        snprintf(path, sizeof path, "%s/dgo-portal-tls.key", dir);
        write_file(path, key);
        CHECK(service_tls_load(&t, "dgo-portal", NULL, NULL) == 0);
        CHECK(t.cert && strcmp(t.cert, cert) == 0);
        CHECK(t.key && strcmp(t.key, key) == 0);
        CHECK(t.names[0] && strcmp(t.names[0], "portal.test") == 0);
        service_tls_done(&t);
        CHECK(t.cert == NULL && t.key == NULL && t.names[0] == NULL);

        CHECK(service_tls_load(&t, "dgo-portal", path, NULL) == -EINVAL);       /* both or neither */
        snprintf(path, sizeof path, "%s/big.pem", dir);
        memset(big, 'A', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        write_file(path, big);
        CHECK(service_tls_load(&t, "dgo-portal", path, path) == -EFBIG);
        snprintf(path, sizeof path, "%s/dgo-portal-tls.key", dir);
        CHECK(service_tls_load(&t, "dgo-portal", path, path) == -EINVAL);       /* a key is no certificate */

        char *text = NULL;
        size_t len = 0;
        CHECK(read_file_bounded(path, strlen(key), &text, &len) == 0 && len == strlen(key));
        free(text);
        CHECK(read_file_bounded(path, strlen(key) - 1, &text, NULL) == -EFBIG);
        CHECK(read_file_bounded("/nonexistent/file", 10, &text, NULL) == -ENOENT);

        const char *files[] = { "dgo-portal-tls.crt", "dgo-portal-tls.key", "big.pem" };
        for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
                snprintf(path, sizeof path, "%s/%s", dir, files[i]);
                unlink(path);
        }
        rmdir(dir);
        return check_finish("tls");
}
