/* view.c - see view.h. */
#include "view.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"
#include "dgo/format.h"
#include "dgo/grade.h"
#include "html.h"

int templates_load(struct templates *t, const char *dir) {
        static const char *const names[] = { "students", "student", "status", "error" };
        struct tmpl **slots[] = { &t->students, &t->student, &t->status, &t->error };
        char layout[4096], path[4096];
        int r;

        *t = (struct templates) { 0 };
        snprintf(layout, sizeof layout, "%s/layout.html", dir);
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                snprintf(path, sizeof path, "%s/%s.html", dir, names[i]);
                r = tmpl_load_in_layout(layout, path, slots[i]);
                if (r < 0) {
                        templates_free(t);
                        return r;
                }
        }
        snprintf(path, sizeof path, "%s/login.html", dir);
        r = tmpl_load(path, &t->login);
        if (r < 0)
                templates_free(t);
        return r;
}

void templates_free(struct templates *t) {
        tmpl_free(t->students);
        tmpl_free(t->student);
        tmpl_free(t->status);
        tmpl_free(t->error);
        tmpl_free(t->login);
        *t = (struct templates) { 0 };
}

static const char *string_of(const json_t *j, const char *key) {
        const char *s = json_string_value(json_object_get(j, key));
        return s ? s : "";
}

static void error_fragment(struct buf *b, const char *error) {
        if (!error || !*error)
                return;
        buf_puts(b, "<p class=\"error\" role=\"alert\">");
        html_escape_str(b, error);
        buf_puts(b, "</p>");
}

/* The text built in B; NULL (and *ERROR set) when building it failed. */
static char *fragment(struct buf *b, int *error) {
        return buf_steal(b, NULL, error);
}

static void student_rows(struct buf *b, const json_t *students) {
        const json_t *s;
        size_t i;

        buf_puts(b, "<table id=\"students\">\n"
                    "<thead><tr><th scope=\"col\">Student</th><th scope=\"col\">Average</th></tr></thead>\n"
                    "<tbody>\n");
        json_array_foreach(students, i, s) {
                const json_t *id = json_object_get(s, "ID");
                char average[32];

                if (!json_is_integer(id))
                        continue;       /* no page to link to */
                format_average(json_object_get(s, "Grades"), average, sizeof average);
                buf_printf(b, "<tr data-student-id=\"%lld\"><td class=\"name\"><a href=\"/students/%lld\">",
                           (long long) json_integer_value(id), (long long) json_integer_value(id));
                html_escape_str(b, string_of(s, "FirstName"));
                buf_puts(b, " ");
                html_escape_str(b, string_of(s, "LastName"));
                buf_printf(b, "</a></td><td class=\"average\">%s</td></tr>\n", average);
        }
        buf_puts(b, "</tbody>\n</table>");
}

/* "“Ada”": a search as the sentences quote it. */
static void quoted(struct buf *b, const char *text) {
        buf_puts(b, "\xe2\x80\x9c");                 /* U+201C */
        html_escape_str(b, text);
        buf_puts(b, "\xe2\x80\x9d");                 /* U+201D */
}

/* Above the table: which students these are; or why there are none. */
static void list_summary(struct buf *b, const struct listing_query *q, const struct listing *l, size_t n_rows) {
        if (n_rows == 0) {
                buf_puts(b, "<p id=\"no-students\">");
                if (q->name[0]) {
                        buf_puts(b, "No student\xe2\x80\x99s name contains ");
                        quoted(b, q->name);
                        buf_puts(b, ".");
                } else if (l->total > 0)
                        buf_printf(b, "No students on page %lu.", l->page);     /* the book shrank meanwhile */
                else
                        buf_puts(b, "No students found");
                buf_puts(b, "</p>");
                return;
        }
        buf_printf(b, "<p id=\"list-summary\">Students %llu\xe2\x80\x93%llu of %llu", l->first, l->last, l->total);
        if (q->name[0]) {
                buf_puts(b, " whose name contains ");
                quoted(b, q->name);
        }
        buf_puts(b, "</p>");
}

static void page_link(struct buf *b, const struct listing_query *q, unsigned long page, const char *rel,
                      const char *text) {
        char url[512];

        if (listing_page_url(q, page, url, sizeof url) < 0)
                return;                         /* cannot be: a search is at most LISTING_NAME_MAX bytes */
        buf_printf(b, "<a rel=\"%s\" href=\"", rel);
        html_escape_str(b, url);
        buf_printf(b, "\">%s</a>\n", text);
}

/* Below the table, when there is more than one page. */
static void list_pager(struct buf *b, const struct listing_query *q, const struct listing *l) {
        if (l->pages <= 1)
                return;
        buf_puts(b, "<nav id=\"pager\" aria-label=\"Pages of the list\">\n");
        if (l->page > 1) {
                page_link(b, q, 1, "first", "First");
                page_link(b, q, l->page - 1, "prev", "Previous");
        }
        buf_printf(b, "<span id=\"page-of\">Page %lu of %lu</span>\n", l->page, l->pages);
        if (l->page < l->pages) {
                page_link(b, q, l->page + 1, "next", "Next");
                page_link(b, q, l->pages, "last", "Last");
        }
        buf_puts(b, "</nav>");
}

int view_students(const struct templates *t, const json_t *rows, const struct listing_query *q,
                  const struct listing *l, const struct student_form *form, struct page **ret) {
        static const struct student_form empty = { 0 };
        static const struct listing_query everyone = { .page = 1 };
        struct buf list = { 0 }, err = { 0 }, summary = { 0 }, pager = { 0 }, clear = { 0 };
        char *list_html, *error_html, *summary_html, *pager_html, *clear_html;
        struct listing whole;
        size_t n;
        int r = 0;

        if (!json_is_array(rows))
                return -EINVAL;
        n = json_array_size(rows);
        if (!q || !l) {
                whole = (struct listing) { .page = 1, .pages = 1, .total = n, .first = n ? 1 : 0, .last = n };
                q = &everyone;
                l = &whole;
        }
        if (!form)
                form = &empty;
        list_summary(&summary, q, l, n);
        if (n > 0)
                student_rows(&list, rows);
        list_pager(&pager, q, l);
        if (q->name[0])
                buf_puts(&clear, " <a id=\"clear-search\" href=\"/students\">All students</a>");
        error_fragment(&err, form->error);
        list_html = fragment(&list, &r);
        error_html = fragment(&err, &r);
        summary_html = fragment(&summary, &r);
        pager_html = fragment(&pager, &r);
        clear_html = fragment(&clear, &r);
        if (list_html && error_html && summary_html && pager_html && clear_html) {
                const struct tmpl_var vars[] = {
                        { "search", TMPL_TEXT, q->name },
                        { "clear", TMPL_HTML, clear_html },
                        { "summary", TMPL_HTML, summary_html },
                        { "students", TMPL_HTML, list_html },
                        { "pager", TMPL_HTML, pager_html },
                        { "error", TMPL_HTML, error_html },
                        { "first_name", TMPL_TEXT, form->first_name },
                        { "last_name", TMPL_TEXT, form->last_name },
                        { "csrf", TMPL_SLOT, NULL },
                };
                r = page_render(t->students, vars, ELEMENTSOF(vars), ret);
        }
        free(list_html);
        free(error_html);
        free(summary_html);
        free(pager_html);
        free(clear_html);
        return r;
}

static void grade_rows(struct buf *b, const json_t *grades) {
        const json_t *g;
        size_t i;

        if (json_array_size(grades) == 0) {
                buf_puts(b, "<p id=\"no-grades\">No grades available</p>");
                return;
        }
        buf_puts(b, "<table id=\"grades\">\n"
                    "<thead><tr><th scope=\"col\">Title</th><th scope=\"col\">Type</th>"
                    "<th scope=\"col\">Score</th></tr></thead>\n"
                    "<tbody>\n");
        json_array_foreach(grades, i, g) {
                const json_t *score = json_object_get(g, "Score");
                char text[64] = "";

                if (json_is_number(score))
                        format_score(json_number_value(score), text, sizeof text);
                buf_puts(b, "<tr><td class=\"title\">");
                html_escape_str(b, string_of(g, "Title"));
                buf_puts(b, "</td><td class=\"type\">");
                html_escape_str(b, string_of(g, "Type"));
                buf_printf(b, "</td><td class=\"score\">%s</td></tr>\n", text);
        }
        buf_puts(b, "</tbody>\n</table>");
}

static void type_options(struct buf *b, const char *selected) {
        for (enum grade_type t = 0; t < _GRADE_TYPE_MAX; t++) {
                const char *name = grade_type_to_string(t);

                buf_printf(b, "<option value=\"%s\"%s>%s</option>", name,
                           selected && strcmp(selected, name) == 0 ? " selected" : "", name);
        }
}

int view_student(const struct templates *t, const json_t *student, const struct grade_form *form,
                 struct page **ret) {
        static const struct grade_form empty = { 0 };
        const json_t *id = json_object_get(student, "ID"), *grades = json_object_get(student, "Grades");
        struct buf table = { 0 }, err = { 0 }, options = { 0 }, name = { 0 };
        char *table_html, *error_html, *options_html, *name_text, id_text[32], average[32];
        int r = 0;

        if (!json_is_object(student) || !json_is_integer(id))
                return -EINVAL;
        if (!form)
                form = &empty;
        snprintf(id_text, sizeof id_text, "%lld", (long long) json_integer_value(id));
        format_average(grades, average, sizeof average);
        grade_rows(&table, grades);
        error_fragment(&err, form->error);
        type_options(&options, form->type);
        buf_printf(&name, "%s %s", string_of(student, "FirstName"), string_of(student, "LastName"));
        table_html = fragment(&table, &r);
        error_html = fragment(&err, &r);
        options_html = fragment(&options, &r);
        name_text = fragment(&name, &r);
        if (table_html && error_html && options_html && name_text) {
                const struct tmpl_var vars[] = {
                        { "name", TMPL_TEXT, name_text },
                        { "id", TMPL_TEXT, id_text },
                        { "grades", TMPL_HTML, table_html },
                        { "average", TMPL_TEXT, average },
                        { "error", TMPL_HTML, error_html },
                        { "title", TMPL_TEXT, form->title },
                        { "type_options", TMPL_HTML, options_html },
                        { "score", TMPL_TEXT, form->score },
                        { "csrf", TMPL_SLOT, NULL },
                };
                r = page_render(t->student, vars, ELEMENTSOF(vars), ret);
        }
        free(table_html);
        free(error_html);
        free(options_html);
        free(name_text);
        return r;
}

/* In cluster mode (a /etc/dgo/cluster.conf on the registry's host) every
 * entry has a "Host", and while the registry has lost etcd the other hosts'
 * entries have "Stale": true. A single host has neither, and its page must
 * not change: the column and the note appear only when the data has them. */
static bool any_has_host(const json_t *services) {
        const json_t *s;
        size_t i;

        json_array_foreach(services, i, s)
                if (json_is_string(json_object_get(s, "Host")))
                        return true;
        return false;
}

static bool is_stale(const json_t *s) {
        return json_is_true(json_object_get(s, "Stale"));
}

static bool any_stale(const json_t *services) {
        const json_t *s;
        size_t i;

        json_array_foreach(services, i, s)
                if (is_stale(s))
                        return true;
        return false;
}

static void service_cell(struct buf *b, const char *class, const char *value) {
        buf_printf(b, "<td class=\"%s\">", class);
        html_escape_str(b, value);
        buf_puts(b, "</td>");
}

static void service_rows(struct buf *b, const json_t *services, const char *registry_url) {
        static const char *const columns[] = { "ServiceURL", "Unit", "Health", "Since", "Reason" };
        static const char *const classes[] = { "url", "unit", "health", "since", "reason" };
        bool hosts = any_has_host(services);
        const json_t *s;
        size_t i;

        if (any_stale(services))
                buf_puts(b, "<p class=\"stale\" role=\"status\">The registry has lost etcd: "
                            "other hosts' entries may be out of date</p>\n");
        buf_printf(b, "<table id=\"services\">\n<thead><tr><th scope=\"col\">Service</th>%s<th scope=\"col\">URL</th>"
                      "<th scope=\"col\">Unit</th><th scope=\"col\">Health</th><th scope=\"col\">Since</th>"
                      "<th scope=\"col\">Reason</th></tr></thead>\n<tbody>\n",
                   hosts ? "<th scope=\"col\">Host</th>" : "");
        /* The registry is not in its own table; it answered, so it is up.
         * Its host is not in its answer: that cell stays empty. */
        buf_printf(b, "<tr class=\"up registry\"><td class=\"name\">Registry</td>%s<td class=\"url\">",
                   hosts ? "<td class=\"host\"></td>" : "");
        html_escape_str(b, registry_url);
        buf_puts(b, "</td><td class=\"unit\"></td><td class=\"health\">up</td><td class=\"since\"></td>"
                    "<td class=\"reason\">answered this page</td></tr>\n");
        json_array_foreach(services, i, s) {
                const char *health = string_of(s, "Health");
                bool stale = is_stale(s);

                /* The class names are ours, never the data's. */
                buf_printf(b, "<tr class=\"%s%s\">", strcmp(health, "up") == 0 ? "up" :
                                                     strcmp(health, "down") == 0 ? "down" : "unknown",
                           stale ? " stale" : "");
                service_cell(b, "name", string_of(s, "ServiceName"));
                if (hosts)
                        service_cell(b, "host", string_of(s, "Host"));
                for (size_t k = 0; k < ELEMENTSOF(columns); k++) {
                        buf_printf(b, "<td class=\"%s\">", classes[k]);
                        html_escape_str(b, string_of(s, columns[k]));
                        /* A stale health is the last one etcd told, not what is true now. */
                        if (stale && strcmp(columns[k], "Health") == 0)
                                buf_puts(b, " (stale)");
                        buf_puts(b, "</td>");
                }
                buf_puts(b, "</tr>\n");
        }
        buf_puts(b, "</tbody>\n</table>");
}

int view_status(const struct templates *t, const json_t *services, const char *registry_url, struct page **ret) {
        struct buf table = { 0 };
        char *table_html;
        int r = 0;

        if (!json_is_array(services))
                return -EINVAL;
        service_rows(&table, services, registry_url ? registry_url : "");
        table_html = fragment(&table, &r);
        if (table_html) {
                const struct tmpl_var vars[] = {
                        { "services", TMPL_HTML, table_html },
                        { "registry", TMPL_TEXT, registry_url },
                        { "csrf", TMPL_SLOT, NULL },
                };
                r = page_render(t->status, vars, ELEMENTSOF(vars), ret);
        }
        free(table_html);
        return r;
}

int view_error(const struct templates *t, unsigned status, const char *title, const char *message,
               struct page **ret) {
        char status_text[16];
        const struct tmpl_var vars[] = {
                { "status", TMPL_TEXT, status_text },
                { "title", TMPL_TEXT, title },
                { "message", TMPL_TEXT, message },
                { "csrf", TMPL_SLOT, NULL },
        };

        snprintf(status_text, sizeof status_text, "%u", status);
        return page_render(t->error, vars, ELEMENTSOF(vars), ret);
}

int view_login(const struct templates *t, const char *error, const char *name, struct page **ret) {
        struct buf b = { 0 };
        char *error_html;
        int r = 0;

        error_fragment(&b, error);
        error_html = fragment(&b, &r);
        if (!error_html)
                return r < 0 ? r : -ENOMEM;
        const struct tmpl_var vars[] = {
                { "error", TMPL_HTML, error_html },
                { "name", TMPL_TEXT, name ? name : "" },
                { "csrf", TMPL_SLOT, NULL },
        };
        r = page_render(t->login, vars, ELEMENTSOF(vars), ret);
        free(error_html);
        return r;
}
