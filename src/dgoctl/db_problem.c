/* db_problem.c - see db_problem.h. */
#include "db_problem.h"

#include <stdarg.h>
#include <stdio.h>

int db_problem(char **ret_problem, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(ret_problem, fmt, ap) < 0)
                *ret_problem = NULL;
        va_end(ap);
        return r;
}
