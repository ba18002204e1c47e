/* test-cluster_conf.c - proves how /etc/dgo/cluster.conf is read
 * (dgo/cluster_conf.h): a whole file with comments, blank lines, spaces
 * and CRLF parses, LeaseSec defaults to 15; the text cluster_conf_format()
 * writes parses back to the same; and each wrong file is refused with its
 * line and a message: an unknown key or section, a key before [Cluster] or
 * twice, a bad host name, a loopback, wildcard or multicast address, an etcd
 * URL with a path, a name or no port, too many endpoints, LeaseSec out of
 * 5-120, a missing Host, Address or Etcd, a NUL byte, a file over 16 KiB.
 * cluster_conf_load() says -ENOENT for a missing file (a single host). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dgo/cluster_conf.h"

static struct cluster_conf conf;
static unsigned line;
static char error[160];

static int parse(const char *text) {
        return cluster_conf_parse(text, strlen(text), &conf, &line, error, sizeof error);
}

/* TEXT is refused at line LINE_WANT with a message containing WHAT. */
static void refused(const char *text, unsigned line_want, const char *what) {
        int r = parse(text);

        CHECK(r == -EINVAL);
        CHECK(line == line_want);
        CHECK(strstr(error, what) != NULL);
        if (r != -EINVAL || line != line_want || !strstr(error, what))
                fprintf(stderr, "    for: %s\n    got: %d, line %u, \"%s\"\n", text, r, line, error);
}

#define BASE "[Cluster]\nHost=h1\nAddress=10.77.0.1\nEtcd=https://10.77.0.1:2379\n"

int main(void) {
        char buf[2048];
        struct cluster_conf again;

        CHECK(parse("# dgo\n\n; also a comment\n[Cluster]\r\n  Host = h1 \r\nAddress=10.77.0.1\n"
                    "Etcd=https://10.77.0.1:2379 https://10.77.0.2:2379,https://[fd00::3]:2379\n") == 0);
        CHECK_STR(conf.host, "h1");
        CHECK_STR(conf.address, "10.77.0.1");
        CHECK(conf.n_etcd == 3);
        CHECK_STR(conf.etcd[2], "https://[fd00::3]:2379");
        CHECK(conf.lease_sec == 15);
        CHECK(parse(BASE "LeaseSec=40\n") == 0 && conf.lease_sec == 40);
        CHECK(parse("[Cluster]\nHost=web-2\nAddress=fd00::2\nEtcd=http://127.0.0.1:2379") == 0);   /* no final newline */

        int n = cluster_conf_format(&conf, buf, sizeof buf);
        CHECK(n > 0 && (size_t) n == strlen(buf));
        CHECK(cluster_conf_parse(buf, strlen(buf), &again, &line, error, sizeof error) == 0);
        CHECK(memcmp(&again, &conf, sizeof conf) == 0);
        CHECK(cluster_conf_format(&conf, buf, 40) == -ENOBUFS);

        refused(BASE "Port=1\n", 5, "unknown key 'Port'");
        refused("[Service]\nHost=h1\n", 1, "unknown section");
        refused("Host=h1\n[Cluster]\n", 1, "before [Cluster]");
        refused(BASE "Host=h2\n", 5, "Host given twice");
        refused(BASE "just words\n", 5, "not KEY=VALUE");
        refused("[Cluster]\nHost=H1\n", 2, "Host must be");
        refused("[Cluster]\nHost=1h\n", 2, "Host must be");
        refused("[Cluster]\nHost=h1-\n", 2, "Host must be");
        refused("[Cluster]\nHost=h1\nAddress=127.0.0.1\n", 3, "Address must be");
        refused("[Cluster]\nHost=h1\nAddress=0.0.0.0\n", 3, "Address must be");
        refused("[Cluster]\nHost=h1\nAddress=::1\n", 3, "Address must be");
        refused("[Cluster]\nHost=h1\nAddress=224.0.0.1\n", 3, "Address must be");
        refused("[Cluster]\nHost=h1\nAddress=host.example\n", 3, "Address must be");
        refused("[Cluster]\nEtcd=https://10.0.0.1:2379/v3\n", 2, "not http(s)://ADDRESS:PORT");
        refused("[Cluster]\nEtcd=https://etcd.example:2379\n", 2, "not http(s)://ADDRESS:PORT");
        refused("[Cluster]\nEtcd=https://10.0.0.1\n", 2, "not http(s)://ADDRESS:PORT");
        refused("[Cluster]\nEtcd=https://10.0.0.1:99999\n", 2, "not http(s)://ADDRESS:PORT");
        refused("[Cluster]\nEtcd=ftp://10.0.0.1:21\n", 2, "not http(s)://ADDRESS:PORT");
        refused("[Cluster]\nEtcd=\n", 2, "no endpoint");
        refused("[Cluster]\nEtcd=http://10.0.0.1:1 http://10.0.0.1:2 http://10.0.0.1:3 http://10.0.0.1:4 "
                "http://10.0.0.1:5 http://10.0.0.1:6 http://10.0.0.1:7 http://10.0.0.1:8\n", 2, "more than 7");
        refused(BASE "LeaseSec=4\n", 5, "LeaseSec must be");
        refused(BASE "LeaseSec=121\n", 5, "LeaseSec must be");
        refused(BASE "LeaseSec=-5\n", 5, "LeaseSec must be");
        refused(BASE "LeaseSec=15s\n", 5, "LeaseSec must be");
        refused("[Cluster]\nAddress=10.77.0.1\nEtcd=https://10.77.0.1:2379\n", 0, "Host= is missing");
        refused("[Cluster]\nHost=h1\nEtcd=https://10.77.0.1:2379\n", 0, "Address= is missing");
        refused("[Cluster]\nHost=h1\nAddress=10.77.0.1\n", 0, "Etcd= is missing");
        CHECK(cluster_conf_parse("[Cluster]\0Host=h1\n", 18, &conf, &line, error, sizeof error) == -EINVAL);

        char *big = malloc(CLUSTER_CONF_MAX + 2);
        CHECK(big != NULL);
        if (big) {
                memset(big, '#', CLUSTER_CONF_MAX + 1);
                big[CLUSTER_CONF_MAX + 1] = '\0';
                refused(big, 0, "larger than");
                free(big);
        }
        CHECK(cluster_conf_load("/nonexistent/cluster.conf", &conf) == -ENOENT);
        return check_finish("cluster_conf");
}
