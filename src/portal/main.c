/* dgo-portal - the teacher portal: web pages and an API gateway in front
 * of the grading service.
 *
 * Pages: / (to /students), /students (the list, 100 students a page, a
 * search by name, and a form to add a student), /students/{id} (grades,
 * average, a form to add a grade), /status (the registry's table). API:
 * /api/students... relayed to the GradingService, /api/services to the
 * registry. Everything that needs another service waits for it without
 * blocking the loop (HTTP_LATER). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http/http.h"
#include "basic/log.h"
#include "basic/clock.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "portal.h"
#include "service/service.h"

#define STYLE_MAX (256 * 1024)

/* Every page but /login and /static needs a session, the API a session
 * with its CSRF header or an API token (login.h): HANDLER behind its guard. */
#define GUARDED(guard, handler)                                                 \
        static int guard##_##handler(struct http_request *req, void *userdata) { \
                return portal_##guard##_guard(req, userdata, portal_handle_##handler); \
        }
GUARDED(page, root)
GUARDED(page, list)
GUARDED(page, add_student)
GUARDED(page, student)
GUARDED(page, add_grade)
GUARDED(page, status)
GUARDED(api, api)
GUARDED(api, api_services)

static const struct http_route routes[] = {
        { "GET", "/login", portal_handle_login_page, 0, 0 },
        { "POST", "/login", portal_handle_login, PORTAL_BODY_MAX, HTTP_ROUTE_FORM },
        { "POST", "/logout", portal_handle_logout, PORTAL_BODY_MAX, HTTP_ROUTE_FORM },
        { "GET", "/", page_root, 0, 0 },
        { "GET", "/students", page_list, 0, 0 },
        { "POST", "/students", page_add_student, PORTAL_BODY_MAX, HTTP_ROUTE_FORM },
        { "GET", "/students/{}", page_student, 0, 0 },
        { "POST", "/students/{}/grades", page_add_grade, PORTAL_BODY_MAX, HTTP_ROUTE_FORM },
        { "GET", "/status", page_status, 0, 0 },
        { "GET", "/static/style.css", portal_handle_style, 0, 0 },
        /* The grading service's own routes, under /api. */
        { "GET", "/api/students", api_api, 0, 0 },
        { "POST", "/api/students", api_api, PORTAL_BODY_MAX, 0 },
        { "GET", "/api/students/{}", api_api, 0, 0 },
        { "POST", "/api/students/{}/grades", api_api, PORTAL_BODY_MAX, 0 },
        { "DELETE", "/api/students/{}/grades/{}", api_api, 0, 0 },
        { "GET", "/api/services", api_api_services, 0, 0 },
};

static void status(char *buf, size_t size, void *userdata) {
        struct portal *p = userdata;
        struct upstream_stats us;
        struct flight_stats fs;

        upstream_get_stats(p->grading, &us);
        flight_set_get_stats(&p->lists, &fs);
        snprintf(buf, size, "Serving on %s%s%s; %llu pages, %llu API calls; student list: %llu views from %llu fetches; "
                 "%llu failovers, %llu unanswered",
                 p->service.address, p->service.https ? ", HTTPS on " : "", p->service.https ? p->service.https_address : "",
                 p->pages, p->api, fs.served, fs.fetches, us.failovers, us.failed);
}

static void usage(FILE *f) {
        fprintf(f,
                "Usage: dgo-portal [OPTIONS]\n"
                "\n"
                "The dgo teacher portal. Normally started by dgo-portal.socket.\n"
                "\n"
                "  -l, --listen ADDR     listen on ADDR when not socket-activated\n"
                "      --templates DIR   the page templates (default: %s/templates)\n"
                "      --static DIR      the stylesheet's directory (default: %s/static)\n"
                "      --accounts DIR    the teachers and API tokens dgoctl writes (default:\n"
                "                        $STATE_DIRECTORY or " ACCOUNTS_DIR_DEFAULT ")\n"
                "      --session-idle SEC  a session ends after SEC without a request (1800)\n"
                "      --session-max SEC   and SEC after the login at the latest (43200)\n"
                "      --registry URL    register there (default: $DGO_REGISTRY or\n"
                "                        " REGISTRY_URL_DEFAULT ")\n"
                "      --listen-https ADDR  serve HTTPS on ADDR when no https socket is activated\n"
                "      --tls-cert FILE, --tls-key FILE  its certificate and key (default: the\n"
                "                        credentials dgo-portal-tls.crt and .key)\n"
                "      --allow-plain-http  serve plain HTTP on an address that is not loopback\n"
                "      --allow-host NAME, --no-anonymous  see dgo-services(8)\n"
                "  -h, --help            show this help\n"
                "      --version         show the version\n", DGO_DATADIR, DGO_DATADIR);
}

enum { OPT_TEMPLATES = SERVICE_OPT_FIRST, OPT_STATIC, OPT_ACCOUNTS, OPT_SESSION_IDLE, OPT_SESSION_MAX };

/* Seconds, 1 to 10 years' worth, into usec. */
static int parse_seconds(const char *arg, uint64_t *ret) {
        char *end;
        unsigned long long s;

        errno = 0;
        s = strtoull(arg, &end, 10);
        if (errno != 0 || end == arg || *end || arg[0] == '-' || s < 1 || s > 10ULL * 366 * 86400)
                return -EINVAL;
        *ret = (uint64_t) s * USEC_PER_SEC;
        return 0;
}

static int on_option(int opt, const char *arg, void *userdata) {
        struct portal *p = userdata;
        char **field = opt == OPT_TEMPLATES ? &p->templates_dir : opt == OPT_STATIC ? &p->static_dir :
                       opt == OPT_ACCOUNTS ? &p->login.dir : NULL;

        if (opt == OPT_SESSION_IDLE || opt == OPT_SESSION_MAX)
                return parse_seconds(arg, opt == OPT_SESSION_IDLE ? &p->login.idle : &p->login.max);
        return field ? service_set_string(field, arg) : -EINVAL;
}

static int load_style(struct portal *p) {
        char path[4096];
        FILE *f;
        int r = 0;

        snprintf(path, sizeof path, "%s/style.css", p->static_dir);
        f = fopen(path, "re");
        if (!f)
                return log_error_errno(-errno, "Cannot open %s", path);
        p->style = malloc(STYLE_MAX + 1);
        if (!p->style)
                r = -ENOMEM;
        else {
                p->style_len = fread(p->style, 1, STYLE_MAX + 1, f);
                r = ferror(f) ? -EIO : p->style_len > STYLE_MAX ? -EFBIG : 0;
        }
        fclose(f);
        if (r < 0)
                return log_error_errno(r, "Cannot read %s", path);
        return 0;
}

static int setup(struct portal *p) {
        int r;

        if ((!p->templates_dir && !(p->templates_dir = strdup(DGO_DATADIR "/templates"))) ||
            (!p->static_dir && !(p->static_dir = strdup(DGO_DATADIR "/static"))))
                return -ENOMEM;
        r = templates_load(&p->templates, p->templates_dir);
        if (r < 0)
                return r;
        r = login_setup(p);
        if (r < 0)
                return r;
        r = load_style(p);
        if (r < 0)
                return r;
        r = upstream_new(p->service.event, registry_client_http(p->registry), p->registry, "GradingService", &p->grading);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the requests to the grading service");
        flight_set_init(&p->lists, p->service.event, p->grading, LIST_FLIGHTS_KEEP);
        flight_set_init(&p->students, p->service.event, p->grading, STUDENT_FLIGHTS_KEEP);
        return 0;
}

/* What main() set up, in the order it must go. Requests waiting for a
 * provider are answered first, then those in flight (freeing the HTTP
 * client cancels them), while the server that resumes them still exists. */
static void portal_done(struct portal *p) {
        upstream_shutdown(p->grading);
        login_done(&p->login);
        registry_client_free(p->registry);
        service_close(&p->service);
        portal_flights_free(p);
        upstream_free(p->grading);
        templates_free(&p->templates);
        free(p->style);
        free(p->templates_dir);
        free(p->static_dir);
}

/* Open, register, set up and serve until told to stop. */
static int run(struct portal *p, const struct service_args *args) {
        static const char *const required[] = { "LogService", "GradingService", NULL };
        int r;

        r = service_open(&p->service, "dgo-portal", args);
        if (r < 0)
                return r;
        r = service_register(&p->service, args, "TeacherPortal", required, &p->registry);
        if (r < 0)
                return r;
        r = setup(p);
        if (r < 0)
                return r;
        r = service_serve(&p->service, routes, ELEMENTSOF(routes), p);
        if (r < 0)
                return r;
        r = loop_add_status(p->service.event, status, p);
        if (r < 0)
                return r;
        registry_client_forward_logs(p->registry);
        log_info("Serving on %s; templates from %s; registry %s", p->service.address, p->templates_dir,
                 registry_client_url(p->registry));
        notify_ready("Serving on %s%s%s", p->service.address, p->service.https ? ", HTTPS on " : "",
                     p->service.https ? p->service.https_address : "");
        return service_run(&p->service);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "templates", required_argument, NULL, OPT_TEMPLATES },
                { "static", required_argument, NULL, OPT_STATIC },
                { "accounts", required_argument, NULL, OPT_ACCOUNTS },
                { "session-idle", required_argument, NULL, OPT_SESSION_IDLE },
                { "session-max", required_argument, NULL, OPT_SESSION_MAX },
                { NULL, 0, NULL, 0 }
        };
        _cleanup_(portal_done) struct portal p = { 0 };
        struct service_args args;
        int r;

        login_init(&p.login);
        r = service_parse_args(argc, argv, "dgo-portal", options, NULL, on_option, &p, usage, &args);
        if (r != 0)
                return r > 0 ? 0 : 1;
        return run(&p, &args) < 0 ? 1 : 0;
}
