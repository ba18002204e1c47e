/* test-accounts.c - proves the teachers' and tokens' files (dgo/accounts.h):
 * names are 1-32 of a-z 0-9 . _ - starting with a letter; a file parses
 * (comments and blank lines skipped) and formats back to the same text;
 * a line without ':', with a bad name or hash, or a name given twice is
 * refused with its line number; set replaces a hash, remove says -ENOENT
 * for an unknown name; a yescrypt hash ("$y$") of a password matches that
 * password and no other, a locked hash ("!", "*") none, and two hashes of
 * one password differ (salted); tokens are "dgo_" + 64 hex digits, differ,
 * and hash to SHA-256 (a known vector); secret_equal compares fully. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dgo/accounts.h"

int main(void) {
        struct accounts a = { 0 };
        char h1[ACCOUNT_HASH_MAX + 1], h2[ACCOUNT_HASH_MAX + 1], t1[TOKEN_LEN + 1], t2[TOKEN_LEN + 1];
        char hash[TOKEN_HASH_LEN + 1], *text;
        const char *file = "# teachers\nalice:$y$abc\n\nbob.smith-2:$y$def\n";
        unsigned line;
        size_t len;

        /* names */
        CHECK(account_name_valid("alice"));
        CHECK(account_name_valid("a"));
        CHECK(account_name_valid("bob.smith-2_x"));
        CHECK(account_name_valid("abcdefghijabcdefghijabcdefghijab"));        /* 32 */
        CHECK(!account_name_valid("abcdefghijabcdefghijabcdefghijabc"));      /* 33 */
        CHECK(!account_name_valid(""));
        CHECK(!account_name_valid("Alice"));
        CHECK(!account_name_valid("1alice"));
        CHECK(!account_name_valid("al ice"));
        CHECK(!account_name_valid("al:ice"));

        /* parse, format */
        CHECK(accounts_parse(file, strlen(file), &a, &line) == 0);
        CHECK(a.n == 2);
        CHECK(accounts_find(&a, "alice") && strcmp(accounts_find(&a, "alice")->hash, "$y$abc") == 0);
        CHECK(!accounts_find(&a, "carol"));
        text = accounts_format(&a, &len);
        CHECK_STR(text, "alice:$y$abc\nbob.smith-2:$y$def\n");
        free(text);
        CHECK(accounts_set(&a, "alice", "$y$new") == 0 && a.n == 2);
        CHECK_STR(accounts_find(&a, "alice")->hash, "$y$new");
        CHECK(accounts_set(&a, "Bad", "$y$x") == -EINVAL);
        CHECK(accounts_set(&a, "carol", "has space") == -EINVAL);
        CHECK(accounts_set(&a, "carol", "") == -EINVAL);
        CHECK(accounts_remove(&a, "bob.smith-2") == 0 && a.n == 1);
        CHECK(accounts_remove(&a, "bob.smith-2") == -ENOENT);
        accounts_done(&a);

        CHECK(accounts_parse("alice:$y$a\nnocolon\n", 19, &a, &line) == -EINVAL && line == 2);
        accounts_done(&a);
        CHECK(accounts_parse("alice:$y$a\nalice:$y$b\n", 22, &a, &line) == -EINVAL && line == 2);
        accounts_done(&a);
        CHECK(accounts_parse("Alice:$y$a\n", 11, &a, &line) == -EINVAL && line == 1);
        accounts_done(&a);
        CHECK(accounts_parse("alice:\n", 7, &a, &line) == -EINVAL && line == 1);
        accounts_done(&a);
        CHECK(accounts_parse("alice:$y\0x\n", 11, &a, &line) == -EINVAL && line == 1);
        accounts_done(&a);
        CHECK(accounts_parse("", 0, &a, &line) == 0 && a.n == 0);
        accounts_done(&a);

        /* passwords */
        CHECK(password_hash("correct horse", h1, sizeof h1) == 0);
        CHECK(strncmp(h1, "$y$", 3) == 0);
        CHECK(password_hash("correct horse", h2, sizeof h2) == 0);
        CHECK(strcmp(h1, h2) != 0);
        CHECK(password_check("correct horse", h1));
        CHECK(password_check("correct horse", h2));
        CHECK(!password_check("correct hors", h1));
        CHECK(!password_check("correct horse ", h1));
        CHECK(!password_check("", h1));
        CHECK(!password_check("correct horse", "!"));
        CHECK(!password_check("correct horse", "*"));
        CHECK(!password_check("correct horse", "$y$broken"));

        /* tokens */
        CHECK(token_new(t1) == 0 && token_new(t2) == 0);
        CHECK(strlen(t1) == TOKEN_LEN && token_valid(t1, strlen(t1)));
        CHECK(strncmp(t1, "dgo_", 4) == 0);
        CHECK(strcmp(t1, t2) != 0);
        CHECK(!token_valid(t1, strlen(t1) - 1));
        CHECK(!token_valid("xgo_0000000000000000000000000000000000000000000000000000000000000000", TOKEN_LEN));
        CHECK(!token_valid("dgo_000000000000000000000000000000000000000000000000000000000000000G", TOKEN_LEN));
        CHECK(token_hash("abc", 3, hash) == 0);
        CHECK_STR(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(token_hash_valid(hash));
        CHECK(!token_hash_valid("ba7816bf"));
        CHECK(!token_hash_valid("$y$abc"));

        CHECK(secret_equal("abc", "abc"));
        CHECK(!secret_equal("abc", "abd"));
        CHECK(!secret_equal("abc", "ab"));
        CHECK(secret_equal("", ""));
        return check_finish("test-accounts");
}
