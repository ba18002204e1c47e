/* etcd_server.h - a real etcd for unit tests: one member on loopback, on
 * ports the test chooses (so that a restart on the same data finds them
 * again), its data and log under a directory of the test's; started by
 * fork() and exec, stopped by its PID, and killed with the test should the
 * test die first. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loopback.h"

#define ETCD_BIN "/usr/bin/etcd"

/* A port nobody listens on now (bound, read, closed); 0 if none. */
static inline unsigned etcd_free_port(void) {
        unsigned port = 0;
        int fd = listen_loopback(&port);

        if (fd < 0)
                return 0;
        close(fd);
        return port;
}

/* Start etcd with its data in DIR/data and its output appended to
 * DIR/etcd.log, serving clients on CLIENT_PORT; its URL into URL (64
 * bytes). Quiet watches hear from it every second. The PID, or -errno. */
static inline pid_t etcd_server_start(const char *dir, unsigned client_port, unsigned peer_port, char *url) {
        char client[64], peer[64], cluster[128], data[256], log[256];
        pid_t pid;

        if (!client_port || !peer_port || client_port == peer_port)
                return -EADDRINUSE;
        snprintf(client, sizeof client, "http://127.0.0.1:%u", client_port);
        snprintf(peer, sizeof peer, "http://127.0.0.1:%u", peer_port);
        snprintf(cluster, sizeof cluster, "default=%s", peer);
        snprintf(data, sizeof data, "%s/data", dir);
        snprintf(log, sizeof log, "%s/etcd.log", dir);
        snprintf(url, 64, "%s", client);

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                if (fd >= 0) {
                        dup2(fd, STDOUT_FILENO);
                        dup2(fd, STDERR_FILENO);
                }
                execl(ETCD_BIN, ETCD_BIN, "--name", "default", "--data-dir", data,
                      "--listen-client-urls", client, "--advertise-client-urls", client,
                      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                      "--initial-cluster", cluster,
                      "--experimental-watch-progress-notify-interval", "1s",
                      (char *) NULL);
                _exit(127);
        }
        return pid;
}

/* Send SIG to *PID and wait for it, at most 5 s, then SIGKILL; *PID = -1. */
static inline void etcd_server_stop(pid_t *pid, int sig) {
        if (*pid <= 0)
                return;
        (void) kill(*pid, sig);
        for (int i = 0; i < 100; i++) {
                if (waitpid(*pid, NULL, WNOHANG) == *pid) {
                        *pid = -1;
                        return;
                }
                usleep(50 * 1000);
        }
        (void) kill(*pid, SIGKILL);
        (void) waitpid(*pid, NULL, 0);
        *pid = -1;
}
