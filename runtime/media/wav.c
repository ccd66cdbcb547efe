/* wav.c  Prompts from RIFF/WAVE files: 8 kHz mono, 16-bit PCM, A-law or mu-law.
 *
 * Everything is decoded to linear 16-bit once, at load, so playing a prompt is a copy.
 * A file we cannot play is refused with a reason a tenant can act on ("sample rate
 * 22050 Hz, need 8000 Hz"), never played as noise. Every chunk size is checked against
 * the bytes present before it is used; files are read whole, so they are capped. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/error.h"
#include "callwarden/g711.h"
#include "callwarden/wav.h"

#define WAV_MAX_FILE (64L * 1024 * 1024)
#define FMT_PCM 1
#define FMT_ALAW 6
#define FMT_MULAW 7
#define FMT_EXTENSIBLE 0xFFFE
#define FMT_MIN_LEN 16
#define FMT_EXT_LEN 40          /* 16 + cbSize + valid bits + channel mask + GUID */
#define NEED "(need PCM 16-bit, A-law or mu-law)"

/* KSDATAFORMAT_SUBTYPE_*: the format code in the first 4 bytes, then this fixed tail. */
static const uint8_t subformat_tail[12] = {
    0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71
};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* What the fmt chunk says; format is the subformat for WAVE_FORMAT_EXTENSIBLE. */
typedef struct wav_fmt {
    unsigned format;
    unsigned channels;
    unsigned bits;
    uint32_t rate;
    int unknown_subformat;
} wav_fmt;

static void read_fmt(const uint8_t *body, uint32_t size, wav_fmt *f)
{
    f->format = le16(body);
    f->channels = le16(body + 2);
    f->rate = le32(body + 4);
    f->bits = le16(body + 14);
    f->unknown_subformat = 0;
    if (f->format != FMT_EXTENSIBLE)
        return;
    const uint8_t *guid = body + 24;
    if (size < FMT_EXT_LEN || le16(body + 16) < 22 || le16(guid + 2) != 0 ||
        memcmp(guid + 4, subformat_tail, sizeof subformat_tail) != 0) {
        f->unknown_subformat = 1;
        return;
    }
    f->format = le16(guid);
}

/* buf, len: the whole file image; out: set only on success; err, errlen: the reason. */
int cw_wav_parse(const uint8_t *buf, size_t len, cw_audio *out, char *err, size_t errlen)
{
    if (!buf || len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
        return cw_error(err, errlen, "not a RIFF/WAVE file");

    /* The RIFF size field is not trusted: writers that stream leave it wrong. */
    wav_fmt f = { 0 };
    int have_fmt = 0;
    const uint8_t *data = NULL;
    size_t data_len = 0;
    size_t pos = 12;
    while (len - pos >= 8) {
        const uint8_t *id = buf + pos;
        uint32_t size = le32(buf + pos + 4);
        const uint8_t *body = buf + pos + 8;
        size_t avail = len - pos - 8;
        if (memcmp(id, "fmt ", 4) == 0 && !have_fmt) {
            if (size > avail)
                return cw_error(err, errlen, "truncated fmt chunk");
            if (size < FMT_MIN_LEN)
                return cw_error(err, errlen, "fmt chunk of %u bytes, need at least 16",
                            (unsigned)size);
            read_fmt(body, size, &f);
            have_fmt = 1;
        } else if (memcmp(id, "data", 4) == 0 && !data) {
            if (size > avail)
                return cw_error(err, errlen, "truncated data chunk");
            data = body;
            data_len = size;
        }
        if (size > avail)
            break;      /* a trailing chunk cut short: what came before still counts */
        if (have_fmt && data)
            break;
        pos += 8 + (size_t)size + (size & 1);  /* chunks are padded to even sizes */
        if (pos > len)
            break;
    }

    if (!have_fmt)
        return cw_error(err, errlen, "no fmt chunk");
    if (f.unknown_subformat)
        return cw_error(err, errlen, "unsupported format 0x%X with an unknown subformat " NEED,
                    (unsigned)FMT_EXTENSIBLE);
    if (f.format != FMT_PCM && f.format != FMT_ALAW && f.format != FMT_MULAW)
        return cw_error(err, errlen, "unsupported format %u " NEED, f.format);
    if (f.format == FMT_PCM && f.bits != 16)
        return cw_error(err, errlen, "unsupported format 1 with %u bits " NEED, f.bits);
    if (f.format != FMT_PCM && f.bits != 8)
        return cw_error(err, errlen, "unsupported format %u with %u bits " NEED, f.format,
                    f.bits);
    if (f.rate != 8000)
        return cw_error(err, errlen, "sample rate %u Hz, need 8000 Hz", (unsigned)f.rate);
    if (f.channels != 1)
        return cw_error(err, errlen, "%u channels, need mono", f.channels);
    if (!data)
        return cw_error(err, errlen, "no data chunk");

    size_t n = f.format == FMT_PCM ? data_len / 2 : data_len;
    if (n == 0)
        return cw_error(err, errlen, "empty audio");
    if (n > SIZE_MAX / sizeof(int16_t))
        return cw_error(err, errlen, "too much audio");
    int16_t *s = malloc(n * sizeof *s);
    if (!s)
        return cw_error(err, errlen, "out of memory");
    if (f.format == FMT_PCM) {
        for (size_t i = 0; i < n; i++)
            s[i] = (int16_t)le16(data + 2 * i);
    } else {
        cw_g711_decode(f.format == FMT_ALAW ? CW_CODEC_PCMA : CW_CODEC_PCMU, data, s, n);
    }
    out->samples = s;
    out->nsamples = n;
    return 0;
}

/* Read the regular file at path into a new buffer. Returns 0, or an errno value;
 * EFBIG for a file over the cap. */
static int read_all(const char *path, uint8_t **bufp, size_t *lenp)
{
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
        close(fd);
        return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    }
    if (st.st_size > WAV_MAX_FILE) {
        close(fd);
        return EFBIG;
    }
    size_t want = (size_t)st.st_size;
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf) {
        close(fd);
        return ENOMEM;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return e;
        }
        if (r == 0)
            break;      /* shrank while we read: parse what is there */
        got += (size_t)r;
    }
    close(fd);
    *bufp = buf;
    *lenp = got;
    return 0;
}

/* path: the file; out, err, errlen: as cw_wav_parse, the reason starts with path. */
int cw_wav_load(const char *path, cw_audio *out, char *err, size_t errlen)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int e = read_all(path, &buf, &len);
    if (e != 0) {
        if (err && errlen) {
            if (e == EFBIG)
                snprintf(err, errlen, "%s: larger than 64 MiB", path);
            else if (e == EINVAL)
                snprintf(err, errlen, "%s: not a regular file", path);
            else
                snprintf(err, errlen, "%s: %s", path, strerror(e));
        }
        return -1;
    }
    char why[256];
    int rc = cw_wav_parse(buf, len, out, why, sizeof why);
    free(buf);
    if (rc != 0 && err && errlen)
        snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}

/* a: audio from cw_wav_*; safe to call twice or on a zeroed struct. */
void cw_audio_free(cw_audio *a)
{
    if (!a)
        return;
    free(a->samples);
    a->samples = NULL;
    a->nsamples = 0;
}

/* ---- writing ---- */

static void put_le_n(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* 16-bit PCM at 8 kHz, one channel (right NULL) or two (the shorter padded with
 * silence), interleaved as RIFF wants it. */
static uint8_t *encode(const int16_t *left, size_t nleft, const int16_t *right,
                       size_t nright, size_t *len)
{
    unsigned ch = right ? 2 : 1;
    size_t frames = nleft > nright ? nleft : nright;
    size_t data = frames * 2 * ch;
    uint8_t *b = malloc(44 + data);
    if (!b)
        return NULL;
    memcpy(b, "RIFF", 4);
    put_le_n(b + 4, (uint32_t)(36 + data), 4);
    memcpy(b + 8, "WAVEfmt ", 8);
    put_le_n(b + 16, 16, 4);
    put_le_n(b + 20, 1, 2);              /* PCM */
    put_le_n(b + 22, ch, 2);
    put_le_n(b + 24, 8000, 4);
    put_le_n(b + 28, 16000 * ch, 4);     /* bytes a second */
    put_le_n(b + 32, 2 * ch, 2);         /* bytes a frame */
    put_le_n(b + 34, 16, 2);
    memcpy(b + 36, "data", 4);
    put_le_n(b + 40, (uint32_t)data, 4);
    uint8_t *o = b + 44;
    for (size_t i = 0; i < frames; i++) {
        put_le_n(o, (uint16_t)(i < nleft ? left[i] : 0), 2);
        o += 2;
        if (right) {
            put_le_n(o, (uint16_t)(i < nright ? right[i] : 0), 2);
            o += 2;
        }
    }
    *len = 44 + data;
    return b;
}

uint8_t *cw_wav_encode(const int16_t *pcm, size_t n, size_t *len)
{
    return encode(pcm, n, NULL, 0, len);
}

uint8_t *cw_wav_encode_stereo(const int16_t *left, size_t nleft, const int16_t *right,
                              size_t nright, size_t *len)
{
    static const int16_t none;
    return encode(left, nleft, right ? right : &none, right ? nright : 0, len);
}
