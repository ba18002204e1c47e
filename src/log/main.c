/* dgo-log - the central log service.
 *
 * POST /log takes one message, as plain text ("[Service] - text", the
 * original protocol) or as JSON, and writes it to journald (with the
 * sending service in DGO_SERVICE=) and as one line to the central log file,
 * before it answers 200. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http/http.h"
#include "basic/log.h"
#include "log_message.h"
#include "log_sink.h"
#include "rate_limit.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "service/auth.h"
#include "service/register_helper.h"
#include "service/service.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* A batch holds at most this many messages; their requests wait here,
 * suspended, until it is written (a connection has one at a time). */
#define LOG_BATCH_MAX_MESSAGES 256

struct log_service {
        struct service service;
        struct register_helper *register_helper;
        struct log_sink sink;
        struct rate_limit limit;
        struct http_request *waiting[LOG_BATCH_MAX_MESSAGES];
};

/* Writes the batch, then answers every request in it: 200 only once its
 * message is in the journal and the file. */
static void flush_and_answer(struct log_service *svc) {
        unsigned n = svc->sink.pending;
        int r = log_sink_flush(&svc->sink);

        for (unsigned i = 0; i < n; i++) {
                if (r < 0)
                        http_reply_error(svc->waiting[i], 500, "the message could not be stored");
                else
                        http_reply_empty(svc->waiting[i], 200);
                http_request_resume(svc->waiting[i]);
        }
}

/* After each turn of the loop that took messages (libmicrohttpd ran every
 * handler whose request was complete): write them all at once. */
static int on_turn_done(sd_event_source *s, void *userdata) {
        struct log_service *svc = userdata;

        if (svc->sink.pending > 0)
                flush_and_answer(svc);
        return 0;
}

static int handle_log(struct http_request *req, void *userdata) {
        struct log_service *svc = userdata;
        struct log_message m;
        char media_type[64], error[256];
        size_t len;
        const char *body = http_request_body(req, &len);

        if (!rate_limit_request(&svc->limit, req))
                return 0;                       /* 429 */
        http_request_media_type(req, media_type, sizeof media_type);
        if (log_message_parse(media_type, body, len, &m, error, sizeof error) < 0)
                return http_reply_error(req, 400, "%s", error);
        /* DGO_SERVICE= is who sent it, as far as we know; a name only claimed is recorded as claimed. */
        if (auth_enabled())
                log_message_attribute(&m, auth_request_identity(req));

        if (svc->sink.pending == LOG_BATCH_MAX_MESSAGES || log_sink_full(&svc->sink, m.text_len))
                flush_and_answer(svc);
        int r = log_sink_add(&svc->sink, &m);
        log_message_done(&m);
        if (r < 0)
                return http_reply_error(req, 500, "the message could not be stored");
        svc->waiting[svc->sink.pending - 1] = req;
        return HTTP_LATER;                      /* answered by flush_and_answer() */
}

static const struct http_route routes[] = {
        { "POST", "/log", handle_log, 64 * 1024, HTTP_ROUTE_TEXT },
};

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct log_service *svc = userdata;

        (void) log_sink_reopen(&svc->sink);
        return 0;
}

static void status(char *buf, size_t size, void *userdata) {
        struct log_service *svc = userdata;

        snprintf(buf, size, "Serving on %s; %llu messages logged to the journal and %s",
                 svc->service.address, svc->sink.written, svc->sink.path);
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
                "      --rate-limit R/B  at most R messages a second and B at once from each\n"
                "                        anonymous client (default $DGO_LOG_RATE_LIMIT, or\n"
                "                        1000/10000; off: none)\n"
                "      --registry URL    register there (default: $DGO_REGISTRY or\n"
                "                        " REGISTRY_URL_DEFAULT "),\n"
                "                        by running " DGO_LIBEXECDIR "/dgo-register\n"
                "                        (or $DGO_REGISTER_HELPER)\n"
                "  -h, --help            show this help\n"
                "      --version         show the version\n"
                "\n"
                "API: POST /log with a text/plain body (\"[Service] - message\") or an\n"
                "application/json body {\"service\":..,\"priority\":..,\"message\":..}.\n"
                "SIGHUP reopens the log file (after logrotate).\n");
}

enum { OPT_LOG_FILE = SERVICE_OPT_FIRST, OPT_NO_JOURNAL, OPT_RATE_LIMIT };

struct log_options {
        char *log_file;
        bool journal;
        double rate, burst;
};

static int on_option(int opt, const char *arg, void *userdata) {
        struct log_options *o = userdata;

        switch (opt) {
        case 'f':
        case OPT_LOG_FILE:
                return service_set_string(&o->log_file, arg);
        case OPT_NO_JOURNAL:
                o->journal = false;
                return 0;
        case OPT_RATE_LIMIT:
                return rate_limit_parse(arg, &o->rate, &o->burst);
        }
        return -EINVAL;
}

/* The signal and the loop's sources the log service adds: SIGHUP reopens
 * the file, the post source writes each turn's batch, the status line. */
static int add_sources(struct log_service *svc) {
        sd_event *e = svc->service.event;
        sigset_t hup;
        int r;

        sigemptyset(&hup);
        sigaddset(&hup, SIGHUP);
        sigprocmask(SIG_BLOCK, &hup, NULL);
        r = sd_event_add_signal(e, NULL, SIGHUP, on_sighup, svc);
        if (r < 0)
                return r;
        r = sd_event_add_post(e, NULL, on_turn_done, svc);
        if (r < 0)
                return r;
        return loop_add_status(e, status, svc);
}

/* Everything between parsing the options and tearing down. */
static int run(struct log_service *svc, struct log_options *opts, const struct service_args *args) {
        int r;

        r = service_open(&svc->service, "dgo-log", args);
        if (r < 0)
                return r;
        if (opts->journal && access(JOURNAL_SOCKET, W_OK) < 0) {
                log_notice("No journald here: writing the log file only");
                opts->journal = false;
        }
        if (!opts->log_file && !(opts->log_file = service_dir_file("LOGS_DIRECTORY", "dgo.log", "dgo.log")))
                return -ENOMEM;
        r = log_sink_open(&svc->sink, opts->log_file, opts->journal ? JOURNAL_SOCKET : NULL);
        if (r < 0)
                return r;
        r = rate_limit_init(&svc->limit, opts->rate, opts->burst);
        if (r < 0)
                return r;

        /* Patches and /heartbeat served here; the registration itself by
         * dgo-register, so that libcurl stays out of this process (it
         * would more than double its memory: see register_helper.h). */
        r = service_accept_patches(&svc->service);
        if (r < 0)
                return r;
        r = service_serve(&svc->service, routes, ELEMENTSOF(routes), svc);
        if (r < 0)
                return r;
        /* Not fatal: the messages matter more than being listed (and the
         * registry lists dgo-log from its descriptor anyway). */
        (void) service_register_by_helper(&svc->service, args, "LogService", &svc->register_helper);
        r = add_sources(svc);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the event loop");
        log_info("Serving on %s, logging to %s%s", svc->service.address, svc->sink.path,
                 opts->journal ? " and the journal" : "");
        notify_ready("Serving on %s; logging to the journal and %s", svc->service.address, svc->sink.path);
        r = service_run(&svc->service);
        /* The loop may end between a turn that took messages and the
         * flush after it. */
        flush_and_answer(svc);
        log_info("Stopping after %llu messages", svc->sink.written);
        return r;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "log-file", required_argument, NULL, 'f' },
                { "no-journal", no_argument, NULL, OPT_NO_JOURNAL },
                { "rate-limit", required_argument, NULL, OPT_RATE_LIMIT },
                { NULL, 0, NULL, 0 }
        };
        struct log_service svc = { .sink = { .fd = -EBADF, .journal.fd = -EBADF } };
        struct log_options opts = { .journal = true, .rate = RATE_LIMIT_RATE_DEFAULT, .burst = RATE_LIMIT_BURST_DEFAULT };
        struct service_args args;
        int r;

        if (rate_limit_from_env(&opts.rate, &opts.burst) < 0)
                return 1;
        r = service_parse_args(argc, argv, "dgo-log", options, "f:", on_option, &opts, usage, &args);
        if (r != 0)
                return r > 0 ? 0 : 1;
        r = run(&svc, &opts, &args);
        register_helper_free(svc.register_helper);
        service_close(&svc.service);
        log_sink_close(&svc.sink);
        rate_limit_done(&svc.limit);
        free(opts.log_file);
        return r < 0 ? 1 : 0;
}
