#!/bin/bash
# A web page from another origin cannot change a grade, in a real browser (issue 13, "web pages
# never do"). `systemctl start dgo.target` in the box, a teacher made with `dgoctl teacher add`;
# then tests/browser/cross-origin.spec.mjs (Debian's chromium driven by playwright-core from the
# host, which shares the box's network) logs that teacher in and, with the session held, opens a
# hostile page served from http://127.0.0.1:8999 (same site as the portal, so the session cookie
# goes along) and from http://localhost:8999, whose script tries to add a grade through the
# portal's /api, straight at the grading service, and by the portal's own form, to delete one at
# the grading service, and to read the student list from both (the spec's header lists each
# attempt and what it asserts: the page read nothing, the mutating requests were refused).
# Here: the spec's PASS/FAIL lines are counted, it must run to its end, and student 1's grades,
# asked of the grading service before and after as the original's clients ask (no Origin, its own
# Host), are exactly the same, as is the whole grade book; neither dgo-portal nor dgo-grading
# restarted. Needs on the host: chromium, nodejs (>= 18) and, the first time, npm.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"
. "$REPO/tests/box/browser-lib.sh"

PORTAL=http://127.0.0.1:5000 GRADING=http://127.0.0.1:6000
HOSTILE_PORT=8999
SPEC_TIMEOUT=60   # the spec bounds itself to ~45 s; this is the backstop

# --- what the test needs on the host ---------------------------------------------------------
browser_host_ready
check "port $HOSTILE_PORT is free for the hostile page" eval "! port_listens $HOSTILE_PORT"

# --- dgo, a teacher ---------------------------------------------------------------------------
ct_exec systemctl start dgo.target
check "dgo.target started: the portal's port 5000 listens" wait_until 10 port_listens 5000
check "... and the grading service's port 6000" wait_until 10 port_listens 6000
TEACHER=crossorigin PASSWORD="cross-$RANDOM-$RANDOM"
ct_exec sh -c "echo '$PASSWORD' | dgoctl teacher add $TEACHER --password-stdin" >/dev/null 2>&1
check_match "a teacher for the browser (dgoctl teacher add)" "^$TEACHER\$" "$(ct_exec dgoctl teacher list)"
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$PORTAL$1" || true; }
# shellcheck disable=SC2016  # evaluated by eventually
if ! eventually 20 '[ "$(status_of /login)" = 200 ]'; then
    box__fail "GET /login answers 200" "$(echo "status: $(status_of /login)"; box_journal -u dgo-portal.service -n 8 -o cat)"
    finish
fi

# The grading service asked as the original's clients ask it: no Origin, Host 127.0.0.1:6000.
grades() { curl -s --max-time 5 "$GRADING/students/1" || true; }
everyone() { curl -s --max-time 5 "$GRADING/students" || true; }
grades_before=$(grades) book_before=$(everyone)
check_match "student 1 has grades before the page (GET :6000/students/1)" '"Grades": *\[ *\{' "$grades_before"

# --- the browser ------------------------------------------------------------------------------
browser_run_spec "$SPEC_TIMEOUT" cross-origin.spec.mjs PORTAL_URL="$PORTAL" GRADING_URL="$GRADING" \
    HOSTILE_PORT="$HOSTILE_PORT" TEACHER="$TEACHER" PASSWORD="$PASSWORD"

# --- nothing changed --------------------------------------------------------------------------
check_unchanged "student 1's grades are exactly as before (GET :6000/students/1)" "$grades_before" "$(grades)"
check_unchanged "the whole grade book is exactly as before (GET :6000/students)" "$book_before" "$(everyone)"
check "no grade titled 'Hostile' anywhere in the book" eval "! grep -q Hostile <<<\"\$(everyone)\""
check_eq "dgo-portal.service did not restart" 0 "$(box_unit_prop dgo-portal.service NRestarts)"
check_eq "dgo-grading.service did not restart" 0 "$(box_unit_prop dgo-grading.service NRestarts)"

finish
