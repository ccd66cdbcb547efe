#!/bin/sh
# SIP over TLS: with a throwaway self-signed certificate (agent.pem = key + certificate,
# cafile.pem) the runtime listens on tls:127.0.0.1; an OPTIONS sent through
# `openssl s_client` (Debian's SIPp has no TLS) gets 200 OK over the same connection.
# A certificate directory without agent.pem, or with garbage in it, must make the
# runtime exit non-zero at start with a message that names the problem.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

certs="$T/certs"
mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$certs/key.pem" -out "$certs/cert.pem" \
    -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    >"$T/openssl-req.log" 2>&1 ||
    cw_fail "openssl could not make a certificate"
cat "$certs/key.pem" "$certs/cert.pem" >"$certs/agent.pem"
cp "$certs/cert.pem" "$certs/cafile.pem"

cw_pick_ports
tls_port=$((SIP_PORT + 1))
cw_start --listen "tls:127.0.0.1:$tls_port" --tls-cert-dir "$certs"
cw_expect_log "sips:127.0.0.1:$tls_port" "the runtime does not say it listens for TLS"

# one OPTIONS; keep the connection open until the answer arrived (at most 5 s). The
# client checks that it talks to our certificate (trusted CA file, IP in the SAN).
branch="z9hG4bK-$$-tls"
{
    printf 'OPTIONS sip:demo@127.0.0.1:%s SIP/2.0\r\n' "$tls_port"
    printf 'Via: SIP/2.0/TLS 127.0.0.1:5999;branch=%s;rport\r\n' "$branch"
    printf 'From: <sip:test@127.0.0.1>;tag=tls%s\r\n' "$$"
    printf 'To: <sip:demo@127.0.0.1:%s>\r\n' "$tls_port"
    printf 'Call-ID: tls-%s@127.0.0.1\r\n' "$$"
    printf 'CSeq: 1 OPTIONS\r\n'
    printf 'Max-Forwards: 70\r\n'
    printf 'Content-Length: 0\r\n\r\n'
} >"$T/options.req"
(
    cat "$T/options.req"
    n=0
    while ! grep -q '^SIP/2.0 ' "$T/tls.out" 2>/dev/null && [ $n -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    sleep 0.2
) | timeout -k 2 15 openssl s_client -connect "127.0.0.1:$tls_port" -quiet -no_ign_eof \
    -CAfile "$certs/cafile.pem" -verify_ip 127.0.0.1 -verify_return_error \
    >"$T/tls.out" 2>"$T/tls-client.log" || true
tr -d '\r' <"$T/tls.out" >"$T/tls.txt"
grep -q '^SIP/2.0 200 ' "$T/tls.txt" || cw_fail "no 200 OK to OPTIONS over TLS"
grep -q "branch=$branch" "$T/tls.txt" || cw_fail "the answer is not to our OPTIONS"
grep -qi '^Via: SIP/2.0/TLS' "$T/tls.txt" || cw_fail "the answer's Via does not say TLS"
grep -q 'verify error' "$T/tls-client.log" && cw_fail "the server's certificate did not verify"
cw_stop

# start-up must fail, clearly, with a bad certificate directory: exit non-zero within
# 10 s, never "ready", with a message that names the certificate
bad_start() {
    local tag="$1" what="$2" dir="$3" rc=0 n=0
    : >"$T/bad-$tag.log"
    "$CW_BIN" run --listen "127.0.0.1:$SIP_PORT" --listen "tls:127.0.0.1:$tls_port" \
        --tls-cert-dir "$dir" --rtp-ports "$RTP_LO-$RTP_HI" --data "$T/data" \
        >"$T/bad.out" 2>"$T/bad-$tag.log" </dev/null &
    CW_PID=$!
    while kill -0 "$CW_PID" 2>/dev/null && [ $n -lt 100 ]; do
        grep -q ' main: ready' "$T/bad-$tag.log" && break
        sleep 0.1
        n=$((n + 1))
    done
    if kill -0 "$CW_PID" 2>/dev/null; then
        cw_kill "$CW_PID"
        CW_PID=""
        cw_fail "the runtime started with $what"
    fi
    wait "$CW_PID" || rc=$?
    CW_PID=""
    [ $rc -ne 0 ] || cw_fail "the runtime exited 0 with $what"
    grep -qiE 'tls|certificate|agent\.pem' "$T/bad-$tag.log" ||
        cw_fail "the message for $what does not name the certificate"
    cw_check_sanitizers "$T/bad-$tag.log"
    cw_say "$what: status $rc, $(grep -iE 'tls|certificate|agent\.pem' "$T/bad-$tag.log" | head -n 1)"
}
bad_start missing "a missing directory" "$T/no-such-dir"
mkdir -p "$T/garbage"
echo "not a certificate" >"$T/garbage/agent.pem"
echo "not a certificate" >"$T/garbage/cafile.pem"
bad_start garbage "garbage certificates" "$T/garbage"
cw_say "ok"
