/* wav.c  Prompts from RIFF/WAVE files: 8 kHz mono, 16-bit PCM, A-law or mu-law.
 * Everything is decoded to linear 16-bit once at load; a file we cannot play says why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/g711.h"
#include "callwarden/wav.h"

#define WAV_MAX_FILE (64u * 1024 * 1024)
#define FMT_PCM 1
#define FMT_ALAW 6
#define FMT_MULAW 7
#define FMT_EXTENSIBLE 0xFFFE

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

int cw_wav_parse(const uint8_t *buf, size_t len, cw_audio *out, char *err, size_t errlen)
{
    if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
        return fail(err, errlen, "not a RIFF/WAVE file");

    int have_fmt = 0;
    unsigned format = 0, channels = 0, bits = 0;
    uint32_t rate = 0;
    const uint8_t *data = NULL;
    size_t data_len = 0;
    size_t pos = 12;
    while (pos + 8 <= len) {
        const uint8_t *id = buf + pos;
        uint32_t size = le32(buf + pos + 4);
        const uint8_t *body = buf + pos + 8;
        size_t avail = len - pos - 8;
        if (memcmp(id, "fmt ", 4) == 0) {
            if (size < 16 || size > avail)
                return fail(err, errlen, "truncated fmt chunk");
            format = le16(body);
            channels = le16(body + 2);
            rate = le32(body + 4);
            bits = le16(body + 14);
            if (format == FMT_EXTENSIBLE) {
                if (size < 40)
                    return fail(err, errlen, "truncated extensible fmt chunk");
                format = le16(body + 24);   /* the subformat GUID's first two bytes */
            }
            have_fmt = 1;
        } else if (memcmp(id, "data", 4) == 0) {
            if (size > avail)
                return fail(err, errlen, "truncated data chunk");
            data = body;
            data_len = size;
            break;
        }
        if (size > avail)
            break;
        pos += 8 + (size_t)size + (size & 1);   /* chunks are padded to even sizes */
    }
    if (!have_fmt)
        return fail(err, errlen, "no fmt chunk");

    char why[128];
    if (!((format == FMT_PCM && bits == 16) || ((format == FMT_ALAW || format == FMT_MULAW) &&
                                                bits == 8))) {
        snprintf(why, sizeof why, "unsupported format %u with %u bits (need PCM 16-bit, "
                 "A-law or mu-law)", format, bits);
        return fail(err, errlen, why);
    }
    if (rate != 8000) {
        snprintf(why, sizeof why, "sample rate %u Hz, need 8000 Hz", (unsigned)rate);
        return fail(err, errlen, why);
    }
    if (channels != 1) {
        snprintf(why, sizeof why, "%u channels, need mono", channels);
        return fail(err, errlen, why);
    }
    if (!data)
        return fail(err, errlen, "no data chunk");

    size_t n = format == FMT_PCM ? data_len / 2 : data_len;
    if (n == 0)
        return fail(err, errlen, "empty audio");
    int16_t *s = malloc(n * sizeof *s);
    if (!s)
        return fail(err, errlen, "out of memory");
    if (format == FMT_PCM) {
        for (size_t i = 0; i < n; i++)
            s[i] = (int16_t)le16(data + 2 * i);
    } else {
        cw_g711_decode(format == FMT_ALAW ? CW_CODEC_PCMA : CW_CODEC_PCMU, data, s, n);
    }
    out->samples = s;
    out->nsamples = n;
    return 0;
}

int cw_wav_load(const char *path, cw_audio *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || (unsigned long)size > WAV_MAX_FILE || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        snprintf(err, errlen, "%s: %s", path, size < 0 ? "cannot read" : "larger than 64 MiB");
        return -1;
    }
    buf = malloc((size_t)size + 1);
    size_t got = buf ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)size) {
        free(buf);
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    char why[256];
    int rc = cw_wav_parse(buf, got, out, why, sizeof why);
    free(buf);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}

void cw_audio_free(cw_audio *a)
{
    free(a->samples);
    a->samples = NULL;
    a->nsamples = 0;
}
