#!/bin/sh
# egress.sh  make bench, the egress gate's part (issue 7); prints figures, asserts none.
#
# An HTTPS server on loopback (tests/egress/https_server.py, a CA made for the run), a
# policy that allows it, then bench_egress: the gate's decision alone (ns), and small
# chat requests through cw_egress_send against the same requests sent with libcurl
# directly (requests/s, the ratio, the gate's overhead per request).
# Knobs: BENCH_QUICK=1 (fewer requests), BENCH_EGRESS_REQUESTS, BENCH_EGRESS_CONC.
# Traffic stays on 127.0.0.1; the summary is appended to build/bench/summary.txt.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CW_BINARY_DIR:-$SRC/build}
OUT=$BUILD/bench
W=$OUT/egress
if [ "${BENCH_QUICK:-0}" = 1 ]; then N=${BENCH_EGRESS_REQUESTS:-500}; else N=${BENCH_EGRESS_REQUESTS:-5000}; fi
CONC=${BENCH_EGRESS_CONC:-4}
say() { echo "bench-egress: $*"; }
rm -rf "$W"
mkdir -p "$W/policy"
sh "$SRC/tests/egress/make_certs.sh" "$W/pki"
/usr/bin/python3 "$SRC/tests/egress/https_server.py" --listen 127.0.0.1:0 \
    --port-file "$W/port" --cert "$W/pki/server.pem" --key "$W/pki/server.key" 2>"$W/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
i=0
while [ ! -s "$W/port" ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || { say "the server did not start: $(cat "$W/server.err")"; exit 1; }
    sleep 0.1
done
PORT=$(cat "$W/port")
sed -e "s/@GOOD@/$PORT/g" -e "s/@ROGUE@/1/g" -e "s/@TLS11@/1/g" -e "s/@DOWN@/1/g" -e "s/@SLOW@/1/g" -e "s/@STUCK@/1/g" -e "s/@CRM@/1/g" \
    "$SRC/tests/egress/tenant/policy.lua" >"$W/policy/policy.lua"
URL="https://127.0.0.1:$PORT/v1/chat/completions"
"$BUILD/tests/bench_egress" "$W/policy" "$URL" "$W/pki/ca.pem" "$N" "$CONC" | tee "$W/out"
{
    echo "== egress gate (G6), $(date -u +%Y-%m-%dT%H:%MZ)"
    cat "$W/out"
} >>"$OUT/summary.txt"
