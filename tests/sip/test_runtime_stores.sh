#!/bin/sh
# Each tenant's consent ledger and vault in the running runtime (G4, G7, G8): keys made
# on the first start (0600, per tenant), a FLOW_VERSION record for every flow version
# that goes into force (hot reload included), the retention sweeper deleting what
# expired while the runtime runs with one EXPIRED record each, the audit CLI appending
# to the same ledger at the same time, and a ledger that verifies after all of it. A
# tenant whose key file is unsafe gets no ledger but its calls are still answered.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

S="$T/scripts"
D="$T/data"
mkdir -p "$S/shop" "$S/bakery"
printf 'call:answer()\ncall:play("_callwarden:fallback")\ncall:hangup()\n' >"$S/shop/flow.lua"
printf 'call:answer()\ncall:hangup()\n' >"$S/bakery/flow.lua"
show() { "$CW_BIN" audit show --data "$D" --tenant "$1"; }

cw_pick_ports 20
cw_start --scripts "$S" --retention-sweep-s 1 --reload-debounce-ms 50
for t in shop bakery; do
    for k in ledger.key master.key; do
        [ "$(stat -c %a "$D/$t/$k")" = 600 ] || cw_fail "$t/$k is not 0600"
    done
done
cw_expect_log 'tenant=shop made its ledger keys'
# the keys in memory: locked (never swapped), and no core file that could hold them
grep -q '^Max core file size *0 *0 ' "/proc/$CW_PID/limits" || cw_fail "core dumps are allowed"
# (AddressSanitizer turns mlock into a no-op that reports success: checked without it)
if ! grep -q __asan_init "$CW_BIN"; then
    lck=$(awk '/^VmLck:/ { print $2 }' "/proc/$CW_PID/status")
    [ "${lck:-0}" -gt 0 ] || cw_expect_log 'cannot lock' "the keys are not locked in memory and no warning says so"
fi
cmp -s "$D/shop/master.key" "$D/bakery/master.key" && cw_fail "two tenants share a key"
v1=$(sed -n 's/.*tenant=shop version=\([0-9a-f]*\) loaded.*/\1/p' "$T/runtime.log")
[ -n "$v1" ] || cw_fail "tenant shop did not load"
# the CLI reads (and logs its reading) while the runtime's writer holds the ledger
out=$(show shop) || cw_fail "audit show while running: $out"
echo "$out" | grep -q "^FLOW_VERSION seq=1 .*\"flow_hash\":\"$v1" || cw_fail "no FLOW_VERSION record: $out"
show bakery | grep -q '"tenant":"bakery"' || cw_fail "bakery's ledger holds no record of its own"
show bakery | grep -q '"tenant":"shop"' && cw_fail "a record of shop is in bakery's ledger"

# retention while running: one artifact expires in 0.5 s, one in 2100
soon=$(( $(date +%s%3N) + 500 ))
a=$("$CW_BINARY_DIR/tests/vault_tool" put "$D" shop "+49 30 555" \
    44444444-4444-4444-8444-444444444444 recording $soon "hold music request") || cw_fail "put"
a=${a##*artifact=}
"$CW_BINARY_DIR/tests/vault_tool" put "$D" shop "+49 30 555" \
    44444444-4444-4444-8444-444444444444 transcript 4102444800000 "stays" >/dev/null || cw_fail "put"
cw_wait_log 'tenant=shop expired=1 deleted' 10
out=$(show shop)
echo "$out" | grep -q "^EXPIRED .*\"id\":\"$a\"" || cw_fail "no EXPIRED record for $a: $out"
rc=0; "$CW_BINARY_DIR/tests/vault_tool" get "$D" shop "$a" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || cw_fail "the expired artifact still opens"

# a hot reload puts a new flow version into force: logged
printf 'call:answer()\ncall:hangup()\n-- v2\n' >"$S/shop/flow.lua.tmp"
mv "$S/shop/flow.lua.tmp" "$S/shop/flow.lua"
cw_wait_log 'tenant=shop version=[0-9a-f]{12} swapped' 10
sleep 0.2
[ "$(show shop | grep -c '^FLOW_VERSION ')" = 2 ] || cw_fail "the new flow version was not logged"

cw_stop
out=$("$CW_BIN" audit verify --data "$D" --tenant shop) || cw_fail "verify after the run: $out"

# the second start keeps the keys and continues the ledger
cp "$D/shop/ledger.key" "$T/key.before"
cw_start --scripts "$S"
cmp -s "$D/shop/ledger.key" "$T/key.before" || cw_fail "the keys changed at the second start"
grep -q 'made its ledger keys' "$T/runtime.log" && cw_fail "keys made again at the second start"
cw_stop

# an unsafe key file: no ledger for that tenant, logged, the runtime still serves
chmod 644 "$D/bakery/ledger.key"
cw_start --scripts "$S"
cw_expect_log 'tenant=bakery no consent ledger, so no consent can be recorded'
cw_sipp_ok call "$CW_SCEN/tenant_wait_bye.xml" -s shop
cw_stop
cw_say "ok"
