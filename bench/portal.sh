#!/bin/bash
# bench/portal.sh - the teacher portal under load, in a real systemd box.
#
# wrk -t2 -c50 -d10s on the /students page and a student's page, through
# the whole system (portal -> registry -> grading). Targets (issue 4): at
# least 5 times the original's ~3,900 pages/s (19,500) with a p99 under its
# ~35 ms. Then every service's VmRSS. With a build that has logins (issue
# 13), as a teacher logged in once (the session's cookie on every request).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/box-common.sh

P=http://127.0.0.1:5000
ct_exec systemctl start dgo.target
wait_until 5 ss -Hltn "sport = :5000"
status_of() { curl -s -o /dev/null -w '%{http_code}' ${COOKIE:+-H "Cookie: $COOKIE"} "$P$1" || true; }
wait_until 10 eval '[[ "$(status_of /students)" =~ ^(200|303)$ ]]'
# Since issue 13 every page needs a teacher's session (303 to /login without
# one): a teacher logs in once, and wrk sends the session's cookie.
COOKIE='' script=''
if [ "$(status_of /students)" = 303 ]; then
    jar=$(mktemp)
    ct_exec sh -c 'echo "bench-Password 1" | dgoctl teacher add bench --password-stdin' >/dev/null 2>&1
    csrf=$(curl -s -b "$jar" -c "$jar" "$P/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//; s/"$//')
    curl -s -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" -d user=bench \
        --data-urlencode 'password=bench-Password 1' "$P/login"
    COOKIE="dgo_session=$(awk '$6 == "dgo_session" { print $7 }' "$jar")"
    rm -f "$jar"
    script=$(mktemp --suffix=.lua)
    echo "wrk.headers[\"Cookie\"] = \"$COOKIE\"" > "$script"
fi
# Until the page answers 200, the portal is still learning its providers.
wait_until 10 test "$(status_of /students)" = 200

for path in /students /students/1; do
    wrk_run "$P$path" "$script"
    echo "portal GET $path: $RPS pages/s, p99 $P99_MS ms, non-2xx $NON2XX (target >= 19500/s, p99 < 35 ms)"
done
for unit in dgo-portal dgo-grading dgo-registry dgo-log; do
    echo "$unit VmRSS after the runs: $(vmrss_kb "$unit.service" 2>/dev/null || echo '?') kB"
done
[ -z "$script" ] || rm -f "$script"
