/* test_oracle.c  The scenario oracle (runtime/sim/oracle.c) on traces built by hand: a
 * clean consented call that breaks nothing, then the same call with one fault injected
 * at a time, each reported under its guarantee (G1-G10) and nothing else; the edges
 * that are not faults (a caller hanging up during the disclosure, a frame sent exactly
 * one frame after the withdraw key, 2.5 s of silence after an error); and the max
 * argument. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/trace.h"
#include "check.h"

#define FRAME_MS 20
#define DAY_MS (24LL * 3600 * 1000)

#define DISCLOSURE "Sie sprechen mit einem KI-Assistenten der Praxis Dr. Weber."
#define QUESTION "Darf ich das Gespraech aufzeichnen? Dann druecken Sie die 1."
#define NOTICE "Ich verbinde Sie jetzt mit einem Menschen."
#define CONSENT_ID "4f1c2a7e-0000-4000-8000-00000000000a"
#define LEVEL "basic"

/* ---- building traces ----------------------------------------------------------------- */

/* The next seq, in time order as the runner assigns them; gaps of 10 leave room for a
 * test to slip an event in between two. */
static uint64_t next_seq(cw_trace *t)
{
    t->next_seq += 10;
    return t->next_seq;
}

static cw_trace_heard *add_heard(cw_trace *t, uint64_t t0, const char *prompt,
                                 const char *text, unsigned frames)
{
    cw_trace_heard *h = cw_trace_push((void **)&t->heard, &t->nheard, &t->capheard,
                                      sizeof *h);
    if (!h)
        abort();
    h->t0 = t0;
    h->t1 = t0 + (uint64_t)(frames - 1) * FRAME_MS;
    h->seq = next_seq(t);
    snprintf(h->prompt, sizeof h->prompt, "%s", prompt);
    snprintf(h->text, sizeof h->text, "%s", text);
    h->first = 0;
    h->last = frames - 1;
    h->frames = frames;
    return h;
}

/* A stretch of audio heard before everything else the caller heard. */
static void add_heard_first(cw_trace *t, uint64_t t0, const char *prompt,
                            const char *text, unsigned frames)
{
    add_heard(t, t0, prompt, text, frames);
    cw_trace_heard h = t->heard[t->nheard - 1];
    memmove(&t->heard[1], &t->heard[0], (t->nheard - 1) * sizeof h);
    h.seq = 1;                          /* before the first of next_seq's */
    t->heard[0] = h;
}

static void add_key(cw_trace *t, uint64_t t_down, char digit)
{
    cw_trace_key *k = cw_trace_push((void **)&t->keys, &t->nkeys, &t->capkeys, sizeof *k);
    if (!k)
        abort();
    k->t_down = t_down;
    k->t_up = t_down + 100;
    k->seq = next_seq(t);
    k->digit = digit;
}

static cw_trace_consent *add_consent(cw_trace *t, uint64_t tm, int state)
{
    cw_trace_consent *c = cw_trace_push((void **)&t->consents, &t->nconsents,
                                        &t->capconsents, sizeof *c);
    if (!c)
        abort();
    c->t = tm;
    c->seq = next_seq(t);
    c->state = state;
    snprintf(c->id, sizeof c->id, "%s", CONSENT_ID);
    snprintf(c->variant, sizeof c->variant, "A");
    if (state == CW_TRACE_GIVEN) {
        snprintf(c->level, sizeof c->level, "%s", LEVEL);
        snprintf(c->purposes[0], sizeof c->purposes[0], "call_handling");
        c->npurposes = 1;
    }
    return c;
}

/* A ledger record; its seq is the ledger's position, not the trace's. */
static void add_record(cw_trace *t, const char *event, const char *consent_id)
{
    cw_trace_record *r = cw_trace_push((void **)&t->records, &t->nrecords,
                                       &t->caprecords, sizeof *r);
    if (!r)
        abort();
    r->seq = t->nrecords;
    snprintf(r->event, sizeof r->event, "%s", event);
    snprintf(r->consent_id, sizeof r->consent_id, "%s", consent_id);
}

static void drop_record(cw_trace *t, const char *event)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nrecords; i++)
        if (strcmp(t->records[i].event, event) != 0)
            t->records[n++] = t->records[i];
    t->nrecords = n;
}

static cw_trace_frame *add_frame(cw_trace *t, uint64_t t_sent, uint64_t t_kept)
{
    cw_trace_frame *f = cw_trace_push((void **)&t->frames, &t->nframes, &t->capframes,
                                      sizeof *f);
    if (!f)
        abort();
    f->t_sent = t_sent;
    f->t_kept = t_kept;
    f->seq = next_seq(t);
    return f;
}

static void start_recording(cw_trace *t, uint64_t tm, const char *purpose)
{
    cw_trace_recording *r = cw_trace_push((void **)&t->recs, &t->nrecs, &t->caprecs,
                                          sizeof *r);
    if (!r)
        abort();
    r->t0 = tm;
    r->seq0 = next_seq(t);
    snprintf(r->purpose, sizeof r->purpose, "%s", purpose);
}

static void stop_recording(cw_trace *t, uint64_t tm, int kept)
{
    cw_trace_recording *r = &t->recs[t->nrecs - 1];
    r->t1 = tm;
    r->seq1 = next_seq(t);
    r->kept = kept;
}

static void add_artifact(cw_trace *t, const char *id, const char *consent_id,
                         const char *purpose, int64_t created_ms, unsigned frames,
                         uint64_t first_sent)
{
    cw_trace_artifact *a = cw_trace_push((void **)&t->artifacts, &t->nartifacts,
                                         &t->capartifacts, sizeof *a);
    if (!a)
        abort();
    snprintf(a->id, sizeof a->id, "%s", id);
    snprintf(a->consent_id, sizeof a->consent_id, "%s", consent_id);
    snprintf(a->purpose, sizeof a->purpose, "%s", purpose);
    snprintf(a->kind, sizeof a->kind, "%s",
             strcmp(purpose, "consent_evidence") == 0 ? "consent_snippet" : "recording");
    a->created_ms = created_ms;
    a->delete_after_ms = created_ms + 90 * DAY_MS;
    a->frames = frames;
    a->first_sent = first_sent;
    a->last_sent = first_sent + (uint64_t)(frames - 1) * FRAME_MS;
}

static void add_header(cw_trace_transfer *x, const char *name, const char *value)
{
    cw_trace_header *h = &x->headers[x->nheaders++];
    snprintf(h->name, sizeof h->name, "%s", name);
    snprintf(h->value, sizeof h->value, "%s", value);
}

static void drop_header(cw_trace_transfer *x, const char *name)
{
    unsigned n = 0;
    for (unsigned i = 0; i < x->nheaders; i++)
        if (strcmp(x->headers[i].name, name) != 0)
            x->headers[n++] = x->headers[i];
    x->nheaders = n;
}

static void set_header(cw_trace_transfer *x, const char *name, const char *value)
{
    for (unsigned i = 0; i < x->nheaders; i++)
        if (strcmp(x->headers[i].name, name) == 0)
            snprintf(x->headers[i].value, sizeof x->headers[i].value, "%s", value);
}

static cw_trace_consent *find_consent(cw_trace *t, int state)
{
    for (size_t i = 0; i < t->nconsents; i++)
        if (t->consents[i].state == state)
            return &t->consents[i];
    abort();
}

static cw_trace_heard *find_heard(cw_trace *t, const char *text)
{
    for (size_t i = 0; i < t->nheard; i++)
        if (strcmp(t->heard[i].text, text) == 0)
            return &t->heard[i];
    abort();
}

/* A request that left at tm (G6); ended at done (0: still in flight). */
static cw_trace_egress *add_egress(cw_trace *t, uint64_t tm, const char *scheme,
                                   const char *host, unsigned port, const char *purpose)
{
    cw_trace_egress *e = cw_trace_push((void **)&t->egress, &t->negress, &t->capegress,
                                       sizeof *e);
    if (!e)
        abort();
    e->t = tm;
    e->seq = next_seq(t);
    snprintf(e->scheme, sizeof e->scheme, "%s", scheme);
    snprintf(e->host, sizeof e->host, "%s", host);
    e->port = port;
    snprintf(e->purpose, sizeof e->purpose, "%s", purpose);
    e->caller_data = 1;
    return e;
}

static void end_egress(cw_trace *t, cw_trace_egress *e, uint64_t tm, int cancelled)
{
    e->t_done = tm;
    e->seq_done = next_seq(t);
    e->cancelled = cancelled;
}

/* An answered call to a tenant with a policy, nothing heard yet. */
static void begin_call(cw_trace *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "tests/unit/test_oracle.c");
    snprintf(t->tenant, sizeof t->tenant, "praxis");
    snprintf(t->lang, sizeof t->lang, "de");
    snprintf(t->call_id, sizeof t->call_id, "a84b4c76e66710@sim.invalid");
    t->has_policy = 1;
    snprintf(t->disclosure, sizeof t->disclosure, "%s", DISCLOSURE);
    snprintf(t->handover_notice, sizeof t->handover_notice, "%s", NOTICE);
    t->answered = 1;
    t->t_invite = 1000;
    t->t_answer = 1200;
    t->stores_read = 1;                 /* the ledger and vault facts below were read */
    /* the policy's egress: its AI in the EU, a second host any port, EU and EEA */
    snprintf(t->allow[0].host, sizeof t->allow[0].host, "ai.praxis.example");
    t->allow[0].port = 443;
    snprintf(t->allow[0].region, sizeof t->allow[0].region, "EU");
    snprintf(t->allow[1].host, sizeof t->allow[1].host, "asr.praxis.example");
    snprintf(t->allow[1].region, sizeof t->allow[1].region, "EEA");
    snprintf(t->allow[2].host, sizeof t->allow[2].host, "us.example");
    snprintf(t->allow[2].region, sizeof t->allow[2].region, "US");
    t->nallow = 3;
    snprintf(t->regions[0], sizeof t->regions[0], "EU");
    snprintf(t->regions[1], sizeof t->regions[1], "EEA");
    t->nregions = 2;
}

/* The disclosure in full (1220-5200 ms) and its DISCLOSED record. */
static void disclose(cw_trace *t)
{
    add_heard(t, 1220, "praxis/de/disclosure", DISCLOSURE, 200);
    add_record(t, "DISCLOSED", "");
}

/* The question (ASKED at 5210), the caller's '1' at 9500, GIVEN at 9620 and its record,
 * a recording for call_handling from 9640 and five frames of it (sent 9640-9720). */
static void consent_and_record(cw_trace *t)
{
    add_consent(t, 5210, CW_TRACE_ASKED);
    add_heard(t, 5220, "praxis/de/consent", QUESTION, 200);
    add_key(t, 9500, '1');
    add_consent(t, 9620, CW_TRACE_GIVEN);
    add_record(t, "GIVEN", CONSENT_ID);
    start_recording(t, 9640, "call_handling");
    for (uint64_t s = 9640; s <= 9720; s += FRAME_MS)
        add_frame(t, s, s + FRAME_MS);
    /* the flow asks the AI, which answers */
    cw_trace_egress *e = add_egress(t, 9700, "https", "ai.praxis.example", 443,
                                    "call_handling");
    end_egress(t, e, 10300, 0);
}

/* The normal consented call: disclosure, consent, a recording stored at 15000 under the
 * consent, the handover notice (15020-18000), the REFER at 18020 with the consent's
 * headers, accepted, HANDED_OVER; callwarden ends the call at 18500. */
static void build_clean(cw_trace *t)
{
    begin_call(t);
    disclose(t);
    consent_and_record(t);
    stop_recording(t, 15000, 1);
    add_artifact(t, "a1b2c3d4e5f60718293a4b5c6d7e8f90", CONSENT_ID, "call_handling",
                 15000, 5, 9640);
    add_heard(t, 15020, "praxis/de/handover", NOTICE, 150);

    cw_trace_transfer *x = cw_trace_push((void **)&t->transfers, &t->ntransfers,
                                         &t->captransfers, sizeof *x);
    if (!x)
        abort();
    x->t = 18020;
    x->seq = next_seq(t);
    snprintf(x->target, sizeof x->target, "sip:empfang@praxis.example");
    snprintf(x->mode, sizeof x->mode, "refer");
    add_header(x, "X-Consent-Id", CONSENT_ID);
    add_header(x, "X-Consent-Level", LEVEL);
    add_header(x, "X-Consent-Purposes", "call_handling");
    add_header(x, "X-Consent-Carries-Over", "no");
    x->accepted = 1;
    add_record(t, "HANDED_OVER", CONSENT_ID);

    t->t_end = 18500;
    snprintf(t->ended_by, sizeof t->ended_by, "callwarden");
    snprintf(t->end_reason, sizeof t->end_reason, "transferred");
}

#define WITHDRAW_AT 12000

/* The consented call in which the caller presses the withdraw key '0' at 12000 ms: the
 * consent is withdrawn at 12020 (one frame later), the recording discarded, WITHDRAWN
 * and ERASED logged, nothing left in the vault; the confirmation plays, callwarden ends
 * the call. */
static void build_withdrawn(cw_trace *t)
{
    begin_call(t);
    disclose(t);
    consent_and_record(t);
    add_key(t, WITHDRAW_AT, '0');
    t->t_withdraw_key = WITHDRAW_AT;
    t->withdraw_key = '0';
    add_consent(t, WITHDRAW_AT + FRAME_MS, CW_TRACE_WITHDRAWN);
    add_record(t, "WITHDRAWN", CONSENT_ID);
    add_record(t, "ERASED", CONSENT_ID);
    stop_recording(t, WITHDRAW_AT + FRAME_MS, 0);
    add_heard(t, WITHDRAW_AT + 40, "praxis/de/withdrawn",
              "Ihre Einwilligung ist widerrufen.", 100);
    t->t_end = WITHDRAW_AT + 2500;
    snprintf(t->ended_by, sizeof t->ended_by, "callwarden");
    snprintf(t->end_reason, sizeof t->end_reason, "flow-done");
}

/* The call in which the caller refuses with '2': REFUSED at 9620 and its record, no
 * recording, nothing in the vault. */
static void build_refused(cw_trace *t)
{
    begin_call(t);
    disclose(t);
    add_consent(t, 5210, CW_TRACE_ASKED);
    add_heard(t, 5220, "praxis/de/consent", QUESTION, 200);
    add_key(t, 9500, '2');
    add_consent(t, 9620, CW_TRACE_REFUSED);
    add_record(t, "REFUSED", CONSENT_ID);
    t->t_end = 11000;
    snprintf(t->ended_by, sizeof t->ended_by, "callwarden");
    snprintf(t->end_reason, sizeof t->end_reason, "flow-done");
}

/* ---- checking ------------------------------------------------------------------------ */

static void print_violations(const char *test, const cw_violation *v, size_t n)
{
    for (size_t i = 0; i < n && i < 16; i++)
        fprintf(stderr, "  %s: %s at %llu ms: %s\n", test, v[i].guarantee,
                (unsigned long long)v[i].t_ms, v[i].what);
}

static void expect_none(const cw_trace *t, const char *test)
{
    cw_violation v[16];
    size_t n = cw_oracle_check(t, v, 16);
    CHECK_EQ_INT(n, 0);
    if (n != 0)
        print_violations(test, v, n);
}

/* Exactly one violation, of guarantee g; it is copied to *out when out is not NULL. */
static void expect_one(const cw_trace *t, const char *g, const char *test,
                       cw_violation *out)
{
    cw_violation v[16];
    size_t n = cw_oracle_check(t, v, 16);
    CHECK_EQ_INT(n, 1);
    if (n >= 1)
        CHECK_STR(v[0].guarantee, g);
    if (n != 1 || strcmp(v[0].guarantee, g) != 0) {
        fprintf(stderr, "%s: expected one %s, got %zu:\n", test, g, n);
        print_violations(test, v, n);
    }
    if (out && n >= 1)
        *out = v[0];
}

/* ---- the clean calls ----------------------------------------------------------------- */

static void test_clean_calls(void)
{
    cw_trace t;
    build_clean(&t);
    expect_none(&t, "clean");
    cw_trace_free(&t);

    build_withdrawn(&t);
    expect_none(&t, "clean withdrawn");
    cw_trace_free(&t);

    build_refused(&t);
    expect_none(&t, "clean refused");
    cw_trace_free(&t);
}

/* ---- G1 ------------------------------------------------------------------------------ */

static void test_g1_menu_before_disclosure(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    /* a frame of the language menu got out before the disclosure */
    add_heard_first(&t, 1200, "praxis/de/menu", "Fuer Deutsch druecken Sie die 1.", 1);
    expect_one(&t, "G1", "G1 menu first", &v);
    CHECK_EQ_INT(v.t_ms, 1200);
    CHECK(strstr(v.what, "praxis/de/menu") != NULL);
    cw_trace_free(&t);
}

static void test_g1_disclosure_cut_off(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    t.heard[0].last = 120;
    t.heard[0].t1 = t.heard[0].t0 + 120 * FRAME_MS;
    expect_one(&t, "G1", "G1 cut off", &v);
    CHECK_EQ_INT(v.t_ms, t.heard[0].t1);
    cw_trace_free(&t);
}

static void test_g1_disclosure_starts_late(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    t.heard[0].first = 3;
    expect_one(&t, "G1", "G1 starts at frame 3", &v);
    CHECK(strstr(v.what, "frame 3") != NULL);
    cw_trace_free(&t);
}

static void test_g1_nothing_heard(void)
{
    cw_trace t;
    cw_violation v;
    begin_call(&t);
    t.t_end = 1800;
    snprintf(t.ended_by, sizeof t.ended_by, "callwarden");
    expect_one(&t, "G1", "G1 nothing heard", &v);
    CHECK_EQ_INT(v.t_ms, 1800);

    /* the caller hanging up before the first frame is no fault of ours */
    snprintf(t.ended_by, sizeof t.ended_by, "caller");
    expect_none(&t, "G1 nothing heard, caller hung up");
    cw_trace_free(&t);
}

/* The caller hangs up during the disclosure: the last frame heard is the one before the
 * BYE, at most two frames before the end. */
static void test_g1_caller_hangs_up_during_disclosure(void)
{
    cw_trace t;
    begin_call(&t);
    disclose(&t);
    drop_record(&t, "DISCLOSED");       /* it was not played in full */
    t.heard[0].last = 80;
    t.heard[0].t1 = t.heard[0].t0 + 80 * FRAME_MS;
    t.t_end = t.heard[0].t1 + 2 * FRAME_MS;
    snprintf(t.ended_by, sizeof t.ended_by, "caller");
    snprintf(t.end_reason, sizeof t.end_reason, "bye");
    expect_none(&t, "G1 caller hung up");

    /* one millisecond more and the disclosure stopped while the caller was there */
    t.t_end++;
    expect_one(&t, "G1", "G1 caller hung up late", NULL);
    cw_trace_free(&t);
}

/* ---- G2 ------------------------------------------------------------------------------ */

static void test_g2_frame_before_given(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    const cw_trace_consent *asked = find_consent(&t, CW_TRACE_ASKED);
    cw_trace_frame *f = add_frame(&t, 9400, 9420);
    f->seq = asked->seq + 1;            /* kept while the question was open */
    expect_one(&t, "G2", "G2 frame before GIVEN", &v);
    CHECK_EQ_INT(v.t_ms, 9420);
    CHECK(strstr(v.what, "asked") != NULL);
    cw_trace_free(&t);
}

static void test_g2_frame_sent_before_given(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    /* kept after the commit, but the caller sent it before */
    t.frames[0].t_sent = find_consent(&t, CW_TRACE_GIVEN)->t - 100;
    expect_one(&t, "G2", "G2 frame sent before GIVEN", &v);
    CHECK(strstr(v.what, "before the consent was committed") != NULL);
    cw_trace_free(&t);
}

static void test_g2_recording_purpose_not_covered(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    snprintf(t.recs[0].purpose, sizeof t.recs[0].purpose, "marketing");
    expect_one(&t, "G2", "G2 purpose not covered", &v);
    CHECK(strstr(v.what, "marketing") != NULL);
    cw_trace_free(&t);
}

static void test_g2_artifact_audio_before_given(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    t.artifacts[0].first_sent = find_consent(&t, CW_TRACE_GIVEN)->t - 500;
    expect_one(&t, "G2", "G2 artifact audio before GIVEN", &v);
    CHECK_EQ_INT(v.t_ms, t.t_end);

    /* the consent's evidence is the caller's answer, sent before the commit by nature */
    snprintf(t.artifacts[0].purpose, sizeof t.artifacts[0].purpose, "consent_evidence");
    expect_none(&t, "G2 evidence before GIVEN");
    cw_trace_free(&t);
}

static void test_g2_artifact_purpose_not_covered(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    snprintf(t.artifacts[t.nartifacts - 1].purpose, sizeof t.artifacts[0].purpose,
             "marketing");
    expect_one(&t, "G2", "G2 artifact for an uncovered purpose", &v);
    CHECK(strstr(v.what, "marketing") != NULL);
    cw_trace_free(&t);
}

static void test_g2_artifact_consent_never_given(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    snprintf(t.artifacts[0].consent_id, sizeof t.artifacts[0].consent_id,
             "4f1c2a7e-0000-4000-8000-0000000000ff");
    expect_one(&t, "G2", "G2 artifact never given", &v);
    CHECK(strstr(v.what, "never given") != NULL);
    cw_trace_free(&t);
}

/* ---- G3 ------------------------------------------------------------------------------ */

static void test_g3_artifact_of_refused_consent(void)
{
    cw_trace t;
    cw_violation v;
    build_refused(&t);
    add_artifact(&t, "0badc0de0badc0de0badc0de0badc0de", CONSENT_ID, "consent_evidence",
                 9620, 50, 8500);
    expect_one(&t, "G3", "G3 refused audio stored", &v);
    CHECK(strstr(v.what, "refused") != NULL);
    cw_trace_free(&t);
}

/* ---- G4 ------------------------------------------------------------------------------ */

static void test_g4_given_not_in_ledger(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    drop_record(&t, "GIVEN");
    expect_one(&t, "G4", "G4 no GIVEN", &v);
    CHECK_EQ_INT(v.t_ms, 9620);
    cw_trace_free(&t);

    /* a GIVEN record of another consent is no record of this one */
    build_clean(&t);
    snprintf(t.records[1].consent_id, sizeof t.records[1].consent_id,
             "4f1c2a7e-0000-4000-8000-0000000000ee");
    expect_one(&t, "G4", "G4 GIVEN of another consent", NULL);
    cw_trace_free(&t);
}

static void test_g4_disclosed_not_in_ledger(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    drop_record(&t, "DISCLOSED");
    expect_one(&t, "G4", "G4 no DISCLOSED", &v);
    CHECK_EQ_INT(v.t_ms, t.heard[0].t1);
    cw_trace_free(&t);
}

static void test_g4_handed_over_not_in_ledger(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    drop_record(&t, "HANDED_OVER");
    expect_one(&t, "G4", "G4 no HANDED_OVER", &v);
    CHECK_EQ_INT(v.t_ms, t.transfers[0].t);

    /* a transfer that was not accepted hands nothing over */
    t.transfers[0].accepted = 0;
    expect_none(&t, "G4 transfer not accepted");
    cw_trace_free(&t);
}

static void test_g4_audit_problems(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    t.audit_problems = 2;
    expect_one(&t, "G4", "G4 audit problems", &v);
    CHECK(strstr(v.what, "2 problems") != NULL);
    cw_trace_free(&t);
}

static void test_g4_audit_error(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    snprintf(t.audit_error, sizeof t.audit_error, "consent.db: file is not a database");
    expect_one(&t, "G4", "G4 audit error", &v);
    CHECK(strstr(v.what, "file is not a database") != NULL);
    cw_trace_free(&t);
}

/* ---- G5 ------------------------------------------------------------------------------ */

/* A frame the recorder kept before the withdrawal took effect, sent at t_sent. */
static void add_frame_before_withdrawal(cw_trace *t, uint64_t t_sent)
{
    uint64_t wseq = find_consent(t, CW_TRACE_WITHDRAWN)->seq;
    cw_trace_frame *f = add_frame(t, t_sent, t_sent);
    f->seq = wseq - 1;
}

static void test_g5_frame_after_withdraw_key(void)
{
    cw_trace t;
    cw_violation v;
    build_withdrawn(&t);
    add_frame_before_withdrawal(&t, WITHDRAW_AT + 2 * FRAME_MS);
    expect_one(&t, "G5", "G5 frame after the key", &v);
    CHECK(strstr(v.what, "after the withdraw key") != NULL);
    cw_trace_free(&t);
}

static void test_g5_frame_one_frame_after_key_is_fine(void)
{
    cw_trace t;
    build_withdrawn(&t);
    add_frame_before_withdrawal(&t, WITHDRAW_AT + FRAME_MS);
    expect_none(&t, "G5 frame 20 ms after the key");
    cw_trace_free(&t);
}

static void test_g5_key_without_withdrawal(void)
{
    cw_trace t;
    cw_violation v;
    build_withdrawn(&t);
    t.nconsents--;                      /* the WITHDRAWN, the last event */
    expect_one(&t, "G5", "G5 not withdrawn", &v);
    CHECK_EQ_INT(v.t_ms, WITHDRAW_AT);
    CHECK(strstr(v.what, "'0'") != NULL);
    cw_trace_free(&t);
}

static void test_g5_artifact_left_after_withdrawal(void)
{
    cw_trace t;
    cw_violation v;
    build_withdrawn(&t);
    t.erased_left = 1;
    expect_one(&t, "G5", "G5 erased_left", &v);
    CHECK_EQ_INT(v.t_ms, t.t_end);
    cw_trace_free(&t);
}

static void test_g5_erasure_not_in_ledger(void)
{
    cw_trace t;
    cw_violation v;
    build_withdrawn(&t);
    drop_record(&t, "ERASED");
    expect_one(&t, "G5", "G5 no ERASED", &v);
    CHECK(strstr(v.what, "ERASED") != NULL);
    cw_trace_free(&t);
}

static void test_g5_frame_kept_after_withdrawal(void)
{
    cw_trace t;
    cw_violation v;
    build_withdrawn(&t);
    add_frame(&t, WITHDRAW_AT + 2 * FRAME_MS, WITHDRAW_AT + 3 * FRAME_MS);
    expect_one(&t, "G5", "G5 frame kept after WITHDRAWN", &v);
    CHECK(strstr(v.what, "withdrawn") != NULL);
    cw_trace_free(&t);
}

static void test_g5_withdrawal_long_after_key(void)
{
    cw_trace t;
    cw_violation v;
    build_withdrawn(&t);
    /* the key was let go after 100 ms; the WITHDRAWN came 5 s later */
    t.keys[t.nkeys - 1].t_up = WITHDRAW_AT + 100;
    find_consent(&t, CW_TRACE_WITHDRAWN)->t = WITHDRAW_AT + 5000;
    expect_one(&t, "G5", "G5 late withdrawal", &v);
    CHECK(strstr(v.what, "let go") != NULL);
    find_consent(&t, CW_TRACE_WITHDRAWN)->t = WITHDRAW_AT + 120;
    expect_none(&t, "G5 withdrawal with the key's end");
    cw_trace_free(&t);
}

/* ---- G6 ------------------------------------------------------------------------------ */

static void test_g6_injections(void)
{
    struct { const char *scheme, *host; unsigned port; const char *purpose, *name; } bad[] = {
        { "http", "ai.praxis.example", 443, "call_handling", "g6 http" },
        { "https", "evil.example", 443, "call_handling", "g6 host not listed" },
        { "https", "ai.praxis.example", 8443, "call_handling", "g6 port not listed" },
        { "https", "us.example", 443, "call_handling", "g6 region not permitted" },
        { "https", "ai.praxis.example", 443, "marketing", "g6 purpose not covered" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cw_trace t;
        build_clean(&t);
        cw_trace_egress *e = add_egress(&t, 11000, bad[i].scheme, bad[i].host, bad[i].port,
                                        bad[i].purpose);
        end_egress(&t, e, 11500, 0);
        expect_one(&t, "G6", bad[i].name, NULL);
        cw_trace_free(&t);
    }

    /* caller data before the consent was given (while it was being asked) */
    cw_trace t;
    begin_call(&t);
    disclose(&t);
    add_consent(&t, 5210, CW_TRACE_ASKED);
    add_heard(&t, 5220, "praxis/de/consent", QUESTION, 200);
    cw_trace_egress *e = add_egress(&t, 6000, "https", "ai.praxis.example", 443,
                                    "call_handling");
    end_egress(&t, e, 6500, 0);
    add_key(&t, 9500, '2');
    add_consent(&t, 9620, CW_TRACE_REFUSED);
    add_record(&t, "REFUSED", CONSENT_ID);
    t.t_end = 11000;
    snprintf(t.ended_by, sizeof t.ended_by, "callwarden");
    cw_violation v;
    expect_one(&t, "G6", "g6 before consent", &v);
    CHECK(strstr(v.what, "while the consent was asked") != NULL);
    /* near miss: the same request carrying nothing of the caller */
    e->caller_data = 0;
    expect_none(&t, "g6 no caller data before consent");
    cw_trace_free(&t);

    /* caller data after the withdrawal */
    build_withdrawn(&t);
    e = add_egress(&t, WITHDRAW_AT + 500, "https", "ai.praxis.example", 443, "call_handling");
    end_egress(&t, e, WITHDRAW_AT + 900, 0);
    expect_one(&t, "G6", "g6 after withdrawal", NULL);
    cw_trace_free(&t);

    /* the spoken consent answer while the question stands: fine; after it: G6 */
    begin_call(&t);
    disclose(&t);
    add_consent(&t, 5210, CW_TRACE_ASKED);
    add_heard(&t, 5220, "praxis/de/consent", QUESTION, 200);
    e = add_egress(&t, 9000, "https", "ai.praxis.example", 443, "consent_answer");
    end_egress(&t, e, 9300, 0);
    add_consent(&t, 9620, CW_TRACE_REFUSED);
    add_record(&t, "REFUSED", CONSENT_ID);
    t.t_end = 11000;
    snprintf(t.ended_by, sizeof t.ended_by, "callwarden");
    expect_none(&t, "g6 consent answer while asked");
    e = add_egress(&t, 10000, "https", "ai.praxis.example", 443, "consent_answer");
    end_egress(&t, e, 10300, 0);
    expect_one(&t, "G6", "g6 consent answer after the refusal", NULL);
    cw_trace_free(&t);

    /* near miss: a host listed without a port, reached on any port */
    build_clean(&t);
    e = add_egress(&t, 11000, "https", "asr.praxis.example", 9443, "call_handling");
    end_egress(&t, e, 11500, 0);
    expect_none(&t, "g6 any port");
    cw_trace_free(&t);
}

static void test_g5_request_in_flight_at_withdrawal(void)
{
    cw_trace t;
    build_withdrawn(&t);
    /* asked before the key, still in flight when the consent was withdrawn */
    cw_trace_egress *e = add_egress(&t, WITHDRAW_AT - 200, "https", "ai.praxis.example",
                                    443, "call_handling");
    t.egress[t.negress - 1].seq = t.consents[t.nconsents - 1].seq - 1;
    end_egress(&t, e, WITHDRAW_AT + 800, 0);
    expect_one(&t, "G5", "g5 request went on after withdrawal", NULL);
    /* near miss: cancelled at the withdrawal */
    e->cancelled = 1;
    expect_none(&t, "g5 request cancelled at withdrawal");
    cw_trace_free(&t);
}

/* ---- G7, G8 -------------------------------------------------------------------------- */

static void test_g7_artifact_without_expiry(void)
{
    cw_trace t;
    build_clean(&t);
    t.artifacts[0].delete_after_ms = t.artifacts[0].created_ms;
    expect_one(&t, "G7", "G7 expiry at creation", NULL);
    t.artifacts[0].delete_after_ms = 0;
    expect_one(&t, "G7", "G7 no expiry", NULL);
    cw_trace_free(&t);
}

static void test_g8_foreign(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    t.foreign = 1;
    expect_one(&t, "G8", "G8 foreign", &v);
    CHECK_EQ_INT(v.t_ms, t.t_end);
    cw_trace_free(&t);
}

/* ---- G9 ------------------------------------------------------------------------------ */

static void test_g9_no_consent_level(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    drop_header(&t.transfers[0], "X-Consent-Level");
    expect_one(&t, "G9", "G9 no level", &v);
    CHECK(strstr(v.what, "no X-Consent-Level") != NULL);
    cw_trace_free(&t);
}

static void test_g9_wrong_consent_level(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    set_header(&t.transfers[0], "X-Consent-Level", "full");
    expect_one(&t, "G9", "G9 wrong level", &v);
    CHECK(strstr(v.what, "X-Consent-Level: full") != NULL);
    cw_trace_free(&t);
}

static void test_g9_wrong_consent_id(void)
{
    cw_trace t;
    build_clean(&t);
    set_header(&t.transfers[0], "X-Consent-Id", "none");
    expect_one(&t, "G9", "G9 wrong id", NULL);
    drop_header(&t.transfers[0], "X-Consent-Id");
    expect_one(&t, "G9", "G9 no id", NULL);
    cw_trace_free(&t);
}

static void test_g9_consent_id_without_consent(void)
{
    cw_trace t;
    cw_violation v;
    build_refused(&t);
    cw_trace_transfer *x = cw_trace_push((void **)&t.transfers, &t.ntransfers,
                                         &t.captransfers, sizeof *x);
    x->t = t.t_end - 10;
    x->seq = next_seq(&t);
    snprintf(x->target, sizeof x->target, "sip:empfang@praxis.example");
    snprintf(x->mode, sizeof x->mode, "refer");
    add_header(x, "X-Consent-Level", "refused");
    add_header(x, "X-Consent-Id", "none");
    t.handover_notice[0] = 0;
    expect_none(&t, "G9 refused transfer names none");
    set_header(x, "X-Consent-Id", "3f1c0000-0000-4000-8000-000000000001");
    expect_one(&t, "G9", "G9 an id without a consent", &v);
    CHECK(strstr(v.what, "none is given") != NULL);
    cw_trace_free(&t);
}

static void test_g9_notice_not_heard_first(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    cw_trace_heard *h = find_heard(&t, NOTICE);
    h->t1 = t.transfers[0].t + FRAME_MS;   /* still playing when the REFER went out */
    expect_one(&t, "G9", "G9 notice after the transfer", &v);
    CHECK(strstr(v.what, "handover notice") != NULL);

    t.nheard--;                            /* never played at all */
    expect_one(&t, "G9", "G9 no notice", NULL);
    cw_trace_free(&t);
}

/* ---- G10 ----------------------------------------------------------------------------- */

static void test_g10_error_without_fallback(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    t.t_error = 12000;
    snprintf(t.error, sizeof t.error, "flow.lua:12: attempt to index a nil value");
    expect_one(&t, "G10", "G10 no fallback", &v);
    CHECK_EQ_INT(v.t_ms, 12000);
    CHECK(strstr(v.what, "flow.lua:12") != NULL);
    cw_trace_free(&t);
}

/* The fallback begins; the notice (at 15020) is the next thing the caller hears. */
static void set_error_before_notice(cw_trace *t, uint64_t silence_ms)
{
    t->t_error = find_heard(t, NOTICE)->t0 - silence_ms;
    snprintf(t->error, sizeof t->error, "flow.lua:12: attempt to index a nil value");
    t->fallback = 1;
    t->t_fallback = t->t_error;
}

static void test_g10_silence_after_error(void)
{
    cw_trace t;
    cw_violation v;
    build_clean(&t);
    set_error_before_notice(&t, 3500);
    expect_one(&t, "G10", "G10 3.5 s of silence", &v);
    CHECK(strstr(v.what, "3500 ms") != NULL);
    cw_trace_free(&t);

    build_clean(&t);
    set_error_before_notice(&t, 2500);
    expect_none(&t, "G10 2.5 s of silence");
    cw_trace_free(&t);

    build_clean(&t);
    set_error_before_notice(&t, 3000);
    expect_none(&t, "G10 3 s of silence");
    cw_trace_free(&t);
}

/* ---- max ----------------------------------------------------------------------------- */

/* Over a real line without the runtime's data directory, the ledger and the vault are
 * not known: their checks do not run (and so cannot report what was not looked at). */
static void test_stores_not_read(void)
{
    cw_trace t;
    build_clean(&t);
    drop_record(&t, "GIVEN");
    t.artifacts[0].delete_after_ms = t.artifacts[0].created_ms;
    t.stores_read = 0;
    expect_none(&t, "stores not read");
    t.stores_read = 1;
    CHECK_EQ_INT(cw_oracle_check(&t, NULL, 0), 2);
    cw_trace_free(&t);
}

static void test_max_honoured(void)
{
    cw_trace t;
    cw_violation v[2];
    build_clean(&t);
    t.audit_problems = 2;               /* G4 */
    t.foreign = 1;                      /* G8 */

    memset(v, 0x5a, sizeof v);
    CHECK_EQ_INT(cw_oracle_check(&t, v, 2), 2);
    CHECK_STR(v[0].guarantee, "G4");
    CHECK_STR(v[1].guarantee, "G8");

    memset(v, 0x5a, sizeof v);
    CHECK_EQ_INT(cw_oracle_check(&t, v, 1), 2);
    CHECK_STR(v[0].guarantee, "G4");
    const unsigned char *b = (const unsigned char *)&v[1];
    size_t untouched = 0;
    for (size_t i = 0; i < sizeof v[1]; i++)
        untouched += b[i] == 0x5a;
    CHECK_EQ_INT(untouched, sizeof v[1]);

    CHECK_EQ_INT(cw_oracle_check(&t, NULL, 0), 2);
    cw_trace_free(&t);
    CHECK(t.heard == NULL && t.nheard == 0);
}

int main(void)
{
    test_clean_calls();

    test_g1_menu_before_disclosure();
    test_g1_disclosure_cut_off();
    test_g1_disclosure_starts_late();
    test_g1_nothing_heard();
    test_g1_caller_hangs_up_during_disclosure();

    test_g2_frame_before_given();
    test_g2_frame_sent_before_given();
    test_g2_recording_purpose_not_covered();
    test_g2_artifact_audio_before_given();
    test_g2_artifact_purpose_not_covered();
    test_g2_artifact_consent_never_given();

    test_g3_artifact_of_refused_consent();

    test_g4_given_not_in_ledger();
    test_g4_disclosed_not_in_ledger();
    test_g4_handed_over_not_in_ledger();
    test_g4_audit_problems();
    test_g4_audit_error();

    test_g5_frame_after_withdraw_key();
    test_g5_frame_one_frame_after_key_is_fine();
    test_g5_key_without_withdrawal();
    test_g5_artifact_left_after_withdrawal();
    test_g5_erasure_not_in_ledger();
    test_g5_frame_kept_after_withdrawal();
    test_g5_withdrawal_long_after_key();

    test_g6_injections();
    test_g5_request_in_flight_at_withdrawal();

    test_g7_artifact_without_expiry();
    test_g8_foreign();

    test_g9_no_consent_level();
    test_g9_wrong_consent_level();
    test_g9_wrong_consent_id();
    test_g9_notice_not_heard_first();
    test_g9_consent_id_without_consent();

    test_g10_error_without_fallback();
    test_g10_silence_after_error();

    test_stores_not_read();
    test_max_honoured();

    return check_summary("oracle");
}
