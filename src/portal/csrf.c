/* csrf.c - see csrf.h. */
#include "csrf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int csrf_token_new(char token[CSRF_TOKEN_LEN + 1]) {
        static const char hex[] = "0123456789abcdef";
        uint8_t bytes[CSRF_TOKEN_LEN / 2];
        ssize_t n;

        /* 16 bytes never come short from getrandom() once the pool is
         * ready; EINTR cannot happen for requests of up to 256 bytes. */
        n = getrandom(bytes, sizeof bytes, 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != sizeof bytes)
                return -EIO;
        for (size_t i = 0; i < sizeof bytes; i++) {
                token[2 * i] = hex[bytes[i] >> 4];
                token[2 * i + 1] = hex[bytes[i] & 0xf];
        }
        token[CSRF_TOKEN_LEN] = '\0';
        return 0;
}

bool csrf_token_valid(const char *s, size_t len) {
        if (len != CSRF_TOKEN_LEN)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

bool csrf_from_cookie(const char *header, char token[CSRF_TOKEN_LEN + 1]) {
        static const char name[] = CSRF_COOKIE "=";
        const char *p = header;

        /* "a=1; dgo_csrf=...; b=2": the first cookie of our name counts. */
        while (p && *p) {
                p += strspn(p, " \t;");
                size_t n = strcspn(p, ";");
                if (n >= sizeof name - 1 && memcmp(p, name, sizeof name - 1) == 0) {
                        const char *v = p + sizeof name - 1;
                        size_t vlen = n - (sizeof name - 1);
                        while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                                vlen--;
                        if (!csrf_token_valid(v, vlen))
                                return false;
                        memcpy(token, v, CSRF_TOKEN_LEN);
                        token[CSRF_TOKEN_LEN] = '\0';
                        return true;
                }
                p += n;
        }
        return false;
}

bool csrf_check(const char *cookie_header, const char *field, size_t len) {
        char token[CSRF_TOKEN_LEN + 1];
        unsigned char diff = 0;

        if (!csrf_from_cookie(cookie_header, token) || !csrf_token_valid(field, len))
                return false;
        /* The time must not tell how much of a guess was right. */
        for (size_t i = 0; i < CSRF_TOKEN_LEN; i++)
                diff |= (unsigned char) (token[i] ^ field[i]);
        return diff == 0;
}

void csrf_set_cookie(const char *token, bool secure, char *buf, size_t size) {
        snprintf(buf, size, CSRF_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", token, secure ? "; Secure" : "");
}
