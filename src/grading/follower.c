/* follower.c - see follower.h. */
#include "follower.h"

#include <assert.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/clock.h"
#include "basic/log.h"
#include "basic/macros.h"
#include "store.h"

#define BACKOFF_FIRST_USEC (250 * USEC_PER_MSEC)
#define BACKOFF_MAX_USEC (5 * USEC_PER_SEC)

enum follower_state { FOLLOWER_DOWN, FOLLOWER_CONNECTING, FOLLOWER_SUBSCRIBING, FOLLOWER_LISTENING };

struct follower {
        sd_event *event;
        char *conninfo, *password;
        struct writer *writer;
        PGconn *conn;
        enum follower_state state;
        sd_event_source *io, *retry;
        uint64_t backoff_usec;
        bool warned;                    /* said that the connection is down, since it was last up */
        unsigned long long heard;
        unsigned connects;
};

static void connect_now(struct follower *f);

/* Watch the connection's socket for EVENTS (it may be another socket
 * after each step of connecting). */
static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);
static int watch(struct follower *f, uint32_t events) {
        f->io = sd_event_source_disable_unref(f->io);
        return sd_event_add_io(f->event, &f->io, PQsocket(f->conn), events, on_io, f);
}

/* The connection failed or was lost: drop it, try again after a while. */
static void down(struct follower *f, const char *what) {
        if (!f->warned) {
                log_warning("Not hearing the other replicas' changes (%s: %s); connecting again", what,
                            f->conn ? PQerrorMessage(f->conn) : "out of memory");
                f->warned = true;
        }
        f->io = sd_event_source_disable_unref(f->io);
        PQfinish(f->conn);
        f->conn = NULL;
        f->state = FOLLOWER_DOWN;
        if (sd_event_source_set_time_relative(f->retry, f->backoff_usec) < 0 ||
            sd_event_source_set_enabled(f->retry, SD_EVENT_ONESHOT) < 0)
                log_error("Cannot schedule connecting again: the other replicas' changes stay unheard");
        f->backoff_usec = f->backoff_usec * 2 > BACKOFF_MAX_USEC ? BACKOFF_MAX_USEC : f->backoff_usec * 2;
}

/* Listening: read the whole book again (what changed while nobody listened). */
static void subscribed(struct follower *f) {
        f->state = FOLLOWER_LISTENING;
        f->connects++;
        f->backoff_usec = BACKOFF_FIRST_USEC;
        if (f->warned)
                log_info("Hearing the other replicas' changes again: reading the whole book again");
        f->warned = false;
        if (!writer_refresh(f->writer, NULL, 0))
                log_warning("Cannot ask the writer to read the book again: it stops");
}

/* The IDs in the notifications that came, as one refresh; the whole book
 * when one says the book was replaced (STORE_BOOK_ALL: students may be
 * gone) or when they are too many to name. */
static void take_notifications(struct follower *f) {
        long ids[STORE_READ_IDS_MAX];
        size_t n = 0;
        bool all = false;
        PGnotify *note;

        while ((note = PQnotifies(f->conn))) {
                char *end;
                long id = strtol(note->extra, &end, 10);

                f->heard++;
                if (strcmp(note->extra, STORE_BOOK_ALL) == 0)
                        all = true;
                else if (end == note->extra || *end || id <= 0 || id > GB_ID_MAX)
                        log_warning("A notification on " STORE_CHANNEL " that names no student: ignored");
                else if (n == ELEMENTSOF(ids))
                        all = true;
                else {
                        bool seen = false;
                        for (size_t i = 0; i < n && !seen; i++)
                                seen = ids[i] == id;
                        if (!seen)
                                ids[n++] = id;
                }
                PQfreemem(note);
        }
        if (all)
                log_info("Another writer replaced the grade book or changed many students: reading the whole "
                         "book again");
        if ((all || n > 0) && !writer_refresh(f->writer, ids, all ? 0 : n))
                log_warning("Cannot hand %zu changed students to the writer", n);
}

/* LISTEN's answer, or nothing yet; false when the connection failed. */
static bool take_results(struct follower *f) {
        PGresult *res;

        while (!PQisBusy(f->conn) && (res = PQgetResult(f->conn))) {
                ExecStatusType status = PQresultStatus(res);

                PQclear(res);
                if (status != PGRES_COMMAND_OK) {
                        down(f, "LISTEN " STORE_CHANNEL);
                        return false;
                }
                if (f->state == FOLLOWER_SUBSCRIBING)
                        subscribed(f);
        }
        return true;
}

static void step_connect(struct follower *f) {
        switch (PQconnectPoll(f->conn)) {
        case PGRES_POLLING_READING:
                if (watch(f, EPOLLIN) < 0)
                        down(f, "watching the socket");
                return;
        case PGRES_POLLING_WRITING:
                if (watch(f, EPOLLOUT) < 0)
                        down(f, "watching the socket");
                return;
        case PGRES_POLLING_OK:
                f->state = FOLLOWER_SUBSCRIBING;
                if (!PQsendQuery(f->conn, "LISTEN " STORE_CHANNEL)) {
                        down(f, "LISTEN " STORE_CHANNEL);
                        return;
                }
                /* Not yet sent whole: wait until it can be. */
                if (watch(f, PQflush(f->conn) == 1 ? EPOLLIN | EPOLLOUT : EPOLLIN) < 0)
                        down(f, "watching the socket");
                return;
        default:
                down(f, "connecting");
                return;
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct follower *f = userdata;

        if (f->state == FOLLOWER_CONNECTING) {
                step_connect(f);
                return 0;
        }
        if ((revents & EPOLLOUT) && PQflush(f->conn) == 0 && watch(f, EPOLLIN) < 0) {
                down(f, "watching the socket");
                return 0;
        }
        if (!PQconsumeInput(f->conn)) {
                down(f, "the connection");
                return 0;
        }
        if (take_results(f))
                take_notifications(f);
        return 0;
}

static void connect_now(struct follower *f) {
        /* A silent peer (its host lost) is noticed within about 4 s of
         * quiet: this connection is idle between notifications.
         * tcp_user_timeout also ends a connect() to a lost host (its SYNs
         * unanswered) after 3 s: libpq's connect_timeout does nothing for
         * PQconnectPoll(), and TCP alone gives up after a minute, which
         * held the follower that long on its way past a lost host to the
         * new primary. */
        const char *keys[] = { "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                               "tcp_user_timeout", "application_name", "dbname",
                               f->password ? "password" : NULL, NULL };
        const char *values[] = { "5", "2", "1", "2", "3000", "dgo-grading-follower", f->conninfo, f->password,
                                 NULL };

        f->conn = PQconnectStartParams(keys, values, 1);
        if (!f->conn || PQstatus(f->conn) == CONNECTION_BAD || PQsetnonblocking(f->conn, 1) < 0) {
                down(f, "connecting");
                return;
        }
        f->state = FOLLOWER_CONNECTING;
        /* libpq's rule: the first wait is for writing. */
        if (watch(f, EPOLLOUT) < 0)
                down(f, "watching the socket");
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        connect_now(userdata);
        return 0;
}

int follower_start(sd_event *e, const char *conninfo, const char *password, struct writer *w,
                   struct follower **ret) {
        struct follower *f = calloc(1, sizeof *f);
        int r;

        assert(e && conninfo && w && ret);
        if (!f)
                return -ENOMEM;
        *f = (struct follower) { .event = sd_event_ref(e), .writer = w, .backoff_usec = BACKOFF_FIRST_USEC,
                                 .conninfo = strdup(conninfo), .password = password ? strdup(password) : NULL };
        r = !f->conninfo || (password && !f->password) ? -ENOMEM :
            sd_event_add_time_relative(e, &f->retry, CLOCK_MONOTONIC, 0, 0, on_retry, f);
        if (r < 0) {
                follower_free(f);
                return r;
        }
        *ret = f;
        return 0;
}

void follower_free(struct follower *f) {
        if (!f)
                return;
        sd_event_source_disable_unref(f->io);
        sd_event_source_disable_unref(f->retry);
        PQfinish(f->conn);
        free(f->conninfo);
        if (f->password) {
                explicit_bzero(f->password, strlen(f->password));
                free(f->password);
        }
        sd_event_unref(f->event);
        free(f);
}

unsigned long long follower_heard(const struct follower *f) {
        return f->heard;
}

unsigned follower_connects(const struct follower *f) {
        return f->connects;
}
