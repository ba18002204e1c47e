/* test-http_error.c - proves the JSON error body every 4xx/5xx carries is
 * valid JSON whose "error" is the message, quotes and backslashes included,
 * with the length it reports, and stays valid JSON for a message that is
 * not UTF-8. */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"
#include "http/http.h"

int main(void) {
        size_t len;
        char *body = http_error_body("bad \"quote\" and \\", &len);
        json_t *j = json_loads(body, 0, NULL);

        CHECK(j != NULL);
        CHECK_STR(json_string_value(json_object_get(j, "error")), "bad \"quote\" and \\");
        CHECK(len == strlen(body));
        json_decref(j);
        free(body);

        /* a message that is not UTF-8 still gives a valid JSON document */
        body = http_error_body("bad \xff", &len);
        j = json_loads(body, 0, NULL);
        CHECK(j != NULL && json_is_string(json_object_get(j, "error")));
        json_decref(j);
        free(body);
        return check_finish("http_error");
}
