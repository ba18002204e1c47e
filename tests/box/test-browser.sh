#!/bin/bash
# The teacher portal in a real browser. `systemctl start dgo.target` in the box, then
# tests/browser/portal.spec.mjs drives Debian's chromium (/usr/bin/chromium) with playwright-core
# from the host (the box shares its network): logging in (a teacher made here with `dgoctl
# teacher add`; the spec's API calls carry a `dgoctl token add` token), the students list, a student's page, adding a
# grade, a refused score, a student whose name is HTML, the list's pages and its search box
# (its header says what it proves). Its PASS/FAIL lines are counted here; the spec must run to
# its end, and neither dgo-portal nor dgo-grading may restart meanwhile. It ends with logging out.
# Then, with the portal restarted with --session-idle 3, tests/browser/session.spec.mjs: wrong
# passwords slowed, and a session that expired while its page was open.
# Needs on the host: chromium, nodejs (>= 18) and, the first time, npm (for `npm ci`).
# Screenshots: $SCREENSHOT_DIR (default $CT_LOGS/browser, i.e. /var/tmp/dgo-box/logs/browser).
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"
. "$REPO/tests/box/browser-lib.sh"

PORTAL=http://127.0.0.1:5000
SHOTS=${SCREENSHOT_DIR:-$CT_LOGS/browser}
SPEC_TIMEOUT=75   # the spec bounds itself to ~55 s; this is the backstop

# --- what the test needs on the host --------------------------------------------------------
browser_host_ready

# --- the portal -------------------------------------------------------------------------------
ct_exec systemctl start dgo.target
check "dgo.target started: the portal's port 5000 listens" wait_until 10 port_listens 5000
TEACHER=browser PASSWORD="browser-$RANDOM-$RANDOM"
ct_exec sh -c "echo '$PASSWORD' | dgoctl teacher add $TEACHER --password-stdin" >/dev/null 2>&1
check_match "a teacher for the browser (dgoctl teacher add)" "^$TEACHER\$" "$(ct_exec dgoctl teacher list)"
API_TOKEN=$(ct_exec dgoctl token add browser 2>/dev/null)
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$PORTAL$1" || true; }
# shellcheck disable=SC2016  # evaluated by eventually
if ! eventually 20 '[ "$(status_of /login)" = 200 ]'; then
    box__fail "GET /login answers 200 (so the browser has something to test)" \
        "$(echo "status: $(status_of /login)"; box_journal -u dgo-portal.service -n 8 -o cat)"
    finish
fi
box__pass "GET /login answers 200 (the portal started)"

# --- the browser ------------------------------------------------------------------------------
mkdir -p "$SHOTS"; rm -f "$SHOTS"/*.png
BROWSER_SPEC_NOTE="; screenshots in $SHOTS" browser_run_spec "$SPEC_TIMEOUT" portal.spec.mjs \
    PORTAL_URL="$PORTAL" SCREENSHOT_DIR="$SHOTS" TEACHER="$TEACHER" PASSWORD="$PASSWORD" API_TOKEN="$API_TOKEN"

# The portal took all of that without a crash or a watchdog kill.
check_eq "dgo-portal.service did not restart" 0 "$(box_unit_prop dgo-portal.service NRestarts)"
check_eq "dgo-grading.service did not restart" 0 "$(box_unit_prop dgo-grading.service NRestarts)"

# --- wrong passwords and an expired session, in the browser ------------------------------------
# Sessions that end after 3 s without a request: the portal again, with --session-idle 3.
ct_exec mkdir -p /run/systemd/system/dgo-portal.service.d
ct_exec sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/libexec/dgo/dgo-portal --session-idle 3\n" \
               > /run/systemd/system/dgo-portal.service.d/idle.conf'
ct_exec systemctl daemon-reload
ct_exec systemctl restart dgo-portal.service
check "the portal restarted with --session-idle 3" eventually 20 '[ "$(status_of /login)" = 200 ]'
browser_run_spec 45 session.spec.mjs \
    PORTAL_URL="$PORTAL" TEACHER="$TEACHER" PASSWORD="$PASSWORD" API_TOKEN="$API_TOKEN" SESSION_IDLE=3

finish
