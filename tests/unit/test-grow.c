/* test-grow.c - proves arrays grow by doubling from their first size,
 * keep their contents, and fail cleanly (array untouched) when the size
 * asked for cannot exist, in bytes (grow_to) and in elements (GROW_ARRAY). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "basic/grow.h"

int main(void) {
        char *data = NULL;
        size_t size = 0;

        /* enough already (nothing asked): nothing happens */
        CHECK(grow_to(&data, &size, 0, 64) == 0 && data == NULL && size == 0);
        /* from FIRST, doubled until it fits */
        CHECK(grow_to(&data, &size, 10, 64) == 0 && data && size == 64);
        memset(data, 'a', 64);
        CHECK(grow_to(&data, &size, 64, 64) == 0 && size == 64);
        CHECK(grow_to(&data, &size, 65, 64) == 0 && size == 128);
        CHECK(grow_to(&data, &size, 1000, 64) == 0 && size == 1024);
        CHECK(data[0] == 'a' && data[63] == 'a');               /* kept */
        /* an impossible size fails and leaves the array as it was */
        char *before = data;
        CHECK(grow_to(&data, &size, SIZE_MAX, 64) == -ENOMEM);
        CHECK(data == before && size == 1024);
        free(data);

        struct pair { int a, b; } *pairs = NULL;
        size_t n_alloc = 0;
        CHECK(GROW_ARRAY(pairs, n_alloc, 3, 4) == 0 && pairs && n_alloc == 4);
        pairs[3] = (struct pair) { 7, 8 };
        CHECK(GROW_ARRAY(pairs, n_alloc, 4, 4) == 0 && n_alloc == 4);
        CHECK(GROW_ARRAY(pairs, n_alloc, 9, 4) == 0 && n_alloc == 16);
        CHECK(pairs[3].a == 7 && pairs[3].b == 8);                 /* kept */
        struct pair *was = pairs;
        CHECK(GROW_ARRAY(pairs, n_alloc, SIZE_MAX / 4, 4) == -ENOMEM);  /* elements x bytes overflows */
        CHECK(pairs == was && n_alloc == 16);
        free(pairs);
        return check_finish("grow");
}
