# shellcheck shell=bash
# dgo-lib.sh - helpers for dgo's own box tests (after lib.sh).

TOOLS=$REPO/tests/tools

port_listens() { grep -q LISTEN <<<"$(ss -Hltn "sport = :$1")"; }

# dgo_auth NAME -> the header dgo's service NAME proves itself with
# ("Authorization: Dgo NAME:HMAC-SHA256(secret, "dgo-service\n" NAME)", src/service/auth.h),
# from the box's installation secret; the test is root and may read it.
dgo_auth() {
    # Made by dgo-secret.service at the first start of a service, if not before.
    [ -e "$R/etc/dgo/secret" ] || ct_exec systemctl start dgo-secret.service
    python3 -c 'import hmac, hashlib, sys
key = open(sys.argv[1], "rb").read().strip()
print("Authorization: Dgo %s:%s" % (sys.argv[2], hmac.new(key, b"dgo-service\n" + sys.argv[2].encode(), hashlib.sha256).hexdigest()))' \
        "$R/etc/dgo/secret" "$1"
}

# post_log BODY [MEDIA_TYPE [AS]] -> the HTTP status code (000 when no answer);
# with AS, sent with dgo's service AS's credentials (dgo_auth), else anonymous.
post_log() {
    local auth=()
    [ -n "${3:-}" ] && auth=(-H "$(dgo_auth "$3")")
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Content-Type: ${2:-text/plain}" "${auth[@]}" \
        --data-binary "$1" http://127.0.0.1:4000/log || true
}

# restarts UNIT -> NRestarts
restarts() { box_unit_prop "$1" NRestarts; }

json_get() {   # json_get JSON PYTHON-EXPR (d is the document)
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

REGISTRY=http://127.0.0.1:3000/services

# services_json -> GET /services (empty on failure)
services_json() { curl -s --max-time 5 "$REGISTRY" || true; }

# health_of URL -> the Health of the registration at URL ("" if not listed)
health_of() {
    python3 -c 'import json,sys
try: d = json.loads(sys.argv[1])
except ValueError: sys.exit(0)
print(next((r["Health"] for r in d if r["ServiceURL"] == sys.argv[2]), ""))' "$(services_json)" "$1"
}

# start_dependent NAME PORT RECORD [ARGS...]: a foreign service (tests/tools/dependent.py)
start_dependent() {
    local name=$1 port=$2 record=$3; shift 3
    python3 "$TOOLS/dependent.py" --name "$name" --port "$port" --record "$record" "$@" \
        > "$BOX_TMP/dependent-$port.out" 2>&1 &
    wait_until 10 grep -q "up at" "$BOX_TMP/dependent-$port.out"
}

# patches RECORD PYTHON-FILTER -> how many recorded patches match (p is the patch)
count_patches() {
    python3 -c 'import json,sys
n = 0
for line in open(sys.argv[1]):
    p = json.loads(line)["patch"]
    n += bool(eval(sys.argv[2]))
print(n)' "$1" "$2"
}

# first_patch_time RECORD PYTHON-FILTER [AFTER] -> time (unix, float) of the first match after AFTER
first_patch_time() {
    python3 -c 'import json,sys
after = float(sys.argv[3]) if len(sys.argv) > 3 else 0
for line in open(sys.argv[1]):
    e = json.loads(line); p = e["patch"]
    if e["t"] >= after and eval(sys.argv[2]): print(e["t"]); break' "$@"
}

# eventually SECONDS 'CONDITION': poll a shell condition, re-evaluated each
# time (unlike `wait_until 5 test "$(cmd)" = x`, whose $(cmd) runs only once).
eventually() { wait_until "$1" eval "$2"; }

# reg_field URL FIELD -> FIELD of the registration at URL in GET /services ("" if none)
reg_field() {
    python3 -c 'import json,sys
try: d = json.loads(sys.argv[1])
except ValueError: sys.exit(0)
print(next((str(r[sys.argv[3]]) for r in d if r["ServiceURL"] == sys.argv[2]), ""))' "$(services_json)" "$1" "$2"
}

# The grade book's database in the box, from the host side.
GRADEBOOK_DIR=/var/lib/private/dgo-grading

# gradebook_sql SQL -> the answer of sqlite3 on a copy of the grade book's database. A copy:
# sqlite3 run as root on the live file could leave a root-owned -wal or -shm beside it that
# the service (a DynamicUser) cannot open. Taken while the service is stopped, the copy is
# exactly what it will find on its next start.
gradebook_sql() {
    local copy=$BOX_TMP/gradebook-copy
    rm -rf "$copy"; mkdir -p "$copy"
    cp "$R$GRADEBOOK_DIR"/gradebook.db* "$copy"/ && sqlite3 -batch "$copy/gradebook.db" "$1"
}

# legacy_gradebook STUDENTS GRADES: an earlier dgo's students.json (today's JSON format)
# in the box's state directory, with no database: the next start imports it.
legacy_gradebook() {
    install -d -m 0700 "$R/var/lib/private" "$R$GRADEBOOK_DIR"
    rm -f "$R$GRADEBOOK_DIR"/gradebook.db*
    python3 "$TOOLS/make-gradebook.py" "$1" "$2" "$R$GRADEBOOK_DIR/students.json"
}
