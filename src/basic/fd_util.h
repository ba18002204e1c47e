/* fd_util.h - small helpers for file descriptors. */
#pragma once

#include <stddef.h>

/* write(2) until all LEN bytes are written; retries on EINTR. 0 or -errno. */
int write_all(int fd, const void *data, size_t len);
/* The whole file PATH, NUL-terminated, in a malloc'd *RET (its length, without
 * the NUL, in *RET_LEN if not NULL). 0, -EFBIG when it holds more than MAX
 * bytes, or -errno. */
int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_len);
