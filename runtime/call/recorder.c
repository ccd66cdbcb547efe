/* recorder.c  call:record{purpose=} and call:stop_record() (G2): the caller's audio,
 * kept only through the media gate and only for a purpose the call's consent covers.
 *
 * Starting is asked of the gate (cw_gate_may_record): the disclosure played, a GIVEN
 * durably committed and not withdrawn, its level covering the purpose. Refused, the
 * flow gets nil and the reason naming G2, and the attempt is logged; pcall cannot
 * help, there is nothing to catch. Granted, the stream hands the recorder the caller's
 * frames through cw_gate_inbound, which checks the consent again for every frame: after
 * a withdrawal not one more frame arrives. The audio is collected in memory and stored
 * when the recording stops (or the call ends) as one WAV artifact in the vault, sealed
 * under the consent's key, with the purpose and the level's delete_after (G7). While
 * paused (call:pause_record) the frames are dropped, not kept. With direction "both"
 * the WAV has two channels: the caller (left) and what the caller heard (right, one
 * frame each media clock period, silence when nothing was sent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "callwarden/wav.h"
#include "callwarden/runtime.h"
#include "call_int.h"

#define MAX_SAMPLES (8000u * 60 * 60)  /* one hour of 8 kHz audio at most */

/* Append n samples to a track (growing it); 0, or -1 when full or out of memory. */
static int append(int16_t **buf, size_t *len, size_t *cap, const int16_t *pcm, size_t n)
{
    if (*len + n > MAX_SAMPLES)
        return -1;
    if (*len + n > *cap) {
        size_t c = *cap ? *cap * 2 : 8000 * 10;
        while (c < *len + n)
            c *= 2;
        int16_t *p = realloc(*buf, c * sizeof *p);
        if (!p)
            return -1;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, pcm, n * sizeof *pcm);
    *len += n;
    return 0;
}

static void record_frame(void *owner, const int16_t *pcm, size_t n)
{
    cw_call *c = owner;
    cw_recording *r = c->rec;
    if (r && !r->paused && append(&r->pcm, &r->n, &r->cap, pcm, n) == 0) {
        r->last_frame = c->stream.stats.audio_frames_in;
        const cw_sim_hooks *h = c->rt->sim;
        if (h && h->recorded)
            h->recorded(h->ud, c, pcm, n);
    }
}

static void observe_recording(cw_call *c, const char *purpose, int on, int kept)
{
    const cw_sim_hooks *h = c->rt->sim;
    if (h && h->recording)
        h->recording(h->ud, c, purpose, on, kept);
}

/* direction = "both": what the caller heard, one frame each clock period */
static void record_out(void *owner, const int16_t *pcm, size_t n)
{
    cw_call *c = owner;
    cw_recording *r = c->rec;
    if (r && !r->paused)
        append(&r->out, &r->out_n, &r->out_cap, pcm, n);
}

static void free_recording(cw_recording *r)
{
    if (!r)
        return;
    if (r->pcm) {
        cw_wipe(r->pcm, r->cap * sizeof *r->pcm);
        free(r->pcm);
    }
    if (r->out) {
        cw_wipe(r->out, r->out_cap * sizeof *r->out);
        free(r->out);
    }
    free(r);
}

static void recording_stored(void *ud, const char *id, const char *sha256, const char *err)
{
    cw_call *c = ud;
    if (id)
        cw_log(CW_LOG_INFO, "call", "call=%llu recording stored artifact=%s sha256=%.16s",
               (unsigned long long)c->id, id, sha256);
    else
        cw_log(CW_LOG_ERROR, "vault", "call=%llu recording not stored: %s",
               (unsigned long long)c->id, err);
    cw_call_unpin(c);
}

static const cw_policy_level *given_level(const cw_call *c)
{
    const cw_policy *p = cw_call_policy(c);
    return p ? cw_policy_level_get(p, c->consent_level) : NULL;
}

void cw_recorder_finish(cw_call *c, int keep)
{
    cw_recording *r = c->rec;
    if (!r)
        return;
    c->rec = NULL;
    c->stream.record_purpose = NULL;
    c->stream.record_frame = NULL;
    c->stream.record_out = NULL;
    const cw_policy_level *l = given_level(c);
    cw_tenant_store *ts = cw_stores_find(&c->rt->stores, c->tenant);
    size_t len = 0;
    uint8_t *wav = !(keep && l && r->n) ? NULL
                 : r->both ? cw_wav_encode_stereo(r->pcm, r->n, r->out, r->out_n, &len)
                 : cw_wav_encode(r->pcm, r->n, &len);
    cw_log(CW_LOG_INFO, "call", "call=%llu recording stopped purpose=%s seconds=%.2f %s",
           (unsigned long long)c->id, r->purpose, (double)r->n / 8000.0,
           wav ? "stored" : keep ? "nothing to store" : "discarded");
    observe_recording(c, r->purpose, 0, wav != NULL);
    if (wav) {
        int64_t now = cw_now_ms();
        cw_vault_item it = { .subject_ref = c->subject_ref, .consent_id = c->consent_id,
                             .purpose = r->purpose, .kind = "audio/wav",
                             .created_ms = r->started_ms, .delete_after_ms = now + l->retention_ms };
        c->pending_handles++;          /* the call lives until the vault said */
        if (cw_stores_put(&c->rt->stores, ts, &it, wav, len, recording_stored, c) != 0) {
            c->pending_handles--;
            cw_log(CW_LOG_ERROR, "vault", "call=%llu recording not stored: no vault",
                   (unsigned long long)c->id);
        }
    }
    free_recording(r);
}

int cw_recorder_pause(cw_call *c, int paused, char *err, size_t errlen)
{
    if (!c->rec) {
        snprintf(err, errlen, "not recording");
        return -1;
    }
    if (c->rec->paused != paused)
        cw_log(CW_LOG_INFO, "call", "call=%llu recording %s at %.2f s",
               (unsigned long long)c->id, paused ? "paused" : "resumed",
               (double)c->rec->n / 8000.0);
    c->rec->paused = paused;
    return 0;
}

int cw_recorder_start(cw_call *c, const char *purpose, int both, char *err, size_t errlen)
{
    if (cw_gate_may_record(&c->stream, purpose, err, errlen) != 0) {
        cw_log(CW_LOG_INFO, "call", "call=%llu record refused purpose=%s: %s",
               (unsigned long long)c->id, purpose, err);
        return -1;
    }
    if (c->rec) {
        snprintf(err, errlen, "already recording (for \"%s\"): stop_record first",
                 c->rec->purpose);
        return -1;
    }
    cw_recording *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(r->purpose, sizeof r->purpose, "%s", purpose);
    r->started_ms = cw_now_ms();
    c->rec = r;
    r->both = both;
    c->stream.record_purpose = r->purpose;
    c->stream.record_frame = record_frame;
    c->stream.record_out = both ? record_out : NULL;
    cw_log(CW_LOG_INFO, "call", "call=%llu recording started purpose=%s consent=%s "
           "direction=%s", (unsigned long long)c->id, purpose, c->consent_id,
           both ? "both" : "caller");
    observe_recording(c, purpose, 1, 0);
    return 0;
}
