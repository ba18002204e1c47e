#!/bin/bash
# Proves HTTPS for the portal (issue 13, part 6), as a browser on another
# machine would use it: two network namespaces inside the box joined by a
# veth pair stand for the school's network (10.99.0.1 the server, 10.99.0.2
# a teacher's machine; no address is added anywhere else), and
# dgo-portal-https.socket listens on 10.99.0.1:443 through a drop-in
# (NetworkNamespacePath=). With the socket on but no certificate the portal
# refuses to start and says where the certificate goes; a key that is not
# the certificate's is refused too. With both in /etc/credstore, a client
# that trusts only that certificate gets the login page over TLS 1.2 or
# later (not 1.1) with Secure cookies, logs in, adds a grade and sees it,
# and uses the API with a token; a Host that is not the certificate's and a
# foreign Origin get 403 there as on loopback; one address may hold at most
# 256 connections, while another is served; plain HTTP on loopback keeps
# working beside it. A plain socket on 10.99.0.1 is refused at start,
# unless --allow-plain-http, which then serves the other machine once the
# Host it uses is allowed (--allow-host; 403 before).
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

SRV=dgo-https-srv CLI=dgo-https-cli
H=https://portal.test
JAR=/run/https-jar

# In the box, from the teacher's machine: curl trusting only our certificate,
# portal.test being 10.99.0.1. -> "STATUS LOCATION"; body in /run/https-body.
cli_curl() {
    ct_exec nsenter --net=/run/netns/$CLI curl -s --max-time 20 --cacert /run/tls/portal.crt \
        --resolve portal.test:443:10.99.0.1 -b $JAR -c $JAR -D /run/https-headers -o /run/https-body \
        -w '%{http_code} %{redirect_url}' "$@" || true
}
body() { ct_exec cat /run/https-body; }
headers() { ct_exec cat /run/https-headers | tr -d '\r'; }
csrf_of() { body | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
portal_starts() { ct_exec systemctl reset-failed dgo-portal.service; ct_exec systemctl restart dgo-portal.service; }

echo "--- the school's network, in two namespaces of the box's own"
ct_exec sh -ec "
    ip netns add $SRV; ip netns add $CLI
    ip link add veth-srv netns $SRV type veth peer name veth-cli netns $CLI
    ip -n $SRV addr add 10.99.0.1/24 dev veth-srv; ip -n $SRV link set veth-srv up; ip -n $SRV link set lo up
    ip -n $CLI addr add 10.99.0.2/24 dev veth-cli; ip -n $CLI link set veth-cli up; ip -n $CLI link set lo up"
check "the two namespaces are up" ct_exec ip -n $CLI addr show veth-cli

ct_exec systemctl start dgo.target
check "the portal listens on loopback" wait_until 10 port_listens 5000
ct_exec sh -c 'echo "https-Password 1" | dgoctl teacher add carol --password-stdin' >/dev/null 2>&1
ct_exec mkdir -p /run/systemd/system/dgo-portal-https.socket.d
ct_exec sh -c "printf '[Socket]\nListenStream=\nListenStream=10.99.0.1:443\n' > /run/systemd/system/dgo-portal-https.socket.d/test.conf
               printf '[Socket]\nNetworkNamespacePath=/run/netns/$SRV\n' > /run/systemd/system/dgo-portal-https.socket.d/netns.conf"
ct_exec systemctl daemon-reload

echo "--- the HTTPS socket without a certificate"
check_eq "the HTTPS socket is off by default" inactive "$(box_unit_prop dgo-portal-https.socket ActiveState)"
check "systemctl enable --now dgo-portal-https.socket" ct_exec systemctl enable --now dgo-portal-https.socket
check "it listens on 10.99.0.1:443, in the server's namespace" \
    wait_until 5 eval "ct_exec ip netns exec $SRV ss -Hltn 'sport = :443' | grep -q 10.99.0.1"
portal_starts
check "the portal, now without a certificate for it, refuses to start" \
    wait_until 10 eval "[ \"\$(box_unit_prop dgo-portal.service ActiveState)\" != active ]"
box_journal_sync
check_match "its journal says where the certificate goes" \
    'An HTTPS socket \(10\.99\.0\.1:443\) but no certificate: put it and its key in /etc/credstore/dgo-portal-tls\.crt' \
    "$(box_journal -u dgo-portal.service -o cat)"

echo "--- a certificate and a key that is not its own"
ct_exec sh -ec '
    mkdir -p /run/tls
    cd /run/tls
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout portal.key -out portal.crt \
        -days 30 -subj /CN=portal.test -addext "subjectAltName=DNS:portal.test,IP:10.99.0.1" 2>/dev/null
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other.key -out other.crt \
        -days 30 -subj /CN=other.test 2>/dev/null
    install -d -m 0700 /etc/credstore
    install -m 0644 portal.crt /etc/credstore/dgo-portal-tls.crt
    install -m 0600 other.key /etc/credstore/dgo-portal-tls.key'
portal_starts
check "with another certificate's key the portal does not start" \
    wait_until 10 eval "[ \"\$(box_unit_prop dgo-portal.service ActiveState)\" != active ]"
box_journal_sync
check_match "... and says so" 'Cannot start the HTTPS server \(is the key the certificate.s, both PEM\?\)' \
    "$(box_journal -u dgo-portal.service -o cat)"

echo "--- the right key"
ct_exec install -m 0600 /run/tls/portal.key /etc/credstore/dgo-portal-tls.key
portal_starts
check "the portal starts" wait_until 10 eval "[ \"\$(box_unit_prop dgo-portal.service ActiveState)\" = active ]"
check_match "its status names both sockets" 'Serving on 127\.0\.0\.1:5000, HTTPS on 10\.99\.0\.1:443' \
    "$(box_unit_prop dgo-portal.service StatusText)"
check_eq "the key never lies in the unit's reach but as its credential (mode 0400, its user)" "400 dgo-portal" \
    "$(ct_exec stat -c '%a %U' /run/credentials/dgo-portal.service/dgo-portal-tls.key)"

echo "--- a browser on the other machine"
check_eq "GET /login over HTTPS, the certificate verified: 200" "200 " "$(cli_curl $H/login)"
check_match "the login form" '<form id="login" method="post" action="/login">' "$(body)"
check_match "its CSRF cookie is Secure" '^[Ss]et-[Cc]ookie: dgo_csrf=[0-9a-f]+; Path=/; HttpOnly; SameSite=Strict; Secure$' \
    "$(headers | grep -i '^set-cookie: dgo_csrf')"
check_eq "GET / without a session redirects to the login page, over HTTPS" "303 $H/login" "$(cli_curl $H/)"
check_eq "POST /login: 303 to /students" "303 $H/students" \
    "$(cli_curl --data-urlencode "csrf=$(cli_curl $H/login >/dev/null; csrf_of)" --data-urlencode user=carol \
        --data-urlencode 'password=https-Password 1' $H/login)"
check_match "the session cookie is HttpOnly, SameSite=Strict and Secure" \
    '^[Ss]et-[Cc]ookie: dgo_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Secure$' \
    "$(headers | grep -i '^set-cookie: dgo_session')"
check_eq "GET /students: 200" "200 " "$(cli_curl $H/students)"
cli_curl $H/students/1 >/dev/null
check_eq "a grade with the session's token: 303" "303 $H/students/1" \
    "$(cli_curl --data-urlencode "csrf=$(csrf_of)" -d Title=OverTLS -d Type=Quiz -d Score=88 $H/students/1/grades)"
cli_curl $H/students/1 >/dev/null
check_match "the grade is on the page" '<td class="title">OverTLS</td>' "$(body)"
check_match "... and in the grade book, over loopback" '"Title":"OverTLS"' \
    "$(curl -s --max-time 5 http://127.0.0.1:6000/students/1)"

token=$(ct_exec dgoctl token add box-https 2>/dev/null)
check_eq "the API with a token over HTTPS: 200" "200 " \
    "$(ct_exec rm -f $JAR; cli_curl -H "Authorization: Bearer $token" $H/api/students)"
check_eq "the API without one: 401" "401 " "$(cli_curl $H/api/students)"
check_eq "a Host that is not the certificate's: 403" "403 " \
    "$(cli_curl -H 'Host: rebind.attacker.example' $H/login)"
check_eq "a foreign Origin on the login form: 403" "403 " \
    "$(cli_curl -H 'Origin: https://evil.example' -d csrf=x -d user=carol -d password=y $H/login)"
# openssl offers TLS 1.1 when its own floor is lowered (SECLEVEL=0): a refusal is the server's.
tls_hello() {
    ct_exec nsenter --net=/run/netns/$CLI sh -c "openssl s_client -connect 10.99.0.1:443 -servername portal.test \
        -$1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1 | grep -m 1 'Cipher is'" || true
}
check_match "a TLS 1.2 handshake succeeds" 'Cipher is ECDHE' "$(tls_hello tls1_2)"
check_match "TLS 1.1, offered by the client, is refused by the portal" 'Cipher is \(NONE\)' "$(tls_hello tls1_1)"
echo "--- one greedy address (a client machine holding 300 idle connections)"
ct_exec ip -n $CLI addr add 10.99.0.3/24 dev veth-cli
# Opens 300 TCP connections from 10.99.0.2, waits 3 s, prints how many the
# portal closed, keeping the others open until its standard input ends.
hold_py='import socket, sys, time, select
conns = []
for i in range(300):
    s = socket.create_connection(("10.99.0.1", 443), timeout=5)
    conns.append(s)
time.sleep(3)
closed = sum(1 for s in conns if select.select([s], [], [], 0)[0] and s.recv(1) == b"")
print(closed, flush=True)
sys.stdin.read()'
coproc HOLD { ct_exec nsenter --net=/run/netns/$CLI timeout 30 python3 -c "$hold_py" 2>&1; }
read -r -t 20 closed <&"${HOLD[0]}" || closed=none
check_eq "of 300 connections from one address, the portal closes all over 256" 44 "$closed"
check_eq "another address of that network is served meanwhile" "200 " \
    "$(cli_curl --interface 10.99.0.3 $H/login)"
exec {HOLD[1]}>&-
wait "$HOLD_PID" 2>/dev/null
check_eq "plain HTTP on loopback still serves" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:5000/login)"

echo "--- plain HTTP on an address that is not loopback"
ct_exec systemctl disable --now dgo-portal-https.socket >/dev/null 2>&1
ct_exec mkdir -p /run/systemd/system/dgo-portal.socket.d
ct_exec sh -c "printf '[Socket]\nListenStream=\nListenStream=10.99.0.1:5000\nNetworkNamespacePath=/run/netns/$SRV\n' \
               > /run/systemd/system/dgo-portal.socket.d/test.conf"
ct_exec systemctl daemon-reload
ct_exec systemctl restart dgo-portal.socket
portal_starts
check "the portal refuses plain HTTP on 10.99.0.1:5000" \
    wait_until 10 eval "[ \"\$(box_unit_prop dgo-portal.service ActiveState)\" != active ]"
box_journal_sync
check_match "... and says why" 'Refusing to serve plain HTTP on 10\.99\.0\.1:5000, which is not a loopback address' \
    "$(box_journal -u dgo-portal.service -o cat)"
ct_exec mkdir -p /run/systemd/system/dgo-portal.service.d
ct_exec sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/libexec/dgo/dgo-portal --allow-plain-http\n" \
               > /run/systemd/system/dgo-portal.service.d/plain.conf'
ct_exec systemctl daemon-reload
portal_starts
check "with --allow-plain-http it starts" \
    wait_until 10 eval "[ \"\$(box_unit_prop dgo-portal.service ActiveState)\" = active ]"
plain_login() {
    ct_exec nsenter --net=/run/netns/$CLI curl -s --max-time 10 -w ' %{http_code}' http://10.99.0.1:5000/login || true
}
check_match "... but a Host it was not told of gets 403" '"the Host header does not name this service"} 403$' \
    "$(plain_login)"
ct_exec sed -i 's/--allow-plain-http/--allow-plain-http --allow-host 10.99.0.1/' \
    /run/systemd/system/dgo-portal.service.d/plain.conf
ct_exec systemctl daemon-reload
portal_starts
check "with --allow-host 10.99.0.1 too" \
    wait_until 10 eval "[ \"\$(box_unit_prop dgo-portal.service ActiveState)\" = active ]"
check_match "the other machine gets the login page over plain HTTP" '<form id="login".* 200$' "$(plain_login | tr -d '\n')"

ct_exec ip netns del $CLI
ct_exec ip netns del $SRV
finish
