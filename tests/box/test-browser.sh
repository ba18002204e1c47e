#!/bin/bash
# The teacher portal in a real browser. `systemctl start dgo.target` in the box, then
# tests/browser/portal.spec.mjs drives Debian's chromium (/usr/bin/chromium) with playwright-core
# from the host (the box shares its network): logging in (a teacher made here with `dgoctl
# teacher add`; the spec's API calls carry a `dgoctl token add` token), the students list, a student's page, adding a
# grade, a refused score, a student whose name is HTML, the list's pages and its search box
# (its header says what it proves). Its PASS/FAIL lines are counted here; the spec must run to
# its end, and neither dgo-portal nor dgo-grading may restart meanwhile. It ends with logging out.
# Needs on the host: chromium, nodejs (>= 18) and, the first time, npm (for `npm ci`).
# Screenshots: $SCREENSHOT_DIR (default $CT_LOGS/browser, i.e. /var/tmp/dgo-box/logs/browser).
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

PORTAL=http://127.0.0.1:5000
BROWSER_DIR=$REPO/tests/browser
CHROMIUM=/usr/bin/chromium
SHOTS=${SCREENSHOT_DIR:-$CT_LOGS/browser}
SPEC_TIMEOUT=75   # the spec bounds itself to ~55 s; this is the backstop

need_packages() {   # need_packages WHAT: one FAIL that says what to install, then the end
    box__fail "$1" "install the Debian packages: apt-get install --no-install-recommends chromium nodejs npm"
    finish
}

# --- what the test needs on the host --------------------------------------------------------
[ -x "$CHROMIUM" ] || need_packages "chromium is not installed ($CHROMIUM is missing)"
command -v node >/dev/null || need_packages "node is not installed (no node in PATH)"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || node_major=0
[ "$node_major" -ge 18 ] 2>/dev/null || need_packages "node $(node --version 2>/dev/null) is too old (need >= 18)"

# playwright-core from tests/browser/package-lock.json: reuse node_modules when it holds that
# version (works offline), else `npm ci`.
lock_version() { node -p 'require(process.argv[1]).packages["node_modules/playwright-core"].version' "$1" 2>/dev/null; }
have_version() { node -p 'require(process.argv[1]).version' "$BROWSER_DIR/node_modules/playwright-core/package.json" 2>/dev/null; }
want=$(lock_version "$BROWSER_DIR/package-lock.json")
have=$(have_version || true)
if [ -z "$have" ] || [ "$have" != "$want" ]; then
    if ! command -v npm >/dev/null; then
        [ -n "$have" ] || need_packages "npm is not installed, and tests/browser/node_modules is missing"
        echo "    npm is not installed: using playwright-core $have from node_modules (the lock wants $want)"
    else
        echo "    npm ci in tests/browser (node_modules has ${have:-nothing}, the lock wants $want)"
        npm_out=$(cd "$BROWSER_DIR" && timeout -k 5 180 npm ci --no-audit --no-fund 2>&1) ||
            echo "    npm ci failed:"$'\n'"$(tail -n 5 <<<"$npm_out" | sed 's/^/    | /')"
        have=$(have_version || true)
    fi
fi
check_match "playwright-core is installed in tests/browser/node_modules (lock: $want)" '^1\.' "${have:-none}"
[ -n "$have" ] || finish

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
ended='' rc=0
while IFS= read -r line; do
    case $line in
        "PASS: "*) box__pass "browser: ${line#PASS: }" ;;
        "FAIL: "*) box__fail "browser: ${line#FAIL: }" ;;
        "SPEC-END: "*) ended=${line#SPEC-END: } ;;
        *) echo "$line" ;;   # context of a FAIL, where a screenshot went
    esac
done < <(cd "$BROWSER_DIR" && PORTAL_URL=$PORTAL SCREENSHOT_DIR=$SHOTS CHROMIUM=$CHROMIUM \
             TEACHER=$TEACHER PASSWORD=$PASSWORD API_TOKEN=$API_TOKEN \
             timeout -k 5 "$SPEC_TIMEOUT" node portal.spec.mjs 2>&1)
wait $! || rc=$?
if [ -n "$ended" ]; then
    echo "    browser spec: $ended (exit $rc); screenshots in $SHOTS"
else
    box__fail "the browser spec ran to its end" "exit $rc$([ $rc = 124 ] && echo ": killed after $SPEC_TIMEOUT s")"
fi

# The portal took all of that without a crash or a watchdog kill.
check_eq "dgo-portal.service did not restart" 0 "$(box_unit_prop dgo-portal.service NRestarts)"
check_eq "dgo-grading.service did not restart" 0 "$(box_unit_prop dgo-grading.service NRestarts)"

finish
