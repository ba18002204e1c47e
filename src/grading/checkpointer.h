/* checkpointer.h - WAL checkpoints of the grade book, off the commit path.
 *
 * SQLite's own automatic checkpoint runs inside the commit that crosses its
 * threshold: that commit, and every change queued behind it, waits while
 * pages are copied into the database file and it is fsynced. So the store
 * turns it off, and this thread, with a connection of its own, makes
 * PASSIVE checkpoints (they never block the writer) when a commit reports a
 * WAL of 1,000 pages or more. They keep up (1-3 ms each under 50 clients'
 * POSTs here), and SQLite starts the WAL over at the first write after a
 * checkpoint has copied all of it. A failed checkpoint loses nothing: the
 * frames stay in the WAL. The store's writer still truncates the WAL file
 * now and then (store.c), so that its size on disk is bounded too. */
#pragma once

struct checkpointer;

int checkpointer_start(const char *path, struct checkpointer **ret);
/* After a commit: the WAL now holds PAGES pages (from sqlite3_wal_hook()).
 * From 1,000 pages on, a checkpoint is due. */
void checkpointer_poke(struct checkpointer *c, int pages);
void checkpointer_stop(struct checkpointer *c);
