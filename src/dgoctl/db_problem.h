/* db_problem.h - how backup and restore's file steps say what went wrong. */
#pragma once

/* Put the sentence FMT into *RET_PROBLEM (malloc'd; NULL when out of
 * memory) and return R, a -errno: `return db_problem(ret, -EIO, "...")`. */
int db_problem(char **ret_problem, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
