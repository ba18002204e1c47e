/* tmp_dir.h - files in a test's temporary directory (the test's own,
 * made by mkdtemp()), for the tests of the grade book's stores and dgoctl
 * gradebook. */
#pragma once

#include <stdio.h>
#include <stdlib.h>

/* DIR/NAME, in one of 8 static buffers used in turn: a call's result
 * lives until the 8th call after it. */
static inline char *tmp_path(const char *dir, const char *name) {
        static char paths[8][512];
        static unsigned next;
        char *p = paths[next++ % 8];
        int n = snprintf(p, sizeof paths[0], "%s/%s", dir, name);

        if (n < 0 || (size_t) n >= sizeof paths[0])
                abort();                /* a test's own names: a bug in the test */
        return p;
}

/* PATH made (or emptied) to hold TEXT. */
static inline void tmp_write(const char *path, const char *text) {
        FILE *f = fopen(path, "w");

        if (!f)
                return;
        fputs(text, f);
        fclose(f);
}
