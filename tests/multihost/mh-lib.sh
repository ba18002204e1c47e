# shellcheck shell=bash
# mh-lib.sh - several "hosts" on one machine: one systemd box per host (tests/box/ct-lib.sh),
# each inside a network namespace of its own, all joined by a bridge in a hub namespace.
# Source it. Recipe and pitfalls: /work/shared/multi-host-box.md (shared/ in the steering repo).
#
# Network: namespace $MH_PREFIX-hub holds bridge br0; host I (1..MH_N) is namespace
# $MH_PREFIX-hI with eth0 = 10.77.0.I/24, joined to the bridge by the veth port phI in the hub.
# Both veth ends are created inside our namespaces: no test interface or address ever exists
# in the machine's own namespace, and nothing here sends a packet from it (it has no route to
# 10.77.0.0/24: such a packet would leave the machine).
#
#   mh_up [BUILD_DIR|-]   namespaces, bridge, boot MH_N boxes (in parallel), install the build
#                         (ct_install, as tests/box does; "-" installs nothing)
#   mh_down               poweroff every box (SIGKILL fallback, only PIDs we started), remove
#                         cgroups and namespaces; idempotent, safe after a partial mh_up
#   mh_exec I CMD..       CMD in all of host I's namespaces (ct_exec)
#   mh_on I FUNC..        FUNC (any ct-lib / tests/box/lib.sh helper) with CT_PID1 = host I's
#   mh_cut I / mh_heal I  host I's port on the bridge down / up: cut off, then back
#   mh_lose I             host lost: SIGKILL its PID 1 (its PID namespace dies), then nspawn
#   mh_revive I [SECS]    a lost host boots again, on the same root (its disk: the overlay's
#                         upper layer is kept), in the same namespace; <= SECS (60) to running
#   mh_alive I            host I is still running (not lost)
#   mh_export / mh_import the state, through the environment, from runner to test
#   mh_etcd_up [SECS]     configure etcd.service on every live host (drop-in), start, wait
#   mh_etcd_start I       (again) write host I's drop-in, start its member (--no-block)
#   mh_dgo_cluster LEASE [I..]  /etc/dgo/cluster.conf (hI, 10.77.0.I, the three members,
#                         LeaseSec=LEASE) and the registry's drop-in on hosts I.. (default
#                         all), daemon-reload; MH_SANITIZED=1 if the build is ASan-instrumented
#   mh_journal_after I T0 SECS REGEX [journalctl args..]  waits (<= SECS after T0, an epoch
#                         time) for the first entry of host I's journal written at or after
#                         T0 (its __REALTIME_TIMESTAMP) whose MESSAGE matches REGEX (Python
#                         re); prints its delay from T0 in seconds (6 decimals), 1 if none
#   mh_etcdctl I ARGS..   etcdctl inside host I, against its own member
#   mh_etcd_leader I      the host number of the leader as member I sees it (non-zero if none)
#   mh_etcd_field I F     field F (RaftTerm, Revision, ...) of member I's endpoint status
# Globals: MH_N, MH_ID, MH_PREFIX, MH_HUB, MH_NET, MH_OWNER, arrays MH_PID1 MH_NSPAWN MH_CG
# MH_DIR (index 1..MH_N), MH_NETNS (namespaces we created, for mh_down).

# shellcheck source=tests/box/ct-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../box/ct-lib.sh"

MH_N=${MH_N:-3}
MH_ID=${MH_ID:-$$}                 # tags our namespaces and boxes: dgo-mh-<runner's pid>-hI
MH_PREFIX=dgo-mh-$MH_ID
MH_HUB=$MH_PREFIX-hub
MH_NET=10.77.0
MH_OWNER=${MH_OWNER:-$$}           # the process that started the boxes (nspawn's parent)
MH_SEED=${MH_SEED:-$CT_ROOT/seed-mh}
MH_PID1=() MH_NSPAWN=() MH_CG=() MH_DIR=() MH_NETNS=()

mh_name() { echo "$MH_PREFIX-h$1"; }   # box, machine and network namespace name of host I
mh_addr() { echo "$MH_NET.$1"; }

mh_net_up() {
    local i ns
    ip netns add "$MH_HUB" && MH_NETNS+=("$MH_HUB") || return 1
    ip -n "$MH_HUB" link set lo up &&
        ip -n "$MH_HUB" link add br0 type bridge stp_state 0 &&
        ip -n "$MH_HUB" link set br0 up || return 1
    for i in $(seq "$MH_N"); do
        ns=$(mh_name "$i")
        ip netns add "$ns" && MH_NETNS+=("$ns") || return 1
        # A new namespace starts with lo down: etcd's 127.0.0.1 listener needs it.
        ip -n "$ns" link set lo up &&
            ip -n "$MH_HUB" link add "ph$i" type veth peer name eth0 netns "$ns" &&
            ip -n "$MH_HUB" link set "ph$i" master br0 up &&
            ip -n "$ns" addr add "$(mh_addr "$i")/24" dev eth0 &&
            ip -n "$ns" link set eth0 up || return 1
    done
}

mh_net_down() {
    local ns
    for ns in "${MH_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done   # veths go too
    MH_NETNS=()
}

# The seed of tests/box, but etcd.service not masked: here it runs, in the host's own network.
mh_seed() {
    ct_seed "$MH_SEED" && rm -f "$MH_SEED/etc/systemd/system/etcd.service"
}

mh__select() {   # point ct-lib's globals at host I (ct_stop, ct_pid1, ct_wait use them)
    CT_PID1=${MH_PID1[$1]:-} CT_NSPAWN=${MH_NSPAWN[$1]:-} CT_CG=${MH_CG[$1]:-} CT_DIR=${MH_DIR[$1]:-}
}

mh_boot() {   # boot every box, in parallel; <= 60 s each to reach running|degraded
    local i
    mh_seed || return 1
    for i in $(seq "$MH_N"); do
        # CT_REBOOT=revive: a lost host's root stays, so that mh_revive can boot it again.
        CT_REBOOT=revive CT_SEED=$MH_SEED CT_NETNS=$(mh_name "$i") CT_HOSTNAME=h$i ct_start "$(mh_name "$i")" \
            systemd.unit=box.target 9>&-
        MH_NSPAWN[i]=$CT_NSPAWN MH_CG[i]=$CT_CG MH_DIR[i]=$CT_DIR MH_PID1[i]=''
    done
    for i in $(seq "$MH_N"); do
        mh__select "$i"
        ct_pid1 || { echo "mh_boot: h$i: no PID 1; $CT_LOGS/$(mh_name "$i").console" >&2; return 1; }
        MH_PID1[i]=$CT_PID1
    done
    for i in $(seq "$MH_N"); do
        mh__select "$i"
        ct_wait 60 >/dev/null || { echo "mh_boot: h$i did not boot" >&2; return 1; }
    done
}

mh_install() {   # mh_install BUILD_DIR: ct_install into every box
    local i
    for i in $(seq "$MH_N"); do
        mh_on "$i" ct_install "$1" || { echo "mh_install: h$i: install failed" >&2; return 1; }
    done
}

mh_up() {   # mh_up [BUILD_DIR|-]: mh_down on failure is the caller's (its trap's)
    mh_net_up || { echo "mh_up: network setup failed" >&2; return 1; }
    mh_boot || return 1
    [ "${1:--}" = - ] || mh_install "$1"
}

# The recorded PIDs are still ours: "nspawn" (the loop of ct_start's CT_REBOOT=revive around
# systemd-nspawn) a child of MH_OWNER, PID 1 a systemd child of that systemd-nspawn. A PID
# that has gone may be reused by anything: never signal it then.
mh__nspawn_ours() {
    local n=${MH_NSPAWN[$1]:-} st ppid
    [ -n "$n" ] && st=$(ps -o ppid=,stat= -p "$n") || return 1
    read -r ppid st <<<"$st"
    [ "$ppid" = "$MH_OWNER" ] && [ "${st:0:1}" != Z ]
}
mh__pid1_ours() {
    local p=${MH_PID1[$1]:-} ppid gp
    [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] || return 1
    ppid=$(ps -o ppid= -p "$p") && ppid=${ppid// /} || return 1
    [ "$ppid" != "${MH_NSPAWN[$1]}" ] || return 0
    gp=$(ps -o ppid= -p "$ppid") && [ "${gp// /}" = "${MH_NSPAWN[$1]}" ] &&
        [ "$(cat "/proc/$ppid/comm" 2>/dev/null)" = systemd-nspawn ]
}
# mh__find_pid1 I: the current PID 1 of host I's box, in one look (no wait): after a revive
# (another process's mh_revive) the recorded one is stale. Sets MH_PID1[I] ('' if none).
mh__find_pid1() {
    local c
    MH_PID1[$1]=''
    mh__nspawn_ours "$1" || return 1
    for c in $(CT_NSPAWN=${MH_NSPAWN[$1]} ct__nspawn_children); do
        if grep -qE '^NSpid:.*[[:space:]]1$' "/proc/$c/status" 2>/dev/null &&
           [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ]; then MH_PID1[$1]=$c; return 0; fi
    done
    return 1
}
mh_alive() { mh__nspawn_ours "$1" && mh__pid1_ours "$1"; }

mh_exec() { local i=$1; shift; CT_PID1=${MH_PID1[$i]:-} ct_exec "$@"; }
mh_on() { local i=$1; shift; CT_PID1=${MH_PID1[$i]:-} "$@"; }

mh_cut() { ip -n "$MH_HUB" link set "ph$1" down; }
mh_heal() { ip -n "$MH_HUB" link set "ph$1" up; }

mh_lose() {   # mh_lose I: as a power cut: no shutdown, no goodbye on the network
    local i=$1 nsp
    mh_alive "$i" || { echo "mh_lose: h$i is not a box we started (or already lost)" >&2; return 1; }
    nsp=$(ps -o ppid= -p "${MH_PID1[$i]}") && nsp=${nsp// /}   # systemd-nspawn (checked above)
    kill -KILL "${MH_PID1[$i]}"   # kills the box's whole PID namespace; nspawn then exits
    for _ in $(seq 50); do [ "$(cat "/proc/$nsp/comm" 2>/dev/null)" = systemd-nspawn ] || break; sleep 0.1; done
    if [ "$(cat "/proc/$nsp/comm" 2>/dev/null)" = systemd-nspawn ]; then kill -KILL "$nsp" 2>/dev/null || true; fi
    MH_PID1[i]=''   # mh_exec on it now fails at once
}

# mh_revive I [SECS]: host I, lost (mh_lose), boots again as a machine does after a power cut:
# the same root with what was written to it (the overlay's upper layer, kept by ct_start's
# loop: etcd's data, /etc), a fresh /run, in the same network namespace; nothing started but
# what box.target starts. Sets MH_PID1[I]; 0 once it is running (<= SECS, default 60).
# Boxes booted by a runner (tests/multihost/run.sh) stay the runner's: it finds the new PID 1
# (mh__find_pid1) to save the journal and power the box off.
mh_revive() {
    local i=$1
    mh__nspawn_ours "$i" || { echo "mh_revive: h$i: not a box we started" >&2; return 1; }
    ! mh_alive "$i" || { echo "mh_revive: h$i is not lost" >&2; return 1; }
    [ "$(cat "/proc/${MH_NSPAWN[$i]}/comm" 2>/dev/null)" = bash ] ||
        { echo "mh_revive: h$i: no revive loop (CT_REBOOT=revive)" >&2; return 1; }
    kill -USR1 "${MH_NSPAWN[$i]}"
    mh__select "$i"; CT_PID1=''
    ct_pid1 || { echo "mh_revive: h$i: no PID 1; $CT_LOGS/$(mh_name "$i").console" >&2; return 1; }
    MH_PID1[i]=$CT_PID1
    ct_wait "${2:-60}" >/dev/null || { echo "mh_revive: h$i did not boot" >&2; return 1; }
}

mh__stop_box() {   # ct_stop if the box is still ours and running; else only its leftovers
    mh__select "$1"
    [ -n "$CT_CG" ] || return 0
    # Revived by another process, or lost: the current PID 1, or none (ct_stop then TERMs
    # the loop, which ends; it would wait 20 s for a PID 1 it was given but cannot find).
    mh__pid1_ours "$1" || { mh__find_pid1 "$1" || true; CT_PID1=${MH_PID1[$1]}; }
    if mh__nspawn_ours "$1"; then
        ct_stop 20
    else
        CT_NSPAWN=''
        ct_cleanup
    fi
    MH_PID1[$1]='' MH_NSPAWN[$1]='' MH_CG[$1]='' MH_DIR[$1]=''
}

mh_down() {   # idempotent; every path (the caller traps EXIT)
    local i
    for i in $(seq "$MH_N"); do mh__stop_box "$i"; done
    mh_net_down
}

# State for a test run by a runner that owns the boxes (the test is another process).
mh_export() {
    MH_PID1S="${MH_PID1[*]}" MH_NSPAWNS="${MH_NSPAWN[*]}"
    export MH_N MH_ID MH_OWNER MH_PID1S MH_NSPAWNS
}
mh_import() {
    local i=1 p
    for p in $MH_PID1S; do MH_PID1[i]=$p; i=$((i + 1)); done
    i=1; for p in $MH_NSPAWNS; do MH_NSPAWN[i]=$p; i=$((i + 1)); done
    [ "${#MH_PID1[@]}" = "$MH_N" ] && [ "${#MH_NSPAWN[@]}" = "$MH_N" ]
}

# --- etcd (Debian's etcd-server 3.4), one member per host --------------------------------
# Heartbeat and election timeout: etcd's rule is heartbeat ~ the round trip between members
# and election timeout >= 10 heartbeats. Between boxes on one bridge the round trip is well
# under 1 ms, so the lower bound is CPU: on this 2-core machine, shared with builds and other
# boxes, a member starved for a few hundred ms must not depose a healthy leader (a spurious
# election stalls writes and would make the tier flaky). 100 ms / 1000 ms (etcd's defaults)
# leaves that margin; a lost leader is replaced in about election timeout + up to another
# one (randomised) + a round of votes: measured by test-etcd-cluster.sh.
# The same values suit a school's LAN: round trips of a few ms, disks whose fsync can take
# 100 ms or more (a member stuck in fsync also misses heartbeats).
MH_ETCD_HEARTBEAT_MS=${MH_ETCD_HEARTBEAT_MS:-100}
MH_ETCD_ELECTION_MS=${MH_ETCD_ELECTION_MS:-1000}
MH_ETCD_PRE_VOTE=${MH_ETCD_PRE_VOTE:-true}   # false only to see what it buys (see the drop-in)
# TLS comes later: then MH_ETCD_SCHEME=https, and a second drop-in (20-tls.conf) adds
# ETCD_CERT_FILE, ETCD_KEY_FILE, ETCD_TRUSTED_CA_FILE, ETCD_CLIENT_CERT_AUTH and their
# ETCD_PEER_* twins; MH_ETCDCTL_OPTS then carries etcdctl's --cacert/--cert/--key.
MH_ETCD_SCHEME=${MH_ETCD_SCHEME:-http}
MH_ETCD_DROPIN=/run/systemd/system/etcd.service.d/10-dgo-mh.conf

# Drop-in for Debian's etcd.service (which reads ETCD_* from its environment; each variable is
# the flag of the same name, e.g. ETCD_PRE_VOTE = --pre-vote). It keeps Debian's ExecStart,
# User=etcd and ETCD_DATA_DIR (/var/lib/etcd/default, in the box's tmpfs upper layer).
mh_etcd_conf() {
    local i=$1 j s=$MH_ETCD_SCHEME cluster=''
    for j in $(seq "$MH_N"); do cluster+="${cluster:+,}h$j=$s://$(mh_addr "$j"):2380"; done
    cat <<EOF
# tests/multihost/mh-lib.sh: member h$i of a $MH_N-member etcd cluster on $MH_NET.0/24
[Service]
Environment=ETCD_NAME=h$i
Environment=ETCD_LISTEN_PEER_URLS=$s://$(mh_addr "$i"):2380
Environment=ETCD_INITIAL_ADVERTISE_PEER_URLS=$s://$(mh_addr "$i"):2380
Environment=ETCD_LISTEN_CLIENT_URLS=$s://$(mh_addr "$i"):2379,http://127.0.0.1:2379
Environment=ETCD_ADVERTISE_CLIENT_URLS=$s://$(mh_addr "$i"):2379
Environment=ETCD_INITIAL_CLUSTER=$cluster
Environment=ETCD_INITIAL_CLUSTER_STATE=new
# Unique per run: a member of another run can never join this cluster.
Environment=ETCD_INITIAL_CLUSTER_TOKEN=$MH_PREFIX
# A member back from a partition first asks whether it could win before it raises the term:
# without this it deposes the majority's leader (writes stalled 1.3 s, measured; 30 ms with).
Environment=ETCD_PRE_VOTE=$MH_ETCD_PRE_VOTE
Environment=ETCD_HEARTBEAT_INTERVAL=$MH_ETCD_HEARTBEAT_MS
Environment=ETCD_ELECTION_TIMEOUT=$MH_ETCD_ELECTION_MS
# Keep an hour of history: a watcher cut off for less resumes from its revision; after that
# it must re-list (a dgo registry does both). Without compaction the history grows for ever.
Environment=ETCD_AUTO_COMPACTION_MODE=periodic
Environment=ETCD_AUTO_COMPACTION_RETENTION=1h
Environment=ETCD_LOGGER=zap
Environment=ETCD_LOG_OUTPUTS=stderr
# A leader that has lost its quorum never finishes stopping (etcd 3.4.23: "leadership transfer
# failed", then nothing): Debian's 90 s default would hold every shutdown of such a host. etcd
# makes each write durable (WAL fsync) before acknowledging it, so SIGKILL after 5 s loses
# nothing a client was told is written.
TimeoutStopSec=5s
EOF
}

# mh_etcd_start I: host I's drop-in (in /run: written again after a revive; a member whose
# data directory is there ignores ETCD_INITIAL_*), then start its member. --no-block: etcd
# (Type=notify) is ready only once a quorum has formed, so a blocking start on the first host
# would wait for the others.
mh_etcd_start() {
    local i=$1
    mkdir -p "$(dirname "/proc/${MH_PID1[$i]}/root$MH_ETCD_DROPIN")" &&
        mh_etcd_conf "$i" >"/proc/${MH_PID1[$i]}/root$MH_ETCD_DROPIN" &&
        mh_exec "$i" systemctl daemon-reload &&
        mh_exec "$i" systemctl start --no-block etcd.service
}

mh_etcd_up() {   # mh_etcd_up [SECS]: on every live host; 0 when all are active within SECS
    local t=${1:-30} i end
    for i in $(seq "$MH_N"); do
        mh_alive "$i" || continue
        mh_etcd_start "$i" || return 1
    done
    end=$((SECONDS + t))
    for i in $(seq "$MH_N"); do
        mh_alive "$i" || continue
        until [ "$(mh_exec "$i" systemctl is-active etcd.service)" = active ]; do
            [ $SECONDS -lt $end ] || { echo "mh_etcd_up: h$i: etcd not active after ${t}s" >&2; return 1; }
            sleep 0.1
        done
    done
}

mh_etcdctl() {   # mh_etcdctl I ARGS..: MH_ETCDCTL_OPTS word-split on purpose (TLS later)
    local i=$1; shift
    # shellcheck disable=SC2086
    mh_exec "$i" env ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 \
        --dial-timeout=1s --command-timeout=2s ${MH_ETCDCTL_OPTS:-} "$@"
}

# The leader as member I sees it: `endpoint status` of I's own endpoint gives the leader's
# member ID; `member list` maps IDs to names hJ. -w fields prints the 64-bit IDs exactly
# (JSON numbers would go through jq's doubles); awk compares them as strings for that reason.
mh_etcd_leader() {
    local i=$1 lead name
    lead=$(mh_etcdctl "$i" endpoint status -w fields | awk -F' : ' '$1 == "\"Leader\"" { print $2 }') &&
        [ -n "$lead" ] && [ "$lead" != 0 ] || return 1
    name=$(mh_etcdctl "$i" member list -w fields | awk -F' : ' -v id="$lead" '
        $1 == "\"ID\"" { cur = $2 } $1 == "\"Name\"" && cur "" == id "" { gsub(/"/, "", $2); print $2 }') &&
        [[ $name =~ ^h([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}"
}

mh_etcd_field() {   # mh_etcd_field I FIELD: FIELD of member I's `endpoint status -w fields`
    mh_etcdctl "$1" endpoint status -w fields | awk -F' : ' -v f="\"$2\"" '$1 == f { v = $2 } END { print v }'
}

# --- dgo in cluster mode, and reading the journals ----------------------------------------
# mh_dgo_cluster LEASE [I..]: what `dgoctl cluster init/join` would write for dgo, by hand:
# /etc/dgo/cluster.conf (this host hI at 10.77.0.I, the three members over plain HTTP,
# LeaseSec=LEASE) and the drop-in that lets dgo-registry reach the other hosts; with an
# ASan+UBSan build (as tests/box/run.sh finds it) the sanitizers' options, and MH_SANITIZED=1.
# shellcheck disable=SC2034  # read by the tests and benchmarks that call mh_dgo_cluster
MH_SANITIZED=''
mh_dgo_cluster() {
    local lease=$1 i root etcd='' j
    shift
    [ $# -gt 0 ] || set -- $(seq "$MH_N")
    for j in $(seq "$MH_N"); do etcd+="${etcd:+ }http://$(mh_addr "$j"):2379"; done
    for i in "$@"; do
        root=/proc/${MH_PID1[$i]}/root
        mkdir -p "$root/etc/dgo" "$root/etc/systemd/system/dgo-registry.service.d" || return 1
        printf '[Cluster]\nHost=h%s\nAddress=%s\nEtcd=%s\nLeaseSec=%s\n' \
            "$i" "$(mh_addr "$i")" "$etcd" "$lease" >"$root/etc/dgo/cluster.conf" || return 1
        printf '[Service]\nIPAddressAllow=%s\n' "$(for j in $(seq "$MH_N"); do printf '%s ' "$(mh_addr "$j")"; done)" \
            >"$root/etc/systemd/system/dgo-registry.service.d/cluster.conf" || return 1
        if grep -q __asan_init "$root/usr/libexec/dgo/dgo-registry"; then
            # shellcheck disable=SC2034
            MH_SANITIZED=1
            mkdir -p "$root/etc/systemd/system/dgo-.service.d"
            printf '%s\n' '[Service]' 'Environment=ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1' \
                >"$root/etc/systemd/system/dgo-.service.d/sanitizers.conf" || return 1
        fi
        mh_exec "$i" systemctl daemon-reload || return 1
    done
}

# All boxes share the machine's kernel, so its CLOCK_REALTIME: a time taken in one box (or
# here) compares with another box's journal timestamps. __REALTIME_TIMESTAMP is when journald
# received the entry (after the writer's own clock read, so never early).
MH_JOURNAL_AFTER_PY='
import json, re, subprocess, sys, time
pid1, t0, secs, rx = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), re.compile(sys.argv[4])
cmd = ["nsenter", "-t", pid1, "-a", "journalctl", "--no-pager", "-o", "json",
       "--since", "@%d" % (int(t0) - 1)] + sys.argv[5:]
while True:
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        ts = int(e.get("__REALTIME_TIMESTAMP", 0)) / 1e6
        m = e.get("MESSAGE")
        if ts >= t0 and isinstance(m, str) and rx.search(m):
            print("%.6f" % (ts - t0))
            sys.exit(0)
    if time.time() > t0 + secs:
        sys.exit(1)
    time.sleep(0.02)
'
mh_journal_after() {
    local i=$1 t0=$2 secs=$3 rx=$4
    shift 4
    [ -n "${MH_PID1[$i]:-}" ] || return 1
    python3 -c "$MH_JOURNAL_AFTER_PY" "${MH_PID1[$i]}" "${t0/,/.}" "$secs" "$rx" "$@" 9>&-
}
