/* heard.c  What the virtual caller hears, named by its bytes: each frame of the core's
 * audio either goes on the prompt that is playing, starts another prompt (found in the
 * index of every prompt the runtime loaded), or is audio that is no known prompt. A
 * prompt's words come from the text it was rendered from (TTS) or the transcript beside
 * its file (<id>.txt). Over a real line, a few lost packets and the quiet frames that
 * several prompts share do not break a prompt into pieces.
 */
#include <stdio.h>
#include <string.h>

#include "sim_int.h"

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

void sim_heard_close(sim_call *sc)
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
    if (sim_frame_quiet(payload, sc->codec)) {
        sim_heard_close(sc);
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
            /* a prompt's quiet lead-in was heard as silence: the prompt began there */
            unsigned lead = 0;
            while (lead < k && sim_prompt_frame_quiet(p, sc->codec, lead))
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
