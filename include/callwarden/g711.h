/* g711.h  G.711 mu-law (PCMU) and A-law (PCMA) conversion, ITU-T G.711. */
#ifndef CALLWARDEN_G711_H
#define CALLWARDEN_G711_H

#include <stddef.h>
#include <stdint.h>

/* The two codecs callwarden speaks; the values are their static RTP payload types. */
typedef enum cw_codec {
    CW_CODEC_PCMU = 0,
    CW_CODEC_PCMA = 8
} cw_codec;

/* Encode one 16-bit linear sample to mu-law. */
uint8_t cw_g711_ulaw_encode(int16_t sample);
/* Decode one mu-law byte to a 16-bit linear sample. */
int16_t cw_g711_ulaw_decode(uint8_t code);
/* Encode one 16-bit linear sample to A-law. */
uint8_t cw_g711_alaw_encode(int16_t sample);
/* Decode one A-law byte to a 16-bit linear sample. */
int16_t cw_g711_alaw_decode(uint8_t code);

/* Encode n samples from pcm into out (n bytes) with codec. */
void cw_g711_encode(cw_codec codec, const int16_t *pcm, uint8_t *out, size_t n);
/* Decode n bytes from in into pcm (n samples) with codec. */
void cw_g711_decode(cw_codec codec, const uint8_t *in, int16_t *pcm, size_t n);

/* The code of a silent sample: 0xFF for mu-law, 0xD5 for A-law. */
uint8_t cw_g711_silence(cw_codec codec);

/* "PCMU" or "PCMA". */
const char *cw_codec_name(cw_codec codec);

#endif
