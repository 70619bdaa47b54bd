/* test-main-loop.h — waiting for the main loop in the suites that run one
 * (tests/gui/, tests/session/): for a while, or until a condition holds.
 * Needs only GLib.
 */
#pragma once

#include <glib.h>

/* Runs the default main context for `seconds`, sleeping a millisecond
 * whenever it has nothing to do (so an idle wait does not spin a core). */
static inline void
spin (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

/* Runs the default main context until done (data) holds or `seconds`
 * have passed; returns done (data)'s last answer.  Tests wait for what
 * they need this way rather than spinning for a while and hoping. */
static inline gboolean
spin_until (gboolean (*done) (gpointer),
            gpointer   data,
            double     seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  return done (data);
}
