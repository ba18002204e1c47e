/* notify_socket.h - messages to systemd (READY=1, STATUS=, WATCHDOG=1) over one
 * socket opened at start.
 *
 * sd_notify() opens a new socket for every message. A service that has run
 * out of descriptors then cannot send WATCHDOG=1, and systemd kills it on
 * its watchdog although its loop is turning (seen: 3 s after accept() began
 * to fail with EMFILE). With the socket opened once, the watchdog shows
 * whether the loop is alive, whatever else is short. */
#pragma once

/* Open the socket to $NOTIFY_SOCKET (an absolute path or an abstract
 * "@name"). 0 when there is nothing to open (not started by systemd, or an
 * address this code does not know: notify_socket_send() then uses sd_notify()), 1
 * when opened, or -errno. Call once, at start, before other threads run. */
int notify_socket_open(void);

/* Send TEXT (sd_notify()'s format). > 0 sent, 0 nobody to tell, -errno. */
int notify_socket_send(const char *text);

/* Close the socket (notify_socket_send() falls back to sd_notify()). */
void notify_socket_close(void);
