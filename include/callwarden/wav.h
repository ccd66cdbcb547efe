/* wav.h  RIFF/WAVE files: loading prompts (8 kHz mono, 16-bit PCM, mu-law or A-law) and
 * writing recordings (16-bit PCM). */
#ifndef CALLWARDEN_WAV_H
#define CALLWARDEN_WAV_H

#include <stddef.h>
#include <stdint.h>

/* Decoded audio: 8 kHz mono linear 16-bit samples. Owned by whoever called cw_wav_*. */
typedef struct cw_audio {
    int16_t *samples;
    size_t nsamples;
} cw_audio;

/*
 * Parse a WAV image in memory (buf, len) into out. Accepts format 1 (PCM, 16 bit),
 * 6 (A-law, 8 bit) and 7 (mu-law, 8 bit), also as the subformat of 0xFFFE
 * (WAVE_FORMAT_EXTENSIBLE), 8000 Hz, one channel; skips unknown chunks. err may be NULL.
 * Returns 0, or -1 with a clear reason in err (errlen bytes) and out untouched.
 */
int cw_wav_parse(const uint8_t *buf, size_t len, cw_audio *out, char *err, size_t errlen);

/* Read and parse the regular file at path (at most 64 MiB); as cw_wav_parse, the
 * reason starts with "<path>: ". */
int cw_wav_load(const char *path, cw_audio *out, char *err, size_t errlen);

/* Free the samples of a; a may be zeroed or already freed. */
void cw_audio_free(cw_audio *a);

/* A WAV image (PCM 16-bit, 8 kHz mono) of n samples in a new buffer of *len bytes (the
 * caller frees it), or NULL when out of memory. */
uint8_t *cw_wav_encode(const int16_t *pcm, size_t n, size_t *len);

/* The same with two channels (left and right, the shorter padded with silence): a
 * recording of both directions, the caller on the left. */
uint8_t *cw_wav_encode_stereo(const int16_t *left, size_t nleft, const int16_t *right,
                              size_t nright, size_t *len);

#endif
