/* unit-watch-fake-systemd - a scripted org.freedesktop.systemd1 on a private
 * bus, to feed unit_watch what the real systemd never sends (box tests).
 *
 * Usage: unit-watch-fake-systemd   (the bus: DBUS_SYSTEM_BUS_ADDRESS)
 *
 * It owns org.freedesktop.systemd1 and answers Subscribe, ListUnitsByPatterns,
 * GetUnit and Properties.GetAll from a small table of units. On SIGUSR1 it
 * plays the script below: signals well-formed and not, each step changing
 * the table first. A step whose signal makes the watch fetch the state waits
 * for that GetAll before the next step, so what the watch reports is
 * deterministic. Prints "ready" once it owns the name, "done" after the
 * script. Built by test-unit-watch-fake.sh, not by meson. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

/* The public headers have the unref functions, not the attribute. */
#define AUTO_MSG __attribute__((cleanup(sd_bus_message_unrefp)))
#define AUTO_FREE __attribute__((cleanup(freep)))
static void freep(void *p) {
        free(*(void **) p);
}

#define PREFIX "/org/freedesktop/systemd1/unit"
#define UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define LONG_STATE "this-state-name-is-far-longer-than-any-systemd-has"

struct unit {
        const char *name, *active, *sub;
};

/* dgo-a and dgo-sock are listed; dgo-long has a state too long to be one;
 * "dgo-bad/name" is not a unit name; dgo-q is there for GetUnit only. */
static struct unit units[] = {
        { "dgo-a.service", "active", "running" },
        { "dgo-sock.socket", "active", "listening" },
        { "dgo-long.service", "active", LONG_STATE },
        { "dgo-bad/name", "active", "running" },
        { "dgo-q.service", "active", "running" },
};
#define N_LISTED 4

enum kind {
        FULL,           /* ActiveState and SubState */
        INVALIDATED,    /* both only in the invalidated list */
        HALF,           /* ActiveState only */
        WRONG_TYPE,     /* ActiveState as a "u" */
        OTHER_IFACE,    /* interface org.freedesktop.systemd1.Service (arg0 filter) */
        UNICAST,        /* from another connection, addressed to the watch */
        FOREIGN,        /* broadcast from another connection (dbus-daemon filters it) */
        EMPTY_PATH,     /* the path prefix itself: no unit name */
        SHORT,          /* signature "sa{sv}": no invalidated list */
};

struct step {
        enum kind kind;
        const char *unit, *active, *sub;        /* the table's new state */
        bool fetch;                             /* the watch will call GetAll */
};

static const struct step script[] = {
        { FULL, "dgo-a.service", "deactivating", "stop", false },        /* reported */
        { FULL, "dgo-a.service", "deactivating", "stop", false },        /* unchanged: not */
        { INVALIDATED, "dgo-a.service", "failed", "failed", true },      /* fetched, reported */
        { HALF, "dgo-a.service", "activating", "auto-restart", true },   /* fetched, reported */
        { WRONG_TYPE, "dgo-a.service", "active", "running", false },     /* malformed: ignored */
        { SHORT, "dgo-a.service", "active", "running", false },          /* malformed: ignored */
        { OTHER_IFACE, "dgo-a.service", "active", "running", false },    /* not the Unit interface */
        { UNICAST, "dgo-a.service", "active", "running", false },        /* spoofed */
        { FOREIGN, "dgo-a.service", "active", "running", false },        /* not from systemd */
        { EMPTY_PATH, "dgo-a.service", "active", "running", false },
        { FULL, "other.service", "active", "running", false },           /* not matching, not asked */
        { FULL, "other-q.service", "active", "running", false },         /* not matching, asked: reported */
        { INVALIDATED, "dgo-gone.service", NULL, NULL, true },           /* GetAll: NoSuchUnit, inactive dead */
        { FULL, "dgo-long.service", "active", LONG_STATE, false },       /* not a state name */
        { FULL, "dgo-a.service", "reloading", "reload", false },         /* reported: the last line */
};

static sd_bus *bus, *other;
static sd_event *event;
static char watcher[256];                 /* the unique name of the one that subscribed */
static size_t next_step;
static bool playing, waiting_fetch;

static struct unit *unit_find(const char *name) {
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
                if (strcmp(units[i].name, name) == 0)
                        return &units[i];
        return NULL;
}

static int append_states(sd_bus_message *m, const char *active, const char *sub) {
        int r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && active)
                r = sd_bus_message_append(m, "{sv}", "ActiveState", "s", active);
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "LoadState", "s", "loaded");   /* one to skip */
        if (r >= 0 && sub)
                r = sd_bus_message_append(m, "{sv}", "SubState", "s", sub);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static void play(void);

static int on_defer(sd_event_source *s, void *userdata) {
        sd_event_source_unref(s);
        play();
        return 0;
}

static void play_later(void) {
        if (sd_event_add_defer(event, NULL, on_defer, NULL) < 0)
                sd_event_exit(event, 1);
}

static int emit(const struct step *st) {
        AUTO_MSG sd_bus_message *m = NULL;
        AUTO_FREE char *path = NULL;
        sd_bus *from = st->kind == UNICAST || st->kind == FOREIGN ? other : bus;
        int r;

        if (st->kind == EMPTY_PATH)
                path = strdup(PREFIX);
        else if (sd_bus_path_encode(PREFIX, st->unit, &path) < 0)
                path = NULL;
        if (!path)
                return -ENOMEM;
        r = sd_bus_message_new_signal(from, &m, path, "org.freedesktop.DBus.Properties", "PropertiesChanged");
        if (r < 0)
                return r;
        if (st->kind == UNICAST && (r = sd_bus_message_set_destination(m, watcher)) < 0)
                return r;
        r = sd_bus_message_append(m, "s", st->kind == OTHER_IFACE ? "org.freedesktop.systemd1.Service" : UNIT_IFACE);
        if (r < 0)
                return r;
        switch (st->kind) {
        case INVALIDATED:
                r = append_states(m, NULL, NULL);
                if (r >= 0)
                        r = sd_bus_message_append(m, "as", 2, "ActiveState", "SubState");
                break;
        case HALF:
                r = append_states(m, st->active, NULL);
                if (r >= 0)
                        r = sd_bus_message_append(m, "as", 0);
                break;
        case WRONG_TYPE:
                r = sd_bus_message_append(m, "a{sv}", 2, "ActiveState", "u", 7, "SubState", "s", st->sub);
                if (r >= 0)
                        r = sd_bus_message_append(m, "as", 0);
                break;
        case SHORT:
                r = append_states(m, st->active, st->sub);
                break;
        default:
                r = append_states(m, st->active, st->sub);
                if (r >= 0)
                        r = sd_bus_message_append(m, "as", 0);
        }
        if (r < 0)
                return r;
        return sd_bus_send(from, m, NULL);
}

static void play(void) {
        if (next_step == sizeof script / sizeof script[0]) {
                /* Make sure the other connection's messages are out, then say so. */
                (void) sd_bus_flush(other);
                printf("done\n");
                fflush(stdout);
                playing = false;
                return;
        }
        const struct step *st = &script[next_step++];
        struct unit *u = unit_find(st->unit);

        if (u && st->active) {
                u->active = st->active;
                u->sub = st->sub;
        }
        if (emit(st) < 0) {
                fprintf(stderr, "fake: cannot emit step %zu\n", next_step);
                sd_event_exit(event, 1);
                return;
        }
        if (st->fetch)
                waiting_fetch = true;           /* on_call() goes on after the GetAll */
        else
                play_later();
}

static int reply_no_such_unit(sd_bus_message *m, const char *name) {
        return sd_bus_reply_method_errorf(m, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.", name);
}

static int on_call(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        AUTO_MSG sd_bus_message *reply = NULL;
        const char *name;
        int r;

        if (sd_bus_message_is_method_call(m, "org.freedesktop.systemd1.Manager", "Subscribe")) {
                snprintf(watcher, sizeof watcher, "%s", sd_bus_message_get_sender(m));
                return sd_bus_reply_method_return(m, NULL);
        }
        if (sd_bus_message_is_method_call(m, "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns")) {
                r = sd_bus_message_new_method_return(m, &reply);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "(ssssssouso)");
                for (size_t i = 0; r >= 0 && i < N_LISTED; i++)
                        r = sd_bus_message_append(reply, "(ssssssouso)", units[i].name, "", "loaded",
                                                  units[i].active, units[i].sub, "", "/", 0, "", "/");
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
        }
        if (sd_bus_message_is_method_call(m, "org.freedesktop.systemd1.Manager", "GetUnit")) {
                AUTO_FREE char *path = NULL;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                if (strcmp(name, "evil.service") == 0)  /* a path that is no unit's */
                        return sd_bus_reply_method_return(m, "o", "/org/freedesktop/systemd1");
                if (!unit_find(name))
                        return reply_no_such_unit(m, name);
                r = sd_bus_path_encode(PREFIX, name, &path);
                return r < 0 ? r : sd_bus_reply_method_return(m, "o", path);
        }
        if (sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "GetAll")) {
                AUTO_FREE char *unit = NULL;
                struct unit *u;

                r = sd_bus_path_decode(sd_bus_message_get_path(m), PREFIX, &unit);
                u = r > 0 ? unit_find(unit) : NULL;
                if (!u)
                        r = reply_no_such_unit(m, unit ? unit : "?");
                else {
                        r = sd_bus_message_new_method_return(m, &reply);
                        if (r >= 0)
                                r = append_states(reply, u->active, u->sub);
                        if (r >= 0)
                                r = sd_bus_send(NULL, reply, NULL);
                }
                if (r >= 0 && playing && waiting_fetch) {
                        waiting_fetch = false;
                        play_later();
                }
                return r;
        }
        return 0;       /* not ours: sd-bus answers UnknownMethod */
}

static int on_usr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        if (!playing && next_step == 0) {
                playing = true;
                play();
        }
        return 0;
}

int main(void) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if ((r = sd_event_default(&event)) < 0 ||
            (r = sd_event_add_signal(event, NULL, SIGUSR1, on_usr1, NULL)) < 0 ||
            (r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL)) < 0 ||
            (r = sd_bus_open_system(&bus)) < 0 ||
            (r = sd_bus_open_system(&other)) < 0 ||
            (r = sd_bus_attach_event(bus, event, 0)) < 0 ||
            (r = sd_bus_attach_event(other, event, 0)) < 0 ||
            (r = sd_bus_add_fallback(bus, NULL, "/org/freedesktop/systemd1", on_call, NULL)) < 0 ||
            (r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0)) < 0) {
                fprintf(stderr, "fake: setup failed: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        r = sd_event_loop(event);
        sd_bus_flush_close_unref(other);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return r < 0 ? 1 : r;
}
