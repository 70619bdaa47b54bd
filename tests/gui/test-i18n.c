/* test-i18n.c — the window in German (test 'window-de', suite 'gui').
 *
 * Run with LANGUAGE=de under LC_ALL=C.UTF-8 (see tests/gui/meson.build):
 * glibc honours LANGUAGE for any locale but "C" itself, and C.UTF-8 is
 * built in, so no de_DE locale has to be generated.  The catalogue is the
 * build tree's (po/de/LC_MESSAGES/backprop-studio.mo), bound as the
 * programs bind it when they run uninstalled.
 *
 * Each check reads what a user would see through a different path: a
 * .ui template's tooltip, a tooltip the C code sets, the phase card, the
 * canvas's accessible description and the cost caption the canvas draws
 * (from the render state), and a toast.  Each expected string is the
 * German one; the English msgid is asserted absent, so a catalogue that
 * is not found fails rather than passing on English.  Any GLib/GTK warning
 * or critical fails the test.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "bp-model.h"
#include "bpv-network-view.h"
#include "bpv-render.h"
#include "bpv-session.h"
#include "bpv-trainer-thread.h"
#include "bpv-window.h"

#include "../test-main-loop.h"

static guint unexpected_logs;

static GLogWriterOutput
fail_on_warnings (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_atomic_int_inc (&unexpected_logs);
      g_log_writer_standard_streams (level, fields, n_fields, data);
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

typedef struct
{
  BpvSession *session;
  BpvWindow  *window;
} Fixture;

static gboolean
has_layout (gpointer data)
{
  Fixture *f = data;

  return bpv_network_view_get_layout (BPV_NETWORK_VIEW (bpv_window_get_network_view (f->window))) != NULL;
}

static int
setup (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(GError) error = NULL;
  Fixture *f = g_new0 (Fixture, 1);

  f->session = bpv_session_new (model, &error);
  assert_non_null (f->session);
  f->window = bpv_window_new (NULL, f->session);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 900);
  gtk_window_present (GTK_WINDOW (f->window));
  assert_true (spin_until (has_layout, f, 10));
  spin (0.3);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  gtk_window_destroy (GTK_WINDOW (f->window));
  spin (0.05);
  g_object_unref (f->session);
  g_free (f);
  assert_int_equal (g_atomic_int_get (&unexpected_logs), 0);
  return 0;
}

static GtkWidget *
child (Fixture    *f,
       const char *name)
{
  GtkWidget *w = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                            BPV_TYPE_WINDOW, name));

  assert_non_null (w);
  return w;
}

/* `text` holds `german` and not `english`. */
static void
assert_german (const char *text,
               const char *german,
               const char *english)
{
  assert_non_null (text);
  if (strstr (text, german) == NULL || strstr (text, english) != NULL)
    fail_msg ("expected “%s” (not “%s”) in “%s”", german, english, text);
}

/* A label under `widget` whose text holds `needle` (a toast's title). */
static gboolean
find_label (GtkWidget  *widget,
            const char *needle)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), needle) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (find_label (c, needle))
      return TRUE;
  return FALSE;
}

static gboolean
toast_shown (gpointer data)
{
  return find_label (data, "Modelle öffnen sich in einem neuen Fenster der Anwendung");
}

/* The header bar: a template's translatable tooltip (bpv-window.ui) and
 * the one the code sets on the play button. */
static void
test_header_bar_german (void **state)
{
  Fixture *f = *state;

  assert_german (gtk_widget_get_tooltip_text (child (f, "play_button")),
                 "Trainieren (Leertaste)", "Train (Space)");
  assert_german (gtk_widget_get_tooltip_text (child (f, "lower_rate_button")),
                 "Die Lernrate durch 10 teilen", "Divide the learning rate");
  assert_german (gtk_widget_get_tooltip_text (child (f, "undo_button")),
                 "Nichts rückgängig zu machen", "Nothing to undo");
  assert_german (gtk_label_get_text (GTK_LABEL (child (f, "phase_label"))), "Bereit", "Ready");
}

/* What the canvas draws and says: its accessible description (plural
 * forms: 2 Einheiten, 8 Einheiten) and the cost caption at the cost stop,
 * both from the render state. */
static void
test_canvas_german (void **state)
{
  Fixture *f = *state;
  BpvNetworkView *view = BPV_NETWORK_VIEW (bpv_window_get_network_view (f->window));
  BpvStepper *st = bpv_session_get_stepper (f->session);
  g_autofree char *described = bpv_network_view_describe (view);
  g_autofree char *caption = NULL;
  BpvRenderState rs;

  assert_german (described, "Eingabe a(0): 2 Einheiten.", "Input a(0)");
  assert_german (described, "Schicht 1, a(1) = tanh(z(1)): 8 Einheiten.", "units");
  assert_german (described, "Nichts ausgewählt.", "Nothing selected");

  for (int i = 0; i < 10 && bpv_stepper_get_phase (st) != BPV_STEP_COST; i++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (f->window), "step", NULL);
      spin (0.02);
    }
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_COST);
  bpv_network_view_get_render_state (view, &rs);
  caption = bpv_render_cost_caption (&rs, NULL);
  assert_german (caption, "dieser Datenpunkt", "this sample");
  /* The stop's "Cost" (die Kosten), not the palette's (Kostenfunktion):
   * the same English word, told apart by a msgctxt. */
  assert_string_equal (gtk_label_get_text (GTK_LABEL (child (f, "phase_label"))), "Kosten");
}

/* A toast: a model file opened in a window without an application. */
static void
test_toast_german (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (BP_SOURCE_DATADIR, "examples", "xor.bpmodel.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  assert_false (bpv_window_open_file (f->window, file));
  assert_true (spin_until (toast_shown, f->window, 10));
}

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_header_bar_german, setup, teardown),
    cmocka_unit_test_setup_teardown (test_canvas_german, setup, teardown),
    cmocka_unit_test_setup_teardown (test_toast_german, setup, teardown),
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, BP_BUILD_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_log_set_writer_func (fail_on_warnings, NULL, NULL);
  if (!gtk_init_check ())
    {
      fprintf (stderr, "test-i18n: no display (run it under xvfb-run)\n");
      return 1;
    }
  adw_init ();
  bpv_ui_init ();
  {
    int failed = cmocka_run_group_tests_name ("window-de", tests, NULL, NULL);

    bpv_background_wait_all ();
    return failed + (g_atomic_int_get (&unexpected_logs) > 0);
  }
}
