#!/bin/bash
# bench/portal.sh - the teacher portal under load, in a real systemd box.
#
# wrk -t2 -c50 -d10s on the /students page and a student's page, through
# the whole system (portal -> registry -> grading). Targets (issue 4): at
# least 5 times the original's ~3,900 pages/s (19,500) with a p99 under its
# ~35 ms. Then every service's VmRSS.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/box-common.sh

ct_exec systemctl start dgo.target
wait_until 5 ss -Hltn "sport = :5000"
# Until the page answers 200, the portal is still learning its providers.
wait_until 10 test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/students)" = 200

for path in /students /students/1; do
    wrk_run "http://127.0.0.1:5000$path" ""
    echo "portal GET $path: $RPS pages/s, p99 $P99_MS ms, non-2xx $NON2XX (target >= 19500/s, p99 < 35 ms)"
done
for unit in dgo-portal dgo-grading dgo-registry dgo-log; do
    echo "$unit VmRSS after the runs: $(vmrss_kb "$unit.service" 2>/dev/null || echo '?') kB"
done
