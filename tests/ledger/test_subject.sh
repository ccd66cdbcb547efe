#!/bin/sh
# A data subject's rights (G4, G5, G7): subject export gives the caller's number,
# consent records and decrypted content; subject erase destroys the caller's key and
# content (crypto-shredding) and logs ERASED, while the consent proof stays and the
# ledger still verifies; vault reconcile erases again after a backup brought keys back;
# vault sweep deletes what expired (on a given clock, too) with one EXPIRED record each.
# Neither the number nor the content is ever in clear in a file or in the ledger.
set -eu
: "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
tool="$CW_BINARY_DIR/tests/vault_tool"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-subject-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "subject: FAIL: $*" >&2; exit 1; }
D="$T/data"
far=4102444800000                       # 2100-01-01: no expiry during the test

"$bin" keys init --data "$D" --tenant acme >/dev/null || fail "keys init"
[ "$(stat -c %a "$D/acme/master.key")" = 600 ] || fail "master.key is not 0600"
A="+49 30 1234567"
B="+49 89 7654321"
C1=11111111-1111-4111-8111-111111111111
C2=22222222-2222-4222-8222-222222222222
C3=33333333-3333-4333-8333-333333333333
big=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "SECRET-TRANSCRIPT-4711 line %d. ", i }')
a1=$("$tool" put "$D" acme "$A" $C1 recording $far "$big") || fail "put"
a2=$("$tool" put "$D" acme "+49-30-1234567" $C2 transcript $far "small SECRET-TRANSCRIPT-4711") || fail "put"
b1=$("$tool" put "$D" acme "$B" $C3 transcript $far "B-CONTENT-0815") || fail "put"
refA=${a1%% *}; refA=${refA#subject=}
[ "${a2%% *}" = "subject=$refA" ] || fail "two spellings of one number are two subjects"
a1=${a1##*artifact=}; a2=${a2##*artifact=}; b1=${b1##*artifact=}
for c in $C1 $C2; do "$tool" given "$D" acme "$A" $c || fail "given"; done
"$tool" given "$D" acme "$B" $C3 || fail "given"
# nothing in clear: not the content, not the number (in any spelling), in no file
grep -r -a -l -e "SECRET-TRANSCRIPT" -e "B-CONTENT" -e "49301234567" -e "1234567" "$D" &&
    fail "plaintext in a file"

# Art. 15
out=$("$bin" subject export "$A" --data "$D" --tenant acme --out "$T/exp") || fail "export: $out"
echo "$out" | grep -q "subject $refA of tenant acme: 2 consent records, all artifacts" || fail "export said: $out"
j="$T/exp/subject.json"
grep -q '"number":"+49301234567"' "$j" || fail "the export lacks the number"
[ "$(grep -o '"event_type":"GIVEN"' "$j" | wc -l)" = 2 ] || fail "the export lacks the consent records"
grep -q "\"consent_id\":\"$C3\"" "$j" && fail "the export holds another caller's record"
[ "$(cat "$T/exp/$a1.bin")" = "$big" ] || fail "the exported recording differs"
[ "$(cat "$T/exp/$a2.bin")" = "small SECRET-TRANSCRIPT-4711" ] || fail "the exported transcript differs"
[ ! -e "$T/exp/$b1.bin" ] || fail "another caller's content was exported"
[ "$(stat -c %a "$T/exp")" = 700 ] || fail "the export directory is not 0700"
show=$("$bin" audit show --data "$D" --tenant acme)
echo "$show" | grep -q "^ACCESSED .*\"access\":\"subject export\",\"what\":\"subject $refA\"" || fail "the export was not logged"
echo "$show" | grep -q -e "1234567" -e "SECRET" && fail "the ledger holds the number or content in clear"
rc=0
out=$("$bin" subject export "$A" --data "$D" --tenant acme --out "$T/exp") || rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "give a new directory" || fail "export over an existing directory: $out"

# Art. 17, with a backup taken before (for reconcile below)
mkdir "$T/backup"
cp -a "$D/acme/keys.db"* "$D/acme/content.db"* "$D/acme/blobs" "$T/backup/"
out=$("$bin" subject erase "$A" --data "$D" --tenant acme) || fail "erase: $out"
echo "$out" | grep -q "erased subject $refA of tenant acme: key destroyed, 2 artifacts deleted; its 2 consent records stay as proof" || fail "erase said: $out"
rc=0; "$tool" get "$D" acme "$a1" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "an erased recording still opens ($rc)"
rc=0; "$tool" get "$D" acme "$a2" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "an erased transcript still opens ($rc)"
[ "$("$tool" get "$D" acme "$b1")" = "B-CONTENT-0815" ] || fail "another caller's content was erased"
for f in "$D/acme/keys.db-wal" "$D/acme/content.db-wal"; do
    [ ! -s "$f" ] || fail "$f still holds pages after the erasure"
done
out=$("$bin" audit verify --data "$D" --tenant acme) || fail "verify after erasure: $out"
show=$("$bin" audit show --data "$D" --tenant acme)
echo "$show" | grep -q "^ERASED .*\"subject_ref\":\"$refA\",\"reason\":\"art17_request\",\"artifacts\":2,\"consents\":\\[\"$C1\",\"$C2\"\\]" || fail "no ERASED record: $(echo "$show" | grep ERASED)"
[ "$(echo "$show" | grep -c "^GIVEN .*\"subject_ref\":\"$refA\"")" = 2 ] || fail "the consent proof went with the content"
rc=0
out=$("$bin" subject export "$A" --data "$D" --tenant acme --out "$T/exp2") || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "no data about this number" || fail "export after erasure: $out"
rc=0
out=$("$bin" subject erase "$A" --data "$D" --tenant acme) || rc=$?
[ $rc = 1 ] || fail "a second erase: $out"

# a restore from the backup brings the key back; reconcile destroys it again
rm -f "$D/acme/keys.db"* "$D/acme/content.db"*; rm -rf "$D/acme/blobs"
cp -a "$T/backup/"* "$D/acme/"
[ "$("$tool" get "$D" acme "$a2")" = "small SECRET-TRANSCRIPT-4711" ] || fail "the restore did not bring the content back (test setup)"
out=$("$bin" vault reconcile --data "$D" --tenant acme) || fail "reconcile: $out"
echo "$out" | grep -q "1 erased subjects and 0 erased consents; 1 keys had come back" || fail "reconcile said: $out"
rc=0; "$tool" get "$D" acme "$a2" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "content opens after reconcile ($rc)"
[ "$("$tool" get "$D" acme "$b1")" = "B-CONTENT-0815" ] || fail "reconcile erased another caller"
out=$("$bin" vault reconcile --data "$D" --tenant acme) || fail "reconcile again: $out"
echo "$out" | grep -q "0 keys had come back" || fail "a second reconcile: $out"

# retention (G7): by the clock, and on a given one
soon=$(( $(date +%s%3N) + 700 ))
e1=$("$tool" put "$D" acme "$B" $C3 recording $soon "expires soon") || fail "put"
e1=${e1##*artifact=}
"$tool" put "$D" acme "$B" $C3 recording $far "expires in 2100" >/dev/null || fail "put"
out=$("$bin" vault sweep --data "$D" --tenant acme) || fail "sweep: $out"
echo "$out" | grep -q ": 0 artifacts expired" || fail "a sweep deleted early: $out"
sleep 1
out=$("$bin" vault sweep --data "$D" --tenant acme) || fail "sweep: $out"
echo "$out" | grep -q ": 1 artifacts expired and deleted, 1 EXPIRED records" || fail "sweep said: $out"
rc=0; "$tool" get "$D" acme "$e1" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "an expired artifact still opens"
"$bin" audit show --data "$D" --tenant acme | grep -q "^EXPIRED .*\"id\":\"$e1\",\"purpose\":\"recording\"" || fail "no EXPIRED record"
out=$("$bin" vault sweep --data "$D" --tenant acme --now $((far + 1))) || fail "sweep on a given clock: $out"
echo "$out" | grep -q ": 2 artifacts expired and deleted, 2 EXPIRED records" || fail "the sweep in 2100 said: $out"
out=$("$bin" audit verify --data "$D" --tenant acme) || fail "verify at the end: $out"

# refusals change nothing
rc=0; out=$("$bin" subject erase "not a number" --data "$D" --tenant acme) || rc=$?
[ $rc = 2 ] || fail "a bad number: $rc $out"
rc=0; out=$("$bin" subject erase "$A" --data "$D" --tenant nobody) || rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "no ledger" || fail "an unknown tenant: $out"
rc=0; out=$("$bin" vault sweep --data "$D" --tenant acme --now soon 2>&1) || rc=$?
[ $rc = 2 ] || fail "a bad --now: $out"
echo "subject: ok"
