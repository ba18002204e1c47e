/* utf8.c - see utf8.h. Follows the well-formed byte sequences table of the
 * Unicode standard (chapter 3, table 3-7). */
#include "utf8.h"

#include <stdint.h>

bool utf8_valid(const char *str, size_t len) {
        const uint8_t *s = (const uint8_t *) str, *end = s + len;

        while (s < end) {
                uint8_t c = *s;
                size_t n;
                uint8_t lo = 0x80, hi = 0xBF;   /* allowed range of the second byte */

                if (c < 0x80) {
                        s++;
                        continue;
                }
                if (c >= 0xC2 && c <= 0xDF)
                        n = 1;
                else if (c >= 0xE0 && c <= 0xEF) {
                        n = 2;
                        if (c == 0xE0)
                                lo = 0xA0;      /* overlong */
                        else if (c == 0xED)
                                hi = 0x9F;      /* surrogates */
                } else if (c >= 0xF0 && c <= 0xF4) {
                        n = 3;
                        if (c == 0xF0)
                                lo = 0x90;      /* overlong */
                        else if (c == 0xF4)
                                hi = 0x8F;      /* above U+10FFFF */
                } else
                        return false;

                if ((size_t) (end - s) <= n)
                        return false;
                if (s[1] < lo || s[1] > hi)
                        return false;
                for (size_t i = 2; i <= n; i++)
                        if ((s[i] & 0xC0) != 0x80)
                                return false;
                s += n + 1;
        }
        return true;
}
