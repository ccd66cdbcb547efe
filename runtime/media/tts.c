/* tts.c  Local text-to-speech for call:say(): espeak-ng renders, sox resamples to
 * 8 kHz mono, the WAV is cached under DATA/tts/<sha256>.wav so a text is rendered once.
 *
 * Rendering runs as a child process (uv_spawn of sh with the text as an argument, so
 * no quoting of the text is ever needed), never on the loop. Requests for a text that
 * is being rendered wait for the same render; at most TTS_PARALLEL renders run at
 * once, the others queue. A waiter belongs to its caller (a call) and can be cancelled
 * when the call ends; its callback runs exactly once otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "callwarden/crypto.h"
#include "callwarden/log.h"
#include "callwarden/tts.h"

#define TTS_PARALLEL 4

/* espeak-ng, then sox into a temp file (without dither: the same text always gives the
 * same bytes, so that its hash in a consent record is the wording's), the text beside it (<sha>.txt: what the file
 * says, for people and for `callwarden test --sip`), then rename: the cache never holds
 * half a file. $1 voice, $2 target path, $3 text. */
static const char render_script[] =
    "espeak-ng -v \"$1\" -s 160 -w \"$2.raw\" \" $3\" && "
    "sox -D \"$2.raw\" -r 8000 -c 1 -b 16 -e signed-integer \"$2.tmp.wav\" && "
    "printf '%s' \"$3\" > \"${2%.wav}.txt\" && "
    "mv \"$2.tmp.wav\" \"$2\"; rc=$?; rm -f \"$2.raw\" \"$2.tmp.wav\"; exit $rc";

/* The same for audio a TTS endpoint rendered (call:say with ai.speech): sox from the
 * fetched file ($4, removed after) to 8 kHz mono. */
static const char convert_script[] =
    "sox -D \"$4\" -r 8000 -c 1 -b 16 -e signed-integer \"$2.tmp.wav\" && "
    "printf '%s' \"$3\" > \"${2%.wav}.txt\" && "
    "mv \"$2.tmp.wav\" \"$2\"; rc=$?; rm -f \"$2.tmp.wav\" \"$4\"; exit $rc";

struct cw_tts_job {
    uv_process_t proc;
    cw_tts *tts;
    int running;
    char voice[16];
    char *text;
    char path[CW_TTS_PATH_LEN];
    char source[CW_TTS_PATH_LEN];   /* "" espeak-ng; else the fetched audio to convert */
    cw_tts_wait *waiters;
    cw_tts_job *next;
};

int cw_tts_init(cw_tts *t, uv_loop_t *loop, const char *data_dir, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->loop = loop;
    if ((size_t)snprintf(t->dir, sizeof t->dir, "%s/tts", data_dir) >= sizeof t->dir) {
        snprintf(err, errlen, "tts: data directory path too long");
        return -1;
    }
    if (mkdir(t->dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "tts cache %s: %s", t->dir, strerror(errno));
        return -1;
    }
    return 0;
}

static void job_free(cw_tts_job *j)
{
    free(j->text);
    free(j);
}

static void unlink_job(cw_tts *t, cw_tts_job *j)
{
    for (cw_tts_job **pp = &t->jobs; *pp; pp = &(*pp)->next) {
        if (*pp == j) {
            *pp = j->next;
            return;
        }
    }
}

static void start_queued(cw_tts *t);

static void proc_closed(uv_handle_t *h)
{
    cw_tts_job *j = h->data;
    job_free(j);
}

static void proc_exited(uv_process_t *p, int64_t status, int signal)
{
    cw_tts_job *j = p->data;
    cw_tts *t = j->tts;
    t->running--;
    unlink_job(t, j);
    char why[128] = "";
    if (status != 0 || signal != 0) {
        snprintf(why, sizeof why, "%s failed (status %lld, signal %d)",
                 j->source[0] ? "sox" : "espeak-ng/sox",
                 (long long)status, signal);
        cw_log(CW_LOG_WARN, "tts", "render failed: %s", why);
    }
    cw_tts_wait *w = j->waiters;
    j->waiters = NULL;
    while (w) {
        cw_tts_wait *next = w->next;
        w->job = NULL;
        w->cb(w->ud, why[0] ? NULL : j->path, why);
        w = next;
    }
    uv_close((uv_handle_t *)p, proc_closed);
    start_queued(t);
}

static int spawn(cw_tts *t, cw_tts_job *j)
{
    char *args[] = { "sh", "-c", (char *)(j->source[0] ? convert_script : render_script), "sh",
                     j->voice, j->path, j->text, j->source, NULL };
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = "sh";
    o.args = args;
    o.exit_cb = proc_exited;
    uv_stdio_container_t stdio[3] = {
        { .flags = UV_IGNORE }, { .flags = UV_IGNORE }, { .flags = UV_IGNORE },
    };
    o.stdio = stdio;
    o.stdio_count = 3;
    j->proc.data = j;
    int rc = uv_spawn(t->loop, &j->proc, &o);
    if (rc != 0)
        return rc;
    j->running = 1;
    t->running++;
    return 0;
}

static void fail_job(cw_tts *t, cw_tts_job *j, const char *why)
{
    unlink_job(t, j);
    cw_tts_wait *w = j->waiters;
    while (w) {
        cw_tts_wait *next = w->next;
        w->job = NULL;
        w->cb(w->ud, NULL, why);
        w = next;
    }
    job_free(j);
}

static void start_queued(cw_tts *t)
{
    cw_tts_job *j = t->jobs;
    while (j && t->running < TTS_PARALLEL) {
        cw_tts_job *next = j->next;
        if (!j->running) {
            int rc = spawn(t, j);
            if (rc != 0) {
                cw_log(CW_LOG_WARN, "tts", "cannot start sh: %s", uv_strerror(rc));
                fail_job(t, j, "cannot start the renderer");
            }
        }
        j = next;
    }
}

void cw_tts_path(const cw_tts *t, const char *engine, const char *voice, const char *text,
                 char path[CW_TTS_PATH_LEN])
{
    cw_sha256 h;
    char hex[CW_SHA256_HEX_LEN];
    cw_sha256_init(&h);
    cw_sha256_update(&h, engine, strlen(engine) + 1);
    cw_sha256_update(&h, voice, strlen(voice) + 1);
    cw_sha256_update(&h, text, strlen(text));
    cw_sha256_hex(&h, hex);
    snprintf(path, CW_TTS_PATH_LEN, "%s/%s.wav", t->dir, hex);
}

/* Render (source NULL: espeak-ng) or convert source into path; see cw_tts_render. */
static int produce(cw_tts *t, const char *voice, const char *text, const char *path,
                   const char *source, cw_tts_wait *w, cw_tts_cb cb, void *ud, char *err,
                   size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->cb = cb;
    w->ud = ud;
    if (t->named)
        t->named(t->named_ud, voice, text, path);

    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (source)
            unlink(source);
        cb(ud, path, "");              /* cached: at once */
        return 0;
    }
    for (cw_tts_job *j = t->jobs; j; j = j->next) {
        if (strcmp(j->path, path) == 0) {
            if (source)
                unlink(source);
            w->job = j;
            w->next = j->waiters;
            j->waiters = w;
            return 0;
        }
    }
    cw_tts_job *j = calloc(1, sizeof *j);
    if (!j || !(j->text = strdup(text))) {
        free(j);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    j->tts = t;
    snprintf(j->voice, sizeof j->voice, "%s", voice);
    snprintf(j->path, sizeof j->path, "%s", path);
    snprintf(j->source, sizeof j->source, "%s", source ? source : "");
    w->job = j;
    j->waiters = w;
    j->next = t->jobs;
    t->jobs = j;
    start_queued(t);
    return 0;
}

int cw_tts_render(cw_tts *t, const char *voice, const char *text, cw_tts_wait *w,
                  cw_tts_cb cb, void *ud, char *err, size_t errlen)
{
    char path[CW_TTS_PATH_LEN];
    cw_tts_path(t, "espeak-ng/160", voice, text, path);
    return produce(t, voice, text, path, NULL, w, cb, ud, err, errlen);
}

int cw_tts_convert(cw_tts *t, const char *voice, const char *text, const char *path,
                   const char *source, cw_tts_wait *w, cw_tts_cb cb, void *ud, char *err,
                   size_t errlen)
{
    return produce(t, voice, text, path, source, w, cb, ud, err, errlen);
}

void cw_tts_cancel(cw_tts_wait *w)
{
    cw_tts_job *j = w->job;
    if (!j)
        return;
    for (cw_tts_wait **pp = &j->waiters; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    w->job = NULL;                     /* the render goes on: the next caller wants it */
}

int cw_tts_sweep_now(const char *dir, int64_t max_age_ms, int64_t now_ms, unsigned *removed)
{
    if (removed)
        *removed = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        int ours = (n > 4 && (strcmp(e->d_name + n - 4, ".wav") == 0 ||
                              strcmp(e->d_name + n - 4, ".txt") == 0 ||
                              strcmp(e->d_name + n - 4, ".src") == 0 ||
                              strcmp(e->d_name + n - 4, ".raw") == 0));
        if (!ours)
            continue;
        char path[CW_TTS_PATH_LEN + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        int64_t mtime_ms = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
        if (now_ms - mtime_ms > max_age_ms && unlink(path) == 0 && removed)
            (*removed)++;
    }
    closedir(d);
    return 0;
}

static void sweep_work(uv_work_t *w)
{
    cw_tts *t = w->data;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    cw_tts_sweep_now(t->dir, t->max_age_ms,
                     (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, &t->swept);
}

static void sweep_done(uv_work_t *w, int status)
{
    (void)status;
    cw_tts *t = w->data;
    t->sweeping = 0;
    if (t->swept)
        cw_log(CW_LOG_INFO, "tts", "retention: %u rendered files older than %lld h deleted",
               t->swept, (long long)(t->max_age_ms / 3600000));
}

static void on_sweep_timer(uv_timer_t *tm)
{
    cw_tts *t = tm->data;
    if (t->sweeping)
        return;
    t->sweeping = 1;
    t->sweep_work.data = t;
    if (uv_queue_work(t->loop, &t->sweep_work, sweep_work, sweep_done) != 0)
        t->sweeping = 0;
}

void cw_tts_sweep_start(cw_tts *t, unsigned hours)
{
    if (!hours || t->sweep_on)
        return;
    t->max_age_ms = (int64_t)hours * 3600000;
    uint64_t every = (uint64_t)t->max_age_ms / 4 < 3600000 ? (uint64_t)t->max_age_ms / 4
                                                           : 3600000;
    uv_timer_init(t->loop, &t->sweep_timer);
    t->sweep_timer.data = t;
    uv_timer_start(&t->sweep_timer, on_sweep_timer, 0, every);
    t->sweep_on = 1;
}

void cw_tts_close(cw_tts *t)
{
    if (t->sweep_on) {
        t->sweep_on = 0;
        uv_timer_stop(&t->sweep_timer);
        uv_close((uv_handle_t *)&t->sweep_timer, NULL);
    }
    /* at shutdown: queued jobs are dropped, running ones are killed; each waiter was
     * cancelled with its call */
    cw_tts_job *j = t->jobs;
    t->jobs = NULL;
    while (j) {
        cw_tts_job *next = j->next;
        if (j->running) {
            uv_process_kill(&j->proc, SIGKILL);
            j->proc.exit_cb = NULL;
            uv_close((uv_handle_t *)&j->proc, proc_closed);
        } else {
            job_free(j);
        }
        j = next;
    }
}
