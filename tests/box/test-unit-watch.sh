#!/bin/bash
# unit_watch (src/registry/unit_watch.c) against a real systemd: the initial
# listing, PropertiesChanged through a kill -9 and a watchdog restart, queries
# for units outside the pattern, and the loss of the bus.
#
# tests/box/unit-watch-probe.c is built here on the host (a test program is
# not installed by meson), by default with ASan+UBSan (PROBE_CFLAGS overrides
# that), and runs in the box as a transient unit as User=nobody: so the D-Bus
# policy for an unprivileged client is tested too. Not DynamicUser=yes: with
# systemd >= 250.4 (Debian 12 has 252) dbus-daemon cannot resolve a dynamic
# UID and drops the connection right after authentication (systemd issue
# #22737); the end of this test shows it, for the record.
# Each line it prints is "<usec> <unit> <active> <sub>", usec CLOCK_REALTIME,
# the clock the host's $EPOCHREALTIME reads: latencies are measured from the
# host's kill to the probe's callback. KILL_RUNS (default 5) kill -9 rounds.
#
# What systemd guarantees is asserted, not the exact sequence: systemd emits
# PropertiesChanged from its event loop, so states it passes through in one
# iteration may arrive merged (failed/failed is often not seen before
# activating/auto-restart).
# The probe's build is no check (a failed build is one FAIL, and the end); the
# sanitizer checks count only when the probe is built with -fsanitize.
# box: build-only
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

KILL_RUNS=${KILL_RUNS:-5}
PROBE=$BOX_TMP/unit-watch-probe
OUT=/run/uw-probe.out                   # in the box; the host reads $R$OUT
QUERIED="uw-queried.service no-such-unit.service dbus.service"

# shellcheck disable=SC2046,SC2086  # word splitting wanted
if ! cc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
        ${PROBE_CFLAGS--fsanitize=address,undefined -fno-omit-frame-pointer} \
        -I src -o "$PROBE" \
        tests/box/unit-watch-probe.c src/registry/unit_watch.c src/basic/log.c \
        $(pkg-config --cflags --libs libsystemd); then
    box__fail "the probe builds"
    finish
fi
echo "--- the probe built (${PROBE_CFLAGS--fsanitize=address,undefined -fno-omit-frame-pointer})"
install -m 0755 "$PROBE" "$R/usr/local/bin/unit-watch-probe"

probe_lines() { cat "$R$OUT" 2>/dev/null; }
probe_count() { probe_lines | wc -l; }
since() { probe_lines | tail -n +"$(($1 + 1))"; }                   # since N: lines after the first N
since_has() { grep -Eq -- "$2" <<<"$(since "$1")"; }               # since_has N REGEX
usec() { local t=${1/,/.}; echo "${t/./}"; }                      # $EPOCHREALTIME -> usec
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1000 }'; }

# --- The initial listing: the socket listens before the probe starts.
check "systemctl start dgo-log.socket" ct_exec systemctl start dgo-log.socket
check "port 4000 listens" wait_until 5 port_listens 4000
# shellcheck disable=SC2086
check "the probe starts (User=nobody)" ct_exec systemd-run --quiet --unit=uw-probe \
        -p User=nobody -p StandardOutput=file:$OUT -p StandardError=journal \
        /usr/local/bin/unit-watch-probe 'dgo-*' $QUERIED
check "the probe reports the initial states" wait_until 10 since_has 0 ' dbus\.service '
wait_until 2 since_has 0 ' dgo-log\.socket ' || true
initial=$(probe_lines)
echo "initial lines:"; sed 's/^/    /' <<<"$initial"
check_match "ListUnitsByPatterns: dgo-log.socket active listening" '^[0-9]+ dgo-log\.socket active listening$' "$initial"
check_match "ListUnitsByPatterns: dgo-log.service (loaded by its socket) inactive dead" \
        '^[0-9]+ dgo-log\.service inactive dead$' "$initial"
check_match "query: a unit systemd has not loaded is inactive dead" '^[0-9]+ no-such-unit\.service inactive dead$' "$initial"
check_match "query: a loaded unit outside the pattern (dbus.service) active running" \
        '^[0-9]+ dbus\.service active running$' "$initial"
check_match "query: uw-queried.service (not loaded yet) inactive dead" '^[0-9]+ uw-queried\.service inactive dead$' "$initial"

# --- A unit asked for is followed although it does not match; another is not.
n0=$(probe_count)
ct_exec systemd-run --quiet --unit=uw-queried sleep 1000
ct_exec systemd-run --quiet --unit=uw-other sleep 1000
check "a queried unit outside the pattern is followed: uw-queried active running" \
        wait_until 5 since_has "$n0" ' uw-queried\.service active running$'
ct_exec systemctl stop uw-queried.service uw-other.service
check "... and its stop: uw-queried inactive dead" wait_until 5 since_has "$n0" ' uw-queried\.service inactive dead$'

# --- Socket activation: the first request starts the service.
n0=$(probe_count)
check_eq "a POST /log starts dgo-log.service" 200 "$(post_log '[T] - x')"
check "dgo-log.service active running is reported" wait_until 5 since_has "$n0" ' dgo-log\.service active running$'
echo "after the first request:"; since "$n0" | sed 's/^/    /'

# --- kill -9: systemd sees SIGCHLD; failed, auto-restart, running again.
# first_after N UNIT: the first line of UNIT after line N whose ActiveState is not "active".
first_down() { since "$1" | awk -v u="$2" '$2 == u && $3 != "active" { print; exit }'; }
lat_kill=()
for i in $(seq "$KILL_RUNS"); do
    # The PID first: box_main_pid asks systemd (tens of ms), which must not count.
    if ! pid=$(box_main_pid dgo-log.service); then box__fail "kill -9 #$i: dgo-log.service has a main process"; continue; fi
    n0=$(probe_count)
    t0=$EPOCHREALTIME
    kill -KILL "$pid"
    if ! wait_until 5 since_has "$n0" ' dgo-log\.service active running$'; then
        box__fail "kill -9 #$i: active running again within 5 s" "$(since "$n0")"
        continue
    fi
    first=$(first_down "$n0" dgo-log.service)
    read -r t1 _ a s <<<"$first"
    lat=$(ms "$(usec "$t0")" "$t1")
    lat_kill+=("$lat")
    echo "kill -9 #$i: first non-active report after $lat ms: $a/$s; then:" \
         "$(since "$n0" | awk '$2 == "dgo-log.service" { printf "%s/%s ", $3, $4 }')"
    # deactivating/stop-sigterm when the unit has another process left to
    # stop: dgo-register, still retrying here since this box runs no registry
    # (it ends with dgo-log, but systemd may see it first).
    check_match "kill -9 #$i: the first state after it is failed/failed, activating/auto-restart or deactivating/stop-sigterm" \
            '^(failed failed|activating auto-restart|deactivating stop-sigterm)$' "$a $s"
    # Not too many restarts in a row for systemd's start limit (5 per 10 s).
    ct_exec systemctl reset-failed dgo-log.service
done
echo "kill -9 -> notification, ms: ${lat_kill[*]}"

# --- Frozen: the watchdog (WatchdogSec=3s) kills it with SIGABRT and it restarts.
pid=$(box_main_pid dgo-log.service) || pid=''
n0=$(probe_count)
t0=$EPOCHREALTIME
check "kill -STOP dgo-log.service" kill -STOP "$pid"
check "after the watchdog, active running again within 10 s" \
        wait_until 10 since_has "$n0" ' dgo-log\.service active running$'
first=$(first_down "$n0" dgo-log.service)
read -r t1 _ a s <<<"$first"
lat=$(ms "$(usec "$t0")" "${t1:-0}")
echo "STOP: first non-active report after $lat ms: $a/$s; then:" \
     "$(since "$n0" | awk '$2 == "dgo-log.service" { printf "%s/%s ", $3, $4 }')"
check_match "STOP: the first state is stop-watchdog, failed or auto-restart" \
        '^(deactivating stop-watchdog|failed failed|activating auto-restart)$' "${a:-} ${s:-}"
check "STOP: it came 1-5 s after the STOP (WatchdogSec=3s)" \
        awk -v l="$lat" 'BEGIN { exit !(l >= 1000 && l <= 5000) }'
box_journal_sync
check_match "the journal says Watchdog timeout" "Watchdog timeout" "$(box_journal -u dgo-log.service -o cat)"

# --- Everything it printed: well-formed, only wanted units, no repeated state.
all=$(probe_lines)
check "every line is <usec> <unit> <active> <sub>" \
        bash -c '! grep -Ev "^[0-9]{16} [^ ]+ [a-z-]+ [a-z-]+\$" <<<"$1"' _ "$all"
check "only units matching dgo-* or asked for" \
        awk -v q=" $QUERIED " '$2 !~ /^dgo-/ && index(q, " " $2 " ") == 0 { print; bad = 1 } END { exit bad }' <<<"$all"
check "uw-other.service (neither matching nor asked for) never reported" \
        awk '$2 == "uw-other.service" { print; bad = 1 } END { exit bad }' <<<"$all"
check "a unit's state is never reported twice in a row" \
        awk '{ k = $3 " " $4 } last[$2] == k { print; bad = 1 } { last[$2] = k } END { exit bad }' <<<"$all"

# --- The bus goes away: the lost callback (the probe prints LOST and exits 3).
n0=$(probe_count)
ct_exec systemctl stop dbus.socket dbus.service
check "stopping dbus-daemon: the lost callback is called" wait_until 5 since_has "$n0" '^[0-9]+ LOST$'
check "the probe exited with status 3 (and ASan/LSan found nothing: that would be 1 or 23)" \
        eventually 5 '[ "$(box_unit_prop uw-probe.service ExecMainStatus)" = 3 ]'
box_journal_sync
j=$(box_journal -u uw-probe.service -o cat)
if [[ ${PROBE_CFLAGS--fsanitize=address} == *-fsanitize=* ]]; then
    check "no sanitizer report in the probe's stderr" \
            bash -c '! grep -E "AddressSanitizer|LeakSanitizer|runtime error" <<<"$1"' _ "$j"
fi
echo "the probe's journal:"; sed 's/^/    /' <<<"$j" | tail -n 20
echo "everything the probe printed (ms since its first line):"
awk 'NR == 1 { t = $1 } { printf "    %9.3f %s\n", ($1 - t) / 1000, substr($0, index($0, " ") + 1) }' <<<"$all"

# For the record (not a check: it is systemd's bug, not ours): the same probe
# as DynamicUser=yes. It reports LOST at once when dbus-daemon drops it.
ct_exec systemctl start dbus.socket
dyn=$(ct_exec systemd-run --quiet --wait --pipe -p DynamicUser=yes -p RuntimeMaxSec=3 \
        /usr/local/bin/unit-watch-probe 'dgo-*' 2>&1) || true
echo "the probe as DynamicUser=yes printed:"; sed 's/^/    /' <<<"$dyn"

finish
