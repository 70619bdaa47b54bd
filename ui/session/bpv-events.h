/* bpv-events.h — one line per user-visible event on stdout, for tests that
 * watch the app from outside (xdotool + a log), when the environment
 * variable BACKPROP_STUDIO_TRACE_EVENTS is set to a non-empty value other
 * than "0":
 *
 *   MAPPED renderer=GskCairoRenderer
 *   ACTION step phase=backward layer=2
 *   SELECT edge 2 1 3
 *   INSPECTOR edge 2 1 3 delta=… a=… product=… backprop=…
 *
 * Layers and units are numbered as on screen (W(2)₁,₃ is "2 1 3").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean bpv_events_enabled (void);
/* printf-style; the line is written and flushed at once (no newline in
 * `format`). */
void     bpv_event          (const char *format,
                             ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
