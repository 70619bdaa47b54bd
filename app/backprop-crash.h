/* backprop-crash.h — when a loaded plugin crashes `backprop` (SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL in its code), say which plugin it was:
 *
 *   backprop: plugin “NAME” (PATH) crashed with SIGSEGV while training
 *
 * then die of the same signal (exit status 128 + signal number).  A plugin
 * passed its checks in a child process before it was loaded, so a crash
 * here happens later, at work, on inputs the checks did not try.
 */
#pragma once

#include "bp-plugin-loader.h"

G_BEGIN_DECLS

/* Records the code segments of every plugin `loader` has loaded and, if
 * there is one, installs the signal handlers.  `command` ("train", …) names
 * the activity in the message.  Call once, after the plugins are loaded;
 * a fault outside plugin code goes on to the handler installed before
 * (the default action, or a sanitizer's report). */
void backprop_crash_guard_plugins (BpPluginLoader *loader,
                                   const char     *command);

G_END_DECLS
