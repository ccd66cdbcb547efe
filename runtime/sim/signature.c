/* signature.c  Each frame the virtual caller sends carries, in its first samples, who
 * sent it and when: the call's number and the clock period. Whatever keeps the caller's
 * audio (the recorder, the consent evidence, the vault) can then be read back and every
 * kept frame traced to the moment it was spoken, which is how the oracle checks that
 * nothing was kept before the consent or after the withdrawal.
 *
 * A symbol is one sample at one of eight quiet levels (+-64 .. +-512), far enough apart
 * that G.711 (either law, and a conversion between them) cannot confuse them, and quiet
 * enough that a silent caller stays silent.
 */
#include <stdlib.h>

#include "sim_int.h"

static const int16_t level[8] = { -512, -256, -128, -64, 64, 128, 256, 512 };
static const uint8_t magic[6] = { 7, 0, 6, 1, 7, 0 };

#define CALL_SYMBOLS 10             /* 30 bits: the call (18) and the run's tag (12) */
#define PERIOD_SYMBOLS 10           /* 30 bits */
#define SIGNATURE_LEN SIM_SIGNATURE_LEN

static int symbol_of(int16_t x)
{
    int best = -1, dist = 1 << 30;
    for (int i = 0; i < 8; i++) {
        int d = abs(x - level[i]);
        if (d < dist) {
            dist = d;
            best = i;
        }
    }
    /* within a quarter of the level: anything else is not a symbol */
    return dist * 4 <= abs(level[best]) ? best : -1;
}

void sim_sign(int16_t *pcm, unsigned call_no, uint32_t period)
{
    unsigned k = 0, sum = 0;
    for (unsigned i = 0; i < 6; i++)
        pcm[k++] = level[magic[i]];
    for (unsigned i = 0; i < CALL_SYMBOLS; i++, k++) {
        unsigned s = (call_no >> (3 * i)) & 7;
        sum += s;
        pcm[k] = level[s];
    }
    for (unsigned i = 0; i < PERIOD_SYMBOLS; i++, k++) {
        unsigned s = (period >> (3 * i)) & 7;
        sum += s;
        pcm[k] = level[s];
    }
    pcm[k] = level[sum & 7];
}

void sim_sign_frame(int16_t *pcm, unsigned call_no, uint32_t period, int speaking)
{
    sim_sign(pcm, call_no, period);
    /* speech: a loud 400 Hz triangle; silence: nothing */
    for (unsigned k = SIGNATURE_LEN; k < CW_FRAME_SAMPLES; k++) {
        int phase = (int)(k % 20);
        pcm[k] = speaking ? (int16_t)((phase < 10 ? phase : 20 - phase) * 800 - 4000) : 0;
    }
}

void sim_find_signatures(const int16_t *s, size_t n, size_t stride,
                         void (*fn)(void *ud, unsigned call_no, uint32_t period), void *ud)
{
    size_t i = 0;
    while (i + SIGNATURE_LEN <= n) {
        unsigned k = 0;
        while (k < 6 && symbol_of(s[(i + k) * stride]) == magic[k])
            k++;
        if (k < 6) {
            i++;
            continue;
        }
        unsigned call_no = 0, sum = 0;
        uint32_t period = 0;
        int bad = 0;
        for (unsigned j = 0; j < CALL_SYMBOLS + PERIOD_SYMBOLS + 1 && !bad; j++) {
            int sym = symbol_of(s[(i + 6 + j) * stride]);
            if (sym < 0) {
                bad = 1;
            } else if (j < CALL_SYMBOLS) {
                call_no |= (unsigned)sym << (3 * j);
                sum += (unsigned)sym;
            } else if (j < CALL_SYMBOLS + PERIOD_SYMBOLS) {
                period |= (uint32_t)sym << (3 * (j - CALL_SYMBOLS));
                sum += (unsigned)sym;
            } else if ((unsigned)sym != (sum & 7)) {
                bad = 1;
            }
        }
        if (bad) {
            i++;
            continue;
        }
        fn(ud, call_no, period);
        i += SIGNATURE_LEN;
    }
}
