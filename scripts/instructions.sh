#!/usr/bin/env bash
# Instructions per unit of work for W2 (per order: a submit and a cancel) and W4 (per
# journaled event, in-memory SQLite), counted by valgrind's callgrind. Unlike seconds, the
# count does not move with the load of a shared machine, so a change to a hot path can be
# judged in a minute. Each figure is the difference of two run sizes, so start-up cancels out.
#
#   bash scripts/instructions.sh [w2|w4|all]      (needs valgrind: apt-get install valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PYTHONHASHSEED=0  # string hashes and set order fixed: the same count every run
export PYTHONPATH="src:benchmarks${PYTHONPATH:+:$PYTHONPATH}"
command -v valgrind >/dev/null || { echo "valgrind not found: apt-get install valgrind" >&2; exit 1; }

count() {  # instructions of one run of "$@"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$PY" "$@" 2>&1 |
        awk '/Collected/ {print $4}'
}

w2() {
    local a b
    a=$(count benchmarks/w2_orders.py --n 1000)
    b=$(count benchmarks/w2_orders.py --n 3000)
    echo "W2: $(((b - a) / 2000)) instructions per order (submit + cancel)"
}

w4() {
    local code='import sys, w4_journal as w
from bolt_exec.store import SqlOrderStore
n, do = int(sys.argv[1]), sys.argv[2] == "1"
events = w.w2_events(n)
store = SqlOrderStore("sqlite://")
if do:
    w.run(store, events, 1000)
store.close()'
    local a b
    a=$(count -c "$code" 10000 0)
    b=$(count -c "$code" 10000 1)
    echo "W4: $(((b - a) / 40000)) instructions per journaled event (sqlite-memory, batch 1000)"
}

case "${1:-all}" in
    w2) w2 ;;
    w4) w4 ;;
    all) w2; w4 ;;
    *) echo "usage: $0 [w2|w4|all]" >&2; exit 2 ;;
esac
