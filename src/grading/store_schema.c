/* store_schema.c - see store_schema.h. */
#include "store_schema.h"

#include "store.h"

const char *const store_migrations[STORE_SCHEMA_VERSION] = {
        /* 0 -> 1: the first schema. A student's "Grades" are its grades in
         * the order of their ID (the order they were given in); a new
         * student's ID is the highest so far + 1, as in the original.
         * A migration is history, never edited: its CHECKs spell out the
         * grade types and scores as they were then (today's rules are
         * dgo/grade.h's, which store.c applies when it loads). */
        "CREATE TABLE students ("
        "  id INTEGER PRIMARY KEY,"
        "  first_name TEXT NOT NULL,"
        "  last_name TEXT NOT NULL);"
        "CREATE TABLE grades ("
        "  id INTEGER PRIMARY KEY,"
        "  student_id INTEGER NOT NULL REFERENCES students(id),"
        "  title TEXT NOT NULL,"
        "  type TEXT NOT NULL CHECK (type IN ('Quiz', 'Test', 'Exam', 'Homework')),"
        "  score REAL NOT NULL CHECK (score >= 0 AND score <= 100));"
        "CREATE INDEX grades_by_student ON grades (student_id, id);",
};

const char *const store_pg_migrations[STORE_SCHEMA_VERSION] = {
        /* 0 -> 1: the first schema, as SQLite's above, in PostgreSQL's
         * types. A grade's ID is a bigserial: a student's grades are in the
         * order of their IDs, as in SQLite. A student's ID is not: it is the
         * highest so far + 1 (store_pg.c says how two writers agree on it),
         * or the one imported. dgo_schema holds the schema version (SQLite's
         * PRAGMA user_version), in one row, set by store_pg.c. */
        "CREATE TABLE students ("
        "  id bigint PRIMARY KEY,"
        "  first_name text NOT NULL,"
        "  last_name text NOT NULL);"
        "CREATE TABLE grades ("
        "  id bigserial PRIMARY KEY,"
        "  student_id bigint NOT NULL REFERENCES students(id),"
        "  title text NOT NULL,"
        "  type text NOT NULL CHECK (type IN ('Quiz', 'Test', 'Exam', 'Homework')),"
        "  score double precision NOT NULL CHECK (score >= 0 AND score <= 100));"
        "CREATE INDEX grades_by_student ON grades (student_id, id);"
        "CREATE TABLE dgo_schema (version integer NOT NULL);"
        "INSERT INTO dgo_schema (version) VALUES (0);",
};
