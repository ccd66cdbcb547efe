/* prompt_index.c  What the caller hears, named by its bytes: every frame of every
 * prompt the runtime has loaded, hashed, so that a packet on the line can be traced to
 * the prompt and the frame it came from without asking the core what it meant to play.
 * Prompts are indexed when first needed (a frame no indexed prompt has), both laws. */
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

typedef struct entry {
    uint64_t hash;
    const cw_prompt *p;
    unsigned frame;
    cw_codec codec;
} entry;

struct sim_prompt_index {
    entry *slots;                  /* open addressing; p NULL: empty */
    size_t cap, used;
    const cw_prompt **done;        /* the prompts indexed */
    size_t ndone, capdone;
};

static uint64_t fnv1a(const uint8_t *b, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

sim_prompt_index *sim_index_new(void)
{
    return calloc(1, sizeof(sim_prompt_index));
}

void sim_index_free(sim_prompt_index *ix)
{
    if (!ix)
        return;
    free(ix->slots);
    free(ix->done);
    free(ix);
}

static void put(sim_prompt_index *ix, entry e);

static int grow(sim_prompt_index *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : 4096;
    entry *old = ix->slots;
    size_t oldcap = ix->cap;
    ix->slots = calloc(cap, sizeof *ix->slots);
    if (!ix->slots) {
        ix->slots = old;
        return -1;
    }
    ix->cap = cap;
    ix->used = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].p)
            put(ix, old[i]);
    free(old);
    return 0;
}

static void put(sim_prompt_index *ix, entry e)
{
    if ((ix->used + 1) * 2 > ix->cap && grow(ix) != 0)
        return;
    size_t i = (size_t)e.hash & (ix->cap - 1);
    while (ix->slots[i].p)
        i = (i + 1) & (ix->cap - 1);
    ix->slots[i] = e;
    ix->used++;
}

/* The payload of frame k of p in codec: the prompt's bytes, the last frame padded. */
static void frame_bytes(const cw_prompt *p, cw_codec codec, unsigned k, uint8_t *out)
{
    const uint8_t *src = codec == CW_CODEC_PCMA ? p->pcma : p->pcmu;
    size_t at = (size_t)k * CW_FRAME_SAMPLES;
    size_t n = p->nsamples - at < CW_FRAME_SAMPLES ? p->nsamples - at : CW_FRAME_SAMPLES;
    memcpy(out, src + at, n);
    memset(out + n, cw_g711_silence(codec), CW_FRAME_SAMPLES - n);
}

int sim_prompt_frame_is(const cw_prompt *p, cw_codec codec, unsigned k,
                        const uint8_t *payload)
{
    if ((size_t)k >= cw_prompt_frames(p))
        return 0;
    uint8_t b[CW_FRAME_SAMPLES];
    frame_bytes(p, codec, k, b);
    return memcmp(b, payload, CW_FRAME_SAMPLES) == 0;
}

int sim_frame_quiet(const uint8_t *payload, cw_codec codec)
{
    int16_t pcm[CW_FRAME_SAMPLES];
    cw_g711_decode(codec, payload, pcm, CW_FRAME_SAMPLES);
    for (size_t i = 0; i < CW_FRAME_SAMPLES; i++)
        if (pcm[i] > SIM_QUIET || pcm[i] < -SIM_QUIET)
            return 0;
    return 1;
}

int sim_prompt_frame_quiet(const cw_prompt *p, cw_codec codec, unsigned k)
{
    uint8_t b[CW_FRAME_SAMPLES];
    if ((size_t)k >= cw_prompt_frames(p))
        return 0;
    frame_bytes(p, codec, k, b);
    return sim_frame_quiet(b, codec);
}

static int is_silence(const uint8_t *b, cw_codec codec)
{
    uint8_t s = cw_g711_silence(codec);
    for (size_t i = 0; i < CW_FRAME_SAMPLES; i++)
        if (b[i] != s)
            return 0;
    return 1;
}

static void index_prompt(sim_prompt_index *ix, const cw_prompt *p)
{
    static const cw_codec codecs[2] = { CW_CODEC_PCMU, CW_CODEC_PCMA };
    size_t frames = cw_prompt_frames(p);
    for (int c = 0; c < 2; c++) {
        for (size_t k = 0; k < frames; k++) {
            uint8_t b[CW_FRAME_SAMPLES];
            frame_bytes(p, codecs[c], (unsigned)k, b);
            if (is_silence(b, codecs[c]))
                continue;              /* silence names no prompt */
            entry e = { fnv1a(b, sizeof b), p, (unsigned)k, codecs[c] };
            put(ix, e);
        }
    }
}

static int indexed(const sim_prompt_index *ix, const cw_prompt *p)
{
    for (size_t i = 0; i < ix->ndone; i++)
        if (ix->done[i] == p)
            return 1;
    return 0;
}

/* Index the prompts of pc that are not yet; 1 if there were any. */
static int refresh(sim_prompt_index *ix, cw_prompt_cache *pc)
{
    int added = 0;
    for (const cw_prompt *p = pc->head; p; p = p->next) {
        if (indexed(ix, p))
            continue;
        if (ix->ndone == ix->capdone) {
            size_t cap = ix->capdone ? ix->capdone * 2 : 64;
            const cw_prompt **d = realloc(ix->done, cap * sizeof *d);
            if (!d)
                return added;
            ix->done = d;
            ix->capdone = cap;
        }
        ix->done[ix->ndone++] = p;
        index_prompt(ix, p);
        added = 1;
    }
    return added;
}

/* Quiet frames can be the same in several prompts: the candidate whose frame before
 * is the one heard before wins, then one that starts (frame 0), then any. */
static int lookup(sim_prompt_index *ix, cw_codec codec, const uint8_t *payload,
                  const uint8_t *prev, const cw_prompt **p, unsigned *frame)
{
    if (!ix->cap)
        return 0;
    uint64_t h = fnv1a(payload, CW_FRAME_SAMPLES);
    int best = 0;
    for (size_t i = (size_t)h & (ix->cap - 1); ix->slots[i].p; i = (i + 1) & (ix->cap - 1)) {
        const entry *e = &ix->slots[i];
        if (e->hash != h || e->codec != codec ||
            !sim_prompt_frame_is(e->p, codec, e->frame, payload))
            continue;
        int score = prev && e->frame > 0 && sim_prompt_frame_is(e->p, codec, e->frame - 1, prev)
                        ? 3 : e->frame == 0 ? 2 : 1;
        if (score > best) {
            *p = e->p;
            *frame = e->frame;
            best = score;
        }
    }
    return best > 0;
}

int sim_index_find(sim_prompt_index *ix, cw_prompt_cache *pc, cw_codec codec,
                   const uint8_t *payload, const uint8_t *prev, const cw_prompt **p,
                   unsigned *frame)
{
    if (lookup(ix, codec, payload, prev, p, frame))
        return 1;
    return refresh(ix, pc) && lookup(ix, codec, payload, prev, p, frame);
}
