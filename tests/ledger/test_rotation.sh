#!/bin/sh
# Key rotation (G4): keys rotate hands over in the ledger (a KEY_ROTATED record sealed
# and checkpointed by the old key); older records still open; an auditor holding only
# the first public key follows the chain through an export and a proof; a checkpoint
# signed by a retired key beyond its range, or a missing hand-over, is refused; and a
# rotation while another process appends (a running runtime) loses nothing.
set -eu
: "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
tool="$CW_BINARY_DIR/tests/ledger_load"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-rotate-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "rotation: FAIL: $*" >&2; exit 1; }
D="$T/data"

"$bin" keys init --data "$D" --tenant acme >/dev/null
"$tool" fill "$D" acme 1500 || fail "fill"
out=$("$bin" keys rotate --data "$D" --tenant acme) || fail "rotate: $out"
echo "$out" | grep -q "key k2 in use" || fail "rotate said: $out"
[ "$(wc -l <"$D/acme/ledger.pub")" = 2 ] || fail "ledger.pub does not list both keys"
grep -q '^callwarden/acme/ledger-k2 04[0-9a-f]\{128\}$' "$D/acme/ledger.pub" || fail "no k2 in ledger.pub"
[ "$(stat -c %a "$D/acme/ledger.key")" = 600 ] || fail "the rotated key file is not 0600"
out=$("$bin" audit show --data "$D" --tenant acme) || fail "show: $out"
echo "$out" | grep -q '^KEY_ROTATED seq=1501 {"retired":"k1","next":"k2"}$' || fail "no hand-over record: $(echo "$out" | tail -3)"
echo "$out" | grep -q '^ACCESSED seq=1502 {"access":"keys rotate","what":"k2","by":"cli:[a-z0-9_-]*"}$' || fail "rotate not logged"
echo "$out" | grep -q '^GIVEN seq=1 record 0$' || fail "a record sealed under k1 no longer opens"
"$tool" fill "$D" acme 500 || fail "fill under k2"
"$bin" keys rotate --data "$D" --tenant acme >/dev/null || fail "second rotate"
"$tool" fill "$D" acme 10 || fail "fill under k3"
out=$("$bin" audit verify --data "$D" --tenant acme) || fail "verify after rotations: $out"

# the auditor: the full ledger.pub, and the first key alone
"$bin" audit export --data "$D" --tenant acme --out "$T/acme.export" >/dev/null
out=$("$bin" audit verify "$T/acme.export" --trust "$D/acme/ledger.pub") || fail "export verify: $out"
echo "$out" | grep -q 'checkpoints, keys k1,k2,k3, root [0-9a-f]\{64\}: ok$' || fail "export verify said: $out"
head -n 1 "$D/acme/ledger.pub" >"$T/first.pub"
out=$("$bin" audit verify "$T/acme.export" --trust "$T/first.pub") || fail "export verify from k1 alone: $out"
# a proof of a consent sealed under k2 (consent 1: records 101..200 under k1, 1604..1703 under k2)
cid=00000000-0000-4000-8000-000000000001
out=$("$bin" audit prove --data "$D" --tenant acme --consent $cid --out "$T/c.proof") || fail "prove: $out"
echo "$out" | grep -q "and 2 key rotations" || fail "the proof lacks the rotations: $out"
out=$("$bin" audit verify "$T/c.proof" --trust "$T/first.pub") || fail "proof verify from k1 alone: $out"
echo "$out" | grep -q 'signed by key k3: ok$' || fail "proof verify said: $out"
# a proof without the rotations cannot reach the newest key
rot=$("$bin" audit show --data "$D" --tenant acme | sed -n 's/^KEY_ROTATED seq=\([0-9]*\) .*/\1/p' | tr '\n' ' ')
awk -v rot=" $rot" '$1 == "record" && index(rot, " " $2 " ") { skip = 1; next }
    skip && $1 == "path" { skip = 0; next } { skip = 0; print }' "$T/c.proof" >"$T/norot.proof"
[ "$(grep -c '^record ' "$T/norot.proof")" = 200 ] || fail "the proof without rotations is not what was meant"
rc=0
out=$("$bin" audit verify "$T/norot.proof" --trust "$D/acme/ledger.pub") || rc=$?
[ $rc != 0 ] || fail "a proof without its rotations passed: $out"

# attacks: a retired key signs beyond its range; the hand-over checkpoint is removed
cp "$D/acme/consent.db" "$T/good.db"
"$tool" forge "$D" acme k1 1800 || fail "forge"
rc=0
out=$("$bin" audit verify --data "$D" --tenant acme) || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'checkpoint at 1800: it is signed by the retired key k1, which may sign only sizes 0 to 1501' ||
    fail "a retired key's checkpoint passed: $rc $out"
"$bin" audit export --data "$D" --tenant acme --out "$T/forged.export" >/dev/null
rc=0
out=$("$bin" audit verify "$T/forged.export" --trust "$D/acme/ledger.pub") || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'retired key k1' || fail "the export verify took a retired key's checkpoint: $out"
cp "$T/good.db" "$D/acme/consent.db"; rm -f "$D/acme/consent.db-wal" "$D/acme/consent.db-shm"
"$tool" sql "$D/acme/consent.db" "DELETE FROM checkpoints WHERE size = 1501" || fail "sql"
rc=0
out=$("$bin" audit verify --data "$D" --tenant acme) || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'record 1501: the rotation from key k1 to k2 is not covered by a checkpoint of k1' ||
    fail "a rotation without hand-over passed: $out"
cp "$T/good.db" "$D/acme/consent.db"; rm -f "$D/acme/consent.db-wal" "$D/acme/consent.db-shm"

# a rotation while another process appends one by one: it catches up, reloads the ring
# and goes on under the new key; every append is acknowledged and the ledger verifies
"$tool" fill "$D" acme 3000 1 &
pid=$!
sleep 0.5
out=$("$bin" keys rotate --data "$D" --tenant acme 2>&1) || fail "rotate during appends: $out"
"$bin" audit show --data "$D" --tenant acme --consent 00000000-0000-4000-8000-000000000001 >/dev/null || fail "show during appends"
wait $pid || fail "the appending process lost appends"
out=$("$bin" audit verify --data "$D" --tenant acme) || fail "verify after concurrent rotation: $out"
out=$("$bin" audit show --data "$D" --tenant acme) || fail "show"
[ "$(echo "$out" | grep -c '^GIVEN ')" = 5010 ] || fail "not every append is in the ledger"
echo "$out" | grep -q '^KEY_ROTATED .*"next":"k4"' || fail "no rotation to k4"
echo "rotation: ok"
