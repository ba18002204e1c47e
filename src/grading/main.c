/* dgo-grading - the grading service: the grade book, in SQLite (one host)
 * or PostgreSQL (one book for the replicas of several hosts).
 *
 * The original protocol (GET /students, GET /students/{id},
 * POST /students/{id}/grades) plus POST /students,
 * DELETE /students/{id}/grades/{index} and paging (GET /students?offset=..).
 *
 * The rule: it never serves or saves a grade book it could not fully load.
 * It loads the whole database at start or exits; a change is acknowledged
 * only once committed (writer.h: group commit), and memory follows the disk
 * only after that commit; when it cannot know what the disk holds, it exits
 * and systemd restarts it from the disk. Reads are served from memory, from
 * replies kept ready (replies.h), and never wait for a commit's fsync; the
 * whole book's reply is made by a thread of its own (list_builder.h). */
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http/http.h"
#include "list_builder.h"
#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "replies.h"
#include "service/registry_client.h"
#include "service/service.h"
#include "follower.h"
#include "store.h"
#include "writer.h"

#define BODY_MAX (16 * 1024)
#define THREADS_MAX 16
#define PAGE_LIMIT_MAX 1000
#define PAGE_LIMIT_DEFAULT 100

struct grading {
        struct service service;
        struct registry_client *registry;
        /* Requests are served by more than one thread (--threads), and the
         * writer thread applies committed changes: the book and its replies
         * are read and changed with this held, each time briefly (never
         * across a commit). */
        pthread_mutex_t lock;
        struct gradebook gb;
        struct replies replies;
        struct store *store;
        struct writer *writer;
        struct follower *follower;              /* PostgreSQL: the other replicas' changes */
        char *pg_password;                      /* the credential, for the follower's connection */
        struct list_builder *builder;
        char *path, *seed;
        bool postgresql;                        /* --backend postgresql */
        char *pg_conninfo;                      /* --pg-conninfo */
        unsigned long long reads, changes;
        unsigned long long refreshed;   /* students another writer changed, read again */
        unsigned threads;                       /* --threads; 0: default_threads() */
};

/* The whole book: ready, or made by the list builder while REQ waits. */
static int list_all(struct http_request *req, struct grading *g) {
        int r;

        pthread_mutex_lock(&g->lock);
        g->reads++;
        if (g->replies.all)
                r = http_reply_shared(req, 200, g->replies.all);
        else if (list_builder_wait(g->builder, req))
                r = HTTP_LATER;
        else
                r = http_reply_error(req, 503, "the grading service is stopping");
        pthread_mutex_unlock(&g->lock);
        return r;
}

/* A decimal in [MIN, MAX] from the query, DEF when absent; false (and a
 * 400 sent) when not valid. */
static bool query_number(struct http_request *req, const char *key, long min, long max, long def, long *ret) {
        const char *text = http_request_query(req, key);
        long v;

        if (!text) {
                *ret = def;
                return true;
        }
        v = strcmp(text, "0") == 0 ? 0 : student_id_parse(text);
        if (v < min || v > max) {
                http_reply_error(req, 400, "\"%s\" must be a whole number from %ld to %ld", key, min, max);
                return false;
        }
        *ret = v;
        return true;
}

/* GET /students?offset=N&limit=M&name=TEXT: an extension; the total of
 * matching students in X-Total-Count. */
static int list_page(struct http_request *req, struct grading *g) {
        const char *name = http_request_query(req, "name");
        long offset, limit;
        size_t len, total;
        char count[32], *body;

        if (!query_number(req, "offset", 0, GB_ID_MAX, 0, &offset) ||
            !query_number(req, "limit", 1, PAGE_LIMIT_MAX, PAGE_LIMIT_DEFAULT, &limit))
                return 0;
        if (name && !text_field_valid(name, strlen(name), GB_NAME_MAX))
                return http_reply_error(req, 400, "\"name\" must be text of 1 to %d bytes without control characters",
                                        GB_NAME_MAX);
        pthread_mutex_lock(&g->lock);
        body = replies_page(&g->replies, &g->gb, (size_t) offset, (size_t) limit, name, &len, &total);
        g->reads++;
        pthread_mutex_unlock(&g->lock);
        if (!body)
                return -ENOMEM;
        snprintf(count, sizeof count, "%zu", total);
        int r = http_reply_take(req, 200, "application/json", body, len);
        return r < 0 ? r : http_reply_header(req, "X-Total-Count", count);
}

static int handle_list(struct http_request *req, void *userdata) {
        if (http_request_query(req, "offset") || http_request_query(req, "limit") || http_request_query(req, "name"))
                return list_page(req, userdata);
        return list_all(req, userdata);
}

/* With the lock held: the student of the {} in the path, or NULL. */
static struct student *path_student(struct http_request *req, struct grading *g) {
        long id = student_id_parse(http_request_param(req, 0));

        return id > 0 ? gradebook_find(&g->gb, id) : NULL;
}

static int reply_no_student(struct http_request *req) {
        return http_reply_error(req, 404, "no student with ID %s", http_request_param(req, 0));
}

/* The ID of the student of the {} in the path, or 0 with a 404 sent.
 * (Students are never removed: the ID stays good after the lock.) */
static long student_of(struct http_request *req, struct grading *g) {
        pthread_mutex_lock(&g->lock);
        struct student *s = path_student(req, g);
        long id = s ? s->id : 0;
        pthread_mutex_unlock(&g->lock);
        if (!id)
                reply_no_student(req);
        return id;
}

static int handle_one(struct http_request *req, void *userdata) {
        struct grading *g = userdata;
        struct student *s;
        int r = 0;

        pthread_mutex_lock(&g->lock);
        s = path_student(req, g);
        if (s) {
                struct http_shared *one = replies_student(&g->replies, &g->gb, (size_t) (s - g->gb.students));
                g->reads++;
                r = one ? http_reply_shared(req, 200, one) : -ENOMEM;
        }
        pthread_mutex_unlock(&g->lock);
        return s ? r : reply_no_student(req);
}

static json_t *body_json(struct http_request *req) {
        json_error_t jerr;
        size_t len;
        const char *body = http_request_body(req, &len);
        json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

        if (!j)
                http_reply_error(req, 400, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        return j;
}

/* Hand C to the writer; it answers (answer_change()). */
static int submit(struct http_request *req, struct grading *g, struct change *c) {
        c->request = req;
        if (!writer_submit(g->writer, c)) {
                change_free(c);
                return http_reply_error(req, 503, "the grade book takes no changes now (the service is stopping); "
                                        "nothing was changed");
        }
        return HTTP_LATER;
}

static int handle_add_grade(struct http_request *req, void *userdata) {
        struct grading *g = userdata;
        long id = student_of(req, g);
        struct change *c;
        char error[160];
        json_t *j;
        int r;

        if (!id || !(j = body_json(req)))
                return 0;
        c = calloc(1, sizeof *c);
        if (!c) {
                json_decref(j);
                return -ENOMEM;
        }
        *c = (struct change) { .kind = CHANGE_ADD_GRADE, .student = id };
        r = grade_from_json(j, &c->grade, error, sizeof error);
        json_decref(j);
        if (r < 0) {
                change_free(c);
                return r == -ENOMEM ? r : http_reply_error(req, 400, "%s", error);
        }
        return submit(req, g, c);
}

static int handle_remove_grade(struct http_request *req, void *userdata) {
        struct grading *g = userdata;
        long id = student_of(req, g);
        const char *text = http_request_param(req, 1);
        struct change *c;
        long index;

        if (!id)
                return 0;
        /* The index is the grade's 0-based position, as listed in "Grades". */
        index = strcmp(text, "0") == 0 ? 0 : student_id_parse(text);
        if (index < 0 || index >= GB_GRADES_MAX)
                return http_reply_error(req, 404, "student %ld has no grade %s", id, text);
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        *c = (struct change) { .kind = CHANGE_REMOVE_GRADE, .student = id, .index = (size_t) index };
        /* The grade this replica shows there: the one to remove (with
         * PostgreSQL, checked against the book: another replica may have
         * changed the student since). None: 404, as it was never shown. */
        pthread_mutex_lock(&g->lock);
        const struct student *s = gradebook_find(&g->gb, id);
        bool shown = s && (size_t) index < s->n_grades;
        if (shown) {
                c->grade = s->grades[index];
                c->grade.title = strdup(s->grades[index].title);
        }
        pthread_mutex_unlock(&g->lock);
        if (!shown) {
                change_free(c);
                return http_reply_error(req, 404, "student %ld has no grade %s", id, text);
        }
        if (!c->grade.title) {
                change_free(c);
                return -ENOMEM;
        }
        return submit(req, g, c);
}

static int handle_add_student(struct http_request *req, void *userdata) {
        struct grading *g = userdata;
        struct change *c;
        char error[160];
        json_t *j = body_json(req);
        int r;

        if (!j)
                return 0;
        c = calloc(1, sizeof *c);
        if (!c) {
                json_decref(j);
                return -ENOMEM;
        }
        *c = (struct change) { .kind = CHANGE_ADD_STUDENT };
        r = student_names_from_json(j, &c->first_name, &c->last_name, error, sizeof error);
        json_decref(j);
        if (r < 0) {
                change_free(c);
                return r == -ENOMEM ? r : http_reply_error(req, 400, "%s", error);
        }
        return submit(req, g, c);
}

/* Make stored change C in memory; the lock is held. */
static int apply_change(struct grading *g, struct change *c) {
        struct student *s;
        struct grade grade;
        int r;

        if (c->kind == CHANGE_ADD_STUDENT) {
                r = gradebook_append_student(&g->gb, c->student, c->first_name, c->last_name);
                if (r >= 0)
                        replies_changed(&g->replies, g->gb.n_students - 1);
                return r;
        }
        s = gradebook_find(&g->gb, c->student);
        if (!s)
                return -ENOENT;                 /* cannot be: students stay */
        if (c->kind == CHANGE_ADD_GRADE) {
                grade = c->grade;
                grade.title = strdup(c->grade.title);   /* C keeps its own, for the answer */
                r = grade.title ? student_add_grade(s, &grade) : -ENOMEM;
                if (r < 0)
                        free(grade.title);
        } else
                r = student_remove_grade(s, c->index);
        if (r >= 0)
                replies_changed(&g->replies, (size_t) (s - g->gb.students));
        return r;
}

/* Put the students another writer changed (C->fresh, read after the
 * batch's commit) in their places; the lock is held. */
static int apply_refresh(struct grading *g, struct change *c) {
        if (c->n_ids == 0) {                    /* the whole book */
                gradebook_free(&g->gb);
                g->gb = c->fresh;
                c->fresh = (struct gradebook) { 0 };
                replies_free(&g->replies);
                g->refreshed += g->gb.n_students;
                return 0;
        }
        for (size_t i = 0; i < c->fresh.n_students; i++) {
                size_t pos;
                bool inserted;
                int r = gradebook_put_student(&g->gb, &c->fresh.students[i], &pos, &inserted);

                if (r < 0)
                        return r;
                if (inserted && pos + 1 < g->gb.n_students)
                        replies_free(&g->replies);      /* the students after it moved */
                else
                        replies_changed(&g->replies, pos);
        }
        g->refreshed += c->fresh.n_students;
        return 0;
}

static int apply_batch(struct change *batch, void *userdata) {
        struct grading *g = userdata;
        int r = 0;

        pthread_mutex_lock(&g->lock);
        for (struct change *c = batch; c; c = c->next)
                if (c->outcome == CHANGE_STORED && c->kind != CHANGE_REFRESH) {
                        int k = apply_change(g, c);
                        if (k < 0 && r >= 0)
                                r = log_error_errno(k, "Cannot apply a stored change of student %ld in memory",
                                                    c->student);
                        g->changes++;
                }
        /* Last: what they read is newer than every change above. */
        for (struct change *c = batch; c; c = c->next)
                if (c->kind == CHANGE_REFRESH) {
                        int k = apply_refresh(g, c);
                        if (k < 0 && r >= 0)
                                r = log_error_errno(k, "Cannot take another writer's changes in memory");
                }
        pthread_mutex_unlock(&g->lock);
        return r;
}

/* The reply to a change that was stored. */
static void answer_stored(struct http_request *req, struct grading *g, struct change *c) {
        json_t *j;

        switch (c->kind) {
        case CHANGE_ADD_GRADE:
                log_info("Grade added for student %ld: %s (%s) %g", c->student, c->grade.title,
                         grade_type_to_string(c->grade.type), c->grade.score);
                http_reply_json(req, 201, grade_to_json(&c->grade));
                return;
        case CHANGE_ADD_STUDENT:
                log_info("Student %ld added: %s %s", c->student, c->first_name, c->last_name);
                j = json_pack("{s:I, s:s, s:s, s:[]}", "ID", (json_int_t) c->student, "FirstName", c->first_name,
                              "LastName", c->last_name, "Grades");
                http_reply_json(req, 201, j);
                return;
        case CHANGE_REFRESH:
                return;                 /* answered by nobody (answer_change()) */
        case CHANGE_REMOVE_GRADE:
                log_info("Grade %zu of student %ld removed", c->index, c->student);
                pthread_mutex_lock(&g->lock);
                j = student_to_json(gradebook_find(&g->gb, c->student));
                pthread_mutex_unlock(&g->lock);
                http_reply_json(req, 200, j);
                return;
        }
}

static void answer_refused(struct http_request *req, struct change *c) {
        if (c->kind == CHANGE_ADD_GRADE)
                http_reply_error(req, 409, "student %ld has %d grades, the most there can be", c->student,
                                 GB_GRADES_MAX);
        else if (c->kind == CHANGE_ADD_STUDENT)
                http_reply_error(req, 409, "the grade book is full (%d students)", GB_STUDENTS_MAX);
        else if (c->error == -ESTALE)
                http_reply_error(req, 409, "grade %zu of student %ld is not the one shown: another grading "
                                 "service changed the student meanwhile; read it again", c->index, c->student);
        else
                http_reply_error(req, 404, "student %ld has no grade %zu", c->student, c->index);
}

/* In the request's own thread (http_request_resume_async()). */
static void answer_in_thread(struct http_request *req, void *data) {
        struct change *c = data;

        switch (c->outcome) {
        case CHANGE_STORED:
                answer_stored(req, c->grading, c);
                break;
        case CHANGE_REFUSED:
                answer_refused(req, c);
                break;
        case CHANGE_NOT_STORED:
                http_reply_error(req, 503, "the change could not be stored; nothing was changed");
                break;
        case CHANGE_UNKNOWN:
                http_reply_error(req, 500, "the grade book's database failed while the change was being "
                                 "committed: it may or may not have been stored; look before trying again");
                break;
        }
        change_free(c);
}

static void answer_change(struct change *c, void *userdata) {
        if (c->kind == CHANGE_REFRESH) {        /* nobody to answer */
                change_free(c);
                return;
        }
        c->grading = userdata;
        http_request_resume_async(c->request, answer_in_thread, c);
}

static const struct writer_ops writer_ops = { .apply = apply_batch, .answer = answer_change };

static const struct http_route routes[] = {
        { "GET", "/students", handle_list, 0, 0 },
        { "POST", "/students", handle_add_student, BODY_MAX, 0 },
        { "GET", "/students/{}", handle_one, 0, 0 },
        { "POST", "/students/{}/grades", handle_add_grade, BODY_MAX, 0 },
        { "DELETE", "/students/{}/grades/{}", handle_remove_grade, 0, 0 },
};

static void status(char *buf, size_t size, void *userdata) {
        struct grading *g = userdata;

        pthread_mutex_lock(&g->lock);
        snprintf(buf, size, "Serving on %s with %u threads; %zu students; %llu reads, %llu changes in %llu commits",
                 g->service.address, g->service.threads, g->gb.n_students, g->reads, g->changes,
                 g->writer ? writer_commits(g->writer) : 0);
        if (g->postgresql) {
                size_t n = strlen(buf);
                snprintf(buf + n, size - n, "; %llu students read again for other replicas' changes", g->refreshed);
        }
        pthread_mutex_unlock(&g->lock);
}

static void usage(FILE *f) {
        fprintf(f,
                "Usage: dgo-grading [OPTIONS]\n"
                "\n"
                "The dgo grading service. Normally started by dgo-grading.socket.\n"
                "\n"
                "  -l, --listen ADDR     listen on ADDR when not socket-activated\n"
                "      --backend sqlite|postgresql\n"
                "                        where the grade book is (default: sqlite)\n"
                "      --store FILE      the grade book, an SQLite database (default:\n"
                "                        $STATE_DIRECTORY/gradebook.db, or ./gradebook.db outside\n"
                "                        systemd); a new one imports students.json beside it\n"
                "      --pg-conninfo STRING\n"
                "                        with --backend postgresql: the libpq connection string\n"
                "                        (e.g. \"host=10.0.0.1,10.0.0.2 dbname=dgo user=dgo\n"
                "                        target_session_attrs=read-write sslmode=verify-full\"); the\n"
                "                        password is read from $CREDENTIALS_DIRECTORY/dgo-pg-password;\n"
                "                        a new book imports students.json of the state directory\n"
                "      --seed FILE       sample students for the first start\n"
                "                        (default: %s/students.json)\n"
                "      --threads N       serve from N threads (default: one per CPU, at most %d)\n"
                "      --registry URL    register there (default: $DGO_REGISTRY or\n"
                "                        " REGISTRY_URL_DEFAULT ")\n"
                "  -h, --help            show this help\n"
                "      --version         show the version\n", DGO_DATADIR, THREADS_MAX);
}

enum { OPT_STORE = SERVICE_OPT_FIRST, OPT_SEED, OPT_THREADS, OPT_BACKEND, OPT_PG_CONNINFO };

static int on_option(int opt, const char *arg, void *userdata) {
        struct grading *g = userdata;
        char **field = opt == OPT_STORE ? &g->path : opt == OPT_SEED ? &g->seed :
                       opt == OPT_PG_CONNINFO ? &g->pg_conninfo : NULL;

        if (opt == OPT_BACKEND) {
                if (strcmp(arg, "sqlite") != 0 && strcmp(arg, "postgresql") != 0)
                        return -EINVAL;
                g->postgresql = strcmp(arg, "postgresql") == 0;
                return 0;
        }

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

/* The JSON file an earlier dgo kept the book in: beside the database. */
static char *legacy_path(const char *store) {
        char *copy = strdup(store), *path = NULL;

        if (copy && asprintf(&path, "%s/students.json", dirname(copy)) < 0)
                path = NULL;
        free(copy);
        return path;
}

static void free_secret(char *s);

/* What main() set up. The writer and the list builder answer what waits
 * for them before the server goes: every suspended request is resumed
 * before http_server_free(). */
static void grading_done(struct grading *g) {
        follower_free(g->follower);             /* it hands refreshes to the writer */
        writer_stop(g->writer);
        list_builder_stop(g->builder);
        registry_client_free(g->registry);
        service_close(&g->service);
        store_close(g->store);
        replies_free(&g->replies);
        gradebook_free(&g->gb);
        free(g->path);
        free(g->seed);
        free(g->pg_conninfo);
        free_secret(g->pg_password);
}

/* The credential dgo-pg-password (LoadCredential=), when there is one:
 * *RET NULL when not. Never from the command line, which every user sees. */
#define PG_PASSWORD_CREDENTIAL "dgo-pg-password"
static int read_pg_password(char **ret) {
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        _cleanup_free_ char *path = NULL;
        char *text = NULL;
        size_t len;
        int r;

        *ret = NULL;
        if (!dir || !*dir)
                return 0;
        if (asprintf(&path, "%s/" PG_PASSWORD_CREDENTIAL, dir) < 0)
                return -ENOMEM;
        r = read_file_bounded(path, 4096, &text, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Cannot read the PostgreSQL password %s", path);
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
                text[--len] = '\0';
        *ret = text;
        return 0;
}

static void free_secret(char *s) {
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}

/* The whole book, or nothing: a failure here ends the process. */
static int open_store(struct grading *g, const char *legacy) {
        int r;

        if (!g->postgresql) {
                if (g->pg_conninfo)
                        log_warning("--pg-conninfo is for --backend postgresql: ignored");
                return store_open(g->path, legacy, g->seed, &g->store, &g->gb);
        }
        if (!g->pg_conninfo) {
                log_error("--backend postgresql needs --pg-conninfo");
                return -EINVAL;
        }
        if (strstr(g->pg_conninfo, "password"))
                log_warning("--pg-conninfo holds a password, which every user of this host can read (ps); "
                            "give it as the credential " PG_PASSWORD_CREDENTIAL " instead");
        r = read_pg_password(&g->pg_password);
        if (r < 0)
                return r;
        return store_open_postgresql(g->pg_conninfo, g->pg_password, legacy, g->seed, &g->store, &g->gb);
}

/* Open, load the book, start the writer and the list builder, register and
 * serve until told to stop. */
static int run(struct grading *g, const struct service_args *args) {
        static const char *const required[] = { "LogService", NULL };
        _cleanup_free_ char *legacy = NULL;
        int r;

        r = service_open(&g->service, "dgo-grading", args);
        if (r < 0)
                return r;
        if (!g->path && !(g->path = service_dir_file("STATE_DIRECTORY", "gradebook.db", "gradebook.db")))
                return -ENOMEM;
        if (!g->seed && !(g->seed = strdup(DGO_DATADIR "/students.json")))
                return -ENOMEM;
        legacy = legacy_path(g->path);
        if (!legacy)
                return -ENOMEM;
        r = open_store(g, legacy);
        if (r < 0)
                return r;
        r = writer_start(g->store, g->service.event, &writer_ops, g, &g->writer);
        if (r < 0)
                return r;
        if (g->postgresql) {
                r = follower_start(g->service.event, g->pg_conninfo, g->pg_password, g->writer, &g->follower);
                if (r < 0)
                        return log_error_errno(r, "Cannot follow the other replicas' changes");
        }
        r = list_builder_start(&g->lock, &g->replies, &g->gb, &g->builder);
        if (r < 0)
                return r;
        g->service.threads = g->threads ? g->threads : default_threads();
        r = service_register(&g->service, args, "GradingService", required, &g->registry);
        if (r < 0)
                return r;
        registry_client_forward_logs(g->registry);      /* before the threads that log start */
        r = service_serve(&g->service, routes, ELEMENTSOF(routes), g);
        if (r < 0)
                return r;
        r = loop_add_status(g->service.event, status, g);
        if (r < 0)
                return r;
        log_info("Serving on %s with %u threads; %zu students in %s", g->service.address, g->service.threads,
                 g->gb.n_students, g->postgresql ? "PostgreSQL" : g->path);
        notify_ready("Serving on %s; %zu students", g->service.address, g->gb.n_students);
        return service_run(&g->service);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "store", required_argument, NULL, OPT_STORE },
                { "seed", required_argument, NULL, OPT_SEED },
                { "threads", required_argument, NULL, OPT_THREADS },
                { "backend", required_argument, NULL, OPT_BACKEND },
                { "pg-conninfo", required_argument, NULL, OPT_PG_CONNINFO },
                { NULL, 0, NULL, 0 }
        };
        _cleanup_(grading_done) struct grading g = { .lock = PTHREAD_MUTEX_INITIALIZER };
        struct service_args args;
        int r;

        r = service_parse_args(argc, argv, "dgo-grading", options, NULL, on_option, &g, usage, &args);
        if (r != 0)
                return r > 0 ? 0 : 1;
        return run(&g, &args) < 0 ? 1 : 0;
}
