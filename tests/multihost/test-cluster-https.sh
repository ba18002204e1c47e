#!/bin/bash
# test-cluster-https.sh - proves dgo's own traffic between hosts (issue 14, deliverables 3 and 5,
# and the test "portal on host A with grading on hosts B and C: B lost"):
#  - a cluster made by `dgoctl cluster init/add-host/join` alone gives each host the sockets
#    for the others: dgo-grading-cluster.socket and dgo-log-cluster.socket listen on the host's
#    cluster address (10.77.0.I:6000 and :4000), and nothing plain listens there;
#  - every host's GET /services lists the other hosts' GradingService at https://10.77.0.J:6000;
#  - that socket speaks TLS with the host's cluster certificate (curl trusting the cluster CA
#    alone, from another host: verified), refuses anonymous requests (403), and serves a
#    request that proves a dgo service's name (the installation secret's token) (200);
#    curl trusting only the system's CAs fails to verify it;
#  - the portal of h3, with h3's own GradingService stopped, adds a grade and reads it back
#    through its API; the grade is in h1's book (asked on h1 over loopback), not h2's;
#  - h2's GradingService is not told a provider it should not use: h3's portal prefers its own
#    host's GradingService once it runs again (its next grade lands in h3's book);
#  - portal on h3, GradingService on h1 and h2, h3's stopped: h1 lost (SIGKILL of its PID 1 and
#    its link down: a power cut) while pages are loaded from h3's portal back to back: the loss
#    is felt (a page waits >= 1 s), and every page load that starts more than FAILOVER_BOUND s
#    after the loss is answered 200 (the bound: the portal's per-attempt timeout, 2 s, then the
#    next provider; printed: the slowest page, the failures before the bound);
#  - no sanitizer report in any remaining host's journal (with an ASan+UBSan build).
# Every request runs inside a box (mh_exec): nothing is sent from the machine's own namespace.
# Run: tests/multihost/run.sh BUILD_DIR tests/multihost/test-cluster-https.sh
# shellcheck disable=SC2317  # helpers called through check
set -euo pipefail
# shellcheck source=tests/multihost/lib.sh
. "$REPO/tests/multihost/lib.sh"

CA=/etc/credstore/dgo-cluster-ca.crt
FAILOVER_BOUND=3        # s: UPSTREAM_ATTEMPT_TIMEOUT_MS (2 s), the next attempt, slack
addr() { mh_addr "$1"; }
# The token of dgo service NAME on host I, from its installation secret (service/auth.h).
token_of() {
    mh_exec "$1" sh -c 'printf "dgo-service\n%s" "$1" |
        openssl dgst -sha256 -hmac "$(tr -d "[:space:]" < /etc/dgo/secret)" | sed "s/.*= //"' sh "$2"
}
# curl on host I to host J's cluster socket at PORT PATH, trusting the cluster CA; the status.
cluster_get() {
    local i=$1 j=$2 port=$3 path=$4; shift 4
    mh_exec "$i" curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CA" "$@" \
        "https://$(addr "$j"):$port$path" 2>&1 || true
}
services() { mh_exec "$1" curl -s --max-time 3 http://127.0.0.1:3000/services; }
lists_https() {   # lists_https I J: host I's map has host J's GradingService at https://10.77.0.J:6000
    services "$1" | python3 -c 'import json,sys
d = json.load(sys.stdin)
sys.exit(0 if any(r.get("ServiceName") == "GradingService" and r.get("ServiceURL") == sys.argv[1]
                  and r.get("Health") == "up" for r in d) else 1)' "https://$(addr "$2"):6000"
}
api() { mh_exec 3 curl -s --max-time 6 -H "Authorization: Bearer $TOKEN" "$@"; }
# Students of host I's own book that carry a grade titled TITLE (asked over loopback there).
book_has() {
    mh_exec "$1" curl -s --max-time 3 -H "Authorization: Dgo TeacherPortal:$(token_of "$1" TeacherPortal)" \
        http://127.0.0.1:6000/students | grep -qF "\"$2\""
}

# --- the cluster, by dgoctl alone ---
check "h1: dgo.target and dgo-secret.service start (the installation secret)" \
    mh_exec 1 systemctl start dgo.target dgo-secret.service
mh_dgoctl_cluster systemctl start dgo.target || finish
for i in 1 2 3; do
    check_eq "h$i: dgo-grading-cluster.socket and dgo-log-cluster.socket are active" "active active" \
        "$(mh_exec "$i" systemctl is-active dgo-grading-cluster.socket dgo-log-cluster.socket 2>&1 | xargs)"
    check_match "h$i: the grading service listens on $(addr "$i"):6000 and 127.0.0.1:6000" \
        "$(addr "$i"):6000.*127.0.0.1:6000|127.0.0.1:6000.*$(addr "$i"):6000" \
        "$(mh_exec "$i" ss -Htln 'sport = :6000' | awk '{ print $4 }' | sort | xargs)"
done
t0=$EPOCHREALTIME
for i in 1 2 3; do
    for j in 1 2 3; do
        [ "$i" != "$j" ] || continue
        took=$(mh_until_ok "$t0" 30 lists_https "$i" "$j") || took=''
        check "h$i's GET /services lists h$j's GradingService at https://$(addr "$j"):6000 (${took:-never} s)" \
            test -n "$took" || services "$i" | head -c 1500
    done
done

# --- the cluster socket: TLS, and dgo's services only ---
check_eq "from h2: anonymous GET https://$(addr 1):6000/students (cluster CA): 403" 403 \
    "$(cluster_get 2 1 6000 /students)"
check_eq "from h2: the same with GradingService's token: 200" 200 \
    "$(cluster_get 2 1 6000 /students -H "Authorization: Dgo GradingService:$(token_of 2 GradingService)")"
check_eq "from h2: the log service's cluster socket, anonymous: 403" 403 "$(cluster_get 2 1 4000 /log -X POST -d x)"
check_eq "from h2: the log service's cluster socket, as GradingService: 200" 200 \
    "$(cluster_get 2 1 4000 /log -X POST -H 'Content-Type: text/plain' -d 'from h2 over TLS' \
        -H "Authorization: Dgo GradingService:$(token_of 2 GradingService)")"
out=$(mh_exec 2 curl -s -o /dev/null --max-time 5 "https://$(addr 1):6000/students" 2>&1) && rc=0 || rc=$?
check_eq "from h2: curl trusting the system's CAs only cannot verify it (curl exit 60)" 60 "$rc"
out=$(mh_exec 2 curl -s -o /dev/null --max-time 5 "http://$(addr 1):6000/students" 2>&1) && rc=0 || rc=$?
check_eq "from h2: plain HTTP to $(addr 1):6000 is not served (curl exit 56 or 52: TLS only)" yes \
    "$([ "$rc" = 56 ] || [ "$rc" = 52 ] && echo yes || echo "no (exit $rc)")"

# --- h3's portal reads and writes grades on h1 ---
TOKEN=$(mh_exec 3 dgoctl token add mh-https 2>/dev/null)
check "h3: an API token" test -n "$TOKEN"
check "h3: its GradingService stopped" mh_exec 3 systemctl stop dgo-grading.socket dgo-grading.service
check "h2: its GradingService stopped" mh_exec 2 systemctl stop dgo-grading.socket dgo-grading.service
only_h1() { ! lists_https 3 2 && api -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/api/students | grep -qx 200; }
took=$(mh_until_ok "$EPOCHREALTIME" 20 only_h1) || took=''
check "h3's portal answers with h1 as its only GradingService (${took:-never} s)" test -n "$took"
status=$(api -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"Title":"Over TLS from h3","Type":"Quiz","Score":91}' http://127.0.0.1:5000/api/students/1/grades || true)
check_eq "h3's portal: POST /api/students/1/grades answers 201" 201 "$status"
check "h3's portal reads the grade back (GET /api/students/1)" eval \
    "api http://127.0.0.1:5000/api/students/1 | grep -qF 'Over TLS from h3'"
check "the grade is in h1's book" book_has 1 "Over TLS from h3"
check "h2 and h3's books do not have it" eval '! book_has 2 "Over TLS from h3" && ! book_has 3 "Over TLS from h3"'

# --- the portal prefers its own host's GradingService ---
check "h3: its GradingService started again" mh_exec 3 systemctl start dgo-grading.socket
own_first() {
    api -o /dev/null -H 'Content-Type: application/json' -d '{"Title":"Own host","Type":"Quiz","Score":1}' \
        http://127.0.0.1:5000/api/students/2/grades && book_has 3 "Own host"
}
took=$(mh_until_ok "$EPOCHREALTIME" 20 own_first) || took=''
check "h3's portal sends to h3's own GradingService once it is back (${took:-never} s)" test -n "$took"
check "h3: its GradingService stopped again" mh_exec 3 systemctl stop dgo-grading.socket dgo-grading.service
check "h2: its GradingService started again" mh_exec 2 systemctl start dgo-grading.socket
took=$(mh_until_ok "$EPOCHREALTIME" 20 lists_https 3 2) || took=''
check "h3 lists h2's GradingService again (${took:-never} s)" test -n "$took"

# --- h1 lost while h3's portal serves pages from h1 and h2 ---
# The portal's current provider is h1 (h2 came back after it): the loss is felt.
check_eq "h3's portal answers before the loss" 200 \
    "$(api -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/api/students || true)"
pages=$(mktemp) loss=''
(
    end=$(( ${EPOCHREALTIME/[.,]/} + 14000000 ))
    for _ in $(seq 3000); do
        [ "${EPOCHREALTIME/[.,]/}" -lt "$end" ] || break
        s=$EPOCHREALTIME
        c=$(api -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/api/students 2>/dev/null || true)
        echo "$s $EPOCHREALTIME $c"
    done > "$pages"
) &
loader=$!
sleep 2
loss=$EPOCHREALTIME
# A power cut: its link down first, then the box killed (a namespace whose box is gone but
# whose link is up answers with a reset at once, which no lost host does).
check "h1 lost: mh_cut h1, mh_lose h1 (while pages load)" eval 'mh_cut 1 && mh_lose 1'
wait "$loader" || true
read -r n before after slowest < <(awk -v t="${loss/,/.}" -v b="$FAILOVER_BOUND" '
    { n++; d = $2 - $1; if (d > max) max = d
      if ($3 != 200) { if ($1 > t + b) late++; else early++ } }
    END { printf "%d %d %d %.2f\n", n, early, late, max }' "$pages")
rm -f "$pages"
echo "h1 lost: $n page loads from h3's portal; $before failed before the bound, $after after; slowest ${slowest} s"
check "page loads went on during the loss ($n)" test "$n" -ge 10
check "the loss was felt: a page load waited for h1 (>= 1 s, then h2 answered) (slowest ${slowest} s)" \
    awk -v s="$slowest" 'BEGIN { exit !(s >= 1) }'
check_eq "no failed page load later than $FAILOVER_BOUND s after h1's loss ($before before it; slowest ${slowest} s)" \
    0 "$after"
check_eq "h3's portal answers 200 (from h2)" 200 \
    "$(api -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/api/students || true)"

for i in 2 3; do
    check_eq "h$i: no sanitizer report in the journal" "" \
        "$(mh_on "$i" box_journal -o cat | grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' | head -n 3 || true)"
done
finish
