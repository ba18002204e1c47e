#!/bin/bash
# Proves dgo's own traffic is authenticated (issue 13, part 1; docs/security.md,
# "Authentication between dgo's services"): the installation secret
# /etc/dgo/secret exists, mode 0600 root, and a dynamic user cannot read it
# except through LoadCredential=; a patch (POST /services) without the registry's token (none, forged, or another
# dgo service's genuine one) to the grading or the log service is refused
# 403 and changes nothing (the grading service still forwards its lines to
# the real log service), while the registry's own patches still arrive (the
# grading service learnt its LogService from them); the grading
# service's forwarded log lines carry the verified DGO_SERVICE=GradingService;
# an anonymous client's claimed name, plain or JSON, is recorded as
# DGO_SERVICE=anonymous plus DGO_CLAIMED_SERVICE= and "anonymous(claimed:X)"
# in the file, and still gets its 200.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

G=http://127.0.0.1:6000

check "systemctl start dgo.target" ct_exec systemctl start dgo.target
for port in 3000 4000 6000; do
    check "port $port listens" wait_until 10 port_listens $port
done

# The registry's patches arrive: the grading service finds the log service
# only through them, so its forwarded lines reaching dgo-log prove it.
grade() {   # grade TITLE -> status
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
        -d '{"Title":"'"$1"'","Type":"Quiz","Score":77}' "$G/students/1/grades" || true
}
journal_has() { box_journal_sync; grep -q "$2" <<<"$(box_journal -u dgo-log.service "$1" -o cat)"; }
curl -s -o /dev/null --max-time 10 "$G/students" || true       # starts it; it registers
check "the grading service registered" \
        eventually 10 'box_journal -u dgo-grading.service -o cat | grep -q "Registered as GradingService"'
check_eq "a grade is added" 201 "$(grade "Auth quiz $$")"
check "the grading service's forwarded line arrives (it learnt LogService from the registry's patch)" \
        wait_until 10 journal_has DGO_SERVICE=GradingService "Auth quiz $$"

# The secret (made by dgo-secret.service when the first service started).
check_eq "/etc/dgo/secret is mode 0600, root's" "600 root root" "$(ct_exec stat -c '%a %U %G' /etc/dgo/secret)"
check_match "it holds 64 hex digits" '^[0-9a-f]{64}$' "$(cat "$R/etc/dgo/secret")"
check "a dynamic user cannot read it" \
        bash -c "! ct_exec systemd-run --quiet --wait --pipe -p DynamicUser=yes cat /etc/dgo/secret >/dev/null 2>&1"
check_eq "...but reads the unit's own copy through LoadCredential=" "$(cat "$R/etc/dgo/secret")" \
        "$(ct_exec systemd-run --quiet --wait --pipe -p DynamicUser=yes -p LoadCredential=dgo-secret:/etc/dgo/secret \
            sh -c 'cat "$CREDENTIALS_DIRECTORY/dgo-secret"' 2>/dev/null)"
for unit in dgo-registry dgo-log dgo-grading dgo-portal; do
    check_match "$unit.service loads the credential" '^LoadCredential=dgo-secret:/etc/dgo/secret$' \
            "$(ct_exec systemctl cat $unit.service)"
done

# Patches from anyone else are refused and change nothing.
EVIL='{"Added":[{"Name":"LogService","URL":"http://127.0.0.1:9"}],"Removed":[{"Name":"LogService","URL":"http://127.0.0.1:4000"}]}'
patch() {   # patch URL [HEADER] -> status
    local h=()
    [ -n "${2:-}" ] && h=(-H "$2")
    curl -s -o "$BOX_TMP/patch.body" -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' "${h[@]}" \
        --data-binary "$EVIL" "$1/services" || true
}
forged="Authorization: Dgo ServiceRegistry:$(printf '0%.0s' {1..64})"
for target in $G http://127.0.0.1:4000; do
    check_eq "$target: an anonymous patch is refused" 403 "$(patch $target)"
    check_match "... with a JSON error" '"error"' "$(cat "$BOX_TMP/patch.body")"
    check_eq "$target: a forged registry token is refused" 403 "$(patch $target "$forged")"
    check_eq "$target: the grading service's genuine token is no registry's" 403 \
            "$(patch $target "$(dgo_auth GradingService)")"
    check_eq "$target: another scheme is refused" 403 "$(patch $target "Authorization: Bearer x")"
done
check_eq "another grade is added" 201 "$(grade "Auth after $$")"
check "the grading service still forwards to the real log service" \
        wait_until 10 journal_has DGO_SERVICE=GradingService "Auth after $$"

# The registry's own token does pass (what the registry sends): a harmless patch.
check_eq "a patch with the registry's token is taken" 200 \
        "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' \
            -H "$(dgo_auth ServiceRegistry)" --data-binary '{"Added":[],"Removed":[]}' "$G/services")"

# Log lines of dgo's services carry their verified name.
j=$(box_journal -u dgo-log.service DGO_SERVICE=GradingService -o verbose)
check_eq "... and no claim" 0 "$(grep -c DGO_CLAIMED_SERVICE <<<"$j")"
check_match "its file line names GradingService" "Z GradingService info .*Auth quiz $$" \
        "$(grep "Auth quiz $$" "$R/var/log/dgo/dgo.log")"

# An anonymous client may still log, but only as a claim.
check_eq "an anonymous [GradingService] line gets 200" 200 "$(post_log "[GradingService] - forged $$" text/plain)"
check_eq "an anonymous JSON line claiming sshd gets 200" 200 \
        "$(post_log '{"service":"sshd","priority":"emerg","message":"json forged '$$'"}' application/json)"
box_journal_sync
check "it is not under DGO_SERVICE=GradingService" \
        bash -c "! grep -q 'forged $$' <<<\"\$(ct_exec journalctl --no-pager DGO_SERVICE=GradingService -o cat)\""
j=$(box_journal -u dgo-log.service DGO_CLAIMED_SERVICE=GradingService -o verbose)
check_match "it is DGO_CLAIMED_SERVICE=GradingService" "MESSAGE=forged $$" "$j"
check_match "... with DGO_SERVICE=anonymous" "DGO_SERVICE=anonymous" "$j"
check_match "the file line says it was claimed" "Z anonymous\(claimed:GradingService\) info forged $$\$" \
        "$(cat "$R/var/log/dgo/dgo.log")"
check_match "the JSON claim too" "MESSAGE=json forged $$" "$(box_journal DGO_CLAIMED_SERVICE=sshd -o verbose)"
check_match "... in the file" "Z anonymous\(claimed:sshd\) emerg json forged $$\$" "$(cat "$R/var/log/dgo/dgo.log")"
finish
