/* reload.c  Hot reload: watch the tenants' directories, SIGHUP, and reload them all.
 *
 * inotify (uv_fs_event) is not recursive on Linux, so every directory under scripts/
 * and policies/ gets a watch of its own, and the set is brought up to date after each
 * reload (a new tenant, a new module folder). Changes come in bursts (an editor writes
 * a temp file, renames it, touches a backup): the first event arms a timer, and the
 * reload runs when it fires, once for the whole burst, at most debounce ms after the
 * first change. The reload itself (runtime/script/tenants.c) compiles every changed
 * tenant in a fresh state and swaps only what loads.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "callwarden/log.h"
#include "callwarden/runtime.h"

#define WATCH_DEPTH 4                   /* scripts/<tenant>/<a>/<b> */

struct cw_watch {
    uv_fs_event_t ev;
    cw_reloader *rl;
    int seen;                           /* still there at the last walk */
    cw_watch *next;
    char path[];
};

static void watch_closed(uv_handle_t *h)
{
    free(h->data);
}

static void reload_now(cw_reloader *rl, const char *trigger);

static void debounce_fired(uv_timer_t *t)
{
    reload_now(t->data, "files");
}

static void fs_changed(uv_fs_event_t *ev, const char *name, int events, int status)
{
    (void)name;
    (void)events;
    (void)status;
    cw_watch *w = ev->data;
    cw_reloader *rl = w->rl;
    if (!uv_is_active((uv_handle_t *)&rl->debounce))
        uv_timer_start(&rl->debounce, debounce_fired, rl->debounce_ms, 0);
}

static void add_watch(cw_reloader *rl, const char *path)
{
    for (cw_watch *w = rl->watches; w; w = w->next) {
        if (strcmp(w->path, path) == 0) {
            w->seen = 1;
            return;
        }
    }
    size_t len = strlen(path) + 1;
    cw_watch *w = calloc(1, sizeof *w + len);
    if (!w)
        return;
    memcpy(w->path, path, len);
    w->rl = rl;
    w->seen = 1;
    uv_fs_event_init(rl->rt->loop, &w->ev);
    w->ev.data = w;
    int rc = uv_fs_event_start(&w->ev, fs_changed, path, 0);
    if (rc != 0) {
        cw_log(CW_LOG_WARN, "reload", "cannot watch %s: %s (SIGHUP still reloads)", path,
               uv_strerror(rc));
        uv_close((uv_handle_t *)&w->ev, watch_closed);
        return;
    }
    w->next = rl->watches;
    rl->watches = w;
}

/* Watch dir and the directories under it, down to depth. */
static void walk(cw_reloader *rl, const char *dir, int depth)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return;
    add_watch(rl, dir);
    if (depth == 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[CW_PATH_LEN * 2];
        if ((size_t)snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= sizeof sub)
            continue;
        if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            walk(rl, sub, depth - 1);
    }
    closedir(d);
}

/* Bring the watch set up to date with the directories as they are now. */
static void refresh_watches(cw_reloader *rl)
{
    for (cw_watch *w = rl->watches; w; w = w->next)
        w->seen = 0;
    walk(rl, rl->rt->cfg.scripts_dir, WATCH_DEPTH);
    walk(rl, rl->rt->cfg.policies_dir, WATCH_DEPTH);
    cw_watch **pp = &rl->watches;
    while (*pp) {
        cw_watch *w = *pp;
        if (w->seen) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        uv_close((uv_handle_t *)&w->ev, watch_closed);
    }
}

static void reload_now(cw_reloader *rl, const char *trigger)
{
    cw_reloader_reload(rl, trigger);
}

int cw_reloader_reload(cw_reloader *rl, const char *trigger)
{
    uv_timer_stop(&rl->debounce);
    rl->reloads++;
    int rejected = cw_tenants_reload(&rl->rt->tenants);
    cw_stores_sync(&rl->rt->stores, &rl->rt->tenants);
    refresh_watches(rl);
    cw_log(CW_LOG_INFO, "reload", "trigger=%s rejected=%d versions_live=%zu", trigger,
           rejected, rl->rt->tenants.versions_live);
    return rejected;
}

static void on_sighup(uv_signal_t *s, int signum)
{
    (void)signum;
    reload_now(s->data, "sighup");
}

int cw_reloader_start(cw_reloader *rl, cw_runtime *rt, unsigned debounce_ms)
{
    memset(rl, 0, sizeof *rl);
    rl->rt = rt;
    rl->debounce_ms = debounce_ms ? debounce_ms : 1;
    uv_timer_init(rt->loop, &rl->debounce);
    rl->debounce.data = rl;
    uv_signal_init(rt->loop, &rl->sighup);
    rl->sighup.data = rl;
    uv_signal_start(&rl->sighup, on_sighup, SIGHUP);
    refresh_watches(rl);
    return 0;
}

void cw_reloader_stop(cw_reloader *rl, uv_close_cb cb)
{
    while (rl->watches) {
        cw_watch *w = rl->watches;
        rl->watches = w->next;
        uv_close((uv_handle_t *)&w->ev, watch_closed);
    }
    uv_close((uv_handle_t *)&rl->debounce, cb);
    uv_close((uv_handle_t *)&rl->sighup, cb);
}
