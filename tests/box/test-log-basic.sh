#!/bin/bash
# Proves the log service works under a real systemd: after `systemctl start
# dgo-log.socket` port 4000 listens and dgo-log.service is not running; the
# first POST /log (with the grading service's credentials) starts it (200);
# the message is in `journalctl DGO_SERVICE=...` with the sender as
# SYSLOG_IDENTIFIER and its priority, and is exactly one "TIMESTAMP SERVICE
# PRIORITY TEXT" line in the file; a message with newlines and control bytes
# (from an anonymous client claiming "Portal": recorded as claimed) is one
# escaped line (whole in the journal); the JSON form's priority reaches
# journal and file; `systemctl status` shows
# the service's status line; the log file belongs to dgo-log, not root.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

URL=http://127.0.0.1:4000

check "systemctl start dgo-log.socket" ct_exec systemctl start dgo-log.socket
check "port 4000 listens" wait_until 5 port_listens 4000
check_eq "dgo-log.service is not running before the first connection" inactive \
        "$(box_unit_prop dgo-log.service ActiveState)"

code=$(post_log "[GradingService] - first message $$" text/plain GradingService)
check_eq "the first POST /log starts the service and gets 200" 200 "$code"
check_eq "dgo-log.service is active after it" active "$(box_unit_prop dgo-log.service ActiveState)"

box_journal_sync
j=$(box_journal DGO_SERVICE=GradingService -o cat)
check_match "journalctl DGO_SERVICE=GradingService shows the message" "^first message $$\$" "$j"
j=$(box_journal -u dgo-log.service -o verbose DGO_SERVICE=GradingService)
check_match "the entry carries the service as SYSLOG_IDENTIFIER" "SYSLOG_IDENTIFIER=GradingService" "$j"
check_match "the entry has priority info" "PRIORITY=6" "$j"

f=$(cat "$R/var/log/dgo/dgo.log")
check_eq "the log file holds exactly one line for it" 1 "$(grep -c "first message $$" <<<"$f")"
check_match "the line is TIMESTAMP SERVICE PRIORITY TEXT" \
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z GradingService info first message $$\$" "$f"

# A message with embedded newlines and control characters stays one line.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' \
        --data-binary $'[Portal] - line one\nline two\r\n\ttabbed \x01 end' "$URL/log") || true
check_eq "a multi-line message is accepted" 200 "$code"
lines=$(wc -l < "$R/var/log/dgo/dgo.log")
check_eq "the file grew by exactly one line" 2 "$lines"
check_match "newlines and control bytes are escaped" \
        'anonymous\(claimed:Portal\) info line one\\nline two\\r\\n\\ttabbed \\x01 end$' "$(tail -n 1 "$R/var/log/dgo/dgo.log")"
box_journal_sync
check_match "the journal keeps the message whole" "line two" "$(box_journal DGO_CLAIMED_SERVICE=Portal -o cat)"

# The structured form.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "$(dgo_auth TeacherPortal)" \
        -d '{"service":"TeacherPortal","priority":"warning","message":"disk almost full"}' "$URL/log") || true
check_eq "a JSON message is accepted" 200 "$code"
box_journal_sync
j=$(box_journal DGO_SERVICE=TeacherPortal -o verbose)
check_match "its priority reaches the journal (warning = 4)" "PRIORITY=4" "$j"
check_match "the file line has its service and priority" "TeacherPortal warning disk almost full\$" \
        "$(tail -n 1 "$R/var/log/dgo/dgo.log")"

# What systemctl status shows a person.
st=$(ct_exec systemctl status dgo-log.service --no-pager) || true
check_match "systemctl status shows a STATUS= line" "Status: \"Serving on 127.0.0.1:4000" "$st"
check_eq "the log file belongs to the service, not to root" "dgo-log" \
        "$(ct_exec stat -c %U /var/log/private/dgo/dgo.log 2>/dev/null || ct_exec stat -c %U /var/log/dgo/dgo.log)"

finish
