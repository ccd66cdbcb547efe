/* clock.c  The one media clock that drives every stream at 20 ms.
 *
 * A repeating 20 ms timer per call drifts and costs a timer per call. Instead one clock
 * counts frame periods from a fixed start on the monotonic clock: each wake-up runs
 * every period that became due since the last, for every stream, so a late wake-up is
 * caught up (the packets of a period go out together) and the long-run rate stays
 * exactly 50 frames a second. After a stall longer than CATCH_UP_MAX periods the rest
 * is skipped rather than sent as a burst the peer's jitter buffer would drop anyway.
 *
 * Time enters only through cw_media_clock_advance(now_ns); the uv timer below is the
 * real-time driver, and the scenario runner drives the same function with its own time.
 */
#include <string.h>

#include "callwarden/media.h"

#define CATCH_UP_MAX 10

void cw_media_clock_init(cw_media_clock *mc, uint64_t now_ns)
{
    memset(mc, 0, sizeof *mc);
    mc->start_ns = now_ns;
}

void cw_media_clock_add(cw_media_clock *mc, cw_stream *s)
{
    if (s->on_clock)
        return;
    s->clock_prev = NULL;
    s->clock_next = mc->head;
    if (mc->head)
        mc->head->clock_prev = s;
    mc->head = s;
    s->on_clock = 1;
    mc->nstreams++;
}

void cw_media_clock_remove(cw_media_clock *mc, cw_stream *s)
{
    if (!s->on_clock)
        return;
    if (mc->cursor == s)
        mc->cursor = s->clock_next;
    if (s->clock_prev)
        s->clock_prev->clock_next = s->clock_next;
    else
        mc->head = s->clock_next;
    if (s->clock_next)
        s->clock_next->clock_prev = s->clock_prev;
    s->clock_next = s->clock_prev = NULL;
    s->on_clock = 0;
    mc->nstreams--;
}

/* One frame period for every stream. A stream's tick may end its call and remove the
 * stream (or others) from the list; the cursor keeps the walk valid. */
static void run_period(cw_media_clock *mc)
{
    mc->cursor = mc->head;
    while (mc->cursor) {
        cw_stream *s = mc->cursor;
        mc->cursor = s->clock_next;
        cw_stream_tick(s);
    }
}

unsigned cw_media_clock_advance(cw_media_clock *mc, uint64_t now_ns)
{
    if (now_ns < mc->start_ns)
        return 0;
    uint64_t due = (now_ns - mc->start_ns) / CW_FRAME_NS;
    if (due <= mc->frames_done)
        return 0;
    uint64_t behind = due - mc->frames_done;
    if (behind > CATCH_UP_MAX) {
        mc->skipped_frames += behind - CATCH_UP_MAX;
        mc->frames_done = due - CATCH_UP_MAX;
        behind = CATCH_UP_MAX;
    }
    if (behind > 1)
        mc->late_frames += behind - 1;
    for (uint64_t i = 0; i < behind; i++) {
        run_period(mc);
        mc->frames_done++;
    }
    return (unsigned)behind;
}

/* Real-time driver: wake at the next period boundary, then run what is due. The uv
 * timer has millisecond resolution, so it is armed for the ms that holds the boundary
 * and the hrtime decides what is really due. */
static void rearm(cw_media_clock *mc);

static void clock_timer_cb(uv_timer_t *t)
{
    cw_media_clock *mc = t->data;
    cw_media_clock_advance(mc, uv_hrtime());
    if (mc->running)
        rearm(mc);
}

static void rearm(cw_media_clock *mc)
{
    uint64_t now = uv_hrtime();
    uint64_t next = mc->start_ns + (mc->frames_done + 1) * CW_FRAME_NS;
    uint64_t wait_ms = next > now ? (next - now + 999999) / 1000000 : 0;
    uv_timer_start(&mc->timer, clock_timer_cb, wait_ms, 0);
}

int cw_media_clock_start(cw_media_clock *mc, uv_loop_t *loop)
{
    int rc = uv_timer_init(loop, &mc->timer);
    if (rc != 0)
        return rc;
    mc->timer.data = mc;
    mc->running = 1;
    mc->start_ns = uv_hrtime();
    mc->frames_done = 0;
    rearm(mc);
    return 0;
}

void cw_media_clock_stop(cw_media_clock *mc, uv_close_cb cb)
{
    mc->running = 0;
    uv_timer_stop(&mc->timer);
    uv_close((uv_handle_t *)&mc->timer, cb);
}
