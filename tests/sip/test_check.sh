#!/bin/sh
# callwarden check: the repo's tenants pass; a typo (undefined global), a syntax error
# in flow.lua or in a module, and a path that is no tenant each fail with file:line and
# exit status 1.
set -eu
bin="$CW_BINARY_DIR/callwarden"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-check-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "check: FAIL: $*" >&2; exit 1; }

out=$("$bin" check "$CW_SOURCE_DIR/scripts") || fail "the repo's tenants do not pass: $out"
echo "$out" | grep -q '^demo: ok, version [0-9a-f]\{12\}$' || fail "no ok line for demo: $out"

mkdir -p "$T/typo" "$T/broken" "$T/badmod/lib"
printf 'call:answer()\ncal:play("welcome")\nlocal greeting = "hi"\ncall:log(greting)\n' >"$T/typo/flow.lua"
printf 'call:answer()\nif true then\n' >"$T/broken/flow.lua"
printf 'local m = require("lib.util")\nm.go(call)\n' >"$T/badmod/flow.lua"
printf 'return { go = function(c) c:play("x") end\n' >"$T/badmod/lib/util.lua"

rc=0
out=$("$bin" check "$T") || rc=$?
[ $rc = 1 ] || fail "broken tenants: exit status $rc, expected 1: $out"
for want in "typo/flow.lua:2: undefined global 'cal'" \
            "typo/flow.lua:4: undefined global 'greting'" \
            "broken/flow.lua:3: 'end' expected" \
            "badmod/lib/util.lua:2: " \
            "4 problems in 3 tenants"; do
    echo "$out" | grep -qF "$want" || fail "no \"$want\" in: $out"
done
echo "$out" | grep -q "^typo: ok" && fail "typo passed"

rc=0
"$bin" check "$T/nothing-here" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "a missing directory: exit status $rc"
rc=0
out=$("$bin" check "$T/typo") || rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "^typo/flow.lua:2:" || fail "a single tenant directory: $out"
echo "check: ok"
