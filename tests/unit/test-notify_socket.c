/* test-notify_socket.c - messages to systemd still go out when the process
 * has no descriptor left: with every descriptor taken, sd_notify() fails
 * (it opens a socket per message) while notify_socket_send() delivers
 * WATCHDOG=1 over the socket opened at start; to a path and to an abstract
 * address ("@name"), as systemd's NOTIFY_SOCKET may be either. Without
 * NOTIFY_SOCKET there is nobody to tell. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "check.h"
#include "basic/notify_socket.h"

/* A datagram socket bound to ADDR ("/path" or "@abstract"), as systemd's. */
static int listen_at(const char *addr) {
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        size_t len = strlen(addr);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        memcpy(un.sun_path, addr, len);
        if (addr[0] == '@')
                un.sun_path[0] = '\0';
        if (fd < 0 || bind(fd, (struct sockaddr *) &un, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len)) < 0)
                return -1;
        return fd;
}

static void received(int fd, const char *want) {
        char buf[256];
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);

        CHECK(n >= 0);
        buf[n < 0 ? 0 : n] = '\0';
        CHECK_STR(buf, want);
}

/* Take every descriptor left; returns how many were taken (closed by give_back()). */
static int fill[64];
static int n_fill;
static void exhaust(void) {
        struct rlimit rl;
        int fd;

        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = 64;                       /* few to take: fill[] holds them */
        CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
        while (n_fill < 64 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
                fill[n_fill++] = fd;
        CHECK(open("/dev/null", O_RDONLY | O_CLOEXEC) < 0 && errno == EMFILE);
}
static void give_back(void) {
        while (n_fill > 0)
                close(fill[--n_fill]);
}

static void run(const char *addr) {
        int server = listen_at(addr);

        CHECK(server >= 0);
        setenv("NOTIFY_SOCKET", addr, 1);
        CHECK(notify_socket_open() == 1);
        CHECK(notify_socket_send("READY=1\nSTATUS=up") == 1);
        received(server, "READY=1\nSTATUS=up");

        exhaust();
        CHECK(sd_notify(0, "WATCHDOG=1") == -EMFILE);   /* why this module exists */
        CHECK(notify_socket_send("WATCHDOG=1") == 1);
        give_back();
        received(server, "WATCHDOG=1");

        notify_socket_close();
        CHECK(notify_socket_send("STATUS=through sd_notify()") > 0);     /* falls back */
        received(server, "STATUS=through sd_notify()");
        close(server);
}

int main(void) {
        char dir[] = "/tmp/test-notify-XXXXXX", path[64], abstract[64];

        CHECK(mkdtemp(dir) != NULL);
        snprintf(path, sizeof path, "%s/notify", dir);
        run(path);
        unlink(path);
        rmdir(dir);
        snprintf(abstract, sizeof abstract, "@dgo-test-notify-%d", (int) getpid());
        run(abstract);

        /* Nobody to tell. */
        unsetenv("NOTIFY_SOCKET");
        CHECK(notify_socket_open() == 0);
        CHECK(notify_socket_send("WATCHDOG=1") == 0);
        setenv("NOTIFY_SOCKET", "relative/path", 1);
        CHECK(notify_socket_open() == 0);              /* not ours to open: sd_notify() decides */
        unsetenv("NOTIFY_SOCKET");
        return check_finish("notify_socket");
}
