/* bpv-events.c — the event log for tests (see bpv-events.h). */
#include "bpv-events.h"

#include <stdio.h>
#include <string.h>

gboolean
bpv_events_enabled (void)
{
  static gsize once = 0;
  static gboolean enabled = FALSE;

  if (g_once_init_enter (&once))
    {
      const char *v = g_getenv ("BACKPROP_STUDIO_TRACE_EVENTS");

      enabled = v != NULL && v[0] != '\0' && strcmp (v, "0") != 0;
      g_once_init_leave (&once, 1);
    }
  return enabled;
}

void
bpv_event (const char *format,
           ...)
{
  g_autofree char *line = NULL;
  va_list args;

  if (!bpv_events_enabled ())
    return;
  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  /* One write per line, so lines from different threads never interleave. */
  fprintf (stdout, "%s\n", line);
  fflush (stdout);
}
