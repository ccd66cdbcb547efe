/* consent.c  G3: `level = call:consent{...}`, the consent capture the core does for a
 * flow, so that no flow can get it wrong.
 *
 * The core asks the policy's question (a weighted A/B variant, or the simplified
 * wording when the flow asks for it) in the caller's language, and listens for keys:
 * a level's key chooses that level (if the flow offered it and the caller's age allows
 * it), the "more" key plays the longer information and asks again, the human key
 * refuses (the flow then hands over). No key within the policy's answer time repeats
 * the question after the timeout wording, up to its retries; then it counts as refused.
 * An answer is final only when its record is durable: GIVEN returns to the flow from
 * the ledger's callback (after COMMIT), so that from that moment on the gate (G2) may
 * open for the level's purposes; a refusal is logged as REFUSED and this call never
 * records. Keys meanwhile are the consent's: they do not reach the flow.
 *
 * Minimum age: when an offered level has one and the flow gave no age, the core first
 * asks the policy's age question (the age in years, by keys, ended by '#' or after
 * three digits or the answer time); no answer after the retries leaves the age unknown,
 * so those levels cannot be given. The age goes into the record, never into a log.
 *
 * G5: once given, the policy's withdraw key ends the consent at any moment (below).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "call_int.h"

/* Every change of the call's consent state goes through here, so that the scenario
 * runner sees each one. */
static void set_consent(cw_call *c, int state)
{
    if (state != c->consent && (state == CW_CONSENT_GIVEN || state == CW_CONSENT_REFUSED ||
                                state == CW_CONSENT_WITHDRAWN))
        cw_metrics_consent(&c->rt->metrics, c, state == CW_CONSENT_GIVEN ? CW_METRIC_GIVEN
                                               : state == CW_CONSENT_REFUSED ? CW_METRIC_REFUSED
                                                                             : CW_METRIC_WITHDRAWN);
    c->consent = state;
    const cw_sim_hooks *h = c->rt->sim;
    if (h && h->consent_changed)
        h->consent_changed(h->ud, c);
}

static void ask(cw_call *c);

/* Stop what the question plays, without its end counting as the question's end. */
static void hush(cw_call *c)
{
    cw_consent_speech_stop(c);         /* a spoken answer is no longer awaited */
    c->play_cb = NULL;
    c->consent_next = NULL;
    cw_tts_cancel(&c->tts_wait);
    cw_stream_stop(&c->stream);
    cw_call_timer_stop(c);
}

static const cw_policy_lang *wording(const cw_call *c)
{
    const cw_policy *p = cw_call_policy(c);
    const cw_policy_lang *l = cw_policy_lang_get(p, c->lang);
    return l ? l : cw_policy_lang_for(p, c->caller);
}

/* ---- speaking the policy's wording ---------------------------------------------- */

static void spoken(void *ud, const char *path, const char *why)
{
    cw_call *c = ud;
    char err[512];
    cw_prompt *p = path ? cw_prompt_get_file(&c->rt->prompts, path, err, sizeof err) : NULL;
    cw_play_cb next = c->consent_next;
    c->consent_next = NULL;
    if (!p) {
        cw_log(CW_LOG_ERROR, "call", "call=%llu consent wording cannot be spoken: %s",
               (unsigned long long)c->id, path ? err : why);
        if (next)
            next(c, 0);
        return;
    }
    c->play_cb = NULL;
    cw_stream_play(&c->stream, p);
    c->play_cb = next;
}

/* Say text in the call's language, then next(c, completed). */
void cw_call_speak(cw_call *c, const char *text, cw_play_cb next)
{
    char err[256];
    cw_tts_cancel(&c->tts_wait);       /* a rendering still on its way is not wanted now */
    c->consent_next = next;
    if (cw_tts_render(&c->rt->tts, c->lang, text, &c->tts_wait, spoken, c, err,
                      sizeof err) != 0)
        spoken(c, NULL, err);
}

/* ---- the end of the question ---------------------------------------------------- */

static void finish(cw_call *c, const char *level, const char *why)
{
    cw_call_timer_stop(c);
    cw_flow_wake_result(&c->flow, level, why);
}

static void after_accepted(cw_call *c, int completed)
{
    (void)completed;
    finish(c, c->consent_level, NULL);
}

static void after_refused(cw_call *c, int completed)
{
    (void)completed;
    finish(c, NULL, "refused");
}

static void given_logged(cw_call *c, int ok)
{
    const cw_policy_level *l = cw_policy_level_get(cw_call_policy(c), c->consent_level);
    if (ok && l)
        cw_evidence_store(c, l);       /* only now, also after a hang-up: the record that
                                        * names it is durable */
    if (c->state != CW_CALL_ANSWERED) {
        /* the caller answered and hung up while the record was written: given all the
         * same (the ledger says so), with nothing left to open the gate for */
        cw_evidence_drop(c);
        set_consent(c, ok ? CW_CONSENT_GIVEN : CW_CONSENT_NONE);
        return;
    }
    if (!ok) {
        /* not durable, so not given: the gate stays shut (G2) */
        cw_evidence_drop(c);
        set_consent(c, CW_CONSENT_NONE);
        cw_log(CW_LOG_ERROR, "call", "call=%llu consent %s not stored: not given",
               (unsigned long long)c->id, c->consent_id);
        finish(c, NULL, "the consent could not be stored durably, so it is not given (G2)");
        return;
    }
    set_consent(c, CW_CONSENT_GIVEN);
    c->consent_ms = cw_now_ms();
    /* G2: from the ledger's callback, and from nowhere else, the gate learns the level */
    c->stream.consent_gate.npurposes = 0;
    for (size_t i = 0; l && i < l->npurposes && i < 16; i++)
        c->stream.consent_gate.purposes[c->stream.consent_gate.npurposes++] = l->purposes[i];
    c->stream.consent_gate.given = 1;
    cw_log(CW_LOG_INFO, "call", "call=%llu consent given level=%s variant=%s",
           (unsigned long long)c->id, c->consent_level, c->consent_variant);
    cw_call_speak(c, wording(c)->accepted, after_accepted);
}

static void refused_logged(cw_call *c, int ok)
{
    (void)ok;                          /* refused either way: nothing will be recorded */
    if (c->state != CW_CALL_ANSWERED)
        return;
    cw_call_speak(c, wording(c)->refused, after_refused);
}

static void refuse(cw_call *c, const char *answer)
{
    char err[256];
    hush(c);
    cw_evidence_drop(c);               /* a refusal's audio is never kept */
    set_consent(c, CW_CONSENT_REFUSED);
    cw_log(CW_LOG_INFO, "call", "call=%llu consent refused answer=%s variant=%s",
           (unsigned long long)c->id, answer, c->consent_variant);
    if (cw_call_log_consent(c, NULL, answer, refused_logged, err, sizeof err) != 0) {
        cw_log(CW_LOG_ERROR, "call", "call=%llu REFUSED not written: %s",
               (unsigned long long)c->id, err);
        refused_logged(c, 0);
    }
}

static void give(cw_call *c, const cw_policy_level *l, char key)
{
    char err[256];
    hush(c);
    set_consent(c, CW_CONSENT_COMMITTING);
    snprintf(c->consent_level, sizeof c->consent_level, "%s", l->name);
    cw_evidence_take(c);               /* the answer, for the GIVEN to name */
    char answer[2] = { key, 0 };
    if (cw_call_log_consent(c, l, answer, given_logged, err, sizeof err) != 0) {
        cw_log(CW_LOG_ERROR, "call", "call=%llu GIVEN not written: %s",
               (unsigned long long)c->id, err);
        given_logged(c, 0);
    }
}

/* ---- a spoken answer (its audio and recognition: consent_speech.c) ----------------- */

static void answer_timeout(cw_call *c);
static int grantable(const cw_call *c, size_t i, const cw_policy_level *l);

/* text lower-cased (ASCII), punctuation as spaces, one space between words, a space
 * at each end: " ja bitte " */
static void normalise(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = ' ';
    for (const char *p = in; *p && n + 2 < cap; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch - 'A' + 'a');
        int word = ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                   ch == '\'';
        if (!word) {
            if (out[n - 1] != ' ')
                out[n++] = ' ';
            continue;
        }
        out[n++] = (char)ch;
    }
    if (out[n - 1] != ' ')
        out[n++] = ' ';
    out[n] = 0;
}

static int says(const char *norm, char *const *words, size_t nwords)
{
    for (size_t i = 0; i < nwords; i++) {
        char w[160];
        normalise(words[i], w, sizeof w);
        if (strlen(w) > 2 && strstr(norm, w))
            return 1;
    }
    return 0;
}

void cw_consent_spoken(cw_call *c, const char *text, double confidence)
{
    const cw_policy *p = cw_call_policy(c);
    const cw_policy_lang *l = wording(c);
    char norm[512];
    normalise(text, norm, sizeof norm);
    /* "nicht einverstanden" holds a yes word: a no word wins */
    int no = says(norm, l->no, l->nno), yes = !no && says(norm, l->yes, l->nyes);
    cw_log(CW_LOG_INFO, "call", "call=%llu spoken consent answer: %s (confidence %.2f)",
           (unsigned long long)c->id, no ? "no" : yes ? "yes" : "not understood", confidence);
    if (!no && !yes) {
        cw_consent_speech_unheard(c);
        return;
    }
    c->consent_by_speech = 1;
    snprintf(c->consent_speech, sizeof c->consent_speech, "%s", text);
    c->consent_confidence = confidence;
    if (no) {
        refuse(c, "speech");           /* the words go into the record, not the log */
        return;
    }
    /* yes: the first level the caller may be given (the question's "say yes or press 1") */
    for (size_t i = 0; i < p->nlevels; i++)
        if (grantable(c, i, &p->levels[i])) {
            give(c, &p->levels[i], 0);
            return;
        }
    c->consent_by_speech = 0;
    cw_log(CW_LOG_INFO, "call", "call=%llu spoken yes, but no level can be given",
           (unsigned long long)c->id);
    cw_consent_speech_unheard(c);
}

void cw_consent_speech_unheard(cw_call *c)
{
    if (c->answer_timeout_pending && c->consent == CW_CONSENT_ASKING) {
        c->answer_timeout_pending = 0;
        answer_timeout(c);
    }
}

/* ---- asking --------------------------------------------------------------------- */

static void after_timeout_wording(cw_call *c, int completed)
{
    (void)completed;
    if (c->consent == CW_CONSENT_ASKING)
        ask(c);
}

static void answer_timeout(cw_call *c)
{
    if (c->consent != CW_CONSENT_ASKING)
        return;
    if (c->ai_job && c->ai_kind == CW_AI_CONSENT) {
        c->answer_timeout_pending = 1; /* a spoken answer is being recognised: wait */
        return;
    }
    const cw_policy *p = cw_call_policy(c);
    if (++c->consent_retries > p->retries) {
        refuse(c, "timeout");
        return;
    }
    const char *again = wording(c)->timeout;
    if (again)
        cw_call_speak(c, again, after_timeout_wording);
    else
        ask(c);
}

static void question_done(cw_call *c, int completed)
{
    (void)completed;
    if (c->consent != CW_CONSENT_ASKING)
        return;
    /* the caller has the policy's answer time after the question ended; what the
     * caller says from now on is the answer, held as its evidence */
    cw_evidence_listen(c);
    cw_call_timer_start(c, answer_timeout, cw_call_policy(c)->answer_timeout_ms);
}

static void ask(cw_call *c)
{
    cw_call_timer_stop(c);
    cw_call_speak(c, c->consent_question, question_done);
}

static void after_more(cw_call *c, int completed)
{
    (void)completed;
    if (c->consent == CW_CONSENT_ASKING)
        ask(c);
}

/* The wording to ask: simplified when the flow asks for it, else the main question or
 * one of its A/B variants, drawn by weight (the main question weighs as much as all
 * variants together, so that half of the callers hear it). */
static void choose_wording(cw_call *c, const cw_policy_lang *l)
{
    if (c->consent_simple && l->simple) {
        c->consent_question = l->simple;
        snprintf(c->consent_variant, sizeof c->consent_variant, "simple");
        return;
    }
    unsigned total = 0;
    for (size_t i = 0; i < l->nvariants; i++)
        total += l->variants[i].weight;
    c->consent_question = l->question;
    snprintf(c->consent_variant, sizeof c->consent_variant, "main");
    if (total == 0)
        return;
    unsigned draw = cw_call_random(c) % (2 * total);
    for (size_t i = 0; i < l->nvariants && draw >= total; i++) {
        unsigned w = l->variants[i].weight;
        if (draw - total < w) {
            c->consent_question = l->variants[i].question;
            snprintf(c->consent_variant, sizeof c->consent_variant, "%s", l->variants[i].id);
            return;
        }
        draw -= w;
    }
}

/* May the caller be given level i? Offered by the flow, and old enough for it. */
static int grantable(const cw_call *c, size_t i, const cw_policy_level *l)
{
    if (!(c->consent_levels & (1u << i)))
        return 0;
    return l->min_age == 0 || (c->consent_age >= 0 && (unsigned)c->consent_age >= l->min_age);
}

/* ---- the age question (a level with a min_age, and the flow did not say) ------------ */

static int needs_age(const cw_call *c)
{
    const cw_policy *p = cw_call_policy(c);
    for (size_t i = 0; i < p->nlevels; i++)
        if ((c->consent_levels & (1u << i)) && p->levels[i].min_age > 0)
            return 1;
    return 0;
}

/* The age is known (or stays unknown, -1): on to the consent question. */
static void age_done(cw_call *c, int age)
{
    hush(c);
    c->age_asking = 0;
    c->consent_age = age;
    cw_log(CW_LOG_INFO, "call", "call=%llu consent age %s", (unsigned long long)c->id,
           age >= 0 ? "answered" : "unknown: levels with a minimum age cannot be given");
    ask(c);
}

static void ask_age(cw_call *c);

static void age_timeout(cw_call *c)
{
    if (!c->age_asking)
        return;
    if (c->age_digits[0]) {
        age_done(c, atoi(c->age_digits));
        return;
    }
    if (++c->age_retries > cw_call_policy(c)->retries) {
        age_done(c, -1);
        return;
    }
    ask_age(c);
}

static void age_question_done(cw_call *c, int completed)
{
    (void)completed;
    if (c->age_asking)
        cw_call_timer_start(c, age_timeout, cw_call_policy(c)->answer_timeout_ms);
}

static void ask_age(cw_call *c)
{
    cw_call_timer_stop(c);
    c->age_digits[0] = 0;
    cw_call_speak(c, wording(c)->age_question, age_question_done);
}

/* A key while the age question stands: digits (at most three) and '#' to end; a key
 * stops the question's wording, and the policy's answer time then runs per key. */
static void age_key(cw_call *c, char digit)
{
    size_t n = strlen(c->age_digits);
    if (digit >= '0' && digit <= '9' && n < 3) {
        c->age_digits[n] = digit;
        c->age_digits[n + 1] = 0;
        n++;
    }
    if (digit == '#' || n == 3) {
        int age = n ? atoi(c->age_digits) : -1;
        age_done(c, age <= 130 ? age : -1);
        return;
    }
    hush(c);
    c->consent_next = NULL;
    cw_call_timer_start(c, age_timeout, cw_call_policy(c)->answer_timeout_ms);
}

int cw_consent_start(cw_call *c, const cw_consent_args *a, char *err, size_t errlen)
{
    const cw_policy *p = cw_call_policy(c);
    if (!p) {
        snprintf(err, errlen, "the tenant has no policy, so no consent can be asked");
        return -1;
    }
    if (c->disclosure != CW_DISCLOSURE_DONE) {
        snprintf(err, errlen, "G1: the disclosure has not been played yet");
        return -1;
    }
    if (c->consent == CW_CONSENT_GIVEN) {
        cw_flow_wake_result(&c->flow, c->consent_level, NULL);   /* asked already */
        return 0;
    }
    if (c->consent == CW_CONSENT_REFUSED || c->consent == CW_CONSENT_WITHDRAWN) {
        cw_flow_wake_result(&c->flow, NULL, c->consent == CW_CONSENT_REFUSED ? "refused"
                                                                                : "withdrawn");
        return 0;
    }
    if (!c->subject_ref[0]) {
        snprintf(err, errlen, "no data subject for this call (the tenant's vault is not "
                 "available), so no consent can be recorded");
        return -1;
    }
    unsigned mask = 0;
    for (size_t i = 0; i < a->nlevels; i++) {
        const cw_policy_level *l = cw_policy_level_get(p, a->levels[i]);
        if (!l) {
            snprintf(err, errlen, "the policy has no level \"%s\"", a->levels[i]);
            return -1;
        }
        mask |= 1u << (size_t)(l - p->levels);
    }
    c->consent_levels = a->nlevels ? mask : (1u << p->nlevels) - 1;
    c->consent_age = a->age;
    c->consent_simple = a->simple;
    c->consent_retries = 0;
    c->consent_by_speech = 0;
    c->answer_timeout_pending = 0;
    set_consent(c, CW_CONSENT_ASKING);
    choose_wording(c, wording(c));
    cw_metrics_consent(&c->rt->metrics, c, CW_METRIC_ASKED);
    cw_log(CW_LOG_INFO, "call", "call=%llu consent asked variant=%s levels=0x%x age=%s",
           (unsigned long long)c->id, c->consent_variant, c->consent_levels,
           a->age >= 0 ? "from-flow" : "unknown");
    c->age_asking = a->age < 0 && needs_age(c) && wording(c)->age_question;
    c->age_retries = 0;
    if (c->age_asking)
        ask_age(c);                    /* G3: the core asks, before the question */
    else
        ask(c);
    return 0;
}

/* ---- G5: withdrawal ------------------------------------------------------------- */

static void erased(void *ud, uint64_t n, const char *err)
{
    cw_call *c = ud;
    if (err)
        cw_log(CW_LOG_ERROR, "vault", "call=%llu consent %s: its content could not be erased "
               "(%s); `callwarden vault reconcile` erases it from the WITHDRAWN record",
               (unsigned long long)c->id, c->consent_id, err);
    else
        cw_call_log_erased(c, n);
    cw_call_unpin(c);
}

static void after_withdrawn(cw_call *c, int completed)
{
    (void)completed;
    c->withdraw_confirming = 0;
    cw_play_cb flow_cb = c->withdraw_flow_cb;
    c->withdraw_flow_cb = NULL;
    if (flow_cb)
        flow_cb(c, 0);                 /* the flow's prompt gave way to the confirmation */
    if (c->hangup_after_confirm[0] && c->state == CW_CALL_ANSWERED)
        cw_call_hangup(c, c->hangup_after_confirm);
}

/* The withdraw key: the gate shuts before anything else happens, so the next frame of
 * the caller's audio is no longer recorded; then what was recorded is discarded, the
 * stored content of the consent crypto-shredded, WITHDRAWN and ERASED logged, and the
 * caller hears the confirmation. */
static void withdraw(cw_call *c, const char *method, const char *answer)
{
    c->stream.consent_gate.given = 0;
    c->stream.consent_gate.npurposes = 0;
    set_consent(c, CW_CONSENT_WITHDRAWN);
    /* how many of the caller's frames were kept after the key: the measure of G5's
     * "within one frame" (the key counts from when it went down, for RFC 4733) */
    uint64_t key = c->withdraw_key_frame ? c->withdraw_key_frame
                                         : c->stream.stats.audio_frames_in;
    uint64_t after = c->rec && c->rec->last_frame > key ? c->rec->last_frame - key : 0;
    cw_log(CW_LOG_INFO, "call", "call=%llu consent withdrawn level=%s "
           "frames_recorded_after_key=%llu", (unsigned long long)c->id, c->consent_level,
           (unsigned long long)after);
    cw_recorder_finish(c, 0);
    cw_call_log_withdrawn(c, method, answer);
    c->pending_handles++;
    if (cw_stores_erase_consent(&c->rt->stores, cw_stores_find(&c->rt->stores, c->tenant),
                                c->consent_id, erased, c) != 0)
        erased(c, 0, "no vault");
    c->withdraw_flow_cb = c->play_cb;  /* a prompt of the flow's, if one plays */
    c->play_cb = NULL;
    cw_tts_cancel(&c->tts_wait);
    cw_stream_stop(&c->stream);
    /* the caller hears the confirmation in full: a hang-up the flow asks for meanwhile
     * waits for its end */
    c->withdraw_confirming = 1;
    cw_call_speak(c, wording(c)->withdrawn, after_withdrawn);
    /* G5 + G6: a request to the AI in flight is cancelled; the flow hears of it after
     * the confirmation (ai.c) */
    cw_ai_cancel(c, "cancelled: the caller withdrew the consent");
    cw_listen_cancel(c, "cancelled: the caller withdrew the consent");
    if (c->flow.v)
        cw_flow_withdrawn(&c->flow, c->consent_level);
}

void cw_consent_key_down(cw_call *c, char digit)
{
    const cw_policy *p = cw_call_policy(c);
    if (c->consent != CW_CONSENT_GIVEN || !p || !p->key_withdraw || digit != p->key_withdraw ||
        c->withdraw_key_frame)
        return;
    /* G5: the gate shuts as the key goes down; the withdrawal itself follows with the
     * digit when the key ends (or, its end lost, when the next key begins) */
    c->stream.consent_gate.given = 0;
    c->withdraw_key_frame = c->stream.stats.audio_frames_in;
    cw_log(CW_LOG_DEBUG, "call", "call=%llu withdraw key down: the gate is shut",
           (unsigned long long)c->id);
}

int cw_consent_takes_digit(cw_call *c, char digit)
{
    if (c->consent == CW_CONSENT_GIVEN) {
        const cw_policy *p = cw_call_policy(c);
        if (p && p->key_withdraw && digit == p->key_withdraw) {
            withdraw(c, "DTMF", (char[2]){ p->key_withdraw, 0 });
            return 1;
        }
        return 0;
    }
    if (c->consent != CW_CONSENT_ASKING)
        return c->consent == CW_CONSENT_COMMITTING;   /* an answer is being stored */
    if (c->age_asking) {
        age_key(c, digit);
        return 1;
    }
    const cw_policy *p = cw_call_policy(c);
    if (p->key_more && digit == p->key_more) {
        hush(c);
        cw_call_speak(c, wording(c)->more, after_more);
        return 1;
    }
    if (p->key_human && digit == p->key_human) {
        refuse(c, "human");
        return 1;
    }
    for (size_t i = 0; i < p->nlevels; i++) {
        const cw_policy_level *l = &p->levels[i];
        if (l->key != digit)
            continue;
        if (!grantable(c, i, l)) {
            cw_log(CW_LOG_INFO, "call", "call=%llu consent key=%c level=%s not grantable "
                   "(%s)", (unsigned long long)c->id, digit, l->name,
                   !(c->consent_levels & (1u << i)) ? "not offered"
                   : c->consent_age < 0 ? "minimum age, age unknown" : "below the minimum age");
            return 1;                  /* as if no key: the question stands */
        }
        give(c, l, digit);
        return 1;
    }
    return 1;                          /* any other key: the question stands */
}

int cw_call_withdraw(cw_call *c, const char *method, const char *answer)
{
    if (c->consent != CW_CONSENT_GIVEN || c->state != CW_CALL_ANSWERED)
        return -1;
    withdraw(c, method, answer);
    return 0;
}
