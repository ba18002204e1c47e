/* store_schema.h - the grade book's SQL schema, version by version.
 *
 * store_migrations[V] takes a database from schema version V to V + 1 (run
 * in one transaction with the PRAGMA user_version that records it). A new
 * schema version is a new entry at the end, never an edit of an old one:
 * databases made by every earlier dgo must still migrate. */
#pragma once

extern const char *const store_migrations[];
