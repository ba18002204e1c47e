# shellcheck shell=bash
# ct-lib.sh - boot a throwaway systemd in systemd-nspawn on overlay(/ + tmpfs). Source it.
#
# Recipe: /work/shared/systemd-box.md, section 1. Never boot systemd on the real root (its
# tmpfiles step wipes /tmp): the container's root is an overlay of / with a tmpfs upper layer,
# mounted inside a private mount namespace, so the host sees no mount and no file change.
# The container shares the host network namespace: a unit listening in the box binds a host port.
#
#   ct_seed DIR           write the seed tree (copied into the upper layer before boot)
#   ct_start NAME ARGS..  boot in the background; ARGS go to the container's systemd
#                         (e.g. systemd.unit=box.target); env CT_NSPAWN_ARGS: extra nspawn args,
#                         CT_NETNS: boot inside /run/netns/$CT_NETNS (the box shares that
#                         namespace, not the host's), CT_HOSTNAME: the box's /etc/hostname
#   ct_pid1               find the container's PID 1 (host PID) -> CT_PID1; <= 20 s
#   ct_wait [SECS]        until is-system-running says running|degraded (printed)
#   ct_exec CMD..         run CMD in all of the container's namespaces (nsenter)
#   ct_foreign            host PIDs that ct_exec left in the box (parent outside it)
#   ct_stop [SECS]        kill ct_foreign ones; poweroff; SIGKILL PID 1 after SECS;
#                         remove our cgroups and dir (ct_cleanup)
#   ct_cleanup            remove a stopped box's cgroups (CT_CG) and dir (CT_DIR)
#   ct_reboot [SECS]      reboot the box (CT_REBOOT=1 boxes only): same root, new PID 1;
#                         sets CT_PID1 and waits until it runs
#   ct_install_deb DEB    apt-get install a .deb in the running box
# Globals set: CT_NSPAWN (PID of the unshare/nspawn process), CT_PID1, CT_DIR, CT_CG.
# CT_REBOOT=1 (env of ct_start): the box survives `systemctl reboot` (nspawn exits 133 on a
# reboot; a loop around it boots the same overlay again). CT_NSPAWN is then the loop's shell,
# the nspawn process its child. CT_REBOOT=revive: that, and a box whose PID 1 was killed
# keeps its root (the loop's shell holds the mount namespace) until `kill -USR1 $CT_NSPAWN`
# boots it again (then ct_pid1 finds the new PID 1) or TERM ends the loop.

CT_ROOT=${CT_ROOT:-/var/tmp/dgo-box}
CT_BASE=${CT_BASE:-$CT_ROOT/ct} CT_LOGS=${CT_LOGS:-$CT_ROOT/logs}
CT_SEED=${CT_SEED:-$CT_ROOT/seed}   # tree copied into the upper layer before boot

ct_seed() {    # ct_seed DIR: idempotent (overwrites our files, removes nothing)
    local d=$1 u
    mkdir -p "$d/etc/systemd/system" "$d/etc/systemd/journald.conf.d" "$d/etc/systemd/system.conf.d"
    # Units that bind host ports (we share the host network) or fire timers during a test.
    # etcd.service: Debian's etcd-server (for tests/multihost) enables it on 127.0.0.1:2379.
    for u in postgresql.service nginx.service etcd.service apt-daily.timer apt-daily-upgrade.timer \
             dpkg-db-backup.timer e2scrub_all.timer fstrim.timer man-db.timer; do
        ln -sfn /dev/null "$d/etc/systemd/system/$u"
    done
    printf '%s\n' '[Unit]' 'Description=Minimal target for service tests' 'Requires=basic.target' \
        'After=basic.target' 'Wants=dbus.service systemd-logind.service' 'AllowIsolate=yes' \
        > "$d/etc/systemd/system/box.target"
    # Journal: keep everything tests send (2,000+ messages) for the box's short life. Volatile
    # = /run/log/journal on the container's own /run tmpfs: no flush step, nothing on the overlay.
    # The size caps are far above what a test writes, so nothing is rotated away. Rate limits
    # stay at their defaults on purpose (the services under test handle that themselves).
    printf '%s\n' '[Journal]' 'Storage=volatile' 'RuntimeMaxUse=512M' 'RuntimeKeepFree=0' \
        'RuntimeMaxFileSize=128M' 'MaxRetentionSec=0' 'MaxLevelStore=debug' \
        'ForwardToSyslog=no' 'ForwardToWall=no' > "$d/etc/systemd/journald.conf.d/dgo-box.conf"
    # No core files: the host's core_pattern is a relative "core"; a SIGABRT from the watchdog
    # would otherwise drop cores into the service's cwd and make code=dumped vs killed vary.
    printf '%s\n' '[Manager]' 'DefaultLimitCORE=0' > "$d/etc/systemd/system.conf.d/dgo-box.conf"
}

# cgroup2 mount: /sys/fs/cgroup/unified on a hybrid host (tested), /sys/fs/cgroup on pure v2 (not).
ct_cgroot() { if [ -d /sys/fs/cgroup/unified ]; then echo /sys/fs/cgroup/unified; else echo /sys/fs/cgroup; fi; }

ct_start() {   # ct_start NAME [args for the container's systemd]; env CT_NSPAWN_ARGS
    local name=$1 own; shift
    own=$(sed -n 's/^0:://p' /proc/self/cgroup); own=${own%/}
    CT_PID1='' CT_DIR=$CT_BASE/$name CT_CG=$(ct_cgroot)$own/ct-$name
    mkdir -p "$CT_DIR" "$CT_LOGS" "$CT_CG"
    # Fix 1: tmpfs on /run first, so nspawn's /run/systemd/nspawn state is not on the host's /run.
    # Fix 2: one cgroup per nspawn (with --keep-unit two containers would share <cg>/payload).
    # Fix 3: delete both machine-id files (else the host's ID is copied); --link-journal=no.
    # CT_NETNS: enter the network namespace before unshare -m: the tmpfs on /run below hides
    # /run/netns, so nspawn's --network-namespace-path could not find it (multi-host-box.md).
    local netns=()
    [ -z "${CT_NETNS:-}" ] || netns=(nsenter "--net=/run/netns/$CT_NETNS")
    # shellcheck disable=SC2016  # the script below expands its own positional args
    "${netns[@]}" unshare -m --propagation private bash -ec '
        B=$1 name=$2 seed=$3 cg=$4 xargs=$5 reboot=$6 hostname=$7; shift 7
        echo $$ > "$cg/cgroup.procs"
        mount -t tmpfs -o mode=0755 tmpfs /run
        mount -t tmpfs -o mode=0755 tmpfs "$B"
        mkdir -p "$B/upper" "$B/work" "$B/merged"
        mount -t overlay overlay -o "lowerdir=/,upperdir=$B/upper,workdir=$B/work" "$B/merged"
        rm -f "$B/merged/etc/machine-id" "$B/merged/var/lib/dbus/machine-id"
        systemd-machine-id-setup --root="$B/merged" >/dev/null 2>&1
        [ ! -d "$seed" ] || cp -a "$seed/." "$B/merged/"
        [ -z "$hostname" ] || echo "$hostname" > "$B/merged/etc/hostname"
        # $xargs (CT_NSPAWN_ARGS) is word-split on purpose.
        set -- systemd-nspawn -q -D "$B/merged" --boot --register=no --keep-unit \
             --link-journal=no --console=read-only --machine="$name" $xargs -- "$@"
        [ -n "$reboot" ] || exec "$@"
        # CT_REBOOT: boot again while nspawn reports a reboot (exit status 133). TERM is
        # passed on to nspawn, which halts the box.
        # CT_REBOOT=revive, also: when the box dies (PID 1 killed: nspawn fails; a poweroff
        # exits 0 and ends this loop), this shell keeps the mount namespace, so the overlay
        # and its upper layer (the disk of the box) stay; USR1 boots the same root again, TERM ends.
        revive_go=
        trap "revive_go=1" USR1
        while :; do
            "$@" & child=$!
            trap "kill -TERM $child 2>/dev/null || true" TERM
            while kill -0 $child 2>/dev/null; do wait $child || true; done
            rc=0; wait $child || rc=$?
            [ $rc -eq 133 ] && continue
            [ "$reboot" = revive ] && [ $rc -ne 0 ] || exit $rc
            # Wait in a builtin (read on a FIFO nobody writes), not in a child such as sleep:
            # one left behind would keep our cgroup from being removed.
            [ -p "$B/revive" ] || mkfifo "$B/revive"
            exec 3<>"$B/revive"
            trap "exit $rc" TERM
            revive_go=
            while [ -z "$revive_go" ]; do read -r -t 1 -u 3 _ || true; done
            exec 3>&-
        done
    ' ct-"$name" "$CT_DIR" "$name" "$CT_SEED" "$CT_CG" "${CT_NSPAWN_ARGS:-}" "${CT_REBOOT:-}" \
        "${CT_HOSTNAME:-}" "$@" \
        </dev/null >"$CT_LOGS/$name.console" 2>&1 &
    CT_NSPAWN=$!
}

ct_pid1() {    # container PID 1 = child of nspawn whose NSpid ends in 1; <= 20 s
    local c
    for _ in $(seq 200); do
        for c in $(ct__nspawn_children); do
            if grep -qE '^NSpid:.*[[:space:]]1$' /proc/"$c"/status 2>/dev/null &&
               [ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ]; then CT_PID1=$c; return 0; fi
        done
        kill -0 "$CT_NSPAWN" 2>/dev/null || return 1
        sleep 0.1
    done; return 1
}

# Children of nspawn; with CT_REBOOT nspawn is a child of $CT_NSPAWN (see ct_start).
ct__nspawn_children() {
    local c
    for c in $(ps -o pid=,comm= --ppid "$CT_NSPAWN" | awk '$2 == "systemd-nspawn" { print $1 }'); do
        ps -o pid= --ppid "$c"
    done
    ps -o pid= --ppid "$CT_NSPAWN"
}

# CT_PID1 is still the box's PID 1 (not so after a reboot from inside, e.g. by a test).
ct_pid1_current() {
    local c
    [ -n "${CT_PID1:-}" ] && [ "$(cat /proc/"$CT_PID1"/comm 2>/dev/null)" = systemd ] || return 1
    for c in $(ct__nspawn_children); do [ "$c" != "$CT_PID1" ] || return 0; done
    return 1
}

# ct_reboot [SECS]: reboot a CT_REBOOT=1 box from inside and wait for the new PID 1 to run.
# Like ct_stop, it first kills what ct_exec left in the box (systemd-shutdown would wait for
# it). On failure CT_PID1 is empty (ct_exec then fails at once) and the box's processes are
# listed on stderr.
ct_reboot() {
    local old=$CT_PID1 end=$((SECONDS + ${1:-60})) pids p
    if pids=$(ct_foreign) && [ -n "$pids" ]; then
        # shellcheck disable=SC2086  # one PID per word
        kill -KILL $pids 2>/dev/null || true
        # shellcheck disable=SC2086
        for _ in $(seq 30); do kill -0 $pids 2>/dev/null || break; sleep 0.1; done
    fi
    ct_exec systemctl reboot --no-block >/dev/null 2>&1 || { CT_PID1=''; return 1; }
    while [ -d "/proc/$old" ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
    if [ -d "/proc/$old" ]; then
        echo "ct_reboot: old PID 1 $old still there; processes in the box:" >&2
        for p in /proc/[0-9]*; do
            [ "$p/ns/pid" -ef "/proc/$old/ns/pid" ] || continue
            { echo "    ${p#/proc/} $(cat "$p/comm") $(grep -E '^(State|PPid|NSpid):' "$p/status" | tr -s '\t\n' '  ')"; } 2>/dev/null || true
        done >&2
        CT_PID1=''
        return 1
    fi
    CT_PID1=''
    ct_pid1 && ct_wait $((end - SECONDS > 5 ? end - SECONDS : 5)) >/dev/null
}

# nsenter -a inherits the host environment (CI=true etc. leak in) and runs outside the box's
# cgroups; for a supervised run use: ct_exec systemd-run --wait --pipe --quiet --collect CMD
ct_exec() { [ -n "${CT_PID1:-}" ] && SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 nsenter -t "$CT_PID1" -a "$@"; }

ct_wait() {    # until running/degraded; retries while PID 1 is not yet reachable
    local end=$((SECONDS + ${1:-60})) s=
    while [ $SECONDS -lt $end ]; do
        s=$(ct_exec systemctl is-system-running --wait 2>/dev/null) || true
        case $s in running|degraded) echo "$s"; return 0;; esac
        kill -0 "$CT_NSPAWN" 2>/dev/null || break
        sleep 0.2
    done; echo "ct_wait: failed (state: ${s:-none})" >&2; return 1
}

# Host PIDs of processes in the box's PID namespace whose parent is outside it: what ct_exec
# (nsenter) started there, or its orphans, now children of the host's PID 1.
ct_foreign() {
    local p k v pp ns=/proc/$CT_PID1/ns/pid
    for p in /proc/[0-9]*; do
        if [ "${p#/proc/}" = "$CT_PID1" ] || ! [ "$p/ns/pid" -ef "$ns" ]; then continue; fi
        pp=''
        { while read -r k v; do [ "$k" = PPid: ] && { pp=$v; break; }; done <"$p/status"; } 2>/dev/null || true
        [ -z "$pp" ] || [ "/proc/$pp/ns/pid" -ef "$ns" ] || echo "${p#/proc/}"
    done
    return 0
}

ct_stop() {    # poweroff, bounded; then SIGKILL PID 1 (kills the whole pid ns), then nspawn
    local t=${1:-20} pids
    [ -n "${CT_NSPAWN:-}" ] || return 0
    # After a reboot from inside (CT_REBOOT) the caller's CT_PID1 is stale: find the new one.
    if [ -n "${CT_PID1:-}" ] && ! ct_pid1_current; then CT_PID1=''; ct_pid1 || true; fi
    # systemd-shutdown sees a non-child (see ct_foreign) go away only at its 10 s timeout, and
    # the host's PID 1 here reaps orphans ~1.5 s late: kill them, let them be reaped (<= 3 s).
    if [ -n "${CT_PID1:-}" ] && pids=$(ct_foreign) && [ -n "$pids" ]; then
        # shellcheck disable=SC2086  # one PID per word
        kill -KILL $pids 2>/dev/null || true
        # shellcheck disable=SC2086  # bash's kill -0 P... succeeds while any P exists
        for _ in $(seq 30); do kill -0 $pids 2>/dev/null || break; sleep 0.1; done
    fi
    ct_exec systemctl poweroff --no-block >/dev/null 2>&1 || kill -TERM "$CT_NSPAWN" 2>/dev/null || true
    for _ in $(seq $((t * 10))); do kill -0 "$CT_NSPAWN" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$CT_NSPAWN" 2>/dev/null; then
        echo "ct_stop: no poweroff after ${t}s, SIGKILL" >&2
        # Fix 4: killing nspawn alone would leave PID 1 running, reparented to the host's PID 1.
        [ -z "${CT_PID1:-}" ] || kill -KILL "$CT_PID1" 2>/dev/null || true
        for _ in $(seq 30); do kill -0 "$CT_NSPAWN" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$CT_NSPAWN" 2>/dev/null || true
    fi
    wait "$CT_NSPAWN" 2>/dev/null || true
    ct_cleanup
    CT_NSPAWN='' CT_PID1=''
}

ct_cleanup() {   # what a stopped box leaves: its cgroups and its directory
    local d
    # Our cgroup in the v2 tree and its twin in the v1 name=systemd tree (hybrid hosts).
    for d in "$CT_CG" "${CT_CG/\/unified\//\/systemd\/}"; do
        [ ! -d "$d" ] || find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    rmdir "$CT_DIR" 2>/dev/null || true
}

# ct_install_deb DEB: install a package into the running box with apt-get, as an
# administrator would (`apt-get install ./dgo_*.deb`). The box's root is an overlay of the
# host's, so the dependencies are already there and apt needs no network.
ct_install_deb() {
    local deb=$1 base
    base=$(basename "$deb")
    cp "$deb" "/proc/$CT_PID1/root/var/tmp/$base" &&
        ct_exec env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            -o Dpkg::Use-Pty=0 "/var/tmp/$base"
}

# ct_install BUILD_DIR: install a meson build into the running box the way a
# package would: files, then the system users it declares (sysusers.d), then
# daemon-reload. Quiet; non-zero on the first step that fails.
ct_install() {
    meson install -C "$1" --no-rebuild --quiet --destdir "/proc/$CT_PID1/root" >/dev/null &&
        ct_exec systemd-sysusers >/dev/null 2>&1 &&
        ct_exec systemctl daemon-reload
}

# ct_count_result OUT NAME RC TIMEOUT: what a test run by a runner (tests/box/run.sh,
# tests/multihost/run.sh) counts: its PASS:/FAIL: lines in OUT, in the caller's PASS and
# FAIL, plus one failure, printed as a FAIL line, when it printed none, when it has no
# RESULT line (timed out after TIMEOUT s, crashed, or ended early), when that line does not
# match the lines it printed, or when its exit status RC does not match that line.
ct_count_result() {
    local out=$1 name=$2 rc=$3 timeout=$4 result rpass='' rfail=''
    pass=$(grep -c '^PASS: ' "$out" || true) fail=$(grep -c '^FAIL: ' "$out" || true)
    result=$(grep '^RESULT: ' "$out" | tail -n 1 || true)
    if [[ $result =~ ^RESULT:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        rpass=${BASH_REMATCH[1]} rfail=${BASH_REMATCH[2]}
    fi
    if [ $((pass + fail)) -eq 0 ]; then
        echo "FAIL: $name: no checks ran (exit $rc)"; fail=1
    elif [ -z "$rpass" ]; then
        if [ "$rc" -eq 124 ]; then echo "FAIL: $name: timed out after $timeout s"
        elif [ "$rc" -ne 0 ]; then echo "FAIL: $name: crashed (exit $rc) before its RESULT line"
        else echo "FAIL: $name: ended (exit 0) before its RESULT line: the checks after that point never ran"; fi
        fail=$((fail + 1))
    elif [ "$rpass $rfail" != "$pass $fail" ]; then
        echo "FAIL: $name: its RESULT line says $rpass passed, $rfail failed, but it printed $pass PASS and $fail FAIL lines"
        fail=$((fail + 1))
    elif [ $((rc != 0)) != $((rfail != 0)) ]; then   # finish: exit 0 iff nothing failed
        echo "FAIL: $name: exit status $rc after \"$result\""
        fail=$((fail + 1))
    fi
}
