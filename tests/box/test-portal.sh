#!/bin/bash
# Proves the teacher portal works end to end: `systemctl start dgo.target`
# makes the four ports listen, the first request to / (a redirect to
# /login without a session) starts the portal; a teacher made with dgoctl
# logs in, then / redirects to /students and the pages show the sample students and their
# averages; grades added by the form (session and its token, 303), the grading
# service's API and the portal's API (with a dgoctl API token) all show and change the average; POSTs
# without or with a wrong CSRF token get 403 and add nothing; bad input gets
# 400 with the message and keeps what was typed; a <script> name is shown
# escaped, never as a tag; with 250 students the list
# shows 100 a page (page 3 the last 50) and follows changes of the book at
# once, a search by name finds the one student and is echoed escaped, bad
# page numbers and searches get a 400 page, a page past the last a
# redirect to the last, and /api/students passes the paging query on and
# X-Total-Count back; the grading service stopped
# gives a clear 502/503 within 3 s and started again works without touching
# the portal; /status and /api/services list the services; 100 page views
# (each answered 200) open at most 3 new connections to the grading service,
# and under wrk's 50 connections for 3 s (no error, no non-2xx) there is less
# than one fetch per three page views; the portal stops cleanly
# with no errors in its journal.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

P=http://127.0.0.1:5000
G=http://127.0.0.1:6000
JAR=$BOX_TMP/jar
rm -f "$JAR"

# get PATH -> "STATUS" on the first line, then the body (with the cookie jar)
get() { curl -s --max-time 10 -b "$JAR" -c "$JAR" -w '%{http_code}' -o "$BOX_TMP/body" "$P$1" || true; }
body() { cat "$BOX_TMP/body"; }
# post_form PATH CURL-ARGS... -> status; the body in $BOX_TMP/body, headers in $BOX_TMP/headers
post_form() {
    local path=$1; shift
    curl -s --max-time 10 -b "$JAR" -c "$JAR" -D "$BOX_TMP/headers" -o "$BOX_TMP/body" -w '%{http_code}' "$@" "$P$path" || true
}
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$BOX_TMP/body" | head -1 | sed 's/.*value="//; s/"$//'; }
# The portal needs a teacher (dgoctl teacher add) and its API a token (dgoctl token add).
ct_exec sh -c 'echo box-password-1 | dgoctl teacher add boxteacher --password-stdin' >/dev/null 2>&1
AUTH="Authorization: Bearer $(ct_exec dgoctl token add box-portal 2>/dev/null)"
# login -> the status of POST /login (its form's token from GET /login); the session in $JAR
login() {
    curl -s --max-time 10 -b "$JAR" -c "$JAR" -o "$BOX_TMP/body" "$P/login" >/dev/null || true
    curl -s --max-time 10 -b "$JAR" -c "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$(csrf_of)" \
        -d user=boxteacher -d password=box-password-1 "$P/login" || true
}
location() { tr -d '\r' < "$BOX_TMP/headers" | sed -n 's/^[Ll]ocation: //p'; }

# rows: the student rows of a list page as "ID|NAME|AVERAGE" lines (names unescaped)
rows() {
    python3 -c '
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.rows = []; s.cell = None
    def handle_starttag(s, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-student-id" in a: s.rows.append([a["data-student-id"], "", ""])
        if tag == "td" and s.rows: s.cell = {"name": 1, "average": 2}.get(a.get("class"))
    def handle_endtag(s, tag):
        if tag == "td": s.cell = None
    def handle_data(s, d):
        if s.cell: s.rows[-1][s.cell] += d
p = P(); p.feed(sys.stdin.read())
for r in p.rows: print("|".join(r))' < "$BOX_TMP/body"
}
# expected_average SCORES... -> as the page writes it: one decimal, rounded half up
AVERAGE_PY='import math
def average(s): return "%.1f%%" % (math.floor(sum(s) * 10 / len(s) + 1e-9 + 0.5) / 10) if s else "\u2013"'
expected_average() { python3 -c "$AVERAGE_PY"'
import sys; print(average([float(x) for x in sys.argv[1:]]))' "$@"; }
average_on_page() { grep -o '<p id="average">Average: [^<]*</p>' "$BOX_TMP/body" | sed 's/.*Average: //; s/<.*//'; }

echo "--- systemctl start dgo.target"
ct_exec systemctl start dgo.target
for port in 3000 4000 5000 6000; do
    check "port $port listens after systemctl start dgo.target" wait_until 5 port_listens $port
done
check_eq "the portal has not started yet (socket activation)" inactive "$(box_unit_prop dgo-portal.service ActiveState)"

status=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$P/" || true)
check_match "/ without a session redirects to the login page" '^303 http://127.0.0.1:5000/login$' "$status"
check_eq "the first request started the portal" active "$(box_unit_prop dgo-portal.service ActiveState)"
portal_pid=$(box_unit_prop dgo-portal.service MainPID)
check_eq "the teacher logs in (303)" 303 "$(login)"
status=$(curl -s -b "$JAR" -o /dev/null -w '%{http_code} %{redirect_url}' "$P/" || true)
check_match "/ redirects to /students" '^30[23] http://127.0.0.1:5000/students$' "$status"

echo "--- the student list"
check_eq "GET /students answers 200" 200 "$(get /students)"
check_match "the page is HTML5" '^<!DOCTYPE html>' "$(head -1 "$BOX_TMP/body")"
check_match "the list has its table" '<table id="students">' "$(body)"
check_match "the page has the add-student form" '<form id="add-student" method="post" action="/students">' "$(body)"
check_match "a dgo_session cookie is set" 'dgo_session' "$(cat "$JAR")"
check_match "the form carries the session's token" '^[0-9a-f]{32}$' "$(csrf_of)"
expected=$(python3 -c "$AVERAGE_PY"'
import json, sys
for s in json.load(open(sys.argv[1])):
    print("%d|%s %s|%s" % (s["ID"], s["FirstName"], s["LastName"], average([g["Score"] for g in s["Grades"]])))' \
    "$REPO/data/students.json")
check_eq "the five sample students with their averages" "$expected" "$(rows)"
rows

echo "--- a grade added through the form"
get /students/1 >/dev/null
check_match "a student page has its grades table" '<table id="grades">' "$(body)"
check_match "and the add-grade form" '<form id="add-grade" method="post" action="/students/1/grades">' "$(body)"
before=$(average_on_page)
token=$(csrf_of)
status=$(post_form /students/1/grades --data-urlencode "csrf=$token" --data-urlencode "Title=Pop quiz" \
         -d Type=Quiz -d Score=10)
check_eq "the form POST answers 303" 303 "$status"
check_eq "back to the student's page" /students/1 "$(location)"
get /students/1 >/dev/null
check_match "the new grade is on the page" '<tr><td class="title">Pop quiz</td><td class="type">Quiz</td><td class="score">10</td></tr>' "$(body)"
check_eq "the average changed" "$(expected_average 85 94 82 10)" "$(average_on_page)"
echo "average of student 1: $before -> $(average_on_page)"
get /students >/dev/null
check_match "the list shows the new average" "^1\|Nick Carter\|$(expected_average 85 94 82 10)\$" "$(rows)"

echo "--- grades added through the APIs"
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
         -d '{"Title":"Direct","Type":"Exam","Score":60}' "$G/students/2/grades" || true)
check_eq "POST to the grading service answers 201" 201 "$status"
get /students/2 >/dev/null
check_match "that grade is on the portal's page at once" '<td class="title">Direct</td><td class="type">Exam</td><td class="score">60</td>' "$(body)"
status=$(curl -s -H "$AUTH" -o "$BOX_TMP/api" -w '%{http_code} %{content_type}' -H 'Content-Type: application/json' \
         -d '{"Title":"Via gateway","Type":"Homework","Score":75.5}' "$P/api/students/2/grades" || true)
check_eq "POST /api/students/2/grades answers 201 with JSON" "201 application/json" "$status"
check_eq "the gateway relays the grading service's body" '{"Title":"Via gateway","Type":"Homework","Score":75.5}' "$(cat "$BOX_TMP/api")"
get /students/2 >/dev/null
check_match "that grade is on the page too" '<td class="title">Via gateway</td><td class="type">Homework</td><td class="score">75.5</td>' "$(body)"
check_eq "and counts in the average" "$(expected_average 100 97.5 60 75.5)" "$(average_on_page)"
api=$(curl -s -H "$AUTH" "$P/api/students/2" || true)
check_eq "GET /api/students/2 relays the student" 4 "$(json_get "$api" 'len(d["Grades"])')"
check_eq "GET /api/students relays the list" 5 "$(json_get "$(curl -s -H "$AUTH" "$P/api/students" || true)" 'len(d)')"
check_eq "DELETE /api/students/2/grades/3 answers 200" 200 \
    "$(curl -s -H "$AUTH" -o /dev/null -w '%{http_code}' -X DELETE "$P/api/students/2/grades/3" || true)"
check_eq "the gateway relays the grading service's 404" 404 \
    "$(curl -s -H "$AUTH" -o /dev/null -w '%{http_code}' "$P/api/students/99" || true)"

echo "--- CSRF"
get /students/1 >/dev/null
token=$(csrf_of)
check_eq "a POST without csrf field answers 403" 403 \
    "$(post_form /students/1/grades -d Title=x -d Type=Quiz -d Score=1)"
check_match "with an error page" '<p class="error" role="alert"' "$(body)"
check_eq "a POST with a wrong csrf answers 403" 403 \
    "$(post_form /students/1/grades -d csrf=0123456789abcdef0123456789abcdef -d Title=x -d Type=Quiz -d Score=1)"
check_eq "the token without its session is sent to the login page (303)" 303 \
    "$(curl -s -o /dev/null -w '%{http_code}' -d "csrf=$token&Title=x&Type=Quiz&Score=1" "$P/students/1/grades" || true)"
check_eq "a new student without the token answers 403" 403 \
    "$(post_form /students -d FirstName=A -d LastName=B)"
get /students/1 >/dev/null
check "none of them added a grade" test "$(grep -c '<td class="title">x</td>' "$BOX_TMP/body")" = 0

echo "--- bad input"
status=$(post_form /students/1/grades --data-urlencode "csrf=$token" -d "Title=Typed+title" -d Type=Quiz -d Score=150)
check_eq "a score of 150 answers 400" 400 "$status"
check_match "with the message" '<p class="error" role="alert">Score must be a number from 0 to 100.</p>' "$(body)"
check_match "and the form keeps what was typed" 'name="Title" value="Typed title"' "$(body)"
check_match "the score too" 'value="150"' "$(body)"
status=$(post_form /students/1/grades --data-urlencode "csrf=$token" -d "Title=" -d Type=Essay -d Score=5)
check_eq "an empty title answers 400" 400 "$status"
check_match "with the message" 'Title is required' "$(body)"
check_eq "an unknown type answers 400" 400 \
    "$(post_form /students/1/grades --data-urlencode "csrf=$token" -d "Title=x" -d Type=Essay -d Score=5)"
check_match "with the message" 'Type must be one of Quiz, Test, Exam, Homework' "$(body)"
status=$(post_form /students --data-urlencode "csrf=$token" -d "FirstName=" -d "LastName=Kept")
check_eq "a student without a first name answers 400" 400 "$status"
check_match "on the list page, with the last name kept" 'name="LastName" value="Kept"' "$(body)"
check_eq "a grade for an unknown student answers 404" 404 \
    "$(post_form /students/99/grades --data-urlencode "csrf=$token" -d Title=x -d Type=Quiz -d Score=5)"
check_eq "an unknown student's page answers 404" 404 "$(get /students/99)"
check_match "with a page that says so" 'There is no student with the ID 99' "$(body)"

echo "--- XSS"
status=$(post_form /students --data-urlencode "csrf=$token" --data-urlencode "FirstName=<script>alert(1)</script>" \
         -d LastName=Tables)
check_eq "the student is added (303)" 303 "$status"
new=$(location)
check_match "to the new student's page" '^/students/6$' "$new"
get /students >/dev/null
check_match "the name shows escaped" '<a href="/students/6">&lt;script&gt;alert\(1\)&lt;/script&gt; Tables</a>' "$(body)"
check "and nowhere as a tag" test "$(grep -c '<script' "$BOX_TMP/body")" = 0
check_match "with no grades: a dash" '^6\|<script>alert\(1\)</script> Tables\|–$' "$(rows)"
get "$new" >/dev/null
check_match "its own page escapes it too" '<h1>&lt;script&gt;alert\(1\)&lt;/script&gt; Tables</h1>' "$(body)"
check_match "and says it has no grades" '<p id="no-grades">No grades available</p>' "$(body)"

echo "--- a list of 250 students, in pages of 100"
# get_h PATH -> status; body in $BOX_TMP/body, headers in $BOX_TMP/headers (for location)
get_h() { curl -s --max-time 10 -b "$JAR" -c "$JAR" -D "$BOX_TMP/headers" -o "$BOX_TMP/body" -w '%{http_code}' "$P$1" || true; }
ids() { rows | cut -d'|' -f1 | tr '\n' ' ' | sed 's/ $//'; }
page_text() { python3 -c 'import html, re, sys; print(html.unescape(re.sub(r"<[^>]*>", "", sys.stdin.read())))' < "$BOX_TMP/body"; }
# Up to 250 students in all, through the grading service's API (one connection); the last
# one with a name that nobody else has.
have=$(json_get "$(curl -s --max-time 10 "$G/students" || true)" 'len(d)')
python3 - "$((250 - have))" > "$BOX_TMP/added" <<'PY'
import http.client, json, sys
n = int(sys.argv[1]); c = http.client.HTTPConnection("127.0.0.1", 6000, timeout=10)
for i in range(n):
    name = {"FirstName": "Zebedee", "LastName": "Quixote"} if i == n - 1 else {"FirstName": "Pupil", "LastName": "No %d" % i}
    c.request("POST", "/students", json.dumps(name), {"Content-Type": "application/json"})
    r = c.getresponse(); body = r.read()
    print(r.status, json.loads(body).get("ID") if r.status == 201 else body)
PY
check_eq "$((250 - have)) students added through the grading service (201 each)" "$((250 - have))" "$(grep -c '^201 ' "$BOX_TMP/added")"
zebedee=$(tail -n 1 "$BOX_TMP/added" | cut -d' ' -f2)
check_eq "GET /students answers 200" 200 "$(get /students)"
check_eq "it shows 100 students: the first 100 by ID" "$(seq -s ' ' 1 100)" "$(ids)"
check_match "\"Students 1–100 of 250\"" 'Students 1–100 of 250' "$(page_text)"
check_match "\"Page 1 of 3\"" '<span id="page-of">Page 1 of 3</span>' "$(body)"
check_match "a link to the next page" '<a rel="next" href="/students\?page=2">Next</a>' "$(body)"
check "and none to a previous one" test "$(grep -c 'rel="prev"' "$BOX_TMP/body")" = 0
check_eq "page 2 answers 200" 200 "$(get '/students?page=2')"
check_eq "with students 101 to 200" "$(seq -s ' ' 101 200)" "$(ids)"
check_match "and links back and on" '<a rel="prev" href="/students\?page=1">Previous</a>' "$(body)"
check_eq "page 3 answers 200" 200 "$(get '/students?page=3')"
check_eq "it shows the last 50 students" 50 "$(rows | wc -l)"
check_match "\"Students 201–250 of 250\", \"Page 3 of 3\"" 'Students 201–250 of 250' "$(page_text)"
check "and has no next page" test "$(grep -c 'rel="next"' "$BOX_TMP/body")" = 0
check_match "the new students have no average yet" "^$zebedee\|Zebedee Quixote\|–\$" "$(rows)"

echo "--- a page changes with the book"
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
         -d '{"Title":"Paged","Type":"Test","Score":72.5}' "$G/students/$zebedee/grades" || true)
check_eq "a grade for student $zebedee through the grading service: 201" 201 "$status"
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
         -d '{"FirstName":"Late","LastName":"Comer"}' "$G/students" || true)
check_eq "a 251st student: 201" 201 "$status"
get '/students?page=3' >/dev/null
check_match "page 3 shows the new average at once" "^$zebedee\|Zebedee Quixote\|72.5%\$" "$(rows)"
check_match "page 3 now holds 51 of 251" 'Students 201–251 of 251' "$(page_text)"
get /students >/dev/null
check_match "page 1 (the same 100 students) says 251 too" 'Students 1–100 of 251' "$(page_text)"
get '/students?page=2' >/dev/null
check_match "and so does page 2" 'Students 101–200 of 251' "$(page_text)"

echo "--- search by name"
check_eq "GET /students?name=zebedee answers 200" 200 "$(get '/students?name=zebedee')"
check_eq "it finds the one student of that name" "$zebedee|Zebedee Quixote|72.5%" "$(rows)"
check_match "says so" 'Students 1–1 of 1 whose name contains “zebedee”' "$(page_text)"
check_match "and keeps the search in the box" '<input id="search-name" type="search" name="name" value="zebedee"' "$(body)"
check_eq "a search of first and last name, as a form sends it (+ for space)" "$zebedee" \
    "$(get '/students?name=Zebedee+QUIX' >/dev/null; ids)"
pupils=$((250 - have - 1))
get '/students?name=Pupil' >/dev/null
check_match "a search with more than a page of results has pages too" "Students 1–100 of $pupils whose name contains “Pupil”" "$(page_text)"
check_match "whose links keep the search" '<a rel="next" href="/students\?page=2&amp;name=Pupil">Next</a>' "$(body)"
get '/students?page=3&name=Pupil' >/dev/null
check_eq "its last page holds the last $((pupils - 200))" $((pupils - 200)) "$(rows | wc -l)"
check_eq "a search that finds nobody answers 200" 200 "$(get '/students?name=%3Cb%3E%22nobody')"
check_match "and says so, the search escaped" '<p id="no-students">No student’s name contains “&lt;b&gt;&quot;nobody”.</p>' "$(body)"
check_match "in the box too" 'name="name" value="&lt;b&gt;&quot;nobody"' "$(body)"
check "and nowhere as a tag" test "$(grep -c '<b>' "$BOX_TMP/body")" = 0

echo "--- the API gateway passes the paging on"
status=$(curl -s -H "$AUTH" -D "$BOX_TMP/headers" -o "$BOX_TMP/api" -w '%{http_code}' "$P/api/students?offset=100&limit=10" || true)
check_eq "GET /api/students?offset=100&limit=10 answers 200" 200 "$status"
check_eq "with students 101 to 110" "$(seq -s ' ' 101 110)" "$(json_get "$(cat "$BOX_TMP/api")" '" ".join(str(s["ID"]) for s in d)')"
check_eq "and the grading service's X-Total-Count" 251 "$(tr -d '\r' < "$BOX_TMP/headers" | sed -n 's/^[Xx]-[Tt]otal-[Cc]ount: //p')"
api=$(curl -s -H "$AUTH" "$P/api/students?name=zebedee%20q" || true)
check_eq "a search through the gateway finds the one student" "$zebedee" "$(json_get "$api" '" ".join(str(s["ID"]) for s in d)')"
status=$(curl -s -H "$AUTH" -o "$BOX_TMP/api" -w '%{http_code}' "$P/api/students?limit=0" || true)
check_match "a bad limit gets the grading service's 400 with JSON" '^400 .*"error"' "$status $(cat "$BOX_TMP/api")"

echo "--- bad page numbers and searches"
for q in 'page=0' 'page=-1' 'page=abc' 'page=1.5' 'page=10000000' "name=$(printf 'x%.0s' $(seq 65))" 'name=a%01b' 'name=%FF'; do
    check_eq "/students?${q:0:24} answers 400" 400 "$(get "/students?$q")"
    check_match "... with a page that says what is wrong" '<p class="error" role="alert" id="error-message">The (page number|name to search for)' "$(body)"
done
check_eq "a page past the last answers 303" 303 "$(get_h '/students?page=9')"
check_eq "... to the last page" /students?page=3 "$(location)"
check_eq "a search's page past its last: 303" 303 "$(get_h '/students?page=2&name=zebedee')"
check_eq "... to its last page" '/students?page=1&name=zebedee' "$(location)"

echo "--- status"
check_eq "GET /status answers 200" 200 "$(get /status)"
check_match "with the services table" '<table id="services">' "$(body)"
for name in Registry LogService GradingService TeacherPortal; do
    check_match "/status lists $name, up" "<tr class=\"up[^\"]*\"><td class=\"name\">$name</td>" "$(body)"
done
check_eq "/status lists the four services" 4 "$(grep -c '<td class="name">' "$BOX_TMP/body")"
check_match "with their units" '<td class="unit">dgo-grading.service</td>' "$(body)"
status=$(curl -s -H "$AUTH" -o "$BOX_TMP/api" -w '%{http_code} %{content_type}' "$P/api/services" || true)
check_eq "GET /api/services answers JSON" "200 application/json" "$status"
check_eq "the registry's registrations (it is not in its own table)" "GradingService LogService TeacherPortal" \
    "$(json_get "$(cat "$BOX_TMP/api")" '" ".join(sorted(r["ServiceName"] for r in d))')"

echo "--- connections to the grading service are reused"
grading_sockets() { ss -Htan '( dport = :6000 or sport = :6000 )' | grep -vc LISTEN || true; }
before=$(grading_sockets)
: > "$BOX_TMP/reuse-codes"
for _ in $(seq 50); do
    curl -s -b "$JAR" -o /dev/null -o /dev/null -w '%{http_code}\n' "$P/students" "$P/students/1" >> "$BOX_TMP/reuse-codes" || true
done
after=$(grading_sockets)
echo "sockets to or from port 6000 (any state, TIME-WAIT included): $before before 100 page views, $after after"
# Only views the portal answered from the grading service say anything about its connections.
check_eq "the 100 page views were answered 200" 100 "$(grep -c '^200$' "$BOX_TMP/reuse-codes")"
check "100 page views (100 fetches) used at most 3 new connections" test "$after" -le $((before + 3))

echo "--- concurrent views share fetches"
before=$(box_unit_prop dgo-portal.service StatusText)
wrk -t2 -c50 -d3s --latency -H "Cookie: dgo_session=$(awk '$6 == "dgo_session" { print $7 }' "$JAR")" "$P/students" > "$BOX_TMP/wrk" 2>&1 || true
grep -E 'Requests/sec|99%|Non-2xx|Socket errors' "$BOX_TMP/wrk"
check "wrk had no errors or non-2xx answers" test "$(grep -cE 'Non-2xx|Socket errors' "$BOX_TMP/wrk")" = 0
# The status line is written every 5 s.
eventually 8 '[ "$(box_unit_prop dgo-portal.service StatusText)" != "$before" ]'
line=$(box_unit_prop dgo-portal.service StatusText)
echo "portal: $line"
read -r views fetches < <(sed -n 's/.*student list: \([0-9]*\) views from \([0-9]*\) fetches.*/\1 \2/p' <<<"$line")
check "fewer fetches than views under load (${views:-?} views, ${fetches:-?} fetches)" \
    test "${fetches:-0}" -gt 0 -a "${fetches:-0}" -lt $(( ${views:-0} / 3 ))

echo "--- the grading service goes away"
ct_exec systemctl stop dgo-grading.socket dgo-grading.service
read -r code secs < <(curl -s -b "$JAR" -o "$BOX_TMP/body" -w '%{http_code} %{time_total}\n' --max-time 10 "$P/students" || true)
check_match "GET /students answers 502 or 503 ($code after $secs s)" '^50[23]$' "$code"
check "within 3 s" awk -v s="$secs" 'BEGIN { exit !(s < 3) }'
check_match "with an error page that says what is wrong" '<h1>Grading service (unavailable|not answering)</h1>' "$(body)"
read -r code secs < <(curl -s -b "$JAR" -o "$BOX_TMP/body" -w '%{http_code} %{time_total}\n' --max-time 10 "$P/students/1" || true)
check_match "a student page too ($code after $secs s)" '^50[23]$' "$code"
check "within 3 s" awk -v s="$secs" 'BEGIN { exit !(s < 3) }'
read -r code secs < <(curl -s -H "$AUTH" -o "$BOX_TMP/api" -w '%{http_code} %{time_total}\n' --max-time 10 "$P/api/students" || true)
check_match "the API answers 502 or 503 with JSON ($code after $secs s)" '^50[23] .*"error"' "$code $(cat "$BOX_TMP/api")"
eventually 5 '[ "$(reg_field http://127.0.0.1:6000 Health)" = down ]'
code=$(curl -s -b "$JAR" -o "$BOX_TMP/body" -w '%{http_code}' --max-time 10 "$P/students" || true)
check_eq "once the registry says it is down: 503" 503 "$code"
check_match "No grading service is available" 'No grading service is available right now' "$(body)"

echo "--- and comes back"
added_before=$(box_journal -u dgo-portal.service -o cat | grep -c 'Provider of GradingService: http://127.0.0.1:6000' || true)
ct_exec systemctl start dgo-grading.socket
check "the portal hears the registry's Added" \
    eventually 10 '[ "$(box_journal -u dgo-portal.service -o cat | grep -c "Provider of GradingService: http://127.0.0.1:6000")" -gt '"$added_before"' ]'
check_eq "GET /students works again" 200 "$(get /students)"
check_match "with the students" '^6\|' "$(rows)"
check_eq "the portal was not restarted" "$portal_pid" "$(box_unit_prop dgo-portal.service MainPID)"
check_eq "and never restarted by systemd" 0 "$(restarts dgo-portal.service)"

echo "--- clean stop"
ct_exec systemctl stop dgo-portal.service
check_eq "the portal stops cleanly" success "$(box_unit_prop dgo-portal.service Result)"
check_eq "with exit status 0" 0 "$(box_unit_prop dgo-portal.service ExecMainStatus)"
box_journal_sync
errors=$(box_journal -u dgo-portal.service -p err -o cat)
check_eq "no errors in the portal's journal" "" "$errors"

finish
