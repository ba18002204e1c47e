# shellcheck shell=bash
# lib.sh - helpers for tests/multihost/test-*.sh. Source it: . "$REPO/tests/multihost/lib.sh"
#
# run.sh builds the network, boots MH_N boxes (hosts h1..hN, 10.77.0.I) and installs the build
# into each before the test, and exports their state (mh_export); this file imports it, so the
# test has mh-lib.sh's functions on those hosts (mh_exec, mh_on, mh_cut, mh_heal, mh_lose,
# mh_etcd_up, mh_etcdctl, ...), and tests/box/lib.sh's checks (check, check_eq, check_match,
# wait_until, finish: the same PASS:/FAIL:/RESULT: lines, counted the same way by run.sh).
# The box helpers of tests/box/lib.sh act on h1 (CT_PID1, R); on host I: mh_on I box_journal ...
# Then cluster-lib.sh's: a cluster by dgoctl alone and its PostgreSQL under Patroni (each step a
# check; mh_until_ok, mh_dgoctl_cluster, mh_pg_ready, ... listed there).

# shellcheck source=tests/multihost/mh-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mh-lib.sh"
mh_import || echo "lib.sh: no multi-host state (run me through tests/multihost/run.sh)" >&2
# shellcheck disable=SC2034  # R: h1's / seen from here, for the tests (as in tests/box)
CT_PID1=${MH_PID1[1]:-} R=/proc/${MH_PID1[1]:-0}/root
# shellcheck source=tests/box/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../box/lib.sh"

# shellcheck source=tests/multihost/cluster-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cluster-lib.sh"
