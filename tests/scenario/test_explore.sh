#!/bin/sh
# callwarden test --explore: a bounded exploration of both demo tenants, no guarantee
# broken. The seed is the commit's (its hash's first 8 hex digits, else the date): the
# same commit explores the same callers every time, each commit other ones; it is
# printed, and a violation found here replays with --explore 1 --seed. An explored call
# replays exactly from its seed; bad options are refused.
set -eu
: "${CW_SOURCE_DIR:?}" "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-scenario-explore-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "scenario explore: FAIL: $*" >&2; exit 1; }
src="--scripts $CW_SOURCE_DIR/scripts --policies $CW_SOURCE_DIR/policies"
n=${CW_EXPLORE_CALLS:-150}
head=$(git -C "$CW_SOURCE_DIR" rev-parse HEAD 2>/dev/null | cut -c1-8)
seed=${CW_EXPLORE_SEED:-$(printf '%d' "0x${head:-$(date +%Y%m%d)}")}
echo "scenario explore: seed $seed"

# shellcheck disable=SC2086
"$bin" test $src --explore "$n" --seed "$seed" demo praxis >"$T/out" 2>"$T/log" || {
    cat "$T/out"; fail "the exploration found guarantee violations (above; replay each)"; }
cat "$T/out" | tail -1
grep -q "^explore: $((2 * n)) calls, 0 with guarantee violations" "$T/out" || fail "summary: $(tail -1 "$T/out")"

# the second call of a run, replayed alone from its seed, has the same timeline
# shellcheck disable=SC2086
"$bin" test $src --explore 3 --seed 42 --timelines praxis 2>/dev/null >"$T/three"
seed=$(grep -o 'explored caller, seed [0-9]*' "$T/three" | sed -n 2p | awk '{print $4}')
[ -n "$seed" ] || fail "no seed of the second call: $(cat "$T/three")"
block() { awk -v s="seed $1" 'index($0, s) && /explored caller/ {on=1} on && (/^$/ || /^explore: /) {exit} on' "$2"; }
block "$seed" "$T/three" >"$T/a"
# shellcheck disable=SC2086
"$bin" test $src --explore 1 --seed "$seed" --timelines praxis 2>/dev/null >"$T/one"
block "$seed" "$T/one" >"$T/b"
[ "$(wc -l <"$T/a")" -gt 5 ] || fail "the timeline of seed $seed is too short: $(cat "$T/a")"
cmp -s "$T/a" "$T/b" || fail "seed $seed does not replay: $(diff "$T/a" "$T/b")"

# bad options: a clear message and status 2
for bad in "--explore 0" "--explore x" "--seed -1 --explore 1"; do
    # shellcheck disable=SC2086
    if "$bin" test $src $bad praxis >"$T/bad" 2>&1; then fail "$bad accepted"; fi
    grep -q "callwarden test: --" "$T/bad" || fail "$bad: $(cat "$T/bad")"
done
mkdir "$T/used"
# shellcheck disable=SC2086
if "$bin" test $src --keep "$T/used" praxis >"$T/bad" 2>&1; then fail "--keep of an existing dir"; fi
grep -q "names a new directory" "$T/bad" || fail "--keep existing: $(cat "$T/bad")"
echo "scenario explore: ok"
