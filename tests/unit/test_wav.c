/* test_wav.c  WAV prompts: the formats we play, and a clear reason for every other. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/g711.h"
#include "callwarden/wav.h"
#include "check.h"

static uint8_t img[8192];
static size_t len;

static void put16(uint16_t v) { img[len++] = (uint8_t)v; img[len++] = (uint8_t)(v >> 8); }
static void put32(uint32_t v) { put16((uint16_t)v); put16((uint16_t)(v >> 16)); }
static void put4(const char *s) { memcpy(img + len, s, 4); len += 4; }

/* An odd-sized LIST chunk, padded to even. */
static void put_list(void)
{
    put4("LIST");
    put32(5);
    put4("INFO");
    img[len++] = 'x';
    img[len++] = 0;     /* the pad byte */
}

static void put_fmt(uint16_t format, uint16_t channels, uint32_t rate, uint16_t bits,
                    int extensible)
{
    put4("fmt ");
    put32(extensible ? 40 : 16);
    put16(extensible ? 0xFFFE : format);
    put16(channels);
    put32(rate);
    put32(rate * channels * bits / 8);
    put16((uint16_t)(channels * bits / 8));
    put16(bits);
    if (extensible) {
        put16(22);
        put16(bits);
        put32(4);
        /* KSDATAFORMAT_SUBTYPE_*: {0000000X-0000-0010-8000-00AA00389B71} */
        put16(format);
        put16(0x0000); put32(0x00100000); put32(0xAA000080); put32(0x719B3800);
    }
}

/* data bytes i * 37, so every test knows what sample i should be */
static void put_data(size_t n)
{
    put4("data");
    put32((uint32_t)n);
    for (size_t i = 0; i < n; i++)
        img[len++] = (uint8_t)(i * 37);
    if (n & 1)
        img[len++] = 0;
}

static void riff_start(void)
{
    len = 0;
    put4("RIFF");
    put32(0);            /* patched by riff_end */
    put4("WAVE");
}

static void riff_end(void)
{
    uint32_t riff = (uint32_t)(len - 8);
    img[4] = (uint8_t)riff;
    img[5] = (uint8_t)(riff >> 8);
    img[6] = (uint8_t)(riff >> 16);
    img[7] = (uint8_t)(riff >> 24);
}

/* Build a WAV image: fmt (format, channels, rate, bits), an optional LIST chunk before
 * the data, and n data bytes. extensible wraps format in WAVE_FORMAT_EXTENSIBLE. */
static void build(uint16_t format, uint16_t channels, uint32_t rate, uint16_t bits,
                  int list, int extensible, size_t n)
{
    riff_start();
    put_fmt(format, channels, rate, bits, extensible);
    if (list)
        put_list();
    put_data(n);
    riff_end();
}

static int parse_ok(cw_audio *a)
{
    char err[256] = "";
    int rc = cw_wav_parse(img, len, a, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "  unexpected error: %s\n", err);
    return rc;
}

/* Samples 0..n-1 are what PCM16 data bytes i * 37 make. */
static int pcm_matches(const cw_audio *a)
{
    for (size_t i = 0; i < a->nsamples; i++) {
        uint8_t lo = (uint8_t)(2 * i * 37), hi = (uint8_t)((2 * i + 1) * 37);
        if (a->samples[i] != (int16_t)(lo | (hi << 8)))
            return 0;
    }
    return 1;
}

static int g711_matches(const cw_audio *a, cw_codec codec)
{
    for (size_t i = 0; i < a->nsamples; i++) {
        uint8_t c = (uint8_t)(i * 37);
        int16_t want = codec == CW_CODEC_PCMA ? cw_g711_alaw_decode(c)
                                              : cw_g711_ulaw_decode(c);
        if (a->samples[i] != want)
            return 0;
    }
    return 1;
}

static void expect_error(const char *want)
{
    cw_audio a = { 0 };
    char err[256] = "";
    CHECK_EQ_INT(cw_wav_parse(img, len, &a, err, sizeof err), -1);
    if (!strstr(err, want))
        fprintf(stderr, "  wanted \"%s\" in \"%s\"\n", want, err);
    CHECK(strstr(err, want) != NULL);
    CHECK(a.samples == NULL && a.nsamples == 0);
}

/* Write img to a new temporary file; path receives its name. */
static int write_temp(char *path, size_t pathlen)
{
    snprintf(path, pathlen, "/tmp/cw_wav_test_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    int ok = write(fd, img, len) == (ssize_t)len;
    close(fd);
    return ok ? 0 : -1;
}

int main(void)
{
    cw_audio a = { 0 };

    /* 16-bit PCM, with a LIST chunk of odd size before the data */
    build(1, 1, 8000, 16, 1, 0, 320);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 160);
    CHECK(pcm_matches(&a));
    cw_audio_free(&a);
    CHECK(a.samples == NULL && a.nsamples == 0);
    cw_audio_free(&a);                   /* twice is fine */

    /* A-law and mu-law decode through G.711 */
    build(6, 1, 8000, 8, 0, 0, 100);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 100);
    CHECK(g711_matches(&a, CW_CODEC_PCMA));
    cw_audio_free(&a);
    build(7, 1, 8000, 8, 1, 0, 101);     /* odd data size: padded */
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 101);
    CHECK(g711_matches(&a, CW_CODEC_PCMU));
    cw_audio_free(&a);

    /* WAVE_FORMAT_EXTENSIBLE with a PCM, A-law and mu-law subformat */
    build(1, 1, 8000, 16, 0, 1, 64);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 32);
    CHECK(pcm_matches(&a));
    cw_audio_free(&a);
    build(6, 1, 8000, 8, 1, 1, 50);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 50);
    CHECK(g711_matches(&a, CW_CODEC_PCMA));
    cw_audio_free(&a);
    build(7, 1, 8000, 8, 0, 1, 50);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK(g711_matches(&a, CW_CODEC_PCMU));
    cw_audio_free(&a);

    /* chunks in an unusual order: LIST, then data, then fmt; the RIFF size is left 0,
     * as writers that stream do */
    riff_start();
    put_list();
    put_data(40);
    put_fmt(1, 1, 8000, 16, 0);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 20);
    CHECK(pcm_matches(&a));
    cw_audio_free(&a);

    /* a data chunk followed by a trailing chunk cut short still plays */
    build(7, 1, 8000, 8, 0, 0, 33);
    put4("junk");
    put32(1000);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 33);
    cw_audio_free(&a);

    /* what we refuse, and why */
    build(1, 1, 22050, 16, 0, 0, 64);
    expect_error("sample rate 22050 Hz, need 8000 Hz");
    build(1, 2, 8000, 16, 0, 0, 64);
    expect_error("2 channels, need mono");
    build(1, 0, 8000, 16, 0, 0, 64);
    expect_error("0 channels, need mono");
    build(1, 1, 8000, 8, 0, 0, 64);
    expect_error("unsupported format 1");
    build(6, 1, 8000, 16, 0, 0, 64);
    expect_error("unsupported format 6");
    build(3, 1, 8000, 32, 0, 0, 64);
    expect_error("unsupported format 3 (need PCM 16-bit, A-law or mu-law)");
    build(3, 1, 8000, 32, 0, 1, 64);     /* float inside EXTENSIBLE */
    expect_error("unsupported format 3");
    build(1, 1, 8000, 16, 0, 1, 64);
    img[12 + 8 + 24 + 8] ^= 1;           /* subformat GUID of another family */
    expect_error("unsupported format 0xFFFE");
    build(1, 2, 8000, 16, 0, 1, 64);
    expect_error("2 channels, need mono");
    build(1, 1, 8000, 16, 0, 0, 0);
    expect_error("empty audio");
    build(1, 1, 8000, 16, 0, 0, 1);      /* half a sample */
    expect_error("empty audio");
    build(1, 1, 8000, 16, 0, 0, 64);
    len -= 10;                           /* the data chunk claims more than there is */
    expect_error("truncated data chunk");
    build(1, 1, 8000, 16, 1, 0, 64);
    img[12 + 24 + 14 + 7] = 0xFF;        /* data size 0xFF000040 */
    expect_error("truncated data chunk");
    build(1, 1, 8000, 16, 0, 0, 64);
    len = 36;                            /* fmt only */
    expect_error("no data chunk");
    build(1, 1, 8000, 16, 0, 0, 64);
    memcpy(img + 12, "junk", 4);         /* no fmt chunk at all */
    expect_error("no fmt chunk");
    riff_start();                        /* nothing after the header */
    expect_error("no fmt chunk");
    build(1, 1, 8000, 16, 0, 0, 64);
    len = 30;                            /* fmt cut short */
    expect_error("truncated fmt chunk");
    build(1, 1, 8000, 16, 0, 0, 64);
    img[16] = 14;                        /* fmt too small to hold the fields */
    expect_error("fmt chunk of 14 bytes");
    build(1, 1, 8000, 16, 0, 0, 64);
    memcpy(img + 8, "AVI ", 4);
    expect_error("not a RIFF/WAVE file");
    build(1, 1, 8000, 16, 0, 0, 64);
    memcpy(img, "RIFX", 4);
    expect_error("not a RIFF/WAVE file");
    len = 11;
    expect_error("not a RIFF/WAVE file");
    len = 0;
    expect_error("not a RIFF/WAVE file");

    /* no room for a reason is not a crash */
    build(1, 2, 8000, 16, 0, 0, 64);
    CHECK_EQ_INT(cw_wav_parse(img, len, &a, NULL, 0), -1);
    char tiny[4];
    CHECK_EQ_INT(cw_wav_parse(img, len, &a, tiny, sizeof tiny), -1);
    CHECK_EQ_INT(strlen(tiny), 3);

    /* loading from a file names the file */
    char err[512];
    CHECK_EQ_INT(cw_wav_load("/nonexistent/prompt.wav", &a, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/prompt.wav: ") == err);
    CHECK(strstr(err, strerror(ENOENT)) != NULL);
    CHECK_EQ_INT(cw_wav_load("/tmp", &a, err, sizeof err), -1);
    CHECK(strstr(err, "/tmp: ") == err);
    CHECK(a.samples == NULL);

    char path[64];
    build(1, 2, 8000, 16, 0, 0, 64);
    CHECK_EQ_INT(write_temp(path, sizeof path), 0);
    CHECK_EQ_INT(cw_wav_load(path, &a, err, sizeof err), -1);
    CHECK(strstr(err, path) == err && strstr(err, "2 channels, need mono") != NULL);
    remove(path);

    build(7, 1, 8000, 8, 1, 0, 200);
    CHECK_EQ_INT(write_temp(path, sizeof path), 0);
    CHECK_EQ_INT(cw_wav_load(path, &a, err, sizeof err), 0);
    CHECK_EQ_INT(a.nsamples, 200);
    CHECK(g711_matches(&a, CW_CODEC_PCMU));
    cw_audio_free(&a);

    /* over 64 MiB is refused before it is read (a sparse file costs no disk) */
    CHECK_EQ_INT(truncate(path, 64L * 1024 * 1024 + 1), 0);
    CHECK_EQ_INT(cw_wav_load(path, &a, err, sizeof err), -1);
    CHECK(strstr(err, path) == err && strstr(err, "64 MiB") != NULL);
    CHECK(a.samples == NULL);
    remove(path);

    /* a FIFO is refused at once, not waited on for a writer that never comes */
    char dir[64] = "/tmp/cw_wav_test_XXXXXX", fifo[96];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/prompt.wav", dir);
    CHECK_EQ_INT(mkfifo(fifo, 0600), 0);
    CHECK_EQ_INT(cw_wav_load(fifo, &a, err, sizeof err), -1);
    CHECK(strstr(err, fifo) == err && strstr(err, "not a regular file") != NULL);
    remove(fifo);
    rmdir(dir);

    /* the demo prompt the build renders, when run from ctest (CW_BINARY_DIR) */
    const char *bin = getenv("CW_BINARY_DIR");
    char prompt[1024];
    /* ctest always sets CW_BINARY_DIR and the build always renders the prompts: a
     * missing one is a failure, not a skip */
    CHECK(bin != NULL);
    if (bin) {
        snprintf(prompt, sizeof prompt, "%s/prompts/demo/en/welcome.wav", bin);
        CHECK_EQ_INT(cw_wav_load(prompt, &a, err, sizeof err), 0);
        CHECK(a.nsamples > 8000);    /* more than a second */
        cw_audio_free(&a);
    }

    /* writing: a mono recording reads back as it was; two channels are interleaved,
     * the shorter padded with silence */
    int16_t left[3] = { 100, -200, 300 }, right[1] = { -7 };
    size_t wlen = 0;
    uint8_t *w = cw_wav_encode(left, 3, &wlen);
    CHECK(w != NULL && wlen == 44 + 6);
    CHECK_EQ_INT(cw_wav_parse(w, wlen, &a, err, sizeof err), 0);
    CHECK_EQ_INT(a.nsamples, 3);
    CHECK_EQ_INT(a.samples[1], -200);
    cw_audio_free(&a);
    free(w);
    w = cw_wav_encode_stereo(left, 3, right, 1, &wlen);
    CHECK(w != NULL && wlen == 44 + 12);
    CHECK_EQ_INT(w[22], 2);                          /* channels */
    CHECK_EQ_INT(w[32], 4);                          /* bytes a frame */
    CHECK_EQ_INT((int16_t)(w[44] | w[45] << 8), 100);
    CHECK_EQ_INT((int16_t)(w[46] | w[47] << 8), -7);
    CHECK_EQ_INT((int16_t)(w[50] | w[51] << 8), 0);  /* right padded */
    CHECK_EQ_INT((int16_t)(w[52] | w[53] << 8), 300);
    free(w);

    return check_summary("wav");
}
