/* bench-frames.c — how smoothly the window draws while a large network
 * trains on the worker: frames per second and the longest gap between two
 * frames, with a 2-700-700-1 network (half a million weights) training as
 * fast as it can.
 *
 * A figure, not a test: how many frames a busy machine draws says nothing
 * about correctness (tests/gui/test-window.c checks that the main loop
 * never waits for the worker).  Needs a display:
 *
 *   xvfb-run -a -s "-screen 0 1280x1024x24" bench-frames [SECONDS]
 *
 * (`meson test --benchmark -C BUILD bench-frames` does that.)
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>

#include "bp-model.h"
#include "bpv-network-view.h"
#include "bpv-session.h"
#include "bpv-trainer-thread.h"
#include "bpv-window.h"

typedef struct
{
  gint64 last;
  gint64 max_gap;
  guint  frames;
} Frames;

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       data)
{
  Frames *fr = data;
  gint64 now = g_get_monotonic_time ();

  if (fr->last != 0)
    fr->max_gap = MAX (fr->max_gap, now - fr->last);
  fr->last = now;
  fr->frames++;
  return G_SOURCE_CONTINUE;
}

static void
spin (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

int
main (int    argc,
      char **argv)
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 5.0;
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvSession) session = NULL;
  gsize widths[] = { 700, 700 };
  Frames fr = { 0, 0, 0 };
  BpvWindow *window;
  GtkWidget *view;
  guint64 steps;
  guint id;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-frames: no display (run it under xvfb-run)\n");
      return 1;
    }
  adw_init ();
  bpv_ui_init ();
  if (seconds <= 0)
    seconds = 5.0;

  session = bpv_session_new (model, &error);
  if (session == NULL || !bpv_session_set_hidden_layers (session, widths, 2, &error))
    {
      fprintf (stderr, "bench-frames: %s\n", error->message);
      return 1;
    }
  window = bpv_window_new (NULL, session);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 900);
  gtk_window_present (GTK_WINDOW (window));
  spin (1.0);

  view = bpv_window_get_network_view (window);
  bpv_session_set_speed (session, 1.0);
  id = gtk_widget_add_tick_callback (view, count_frame, &fr, NULL);
  if (!bpv_session_play (session, &error))
    {
      fprintf (stderr, "bench-frames: %s\n", error->message);
      return 1;
    }
  spin (seconds);
  gtk_widget_remove_tick_callback (view, id);
  steps = bpv_session_get_step_count (session);
  bpv_session_pause (session);
  while (bpv_session_get_running (session))
    g_main_context_iteration (NULL, TRUE);

  printf ("bench-frames: 2-700-700-1 training on the worker, %.0f s, GSK_RENDERER=%s\n",
          seconds, g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "default");
  printf ("  frames drawn        %8.1f /s  (%u frames)\n", fr.frames / seconds, fr.frames);
  printf ("  longest frame gap   %8.0f ms\n", fr.max_gap / 1000.0);
  printf ("  training steps      %8.1f /s  (%" G_GUINT64_FORMAT " steps)\n", steps / seconds, steps);

  gtk_window_destroy (GTK_WINDOW (window));
  spin (0.1);
  bpv_background_wait_all ();
  return 0;
}
