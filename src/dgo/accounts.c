/* accounts.c - see accounts.h. */
#include "dgo/accounts.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/grow.h"
#include "basic/macros.h"

static const char hex[] = "0123456789abcdef";

bool account_name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > ACCOUNT_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
                        return false;
        return true;
}

/* Printable ASCII but ':', 1..ACCOUNT_HASH_MAX bytes. */
static bool hash_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > ACCOUNT_HASH_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == ':')
                        return false;
        return true;
}

struct account *accounts_find(const struct accounts *a, const char *name) {
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->v[i].name, name) == 0)
                        return &a->v[i];
        return NULL;
}

int accounts_set(struct accounts *a, const char *name, const char *hash) {
        struct account *e;

        if (!account_name_valid(name) || !hash_valid(hash))
                return -EINVAL;
        e = accounts_find(a, name);
        if (!e) {
                if (a->n >= ACCOUNTS_MAX)
                        return -E2BIG;
                if (GROW_ARRAY(a->v, a->n_alloc, a->n + 1, 8) < 0)
                        return -ENOMEM;
                e = &a->v[a->n++];
                snprintf(e->name, sizeof e->name, "%s", name);
        }
        snprintf(e->hash, sizeof e->hash, "%s", hash);
        return 0;
}

int accounts_remove(struct accounts *a, const char *name) {
        struct account *e = accounts_find(a, name);

        if (!e)
                return -ENOENT;
        memmove(e, e + 1, (size_t) (a->v + a->n - (e + 1)) * sizeof *e);
        a->n--;
        return 0;
}

void accounts_done(struct accounts *a) {
        free(a->v);
        *a = (struct accounts) { 0 };
}

int accounts_parse(const char *text, size_t len, struct accounts *a, unsigned *line) {
        const char *p = text, *end = text + len;
        unsigned no = 0;
        int r;

        *line = 0;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *eol = nl ? nl : end, *colon;
                char name[ACCOUNT_NAME_MAX + 1], hash[ACCOUNT_HASH_MAX + 1];
                size_t nlen, hlen;

                no++;
                if (eol == p || *p == '#')
                        goto next;
                colon = memchr(p, ':', (size_t) (eol - p));
                if (!colon)
                        goto bad;
                nlen = (size_t) (colon - p);
                hlen = (size_t) (eol - colon - 1);
                if (nlen > ACCOUNT_NAME_MAX || hlen > ACCOUNT_HASH_MAX)
                        goto bad;
                memcpy(name, p, nlen);
                name[nlen] = '\0';
                memcpy(hash, colon + 1, hlen);
                hash[hlen] = '\0';
                if (strlen(name) != nlen || strlen(hash) != hlen || accounts_find(a, name))
                        goto bad;
                r = accounts_set(a, name, hash);
                if (r == -EINVAL)
                        goto bad;
                if (r < 0)
                        return r;
        next:
                p = nl ? nl + 1 : end;
                continue;
        bad:
                *line = no;
                return -EINVAL;
        }
        return 0;
}

char *accounts_format(const struct accounts *a, size_t *len) {
        size_t total = 0, at = 0;
        char *s;

        for (size_t i = 0; i < a->n; i++)
                total += strlen(a->v[i].name) + 1 + strlen(a->v[i].hash) + 1;
        s = malloc(total + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < a->n; i++)
                at += (size_t) sprintf(s + at, "%s:%s\n", a->v[i].name, a->v[i].hash);
        s[at] = '\0';
        *len = at;
        return s;
}

int accounts_load(const char *path, struct accounts *a, unsigned *line) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        *line = 0;
        r = read_file_bounded(path, ACCOUNTS_FILE_MAX, &text, &len);
        if (r < 0)
                return r;
        return accounts_parse(text, len, a, line);
}

int password_hash(const char *password, char *out, size_t size) {
        _cleanup_free_ struct crypt_data *cd = calloc(1, sizeof *cd);
        char salt[CRYPT_GENSALT_OUTPUT_SIZE];
        const char *h;

        if (!cd)
                return -ENOMEM;
        /* Count 0: libcrypt's default cost; random bytes from the kernel. */
        if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
                return errno > 0 ? -errno : -EINVAL;
        h = crypt_r(password, salt, cd);
        if (!h || h[0] != '$')
                return errno > 0 ? -errno : -EINVAL;
        if (strlen(h) >= size || !hash_valid(h))
                return -ENOBUFS;
        strcpy(out, h);
        explicit_bzero(cd, sizeof *cd);
        return 0;
}

bool secret_equal(const char *a, const char *b) {
        size_t n = strlen(a);
        unsigned char diff = 0;

        if (n != strlen(b))
                return false;
        for (size_t i = 0; i < n; i++)
                diff |= (unsigned char) (a[i] ^ b[i]);
        return diff == 0;
}

bool password_check(const char *password, const char *hash) {
        _cleanup_free_ struct crypt_data *cd = NULL;
        const char *h;
        bool ok;

        /* "!", "*" and the like lock an account: crypt_r() refuses them. */
        if (hash[0] != '$')
                return false;
        cd = calloc(1, sizeof *cd);
        if (!cd)
                return false;
        h = crypt_r(password, hash, cd);
        ok = h && h[0] == '$' && secret_equal(h, hash);
        explicit_bzero(cd, sizeof *cd);
        return ok;
}

int token_new(char token[TOKEN_LEN + 1]) {
        uint8_t bytes[32];
        ssize_t n = getrandom(bytes, sizeof bytes, 0);
        size_t at = strlen(TOKEN_PREFIX);

        if (n < 0)
                return -errno;
        if ((size_t) n != sizeof bytes)
                return -EIO;
        memcpy(token, TOKEN_PREFIX, at);
        for (size_t i = 0; i < sizeof bytes; i++) {
                token[at++] = hex[bytes[i] >> 4];
                token[at++] = hex[bytes[i] & 0xf];
        }
        token[at] = '\0';
        explicit_bzero(bytes, sizeof bytes);
        return 0;
}

static bool hex_digits(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

bool token_valid(const char *s, size_t len) {
        size_t p = strlen(TOKEN_PREFIX);

        return len == TOKEN_LEN && memcmp(s, TOKEN_PREFIX, p) == 0 && hex_digits(s + p, len - p);
}

bool token_hash_valid(const char *hash) {
        return strlen(hash) == TOKEN_HASH_LEN && hex_digits(hash, TOKEN_HASH_LEN);
}

int token_hash(const char *token, size_t len, char out[TOKEN_HASH_LEN + 1]) {
        uint8_t digest[32];

        if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, len, digest) < 0)
                return -EIO;
        for (size_t i = 0; i < sizeof digest; i++) {
                out[2 * i] = hex[digest[i] >> 4];
                out[2 * i + 1] = hex[digest[i] & 0xf];
        }
        out[TOKEN_HASH_LEN] = '\0';
        return 0;
}
