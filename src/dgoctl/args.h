/* args.h - dgoctl's checks of what the user typed, and the small
 * formatting rules shared by its commands.
 *
 * Pure code, unit-tested. Each parse_* function returns NULL when the text
 * is good (the value in *RET), or a sentence saying what is wrong, meant to
 * follow the option's name ("--score: must be ..."). The rules for IDs,
 * scores, grade types and titles are the grading service's own (dgo/grade.h,
 * dgo/student.h); averages and scores are formatted by dgo/format.h, as the
 * portal's are. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Exit codes, documented in --help, dgoctl(1) and docs/operations.md. */
enum {
        DGOCTL_EXIT_OK = 0,
        DGOCTL_EXIT_FAILED = 1,         /* a service refused or failed the operation */
        DGOCTL_EXIT_USAGE = 2,          /* bad command line: nothing was sent */
        DGOCTL_EXIT_UNREACHABLE = 3,    /* registry, portal, grading service or systemd not reached */
};

#define DGOCTL_TIMEOUT_MAX 3600        /* seconds */

/* A student ID: a positive decimal number (at most 9 digits, student_id_parse()). */
const char *parse_student_id(const char *s, long *ret);
/* A score: a decimal number from 0 to 100 (no hex, inf or nan: score_parse()). */
const char *parse_score(const char *s, double *ret);
/* A grade type, any case: "quiz" -> "Quiz". *RET is a static string. */
const char *parse_grade_type(const char *s, const char **ret);
/* A grade title: 1 to GB_TITLE_MAX bytes of UTF-8 without control characters. */
const char *check_title(const char *s);
/* --timeout: seconds, more than 0, at most DGOCTL_TIMEOUT_MAX. */
const char *parse_timeout(const char *s, double *ret);
/* -n: a number of lines, 0 to 1000000. */
const char *parse_lines(const char *s, unsigned *ret);
/* A database file's name (backup and restore's FILE, --store DB): 1 to
 * 4095 bytes without control characters. */
const char *check_db_path(const char *s);
/* --registry/--portal: "http://HOST[:PORT][/PATH]". The base URL in *RET
 * (malloc'd) without trailing '/', and for the registry (STRIP_SERVICES)
 * without a trailing "/services": DGO_REGISTRY as the services take it
 * ("http://127.0.0.1:3000/services") works here too. */
const char *parse_base_url(const char *s, bool strip_services, char **ret);
