#!/bin/sh
# The admin API over HTTPS (issue 8): with a certificate and key it serves TLS 1.2 and
# 1.3 only (TLS 1.1 is refused in the handshake, plain HTTP on the port gets nothing),
# with the certificate verified against the test's own CA; an unreadable key stops the
# start with a reason; without TLS only a loopback address is served (test_api.sh).
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

sh "$CW_SOURCE_DIR/tests/egress/make_certs.sh" "$T/pki"
cw_pick_ports 20
ADMIN="127.0.0.1:$((SIP_PORT + 1))"
cw_start --admin-listen "$ADMIN" --admin-tls-cert "$T/pki/server.pem" \
    --admin-tls-key "$T/pki/server.key"
cw_expect_log "admin API on https://$ADMIN"

out=$(curl -s --cacert "$T/pki/ca.pem" "https://$ADMIN/health") || cw_fail "https: $out"
echo "$out" | grep -q '"status":"ok"' || cw_fail "health over https: $out"
# the certificate is checked: the rogue CA does not vouch for it
if curl -s --cacert "$T/pki/rogue-ca.pem" "https://$ADMIN/health" >/dev/null 2>&1; then
    cw_fail "curl trusted a certificate of another CA"
fi
tls() {
    echo | timeout 10 openssl s_client -connect "$ADMIN" "$@" 2>&1 |
        sed -n 's/^New, \([^,]*\), Cipher is \(.*\)/\1 \2/p' | head -n 1
}
v12=$(tls -tls1_2 -CAfile "$T/pki/ca.pem")
case "$v12" in TLSv1.2\ *) ;; *) cw_fail "TLS 1.2 was not served: $v12" ;; esac
v13=$(tls -tls1_3 -CAfile "$T/pki/ca.pem")
case "$v13" in TLSv1.3\ *) ;; *) cw_fail "TLS 1.3 was not served: $v13" ;; esac
v11=$(tls -tls1_1 -cipher 'DEFAULT@SECLEVEL=0')
[ "$v11" = "(NONE) (NONE)" ] || cw_fail "TLS 1.1 was not refused: $v11"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$ADMIN/health" || true)
[ "$code" = 000 ] || cw_fail "plain HTTP on the TLS port answered $code"
cw_stop

# a key that does not load: no start, and the reason
rc=0
"$CW_BIN" run --listen "$CW_LISTEN" --data "$T/data" --rtp-ports "$RTP_LO-$RTP_HI" \
    --admin-listen "$ADMIN" --admin-tls-cert "$T/pki/server.pem" \
    --admin-tls-key "$T/pki/nothing.key" >"$T/bad.log" 2>&1 </dev/null || rc=$?
[ $rc != 0 ] && grep -q "admin API: $T/pki/nothing.key: No such file or directory" "$T/bad.log" ||
    cw_fail "a missing key: status $rc, $(cat "$T/bad.log")"
# a certificate that is no certificate: no start either
echo "not a certificate" >"$T/garbage.pem"
rc=0
"$CW_BIN" run --listen "$CW_LISTEN" --data "$T/data" --rtp-ports "$RTP_LO-$RTP_HI" \
    --admin-listen "$ADMIN" --admin-tls-cert "$T/garbage.pem" \
    --admin-tls-key "$T/pki/server.key" >"$T/bad.log" 2>&1 </dev/null || rc=$?
[ $rc != 0 ] && grep -q "the certificate and key do not load" "$T/bad.log" ||
    cw_fail "a bad certificate: status $rc, $(cat "$T/bad.log")"
cw_say "ok: $v12, $v13; TLS 1.1 refused"
