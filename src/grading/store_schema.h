/* store_schema.h - the grade book's SQL schema, version by version.
 *
 * store_migrations[V] takes an SQLite database from schema version V to
 * V + 1 (run in one transaction with the PRAGMA user_version that records
 * it); store_pg_migrations[V] does the same for PostgreSQL (with the row of
 * dgo_schema). A new schema version is a new entry at the end of both,
 * never an edit of an old one: databases made by every earlier dgo must
 * still migrate. */
#pragma once

extern const char *const store_migrations[];
extern const char *const store_pg_migrations[];
