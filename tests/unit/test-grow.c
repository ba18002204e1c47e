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
        return check_finish("grow");
}
