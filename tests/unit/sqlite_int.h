/* sqlite_int.h - one integer asked of an SQLite file, for the tests of the
 * grade book's stores. */
#pragma once

#include <sqlite3.h>

/* The first column of SQL's first row in the database at PATH; -1 if the
 * file cannot be opened, SQL fails, or it gives no row. */
static inline long long sqlite_int(const char *path, const char *sql) {
        sqlite3 *db;
        sqlite3_stmt *st;
        long long v = -1;

        if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW)
                        v = sqlite3_column_int64(st, 0);
                sqlite3_finalize(st);
        }
        sqlite3_close(db);
        return v;
}
