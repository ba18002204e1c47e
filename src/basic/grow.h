/* grow.h - room in a growing array, the one way every array of ours grows:
 * doubling, so that appending N elements one at a time costs O(N) copying
 * in all. */
#pragma once

#include <stddef.h>

/* Makes *DATA, of *SIZE bytes, hold at least NEED bytes: unchanged when it
 * does, else reallocated to FIRST (when *SIZE is 0) doubled as often as
 * needed. 0, or -ENOMEM with *DATA and *SIZE as they were. Pure. */
int grow_to(char **data, size_t *size, size_t need, size_t first);

/* The same in elements of ELEM bytes: *ARRAY has room for *N_ALLOC of them
 * and is made to hold at least NEED. -ENOMEM also when NEED * ELEM does not
 * fit in a size_t. */
int grow_array(void **array, size_t *n_alloc, size_t need, size_t elem, size_t first);

/* grow_array() for a typed ARRAY (T *) and its N_ALLOC (size_t). */
#define GROW_ARRAY(array, n_alloc, need, first) \
        grow_array((void **) &(array), &(n_alloc), (need), sizeof *(array), (first))
