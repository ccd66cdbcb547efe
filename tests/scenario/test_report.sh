#!/bin/sh
# test_report.sh  The reports of `callwarden test`: --junit FILE and --report DIR over the
# praxis scenarios.
#
#   - junit.xml is well-formed XML (python3, else xmllint, else a rough grep) with a
#     testsuite "praxis" and one testcase per scenario file;
#   - report/index.html is self-contained (no script, no external resource) and, loaded
#     in headless Chromium, has one <section class="call"> per scenario file, each with
#     an <svg class="timeline"> that draws at least one rect.heard: every call's timeline
#     is shown.
#
# ctest runs it as scenario_report with CW_SOURCE_DIR and CW_BINARY_DIR, so it runs
# against build/ and build-asan/ alike. Chromium is a required package (make deps).
# CW_KEEP_TMP=1 keeps the temp dir, CW_KEEP_TMP=fail only if the test failed.
set -eu

: "${CW_SOURCE_DIR:?CW_SOURCE_DIR must point at the source tree}"
: "${CW_BINARY_DIR:?CW_BINARY_DIR must point at a build tree}"

CW_TEST=$(basename "$0" .sh)
CW_BIN="$CW_BINARY_DIR/callwarden"
SCEN_DIR="$CW_SOURCE_DIR/scripts/praxis/scenarios"

# The sanitizer builds report to stderr, which the test checks (as tests/sip/lib.sh).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$CW_SOURCE_DIR/tests/sip/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

say() { echo "[$CW_TEST] $*"; }

fail() {
    echo "[$CW_TEST] FAIL: $*" >&2
    exit 1
}

[ -x "$CW_BIN" ] || fail "$CW_BIN is not built"
command -v chromium >/dev/null 2>&1 ||
    fail "chromium is not installed; it is a required package: run \`make deps\`"

T=$(mktemp -d "${TMPDIR:-/tmp}/cw-$CW_TEST-XXXXXX")

cleanup() {
    rc=$?
    trap - EXIT INT TERM
    if [ "$rc" -ne 0 ]; then
        echo "[$CW_TEST] failed (status $rc); the logs:" >&2
        for f in "$T/test.out" "$T/test.err" "$T/chromium.err"; do
            [ -s "$f" ] || continue
            echo "----- $(basename "$f") (last 60 lines) -----" >&2
            tail -n 60 "$f" >&2
        done
    fi
    if [ "${CW_KEEP_TMP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "${CW_KEEP_TMP:-0}" = fail ]; }; then
        echo "[$CW_TEST] kept $T" >&2
    else
        rm -rf "$T"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the scenario files ---------------------------------------------------------------

n=0
for f in "$SCEN_DIR"/*.lua; do
    [ -f "$f" ] || continue
    n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no scenario in $SCEN_DIR"
say "$n scenario files in $SCEN_DIR"

# ---- the run --------------------------------------------------------------------------

rc=0
"$CW_BIN" test --scripts "$CW_SOURCE_DIR/scripts" --policies "$CW_SOURCE_DIR/policies" --quiet \
    --report "$T/report" --junit "$T/junit.xml" "$SCEN_DIR"/*.lua \
    >"$T/test.out" 2>"$T/test.err" </dev/null || rc=$?
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' \
        "$T/test.err"; then
    fail "sanitizer report from callwarden test (see test.err)"
fi
# 0: all passed, 1: a scenario failed (its report is still written); else it broke
case $rc in
    0|1) ;;
    *) fail "callwarden test exited with status $rc" ;;
esac
[ "$rc" -eq 0 ] || say "note: some scenarios failed (status 1); checking the reports anyway"

# ---- JUnit ----------------------------------------------------------------------------

J="$T/junit.xml"
[ -s "$J" ] || fail "--junit wrote nothing to junit.xml"
wf="well-formed"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$J" \
        2>"$T/xml.err" || fail "junit.xml is not well-formed XML: $(tail -n 1 "$T/xml.err")"
elif command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$J" 2>"$T/xml.err" ||
        fail "junit.xml is not well-formed XML: $(head -n 1 "$T/xml.err")"
else
    say "neither python3 nor xmllint: only a rough check of junit.xml"
    wf="roughly checked"
    head -n 1 "$J" | grep -q '^<?xml ' || fail "junit.xml has no XML declaration"
    if ! grep -q '<testsuites' "$J" || ! grep -q '</testsuites>' "$J"; then
        fail "junit.xml has no <testsuites> element"
    fi
fi
grep -q '<testsuite name="praxis" tests="'"$n"'"' "$J" ||
    fail "junit.xml has no <testsuite name=\"praxis\" tests=\"$n\">"
cases=$(grep -c '<testcase ' "$J" || true)
[ "$cases" -eq "$n" ] || fail "junit.xml has $cases testcases, expected $n (one per scenario file)"
for f in "$SCEN_DIR"/*.lua; do
    base=$(basename "$f")
    hits=$(grep -cF "classname=\"callwarden.praxis\" name=\"$base" "$J" || true)
    [ "$hits" -eq 1 ] || fail "junit.xml has $hits testcases for $base, expected 1"
done
say "junit.xml: $wf, $cases testcases"

# ---- HTML -----------------------------------------------------------------------------

H="$T/report/index.html"
[ -s "$H" ] || fail "--report wrote no report/index.html"
if grep -qiE '<script|<link |<img |<iframe|src="|url\(' "$H"; then
    fail "index.html is not self-contained: $(grep -oiE '<script|<link |<img |<iframe|src="|url\(' "$H" | head -n 1)"
fi

# Chromium's profile, caches and settings go to $T, not to the user's home.
mkdir -p "$T/home"
crc=0
HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_CACHE_HOME="$T/home/.cache" \
    timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$T/home/profile" --dump-dom "file://$H" \
    >"$T/dom.html" 2>"$T/chromium.err" </dev/null || crc=$?
[ "$crc" -ne 124 ] || fail "headless chromium did not load index.html within 60 s"
[ "$crc" -eq 0 ] || fail "headless chromium exited with status $crc (see chromium.err)"
[ -s "$T/dom.html" ] || fail "headless chromium dumped no DOM"

# Per <section class="call">: its scenario and whether its timeline draws what was heard
# (rect.heard inside svg.timeline, which the events table follows).
awk '
    { doc = doc $0 " " }
    END {
        while ((i = index(doc, "<section class=\"call\"")) > 0) {
            doc = substr(doc, i + 1)
            e = index(doc, "</section>")
            sec = e ? substr(doc, 1, e) : doc
            name = "?"
            if (match(sec, /data-scenario="[^"]*"/))
                name = substr(sec, RSTART + 15, RLENGTH - 16)
            s = index(sec, "<svg class=\"timeline\"")
            if (!s) { print "no-timeline " name; continue }
            rest = substr(sec, s)
            t = index(rest, "<table")
            if (t)
                rest = substr(rest, 1, t)
            print (index(rest, "<rect class=\"heard\"") ? "ok " : "nothing-heard ") name
        }
    }' "$T/dom.html" >"$T/sections"

sections=$(wc -l <"$T/sections" | tr -d ' ')
[ "$sections" -eq "$n" ] ||
    fail "the rendered report has $sections <section class=\"call\">, expected $n (one per scenario file)"
for f in "$SCEN_DIR"/*.lua; do
    hits=$(grep -cxF "ok $f" "$T/sections" || true)
    if [ "$hits" -ne 1 ]; then
        what=$(grep -F " $f" "$T/sections" | head -n 1 | cut -d' ' -f1)
        case $what in
            no-timeline) fail "the call of $(basename "$f") has no <svg class=\"timeline\">" ;;
            nothing-heard) fail "the timeline of $(basename "$f") draws no rect class=\"heard\"" ;;
            *) fail "the rendered report has $hits sections for $(basename "$f"), expected 1" ;;
        esac
    fi
done
say "index.html: $sections calls, each with its timeline, as rendered by $(HOME="$T/home" chromium --version 2>/dev/null | head -n 1)"
say "ok"
