/* The log sink against a stand-in journald (a datagram socket of ours) and
 * a file in a temporary directory: a batch is one datagram of entries and
 * one run of lines, in order; a batch the journal refuses reaches neither. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "log/log_sink.h"

static char dir[] = "/tmp/test-log_sink-XXXXXX";
static char sock_path[96], file_path[96];

static int bind_journal(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -1;
        return fd;
}

static struct log_message message(const char *service, const char *text) {
        struct log_message m = { .priority = 6, .text = text, .text_len = strlen(text) };

        snprintf(m.service, sizeof m.service, "%s", service);
        return m;
}

static size_t count(const char *hay, size_t len, const char *needle) {
        size_t n = 0, k = strlen(needle);

        for (size_t i = 0; i + k <= len; i++)
                if (memcmp(hay + i, needle, k) == 0)
                        n++;
        return n;
}

static char *read_file(const char *path, size_t *len) {
        FILE *f = fopen(path, "r");
        static char buf[8192];

        *len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        buf[*len] = '\0';
        if (f)
                fclose(f);
        return buf;
}

int main(void) {
        struct log_sink s;
        char got[65536];
        size_t len;

        if (!mkdtemp(dir))
                return 1;
        snprintf(sock_path, sizeof sock_path, "%s/journal", dir);
        snprintf(file_path, sizeof file_path, "%s/dgo.log", dir);
        int journal = bind_journal();
        CHECK(journal >= 0);
        CHECK(log_sink_open(&s, file_path, sock_path) == 0);

        /* Nothing gathered: the flush writes nothing. */
        CHECK(log_sink_flush(&s) == 0);
        CHECK(recv(journal, got, sizeof got, MSG_DONTWAIT) < 0 && errno == EAGAIN);

        /* Three messages, one datagram, three lines in order. */
        struct log_message m1 = message("GradingService", "first"),
                           m2 = message("Portal", "second\nline two"),
                           m3 = message("GradingService", "third");
        CHECK(log_sink_add(&s, &m1) == 0 && log_sink_add(&s, &m2) == 0 && log_sink_add(&s, &m3) == 0);
        CHECK(s.pending == 3);
        CHECK(log_sink_flush(&s) == 0);
        CHECK(s.pending == 0 && s.written == 3);
        ssize_t n = recv(journal, got, sizeof got, MSG_DONTWAIT);
        CHECK(n > 0);
        len = n > 0 ? (size_t) n : 0;
        CHECK(count(got, len, "DGO_SERVICE=") == 3);
        CHECK(count(got, len, "DGO_SERVICE=GradingService\n") == 2);
        CHECK(count(got, len, "MESSAGE=first\nPRIORITY=6\nSYSLOG_IDENTIFIER=GradingService\n"
                              "DGO_SERVICE=GradingService\n\n") == 1);
        CHECK(count(got, len, "MESSAGE\n\x0f\0\0\0\0\0\0\0second\nline two\n") == 1);
        CHECK(recv(journal, got, sizeof got, MSG_DONTWAIT) < 0);        /* one datagram only */
        char *file = read_file(file_path, &len);
        CHECK(count(file, len, "\n") == 3);
        const char *p1 = strstr(file, "GradingService info first\n"),
                   *p2 = strstr(file, "Portal info second\\nline two\n"),
                   *p3 = strstr(file, "GradingService info third\n");
        CHECK(p1 && p2 && p3 && p1 < p2 && p2 < p3);

        /* The bound: an empty batch takes anything; a full one says so. */
        CHECK(!log_sink_full(&s, 64 * 1024));
        CHECK(log_sink_add(&s, &m1) == 0);
        CHECK(!log_sink_full(&s, 100));
        CHECK(log_sink_full(&s, LOG_BATCH_MAX_BYTES));
        CHECK(log_sink_flush(&s) == 0 && recv(journal, got, sizeof got, 0) > 0);

        /* journald gone: the batch fails, and none of it is in the file. */
        close(journal);
        unlink(sock_path);
        struct log_message lost = message("Portal", "never stored");
        CHECK(log_sink_add(&s, &lost) == 0);
        CHECK(log_sink_flush(&s) < 0);
        CHECK(s.pending == 0 && s.written == 4);
        file = read_file(file_path, &len);
        CHECK(count(file, len, "never stored") == 0);
        CHECK(count(file, len, "\n") == 4);

        log_sink_close(&s);
        unlink(file_path);
        rmdir(dir);
        return check_finish("log_sink");
}
