#!/bin/bash
# bench/registry.sh - the registry under a real systemd, in a box.
#
# (a) Failure detection: a foreign dependent (tests/tools/dependent.py, original
#     protocol) requires LogService; dgo-log.service runs. 20 times: kill -9 its
#     main process from the host and measure, from the moment right before the
#     kill, until the dependent receives the Removed patch for the log service,
#     and until it receives the Added patch after systemd restarted it.
#     Targets (issue 3): median < 50 ms, max < 200 ms to Removed.
# (b) Registration throughput: 50 foreign dependents require BenchProvider,
#     their ServiceUpdateURLs all point at one local sink (port 7100) that
#     answers 200 and counts; then N pairs of POST /services (a BenchProvider at
#     a fresh URL) + DELETE /services of it from a few keep-alive clients. Each
#     pair owes every dependent an Added and a Removed; the registry merges
#     what it owes one dependent while a patch to it is on its way, so the
#     sink must end with a Removed for every provider at every dependent: it
#     keeps the last word on each provider per dependent (patches to one
#     dependent go one at a time, so they arrive in order) and counts the
#     pairs whose last word is Removed.
# Loopback only; bounded in count and time; prints one line per figure.
# Environment: BENCH_BUILD (default build/release), BENCH_TRIALS (20),
# BENCH_PAIRS (2000), BENCH_CLIENTS (4), BENCH_SECONDS (max seconds of load, 60),
# BENCH_DEPENDENTS (50).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/box-common.sh
. tests/box/dgo-lib.sh

TRIALS=${BENCH_TRIALS:-20} PAIRS=${BENCH_PAIRS:-2000} CLIENTS=${BENCH_CLIENTS:-4}
LOAD_SECONDS=${BENCH_SECONDS:-60}
DEPENDENTS=${BENCH_DEPENDENTS:-50} DEP_PORT=7001 SINK_PORT=7100
LOG_URL=http://127.0.0.1:4000
REC=$BOX_TMP/bench-registry-patches.$$.jsonl

# Everything we start is ended by PID, then the box (box-common's bench_exit).
trap 'rm -f "$REC"; bench_exit' EXIT

for port in 3000 4000 $DEP_PORT $SINK_PORT; do
    if port_listens "$port"; then echo "bench: port $port is in use" >&2; exit 1; fi
done

ct_exec systemctl start dgo-registry.socket dgo-log.socket
wait_until 5 port_listens 3000
wait_until 5 port_listens 4000

# ---------------------------------------------------------------- (a)
# systemd's start rate limit (5 starts in 10 s) would stop the restarts.
mkdir -p "$R/etc/systemd/system/dgo-log.service.d"
printf '[Unit]\nStartLimitIntervalSec=0\n' > "$R/etc/systemd/system/dgo-log.service.d/bench-no-start-limit.conf"
ct_exec systemctl daemon-reload

: > "$REC"
start_dependent BenchDependent "$DEP_PORT" "$REC" --requires LogService ||
    { echo "bench: the dependent did not come up" >&2; exit 1; }
BENCH_PIDS+=("$!")
wait_until 5 test -s "$REC" || { echo "bench: the dependent got no first patch" >&2; exit 1; }
[ "$(post_log "[Bench] - start")" = 200 ] || { echo "bench: dgo-log did not answer" >&2; exit 1; }
wait_until 10 test "$(box_unit_prop dgo-log.service ActiveState)" = active ||
    { echo "bench: dgo-log.service is not active" >&2; exit 1; }

# wait_trial RECORD T0 -> "REMOVED_MS ADDED_MS": the first Removed patch for the
# log service received at or after T0 and the first Added after it ("none" if
# not within 10 s). Reads the dependent's record; times are its receipt times.
WAIT_TRIAL_PY='
import json, sys, time
rec, t0, url = sys.argv[1], float(sys.argv[2]), sys.argv[3]
removed = added = None
end = time.time() + 10
def has(patch, key):
    return any(x.get("URL") == url for x in patch.get(key) or [])
while added is None and time.time() < end:
    with open(rec) as f:
        for line in f:
            if not line.endswith("\n"):
                break
            e = json.loads(line)
            if e["t"] < t0:
                continue
            if removed is None and has(e["patch"], "Removed"):
                removed = e["t"]
            elif removed is not None and has(e["patch"], "Added"):
                added = e["t"]
                break
    time.sleep(0.005)
ms = lambda t: "%.1f" % ((t - t0) * 1000) if t is not None else "none"
print(ms(removed), ms(added))
'
removed_ms=() added_ms=() missed=0
for i in $(seq "$TRIALS"); do
    pid=$(box_main_pid dgo-log.service) || { echo "bench: dgo-log has no main process" >&2; exit 1; }
    t0=${EPOCHREALTIME/,/.}
    kill -9 "$pid"
    read -r r a <<<"$(python3 -c "$WAIT_TRIAL_PY" "$REC" "$t0" "$LOG_URL")"
    echo "trial $i: kill -9 $pid -> Removed after $r ms, Added after $a ms" >&2
    if [ "$r" = none ] || [ "$a" = none ]; then missed=$((missed + 1)); fi
    [ "$r" = none ] || removed_ms+=("$r")
    [ "$a" = none ] || added_ms+=("$a")
    # The next trial kills the new process: it must be there.
    wait_until 10 test "$(box_unit_prop dgo-log.service ActiveState)" = active || true
done

# stats VALUES... -> "median max" (ms)
stats() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "none none"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f %.1f\n", m, v[NR] }'
}
read -r r_med r_max <<<"$(stats "${removed_ms[@]}")"
read -r a_med a_max <<<"$(stats "${added_ms[@]}")"
echo "registry failure detection, kill -9 of dgo-log -> Removed patch at a foreign dependent: median $r_med ms, max $r_max ms over ${#removed_ms[@]} of $TRIALS trials (targets: median < 50, max < 200)"
echo "registry recovery, kill -9 of dgo-log -> Added patch after systemd's restart: median $a_med ms, max $a_max ms"
echo "registry trials without both patches within 10 s: $missed; dgo-log NRestarts: $(restarts dgo-log.service)"

kill "${BENCH_PIDS[0]}" 2>/dev/null || true   # the dependent deregisters on SIGTERM
wait "${BENCH_PIDS[0]}" 2>/dev/null || true
BENCH_PIDS=()

# ---------------------------------------------------------------- (b)
# The sink: answers 200 to every request; counts the patches it is POSTed, and
# the Added/Removed entries in them, and keeps the last word on each provider
# per dependent (its path, /d<i>/services); GET /count returns the counts as
# JSON, with "pairs" (dependent-provider pairs heard of) and "last_removed"
# (those whose last word is Removed).
SINK_PY='
import http.server, json, sys, threading
lock = threading.Lock()
counts = {"posts": 0, "added": 0, "removed": 0, "bad": 0}
last = {}
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self, body=b""):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/count":
            with lock:
                c = dict(counts, pairs=len(last), last_removed=sum(v == "Removed" for v in last.values()))
                return self.reply(json.dumps(c).encode())
        self.reply(b"ok")
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            p = json.loads(body)
            words = [(e["URL"], k) for k in ("Added", "Removed") for e in p.get(k) or []]
        except (ValueError, AttributeError, KeyError, TypeError):
            words = None
        with lock:
            counts["posts"] += 1
            if words is None:
                counts["bad"] += 1
            else:
                for url, k in words:
                    counts[k.lower()] += 1
                    last[(self.path, url)] = k
        self.reply()
class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024       # the listen backlog: read in the constructor
server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
print("sink up", flush=True)
server.serve_forever()
'
python3 -c "$SINK_PY" "$SINK_PORT" > "$BOX_TMP/bench-sink.$$.out" 2>&1 9>&- &
BENCH_PIDS+=("$!")
wait_until 10 port_listens "$SINK_PORT" || { echo "bench: the sink did not start" >&2; exit 1; }

# LOAD_PY register DEPENDENTS | pairs N CLIENTS SECONDS | drain EXPECTED SECONDS
LOAD_PY='
import http.client, json, sys, threading, time
SINK = "http://127.0.0.1:%d" % int(sys.argv[2])
def conn():
    return http.client.HTTPConnection("127.0.0.1", 3000, timeout=10)
def call(c, method, body, ctype):
    c.request(method, "/services", body=body, headers={"Content-Type": ctype})
    r = c.getresponse()
    r.read()
    return r.status
cmd = sys.argv[1]
if cmd == "register":
    c, bad = conn(), 0
    for i in range(int(sys.argv[3])):
        u = "%s/d%d" % (SINK, i)
        reg = {"ServiceName": "BenchDependent%d" % i, "ServiceURL": u, "RequiredServices": ["BenchProvider"],
               "ServiceUpdateURL": u + "/services", "HeartbeatURL": u + "/heartbeat"}
        bad += call(c, "POST", json.dumps(reg), "application/json") != 200
    print(bad)
elif cmd == "pairs":
    n, clients, seconds = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    lock, status, errors, done, sent = threading.Lock(), {}, [0], [0], [0]
    counter = iter(range(n))
    deadline = time.time() + seconds
    def worker():
        c = conn()
        while time.time() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            sent[0] += 1
            u = "%s/p%d" % (SINK, i)
            reg = {"ServiceName": "BenchProvider", "ServiceURL": u, "HeartbeatURL": u + "/heartbeat"}
            try:
                s1 = call(c, "POST", json.dumps(reg), "application/json")
                s2 = call(c, "DELETE", u, "text/plain")
            except (OSError, http.client.HTTPException):
                with lock:
                    errors[0] += 1
                c.close()
                c = conn()
                continue
            with lock:
                for s in ("POST %d" % s1, "DELETE %d" % s2):
                    status[s] = status.get(s, 0) + 1
                done[0] += s1 == 200 and s2 == 200
        c.close()
    t0 = time.time()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps({"pairs": done[0], "sent": sent[0], "seconds": round(time.time() - t0, 3), "status": status,
                      "errors": errors[0]}))
elif cmd == "drain":
    expected, seconds = int(sys.argv[3]), float(sys.argv[4])
    t0 = time.time()
    last, last_change = None, t0
    while True:
        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]), timeout=10)
        c.request("GET", "/count")
        counts = json.loads(c.getresponse().read())
        c.close()
        now = time.time()
        if counts != last:
            last, last_change = counts, now
        if counts["last_removed"] >= expected or now - t0 > seconds or now - last_change > 15:
            break
        time.sleep(0.2)
    counts["seconds"] = round(now - t0, 1)
    print(json.dumps(counts))
'
bad=$(python3 -c "$LOAD_PY" register "$SINK_PORT" "$DEPENDENTS")
[ "$bad" = 0 ] || { echo "bench: $bad of the $DEPENDENTS dependents were not registered" >&2; exit 1; }

load=$(python3 -c "$LOAD_PY" pairs "$SINK_PORT" "$PAIRS" "$CLIENTS" "$LOAD_SECONDS")
echo "load: $load" >&2
pairs=$(json_get "$load" 'd["pairs"]') sent=$(json_get "$load" 'd["sent"]')
# The registry merges what it owes one dependent into one patch, where the
# last word on each provider wins: every provider ends deleted, so at every
# dependent the last word on every provider sent must be Removed.
expected=$((sent * DEPENDENTS))
drain=$(python3 -c "$LOAD_PY" drain "$SINK_PORT" "$expected" 120)
echo "sink: $drain" >&2
box_journal_sync
journal=$(ct_exec journalctl -u dgo-registry.service -o cat --no-pager)
retried=$(grep -c "Patch to .* failed" <<<"$journal" || true)
gaveup=$(grep -c "Giving up on a patch" <<<"$journal" || true)
watchdog=$(grep -c "Watchdog timeout" <<<"$journal" || true)
emfile=$(grep -c "Too many open files" <<<"$journal" || true)
# (it may be between a watchdog kill and its restart right now)
wait_until 10 test "$(box_unit_prop dgo-registry.service SubState)" = running || true

echo "registry registration throughput: $(json_get "$load" '"%.0f" % (d["pairs"] / d["seconds"])') POST+DELETE pairs/s ($pairs pairs in $(json_get "$load" 'd["seconds"]') s, $CLIENTS keep-alive clients, $DEPENDENTS dependents each; non-200 or errors: $(json_get "$load" 'sum(v for k, v in d["status"].items() if not k.endswith(" 200")) + d["errors"]'))"
echo "registry patches: $(json_get "$drain" 'd["posts"]') requests carried $(json_get "$drain" 'd["added"]') Added and $(json_get "$drain" 'd["removed"]') Removed entries (merged per dependent; unmerged would be $((sent * 2 * DEPENDENTS)) requests); the last word at the sink was Removed for $(json_get "$drain" 'd["last_removed"]') of $expected dependent-provider pairs ($(json_get "$drain" 'd["pairs"]') pairs heard of), $(json_get "$drain" 'd["seconds"]') s after the load ended"
echo "registry patch delivery: $retried failed attempts retried, $gaveup patches given up (from its journal)"
echo "registry over the whole run: NRestarts $(restarts dgo-registry.service); in its journal (lower bounds: an overloaded journald loses lines): watchdog timeouts $watchdog, \"Too many open files\" $emfile; VmRSS after the run: $(vmrss_kb dgo-registry.service 2>/dev/null || echo '?') kB"
