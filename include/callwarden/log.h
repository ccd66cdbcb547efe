/* log.h  One-line-per-event logging to stderr, key=value style. */
#ifndef CALLWARDEN_LOG_H
#define CALLWARDEN_LOG_H

typedef enum cw_log_level {
    CW_LOG_ERROR = 0,
    CW_LOG_WARN,
    CW_LOG_INFO,
    CW_LOG_DEBUG
} cw_log_level;

/* Set the lowest level that is printed (default CW_LOG_INFO). */
void cw_log_set_level(cw_log_level level);

/* Parse "error", "warn", "info" or "debug"; returns -1 for anything else. */
int cw_log_level_parse(const char *name);

/* Print one line: "<iso time> <level> <part>: <message>". Thread-safe. */
void cw_log(cw_log_level level, const char *part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
