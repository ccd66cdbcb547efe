#!/bin/sh
# scenarios.sh  make bench, the compliance scenarios' part (issue 6); prints figures,
# asserts none.
#
#   1. The shipped scenarios (demo, praxis) on the virtual clock: wall time of the run,
#      simulated call time, the ratio to real time (the peer: a real line runs 1x).
#   2. An exploration of N callers per tenant (fixed seed, so runs compare): calls per
#      second and simulated call-seconds per second (the policies' wording is rendered
#      with espeak-ng once per run, included).
# Knobs: BENCH_QUICK=1 (a short run), BENCH_EXPLORE_CALLS.
# Nothing leaves the process; the summary is appended to build/bench/summary.txt.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CW_BINARY_DIR:-$SRC/build}
BIN=$BUILD/callwarden
OUT=$BUILD/bench
W=$OUT/scenarios
if [ "${BENCH_QUICK:-0}" = 1 ]; then N=${BENCH_EXPLORE_CALLS:-300}; else N=${BENCH_EXPLORE_CALLS:-2000}; fi
say() { echo "bench-scenarios: $*"; }
mkdir -p "$W"
src="--scripts $SRC/scripts --policies $SRC/policies"

# shellcheck disable=SC2086
"$BIN" test $src --quiet >"$W/shipped.out" 2>"$W/shipped.log" || true
shipped=$(tail -1 "$W/shipped.out")
say "shipped: $shipped"

# a fresh data directory each run: the policies' wording is rendered once per run
# shellcheck disable=SC2086
"$BIN" test $src --explore "$N" --seed 1 >"$W/explore.out" 2>"$W/explore.log" || true
explore=$(tail -1 "$W/explore.out")
say "explore: $explore"

{
    echo "== compliance scenarios (callwarden test), $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "shipped scenarios:        $shipped"
    echo "explore $N callers/tenant: $explore"
} >>"$OUT/summary.txt"
