/* register_helper.h - registering through a short-lived child process.
 *
 * A service that needs no HTTP client of its own (dgo-log: it requires
 * nothing, and is where the others' log lines go) registers by running
 * dgo-register, which retries until the registry has the registration and
 * exits. libcurl and what it pulls in (libcrypto among them, several MB of
 * pages) then never enter the service's own address space. */
#pragma once

#include "basic/macros.h"
#include "service.h"

struct register_helper;

/* Start dgo-register for S as NAME ($DGO_REGISTER_HELPER overrides the
 * program's path, for running from a build tree). Its exit is logged. */
int service_register_by_helper(struct service *s, const struct service_args *args, const char *name,
                               struct register_helper **ret);
/* Stops the helper if it still runs (and reaps it): before service_close(),
 * so that a clean stop leaves an empty cgroup. */
void register_helper_free(struct register_helper *h);
DEFINE_POINTER_CLEANUP(struct register_helper *, register_helper_free)
