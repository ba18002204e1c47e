/* auth.h - who sent a request: dgo's own services prove their name.
 *
 * Every installation has a secret (/etc/dgo/secret, 32 random bytes in hex,
 * mode 0600 root), handed to each unit with LoadCredential=dgo-secret. A dgo
 * service NAME proves itself with the header
 *
 *     Authorization: Dgo NAME:HEX      HEX = HMAC-SHA256(secret, "dgo-service\n" NAME)
 *
 * a bearer token per service (why that suffices on loopback, and to whom a
 * service may send it: docs/security.md, "Authentication between dgo's
 * services"). Only dgo's own names can be verified: "GradingService",
 * "LogService", "TeacherPortal", "ServiceRegistry". Without a secret
 * (run by hand, no credential) every request is anonymous and nothing is sent.
 *
 * Thread-safe once auth_setup() has returned: the tokens are computed there. */
#pragma once

#include <stdbool.h>

struct http_request;

/* The credential's name in $CREDENTIALS_DIRECTORY (LoadCredential=dgo-secret:/etc/dgo/secret). */
#define AUTH_CREDENTIAL "dgo-secret"
#define AUTH_SCHEME "Dgo"

/* Load the installation secret (LoadCredential=dgo-secret). 1 when loaded,
 * 0 when none (no $CREDENTIALS_DIRECTORY or no such credential): anonymous
 * only; a negative errno when it is there but unusable (unreadable, shorter
 * than 32 characters). Call it once, before any thread starts. */
int auth_setup(void);
/* Forget the secret (for tests). */
void auth_reset(void);
/* Whether a secret is loaded. */
bool auth_enabled(void);

/* The verified dgo service name that sent REQ ("GradingService", "LogService",
 * "TeacherPortal", "ServiceRegistry": a static string), or NULL for an
 * anonymous request (no or bad credentials, or no secret loaded). */
const char *auth_request_identity(struct http_request *req);

/* The value of the "Authorization" header a dgo service NAME sends to prove
 * it is NAME ("Dgo NAME:HEX", a static string), or NULL without a secret or
 * for a name that is not one of dgo's. */
const char *auth_header_value(const char *name);

/* Whether a dgo service may send its token to URL: URL is at the address
 * (http://HOST:PORT) of one of this host's dgo services, as their descriptors in
 * DGO_DATADIR/services say (read by auth_setup()). A registrant's URL may be
 * anyone's, and a token handed to a stranger would let it pose as us; the
 * registry's URL, which the operator configures, is trusted by its caller. */
bool auth_may_send_to(const char *url);
/* From now on auth_may_send_to() is true for https:// URLs as well: to be
 * called only by whoever made this process's HTTP client trust the cluster's
 * CA alone (registry_client.h), so that a token sent over HTTPS reaches only
 * a host holding a certificate of the cluster (docs/cluster.md). */
void auth_trust_cluster(void);
/* The descriptors' directory auth_setup() reads (tests); NULL: DGO_DATADIR/services. */
void auth_set_descriptor_dir(const char *dir);

/* Pure, for the above and the tests: the identity a header VALUE proves
 * (NULL: anonymous). */
const char *auth_identity_of(const char *value);
