/* listen.c - see listen.h. */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"

#define LISTEN_BACKLOG 4096

int listen_addr_split(const char *addr, char *host, size_t host_size, char *port, size_t port_size) {
        const char *colon, *h = addr;
        size_t hlen;

        if (addr[0] == '[') {                           /* [v6]:port */
                const char *close = strchr(addr, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                h = addr + 1;
                hlen = (size_t) (close - h);
                colon = close + 1;
        } else {
                colon = strrchr(addr, ':');
                if (!colon || memchr(addr, ':', (size_t) (colon - addr)))
                        return -EINVAL;                 /* bare v6 needs brackets */
                hlen = (size_t) (colon - addr);
        }
        if (hlen == 0) {                                /* ":port" means loopback */
                h = "127.0.0.1";
                hlen = strlen(h);
        }
        const char *p = colon + 1;
        size_t plen = strlen(p);
        if (plen == 0 || plen >= port_size || hlen >= host_size || strspn(p, "0123456789") != plen ||
            atoi(p) < 1 || atoi(p) > 65535)
                return -EINVAL;
        memcpy(host, h, hlen);
        host[hlen] = '\0';
        memcpy(port, p, plen + 1);
        return 0;
}

static void describe(int fd, char *desc, size_t size) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        char host[INET6_ADDRSTRLEN] = "?";

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
                snprintf(desc, size, "fd %d", fd);
        } else if (ss.ss_family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *) &ss;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
                snprintf(desc, size, "%s:%u", host, ntohs(in->sin_port));
        } else if (ss.ss_family == AF_INET6) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
                snprintf(desc, size, "[%s]:%u", host, ntohs(in6->sin6_port));
        } else if (ss.ss_family == AF_UNIX) {
                snprintf(desc, size, "%s", ((struct sockaddr_un *) &ss)->sun_path);
        } else
                snprintf(desc, size, "fd %d", fd);
}

static int listen_unix(const char *path) {
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;

        if (strlen(path) >= sizeof un.sun_path)
                return -ENAMETOOLONG;
        strcpy(un.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(path);                            /* a stale socket from an earlier run */
        if (bind(fd, (struct sockaddr *) &un, sizeof un) < 0 || listen(fd, LISTEN_BACKLOG) < 0)
                return -errno;
        return TAKE_FD(fd);
}

DEFINE_POINTER_CLEANUP(struct addrinfo *, freeaddrinfo)

/* A socket of AI bound and listening, or -errno. */
static int listen_on(const struct addrinfo *ai) {
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, LISTEN_BACKLOG) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static int listen_inet(const char *addr) {
        char host[256], port[8];
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
        _cleanup_(freeaddrinfop) struct addrinfo *ai = NULL;
        int r, fd = -EADDRNOTAVAIL;

        r = listen_addr_split(addr, host, sizeof host, port, sizeof port);
        if (r < 0)
                return r;
        if (getaddrinfo(host, port, &hints, &ai) != 0)
                return -EADDRNOTAVAIL;
        /* The first address that works; else why the last one did not. */
        for (struct addrinfo *a = ai; a; a = a->ai_next) {
                fd = listen_on(a);
                if (fd >= 0)
                        break;
        }
        return fd;
}

int listen_socket_get(const char *listen_addr, char *desc, size_t desc_size) {
        char **names = NULL;
        int n, fd;

        n = sd_listen_fds_with_names(1, &names);
        if (n < 0)
                return log_error_errno(n, "Cannot read the sockets passed by systemd");
        if (n > 0) {
                /* The first socket serves HTTP; a unit passes only one today. */
                if (n > 1)
                        log_warning("%d sockets passed, serving on the first (%s)", n,
                                    names && names[0] ? names[0] : "?");
                for (int i = 0; names && names[i]; i++)
                        free(names[i]);
                free(names);
                for (int i = 1; i < n; i++)
                        close(SD_LISTEN_FDS_START + i);
                fd = SD_LISTEN_FDS_START;
        } else if (listen_addr) {
                if (listen_addr[0] == '/' || strncmp(listen_addr, "unix:", 5) == 0)
                        fd = listen_unix(listen_addr[0] == '/' ? listen_addr : listen_addr + 5);
                else
                        fd = listen_inet(listen_addr);
                if (fd < 0)
                        return log_error_errno(fd, "Cannot listen on %s", listen_addr);
        } else
                return -ENOENT;

        describe(fd, desc, desc_size);
        return fd;
}
