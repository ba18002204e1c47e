/* fd_util.h - small helpers for file descriptors. */
#pragma once

#include <stddef.h>

/* write(2) until all LEN bytes are written; retries on EINTR. 0 or -errno. */
int write_all(int fd, const void *data, size_t len);
