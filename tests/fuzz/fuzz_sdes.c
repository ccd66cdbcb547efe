/* fuzz_sdes.c  Fuzz target: any bytes as the value of an SDP a=crypto attribute (RFC
 * 4568), the SRTP keys of an offer from the network (issue 10). Invariants: the result
 * is one of accepted, refused or unknown suite; a refusal keeps no key and says why in
 * printable text; an accepted key has its suite's length, and written back as our own
 * line it parses to the same tag, suite and key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/srtp.h"

#define REQUIRE(cond)                                                      \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "fuzz_sdes: invariant failed: %s (line %d)\n", \
                    #cond, __LINE__);                                      \
            abort();                                                       \
        }                                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    cw_sdes_crypto c, again;
    char err[256] = "", line[160];
    int rc = cw_sdes_parse((const char *)data, size, &c, err, sizeof err);
    REQUIRE(rc == 0 || rc == -1 || rc == -2);
    if (rc != 0) {
        REQUIRE(c.key_len == 0);
        REQUIRE(memchr(err, 0, sizeof err) && err[0]);
        for (const char *p = err; *p; p++)
            REQUIRE((unsigned char)*p >= 0x20 || *p == '\t');
        return 0;
    }
    REQUIRE(c.key_len == cw_srtp_key_len(c.suite) && c.tag > 0);
    int n = cw_sdes_format(&c, line, sizeof line);
    REQUIRE(n > 0);
    REQUIRE(cw_sdes_parse(line, (size_t)n, &again, err, sizeof err) == 0);
    REQUIRE(again.tag == c.tag && again.suite == c.suite && again.key_len == c.key_len &&
            memcmp(again.key, c.key, c.key_len) == 0);
    cw_sdes_wipe(&c);
    cw_sdes_wipe(&again);
    return 0;
}
