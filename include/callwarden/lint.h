/* lint.h  Static checks of a tenant's Lua file that compiling alone does not catch:
 * reads of globals that nothing defines (a typo in a flow is a nil at call time). */
#ifndef CALLWARDEN_LINT_H
#define CALLWARDEN_LINT_H
#include <stddef.h>
/* One finding: file, line and message ("undefined global 'foo'"). */
typedef void (*cw_lint_report)(void *ud, const char *file, int line, const char *msg);
/*
 * Report every read of a global variable in the Lua file at path that is neither in
 * known (a NULL-terminated list of names) nor assigned as a global anywhere in the same
 * file. Returns the number of findings (0 = clean), or -1 with a reason in err when the
 * file cannot be checked (unreadable, syntax error: the message is "file:line: ...",
 * luac5.4 missing).
 */
int cw_lint_globals(const char *path, const char *const *known, cw_lint_report report,
                    void *ud, char *err, size_t errlen);
#endif
