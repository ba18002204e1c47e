/* cluster_install.h - where `dgoctl cluster` puts a host's files, and the
 * few things it asks of systemd (docs/cluster.md, "What each file is").
 *
 * Every path is under ROOT ("" for the running system; --root for
 * packaging and tests, which then start nothing). */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define CLUSTER_CA_KEY "/etc/dgo/cluster-ca.key"
#define CREDSTORE "/etc/credstore"
#define CRED_CA "dgo-cluster-ca.crt"
#define CRED_CERT "dgo-cluster.crt"
#define CRED_KEY "dgo-cluster.key"
#define ETCD_DROPIN_DIR "/etc/systemd/system/etcd.service.d"
#define ETCD_DROPIN ETCD_DROPIN_DIR "/dgo-cluster.conf"
#define REGISTRY_DROPIN_DIR "/etc/systemd/system/dgo-registry.service.d"
#define REGISTRY_DROPIN REGISTRY_DROPIN_DIR "/dgo-cluster.conf"
/* dgo.target's drop-in: the registry runs (not only on demand), so that
 * this host is published in the cluster map from boot on. */
#define TARGET_DROPIN_DIR "/etc/systemd/system/dgo.target.d"
#define TARGET_DROPIN TARGET_DROPIN_DIR "/dgo-cluster.conf"
/* The sockets for the other hosts (cluster_socket_format()). */
#define GRADING_CLUSTER_SOCKET "dgo-grading-cluster.socket"
#define LOG_CLUSTER_SOCKET "dgo-log-cluster.socket"
#define GRADING_PORT 6000
#define LOG_PORT 4000
/* The installation secret (docs/security.md), one for the whole cluster. */
#define SECRET_PATH "/etc/dgo/secret"

struct cluster_paths {
        char ca_key[PATH_MAX];
        char credstore[PATH_MAX];
        char ca_crt[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];
        char conf[PATH_MAX];
        char dropin[PATH_MAX];
        char registry_dropin[PATH_MAX];
        char grading_socket[PATH_MAX], log_socket[PATH_MAX];
        char target_dropin[PATH_MAX];
        char secret[PATH_MAX];
        char etcd_data[PATH_MAX];
};
/* Every path under ROOT. -ENAMETOOLONG. */
int cluster_paths_init(struct cluster_paths *p, const char *root);

/* The directories of the files, made if missing: /etc/dgo 0755,
 * /etc/credstore 0700 (made 0700 if it is not), the drop-ins' 0755. */
int cluster_make_dirs(const struct cluster_paths *p);

/* mkdir -p PATH, the new directories with MODE (root's). 0 or -errno. */
int cluster_mkdir_p(const char *path, unsigned mode);

/* Write TEXT to PATH atomically with MODE (root's). 0 or -errno. */
int cluster_write(const char *path, const char *text, unsigned mode);

/* Read PATH, at most MAX bytes, NUL-terminated, in *RET. 0 or -errno. */
int cluster_read(const char *path, size_t max, char **ret);

bool cluster_exists(const char *path);

/* etcd's data directory of an earlier cluster moved aside, to
 * DATA.replaced-EPOCH (never deleted: it may be someone's only copy). The
 * new name in NEW_NAME; 0, or -errno. */
int cluster_move_data_aside(const char *data, char *new_name, size_t size);

/* systemctl ARGS... (NULL-terminated); its exit status, or -errno. */
int cluster_systemctl(const char *first, ...) __attribute__((sentinel));

/* Does this machine have ADDRESS on one of its interfaces? */
bool cluster_address_local(const char *address);
