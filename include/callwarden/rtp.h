/* rtp.h  RTP (RFC 3550) header parsing and writing. */
#ifndef CALLWARDEN_RTP_H
#define CALLWARDEN_RTP_H

#include <stddef.h>
#include <stdint.h>

#define CW_RTP_HEADER_LEN 12
#define CW_RTP_MAX_PACKET 1500

/* A parsed RTP packet; payload points into the caller's buffer. */
typedef struct cw_rtp_packet {
    uint8_t marker;
    uint8_t pt;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    const uint8_t *payload;
    size_t payload_len;
} cw_rtp_packet;

/*
 * Parse and validate pkt (len bytes): version 2, CSRC list, header extension and
 * padding within len. Returns 0, or -1 for a packet that must be dropped.
 * RTCP multiplexed on the port is rejected too: RFC 5761 tells it apart by a second
 * byte of 192-223 (RTCP packet types; read as RTP, the marker bit and PT 64-95).
 */
int cw_rtp_parse(const uint8_t *pkt, size_t len, cw_rtp_packet *out);

/*
 * Write a 12-byte header (no CSRC, no extension) for p and copy p->payload after it
 * into buf (cap bytes). Returns the packet length, or 0 if it does not fit (or
 * p->payload is NULL with a non-zero payload_len).
 */
size_t cw_rtp_write(uint8_t *buf, size_t cap, const cw_rtp_packet *p);

#endif
