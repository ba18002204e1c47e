/* cluster_patroni.h - the grade book's PostgreSQL on a cluster: the files
 * `dgoctl cluster postgres` writes for Debian's Patroni (docs/cluster.md,
 * "The grade book on PostgreSQL"). Pure code, unit-tested
 * (tests/unit/test-dgoctl-patroni.c).
 *
 *  - /etc/patroni/dgo.yml (root's, 0600: it holds the passwords): Patroni's
 *    configuration for this host, member NAME of scope "dgo" on the
 *    cluster's etcd (v3, TLS with the host's cluster certificate);
 *  - /etc/systemd/system/patroni.service.d/dgo-cluster.conf: Debian's
 *    patroni.service (User=postgres) runs that file, handed to it with the
 *    certificates by LoadCredential= (Patroni and PostgreSQL read them
 *    from /run/credentials/patroni.service, never from /etc);
 *  - /etc/credstore/dgo-pg-password (root's, 0600): the password of the
 *    database user dgo, for the grading units' LoadCredential=;
 *  - /etc/systemd/system/dgo-grading.service.d/dgo-postgres.conf: the
 *    grading units on that book (--backend postgresql, the connection
 *    string to every host, the password as a credential).
 *
 * The three passwords (PostgreSQL's superuser, replication, dgo) are
 * derived from the cluster's installation secret (/etc/dgo/secret, the
 * same on every host: the join bundle carries it): HMAC-SHA256(secret,
 * "dgo-postgres\n" ROLE), as 64 hex digits. Every host computes the same
 * ones, and nothing new travels between hosts. */
#pragma once

#include <stddef.h>

#include "cluster_files.h"
#include "cluster_install.h"

#define PATRONI_CONF "/etc/patroni/dgo.yml"
#define PATRONI_DROPIN_DIR "/etc/systemd/system/patroni.service.d"
#define PATRONI_DROPIN PATRONI_DROPIN_DIR "/dgo-cluster.conf"
#define PATRONI_UNIT "patroni.service"
/* Where systemd puts the unit's credentials (%d), as Patroni is told. */
#define PATRONI_CRED_DIR "/run/credentials/" PATRONI_UNIT
/* The unit's RuntimeDirectory=: PostgreSQL's Unix socket, Patroni's pgpass. */
#define PATRONI_RUN_DIR "/run/dgo-patroni"
#define CRED_PG_PASSWORD "dgo-pg-password"
#define PATRONI_SCOPE "dgo"
#define PG_PORT 5432
#define PATRONI_API_PORT 8008
#define PG_BIN_DIR "/usr/lib/postgresql/15/bin"
#define PG_DATA_DIR "/var/lib/postgresql/15/dgo"
#define PG_DATABASE "dgo"
#define PG_USER "dgo"
#define PG_SUPERUSER "postgres"
#define PG_REPLICATION_USER "replicator"

/* Patroni's timings (bootstrap.dcs; docs/cluster.md says why). Patroni's
 * rule: loop_wait + 2 * retry_timeout <= ttl. */
#define PATRONI_TTL 10
#define PATRONI_LOOP_WAIT 2
#define PATRONI_RETRY_TIMEOUT 4

#define PATRONI_PASSWORD_HEX 64
struct patroni_passwords {
        char superuser[PATRONI_PASSWORD_HEX + 1];
        char replication[PATRONI_PASSWORD_HEX + 1];
        char dgo[PATRONI_PASSWORD_HEX + 1];
};
/* The passwords from the installation SECRET (cluster_secret_valid()).
 * 0, -EINVAL (not a secret), -EIO (GnuTLS failed). */
int patroni_passwords_derive(const char *secret, struct patroni_passwords *pw);
void patroni_passwords_wipe(struct patroni_passwords *pw);

#define PATRONI_HOSTS_MAX ETCD_MEMBERS_MAX
struct patroni_host {
        const char *name;                       /* this host (cluster.conf's Host=) */
        const char *address;                    /* its cluster address */
        /* Every host of the cluster, this one too: the addresses of the
         * etcd members (Patroni's etcd3 hosts, and the only addresses
         * pg_hba lets in). */
        const char *addresses[PATRONI_HOSTS_MAX];
        size_t n_addresses;
        const struct patroni_passwords *pw;
};
/* dgo.yml's text, malloc'd; NULL if out of memory or H is not valid (a
 * name or an address dgo would not accept, this host's address not among
 * ADDRESSES, none or too many, one twice). */
char *patroni_yaml_format(const struct patroni_host *h);

/* patroni_grading_conninfo()'s BUF: this is enough. */
#define PATRONI_CONNINFO_MAX 1024
/* Per host: a lost host is passed over after this long (a failover's
 * outage counts it once, docs/cluster.md); a live one on the cluster's
 * network answers TLS and SCRAM in milliseconds. */
#define PATRONI_CONNECT_TIMEOUT_SEC 2

/* patroni.service's drop-in. */
extern const char patroni_dropin[];


/* The grading units on the cluster's book: dgo-grading.service's drop-in
 * (docs/cluster.md, "The grade book on PostgreSQL"). */
#define GRADING_PG_DROPIN_DIR "/etc/systemd/system/dgo-grading.service.d"
#define GRADING_PG_DROPIN GRADING_PG_DROPIN_DIR "/dgo-postgres.conf"
#define GRADING_UNIT "dgo-grading.service"
/* The CA for sslmode=verify-full as the unit sees it: its credential
 * (the unit loads dgo-cluster-ca.crt already), %d being systemd's
 * credentials directory. */
#define GRADING_PG_CA "%d/" CRED_CA
/* The libpq connection string of dgo's services (the grading units, and
 * `dgoctl gradebook import --postgresql`) to the cluster's book:
 * every host of ADDRESSES (N of them, 1 to PATRONI_HOSTS_MAX IPv4 cluster
 * addresses, none twice), target_session_attrs=read-write (libpq finds the
 * primary), sslmode=verify-full against CA_PATH (an absolute path, or one
 * under systemd's "%d/"; letters, digits and ._/+- only, so that it needs
 * no quoting in a connection string or a unit file). Into BUF: 0, -EINVAL
 * (a bad address or path), -ENOBUFS. */
int patroni_grading_conninfo(const char *const *addresses, size_t n, const char *ca_path, char *buf, size_t size);

/* dgo-grading.service's drop-in: BINARY (the unit's own ExecStart, an
 * absolute path) with --backend postgresql --pg-conninfo CONNINFO (by
 * patroni_grading_conninfo()), the password credential, and restarts that
 * outlast a failover. Malloc'd, or NULL (out of memory, or BINARY or
 * CONNINFO with a character a unit file would take for something else). */
char *grading_pg_dropin_format(const char *binary, const char *conninfo);
