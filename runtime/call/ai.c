/* ai.c  call:ask(): a conversation turn with the tenant's AI, through the egress gate.
 *
 * G2 and G6 together: what the flow sends is taken as derived from the caller (it is a
 * transcript, or words about the caller), so it leaves only with a durably given,
 * unwithdrawn consent whose level covers the endpoint's purpose, only to a host on the
 * policy's allow-list in a permitted region, and only after the policy's redaction
 * (phone numbers, e-mail addresses, IBANs, dates of birth) took out what the model does
 * not need. The gate decides (runtime/egress); this file builds the request (OpenAI's
 * chat completions, as EU-hosted and self-hosted servers speak it) and reads the answer,
 * streamed (server-sent events) or not.
 *
 * The caller is never left in silence: after ai.silence_ms without an answer the
 * policy's wait wording is said (and again after each further silence), and if the AI
 * fails or is too slow (ai.timeout_ms, retries included) the unavailable wording is said
 * before the flow gets nil and the reason. A withdrawal (G5) or the end of the call
 * cancels the request at once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "callwarden/redact.h"
#include "callwarden/runtime.h"
#include "call_int.h"

/* This year, for telling a date of birth from an appointment. */
static int this_year(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

static const cw_policy_lang *ai_wording(const cw_call *c)
{
    const cw_policy *p = cw_call_policy(c);
    const cw_policy_lang *l = cw_policy_lang_get(p, c->lang);
    return l ? l : cw_policy_lang_for(p, c->caller);
}

/* ---- the answer --------------------------------------------------------------- */

/* choices[0].message.content of a chat completion, or NULL. */
static char *completion_text(const char *body, size_t len)
{
    json_error_t e;
    json_t *o = json_loadb(body, len, 0, &e);
    const char *s = NULL;
    json_t *choices = o ? json_object_get(o, "choices") : NULL;
    json_t *first = json_is_array(choices) ? json_array_get(choices, 0) : NULL;
    json_t *msg = first ? json_object_get(first, "message") : NULL;
    if (msg)
        s = json_string_value(json_object_get(msg, "content"));
    char *out = s ? strdup(s) : NULL;
    json_decref(o);
    return out;
}

/* The text of a streamed completion: every "data: {...}" event's
 * choices[0].delta.content, in order, until "data: [DONE]". NULL if none came. */
static char *stream_text(const char *body, size_t len)
{
    size_t cap = len + 1, n = 0;
    char *out = malloc(cap);
    int any = 0;
    if (!out)
        return NULL;
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        size_t ll = (size_t)(line_end - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        if (ll > 5 && strncmp(p, "data:", 5) == 0) {
            const char *d = p + 5;
            size_t dl = ll - 5;
            while (dl && *d == ' ') {
                d++;
                dl--;
            }
            if (dl == 6 && strncmp(d, "[DONE]", 6) == 0)
                break;
            json_error_t e;
            json_t *o = json_loadb(d, dl, 0, &e);
            json_t *choices = o ? json_object_get(o, "choices") : NULL;
            json_t *first = json_is_array(choices) ? json_array_get(choices, 0) : NULL;
            json_t *delta = first ? json_object_get(first, "delta") : NULL;
            const char *s = delta ? json_string_value(json_object_get(delta, "content")) : NULL;
            if (s) {
                size_t sl = strlen(s);
                if (n + sl < cap) {            /* the text is never longer than the body */
                    memcpy(out + n, s, sl);
                    n += sl;
                    any = 1;
                }
            }
            json_decref(o);
        }
        p = eol ? eol + 1 : end;
    }
    out[n] = 0;
    if (!any) {
        free(out);
        return NULL;
    }
    return out;
}

/* The text of a transcription: {"text": ...} (OpenAI, whisper.cpp), or the body itself
 * when it is plain text; spaces trimmed. NULL if it has none. */
char *cw_ai_transcript(const cw_egress_response *r, double *confidence)
{
    const char *s = NULL;
    json_t *o = NULL;
    if (confidence)
        *confidence = -1;
    if (strncmp(r->content_type, "text/plain", 10) == 0) {
        s = r->body;
    } else {
        json_error_t e;
        o = json_loadb(r->body, r->len, 0, &e);
        s = o ? json_string_value(json_object_get(o, "text")) : NULL;
        json_t *segs = o ? json_object_get(o, "segments") : NULL;
        double sum = 0;
        size_t n = 0;
        for (size_t i = 0; json_is_array(segs) && i < json_array_size(segs); i++) {
            json_t *lp = json_object_get(json_array_get(segs, i), "avg_logprob");
            if (json_is_number(lp)) {
                sum += json_number_value(lp);
                n++;
            }
        }
        if (confidence && n) {
            double c = exp(sum / (double)n);
            *confidence = c > 1 ? 1 : c < 0 ? 0 : c;
        }
    }
    char *out = NULL;
    if (s) {
        while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
            s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' ||
                     s[n - 1] == '\t'))
            n--;
        out = malloc(n + 1);
        if (out) {
            memcpy(out, s, n);
            out[n] = 0;
        }
    }
    json_decref(o);
    return out;
}

/* ---- keeping a transcript -------------------------------------------------------- */

static void transcript_stored(void *ud, const char *id, const char *sha256, const char *err)
{
    (void)sha256;
    cw_call *c = ud;
    if (err)
        cw_log(CW_LOG_ERROR, "vault", "call=%llu transcript not stored: %s",
               (unsigned long long)c->id, err);
    else
        cw_log(CW_LOG_INFO, "vault", "call=%llu transcript stored artifact=%s",
               (unsigned long long)c->id, id);
    cw_call_unpin(c);
}

/* A transcript is kept only for what the consent covers: "transcription" (a written
 * record of the call) or "ai_improvement" (`callwarden export training`), under the
 * consent's key with its level's retention (G2, G7); otherwise it lives in the flow
 * for the call only. */
static void keep_transcript(cw_call *c, const char *text)
{
    const cw_policy *p = cw_call_policy(c);
    const cw_policy_level *l = p && c->consent == CW_CONSENT_GIVEN
                                   ? cw_policy_level_get(p, c->consent_level) : NULL;
    const char *purpose = !l ? NULL
                          : cw_policy_level_covers(l, "transcription") ? "transcription"
                          : cw_policy_level_covers(l, "ai_improvement") ? "ai_improvement"
                                                                        : NULL;
    size_t len = strlen(text);
    if (!purpose || !len || !c->subject_ref[0])
        return;
    uint8_t *data = malloc(len);
    if (!data)
        return;
    memcpy(data, text, len);
    int64_t now = cw_now_ms();
    cw_vault_item it = { .subject_ref = c->subject_ref, .consent_id = c->consent_id,
                         .purpose = purpose, .kind = "text/plain", .created_ms = now,
                         .delete_after_ms = now + l->retention_ms };
    c->pending_handles++;              /* the call lives until the vault said */
    if (cw_stores_put(&c->rt->stores, cw_stores_find(&c->rt->stores, c->tenant), &it, data,
                      len, transcript_stored, c) != 0) {
        c->pending_handles--;
        cw_log(CW_LOG_ERROR, "vault", "call=%llu transcript not stored: no vault",
               (unsigned long long)c->id);
    }
}

/* ---- waking the flow -------------------------------------------------------------- */

static void wake_failed(cw_call *c, int completed)
{
    (void)completed;
    cw_flow_wake_result(&c->flow, NULL, c->ai_why);
}

/* The AI failed: the unavailable wording first (if the policy has one), then nil. */
static void failed(cw_call *c, const char *why)
{
    snprintf(c->ai_why, sizeof c->ai_why, "%s", why);
    const cw_policy_lang *l = ai_wording(c);
    if (l && l->ai_unavailable && c->state == CW_CALL_ANSWERED) {
        cw_call_speak(c, l->ai_unavailable, wake_failed);
        return;
    }
    wake_failed(c, 0);
}

static void silence(cw_call *c);

/* The wait wording was said: if the answer is still not there, wait again. */
static void wait_said(cw_call *c, int completed)
{
    (void)completed;
    const cw_policy *p = cw_call_policy(c);
    if (c->ai_job && p)
        cw_call_timer_start(c, silence, p->ai_silence_ms);
}

/* ai.silence_ms without an answer: tell the caller we are still there. */
static void silence(cw_call *c)
{
    const cw_policy_lang *l = ai_wording(c);
    if (!c->ai_job || !l || !l->ai_wait || c->state != CW_CALL_ANSWERED)
        return;
    cw_log(CW_LOG_INFO, "call", "call=%llu ai slow: the wait wording is said",
           (unsigned long long)c->id);
    cw_call_speak(c, l->ai_wait, wait_said);
}

static void wake_withdrawn(cw_call *c, int completed)
{
    (void)completed;
    cw_flow_wake_result(&c->flow, NULL, c->ai_why);
}

static void answered(void *ud, const cw_egress_response *r)
{
    cw_call *c = ud;
    c->ai_job = NULL;
    cw_call_timer_stop(c);
    const cw_sim_hooks *sim = c->rt->sim;
    if (sim && sim->egress_done)
        sim->egress_done(sim->ud, c, r->cancelled);
    if (r->cancelled) {
        if (c->state >= CW_CALL_ENDING)
            return;                    /* the flow is over: nothing waits */
        if (c->withdraw_confirming) {
            /* G5: the confirmation is heard in full before the flow goes on */
            c->withdraw_flow_cb = wake_withdrawn;
            return;
        }
        cw_flow_wake_result(&c->flow, NULL, c->ai_why);
        return;
    }
    if (r->error) {
        char why[256];
        snprintf(why, sizeof why, "the AI did not answer: %s", r->error);
        failed(c, why);
        return;
    }
    int sse = c->ai_kind == CW_AI_CHAT &&
              (strncmp(r->content_type, "text/event-stream", 17) == 0 ||
               strncmp(r->body, "data:", 5) == 0);
    char *text = c->ai_kind == CW_AI_TRANSCRIBE ? cw_ai_transcript(r, NULL)
                 : sse ? stream_text(r->body, r->len) : completion_text(r->body, r->len);
    if (!text) {
        cw_log(CW_LOG_WARN, "call", "call=%llu ai answer without text (HTTP %d, %zu bytes)",
               (unsigned long long)c->id, r->status, r->len);
        failed(c, "the AI's answer has no text");
        return;
    }
    cw_log(CW_LOG_INFO, "call", "call=%llu ai %s bytes=%zu ms=%llu tries=%u%s",
           (unsigned long long)c->id, c->ai_kind == CW_AI_TRANSCRIBE ? "transcribed"
                                                                    : "answered",
           strlen(text), (unsigned long long)r->elapsed_ms, r->attempts,
           sse ? " streamed" : "");
    if (c->ai_kind == CW_AI_TRANSCRIBE)
        keep_transcript(c, text);
    cw_flow_wake_text(&c->flow, text, strlen(text), NULL);
    free(text);
}

/* ---- the request ---------------------------------------------------------------- */

/* The chat completion request: the messages redacted as the policy says. NULL with err
 * when a message is not UTF-8 (jansson refuses it) or out of memory. */
static char *request_body(cw_call *c, const cw_ask_args *a, const cw_policy *p,
                          char *err, size_t errlen)
{
    json_t *msgs = json_array();
    cw_redact_counts total = { 0 };
    int year = this_year();
    for (size_t i = 0; msgs && i < a->nmessages; i++) {
        cw_redact_counts n = { 0 };
        char *clean = cw_redact(a->messages[i].content, p->ai_redact, year, &n);
        json_t *text = clean ? json_string(clean) : NULL;
        free(clean);
        if (!text) {
            snprintf(err, errlen, "message %zu is not valid UTF-8", i + 1);
            json_decref(msgs);
            return NULL;
        }
        json_array_append_new(msgs, json_pack("{s:s, s:o}", "role", a->messages[i].role,
                                              "content", text));
        total.phone += n.phone;
        total.email += n.email;
        total.iban += n.iban;
        total.birthdate += n.birthdate;
    }
    json_t *o = msgs ? json_pack("{s:o, s:b}", "messages", msgs, "stream", a->stream) : NULL;
    const char *model = a->model ? a->model : p->ai_chat.model;
    if (o && model)
        json_object_set_new(o, "model", json_string(model));
    if (o && a->max_tokens)
        json_object_set_new(o, "max_tokens", json_integer(a->max_tokens));
    if (o && a->temperature >= 0)
        json_object_set_new(o, "temperature", json_real(a->temperature));
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!body)
        snprintf(err, errlen, "out of memory");
    else if (total.phone + total.email + total.iban + total.birthdate)
        cw_log(CW_LOG_INFO, "call", "call=%llu ai redacted phone=%u email=%u iban=%u "
               "birthdate=%u", (unsigned long long)c->id, total.phone, total.email,
               total.iban, total.birthdate);
    return body;
}

const char *cw_call_ai_key(const cw_call *c)
{
    const cw_config *cfg = &c->rt->cfg;
    for (size_t i = 0; i < cfg->nai_keys; i++)
        if (strcmp(cfg->ai_keys[i].tenant, c->tenant) == 0)
            return cfg->ai_keys[i].key;
    return NULL;
}

int cw_ai_ask(cw_call *c, const cw_ask_args *a, char *err, size_t errlen)
{
    const cw_policy *p = cw_call_policy(c);
    const char *url = a->url ? a->url : p ? p->ai_chat.url : NULL;
    if (!p || !url) {
        cw_flow_wake_result(&c->flow, NULL, "the policy names no AI (ai { chat = { url = "
                            "\"https://...\" } })");
        return 0;
    }
    const char *purpose = a->purpose ? a->purpose
                          : p->ai_chat.purpose[0] ? p->ai_chat.purpose : "ai_processing";
    char *body = request_body(c, a, p, err, errlen);
    if (!body)
        return -1;
    cw_egress_request rq = {
        .url = url, .purpose = purpose, .content_type = "application/json", .body = body,
        .body_len = strlen(body),
    };
    cw_ai_send(c, &rq, CW_AI_CHAT);
    free(body);
    return 0;
}

void cw_ai_prepare(cw_call *c, cw_ai_ctx *x, cw_egress_request *rq)
{
    const cw_policy *p = cw_call_policy(c);
    x->consent = (cw_egress_consent){
        .given = c->consent == CW_CONSENT_GIVEN,
        .withdrawn = c->consent == CW_CONSENT_WITHDRAWN,
        .level = c->consent_level[0] ? c->consent_level : NULL,
        .consent_id = c->consent_id,
    };
    size_t nh = 0;
    const char *key = cw_call_ai_key(c);
    if (key) {
        snprintf(x->auth, sizeof x->auth, "Authorization: Bearer %s", key);
        x->headers[nh++] = x->auth;
    }
    cw_sha256_hex_of(c->call_id, strlen(c->call_id), x->call_hash);
    x->call_hash[32] = 0;              /* as records.c names the call */
    rq->policy = p;
    rq->tenant = c->tenant;
    rq->call = c->id;
    rq->call_hash = x->call_hash;
    rq->consent = &x->consent;
    rq->headers = x->headers;
    rq->nheaders = nh;
    rq->timeout_ms = p ? p->ai_timeout_ms : 0;
    rq->retries = p ? p->ai_retries : 0;
}

void cw_ai_sent(cw_call *c, const cw_egress_request *rq)
{
    snprintf(c->ai_why, sizeof c->ai_why, "cancelled");
    const cw_sim_hooks *sim = c->rt->sim;
    if (sim && sim->egress)
        sim->egress(sim->ud, c, rq->url, rq->purpose, 1);
}

void cw_ai_send(cw_call *c, cw_egress_request *rq, int kind)
{
    const cw_policy *p = cw_call_policy(c);
    cw_ai_ctx x;
    cw_ai_prepare(c, &x, rq);
    char why[512];
    c->ai_kind = kind;
    c->ai_job = p ? cw_egress_send(c->rt->egress, rq, answered, c, why, sizeof why) : NULL;
    if (!c->ai_job) {
        cw_flow_wake_result(&c->flow, NULL, p ? why : "the tenant has no policy");
        return;
    }
    cw_ai_sent(c, rq);
    cw_call_timer_start(c, silence, p->ai_silence_ms);
}

void cw_ai_cancel(cw_call *c, const char *why)
{
    if (!c->ai_job)
        return;
    cw_log(CW_LOG_INFO, "call", "call=%llu ai request cancelled: %s", (unsigned long long)c->id,
           why);
    snprintf(c->ai_why, sizeof c->ai_why, "%s", why);
    cw_egress_cancel(c->ai_job);       /* answered() runs now, with cancelled set */
}
