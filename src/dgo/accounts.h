/* accounts.h - the portal's teachers and API tokens, as the operator's
 * dgoctl writes them and the portal reads them.
 *
 * Two files in the portal's state directory (/var/lib/dgo-portal/), each a
 * list of lines "NAME:HASH", like /etc/shadow:
 *
 *   teachers   NAME:$y$...   a yescrypt hash of the teacher's password
 *                            (libcrypt's crypt_gensalt("$y$")/crypt_r())
 *   tokens     NAME:HEX      SHA-256 of an API token, 64 hex digits
 *
 * Neither a password nor a token is ever stored. A token is "dgo_" and 64
 * hex digits (256 random bits); being random it needs no slow hash, so the
 * portal can check one per API request. Pure code but for the random bytes,
 * the hashing and accounts_load(); unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define ACCOUNT_NAME_MAX 32
#define ACCOUNT_HASH_MAX 255
#define ACCOUNTS_MAX 10000              /* lines in a file */
#define ACCOUNTS_FILE_MAX (4u << 20)
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024
#define TOKEN_PREFIX "dgo_"
#define TOKEN_LEN (4 + 64)              /* "dgo_" + 64 hex digits */
#define TOKEN_HASH_LEN 64               /* hex digits of SHA-256 */

#define ACCOUNTS_DIR_DEFAULT "/var/lib/dgo-portal"
#define TEACHERS_FILE "teachers"
#define TOKENS_FILE "tokens"

struct account {
        char name[ACCOUNT_NAME_MAX + 1];
        char hash[ACCOUNT_HASH_MAX + 1];
};

struct accounts {
        struct account *v;
        size_t n, n_alloc;
};

/* A name: 1-32 of a-z 0-9 . _ -, starting with a letter. */
bool account_name_valid(const char *s);

/* Parse TEXT (LEN bytes) into A (empty before). Empty lines and lines
 * starting with '#' are skipped. -EINVAL with the line's number in *LINE
 * for a line that is not NAME:HASH with a valid name and a hash of
 * printable ASCII, or a name given twice; -E2BIG past ACCOUNTS_MAX. */
int accounts_parse(const char *text, size_t len, struct accounts *a, unsigned *line);
/* The file's text, from malloc; NULL when out of memory. */
char *accounts_format(const struct accounts *a, size_t *len);
/* Read the file PATH (missing: -ENOENT, A left empty). */
int accounts_load(const char *path, struct accounts *a, unsigned *line);

struct account *accounts_find(const struct accounts *a, const char *name);
/* Add NAME with HASH, or replace its hash. -EINVAL for a bad name or hash. */
int accounts_set(struct accounts *a, const char *name, const char *hash);
/* -ENOENT when there is no NAME. */
int accounts_remove(struct accounts *a, const char *name);
void accounts_done(struct accounts *a);

/* A yescrypt hash of PASSWORD into OUT (at least ACCOUNT_HASH_MAX + 1 bytes). */
int password_hash(const char *password, char *out, size_t size);
/* Does PASSWORD match HASH? False for anything not a valid crypt hash. */
bool password_check(const char *password, const char *hash);

/* A new API token: "dgo_" and 64 hex digits from getrandom(). */
int token_new(char token[TOKEN_LEN + 1]);
/* Has S the shape of a token? */
bool token_valid(const char *s, size_t len);
/* SHA-256 of the token's LEN bytes, as 64 lower-case hex digits. */
int token_hash(const char *token, size_t len, char out[TOKEN_HASH_LEN + 1]);
/* Is HASH the hash of a token? (the tokens file's rule) */
bool token_hash_valid(const char *hash);

/* Compare A and B (NUL-terminated) in time that depends only on their lengths. */
bool secret_equal(const char *a, const char *b);
