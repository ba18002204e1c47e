/* listen.h - the listening socket a service serves on.
 *
 * Under systemd it comes from the .socket unit (socket activation); run by
 * hand, --listen ADDR creates one. ADDR is HOST:PORT, [IPv6]:PORT, :PORT
 * (loopback), or an absolute path or unix:PATH for an AF_UNIX socket. */
#pragma once

#include <stddef.h>

/* Returns the fd, or a negative errno: -ENOENT when there is neither an
 * activated socket nor LISTEN_ADDR, -EINVAL for an address that does not parse. */
int listen_socket_get(const char *listen_addr, char *desc, size_t desc_size);

/* Parse "host:port" forms into host and port strings (pure, unit-tested). */
int listen_addr_split(const char *addr, char *host, size_t host_size, char *port, size_t port_size);
