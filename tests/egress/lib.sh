# lib.sh  What the egress tests share (sourced; $T and fail() are the test's): a PKI
# made for the run, the HTTPS servers the test tenant names, and the tenant with their
# ports filled in.
PY=/usr/bin/python3
EGRESS_DIR="$CW_SOURCE_DIR/tests/egress"
egress_pids=""

egress_stop_servers() {
    for p in $egress_pids; do kill "$p" 2>/dev/null || true; done
    egress_pids=""
}

# egress_serve NAME ADDR [options]: an HTTPS server whose port lands in $T/NAME.port
egress_serve() {
    name=$1 addr=$2
    shift 2
    rm -f "$T/$name.port"
    "$PY" "$EGRESS_DIR/https_server.py" --listen "$addr:0" --port-file "$T/$name.port" \
        --log "$T/$name.log" "$@" 2>"$T/$name.err" &
    egress_pids="$egress_pids $!"
}

# egress_wait NAME...: until each server listens
egress_wait() {
    for name in "$@"; do
        i=0
        while [ ! -s "$T/$name.port" ]; do
            i=$((i + 1))
            [ $i -lt 100 ] || fail "server $name did not start: $(cat "$T/$name.err")"
            sleep 0.1
        done
    done
}

# egress_servers: the PKI and every server the tenant's policy allows
egress_servers() {
    sh "$EGRESS_DIR/make_certs.sh" "$T/pki"
    cert="--cert $T/pki/server.pem --key $T/pki/server.key"
    # shellcheck disable=SC2086
    egress_serve good 127.0.0.1 $cert
    egress_serve rogue 127.0.0.1 --cert "$T/pki/rogue.pem" --key "$T/pki/rogue.key"
    # shellcheck disable=SC2086
    egress_serve tls11 127.0.0.3 $cert --tls-max 1.1
    # shellcheck disable=SC2086
    egress_serve down 127.0.0.1 $cert --fail-first 1000
    # shellcheck disable=SC2086
    egress_serve slow 127.0.0.1 $cert --delay-ms 2500
    # shellcheck disable=SC2086
    egress_serve stuck 127.0.0.1 $cert --delay-ms 8000
    # shellcheck disable=SC2086
    egress_serve crm 127.0.0.1 $cert --status-file "$T/crm.status"
    # shellcheck disable=SC2086
    egress_serve asr 127.0.0.1 $cert --long-transcript "nein danke" --long-seconds 1.6
    egress_wait good rogue tls11 down slow stuck crm asr
}

# egress_tenant SCENARIO_DIR: tenant "ai" in $T/scripts and $T/policies, the servers'
# ports filled in, with the scenarios of SCENARIO_DIR; $T/cw.conf trusts the test CA
egress_tenant() {
    mkdir -p "$T/scripts/ai/scenarios" "$T/policies/ai"
    for f in "$EGRESS_DIR/tenant/policy.lua:$T/policies/ai/policy.lua" \
             "$EGRESS_DIR/tenant/flow.lua:$T/scripts/ai/flow.lua"; do
        sed -e "s/@GOOD@/$(cat "$T/good.port")/g" -e "s/@ROGUE@/$(cat "$T/rogue.port")/g" \
            -e "s/@TLS11@/$(cat "$T/tls11.port")/g" -e "s/@DOWN@/$(cat "$T/down.port")/g" \
            -e "s/@SLOW@/$(cat "$T/slow.port")/g" -e "s/@STUCK@/$(cat "$T/stuck.port")/g" \
            -e "s/@CRM@/$(cat "$T/crm.port")/g" \
            "${f%%:*}" >"${f#*:}"
    done
    cp "$1"/*.lua "$T/scripts/ai/scenarios/"
    # the second tenant, whose callers answer the consent question by voice
    mkdir -p "$T/scripts/spoken/scenarios" "$T/policies/spoken"
    sed -e "s/@ASR@/$(cat "$T/asr.port")/g" "$EGRESS_DIR/tenant_spoken/policy.lua" \
        >"$T/policies/spoken/policy.lua"
    cp "$EGRESS_DIR/tenant_spoken/flow.lua" "$T/scripts/spoken/flow.lua"
    cp "$EGRESS_DIR"/tenant_spoken/scenarios/*.lua "$T/scripts/spoken/scenarios/"
    printf 'egress_ca_file = %s\nai_key = ai test-key-4711\n' "$T/pki/ca.pem" >"$T/cw.conf"
}
