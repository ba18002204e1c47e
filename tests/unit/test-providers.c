/* test-providers.c - proves the providers table (service/providers.c) a
 * service keeps from the registry's patches: Added and Removed change the
 * provider it names; of two providers the first stays chosen until it
 * fails, then the other (a failure of one no longer chosen changes
 * nothing); the same provider added twice is kept once; removing what is
 * not there is harmless; a bad patch is refused whole and changes nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "service/providers.h"

static int apply(struct providers *p, const char *patch) {
        char error[160];
        return providers_apply_patch(p, patch, strlen(patch), error, sizeof error);
}

int main(void) {
        struct providers *c = NULL;

        CHECK(providers_new(&c) >= 0);
        CHECK(providers_get(c, "LogService") == NULL);
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"LogService\",\"URL\":\"http://127.0.0.1:4000\"}],\"Removed\":[]}") == 0);
        CHECK_STR(providers_get(c, "LogService"), "http://127.0.0.1:4000");

        /* two providers: the first stays chosen until it fails */
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6000\"},"
                       "{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6001\"}]}") == 0);
        CHECK_STR(providers_get(c, "GradingService"), "http://127.0.0.1:6000");
        providers_failed(c, "GradingService", "http://127.0.0.1:6000");
        CHECK_STR(providers_get(c, "GradingService"), "http://127.0.0.1:6001");
        /* a failure reported for a provider no longer chosen changes nothing */
        providers_failed(c, "GradingService", "http://127.0.0.1:6000");
        CHECK_STR(providers_get(c, "GradingService"), "http://127.0.0.1:6001");
        providers_failed(c, "GradingService", "http://127.0.0.1:6001");
        CHECK_STR(providers_get(c, "GradingService"), "http://127.0.0.1:6000");

        /* the same provider added twice is kept once; removing it leaves the other */
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6000\"}]}") == 0);
        CHECK(apply(c, "{\"Removed\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6000\"}]}") == 0);
        CHECK_STR(providers_get(c, "GradingService"), "http://127.0.0.1:6001");
        CHECK(apply(c, "{\"Removed\":[{\"Name\":\"GradingService\",\"URL\":\"http://127.0.0.1:6001\"}]}") == 0);
        CHECK(providers_get(c, "GradingService") == NULL);
        /* removing what is not there is harmless */
        CHECK(apply(c, "{\"Removed\":[{\"Name\":\"Nobody\",\"URL\":\"http://127.0.0.1:1\"}]}") == 0);

        /* bad patches are refused and change nothing */
        CHECK(apply(c, "not json") == -EINVAL);
        CHECK(apply(c, "[]") == -EINVAL);
        CHECK(apply(c, "{\"Added\":{}}") == -EINVAL);
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"LogService\"}]}") == -EINVAL);
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"X\",\"URL\":\"ftp://x\"}]}") == -EINVAL);
        CHECK(apply(c, "{\"Removed\":[{\"Name\":\"LogService\",\"URL\":\"http://127.0.0.1:4000\"}],"
                       "\"Added\":[{\"Name\":1,\"URL\":\"http://a:1\"}]}") == -EINVAL);
        CHECK_STR(providers_get(c, "LogService"), "http://127.0.0.1:4000");
        CHECK(apply(c, "{\"Added\":[{\"Name\":\"Other\",\"URL\":\"http://127.0.0.1:7\"}],"
                       "\"Removed\":[{\"Name\":\"LogService\",\"URL\":\"nope\"}]}") == -EINVAL);
        CHECK(providers_get(c, "Other") == NULL);

        providers_free(c);
        return check_finish("providers");
}
