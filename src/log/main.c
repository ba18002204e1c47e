/* dgo-log - the central log service.
 *
 * POST /log takes one message, as plain text ("[Service] - text", the
 * original protocol) or as JSON, and writes it to journald (with the
 * sending service in DGO_SERVICE=) and as one line to the central log file,
 * before it answers 200. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "http_server.h"
#include "listen.h"
#include "log.h"
#include "log_message.h"
#include "log_sink.h"
#include "loop.h"
#include "registry_client.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

struct log_service {
        struct log_sink sink;
        struct http_server *http;
        struct http_client *client;
        struct registry_client *registry;
        char address[128];
};

static int handle_log(struct dgo_request *req, void *userdata) {
        struct log_service *svc = userdata;
        struct log_message m;
        char media_type[64], error[256];
        size_t len;
        const char *body = http_request_body(req, &len);

        http_request_media_type(req, media_type, sizeof media_type);
        if (log_message_parse(media_type, body, len, &m, error, sizeof error) < 0)
                return http_reply_error(req, 400, "%s", error);

        int r = log_sink_write(&svc->sink, &m);
        log_message_done(&m);
        if (r < 0)
                return http_reply_error(req, 500, "the message could not be stored");
        return http_reply_empty(req, 200);
}

static const struct dgo_route routes[] = {
        { "POST", "/log", handle_log, 64 * 1024 },
};

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct log_service *svc = userdata;

        (void) log_sink_reopen(&svc->sink);
        return 0;
}

static void status(char *buf, size_t size, void *userdata) {
        struct log_service *svc = userdata;

        snprintf(buf, size, "Serving on %s; %llu messages logged to the journal and %s",
                 svc->address, svc->sink.written, svc->sink.path);
}

static void usage(FILE *f) {
        fprintf(f,
                "Usage: dgo-log [OPTIONS]\n"
                "\n"
                "The dgo central log service. Normally started by dgo-log.socket; run by\n"
                "hand, it needs --listen.\n"
                "\n"
                "  -l, --listen ADDR     listen on ADDR (HOST:PORT, [IPv6]:PORT, :PORT or a\n"
                "                        unix socket path) when not socket-activated\n"
                "  -f, --log-file PATH   the central log file (default: $LOGS_DIRECTORY/dgo.log,\n"
                "                        or ./dgo.log outside systemd)\n"
                "      --no-journal      write only the file, not journald\n"
                "      --registry URL    register there (default: $DGO_REGISTRY or\n"
                "                        " REGISTRY_URL_DEFAULT ")\n"
                "  -h, --help            show this help\n"
                "      --version         show the version\n"
                "\n"
                "API: POST /log with a text/plain body (\"[Service] - message\") or an\n"
                "application/json body {\"service\":..,\"priority\":..,\"message\":..}.\n"
                "SIGHUP reopens the log file (after logrotate).\n");
}

static char *default_log_file(void) {
        const char *dirs = getenv("LOGS_DIRECTORY");    /* set by LogsDirectory=; may list several */
        char *path;

        if (!dirs || !*dirs)
                return strdup("dgo.log");
        if (asprintf(&path, "%.*s/dgo.log", (int) strcspn(dirs, ":"), dirs) < 0)
                return NULL;
        return path;
}

int main(int argc, char **argv) {
        enum { OPT_VERSION = 0x100, OPT_NO_JOURNAL, OPT_REGISTRY };
        static const struct option options[] = {
                { "listen", required_argument, NULL, 'l' },
                { "log-file", required_argument, NULL, 'f' },
                { "no-journal", no_argument, NULL, OPT_NO_JOURNAL },
                { "registry", required_argument, NULL, OPT_REGISTRY },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                { NULL, 0, NULL, 0 }
        };
        struct log_service svc = { .sink.fd = -1 };
        const char *listen_addr = NULL, *registry_url = NULL;
        char *unit = NULL;
        char *log_file = NULL;
        bool journal = true;
        sd_event *e = NULL;
        int c, fd, r;

        log_setup("dgo-log");
        while ((c = getopt_long(argc, argv, "l:f:h", options, NULL)) >= 0) {
                switch (c) {
                case 'l': listen_addr = optarg; break;
                case 'f': free(log_file); log_file = strdup(optarg); break;
                case OPT_NO_JOURNAL: journal = false; break;
                case OPT_REGISTRY: registry_url = optarg; break;
                case 'h': usage(stdout); return 0;
                case OPT_VERSION: puts("dgo-log " DGO_VERSION); return 0;
                default: usage(stderr); return 1;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "dgo-log: unexpected argument '%s'\n", argv[optind]);
                return 1;
        }
        if (journal && access(JOURNAL_SOCKET, W_OK) < 0) {
                log_notice("No journald here: writing the log file only");
                journal = false;
        }

        fd = listen_socket_get(listen_addr, svc.address, sizeof svc.address);
        if (fd == -ENOENT) {
                fprintf(stderr, "dgo-log: no socket to serve on: start dgo-log.socket, or pass --listen ADDR\n");
                return 1;
        }
        if (fd < 0)
                return 1;

        if (!log_file && !(log_file = default_log_file()))
                return 1;
        if (log_sink_open(&svc.sink, log_file, journal ? JOURNAL_SOCKET : NULL) < 0)
                return 1;

        r = loop_new(&e);
        if (r < 0)
                goto out;
        r = http_client_new(e, &svc.client);
        if (r < 0)
                goto out;
        char service_url[160];
        snprintf(service_url, sizeof service_url, "http://%s", svc.address);
        unit = own_service_unit();
        struct registry_client_config rc = {
                .registry_url = registry_url,
                .service_name = "LogService",
                .service_url = service_url,
                .unit = unit,
        };
        r = registry_client_new(e, svc.client, &rc, &svc.registry);
        if (r < 0)
                goto out;
        struct http_server_config config = {
                .routes = routes,
                .n_routes = sizeof routes / sizeof routes[0],
                .userdata = &svc,
                .core_routes = registry_client_routes,
                .n_core_routes = registry_client_n_routes,
                .core_userdata = svc.registry,
        };
        r = http_server_start(e, fd, &config, &svc.http);
        if (r < 0)
                goto out;
        sigset_t hup;
        sigemptyset(&hup);
        sigaddset(&hup, SIGHUP);
        sigprocmask(SIG_BLOCK, &hup, NULL);
        if ((r = sd_event_add_signal(e, NULL, SIGHUP, on_sighup, &svc)) < 0 ||
            (r = loop_add_status(e, status, &svc)) < 0) {
                log_error_errno(r, "Cannot set up the event loop");
                goto out;
        }
        log_info("Serving on %s, logging to %s%s", svc.address, svc.sink.path, journal ? " and the journal" : "");
        notify_ready("Serving on %s; logging to the journal and %s", svc.address, svc.sink.path);
        r = loop_run(e);
        notify_stopping();
        log_info("Stopping after %llu messages", svc.sink.written);
out:
        http_server_free(svc.http);
        http_client_free(svc.client);
        registry_client_free(svc.registry);
        free(unit);
        log_sink_close(&svc.sink);
        sd_event_unref(e);
        free(log_file);
        return r < 0 ? 1 : 0;
}
