#!/bin/bash
# unit_watch against a fake systemd: what the real one never sends. Every
# input from D-Bus is checked: invalidated-only and half state changes (the
# watch fetches the state), wrong types and signatures, names and states that are not
# names, a signal addressed to the watch by someone else, a broadcast that is
# not systemd's, signals for units not followed; GetUnit answers NoSuchUnit
# and a path that is not a unit's; no systemd on the bus; the bus going away.
#
# Runs on the host, against a private dbus-daemon in $BOX_TMP (nothing of the
# box is used: the fake must own org.freedesktop.systemd1). The programs are
# tests/box/unit-watch-fake-systemd.c (the script of signals is there) and
# tests/box/unit-watch-probe.c, built here, the probe with ASan+UBSan unless
# PROBE_CFLAGS says otherwise. The build is no check (a failed build is one
# FAIL, and the end); the sanitizer checks count only when the probe is built
# with -fsanitize.
# box: build-only
set -uo pipefail
. "$REPO/tests/box/lib.sh"

D=$BOX_TMP/uw-fake.$$
rm -rf "$D"; mkdir -p "$D"
BUS_PID='' FAKE_PID='' PROBE_PID=''
cleanup() {
    local p
    for p in "$PROBE_PID" "$FAKE_PID" "$BUS_PID"; do [ -z "$p" ] || kill "$p" 2>/dev/null || true; done
    rm -rf "$D"
}
trap cleanup EXIT

CFLAGS=(-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -g -O1)
# shellcheck disable=SC2046,SC2086  # word splitting wanted
if ! cc "${CFLAGS[@]}" ${PROBE_CFLAGS--fsanitize=address,undefined -fno-omit-frame-pointer} \
        -I src -o "$D/probe" \
        tests/box/unit-watch-probe.c src/registry/unit_watch.c src/basic/log.c \
        $(pkg-config --cflags --libs libsystemd) ||
   ! cc "${CFLAGS[@]}" -o "$D/fake" tests/box/unit-watch-fake-systemd.c $(pkg-config --cflags --libs libsystemd); then
    box__fail "the probe and the fake build"
    finish
fi
echo "--- the probe and the fake built (probe: ${PROBE_CFLAGS--fsanitize=address,undefined -fno-omit-frame-pointer})"
SANITIZED=''; [[ ${PROBE_CFLAGS--fsanitize=address} != *-fsanitize=* ]] || SANITIZED=1

# A bus where anyone may own any name (the session policy, on our own socket).
cat >"$D/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$D/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$D/bus.conf" --nofork --nopidfile </dev/null >"$D/bus.log" 2>&1 &
BUS_PID=$!
check "the private dbus-daemon listens" wait_until 5 test -S "$D/bus"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$D/bus

"$D/fake" </dev/null >"$D/fake.out" 2>"$D/fake.err" &
FAKE_PID=$!
check "the fake systemd owns org.freedesktop.systemd1" wait_until 5 grep -qx ready "$D/fake.out"

# UW_PROBE_FREE_ON_LOST: the probe frees the watch inside the lost callback (ASan checks that).
UW_PROBE_FREE_ON_LOST=1 "$D/probe" 'dgo-*' other-q.service dgo-q.service evil.service </dev/null >"$D/probe.out" 2>"$D/probe.err" &
PROBE_PID=$!
lines() { cut -d' ' -f2- "$D/probe.out"; }
check "initial states reported" wait_until 5 grep -q ' dgo-q.service ' "$D/probe.out"
check_eq "listing and queries: bad names, too long states, a GetUnit path that is no unit's all left out" \
        "dgo-a.service active running
dgo-sock.socket active listening
other-q.service inactive dead
dgo-q.service active running" "$(lines)"

kill -USR1 "$FAKE_PID"
check "the fake plays its script" wait_until 5 grep -qx "done" "$D/fake.out"
check "the last step is reported" wait_until 5 grep -q ' dgo-a.service reloading reload$' "$D/probe.out"
check_eq "the script: only well-formed signals for followed units, fetches where a state was missing" \
        "dgo-a.service active running
dgo-sock.socket active listening
other-q.service inactive dead
dgo-q.service active running
dgo-a.service deactivating stop
dgo-a.service failed failed
dgo-a.service activating auto-restart
other-q.service active running
dgo-gone.service inactive dead
dgo-a.service reloading reload" "$(lines)"

err=$(cat "$D/probe.err")
check_match "warned: a listed unit name that is no unit name" "Ignoring a unit whose name is not a unit name" "$err"
check_match "warned: a state that is no state name" "Ignoring a state of dgo-long.service that is not a state name" "$err"
check_eq "warned twice: ActiveState of the wrong type, a signature cut short" 2 \
        "$(grep -c "Ignoring a malformed PropertiesChanged for dgo-a.service" <<<"$err")"
check_match "warned: GetUnit answered a path that is no unit's" "Ignoring a malformed answer to GetUnit\(evil.service\)" "$err"

# No systemd on the bus: Subscribe fails, which is also "lost" (the watch
# would never see a change); the probe frees the watch in that callback.
kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=''
prc=0; UW_PROBE_FREE_ON_LOST=1 timeout 5 "$D/probe" 'dgo-*' >"$D/probe2.out" 2>"$D/probe2.err" </dev/null || prc=$?
check_eq "without systemd on the bus: lost at once (exit status 3)" 3 "$prc"
check_match "... because Subscribe failed" "Subscribing to systemd's signals failed" "$(cat "$D/probe2.err")"
[ -z "$SANITIZED" ] ||
    check "... and no sanitizer report" bash -c '! grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$1"' _ "$D/probe2.err"

# The bus goes away: the lost callback, once; the probe exits 3 (ASan would make it 1 or 23).
kill "$BUS_PID"; wait "$BUS_PID" 2>/dev/null; BUS_PID=''
rc=0; timeout 5 tail --pid="$PROBE_PID" -f /dev/null || rc=$?
wait "$PROBE_PID"; prc=$?; PROBE_PID=''
check_eq "the probe ended when the bus went away" 0 "$rc"
check_eq "... through the lost callback (exit status 3)" 3 "$prc"
check_eq "LOST reported once, as the last line" "LOST" "$(grep -c ' LOST$' "$D/probe.out" | sed 's/^1$/LOST/')"
check_match "... last" ' LOST$' "$(tail -n 1 "$D/probe.out")"
[ -z "$SANITIZED" ] ||
    check "no sanitizer report" bash -c '! grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$1"' _ "$D/probe.err"
echo "the probe's stderr:"; sed 's/^/    /' "$D/probe.err"

finish
