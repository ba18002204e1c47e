/* units.h - unit states from systemd over the system bus (sd-bus). */
#pragma once

#include <systemd/sd-bus.h>

#include "views.h"

/* Connect to the system bus; every call on it is bounded by TIMEOUT_SEC.
 * < 0 (-errno) when there is no system bus to reach. */
int units_connect(double timeout_sec, sd_bus **ret);

/* A unit_query_fn: USERDATA is the sd_bus. LoadState, ActiveState,
 * SubState, and for a .socket the first Listen address. */
int units_query(const char *unit, struct unit_info *ret, void *userdata);
