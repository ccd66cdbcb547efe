/* replay_main.c  A driver for a fuzz target's entry point without libFuzzer: runs files
 * or directories of inputs once each, so the corpus is a regression test; with
 * --mutate N it also runs N deterministic mutations of each input (byte flips,
 * insertions, deletions, splices of two inputs), a short bounded fuzz run that needs
 * no clang and runs under the ASan build in every `make test`. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1 << 20)
#define REPLAY_MAX_INPUTS 4096

typedef struct input {
    uint8_t *data;
    size_t len;
} input;

static input inputs[REPLAY_MAX_INPUTS];
static size_t ninputs;

static int load_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    uint8_t *buf = malloc(REPLAY_MAX_INPUT);
    size_t n = buf ? fread(buf, 1, REPLAY_MAX_INPUT, f) : 0;
    fclose(f);
    if (!buf || ninputs == REPLAY_MAX_INPUTS) {
        free(buf);
        fprintf(stderr, "replay: too many inputs or out of memory\n");
        return -1;
    }
    inputs[ninputs].data = buf;
    inputs[ninputs].len = n;
    ninputs++;
    return 0;
}

/* Run one input from an exact-size copy, so ASan sees a read past its end. */
static void run(const uint8_t *data, size_t len)
{
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact)
        abort();
    memcpy(exact, data, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
}

/* xorshift64*: the same mutations on every run, so a failure reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t below)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return below ? (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % below : 0;
}

/* Interesting bytes for a text protocol: line ends, separators, digits, NUL, high. */
static uint8_t interesting_byte(void)
{
    static const uint8_t set[] = { '\r', '\n', ' ', '=', ':', '/', '0', '9', 0, 0xFF,
                                   '-', '.', 'm', 'c', 'a', '\t' };
    return set[rnd(sizeof set)];
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
    int rounds = 1 + (int)rnd(4);
    for (int r = 0; r < rounds; r++) {
        switch (rnd(6)) {
        case 0:   /* overwrite a byte */
            if (len)
                buf[rnd((uint32_t)len)] = rnd(2) ? interesting_byte() : (uint8_t)rnd(256);
            break;
        case 1:   /* insert a byte */
            if (len < cap) {
                size_t at = rnd((uint32_t)len + 1);
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = interesting_byte();
                len++;
            }
            break;
        case 2:   /* delete a run */
            if (len) {
                size_t at = rnd((uint32_t)len), n = 1 + rnd(16);
                if (n > len - at)
                    n = len - at;
                memmove(buf + at, buf + at + n, len - at - n);
                len -= n;
            }
            break;
        case 3:   /* duplicate a run (repeated lines, long numbers) */
            if (len) {
                size_t at = rnd((uint32_t)len), n = 1 + rnd(64);
                if (n > len - at)
                    n = len - at;
                if (len + n <= cap) {
                    memmove(buf + at + n, buf + at, len - at);
                    len += n;
                }
            }
            break;
        case 4: { /* splice in a piece of another input */
            const input *o = &inputs[rnd((uint32_t)ninputs)];
            if (o->len && len) {
                size_t from = rnd((uint32_t)o->len), n = 1 + rnd(128);
                if (n > o->len - from)
                    n = o->len - from;
                size_t at = rnd((uint32_t)len);
                if (len + n <= cap) {
                    memmove(buf + at + n, buf + at, len - at);
                    memcpy(buf + at, o->data + from, n);
                    len += n;
                }
            }
            break;
        }
        default:  /* cut short */
            if (len)
                len = rnd((uint32_t)len);
            break;
        }
    }
    return len;
}

static int add_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such path %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return load_file(path);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        if (load_file(p) != 0) {
            closedir(d);
            return -1;
        }
    }
    if (d)
        closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long mutations = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mutate") == 0 && i + 1 < argc) {
            mutations = strtoul(argv[++i], NULL, 10);
            continue;
        }
        if (add_path(argv[i]) != 0)
            return 1;
    }
    if (ninputs == 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    for (size_t i = 0; i < ninputs; i++)
        run(inputs[i].data, inputs[i].len);

    static uint8_t buf[8192];
    unsigned long runs = 0;
    for (unsigned long m = 0; m < mutations; m++) {
        const input *in = &inputs[m % ninputs];
        size_t len = in->len < sizeof buf ? in->len : sizeof buf;
        memcpy(buf, in->data, len);
        len = mutate(buf, len, sizeof buf);
        run(buf, len);
        runs++;
    }
    printf("replay: %zu inputs, %lu mutations, no crash\n", ninputs, runs);
    for (size_t i = 0; i < ninputs; i++)
        free(inputs[i].data);
    return 0;
}
