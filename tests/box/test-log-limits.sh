#!/bin/bash
# Proves the text hygiene and the log service's per-client limit (issue 13,
# deliverables 7 and 8), against the installed units:
# - the central file escapes every line separator Unicode knows: a message
#   with U+2028, U+2029, U+0085 (and a bidi override, U+202E) is one line in
#   dgo.log, with \u2028, \u2029, \u0085, \u202e in place of the raw bytes,
#   none of which is anywhere in the file;
# - the grading service refuses (400, a JSON error that says why) a grade
#   whose Title holds a bidi override or isolate, or only spaces, or U+2028,
#   and a student whose name does; the grade book is unchanged afterwards;
# - a client over its allowance (lowered to 100/s, 500 at once by the
#   documented DGO_LOG_RATE_LIMIT, for a short test) gets 429 with a JSON
#   error and Retry-After, and none of its refused lines reaches the file or
#   the journal, while another client (127.0.0.2) and a verified dgo service
#   (GradingService's credentials) still get every line through; the service
#   neither restarts nor loses what it answered 200.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

F=$R/var/log/dgo/dgo.log
G=http://127.0.0.1:6000
mkdir -p "$R/etc/systemd/system/dgo-log.service.d"
printf '%s\n' '[Service]' 'Environment=DGO_LOG_RATE_LIMIT=100/500' \
    > "$R/etc/systemd/system/dgo-log.service.d/test-limits.conf"
ct_exec systemctl daemon-reload
ct_exec systemctl start dgo.target
wait_until 5 port_listens 4000
wait_until 5 port_listens 6000

# --- 1. line separators in the central file ---------------------------------
msg=$'[Hygiene] - A\xe2\x80\xa8B\xe2\x80\xa9C\xc2\x85D\xe2\x80\xaeE end'
check_eq "a message with U+2028, U+2029, U+0085, U+202E: 200" 200 "$(post_log "$msg")"
check_eq "it is one line, each of them escaped" 1 \
    "$(grep -c -F 'info A\u2028B\u2029C\u0085D\u202eE end' "$F")"
for c in $'\xe2\x80\xa8' $'\xe2\x80\xa9' $'\xc2\x85' $'\xe2\x80\xae'; do
    check_eq "no raw $(printf %s "$c" | od -An -tx1 | tr -d ' ') anywhere in the file" 0 "$(grep -c -F "$c" "$F")"
done
check_eq "JSON too: one line" 1 "$(post_log '{"service":"Hygiene","message":"json\u2028sep\u0085end"}' \
    application/json >/dev/null; grep -c -F 'json\u2028sep\u0085end' "$F")"

# --- 2. the grading service refuses bidi overrides and blank text ------------
student=$(curl -s --max-time 10 "$G/students" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ID"])')
check_match "a student to try it on" '^[0-9]+$' "$student"
before=$(curl -s --max-time 10 "$G/students/$student")
before_all=$(curl -s --max-time 10 "$G/students")
# expect DESC ERROR-REGEX URL JSON: 400 with {"error": ...}
expect400() {
    local out code body
    out=$(curl -s --max-time 10 -w '\n%{http_code}' -H 'Content-Type: application/json' --data-binary "$4" "$3") || true
    code=${out##*$'\n'} body=${out%$'\n'*}
    check_eq "$1: 400" 400 "$code"
    check_match "$1: the error says why" "$2" "$(json_get "$body" 'd["error"]' 2>&1)"
}
expect400 "a Title with U+202E (RLO)" "bidirectional" "$G/students/$student/grades" \
    '{"Title":"Quiz \u202e1 tseT","Type":"Quiz","Score":50}'
expect400 "a Title with U+2066 (LRI)" "bidirectional" "$G/students/$student/grades" \
    '{"Title":"a\u2066b","Type":"Quiz","Score":50}'
expect400 "a Title of spaces only" "only spaces" "$G/students/$student/grades" \
    '{"Title":"   ","Type":"Quiz","Score":50}'
expect400 "a Title with U+2028" "control characters" "$G/students/$student/grades" \
    '{"Title":"a\u2028b","Type":"Quiz","Score":50}'
expect400 "a LastName with U+202D (LRO)" "bidirectional" "$G/students" \
    '{"FirstName":"Eve","LastName":"\u202dnimda"}'
check_eq "the student is unchanged" "$before" "$(curl -s --max-time 10 "$G/students/$student")"
check_eq "the grade book is unchanged" "$before_all" "$(curl -s --max-time 10 "$G/students")"

# --- 3. the per-client limit ---------------------------------------------------
out=$(python3 "$TOOLS/httpload.py" post http://127.0.0.1:4000/log --count 2000 --concurrency 20 \
        --body "[Greedy] - flood {i} of run $$") || true
echo "greedy client: $out"
ok=$(json_get "$out" 'd["status"].get("200", 0)') refused=$(json_get "$out" 'd["status"].get("429", 0)')
check_eq "greedy client: every request answered 200 or 429" 2000 "$((ok + refused))"
check_match "greedy client: 429 for what is over its allowance (at most 500 + 100/s went through)" \
    '^[1-9][0-9]*$' "$refused"
check "greedy client: at most 500 at once + 100 a second got through" \
    [ "$ok" -le "$(python3 -c "import json,sys; print(int(500 + 100 * json.loads(sys.argv[1])['seconds']) + 2)" "$out")" ]
# The first 429 of a quick run of 1,000 more (on one connection): its body and Retry-After.
out=$(python3 -c 'import http.client, json
c = http.client.HTTPConnection("127.0.0.1", 4000, timeout=10)
for i in range(1000):
    c.request("POST", "/log", body="[Greedy] - once more", headers={"Content-Type": "text/plain"})
    r = c.getresponse(); body = r.read()
    if r.status == 429:
        print(json.dumps({"body": body.decode(), "retry": r.getheader("Retry-After")})); break') || true
check_match "the 429 says why, as JSON" "too many log messages" "$(json_get "$out" 'json.loads(d["body"])["error"]' 2>&1)"
check_eq "the 429 has Retry-After: 1" 1 "$(json_get "$out" 'd["retry"]' 2>&1)"
other=0
for i in $(seq 1 20); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --interface 127.0.0.2 -H 'Content-Type: text/plain' \
        --data-binary "[Other] - other-client line $i of run $$" http://127.0.0.1:4000/log)" = 200 ] && other=$((other + 1))
done
check_eq "another client (127.0.0.2) meanwhile: 20 of 20 lines through" 20 "$other"
svc=0
for i in $(seq 1 20); do
    [ "$(post_log "[GradingService] - verified-service line $i of run $$" text/plain GradingService)" = 200 ] && svc=$((svc + 1))
done
check_eq "a verified dgo service (GradingService) meanwhile: 20 of 20 lines through" 20 "$svc"
check_eq "the greedy client's lines in the file: exactly those answered 200" "$ok" \
    "$(grep -c "flood [0-9]* of run $$\$" "$F")"
check_eq "the other client's 20 lines in the file" 20 "$(grep -c "other-client line [0-9]* of run $$\$" "$F")"
check_eq "the verified service's 20 lines in the file" 20 "$(grep -c "verified-service line [0-9]* of run $$\$" "$F")"
box_journal_sync
check_eq "the greedy client's journal entries: exactly those answered 200" "$ok" \
    "$(box_journal -u dgo-log.service -o cat | grep -c "flood [0-9]* of run $$\$")"
check_eq "journald suppressed nothing" 0 "$(box_journal -u dgo-log.service -o cat | grep -c Suppressed)"
check_eq "dgo-log did not restart" 0 "$(restarts dgo-log.service)"

finish
