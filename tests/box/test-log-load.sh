#!/bin/bash
# 2,000 messages from 50 concurrent clients: every one answered, written and journaled.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

N=2000
ct_exec systemctl start dgo-log.socket
wait_until 5 port_listens 4000

out=$(python3 "$TOOLS/httpload.py" post http://127.0.0.1:4000/log --count $N --concurrency 50 \
        --body "[LoadTest] - load message {i} of run $$") || true
echo "load: $out"
check_eq "$N answers of 200" "$N" "$(json_get "$out" 'd["status"].get("200", 0)')"
check_eq "no failed requests" 0 "$(json_get "$out" 'd["errors"]')"

check_eq "$N lines in the file" "$N" "$(grep -c "LoadTest info load message [0-9]* of run $$\$" "$R/var/log/dgo/dgo.log")"
check_eq "each message exactly once in the file" "$N" \
        "$(grep -o "load message [0-9]* of run $$" "$R/var/log/dgo/dgo.log" | sort -u | wc -l)"
box_journal_sync
check_eq "$N journal entries" "$N" "$(box_journal DGO_SERVICE=LoadTest -o cat | grep -c "of run $$\$")"
check_eq "journald suppressed nothing" 0 "$(box_journal -u dgo-log.service -o cat | grep -c Suppressed)"
check_eq "the service did not restart" 0 "$(restarts dgo-log.service)"

finish
