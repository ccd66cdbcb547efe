#!/bin/sh
# callwarden check and policies: the repo's policies pass (named directly, through their
# tenant's scripts/ directory, and by default); a broken policy beside a tenant's flow,
# or named on its own, fails with tenant/policy.lua:LINE: for each problem and exit
# status 1.
set -eu
: "${CW_SOURCE_DIR:?}" "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-policy-check-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "policy check: FAIL: $*" >&2; exit 1; }

out=$("$bin" check "$CW_SOURCE_DIR/policies") || fail "the repo's policies do not pass: $out"
for t in demo praxis; do
    echo "$out" | grep -q "^$t/policy.lua: ok, version [0-9a-f]\{12\}$" || fail "no ok line for $t: $out"
done
out=$("$bin" check "$CW_SOURCE_DIR/scripts/demo") || fail "scripts/demo does not pass: $out"
echo "$out" | grep -q '^demo: ok, version ' || fail "no flow line for demo: $out"
echo "$out" | grep -q '^demo/policy.lua: ok, version ' || fail "demo's policy not checked: $out"
out=$("$bin" check) || fail "the default check does not pass: $out"
echo "$out" | grep -q '^praxis/policy.lua: ok' || fail "default check without praxis: $out"
out=$("$bin" check "$CW_SOURCE_DIR/scripts" "$CW_SOURCE_DIR/policies") || fail "both: $out"
[ "$(echo "$out" | grep -c '^demo/policy.lua: ok')" = 1 ] || fail "demo's policy checked twice: $out"

# a tenant with a good flow and a broken policy beside it
mkdir -p "$T/repo/scripts/shop" "$T/repo/policies/shop" "$T/repo/policies/lonely"
printf 'call:answer()\n' >"$T/repo/scripts/shop/flow.lua"
cat >"$T/repo/policies/shop/policy.lua" <<'LUA'
controller { name = "Muster GmbH", contact = "info@muster.example" }
jurisdiction "DE"
languages { default = "de", "de" }
notice { url = "http://muster.example/datenschutz" }
disclosure "de" { text = "Sie sprechen mit einer KI." }
consent "de" { question = "Einverstanden?", accepted = "Danke.", refused = "Gut.", withdrawn = "W." }
level "basic" {
    key = "1",
    purposes = { "call_handling" },
}
level "extended" { key = "1", purposes = { "call_handling" }, retention = "30" }
LUA
printf 'os.execute("true")\n' >"$T/repo/policies/lonely/policy.lua"

rc=0
out=$("$bin" check "$T/repo/scripts/shop") || rc=$?
[ $rc = 1 ] || fail "a broken policy: exit status $rc, expected 1: $out"
for want in "shop: ok, version " \
            "shop/policy.lua:4: notice url \"http://muster.example/datenschutz\" is http://" \
            "shop/policy.lua:7: level \"basic\" has no retention" \
            "shop/policy.lua:11: level \"extended\": retention \"30\" without a unit" \
            "shop/policy.lua:11: level \"extended\": key \"1\" is also the key of level \"basic\" (line 7)" \
            "4 problems in 1 tenant"; do
    echo "$out" | grep -qF "$want" || fail "no \"$want\" in: $out"
done

rc=0
out=$("$bin" check "$T/repo/policies/lonely") || rc=$?
[ $rc = 1 ] && echo "$out" | grep -qF "lonely/policy.lua:1: 'os.execute' is not available in a policy" \
    || fail "a policy on its own: status $rc: $out"

rc=0
out=$("$bin" check "$T/repo/scripts" "$T/repo/policies") || rc=$?
[ $rc = 1 ] || fail "both directories: exit status $rc: $out"
echo "$out" | grep -qF "5 problems in 2 tenants" || fail "both directories: $out"
echo "policy check: ok"
