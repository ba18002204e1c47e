/* grow.h - room in a growing byte array, the one way every buffer of ours
 * grows: doubling, so that appending N bytes one piece at a time costs
 * O(N) copying in all. */
#pragma once

#include <stddef.h>

/* Makes *DATA, of *SIZE bytes, hold at least NEED bytes: unchanged when it
 * does, else reallocated to FIRST (when *SIZE is 0) doubled as often as
 * needed. 0, or -ENOMEM with *DATA and *SIZE as they were. Pure. */
int grow_to(char **data, size_t *size, size_t need, size_t first);
