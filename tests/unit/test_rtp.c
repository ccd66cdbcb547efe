/* test_rtp.c  RTP headers: round trip, and every malformed packet refused. */
#include <string.h>

#include "callwarden/rtp.h"
#include "check.h"

int main(void)
{
    uint8_t payload[160], buf[400];
    for (int i = 0; i < 160; i++)
        payload[i] = (uint8_t)i;
    cw_rtp_packet in = { 1, 8, 65535, 0xDEADBEEF, 0x01020304, payload, 160 };
    size_t n = cw_rtp_write(buf, sizeof buf, &in);
    CHECK_EQ_INT(n, 172);
    CHECK_EQ_INT(buf[0], 0x80);
    CHECK_EQ_INT(buf[1], 0x88);

    cw_rtp_packet out;
    CHECK_EQ_INT(cw_rtp_parse(buf, n, &out), 0);
    CHECK_EQ_INT(out.marker, 1);
    CHECK_EQ_INT(out.pt, 8);
    CHECK_EQ_INT(out.seq, 65535);
    CHECK(out.ts == 0xDEADBEEFu);
    CHECK(out.ssrc == 0x01020304u);
    CHECK_EQ_INT(out.payload_len, 160);
    CHECK(memcmp(out.payload, payload, 160) == 0);

    /* does not fit */
    CHECK_EQ_INT(cw_rtp_write(buf, 171, &in), 0);

    /* too short, wrong version */
    CHECK_EQ_INT(cw_rtp_parse(buf, 11, &out), -1);
    uint8_t bad[400];
    memcpy(bad, buf, n);
    bad[0] = 0x40;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);

    /* CSRC list: two entries inside the packet are skipped, fifteen are not there */
    memcpy(bad, buf, n);
    bad[0] = 0x82;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 152);
    CHECK_EQ_INT(cw_rtp_parse(bad, 12 + 7, &out), -1);
    bad[0] = 0x8F;
    CHECK_EQ_INT(cw_rtp_parse(bad, 12 + 40, &out), -1);

    /* header extension: length words inside the packet, or not */
    memcpy(bad, buf, n);
    bad[0] = 0x90;
    bad[12] = 0xBE; bad[13] = 0xDE; bad[14] = 0; bad[15] = 2;   /* 8 bytes follow */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 160 - 12);
    bad[14] = 0x40;                                             /* 64 KiB claimed */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    CHECK_EQ_INT(cw_rtp_parse(bad, 14, &out), -1);              /* header cut */

    /* padding: a count of 0, or more than the payload, is refused */
    memcpy(bad, buf, n);
    bad[0] = 0xA0;
    bad[n - 1] = 4;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 156);
    bad[n - 1] = 0;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    bad[n - 1] = 161;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    bad[n - 1] = 160;                                           /* all payload is padding */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 0);

    /* RTCP on the RTP port (RFC 5761): sender and receiver reports are not RTP */
    memcpy(bad, buf, n);
    for (int pt = 200; pt <= 204; pt++) {
        bad[1] = (uint8_t)pt;
        CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    }

    /* a header alone is a valid, empty packet */
    CHECK_EQ_INT(cw_rtp_parse(buf, 12, &out), 0);
    CHECK_EQ_INT(out.payload_len, 0);

    return check_summary("rtp");
}
