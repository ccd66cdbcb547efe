/* test_wav.c  WAV prompts: the formats we play, and a clear reason for every other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/g711.h"
#include "callwarden/wav.h"
#include "check.h"

static uint8_t img[4096];
static size_t len;

static void put16(uint16_t v) { img[len++] = (uint8_t)v; img[len++] = (uint8_t)(v >> 8); }
static void put32(uint32_t v) { put16((uint16_t)v); put16((uint16_t)(v >> 16)); }
static void put4(const char *s) { memcpy(img + len, s, 4); len += 4; }

/* Build a WAV image: fmt (format, channels, rate, bits), an optional LIST chunk
 * before the data, and n data bytes. extensible wraps format in WAVE_FORMAT_EXTENSIBLE. */
static void build(uint16_t format, uint16_t channels, uint32_t rate, uint16_t bits,
                  int list, int extensible, size_t n)
{
    len = 0;
    put4("RIFF");
    put32(0);            /* patched below */
    put4("WAVE");
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
        put16(format);   /* the subformat GUID starts with the format code */
        put16(0x0000); put32(0x00100000); put32(0xAA000080); put32(0x719B3800);
    }
    if (list) {
        put4("LIST");
        put32(5);        /* odd: padded to 6 */
        put4("INFO");
        img[len++] = 'x';
        img[len++] = 0;
    }
    put4("data");
    put32((uint32_t)n);
    for (size_t i = 0; i < n; i++)
        img[len++] = (uint8_t)(i * 37);
    uint32_t riff = (uint32_t)(len - 8);
    memcpy(img + 4, &riff, 4);
}

static int parse_ok(cw_audio *a)
{
    char err[256];
    return cw_wav_parse(img, len, a, err, sizeof err);
}

static void expect_error(const char *want)
{
    cw_audio a = { 0 };
    char err[256] = "";
    CHECK_EQ_INT(cw_wav_parse(img, len, &a, err, sizeof err), -1);
    if (!strstr(err, want))
        fprintf(stderr, "  wanted \"%s\" in \"%s\"\n", want, err);
    CHECK(strstr(err, want) != NULL);
    CHECK(a.samples == NULL);
}

int main(void)
{
    cw_audio a = { 0 };

    /* 16-bit PCM, with a LIST chunk of odd size before the data */
    build(1, 1, 8000, 16, 1, 0, 320);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 160);
    CHECK_EQ_INT(a.samples[1], (int16_t)((uint8_t)(2 * 37) | ((uint8_t)(3 * 37) << 8)));
    cw_audio_free(&a);
    CHECK(a.samples == NULL);

    /* A-law and mu-law decode through G.711 */
    build(6, 1, 8000, 8, 0, 0, 100);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 100);
    CHECK_EQ_INT(a.samples[3], cw_g711_alaw_decode((uint8_t)(3 * 37)));
    cw_audio_free(&a);
    build(7, 1, 8000, 8, 1, 0, 100);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.samples[5], cw_g711_ulaw_decode((uint8_t)(5 * 37)));
    cw_audio_free(&a);

    /* WAVE_FORMAT_EXTENSIBLE with a PCM subformat */
    build(1, 1, 8000, 16, 0, 1, 64);
    CHECK_EQ_INT(parse_ok(&a), 0);
    CHECK_EQ_INT(a.nsamples, 32);
    cw_audio_free(&a);

    /* what we refuse, and why */
    build(1, 1, 22050, 16, 0, 0, 64);
    expect_error("22050 Hz, need 8000 Hz");
    build(1, 2, 8000, 16, 0, 0, 64);
    expect_error("2 channels, need mono");
    build(1, 1, 8000, 8, 0, 0, 64);
    expect_error("unsupported format 1");
    build(3, 1, 8000, 32, 0, 0, 64);
    expect_error("unsupported format 3");
    build(1, 1, 8000, 16, 0, 0, 0);
    expect_error("empty audio");
    build(1, 1, 8000, 16, 0, 0, 64);
    len -= 10;                       /* the data chunk claims more than there is */
    expect_error("truncated data chunk");
    build(1, 1, 8000, 16, 0, 0, 64);
    len = 36;                        /* fmt only */
    expect_error("no data chunk");
    build(1, 1, 8000, 16, 0, 0, 64);
    memcpy(img + 12, "junk", 4);     /* no fmt chunk at all */
    expect_error("no fmt chunk");
    build(1, 1, 8000, 16, 0, 0, 64);
    memcpy(img + 8, "AVI ", 4);
    expect_error("not a RIFF/WAVE file");
    len = 5;
    expect_error("not a RIFF/WAVE file");

    /* loading from a file names the file */
    char err[512];
    CHECK_EQ_INT(cw_wav_load("/nonexistent/prompt.wav", &a, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/prompt.wav") != NULL);
    CHECK(strstr(err, "No such file") != NULL);
    char path[] = "/tmp/cw_wav_test_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "wb");
    build(1, 2, 8000, 16, 0, 0, 64);
    fwrite(img, 1, len, f);
    fclose(f);
    CHECK_EQ_INT(cw_wav_load(path, &a, err, sizeof err), -1);
    CHECK(strstr(err, path) != NULL && strstr(err, "need mono") != NULL);
    remove(path);

    /* the demo prompt the build rendered with espeak-ng and sox */
    const char *bin = getenv("CW_BINARY_DIR");
    CHECK(bin != NULL);
    if (bin) {
        char prompt[1024];
        snprintf(prompt, sizeof prompt, "%s/prompts/demo/en/welcome.wav", bin);
        CHECK_EQ_INT(cw_wav_load(prompt, &a, err, sizeof err), 0);
        CHECK(a.nsamples > 8000);    /* more than a second */
        cw_audio_free(&a);
    }

    return check_summary("wav");
}
