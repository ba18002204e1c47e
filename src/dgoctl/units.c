/* units.c - unit states from systemd over the system bus.
 *
 * Manager.GetUnit finds a loaded unit; one that is not loaded (never
 * started since boot) is loaded with Manager.LoadUnit, which also says
 * "not-found" for one that is not installed. Then the Unit (and for a
 * socket the Socket) interface's properties.
 *
 * Jobs are waited for as systemctl does: a match for Manager.JobRemoved is
 * added before StartUnit/StopUnit is called (systemd sends the signal to
 * the client that asked for the job, no Subscribe needed), and the reply's
 * job path picks our job's signal out. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "basic/clock.h"
#include "basic/macros.h"
#include "units.h"

#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define SOCKET_IFACE "org.freedesktop.systemd1.Socket"

int units_connect(double timeout_sec, sd_bus **ret) {
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);

        if (r < 0)
                return r;
        r = sd_bus_set_method_call_timeout(bus, (uint64_t) (timeout_sec * 1e6));
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

/* The object path of UNIT in *RET (free it). */
static int unit_path(sd_bus *bus, const char *unit, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, MANAGER_IFACE, "GetUnit", &error, &reply, "s",
                               unit);
        if (r < 0 && sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit")) {
                sd_bus_error_free(&error);
                r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, MANAGER_IFACE, "LoadUnit", &error, &reply,
                                       "s", unit);
        }
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0) {
                *ret = strdup(path);
                r = *ret ? 0 : -ENOMEM;
        }
        sd_bus_message_unref(reply);
        return r;
}

static int get_string(sd_bus *bus, const char *path, const char *property, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_string(bus, SYSTEMD_DEST, path, UNIT_IFACE, property, &error, ret);

        sd_bus_error_free(&error);
        return r;
}

/* The first (type, address) of Socket.Listen, a(ss), whose type is Stream. */
static int get_listen(sd_bus *bus, const char *path, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *type, *address;
        int r;

        r = sd_bus_get_property(bus, SYSTEMD_DEST, path, SOCKET_IFACE, "Listen", &error, &reply, "a(ss)");
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &type, &address)) > 0)
                if (strcmp(type, "Stream") == 0) {
                        *ret = strdup(address);
                        r = *ret ? 0 : -ENOMEM;
                        break;
                }
        sd_bus_message_unref(reply);
        return r < 0 ? r : 0;
}

int units_query(const char *unit, struct unit_info *ret, void *userdata) {
        sd_bus *bus = userdata;
        char *path = NULL;
        size_t n = strlen(unit);
        int r;

        *ret = (struct unit_info) { 0 };
        r = unit_path(bus, unit, &path);
        if (r >= 0)
                r = get_string(bus, path, "LoadState", &ret->load);
        if (r >= 0)
                r = get_string(bus, path, "ActiveState", &ret->active);
        if (r >= 0)
                r = get_string(bus, path, "SubState", &ret->sub);
        if (r >= 0 && n > strlen(".socket") && strcmp(unit + n - strlen(".socket"), ".socket") == 0 &&
            ret->load && strcmp(ret->load, "loaded") == 0)
                (void) get_listen(bus, path, &ret->listen);     /* only the URL column wants it */
        free(path);
        if (r < 0)
                unit_info_clear(ret);
        return r;
}

struct job_wait {
        char *path;                     /* our job, once the call returned */
        char *result;                   /* from its JobRemoved signal */
        bool done;
};

/* JobRemoved(u id, o job, s unit, s result); signals queued during the
 * call are dispatched only after it, when PATH is known. */
static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct job_wait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (w->done || !w->path || sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 ||
            strcmp(path, w->path) != 0)
                return 0;
        w->result = strdup(result);
        w->done = true;
        return 0;
}

static void job_wait_done(struct job_wait *w) {
        free(w->path);
        free(w->result);
}

int units_run_job(sd_bus *bus, const char *method, const char *unit, double timeout_sec, char **ret_result) {
        /* The match's slot goes before W, which its callback writes to. */
        _cleanup_(job_wait_done) struct job_wait w = { 0 };
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + (uint64_t) (timeout_sec * 1e6);
        const char *path;
        int r;

        *ret_result = NULL;
        r = sd_bus_match_signal(bus, &slot, SYSTEMD_DEST, SYSTEMD_PATH, MANAGER_IFACE, "JobRemoved", on_job_removed,
                                &w);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, MANAGER_IFACE, method, &error, &reply, "ss", unit,
                               "replace");
        if (r < 0) {
                if (error.message)
                        *ret_result = strdup(error.message);
                return r;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        w.path = strdup(path);
        if (!w.path)
                return -ENOMEM;
        while (!w.done) {
                uint64_t now;

                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                now = now_usec(CLOCK_MONOTONIC);
                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, deadline - now);
                if (r < 0)
                        return r;
        }
        if (!w.result)
                return -ENOMEM;
        if (strcmp(w.result, "done") != 0) {
                *ret_result = TAKE_PTR(w.result);
                return -EIO;
        }
        return 0;
}
