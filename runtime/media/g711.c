/* g711.c  G.711 mu-law (PCMU) and A-law (PCMA), ITU-T G.711.
 *
 * Encoding follows the classic reference algorithm (bias 0x84 and clip 32635 for
 * mu-law; 0x55 toggling for A-law); decoding goes through 256-entry tables that are
 * filled once from the same algorithm, so decode(encode(x)) is the reference value. */
#include <pthread.h>

#include "callwarden/g711.h"

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635

static int16_t ulaw_table[256];
static int16_t alaw_table[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Position of the highest set bit of the 8-bit value v (0 for v == 0). */
static int segment_of(unsigned v)
{
    int seg = 0;
    while (v > 1 && seg < 7) {
        v >>= 1;
        seg++;
    }
    return seg;
}

uint8_t cw_g711_ulaw_encode(int16_t sample)
{
    int s = sample;
    int sign = 0;
    if (s < 0) {
        s = -s;
        sign = 0x80;
    }
    if (s > ULAW_CLIP)
        s = ULAW_CLIP;
    s += ULAW_BIAS;
    int exponent = segment_of((unsigned)(s >> 7) & 0xFF);
    int mantissa = (s >> (exponent + 3)) & 0x0F;
    return (uint8_t)~(sign | (exponent << 4) | mantissa);
}

static int16_t ulaw_decode_calc(uint8_t code)
{
    code = (uint8_t)~code;
    int sign = code & 0x80;
    int exponent = (code >> 4) & 0x07;
    int mantissa = code & 0x0F;
    int s = ((mantissa << 3) + ULAW_BIAS) << exponent;
    s -= ULAW_BIAS;
    return (int16_t)(sign ? -s : s);
}

uint8_t cw_g711_alaw_encode(int16_t sample)
{
    int s = sample >> 3;   /* A-law works on 13 bits */
    int mask;
    if (s >= 0) {
        mask = 0xD5;       /* sign bit set, then the 0x55 toggle */
    } else {
        mask = 0x55;
        s = -s - 1;
    }
    if (s > 0xFFF)
        s = 0xFFF;
    int code;
    if (s < 32) {
        code = s >> 1;
    } else {
        int seg = segment_of((unsigned)(s >> 5) & 0xFF) + 1;
        code = (seg << 4) | ((s >> seg) & 0x0F);
    }
    return (uint8_t)(code ^ mask);
}

static int16_t alaw_decode_calc(uint8_t code)
{
    code ^= 0x55;
    int seg = (code >> 4) & 0x07;
    int t = (code & 0x0F) << 4;
    if (seg == 0)
        t += 8;
    else if (seg == 1)
        t += 0x108;
    else
        t = (t + 0x108) << (seg - 1);
    return (int16_t)((code & 0x80) ? t : -t);
}

static void build_tables(void)
{
    for (int i = 0; i < 256; i++) {
        ulaw_table[i] = ulaw_decode_calc((uint8_t)i);
        alaw_table[i] = alaw_decode_calc((uint8_t)i);
    }
}

int16_t cw_g711_ulaw_decode(uint8_t code)
{
    pthread_once(&tables_once, build_tables);
    return ulaw_table[code];
}

int16_t cw_g711_alaw_decode(uint8_t code)
{
    pthread_once(&tables_once, build_tables);
    return alaw_table[code];
}

void cw_g711_encode(cw_codec codec, const int16_t *pcm, uint8_t *out, size_t n)
{
    if (codec == CW_CODEC_PCMA)
        for (size_t i = 0; i < n; i++)
            out[i] = cw_g711_alaw_encode(pcm[i]);
    else
        for (size_t i = 0; i < n; i++)
            out[i] = cw_g711_ulaw_encode(pcm[i]);
}

void cw_g711_decode(cw_codec codec, const uint8_t *in, int16_t *pcm, size_t n)
{
    pthread_once(&tables_once, build_tables);
    const int16_t *t = codec == CW_CODEC_PCMA ? alaw_table : ulaw_table;
    for (size_t i = 0; i < n; i++)
        pcm[i] = t[in[i]];
}

uint8_t cw_g711_silence(cw_codec codec)
{
    return codec == CW_CODEC_PCMA ? 0xD5 : 0xFF;
}

const char *cw_codec_name(cw_codec codec)
{
    return codec == CW_CODEC_PCMA ? "PCMA" : "PCMU";
}
