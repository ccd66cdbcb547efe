/* test_g711.c  G.711: reference values, round trips over every code and every sample. */
#include <stdlib.h>

#include "callwarden/g711.h"
#include "check.h"

/* The step of the quantiser around x: the error decode(encode(x)) may have. */
static int step_limit(int x)
{
    int a = abs(x);
    if (a < 64) return 16;
    if (a < 1024) return 64;
    if (a < 4096) return 256;
    return 1024 + 128;
}

int main(void)
{
    /* silence and reference points */
    CHECK_EQ_INT(cw_g711_ulaw_encode(0), 0xFF);
    CHECK_EQ_INT(cw_g711_alaw_encode(0), 0xD5);
    CHECK_EQ_INT(cw_g711_ulaw_decode(0xFF), 0);
    CHECK_EQ_INT(cw_g711_ulaw_decode(0x7F), 0);          /* mu-law negative zero */
    CHECK_EQ_INT(cw_g711_alaw_decode(0xD5), 8);
    CHECK_EQ_INT(cw_g711_alaw_decode(0x55), -8);
    CHECK_EQ_INT(cw_g711_ulaw_decode(0x80), 32124);      /* largest magnitudes */
    CHECK_EQ_INT(cw_g711_ulaw_decode(0x00), -32124);
    CHECK_EQ_INT(cw_g711_alaw_decode(0xAA), 32256);
    CHECK_EQ_INT(cw_g711_alaw_decode(0x2A), -32256);
    CHECK_EQ_INT(cw_g711_ulaw_encode(32767), 0x80);      /* clipped, not wrapped */
    CHECK_EQ_INT(cw_g711_ulaw_encode(-32768), 0x00);
    CHECK_EQ_INT(cw_g711_alaw_encode(32767), 0xAA);
    CHECK_EQ_INT(cw_g711_alaw_encode(-32768), 0x2A);
    CHECK_EQ_INT(cw_g711_silence(CW_CODEC_PCMU), 0xFF);
    CHECK_EQ_INT(cw_g711_silence(CW_CODEC_PCMA), 0xD5);
    CHECK_STR(cw_codec_name(CW_CODEC_PCMU), "PCMU");
    CHECK_STR(cw_codec_name(CW_CODEC_PCMA), "PCMA");

    /* every code decodes to a value that encodes back to it */
    int bad_u = 0, bad_a = 0;
    for (int c = 0; c < 256; c++) {
        if (c != 0x7F && cw_g711_ulaw_encode(cw_g711_ulaw_decode((uint8_t)c)) != c)
            bad_u++;
        if (cw_g711_alaw_encode(cw_g711_alaw_decode((uint8_t)c)) != c)
            bad_a++;
    }
    CHECK_EQ_INT(bad_u, 0);
    CHECK_EQ_INT(bad_a, 0);

    /* every sample comes back within its quantisation step, with its sign, and the
     * encoder is monotonic (a louder sample never decodes quieter) */
    int far_u = 0, far_a = 0, sign = 0, mono = 0;
    int prev_u = -40000, prev_a = -40000;
    for (int x = -32768; x <= 32767; x++) {
        int du = cw_g711_ulaw_decode(cw_g711_ulaw_encode((int16_t)x));
        int da = cw_g711_alaw_decode(cw_g711_alaw_encode((int16_t)x));
        if (abs(du - x) > step_limit(x))
            far_u++;
        if (abs(da - x) > step_limit(x))
            far_a++;
        if ((x > 200 && (du <= 0 || da <= 0)) || (x < -200 && (du >= 0 || da >= 0)))
            sign++;
        if (du < prev_u || da < prev_a)
            mono++;
        prev_u = du;
        prev_a = da;
    }
    CHECK_EQ_INT(far_u, 0);
    CHECK_EQ_INT(far_a, 0);
    CHECK_EQ_INT(sign, 0);
    CHECK_EQ_INT(mono, 0);

    /* the buffer helpers agree with the sample functions */
    int16_t pcm[320], back[320];
    uint8_t enc[320];
    for (int i = 0; i < 320; i++)
        pcm[i] = (int16_t)((i * 977) % 65536 - 32768);
    cw_g711_encode(CW_CODEC_PCMA, pcm, enc, 320);
    cw_g711_decode(CW_CODEC_PCMA, enc, back, 320);
    int diff = 0;
    for (int i = 0; i < 320; i++)
        diff += enc[i] != cw_g711_alaw_encode(pcm[i]) ||
                back[i] != cw_g711_alaw_decode(enc[i]);
    cw_g711_encode(CW_CODEC_PCMU, pcm, enc, 320);
    cw_g711_decode(CW_CODEC_PCMU, enc, back, 320);
    for (int i = 0; i < 320; i++)
        diff += enc[i] != cw_g711_ulaw_encode(pcm[i]) ||
                back[i] != cw_g711_ulaw_decode(enc[i]);
    CHECK_EQ_INT(diff, 0);

    return check_summary("g711");
}
