/* test_tts_sweep.c  G7 for call:say's renders: the TTS cache's sweep deletes what was
 * written longer ago than the age limit (renders, their text, fetched audio) and
 * nothing younger, and nothing that is not a render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "callwarden/tts.h"
#include "check.h"

static char dir[] = "/tmp/cw_tts_sweep_XXXXXX";

/* A file in dir, last written age_s seconds before now. */
static void file_aged(const char *name, long age_s, struct timeval now)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("x", f);
    fclose(f);
    struct timeval tv[2] = { now, now };
    tv[0].tv_sec -= age_s;
    tv[1].tv_sec -= age_s;
    CHECK_EQ_INT(utimes(path, tv), 0);
}

static int exists(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat sb;
    return stat(path, &sb) == 0;
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    struct timeval now;
    gettimeofday(&now, NULL);
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
    file_aged("old.wav", 25 * 3600, now);
    file_aged("old.txt", 25 * 3600, now);
    file_aged("old.1.src", 25 * 3600, now);
    file_aged("young.wav", 3600, now);
    file_aged("young.txt", 3600, now);
    file_aged("notes.md", 48 * 3600, now);      /* not a render: left alone */
    unsigned removed = 99;
    CHECK_EQ_INT(cw_tts_sweep_now(dir, 24 * 3600000LL, now_ms, &removed), 0);
    CHECK_EQ_INT(removed, 3);
    CHECK(!exists("old.wav") && !exists("old.txt") && !exists("old.1.src"));
    CHECK(exists("young.wav") && exists("young.txt") && exists("notes.md"));
    /* a day later the young ones go too */
    CHECK_EQ_INT(cw_tts_sweep_now(dir, 24 * 3600000LL, now_ms + 24 * 3600000LL, &removed), 0);
    CHECK_EQ_INT(removed, 2);
    CHECK(exists("notes.md"));
    CHECK_EQ_INT(cw_tts_sweep_now("/nonexistent/cw", 1, now_ms, NULL), -1);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return check_summary("tts_sweep");
}
