# shellcheck shell=bash
# dgo-lib.sh - helpers for dgo's own box tests (after lib.sh).

TOOLS=$REPO/tests/tools

port_listens() { grep -q LISTEN <<<"$(ss -Hltn "sport = :$1")"; }

# post_log BODY [MEDIA_TYPE] -> the HTTP status code (000 when no answer)
post_log() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Content-Type: ${2:-text/plain}" \
        --data-binary "$1" http://127.0.0.1:4000/log || true
}

# restarts UNIT -> NRestarts
restarts() { box_unit_prop "$1" NRestarts; }

json_get() {   # json_get JSON PYTHON-EXPR (d is the document)
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
