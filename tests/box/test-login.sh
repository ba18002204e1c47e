#!/bin/bash
# Proves teachers log in (issue 13, part 5), with curl and a cookie jar:
# `dgoctl teacher add` (password on stdin) makes a teacher, kept as a yescrypt
# hash in /var/lib/dgo-portal/teachers (mode 0600, the portal's user; no
# password in the file or the journal); without a session every page
# redirects to /login and a form adds nothing; a login sets dgo_session
# (HttpOnly, SameSite=Strict, no Secure over plain HTTP) and a grade added
# with the session's CSRF token shows; the token of another session is
# refused (403); the API needs a token or the session's X-CSRF-Token (401
# and 403 otherwise; dgoctl's token works, a removed one no longer);
# logout ends the session; a wrong password is answered no sooner than
# 0.5 s, the next no sooner than 1 s, while another client's requests are
# answered at once (the loop is never blocked); `dgoctl teacher passwd` and
# `remove` end the teacher's sessions within seconds; with
# --session-idle 2 a session unused for 3 s is gone, with --session-max 4
# one in use every second ends after 4 s.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

P=http://127.0.0.1:5000
JAR=$BOX_TMP/login-jar JAR2=$BOX_TMP/login-jar2
rm -f "$JAR" "$JAR2"

# req JAR CURL-ARGS... PATH -> "STATUS LOCATION"; body in $BOX_TMP/body, headers in $BOX_TMP/headers
req() {
    local jar=$1; shift
    local path=${*: -1}
    curl -s --max-time 40 -b "$jar" -c "$jar" -D "$BOX_TMP/headers" -o "$BOX_TMP/body" \
        -w '%{http_code} %{redirect_url}' "${@:1:$#-1}" "$P$path" || true
}
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$BOX_TMP/body" | head -1 | sed 's/.*value="//; s/"$//'; }
# login JAR USER PASSWORD -> "STATUS LOCATION" of POST /login
login() {
    req "$1" /login >/dev/null
    req "$1" --data-urlencode "csrf=$(csrf_of)" --data-urlencode "user=$2" --data-urlencode "password=$3" /login
}
session_of() { awk '$6 == "dgo_session" { print $7 }' "$1"; }

echo "--- a teacher"
ct_exec systemctl start dgo.target
check "the portal's port listens" wait_until 10 port_listens 5000
out=$(ct_exec sh -c 'echo "first-Password 1" | dgoctl teacher add alice --password-stdin' 2>&1); rc=$?
check_eq "dgoctl teacher add alice exits 0" 0 "$rc"
check_match "the teachers file holds a yescrypt hash" '^alice:\$y\$' "$(ct_exec cat /var/lib/dgo-portal/teachers)"
check "and not the password" test "$(ct_exec grep -c 'first-Password' /var/lib/dgo-portal/teachers)" = 0
check_eq "dgoctl teacher list" alice "$(ct_exec dgoctl teacher list)"
ct_exec sh -c 'echo short | dgoctl teacher add bob --password-stdin' >/dev/null 2>&1; rc=$?
check_eq "a password under 8 characters is refused (exit 1)" 1 "$rc"
ct_exec sh -c 'echo "another-pw-1" | dgoctl teacher add alice --password-stdin' >/dev/null 2>&1; rc=$?
check_eq "adding alice again is refused (exit 1)" 1 "$rc"

echo "--- without a session"
check_eq "GET / redirects to /login" "303 $P/login" "$(req "$JAR" /)"
check_eq "the portal started: its state directory and the file are its dynamic user's" "dgo-portal dgo-portal" \
    "$(ct_exec stat -L -c %U /var/lib/dgo-portal) $(ct_exec stat -c %U /var/lib/dgo-portal/teachers)"
check_eq "... the file mode 0600" 600 "$(ct_exec stat -c %a /var/lib/dgo-portal/teachers)"
check_eq "GET /students redirects to /login" "303 $P/login" "$(req "$JAR" /students)"
check_eq "GET /status redirects to /login" "303 $P/login" "$(req "$JAR" /status)"
check_eq "GET /static/style.css needs none" "200 " "$(req "$JAR" /static/style.css)"
check_eq "GET /login is the login page" "200 " "$(req "$JAR" /login)"
check_match "with its form" '<form id="login" method="post" action="/login">' "$(cat "$BOX_TMP/body")"
check_match "a form post without a session goes to /login" "^303 $P/login\$" \
    "$(req "$JAR" -d "csrf=$(csrf_of)" -d Title=NoSession -d Type=Quiz -d Score=1 /students/1/grades)"
check_eq "the API without a session or token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$P/api/students")"

echo "--- log in, add a grade"
check_eq "POST /login with the right password: 303 to /students" "303 $P/students" "$(login "$JAR" alice 'first-Password 1')"
cookie=$(tr -d '\r' < "$BOX_TMP/headers" | grep -i '^set-cookie: dgo_session=')
check_match "the session cookie is HttpOnly and SameSite=Strict" 'HttpOnly; SameSite=Strict' "$cookie"
check "... not Secure over plain HTTP" test "$(grep -c Secure <<<"$cookie")" = 0
check_match "... its ID 256 bits (64 hex digits)" '^[0-9a-f]{64}$' "$(session_of "$JAR")"
check_eq "GET /students: 200" "200 " "$(req "$JAR" /students)"
check_match "with the logout form" '<form id="logout" method="post" action="/logout">' "$(cat "$BOX_TMP/body")"
req "$JAR" /students/1 >/dev/null
token=$(csrf_of)
check_eq "a grade with the session's token: 303" "303 $P/students/1" \
    "$(req "$JAR" --data-urlencode "csrf=$token" -d Title=LoggedIn -d Type=Quiz -d Score=91 /students/1/grades)"
req "$JAR" /students/1 >/dev/null
check_match "the grade is on the page" '<td class="title">LoggedIn</td>' "$(cat "$BOX_TMP/body")"
check_eq "the API with the session and its X-CSRF-Token: 200" 200 \
    "$(curl -s -b "$JAR" -H "X-CSRF-Token: $token" -o /dev/null -w '%{http_code}' "$P/api/students/1")"
check_eq "the API with the session but no X-CSRF-Token: 403" 403 \
    "$(curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "$P/api/students/1")"

echo "--- a second session's token is not this one's"
check_eq "bob... no: alice logs in again in another jar" "303 $P/students" "$(login "$JAR2" alice 'first-Password 1')"
check "a new session ID" test "$(session_of "$JAR")" != "$(session_of "$JAR2")"
check_match "the first session's token in the second session: 403" '^403' \
    "$(req "$JAR2" --data-urlencode "csrf=$token" -d Title=Cross -d Type=Quiz -d Score=1 /students/1/grades)"

echo "--- API tokens"
api_token=$(ct_exec dgoctl token add box-login 2>/dev/null)
check_match "dgoctl token add prints a token" '^dgo_[0-9a-f]{64}$' "$api_token"
check "the tokens file holds its hash, not the token" test "$(ct_exec grep -c "${api_token#dgo_}" /var/lib/dgo-portal/tokens)" = 0
check_eq "the API with the token: 200" 200 \
    "$(curl -s -H "Authorization: Bearer $api_token" -o /dev/null -w '%{http_code}' "$P/api/students")"
check_eq "... with a wrong one: 401" 401 \
    "$(curl -s -H "Authorization: Bearer dgo_$(printf '0%.0s' {1..64})" -o /dev/null -w '%{http_code}' "$P/api/students")"
check_eq "dgoctl students with the token in DGO_TOKEN" 0 "$(ct_exec env DGO_TOKEN="$api_token" dgoctl students >/dev/null 2>&1; echo $?)"
ct_exec dgoctl token remove box-login >/dev/null 2>&1
check "a removed token is refused within seconds (401)" eventually 5 \
    "[ \"\$(curl -s -H 'Authorization: Bearer $api_token' -o /dev/null -w '%{http_code}' $P/api/students)\" = 401 ]"

echo "--- logout"
req "$JAR" /students >/dev/null
check_eq "POST /logout with the token: 303 to /login" "303 $P/login" "$(req "$JAR" --data-urlencode "csrf=$(csrf_of)" /logout)"
check_eq "the session is gone: /students redirects to /login" "303 $P/login" "$(req "$JAR" /students)"

echo "--- wrong passwords are slowed"
start=$(date +%s.%N)
status=$(login "$JAR" alice wrong-password-1)
t1=$(echo "$(date +%s.%N) - $start" | bc)
check_match "a wrong password: 401 with the login page" '^401' "$status"
check_match "... saying so" 'Wrong name or password' "$(cat "$BOX_TMP/body")"
check "... answered after at least 0.5 s ($t1 s)" test "$(echo "$t1 >= 0.5" | bc)" = 1
curl -s --max-time 20 -b "$JAR" -c "$JAR" -o "$BOX_TMP/slow.out" -w '%{http_code}' \
    --data-urlencode "csrf=$(csrf_of)" -d user=alice -d password=wrong-password-2 "$P/login" > "$BOX_TMP/slow.code" &
slow=$!
sleep 0.2
read -r code secs < <(curl -s -b "$JAR2" -o /dev/null -w '%{http_code} %{time_total}\n' "$P/static/style.css")
check_eq "meanwhile another request is answered at once ($secs s)" "200 1" "$code $(echo "$secs < 0.3" | bc)"
start=$(date +%s.%N); wait $slow
t2=$(echo "$(date +%s.%N) - $start + 0.2" | bc)
check_eq "the second wrong password: 401" 401 "$(cat "$BOX_TMP/slow.code")"
check "... after at least 1 s ($t2 s)" test "$(echo "$t2 >= 1.0" | bc)" = 1
check_match "the journal has the failures, without the password" 'Failed login as alice' "$(box_journal -u dgo-portal.service -o cat)"
check "... and no password anywhere in it" test "$(box_journal -u dgo-portal.service -o cat | grep -c 'wrong-password\|first-Password')" = 0
sleep 2.5
check_eq "the right password after the wait: 303" "303 $P/students" "$(login "$JAR" alice 'first-Password 1')"

echo "--- passwd and remove end sessions"
ct_exec sh -c 'echo "second-Password 2" | dgoctl teacher passwd alice --password-stdin' >/dev/null 2>&1
check "after dgoctl teacher passwd the session ends" eventually 5 "[ \"\$(req '$JAR' /students)\" = '303 $P/login' ]"
check_eq "the new password works" "303 $P/students" "$(login "$JAR" alice 'second-Password 2')"
ct_exec dgoctl teacher remove alice >/dev/null 2>&1
check "after dgoctl teacher remove the session ends" eventually 5 "[ \"\$(req '$JAR' /students)\" = '303 $P/login' ]"
check_eq "dgoctl teacher list is empty" "" "$(ct_exec dgoctl teacher list)"

echo "--- expiry (--session-idle 2 --session-max 4)"
ct_exec sh -c 'echo "third-Password 3" | dgoctl teacher add carol --password-stdin' >/dev/null 2>&1
ct_exec mkdir -p /run/systemd/system/dgo-portal.service.d
ct_exec sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/libexec/dgo/dgo-portal --session-idle 2 --session-max 4\n" > /run/systemd/system/dgo-portal.service.d/expiry.conf'
ct_exec systemctl daemon-reload
ct_exec systemctl restart dgo-portal.service
check_eq "carol logs in" "303 $P/students" "$(login "$JAR" carol 'third-Password 3')"
sleep 3
check_eq "unused for 3 s: gone" "303 $P/login" "$(req "$JAR" /students)"
check_eq "carol logs in again" "303 $P/students" "$(login "$JAR" carol 'third-Password 3')"
for _ in 1 2 3; do sleep 1; req "$JAR" /students >/dev/null; done
check_eq "in use every second, still there after 3 s" "200 " "$(req "$JAR" /students)"
sleep 1.3
check_eq "... and gone after 4 s however busy" "303 $P/login" "$(req "$JAR" /students)"
ct_exec rm -f /run/systemd/system/dgo-portal.service.d/expiry.conf
ct_exec systemctl daemon-reload
check_eq "the portal never restarted by itself" 0 "$(restarts dgo-portal.service)"
finish
