/* call.c - dgoctl's common ground: global options, errors, requests to
 * the services, printing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macros.h"
#include "config.h"
#include "dgoctl.h"
#include "sync_http.h"

int dgoctl_error(int code, const char *fmt, ...) {
        va_list ap;

        fputs("dgoctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return code;
}

int dgoctl_usage_error(const char *command, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "dgoctl%s%s: ", command ? " " : "", command ? command : "");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'dgoctl%s%s --help'.\n", command ? " " : "", command ? command : "");
        return DGOCTL_EXIT_USAGE;
}

int dgoctl_global_option(struct dgoctl *ctl, int c, const char *arg, const char *command) {
        const char *problem;
        char *url;

        switch (c) {
        case OPT_REGISTRY:
        case OPT_PORTAL:
                problem = parse_base_url(arg, c == OPT_REGISTRY, &url);
                if (problem)
                        return dgoctl_usage_error(command, "%s %s: %s", c == OPT_REGISTRY ? "--registry" : "--portal",
                                                  arg, problem);
                if (c == OPT_REGISTRY) {
                        free(ctl->registry);
                        ctl->registry = url;
                } else {
                        free(ctl->portal);
                        ctl->portal = url;
                }
                return DGOCTL_CONTINUE;
        case OPT_TIMEOUT:
                problem = parse_timeout(arg, &ctl->timeout);
                if (problem)
                        return dgoctl_usage_error(command, "--timeout %s: %s", arg, problem);
                return DGOCTL_CONTINUE;
        case OPT_NO_COLOR:
                ctl->no_color = true;
                return DGOCTL_CONTINUE;
        case OPT_VERSION:
                printf("dgoctl %s\n", DGO_VERSION);
                return DGOCTL_EXIT_OK;
        default:
                return -1;
        }
}

void dgoctl_decide_color(struct dgoctl *ctl) {
        const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

        ctl->color = !ctl->no_color && isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
                     !(term && strcmp(term, "dumb") == 0);
}

/* The "error" text of a JSON error body, else the body itself if it is
 * short printable text, else NULL. */
static const char *error_text(const struct http_answer *a, json_t **holder) {
        *holder = json_loadb(a->body, a->len, 0, NULL);
        const char *e = json_string_value(json_object_get(*holder, "error"));

        if (e)
                return e;
        if (a->len == 0 || a->len > 200)
                return NULL;
        for (size_t i = 0; i < a->len; i++)
                if ((unsigned char) a->body[i] < 0x20 && a->body[i] != '\n')
                        return NULL;
        return a->body;
}

int dgoctl_call(const struct dgoctl *ctl, const char *who, const char *method, const char *base,
                const char *path, const json_t *body, json_t **ret) {
        _cleanup_(http_answer_clear) struct http_answer a = { 0 };
        _cleanup_free_ char *url = NULL, *text = NULL;
        _cleanup_(json_decrefp) json_t *holder = NULL;
        json_error_t jerr;
        json_t *j;
        int code;

        *ret = NULL;
        if (asprintf(&url, "%s%s", base, path) < 0) {
                url = NULL;
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        }
        if (body && !(text = json_dumps(body, JSON_COMPACT)))
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        /* The portal's API takes an API token (dgoctl token add NAME). */
        if (sync_http_request(method, url, text, strcmp(who, "portal") == 0 ? ctl->token : NULL, ctl->timeout,
                              &a) < 0)
                return dgoctl_error(DGOCTL_EXIT_UNREACHABLE, "cannot reach the %s at %s: %s", who, base, a.error);
        if (a.status < 200 || a.status > 299) {
                const char *e = error_text(&a, &holder);
                /* The portal's gateway says 502/503 when the grading service
                 * behind it does not answer: unreachable too. */
                code = a.status == 502 || a.status == 503 || a.status == 504 ? DGOCTL_EXIT_UNREACHABLE
                                                                            : DGOCTL_EXIT_FAILED;
                if (a.status == 401 && strcmp(who, "portal") == 0)
                        return dgoctl_error(code, "%s %s: the portal wants an API token%s: create one with "
                                            "'dgoctl token add NAME' and give it in $DGO_TOKEN", method, path,
                                            ctl->token ? " (the one in $DGO_TOKEN is not valid)" : "");
                return dgoctl_error(code, "%s %s: the %s answered %ld%s%s", method, path, who, a.status,
                                    e ? ": " : "", e ? e : "");
        }
        j = json_loadb(a.body, a.len, 0, &jerr);
        if (!j)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "%s %s: the %s's answer is not JSON: %s", method, path, who,
                                    jerr.text);
        *ret = j;
        return DGOCTL_EXIT_OK;
}

int dgoctl_flush(void) {
        if (fflush(stdout) != 0 || ferror(stdout))
                return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot write to standard output: %s", strerror(errno));
        return DGOCTL_EXIT_OK;
}

void dgoctl_put_clean(const char *s) {
        for (; *s; s++)
                putchar((unsigned char) *s < 0x20 || *s == 0x7f ? '?' : *s);
}

int dgoctl_print_json(const json_t *j) {
        char *s = json_dumps(j, JSON_INDENT(2));

        if (!s)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        puts(s);
        free(s);
        return dgoctl_flush();
}

int dgoctl_print_table(const struct dgoctl *ctl, struct table *t) {
        char *s = t ? table_format(t, ctl->color) : NULL;

        table_free(t);
        if (!s)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        fputs(s, stdout);
        free(s);
        return dgoctl_flush();
}

int dgoctl_parse(struct dgoctl *ctl, const char *command, const char *help, int argc, char **argv,
                 const char *shortopts, const struct option *opts, dgoctl_option_fn on_option, void *userdata) {
        static const struct option globals[] = { DGOCTL_GLOBAL_OPTIONS };
        size_t n_own = 0, n_globals = ELEMENTSOF(globals);
        struct option *all;
        char optstring[64], *name = NULL, *argv0 = argv[0];
        int c, code = DGOCTL_CONTINUE;

        while (opts && opts[n_own].name)
                n_own++;
        all = calloc(n_own + n_globals + 1, sizeof *all);
        if (!all || asprintf(&name, "dgoctl %s", command) < 0) {
                free(all);
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        }
        if (n_own)
                memcpy(all, opts, n_own * sizeof *all);
        memcpy(all + n_own, globals, n_globals * sizeof *all);
        snprintf(optstring, sizeof optstring, "%sh", shortopts ? shortopts : "");
        argv[0] = name;
        optind = 0;     /* a full re-initialisation of getopt */
        while (code == DGOCTL_CONTINUE && (c = getopt_long(argc, argv, optstring, all, NULL)) != -1) {
                if (c == 'h') {
                        fputs(help, stdout);
                        code = DGOCTL_EXIT_OK;
                } else if (c == '?') {         /* getopt said what */
                        fprintf(stderr, "Try 'dgoctl %s --help'.\n", command);
                        code = DGOCTL_EXIT_USAGE;
                } else if ((code = dgoctl_global_option(ctl, c, optarg, command)) == -1) {
                        code = on_option ? on_option(c, optarg, userdata) : DGOCTL_CONTINUE;
                }
        }
        argv[0] = argv0;
        free(name);
        free(all);
        if (code == DGOCTL_CONTINUE)
                dgoctl_decide_color(ctl);
        return code;
}
