/* test-auth.c - proves the identity of dgo's services (service/auth.c):
 * with the installation secret loaded from $CREDENTIALS_DIRECTORY/dgo-secret,
 * each dgo service's header is "Dgo NAME:HMAC-SHA256(secret, "dgo-service\n"
 * NAME)" (checked against a value computed elsewhere) and verifies as NAME;
 * a wrong name, a changed, short, long or upper-case digest, another scheme,
 * another service's digest or a name that is not dgo's do not; no secret
 * (no directory, no file) means no header and every request anonymous; a
 * secret too short is refused. The token goes only to the addresses (http://
 * HOST:PORT) of dgo's descriptors, not to another port, host or scheme. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macros.h"
#include "check.h"
#include "service/auth.h"

#define SECRET "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
/* python3: hmac.new(SECRET, b"dgo-service\nGradingService", hashlib.sha256).hexdigest() */
#define GRADING_HEX "f48f44a6b6ba487d1535149889aefbb052946d0cfd07912de51e7fffcb36b872"

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "w");
        CHECK(f);
        if (!f)
                return;
        fputs(text, f);
        fclose(f);
}

int main(void) {
        char dir[] = "/tmp/test-auth-XXXXXX", path[64], header[200], dpath[64], fpath[80];

        CHECK(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/" AUTH_CREDENTIAL, dir);

        /* No credentials at all: anonymous only. */
        unsetenv("CREDENTIALS_DIRECTORY");
        CHECK(auth_setup() == 0);
        CHECK(!auth_enabled());
        CHECK(auth_header_value("GradingService") == NULL);
        CHECK(auth_identity_of("Dgo GradingService:" GRADING_HEX) == NULL);

        /* A directory without our credential: the same. */
        setenv("CREDENTIALS_DIRECTORY", dir, 1);
        CHECK(auth_setup() == 0);
        CHECK(auth_header_value("LogService") == NULL);

        /* Too short a secret is an error, and nothing is verified. */
        write_file(path, "0123456789abcdef\n");
        CHECK(auth_setup() == -EINVAL);
        CHECK(!auth_enabled());
        CHECK(auth_header_value("LogService") == NULL);

        /* The secret, with the newline a shell leaves. */
        write_file(path, SECRET "\n");
        CHECK(auth_setup() == 1);
        CHECK(auth_enabled());
        CHECK_STR(auth_header_value("GradingService"), "Dgo GradingService:" GRADING_HEX);
        CHECK_STR(auth_identity_of("Dgo GradingService:" GRADING_HEX), "GradingService");
        CHECK_STR(auth_identity_of("dgo GradingService:" GRADING_HEX), "GradingService");  /* scheme: any case */

        /* Every dgo service's own header verifies as itself. */
        const char *names[] = { "GradingService", "LogService", "TeacherPortal", "ServiceRegistry" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const char *v = auth_header_value(names[i]);
                CHECK(v);
                CHECK_STR(auth_identity_of(v), names[i]);
        }
        /* Their digests differ. */
        CHECK(strcmp(auth_header_value("LogService") + strlen("Dgo LogService:"),
                     auth_header_value("ServiceRegistry") + strlen("Dgo ServiceRegistry:")) != 0);

        /* Names that are not dgo's have no header. */
        CHECK(auth_header_value("Weather") == NULL);
        CHECK(auth_header_value("") == NULL);

        /* What does not verify. */
        CHECK(auth_identity_of(NULL) == NULL);
        CHECK(auth_identity_of("") == NULL);
        CHECK(auth_identity_of("Dgo") == NULL);
        CHECK(auth_identity_of("Dgo GradingService") == NULL);
        CHECK(auth_identity_of("Dgo GradingService:") == NULL);
        CHECK(auth_identity_of("Bearer GradingService:" GRADING_HEX) == NULL);          /* scheme */
        CHECK(auth_identity_of("Basic R3JhZGluZ1NlcnZpY2U6eA==") == NULL);
        CHECK(auth_identity_of("DgoGradingService:" GRADING_HEX) == NULL);
        CHECK(auth_identity_of("Dgo  GradingService:" GRADING_HEX) == NULL);
        CHECK(auth_identity_of("Dgo LogService:" GRADING_HEX) == NULL);                 /* another name */
        CHECK(auth_identity_of("Dgo ServiceRegistry:" GRADING_HEX) == NULL);
        CHECK(auth_identity_of("Dgo Weather:" GRADING_HEX) == NULL);                    /* not dgo's */
        CHECK(auth_identity_of("Dgo gradingservice:" GRADING_HEX) == NULL);             /* name: exact */
        /* The digest: one digit changed, upper case, short, long. */
        CHECK(auth_identity_of("Dgo GradingService:e48f44a6b6ba487d1535149889aefbb052946d0cfd07912de51e7fffcb36b872") == NULL);
        CHECK(auth_identity_of("Dgo GradingService:f48f44a6b6ba487d1535149889aefbb052946d0cfd07912de51e7fffcb36b873") == NULL);
        CHECK(auth_identity_of("Dgo GradingService:F48F44A6B6BA487D1535149889AEFBB052946D0CFD07912DE51E7FFFCB36B872") == NULL);
        CHECK(auth_identity_of("Dgo GradingService:f48f44a6b6ba487d1535149889aefbb052946d0cfd07912de51e7fffcb36b87") == NULL);
        CHECK(auth_identity_of("Dgo GradingService:" GRADING_HEX "0") == NULL);
        CHECK(auth_identity_of("Dgo GradingService:" GRADING_HEX " ") == NULL);
        /* Another service's digest under this name. */
        snprintf(header, sizeof header, "Dgo GradingService:%s",
                 auth_header_value("LogService") + strlen("Dgo LogService:"));
        CHECK(auth_identity_of(header) == NULL);

        /* Where the token may go: dgo's own addresses, from the descriptors. */
        CHECK(!auth_may_send_to("http://127.0.0.1:4000/log"));         /* none read yet */
        snprintf(dpath, sizeof dpath, "%s/services", dir);
        CHECK(mkdir(dpath, 0700) == 0);
        snprintf(fpath, sizeof fpath, "%s/log.json", dpath);
        write_file(fpath, "{\"ServiceName\":\"LogService\",\"ServiceURL\":\"http://127.0.0.1:4000\"}");
        auth_set_descriptor_dir(dpath);
        CHECK(auth_setup() == 1);
        CHECK(auth_may_send_to("http://127.0.0.1:4000/log"));
        CHECK(auth_may_send_to("http://127.0.0.1:4000/services"));
        CHECK(auth_may_send_to("http://127.0.0.1:4000"));
        CHECK(!auth_may_send_to("http://127.0.0.1:4001/log"));         /* another port */
        CHECK(!auth_may_send_to("http://127.0.0.1:40000/log"));
        CHECK(!auth_may_send_to("http://127.0.0.1/log"));
        CHECK(!auth_may_send_to("http://localhost:4000/log"));
        CHECK(!auth_may_send_to("http://127.0.0.1:4000@evil:80/log"));
        CHECK(!auth_may_send_to("https://127.0.0.1:4000/log"));
        CHECK(!auth_may_send_to(NULL));
        unlink(fpath);
        rmdir(dpath);

        /* Another installation's secret: the same header no longer verifies. */
        write_file(path, "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100");
        CHECK(auth_setup() == 1);
        CHECK(auth_identity_of("Dgo GradingService:" GRADING_HEX) == NULL);

        /* Forgotten: anonymous again. */
        auth_reset();
        CHECK(auth_identity_of(auth_header_value("GradingService")) == NULL);

        unlink(path);
        rmdir(dir);
        return check_finish("auth");
}
