/* session.c - see session.h. */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "basic/grow.h"

void session_table_init(struct session_table *t, uint64_t idle, uint64_t max) {
        *t = (struct session_table) { .idle = idle, .max = max };
}

void session_table_done(struct session_table *t) {
        if (t->v)
                explicit_bzero(t->v, t->n_alloc * sizeof *t->v);
        free(t->v);
        t->v = NULL;
        t->n = t->n_alloc = 0;
}

uint64_t session_hash_print(const char *hash) {
        uint64_t h = UINT64_C(14695981039346656037);    /* FNV-1a */

        for (; *hash; hash++)
                h = (h ^ (unsigned char) *hash) * UINT64_C(1099511628211);
        return h;
}

static int random_hex(char *out, size_t digits) {
        static const char hex[] = "0123456789abcdef";
        uint8_t bytes[64];
        ssize_t n;

        if (digits / 2 > sizeof bytes)
                return -EINVAL;
        n = getrandom(bytes, digits / 2, 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != digits / 2)
                return -EIO;
        for (size_t i = 0; i < digits / 2; i++) {
                out[2 * i] = hex[bytes[i] >> 4];
                out[2 * i + 1] = hex[bytes[i] & 0xf];
        }
        out[digits] = '\0';
        explicit_bzero(bytes, sizeof bytes);
        return 0;
}

static bool expired(const struct session_table *t, const struct session *s, uint64_t now) {
        return now >= s->created + t->max || now >= s->used + t->idle;
}

void session_end(struct session_table *t, struct session *s) {
        size_t i = (size_t) (s - t->v);

        t->v[i] = t->v[--t->n];
        explicit_bzero(&t->v[t->n], sizeof t->v[t->n]);
}

void session_expire(struct session_table *t, uint64_t now) {
        for (size_t i = t->n; i > 0; i--)
                if (expired(t, &t->v[i - 1], now))
                        session_end(t, &t->v[i - 1]);
}

int session_new(struct session_table *t, const char *user, const char *hash, uint64_t now, struct session **ret) {
        struct session s = { .created = now, .used = now, .hash_print = session_hash_print(hash) };
        int r;

        if (strlen(user) > ACCOUNT_NAME_MAX)
                return -EINVAL;
        r = random_hex(s.id, SESSION_ID_LEN);
        if (r >= 0)
                r = random_hex(s.csrf, CSRF_TOKEN_LEN);
        if (r < 0)
                return r;
        snprintf(s.user, sizeof s.user, "%s", user);
        session_expire(t, now);
        if (t->n >= SESSIONS_MAX) {
                size_t oldest = 0;
                for (size_t i = 1; i < t->n; i++)
                        if (t->v[i].used < t->v[oldest].used)
                                oldest = i;
                session_end(t, &t->v[oldest]);
        }
        if (GROW_ARRAY(t->v, t->n_alloc, t->n + 1, 16) < 0)
                return -ENOMEM;
        t->v[t->n] = s;
        explicit_bzero(&s, sizeof s);
        *ret = &t->v[t->n++];
        return 0;
}

struct session *session_get(struct session_table *t, const char *id, size_t len, uint64_t now) {
        struct session *found = NULL;

        if (len != SESSION_ID_LEN)
                return NULL;
        /* Every entry is compared in full: the time tells nothing of a guess. */
        for (size_t i = 0; i < t->n; i++) {
                unsigned char diff = 0;
                for (size_t k = 0; k < SESSION_ID_LEN; k++)
                        diff |= (unsigned char) (t->v[i].id[k] ^ id[k]);
                if (diff == 0)
                        found = &t->v[i];
        }
        if (!found)
                return NULL;
        if (expired(t, found, now)) {
                session_end(t, found);
                return NULL;
        }
        found->used = now;
        return found;
}

size_t session_prune(struct session_table *t, const struct accounts *teachers) {
        size_t ended = 0;

        for (size_t i = t->n; i > 0; i--) {
                struct session *s = &t->v[i - 1];
                const struct account *a = accounts_find(teachers, s->user);
                if (!a || session_hash_print(a->hash) != s->hash_print) {
                        session_end(t, s);
                        ended++;
                }
        }
        return ended;
}

const char *cookie_get(const char *header, const char *name, size_t *len) {
        size_t nlen = strlen(name);
        const char *p = header;

        /* "a=1; dgo_session=...; b=2": the first cookie of the name counts. */
        while (p && *p) {
                p += strspn(p, " \t;");
                size_t n = strcspn(p, ";");
                if (n > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
                        const char *v = p + nlen + 1;
                        size_t vlen = n - nlen - 1;
                        while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                                vlen--;
                        *len = vlen;
                        return v;
                }
                p += n;
        }
        return NULL;
}

void session_set_cookie(const struct session *s, bool secure, char *buf, size_t size) {
        snprintf(buf, size, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s%s", s ? s->id : "",
                 s ? "" : "; Max-Age=0", secure ? "; Secure" : "");
}
