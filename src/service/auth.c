/* auth.c - see auth.h. */
#include "auth.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/macros.h"
#include "http/http.h"

#define SECRET_MIN 32
#define SECRET_MAX 1024
#define DIGEST_SIZE 32                          /* SHA-256 */
#define TOKEN_MAX 128                           /* "Dgo " NAME ":" 64 hex digits */
#define ORIGINS_MAX 16
#define ORIGIN_MAX 128

/* dgo's own services: the only names a token can prove. */
static const char *const known_names[] = {
        "GradingService",
        "LogService",
        "TeacherPortal",
        "ServiceRegistry",
};

DEFINE_POINTER_CLEANUP(DIR *, closedir)

static bool enabled;
/* "Dgo NAME:HEX" per known name, made by auth_setup(). */
static char tokens[ELEMENTSOF(known_names)][TOKEN_MAX];

/* "http://HOST:PORT" of dgo's own services, from their descriptors. */
static char origins[ORIGINS_MAX][ORIGIN_MAX];
static size_t n_origins;
static const char *descriptor_dir;
/* https:// URLs are the cluster's other hosts (auth_trust_cluster()). */
static bool cluster_trusted;

void auth_set_descriptor_dir(const char *dir) {
        descriptor_dir = dir;
}

/* The origin of URL ("http://HOST:PORT", no path) into BUF: 0, or -EINVAL. */
static int url_origin(const char *url, char *buf, size_t size) {
        if (strncasecmp(url, "http://", 7) != 0)
                return -EINVAL;
        size_t n = 7 + strcspn(url + 7, "/?#");
        if (n == 7 || n >= size || memchr(url + 7, '@', n - 7))
                return -EINVAL;
        memcpy(buf, url, n);
        buf[n] = 0;
        return 0;
}

static void origins_load(void) {
        const char *dir = descriptor_dir ? descriptor_dir : DGO_DATADIR "/services";
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;

        n_origins = 0;
        if (!d)
                return;
        while ((de = readdir(d)) && n_origins < ORIGINS_MAX) {
                _cleanup_free_ char *path = NULL;
                size_t len = strlen(de->d_name);

                if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        return;
                _cleanup_(json_decrefp) json_t *j = json_load_file(path, 0, NULL);
                const char *url = json_string_value(json_object_get(j, "ServiceURL"));
                if (url && url_origin(url, origins[n_origins], sizeof origins[n_origins]) >= 0)
                        n_origins++;
        }
}

void auth_trust_cluster(void) {
        cluster_trusted = true;
}

bool auth_may_send_to(const char *url) {
        char origin[ORIGIN_MAX];

        if (!enabled || !url)
                return false;
        /* Our HTTP client reaches an https:// URL only when the server holds
         * a certificate of the cluster's CA for that address. */
        if (strncasecmp(url, "https://", 8) == 0)
                return cluster_trusted && !memchr(url + 8, '@', strcspn(url + 8, "/?#"));
        if (url_origin(url, origin, sizeof origin) < 0)
                return false;
        for (size_t i = 0; i < n_origins; i++)
                if (strcasecmp(origin, origins[i]) == 0)
                        return true;
        return false;
}

bool auth_enabled(void) {
        return enabled;
}

void auth_reset(void) {
        enabled = false;
        cluster_trusted = false;
        explicit_bzero(tokens, sizeof tokens);
}

static int make_token(const char *secret, size_t secret_len, const char *name, char *out, size_t size) {
        unsigned char digest[DIGEST_SIZE];
        _cleanup_free_ char *text = NULL;
        int n;

        if (asprintf(&text, "dgo-service\n%s", name) < 0)
                return -ENOMEM;
        if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, secret_len, text, strlen(text), digest) < 0)
                return -EIO;
        n = snprintf(out, size, AUTH_SCHEME " %s:", name);
        assert(n > 0 && (size_t) n + 2 * DIGEST_SIZE < size);
        for (size_t i = 0; i < DIGEST_SIZE; i++)
                snprintf(out + n + 2 * i, 3, "%02x", digest[i]);
        explicit_bzero(digest, sizeof digest);
        return 0;
}

/* The secret as read, into BUF of SIZE: surrounding white space trimmed. */
static int read_secret(const char *path, char *buf, size_t size, size_t *ret_len) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0, start = 0;
        int r;

        r = read_file_bounded(path, size - 1, &text, &len);
        if (r < 0)
                return r;
        while (len > 0 && strchr(" \t\r\n", text[len - 1]))
                len--;
        while (start < len && strchr(" \t\r\n", text[start]))
                start++;
        memcpy(buf, text + start, len - start);
        *ret_len = len - start;
        explicit_bzero(text, len);              /* one copy of the secret is enough */
        return 0;
}

int auth_setup(void) {
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        _cleanup_free_ char *path = NULL;
        char secret[SECRET_MAX];
        size_t len = 0;
        int r;

        auth_reset();
        if (!dir || !*dir)
                return 0;
        if (asprintf(&path, "%s/" AUTH_CREDENTIAL, dir) < 0)
                return -ENOMEM;
        r = read_secret(path, secret, sizeof secret, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Cannot read the installation secret %s", path);
        if (len < SECRET_MIN) {
                explicit_bzero(secret, sizeof secret);
                log_error("The installation secret %s is too short (%zu characters, at least %d)", path, len,
                          SECRET_MIN);
                return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(known_names); i++) {
                r = make_token(secret, len, known_names[i], tokens[i], sizeof tokens[i]);
                if (r < 0) {
                        explicit_bzero(secret, sizeof secret);
                        auth_reset();
                        return log_error_errno(r, "Cannot compute the service tokens");
                }
        }
        explicit_bzero(secret, sizeof secret);
        origins_load();
        enabled = true;
        return 1;
}

const char *auth_header_value(const char *name) {
        assert(name);
        if (!enabled)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(known_names); i++)
                if (strcmp(name, known_names[i]) == 0)
                        return tokens[i];
        return NULL;
}

/* Equal, in a time that does not depend on where A and B differ. */
static bool memeq_const_time(const char *a, const char *b, size_t n) {
        volatile unsigned char d = 0;

        for (size_t i = 0; i < n; i++)
                d |= (unsigned char) a[i] ^ (unsigned char) b[i];
        return d == 0;
}

const char *auth_identity_of(const char *value) {
        if (!enabled || !value)
                return NULL;
        /* The scheme is case-insensitive (RFC 9110), the rest exact. */
        if (strncasecmp(value, AUTH_SCHEME " ", strlen(AUTH_SCHEME " ")) != 0)
                return NULL;
        const char *name = value + strlen(AUTH_SCHEME " ");
        const char *colon = strchr(name, ':');
        if (!colon)
                return NULL;
        size_t name_len = (size_t) (colon - name);
        for (size_t i = 0; i < ELEMENTSOF(known_names); i++) {
                const char *expected = tokens[i] + strlen(AUTH_SCHEME " ");
                /* The name is not secret; the digest is compared in constant time. */
                if (strlen(known_names[i]) != name_len || strncmp(name, known_names[i], name_len) != 0)
                        continue;
                if (strlen(value) != strlen(tokens[i]))
                        return NULL;
                return memeq_const_time(name, expected, strlen(expected)) ? known_names[i] : NULL;
        }
        return NULL;
}

const char *auth_request_identity(struct http_request *req) {
        assert(req);
        return auth_identity_of(http_request_header(req, "Authorization"));
}
