/* prompts.c  The prompt cache: each WAV is read once, kept as linear PCM and
 * pre-encoded in both G.711 laws, and shared by every call that plays it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/media.h"
#include "callwarden/wav.h"

void cw_prompt_cache_init(cw_prompt_cache *pc, const char *dir)
{
    memset(pc, 0, sizeof *pc);
    snprintf(pc->dir, sizeof pc->dir, "%s", dir);
}

/* A name part must not walk out of the prompt directory. */
static int safe_part(const char *s)
{
    if (!s[0] || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (; *s; s++)
        if (*s == '/' || *s == '\\')
            return 0;
    return 1;
}

cw_prompt *cw_prompt_get(cw_prompt_cache *pc, const char *tenant, const char *lang,
                         const char *id, char *err, size_t errlen)
{
    char key[192];
    snprintf(key, sizeof key, "%s/%s/%s", tenant, lang, id);
    for (cw_prompt *p = pc->head; p; p = p->next)
        if (strcmp(p->key, key) == 0)
            return p;

    if (!safe_part(tenant) || !safe_part(lang) || !safe_part(id)) {
        snprintf(err, errlen, "bad prompt name \"%s\"", key);
        return NULL;
    }
    char path[1400];
    snprintf(path, sizeof path, "%s/%s.wav", pc->dir, key);
    cw_audio a = { 0 };
    if (cw_wav_load(path, &a, err, errlen) != 0)
        return NULL;

    cw_prompt *p = calloc(1, sizeof *p);
    if (p) {
        p->pcmu = malloc(a.nsamples);
        p->pcma = malloc(a.nsamples);
    }
    if (!p || !p->pcmu || !p->pcma) {
        if (p) {
            free(p->pcmu);
            free(p->pcma);
        }
        free(p);
        cw_audio_free(&a);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    snprintf(p->key, sizeof p->key, "%s", key);
    p->nsamples = a.nsamples;
    p->pcm = a.samples;   /* the prompt takes ownership */
    cw_g711_encode(CW_CODEC_PCMU, p->pcm, p->pcmu, p->nsamples);
    cw_g711_encode(CW_CODEC_PCMA, p->pcm, p->pcma, p->nsamples);
    p->next = pc->head;
    pc->head = p;
    return p;
}

size_t cw_prompt_frames(const cw_prompt *p)
{
    return (p->nsamples + CW_FRAME_SAMPLES - 1) / CW_FRAME_SAMPLES;
}

void cw_prompt_cache_free(cw_prompt_cache *pc)
{
    cw_prompt *p = pc->head;
    while (p) {
        cw_prompt *next = p->next;
        free(p->pcm);
        free(p->pcmu);
        free(p->pcma);
        free(p);
        p = next;
    }
    pc->head = NULL;
}
