#!/bin/bash
# test-cluster-setup.sh - proves that `dgoctl cluster` alone sets up etcd over TLS on three
# fresh hosts (issue 14, deliverable 1 and the TLS of 5), with two commands per host:
#  - `dgoctl cluster init` on h1 makes the CA and h1's certificate, cluster.conf and etcd's
#    drop-in, and starts a one-member etcd that answers over TLS;
#  - `add-host` on h1 then `join` on the new host, for h2 and then h3 (the bundle copied from
#    box to box through the boxes' own processes, mode 0600), makes a cluster of three started
#    members whose peer and client URLs are all https, one leader for all three;
#  - a put on h1 (etcdctl with h1's certificate) is read on h3;
#  - a client without a certificate, with a certificate of another CA, or in plain HTTP is
#    refused, on the client port and on the peer port;
#  - the private keys are 0600 root (the CA key on h1 only), the credential store 0700, and
#    etcd's own copy (systemd's credentials directory) is the etcd user's and nobody else's;
#  - the refusals an operator meets: init again without --force, a bundle on the wrong host,
#    add-host on a host without the CA key or without an installation secret; `dgoctl cluster
#    status` lists three healthy members;
#  - one installation secret: after join, h2's and h3's /etc/dgo/secret is h1's, 0600 root; h2
#    had another one (replaced, and its running registry restarted), h3 none;
#  - the registry's drop-in on each host: IPAddressAllow= the addresses of its Etcd=, loaded by
#    systemd (h1's grows with each add-host).
# etcd is configured only through dgoctl: the harness's own drop-in (mh_etcd_up) is never
# written here.
# Run: tests/multihost/run.sh BUILD_DIR tests/multihost/test-cluster-setup.sh
# shellcheck disable=SC2317  # helpers called through check
set -euo pipefail
# shellcheck source=tests/multihost/lib.sh
. "$REPO/tests/multihost/lib.sh"

CRED=/etc/credstore
# etcdctl on host I against its own member, with the cluster's credentials from the store.
etcdctl_tls() {
    local i=$1; shift
    mh_exec "$i" env ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 \
        --cacert=$CRED/dgo-cluster-ca.crt --cert=$CRED/dgo-cluster.crt --key=$CRED/dgo-cluster.key \
        --dial-timeout=2s --command-timeout=5s "$@"
}
addr() { mh_addr "$1"; }

for i in 1 2 3; do
    check "h$i: no harness etcd drop-in, etcd not running" \
        test ! -e "/proc/${MH_PID1[$i]}/root$MH_ETCD_DROPIN" -a \
        "$(mh_exec "$i" systemctl is-active etcd.service 2>&1 || true)" != active
done

# --- init on h1 ---
t0=$EPOCHREALTIME
out=$(mh_exec 1 dgoctl cluster init --host h1 --address "$(addr 1)" 2>&1) && rc=0 || rc=$?
echo "h1: cluster init took $(mh_elapsed "$t0") s"
check_eq "h1: dgoctl cluster init exits 0" 0 "$rc"
[ "$rc" = 0 ] || { echo "$out"; mh_on 1 box_journal -u etcd.service | tail -n 20; finish; }
check_eq "h1: etcd is active" active "$(mh_exec 1 systemctl is-active etcd.service 2>&1)"
check_match "h1: a cluster of one, over TLS" "h1, https://$(addr 1):2380, https://$(addr 1):2379" \
    "$(etcdctl_tls 1 member list 2>&1)"
out=$(mh_exec 1 dgoctl cluster init --host h1 --address "$(addr 1)" 2>&1) && rc=0 || rc=$?
check_match "h1: init again without --force: refused (exit 1), nothing touched" \
    "^1 dgoctl: cluster init: this host holds a cluster CA already" "$rc $out"

# --- the installation secret: h1 has none yet (a box starts no dgo service) ---
out=$(mh_exec 1 dgoctl cluster add-host --host h2 --address "$(addr 2)" --output /root/h2.bundle 2>&1) &&
    rc=0 || rc=$?
check_match "h1: add-host without an installation secret: refused (exit 1), no member added" \
    "^1 dgoctl: cluster add-host: this host has no installation secret" "$rc $out"
check_eq "h1: still a cluster of one" 1 "$(etcdctl_tls 1 member list 2>&1 | grep -c started || true)"
check "h1: dgo-secret.service makes its secret" mh_exec 1 systemctl start dgo-secret.service
# h2 has a secret of its own, and a running registry; h3 has neither.
check "h2: a secret of its own" mh_exec 2 systemctl start dgo-secret.service
check "h2: dgo-registry.service runs" mh_exec 2 systemctl start dgo-registry.service
h2_registry=$(mh_exec 2 systemctl show -P InvocationID dgo-registry.service 2>&1)
check "h2's secret differs from h1's" test "$(mh_exec 1 cat /etc/dgo/secret)" != "$(mh_exec 2 cat /etc/dgo/secret)"

# --- add-host and join, h2 then h3 ---
join_out=()
for i in 2 3; do
    t0=$EPOCHREALTIME
    out=$(mh_exec 1 dgoctl cluster add-host --host "h$i" --address "$(addr "$i")" \
        --output "/root/h$i.bundle" 2>&1) && rc=0 || rc=$?
    check_eq "h1: add-host h$i exits 0" 0 "$rc"
    [ "$rc" = 0 ] || { echo "$out"; finish; }
    check_eq "h1: the bundle for h$i is 0600 root" "600 root" \
        "$(mh_exec 1 stat -c '%a %U' "/root/h$i.bundle" 2>&1)"
    check "bundle copied h1 -> h$i" mh_copy_between 1 "$i" "/root/h$i.bundle"
    check_match "h1: the bundle for h$i warns of the secret and carries h1's" \
        "installation secret .*--- secret $(mh_exec 1 cat /etc/dgo/secret) --- end" \
        "$(mh_exec 1 cat "/root/h$i.bundle" | tr '\n' ' ')"
    out=$(mh_exec "$i" dgoctl cluster join "/root/h$i.bundle" 2>&1) && rc=0 || rc=$?
    join_out[i]=$out
    echo "h$i: add-host + copy + join took $(mh_elapsed "$t0") s"
    check_eq "h$i: dgoctl cluster join exits 0" 0 "$rc"
    [ "$rc" = 0 ] || { echo "$out"; mh_on "$i" box_journal -u etcd.service | tail -n 20; finish; }
    check_eq "h$i: etcd is active" active "$(mh_exec "$i" systemctl is-active etcd.service 2>&1)"
done

members=$(etcdctl_tls 2 member list 2>&1 | awk -F', ' '{ print $2, $3, $4, $5 }' | sort) || true
check_eq "h2 lists three started members, peer and client URLs https" \
    "$(for i in 1 2 3; do echo "started h$i https://$(addr $i):2380 https://$(addr $i):2379"; done)" "$members"
leaders=''
for i in 1 2 3; do
    l=$(etcdctl_tls "$i" endpoint status -w fields 2>&1 | awk -F' : ' '$1 == "\"Leader\"" { print $2 }') || true
    leaders+="${l:-none} "
done
read -r l1 _ <<<"$leaders"
check "one leader, the same for all three ($leaders)" \
    test "$leaders" = "$l1 $l1 $l1 " -a "$l1" != none -a "$l1" != 0

check "put greeting=hello-from-h1 on h1" etcdctl_tls 1 put greeting hello-from-h1
check_eq "h3 reads it" hello-from-h1 "$(etcdctl_tls 3 get --print-value-only greeting 2>&1)"
# In etcd's order (by member ID, random): compared as a set.
check_eq "cluster.conf on h3 lists every member's client URL" \
    "https://$(addr 1):2379 https://$(addr 2):2379 https://$(addr 3):2379" \
    "$(mh_exec 3 sed -n 's/^Etcd=//p' /etc/dgo/cluster.conf 2>&1 | tr ' ' '\n' | sort | xargs)"

out=$(mh_exec 3 dgoctl cluster status 2>&1) && rc=0 || rc=$?
check_eq "h3: dgoctl cluster status exits 0" 0 "$rc"
check_eq "h3: status shows three healthy members, one the leader" "3 1" \
    "$(grep -c ' healthy' <<<"$out" || true) $(grep -c '(leader)' <<<"$out" || true)"
echo "$out" | sed 's/^/    h3 status | /'

# --- one installation secret ---
secret1=$(mh_exec 1 cat /etc/dgo/secret)
check_match "h1's secret: 64 hex digits" '^[0-9a-f]{64}$' "$secret1"
for i in 2 3; do
    check_eq "h$i: /etc/dgo/secret is h1's" "$secret1" "$(mh_exec "$i" cat /etc/dgo/secret 2>&1)"
    check_eq "h$i: /etc/dgo/secret is 0600 root" "600 root" "$(mh_exec "$i" stat -c '%a %U' /etc/dgo/secret 2>&1)"
done
check_match "h2: join says it replaced its own secret" "Replaced this host's installation secret" "${join_out[2]}"
check_match "h3: join says it installed the secret" "Installed the cluster's installation secret" "${join_out[3]}"
check_match "h2: join restarted the dgo services that ran" "Restarted dgo's services" "${join_out[2]}"
check "h2: its registry was restarted (another invocation) and runs" \
    test "$(mh_exec 2 systemctl show -P InvocationID dgo-registry.service 2>&1)" != "$h2_registry" -a \
    "$(mh_exec 2 systemctl is-active dgo-registry.service 2>&1)" = active

# --- the registry's drop-in ---
RD=/etc/systemd/system/dgo-registry.service.d/dgo-cluster.conf
for i in 1 2 3; do
    [ "$i" = 2 ] && want="$(addr 1) $(addr 2)" || want="$(addr 1) $(addr 2) $(addr 3)"
    check_eq "h$i: the registry's drop-in allows the etcd members of its Etcd= ($want)" \
        "$(tr ' ' '\n' <<<"$want" | sort | xargs)" \
        "$(mh_exec "$i" sed -n 's/^IPAddressAllow=//p' $RD 2>&1 | tr ' ' '\n' | sort | xargs)"
    check_eq "h$i: the drop-in is 0644 root" "644 root" "$(mh_exec "$i" stat -c '%a %U' $RD 2>&1)"
    allow=$(mh_exec "$i" systemctl show -P IPAddressAllow dgo-registry.service 2>&1)
    for a in $want; do
        check_match "h$i: systemd has loaded it: dgo-registry.service allows $a" "(^| )$a(/32)?( |$)" "$allow"
    done
done

# --- who is refused ---
# A client certificate of another CA: the same command on a scratch root (--root: files only).
mh_exec 2 dgoctl cluster init --root /root/other --host h2 --address "$(addr 2)" >/dev/null 2>&1 ||
    box__fail "a foreign CA made under /root/other on h2"
O=/root/other$CRED
refused() {   # refused DESC CURL-ARGS..: no 200 from etcd (a TLS refusal, or Go's 400 to plain HTTP)
    local out rc=0
    out=$(mh_exec 2 curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "${@:2}" 2>&1) || rc=$?
    if [ "${out: -3}" != 200 ]; then box__pass "$1 (curl exit $rc, HTTP ${out: -3})"
    else box__fail "$1" "curl exit $rc: $out"; fi
}
body='{"key":"Z3JlZXRpbmc="}'   # base64("greeting")
ok=$(mh_exec 2 curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --cacert $CRED/dgo-cluster-ca.crt \
    --cert $CRED/dgo-cluster.crt --key $CRED/dgo-cluster.key -d "$body" \
    "https://$(addr 1):2379/v3/kv/range" 2>&1) || true
check_eq "h2 -> h1:2379 with h2's cluster certificate: 200" 200 "$ok"
refused "h2 -> h1:2379 without a client certificate: refused" --cacert $CRED/dgo-cluster-ca.crt \
    -d "$body" "https://$(addr 1):2379/v3/kv/range"
refused "h2 -> h1:2379 with a certificate of another CA: refused" --cacert $CRED/dgo-cluster-ca.crt \
    --cert $O/dgo-cluster.crt --key $O/dgo-cluster.key -d "$body" "https://$(addr 1):2379/v3/kv/range"
refused "h2 -> h1:2379 in plain HTTP: refused" -d "$body" "http://$(addr 1):2379/v3/kv/range"
refused "h2 -> h1:2380 (peer) with a certificate of another CA: refused" -k \
    --cert $O/dgo-cluster.crt --key $O/dgo-cluster.key "https://$(addr 1):2380/members"
refused "h2 -> its own 127.0.0.1:2379 without a client certificate: refused" -k \
    -d "$body" "https://127.0.0.1:2379/v3/kv/range"

# --- the keys ---
for i in 1 2 3; do
    check_eq "h$i: $CRED 0700 root, its key 0600 root" "700 root 600 root" \
        "$(mh_exec "$i" stat -c '%a %U' $CRED $CRED/dgo-cluster.key 2>&1 | tr '\n' ' ' | sed 's/ $//')"
    check_eq "h$i: etcd's copy of the key is the etcd user's only" "400 etcd" \
        "$(mh_exec "$i" stat -c '%a %U' /run/credentials/etcd.service/dgo-cluster.key 2>&1)"
    check "h$i: the etcd user cannot read the store's key (only its own copy)" \
        mh_exec "$i" setpriv --reuid=etcd --regid=etcd --clear-groups sh -c "! cat $CRED/dgo-cluster.key"
done
check_eq "h1: the CA key is 0600 root" "600 root" "$(mh_exec 1 stat -c '%a %U' /etc/dgo/cluster-ca.key 2>&1)"
check "h2, h3: no CA key" test ! -e "/proc/${MH_PID1[2]}/root/etc/dgo/cluster-ca.key" -a \
    ! -e "/proc/${MH_PID1[3]}/root/etc/dgo/cluster-ca.key"

# --- refusals an operator meets ---
out=$(mh_exec 2 dgoctl cluster add-host --host h4 --address 10.77.0.4 --output /root/h4.bundle 2>&1) &&
    rc=0 || rc=$?
check_match "h2: add-host without the CA key: refused (exit 1)" \
    "^1 dgoctl: cluster add-host: this host does not hold the cluster's CA key" "$rc $out"
mh_copy_between 1 3 /root/h2.bundle
out=$(mh_exec 3 dgoctl cluster join /root/h2.bundle 2>&1) && rc=0 || rc=$?
check_match "h3: h2's bundle on h3: refused (exit 1)" \
    "^1 dgoctl: cluster join: (this host is in a cluster already|the bundle is for h2)" "$rc $out"

finish
