/* sip_line.c  The same scenario caller on a real line: `callwarden test --sip HOST:PORT`
 * dials a running runtime over SIP, sends its signed RTP and RFC 4733 keys from a UDP
 * socket of its own on the real clock, and names what it hears by the bytes of the
 * prompts it knows: the tenant's prompt files, the policy's wording rendered here by the
 * same espeak-ng, and what the runtime's TTS cache holds (--tts DIR, with each text
 * beside its file). What only the runtime's stores can show (the consent's records, the
 * vault's artifacts) is read from its data directory afterwards (--data DIR), as in a
 * simulated run; what only the core's hooks show (each frame the recorder kept) is not
 * there, and the expectations that need it are reported as not checked.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "sim_int.h"

uint64_t sim_real_ms(const sim_run *r)
{
    return (uv_hrtime() - r->t0_ns) / 1000000u;
}

static sim_call *of(void *call)
{
    return call;
}

/* ---- RTP ------------------------------------------------------------------------- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    sim_call *sc = h->data;
    buf->base = (char *)sc->rxbuf;
    buf->len = sizeof sc->rxbuf;
}

static void recv_cb(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
                    unsigned flags)
{
    (void)from, (void)flags;
    sim_call *sc = u->data;
    cw_rtp_packet p;
    if (n <= 0 || sc->ended || cw_rtp_parse((const uint8_t *)buf->base, (size_t)n, &p) != 0)
        return;
    if (!sc->answered && (p.pt == 0 || p.pt == 8)) {
        /* the runtime's first frames can come before its 200 has reached us: the
         * payload type says which of our offered codecs it chose */
        sc->codec = p.pt == 8 ? CW_CODEC_PCMA : CW_CODEC_PCMU;
        sc->audio_pt = p.pt;
    } else if (!sc->answered) {
        return;
    }
    if (p.pt != sc->audio_pt || p.payload_len != CW_FRAME_SAMPLES)
        return;
    sim_run *r = sc->run;
    r->now = sim_real_ms(r);
    /* on a real line frames arrive with jitter: the sequence number says what follows,
     * and what went missing on the way */
    uint16_t step = (uint16_t)(p.seq - sc->rx_seq);
    int contiguous = sc->have_rx && step >= 1 && step <= 8;
    sc->rx_seq = p.seq;
    sc->have_rx = 1;
    sim_heard_frame(sc, p.payload, contiguous, contiguous ? step - 1u : 0);
}

int sim_line_send(sim_call *sc, const uint8_t *pkt, size_t len)
{
    if (!sc->rtp_open || !sc->remote_known)
        return -1;
    uv_buf_t b = uv_buf_init((char *)pkt, (unsigned)len);
    return uv_udp_try_send(&sc->rtp, &b, 1, (struct sockaddr *)&sc->remote) < 0 ? -1 : 0;
}

static void rtp_closed(uv_handle_t *h)
{
    sim_call *sc = h->data;
    sc->rtp_closing = 0;
}

static void close_rtp(sim_call *sc)
{
    if (!sc->rtp_open)
        return;
    sc->rtp_open = 0;
    sc->rtp_closing = 1;
    uv_close((uv_handle_t *)&sc->rtp, rtp_closed);
}

/* ---- the agent's events ------------------------------------------------------------ */

static void on_answered(void *ud, void *call, const char *sdp, size_t len, const char *call_id)
{
    (void)ud;
    sim_call *sc = of(call);
    char err[256];
    cw_sdp answer;
    cw_sdp_choice ch;
    snprintf(sc->tr.call_id, sizeof sc->tr.call_id, "%s", call_id);
    if (!sdp || cw_sdp_parse(sdp, len, &answer, err, sizeof err) != 0 ||
        cw_sdp_negotiate(&answer, &ch, err, sizeof err) != 0 ||
        cw_sockaddr_from(ch.remote_addr, ch.remote_port, &sc->remote) != 0) {
        cw_log(CW_LOG_WARN, "test", "call %u: the answer's SDP is unusable: %s", sc->no,
               sdp ? err : "no SDP");
        sim_hangup(sc);
        return;
    }
    sc->remote_known = 1;
    sc->codec = ch.codec;
    sc->audio_pt = ch.codec_pt;
    sc->te_pt = ch.te_pt >= 0 ? ch.te_pt : SIM_TE_PT_DEFAULT;
    sc->answered = 1;
    sc->tr.answered = 1;
    sc->tr.t_answer = sim_real_ms(sc->run);
    if (sc->bye_when_answered && sc->nh)
        sim_sip_bye(sc->run->sip, sc->nh);
}

static void on_ended(void *ud, void *call, const char *by, int status, const char *phrase)
{
    (void)ud;
    sim_call *sc = of(call);
    char why[64];
    snprintf(why, sizeof why, "%s", status ? phrase : "bye");
    if (status && !sc->answered && !sc->bye_when_answered)
        sc->tr.rejected = status;      /* (a 487 to our own CANCEL is no rejection) */
    sc->run->now = sim_real_ms(sc->run);
    sim_ended(sc, by, why);
}

static int on_refer(void *ud, void *call, const char *target, const sim_sip_header *h,
                    size_t n)
{
    (void)ud;
    sim_call *sc = of(call);
    cw_header hh[20];
    for (size_t i = 0; i < n && i < 20; i++)
        hh[i] = (cw_header){ h[i].name, h[i].value };
    sc->run->now = sim_real_ms(sc->run);
    sim_record_transfer(sc, target, "refer", hh, n < 20 ? n : 20);
    if (sc->transfer_answer >= 200 && sc->transfer_answer < 300 && sc->tr.ntransfers)
        sc->tr.transfers[sc->tr.ntransfers - 1].accepted = 1;
    return sc->transfer_answer;
}

static void on_terminated(void *ud, void *call)
{
    sim_run *r = ud;
    sim_call *sc = of(call);
    r->now = sim_real_ms(r);
    sim_ended(sc, "callwarden", "terminated");
    close_rtp(sc);
    if (sc->nh)
        sim_sip_release(r->sip, sc->nh);
    sc->nh = NULL;
    sc->freed = 1;
}

/* ---- dialling ---------------------------------------------------------------------- */

int sim_line_dial(sim_call *sc, const char *offer_fmt)
{
    sim_run *r = sc->run;
    struct sockaddr_storage ss;
    int len = sizeof ss;
    cw_sockaddr_from("127.0.0.1", 0, &ss);
    if (uv_udp_init(&r->loop, &sc->rtp) != 0)
        return -1;
    sc->rtp.data = sc;
    sc->rtp_open = 1;
    if (uv_udp_bind(&sc->rtp, (struct sockaddr *)&ss, 0) != 0 ||
        uv_udp_getsockname(&sc->rtp, (struct sockaddr *)&ss, &len) != 0 ||
        uv_udp_recv_start(&sc->rtp, alloc_cb, recv_cb) != 0) {
        close_rtp(sc);
        return -1;
    }
    uint16_t port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    char sdp[512];
    snprintf(sdp, sizeof sdp, offer_fmt, sc->no, port);
    sc->nh = sim_sip_invite(r->sip, sc, sc->from, sc->to, sdp);
    if (!sc->nh) {
        close_rtp(sc);
        return -1;
    }
    return 0;
}

void sim_line_hangup(sim_call *sc)
{
    if (!sc->nh)
        return;
    if (sc->answered) {
        sim_sip_bye(sc->run->sip, sc->nh);
        return;
    }
    /* not answered yet: CANCEL; if the 200 OK crosses it, the call is up after all and
     * gets its BYE the moment the answer arrives (RFC 3261 9.1) */
    sc->bye_when_answered = 1;
    sim_sip_cancel(sc->run->sip, sc->nh);
}

/* ---- knowing what the runtime says --------------------------------------------------- */

/* Every WAV of the runtime's TTS cache with its text beside it (<sha>.txt). */
static size_t index_tts_dir(sim_run *r, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".wav") != 0)
            continue;
        char wav[CW_PATH_LEN + 300], txt[CW_PATH_LEN + 300], err[256];
        snprintf(wav, sizeof wav, "%s/%s", dir, e->d_name);
        snprintf(txt, sizeof txt, "%s/%.*s.txt", dir, (int)(len - 4), e->d_name);
        FILE *f = fopen(txt, "r");
        if (!f)
            continue;
        char text[CW_TRACE_TEXT];
        size_t k = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[k] = 0;
        if (sim_text_of(r, wav))
            continue;
        if (cw_prompt_get_file(&r->rt.prompts, wav, err, sizeof err)) {
            sim_tts_named_text(r, wav, text);
            n++;
        }
    }
    closedir(d);
    return n;
}

int sim_line_learn(sim_run *r)
{
    /* what the runtime rendered since: at most twice a second */
    uint64_t now = sim_real_ms(r);
    if (!r->tts_dir[0] || (r->tts_scanned && now < r->tts_scanned + 500))
        return 0;
    r->tts_scanned = now ? now : 1;
    return index_tts_dir(r, r->tts_dir) > 0;
}

static void rendered(void *ud, const char *path, const char *why)
{
    sim_run *r = ud;
    char err[256];
    if (!path || !cw_prompt_get_file(&r->rt.prompts, path, err, sizeof err))
        cw_log(CW_LOG_WARN, "test", "a policy text could not be rendered: %s",
               path ? err : why);
    r->renders--;
}

static void render(sim_run *r, const char *voice, const char *text)
{
    if (!text || !text[0])
        return;
    struct sim_render *w = cw_trace_push((void **)&r->waits, &r->nwaits, &r->capwaits,
                                         sizeof *w);
    char err[256];
    if (!w)
        return;
    r->renders++;
    if (cw_tts_render(&r->rt.tts, voice, text, &w->w, rendered, r, err, sizeof err) != 0)
        r->renders--;
}

/* The wording of every policy, rendered here as the runtime renders it. */
static void render_policies(sim_run *r)
{
    /* the waits must not move while renders are pending: room for all of them first */
    size_t want = 0;
    for (cw_tenant *t = r->rt.tenants.head; t; t = t->next)
        if (t->current && t->current->policy)
            want += t->current->policy->nlangs * (16 + CW_POLICY_MAX_VARIANTS);
    r->waits = calloc(want ? want : 1, sizeof *r->waits);
    r->capwaits = want;
    for (cw_tenant *t = r->rt.tenants.head; t; t = t->next) {
        const cw_policy *p = t->current ? t->current->policy : NULL;
        for (size_t i = 0; p && i < p->nlangs; i++) {
            const cw_policy_lang *l = &p->langs[i];
            const char *texts[] = { l->disclosure, l->question, l->more, l->accepted,
                                    l->refused, l->withdrawn, l->timeout, l->simple,
                                    l->age_question, l->handover_notice, l->goodbye };
            for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
                render(r, l->lang, texts[k]);
            for (size_t k = 0; k < l->nvariants; k++)
                render(r, l->lang, l->variants[k].question);
        }
    }
    while (r->renders > 0)
        uv_run(&r->loop, UV_RUN_ONCE);
}

/* Every prompt file a tenant (or callwarden itself) may play: the runtime under test
 * loads them when it plays them, the caller must know them before. */
static void load_prompts_of(sim_run *r, const char *tenant)
{
    char dir[CW_PATH_LEN + 80];
    snprintf(dir, sizeof dir, "%s/%s", r->rt.prompts.dir, tenant);
    DIR *d = opendir(dir);
    struct dirent *l;
    while (d && (l = readdir(d))) {
        if (l->d_name[0] == '.')
            continue;
        char sub[CW_PATH_LEN + 400];
        snprintf(sub, sizeof sub, "%s/%s", dir, l->d_name);
        DIR *dl = opendir(sub);
        struct dirent *e;
        while (dl && (e = readdir(dl))) {
            size_t len = strlen(e->d_name);
            if (len < 5 || strcmp(e->d_name + len - 4, ".wav") != 0)
                continue;
            char id[256], err[256];
            snprintf(id, sizeof id, "%.*s", (int)(len - 4), e->d_name);
            cw_prompt_get(&r->rt.prompts, tenant, l->d_name, id, err, sizeof err);
        }
        if (dl)
            closedir(dl);
    }
    if (d)
        closedir(d);
}

static const sim_sip_events events = {
    .answered = on_answered,
    .ended = on_ended,
    .refer = on_refer,
    .terminated = on_terminated,
};

int sim_line_open(sim_run *r, const char *target, const char *tts_dir)
{
    r->t0_ns = uv_hrtime();
    r->wall0_ms = cw_now_ms();
    r->sip = sim_sip_start(&r->loop, target, &events, r, r->err, sizeof r->err);
    if (!sim_sip_ok(r->sip))
        return -1;
    render_policies(r);
    load_prompts_of(r, "_callwarden");
    for (cw_tenant *t = r->rt.tenants.head; t; t = t->next)
        load_prompts_of(r, t->name);
    if (tts_dir && tts_dir[0]) {
        snprintf(r->tts_dir, sizeof r->tts_dir, "%s", tts_dir);
        sim_line_learn(r);
    }
    return 0;
}

void sim_line_close(sim_run *r)
{
    sim_sip_stop(r->sip, &r->loop);
    r->sip = NULL;
    for (sim_call *sc = r->calls; sc; sc = sc->next)
        close_rtp(sc);
    uv_run(&r->loop, UV_RUN_NOWAIT);
    free(r->waits);
    r->waits = NULL;
}
