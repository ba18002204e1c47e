#!/bin/bash
# Bad input to the registry gets the right 4xx with a JSON error that says
# what was wrong, and changes nothing; the table holds at most
# REGISTRY_ANONYMOUS_MAX (32) anonymous registrations and says so (507; before
# issue 13 the bound was the whole table's, 256, which anonymous junk could
# fill); the registry neither crashes nor restarts. Loopback only: the foreign
# registrations point at ports 9001-9142 of 127.0.0.1, where nothing listens
# (they go down after heartbeat polling; that is not what is tested; since
# issue 13 a ServiceURL is http://HOST:PORT without a path).
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

MAX=32                  # REGISTRY_ANONYMOUS_MAX in src/registry/registry.h
NOWHERE=http://127.0.0.1:9
STATE=$R/var/lib/dgo-registry/registry.json

ct_exec systemctl start dgo-registry.socket dgo-log.socket
wait_until 5 port_listens 3000; wait_until 5 port_listens 4000

# reg_json NAME URL [EXTRA-JSON-MEMBERS]: a valid foreign registration
reg_json() {
    printf '{"ServiceName":"%s","ServiceURL":"%s","HeartbeatURL":"%s/heartbeat"%s}' "$1" "$2" "$2" "${3:+,$3}"
}
# post_reg BODY -> HTTP status
post_reg() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
        --data-binary "$1" "$REGISTRY" || true
}
delete_reg() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X DELETE -H 'Content-Type: text/plain' \
        --data-binary "$1" "$REGISTRY" || true
}
# One python3 answers every JSON question of this test (as a coprocess): a python3 start
# takes up to a second on a loaded 2-core machine, and this test asks ~100 questions.
# helper CMD ARGS... -> the answer; arguments and answer travel base64-encoded, one line.
#   snapshot               GET /services as one line per registration: name, URL and the
#                          other registered fields (not the health, which changes by itself)
#   error BODY             the "error" of the JSON document BODY
#   diff TABLE             how GET /services differs from the snapshot TABLE (empty if not)
#   count                  how many registrations GET /services lists
#   entry URL              "Name Required,..." of the registration at URL (one line each)
#   fill NAME URL MAX SECS POST {"ServiceName": NAME<i>, "ServiceURL": URL<i>, ...} for
#                          i = 1, 2, ... until one is not answered 200 (at most MAX, SECS s);
#                          -> "accepted status body-of-the-last"
#   length FILE            the length of the JSON list in FILE
HELPER_PY='
import base64, difflib, http.client, json, sys, time

def request(method, body=None):
    c = http.client.HTTPConnection("127.0.0.1", 3000, timeout=10)
    try:
        c.request(method, "/services", body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()

def services():
    status, body = request("GET")
    return json.loads(body)

def snapshot():
    try:
        d = services()
    except (OSError, ValueError, http.client.HTTPException) as e:
        return "no answer from GET /services: %s" % e
    return "\n".join(" ".join([r["ServiceName"], r["ServiceURL"], ",".join(r["RequiredServices"]),
                               r["ServiceUpdateURL"], r["HeartbeatURL"], str(r["Unit"])]) for r in d)

def error(body):
    try:
        return json.loads(body)["error"].replace("\n", " ")
    except (ValueError, KeyError, TypeError) as e:
        return "no JSON error in %r: %s" % (body[:100], e)

def diff(table):
    d = list(difflib.unified_diff(table.split("\n"), snapshot().split("\n"), lineterm="", n=0))
    return "\n".join(d[2:8])

def fill(name, url, most, secs):
    end, i, status, body = time.time() + float(secs), 0, 200, b""
    while status == 200 and i < int(most) and time.time() < end:
        i += 1
        reg = {"ServiceName": "%s%d" % (name, i), "ServiceURL": "%s%d" % (url, i),
               "HeartbeatURL": "%s%d/heartbeat" % (url, i)}
        try:
            status, body = request("POST", json.dumps(reg))
        except (OSError, http.client.HTTPException) as e:
            status, body = 0, str(e).encode()
    return "%d %d %s" % (i - 1 if status != 200 else i, status, body.decode(errors="replace"))

def answer(cmd, args):
    if cmd == "snapshot": return snapshot()
    if cmd == "error": return error(args[0])
    if cmd == "diff": return diff(args[0].decode())
    if cmd == "count": return str(len(services()))
    if cmd == "entry":
        return "\n".join(r["ServiceName"] + " " + ",".join(r["RequiredServices"])
                         for r in services() if r["ServiceURL"] == args[0].decode())
    if cmd == "fill": return fill(*(a.decode() for a in args))
    if cmd == "length": return str(len(json.load(open(args[0].decode()))))
    return "unknown command " + cmd

for line in sys.stdin:
    args = [base64.b64decode(a) for a in line.rstrip("\n").split(" ")]
    try:
        out = answer(args[0].decode(), args[1:])
    except Exception as e:
        out = "helper: %s: %s" % (type(e).__name__, e)
    sys.stdout.write(base64.b64encode(out.encode()).decode() + "\n")
    sys.stdout.flush()
'
coproc HLP { exec python3 -u -c "$HELPER_PY"; }
trap 'kill "$HLP_PID" 2>/dev/null; wait "$HLP_PID" 2>/dev/null' EXIT
helper() {
    local a enc=() line
    for a in "$@"; do enc+=("$(printf '%s' "$a" | base64 -w0)"); done
    printf '%s\n' "${enc[*]}" >&"${HLP[1]}" || { echo "helper: gone"; return 1; }
    read -r -t 60 line <&"${HLP[0]}" || { echo "helper: no answer"; return 1; }
    printf '%s' "$line" | base64 -d
}
snapshot() { helper snapshot; }
count_regs() { helper count; }

# The descriptors (data/services/*.json: LogService, ...) are listed from the start.
DESCRIPTORS=$(count_regs)
check_match "GET /services lists the descriptors" '^[1-9][0-9]*$' "$DESCRIPTORS"
[[ $DESCRIPTORS =~ ^[0-9]+$ ]] || DESCRIPTORS=0
# A table that holds more than the descriptors, and a state file.
check_eq "a foreign service registers" 200 \
    "$(post_reg "$(reg_json Base1 ${NOWHERE}001 '"RequiredServices":["LogService"]')")"
check_eq "another one registers" 200 "$(post_reg "$(reg_json Base2 ${NOWHERE}002)")"
pid=$(box_main_pid dgo-registry.service) || pid=none
BASE=$(snapshot)
check_match "GET /services lists them (and LogService)" "^Base2 ${NOWHERE}002 " "$BASE"
START=$((DESCRIPTORS + 2))
check_eq "$START registrations to start with" "$START" "$(wc -l <<<"$BASE")"
TABLE=$BASE
state_before=$(sha256sum "$STATE" 2>&1)
check_match "the state file was written" '^[0-9a-f]{64} ' "$state_before"

# expect DESC CODE ERROR-REGEX CURL-ARGS...: the status, an application/json
# {"error": ...} body matching ERROR-REGEX, and GET /services unchanged (the
# snapshot in TABLE). Sets HEADERS (the response's header lines).
expect() {
    local desc=$1 want=$2 re=$3 hdr=$BOX_TMP/headers out meta code ctype body; shift 3
    out=$(curl -s --max-time 10 -D "$hdr" -w '\n%{http_code} %{content_type}' "$@") || true
    meta=${out##*$'\n'} body=${out%$'\n'*}
    [ "$body" != "$out" ] || body=''
    code=${meta%% *} ctype=${meta#* }
    HEADERS=$(tr -d '\r' <"$hdr" 2>/dev/null) || HEADERS=''
    check_eq "$desc: status $want" "$want" "$code"
    check_match "$desc: a JSON error" '^application/json' "$ctype"
    check_match "$desc: the error says why" "$re" "$(helper error "$body")"
    check_eq "$desc: GET /services unchanged" "" "$(helper diff "$TABLE")"
}
# expect_post DESC CODE ERROR-REGEX BODY: POST /services with a JSON body
expect_post() {
    expect "$1" "$2" "$3" -H 'Content-Type: application/json' --data-binary "$4" "$REGISTRY"
}

# --- malformed bodies
expect_post "malformed JSON" 400 "invalid JSON" '{"ServiceName":"X","ServiceURL":'
expect_post "a JSON array" 400 "JSON object" "[$(reg_json Arr ${NOWHERE}010)]"
expect_post "a JSON string" 400 "JSON object|invalid JSON: '\\[' or '\\{' expected" '"http://127.0.0.1:9/str"'
expect_post "an empty body" 400 "invalid JSON" ''
expect_post "invalid UTF-8 in a JSON string" 400 "invalid JSON.*(decode|UTF-8|unicode)" \
    "$(reg_json $'Bad\xff\xfe' ${NOWHERE}011)"
expect_post "duplicate keys" 400 "invalid JSON.*duplicate" \
    '{"ServiceName":"A","ServiceName":"B","ServiceURL":"http://127.0.0.1:9/dup","HeartbeatURL":"http://127.0.0.1:9/dup/heartbeat"}'

# --- missing fields and wrong types
expect_post "missing ServiceName" 400 '"ServiceName" is missing' \
    '{"ServiceURL":"http://127.0.0.1:9/x","HeartbeatURL":"http://127.0.0.1:9/x/heartbeat"}'
expect_post "missing ServiceURL" 400 '"ServiceURL" is missing' \
    '{"ServiceName":"X","HeartbeatURL":"http://127.0.0.1:9/x/heartbeat"}'
expect_post "a number for ServiceName" 400 'ServiceName' \
    '{"ServiceName":42,"ServiceURL":"http://127.0.0.1:9/x","HeartbeatURL":"http://127.0.0.1:9/x/heartbeat"}'
expect_post "null for ServiceName" 400 'ServiceName' \
    '{"ServiceName":null,"ServiceURL":"http://127.0.0.1:9/x","HeartbeatURL":"http://127.0.0.1:9/x/heartbeat"}'
expect_post "an empty ServiceName" 400 'ServiceName' "$(reg_json '' ${NOWHERE}009)"
expect_post "a number for ServiceURL" 400 'ServiceURL' \
    '{"ServiceName":"X","ServiceURL":9,"HeartbeatURL":"http://127.0.0.1:9/x/heartbeat"}'
expect_post "a string for RequiredServices" 400 '"RequiredServices" must be a list' \
    "$(reg_json X ${NOWHERE}009 '"RequiredServices":"LogService"')"
expect_post "an object for RequiredServices" 400 '"RequiredServices" must be a list' \
    "$(reg_json X ${NOWHERE}009 '"RequiredServices":{"LogService":1}')"
expect_post "a number inside RequiredServices" 400 '"RequiredServices" holds an invalid name' \
    "$(reg_json X ${NOWHERE}009 '"RequiredServices":["LogService",7]')"
expect_post "a bad name inside RequiredServices" 400 '"RequiredServices" holds an invalid name' \
    "$(reg_json X ${NOWHERE}009 '"RequiredServices":["Log Service"]')"
expect_post "a bad registration of an existing URL does not replace it" 400 'RequiredServices' \
    "$(reg_json Base1 ${NOWHERE}001 '"RequiredServices":"LogService"')"

# --- URLs and names
# (the last one holds a JSON \t escape: a tab once decoded)
for u in ftp://127.0.0.1:9/x https://127.0.0.1:9/x localhost:1 "http://127.0.0.1:9/a b" http:// \
         'http://127.0.0.1:9/tab\there'; do
    expect_post "ServiceURL '$u'" 400 '"ServiceURL" is not valid' "$(reg_json X "$u")"
done
expect_post "an ftp:// HeartbeatURL" 400 '"HeartbeatURL" is not valid' \
    '{"ServiceName":"X","ServiceURL":"http://127.0.0.1:9009","HeartbeatURL":"ftp://127.0.0.1:9009/heartbeat"}'
expect_post "an https:// ServiceUpdateURL" 400 '"ServiceUpdateURL" is not valid' \
    "$(reg_json X ${NOWHERE}009 '"ServiceUpdateURL":"https://127.0.0.1:9/x/services"')"
name65=$(printf 'N%.0s' $(seq 65))
expect_post "a 65-character ServiceName" 400 '"ServiceName" is not valid' "$(reg_json "$name65" ${NOWHERE}009)"
expect_post "a ServiceName with a space" 400 '"ServiceName" is not valid' "$(reg_json "Grading Service" ${NOWHERE}009)"
url513=$NOWHERE/$(printf 'u%.0s' $(seq $((513 - ${#NOWHERE} - 1))))
[ "${#url513}" = 513 ] || box__fail "the test's long URL is 513 bytes (it is ${#url513})"
expect_post "a 513-byte ServiceURL" 400 '"ServiceURL" is not valid' \
    "{\"ServiceName\":\"X\",\"ServiceURL\":\"$url513\",\"HeartbeatURL\":\"$NOWHERE/x/heartbeat\"}"

# --- sizes
{ printf '{"ServiceName":"Big","ServiceURL":"%s/big","HeartbeatURL":"%s/big/heartbeat","Pad":"' \
      $NOWHERE $NOWHERE; printf 'x%.0s' $(seq 17000); printf '"}'; } > "$BOX_TMP/big.json"
expect "a 17 KB body" 413 "larger than 16384" -H 'Content-Type: application/json' \
    --data-binary @"$BOX_TMP/big.json" "$REGISTRY"
expect "a 17 KB chunked body" 413 "larger than 16384" -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary @"$BOX_TMP/big.json" "$REGISTRY"

# --- foreign services, units, required services
expect_post "a foreign service without HeartbeatURL" 400 '"HeartbeatURL" is required' \
    '{"ServiceName":"X","ServiceURL":"http://127.0.0.1:9009"}'
expect_post "a foreign service with an empty HeartbeatURL" 400 '"HeartbeatURL" is required' \
    '{"ServiceName":"X","ServiceURL":"http://127.0.0.1:9009","HeartbeatURL":""}'
expect_post "a Unit that is a .socket" 400 '"Unit" is not valid' \
    "$(reg_json X ${NOWHERE}009 '"Unit":"dgo-log.socket"')"
expect_post "a Unit with a slash" 400 '"Unit" is not valid' \
    "$(reg_json X ${NOWHERE}009 '"Unit":"../dgo-log.service"')"
expect_post "a Unit that is a number" 400 '"Unit" is not valid' "$(reg_json X ${NOWHERE}009 '"Unit":5')"
req17="[$(printf '"Svc%d",' $(seq 16))\"Svc17\"]"
expect_post "17 RequiredServices" 400 '"RequiredServices" must be a list of at most 16' \
    "$(reg_json X ${NOWHERE}009 "\"RequiredServices\":$req17")"

# --- DELETE, methods, paths
expect "DELETE with an empty body" 400 "ServiceURL" -X DELETE -H 'Content-Type: text/plain' \
    --data-binary '' "$REGISTRY"
expect "DELETE with only white space" 400 "ServiceURL" -X DELETE -H 'Content-Type: text/plain' --data-binary $' \r\n' "$REGISTRY"
expect "DELETE of an unknown URL" 404 "no service registered at ${NOWHERE}099" -X DELETE \
    -H 'Content-Type: text/plain' --data-binary "${NOWHERE}099" "$REGISTRY"
expect "DELETE with a 1026-byte body" 400 "ServiceURL" -X DELETE -H 'Content-Type: text/plain' --data-binary "$url513$url513" "$REGISTRY"
expect "PUT /services" 405 "not allowed" -X PUT -H 'Content-Type: application/json' \
    --data-binary "$(reg_json X ${NOWHERE}009)" "$REGISTRY"
allow=$(sed -n 's/^[Aa]llow: *//p' <<<"$HEADERS" | tr -s ', ' '\n' | grep . | sort | paste -sd' ')
check_eq "PUT /services: an Allow header with DELETE, GET and POST" "DELETE GET POST" "$allow"
expect "GET /nothing" 404 "no such resource" "http://127.0.0.1:3000/nothing"
expect "POST /services/x" 404 "no such resource" --data-binary x "$REGISTRY/x"

check_unchanged "the state file is unchanged" "$state_before" "$(sha256sum "$STATE" 2>&1)"
check_eq "the registry did not restart meanwhile" "$pid" "$(box_main_pid dgo-registry.service || echo none)"

echo "(bad input done after $SECONDS s)"

# --- too many anonymous registrations: fill with foreign services until refused
t0=$SECONDS
read -r accepted code body <<<"$(helper fill Fill ${NOWHERE}1 $((MAX + 10)) 30)"
echo "filled: $accepted accepted in $((SECONDS - t0)) s, then $code: $body"
check_eq "exactly $MAX minus the 2 anonymous registrations there were accepted" $((MAX - 2)) "$accepted"
check_match "the one past $MAX is refused with 4xx or 5xx" '^[45][0-9][0-9]$' "$code"
check_eq "... (currently 507)" 507 "$code"
check_match "... with a JSON error that says why" "too many anonymous registrations.*$MAX" "$(helper error "$body")"
ALL=$((DESCRIPTORS + MAX))
check_eq "GET /services lists exactly $ALL" $ALL "$(count_regs)"
check_eq "the refused one is not listed" "" "$(helper entry "${NOWHERE}1$((accepted + 1))")"
TABLE=$(snapshot)

expect_post "a new registration while full" 507 "too many anonymous registrations" "$(reg_json Late ${NOWHERE}090)"
check_eq "re-registering an existing ServiceURL while full is accepted" 200 \
    "$(post_reg "$(reg_json Renamed1 ${NOWHERE}11 '"RequiredServices":["LogService"]')")"
check_eq "... the count is unchanged" $ALL "$(count_regs)"
check_eq "... the entry is replaced (new name and RequiredServices), listed once" "Renamed1 LogService" \
    "$(helper entry ${NOWHERE}11)"
check_eq "DELETE of one while full" 200 "$(delete_reg "${NOWHERE}12")"
check_eq "... the count is $((ALL - 1))" $((ALL - 1)) "$(count_regs)"
check_eq "... and a new one is accepted again" 200 "$(post_reg "$(reg_json Late ${NOWHERE}090)")"
check_eq "... the count is $ALL again" $ALL "$(count_regs)"
check_eq "... and the next new one is refused again" 507 "$(post_reg "$(reg_json Later ${NOWHERE}091)")"
check_eq "the state file holds the $MAX registered over HTTP (not the descriptors)" \
    $MAX \
    "$(helper length "$STATE")"

# --- the registry survived all of it
check_eq "the registry is the same process as at the start" "$pid" \
    "$(box_main_pid dgo-registry.service || echo none)"
check_eq "NRestarts is 0" 0 "$(restarts dgo-registry.service)"
check_eq "it still answers GET /heartbeat" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:3000/heartbeat || true)"
# Only a sanitized build (BOX_SANITIZED, which run.sh checks) can report anything.
if [ -n "${BOX_SANITIZED:-}" ]; then
    box_journal_sync
    sanitizer=$(box_journal -u dgo-registry.service -o cat | grep -E -A 30 'AddressSanitizer|LeakSanitizer|runtime error' | head -60)
    [ -z "$sanitizer" ] || echo "$sanitizer"
    check_eq "no sanitizer report in the registry's journal" "" "${sanitizer:+found}"
fi
echo "(the test took $SECONDS s)"

finish
