/* dgo-grading - the grading service: the grade book, durable without a database.
 *
 * The original protocol (GET /students, GET /students/{id},
 * POST /students/{id}/grades) plus POST /students and
 * DELETE /students/{id}/grades/{index}. Every change is on disk before it
 * is acknowledged; reads are served from JSON kept ready between changes. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "service.h"
#include "store.h"

#define BODY_MAX (16 * 1024)
#define THREADS_MAX 16

struct grading {
        struct service service;
        /* Requests are served by more than one thread (--threads), and every
         * handler reads or changes the grade book or its cached replies:
         * each runs with this held. A read holds it for a few hundred
         * nanoseconds; a change for its fsync. */
        pthread_mutex_t lock;
        struct gradebook gb;
        char *path, *seed;
        /* Replies kept ready; all dropped on any change. */
        struct http_shared *all;
        struct http_shared **one;               /* by position in gb.students */
        size_t n_one;
        unsigned long long reads, changes;
        unsigned threads;                       /* --threads; 0: default_threads() */
};

static void cache_drop(struct grading *g) {
        http_shared_free(g->all);
        g->all = NULL;
        for (size_t i = 0; i < g->n_one; i++)
                http_shared_free(g->one[i]);
        free(g->one);
        g->one = NULL;
        g->n_one = 0;
}

static struct http_shared *shared_json(json_t *j) {
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

        json_decref(j);
        return text ? http_shared_new("application/json", text, strlen(text)) : NULL;
}

static int reply_error_json(struct dgo_request *req, const char *what) {
        return http_reply_error(req, 500, "cannot encode %s", what);
}

static int list_students(struct dgo_request *req, struct grading *g) {

        if (!g->all && !(g->all = shared_json(gradebook_to_json(&g->gb))))
                return reply_error_json(req, "the students");
        g->reads++;
        return http_reply_shared(req, 200, g->all);
}

/* The student of the {} in the path, or a 404 already sent. */
static struct student *student_of(struct dgo_request *req, struct grading *g, size_t *pos) {
        const char *id_text = http_request_param(req, 0);
        long id = student_id_parse(id_text);
        struct student *s = id > 0 ? gradebook_find(&g->gb, id) : NULL;

        if (!s) {
                http_reply_error(req, 404, "no student with ID %s", id_text);
                return NULL;
        }
        if (pos)
                *pos = (size_t) (s - g->gb.students);
        return s;
}

static int show_student(struct dgo_request *req, struct grading *g) {
        size_t pos;
        struct student *s = student_of(req, g, &pos);

        if (!s)
                return 0;
        if (g->n_one != g->gb.n_students) {
                cache_drop(g);
                g->one = calloc(g->gb.n_students, sizeof *g->one);
                if (!g->one)
                        return -ENOMEM;
                g->n_one = g->gb.n_students;
        }
        if (!g->one[pos] && !(g->one[pos] = shared_json(student_to_json(s))))
                return reply_error_json(req, "the student");
        g->reads++;
        return http_reply_shared(req, 200, g->one[pos]);
}

static json_t *body_json(struct dgo_request *req) {
        json_error_t jerr;
        size_t len;
        const char *body = http_request_body(req, &len);
        json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

        if (!j)
                http_reply_error(req, 400, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        return j;
}

/* Save a change before it is acknowledged. On failure the change is undone
 * by reading back what is on disk, and the client hears 503. */
static int commit(struct dgo_request *req, struct grading *g) {
        int r;

        cache_drop(g);
        r = store_save(g->path, &g->gb);
        if (r >= 0) {
                g->changes++;
                return 0;
        }
        gradebook_free(&g->gb);
        if (store_load(g->path, g->seed, &g->gb) < 0)
                log_error("Cannot read back %s after a failed save", g->path);
        http_reply_error(req, 503, "the change could not be stored; nothing was changed");
        return r;
}

static int add_grade(struct dgo_request *req, struct grading *g) {
        struct student *s = student_of(req, g, NULL);
        struct grade grade;
        char error[160];
        json_t *j;
        int r;

        if (!s || !(j = body_json(req)))
                return 0;
        r = grade_from_json(j, &grade, error, sizeof error);
        json_decref(j);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return http_reply_error(req, 400, "%s", error);
        r = student_add_grade(s, &grade);
        if (r < 0) {
                free(grade.title);
                return r == -ENOSPC ? http_reply_error(req, 409, "student %ld has %d grades, the most there can be",
                                                       s->id, GB_GRADES_MAX) : r;
        }
        long id = s->id;
        if (commit(req, g) < 0)
                return 0;
        s = gradebook_find(&g->gb, id);
        log_info("Grade added for student %ld: %s (%s) %g", id, s->grades[s->n_grades - 1].title,
                 grade_type_to_string(s->grades[s->n_grades - 1].type), s->grades[s->n_grades - 1].score);
        return http_reply_json(req, 201, grade_to_json(&s->grades[s->n_grades - 1]));
}

static int remove_grade(struct dgo_request *req, struct grading *g) {
        struct student *s = student_of(req, g, NULL);
        const char *text = http_request_param(req, 1);
        long index;

        if (!s)
                return 0;
        /* The index is the grade's 0-based position, as listed in "Grades". */
        index = strcmp(text, "0") == 0 ? 0 : student_id_parse(text);
        if (index < 0 || student_remove_grade(s, (size_t) index) < 0)
                return http_reply_error(req, 404, "student %ld has no grade %s", s->id, text);
        long id = s->id;
        if (commit(req, g) < 0)
                return 0;
        log_info("Grade %ld of student %ld removed", index, id);
        return http_reply_json(req, 200, student_to_json(gradebook_find(&g->gb, id)));
}

static int add_student(struct dgo_request *req, struct grading *g) {
        struct student *s;
        char error[160];
        json_t *j = body_json(req);
        int r;

        if (!j)
                return 0;
        r = gradebook_add_student(&g->gb, j, &s, error, sizeof error);
        json_decref(j);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return http_reply_error(req, r == -ENOSPC ? 409 : 400, "%s", error);
        long id = s->id;
        if (commit(req, g) < 0)
                return 0;
        s = gradebook_find(&g->gb, id);
        log_info("Student %ld added: %s %s", id, s->first_name, s->last_name);
        return http_reply_json(req, 201, student_to_json(s));
}

static int with_lock(struct dgo_request *req, struct grading *g, int (*fn)(struct dgo_request *, struct grading *)) {
        pthread_mutex_lock(&g->lock);
        int r = fn(req, g);
        pthread_mutex_unlock(&g->lock);
        return r;
}

static int handle_list(struct dgo_request *req, void *userdata) { return with_lock(req, userdata, list_students); }
static int handle_one(struct dgo_request *req, void *userdata) { return with_lock(req, userdata, show_student); }
static int handle_add_student(struct dgo_request *req, void *userdata) { return with_lock(req, userdata, add_student); }
static int handle_add_grade(struct dgo_request *req, void *userdata) { return with_lock(req, userdata, add_grade); }
static int handle_remove_grade(struct dgo_request *req, void *userdata) { return with_lock(req, userdata, remove_grade); }

static const struct dgo_route routes[] = {
        { "GET", "/students", handle_list, 0 },
        { "POST", "/students", handle_add_student, BODY_MAX },
        { "GET", "/students/{}", handle_one, 0 },
        { "POST", "/students/{}/grades", handle_add_grade, BODY_MAX },
        { "DELETE", "/students/{}/grades/{}", handle_remove_grade, 0 },
};

static void status(char *buf, size_t size, void *userdata) {
        struct grading *g = userdata;

        pthread_mutex_lock(&g->lock);
        snprintf(buf, size, "Serving on %s with %u threads; %zu students; %llu reads, %llu changes stored",
                 g->service.address, g->service.threads, g->gb.n_students, g->reads, g->changes);
        pthread_mutex_unlock(&g->lock);
}

static void usage(FILE *f) {
        fprintf(f,
                "Usage: dgo-grading [OPTIONS]\n"
                "\n"
                "The dgo grading service. Normally started by dgo-grading.socket.\n"
                "\n"
                "  -l, --listen ADDR     listen on ADDR when not socket-activated\n"
                "      --store FILE      the grade book (default: $STATE_DIRECTORY/students.json,\n"
                "                        or ./students.json outside systemd)\n"
                "      --seed FILE       sample students for the first start\n"
                "                        (default: %s/students.json)\n"
                "      --threads N       serve from N threads (default: one per CPU, at most %d)\n"
                "      --registry URL    register there (default: $DGO_REGISTRY or\n"
                "                        " REGISTRY_URL_DEFAULT ")\n"
                "  -h, --help            show this help\n"
                "      --version         show the version\n", DGO_DATADIR, THREADS_MAX);
}

enum { OPT_STORE = SERVICE_OPT_FIRST, OPT_SEED, OPT_THREADS };

static int on_option(int opt, const char *arg, void *userdata) {
        struct grading *g = userdata;
        char **field = opt == OPT_STORE ? &g->path : opt == OPT_SEED ? &g->seed : NULL;

        if (opt == OPT_THREADS) {
                long n = student_id_parse(arg);         /* a positive decimal, bounded */
                if (n < 1 || n > THREADS_MAX)
                        return -EINVAL;
                g->threads = (unsigned) n;
                return 0;
        }
        return field ? service_set_string(field, arg) : -EINVAL;
}

/* One thread per CPU: the handlers are short, and wrk-like loads of small
 * reads are what one thread cannot keep up with. */
static unsigned default_threads(void) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (unsigned) n;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "store", required_argument, NULL, OPT_STORE },
                { "seed", required_argument, NULL, OPT_SEED },
                { "threads", required_argument, NULL, OPT_THREADS },
                { NULL, 0, NULL, 0 }
        };
        static const char *const required[] = { "LogService", NULL };
        struct grading g = { .lock = PTHREAD_MUTEX_INITIALIZER };
        struct service_args args;
        int r;

        r = service_parse_args(argc, argv, "dgo-grading", options, NULL, on_option, &g, usage, &args);
        if (r != 0)
                return r > 0 ? 0 : 1;
        r = service_open(&g.service, "dgo-grading", &args);
        if (r < 0)
                goto out;
        if ((!g.path && !(g.path = service_dir_file("STATE_DIRECTORY", "students.json", "students.json"))) || (!g.seed && !(g.seed = strdup(DGO_DATADIR "/students.json")))) {
                r = -ENOMEM;
                goto out;
        }
        r = store_load(g.path, g.seed, &g.gb);
        if (r < 0)
                goto out;
        g.service.threads = g.threads ? g.threads : default_threads();
        r = service_register(&g.service, &args, "GradingService", required);
        if (r < 0)
                goto out;
        registry_client_forward_logs(g.service.registry);       /* before the threads that log start */
        if ((r = service_serve(&g.service, routes, sizeof routes / sizeof routes[0], &g)) < 0 ||
            (r = loop_add_status(g.service.event, status, &g)) < 0)
                goto out;
        log_info("Serving on %s with %u threads; %zu students in %s", g.service.address, g.service.threads,
                 g.gb.n_students, g.path);
        notify_ready("Serving on %s; %zu students", g.service.address, g.gb.n_students);
        r = service_run(&g.service);
out:
        service_close(&g.service);
        cache_drop(&g);
        gradebook_free(&g.gb);
        free(g.path);
        free(g.seed);
        return r < 0 ? 1 : 0;
}
