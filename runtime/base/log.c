/* log.c  One line per event on stderr: "<UTC time> <level> <part>: <message>".
 *
 * Lines from the SIP thread and the loop thread must not interleave, so each line is
 * formatted into a local buffer and written with a single write(2). Callers never log
 * a phone number or a transcript in clear (DESIGN.md); this file cannot check that. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "callwarden/log.h"

/* Written once at start-up before any thread exists, then only read. */
static cw_log_level log_threshold = CW_LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void cw_log_set_level(cw_log_level level)
{
    log_threshold = level;
}

int cw_log_level_parse(const char *name)
{
    for (int i = 0; i <= CW_LOG_DEBUG; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void cw_log(cw_log_level level, const char *part, const char *fmt, ...)
{
    if (level > log_threshold)
        return;

    char line[1024];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(tv.tv_usec / 1000), level_names[level], part);

    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';

    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
