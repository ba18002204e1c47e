/* render.c - dgoctl's tables from JSON answers and unit states. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int status_row(struct table *t, const char *service, const char *unit, const struct unit_cells *c,
                      const char *health, const char *url, const char *since) {
        const char *cells[] = { service, or_dash(unit), c->active, c->sub, c->socket, health, or_dash(url),
                                or_dash(since) };
        const enum table_color colors[] = { TABLE_PLAIN, TABLE_PLAIN, active_color(c->active), TABLE_PLAIN,
                                            socket_color(c->socket), health_color(health), TABLE_PLAIN,
                                            TABLE_PLAIN };
        return table_add_row(t, cells, colors);
}

static const char *reg_health(const json_t *reg) {
        return or_dash(str(reg, "Health"));
}

struct table *status_table(const json_t *registrations, const char *registry_url,
                           unit_query_fn query, void *userdata) {
        static const char *const headers[] = { "SERVICE", "UNIT", "ACTIVE", "SUB", "SOCKET", "HEALTH", "URL",
                                               "SINCE" };
        struct table *t = table_new(8, headers);
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
                        r = status_row(t, d->name, d->unit, &c, registrations ? "up" : "down", registry_url, NULL);
                        unit_cells_clear(&c);
                        continue;
                }
                json_array_foreach(registrations, i, reg) {
                        const char *unit = str(reg, "Unit");
                        if (!unit || strcmp(unit, d->unit) != 0 || r < 0)
                                continue;
                        listed = true;
                        r = status_row(t, or_dash(str(reg, "ServiceName")), d->unit, &c, reg_health(reg),
                                       str(reg, "ServiceURL"), str(reg, "Since"));
                }
                if (!listed && r >= 0)
                        r = status_row(t, d->name, d->unit, &c, registrations ? "-" : "?", c.url, NULL);
                unit_cells_clear(&c);
        }
        /* Everything else the registry knows: foreign services, other units. */
        json_array_foreach(registrations, i, reg) {
                const char *unit = str(reg, "Unit");
                struct unit_cells c;

                if (r < 0)
                        break;
                if (unit && dgo_service_by_unit(unit))
                        continue;
                unit_cells_fill(&c, unit, query, userdata);
                r = status_row(t, or_dash(str(reg, "ServiceName")), unit, &c, reg_health(reg),
                               str(reg, "ServiceURL"), str(reg, "Since"));
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
        static const char *const headers[] = { "SERVICE", "URL", "UNIT", "HEALTH", "SINCE", "REQUIRES",
                                               "REASON" };
        struct table *t = table_new(7, headers);
        const json_t *reg;
        size_t i;

        if (!t)
                return NULL;
        json_array_foreach(registrations, i, reg) {
                char *required = join_required(json_object_get(reg, "RequiredServices"));
                const char *health = reg_health(reg);
                const char *cells[] = { or_dash(str(reg, "ServiceName")), or_dash(str(reg, "ServiceURL")),
                                        or_dash(str(reg, "Unit")), health, or_dash(str(reg, "Since")),
                                        or_dash(required), or_dash(str(reg, "Reason")) };
                const enum table_color colors[] = { TABLE_PLAIN, TABLE_PLAIN, TABLE_PLAIN, health_color(health),
                                                    TABLE_PLAIN, TABLE_PLAIN, TABLE_PLAIN };
                int r = required ? table_add_row(t, cells, colors) : -1;

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
