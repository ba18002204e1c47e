/* unit_watch.c - see unit_watch.h.
 *
 * Why the states come out in order although everything is asynchronous: all
 * of systemd's messages reach us over one connection, in the order systemd
 * sent them (dbus-daemon keeps one sender's order), and systemd computes a
 * reply when it handles the call and a PropertiesChanged when it sends it.
 * So whatever arrives later describes a state at least as new, and handling
 * messages in arrival order is enough. The setup calls (AddMatch, Subscribe,
 * ListUnitsByPatterns) go out in that order on the same connection: by the
 * time the listing is computed, every later change is signalled to us. */
#include "unit_watch.h"

#include <assert.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "basic/list.h"
#include "basic/log.h"
#include "basic/macros.h"

#define SYSTEMD_SERVICE    "org.freedesktop.systemd1"
#define SYSTEMD_PATH       "/org/freedesktop/systemd1"
#define MANAGER_INTERFACE  "org.freedesktop.systemd1.Manager"
#define UNIT_INTERFACE     "org.freedesktop.systemd1.Unit"
#define UNIT_PATH_PREFIX   "/org/freedesktop/systemd1/unit"
#define NO_SUCH_UNIT_ERROR "org.freedesktop.systemd1.NoSuchUnit"

#define PROPERTIES_CHANGED_MATCH                                        \
        "type='signal',"                                                \
        "sender='" SYSTEMD_SERVICE "',"                                 \
        "interface='org.freedesktop.DBus.Properties',"                  \
        "member='PropertiesChanged',"                                   \
        "path_namespace='" UNIT_PATH_PREFIX "',"                        \
        "arg0='" UNIT_INTERFACE "'"

#define UNIT_NAME_MAX 256               /* systemd's bound, with the NUL */
#define STATE_MAX 32                    /* systemd's state names are about 20 bytes at most */
#define PATTERN_MAX 256
#define MAX_UNITS 256                   /* the table of last reported states */
#define MAX_CALLS 256                   /* queries and fetches in flight */

struct unit_entry {
        char name[UNIT_NAME_MAX];
        char active[STATE_MAX], sub[STATE_MAX];         /* last reported; "" before that */
        bool queried;                   /* asked for: followed even if PATTERN does not match */
        uint64_t used;                  /* for eviction: the least recently used goes */
};

/* A query (GetUnit, then GetAll) or a fetch (GetAll) for one unit. */
struct call {
        struct unit_watch *w;
        sd_bus_slot *slot;              /* freeing it cancels the call: no callback */
        LIST_FIELDS(struct call, calls);
        bool force;                     /* answers a query: report even if unchanged */
        char unit[UNIT_NAME_MAX];
};

struct unit_watch {
        sd_bus *bus;
        void (*listed)(void *userdata);
        char pattern[PATTERN_MAX];
        unit_watch_fn changed;
        unit_watch_lost_fn lost;
        void *userdata;
        bool is_lost;

        sd_bus_slot *disconnected_slot, *match_slot, *subscribe_slot, *list_slot;
        struct call *calls;
        unsigned n_calls;

        struct unit_entry units[MAX_UNITS];
        unsigned n_units;
        uint64_t clock;
};

/* What systemd accepts in a unit name (unit_name_is_valid() is stricter
 * about the shape; the charset and the length are what keep us safe). */
static bool unit_name_ok(const char *s) {
        size_t n = strnlen(s, UNIT_NAME_MAX);

        return n > 0 && n < UNIT_NAME_MAX &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@") == n;
}

static bool state_ok(const char *s) {
        size_t n = strnlen(s, STATE_MAX);

        return n > 0 && n < STATE_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz-") == n;
}

static struct unit_entry *unit_find(struct unit_watch *w, const char *name) {
        for (unsigned i = 0; i < w->n_units; i++)
                if (strcmp(w->units[i].name, name) == 0)
                        return &w->units[i];
        return NULL;
}

/* Find NAME or make room for it. When the table is full the least recently
 * used entry goes, preferably one not asked for: forgetting a state only
 * means reporting it once more. */
static struct unit_entry *unit_get(struct unit_watch *w, const char *name) {
        struct unit_entry *u = unit_find(w, name);

        if (!u) {
                if (w->n_units < MAX_UNITS)
                        u = &w->units[w->n_units++];
                else {
                        struct unit_entry *any = &w->units[0];

                        for (unsigned i = 0; i < MAX_UNITS; i++) {
                                struct unit_entry *v = &w->units[i];

                                if (v->used < any->used)
                                        any = v;
                                if (!v->queried && (!u || v->used < u->used))
                                        u = v;
                        }
                        if (!u)
                                u = any;
                        log_debug("Unit table full (%d units): forgetting %s", MAX_UNITS, u->name);
                }
                memset(u, 0, sizeof *u);
                strcpy(u->name, name);          /* checked by unit_name_ok() */
        }
        u->used = ++w->clock;
        return u;
}

static bool unit_wanted(struct unit_watch *w, const char *name) {
        const struct unit_entry *u;

        /* FNM_NOESCAPE: systemd matches ListUnitsByPatterns patterns so too. */
        if (fnmatch(w->pattern, name, FNM_NOESCAPE) == 0)
                return true;
        u = unit_find(w, name);
        return u && u->queried;
}

static void report(struct unit_watch *w, const char *name, const char *active, const char *sub, bool force) {
        char n[UNIT_NAME_MAX], a[STATE_MAX], s[STATE_MAX];
        struct unit_entry *u;

        if (!state_ok(active) || !state_ok(sub)) {
                log_warning("Ignoring a state of %s that is not a state name", name);
                return;
        }
        u = unit_get(w, name);
        if (!force && strcmp(u->active, active) == 0 && strcmp(u->sub, sub) == 0)
                return;
        strcpy(u->active, active);
        strcpy(u->sub, sub);

        /* Copies: the callback may call unit_watch_query(), which may reuse the entry. */
        strcpy(n, name);
        strcpy(a, active);
        strcpy(s, sub);
        w->changed(n, a, s, w->userdata);
}

/* The last thing a handler does: the callback may free the watch. */
static int watch_lost(struct unit_watch *w) {
        if (w->is_lost)
                return 0;
        w->is_lost = true;
        w->lost(w->userdata);
        return 0;
}

/* An error reply while the connection is closing is sd-bus cancelling the
 * call: the Disconnected signal follows and says what happened. */
static bool bus_closing(sd_bus_message *m) {
        return sd_bus_is_open(sd_bus_message_get_bus(m)) <= 0;
}

static int setup_failed(struct unit_watch *w, sd_bus_message *m, const char *what) {
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (bus_closing(m))
                return 0;
        log_error("%s failed: %s", what, e && e->message ? e->message : e && e->name ? e->name : "?");
        return watch_lost(w);
}

static void call_free(struct call *c) {
        if (!c)
                return;
        LIST_REMOVE(calls, c->w->calls, c);
        c->w->n_calls--;
        sd_bus_slot_unref(c->slot);
        free(c);
}

static struct call *call_find(struct unit_watch *w, const char *unit) {
        struct call *c;

        LIST_FOREACH(calls, c, w->calls)
                if (strcmp(c->unit, unit) == 0)
                        return c;
        return NULL;
}

static int call_new(struct unit_watch *w, const char *unit, bool force, struct call **ret) {
        struct call *c;

        if (w->n_calls >= MAX_CALLS)
                return -EBUSY;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->w = w;
        c->force = force;
        strcpy(c->unit, unit);          /* checked by unit_name_ok() */
        LIST_PREPEND(calls, w->calls, c);
        w->n_calls++;
        *ret = c;
        return 0;
}

/* Reads ActiveState and SubState out of an a{sv} and skips the rest. The
 * strings point into M. Returns 0, or a negative errno for a malformed array
 * (wrong types: sd-bus checks each read against the signature). */
static int read_states(sd_bus_message *m, const char **active, const char **sub) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, **value = NULL;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "ActiveState") == 0)
                        value = active;
                else if (strcmp(key, "SubState") == 0)
                        value = sub;
                if (value)
                        r = sd_bus_message_read(m, "v", "s", value);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int on_got_all(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct call *c = userdata;
        struct unit_watch *w = c->w;
        char unit[UNIT_NAME_MAX];
        const char *active = NULL, *sub = NULL;
        bool force = c->force;
        int r;

        strcpy(unit, c->unit);
        call_free(c);

        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                if (bus_closing(m))
                        return 0;
                /* The unit went away between GetUnit and GetAll. */
                if (sd_bus_message_is_method_error(m, NO_SUCH_UNIT_ERROR) ||
                    sd_bus_message_is_method_error(m, SD_BUS_ERROR_UNKNOWN_OBJECT)) {
                        report(w, unit, "inactive", "dead", force);
                        return 0;
                }
                log_warning("Cannot read the state of %s: %s", unit, e && e->message ? e->message : "?");
                return 0;
        }
        r = sd_bus_message_has_signature(m, "a{sv}") ? read_states(m, &active, &sub) : -EBADMSG;
        if (r < 0 || !active || !sub) {
                log_warning("Ignoring a malformed answer about the state of %s", unit);
                return 0;
        }
        report(w, unit, active, sub, force);
        return 0;
}

/* GetAll on the unit's object: a few kB, but one round trip for both states. */
static int call_get_all(struct call *c, const char *path) {
        return sd_bus_call_method_async(c->w->bus, &c->slot, SYSTEMD_SERVICE, path,
                                        "org.freedesktop.DBus.Properties", "GetAll",
                                        on_got_all, c, "s", UNIT_INTERFACE);
}

/* Read both states of UNIT at PATH. A call already in flight for it will
 * answer with a state at least as new (see the top), so it is enough. */
static void fetch_states(struct unit_watch *w, const char *unit, const char *path) {
        struct call *c;
        int r;

        if (call_find(w, unit))
                return;
        r = call_new(w, unit, false, &c);
        if (r >= 0) {
                r = call_get_all(c, path);
                if (r < 0)
                        call_free(c);
        }
        if (r < 0)
                log_warning_errno(r, "Cannot ask for the state of %s", unit);
}

static int on_got_unit(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct call *c = userdata;
        struct unit_watch *w = c->w;
        _cleanup_free_ char *name = NULL;
        const char *path;
        int r;

        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);
                char unit[UNIT_NAME_MAX];
                bool force = c->force;

                strcpy(unit, c->unit);
                call_free(c);
                if (bus_closing(m))
                        return 0;
                /* Not loaded: the documented answer, not an error. */
                if (sd_bus_message_is_method_error(m, NO_SUCH_UNIT_ERROR))
                        report(w, unit, "inactive", "dead", force);
                else
                        log_warning("Cannot look up unit %s: %s", unit, e && e->message ? e->message : "?");
                return 0;
        }

        /* The path names the unit: it is where we send GetAll. For an alias
         * it names the unit itself, whose signals we then follow too; the
         * answer still goes out under the name asked for. */
        r = sd_bus_message_has_signature(m, "o") ? sd_bus_message_read(m, "o", &path) : -EBADMSG;
        if (r >= 0)
                r = sd_bus_path_decode(path, UNIT_PATH_PREFIX, &name);
        if (r <= 0 || !unit_name_ok(name)) {
                log_warning("Ignoring a malformed answer to GetUnit(%s)", c->unit);
                call_free(c);
                return 0;
        }
        if (strcmp(name, c->unit) != 0)
                unit_get(w, name)->queried = true;

        c->slot = sd_bus_slot_unref(c->slot);   /* ours: sd-bus keeps its own reference while we run */
        r = call_get_all(c, path);
        if (r < 0) {
                log_warning_errno(r, "Cannot ask for the state of %s", c->unit);
                call_free(c);
        }
        return 0;
}

int unit_watch_query(struct unit_watch *w, const char *unit) {
        struct unit_entry *u;
        struct call *c;
        int r;

        if (!w || !unit || !unit_name_ok(unit))
                return -EINVAL;
        if (w->is_lost)
                return -ENOTCONN;

        c = call_find(w, unit);
        if (c) {
                /* Its answer will do: a change after it comes as a signal. */
                c->force = true;
                u = unit_get(w, unit);
                u->queried = true;
                return 0;
        }
        r = call_new(w, unit, true, &c);
        if (r < 0)
                return r;
        /* GetUnit, not LoadUnit: asking must not load a unit into systemd. */
        r = sd_bus_call_method_async(w->bus, &c->slot, SYSTEMD_SERVICE, SYSTEMD_PATH, MANAGER_INTERFACE,
                                     "GetUnit", on_got_unit, c, "s", unit);
        if (r < 0) {
                call_free(c);
                return r;
        }
        u = unit_get(w, unit);
        u->queried = true;
        return 0;
}

/* The body of a PropertiesChanged (interface, changed, invalidated): 0
 * when it is not about UNIT_INTERFACE, 1 with the states it carries (each
 * NULL when absent; the strings point into M) and whether either was
 * invalidated, or a negative errno when it is malformed. */
static int read_properties_changed(sd_bus_message *m, const char **active, const char **sub, bool *invalidated) {
        const char *interface;
        int r;

        /* Checking the whole signature first: the reads below check each
         * type, but a message cut short would read as "nothing more". */
        if (!sd_bus_message_has_signature(m, "sa{sv}as"))
                return -EBADMSG;
        r = sd_bus_message_read(m, "s", &interface);
        if (r < 0)
                return r;
        if (strcmp(interface, UNIT_INTERFACE) != 0)
                return 0;
        r = read_states(m, active, sub);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;
        for (;;) {
                const char *name;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 1;
                if (strcmp(name, "ActiveState") == 0 || strcmp(name, "SubState") == 0)
                        *invalidated = true;
        }
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct unit_watch *w = userdata;
        _cleanup_free_ char *unit = NULL;
        const char *path, *active = NULL, *sub = NULL;
        bool invalidated = false;
        int r;

        if (w->is_lost)
                return 0;
        /* dbus-daemon delivers a broadcast signal to us only if it is from
         * systemd (the match's sender). A signal addressed to us directly
         * is delivered whatever the match says, and anyone may send one:
         * it is not systemd's. */
        if (sd_bus_message_get_destination(m))
                return 0;
        path = sd_bus_message_get_path(m);
        r = path ? sd_bus_path_decode(path, UNIT_PATH_PREFIX, &unit) : 0;
        if (r <= 0 || !unit_name_ok(unit) || !unit_wanted(w, unit))
                return 0;

        r = read_properties_changed(m, &active, &sub, &invalidated);
        if (r < 0) {
                log_warning_errno(r, "Ignoring a malformed PropertiesChanged for %s", unit);
                return 0;
        }
        if (r == 0)
                return 0;
        if (active && sub)
                report(w, unit, active, sub, false);
        else if (active || sub || invalidated)
                /* Only half of the state, or only the news that it changed. */
                fetch_states(w, unit, path);
        return 0;
}

/* Reports every unit of a ListUnitsByPatterns answer: 0, or a negative
 * errno when it is malformed. */
static int report_listing(struct unit_watch *w, sd_bus_message *m) {
        const char *name, *description, *load, *active, *sub, *following, *path, *job_type, *job_path;
        uint32_t job_id;
        int r;

        if (!sd_bus_message_has_signature(m, "a(ssssssouso)"))
                return -EBADMSG;
        r = sd_bus_message_enter_container(m, 'a', "(ssssssouso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(ssssssouso)", &name, &description, &load, &active, &sub,
                                        &following, &path, &job_id, &job_type, &job_path)) > 0) {
                if (!unit_name_ok(name)) {
                        log_warning("Ignoring a unit whose name is not a unit name");
                        continue;
                }
                report(w, name, active, sub, false);
        }
        return r;
}

static int on_units_listed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct unit_watch *w = userdata;
        int r;

        w->list_slot = sd_bus_slot_unref(w->list_slot);
        if (sd_bus_message_is_method_error(m, NULL))
                return setup_failed(w, m, "ListUnitsByPatterns");
        r = report_listing(w, m);
        if (r < 0) {
                /* Without the initial states the watch cannot say what is up. */
                log_error_errno(r, "Malformed answer to ListUnitsByPatterns");
                return watch_lost(w);
        }
        if (w->listed)
                w->listed(w->userdata);
        return 0;
}

static int on_subscribed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct unit_watch *w = userdata;

        w->subscribe_slot = sd_bus_slot_unref(w->subscribe_slot);
        if (sd_bus_message_is_method_error(m, NULL))
                return setup_failed(w, m, "Subscribing to systemd's signals");
        return 0;
}

static int on_match_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct unit_watch *w = userdata;

        /* The match stays (it is w->match_slot); this was only its AddMatch. */
        if (sd_bus_message_is_method_error(m, NULL))
                return setup_failed(w, m, "Adding the D-Bus match for PropertiesChanged");
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct unit_watch *w = userdata;

        if (!w->is_lost)
                log_error("Lost the connection to the system bus: no more unit states");
        return watch_lost(w);
}

/* The connection's sources, the match and the setup calls, in the order
 * the top of this file relies on. */
static int watch_setup(struct unit_watch *w, sd_event *e) {
        int r;

        r = sd_bus_attach_event(w->bus, e, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        /* sd-bus synthesizes Disconnected when the connection ends; a match
         * on the local pseudo-service never goes to dbus-daemon, so this
         * does not block. (Not sd_bus_set_exit_on_disconnect(): that would
         * end the whole loop.) */
        r = sd_bus_match_signal(w->bus, &w->disconnected_slot, "org.freedesktop.DBus.Local",
                                "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                "Disconnected", on_disconnected, w);
        if (r < 0)
                return r;
        r = sd_bus_add_match_async(w->bus, &w->match_slot, PROPERTIES_CHANGED_MATCH,
                                   on_properties_changed, on_match_added, w);
        if (r < 0)
                return r;
        r = sd_bus_call_method_async(w->bus, &w->subscribe_slot, SYSTEMD_SERVICE, SYSTEMD_PATH,
                                     MANAGER_INTERFACE, "Subscribe", on_subscribed, w, NULL);
        if (r < 0)
                return r;
        /* "asas": no state filter (0 states), one pattern. */
        return sd_bus_call_method_async(w->bus, &w->list_slot, SYSTEMD_SERVICE, SYSTEMD_PATH,
                                        MANAGER_INTERFACE, "ListUnitsByPatterns", on_units_listed, w,
                                        "asas", 0, 1, w->pattern);
}

int unit_watch_new(sd_event *e, const char *pattern, unit_watch_fn changed,
                   unit_watch_lost_fn lost, void *userdata, struct unit_watch **ret) {
        _cleanup_(unit_watch_freep) struct unit_watch *w = NULL;
        int r;

        if (!e || !pattern || !changed || !lost || !ret)
                return -EINVAL;
        if (!*pattern || strlen(pattern) >= PATTERN_MAX)
                return -EINVAL;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        strcpy(w->pattern, pattern);
        w->changed = changed;
        w->lost = lost;
        w->userdata = userdata;

        /* A connection of our own: the subscription is tied to it. Opening
         * it does not wait: the socket connects at once or fails, and the
         * authentication and Hello run in the loop, with our calls queued
         * behind them. */
        r = sd_bus_open_system(&w->bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the system bus");
        (void) sd_bus_set_description(w->bus, "unit-watch");
        r = watch_setup(w, e);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the unit watch on the system bus");
        *ret = TAKE_PTR(w);
        return 0;
}

void unit_watch_free(struct unit_watch *w) {
        if (!w)
                return;
        while (w->calls)
                call_free(w->calls);
        /* The slots hold references to the bus: drop them first, then the
         * bus. No flush: that could block, and nothing we sent matters now. */
        sd_bus_slot_unref(w->disconnected_slot);
        sd_bus_slot_unref(w->match_slot);
        sd_bus_slot_unref(w->subscribe_slot);
        sd_bus_slot_unref(w->list_slot);
        sd_bus_close_unref(w->bus);
        free(w);
}

void unit_watch_on_listed(struct unit_watch *w, void (*listed)(void *userdata)) {
        assert(w);
        w->listed = listed;
}
