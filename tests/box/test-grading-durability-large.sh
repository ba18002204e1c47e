#!/bin/bash
# Durability on a school-sized book: test-grading-durability.sh (SIGKILL twice
# under 20 clients' POSTs; every acknowledged grade stored once) with 10,000
# students x 100 grades, imported from an earlier dgo's students.json at the
# first start.
DGO_BOOK=10000x100 exec bash "$REPO/tests/box/test-grading-durability.sh"
