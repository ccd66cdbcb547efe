/* channel.c  The simulated line between the virtual caller and the real call core.
 *
 * The core sees what it sees from a SIP stack and an RTP socket: an INVITE with an SDP
 * offer, RTP audio every 20 ms carrying the caller's signed frames, RFC 4733 events
 * when the caller presses a key, BYE when they hang up, answers to its REFER and to its
 * INVITE of a human. What comes back (its RTP, its signalling) is written into the
 * call's trace: audio is named by its bytes (prompt_index.c), never by asking the core
 * what it meant to play. A few hooks (cw_sim_hooks) add what the line cannot show: the
 * consent state, the frames the recorder kept, the flow's failure.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/log.h"
#include "sim_int.h"

#define KEY_EVENT_PT_DEFAULT 101

uint64_t sim_seq(sim_call *sc)
{
    /* over a real line the consent's states come later, from the ledger's times: order
     * everything by time there, so that they fall into place */
    uint64_t s = sc->run->over_sip ? sc->run->now * 16 : 0;
    if (s <= sc->tr.next_seq)
        s = sc->tr.next_seq + 1;
    return sc->tr.next_seq = s;
}

static sim_call *of_call(cw_call *c)
{
    return c->sig_handle;
}

/* ---- naming what the caller hears ------------------------------------------------ */

const char *sim_text_of(sim_run *r, const char *path)
{
    for (size_t i = 0; i < r->ntexts; i++)
        if (strcmp(r->texts[i].path, path) == 0)
            return r->texts[i].text;
    return NULL;
}

/* A prompt's name and words: a TTS file by the text it was rendered from, a prompt
 * file by its id and the transcript beside it (<id>.txt), if there is one. */
static void name_prompt(sim_run *r, const cw_prompt *p, cw_trace_heard *h)
{
    const char *text = sim_text_of(r, p->key);
    if (text) {
        snprintf(h->prompt, sizeof h->prompt, "tts");
        snprintf(h->text, sizeof h->text, "%s", text);
        return;
    }
    /* the key's tail when it is a long path: the name a person recognises */
    size_t klen = strlen(p->key);
    const char *k = klen < sizeof h->prompt ? p->key : p->key + klen - (sizeof h->prompt - 1);
    memcpy(h->prompt, k, strlen(k) + 1);
    char path[2300];
    if (klen > 4 && strcmp(p->key + klen - 4, ".wav") == 0)
        snprintf(path, sizeof path, "%.*s.txt", (int)(klen - 4), p->key);
    else
        snprintf(path, sizeof path, "%s/%s.txt", r->rt.prompts.dir, p->key);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(h->text, 1, sizeof h->text - 1, f);
    fclose(f);
    while (n > 0 && (h->text[n - 1] == '\n' || h->text[n - 1] == '\r'))
        n--;
    h->text[n] = 0;
}

static void close_heard(sim_call *sc)
{
    sc->open = NULL;
    sc->open_p = NULL;
}

static void heard_stretch(sim_call *sc, const uint8_t *payload, int contiguous,
                          unsigned lost)
{
    sim_run *r = sc->run;
    uint64_t now = r->now;
    contiguous = contiguous && sc->open;
    /* the open prompt goes on (over a real line after a few lost packets, perhaps) */
    if (contiguous && sc->open_p &&
        sim_prompt_frame_is(sc->open_p, sc->codec, sc->open_next + lost, payload)) {
        sc->open_next += lost;
        sc->open->last = sc->open_next++;
        sc->open->t1 = now;
        sc->last_out = now;
        return;
    }
    if (lost)
        contiguous = 0;
    const cw_prompt *p = NULL;
    unsigned k = 0;
    uint8_t silence = cw_g711_silence(sc->codec);
    int silent = 1;
    for (size_t i = 0; i < CW_FRAME_SAMPLES && silent; i++)
        silent = payload[i] == silence;
    if (silent) {
        close_heard(sc);
        return;                        /* silence is no stretch of audio */
    }
    const uint8_t *prev = contiguous ? sc->prev : NULL;
    int known = sim_index_find(r->index, &r->rt.prompts, sc->codec, payload, prev, &p, &k);
    if (!known && r->over_sip && sim_line_learn(r))
        known = sim_index_find(r->index, &r->rt.prompts, sc->codec, payload, prev, &p, &k);
    if (!known && contiguous && !sc->open_p) {
        sc->open->t1 = now;            /* unknown audio goes on */
        sc->open->frames++;
        sc->open->last++;
        sc->last_out = now;
        return;
    }
    cw_trace_heard *h;
    if (known && contiguous && k > 0 && sc->open->last - sc->open->first + 1 <= k &&
        sc->open == &sc->tr.heard[sc->tr.nheard - 1]) {
        /* what was heard just before was this prompt's start, taken for another's (quiet
         * frames are alike): the stretch is this prompt's */
        h = sc->open;
        h->first = k - (h->last - h->first + 1);
        h->text[0] = 0;
    } else {
        h = cw_trace_push((void **)&sc->tr.heard, &sc->tr.nheard, &sc->tr.capheard,
                          sizeof *h);
        if (!h)
            return;
        h->seq = sim_seq(sc);
        h->t0 = now;
        h->first = k;
    }
    h->t1 = now;
    if (known) {
        if (h->t0 == now) {
            /* a prompt's leading silence was heard as silence: the prompt began there */
            unsigned lead = 0;
            uint8_t b[CW_FRAME_SAMPLES];
            memset(b, silence, sizeof b);
            while (lead < k && sim_prompt_frame_is(p, sc->codec, lead, b))
                lead++;
            h->first = lead == k ? 0 : k;
            h->t0 = now - (uint64_t)(k - h->first) * CW_FRAME_MS;
        }
        h->last = k;
        h->frames = (unsigned)cw_prompt_frames(p);
        h->prompt[0] = 0;
        name_prompt(r, p, h);
        sc->open_p = p;
        sc->open_next = k + 1;
    } else {
        h->first = h->last = 0;
        h->frames = 1;
        snprintf(h->prompt, sizeof h->prompt, "%s", "");
        snprintf(h->text, sizeof h->text, "(audio that is no known prompt)");
        sc->open_p = NULL;
    }
    sc->open = h;
    sc->last_out = now;
}

void sim_heard_frame(sim_call *sc, const uint8_t *payload, int contiguous, unsigned lost)
{
    heard_stretch(sc, payload, contiguous, lost);
    memcpy(sc->prev, payload, CW_FRAME_SAMPLES);
}

static int line_send(cw_media_io *io, const uint8_t *pkt, size_t len, const struct sockaddr *to)
{
    (void)to;
    sim_call *sc = (sim_call *)((char *)io - offsetof(sim_call, io));
    cw_rtp_packet p;
    if (cw_rtp_parse(pkt, len, &p) != 0)
        return 0;
    /* a prompt started between two periods sends its first frame at once, so two
     * frames can share a period */
    if (p.pt == sc->audio_pt && p.payload_len == CW_FRAME_SAMPLES)
        sim_heard_frame(sc, p.payload, sc->run->now <= sc->last_out + CW_FRAME_MS, 0);
    return 0;
}

static void line_close(cw_media_io *io)
{
    sim_call *sc = (sim_call *)((char *)io - offsetof(sim_call, io));
    sc->media_up = 0;
}

static int human_send(cw_media_io *io, const uint8_t *pkt, size_t len,
                      const struct sockaddr *to)
{
    (void)io, (void)pkt, (void)len, (void)to;  /* the human hears the caller: not traced */
    return 0;
}

static void human_close(cw_media_io *io)
{
    sim_call *sc = (sim_call *)((char *)io - offsetof(sim_call, human_io));
    sc->human_media_up = 0;
}

/* ---- the caller's side of each clock period -------------------------------------- */

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
    if (sc->open && sc->last_out + CW_FRAME_MS < now)
        close_heard(sc);
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

/* ---- signalling ------------------------------------------------------------------- */

void sim_ended(sim_call *sc, const char *by, const char *reason)
{
    if (sc->ended)
        return;
    sc->ended = 1;
    sc->tr.t_end = sc->run->now;
    snprintf(sc->tr.ended_by, sizeof sc->tr.ended_by, "%s", by);
    snprintf(sc->tr.end_reason, sizeof sc->tr.end_reason, "%s", reason);
    close_heard(sc);
}

static void sig_ringing(cw_call *c)
{
    (void)c;
}

static void sig_answer(cw_call *c, const char *sdp)
{
    (void)sdp;
    sim_call *sc = of_call(c);
    if (sc->answered)
        return;                        /* a re-INVITE's answer */
    sc->answered = 1;
    sc->tr.answered = 1;
    sc->tr.t_answer = sc->run->now;
    /* what our answer chose, as a phone learns it from the SDP */
    sc->codec = c->choice.codec;
    sc->audio_pt = c->choice.codec_pt;
    sc->te_pt = c->choice.te_pt >= 0 ? c->choice.te_pt : KEY_EVENT_PT_DEFAULT;
}

static void sig_reject(cw_call *c, int status, const char *phrase, const char *warning,
                       unsigned retry_after)
{
    (void)retry_after;
    sim_call *sc = of_call(c);
    if (sc->answered)
        return;                        /* a failed re-INVITE: the call goes on */
    sc->tr.rejected = status;
    char why[64];
    snprintf(why, sizeof why, "%d %s%s%.30s", status, phrase, warning[0] ? ": " : "", warning);
    sim_ended(sc, "callwarden", why);
    sc->sig_end_pending = 1;
}

static void sig_bye(cw_call *c)
{
    sim_call *sc = of_call(c);
    sim_ended(sc, "callwarden", c->end_reason);
    sc->sig_end_pending = 1;
}

void sim_record_transfer(sim_call *sc, const char *target, const char *mode,
                         const cw_header *h, size_t nh)
{
    cw_trace_transfer *x = cw_trace_push((void **)&sc->tr.transfers, &sc->tr.ntransfers,
                                         &sc->tr.captransfers, sizeof *x);
    if (!x)
        return;
    x->t = sc->run->now;
    x->seq = sim_seq(sc);
    snprintf(x->target, sizeof x->target, "%s", target);
    snprintf(x->mode, sizeof x->mode, "%s", mode);
    for (size_t i = 0; i < nh && x->nheaders < 20; i++, x->nheaders++) {
        snprintf(x->headers[x->nheaders].name, sizeof x->headers[0].name, "%s", h[i].name);
        snprintf(x->headers[x->nheaders].value, sizeof x->headers[0].value, "%s", h[i].value);
    }
}

static int sig_refer(cw_call *c, const char *target, const cw_header *h, size_t nh,
                     char *err, size_t errlen)
{
    (void)err, (void)errlen;
    sim_call *sc = of_call(c);
    sim_record_transfer(sc, target, "refer", h, nh);
    sc->refer_result_at = sc->run->now + 100;  /* the phone answers the REFER */
    return 0;
}

static void sig_release(cw_call *c)
{
    sim_call *sc = of_call(c);
    sc->c = NULL;
    sc->freed = 1;
}

static int sig_bridge_invite(cw_call *c, void **handle, const char *target,
                             const char *from_user, const char *sdp, const cw_header *h,
                             size_t nh, char *err, size_t errlen)
{
    (void)from_user, (void)sdp, (void)err, (void)errlen;
    sim_call *sc = of_call(c);
    *handle = sc;
    sim_record_transfer(sc, target, "bridge", h, nh);
    sc->human_answer_at = sc->run->now + sc->human_ring_ms;
    return 0;
}

static void sig_bridge_hangup(cw_call *c, int answered)
{
    (void)answered;
    sim_call *sc = of_call(c);
    sc->human_answer_at = sc->human_bye_at = 0;
    cw_call_bridge_signaling_ended(c);
}

static void sig_bridge_release(cw_call *c)
{
    (void)c;
}

const cw_signaling sim_signaling = {
    .ringing = sig_ringing,
    .answer = sig_answer,
    .reject = sig_reject,
    .bye = sig_bye,
    .refer = sig_refer,
    .release = sig_release,
    .bridge_invite = sig_bridge_invite,
    .bridge_hangup = sig_bridge_hangup,
    .bridge_release = sig_bridge_release,
};

/* The human's answer to the bridged INVITE: a plain PCMU answer on loopback. */
static const char human_sdp[] =
    "v=0\r\no=human 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n";

uint64_t sim_line_next(const sim_call *sc)
{
    uint64_t t = UINT64_MAX;
    if (sc->refer_result_at && sc->refer_result_at < t)
        t = sc->refer_result_at;
    if (sc->human_answer_at && sc->human_answer_at < t)
        t = sc->human_answer_at;
    if (sc->human_bye_at && sc->human_bye_at < t)
        t = sc->human_bye_at;
    return t;
}

void sim_line_due(sim_call *sc)
{
    uint64_t now = sc->run->now;
    if (sc->sig_end_pending && sc->c) {
        sc->sig_end_pending = 0;
        cw_call_signaling_ended(sc->c);
    }
    if (!sc->c)
        return;
    cw_call *c = sc->c;
    if (sc->refer_result_at && sc->refer_result_at <= now) {
        sc->refer_result_at = 0;
        int st = sc->transfer_answer;
        if (st >= 200 && st < 300 && sc->tr.ntransfers)
            sc->tr.transfers[sc->tr.ntransfers - 1].accepted = 1;
        cw_call_refer_result(c, st, st < 300 ? "Accepted" : "Declined");
    }
    if (sc->human_answer_at && sc->human_answer_at <= now) {
        sc->human_answer_at = 0;
        if (sc->human_answers) {
            if (sc->tr.ntransfers)
                sc->tr.transfers[sc->tr.ntransfers - 1].accepted = 1;
            sc->human_bye_at = now + sc->human_talk_ms;
            cw_call_bridge_response(c, 200, "OK", human_sdp, strlen(human_sdp));
        } else {
            cw_call_bridge_response(c, 486, "Busy Here", NULL, 0);
            cw_call_bridge_signaling_ended(c);
        }
    }
    if (sc->c && sc->human_bye_at && sc->human_bye_at <= now) {
        sc->human_bye_at = 0;
        cw_call_bridge_remote_end(c, "bye");
        cw_call_bridge_signaling_ended(c);
    }
}

/* ---- the caller dials and hangs up ---------------------------------------------- */

static const char offer_fmt[] =
    "v=0\r\no=caller %u 1 IN IP4 127.0.0.1\r\ns=callwarden test\r\nc=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\nm=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";

sim_call *sim_dial(sim_run *r, const char *from, const char *to, uint64_t seed)
{
    sim_call *sc = calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    sc->run = r;
    sc->seed = seed;
    sc->no = ++r->ncalls;
    sc->next = r->calls;
    r->calls = sc;
    sc->live_next = r->live;
    r->live = sc;
    snprintf(sc->from, sizeof sc->from, "%s", from);
    snprintf(sc->to, sizeof sc->to, "%s", to);
    sc->io.send = line_send;
    sc->io.close = line_close;
    sc->human_io.send = human_send;
    sc->human_io.close = human_close;
    sc->ssrc = 0x5ca1ab1e ^ sc->no;
    sc->seq = (uint16_t)(sc->no * 1000);
    sc->transfer_answer = 202;
    sc->human_answers = 1;
    sc->human_ring_ms = 1000;
    sc->human_talk_ms = 3000;
    uint16_t port = (uint16_t)(20000 + 2 * (sc->no % 10000));
    cw_sockaddr_from("127.0.0.1", port, &sc->addr);
    snprintf(sc->tr.call_id, sizeof sc->tr.call_id, "scenario-%u-%llu@callwarden.test",
             sc->no, (unsigned long long)r->seed);
    sc->tr.t_invite = r->now;
    snprintf(sc->tr.tenant, sizeof sc->tr.tenant, "%s", to);
    if (r->sip) {
        /* a real line: our own RTP socket, the runtime's SIP */
        if (sim_line_dial(sc, offer_fmt) != 0) {
            sim_ended(sc, "caller", "cannot dial");
            sc->freed = 1;
        }
        return sc;
    }
    char sdp[512];
    int n = snprintf(sdp, sizeof sdp, offer_fmt, sc->no, port);
    cw_call_params p = { .user = to, .caller = from, .call_id = sc->tr.call_id, .sdp = sdp,
                         .sdp_len = (size_t)n };
    sc->c = cw_call_incoming(&r->rt, &sim_signaling, sc, &p);
    if (!sc->c) {
        sim_ended(sc, "callwarden", "out of memory");
        sc->freed = 1;
        return sc;
    }
    snprintf(sc->tr.tenant, sizeof sc->tr.tenant, "%s", sc->c->tenant);
    return sc;
}

void sim_hangup(sim_call *sc)
{
    if (sc->run->sip) {
        if (!sc->ended) {
            sim_ended(sc, "caller", "bye");
            sim_line_hangup(sc);
        }
        return;
    }
    if (sc->ended || !sc->c)
        return;
    sim_ended(sc, "caller", "bye");
    cw_call_remote_end(sc->c, "bye");
    sc->sig_end_pending = 1;
}

void sim_call_free(sim_call *sc)
{
    cw_trace_free(&sc->tr);
    free(sc);
}

/* ---- the hooks: what the line cannot show --------------------------------------- */

static int trace_state(int consent)
{
    switch (consent) {
    case CW_CONSENT_ASKING: return CW_TRACE_ASKED;
    case CW_CONSENT_COMMITTING: return CW_TRACE_COMMITTING;
    case CW_CONSENT_GIVEN: return CW_TRACE_GIVEN;
    case CW_CONSENT_REFUSED: return CW_TRACE_REFUSED;
    case CW_CONSENT_WITHDRAWN: return CW_TRACE_WITHDRAWN;
    default: return CW_TRACE_NOT_GIVEN;
    }
}

static void hook_consent(void *ud, cw_call *c)
{
    (void)ud;
    sim_call *sc = of_call(c);
    cw_trace_consent *e = cw_trace_push((void **)&sc->tr.consents, &sc->tr.nconsents,
                                        &sc->tr.capconsents, sizeof *e);
    if (!e)
        return;
    e->t = sc->run->now;
    e->seq = sim_seq(sc);
    e->state = trace_state(c->consent);
    snprintf(e->id, sizeof e->id, "%s", c->consent_id);
    snprintf(e->level, sizeof e->level, "%s", c->consent_level);
    snprintf(e->variant, sizeof e->variant, "%s", c->consent_variant);
    /* the purposes from the policy, not from the gate: the oracle checks the gate */
    const cw_policy *p = cw_call_policy(c);
    const cw_policy_level *l = p && e->state == CW_TRACE_GIVEN
                                   ? cw_policy_level_get(p, c->consent_level) : NULL;
    for (size_t i = 0; l && i < l->npurposes && e->npurposes < 16; i++)
        snprintf(e->purposes[e->npurposes++], sizeof e->purposes[0], "%s", l->purposes[i]);
}

static void found_frame(void *ud, unsigned call_no, uint32_t period)
{
    sim_call *sc = ud;
    if (call_no != SIM_SIGNED_CALL(sc->run->run_tag, sc->no))
        return;
    cw_trace_frame *f = cw_trace_push((void **)&sc->tr.frames, &sc->tr.nframes,
                                      &sc->tr.capframes, sizeof *f);
    if (f) {
        f->t_sent = (uint64_t)period * CW_FRAME_MS;
        f->t_kept = sc->run->now;
        f->seq = sim_seq(sc);
    }
}

static void hook_recorded(void *ud, cw_call *c, const int16_t *pcm, size_t n)
{
    (void)ud;
    sim_find_signatures(pcm, n, 1, found_frame, of_call(c));
}

static void hook_recording(void *ud, cw_call *c, const char *purpose, int on, int kept)
{
    (void)ud;
    sim_call *sc = of_call(c);
    if (on) {
        cw_trace_recording *rec = cw_trace_push((void **)&sc->tr.recs, &sc->tr.nrecs,
                                                &sc->tr.caprecs, sizeof *rec);
        if (rec) {
            rec->t0 = sc->run->now;
            rec->seq0 = sim_seq(sc);
            snprintf(rec->purpose, sizeof rec->purpose, "%s", purpose);
        }
        return;
    }
    for (size_t i = sc->tr.nrecs; i-- > 0;) {
        cw_trace_recording *rec = &sc->tr.recs[i];
        if (!rec->seq1) {
            rec->t1 = sc->run->now;
            rec->seq1 = sim_seq(sc);
            rec->kept = kept;
            break;
        }
    }
}

static void hook_fallback(void *ud, cw_call *c, const char *why)
{
    (void)ud;
    sim_call *sc = of_call(c);
    sc->tr.fallback = 1;
    sc->tr.t_fallback = sc->run->now;
    if (!sc->tr.t_error) {
        sc->tr.t_error = sc->run->now ? sc->run->now : 1;
        snprintf(sc->tr.error, sizeof sc->tr.error, "%s", why ? why : "failed");
    }
}

static cw_media_io *hook_media_open(void *ud, cw_call *c, int leg)
{
    (void)ud;
    sim_call *sc = of_call(c);
    if (leg == 0) {
        sc->media_up = 1;
        return &sc->io;
    }
    sc->human_media_up = 1;
    return &sc->human_io;
}

static uint64_t hook_call_seed(void *ud, cw_call *c)
{
    (void)ud;
    return of_call(c)->seed;
}

static void tts_named(void *ud, const char *voice, const char *text, const char *path)
{
    (void)voice;
    sim_tts_named_text(ud, path, text);
}

void sim_tts_named_text(sim_run *r, const char *path, const char *text)
{
    if (sim_text_of(r, path))
        return;
    struct sim_text *t = cw_trace_push((void **)&r->texts, &r->ntexts, &r->captexts,
                                       sizeof *t);
    if (t) {
        t->path = strdup(path);
        t->text = strdup(text);
    }
}

void sim_hooks_init(sim_run *r)
{
    r->hooks = (cw_sim_hooks){
        .ud = r,
        .media_open = hook_media_open,
        .consent_changed = hook_consent,
        .recorded = hook_recorded,
        .recording = hook_recording,
        .fallback = hook_fallback,
        .call_seed = hook_call_seed,
    };
}

void sim_tts_watch(sim_run *r)
{
    r->rt.tts.named = tts_named;
    r->rt.tts.named_ud = r;
}
