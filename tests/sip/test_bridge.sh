#!/bin/sh
# G9 by a bridged INVITE (our B2BUA): after the handover notice the core calls the human
# itself, from the caller's number and with the consent status as headers (a flow's
# forged X-Consent-* dropped), and relays the media both ways through its own ports,
# transcoding when the legs differ (PCMU caller, PCMA human); HANDED_OVER (mode bridge)
# once the human answers. call:transfer() returns true when the human hung up, and the
# flow goes on; false and the reason when the human is busy or does not answer within the
# timeout (the INVITE is CANCELled). The caller hanging up during the bridge ends the
# human's leg too (BYE).
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

S="$T/scripts"
P="$T/policies"
mkdir -p "$S/front/prompts/en" "$P/front" "$S/walkin/prompts/en" "$P/walkin"
cw_pick_ports 40
HUMAN_PORT=$((SIP_PORT + 1))         # the port lib.sh keeps free beside ours
case "$CW_HOST" in *:*) human_host="[$CW_HOST]" ;; *) human_host=$CW_HOST ;; esac

cat >"$S/front/flow.lua" <<'LUA'
local level = call:consent{}
call:log("consent: " .. tostring(level))
local ok, err = call:transfer(nil, { ["X-Consent-Level"] = "premium", ["X-Note"] = "vip" })
call:log("bridge: " .. tostring(ok) .. " " .. tostring(err))
call:play("goodbye")
call:hangup()
LUA
cat >"$S/walkin/flow.lua" <<'LUA'
local ok, err = call:transfer(nil, nil, { mode = "bridge", timeout = 2 })
call:log("bridge: " .. tostring(ok) .. " " .. tostring(err))
call:hangup()
LUA
for t in front walkin; do
    cp "$CW_PROMPTS/en/goodbye.wav" "$S/$t/prompts/en/goodbye.wav"
    cp "$CW_PROMPTS/en/goodbye.wav" "$P/$t/disclosure.wav"
done
cat >"$P/front/policy.lua" <<LUA
controller { name = "Front GmbH", contact = "info@front.example" }
jurisdiction "DE"
languages { default = "en", "en" }
notice { url = "https://front.example/privacy" }
disclosure "en" { text = "This is an AI assistant.", audio = "disclosure.wav" }
consent "en" { question = "Press 1.", accepted = "Thanks.", refused = "No recording.",
               withdrawn = "Withdrawn.", timeout = "Again." }
level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d" }
keys { withdraw = "0" }
timeouts { answer_ms = 3000, retries = 1 }
handover { target = "sip:human@$human_host:$HUMAN_PORT", mode = "bridge", timeout = 10,
           notice = { en = "One moment." } }
LUA
sed -e 's/Front/Walkin/' -e 's/front\./walkin./' -e 's/, mode = "bridge", timeout = 10//' \
    "$P/front/policy.lua" >"$P/walkin/policy.lua"
after_disclosure=$(( $(cw_frames "$P/front/disclosure.wav") * 20 + 600 ))

cw_start --scripts "$S" --policies "$P"
cw_expect_log 'tenant=front version=[0-9a-f]{12} loaded policy='
# human NAME SCENARIO [ARGS]: the human's phone (SIPp as UAS) and its RTP (rtppeer)
human() {
    local name=$1 scen=$2
    shift 2
    cw_rtppeer "rtp-$name" --duration 30 --codec pcma --send-ms 2500
    cw_sipp_bg "$name" "$CW_SCEN/$scen" -p "$HUMAN_PORT" "$@"
    HUMAN_PID=$SIPP_PID
    sleep 0.3
}
id_of() { sed -n "s/.*call=\([0-9]*\) incoming tenant=$1.*/\1/p" "$T/runtime.log" | tail -n 1; }
field() { sed -n "s/.*call=$1 tenant=$2 $3: \(.*\)/\1/p" "$T/runtime.log" | head -n 1; }
packets() { awk '/^talkspurt=/ { for (i = 1; i <= NF; i++) if ($i ~ /^packets=/) { split($i, a, "="); n += a[2] } } END { print n + 0 }' "$1"; }

# 1. consent, then the bridge: the human answers, talks 3 s, hangs up; the flow goes on
human answers human_answers.xml -d 3000
cw_rtppeer peer1 --duration 40 --send-ms 20000
cw_sipp_ok caller1 "$CW_SCEN/consent_keys.xml" -s front -d "$after_disclosure" \
    -key k1 1 -key k2 '*' -key k3 '*'
cw_wait_pid "$HUMAN_PID" 20 ||
    cw_fail "the human's side did not see the expected INVITE (see answers.msg/answers.err)"
c=$(id_of front)
cw_wait_log "call=$c ended" 20
[ "$(field "$c" front consent)" = basic ] || cw_fail "no consent: $(field "$c" front consent)"
cw_expect_log "call=$c handover INVITE sent consent=basic headers=5"
cw_expect_log "call=$c bridge up codec=PCMA"
cw_expect_log "call=$c bridge ended reason=human-bye"
[ "$(field "$c" front bridge)" = "true nil" ] || cw_fail "transfer after the bridge: $(field "$c" front bridge)"
line=$(grep "call=$c bridge ended" "$T/runtime.log")
to_human=$(echo "$line" | sed 's/.*relayed_to_human=\([0-9]*\).*/\1/')
to_caller=$(echo "$line" | sed 's/.*relayed_to_caller=\([0-9]*\).*/\1/')
cw_ge "frames relayed to the human" "$to_human" 100
cw_ge "frames relayed to the caller" "$to_caller" 80
cw_say "bridge of 3 s: $to_human frames relayed to the human, $to_caller to the caller"
sleep 1
# what the peers got over real RTP: the human the caller's tone (as PCMA), the caller
# the human's (as PCMU), besides the prompts
cw_ge "RTP the human's phone received" "$(packets "$T/rtp-answers.out")" 100
grep -q '^talkspurt=.* pt=8 ' "$T/rtp-answers.out" || cw_fail "the human's leg is not PCMA: $(cat "$T/rtp-answers.out")"
big=$(awk '/^talkspurt=/ { for (i = 1; i <= NF; i++) if ($i ~ /^packets=/) { split($i, a, "="); if (a[2] > m) m = a[2] } } END { print m + 0 }' "$T/peer1.out")
cw_ge "the longest talkspurt the caller heard (the human)" "$big" 80

# 2. the human is busy: the flow hears why and goes on
human busy human_busy.xml
cw_rtppeer peer2 --duration 40 --send-ms 20000
cw_sipp_ok caller2 "$CW_SCEN/consent_keys.xml" -s front -d "$after_disclosure" \
    -key k1 1 -key k2 '*' -key k3 '*'
cw_wait_pid "$HUMAN_PID" 20 || cw_fail "the busy human's side failed (see busy.msg)"
c=$(id_of front)
cw_wait_log "call=$c ended" 20
[ "$(field "$c" front bridge)" = "false 486 Busy Here" ] || cw_fail "busy: $(field "$c" front bridge)"
cw_expect_log "call=$c bridge failed reason=\"486 Busy Here\""

# 3. nobody answers within the timeout (2 s, the flow's): CANCEL; then the caller hangs
# up in the middle of a second bridge, and the human's leg gets its BYE
human rings human_rings.xml
cw_rtppeer peer3 --duration 40 --send-ms 20000
cw_sipp_ok caller3 "$CW_SCEN/consent_keys.xml" -s walkin -d "$after_disclosure" \
    -key k1 '*' -key k2 '*' -key k3 '*'
cw_wait_pid "$HUMAN_PID" 20 || cw_fail "the ringing human's side saw no CANCEL (see rings.msg)"
c=$(id_of walkin)
cw_wait_log "call=$c ended" 10
[ "$(field "$c" walkin bridge)" = "false no answer within 2 s" ] || cw_fail "no answer: $(field "$c" walkin bridge)"

human hangs human_hears_bye.xml
cw_rtppeer peer4 --duration 40 --send-ms 20000
cw_sipp_ok caller4 "$CW_SCEN/hangup_early.xml" -s walkin -d $((after_disclosure + 3000))
cw_wait_pid "$HUMAN_PID" 20 || cw_fail "the human did not get the BYE when the caller hung up (see hangs.msg)"
c=$(id_of walkin)
cw_wait_log "call=$c ended" 10
cw_expect_log "call=$c bridge ended reason=caller-gone"
cw_stop

out=$("$CW_BIN" audit show --data "$T/data" --tenant front) || cw_fail "audit show: $out"
[ "$(echo "$out" | grep -c '^HANDED_OVER .*"mode":"bridge"')" = 1 ] ||
    cw_fail "expected one HANDED_OVER (bridge) for front, the answered call: $out"
echo "$out" | grep '^HANDED_OVER ' | grep -q '"level":"basic"' || cw_fail "HANDED_OVER lacks the level"
"$CW_BIN" audit verify --data "$T/data" --tenant front >/dev/null || cw_fail "the ledger does not verify"
cw_say "ok"
