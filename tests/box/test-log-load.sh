#!/bin/bash
# Proves dgo-log under load loses and mixes up nothing: 2,000 messages from
# 50 concurrent clients, of two services at once (so batches mix them), get
# 2,000 answers of 200, 2,000 lines in the file (each once, each naming its
# own sender) and 2,000 journal entries (`journalctl DGO_SERVICE=` and `-t`
# find exactly each service's 1,000); 40 large messages from 20 clients are
# each answered, written whole and journaled; journald suppressed nothing and
# the service did not restart.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

N=2000 HALF=1000
ct_exec systemctl start dgo-log.socket
wait_until 5 port_listens 4000

load() {   # load SERVICE OUTFILE: half the messages, over 25 connections
    python3 "$TOOLS/httpload.py" post http://127.0.0.1:4000/log --count $HALF --concurrency 25 \
            --body "[$1] - load message {i} from $1 of run $$" >"$2" || true
}
load LoadTestA "$BOX_TMP/a.json" & a=$!
load LoadTestB "$BOX_TMP/b.json" & b=$!
wait $a $b
for s in a b; do
    out=$(cat "$BOX_TMP/$s.json"); echo "load $s: $out"
    check_eq "$s: $HALF answers of 200" "$HALF" "$(json_get "$out" 'd["status"].get("200", 0)')"
    check_eq "$s: no failed requests" 0 "$(json_get "$out" 'd["errors"]')"
done

f=$R/var/log/dgo/dgo.log
check_eq "$N lines in the file" "$N" "$(grep -c "(claimed:LoadTest[AB]) info load message [0-9]* from LoadTest[AB] of run $$\$" "$f")"
check_eq "each message exactly once in the file" "$N" \
        "$(grep -o "load message [0-9]* from LoadTest[AB] of run $$" "$f" | sort -u | wc -l)"
check_eq "every line names its own sender" 0 \
        "$(grep -c -E "LoadTestA\) info .* from LoadTestB|LoadTestB\) info .* from LoadTestA" "$f")"
box_journal_sync
check_eq "$N journal entries" "$N" "$(box_journal 'DGO_CLAIMED_SERVICE=LoadTestA' + 'DGO_CLAIMED_SERVICE=LoadTestB' -o cat | grep -c "of run $$\$")"
for s in A B; do
    j=$(box_journal "DGO_CLAIMED_SERVICE=LoadTest$s" -o cat)
    check_eq "journalctl DGO_CLAIMED_SERVICE=LoadTest$s: $HALF entries, all its own" "$HALF" \
            "$(grep -c "^load message [0-9]* from LoadTest$s of run $$\$" <<<"$j")"
    check_eq "journalctl -t 'anonymous(claimed:LoadTest$s)': the same $HALF" "$HALF" \
            "$(box_journal -t "anonymous(claimed:LoadTest$s)" -o cat | grep -c "from LoadTest$s of run $$\$")"
done
# Large messages at once (a few of them fill a batch's 128 KiB, so a batch
# may be written early, from inside the handler; the bound itself is
# unit-tested in test-log_sink): every one answered, whole, once.
big=$(head -c 61440 /dev/zero | tr '\0' x)
out=$(python3 "$TOOLS/httpload.py" post http://127.0.0.1:4000/log --count 40 --concurrency 20 \
        --body "[LargeTest] - $big {i} of run $$") || true
check_eq "40 large messages from 20 clients: 40 answers of 200" 40 "$(json_get "$out" 'd["status"].get("200", 0)')"
check_eq "40 whole lines of them in the file" 40 \
        "$(grep "(claimed:LargeTest) info x* [0-9]* of run $$\$" "$f" | awk 'length > 61440' | wc -l)"
box_journal_sync
check_eq "40 journal entries of them" 40 "$(box_journal DGO_CLAIMED_SERVICE=LargeTest -o cat | grep -c "of run $$\$")"
check_eq "journald suppressed nothing" 0 "$(box_journal -u dgo-log.service -o cat | grep -c Suppressed)"
check_eq "the service did not restart" 0 "$(restarts dgo-log.service)"

finish
