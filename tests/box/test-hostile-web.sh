#!/bin/bash
# Proves a web page cannot reach dgo's services, and the original's clients
# still can (issue 13, part 2; docs/security.md, "What a web page can and
# cannot do"). As a hostile local client that sends what a browser would:
# - a text/plain POST with Origin: http://evil (a "simple" cross-origin
#   request, no preflight) to the portal's /api/students/1/grades, straight
#   to :6000/students/1/grades and to the log service's POST /log, a form
#   POST to the portal's own form from Origin: http://evil, a DELETE of a
#   grade through /api and at :6000 from that Origin, and an Origin of
#   "null": each 403, with a JSON error;
# - a text/plain or untyped POST without Origin to the grading service: 415;
# - Host: rebind.attacker.example (DNS rebinding) on each of the four
#   services, for GET too: 403;
# - afterwards the grade book is unchanged and no such log line was written.
# Every reply (pages, JSON, errors, refusals) says X-Content-Type-Options:
# nosniff. The portal's /api does not pass on an upstream body that is not
# JSON: with a stand-in "grading service" answering text/html with a
# <script> on :6000, /api/students answers 502 with a JSON error. The
# original's clients still work: JSON with no Origin and Host
# 127.0.0.1:PORT (or localhost:PORT) adds and removes a grade, POST /log
# with text/plain logs, the registry lists, and a same-origin Origin passes.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

P=http://127.0.0.1:5000 G=http://127.0.0.1:6000 L=http://127.0.0.1:4000 REG=http://127.0.0.1:3000/services
EVIL='Origin: http://evil'
GRADE='{"Title":"Hostile","Type":"Quiz","Score":1}'

# code CURL-ARGS... -> the status code (000 when no answer); the body in $BOX_TMP/body,
# the headers in $BOX_TMP/headers
code() { curl -s --max-time 10 -D "$BOX_TMP/headers" -o "$BOX_TMP/body" -w '%{http_code}' "$@" || true; }
body() { cat "$BOX_TMP/body"; }
nosniff() { tr -d '\r' < "$BOX_TMP/headers" | grep -qi '^X-Content-Type-Options: nosniff$'; }
# refused DESC STATUS CURL-ARGS...: answered STATUS with a JSON error, and nosniff
refused() {
    local desc=$1 want=$2; shift 2
    check_eq "$desc: $want" "$want" "$(code "$@")"
    check_match "$desc: a JSON error" '^\{"error":"' "$(body)"
    check "$desc: nosniff" nosniff
}
book() { curl -s --max-time 10 "$G/students/1" || true; }

# The portal's API takes an API token (dgoctl token add, before the portal starts): a page has
# none, the gateway test needs one.
AUTH="Authorization: Bearer $(ct_exec dgoctl token add hostile-web 2>/dev/null)"
ct_exec systemctl start dgo.target
for port in 3000 4000 5000 6000; do wait_until 10 port_listens $port; done
check_eq "the grading service answers the original's client (GET /students/1)" 200 "$(code "$G/students/1")"
before=$(book)
log_lines() { box_journal_sync; box_journal -u dgo-log.service -o cat | grep -c 'HostileWeb' || true; }
lines0=$(log_lines)

# ---- a web page's simple requests: foreign Origin -------------------------------------------
refused "text/plain POST with Origin: http://evil to the portal's /api/students/1/grades" 403 \
    -H "$EVIL" -H 'Content-Type: text/plain' --data-binary "$GRADE" "$P/api/students/1/grades"
refused "text/plain POST with Origin: http://evil to :6000/students/1/grades" 403 \
    -H "$EVIL" -H 'Content-Type: text/plain' --data-binary "$GRADE" "$G/students/1/grades"
refused "JSON POST with Origin: http://evil to :6000/students/1/grades" 403 \
    -H "$EVIL" -H 'Content-Type: application/json' --data-binary "$GRADE" "$G/students/1/grades"
refused "POST with Origin: null (a sandboxed page) to :6000/students/1/grades" 403 \
    -H 'Origin: null' -H 'Content-Type: text/plain' --data-binary "$GRADE" "$G/students/1/grades"
refused "a page on another port of this host (Origin: http://127.0.0.1:8080) to :6000" 403 \
    -H 'Origin: http://127.0.0.1:8080' -H 'Content-Type: text/plain' --data-binary "$GRADE" "$G/students/1/grades"
refused "form POST with Origin: http://evil to the portal's /students/1/grades" 403 \
    -H "$EVIL" --data 'csrf=x&Title=Hostile&Type=Quiz&Score=1' "$P/students/1/grades"
refused "DELETE /api/students/1/grades/0 with Origin: http://evil" 403 -X DELETE -H "$EVIL" \
    "$P/api/students/1/grades/0"
refused "DELETE :6000/students/1/grades/0 with Origin: http://evil" 403 -X DELETE -H "$EVIL" \
    "$G/students/1/grades/0"
refused "text/plain POST /log with Origin: http://evil" 403 \
    -H "$EVIL" -H 'Content-Type: text/plain' --data-binary '[HostileWeb] - from a page' "$L/log"
refused "a patch (POST /services) with Origin: http://evil to the portal" 403 \
    -H "$EVIL" -H 'Content-Type: text/plain' --data-binary '{"Added":[],"Removed":[]}' "$P/services"

# ---- no Origin (an old browser, a stripped header): the body's type ----------------------------
refused "text/plain POST without Origin to :6000/students/1/grades" 415 \
    -H 'Content-Type: text/plain' --data-binary "$GRADE" "$G/students/1/grades"
refused "a form-typed POST without Origin to :6000/students/1/grades" 415 \
    --data "$GRADE" "$G/students/1/grades"
refused "text/plain POST without Origin to the portal's /api/students/1/grades" 415 \
    -H 'Content-Type: text/plain' --data-binary "$GRADE" "$P/api/students/1/grades"
refused "text/plain POST without Origin to the registry's POST /services" 415 \
    -H 'Content-Type: text/plain' --data-binary '{"ServiceName":"X","ServiceURL":"http://127.0.0.1:7999"}' "$REG"

# ---- DNS rebinding: a foreign Host --------------------------------------------------------------
for url in "$G/students" "$P/" "$P/api/students" "$L/heartbeat" "$REG"; do
    refused "Host: rebind.attacker.example, GET $url" 403 -H 'Host: rebind.attacker.example' "$url"
done
refused "Host: rebind.attacker.example:6000 (the right port), GET :6000/students" 403 \
    -H 'Host: rebind.attacker.example:6000' "$G/students"
refused "Host: 127.0.0.1:5000 (another service's port), GET :6000/students" 403 \
    -H 'Host: 127.0.0.1:5000' "$G/students"

check_unchanged "after all that the grade book is unchanged" "$before" "$(book)"
check_eq "and no refused log line reached the log" "$lines0" "$(log_lines)"

# ---- the original's clients: JSON, no Origin, Host 127.0.0.1:PORT ------------------------------
check_eq "JSON POST :6000/students/1/grades (no Origin): 201" 201 \
    "$(code -H 'Content-Type: application/json' --data-binary "$GRADE" "$G/students/1/grades")"
check "and its reply says nosniff" nosniff
n=$(json_get "$(book)" 'len(d["Grades"])')
check_eq "DELETE of that grade with Host localhost:6000: 200" 200 \
    "$(code -X DELETE "http://localhost:6000/students/1/grades/$((n - 1))")"
check_unchanged "and the grade book is as before" "$before" "$(book)"
check_eq "JSON POST with the service's own Origin (http://127.0.0.1:6000): not refused" 400 \
    "$(code -H 'Origin: http://127.0.0.1:6000' -H 'Content-Type: application/json' --data-binary '{}' \
        "$G/students/1/grades")"
check_eq "text/plain POST /log (as the original's services send it): 200" 200 \
    "$(code -H 'Content-Type: text/plain' --data-binary '[HostileWeb] - the original client' "$L/log")"
check "POST /log's reply says nosniff" nosniff
check_eq "the registry lists its services: 200" 200 "$(code "$REG")"
check "the registry's reply says nosniff" nosniff
check_eq "the portal's login page: 200" 200 "$(code "$P/login")"
check "the portal's page says nosniff" nosniff
check_eq "the portal's API with a token (GET /api/students/1): 200" 200 "$(code -H "$AUTH" "$P/api/students/1")"
check "its reply says nosniff" nosniff
check_eq "the portal's stylesheet: 200" 200 "$(code "$P/static/style.css")"
check "the stylesheet says nosniff" nosniff
check_eq "a 404 from the grading service" 404 "$(code "$G/nowhere")"
check "its reply says nosniff" nosniff

# ---- the gateway passes on JSON only --------------------------------------------------------------
# A stand-in on :6000 that answers every request with HTML: the grading service's own unit runs
# it (a drop-in), on the socket systemd holds, so that the registry still sees GradingService up
# and the portal keeps it as its provider.
cat > "$R/run/fake-grading.py" <<'EOF'
import http.server, socket
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><script>alert(document.cookie)</script></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H, bind_and_activate=False)
srv.socket.close()
srv.socket = socket.socket(fileno=3)        # the socket unit's, from systemd
srv.serve_forever()
EOF
mkdir -p "$R/etc/systemd/system/dgo-grading.service.d"
printf '[Service]\nType=simple\nWatchdogSec=0\nExecStart=\nExecStart=/usr/bin/python3 /run/fake-grading.py\n' \
    > "$R/etc/systemd/system/dgo-grading.service.d/fake.conf"
ct_exec systemctl daemon-reload
ct_exec systemctl restart dgo-grading.service
wait_until 10 eval 'curl -s --max-time 2 "$G/students" | grep -q "<script"'
status=$(code -H "$AUTH" "$P/api/students")
echo "GET /api/students with an upstream answering text/html: $status $(body)"
check_eq "GET /api/students with an upstream answering text/html: 502" 502 "$status"
check_match "with a JSON error naming the type" '^\{"error":".*text/html' "$(body)"
check "and no script in the body" test "$(grep -c '<script' "$BOX_TMP/body")" = 0
check_match "and JSON as its Content-Type" '^Content-Type: application/json' "$(tr -d '\r' < "$BOX_TMP/headers")"
rm -r "$R/etc/systemd/system/dgo-grading.service.d"
ct_exec systemctl daemon-reload
ct_exec systemctl restart dgo-grading.service
check "the real grading service is back" wait_until 10 curl -sf --max-time 2 "$G/heartbeat"
finish
