/* cmd_teacher.c - `dgoctl teacher add|passwd|remove|list` and `dgoctl token
 * add|remove|list`: the portal's teachers and API tokens.
 *
 * Both are files of the portal's state directory (dgo/accounts.h), which
 * systemd gives the portal's dynamic user (StateDirectory=dgo-portal, in
 * /var/lib/private/dgo-portal, reached through the link
 * /var/lib/dgo-portal). dgoctl, as root, rewrites a file atomically (a
 * temporary file, fsync, rename) with mode 0600 and the directory's owner,
 * so the portal's user can read it; the portal reads it again within a
 * second. Before the portal's first start the directory does not exist
 * yet: dgoctl makes it as systemd would (root's; systemd hands it and what
 * is in it to the dynamic user when the portal starts). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "basic/atomic_file.h"
#include "basic/macros.h"
#include "dgo/accounts.h"
#include "dgoctl.h"

static const char teacher_help[] =
        "Usage: dgoctl teacher add NAME [--password-stdin]\n"
        "       dgoctl teacher passwd NAME [--password-stdin]\n"
        "       dgoctl teacher remove NAME\n"
        "       dgoctl teacher list\n"
        "\n"
        "The teachers who may log in to the portal. A password is asked twice on\n"
        "the terminal (not shown), or read as one line from standard input with\n"
        "--password-stdin; at least 8 characters. Only its yescrypt hash is kept,\n"
        "in " ACCOUNTS_DIR_DEFAULT "/" TEACHERS_FILE " (mode 0600, the portal's). The running portal\n"
        "takes a change within a second; a removed teacher's sessions, and those\n"
        "of a teacher with a new password, end. NAME: 1-32 of a-z 0-9 . _ -,\n"
        "starting with a letter. Needs root.\n"
        "\n"
        "Options:\n"
        "      --password-stdin  read the password from standard input\n"
        "      --dir DIR         the portal's state directory (default:\n"
        "                        " ACCOUNTS_DIR_DEFAULT ")\n"
        "  -h, --help            show this help\n"
        "\n"
        "Exit status: 0 done; 1 refused (no such teacher, already one, the file\n"
        "cannot be written); 2 usage error.\n";

static const char token_help[] =
        "Usage: dgoctl token add NAME\n"
        "       dgoctl token remove NAME\n"
        "       dgoctl token list\n"
        "\n"
        "API tokens for the portal's /api (Authorization: Bearer TOKEN). 'add'\n"
        "prints the new token once, on standard output: only its SHA-256 is kept,\n"
        "in " ACCOUNTS_DIR_DEFAULT "/" TOKENS_FILE ". dgoctl's own students, student and grade add\n"
        "take it from $DGO_TOKEN. Needs root.\n"
        "\n"
        "Options:\n"
        "      --dir DIR   the portal's state directory (default: " ACCOUNTS_DIR_DEFAULT ")\n"
        "  -h, --help      show this help\n";

struct teacher_args {
        const char *dir;
        bool password_stdin;
};

static int teacher_option(int c, const char *arg, void *userdata) {
        struct teacher_args *a = userdata;

        if (c == OPT_DIR)
                a->dir = arg;
        else if (c == OPT_PASSWORD_STDIN)
                a->password_stdin = true;
        return DGOCTL_CONTINUE;
}

/* DIR, made as systemd makes a dynamic user's StateDirectory= when it is
 * not there yet: the directory in /var/lib/private/ and a link to it. */
static int ensure_dir(const char *dir) {
        struct stat st;

        if (stat(dir, &st) == 0)
                return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
        if (errno != ENOENT)
                return -errno;
        if (strcmp(dir, ACCOUNTS_DIR_DEFAULT) != 0)
                return mkdir(dir, 0700) < 0 ? -errno : 0;
        if (mkdir("/var/lib/private", 0700) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir("/var/lib/private/dgo-portal", 0700) < 0 && errno != EEXIST)
                return -errno;
        if (symlink("private/dgo-portal", ACCOUNTS_DIR_DEFAULT) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* The list FILE of DIR, locked against other dgoctls until *LOCK_FD closes. */
static int open_list(const char *dir, const char *file, int *lock_fd, struct accounts *a, char **path) {
        _cleanup_free_ char *p = NULL;
        unsigned line;
        int r = ensure_dir(dir);

        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot make %s: %s", dir, strerror(-r));
        *lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX) < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot open %s: %s", dir, strerror(errno));
        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        r = accounts_load(p, a, &line);
        if (r == -EINVAL)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "%s, line %u: not NAME:HASH; fix it by hand first", p, line);
        if (r < 0 && r != -ENOENT)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot read %s: %s", p, strerror(-r));
        *path = TAKE_PTR(p);
        return DGOCTL_EXIT_OK;
}

/* Write A to PATH atomically, mode 0600, owned as DIR is (the portal's user). */
static int save_list(const char *dir, const char *path, const struct accounts *a) {
        _cleanup_free_ char *text = NULL;
        struct stat st;
        size_t len;
        int r;

        text = accounts_format(a, &len);
        if (!text)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "out of memory");
        r = atomic_write_file(path, text, len, 0600);
        if (r < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot write %s: %s", path, strerror(-r));
        if (stat(dir, &st) < 0 || chown(path, st.st_uid, st.st_gid) < 0)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "cannot give %s to the portal's user: %s", path,
                                    strerror(errno));
        return DGOCTL_EXIT_OK;
}

/* One line of F into BUF (SIZE bytes), without its newline; false at EOF
 * or when the line is too long. */
static bool read_line(FILE *f, char *buf, size_t size) {
        size_t n;

        if (!fgets(buf, (int) size, f))
                return false;
        n = strlen(buf);
        if (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
        else if (!feof(f))
                return false;
        if (n > 0 && buf[n - 1] == '\r')
                buf[--n] = '\0';
        return true;
}

static bool prompt(FILE *tty, const char *text, char *buf, size_t size) {
        struct termios old, quiet;
        bool ok;

        fputs(text, tty);
        fflush(tty);
        if (tcgetattr(fileno(tty), &old) < 0)
                return false;
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t) ECHO;
        quiet.c_lflag |= ECHONL;
        if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet) < 0)
                return false;
        ok = read_line(tty, buf, size);
        (void) tcsetattr(fileno(tty), TCSAFLUSH, &old);
        return ok;
}

/* The new password for NAME into BUF: from stdin, or twice from the terminal. */
static int get_password(const char *name, bool from_stdin, char *buf, size_t size) {
        char again[PASSWORD_MAX + 2], text[96];
        FILE *tty;
        bool ok;

        if (from_stdin) {
                if (!read_line(stdin, buf, size))
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "no password on standard input (one line, at most "
                                            "%d bytes)", PASSWORD_MAX);
        } else {
                tty = fopen("/dev/tty", "r+e");
                if (!tty)
                        return dgoctl_usage_error("teacher", "no terminal to ask the password on: give it on "
                                                  "standard input with --password-stdin");
                snprintf(text, sizeof text, "Password for %s: ", name);
                ok = prompt(tty, text, buf, size) && prompt(tty, "Again: ", again, sizeof again);
                fclose(tty);
                ok = ok && strcmp(buf, again) == 0;
                explicit_bzero(again, sizeof again);
                if (!ok)
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "the passwords differ; nothing changed");
        }
        if (strlen(buf) < PASSWORD_MIN)
                return dgoctl_error(DGOCTL_EXIT_FAILED, "a password has at least %d characters; nothing changed",
                                    PASSWORD_MIN);
        return DGOCTL_EXIT_OK;
}

static int print_names(const struct accounts *a) {
        for (size_t i = 0; i < a->n; i++)
                puts(a->v[i].name);
        return dgoctl_flush();
}

DEFINE_POINTER_CLEANUP(struct accounts *, accounts_done)

/* What both commands share: the verb, its NAME, the list open and locked. */
static int run(struct dgoctl *ctl, bool teacher, int argc, char **argv) {
        static const struct option opts[] = {
                { "dir", required_argument, NULL, OPT_DIR },
                { "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
                { NULL, 0, NULL, 0 }
        };
        const char *command = teacher ? "teacher" : "token", *what = teacher ? "teacher" : "token";
        struct teacher_args args = { .dir = ACCOUNTS_DIR_DEFAULT };
        struct accounts list = { 0 };
        _cleanup_(accounts_donep) struct accounts *owner = &list;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int lock_fd = -EBADF;
        char hash[ACCOUNT_HASH_MAX + 1], password[PASSWORD_MAX + 2], token[TOKEN_LEN + 1];
        const char *verb, *name = NULL;
        int code;

        code = dgoctl_parse(ctl, command, teacher ? teacher_help : token_help, argc, argv, NULL, opts,
                            teacher_option, &args);
        if (code != DGOCTL_CONTINUE)
                return code;
        if (optind >= argc)
                return dgoctl_usage_error(command, "no subcommand given (add, %sremove, list)",
                                          teacher ? "passwd, " : "");
        verb = argv[optind++];
        if (strcmp(verb, "list") != 0) {
                if (optind >= argc)
                        return dgoctl_usage_error(command, "%s: no NAME given", verb);
                name = argv[optind++];
                if (!account_name_valid(name))
                        return dgoctl_usage_error(command, "'%s' is not a name: 1-32 of a-z 0-9 . _ -, starting "
                                                  "with a letter", name);
        }
        if (optind < argc)
                return dgoctl_usage_error(command, "unexpected argument '%s'", argv[optind]);
        if (!(strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0 || strcmp(verb, "list") == 0 ||
              (teacher && strcmp(verb, "passwd") == 0)))
                return dgoctl_usage_error(command, "unknown subcommand '%s'", verb);
        if (args.password_stdin && (!teacher || strcmp(verb, "add") != 0) && strcmp(verb, "passwd") != 0)
                return dgoctl_usage_error(command, "--password-stdin is for add and passwd");

        code = open_list(args.dir, teacher ? TEACHERS_FILE : TOKENS_FILE, &lock_fd, &list, &path);
        if (code != DGOCTL_EXIT_OK)
                return code;
        if (strcmp(verb, "list") == 0)
                return print_names(&list);
        if (strcmp(verb, "remove") == 0) {
                if (accounts_remove(&list, name) < 0)
                        return dgoctl_error(DGOCTL_EXIT_FAILED, "no %s '%s'", what, name);
                code = save_list(args.dir, path, &list);
                if (code == DGOCTL_EXIT_OK)
                        fprintf(stderr, "Removed the %s '%s'.\n", what, name);
                return code;
        }
        if (strcmp(verb, "add") == 0 && accounts_find(&list, name))
                return dgoctl_error(DGOCTL_EXIT_FAILED, "there is a %s '%s' already%s", what, name,
                                    teacher ? " (dgoctl teacher passwd NAME gives it a new password)" : "");
        if (strcmp(verb, "passwd") == 0 && !accounts_find(&list, name))
                return dgoctl_error(DGOCTL_EXIT_FAILED, "no teacher '%s' (dgoctl teacher add NAME)", name);

        if (teacher) {
                code = get_password(name, args.password_stdin, password, sizeof password);
                if (code == DGOCTL_EXIT_OK && password_hash(password, hash, sizeof hash) < 0)
                        code = dgoctl_error(DGOCTL_EXIT_FAILED, "cannot hash the password with yescrypt");
                explicit_bzero(password, sizeof password);
        } else if (token_new(token) < 0 || token_hash(token, strlen(token), hash) < 0)
                code = dgoctl_error(DGOCTL_EXIT_FAILED, "cannot make a token: %s", strerror(errno));
        if (code == DGOCTL_EXIT_OK && accounts_set(&list, name, hash) < 0)
                code = dgoctl_error(DGOCTL_EXIT_FAILED, "cannot add '%s'", name);
        if (code == DGOCTL_EXIT_OK)
                code = save_list(args.dir, path, &list);
        if (code != DGOCTL_EXIT_OK) {
                explicit_bzero(token, sizeof token);
                return code;
        }
        if (teacher)
                fprintf(stderr, "%s the teacher '%s'.\n", strcmp(verb, "add") == 0 ? "Added" : "New password for",
                        name);
        else {
                fprintf(stderr, "The token '%s' (shown only now: keep it; use it as Authorization: Bearer TOKEN,\n"
                                "or in DGO_TOKEN for dgoctl):\n", name);
                puts(token);
                explicit_bzero(token, sizeof token);
                return dgoctl_flush();
        }
        return DGOCTL_EXIT_OK;
}

int cmd_teacher(struct dgoctl *ctl, int argc, char **argv) {
        return run(ctl, true, argc, argv);
}

int cmd_token(struct dgoctl *ctl, int argc, char **argv) {
        return run(ctl, false, argc, argv);
}
