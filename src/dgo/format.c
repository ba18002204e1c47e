/* format.c - averages and scores for people. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "format.h"

bool grades_average(const json_t *grades, double *ret) {
        const json_t *g;
        double sum = 0;
        size_t i, n = 0;

        json_array_foreach(grades, i, g) {
                const json_t *score = json_object_get(g, "Score");
                if (json_is_number(score)) {
                        sum += json_number_value(score);
                        n++;
                }
        }
        if (n == 0)
                return false;
        *ret = sum / (double) n;
        return true;
}

void format_average(const json_t *grades, char *buf, size_t size) {
        double average;

        if (!grades_average(grades, &average)) {
                snprintf(buf, size, "\xe2\x80\x93");        /* U+2013 EN DASH */
                return;
        }
        /* Rounded half up, as people (and the browser test) round:
         * 90.25 is 90.3, where printf's "%.1f" would say 90.2. The 1e-9
         * keeps 88.45, which binary floating point holds as 88.4499...,
         * from going down. */
        double tenths = floor(average * 10.0 + 1e-9 + 0.5);
        snprintf(buf, size, "%.1f%%", tenths / 10.0);
}

void format_score(double score, char *buf, size_t size) {
        char *dot;
        size_t n;

        if (!isfinite(score)) {
                snprintf(buf, size, "?");
                return;
        }
        snprintf(buf, size, "%.2f", score);
        /* 85.00 -> 85, 97.50 -> 97.5 */
        dot = strchr(buf, '.');
        if (!dot)
                return;
        n = strlen(buf);
        while (n > 0 && buf[n - 1] == '0')
                buf[--n] = '\0';
        if (n > 0 && buf[n - 1] == '.')
                buf[--n] = '\0';
}
