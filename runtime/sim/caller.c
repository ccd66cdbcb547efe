/* caller.c  The virtual caller's side of each 20 ms period: a signed frame of audio
 * (speech or silence), or the RFC 4733 events of a key it holds, as RTP into the
 * call's stream (or onto a real line with --sip); and what it is told to do next
 * (keys to press, words to say).
 */
#include <stdio.h>
#include <string.h>

#include "sim_int.h"

#define SIP_STRETCH_GAP_MS 1000

static void send_rtp(sim_call *sc, int marker, uint8_t pt, uint32_t ts, const uint8_t *payload,
                     size_t n)
{
    cw_rtp_packet p = { .marker = (uint8_t)marker, .pt = pt, .seq = sc->seq++, .ts = ts,
                        .ssrc = sc->ssrc, .payload = payload, .payload_len = n };
    uint8_t buf[CW_RTP_HEADER_LEN + CW_FRAME_SAMPLES];
    size_t len = cw_rtp_write(buf, sizeof buf, &p);
    if (len && sc->run->sip)
        sim_line_send(sc, buf, len);
    else if (len && sc->c && sc->media_up)
        cw_stream_rtp_input(&sc->c->stream, buf, len, (struct sockaddr *)&sc->addr);
}

static uint8_t event_code(char d)
{
    if (d >= '0' && d <= '9')
        return (uint8_t)(d - '0');
    if (d == '*')
        return 10;
    if (d == '#')
        return 11;
    return (uint8_t)(12 + (d - 'A'));
}

const cw_policy *sim_policy_of(const sim_call *sc)
{
    if (sc->c)
        return cw_call_policy(sc->c);
    cw_tenant *t = cw_tenants_find(&sc->run->rt.tenants, sc->tr.tenant);
    return t && t->current ? t->current->policy : NULL;
}

static int withdraw_key_of(sim_call *sc)
{
    const cw_policy *p = sim_policy_of(sc);
    return p ? p->key_withdraw : 0;
}

/* RFC 4733: the key's events every period while it is held, three end packets when it
 * is let go (as phones send them). Returns 1 if this period carried a key. */
static int send_key(sim_call *sc, uint64_t now)
{
    if (sc->next_key >= sc->nkeys)
        return 0;
    sim_key *k = &sc->keys[sc->next_key];
    if (!sc->key_active) {
        if (now < k->t_down)
            return 0;
        sc->key_active = 1;
        sc->key_dur = 0;
        k->t_down = now;
        cw_trace_key *tk = cw_trace_push((void **)&sc->tr.keys, &sc->tr.nkeys,
                                         &sc->tr.capkeys, sizeof *tk);
        if (tk) {
            tk->digit = k->digit;
            /* over a real line: when it really went out, a busy machine's tick is late */
            tk->t_down = sc->run->over_sip ? sim_real_ms(sc->run) : now;
            tk->seq = sim_seq(sc);
        }
        /* the withdraw key while a consent is given: G5 counts from this moment */
        const cw_trace_consent *last = sc->tr.nconsents
                                           ? &sc->tr.consents[sc->tr.nconsents - 1] : NULL;
        if (k->digit == withdraw_key_of(sc) && last && last->state == CW_TRACE_GIVEN &&
            !sc->tr.t_withdraw_key) {
            sc->tr.t_withdraw_key = tk ? tk->t_down : now;
            sc->tr.withdraw_key = k->digit;
        }
    }
    uint8_t ev[4];
    sc->key_dur = (uint16_t)(sc->key_dur + CW_FRAME_SAMPLES);
    int end = now + CW_FRAME_MS >= k->t_down + k->ms;
    ev[0] = event_code(k->digit);
    ev[1] = (uint8_t)((end ? 0x80 : 0) | 10);
    ev[2] = (uint8_t)(sc->key_dur >> 8);
    ev[3] = (uint8_t)sc->key_dur;
    int first = sc->key_dur == CW_FRAME_SAMPLES;
    uint32_t ts = sc->ts - (uint32_t)(sc->key_dur - CW_FRAME_SAMPLES);
    for (int i = 0; i < (end ? 3 : 1); i++)
        send_rtp(sc, first && i == 0, (uint8_t)sc->te_pt, ts, ev, sizeof ev);
    if (end) {
        if (sc->tr.nkeys)
            sc->tr.keys[sc->tr.nkeys - 1].t_up = sc->run->over_sip ? sim_real_ms(sc->run) : now;
        sc->key_active = 0;
        sc->next_key++;
    }
    return 1;
}

void sim_caller_tick(sim_call *sc)
{
    sim_run *r = sc->run;
    uint64_t now = r->now;
    /* a stretch is over when its frames stop coming; on a real line they come with
     * jitter (a busy machine holds them back a while): the sequence numbers, not this
     * gap, say whether the next one follows */
    uint64_t gap = r->over_sip ? SIP_STRETCH_GAP_MS : CW_FRAME_MS;
    if (sc->open && sc->last_out + gap < now)
        sim_heard_close(sc);
    int line_up = r->sip ? sc->remote_known : sc->c && sc->media_up;
    if (!sc->answered || sc->ended || !line_up)
        return;
    if (!send_key(sc, now)) {
        int16_t pcm[CW_FRAME_SAMPLES];
        uint8_t payload[CW_FRAME_SAMPLES];
        int speaking = now < sc->speak_until;
        if (!r->fill_ready) {
            /* what follows the signature is the same in every frame: encode it once */
            for (int law = 0; law < 2; law++)
                for (int sp = 0; sp < 2; sp++) {
                    sim_sign_frame(pcm, 0, 0, sp);
                    cw_g711_encode(law ? CW_CODEC_PCMA : CW_CODEC_PCMU, pcm, r->fill[law][sp],
                                   CW_FRAME_SAMPLES);
                }
            r->fill_ready = 1;
        }
        sim_sign(pcm, SIM_SIGNED_CALL(r->run_tag, sc->no), (uint32_t)(now / CW_FRAME_MS));
        cw_g711_encode(sc->codec, pcm, payload, SIM_SIGNATURE_LEN);
        memcpy(payload + SIM_SIGNATURE_LEN,
               r->fill[sc->codec == CW_CODEC_PCMA][speaking] + SIM_SIGNATURE_LEN,
               CW_FRAME_SAMPLES - SIM_SIGNATURE_LEN);
        send_rtp(sc, 0, sc->audio_pt, sc->ts, payload, sizeof payload);
    }
    sc->ts += CW_FRAME_SAMPLES;
}

void sim_press(sim_call *sc, const char *digits, unsigned ms, unsigned gap)
{
    uint64_t t = sc->run->now + CW_FRAME_MS;
    if (sc->nkeys > sc->next_key) {
        const sim_key *last = &sc->keys[sc->nkeys - 1];
        if (last->t_down + last->ms + gap > t)
            t = last->t_down + last->ms + gap;
    }
    for (const char *d = digits; *d && sc->nkeys < sizeof sc->keys / sizeof sc->keys[0]; d++) {
        sc->keys[sc->nkeys++] = (sim_key){ .digit = *d, .t_down = t, .ms = ms };
        t += ms + gap;
    }
}

void sim_say(sim_call *sc, const char *words, unsigned ms)
{
    uint64_t now = sc->run->now;
    sc->speak_until = now + ms;
    cw_trace_said *s = cw_trace_push((void **)&sc->tr.said, &sc->tr.nsaid, &sc->tr.capsaid,
                                     sizeof *s);
    if (s) {
        s->t0 = now;
        s->t1 = now + ms;
        snprintf(s->words, sizeof s->words, "%s", words);
    }
}
