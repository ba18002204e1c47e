#!/bin/bash
# Proves the units are sandboxed: `systemd-analyze security` rates every dgo
# service (registry, log, grading, portal) at an exposure of 2.0 or lower;
# dgo-registry runs as its own system user, the others as dynamic users.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

for unit in dgo-registry dgo-log dgo-grading dgo-portal; do
    line=$(ct_exec systemd-analyze security --no-pager "$unit.service" 2>&1 | tail -n 1) || true
    echo "$line"
    score=$(sed -n 's/.*exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$line")
    check "$unit.service: exposure ${score:-?} <= 2.0" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'
done
check_eq "dgo-registry runs as its own system user, not root" dgo-registry \
        "$(box_unit_prop dgo-registry.service User)"
for unit in dgo-log dgo-grading dgo-portal; do
    check_eq "$unit runs as a dynamic user" yes "$(box_unit_prop "$unit.service" DynamicUser)"
done
finish
