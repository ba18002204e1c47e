/* test-macros.c - proves the base's small tools do what they say:
 * ELEMENTSOF counts, _cleanup_free_/_cleanup_close_ release at the end of
 * the scope and TAKE_PTR/TAKE_FD hand over (the descriptor is still open
 * after TAKE_FD, closed after the scope), the list keeps its order and its
 * head through prepends and removals at either end and in the middle, and
 * now_usec() moves forward. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "basic/clock.h"
#include "basic/list.h"
#include "basic/macros.h"
#include "check.h"

struct item {
        int v;
        LIST_FIELDS(struct item, items);
};

static char *take_copy(const char *s) {
        _cleanup_free_ char *c = strdup(s);
        return TAKE_PTR(c);
}

static int take_fd(void) {
        _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        return TAKE_FD(fd);
}

static int closed_at_scope_end(void) {
        int copy;
        {
                _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                copy = fd;
        }
        return copy;
}

static void list_order(struct item *head, const char *want) {
        char got[16] = "";
        struct item *i;
        size_t n = 0;

        LIST_FOREACH(items, i, head)
                got[n++] = (char) ('0' + i->v);
        CHECK_STR(got, want);
}

int main(void) {
        int a[7];
        struct item it[4] = { { .v = 0 }, { .v = 1 }, { .v = 2 }, { .v = 3 } };
        struct item *head = NULL, *i, *n;

        CHECK(ELEMENTSOF(a) == 7);

        char *c = take_copy("kept");
        CHECK_STR(c, "kept");
        free(c);

        int fd = take_fd();
        CHECK(fd >= 0 && fcntl(fd, F_GETFD) >= 0);
        close(fd);
        fd = closed_at_scope_end();
        CHECK(fd >= 0 && fcntl(fd, F_GETFD) < 0 && errno == EBADF);

        for (size_t k = 0; k < ELEMENTSOF(it); k++)
                LIST_PREPEND(items, head, &it[k]);
        list_order(head, "3210");
        LIST_REMOVE(items, head, &it[3]);       /* the head */
        list_order(head, "210");
        LIST_REMOVE(items, head, &it[1]);       /* the middle */
        list_order(head, "20");
        LIST_REMOVE(items, head, &it[0]);       /* the tail */
        list_order(head, "2");
        LIST_FOREACH_SAFE(items, i, n, head)
                LIST_REMOVE(items, head, i);
        CHECK(head == NULL);

        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        usleep(2000);
        CHECK(now_usec(CLOCK_MONOTONIC) >= t0 + 2000);
        return check_finish("macros");
}
