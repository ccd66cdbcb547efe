/* tts.h  Local text-to-speech (espeak-ng + sox) with a cache by text hash, for
 * call:say(). All of it on the loop thread; rendering runs in child processes. */
#ifndef CALLWARDEN_TTS_H
#define CALLWARDEN_TTS_H

#include <stddef.h>

#include <uv.h>

#define CW_TTS_PATH_LEN 1200

typedef struct cw_tts_job cw_tts_job;

/* path of the rendered WAV, or NULL with why */
typedef void (*cw_tts_cb)(void *ud, const char *path, const char *why);

/* A request; the caller owns it (in its call) until the callback ran or it cancelled. */
typedef struct cw_tts_wait {
    cw_tts_cb cb;
    void *ud;
    cw_tts_job *job;                /* NULL once done or cancelled */
    struct cw_tts_wait *next;
} cw_tts_wait;

typedef struct cw_tts {
    uv_loop_t *loop;
    char dir[1100];                 /* DATA/tts */
    cw_tts_job *jobs;               /* rendering or queued */
    int running;
    /* told the file each requested text renders to (the scenario runner's), or NULL */
    void (*named)(void *ud, const char *voice, const char *text, const char *path);
    void *named_ud;
    /* G7: renders older than max_age_ms are deleted (cw_tts_sweep_start) */
    uv_timer_t sweep_timer;
    uv_work_t sweep_work;
    int sweep_on, sweeping;
    int64_t max_age_ms;
    unsigned swept;                 /* files the last sweep removed */
} cw_tts;

/* Set up the cache in data_dir/tts (created 0700). Returns 0, or -1 with err. */
int cw_tts_init(cw_tts *t, uv_loop_t *loop, const char *data_dir, char *err, size_t errlen);

/* Render text with voice (a language such as "de"); cb(ud, path, "") runs once it
 * is there (at once if cached), or cb(ud, NULL, why). Returns 0, or -1 with err (then
 * cb never runs). */
int cw_tts_render(cw_tts *t, const char *voice, const char *text, cw_tts_wait *w,
                  cw_tts_cb cb, void *ud, char *err, size_t errlen);

/* The cache file for text in voice from engine ("espeak-ng/160", or a TTS endpoint's
 * URL, model and voice): DATA/tts/<sha256>.wav. */
void cw_tts_path(const cw_tts *t, const char *engine, const char *voice, const char *text,
                 char path[CW_TTS_PATH_LEN]);

/* Convert source (audio a TTS endpoint rendered, any rate and format sox reads; removed
 * afterwards) into path (from cw_tts_path) at 8 kHz mono, then cb as for cw_tts_render
 * (at once if path is there already). 0, or -1 with err. */
int cw_tts_convert(cw_tts *t, const char *voice, const char *text, const char *path,
                   const char *source, cw_tts_wait *w, cw_tts_cb cb, void *ud, char *err,
                   size_t errlen);

/* Forget a request: its callback will not run. */
void cw_tts_cancel(cw_tts_wait *w);

/* G7 for what call:say rendered (a flow's text may carry what the caller said): every
 * file in dir (renders, their .txt, fetched audio) last written more than max_age_ms
 * before now_ms is deleted. Runs anywhere (a worker thread); *removed (may be NULL)
 * counts them. 0, or -1 if dir cannot be read. */
int cw_tts_sweep_now(const char *dir, int64_t max_age_ms, int64_t now_ms, unsigned *removed);

/* Sweep the cache on a worker thread every hour (and max_age_ms / 4 if sooner); hours 0
 * keeps renders for good. */
void cw_tts_sweep_start(cw_tts *t, unsigned hours);

/* Drop queued renders and kill running ones (at shutdown). */
void cw_tts_close(cw_tts *t);

#endif
