/* register_helper.c - see register_helper.h. */
#include "register_helper.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "basic/log.h"

extern char **environ;

struct register_helper {
        sd_event_source *child;
        pid_t pid;
        char *name;
};

/* Stopped and reaped before the service exits: a clean stop leaves an empty
 * cgroup, so systemd has nothing left to kill and the socket can start the
 * next instance at once. */
void register_helper_free(struct register_helper *h) {
        if (!h)
                return;
        h->child = sd_event_source_disable_unref(h->child);
        if (h->pid > 0 && kill(h->pid, SIGTERM) == 0) {
                for (int i = 0; i < 50 && waitpid(h->pid, NULL, WNOHANG) == 0; i++)
                        usleep(10 * 1000);
                if (kill(h->pid, SIGKILL) == 0)
                        waitpid(h->pid, NULL, 0);
        }
        free(h->name);
        free(h);
}

static int on_helper_exit(sd_event_source *src, const siginfo_t *si, void *userdata) {
        struct register_helper *h = userdata;

        h->pid = 0;
        if (si->si_code == CLD_EXITED && si->si_status == 0)
                log_debug("dgo-register has registered %s", h->name);
        else if (si->si_code == CLD_EXITED)
                log_error("dgo-register could not register %s (exit status %d); see its messages",
                          h->name, si->si_status);
        else
                log_warning("dgo-register for %s ended by signal %d", h->name, si->si_status);
        return 0;
}

int service_register_by_helper(struct service *s, const struct service_args *args, const char *name,
                               struct register_helper **ret) {
        _cleanup_(register_helper_freep) struct register_helper *h = NULL;
        const char *program = getenv("DGO_REGISTER_HELPER");
        const char *argv[14];
        char parent[32];
        size_t n = 0;
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        sigset_t none, chld;
        pid_t pid;
        int r;

        assert(s && args && name && ret);
        if (!program || !*program)
                program = DGO_LIBEXECDIR "/dgo-register";
        argv[n++] = "dgo-register";
        argv[n++] = "--name";
        argv[n++] = name;
        argv[n++] = "--url";
        argv[n++] = s->url;
        if (s->unit) {
                argv[n++] = "--unit";
                argv[n++] = s->unit;
        }
        if (args->registry) {
                argv[n++] = "--registry";
                argv[n++] = args->registry;
        }
        snprintf(parent, sizeof parent, "%d", (int) getpid());
        argv[n++] = "--exit-with-parent";
        argv[n++] = parent;
        argv[n] = NULL;
        assert(n < ELEMENTSOF(argv));

        h = calloc(1, sizeof *h);
        if (!h || !(h->name = strdup(name)))
                return -ENOMEM;

        /* sd-event learns of the exit through SIGCHLD, which must be blocked;
         * the child starts with no signal blocked. */
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, NULL);
        sigemptyset(&none);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        /* Not the listening socket: it is the service's alone. */
        posix_spawn_file_actions_init(&actions);
        if (s->listen_fd >= 0)
                posix_spawn_file_actions_addclose(&actions, s->listen_fd);
        r = -posix_spawn(&pid, program, &actions, &attr, (char *const *) argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (r < 0)
                return log_error_errno(r, "Cannot run %s to register as %s", program, name);
        h->pid = pid;
        r = sd_event_add_child(s->event, &h->child, pid, WEXITED, on_helper_exit, h);
        if (r < 0)
                return log_error_errno(r, "Cannot watch %s (pid %d)", program, (int) pid);
        *ret = TAKE_PTR(h);
        return 0;
}
