/* g711.c  G.711 mu-law (PCMU) and A-law (PCMA) conversion, ITU-T G.711.
 *
 * Encoding is the classic reference algorithm in integer arithmetic: mu-law adds the
 * bias 0x84 to the clipped magnitude (clip 32635) and finds the segment from the top
 * bits; A-law works on 13 bits and toggles the even bits with 0x55. Decoding is a
 * lookup in two 256-entry tables written out below; they were generated from the
 * reference expansion (mu: ((m << 3) + 0x84) << e, minus 0x84; A: the Sun alaw2linear)
 * and the unit test checks that every code survives encode(decode(c)). */
#include "callwarden/g711.h"

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635
#define ALAW_MAX 0xFFF          /* largest 13-bit magnitude */

/* Linear value of every mu-law code (index = code as sent on the wire). */
static const int16_t ulaw_table[256] = {
    -32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
    -23932, -22908, -21884, -20860, -19836, -18812, -17788, -16764,
    -15996, -15484, -14972, -14460, -13948, -13436, -12924, -12412,
    -11900, -11388, -10876, -10364,  -9852,  -9340,  -8828,  -8316,
     -7932,  -7676,  -7420,  -7164,  -6908,  -6652,  -6396,  -6140,
     -5884,  -5628,  -5372,  -5116,  -4860,  -4604,  -4348,  -4092,
     -3900,  -3772,  -3644,  -3516,  -3388,  -3260,  -3132,  -3004,
     -2876,  -2748,  -2620,  -2492,  -2364,  -2236,  -2108,  -1980,
     -1884,  -1820,  -1756,  -1692,  -1628,  -1564,  -1500,  -1436,
     -1372,  -1308,  -1244,  -1180,  -1116,  -1052,   -988,   -924,
      -876,   -844,   -812,   -780,   -748,   -716,   -684,   -652,
      -620,   -588,   -556,   -524,   -492,   -460,   -428,   -396,
      -372,   -356,   -340,   -324,   -308,   -292,   -276,   -260,
      -244,   -228,   -212,   -196,   -180,   -164,   -148,   -132,
      -120,   -112,   -104,    -96,    -88,    -80,    -72,    -64,
       -56,    -48,    -40,    -32,    -24,    -16,     -8,      0,
     32124,  31100,  30076,  29052,  28028,  27004,  25980,  24956,
     23932,  22908,  21884,  20860,  19836,  18812,  17788,  16764,
     15996,  15484,  14972,  14460,  13948,  13436,  12924,  12412,
     11900,  11388,  10876,  10364,   9852,   9340,   8828,   8316,
      7932,   7676,   7420,   7164,   6908,   6652,   6396,   6140,
      5884,   5628,   5372,   5116,   4860,   4604,   4348,   4092,
      3900,   3772,   3644,   3516,   3388,   3260,   3132,   3004,
      2876,   2748,   2620,   2492,   2364,   2236,   2108,   1980,
      1884,   1820,   1756,   1692,   1628,   1564,   1500,   1436,
      1372,   1308,   1244,   1180,   1116,   1052,    988,    924,
       876,    844,    812,    780,    748,    716,    684,    652,
       620,    588,    556,    524,    492,    460,    428,    396,
       372,    356,    340,    324,    308,    292,    276,    260,
       244,    228,    212,    196,    180,    164,    148,    132,
       120,    112,    104,     96,     88,     80,     72,     64,
        56,     48,     40,     32,     24,     16,      8,      0,
};

/* Linear value of every A-law code (index = code as sent on the wire). */
static const int16_t alaw_table[256] = {
     -5504,  -5248,  -6016,  -5760,  -4480,  -4224,  -4992,  -4736,
     -7552,  -7296,  -8064,  -7808,  -6528,  -6272,  -7040,  -6784,
     -2752,  -2624,  -3008,  -2880,  -2240,  -2112,  -2496,  -2368,
     -3776,  -3648,  -4032,  -3904,  -3264,  -3136,  -3520,  -3392,
    -22016, -20992, -24064, -23040, -17920, -16896, -19968, -18944,
    -30208, -29184, -32256, -31232, -26112, -25088, -28160, -27136,
    -11008, -10496, -12032, -11520,  -8960,  -8448,  -9984,  -9472,
    -15104, -14592, -16128, -15616, -13056, -12544, -14080, -13568,
      -344,   -328,   -376,   -360,   -280,   -264,   -312,   -296,
      -472,   -456,   -504,   -488,   -408,   -392,   -440,   -424,
       -88,    -72,   -120,   -104,    -24,     -8,    -56,    -40,
      -216,   -200,   -248,   -232,   -152,   -136,   -184,   -168,
     -1376,  -1312,  -1504,  -1440,  -1120,  -1056,  -1248,  -1184,
     -1888,  -1824,  -2016,  -1952,  -1632,  -1568,  -1760,  -1696,
      -688,   -656,   -752,   -720,   -560,   -528,   -624,   -592,
      -944,   -912,  -1008,   -976,   -816,   -784,   -880,   -848,
      5504,   5248,   6016,   5760,   4480,   4224,   4992,   4736,
      7552,   7296,   8064,   7808,   6528,   6272,   7040,   6784,
      2752,   2624,   3008,   2880,   2240,   2112,   2496,   2368,
      3776,   3648,   4032,   3904,   3264,   3136,   3520,   3392,
     22016,  20992,  24064,  23040,  17920,  16896,  19968,  18944,
     30208,  29184,  32256,  31232,  26112,  25088,  28160,  27136,
     11008,  10496,  12032,  11520,   8960,   8448,   9984,   9472,
     15104,  14592,  16128,  15616,  13056,  12544,  14080,  13568,
       344,    328,    376,    360,    280,    264,    312,    296,
       472,    456,    504,    488,    408,    392,    440,    424,
        88,     72,    120,    104,     24,      8,     56,     40,
       216,    200,    248,    232,    152,    136,    184,    168,
      1376,   1312,   1504,   1440,   1120,   1056,   1248,   1184,
      1888,   1824,   2016,   1952,   1632,   1568,   1760,   1696,
       688,    656,    752,    720,    560,    528,    624,    592,
       944,    912,   1008,    976,    816,    784,    880,    848,
};

/* Position of the highest set bit of v, v >= 1: the segment search of the reference
 * code (a loop over the segment ends) as one instruction. */
static inline int top_bit(unsigned v)
{
    return (int)(sizeof(unsigned) * 8 - 1) - __builtin_clz(v);
}

/* sample: a 16-bit linear sample. Returns its mu-law code. */
uint8_t cw_g711_ulaw_encode(int16_t sample)
{
    int s = sample;     /* int, so that -32768 has a magnitude */
    int sign = 0;
    if (s < 0) {
        s = -s;
        sign = 0x80;
    }
    if (s > ULAW_CLIP)
        s = ULAW_CLIP;
    s += ULAW_BIAS;     /* now 0x84..0x7FFF: bit 7 or above is always set */
    int exponent = top_bit((unsigned)(s >> 7));
    int mantissa = (s >> (exponent + 3)) & 0x0F;
    return (uint8_t)~(sign | (exponent << 4) | mantissa);
}

/* code: a mu-law byte. Returns its linear value. */
int16_t cw_g711_ulaw_decode(uint8_t code)
{
    return ulaw_table[code];
}

/* sample: a 16-bit linear sample. Returns its A-law code. */
uint8_t cw_g711_alaw_encode(int16_t sample)
{
    int s = sample >> 3;    /* A-law quantises 13 bits; arithmetic shift keeps the sign */
    int mask;
    if (s >= 0) {
        mask = 0xD5;        /* the sign bit (positive = 1) and the 0x55 toggle */
    } else {
        mask = 0x55;
        s = -s - 1;         /* one's complement magnitude, as the reference does */
    }
    if (s > ALAW_MAX)
        s = ALAW_MAX;
    int code;
    if (s < 32) {
        code = s >> 1;      /* segments 0 and 1 share the same step */
    } else {
        int seg = top_bit((unsigned)(s >> 5)) + 1;
        code = (seg << 4) | ((s >> seg) & 0x0F);
    }
    return (uint8_t)(code ^ mask);
}

/* code: an A-law byte. Returns its linear value. */
int16_t cw_g711_alaw_decode(uint8_t code)
{
    return alaw_table[code];
}

/* codec: PCMU or PCMA; pcm: n samples in; out: n codes out. */
void cw_g711_encode(cw_codec codec, const int16_t *pcm, uint8_t *out, size_t n)
{
    size_t i;
    if (codec == CW_CODEC_PCMA) {
        for (i = 0; i < n; i++)
            out[i] = cw_g711_alaw_encode(pcm[i]);
    } else {
        for (i = 0; i < n; i++)
            out[i] = cw_g711_ulaw_encode(pcm[i]);
    }
}

/* codec: PCMU or PCMA; in: n codes in; pcm: n samples out. */
void cw_g711_decode(cw_codec codec, const uint8_t *in, int16_t *pcm, size_t n)
{
    const int16_t *t = codec == CW_CODEC_PCMA ? alaw_table : ulaw_table;
    for (size_t i = 0; i < n; i++)
        pcm[i] = t[in[i]];
}

/* The code closest to 0: positive zero for mu-law, the smallest positive step for A-law. */
uint8_t cw_g711_silence(cw_codec codec)
{
    return codec == CW_CODEC_PCMA ? 0xD5 : 0xFF;
}

/* The rtpmap encoding name of codec. */
const char *cw_codec_name(cw_codec codec)
{
    return codec == CW_CODEC_PCMA ? "PCMA" : "PCMU";
}
