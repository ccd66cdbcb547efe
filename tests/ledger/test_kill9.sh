#!/bin/sh
# Durability of the ledger writer (G2's "durably committed", G4): a process appends with
# 500 records in flight and prints each record the ledger acknowledged (its callback
# ran, after COMMIT); it is killed with SIGKILL at a random moment, five times in a row
# on the same file. Every acknowledged record must be in the ledger with its body, the
# sequence without holes, and appending must go on after each kill.
set -eu
: "${CW_BINARY_DIR:?}"
tool="$CW_BINARY_DIR/tests/ledger_load"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-ledger-kill9-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "ledger_kill9: FAIL: $*" >&2; exit 1; }

total=0
for round in 1 2 3 4 5; do
    "$tool" append "$T/consent.db" 500 20 >"$T/acks.$round" 2>"$T/err.$round" &
    pid=$!
    # 0.3 .. 1.2 s, from the clock: a different moment every round and run
    ms=$(( 300 + ($(date +%N | sed 's/^0*//;s/^$/0/') / 1000000) % 900 ))
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -KILL "$pid" 2>/dev/null || fail "round $round: the appender ended before the kill"
    wait "$pid" 2>/dev/null || true
    n=$(grep -c '^ack ' "$T/acks.$round" || true)
    [ "$n" -gt 0 ] || fail "round $round: nothing was acknowledged in $ms ms ($(cat "$T/err.$round"))"
    out=$("$tool" verify "$T/consent.db" "$T/acks.$round") || fail "round $round: $out"
    total=$((total + n))
    echo "ledger_kill9: round $round killed after $ms ms: $out"
done
echo "ledger_kill9: ok, $total acknowledged records survived 5 kills"
