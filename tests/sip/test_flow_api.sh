#!/bin/sh
# The call API over real SIP: call:say renders with espeak-ng once and plays from the
# cache the second time; call:transfer sends a REFER with the flow's headers; gather
# with a terminator and on_dtmf over SIP INFO; routing: a configured number reaches its
# tenant, an unknown one gets 404, or the default tenant when one is set; a tenant whose
# flow does not load gets 503 while the others serve.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

mkdir -p "$T/scripts/broken"
cp -r "$CW_SOURCE_DIR/scripts/demo" "$CW_SOURCE_DIR/tests/sip/api_flows/"* "$T/scripts/"
printf 'call:answer()\ncall:play(\n' >"$T/scripts/broken/flow.lua"   # never loads

cw_pick_ports
cw_start --scripts "$T/scripts" --route "4930123456 keys"

# say: two talkspurts of the same length, one rendering in the cache
cw_rtppeer saypeer --duration 40 --expect-talkspurts 2
cw_sipp_ok say "$CW_SCEN/tenant_wait_bye.xml" -s sayer
cw_rtppeer_wait saypeer 30
p1=$(cw_kv "$T/saypeer.out" '^talkspurt=1 ' packets)
p2=$(cw_kv "$T/saypeer.out" '^talkspurt=2 ' packets)
cw_ge "packets of the spoken text" "$p1" 50
cw_near "the second say, from the cache" "$p2" "$p1" 1
cw_eq "renderings in the cache" "$(ls "$T/data/tts" | grep -c '\.wav$')" 1
cw_expect_log 'tenant=sayer said twice' "the say flow did not finish"

# transfer: REFER with the headers (checked by the scenario), accepted, then BYE
cw_sipp_ok xfer "$CW_SCEN/refer_202.xml" -s xfer
cw_expect_log 'transfer status=202' "the REFER was not answered 202"
cw_expect_log 'tenant=xfer transfer ok=true err=nil' "the flow did not see the transfer succeed"

# gather "12#" with on_dtmf, reached through the configured number
cw_sipp_ok keys "$CW_SCEN/info_keys.xml" -s 4930123456
cw_expect_log 'tenant=keys keys digits=12 seen=12# callee=4930123456 caller_set=true' \
    "gather or on_dtmf did not see the keys"

# an unknown number: 404 with the reason; a tenant whose flow never loaded: 503
cw_sipp_ok unknown "$CW_SCEN/not_found_404.xml" -s 4900000
cw_expect_log 'tenant=broken version rejected: broken/flow.lua:3: ' "the broken tenant's error was not logged"
cw_sipp_ok broken "$CW_SCEN/unavailable_503.xml" -s broken
cw_stop

# with a default tenant, the unknown number reaches it
cw_start --scripts "$T/scripts" --default-tenant demo --digit-timeout-ms 500
cw_sipp_ok default "$CW_SCEN/tenant_wait_bye.xml" -s 4900000
cw_expect_log "call=1 incoming tenant=demo" "the unknown number did not reach the default tenant"
cw_stop
cw_say "ok: say $p1/$p2 packets, transfer, keys, routing"
