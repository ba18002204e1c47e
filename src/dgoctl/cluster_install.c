/* cluster_install.c - see cluster_install.h. */
#include "cluster_install.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/atomic_file.h"
#include "basic/fd_util.h"
#include "basic/macros.h"
#include "cluster_files.h"
#include "dgo/cluster_conf.h"

extern char **environ;

static int at(char *buf, const char *root, const char *path) {
        int n = snprintf(buf, PATH_MAX, "%s%s", root, path);

        return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int cluster_paths_init(struct cluster_paths *p, const char *root) {
        if (at(p->ca_key, root, CLUSTER_CA_KEY) < 0 || at(p->credstore, root, CREDSTORE) < 0 ||
            at(p->ca_crt, root, CREDSTORE "/" CRED_CA) < 0 || at(p->crt, root, CREDSTORE "/" CRED_CERT) < 0 ||
            at(p->key, root, CREDSTORE "/" CRED_KEY) < 0 || at(p->conf, root, CLUSTER_CONF_PATH) < 0 ||
            at(p->dropin, root, ETCD_DROPIN) < 0 || at(p->registry_dropin, root, REGISTRY_DROPIN) < 0 ||
            at(p->secret, root, SECRET_PATH) < 0 || at(p->etcd_data, root, CLUSTER_ETCD_DATA_DIR) < 0 ||
            at(p->grading_socket, root, "/etc/systemd/system/" GRADING_CLUSTER_SOCKET) < 0 ||
            at(p->log_socket, root, "/etc/systemd/system/" LOG_CLUSTER_SOCKET) < 0 ||
            at(p->target_dropin, root, TARGET_DROPIN) < 0)
                return -ENAMETOOLONG;
        return 0;
}

/* mkdir -p of PATH's parents and PATH, the new ones with MODE. */
static int mkdir_p(const char *path, mode_t mode) {
        char buf[PATH_MAX];

        snprintf(buf, sizeof buf, "%s", path);
        for (char *s = buf + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* The directory PATH (a file's) is in. */
static void dir_of(const char *path, char *buf) {
        char *slash;

        snprintf(buf, PATH_MAX, "%s", path);
        slash = strrchr(buf, '/');
        if (slash)
                *slash = '\0';
}

int cluster_mkdir_p(const char *path, unsigned mode) {
        return mkdir_p(path, (mode_t) mode);
}

int cluster_make_dirs(const struct cluster_paths *p) {
        const char *files[] = { p->ca_key, p->dropin, p->registry_dropin, p->target_dropin };
        char dir[PATH_MAX];
        int r;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                dir_of(files[i], dir);
                if ((r = mkdir_p(dir, 0755)) < 0)
                        return r;
        }
        if ((r = mkdir_p(p->credstore, 0700)) < 0)
                return r;
        /* systemd's convention for the credential store, and our keys' last
         * line of defence should one be written with a wider mode. */
        return chmod(p->credstore, 0700) < 0 ? -errno : 0;
}

int cluster_write(const char *path, const char *text, unsigned mode) {
        return atomic_write_file(path, text, strlen(text), mode);
}

int cluster_read(const char *path, size_t max, char **ret) {
        size_t len;

        return read_file_bounded(path, max, ret, &len);
}

bool cluster_exists(const char *path) {
        return access(path, F_OK) == 0;
}

int cluster_move_data_aside(const char *data, char *new_name, size_t size) {
        int n = snprintf(new_name, size, "%s.replaced-%lld", data, (long long) time(NULL));

        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return rename(data, new_name) < 0 ? -errno : 0;
}

int cluster_systemctl(const char *first, ...) {
        const char *argv[16] = { "systemctl", first };
        size_t n = 2;
        va_list ap;
        pid_t pid;
        int r, status;

        va_start(ap, first);
        for (const char *a; n < ELEMENTSOF(argv) - 1 && (a = va_arg(ap, const char *)); )
                argv[n++] = a;
        va_end(ap);
        argv[n] = NULL;
        r = posix_spawnp(&pid, "systemctl", NULL, NULL, (char *const *) argv, environ);
        if (r != 0)
                return -r;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool cluster_address_local(const char *address) {
        struct ifaddrs *list, *i;
        unsigned char want[16], have[16];
        int family = strchr(address, ':') ? AF_INET6 : AF_INET;
        bool found = false;

        if (inet_pton(family, address, want) != 1 || getifaddrs(&list) < 0)
                return false;
        for (i = list; i && !found; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != family)
                        continue;
                if (family == AF_INET)
                        memcpy(have, &((struct sockaddr_in *) (void *) i->ifa_addr)->sin_addr, 4);
                else
                        memcpy(have, &((struct sockaddr_in6 *) (void *) i->ifa_addr)->sin6_addr, 16);
                found = memcmp(want, have, family == AF_INET ? 4 : 16) == 0;
        }
        freeifaddrs(list);
        return found;
}
