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

static int listen_addr(const char *addr) {
        int fd;

        if (addr[0] == '/' || strncmp(addr, "unix:", 5) == 0)
                fd = listen_unix(addr[0] == '/' ? addr : addr + 5);
        else
                fd = listen_inet(addr);
        if (fd < 0)
                return log_error_errno(fd, "Cannot listen on %s", addr);
        return fd;
}

/* The slot of LS an activated socket named NAME goes to. */
static int *slot_of(struct listen_sockets *ls, const char *name, const char **what) {
        if (strcmp(name, "https") == 0) {
                *what = "HTTPS";
                return &ls->https_fd;
        }
        if (strcmp(name, "cluster") == 0) {
                *what = "the cluster";
                return &ls->cluster_fd;
        }
        *what = "HTTP";
        return &ls->http_fd;
}

/* Take the activated sockets: "https" and "cluster" by name, the plain one
 * as the first other; any more are closed. 0, or -errno. */
static int take_activated(struct listen_sockets *ls) {
        char **names = NULL;
        int n = sd_listen_fds_with_names(1, &names);

        if (n < 0)
                return log_error_errno(n, "Cannot read the sockets passed by systemd");
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                const char *name = names && names[i] ? names[i] : "unknown", *what;
                int *slot = slot_of(ls, name, &what);

                if (*slot >= 0) {
                        log_warning("More than one socket for %s passed: serving the first, closing %s", what, name);
                        close(fd);
                } else
                        *slot = fd;
        }
        for (int i = 0; names && names[i]; i++)
                free(names[i]);
        free(names);
        return 0;
}

void listen_sockets_close(struct listen_sockets *ls) {
        int *fds[] = { &ls->http_fd, &ls->https_fd, &ls->cluster_fd };

        for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
                if (*fds[i] >= 0)
                        close(*fds[i]);
                *fds[i] = -EBADF;
        }
}

/* *FD from ADDR when no socket was activated for it and ADDR is given. */
static int listen_missing(int *fd, const char *addr) {
        int r;

        if (*fd >= 0 || !addr)
                return 0;
        r = listen_addr(addr);
        if (r < 0)
                return r;
        *fd = r;
        return 0;
}

int listen_sockets_get(const char *listen_addr_arg, const char *listen_https_addr, const char *listen_cluster_addr,
                       struct listen_sockets *ret) {
        _cleanup_(listen_sockets_close) struct listen_sockets ls = {
                .http_fd = -EBADF, .https_fd = -EBADF, .cluster_fd = -EBADF };
        int r;

        r = take_activated(&ls);
        if (r < 0)
                return r;
        if ((r = listen_missing(&ls.http_fd, listen_addr_arg)) < 0 ||
            (r = listen_missing(&ls.https_fd, listen_https_addr)) < 0 ||
            (r = listen_missing(&ls.cluster_fd, listen_cluster_addr)) < 0)
                return r;
        if (ls.http_fd < 0)
                return -ENOENT;
        describe(ls.http_fd, ls.http, sizeof ls.http);
        if (ls.https_fd >= 0)
                describe(ls.https_fd, ls.https, sizeof ls.https);
        if (ls.cluster_fd >= 0)
                describe(ls.cluster_fd, ls.cluster, sizeof ls.cluster);
        *ret = ls;
        ls.http_fd = ls.https_fd = ls.cluster_fd = -EBADF;      /* the caller's now */
        return 0;
}

bool listen_socket_local(int fd) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return false;
        switch (ss.ss_family) {
        case AF_UNIX:
                return true;
        case AF_INET:
                return (ntohl(((struct sockaddr_in *) &ss)->sin_addr.s_addr) >> 24) == 127;
        case AF_INET6: {
                const struct in6_addr *a = &((struct sockaddr_in6 *) &ss)->sin6_addr;
                return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
        }
        default:
                return false;
        }
}
