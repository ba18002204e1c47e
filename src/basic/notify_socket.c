/* notify_socket.c - see notify_socket.h. */
#include "notify_socket.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

/* Not connected: sendto() looks the path up each time, so messages still
 * arrive after systemd re-executes itself and makes its socket anew. */
static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_addr_len;

int notify_socket_open(void) {
        const char *path = getenv("NOTIFY_SOCKET");
        size_t len;

        if (notify_fd >= 0)
                return 1;
        if (!path || (path[0] != '/' && path[0] != '@'))
                return 0;
        len = strlen(path);
        if (len < 2 || len >= sizeof notify_addr.sun_path)
                return -EINVAL;
        notify_addr = (struct sockaddr_un) { .sun_family = AF_UNIX };
        memcpy(notify_addr.sun_path, path, len);
        if (path[0] == '@')
                notify_addr.sun_path[0] = '\0';         /* the abstract namespace: not NUL-terminated */
        notify_addr_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
        notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        return notify_fd < 0 ? -errno : 1;
}

int notify_socket_send(const char *text) {
        if (notify_fd < 0)
                return sd_notify(0, text);
        /* systemd learns our PID from the credentials the kernel attaches
         * (its socket has SO_PASSCRED), as with sd_notify(). */
        if (sendto(notify_fd, text, strlen(text), MSG_NOSIGNAL, (const struct sockaddr *) &notify_addr,
                   notify_addr_len) < 0)
                return -errno;
        return 1;
}

void notify_socket_close(void) {
        if (notify_fd >= 0)
                close(notify_fd);
        notify_fd = -1;
}
