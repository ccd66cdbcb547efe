#define _GNU_SOURCE                  /* MADV_DONTDUMP */
/* secmem.c  Memory for keys: whole pages of their own, locked into RAM so that they are
 * never written to swap, and marked MADV_DONTDUMP so that a core dump leaves them out.
 * Freeing wipes them first. If the lock limit (RLIMIT_MEMLOCK) is used up the memory is
 * still returned, unlocked, and cw_secmem_locked says so: a key must still load on a
 * box with a small limit, and the log tells the operator.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "callwarden/crypto.h"

static size_t round_to_pages(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}

void *cw_secmem_alloc(size_t n, int *locked)
{
    if (n == 0)
        n = 1;
    size_t len = round_to_pages(n);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    (void)madvise(p, len, MADV_DONTDUMP);
    int ok = mlock(p, len) == 0;
    if (locked)
        *locked = ok;
    return p;
}

void cw_secmem_free(void *p, size_t n)
{
    if (!p)
        return;
    if (n == 0)
        n = 1;
    size_t len = round_to_pages(n);
    cw_wipe(p, len);
    munlock(p, len);
    munmap(p, len);
}

int cw_secmem_no_core_dumps(void)
{
    /* no core file at all for a process that holds tenant keys; the pages above are
     * also left out of any dump a debugger forces */
    struct rlimit rl = { 0, 0 };
    return setrlimit(RLIMIT_CORE, &rl) == 0 ? 0 : -1;
}
