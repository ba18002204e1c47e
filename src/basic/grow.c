/* grow.c - see grow.h. */
#include "grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int grow_to(char **data, size_t *size, size_t need, size_t first) {
        size_t want = *size ? *size : (first ? first : 1);
        char *p;

        if (need <= *size)
                return 0;
        while (want < need) {
                if (want > SIZE_MAX / 2)
                        return -ENOMEM;
                want *= 2;
        }
        p = realloc(*data, want);
        if (!p)
                return -ENOMEM;
        *data = p;
        *size = want;
        return 0;
}
