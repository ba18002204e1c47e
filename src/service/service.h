/* service.h - what the main() of every dgo service does, written once:
 * common options, the listening socket, the loop, the routes every
 * registered service serves (GET /heartbeat, POST /services for the
 * registry's patches: providers.h), the HTTP server, and tearing it down in
 * order.
 *
 * Registering is not here: a service registers with the registry client
 * (registry_client.h: service_register(), libcurl) or through the
 * dgo-register helper (register_helper.h), and frees what that gave it
 * before service_close(). */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>

#include "http/http_server.h"
#include "providers.h"
#include "tls.h"

#define REGISTRY_URL_DEFAULT "http://127.0.0.1:3000/services"

#define SERVICE_HOST_NAMES_MAX 8

struct service_args {
        const char *listen;             /* --listen ADDR */
        const char *registry;           /* --registry URL; NULL: $DGO_REGISTRY or REGISTRY_URL_DEFAULT */
        /* --allow-host NAME (repeated): more names for Host and Origin
         * (http/web_policy.h), NULL-terminated; --no-anonymous: only requests
         * of dgo's verified services (auth.h) are taken. */
        const char *host_names[SERVICE_HOST_NAMES_MAX + 1];
        bool no_anonymous;
        /* --listen-https ADDR: an HTTPS socket when none is activated;
         * --tls-cert FILE, --tls-key FILE: its certificate and key instead of
         * the credentials (tls.h); --allow-plain-http: serve plain HTTP on an
         * address that is not loopback, and take anonymous requests from any
         * peer there (by default such a socket is refused). */
        const char *listen_https, *tls_cert, *tls_key;
        bool allow_plain_http;
        /* --listen-cluster ADDR: a socket for the cluster's other hosts
         * when none is activated (docs/cluster.md). */
        const char *listen_cluster;
};

struct service {
        const char *ident;              /* "dgo-grading" */
        sd_event *event;
        int listen_fd;
        char address[128];              /* "127.0.0.1:6000" */
        char url[160];                  /* "http://127.0.0.1:6000" */
        char *unit;                     /* from DGO_UNIT, or NULL */
        unsigned threads;               /* serving threads for service_serve(); 0: the loop alone */
        struct providers *providers;    /* from service_accept_patches(); NULL: no patches taken */
        struct http_server *http;
        const char *host_names[SERVICE_HOST_NAMES_MAX + 1];     /* from service_args (argv's strings) */
        bool no_anonymous;
        bool plain_any_peer;            /* the plain socket is for other hosts too (--allow-plain-http) */
        /* HTTPS, when an https socket was passed (or --listen-https): its
         * socket, address, certificate and server. Its Host names are the
         * configured ones and the certificate's. */
        int https_fd;
        char https_address[128];        /* "[::]:443" */
        struct service_tls tls;
        const char *https_names[SERVICE_HOST_NAMES_MAX + TLS_NAMES_MAX + 1];
        struct http_server *https;
        /* The cluster socket (FileDescriptorName=cluster, --listen-cluster):
         * HTTPS with this host's cluster certificate, for the other hosts'
         * dgo services only (verified names; anonymous requests refused). */
        int cluster_fd;
        char cluster_address[128];
        struct service_tls cluster_tls;
        struct http_server *cluster;
};

/* Service-specific option values get IDs from here on. */
#define SERVICE_OPT_FIRST 0x200

/* Parse the common options (-l/--listen, --registry, -h/--help, --version)
 * and the service's own EXTRA ones (may be NULL; each handed to ON_OPTION,
 * which returns < 0 to refuse its argument: -ERANGE says "see --help for
 * the ranges"). Returns 0 to go on, > 0 when main() should exit 0 (--help,
 * --version), < 0 when it should exit 1. */
int service_parse_args(int argc, char **argv, const char *ident, const struct option *extra,
                       const char *extra_short, int (*on_option)(int opt, const char *arg, void *userdata),
                       void *userdata, void (*usage)(FILE *f), struct service_args *args);
/* The same without --registry: for the registry itself. */
int service_parse_args_no_registry(int argc, char **argv, const char *ident, const struct option *extra,
                                   const char *extra_short,
                                   int (*on_option)(int opt, const char *arg, void *userdata),
                                   void *userdata, void (*usage)(FILE *f), struct service_args *args);

/* The sockets (socket activation, or --listen and --listen-https), the
 * certificate when there is an HTTPS socket, and the loop; raises the soft
 * descriptor limit to the hard one first. Refuses (-EPERM) a plain socket
 * on an address that is not loopback without --allow-plain-http, and
 * (-ENOENT) an HTTPS socket without a certificate: each says why. */
int service_open(struct service *s, const char *ident, const struct service_args *args);

/* Take the registry's patches: make the providers table (s->providers),
 * which service_serve() then serves with GET /heartbeat. */
int service_accept_patches(struct service *s);

/* Serve ROUTES, with as many connections at once as the descriptor limit
 * allows less what the process keeps for the rest (fd_budget.h), plus, once
 * service_accept_patches() was called, GET /heartbeat and POST /services
 * (patches); on the HTTPS socket too, if there is one (from any peer: the
 * web rules' Host, Origin and type checks stay). */
int service_serve(struct service *s, const struct http_route *routes, size_t n_routes, void *userdata);

/* GET /heartbeat: 200 "ok". */
int service_handle_heartbeat(struct http_request *req, void *userdata);

/* NAME in the first directory of the environment variable ENV (systemd sets
 * STATE_DIRECTORY=, LOGS_DIRECTORY=, ... from StateDirectory= and the like,
 * possibly a ':'-separated list); FALLBACK when ENV is unset or empty (may be
 * NULL). A malloc'd string, NULL when none or out of memory. */
char *service_dir_file(const char *env, const char *name, const char *fallback);

/* Replace *FIELD with a copy of VALUE (for string options). 0 or -ENOMEM. */
int service_set_string(char **field, const char *value);

/* Run until SIGTERM/SIGINT; says STOPPING=1. */
int service_run(struct service *s);
/* The HTTP server, the providers table, the loop. */
void service_close(struct service *s);
