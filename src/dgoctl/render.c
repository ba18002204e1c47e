/* render.c - dgoctl's tables from JSON answers and unit states. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"
#include "dgo/format.h"
#include "dgo/registration.h"
#include "args.h"
#include "names.h"
#include "render.h"

void unit_info_clear(struct unit_info *u) {
        free(u->load);
        free(u->active);
        free(u->sub);
        free(u->listen);
        *u = (struct unit_info) { 0 };
}

/* A string member, or NULL when absent, null or no string. */
static const char *str(const json_t *j, const char *key) {
        return json_string_value(json_object_get(j, key));
}

/* NULL and "" are shown as "-". */
static const char *or_dash(const char *s) {
        return s && *s ? s : "-";
}

static enum table_color active_color(const char *s) {
        if (!s)
                return TABLE_YELLOW;
        if (strcmp(s, "active") == 0)
                return TABLE_GREEN;
        if (strcmp(s, "failed") == 0 || strcmp(s, "not-found") == 0 || strcmp(s, "masked") == 0 ||
            strcmp(s, "error") == 0 || strcmp(s, "bad-setting") == 0)
                return TABLE_RED;
        if (strcmp(s, "inactive") == 0 || strcmp(s, "-") == 0)
                return TABLE_PLAIN;
        return TABLE_YELLOW;    /* activating, deactivating, reloading, "?" */
}

static enum table_color socket_color(const char *s) {
        if (strcmp(s, "listening") == 0 || strcmp(s, "running") == 0)
                return TABLE_GREEN;
        if (strcmp(s, "failed") == 0 || strcmp(s, "not-found") == 0 || strcmp(s, "masked") == 0)
                return TABLE_RED;
        if (strcmp(s, "dead") == 0 || strcmp(s, "-") == 0)
                return TABLE_PLAIN;
        return TABLE_YELLOW;
}

static enum table_color health_color(const char *s) {
        if (strcmp(s, "up") == 0)
                return TABLE_GREEN;
        if (strcmp(s, "down") == 0)
                return TABLE_RED;
        return strcmp(s, "?") == 0 ? TABLE_YELLOW : TABLE_PLAIN;
}

/* The ACTIVE, SUB and SOCKET cells of UNIT (NULL: no unit) and, when the
 * socket has a TCP address, "http://ADDRESS" in URL. */
struct unit_cells {
        struct unit_info svc, sock;
        const char *active, *sub, *socket;
        char url[300];
};

static void unit_cells_fill(struct unit_cells *c, const char *unit, unit_query_fn query, void *userdata) {
        char socket[300];

        *c = (struct unit_cells) { .active = "-", .sub = "-", .socket = "-" };
        if (!unit)
                return;
        if (query(unit, &c->svc, userdata) < 0) {
                c->active = c->sub = "?";
        } else if (c->svc.load && strcmp(c->svc.load, "loaded") != 0) {
                c->active = c->svc.load;        /* not-found, masked, ... */
                c->sub = or_dash(c->svc.sub);
        } else {
                c->active = or_dash(c->svc.active);
                c->sub = or_dash(c->svc.sub);
        }
        if (!unit_socket_name(unit, socket, sizeof socket))
                return;
        if (query(socket, &c->sock, userdata) < 0)
                c->socket = "?";
        else if (c->sock.load && strcmp(c->sock.load, "loaded") != 0)
                c->socket = c->sock.load;
        else
                c->socket = or_dash(c->sock.sub);
        /* 127.0.0.1:3000 or [::1]:3000, not a unix socket path */
        if (c->sock.listen && (c->sock.listen[0] == '[' || (c->sock.listen[0] >= '0' && c->sock.listen[0] <= '9')))
                snprintf(c->url, sizeof c->url, "http://%s", c->sock.listen);
}

static void unit_cells_clear(struct unit_cells *c) {
        unit_info_clear(&c->svc);
        unit_info_clear(&c->sock);
}

/* In cluster mode every registration has a "Host", and while the registry
 * has lost etcd the other hosts' have "Stale": true. A single host has
 * neither and its tables must not change: the HOST column (always the
 * second) is there only when some registration has a host. */
static bool have_hosts(const json_t *registrations) {
        const json_t *reg;
        size_t i;

        json_array_foreach(registrations, i, reg)
                if (str(reg, "Host"))
                        return true;
        return false;
}

static bool is_stale(const json_t *reg) {
        return json_is_true(json_object_get(reg, "Stale"));
}

bool registrations_stale(const json_t *registrations) {
        const json_t *reg;
        size_t i;

        json_array_foreach(registrations, i, reg)
                if (is_stale(reg))
                        return true;
        return false;
}

/* On another host than LOCAL_HOST (NULL: not known). Only other hosts'
 * entries are ever stale, so a stale one is remote even when this host's
 * name is not known. */
static bool is_remote(const json_t *reg, const char *local_host) {
        const char *host = str(reg, "Host");

        return is_stale(reg) || (local_host && host && strcmp(host, local_host) != 0);
}

/* The HEALTH cell: "up", or "up (stale)" (the last health etcd told, not
 * what is true now) in yellow. A health is passed through whole; a stale
 * one is the registry's own word for another host's (up, down, unknown),
 * short, so the buffer does not cut it. */
struct health_cell {
        const char *text;
        char buf[64];
        enum table_color color;
};

static void health_cell(struct health_cell *h, const char *health, bool stale) {
        h->text = health;
        h->color = health_color(health);
        if (stale) {
                snprintf(h->buf, sizeof h->buf, "%s (stale)", health);
                h->text = h->buf;
                h->color = TABLE_YELLOW;
        }
}

/* Add a row of N cells whose second is HOST's, leaving that one out when
 * the table has no HOST column. */
static int add_row(struct table *t, bool hosts, size_t n, const char *const *cells, const enum table_color *colors) {
        const char *c[16];
        enum table_color k[16];
        size_t m = 0;

        assert(n <= ELEMENTSOF(c));
        for (size_t i = 0; i < n; i++) {
                if (i == 1 && !hosts)
                        continue;
                c[m] = cells[i];
                k[m++] = colors[i];
        }
        return table_add_row(t, c, k);
}

static struct table *new_table(bool hosts, size_t n, const char *const *headers) {
        const char *h[16];
        size_t m = 0;

        assert(n <= ELEMENTSOF(h));
        for (size_t i = 0; i < n; i++)
                if (i != 1 || hosts)
                        h[m++] = headers[i];
        return table_new(m, h);
}

static int status_row(struct table *t, bool hosts, const char *service, const char *host, const char *unit,
                      const struct unit_cells *c, const char *health, bool stale, const char *url,
                      const char *since) {
        struct health_cell h;

        health_cell(&h, health, stale);
        const char *cells[] = { service, or_dash(host), or_dash(unit), c->active, c->sub, c->socket, h.text,
                                or_dash(url), or_dash(since) };
        const enum table_color colors[] = { TABLE_PLAIN, TABLE_PLAIN, TABLE_PLAIN, active_color(c->active),
                                            TABLE_PLAIN, socket_color(c->socket), h.color, TABLE_PLAIN,
                                            TABLE_PLAIN };
        return add_row(t, hosts, ELEMENTSOF(cells), cells, colors);
}

static const char *reg_health(const json_t *reg) {
        return or_dash(str(reg, "Health"));
}

struct table *status_table(const json_t *registrations, const char *registry_url, const char *local_host,
                           unit_query_fn query, void *userdata) {
        static const char *const headers[] = { "SERVICE", "HOST", "UNIT", "ACTIVE", "SUB", "SOCKET", "HEALTH",
                                               "URL", "SINCE" };
        bool hosts = have_hosts(registrations);
        struct table *t = new_table(hosts, ELEMENTSOF(headers), headers);
        const json_t *reg;
        size_t i;
        int r = 0;

        if (!t)
                return NULL;
        for (size_t k = 0; k < dgo_services_count && r >= 0; k++) {
                const struct dgo_service *d = &dgo_services[k];
                struct unit_cells c;
                bool listed = false;

                unit_cells_fill(&c, d->unit, query, userdata);
                if (k == 0) {   /* the registry: up if it answered us */
                        r = status_row(t, hosts, d->name, local_host, d->unit, &c,
                                       registrations ? "up" : "down", false, registry_url, NULL);
                        unit_cells_clear(&c);
                        continue;
                }
                json_array_foreach(registrations, i, reg) {
                        const char *unit = str(reg, "Unit");
                        /* another host's unit of that name is not this host's systemd unit */
                        if (!unit || strcmp(unit, d->unit) != 0 || is_remote(reg, local_host) || r < 0)
                                continue;
                        listed = true;
                        r = status_row(t, hosts, or_dash(str(reg, "ServiceName")), str(reg, "Host"), d->unit, &c,
                                       reg_health(reg), false, str(reg, "ServiceURL"), str(reg, "Since"));
                }
                if (!listed && r >= 0)
                        r = status_row(t, hosts, d->name, local_host, d->unit, &c, registrations ? "-" : "?", false,
                                       c.url, NULL);
                unit_cells_clear(&c);
        }
        /* Everything else the registry knows: foreign services, other units,
         * other hosts' services (systemd here cannot tell about those). */
        json_array_foreach(registrations, i, reg) {
                const char *unit = str(reg, "Unit");
                bool remote = is_remote(reg, local_host);
                struct unit_cells c;

                if (r < 0)
                        break;
                if (unit && dgo_service_by_unit(unit) && !remote)
                        continue;
                unit_cells_fill(&c, remote ? NULL : unit, query, userdata);
                r = status_row(t, hosts, or_dash(str(reg, "ServiceName")), str(reg, "Host"), unit, &c,
                               reg_health(reg), is_stale(reg), str(reg, "ServiceURL"), str(reg, "Since"));
                unit_cells_clear(&c);
        }
        if (r < 0) {
                table_free(t);
                return NULL;
        }
        return t;
}

/* "LogService, GradingService", or "-"; free it. */
static char *join_required(const json_t *list) {
        const json_t *name;
        size_t i, size = 0, n = 0;
        char *s = NULL;
        FILE *f = open_memstream(&s, &size);

        if (!f)
                return NULL;
        json_array_foreach(list, i, name)
                if (json_is_string(name))
                        fprintf(f, "%s%s", n++ > 0 ? ", " : "", json_string_value(name));
        if (fclose(f) != 0) {
                free(s);
                return NULL;
        }
        return s;
}

struct table *services_table(const json_t *registrations) {
        static const char *const headers[] = { "SERVICE", "HOST", "URL", "UNIT", "HEALTH", "SINCE", "REQUIRES",
                                               "REASON" };
        bool hosts = have_hosts(registrations);
        struct table *t = new_table(hosts, ELEMENTSOF(headers), headers);
        const json_t *reg;
        size_t i;

        if (!t)
                return NULL;
        json_array_foreach(registrations, i, reg) {
                char *required = join_required(json_object_get(reg, "RequiredServices"));
                struct health_cell h;

                health_cell(&h, reg_health(reg), is_stale(reg));
                const char *cells[] = { or_dash(str(reg, "ServiceName")), or_dash(str(reg, "Host")),
                                        or_dash(str(reg, "ServiceURL")), or_dash(str(reg, "Unit")), h.text,
                                        or_dash(str(reg, "Since")), or_dash(required), or_dash(str(reg, "Reason")) };
                const enum table_color colors[] = { TABLE_PLAIN, TABLE_PLAIN, TABLE_PLAIN, TABLE_PLAIN, h.color,
                                                    TABLE_PLAIN, TABLE_PLAIN, TABLE_PLAIN };
                int r = required ? add_row(t, hosts, ELEMENTSOF(cells), cells, colors) : -1;

                free(required);
                if (r < 0) {
                        table_free(t);
                        return NULL;
                }
        }
        return t;
}

char *student_name(const json_t *student) {
        char *s;

        if (asprintf(&s, "%s %s", or_dash(str(student, "FirstName")), or_dash(str(student, "LastName"))) < 0)
                return NULL;
        return s;
}

struct table *students_table(const json_t *students) {
        static const char *const headers[] = { "ID", "NAME", "GRADES", "AVERAGE" };
        struct table *t = table_new(4, headers);
        const json_t *s;
        size_t i;

        if (!t)
                return NULL;
        table_align_right(t, 0);
        table_align_right(t, 2);
        table_align_right(t, 3);
        json_array_foreach(students, i, s) {
                const json_t *grades = json_object_get(s, "Grades");
                char id[32] = "-", count[32], average[32], *name = student_name(s);
                const char *cells[] = { id, name, count, average };
                int r;

                if (json_is_integer(json_object_get(s, "ID")))
                        snprintf(id, sizeof id, "%lld", (long long) json_integer_value(json_object_get(s, "ID")));
                snprintf(count, sizeof count, "%zu", json_array_size(grades));
                format_average(grades, average, sizeof average);
                r = name ? table_add_row(t, cells, NULL) : -1;
                free(name);
                if (r < 0) {
                        table_free(t);
                        return NULL;
                }
        }
        return t;
}

struct table *grades_table(const json_t *grades) {
        static const char *const headers[] = { "TITLE", "TYPE", "SCORE" };
        struct table *t = table_new(3, headers);
        const json_t *g;
        size_t i;

        if (!t)
                return NULL;
        table_align_right(t, 2);
        json_array_foreach(grades, i, g) {
                char score[32] = "-";
                const char *cells[] = { or_dash(str(g, "Title")), or_dash(str(g, "Type")), score };

                if (json_is_number(json_object_get(g, "Score")))
                        format_score(json_number_value(json_object_get(g, "Score")), score, sizeof score);
                if (table_add_row(t, cells, NULL) < 0) {
                        table_free(t);
                        return NULL;
                }
        }
        return t;
}
