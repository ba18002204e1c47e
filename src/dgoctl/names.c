/* names.c - dgo's services under their names, and journalctl's matches. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/grow.h"
#include "basic/macros.h"
#include "dgo/registration.h"
#include "names.h"

/* The registry does not register itself: "Registry" is dgoctl's name for it. */
const struct dgo_service dgo_services[] = {
        { "registry", "Registry", "dgo-registry.service", "dgo-registry.socket", "dgo-registry", NULL, false },
        /* dgo-log.service registers through the dgo-register helper */
        { "log", "LogService", "dgo-log.service", "dgo-log.socket", "dgo-log", "dgo-register", false },
        { "grading", "GradingService", "dgo-grading.service", "dgo-grading.socket", "dgo-grading", NULL, true },
        { "portal", "TeacherPortal", "dgo-portal.service", "dgo-portal.socket", "dgo-portal", NULL, true },
};
const size_t dgo_services_count = ELEMENTSOF(dgo_services);

const struct dgo_service *dgo_service_lookup(const char *s) {
        for (size_t i = 0; i < dgo_services_count; i++) {
                const struct dgo_service *d = &dgo_services[i];
                size_t n = strlen(d->identifier);

                if (strcasecmp(s, d->short_name) == 0 || strcasecmp(s, d->name) == 0 ||
                    strcasecmp(s, d->identifier) == 0 || strcasecmp(s, d->unit) == 0)
                        return d;
                /* "dgo-grading.socket" names the same service */
                if (strncasecmp(s, d->identifier, n) == 0 && strcasecmp(s + n, ".socket") == 0)
                        return d;
        }
        return NULL;
}

const struct dgo_service *dgo_service_by_unit(const char *unit) {
        for (size_t i = 0; i < dgo_services_count; i++)
                if (strcmp(unit, dgo_services[i].unit) == 0)
                        return &dgo_services[i];
        return NULL;
}

struct argv_buf {
        char **v;
        size_t n, size;
        bool failed;
};

static void add(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct argv_buf *a, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        if (a->failed)
                return;
        if (GROW_ARRAY(a->v, a->size, a->n + 2, 16) < 0) {      /* room for S and the NULL */
                a->failed = true;
                return;
        }
        a->v[a->n] = NULL;
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                a->failed = true;
                return;
        }
        a->v[a->n++] = s;
        a->v[a->n] = NULL;
}

/* "_PID=1 UNIT=a.service UNIT=a.socket": systemd's own messages about the
 * units (a match on one field twice is an "or", on two fields an "and"). */
static void add_manager_matches(struct argv_buf *a, const struct dgo_service *only) {
        add(a, "_PID=1");
        for (size_t i = 0; i < dgo_services_count; i++) {
                const struct dgo_service *d = &dgo_services[i];
                if (only && only != d)
                        continue;
                add(a, "UNIT=%s", d->unit);
                add(a, "UNIT=%s", d->socket);
        }
        if (!only)
                add(a, "UNIT=dgo.target");
}

char **journal_args(const struct journal_options *opts) {
        struct argv_buf a = { 0 };
        const struct dgo_service *d = NULL;

        if (opts->service) {
                d = dgo_service_lookup(opts->service);
                if (!d && !service_name_valid(opts->service)) {
                        errno = EINVAL;
                        return NULL;
                }
        }
        add(&a, "journalctl");
        if (opts->no_pager)
                add(&a, "--no-pager");
        if (opts->follow)
                add(&a, "--follow");
        if (opts->lines_set) {
                add(&a, "--lines=%u", opts->lines);
        }
        if (!opts->service) {
                /* All the log service wrote (its own lines and the central
                 * log), the registry's lines, systemd's about dgo's units. */
                add(&a, "_SYSTEMD_UNIT=dgo-log.service");
                add(&a, "+");
                add(&a, "_SYSTEMD_UNIT=dgo-registry.service");
                add(&a, "+");
                add_manager_matches(&a, NULL);
        } else if (!d) {
                /* A foreign service: what it sent, as the name it claimed
                 * (no credential proves a foreign name; src/log). */
                add(&a, "DGO_CLAIMED_SERVICE=%s", opts->service);
                add(&a, "+");
                add(&a, "DGO_SERVICE=%s", opts->service);
        } else {
                add(&a, "DGO_SERVICE=%s", d->name);
                if (!d->forwards) {
                        add(&a, "+");
                        add(&a, "_SYSTEMD_UNIT=%s", d->unit);
                        add(&a, "SYSLOG_IDENTIFIER=%s", d->identifier);
                        if (d->helper)
                                add(&a, "SYSLOG_IDENTIFIER=%s", d->helper);
                }
                add(&a, "+");
                add_manager_matches(&a, d);
        }
        if (a.failed) {
                journal_args_free(a.v);
                errno = ENOMEM;
                return NULL;
        }
        return a.v;
}

void journal_args_free(char **argv) {
        if (!argv)
                return;
        for (char **p = argv; *p; p++)
                free(*p);
        free(argv);
}
