/* rtp.c  RTP (RFC 3550) header parsing with full validation, and writing.
 *
 * Everything a packet claims (CSRC count, extension length, padding count) is checked
 * against the bytes that actually arrived before anything is read, so a hostile packet
 * can at worst be dropped. RTCP multiplexed on the RTP port (RFC 5761 section 4) is told
 * apart by its second byte: RTCP packet types 192-223 (SR, RR, SDES, BYE, APP, and the
 * feedback and XR reports that muxing peers send most) read as marker + PT 64-95 in RTP,
 * a range RFC 5761 forbids for RTP and RFC 3551 never assigns, so nothing real is lost. */
#include <string.h>

#include "callwarden/rtp.h"

#define RTCP_PT_FIRST 192       /* the RTCP types RFC 5761 reserves against RTP PT 64-95 */
#define RTCP_PT_LAST 223

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* pkt, len: the datagram as received; out: filled only on success. */
int cw_rtp_parse(const uint8_t *pkt, size_t len, cw_rtp_packet *out)
{
    if (!pkt || len < CW_RTP_HEADER_LEN)
        return -1;
    if ((pkt[0] >> 6) != 2)
        return -1;
    if (pkt[1] >= RTCP_PT_FIRST && pkt[1] <= RTCP_PT_LAST)
        return -1;

    size_t off = CW_RTP_HEADER_LEN + 4u * (pkt[0] & 0x0F);     /* CSRC list */
    if (off > len)
        return -1;
    if (pkt[0] & 0x10) {        /* extension: profile, length in words, then the words */
        if (len - off < 4)
            return -1;
        size_t ext = 4 + 4u * get16(pkt + off + 2);
        if (len - off < ext)
            return -1;
        off += ext;
    }
    size_t end = len;
    if (pkt[0] & 0x20) {        /* padding: the last byte counts it, itself included */
        uint8_t pad = pkt[len - 1];
        if (pad == 0 || pad > end - off)
            return -1;
        end -= pad;
    }

    out->marker = pkt[1] >> 7;
    out->pt = pkt[1] & 0x7F;
    out->seq = get16(pkt + 2);
    out->ts = get32(pkt + 4);
    out->ssrc = get32(pkt + 8);
    out->payload = pkt + off;
    out->payload_len = end - off;
    return 0;
}

/* buf, cap: where to write; p: header fields and payload (payload may be NULL if empty). */
size_t cw_rtp_write(uint8_t *buf, size_t cap, const cw_rtp_packet *p)
{
    if (cap < CW_RTP_HEADER_LEN || p->payload_len > cap - CW_RTP_HEADER_LEN ||
        (p->payload_len && !p->payload))
        return 0;
    buf[0] = 0x80;              /* version 2, no padding, no extension, no CSRC */
    buf[1] = (uint8_t)((p->marker ? 0x80 : 0) | (p->pt & 0x7F));
    put16(buf + 2, p->seq);
    put32(buf + 4, p->ts);
    put32(buf + 8, p->ssrc);
    if (p->payload_len)
        memcpy(buf + CW_RTP_HEADER_LEN, p->payload, p->payload_len);
    return CW_RTP_HEADER_LEN + p->payload_len;
}
