/* report_html.c  A scenario run as one HTML page, for the people who answer for the
 * calls (a data-protection officer, the business): `callwarden test --report DIR`
 * writes DIR/index.html.
 *
 * The page stands alone: inline CSS, no script, nothing fetched. It opens with a
 * summary (scenarios passed and failed, guarantee violations by guarantee, a line per
 * call), then has a <section class="call"> per scenario: its problems in red, the call
 * drawn as an SVG timeline and the same events as a table, and what the ledger and the
 * vault hold of the call afterwards.
 *
 * The timeline has a lane per party or store over the call's length (900 px for the
 * call, whatever its length; seconds since the INVITE on the axis):
 *   heard      rect.heard per stretch of audio (the disclosure and the handover notice
 *              marked with data-role), <title> the words
 *   caller     line.key per key pressed, rect.said per utterance
 *   consent    rect.consent-<state> from each state change to the next
 *   recording  rect.recording while the recorder ran, rect.kept where it kept frames
 *   transfer   path.transfer per handover (hollow if not taken), path.fallback (the
 *              fallback began), path.error (the flow failed)
 *   violations path.violation per broken guarantee
 * Every mark has a <title>, so a pointer over it tells what it is; the table says it
 * all again for a reader (or a printer) without the drawing.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario_int.h"

#define MAX_VIOLATIONS (sizeof ((scn_result *)0)->violations / sizeof (cw_violation))

/* The drawing, in px. */
#define LABEL_W 96                     /* the lanes' names */
#define PLOT_W 900                     /* the call, from INVITE to hang-up */
#define RIGHT_PAD 24
#define TOP_PAD 8
#define LANE_H 30
#define NLANES 6
#define AXIS_H 28
#define SVG_W (LABEL_W + PLOT_W + RIGHT_PAD)
#define SVG_H (TOP_PAD + NLANES * LANE_H + AXIS_H)
#define FRAME_MS 20                    /* a heard stretch's t1 is its last frame's start */

enum { LANE_HEARD, LANE_CALLER, LANE_CONSENT, LANE_RECORDING, LANE_TRANSFER,
       LANE_VIOLATIONS };

static const char *const lane_names[NLANES] = {
    "heard", "caller", "consent", "recording", "transfer", "violations"
};

static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1d2327;margin:0 auto;max-width:1100px;padding:16px 24px 48px}\n"
    "h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:0 0 4px}"
    "h3{font-size:15px;margin:18px 0 6px}\n"
    "table{border-collapse:collapse;margin:4px 0 8px;width:100%}"
    "th,td{text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid #e2e4e7}"
    "th{background:#f3f4f6;font-weight:600}td.t{font-variant-numeric:tabular-nums;"
    "white-space:nowrap;text-align:right;width:5em}td.what{white-space:pre-line}\n"
    ".muted{color:#5f6b76}.small{font-size:13px}\n"
    ".counts{display:flex;gap:16px;margin:12px 0}.count{border:1px solid #d0d4d9;"
    "border-radius:6px;padding:8px 16px;min-width:120px}.count b{display:block;font-size:26px}\n"
    ".count.bad b,.fail,.problems{color:#b3261e}.count.good b,.pass{color:#1e7a34}\n"
    ".verdict{font-size:13px;font-weight:700;text-transform:uppercase;border:1px solid;"
    "border-radius:4px;padding:0 6px;margin-left:8px;vertical-align:2px}\n"
    "section.call{border:1px solid #d0d4d9;border-radius:8px;padding:14px 18px;margin:22px 0}\n"
    "section.call[data-verdict=fail]{border-color:#b3261e;border-left-width:6px}\n"
    "ul.problems{margin:6px 0;padding-left:20px;font-weight:600}p.ok{color:#1e7a34}\n"
    "tr.violation td{color:#b3261e;font-weight:600}tr.disclosure td.what{font-weight:600}\n"
    "svg.timeline{display:block;width:100%;height:auto;max-width:1020px;margin:8px 0}\n"
    "svg.timeline text{font-size:11px;fill:#1d2327}svg.timeline .lanename{font-size:12px;"
    "fill:#5f6b76}svg.timeline .lane{fill:#f6f7f8}svg.timeline .lane.odd{fill:#eef0f2}\n"
    "svg.timeline .grid{stroke:#d5d9dd;stroke-width:1}svg.timeline .axis{stroke:#5f6b76}\n"
    "svg.timeline .label{pointer-events:none}\n"
    "rect.heard{fill:#9ec5fe;stroke:#3d7fd9;stroke-width:1}\n"
    "rect.heard[data-role=disclosure]{fill:#ffd866;stroke:#b07d00;stroke-width:2}\n"
    "rect.heard[data-role=notice]{fill:#ffe9a8;stroke:#b07d00}\n"
    "rect.said{fill:#c8e6c9;stroke:#43a047}line.key{stroke:#1b5e20;stroke-width:2}\n"
    "line.key.withdraw{stroke:#b3261e;stroke-width:3}\n"
    "rect.consent-asked{fill:#e0e0e0}rect.consent-committing{fill:#fff3c4}"
    "rect.consent-given{fill:#81c784}rect.consent-refused{fill:#ef9a9a}"
    "rect.consent-withdrawn{fill:#ce93d8}rect.consent-not-given{fill:#ffab91}\n"
    "rect.recording{fill:#f8bbd0;stroke:#c2185b}rect.kept{fill:#880e4f}\n"
    "path.transfer{fill:#5e35b1}path.transfer[data-accepted=no]{fill:#fff;stroke:#5e35b1;"
    "stroke-width:2}path.fallback{fill:#fb8c00}path.error{fill:#6d4c41}\n"
    "path.violation{fill:#d32f2f}line.violation-guide{stroke:#d32f2f;stroke-dasharray:3 3}\n"
    ".legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;"
    "width:12px;height:12px;margin-right:4px;vertical-align:-1px;border:1px solid #888}\n"
    "@media print{section.call{break-inside:avoid}}\n";

/* ---- text ---------------------------------------------------------------------------- */

/* A <tag class="cls">text</tag>, escaped. */
static void put_elem(FILE *out, const char *tag, const char *cls, const char *text)
{
    fprintf(out, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    scn_put_markup(out, text, 0);
    fprintf(out, "</%s>", tag);
}

/* A <title> with formatted text, escaped: what a pointer over a mark shows. */
static void put_title(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_title(FILE *out, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        buf[0] = 0;
    put_elem(out, "title", NULL, buf);
}

static int is_bad(const scn_result *r)
{
    return !r->skipped[0] && (r->failed || r->nunmet || r->nviolations);
}

static const char *verdict(const scn_result *r)
{
    return r->skipped[0] ? "skip" : is_bad(r) ? "fail" : "pass";
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Seconds of t since the call's INVITE (t0). */
static double rel(uint64_t t, uint64_t t0)
{
    return t > t0 ? (double)(t - t0) / 1000.0 : 0.0;
}

static const char *consent_class(int s)
{
    switch (s) {
    case CW_TRACE_ASKED: return "consent-asked";
    case CW_TRACE_COMMITTING: return "consent-committing";
    case CW_TRACE_GIVEN: return "consent-given";
    case CW_TRACE_REFUSED: return "consent-refused";
    case CW_TRACE_WITHDRAWN: return "consent-withdrawn";
    default: return "consent-not-given";
    }
}

static const char *consent_word(int s)
{
    switch (s) {
    case CW_TRACE_ASKED: return "asked";
    case CW_TRACE_COMMITTING: return "answered, being logged";
    case CW_TRACE_GIVEN: return "given (durable)";
    case CW_TRACE_REFUSED: return "refused";
    case CW_TRACE_WITHDRAWN: return "withdrawn";
    default: return "not given (the record could not be stored)";
    }
}

/* "disclosure", "notice" or NULL: what the policy made the caller hear. */
static const char *heard_role(const cw_trace *t, const cw_trace_heard *h)
{
    if (!h->text[0])
        return NULL;
    if (t->disclosure[0] && strcmp(h->text, t->disclosure) == 0)
        return "disclosure";
    if (t->handover_notice[0] && strcmp(h->text, t->handover_notice) == 0)
        return "notice";
    return NULL;
}

static const char *heard_words(const cw_trace_heard *h)
{
    return h->text[0] ? h->text : h->prompt[0] ? h->prompt : "(audio that is no known prompt)";
}

/* ---- the call's events, in time order (for the table) -------------------------------- */

typedef struct event {
    uint64_t t, seq;
    size_t order;                      /* as added: keeps equal moments stable */
    const char *kind;                  /* the lane it belongs to; its row's class */
    char *what;
} event;

typedef struct events {
    event *v;
    size_t n, cap;
} events;

static void ev_add(events *es, uint64_t t, uint64_t seq, const char *kind, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));
static void ev_add(events *es, uint64_t t, uint64_t seq, const char *kind, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    char *what = malloc((size_t)len + 1);
    if (!what)
        return;
    va_start(ap, fmt);
    vsnprintf(what, (size_t)len + 1, fmt, ap);
    va_end(ap);
    event *e = cw_trace_push((void **)&es->v, &es->n, &es->cap, sizeof *e);
    if (!e) {
        free(what);
        return;
    }
    e->t = t;
    e->seq = seq;
    e->order = es->n;
    e->kind = kind;
    e->what = what;
}

static void ev_free(events *es)
{
    for (size_t i = 0; i < es->n; i++)
        free(es->v[i].what);
    free(es->v);
}

static int by_time(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void heard_events(const cw_trace *t, events *es)
{
    for (size_t i = 0; i < t->nheard; i++) {
        const cw_trace_heard *h = &t->heard[i];
        const char *role = heard_role(t, h);
        char part[96] = "";
        if (h->prompt[0] && !(h->first == 0 && h->last + 1 >= h->frames))
            snprintf(part, sizeof part, ", only frames %u-%u of %u", h->first + 1,
                     h->last + 1, h->frames);
        ev_add(es, h->t0, h->seq, role && !strcmp(role, "disclosure") ? "disclosure" : "heard",
               "hears \"%s\"\n(%.1f s%s%s%s%s%s)", heard_words(h),
               (double)(h->t1 + FRAME_MS - h->t0) / 1000.0, h->prompt[0] ? "; prompt " : "",
               h->prompt, part, role ? "; the policy's " : "", role ? role : "");
    }
}

static void caller_events(const cw_trace *t, events *es)
{
    for (size_t i = 0; i < t->nkeys; i++) {
        const cw_trace_key *k = &t->keys[i];
        ev_add(es, k->t_down, k->seq, "caller", "presses %c%s", k->digit,
               t->t_withdraw_key && t->t_withdraw_key == k->t_down ? " (the withdraw key)"
               : "");
    }
    for (size_t i = 0; i < t->nsaid; i++)
        ev_add(es, t->said[i].t0, 0, "caller", "says \"%s\" (%.1f s)", t->said[i].words,
               (double)(t->said[i].t1 - t->said[i].t0) / 1000.0);
}

static void consent_events(const cw_trace *t, events *es)
{
    for (size_t i = 0; i < t->nconsents; i++) {
        const cw_trace_consent *c = &t->consents[i];
        char purposes[16 * 34 + 1] = "";
        size_t len = 0;
        for (unsigned k = 0; k < c->npurposes && k < 16; k++) {
            int n = snprintf(purposes + len, sizeof purposes - len, "%s%s", k ? ", " : "",
                             c->purposes[k]);
            if (n < 0 || (size_t)n >= sizeof purposes - len)
                break;
            len += (size_t)n;
        }
        ev_add(es, c->t, c->seq, "consent", "consent %s%s%s%s%s%s%s%s%s%s",
               consent_word(c->state), c->level[0] ? ": level " : "", c->level,
               c->variant[0] ? " (wording " : "", c->variant, c->variant[0] ? ")" : "",
               purposes[0] ? "\npurposes: " : "", purposes, c->id[0] ? "\nconsent " : "",
               c->id);
    }
}

static void recording_events(const cw_trace *t, events *es)
{
    for (size_t i = 0; i < t->nrecs; i++) {
        const cw_trace_recording *r = &t->recs[i];
        ev_add(es, r->t0, r->seq0, "recording", "recording starts for %s", r->purpose);
        if (r->t1)
            ev_add(es, r->t1, r->seq1, "recording", "recording stops (%s)",
                   r->kept ? "stored in the vault" : "discarded");
        else
            ev_add(es, t->t_end, UINT64_MAX - 2, "recording",
                   "recording for %s still running when the call ended", r->purpose);
    }
    if (t->nframes)
        ev_add(es, t->frames[0].t_sent, t->frames[0].seq, "recording",
               "the recorder kept %zu frames (%.1f s) of the caller, sent %.2f-%.2f s",
               t->nframes, (double)t->nframes * FRAME_MS / 1000.0,
               rel(t->frames[0].t_sent, t->t_invite),
               rel(t->frames[t->nframes - 1].t_sent + FRAME_MS, t->t_invite));
}

static void transfer_events(const cw_trace *t, events *es)
{
    for (size_t i = 0; i < t->ntransfers; i++) {
        const cw_trace_transfer *x = &t->transfers[i];
        char hdrs[20 * 330] = "";
        size_t len = 0;
        for (unsigned k = 0; k < x->nheaders && k < 20; k++) {
            int n = snprintf(hdrs + len, sizeof hdrs - len, "\n%s: %s", x->headers[k].name,
                             x->headers[k].value);
            if (n < 0 || (size_t)n >= sizeof hdrs - len)
                break;
            len += (size_t)n;
        }
        ev_add(es, x->t, x->seq, "transfer", "transfer (%s) to %s%s%s", x->mode, x->target,
               x->accepted ? "" : " (not taken)", hdrs);
    }
    if (t->t_error)
        ev_add(es, t->t_error, UINT64_MAX - 1, "transfer", "the flow failed: %s", t->error);
    if (t->fallback)
        ev_add(es, t->t_fallback, UINT64_MAX - 1, "transfer", "the fallback begins");
}

static void build_events(const scn_result *res, events *es)
{
    const cw_trace *t = &res->sc->tr;
    if (t->answered)
        ev_add(es, t->t_answer, 0, "call", "answered");
    else if (t->rejected)
        ev_add(es, t->t_end, 0, "call", "refused with %d", t->rejected);
    heard_events(t, es);
    caller_events(t, es);
    consent_events(t, es);
    recording_events(t, es);
    transfer_events(t, es);
    for (size_t i = 0; i < res->nviolations && i < MAX_VIOLATIONS; i++)
        ev_add(es, res->violations[i].t_ms, UINT64_MAX - 1, "violation", "%s violated: %s",
               res->violations[i].guarantee, res->violations[i].what);
    ev_add(es, t->t_end, UINT64_MAX, "call", "%s hangs up%s%s%s",
           t->ended_by[0] ? t->ended_by : "nobody", t->end_reason[0] ? " (" : "",
           t->end_reason, t->end_reason[0] ? ")" : "");
    qsort(es->v, es->n, sizeof *es->v, by_time);
}

/* ---- the drawing --------------------------------------------------------------------- */

/* Where the call's times go on the plot: t0 at the left, t0 + span at the right. */
typedef struct scale {
    uint64_t t0, span;
} scale;

static double x_at(const scale *s, uint64_t t)
{
    uint64_t d = t > s->t0 ? t - s->t0 : 0;
    if (d > s->span)
        d = s->span;
    return LABEL_W + (double)d * PLOT_W / (double)s->span;
}

static int lane_y(int lane)
{
    return TOP_PAD + lane * LANE_H;
}

static uint64_t later(uint64_t a, uint64_t b)
{
    return b > a ? b : a;
}

/* The last moment anything of the call happened (its end, normally). */
static uint64_t call_end(const scn_result *res)
{
    const cw_trace *t = &res->sc->tr;
    uint64_t end = t->t_end;
    for (size_t i = 0; i < t->nheard; i++)
        end = later(end, t->heard[i].t1 + FRAME_MS);
    for (size_t i = 0; i < t->nkeys; i++)
        end = later(end, t->keys[i].t_up);
    for (size_t i = 0; i < t->nsaid; i++)
        end = later(end, t->said[i].t1);
    for (size_t i = 0; i < t->nconsents; i++)
        end = later(end, t->consents[i].t);
    for (size_t i = 0; i < t->nrecs; i++)
        end = later(end, t->recs[i].t1);
    for (size_t i = 0; i < t->ntransfers; i++)
        end = later(end, t->transfers[i].t);
    for (size_t i = 0; i < res->nviolations && i < MAX_VIOLATIONS; i++)
        end = later(end, res->violations[i].t_ms);
    return end;
}

/* A rect from a to b in lane, inset from its edges by pad px (at least 1 px wide). */
static void put_rect(FILE *out, const scale *s, int lane, uint64_t a, uint64_t b, int pad,
                     int h, const char *cls, const char *role)
{
    double x0 = x_at(s, a), x1 = x_at(s, b);
    fprintf(out, "<rect class=\"%s\"%s%s%s x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">",
            cls, role ? " data-role=\"" : "", role ? role : "", role ? "\"" : "", x0,
            lane_y(lane) + pad, x1 - x0 < 1 ? 1.0 : x1 - x0, h);
}

/* A label inside [a, b] of the lane, cut off at its end (a nested svg clips). */
static void put_label(FILE *out, const scale *s, int lane, uint64_t a, uint64_t b,
                      const char *text)
{
    double x0 = x_at(s, a), x1 = x_at(s, b);
    if (x1 - x0 < 28 || !text[0])
        return;
    fprintf(out, "<svg class=\"label\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
            "<text x=\"3\" y=\"%d\">", x0, lane_y(lane), x1 - x0, LANE_H, LANE_H / 2 + 4);
    scn_put_markup(out, text, 0);
    fputs("</text></svg>\n", out);
}

/* A small triangle pointing down at t, at the top of the lane; attrs: more attributes
 * ("" or " name=\"value\""). */
static void put_mark(FILE *out, const scale *s, int lane, uint64_t t, const char *cls,
                     const char *attrs)
{
    fprintf(out, "<path class=\"%s\"%s d=\"M%.1f %d l7 -12 h-14 z\">", cls, attrs,
            x_at(s, t), lane_y(lane) + LANE_H - 6);
}

static void draw_frame(FILE *out, const scale *s)
{
    for (int i = 0; i < NLANES; i++) {
        fprintf(out, "<rect class=\"lane%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
                "<text class=\"lanename\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
                i % 2 ? " odd" : "", LABEL_W, lane_y(i), PLOT_W, LANE_H, LABEL_W - 8,
                lane_y(i) + LANE_H / 2 + 4, lane_names[i]);
    }
    /* a tick every step seconds: at most about 12 of them */
    static const unsigned steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600 };
    unsigned step = steps[sizeof steps / sizeof steps[0] - 1];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (s->span / 1000 / steps[i] <= 12) {
            step = steps[i];
            break;
        }
    int axis_y = lane_y(NLANES);
    fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LABEL_W,
            axis_y, LABEL_W + PLOT_W, axis_y);
    for (uint64_t ms = 0; ms <= s->span; ms += (uint64_t)step * 1000) {
        double x = x_at(s, s->t0 + ms);
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%llu s</text>\n", x,
                TOP_PAD, x, axis_y + 4, x, axis_y + 18, (unsigned long long)(ms / 1000));
    }
}

static void draw_heard(FILE *out, const scale *s, const cw_trace *t)
{
    for (size_t i = 0; i < t->nheard; i++) {
        const cw_trace_heard *h = &t->heard[i];
        const char *role = heard_role(t, h);
        put_rect(out, s, LANE_HEARD, h->t0, h->t1 + FRAME_MS, 4, LANE_H - 8, "heard", role);
        put_title(out, "%.3f-%.3f s%s%s: \"%s\"", rel(h->t0, t->t_invite),
                  rel(h->t1 + FRAME_MS, t->t_invite), role ? ", the " : "", role ? role : "",
                  heard_words(h));
        fputs("</rect>\n", out);
        put_label(out, s, LANE_HEARD, h->t0, h->t1 + FRAME_MS, heard_words(h));
    }
}

static void draw_caller(FILE *out, const scale *s, const cw_trace *t)
{
    int y = lane_y(LANE_CALLER);
    for (size_t i = 0; i < t->nsaid; i++) {
        const cw_trace_said *w = &t->said[i];
        put_rect(out, s, LANE_CALLER, w->t0, w->t1, 6, LANE_H - 12, "said", NULL);
        put_title(out, "%.3f-%.3f s: the caller says \"%s\"", rel(w->t0, t->t_invite),
                  rel(w->t1, t->t_invite), w->words);
        fputs("</rect>\n", out);
    }
    for (size_t i = 0; i < t->nkeys; i++) {
        const cw_trace_key *k = &t->keys[i];
        int withdraw = t->t_withdraw_key && t->t_withdraw_key == k->t_down;
        double x = x_at(s, k->t_down);
        fprintf(out, "<line class=\"key%s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\">",
                withdraw ? " withdraw" : "", x, y + 3, x, y + 13);
        put_title(out, "%.3f s: the caller presses %c%s", rel(k->t_down, t->t_invite),
                  k->digit, withdraw ? " (the withdraw key)" : "");
        fputs("</line>\n", out);
    }
    /* the digits below their lines, keys in quick succession as one label ("45#") */
    for (size_t i = 0; i < t->nkeys;) {
        char digits[17];
        size_t n = 0, k = i;
        while (k < t->nkeys && n < sizeof digits - 1 &&
               (k == i || t->keys[k].t_down - t->keys[k - 1].t_down <= 1500))
            digits[n++] = t->keys[k++].digit;
        digits[n] = 0;
        fprintf(out, "<text class=\"label\" x=\"%.1f\" y=\"%d\">", x_at(s, t->keys[i].t_down)
                - 3, y + LANE_H - 4);
        scn_put_markup(out, digits, 0);
        fputs("</text>\n", out);
        i = k;
    }
}

static void draw_consent(FILE *out, const scale *s, const cw_trace *t, uint64_t end)
{
    for (size_t i = 0; i < t->nconsents; i++) {
        const cw_trace_consent *c = &t->consents[i];
        uint64_t until = i + 1 < t->nconsents ? t->consents[i + 1].t : end;
        char label[80];
        snprintf(label, sizeof label, "%s%s%s", consent_word(c->state),
                 c->level[0] ? ": " : "", c->level);
        put_rect(out, s, LANE_CONSENT, c->t, until, 4, LANE_H - 8, consent_class(c->state),
                 NULL);
        put_title(out, "%.3f-%.3f s: consent %s%s%s", rel(c->t, t->t_invite),
                  rel(until, t->t_invite), label, c->variant[0] ? ", wording " : "",
                  c->variant);
        fputs("</rect>\n", out);
        put_label(out, s, LANE_CONSENT, c->t, until, label);
    }
}

static void draw_recording(FILE *out, const scale *s, const cw_trace *t, uint64_t end)
{
    for (size_t i = 0; i < t->nrecs; i++) {
        const cw_trace_recording *r = &t->recs[i];
        uint64_t until = r->t1 ? r->t1 : end;
        put_rect(out, s, LANE_RECORDING, r->t0, until, 4, LANE_H - 14, "recording", NULL);
        put_title(out, "%.3f-%.3f s: recording for %s, %s", rel(r->t0, t->t_invite),
                  rel(until, t->t_invite), r->purpose, !r->t1 ? "still running at the end"
                  : r->kept ? "stored in the vault" : "discarded");
        fputs("</rect>\n", out);
    }
    /* the frames kept, as runs of consecutive frames, below */
    for (size_t i = 0; i < t->nframes;) {
        size_t k = i + 1;
        while (k < t->nframes && t->frames[k].t_sent - t->frames[k - 1].t_sent <= 2 * FRAME_MS)
            k++;
        uint64_t a = t->frames[i].t_sent, b = t->frames[k - 1].t_sent + FRAME_MS;
        put_rect(out, s, LANE_RECORDING, a, b, LANE_H - 9, 5, "kept", NULL);
        put_title(out, "%.3f-%.3f s: %zu frames of the caller's audio kept by the recorder",
                  rel(a, t->t_invite), rel(b, t->t_invite), k - i);
        fputs("</rect>\n", out);
        i = k;
    }
}

static void draw_transfer(FILE *out, const scale *s, const cw_trace *t)
{
    for (size_t i = 0; i < t->ntransfers; i++) {
        const cw_trace_transfer *x = &t->transfers[i];
        put_mark(out, s, LANE_TRANSFER, x->t, "transfer",
                 x->accepted ? "" : " data-accepted=\"no\"");
        put_title(out, "%.3f s: transfer (%s) to %s%s, %u headers", rel(x->t, t->t_invite),
                  x->mode, x->target, x->accepted ? "" : " (not taken)", x->nheaders);
        fputs("</path>\n", out);
    }
    if (t->fallback) {
        put_mark(out, s, LANE_TRANSFER, t->t_fallback, "fallback", "");
        put_title(out, "%.3f s: the fallback begins", rel(t->t_fallback, t->t_invite));
        fputs("</path>\n", out);
    }
    if (t->t_error) {
        put_mark(out, s, LANE_TRANSFER, t->t_error, "error", "");
        put_title(out, "%.3f s: the flow failed: %s", rel(t->t_error, t->t_invite), t->error);
        fputs("</path>\n", out);
    }
}

static void draw_violations(FILE *out, const scale *s, const scn_result *res)
{
    const cw_trace *t = &res->sc->tr;
    for (size_t i = 0; i < res->nviolations && i < MAX_VIOLATIONS; i++) {
        const cw_violation *v = &res->violations[i];
        double x = x_at(s, v->t_ms);
        fprintf(out, "<line class=\"violation-guide\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                "y2=\"%d\"/>", x, TOP_PAD, x, lane_y(LANE_VIOLATIONS));
        put_mark(out, s, LANE_VIOLATIONS, v->t_ms, "violation", "");
        put_title(out, "%s at %.3f s: %s", v->guarantee, rel(v->t_ms, t->t_invite), v->what);
        fputs("</path>", out);
        fprintf(out, "<text class=\"label\" x=\"%.1f\" y=\"%d\">", x + 8,
                lane_y(LANE_VIOLATIONS) + LANE_H - 8);
        scn_put_markup(out, v->guarantee, 0);
        fputs("</text>\n", out);
    }
}

static void draw_timeline(FILE *out, const scn_result *res, size_t no)
{
    const cw_trace *t = &res->sc->tr;
    uint64_t end = call_end(res);
    scale s = { t->t_invite, end > t->t_invite ? end - t->t_invite : 0 };
    if (s.span < 1000)
        s.span = 1000;
    fprintf(out, "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" "
            "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
            "aria-labelledby=\"call-%zu-svgtitle\">\n", SVG_W, SVG_H, SVG_W, SVG_H, no);
    fprintf(out, "<title id=\"call-%zu-svgtitle\">", no);
    scn_put_markup(out, res->name[0] ? res->name : base_name(res->file), 0);
    fprintf(out, ": the call over %.1f s</title>\n", (double)s.span / 1000.0);
    draw_frame(out, &s);
    draw_consent(out, &s, t, t->t_end > t->t_invite ? t->t_end : end);
    draw_recording(out, &s, t, t->t_end > t->t_invite ? t->t_end : end);
    draw_heard(out, &s, t);
    draw_caller(out, &s, t);
    draw_transfer(out, &s, t);
    draw_violations(out, &s, res);
    fputs("</svg>\n", out);
}

/* ---- one call ------------------------------------------------------------------------ */

static void put_problems(FILE *out, const scn_result *res)
{
    uint64_t t0 = res->sc ? res->sc->tr.t_invite : 0;
    for (size_t i = 0; i < res->nunchecked; i++) {
        fputs("<p class=\"muted\">", out);
        scn_put_markup(out, res->unchecked[i], 0);
        fputs("</p>\n", out);
    }
    if (res->skipped[0]) {
        fputs("<p class=\"muted\">Skipped: ", out);
        scn_put_markup(out, res->skipped, 0);
        fputs("</p>\n", out);
        return;
    }
    if (!is_bad(res)) {
        fputs("<p class=\"ok\">As expected, and G1-G10 hold.</p>\n", out);
        return;
    }
    fputs("<ul class=\"problems\">\n", out);
    if (res->failed) {
        fputs("<li>The scenario failed: ", out);
        scn_put_markup(out, res->failure[0] ? res->failure : "(no reason given)", 0);
        fputs("</li>\n", out);
    }
    for (size_t i = 0; i < res->nunmet; i++) {
        fputs("<li>Expectation not met: ", out);
        scn_put_markup(out, res->unmet[i], 0);
        fputs("</li>\n", out);
    }
    for (size_t i = 0; i < res->nviolations && i < MAX_VIOLATIONS; i++) {
        const cw_violation *v = &res->violations[i];
        fprintf(out, "<li><b>%s</b> violated at %.3f s: ", v->guarantee, rel(v->t_ms, t0));
        scn_put_markup(out, v->what, 0);
        fputs("</li>\n", out);
    }
    if (res->nviolations > MAX_VIOLATIONS)
        fprintf(out, "<li>%zu more violations, not kept</li>\n",
                res->nviolations - MAX_VIOLATIONS);
    fputs("</ul>\n", out);
}

static void put_events(FILE *out, const scn_result *res)
{
    events es = { 0 };
    build_events(res, &es);
    fputs("<table class=\"events\"><thead><tr><th>time (s)</th><th>lane</th><th>what</th>"
          "</tr></thead><tbody>\n", out);
    for (size_t i = 0; i < es.n; i++) {
        const event *e = &es.v[i];
        fprintf(out, "<tr class=\"%s\"><td class=\"t\">%.3f</td><td>%s</td><td class=\"what\">",
                e->kind, rel(e->t, res->sc->tr.t_invite),
                strcmp(e->kind, "disclosure") == 0 ? "heard" : e->kind);
        scn_put_markup(out, e->what, 0);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    ev_free(&es);
}

static void put_ledger(FILE *out, const cw_trace *t)
{
    fputs("<h3>Consent ledger</h3>\n", out);
    if (t->nrecords) {
        fputs("<table class=\"ledger\"><thead><tr><th>seq</th><th>event</th><th>consent</th>"
              "</tr></thead><tbody>\n", out);
        for (size_t i = 0; i < t->nrecords; i++) {
            const cw_trace_record *r = &t->records[i];
            fprintf(out, "<tr><td>%llu</td>", (unsigned long long)r->seq);
            put_elem(out, "td", NULL, r->event);
            put_elem(out, "td", NULL, r->consent_id[0] ? r->consent_id : "-");
            fputs("</tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
    } else {
        fputs("<p>No record of this call.</p>\n", out);
    }
    fputs("<p class=\"small\">Audit verification of the tenant's ledger: ", out);
    if (t->audit_error[0])
        put_elem(out, "span", "fail", t->audit_error);
    else if (t->audit_problems)
        fprintf(out, "<span class=\"fail\">%d problems</span>", t->audit_problems);
    else
        fputs("<span class=\"pass\">ok</span>", out);
    fputs("</p>\n", out);
}

static void put_vault(FILE *out, const cw_trace *t)
{
    fputs("<h3>Vault</h3>\n", out);
    if (!t->nartifacts) {
        fputs("<p>Nothing of the caller's audio.</p>\n", out);
    } else {
        fputs("<table class=\"vault\"><thead><tr><th>artifact</th><th>purpose</th>"
              "<th>kind</th><th>consent</th><th>caller's audio</th><th>deleted after</th>"
              "</tr></thead><tbody>\n", out);
        for (size_t i = 0; i < t->nartifacts; i++) {
            const cw_trace_artifact *a = &t->artifacts[i];
            fputs("<tr>", out);
            put_elem(out, "td", NULL, a->id);
            put_elem(out, "td", NULL, a->purpose);
            put_elem(out, "td", NULL, a->kind);
            put_elem(out, "td", NULL, a->consent_id[0] ? a->consent_id : "-");
            if (a->frames)
                fprintf(out, "<td>%.2f s, sent %.2f-%.2f s</td>", a->frames * 0.02,
                        rel(a->first_sent, t->t_invite),
                        rel(a->last_sent + FRAME_MS, t->t_invite));
            else
                fputs("<td>none</td>", out);
            fprintf(out, "<td>%.0f days</td></tr>\n",
                    (double)(a->delete_after_ms - a->created_ms) / 86400000.0);
        }
        fputs("</tbody></table>\n", out);
    }
    if (t->erased_left)
        fprintf(out, "<p class=\"fail\">%u artifacts of a withdrawn consent are still in the "
                "vault.</p>\n", t->erased_left);
    if (t->foreign)
        fprintf(out, "<p class=\"fail\">%u records or audio of this call are in another "
                "tenant's stores.</p>\n", t->foreign);
}

static void put_call(FILE *out, const scn_result *res, size_t no)
{
    const char *v = verdict(res);
    fprintf(out, "<section class=\"call\" id=\"call-%zu\" data-scenario=\"", no);
    scn_put_markup(out, res->file, 0);
    fprintf(out, "\" data-verdict=\"%s\">\n<h2>%zu. ", v, no);
    scn_put_markup(out, res->name[0] ? res->name : base_name(res->file), 0);
    fprintf(out, "<span class=\"verdict %s\">%s</span></h2>\n", v, v);
    fputs("<p class=\"muted small\">", out);
    scn_put_markup(out, res->file, 0);
    fputs(" &middot; tenant ", out);
    scn_put_markup(out, res->tenant, 0);
    if (res->sc) {
        const cw_trace *t = &res->sc->tr;
        fputs(" &middot; call from ", out);
        scn_put_markup(out, res->sc->from, 0);
        fputs(" to ", out);
        scn_put_markup(out, res->sc->to, 0);
        fputs(" &middot; language ", out);
        scn_put_markup(out, t->lang[0] ? t->lang : "-", 0);
        fprintf(out, " &middot; %.1f s, ended by ", rel(t->t_end, t->t_invite));
        scn_put_markup(out, t->ended_by[0] ? t->ended_by : "nobody", 0);
        if (t->end_reason[0]) {
            fputs(" (", out);
            scn_put_markup(out, t->end_reason, 0);
            fputs(")", out);
        }
    }
    fputs("</p>\n", out);
    put_problems(out, res);
    if (!res->sc) {
        fputs("<p>The scenario made no call.</p>\n</section>\n", out);
        return;
    }
    draw_timeline(out, res, no);
    put_events(out, res);
    put_ledger(out, &res->sc->tr);
    put_vault(out, &res->sc->tr);
    fputs("</section>\n", out);
}

/* ---- the page ------------------------------------------------------------------------ */

static void put_summary(FILE *out, const scn_result *res, size_t n)
{
    size_t failed = 0, violations = 0, by_g[11] = { 0 };
    for (size_t i = 0; i < n; i++) {
        failed += is_bad(&res[i]);
        violations += res[i].nviolations;
        for (size_t k = 0; k < res[i].nviolations && k < MAX_VIOLATIONS; k++) {
            int g = atoi(res[i].violations[k].guarantee + 1);
            if (res[i].violations[k].guarantee[0] == 'G' && g >= 1 && g <= 10)
                by_g[g]++;
        }
    }
    fputs("<section class=\"summary\">\n<div class=\"counts\">", out);
    fprintf(out, "<div class=\"count\"><b>%zu</b>scenarios</div>", n);
    fprintf(out, "<div class=\"count good\"><b>%zu</b>passed</div>", n - failed);
    fprintf(out, "<div class=\"count%s\"><b>%zu</b>failed</div>", failed ? " bad" : "", failed);
    fprintf(out, "<div class=\"count%s\"><b>%zu</b>guarantee violations</div></div>\n",
            violations ? " bad" : " good", violations);
    if (violations) {
        fputs("<p class=\"fail\">Broken:", out);
        for (int g = 1; g <= 10; g++)
            if (by_g[g])
                fprintf(out, " G%d &times; %zu", g, by_g[g]);
        fputs("</p>\n", out);
    } else {
        fputs("<p class=\"pass\">No call broke any of the guarantees G1-G10.</p>\n", out);
    }
    fputs("<table class=\"overview\"><thead><tr><th>#</th><th>scenario</th><th>tenant</th>"
          "<th>verdict</th><th>call</th><th>problems</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < n; i++) {
        const scn_result *r = &res[i];
        const char *v = verdict(r);
        fprintf(out, "<tr><td>%zu</td><td><a href=\"#call-%zu\">", i + 1, i + 1);
        scn_put_markup(out, base_name(r->file), 0);
        if (r->name[0]) {
            fputs(": ", out);
            scn_put_markup(out, r->name, 0);
        }
        fputs("</a></td>", out);
        put_elem(out, "td", NULL, r->tenant);
        fprintf(out, "<td class=\"%s\">%s</td>", v, v);
        if (r->sc)
            fprintf(out, "<td>%.1f s</td>", rel(r->sc->tr.t_end, r->sc->tr.t_invite));
        else
            fputs("<td>none</td>", out);
        fprintf(out, "<td>%zu</td></tr>\n", (size_t)(r->failed != 0) + r->nunmet +
                r->nviolations);
    }
    fputs("</tbody></table>\n", out);
    fputs("<p class=\"legend small\">"
          "<span><i style=\"background:#ffd866\"></i>disclosure</span>"
          "<span><i style=\"background:#9ec5fe\"></i>other audio heard</span>"
          "<span><i style=\"background:#c8e6c9\"></i>caller speaks</span>"
          "<span><i style=\"background:#81c784\"></i>consent given</span>"
          "<span><i style=\"background:#ef9a9a\"></i>refused</span>"
          "<span><i style=\"background:#ce93d8\"></i>withdrawn</span>"
          "<span><i style=\"background:#f8bbd0\"></i>recording</span>"
          "<span><i style=\"background:#880e4f\"></i>audio kept</span>"
          "<span><i style=\"background:#d32f2f\"></i>violation</span>"
          "</p>\n</section>\n", out);
}

static void put_page(FILE *out, const scn_result *res, size_t n)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>callwarden: compliance scenarios</title>\n<style>\n", out);
    fputs(css, out);
    fputs("</style>\n</head>\n<body>\n<h1>Compliance scenarios</h1>\n"
          "<p class=\"muted\">Simulated calls against each tenant's real flow and policy, "
          "checked against the data-protection guarantees G1-G10. Times are seconds since "
          "the call came in.</p>\n", out);
    put_summary(out, res, n);
    for (size_t i = 0; i < n; i++)
        put_call(out, &res[i], i + 1);
    fputs("</body>\n</html>\n", out);
}

/* mkdir -p dir, 0755. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path) {
        snprintf(err, errlen, "report directory \"%.200s\": %s", dir,
                 len ? "the path is too long" : "no path given");
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p != 0)
            continue;
        char c = *p;
        *p = 0;
        struct stat sb;
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create the report directory %s: %s", path,
                     strerror(errno));
            return -1;
        }
        if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "cannot create the report directory %s: it exists and "
                     "is not a directory", path);
            return -1;
        }
        *p = c;
        if (c == 0)
            break;
    }
    return 0;
}

int scn_write_html(const char *dir, const scn_result *res, size_t n, char *err,
                   size_t errlen)
{
    char path[PATH_MAX];
    if (!err)
        errlen = 0;
    if (make_dirs(dir, err, errlen) != 0)
        return -1;
    int len = snprintf(path, sizeof path, "%s/index.html", dir);
    if (len < 0 || (size_t)len >= sizeof path) {
        snprintf(err, errlen, "report directory %s: the path is too long", dir);
        return -1;
    }
    FILE *out = fopen(path, "w");
    if (!out) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    put_page(out, res, n);
    int bad = ferror(out);
    if (fclose(out) != 0 || bad) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
