#!/bin/sh
# The ledger from the command line: keys init makes 0600 keys and never overwrites them;
# audit verify passes on an intact ledger, names the record when one was changed, and
# refuses a key file others can read; audit show prints every record opened, one line
# each starting with its event type, after logging the reading itself as ACCESSED;
# audit export and prove give an auditor what audit verify FILE --trust checks with the
# public key alone.
set -eu
: "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
tool="$CW_BINARY_DIR/tests/ledger_load"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-audit-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "audit_cli: FAIL: $*" >&2; exit 1; }
D="$T/data"

out=$("$bin" keys init --data "$D" --tenant acme) || fail "keys init: $out"
[ "$(stat -c %a "$D/acme/ledger.key")" = 600 ] || fail "the key file is not 0600"
[ "$(stat -c %a "$D/acme")" = 700 ] || fail "the tenant's data directory is not 0700"
grep -q '^callwarden/acme/ledger-k1 04[0-9a-f]\{128\}$' "$D/acme/ledger.pub" || fail "bad ledger.pub"
cp "$D/acme/ledger.key" "$T/key.before"
rc=0
out=$("$bin" keys init --data "$D" --tenant acme) || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "never overwritten" || fail "keys init overwrote or said: $out"
cmp -s "$D/acme/ledger.key" "$T/key.before" || fail "the key file changed"

rc=0
out=$("$bin" audit verify --data "$D" --tenant acme) || rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "no ledger" || fail "verify without a ledger: $rc $out"
for cmd in "show" "export --out $T/x.export" "prove --consent 00000000-0000-4000-8000-000000000001 --out $T/x.proof"; do
    rc=0
    # shellcheck disable=SC2086
    out=$("$bin" audit $cmd --data "$D" --tenant acme) || rc=$?
    [ $rc = 2 ] && echo "$out" | grep -q "no ledger" || fail "audit $cmd without a ledger: $rc $out"
done
[ ! -e "$D/acme/consent.db" ] || fail "a command without a ledger created one"

"$tool" fill "$D" acme 2500 || fail "cannot fill the ledger"
out=$("$bin" audit verify --data "$D" --tenant acme) || fail "verify of an intact ledger: $out"
# verify logs its reading too, after the check (record 2501)
echo "$out" | grep -q ': 2500 records, root [0-9a-f]\{64\}: ok$' || fail "verify said: $out"

out=$("$bin" audit show --data "$D" --tenant acme) || fail "show: $out"
[ "$(echo "$out" | grep -c '^GIVEN seq=[0-9]* record [0-9]*$')" = 2500 ] || fail "show did not print the 2500 records"
[ "$(echo "$out" | grep -c '^ACCESSED seq=2502 {"access":"audit show","what":"all","by":"cli:[a-z0-9_-]*"}$')" = 1 ] ||
    fail "show did not log its access first: $(echo "$out" | tail -2)"
out=$("$bin" audit verify --data "$D" --tenant acme) || fail "verify after show: $out"
echo "$out" | grep -q ': 2502 records' || fail "the ACCESSED records are not in the ledger: $out"

# an auditor with the export and ledger.pub alone
out=$("$bin" audit export --data "$D" --tenant acme --out "$T/acme.export") || fail "export: $out"
out=$("$bin" audit verify "$T/acme.export" --trust "$D/acme/ledger.pub") || fail "verify of the export: $out"
echo "$out" | grep -q ': 2504 records, [1-9][0-9]* checkpoints, keys k1, root [0-9a-f]\{64\}: ok$' ||
    fail "verify of the export said: $out"
# every writer signs at close: the export's own ACCESSED record (2504) is covered too
echo "$out" | grep -q 'not yet covered' && fail "records left uncovered: $out"
# without the newest checkpoint, the records after the one before are named (no problem)
grep -v "^checkpoint $(grep '^checkpoint ' "$T/acme.export" | tail -n 1 | cut -d' ' -f2)\$" \
    "$T/acme.export" >"$T/older.export"
out=$("$bin" audit verify "$T/older.export" --trust "$D/acme/ledger.pub") || fail "older export: $out"
echo "$out" | grep -q '^records [0-9]* to 2504 are not yet covered by a checkpoint$' || fail "uncovered records not named: $out"
# a changed byte in a record line, a dropped record, another key
awk 'BEGIN { OFS = " " } $1 == "record" && $2 == 100 { $4 = "A" substr($4, 2) } { print }' \
    "$T/acme.export" >"$T/changed.export"
cmp -s "$T/acme.export" "$T/changed.export" && fail "the tampering changed nothing"
rc=0
out=$("$bin" audit verify "$T/changed.export" --trust "$D/acme/ledger.pub") || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'the records up to it are not those it signed' || fail "a changed record passed: $out"
grep -v '^record 200 ' "$T/acme.export" >"$T/dropped.export"
rc=0
out=$("$bin" audit verify "$T/dropped.export" --trust "$D/acme/ledger.pub") || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q '^record 201: out of order or records missing' || fail "a dropped record passed: $out"
"$bin" keys init --data "$T/other" --tenant acme >/dev/null
rc=0
out=$("$bin" audit verify "$T/acme.export" --trust "$T/other/acme/ledger.pub") || rc=$?
[ $rc = 1 ] || fail "another key's ledger.pub was trusted: $out"

# a proof of one consent's records (records 701..800 belong to consent ...007)
cid=00000000-0000-4000-8000-000000000007
out=$("$bin" audit prove --data "$D" --tenant acme --consent "$cid" --out "$T/c7.proof") || fail "prove: $out"
echo "$out" | grep -q "^proof of 100 records of consent $cid" || fail "prove said: $out"
out=$("$bin" audit verify "$T/c7.proof" --trust "$D/acme/ledger.pub") || fail "verify of the proof: $out"
echo "$out" | grep -q ': 100 records proven in the tree of [0-9]* signed by key k1: ok$' ||
    fail "verify of the proof said: $out"
[ "$(grep -c '^record ' "$T/c7.proof")" = 100 ] || fail "the proof holds other records"
awk '$1 == "record" && $2 == 750 { $3 = "A" substr($3, 2) } { print }' "$T/c7.proof" >"$T/bad.proof"
rc=0
out=$("$bin" audit verify "$T/bad.proof" --trust "$D/acme/ledger.pub") || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q '^record 750: not in the signed tree' || fail "a changed proven record passed: $out"
rc=0
out=$("$bin" audit prove --data "$D" --tenant acme --consent 00000000-0000-4000-8000-999999999999 \
    --out "$T/none.proof") || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "no record of consent" || fail "prove of an unknown consent: $out"

"$tool" flip "$D/acme/consent.db" 1234 || fail "cannot tamper"
rc=0
out=$("$bin" audit verify --data "$D" --tenant acme) || rc=$?
[ $rc = 1 ] || fail "verify of a tampered ledger exited $rc: $out"
echo "$out" | grep -q '^record 1234: its body does not authenticate' || fail "verify did not name record 1234: $out"
echo "$out" | grep -q 'PROBLEMS FOUND$' || fail "verify did not sum up: $out"
out=$("$bin" audit show --data "$D" --tenant acme) || fail "show of a tampered ledger: $out"
echo "$out" | grep -q '^GIVEN seq=1234 (does not authenticate' || fail "show did not mark record 1234"

# another key file (another tenant's, a wrong backup): refused before anything is written
cp "$D/acme/ledger.key" "$T/acme.key"
cp "$T/other/acme/ledger.key" "$D/acme/ledger.key"
sum_before=$(cat "$D/acme/consent.db"* | sha256sum)
for cmd in "show" "verify" "export --out $T/w.export"; do
    rc=0
    # shellcheck disable=SC2086
    out=$("$bin" audit $cmd --data "$D" --tenant acme) || rc=$?
    [ $rc != 0 ] || fail "audit $cmd with another key file exited 0: $out"
done
"$bin" audit show --data "$D" --tenant acme | grep -q "the key file does not match this ledger" ||
    fail "a wrong key file is not named"
[ "$(cat "$D/acme/consent.db"* | sha256sum)" = "$sum_before" ] || fail "a wrong key file changed the ledger"
cp "$T/acme.key" "$D/acme/ledger.key"

chmod 644 "$D/acme/ledger.key"
rc=0
out=$("$bin" audit verify --data "$D" --tenant acme) || rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "readable by others" || fail "a 0644 key file was used: $out"
rc=0
"$bin" audit verify --data "$D" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "verify without --tenant exited $rc"
echo "audit_cli: ok"
