/*
 * sdp.h  Our own SDP (RFC 4566 / RFC 3264) parser and answer builder, audio only.
 *
 * sofia-sip's soa and sdp_parse never see SDP from the network (Debian's 1.12.11 has
 * an unbounded-allocation bug in sdp_parse on malformed m= lines); every SDP a peer
 * sends is parsed here, and this parser is fuzzed (tests/fuzz/fuzz_sdp.c).
 */
#ifndef CALLWARDEN_SDP_H
#define CALLWARDEN_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "callwarden/g711.h"
#include "callwarden/srtp.h"

#define CW_SDP_MAX_MEDIA 8        /* more m= lines than this: rejected as malformed */
#define CW_SDP_MAX_FORMATS 32     /* more formats on one m= line: rejected */
#define CW_SDP_MAX_LEN 16384      /* a longer body: rejected */
#define CW_SDP_ADDR_LEN 64
#define CW_SDP_MAX_CRYPTO 8       /* a=crypto lines kept per m= line; more are ignored */

typedef enum cw_sdp_dir {
    CW_SDP_SENDRECV = 0,
    CW_SDP_SENDONLY,
    CW_SDP_RECVONLY,
    CW_SDP_INACTIVE
} cw_sdp_dir;

/* One payload format of an m= line, with its a=rtpmap if any. */
typedef struct cw_sdp_format {
    uint8_t pt;
    char name[16];          /* encoding name from a=rtpmap, or "" (static types 0, 8) */
    uint32_t rate;          /* clock rate from a=rtpmap, 0 if none */
    uint8_t channels;       /* 1 unless a=rtpmap says otherwise */
} cw_sdp_format;

/* One m= line. */
typedef struct cw_sdp_media {
    char type[16];          /* "audio", "video", ... */
    uint16_t port;          /* 0 = stream rejected/disabled by the peer */
    char proto[24];         /* "RTP/AVP", "RTP/SAVP", ... */
    char fmt_raw[128];      /* the format list as sent, for echoing in a rejection */
    cw_sdp_format formats[CW_SDP_MAX_FORMATS];
    size_t nformats;
    int family;             /* AF_INET or AF_INET6 of the effective c= (media or session) */
    char addr[CW_SDP_ADDR_LEN]; /* effective c= address, canonical (inet_ntop), "" if none */
    unsigned ptime;         /* a=ptime in ms, 0 if absent */
    cw_sdp_dir dir;         /* effective direction (media level overrides session) */
    /* SDES (RFC 4568): the a=crypto lines we can use, in the offer's order of
     * preference; lines with a suite we do not know or a key we refuse are left out
     * and counted, with the first refusal's reason */
    cw_sdes_crypto crypto[CW_SDP_MAX_CRYPTO];
    size_t ncrypto;
    unsigned crypto_refused;
    char crypto_err[96];
} cw_sdp_media;

/* A parsed session description. */
typedef struct cw_sdp {
    uint64_t origin_id;
    uint64_t origin_version;
    cw_sdp_media media[CW_SDP_MAX_MEDIA];
    size_t nmedia;
} cw_sdp;

/*
 * Parse len bytes of buf (not NUL-terminated) into out. Accepts CRLF or LF line ends.
 * Checks v=0 first, o=, s= (may be empty), the c= addresses (IP4/IP6, valid literals;
 * 0.0.0.0 is allowed and means hold), m= lines (port, proto, formats), a=rtpmap,
 * a=ptime, a=sendrecv/sendonly/recvonly/inactive. Unknown attributes and the line
 * types we do not need (i= u= e= p= b= t= r= z= k=) are ignored; a type letter RFC 4566
 * does not define is refused (its section 5). Returns 0, or -1 with a reason for a 488
 * in err (errlen bytes; printable, without '"' or '\') and out all zero.
 */
int cw_sdp_parse(const char *buf, size_t len, cw_sdp *out, char *err, size_t errlen);

/* Wipe every key an SDP holds (the peer's SDES keys); the rest stays. */
void cw_sdp_wipe(cw_sdp *sdp);

/* Whether a tenant takes SRTP (its policy's transport.srtp). */
typedef enum cw_srtp_mode {
    CW_SRTP_OFF = 0,        /* plain RTP only; a=crypto is ignored, RTP/SAVP refused */
    CW_SRTP_PREFERRED,      /* SRTP when the offer has it, else plain RTP */
    CW_SRTP_REQUIRED        /* SRTP or nothing (488 naming the rule) */
} cw_srtp_mode;

/* What we chose from an offer: the media we take part in. */
typedef struct cw_sdp_choice {
    int media_index;        /* index of the accepted audio m= line in the offer */
    cw_codec codec;         /* PCMU or PCMA: the offerer's first preference we support */
    uint8_t codec_pt;       /* the payload type the offer gave it (0, 8, or dynamic) */
    int te_pt;              /* telephone-event payload type, -1 if not offered */
    unsigned ptime;         /* 20 unless the offer asks for another multiple of 10 up to 60 */
    cw_sdp_dir dir;         /* our direction in the answer */
    int remote_family;      /* AF_INET or AF_INET6 */
    char remote_addr[CW_SDP_ADDR_LEN];
    uint16_t remote_port;
    int hold;               /* the peer asked us not to send (sendonly/inactive/0.0.0.0) */
    char proto[24];         /* the chosen line's proto, answered as offered */
    int srtp;               /* 1: the stream is SRTP, keyed by SDES */
    cw_sdes_crypto remote_crypto;   /* the peer's key (what we receive), if srtp */
} cw_sdp_choice;

/*
 * Choose what to answer to offer: the first audio m= line with port != 0, proto
 * RTP/AVP and a codec we support (PCMU, PCMA, by static type or rtpmap name, 8000 Hz).
 * Returns 0, or -1 with a reason in err ("no audio stream", "no common codec", ...).
 * The same as cw_sdp_negotiate_srtp with CW_SRTP_OFF.
 */
int cw_sdp_negotiate(const cw_sdp *offer, cw_sdp_choice *choice, char *err, size_t errlen);

/*
 * The same for a tenant whose policy says mode. An SRTP stream is an RTP/SAVP line, or
 * (best-effort SRTP, as FreeSWITCH and Asterisk take it) an RTP/AVP line with a=crypto,
 * with a suite this libsrtp2 has: the offer's first such a=crypto line is taken and
 * answered in kind. PREFERRED takes an SRTP stream before a plain one; REQUIRED takes
 * nothing else, and its refusal names the rule (transport.srtp = required).
 */
int cw_sdp_negotiate_srtp(const cw_sdp *offer, cw_srtp_mode mode, cw_sdp_choice *choice,
                          char *err, size_t errlen);

/* Our side of a session description. */
typedef struct cw_sdp_local {
    int family;             /* AF_INET or AF_INET6 */
    const char *addr;       /* our media address literal */
    uint16_t port;          /* our RTP port */
    uint64_t session_id;
    uint64_t session_version;
    /* SRTP: our key in the answer (its tag the chosen one of the offer's), or the
     * keys of an offer, one per suite; none for plain RTP */
    const cw_sdes_crypto *crypto;
    size_t ncrypto;
    const char *proto;      /* an offer's proto: NULL for RTP/AVP */
} cw_sdp_local;

/*
 * Write the answer to offer for choice into buf (cap bytes), NUL-terminated, CRLF
 * line ends. Every offered m= line gets one answer line (RFC 3264 section 6); those
 * not chosen get port 0. Returns the length, or -1 if cap is too small.
 */
int cw_sdp_build_answer(const cw_sdp *offer, const cw_sdp_choice *choice,
                        const cw_sdp_local *local, char *buf, size_t cap);

/*
 * Write an offer (for an INVITE without SDP, and for re-offers): one audio m= line
 * with PCMU, PCMA and telephone-event 101, ptime 20, sendrecv; with local->crypto, an
 * a=crypto line for each of its keys under local->proto. Returns the length, or -1 if
 * cap is too small.
 */
int cw_sdp_build_offer(const cw_sdp_local *local, char *buf, size_t cap);

/* "sendrecv", "sendonly", "recvonly" or "inactive". */
const char *cw_sdp_dir_name(cw_sdp_dir dir);

#endif
