/* pg_server.h - a private PostgreSQL server for unit tests: initdb into a
 * temporary directory, the server started by fork() and exec (as the user
 * postgres when the test runs as root, as the test's own user otherwise),
 * listening on a Unix socket in that directory only (no TCP port at all),
 * stopped by its PID, the directory removed; killed with the test should
 * the test die first. Debian's postgresql-15 binaries, not its clusters:
 * nothing of the host's PostgreSQL is touched. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG_BINDIR "/usr/lib/postgresql/15/bin"

struct pg_server {
        char dir[64];                   /* the data (DIR/data), the socket, the log (DIR/log) */
        pid_t pid;
        uid_t uid;                      /* whom the server runs as */
        gid_t gid;
};

static inline bool pg_server_installed(void) {
        return access(PG_BINDIR "/initdb", X_OK) == 0 && access(PG_BINDIR "/postgres", X_OK) == 0;
}

/* Fork and exec ARGV as the server's user, its output appended to DIR/log.
 * SERVER: killed with the test. The PID, or -errno. */
static inline pid_t pg_server_spawn(const struct pg_server *s, char *const argv[], bool server) {
        char log[128];
        pid_t pid;

        snprintf(log, sizeof log, "%s/log", s->dir);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        dup2(fd, STDOUT_FILENO);
                        dup2(fd, STDERR_FILENO);
                }
                if (getuid() == 0 && (setgroups(0, NULL) < 0 || setgid(s->gid) < 0 || setuid(s->uid) < 0))
                        _exit(126);
                /* After setuid(), which clears it. */
                if (server)
                        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static inline int pg_server_wait(pid_t pid) {
        int status;

        if (waitpid(pid, &status, 0) != pid)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A connection string for DBNAME on S, as the superuser dgo (FMT: more). */
static inline void pg_server_conninfo(const struct pg_server *s, const char *dbname, char *buf, size_t size) {
        snprintf(buf, size, "host=%s port=5432 user=dgo dbname=%s", s->dir, dbname);
}

/* Make a cluster in a new temporary directory and start its server; wait
 * until it takes connections (at most 30 s). 0, or < 0 with the cause on
 * stderr (and the server's log). */
static inline int pg_server_start(struct pg_server *s) {
        char data[128], sock[80];
        const struct passwd *pw;
        int r;

        *s = (struct pg_server) { .pid = -1, .uid = getuid(), .gid = getgid() };
        snprintf(s->dir, sizeof s->dir, "/tmp/dgo-test-pg-XXXXXX");
        if (!mkdtemp(s->dir))
                return -errno;
        if (getuid() == 0) {
                /* Not as root: the server refuses to. */
                pw = getpwnam("postgres");
                if (!pw)
                        pw = getpwnam("nobody");
                if (!pw) {
                        fprintf(stderr, "pg_server: no user postgres nor nobody to run the server as\n");
                        return -ESRCH;
                }
                s->uid = pw->pw_uid;
                s->gid = pw->pw_gid;
                if (chown(s->dir, s->uid, s->gid) < 0)
                        return -errno;
        }
        snprintf(data, sizeof data, "%s/data", s->dir);
        char *const initdb[] = { (char *) PG_BINDIR "/initdb", (char *) "-D", data, (char *) "-U", (char *) "dgo",
                                 (char *) "-A", (char *) "trust", (char *) "-E", (char *) "UTF8",
                                 (char *) "--locale=C", (char *) "--no-sync", NULL };
        pid_t pid = pg_server_spawn(s, initdb, false);
        if (pid < 0)
                return pid;
        r = pg_server_wait(pid);
        if (r != 0) {
                fprintf(stderr, "pg_server: initdb failed (%d): see %s/log\n", r, s->dir);
                return -EIO;
        }
        /* A Unix socket in DIR alone; durable commits (fsync on, the
         * default synchronous_commit); small, for a test. */
        snprintf(sock, sizeof sock, "%s", s->dir);
        char *const postgres[] = { (char *) PG_BINDIR "/postgres", (char *) "-D", data, (char *) "-k", sock,
                                   (char *) "-c", (char *) "listen_addresses=",
                                   (char *) "-c", (char *) "port=5432",
                                   (char *) "-c", (char *) "max_connections=30",
                                   (char *) "-c", (char *) "shared_buffers=16MB",
                                   (char *) "-c", (char *) "fsync=on", NULL };
        s->pid = pg_server_spawn(s, postgres, true);
        if (s->pid < 0)
                return s->pid;
        char conninfo[160];
        pg_server_conninfo(s, "postgres", conninfo, sizeof conninfo);
        for (int i = 0; i < 600; i++) {         /* up to 30 s */
                if (PQping(conninfo) == PQPING_OK)
                        return 0;
                if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
                        s->pid = -1;
                        break;
                }
                usleep(50 * 1000);
        }
        fprintf(stderr, "pg_server: the server did not start: see %s/log\n", s->dir);
        return -ETIMEDOUT;
}

/* rm -rf PATH. */
static inline void pg_server_rm_rf(const char *path) {
        pid_t pid = fork();

        if (pid == 0) {
                execl("/bin/rm", "rm", "-rf", "--", path, (char *) NULL);
                _exit(127);
        }
        if (pid > 0)
                (void) pg_server_wait(pid);
}

/* Stop the server (fast shutdown; SIGKILL after 10 s) and remove its
 * directory, unless KEEP (a failed test: the log is worth reading). */
static inline void pg_server_stop(struct pg_server *s, bool keep) {
        if (s->pid > 0) {
                (void) kill(s->pid, SIGINT);
                for (int i = 0; i < 200; i++) {
                        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
                                s->pid = -1;
                                break;
                        }
                        usleep(50 * 1000);
                }
                if (s->pid > 0) {
                        (void) kill(s->pid, SIGKILL);
                        (void) waitpid(s->pid, NULL, 0);
                        s->pid = -1;
                }
        }
        if (keep || !s->dir[0]) {
                if (s->dir[0])
                        fprintf(stderr, "pg_server: kept %s (its log: %s/log)\n", s->dir, s->dir);
                return;
        }
        pg_server_rm_rf(s->dir);
}

/* Run SQL on DBNAME as the superuser; the first column of the first row
 * as an integer (-1 when none or on failure, said on stderr). */
static inline long long pg_server_sql(const struct pg_server *s, const char *dbname, const char *sql) {
        char conninfo[160];
        long long v = -1;
        PGconn *c;
        PGresult *res;

        pg_server_conninfo(s, dbname, conninfo, sizeof conninfo);
        c = PQconnectdb(conninfo);
        if (PQstatus(c) != CONNECTION_OK) {
                fprintf(stderr, "pg_server: %s: %s", conninfo, PQerrorMessage(c));
                PQfinish(c);
                return -1;
        }
        res = PQexec(c, sql);
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
                v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        else if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
                fprintf(stderr, "pg_server: %s: %s", sql, PQresultErrorMessage(res));
        PQclear(res);
        PQfinish(c);
        return v;
}

/* Run SQL (no result wanted) on DBNAME as the superuser; false (said on
 * stderr) when it failed. */
static inline bool pg_server_exec(const struct pg_server *s, const char *dbname, const char *sql) {
        char conninfo[160];
        PGconn *c;
        PGresult *res;
        bool ok;

        pg_server_conninfo(s, dbname, conninfo, sizeof conninfo);
        c = PQconnectdb(conninfo);
        res = PQexec(c, sql);
        ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok)
                fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        return ok;
}

/* synchronous_standby_names as new connections see it: VALUE, within 10 s.
 * A name no standby has makes every COMMIT wait (for ever): the moment to
 * lose its answer, certain. */
static inline bool pg_server_set_standby_names(const struct pg_server *s, const char *value) {
        char sql[128], want[64];
        PGconn *c;
        bool ok = false;

        snprintf(sql, sizeof sql, "ALTER SYSTEM SET synchronous_standby_names = '%s'", value);
        if (!pg_server_exec(s, "postgres", sql) || !pg_server_exec(s, "postgres", "SELECT pg_reload_conf()"))
                return false;
        snprintf(want, sizeof want, "%s", value);
        pg_server_conninfo(s, "postgres", sql, sizeof sql);
        for (int i = 0; i < 200 && !ok; i++) {
                c = PQconnectdb(sql);
                PGresult *res = PQexec(c, "SHOW synchronous_standby_names");
                ok = PQresultStatus(res) == PGRES_TUPLES_OK && strcmp(PQgetvalue(res, 0, 0), want) == 0;
                PQclear(res);
                PQfinish(c);
                if (!ok)
                        usleep(50 * 1000);
        }
        return ok;
}

/* The PID of the backend whose COMMIT waits for a synchronous standby in
 * DBNAME, within 10 s; -1 if none. */
static inline long long pg_server_waiting_commit(const struct pg_server *s, const char *dbname) {
        char sql[256];

        snprintf(sql, sizeof sql, "SELECT pid FROM pg_stat_activity WHERE datname = '%s' AND wait_event = 'SyncRep'",
                 dbname);
        for (int i = 0; i < 200; i++) {
                long long pid = pg_server_sql(s, "postgres", sql);
                if (pid > 0)
                        return pid;
                usleep(50 * 1000);
        }
        return -1;
}
