/* mhdminimal - the "minimal libmicrohttpd server" of issue 4, for
 * calibrating bench/grading.sh on the machine of the day.
 *
 * The issue sets the grading target against a minimal libmicrohttpd server
 * on one event-loop thread. This is that server: one thread (libmicrohttpd's
 * own, epoll), keep-alive, every GET answered 200 with a constant JSON body
 * the size of dgo's GET /students reply. Nothing is parsed, locked or
 * looked up, so it shows what this machine's loopback TCP allows one thread.
 *
 * Usage: mhdminimal PORT [THREADS]   (runs until killed) */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *reply;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state) {
        static int seen;

        (void) cls, (void) url, (void) method, (void) version, (void) upload, (void) upload_size;
        if (!*state) {                  /* headers only: answer on the next call, keeping the connection alive */
                *state = &seen;
                return MHD_YES;
        }
        return MHD_queue_response(c, MHD_HTTP_OK, reply);
}

int main(int argc, char **argv) {
        static char body[777];
        sigset_t stop;
        int sig;

        if (argc < 2 || argc > 3) {
                fprintf(stderr, "usage: mhdminimal PORT [THREADS]\n");
                return 2;
        }
        memset(body, ' ', sizeof body - 1);
        memcpy(body, "[{\"ID\":1}]", 10);
        reply = MHD_create_response_from_buffer(sizeof body - 1, body, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        unsigned threads = argc == 3 ? (unsigned) atoi(argv[2]) : 1;
        struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                                                MHD_USE_TURBO, (uint16_t) atoi(argv[1]), NULL, NULL, on_request, NULL,
                                                MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0,
                                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 8192, MHD_OPTION_END);
        if (!d) {
                fprintf(stderr, "mhdminimal: cannot listen on port %s\n", argv[1]);
                return 1;
        }
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        sigprocmask(SIG_BLOCK, &stop, NULL);
        sigwait(&stop, &sig);
        MHD_stop_daemon(d);
        MHD_destroy_response(reply);
        return 0;
}
