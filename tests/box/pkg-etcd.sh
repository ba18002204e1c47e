#!/bin/bash
# Proves the package's etcd story as an administrator sees it (docs/cluster.md, "Installing"),
# with apt and a local file repository that holds only the dgo .deb under test and Debian's
# etcd-server and etcd-client .debs (the ones scripts/deps left in /var/cache/apt/archives):
#  - `apt-get install --no-install-recommends dgo`: no etcd at all, dgo.target runs;
#  - then `apt-get install etcd-server` (dgo there first): etcd is enabled by Debian's package
#    and its start was attempted, but skipped: ConditionResult=no, not active, nothing on
#    127.0.0.1:2379;
#  - from scratch, `apt-get install dgo`: the Recommends brings etcd-server (not etcd-client,
#    only suggested), and again etcd does not run (whatever order apt unpacked and configured
#    the two in);
#  - with /etc/dgo/cluster.conf present (what `dgoctl cluster init|join` writes before it
#    starts etcd), `systemctl start etcd.service` makes it active, listening on 2379;
#  - the documented override (a /dev/null link over the drop-in in /etc) lets etcd start on
#    a host with no dgo cluster;
#  - etcd that ran before dgo came keeps running through dgo's install (whose postinst says
#    how to keep it), and is skipped from its next start on (the side effect, documented);
#  - after `apt-get remove dgo`, `apt-get autoremove` would remove etcd-server.
# Run by tests/box/run.sh with BOX_PACKAGE=path/to/dgo_*.deb, like pkg-lifecycle.sh: the box
# comes with dgo installed (no recommends) and, from this machine's root, etcd-server; the
# test purges both first. The box shares the host's network: etcd listens on its default
# 127.0.0.1:2379/2380 only where the checks below start it, and stops before the next step.
# apt's output: $BOX_TMP/pkg-etcd-*.log.
# shellcheck disable=SC2016,SC2317  # box commands in single quotes; helpers called through check/wait_until
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

[ -n "${BOX_PACKAGE:-}" ] || { box__fail "pkg-etcd needs BOX_PACKAGE (run.sh sets it)"; finish; }

REPO_DIR=/var/tmp/dgo-apt-repo   # in the box
DROPIN=/lib/systemd/system/etcd.service.d/dgo-single-host.conf
in_box() { ct_exec sh -c "$1"; }
status_of() { ct_exec dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true; }
# apt with the local repository as its only source (its own lists directory: the machine's
# lists and sources are not used, so nothing can come from the network).
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0
     -o "Dir::Etc::SourceList=$REPO_DIR/sources.list" -o Dir::Etc::SourceParts=/nonexistent
     -o "Dir::State::Lists=$REPO_DIR/lists")
apt_box() { local log=$1; shift; ct_exec "${APT[@]}" "$@" >"$BOX_TMP/pkg-etcd-$log" 2>&1; }
etcd_listens() { port_listens 2379; }
etcd_prop() { box_unit_prop etcd.service "$1"; }

# --- the repository: the dgo .deb under test, Debian's etcd .debs of this machine
ver=$(dpkg-query -W -f='${Version}' etcd-server 2>/dev/null || true)
debs=()
for p in etcd-server etcd-client; do
    for f in /var/cache/apt/archives/"${p}_${ver/:/%3a}"_*.deb; do [ -f "$f" ] && debs+=("$f") && break; done
done
if [ ${#debs[@]} -ne 2 ]; then
    box__fail "etcd-server and etcd-client $ver .debs in /var/cache/apt/archives (scripts/deps test keeps them)" \
        "found: ${debs[*]:-none}"
    finish
fi
mkdir -p "$R$REPO_DIR/lists/partial"
cp "$BOX_PACKAGE" "${debs[@]}" "$R$REPO_DIR/"
echo "deb [trusted=yes] file:$REPO_DIR ./" >"$R$REPO_DIR/sources.list"
check "the local repository: dpkg-scanpackages" in_box "cd $REPO_DIR && dpkg-scanpackages -m . > Packages"
check "apt-get update (the local repository only)" apt_box update.log update

# --- a clean box: no dgo, no etcd; etcd.service not masked (the box seed masks it)
check "apt-get purge dgo (installed by run.sh)" apt_box purge1.log purge dgo
check "dpkg --purge etcd-server etcd-client (this machine's, in the box's lower layer)" \
    ct_exec env DEBIAN_FRONTEND=noninteractive dpkg --purge etcd-server etcd-client
rm -f "$R/etc/systemd/system/etcd.service"
ct_exec systemctl daemon-reload
check_eq "before: etcd.service is unknown (etcd-server gone, not masked)" not-found "$(etcd_prop LoadState)"

# --- 1. dgo alone, no recommends: no etcd, dgo runs
check "apt-get install --no-install-recommends dgo" apt_box install1.log install --no-install-recommends dgo
check_eq "no recommends: dgo is installed" "install ok installed" "$(status_of dgo)"
check_match "no recommends: etcd-server is not installed" '^$|not-installed' "$(status_of etcd-server)"
check "no recommends: systemctl start dgo.target" ct_exec systemctl start dgo.target
check_eq "no recommends: dgo.target and the sockets are active" "active active active active active" \
    "$(ct_exec systemctl is-active dgo.target dgo-registry.socket dgo-log.socket dgo-grading.socket \
        dgo-portal.socket | xargs)"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:5000/ || true)
check_match "no recommends: the portal answers (socket-activated)" '^(200|303)$' "$code"
check "no recommends: the drop-in is installed ($DROPIN)" test -f "$R$DROPIN"

# --- 2. etcd-server installed after dgo (dgo's drop-in is there before etcd-server's postinst)
check "apt-get install etcd-server (dgo installed first)" apt_box install2.log install etcd-server
check_eq "etcd-server after dgo: installed" "install ok installed" "$(status_of etcd-server)"
check_eq "etcd-server after dgo: etcd.service enabled (Debian's package enables it)" enabled \
    "$(ct_exec systemctl is-enabled etcd.service 2>&1)"
check_eq "etcd-server after dgo: its start was attempted and skipped (ConditionResult=no)" no \
    "$(etcd_prop ConditionResult)"
check_eq "etcd-server after dgo: etcd.service is not active" inactive "$(etcd_prop ActiveState)"
check "etcd-server after dgo: nothing listens on 2379" test -z "$(ss -Hltn 'sport = :2379')"
check_match "etcd-server after dgo: the drop-in is in etcd.service's DropInPaths" "$DROPIN" \
    "$(etcd_prop DropInPaths)"

# --- 3. from scratch: `apt-get install dgo` brings etcd-server by its Recommends
check "purge dgo and etcd-server" apt_box purge2.log purge dgo etcd-server
check_match "after purge: etcd-server not installed" '^$|not-installed' "$(status_of etcd-server)"
check "apt-get install dgo (recommends on, apt's default)" apt_box install3.log install dgo
check_eq "with recommends: dgo installed" "install ok installed" "$(status_of dgo)"
check_eq "with recommends: etcd-server installed (Recommends)" "install ok installed" "$(status_of etcd-server)"
check_match "with recommends: etcd-client not installed (only Suggests)" '^$|not-installed' \
    "$(status_of etcd-client)"
order=$(grep -nE '^(Unpacking|Setting up) (dgo|etcd-server) ' "$BOX_TMP/pkg-etcd-install3.log" | sed 's/ (.*//' | xargs)
echo "--- apt's order: $order"
check_eq "with recommends: etcd.service enabled" enabled "$(ct_exec systemctl is-enabled etcd.service 2>&1)"
check_eq "with recommends: its start was skipped (ConditionResult=no)" no "$(etcd_prop ConditionResult)"
check_eq "with recommends: etcd.service is not active" inactive "$(etcd_prop ActiveState)"
check "with recommends: nothing listens on 2379" test -z "$(ss -Hltn 'sport = :2379')"
check_match "with recommends: the journal names the unmet condition" \
    'ConditionPathExists=/etc/dgo/cluster.conf' "$(box_journal -u etcd.service 2>&1)"
check "with recommends: systemctl start dgo.target" ct_exec systemctl start dgo.target
check_eq "with recommends: dgo.target active" active "$(box_unit_prop dgo.target ActiveState)"

# --- 4. a host in a cluster: /etc/dgo/cluster.conf present -> etcd starts. (dgoctl cluster
# init refuses loopback, and this box shares the host's network: so the file by hand, as the
# multi-host tier writes it; init writes it before its `systemctl restart etcd.service`.)
mkdir -p "$R/etc/dgo"
printf '[Cluster]\nHost=h1\nAddress=10.0.0.1\nEtcd=http://127.0.0.1:2379\n' >"$R/etc/dgo/cluster.conf"
check "with cluster.conf: systemctl start etcd.service" ct_exec timeout 60 systemctl start etcd.service
check_eq "with cluster.conf: etcd.service active, condition met" "active yes" \
    "$(etcd_prop ActiveState) $(etcd_prop ConditionResult)"
check "with cluster.conf: etcd listens on 2379" wait_until 10 etcd_listens
check "with cluster.conf: systemctl stop etcd.service" ct_exec systemctl stop etcd.service

# --- 5. the override for etcd without a dgo cluster (docs/cluster.md)
rm -f "$R/etc/dgo/cluster.conf"
check "without cluster.conf: systemctl start etcd.service (returns 0, skipped)" ct_exec systemctl start etcd.service
check_eq "without cluster.conf: etcd.service skipped again" "inactive no" \
    "$(etcd_prop ActiveState) $(etcd_prop ConditionResult)"
check "override: ln -s /dev/null /etc/systemd/system/etcd.service.d/dgo-single-host.conf" in_box \
    'mkdir -p /etc/systemd/system/etcd.service.d &&
     ln -s /dev/null /etc/systemd/system/etcd.service.d/dgo-single-host.conf && systemctl daemon-reload'
check "override: systemctl start etcd.service" ct_exec timeout 60 systemctl start etcd.service
check_eq "override: etcd.service active without cluster.conf" active "$(etcd_prop ActiveState)"
check "override: systemctl stop etcd.service" ct_exec systemctl stop etcd.service
check "override: nothing listens on 2379 after the stop" wait_until 10 eval '! etcd_listens'

# --- 6. etcd ran before dgo came (etcd-server installed on its own): installing dgo does not
# stop it, says what its drop-in will do, and etcd's next start is skipped
rm -f "$R/etc/systemd/system/etcd.service.d/dgo-single-host.conf"
check "etcd first: apt-get purge dgo (etcd-server stays)" apt_box purge3.log purge dgo
check "etcd first: systemctl start etcd.service (no dgo, no drop-in)" ct_exec timeout 60 systemctl start etcd.service
check "etcd first: apt-get install --no-install-recommends dgo" apt_box install4.log install --no-install-recommends dgo
check_eq "etcd first: etcd.service still active after dgo's install" active "$(etcd_prop ActiveState)"
check_match "etcd first: dgo's postinst says etcd will stay off and how to keep it" \
    'dgo:   ln -s /dev/null /etc/systemd/system/etcd.service.d/dgo-single-host.conf' "$(cat "$BOX_TMP/pkg-etcd-install4.log")"
check "etcd first: systemctl restart etcd.service" ct_exec systemctl restart etcd.service
check_eq "etcd first: after a restart it is skipped (the side effect docs/cluster.md states)" "inactive no" \
    "$(etcd_prop ActiveState) $(etcd_prop ConditionResult)"
check "etcd first: nothing listens on 2379 after the restart" wait_until 10 eval '! etcd_listens'

# --- 7. removing dgo: etcd-server, brought by the Recommends, is apt's to autoremove
check "remove: apt-get remove dgo" apt_box remove.log remove dgo
check_match "remove: apt-get autoremove would remove etcd-server (installed as a recommendation)" \
    '^Remv etcd-server' "$(ct_exec "${APT[@]}" -s autoremove 2>&1)"

finish
