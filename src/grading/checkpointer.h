/* checkpointer.h - WAL checkpoints of the grade book, off the commit path.
 *
 * SQLite's own automatic checkpoint runs inside the commit that crosses its
 * threshold: that commit, and every change queued behind it, waits while
 * pages are copied into the database file and it is fsynced. Measured here
 * with 50 clients on the disk: p99 25 ms and 7,500 POSTs/s with it, 12 ms
 * and 13,700/s without. So the store turns it off, and this thread, with a
 * connection of its own, makes PASSIVE checkpoints (they never block the
 * writer) when a commit reports a WAL of 1,000 pages or more. A failed
 * checkpoint loses nothing: the frames stay in the WAL.
 *
 * Under a steady stream of commits a passive checkpoint never finds the
 * WAL all copied, and SQLite starts the WAL over only then: the WAL would
 * grow for as long as the stream lasts (400 MB in 20 s here). So the
 * store's writer truncates it itself past a bound (store.c). */
#pragma once

struct checkpointer;

int checkpointer_start(const char *path, struct checkpointer **ret);
/* After a commit: the WAL now holds PAGES pages (from sqlite3_wal_hook()).
 * From 1,000 pages on, a checkpoint is due. */
void checkpointer_poke(struct checkpointer *c, int pages);
void checkpointer_stop(struct checkpointer *c);
