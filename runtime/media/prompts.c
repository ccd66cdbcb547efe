/* prompts.c  The prompt cache: each WAV is read once, kept as linear PCM and
 * pre-encoded in both G.711 laws, and shared by every call that plays it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Load the WAV at path into a new cache entry named key. */
static cw_prompt *load(cw_prompt_cache *pc, const char *key, const char *path,
                       const struct stat *sb, char *err, size_t errlen)
{
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
    p->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
    p->size = (int64_t)sb->st_size;
    p->nsamples = a.nsamples;
    p->pcm = a.samples;   /* the prompt takes ownership */
    cw_g711_encode(CW_CODEC_PCMU, p->pcm, p->pcmu, p->nsamples);
    cw_g711_encode(CW_CODEC_PCMA, p->pcm, p->pcma, p->nsamples);
    p->next = pc->head;
    pc->head = p;
    return p;
}

/* The newest entry named key, if the file (sb) did not change since it was loaded. */
static cw_prompt *lookup(cw_prompt_cache *pc, const char *key, const struct stat *sb)
{
    int64_t mtime = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
    for (cw_prompt *p = pc->head; p; p = p->next)
        if (strcmp(p->key, key) == 0)
            return p->mtime_ns == mtime && p->size == (int64_t)sb->st_size ? p : NULL;
    return NULL;
}

static cw_prompt *get(cw_prompt_cache *pc, const char *key, const char *path, char *err,
                      size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    cw_prompt *p = lookup(pc, key, &sb);
    return p ? p : load(pc, key, path, &sb, err, errlen);
}

cw_prompt *cw_prompt_get(cw_prompt_cache *pc, const char *tenant, const char *lang,
                         const char *id, char *err, size_t errlen)
{
    if (!safe_part(tenant) || !safe_part(lang) || !safe_part(id)) {
        snprintf(err, errlen, "bad prompt name \"%s/%s/%s\"", tenant, lang, id);
        return NULL;
    }
    char key[600], path[1700];
    snprintf(key, sizeof key, "%s/%s/%s", tenant, lang, id);
    snprintf(path, sizeof path, "%s/%s.wav", pc->dir, key);
    return get(pc, key, path, err, errlen);
}

cw_prompt *cw_prompt_get_file(cw_prompt_cache *pc, const char *path, char *err,
                              size_t errlen)
{
    if (strlen(path) >= sizeof pc->head->key) {
        snprintf(err, errlen, "prompt path too long");
        return NULL;
    }
    return get(pc, path, path, err, errlen);
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
