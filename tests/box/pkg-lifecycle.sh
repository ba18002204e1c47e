#!/bin/bash
# Proves the Debian package's life in a box: `apt-get install ./dgo_*.deb`
# enables the sockets and dgo.target (no service on its own) and starts them
# (not the portal's HTTPS socket, which needs a certificate first),
# its maintainer scripts start no service; the README's start command serves
# the portal and stores a grade; an upgrade (the package again) keeps the
# sockets as they were, restarts the running portal and imports a grade book
# an earlier dgo kept in students.json, whole; after a reboot the sockets
# listen by themselves and the portal serves the grade from before; `apt-get
# remove` stops everything (no port, no process, no unit file); `apt-get
# purge` leaves no binary, unit, data, doc or log, but keeps the grade book,
# the registry's state and its system user in /var/lib (docs/operations.md,
# "Install from the package").
# Run by tests/box/run.sh with BOX_PACKAGE=path/to/dgo_*.deb (run.sh has installed
# the package and run `systemctl start dgo.target` already).
# shellcheck disable=SC2016,SC2317,SC2086  # SOCKETS/SERVICES split on purpose; dpkg-query formats and box commands in single quotes; helpers called through check/wait_until
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

[ -n "${BOX_PACKAGE:-}" ] || { box__fail "pkg-lifecycle needs BOX_PACKAGE (run.sh sets it)"; finish; }

SOCKETS="dgo-registry.socket dgo-log.socket dgo-grading.socket dgo-portal.socket"
SERVICES="dgo-registry.service dgo-log.service dgo-grading.service dgo-portal.service"
PORTS="3000 4000 5000 6000"
P=http://127.0.0.1:5000
G=http://127.0.0.1:6000

states() {   # states PROP UNIT... -> the values, space-separated
    local prop=$1 u out=''; shift
    for u in "$@"; do out+="$(box_unit_prop "$u" "$prop") "; done
    echo "${out% }"
}
repeat() { local n=$1 w=$2 out=''; for _ in $(seq "$n"); do out+="$w "; done; echo "${out% }"; }
all_listen() { local p; for p in $PORTS; do port_listens "$p" || return 1; done; }
none_listen() { local p; for p in $PORTS; do ! port_listens "$p" || return 1; done; }
in_box() { ct_exec sh -c "$1"; }

# --- what the installation did
check_eq "dpkg: dgo is installed" "install ok installed" \
    "$(ct_exec dpkg-query -W -f='${Status}' dgo 2>&1)"
check_eq "the sockets and dgo.target are enabled" "$(repeat 5 enabled)" \
    "$(ct_exec systemctl is-enabled $SOCKETS dgo.target | tr '\n' ' ' | sed 's/ $//')"
check "the sockets are linked into sockets.target.wants" in_box \
    'for s in dgo-registry dgo-log dgo-grading dgo-portal; do test -L /etc/systemd/system/sockets.target.wants/$s.socket || exit 1; done'
check_eq "the services are not enabled on their own (socket-activated; Also= their socket)" "$(repeat 4 indirect)" \
    "$(ct_exec systemctl is-enabled $SERVICES | tr '\n' ' ' | sed 's/ $//')"
check_eq "the package started dgo.target and the sockets (before systemctl start dgo.target)" \
    "$(repeat 5 active)" "${BOX_PKG_STARTED% }"
check_eq "the sockets listen" "$(repeat 4 active)" "$(states ActiveState $SOCKETS)"
check_eq "the portal's HTTPS socket is installed, neither enabled nor started (it needs a certificate)" \
    "disabled inactive" \
    "$(ct_exec systemctl is-enabled dgo-portal-https.socket) $(states ActiveState dgo-portal-https.socket)"
check "ports 3000 4000 5000 6000 listen" wait_until 5 all_listen
# The services start on their first connection. Their state here is not a safe witness (the
# box shares the host's network: anything on the host connecting to 3000-6000 activates
# them), so check the mechanisms: the maintainer script starts no service, and no target
# pulls one in.
check_eq "the maintainer scripts start no .service (only try-restart on upgrade)" "" \
    "$(grep -E 'deb-systemd-invoke (start|restart) .*\.service' "$R/var/lib/dpkg/info/dgo.postinst" || true)"
pulled_in() {   # services that some target wants, by links or by the loaded units
    in_box 'ls /etc/systemd/system/*.wants/ 2>/dev/null | grep -E "^dgo-.*\.service$"
            systemctl show -P Wants sockets.target multi-user.target dgo.target | tr " " "\n" |
            grep -E "^dgo-.*\.service$"' || true
}
check_eq "no target wants a dgo service (enabled: sockets and dgo.target only)" "" "$(pulled_in)"
check "the system user dgo-registry exists (sysusers)" ct_exec getent passwd dgo-registry
check "the binaries are the package's (dpkg -S)" ct_exec dpkg -S /usr/libexec/dgo/dgo-log \
    /usr/libexec/dgo/dgo-registry /usr/libexec/dgo/dgo-grading /usr/libexec/dgo/dgo-portal

# --- the README's start command serves the portal; leave state and a log line behind.
# The portal's pages need a teacher's session; its API takes a token (dgoctl token add).
TOKEN=$(ct_exec dgoctl token add pkg-lifecycle 2>/dev/null || true)
check_match "dgoctl token add makes an API token" '^dgo_[0-9a-f]+$' "$TOKEN"
AUTH="Authorization: Bearer $TOKEN"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$P/students" || true)
check_eq "GET /students on the portal without a session: 303 (to the login page)" 303 "$code"
code=$(curl -s -o "$BOX_TMP/pkg-body" -w '%{http_code}' --max-time 10 -H "$AUTH" "$P/api/students" || true)
check_eq "GET /api/students on the portal with the token: 200" 200 "$code"
check_match "the portal lists the sample students" 'Nick|Carter' "$(cat "$BOX_TMP/pkg-body" 2>/dev/null)"
grade='{"Title":"Package Quiz","Type":"Quiz","Score":77}'
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    --data "$grade" "$G/students/1/grades" || true)
check_eq "a grade POSTed to the grading service: 201" 201 "$code"
check_eq "POST /log: 200" 200 "$(post_log "[PackageTest] - before the reboot")"
check "registry.json saved (a registration reached the registry)" \
    wait_until 10 test -s "$R/var/lib/dgo-registry/registry.json"

# --- an upgrade from a dgo that kept the grade book in students.json: this package's
# upgrade path imports it. The file is what such a dgo held: the book in the original's
# JSON (what GET /students answers), here with one more grade; no database yet.
curl -s --max-time 10 "$G/students" | python3 -c 'import json,sys
d = json.load(sys.stdin)
d[1]["Grades"].append({"Title": "Legacy Quiz", "Type": "Test", "Score": 66.5})
json.dump(d, open(sys.argv[1], "w"))' "$BOX_TMP/legacy.json"
ct_exec systemctl stop dgo-grading.service dgo-grading.socket
rm -f "$R$GRADEBOOK_DIR"/gradebook.db*
cp "$BOX_TMP/legacy.json" "$R$GRADEBOOK_DIR/students.json"
ct_exec systemctl start dgo-grading.socket

# --- an upgrade (the same package again: the maintainer scripts take the upgrade path): the
# sockets keep listening, untouched; a running service is restarted with the new files
sock_since=$(states ActiveEnterTimestampMonotonic $SOCKETS)
portal_pid=$(box_unit_prop dgo-portal.service MainPID)
check "dpkg -i the package again (upgrade path)" ct_exec dpkg -i "/var/tmp/$(basename "$BOX_PACKAGE")"
check_eq "upgrade: the sockets were not restarted" "$sock_since" "$(states ActiveEnterTimestampMonotonic $SOCKETS)"
new_pid=$(box_unit_prop dgo-portal.service MainPID)
check "upgrade: the running dgo-portal.service was restarted (MainPID $portal_pid -> $new_pid)" \
    test "$portal_pid" != 0 -a "$new_pid" != 0 -a "$new_pid" != "$portal_pid"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "$AUTH" "$P/api/students" || true)
check_eq "upgrade: the portal serves (its API, with the token from before)" 200 "$code"
imported=$(curl -s --max-time 30 "$G/students" || true)
check_eq "upgrade: the JSON grade book was imported whole, IDs and grades unchanged" yes \
    "$(python3 -c 'import json,sys
print("yes" if json.loads(sys.argv[1]) == json.load(open(sys.argv[2])) else "no")' "$imported" "$BOX_TMP/legacy.json")"
check_match "upgrade: it holds the grade from before and the one only the file had" \
    'Package Quiz.*Legacy Quiz' "$imported"
check "upgrade: the old file is kept as students.json.imported" \
    test -f "$R$GRADEBOOK_DIR/students.json.imported" -a ! -e "$R$GRADEBOOK_DIR/students.json"

# --- reboot: the enabled sockets come up by themselves, nothing else starts
t0=${EPOCHREALTIME/,/.}
if ct_reboot 60; then
    box__pass "the box rebooted ($(awk -v a="$t0" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }') s)"
    R=/proc/$CT_PID1/root
    check_eq "after the reboot: the sockets are active" "$(repeat 4 active)" "$(states ActiveState $SOCKETS)"
    # The box boots box.target, not multi-user.target, so dgo.target (WantedBy=multi-user.target)
    # is not started here: check its link instead. The sockets come from sockets.target.
    check "after the reboot: dgo.target is linked into multi-user.target.wants" \
        test -L "$R/etc/systemd/system/multi-user.target.wants/dgo.target"
    check "after the reboot: the ports listen" wait_until 5 all_listen
    check_eq "after the reboot: no target wants a dgo service" "" "$(pulled_in)"
    body=$(curl -s --max-time 10 -H "$AUTH" "$P/api/students/1" || true)
    check_match "after the reboot: the portal serves the grade from before it" 'Package Quiz' "$body"
    check_eq "after the reboot: dgo-portal.service was started by that connection" active \
        "$(box_unit_prop dgo-portal.service ActiveState)"
else
    box__fail "the box rebooted (ct_reboot)"
fi

# --- remove: everything stops; conffiles (none) and state stay
check "apt-get remove dgo" ct_exec env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q -o Dpkg::Use-Pty=0 dgo
check "after remove: no port listens" wait_until 5 none_listen
check_eq "after remove: no dgo process" "" "$(ct_exec pgrep -f /usr/libexec/dgo/ || true)"
check_eq "after remove: systemd knows no dgo unit file" "" \
    "$(ct_exec systemctl list-unit-files --no-legend 'dgo*' 2>&1)"

# --- purge
check "apt-get purge dgo" ct_exec env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o Dpkg::Use-Pty=0 dgo
check_match "dpkg knows dgo no more (not even as rc)" 'no packages found|not-installed|^$' \
    "$(ct_exec dpkg-query -W -f='${Status}' dgo 2>&1 || true)"
gone=$(in_box 'ls -d /usr/libexec/dgo /usr/share/dgo /usr/share/doc/dgo /lib/systemd/system/dgo* \
    /usr/lib/systemd/system/dgo* /lib/systemd/system/etcd.service.d/dgo-single-host.conf \
    /usr/lib/sysusers.d/dgo.conf /etc/systemd/system/*/dgo* \
    /var/lib/systemd/deb-systemd-helper-enabled/dgo* \
    /var/lib/systemd/deb-systemd-helper-enabled/*/dgo* 2>/dev/null' || true)
check_eq "after purge: no binary, unit, etcd drop-in, data, doc, sysusers file or enablement link" "" "$gone"
check_eq "after purge: the central log is gone (Policy 10.8)" "" \
    "$(in_box 'ls -d /var/log/dgo /var/log/private/dgo 2>/dev/null' || true)"
check_eq "after purge: the grade book stays in /var/lib/dgo-grading" 1 \
    "$(gradebook_sql "SELECT count(*) FROM grades WHERE title = 'Package Quiz'")"
check "after purge: the registry's state stays in /var/lib/dgo-registry" \
    test -s "$R/var/lib/dgo-registry/registry.json"
check "after purge: the system user dgo-registry stays (owner of that state)" \
    ct_exec getent passwd dgo-registry
check "after purge: systemctl daemon-reload" ct_exec systemctl daemon-reload
check_eq "after purge: systemd has no dgo unit loaded" "" \
    "$(ct_exec systemctl list-units --all --no-legend 'dgo*' 2>&1)"

finish
