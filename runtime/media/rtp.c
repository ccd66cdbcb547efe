/* rtp.c  RTP (RFC 3550) header parsing with full validation, and writing. */
#include <string.h>

#include "callwarden/rtp.h"

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int cw_rtp_parse(const uint8_t *pkt, size_t len, cw_rtp_packet *out)
{
    if (len < CW_RTP_HEADER_LEN)
        return -1;
    if ((pkt[0] >> 6) != 2)
        return -1;
    /* RTCP multiplexed on the RTP port (RFC 5761): packet types 200-204 */
    if (pkt[1] >= 200 && pkt[1] <= 204)
        return -1;
    size_t off = CW_RTP_HEADER_LEN + 4u * (pkt[0] & 0x0F);
    if (off > len)
        return -1;
    if (pkt[0] & 0x10) {           /* header extension: 4 bytes + length words */
        if (off + 4 > len)
            return -1;
        size_t words = get16(pkt + off + 2);
        off += 4 + 4 * words;
        if (off > len)
            return -1;
    }
    size_t end = len;
    if (pkt[0] & 0x20) {           /* padding: the last byte counts it, itself included */
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

size_t cw_rtp_write(uint8_t *buf, size_t cap, const cw_rtp_packet *p)
{
    size_t len = CW_RTP_HEADER_LEN + p->payload_len;
    if (len > cap)
        return 0;
    buf[0] = 0x80;
    buf[1] = (uint8_t)((p->marker ? 0x80 : 0) | (p->pt & 0x7F));
    buf[2] = (uint8_t)(p->seq >> 8);
    buf[3] = (uint8_t)p->seq;
    buf[4] = (uint8_t)(p->ts >> 24);
    buf[5] = (uint8_t)(p->ts >> 16);
    buf[6] = (uint8_t)(p->ts >> 8);
    buf[7] = (uint8_t)p->ts;
    buf[8] = (uint8_t)(p->ssrc >> 24);
    buf[9] = (uint8_t)(p->ssrc >> 16);
    buf[10] = (uint8_t)(p->ssrc >> 8);
    buf[11] = (uint8_t)p->ssrc;
    if (p->payload_len)
        memcpy(buf + CW_RTP_HEADER_LEN, p->payload, p->payload_len);
    return len;
}
