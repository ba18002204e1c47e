/* grow.c - see grow.h. */
#include "grow.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* The size that holds NEED, from CURRENT (or FIRST when 0) doubled; 0 when
 * none fits in a size_t. */
static size_t doubled_size(size_t current, size_t need, size_t first) {
        size_t want = current ? current : (first ? first : 1);

        while (want < need) {
                if (want > SIZE_MAX / 2)
                        return 0;
                want *= 2;
        }
        return want;
}

int grow_to(char **data, size_t *size, size_t need, size_t first) {
        size_t want;
        char *p;

        assert(data && size);
        if (need <= *size)
                return 0;
        want = doubled_size(*size, need, first);
        if (want == 0)
                return -ENOMEM;
        p = realloc(*data, want);
        if (!p)
                return -ENOMEM;
        *data = p;
        *size = want;
        return 0;
}

int grow_array(void **array, size_t *n_alloc, size_t need, size_t elem, size_t first) {
        size_t want;
        void *p;

        assert(array && n_alloc && elem > 0);
        if (need <= *n_alloc)
                return 0;
        want = doubled_size(*n_alloc, need, first);
        if (want == 0 || want > SIZE_MAX / elem)
                return -ENOMEM;
        p = realloc(*array, want * elem);
        if (!p)
                return -ENOMEM;
        *array = p;
        *n_alloc = want;
        return 0;
}
