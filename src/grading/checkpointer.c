/* checkpointer.c - see checkpointer.h. */
#include "checkpointer.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>

#include "basic/log.h"
#include "basic/macros.h"

/* SQLite's default threshold: about 4 MB of 4 KiB pages. */
#define CHECKPOINT_PAGES 1000

struct checkpointer {
        sqlite3 *db;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        int pages;                      /* as last reported; 0: nothing to do */
        bool stopping;
        unsigned failures;
};

void checkpointer_poke(struct checkpointer *c, int pages) {
        if (pages < CHECKPOINT_PAGES)
                return;
        pthread_mutex_lock(&c->lock);
        c->pages = pages;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
}

static void checkpoint(struct checkpointer *c, int pages) {
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

        /* BUSY: another checkpoint, or the writer, had the lock; the next
         * poke tries again. Logged once in a while: it is not an error of
         * the data, which is safe in the WAL. */
        if (rc != SQLITE_OK && rc != SQLITE_BUSY && c->failures++ % 100 == 0)
                log_warning("Cannot checkpoint the grade book's WAL (%d pages): %s", pages, sqlite3_errmsg(c->db));
}

static void *checkpointer_main(void *userdata) {
        struct checkpointer *c = userdata;

        pthread_mutex_lock(&c->lock);
        for (;;) {
                while (!c->pages && !c->stopping)
                        pthread_cond_wait(&c->wake, &c->lock);
                if (c->stopping)
                        break;
                int pages = c->pages;
                c->pages = 0;
                pthread_mutex_unlock(&c->lock);
                checkpoint(c, pages);
                pthread_mutex_lock(&c->lock);
        }
        pthread_mutex_unlock(&c->lock);
        return NULL;
}

/* What checkpointer_start() made before its thread runs. */
static void checkpointer_free(struct checkpointer *c) {
        if (!c)
                return;
        sqlite3_close(c->db);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        free(c);
}

DEFINE_POINTER_CLEANUP(struct checkpointer *, checkpointer_free)

int checkpointer_start(const char *path, struct checkpointer **ret) {
        _cleanup_(checkpointer_freep) struct checkpointer *c = calloc(1, sizeof *c);
        int r;

        if (!c)
                return -ENOMEM;
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->wake, NULL);
        if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
                return log_error_errno(-EIO, "Cannot open %s for checkpoints: %s", path,
                                       c->db ? sqlite3_errmsg(c->db) : "out of memory");
        /* A connection learns that the database is in WAL mode only once it
         * reads it; until then a checkpoint does nothing (and says -1). */
        if (sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK)
                return log_error_errno(-EIO, "Cannot read %s for checkpoints: %s", path, sqlite3_errmsg(c->db));
        r = -pthread_create(&c->thread, NULL, checkpointer_main, c);
        if (r < 0)
                return log_error_errno(r, "Cannot start the checkpoint thread");
        *ret = TAKE_PTR(c);
        return 0;
}

void checkpointer_stop(struct checkpointer *c) {
        if (!c)
                return;
        pthread_mutex_lock(&c->lock);
        c->stopping = true;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thread, NULL);
        checkpointer_free(c);
}
