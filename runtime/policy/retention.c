/* retention.c  How long a consent level's content is kept (G7): "30d" is a whole
 * number and one unit, m(inutes) h(ours) d(ays) w(eeks) y(ears of 365 days). Nothing
 * else is a retention: no unit, no sign, no spaces, no fractions, and nothing longer
 * than 100 years, so that now + retention never overflows a 64-bit millisecond clock.
 */
#include <stdint.h>

#include "callwarden/policy.h"

#define MS_PER_MINUTE INT64_C(60000)
#define MS_PER_DAY (24 * 60 * MS_PER_MINUTE)
#define RETENTION_MAX_MS (100 * 365 * MS_PER_DAY)

int cw_policy_parse_retention(const char *s, int64_t *ms)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    int64_t n = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > RETENTION_MAX_MS / 10)  /* more than any unit allows, and no overflow */
            return -1;
        n = n * 10 + (*p - '0');
    }
    int64_t unit;
    switch (*p) {
    case 'm': unit = MS_PER_MINUTE; break;
    case 'h': unit = 60 * MS_PER_MINUTE; break;
    case 'd': unit = MS_PER_DAY; break;
    case 'w': unit = 7 * MS_PER_DAY; break;
    case 'y': unit = 365 * MS_PER_DAY; break;
    default: return -1;
    }
    if (p[1] != 0 || n > RETENTION_MAX_MS / unit)
        return -1;
    *ms = n * unit;
    return 0;
}
