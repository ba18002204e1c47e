#!/bin/bash
# test-selftest.sh - proves the box harness works, without the dgo binaries: socket activation
# reachable from the host, the box's journal, box_kill + restart, journald keeping a burst.
# Run: tests/box/run.sh - tests/box/test-selftest.sh
# box: build-only
# shellcheck disable=SC2317  # helper functions here are called through check/wait_until
set -euo pipefail
# shellcheck source=tests/box/lib.sh
. "$REPO/tests/box/lib.sh"

check_eq "ct_exec runs in the box (its PID 1 is systemd)" systemd "$(ct_exec cat /proc/1/comm)"
check "box has its own machine-id" test "$(cat "$R/etc/machine-id")" != "$(cat /etc/machine-id 2>/dev/null)"

# A socket-activated pair, one service instance per connection (Accept=yes), answering HTTP.
# The handler is a script file: inline in ExecStart, systemd would expand its $, % and \r.
U=$R/etc/systemd/system
mkdir -p "$R/usr/local/bin"
cat > "$R/usr/local/bin/selftest-http" <<'SH'
#!/bin/bash
read -r req; echo "selftest: got ${req%$'\r'}" >&2   # stderr -> journal
while read -r l && [ -n "${l%$'\r'}" ]; do :; done   # rest of the header: no RST on close
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nselftest-ok\n'
SH
chmod +x "$R/usr/local/bin/selftest-http"
printf '%s\n' '[Socket]' 'ListenStream=127.0.0.1:3999' 'Accept=yes' > "$U/selftest.socket"
printf '%s\n' '[Service]' 'StandardInput=socket' 'StandardError=journal' \
    'ExecStart=/usr/local/bin/selftest-http' > "$U/selftest@.service"
# A long-running service to kill from the host.
printf '%s\n' '[Service]' 'ExecStart=/bin/sleep infinity' 'Restart=always' 'RestartSec=50ms' \
    > "$U/selftest-sleep.service"
ct_exec systemctl daemon-reload
check "start selftest.socket" ct_exec systemctl start selftest.socket
check "port 3999 listens in the host netns" grep 3999 <<<"$(ss -Hltn 'sport = :3999')"

body=$(curl -sS --max-time 5 http://127.0.0.1:3999/hello 2>&1) || true
check_eq "curl from the host gets the answer" selftest-ok "$body"
served_hello() { grep "selftest: got GET /hello HTTP/1.1" <<<"$(box_journal -b -u 'selftest@*')"; }
check "journal shows the request" wait_until 3 served_hello
check_match "journal: Started selftest@...service" 'Started selftest@[^ ]*\.service' \
    "$(box_journal -b -o cat)"

# box_kill: SIGKILL the main process from the host; systemd must notice and restart it.
check "start selftest-sleep.service" ct_exec systemctl start selftest-sleep.service
old=$(box_main_pid selftest-sleep.service) || old=''
check_match "box_main_pid gives a host PID running sleep" '^sleep$' "$(cat "/proc/${old:-0}/comm" 2>&1)"
check "box_kill KILL selftest-sleep.service" box_kill KILL selftest-sleep.service
restarted() { [ "$(box_unit_prop selftest-sleep.service NRestarts)" = 1 ]; }
check "systemd restarted it (NRestarts=1)" wait_until 3 restarted
new=$(box_main_pid selftest-sleep.service) || new=''
check "the new main PID differs" test -n "$new" -a "$new" != "$old"
check_match "journal: killed by SIGKILL" 'Main process exited, code=killed, status=9/KILL' \
    "$(box_journal -b -u selftest-sleep.service)"

# journald keeps a 2,500-line burst from one unit (default rate limit: 10,000 per 30 s).
ct_exec systemd-run --wait --quiet --collect -u selftest-burst seq -f 'burst %g' 2500
box_journal_sync
check_eq "journald kept all 2500 burst lines" 2500 \
    "$(box_journal -b -u selftest-burst -o cat | grep -c '^burst ' || true)"

finish
