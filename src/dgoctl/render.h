/* render.h - what dgoctl prints, built from the services' JSON answers and
 * systemd's unit states.
 *
 * Pure code, unit-tested: systemd is asked through a callback, so a test
 * can stand in for it. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "table.h"

/* What systemd says of one unit. NULL fields: not known. */
struct unit_info {
        char *load;                     /* LoadState: loaded, not-found, masked, ... */
        char *active;                   /* ActiveState */
        char *sub;                      /* SubState */
        char *listen;                   /* a socket's first stream address, "127.0.0.1:3000" */
};
void unit_info_clear(struct unit_info *u);

/* Fill *RET for UNIT; < 0 when systemd could not tell (RET left clear). */
typedef int (*unit_query_fn)(const char *unit, struct unit_info *ret, void *userdata);

/* The `dgoctl status` table: SERVICE UNIT ACTIVE SUB SOCKET HEALTH URL SINCE.
 * One row per dgo service (registry, log, grading, portal), whether or not
 * the registry lists it, with one row per registration when it lists it
 * under its unit; then the registrations of other services. REGISTRATIONS
 * is GET /services' answer, NULL when the registry could not be reached
 * (then HEALTH is "?", and the registry's own row "down"). NULL on
 * allocation failure.
 *
 * In cluster mode (registrations with "Host") a HOST column follows
 * SERVICE. LOCAL_HOST is this host's name: only its registrations are
 * matched with this host's units; another host's are listed after, without
 * systemd's states. NULL: not known, then every registration that is not
 * stale is matched as on a single host. A registration with "Stale": true
 * has HEALTH "up (stale)" (and is taken to be another host's). */
struct table *status_table(const json_t *registrations, const char *registry_url, const char *local_host,
                           unit_query_fn query, void *userdata);

/* `dgoctl services`: SERVICE URL UNIT HEALTH SINCE REQUIRES REASON; HOST
 * after SERVICE, and stale marked, as in status_table(). */
struct table *services_table(const json_t *registrations);

/* Some registration is "Stale": the registry has lost etcd. */
bool registrations_stale(const json_t *registrations);

/* `dgoctl students`: ID NAME GRADES AVERAGE. */
struct table *students_table(const json_t *students);

/* `dgoctl student ID`: TITLE TYPE SCORE, in the order stored. */
struct table *grades_table(const json_t *grades);

/* "Nick Carter" from a student object; "-" parts when missing. Free it. */
char *student_name(const json_t *student);
