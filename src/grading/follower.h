/* follower.h - the other grading replicas' changes of a PostgreSQL book,
 * heard as they commit.
 *
 * Several grading services may serve one PostgreSQL book (issue 15), each
 * with the whole book in memory. Each change a store makes is announced on
 * the channel STORE_CHANNEL (store.h), the student's ID as the payload,
 * which the server delivers once the transaction commits. The follower
 * LISTENs there on a connection of its own, on the main loop (libpq's
 * asynchronous calls: the loop never waits for the server), and hands the
 * IDs heard in one turn of the loop to the writer as one REFRESH
 * (writer_refresh()): the writer reads those students after its own
 * commits, in order, and puts them in memory. Its own changes come back too
 * and are read again: harmless (the same rows), and simpler than telling
 * them apart. The payload STORE_BOOK_ALL ("*": `dgoctl gradebook import`
 * replaced the whole book) is a REFRESH of all: the book in memory is
 * replaced by the one read, so students not in it are gone.
 *
 * Notifications sent while the connection is down are lost: so once it is
 * (again) listening, the whole book is read again (a REFRESH of all), which
 * also covers what changed between the store's first load and the first
 * LISTEN. A lost connection is made again after 250 ms, doubling to 5 s.
 *
 * How stale a replica can be: a change of another replica is in memory
 * here after the notification's trip (a few ms on one network), plus the
 * batch the writer is writing, plus the read; while the LISTEN connection
 * is down (a failover of the database), until it is back and the book read
 * again. docs/architecture.md, "One book, several replicas". */
#pragma once

#include <systemd/sd-event.h>

#include "writer.h"

struct follower;

/* Follow the book CONNINFO names (PASSWORD may be NULL; both copied),
 * refreshing through W. 0, or -ENOMEM; connecting goes on in the loop. */
int follower_start(sd_event *e, const char *conninfo, const char *password, struct writer *w,
                   struct follower **ret);
void follower_free(struct follower *f);

/* Notifications heard so far, and the times the connection was made. */
unsigned long long follower_heard(const struct follower *f);
unsigned follower_connects(const struct follower *f);
