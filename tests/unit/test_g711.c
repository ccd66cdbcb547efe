/* test_g711.c  G.711: reference values, round trips over every code and every sample. */
#include <stdlib.h>

#include "callwarden/g711.h"
#include "check.h"

/* The reference expansions, written independently of the tables in g711.c. */
static int ref_ulaw(int code)
{
    code = ~code & 0xFF;
    int e = (code >> 4) & 7, m = code & 15;
    int mag = ((2 * m + 33) << (e + 2)) - 132;     /* middle of the interval, minus bias */
    return (code & 0x80) ? -mag : mag;
}

static int ref_alaw(int code)
{
    code ^= 0x55;
    int seg = (code >> 4) & 7, m = code & 15;
    int mag = seg == 0 ? (m << 4) + 8 : ((m << 4) + 264) << (seg - 1);
    return (code & 0x80) ? mag : -mag;
}

/* The reference encoders as the Sun/CCITT code writes them: bias and clip, then a
 * search through the segment ends; written apart from g711.c's bit operations. */
static int ref_ulaw_encode(int x)
{
    static const int seg_end[8] = { 0xFF, 0x1FF, 0x3FF, 0x7FF,
                                    0xFFF, 0x1FFF, 0x3FFF, 0x7FFF };
    int mask = 0xFF, seg = 0;
    if (x < 0) {
        x = -x;
        mask = 0x7F;
    }
    if (x > 32635)
        x = 32635;
    x += 0x84;
    while (seg < 8 && x > seg_end[seg])
        seg++;
    return ((seg << 4) | ((x >> (seg + 3)) & 0x0F)) ^ mask;
}

static int ref_alaw_encode(int x)
{
    static const int seg_end[8] = { 0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF };
    int mask = 0xD5, seg = 0;
    x >>= 3;
    if (x < 0) {
        mask = 0x55;
        x = -x - 1;
    }
    while (seg < 8 && x > seg_end[seg])
        seg++;
    if (seg >= 8)
        return 0x7F ^ mask;
    return ((seg << 4) | ((x >> (seg < 2 ? 1 : seg)) & 0x0F)) ^ mask;
}

/* Half the width of the quantiser interval a code stands for: the largest error
 * decode(encode(x)) may have, since every code decodes to its interval's middle. */
static int ulaw_half_step(uint8_t code)
{
    return 4 << ((~code >> 4) & 7);
}

static int alaw_half_step(uint8_t code)
{
    int seg = ((code ^ 0x55) >> 4) & 7;
    return seg == 0 ? 8 : 4 << seg;
}

int main(void)
{
    /* silence and reference points */
    CHECK_EQ_INT(cw_g711_ulaw_encode(0), 0xFF);
    CHECK_EQ_INT(cw_g711_alaw_encode(0), 0xD5);
    CHECK_EQ_INT(cw_g711_alaw_encode(-1), 0x55);         /* -1 >> 3 is -1: first negative step */
    CHECK_EQ_INT(cw_g711_ulaw_decode(0xFF), 0);
    CHECK_EQ_INT(cw_g711_ulaw_decode(0x7F), 0);          /* mu-law negative zero */
    CHECK_EQ_INT(cw_g711_alaw_decode(0xD5), 8);
    CHECK_EQ_INT(cw_g711_alaw_decode(0x55), -8);
    CHECK_EQ_INT(cw_g711_ulaw_decode(0x80), 32124);      /* largest magnitudes */
    CHECK_EQ_INT(cw_g711_ulaw_decode(0x00), -32124);
    CHECK_EQ_INT(cw_g711_alaw_decode(0xAA), 32256);
    CHECK_EQ_INT(cw_g711_alaw_decode(0x2A), -32256);
    CHECK_EQ_INT(cw_g711_ulaw_encode(1000), 0xCE);       /* worked by hand from the spec */
    CHECK_EQ_INT(cw_g711_ulaw_encode(-1000), 0x4E);
    CHECK_EQ_INT(cw_g711_alaw_encode(1000), 0xFA);
    CHECK_EQ_INT(cw_g711_alaw_encode(-1000), 0x7A);
    CHECK_EQ_INT(cw_g711_ulaw_encode(32767), 0x80);      /* clipped, not wrapped */
    CHECK_EQ_INT(cw_g711_ulaw_encode(32635), 0x80);
    CHECK_EQ_INT(cw_g711_ulaw_encode(-32768), 0x00);
    CHECK_EQ_INT(cw_g711_alaw_encode(32767), 0xAA);
    CHECK_EQ_INT(cw_g711_alaw_encode(-32768), 0x2A);
    CHECK_EQ_INT(cw_g711_silence(CW_CODEC_PCMU), 0xFF);
    CHECK_EQ_INT(cw_g711_silence(CW_CODEC_PCMA), 0xD5);
    CHECK_EQ_INT(cw_g711_ulaw_decode(cw_g711_silence(CW_CODEC_PCMU)), 0);
    CHECK_STR(cw_codec_name(CW_CODEC_PCMU), "PCMU");
    CHECK_STR(cw_codec_name(CW_CODEC_PCMA), "PCMA");

    /* the written-out tables agree with the reference expansion, code by code */
    int table_u = 0, table_a = 0;
    for (int c = 0; c < 256; c++) {
        table_u += cw_g711_ulaw_decode((uint8_t)c) != ref_ulaw(c);
        table_a += cw_g711_alaw_decode((uint8_t)c) != ref_alaw(c);
    }
    CHECK_EQ_INT(table_u, 0);
    CHECK_EQ_INT(table_a, 0);

    /* every code decodes to a value that encodes back to it (but mu-law's negative
     * zero, 0x7F, which comes back as positive zero 0xFF) */
    int bad_u = 0, bad_a = 0;
    for (int c = 0; c < 256; c++) {
        if (c != 0x7F && cw_g711_ulaw_encode(cw_g711_ulaw_decode((uint8_t)c)) != c)
            bad_u++;
        if (cw_g711_alaw_encode(cw_g711_alaw_decode((uint8_t)c)) != c)
            bad_a++;
    }
    CHECK_EQ_INT(bad_u, 0);
    CHECK_EQ_INT(bad_a, 0);
    CHECK_EQ_INT(cw_g711_ulaw_encode(cw_g711_ulaw_decode(0x7F)), 0xFF);

    /* every int16 comes back within half its quantisation step (mu-law clips above
     * 32635, so there the bound is to the clip level), keeps its sign, and the
     * encoder is monotonic: a louder sample never decodes quieter */
    int far_u = 0, far_a = 0, sign = 0, mono = 0;
    int prev_u = -40000, prev_a = -40000;
    for (int x = -32768; x <= 32767; x++) {
        uint8_t cu = cw_g711_ulaw_encode((int16_t)x);
        uint8_t ca = cw_g711_alaw_encode((int16_t)x);
        int du = cw_g711_ulaw_decode(cu);
        int da = cw_g711_alaw_decode(ca);
        int xu = x > 32635 ? 32635 : x < -32635 ? -32635 : x;
        if (abs(du - xu) > ulaw_half_step(cu))
            far_u++;
        if (abs(da - x) > alaw_half_step(ca))
            far_a++;
        if ((x > 8 && (du < 0 || da <= 0)) || (x < -8 && (du > 0 || da >= 0)))
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

    /* the encoders give the reference code for every int16, bit for bit */
    int diff_u = 0, diff_a = 0;
    for (int x = -32768; x <= 32767; x++) {
        diff_u += cw_g711_ulaw_encode((int16_t)x) != ref_ulaw_encode(x);
        diff_a += cw_g711_alaw_encode((int16_t)x) != ref_alaw_encode(x);
    }
    CHECK_EQ_INT(diff_u, 0);
    CHECK_EQ_INT(diff_a, 0);

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
    cw_g711_encode(CW_CODEC_PCMU, pcm, enc, 0);          /* n = 0 touches nothing */
    cw_g711_decode(CW_CODEC_PCMA, enc, back, 0);

    return check_summary("g711");
}
