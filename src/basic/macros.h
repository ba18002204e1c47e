/* macros.h - what every file may use, in the systemd style (GNU C):
 * element counts, cleanup attributes, handing a pointer or a descriptor
 * over to whoever frees it next.
 *
 *     _cleanup_free_ char *s = strdup(x);
 *     _cleanup_close_ int fd = open(...);
 *     ...
 *     *ret = TAKE_PTR(s);      // not freed at the end of the scope any more
 *
 * Statement expressions carry __extension__: the build is -Wpedantic. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* The number of elements of array X; a pointer does not compile. */
#define ELEMENTSOF(x)                                                           \
        (__builtin_choose_expr(                                                 \
                !__builtin_types_compatible_p(__typeof__(x), __typeof__(&*(x))), \
                sizeof(x) / sizeof((x)[0]),                                     \
                (void) 0))

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Keeps errno: a close in a cleanup must not change what the caller reports. */
static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

/* FUNCp(TYPE *p): FUNC(*p) unless *p is NULL, for _cleanup_(FUNCp). */
#define DEFINE_POINTER_CLEANUP(type, func)              \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        func(*p);                       \
        }

/* The value of P, and P set to NULL: ownership handed over. */
#define TAKE_PTR(p)                                                     \
        __extension__ ({                                                \
                __typeof__(p) *_pp_ = &(p);                             \
                __typeof__(p) _p_ = *_pp_;                              \
                *_pp_ = NULL;                                           \
                _p_;                                                    \
        })

/* The descriptor FD, and FD set to -EBADF. */
#define TAKE_FD(fd)                                                     \
        __extension__ ({                                                \
                int *_pfd_ = &(fd);                                     \
                int _fd_ = *_pfd_;                                      \
                *_pfd_ = -EBADF;                                        \
                _fd_;                                                   \
        })
