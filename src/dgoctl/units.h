/* units.h - unit states from systemd over the system bus (sd-bus), and
 * the starting and stopping `dgoctl restore` needs. */
#pragma once

#include <systemd/sd-bus.h>

#include "render.h"

/* Connect to the system bus; every call on it is bounded by TIMEOUT_SEC.
 * < 0 (-errno) when there is no system bus to reach. */
int units_connect(double timeout_sec, sd_bus **ret);

/* A unit_query_fn: USERDATA is the sd_bus. LoadState, ActiveState,
 * SubState, and for a .socket the first Listen address. */
int units_query(const char *unit, struct unit_info *ret, void *userdata);

/* Start or stop UNIT (METHOD "StartUnit" or "StopUnit", mode "replace") and
 * wait for systemd's job to finish, at most TIMEOUT_SEC. 0 when the job is
 * done; -EIO when it ended otherwise (systemd's result, "failed",
 * "timeout", "dependency", ..., in *RET_RESULT, malloc'd); -ETIMEDOUT; or
 * the -errno of the D-Bus call (its message in *RET_RESULT if any). */
int units_run_job(sd_bus *bus, const char *method, const char *unit, double timeout_sec, char **ret_result);
