/* test-gui.h — what the cmocka programs on a display (tests/gui/) share:
 * starting GTK (gui_test_init) and failing on any GLib or GTK warning or
 * critical (teardown calls assert_no_new_warnings, main () adds
 * gui_logs_failed () to its failures at the end).  Include after cmocka.h.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <adwaita.h>

#include "bpv-window.h"

/* Any GLib or GTK warning or critical fails the test run: a critical is a
 * broken contract even when the widget goes on.  GTK's own warnings that
 * say nothing about our code may be let through here, each with the reason;
 * GTK 4.8 under Xvfb has printed none in these tests so far (normal and
 * ASan builds), so the list is empty. */
static const struct
{
  const char *domain;
  const char *prefix;
} allowed_logs[] = {
  { NULL, NULL },
};

static guint unexpected_logs;

static G_GNUC_UNUSED GLogWriterOutput
fail_on_warnings (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      const char *domain = "", *message = "";
      gboolean allowed = FALSE;

      for (gsize i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0)
          domain = fields[i].value;
        else if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
          message = fields[i].value;
      for (gsize i = 0; allowed_logs[i].domain != NULL; i++)
        if (g_str_equal (domain, allowed_logs[i].domain)
            && g_str_has_prefix (message, allowed_logs[i].prefix))
          allowed = TRUE;
      if (!allowed)
        {
          g_atomic_int_inc (&unexpected_logs);
          fprintf (stderr, "%s: unexpected %s from %s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : "test",
                   (level & G_LOG_LEVEL_WARNING) ? "warning" : "critical",
                   domain[0] != '\0' ? domain : "the program", message);
        }
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

/* The warnings since the last check fail the current test (called from
 * teardown, on the main thread). */
static G_GNUC_UNUSED void
assert_no_new_warnings (void)
{
  static guint seen;
  guint now = g_atomic_int_get (&unexpected_logs);

  if (now != seen)
    {
      guint n = now - seen;

      seen = now;
      fail_msg ("%u GLib/GTK warning(s) or critical(s), see above", n);
    }
}

/* 1 (one more failure) when there was any warning or critical in the run,
 * said on stderr; else 0. */
static G_GNUC_UNUSED int
gui_logs_failed (void)
{
  guint n = g_atomic_int_get (&unexpected_logs);

  if (n == 0)
    return 0;
  fprintf (stderr, "%s: %u GLib/GTK warning(s) or critical(s)\n",
           g_get_prgname () != NULL ? g_get_prgname () : "test", n);
  return 1;
}

/* The window as GTK draws it (its render node through the window's
 * renderer), written as the PNG DIR/NAME; DIR is made when it does not
 * exist (a BPV_*_SHOTS folder named on the command line).  FALSE (said on
 * stderr) when it could not be.  Lay it out and draw it first (spin the
 * main loop). */
static G_GNUC_UNUSED gboolean
gui_window_shot (GtkWidget  *window,
                 const char *dir,
                 const char *name)
{
  int w = gtk_widget_get_width (window), h = gtk_widget_get_height (window);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GtkSnapshot *snapshot;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      fprintf (stderr, "%s: cannot make the shots folder %s: %s\n",
               g_get_prgname () != NULL ? g_get_prgname () : "test", dir, g_strerror (saved));
      return FALSE;
    }
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  return gdk_texture_save_to_png (texture, path);
}

/* The message dialog on screen whose body holds `text` (an error the app
 * shows in an AdwMessageDialog), or NULL. */
static G_GNUC_UNUSED AdwMessageDialog *
gui_find_message (const char *text)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window))
          && strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (window)), text) != NULL)
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* Names the program in messages, installs the log writer above and starts
 * GTK, libadwaita and the widgets; FALSE (said on stderr) without a
 * display. */
static G_GNUC_UNUSED gboolean
gui_test_init (const char *program)
{
  g_set_prgname (program);
  g_log_set_writer_func (fail_on_warnings, NULL, NULL);
  /* GTK's test AT context (no bus): with GTK_A11Y=none, widgets have no
   * accessible context and gtk_test_accessible_check_property () only
   * prints criticals instead of checking. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  if (!gtk_init_check ())
    {
      fprintf (stderr, "%s: no display (run it under xvfb-run)\n", program);
      return FALSE;
    }
  adw_init ();
  bpv_ui_init ();
  return TRUE;
}
