/* test-listen_addr.c - proves the --listen addresses services accept:
 * HOST:PORT, :PORT (127.0.0.1), [IPv6]:PORT and a host name; refused
 * (-EINVAL): no port, an empty port, 0, above 65535, trailing junk, an IPv6
 * address without brackets, and brackets without the colon. */
#include <errno.h>

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
        return check_finish("listen_addr");
}
