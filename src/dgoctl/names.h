/* names.h - dgo's four services under their names: the short name an
 * operator types, the name they register under, their units; and the
 * journalctl command line that shows a service's log.
 *
 * Pure code, unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct dgo_service {
        const char *short_name;         /* "grading" */
        const char *name;               /* "GradingService": registry name, DGO_SERVICE= */
        const char *unit;               /* "dgo-grading.service" */
        const char *socket;             /* "dgo-grading.socket" */
        const char *identifier;         /* SYSLOG_IDENTIFIER= of its own journal lines */
        const char *helper;             /* and of a helper its unit runs, or NULL */
        bool forwards;                  /* sends its own lines to the central log */
};

/* registry, log, grading, portal: the order of `dgoctl status`. */
extern const struct dgo_service dgo_services[];
extern const size_t dgo_services_count;

/* "grading", "GradingService", "dgo-grading" or "dgo-grading.service" (any
 * case) -> the service; NULL if it is none of dgo's own. */
const struct dgo_service *dgo_service_lookup(const char *s);
/* "dgo-grading.service" -> the service; NULL if none. */
const struct dgo_service *dgo_service_by_unit(const char *unit);

struct journal_options {
        const char *service;            /* NULL: all of dgo */
        bool follow, no_pager;
        bool lines_set;
        unsigned lines;
};

/* The argv (NULL-terminated, argv[0] "journalctl") that shows the central
 * log of OPTS->service, or of all of dgo. A service's central log is what
 * it sent to the log service (DGO_SERVICE=Name); for the registry and the
 * log service, which send nothing there, their own journal lines; and for
 * dgo's units, systemd's messages about them (started, failed, ...).
 * NULL if OPTS->service is no valid name or on allocation failure (errno).
 * Free with journal_args_free(). */
char **journal_args(const struct journal_options *opts);
void journal_args_free(char **argv);
