/* listen.h - the listening sockets a service serves on: one for plain HTTP,
 * and maybe one for HTTPS to browsers and one for HTTPS to the cluster's
 * other hosts.
 *
 * Under systemd they come from .socket units (socket activation): the one
 * named "https" (FileDescriptorName=https) is for HTTPS, the one named
 * "cluster" for the other hosts of a cluster (docs/cluster.md), the first
 * other one for plain HTTP. Run by hand, --listen ADDR (and --listen-https
 * ADDR, --listen-cluster ADDR) creates them. ADDR is HOST:PORT, [IPv6]:PORT, :PORT (loopback), or an
 * absolute path or unix:PATH for an AF_UNIX socket. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct listen_sockets {
        int http_fd, https_fd, cluster_fd;              /* -EBADF: none */
        char http[128], https[128], cluster[128];       /* "127.0.0.1:5000", "[::]:443", a path */
};

/* Fills RET. Returns 0, or a negative errno: -ENOENT when there is neither
 * an activated plain socket nor LISTEN_ADDR, -EINVAL for an address that
 * does not parse. Activated sockets win over the addresses. */
int listen_sockets_get(const char *listen_addr, const char *listen_https_addr, const char *listen_cluster_addr,
                       struct listen_sockets *ret);
/* Close what LS holds (for _cleanup_). */
void listen_sockets_close(struct listen_sockets *ls);
/* Is FD bound to a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104)
 * or a Unix socket? False for the wildcard addresses. */
bool listen_socket_local(int fd);

/* Parse "host:port" forms into host and port strings (pure, unit-tested). */
int listen_addr_split(const char *addr, char *host, size_t host_size, char *port, size_t port_size);
