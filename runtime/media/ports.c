/* ports.c  The RTP port pool: even RTP ports with RTCP on the next odd one, handed out
 * round-robin so that a port just freed is not reused at once (late packets of the
 * old call would land in the new one). */
#include <stdlib.h>

#include "callwarden/media.h"

int cw_port_pool_init(cw_port_pool *pp, uint16_t min, uint16_t max)
{
    if (min & 1)
        min++;
    if (min == 0 || max < min + 1)
        return -1;
    pp->min = min;
    pp->max = max;
    pp->npairs = ((size_t)max - min + 1) / 2;
    pp->used = calloc(pp->npairs, 1);
    pp->next = 0;
    pp->in_use = 0;
    return pp->used ? 0 : -1;
}

uint16_t cw_port_pool_take(cw_port_pool *pp)
{
    for (size_t i = 0; i < pp->npairs; i++) {
        size_t k = (pp->next + i) % pp->npairs;
        if (!pp->used[k]) {
            pp->used[k] = 1;
            pp->next = (k + 1) % pp->npairs;
            pp->in_use++;
            return (uint16_t)(pp->min + 2 * k);
        }
    }
    return 0;
}

void cw_port_pool_give(cw_port_pool *pp, uint16_t rtp_port)
{
    if (rtp_port < pp->min || rtp_port > pp->max)
        return;
    size_t k = (size_t)(rtp_port - pp->min) / 2;
    if (pp->used[k]) {
        pp->used[k] = 0;
        pp->in_use--;
    }
}

void cw_port_pool_free(cw_port_pool *pp)
{
    free(pp->used);
    pp->used = NULL;
}
