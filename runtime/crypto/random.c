/* random.c  Random bytes for keys and nonces: one CTR-DRBG (AES-256) for the whole process,
 * seeded once from the OS entropy (getrandom or /dev/urandom, through mbedtls_entropy).
 *
 * This is the one piece of process-global state callwarden keeps outside the loop's context
 * (DESIGN.md): a random generator belongs to the process, not to a call or a tenant, and every
 * thread (loop, ledger writer) must be able to draw from it without being handed a context.
 * A mutex serialises the draws; the DRBG reseeds itself from the entropy source every
 * MBEDTLS_CTR_DRBG_RESEED_INTERVAL requests.
 *
 * A forked child would inherit the generator's state and repeat the parent's bytes, so a
 * draw in a process other than the one that seeded first reseeds from fresh entropy. */
#include <pthread.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "callwarden/crypto.h"

static pthread_once_t rng_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static mbedtls_entropy_context rng_entropy;
static mbedtls_ctr_drbg_context rng_drbg;
static int rng_ready;                   /* 1 once seeded; stays 0 if seeding failed */
static pid_t rng_pid;                   /* the process the state was last seeded in */

/* Seed the generator, once per process lifetime; a failure leaves rng_ready 0 for good. */
static void rng_init(void)
{
    static const char pers[] = "callwarden cw_random";

    mbedtls_entropy_init(&rng_entropy);
    mbedtls_ctr_drbg_init(&rng_drbg);
    if (mbedtls_ctr_drbg_seed(&rng_drbg, mbedtls_entropy_func, &rng_entropy,
                              (const unsigned char *)pers, sizeof pers - 1) != 0)
        return;
    rng_pid = getpid();
    rng_ready = 1;
}

int cw_random(void *out, size_t n)
{
    unsigned char *p = out;
    size_t left = n;
    int rc = 0;

    if (n == 0)
        return 0;
    if (pthread_once(&rng_once, rng_init) != 0 || !rng_ready) {
        cw_wipe(out, n);
        return -1;
    }

    /* mbedtls_ctr_drbg_random locks a mutex of its own (Debian builds with
     * MBEDTLS_THREADING_PTHREAD), but the reseed below does not: hold ours around both. */
    pthread_mutex_lock(&rng_lock);
    if (rng_pid != getpid()) {
        rc = mbedtls_ctr_drbg_reseed(&rng_drbg, NULL, 0);
        if (rc == 0)
            rng_pid = getpid();
    }
    /* the DRBG gives at most MBEDTLS_CTR_DRBG_MAX_REQUEST (1024) bytes a call */
    while (rc == 0 && left > 0) {
        size_t chunk = left < MBEDTLS_CTR_DRBG_MAX_REQUEST ? left : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        rc = mbedtls_ctr_drbg_random(&rng_drbg, p, chunk);
        p += chunk;
        left -= chunk;
    }
    pthread_mutex_unlock(&rng_lock);

    if (rc != 0) {
        cw_wipe(out, n);                /* never hand out a half-random buffer */
        return -1;
    }
    return 0;
}

int cw_random_hex(char *out, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t b[64];
    if (n > sizeof b || cw_random(b, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
    cw_wipe(b, n);
    return 0;
}
