/* form.c - see form.h. */
#include "form.h"

#include <errno.h>
#include <string.h>

#include "basic/utf8.h"

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int form_decode(const char *s, size_t len, char *out, size_t size) {
        size_t n = 0;
        int hi, lo;

        if (size == 0)
                return -ENOBUFS;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '+')
                        c = ' ';
                else if (c == '%') {
                        if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 || (lo = hex_value(s[i + 2])) < 0)
                                return -EINVAL;
                        c = (char) (hi << 4 | lo);
                        if (c == '\0')          /* our values are C strings */
                                return -EINVAL;
                        i += 2;
                } else if (c == '\0')
                        return -EINVAL;
                if (n + 1 >= size)
                        return -ENOBUFS;
                out[n++] = c;
        }
        out[n] = '\0';
        return utf8_valid(out, n) ? (int) n : -EILSEQ;
}

int form_parse(const char *body, size_t len, struct form_field *fields, size_t n_fields) {
        const char *p = body, *end = body + len;
        unsigned pairs = 0;

        for (size_t i = 0; i < n_fields; i++) {
                fields[i].result = -ENOENT;
                if (fields[i].size > 0)
                        fields[i].value[0] = '\0';
        }
        /* Count first: a refused body must leave every field unfilled. */
        for (size_t i = 0; i < len; i++)
                if (body[i] == '&')
                        pairs++;
        if (pairs + 1 > FORM_MAX_PAIRS)
                return -E2BIG;

        while (p < end) {
                const char *amp = memchr(p, '&', (size_t) (end - p));
                const char *pair_end = amp ? amp : end;
                const char *eq = memchr(p, '=', (size_t) (pair_end - p));
                const char *name_end = eq ? eq : pair_end;
                char name[FORM_NAME_MAX + 1];

                /* A name that does not decode, or is too long, is nobody's field. */
                if (p < name_end && form_decode(p, (size_t) (name_end - p), name, sizeof name) > 0) {
                        for (size_t i = 0; i < n_fields; i++) {
                                struct form_field *f = &fields[i];
                                if (f->result != -ENOENT || strcmp(f->name, name) != 0)
                                        continue;
                                const char *v = eq ? eq + 1 : pair_end;
                                f->result = form_decode(v, (size_t) (pair_end - v), f->value, f->size);
                                if (f->result < 0 && f->size > 0)
                                        f->value[0] = '\0';
                                break;
                        }
                }
                p = amp ? amp + 1 : end;
        }
        return 0;
}

const char *form_strerror(int result) {
        switch (result) {
        case -ENOENT:  return "is missing";
        case -EINVAL:  return "is not correctly encoded";
        case -EILSEQ:  return "is not valid UTF-8 text";
        case -ENOBUFS: return "is too long";
        default:       return "cannot be read";
        }
}
