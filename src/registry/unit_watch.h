/* unit_watch.h - follow the state of systemd units over D-Bus (sd-bus).
 *
 * On one system-bus connection attached to the sd-event loop: subscribe to
 * systemd's signals (Manager.Subscribe), read the current state of every
 * unit matching a glob (ListUnitsByPatterns), then follow PropertiesChanged
 * of org.freedesktop.systemd1.Unit for those units. Each state seen, initial
 * or changed, is reported through the callback.
 *
 * Nothing here blocks: every call to the bus is asynchronous, so the loop
 * (and with it the watchdog heartbeat) never waits for systemd or
 * dbus-daemon. The subscription lasts as long as the connection: systemd
 * emits PropertiesChanged on the system bus only while a subscriber is
 * connected. */
#pragma once

#include <systemd/sd-event.h>

#include "basic/macros.h"

struct unit_watch;

/* UNIT e.g. "dgo-log.service"; ACTIVE "active", "inactive", "failed",
 * "activating", "deactivating", "reloading"; SUB e.g. "running", "dead",
 * "listening", "auto-restart", "failed". A unit systemd has not loaded is
 * reported as "inactive"/"dead".
 *
 * A unit's state is reported only when it differs from the one last
 * reported for it, so two states systemd passes through in one go may
 * arrive merged (e.g. "activating"/"auto-restart" without the
 * "failed"/"failed" before it). The answer to unit_watch_query() is the
 * exception: it is always reported. States arrive in the order systemd
 * went through them: a later report is never older than an earlier one.
 *
 * Called from the loop. It may call unit_watch_query() but must not free
 * the watch. The strings live only during the call. */
typedef void (*unit_watch_fn)(const char *unit, const char *active, const char *sub, void *userdata);

/* Called once when the bus connection is lost (e.g. dbus-daemon stopped),
 * or when the subscription could not be set up (systemd refused the match,
 * Subscribe or ListUnitsByPatterns); the watch is then useless and reports
 * nothing more. It may free the watch; to go on, make a new one (it reads
 * the states again). */
typedef void (*unit_watch_lost_fn)(void *userdata);

/* PATTERN is a glob such as "dgo-*" (fnmatch(3), as systemd matches it).
 * The initial states are reported from the loop, after this returns.
 * Returns 0 or a negative errno: -ENOENT/-ECONNREFUSED when there is no
 * system bus. */
int unit_watch_new(sd_event *e, const char *pattern, unit_watch_fn changed,
                   unit_watch_lost_fn lost, void *userdata, struct unit_watch **ret);
void unit_watch_free(struct unit_watch *w);
DEFINE_POINTER_CLEANUP(struct unit_watch *, unit_watch_free)

/* LISTED is called once, after the initial states have all been reported
 * (with the userdata of unit_watch_new()). */
void unit_watch_on_listed(struct unit_watch *w, void (*listed)(void *userdata));

/* Ask for one unit's current state (also one not loaded, or not matching
 * the pattern); the answer comes through the callback, from the loop. A
 * unit asked for is followed from then on even if it does not match the
 * pattern. An alias is answered under the name asked for; its later changes
 * come under the unit's own name. Returns 0, -EINVAL for a name that is not a unit name, -EBUSY
 * when too many calls are in flight, -ENOTCONN once the watch is lost. */
int unit_watch_query(struct unit_watch *w, const char *unit);
