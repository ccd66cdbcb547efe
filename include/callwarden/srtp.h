/*
 * srtp.h  SRTP (RFC 3711) for a call's media, through libsrtp2, with keys exchanged
 * by SDES (RFC 4568) in the SDP's a=crypto lines (issue 10). Nothing here is a cipher
 * of ours: libsrtp2 protects and checks every packet; this part parses and writes the
 * crypto attributes, makes fresh random keys, and keeps the per-call sessions with
 * their counters. A packet that does not authenticate, or comes again (replay), is
 * dropped and counted, never handed on. Keys are wiped when a session closes and never
 * leave this part except in the a=crypto line they belong in.
 */
#ifndef CALLWARDEN_SRTP_H
#define CALLWARDEN_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* The crypto suites offered and accepted, strongest first. */
typedef enum cw_srtp_suite {
    CW_SRTP_AEAD_AES_256_GCM,       /* RFC 7714 */
    CW_SRTP_AES_CM_128_HMAC_SHA1_80,
    CW_SRTP_AES_CM_128_HMAC_SHA1_32,
    CW_SRTP_NSUITES
} cw_srtp_suite;

#define CW_SRTP_KEY_MAX 46          /* master key + salt, the largest suite's */
#define CW_SRTP_TRAILER_MAX 144     /* bytes a protected packet may grow by */

/* The suite's SDP name ("AES_CM_128_HMAC_SHA1_80"), and back (0 or -1). */
const char *cw_srtp_suite_name(cw_srtp_suite s);
int cw_srtp_suite_parse(const char *name, size_t len, cw_srtp_suite *out);
/* Bytes of master key and salt of the suite (30 or 44). */
size_t cw_srtp_key_len(cw_srtp_suite s);
/* 1 if this libsrtp2 was built with the suite (GCM needs its crypto library). */
int cw_srtp_suite_available(cw_srtp_suite s);

/* One a=crypto attribute: tag, suite and one inline key (no MKI, no session params). */
typedef struct cw_sdes_crypto {
    unsigned tag;                   /* 1..999999999 */
    cw_srtp_suite suite;
    uint8_t key[CW_SRTP_KEY_MAX];   /* master key then master salt */
    size_t key_len;
} cw_sdes_crypto;

/* Parse the value of an a=crypto attribute ("1 AES_CM_128_HMAC_SHA1_80
 * inline:BASE64[|2^31]"), len bytes, into out. 0, or -1 with err (an unknown suite is
 * -2, so that the offer's next line can be tried). What is refused, with the reason:
 * a key of the wrong length, bad base64, more than one key, an MKI, a lifetime below
 * 2^20 packets, and session parameters (UNENCRYPTED_SRTP and the like). */
int cw_sdes_parse(const char *value, size_t len, cw_sdes_crypto *out, char *err,
                  size_t errlen);

/* The attribute's value for c ("TAG SUITE inline:BASE64") into out. Its length, or -1. */
int cw_sdes_format(const cw_sdes_crypto *c, char *out, size_t cap);

/* A fresh random key of suite into c, with tag. 0 or -1. */
int cw_sdes_new_key(cw_sdes_crypto *c, cw_srtp_suite suite, unsigned tag);

/* Wipe the key in c. */
void cw_sdes_wipe(cw_sdes_crypto *c);

typedef struct cw_srtp cw_srtp;

typedef struct cw_srtp_stats {
    uint64_t protected_pkts, unprotected_pkts;
    uint64_t auth_failed;           /* tampered or forged: dropped */
    uint64_t replayed;              /* seen before: dropped */
    uint64_t other_failed;          /* malformed, unknown: dropped */
} cw_srtp_stats;

/* A call leg's SRTP: tx protects what we send, rx checks what we receive (each a
 * copy, the caller wipes its own). 0, or -1 with err. */
int cw_srtp_open(cw_srtp **out, const cw_sdes_crypto *tx, const cw_sdes_crypto *rx,
                 char *err, size_t errlen);

/* Protect an RTP (or RTCP) packet of *len bytes in place; pkt has room for cap bytes
 * (at least *len + CW_SRTP_TRAILER_MAX). 0 and the new *len, or -1. */
int cw_srtp_protect(cw_srtp *s, uint8_t *pkt, size_t *len, size_t cap);
int cw_srtp_protect_rtcp(cw_srtp *s, uint8_t *pkt, size_t *len, size_t cap);

/* Check and decrypt a received SRTP (SRTCP) packet in place: 0 and the plain *len, or
 * -1 when it is to be dropped (counted by why). */
int cw_srtp_unprotect(cw_srtp *s, uint8_t *pkt, size_t *len);
int cw_srtp_unprotect_rtcp(cw_srtp *s, uint8_t *pkt, size_t *len);

cw_srtp_stats cw_srtp_get_stats(const cw_srtp *s);

/* Free both sessions and wipe every key (NULL is fine). */
void cw_srtp_close(cw_srtp *s);

#endif
