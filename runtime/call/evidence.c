/* evidence.c  G3: the evidence of a consent is the caller's answer, and only that.
 *
 * From the moment the consent question has been heard in full until the caller's
 * answer, the caller's decoded audio is held in memory (the last EVIDENCE_SECONDS of it
 * at most): the answer, not the conversation. When the answer gives a level, the GIVEN
 * record names the snippet (an artifact id chosen now, its SHA-256 and duration); only
 * once that record is durable is the snippet sealed into the vault, under the consent's
 * key, with the level's retention, so that nothing of the caller's audio is stored
 * before a consent is committed (G2). A refusal, a timeout, a hang-up, a failed commit:
 * the snippet is wiped and never stored (a refusal's audio is never kept).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/crypto.h"
#include "callwarden/g711.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "callwarden/wav.h"
#include "call_int.h"

#define EVIDENCE_SECONDS 5
#define EVIDENCE_SAMPLES (8000u * EVIDENCE_SECONDS)

/* Held as mu-law (the line's own quality; 40 KB for 5 s), allocated with the first frame
 * of the answer, so a call costs nothing here until the caller is heard. */
struct cw_evidence {
    uint8_t ulaw[EVIDENCE_SAMPLES];    /* a ring: the newest samples overwrite the oldest */
    size_t start, n;
};

void cw_evidence_listen(cw_call *c)
{
    if (c->evidence)
        c->evidence->start = c->evidence->n = 0;
    c->evidence_listening = 1;
}

void cw_evidence_frame(cw_call *c, const int16_t *pcm, size_t n)
{
    if (!c->evidence_listening)
        return;
    if (!c->evidence && !(c->evidence = calloc(1, sizeof *c->evidence))) {
        c->evidence_listening = 0;     /* no evidence then; the consent is still valid */
        return;
    }
    cw_evidence *e = c->evidence;
    for (size_t i = 0; i < n; i++) {
        uint8_t u = cw_g711_ulaw_encode(pcm[i]);
        if (e->n < EVIDENCE_SAMPLES) {
            e->ulaw[(e->start + e->n++) % EVIDENCE_SAMPLES] = u;
        } else {
            e->ulaw[e->start] = u;
            e->start = (e->start + 1) % EVIDENCE_SAMPLES;
        }
    }
}

void cw_evidence_drop(cw_call *c)
{
    c->evidence_listening = 0;
    if (c->evidence) {
        cw_wipe(c->evidence, sizeof *c->evidence);
        free(c->evidence);
        c->evidence = NULL;
    }
    c->evidence_id[0] = 0;
    if (c->evidence_wav) {
        cw_wipe(c->evidence_wav, c->evidence_len);
        free(c->evidence_wav);
        c->evidence_wav = NULL;
    }
}

int cw_evidence_take(cw_call *c)
{
    cw_evidence *e = c->evidence;
    int listening = c->evidence_listening;
    c->evidence_listening = 0;
    if (!e || !listening || e->n == 0)
        return 0;                      /* answered during the question: nothing to keep */
    int16_t *lin = malloc(e->n * sizeof *lin);
    if (!lin || cw_random_hex(c->evidence_id, 16) != 0) {
        free(lin);
        c->evidence_id[0] = 0;
        return 0;
    }
    for (size_t i = 0; i < e->n; i++)
        lin[i] = cw_g711_ulaw_decode(e->ulaw[(e->start + i) % EVIDENCE_SAMPLES]);
    c->evidence_wav = cw_wav_encode(lin, e->n, &c->evidence_len);
    c->evidence_ms = (int64_t)e->n / 8;
    cw_wipe(lin, e->n * sizeof *lin);
    free(lin);
    cw_wipe(e, sizeof *e);
    if (!c->evidence_wav) {
        c->evidence_id[0] = 0;
        return 0;
    }
    cw_sha256_hex_of(c->evidence_wav, c->evidence_len, c->evidence_sha256);
    return 1;
}

static void stored(void *ud, const char *id, const char *sha256, const char *err)
{
    cw_call *c = ud;
    (void)sha256;
    if (id)
        cw_log(CW_LOG_INFO, "call", "call=%llu consent evidence stored artifact=%s",
               (unsigned long long)c->id, id);
    else
        cw_log(CW_LOG_ERROR, "vault", "call=%llu consent evidence not stored (its GIVEN "
               "names it): %s", (unsigned long long)c->id, err);
    cw_call_unpin(c);
}

void cw_evidence_store(cw_call *c, const cw_policy_level *l)
{
    if (!c->evidence_wav || !c->evidence_id[0])
        return;
    uint8_t *wav = c->evidence_wav;    /* cw_stores_put owns it from here */
    c->evidence_wav = NULL;
    int64_t now = cw_now_ms();
    cw_vault_item it = { .subject_ref = c->subject_ref, .consent_id = c->consent_id,
                         .purpose = "consent_evidence", .kind = "audio/wav",
                         .created_ms = now, .delete_after_ms = now + l->retention_ms,
                         .id = c->evidence_id };
    c->pending_handles++;              /* the call lives until the vault said */
    if (cw_stores_put(&c->rt->stores, cw_stores_find(&c->rt->stores, c->tenant), &it, wav,
                      c->evidence_len, stored, c) != 0) {
        c->pending_handles--;
        cw_log(CW_LOG_ERROR, "vault", "call=%llu consent evidence not stored: no vault",
               (unsigned long long)c->id);
    }
    cw_evidence_drop(c);
}
