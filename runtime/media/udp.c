/* udp.c  A call's RTP/RTCP sockets on libuv: the real-network cw_media_io. */
#include <stdio.h>
#include <string.h>

#include "callwarden/media.h"

static int udp_send(cw_media_io *io, const uint8_t *pkt, size_t len,
                    const struct sockaddr *to)
{
    cw_udp_media *um = (cw_udp_media *)io;
    uv_buf_t b = uv_buf_init((char *)pkt, (unsigned)len);
    /* try_send never queues: a full socket buffer drops the frame, as the network
     * would, instead of building latency. */
    int rc = uv_udp_try_send(&um->rtp, &b, 1, to);
    return rc < 0 ? rc : 0;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    cw_udp_media *um = h->data;
    (void)suggested;
    *buf = uv_buf_init((char *)um->rxbuf, sizeof um->rxbuf);
}

static void rtp_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                        const struct sockaddr *from, unsigned flags)
{
    cw_udp_media *um = h->data;
    if (nread <= 0 || !from || (flags & UV_UDP_PARTIAL) || !um->stream)
        return;
    cw_stream_rtp_input(um->stream, (const uint8_t *)buf->base, (size_t)nread, from);
}

static void rtcp_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                         const struct sockaddr *from, unsigned flags)
{
    cw_udp_media *um = h->data;
    (void)buf;
    (void)flags;
    if (nread > 0 && from && um->stream)
        um->stream->stats.rtcp_received++;
}

int cw_sockaddr_from(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (strchr(addr, ':'))
        return uv_ip6_addr(addr, port, (struct sockaddr_in6 *)ss);
    return uv_ip4_addr(addr, port, (struct sockaddr_in *)ss);
}

static int bind_one(uv_loop_t *loop, uv_udp_t *h, cw_udp_media *um, const char *addr,
                    uint16_t port)
{
    struct sockaddr_storage ss;
    int rc = cw_sockaddr_from(addr, port, &ss);
    if (rc != 0)
        return rc;
    rc = uv_udp_init(loop, h);
    if (rc != 0)
        return rc;
    h->data = um;
    um->open_handles++;
    return uv_udp_bind(h, (struct sockaddr *)&ss, 0);
}

static void io_close(cw_media_io *io)
{
    (void)io;
}

int cw_udp_media_open(cw_udp_media *um, uv_loop_t *loop, const char *addr, uint16_t port,
                      cw_stream *stream, char *err, size_t errlen)
{
    memset(um, 0, sizeof *um);
    um->io.send = udp_send;
    um->io.close = io_close;
    um->stream = stream;
    int rc = bind_one(loop, &um->rtp, um, addr, port);
    if (rc == 0)
        rc = bind_one(loop, &um->rtcp, um, addr, (uint16_t)(port + 1));
    if (rc == 0)
        rc = uv_udp_recv_start(&um->rtp, alloc_cb, rtp_recv_cb);
    if (rc == 0)
        rc = uv_udp_recv_start(&um->rtcp, alloc_cb, rtcp_recv_cb);
    if (rc != 0)
        snprintf(err, errlen, "RTP socket %s:%u: %s", addr, (unsigned)port, uv_strerror(rc));
    return rc;
}

static void handle_closed(uv_handle_t *h)
{
    cw_udp_media *um = h->data;
    if (--um->open_handles == 0 && um->closed)
        um->closed(um);
}

void cw_udp_media_close(cw_udp_media *um, void (*closed)(cw_udp_media *um))
{
    um->closed = closed;
    um->stream = NULL;
    int pending = um->open_handles;
    if (pending == 0) {
        if (closed)
            closed(um);
        return;
    }
    if (um->open_handles >= 1 && !uv_is_closing((uv_handle_t *)&um->rtp))
        uv_close((uv_handle_t *)&um->rtp, handle_closed);
    if (um->open_handles >= 2 && !uv_is_closing((uv_handle_t *)&um->rtcp))
        uv_close((uv_handle_t *)&um->rtcp, handle_closed);
}
