/* test-listen_addr.c - proves the --listen addresses services accept:
 * HOST:PORT, :PORT (127.0.0.1), [IPv6]:PORT and a host name; refused
 * (-EINVAL): no port, an empty port, 0, above 65535, trailing junk, an IPv6
 * address without brackets, and brackets without the colon.
 * listen_socket_local(): a socket bound to 127.0.0.2 or [::1], or a Unix
 * socket, is local; one on the wildcard address is not. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "basic/listen.h"

int main(void) {
        char host[64], port[8];

        CHECK(listen_addr_split("127.0.0.1:4000", host, sizeof host, port, sizeof port) == 0);
        CHECK_STR(host, "127.0.0.1");
        CHECK_STR(port, "4000");
        CHECK(listen_addr_split(":5000", host, sizeof host, port, sizeof port) == 0);
        CHECK_STR(host, "127.0.0.1");
        CHECK(listen_addr_split("[::1]:6000", host, sizeof host, port, sizeof port) == 0);
        CHECK_STR(host, "::1");
        CHECK_STR(port, "6000");
        CHECK(listen_addr_split("localhost:1", host, sizeof host, port, sizeof port) == 0);

        CHECK(listen_addr_split("127.0.0.1", host, sizeof host, port, sizeof port) == -EINVAL);
        CHECK(listen_addr_split("127.0.0.1:", host, sizeof host, port, sizeof port) == -EINVAL);
        CHECK(listen_addr_split("127.0.0.1:0", host, sizeof host, port, sizeof port) == -EINVAL);
        CHECK(listen_addr_split("127.0.0.1:65536", host, sizeof host, port, sizeof port) == -EINVAL);
        CHECK(listen_addr_split("127.0.0.1:80x", host, sizeof host, port, sizeof port) == -EINVAL);
        CHECK(listen_addr_split("::1:80", host, sizeof host, port, sizeof port) == -EINVAL);
        CHECK(listen_addr_split("[::1]80", host, sizeof host, port, sizeof port) == -EINVAL);

        /* Bound, never listening: no packet leaves. */
        struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000002) };
        struct sockaddr_in6 lo6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHECK(fd >= 0 && !listen_socket_local(fd));                     /* 0.0.0.0: unbound */
        CHECK(bind(fd, (struct sockaddr *) &lo, sizeof lo) == 0 && listen_socket_local(fd));
        close(fd);
        fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && bind(fd, (struct sockaddr *) &lo6, sizeof lo6) == 0)   /* where IPv6 exists */
                CHECK(listen_socket_local(fd));
        if (fd >= 0)
                close(fd);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHECK(fd >= 0 && listen_socket_local(fd));
        close(fd);
        return check_finish("listen_addr");
}
