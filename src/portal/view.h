/* view.h - the portal's pages from the services' JSON.
 *
 * Pure code (but for loading the templates), unit-tested against the real
 * templates: what the data says becomes HTML fragments here, every value
 * escaped, and the fragments go into the page templates. The structure
 * (ids, classes, data- attributes) is what the browser tests rely on. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "basic/buf.h"
#include "listing.h"
#include "page.h"
#include "template.h"

struct templates {
        struct tmpl *students, *student, *status, *error;
        struct tmpl *login;             /* a page of its own: no navigation, no logout */
};

/* Load DIR/students.html, student.html, status.html, error.html (each in
 * DIR/layout.html) and DIR/login.html. */
int templates_load(struct templates *t, const char *dir);
void templates_free(struct templates *t);

/* What a form showed, for showing it again with an error. All may be NULL. */
struct student_form {
        const char *first_name, *last_name;
        const char *error;
};

struct grade_form {
        const char *title, *type, *score;
        const char *error;
};


/* A page of the student list (listing.h): ROWS its students (a JSON list),
 * Q what was asked (its search goes back into the search box), L where the
 * page is in the list (for "Students 101–200 of 250" and the links to the
 * other pages). Q and L may be NULL: then ROWS is the whole list, on one
 * page. -EINVAL when ROWS is not a list. FORM may be NULL. */
int view_students(const struct templates *t, const json_t *rows, const struct listing_query *q,
                  const struct listing *l, const struct student_form *form, struct page **ret);
/* GET /students/{id}, as a page. -EINVAL when STUDENT is not a student. */
int view_student(const struct templates *t, const json_t *student, const struct grade_form *form,
                 struct page **ret);
/* The registry's GET /services. When entries carry "Host" (cluster mode),
 * a Host column; entries with "Stale": true have "(stale)" after their
 * health and a note above the table says the registry has lost etcd.
 * -EINVAL when SERVICES is not a list. */
int view_status(const struct templates *t, const json_t *services, const char *registry_url, struct page **ret);
/* The login page: ERROR (a sentence, or NULL) above the form, NAME typed
 * in again; the form's CSRF token is a slot. */
int view_login(const struct templates *t, const char *error, const char *name, struct page **ret);
/* An error page: STATUS, a short TITLE, a MESSAGE. */
int view_error(const struct templates *t, unsigned status, const char *title, const char *message,
               struct page **ret);
