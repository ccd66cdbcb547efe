/* wipe.c  Zeroing secrets so that the compiler cannot drop the store as dead. */
#include <mbedtls/platform_util.h>

#include "callwarden/crypto.h"

void cw_wipe(void *p, size_t n)
{
    /* mbedtls_platform_zeroize writes through a volatile function pointer (or explicit_bzero) */
    if (p != NULL && n > 0)
        mbedtls_platform_zeroize(p, n);
}
