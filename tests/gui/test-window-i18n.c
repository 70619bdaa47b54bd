/* test-window-i18n.c — the window in German (part of the window test).
 *
 * The process switches to German for these tests and back after them:
 * LANGUAGE=de under the C.UTF-8 locale (glibc honours LANGUAGE for any
 * locale but "C" itself, and C.UTF-8 is built in, so no de_DE locale has
 * to be generated), with the build tree's catalogue bound and made the
 * default domain as the programs do when they run uninstalled (ui/'s _()
 * is <glib/gi18n.h>'s gettext () of the default domain).  setlocale ()
 * after the switch makes gettext drop the catalogues it has looked up.
 *
 * Each check reads what a user sees through a different path: a .ui
 * template's tooltip, tooltips set in C, the phase card, the canvas's
 * accessible description and the cost caption the canvas draws (from the
 * render state), a toast, and the widgets added later: the Quiz pane's
 * and question view's buttons, the timeline's text and buttons.  Each is the German text, and the English
 * one is asserted absent, so a catalogue that is not found fails rather
 * than passing on English.  The fixture's teardown fails on any GLib/GTK
 * warning or critical, as in every window test.
 */
#include "config.h"
#include "test-window.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "bpv-quiz-pane.h"
#include "bpv-render.h"
#include "bpv-timeline.h"

static void
use_language (const char *language)
{
  if (language != NULL)
    g_setenv ("LANGUAGE", language, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, language != NULL ? "C.UTF-8" : "");
}

int
setup_german (void **state)
{
  use_language ("de");
  bindtextdomain (GETTEXT_PACKAGE, BP_BUILD_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  return setup (state);
}

int
teardown_german (void **state)
{
  int status = teardown (state);

  use_language (NULL);
  textdomain ("messages");
  return status;
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

static const char *
tooltip_of (Fixture    *f,
            const char *name)
{
  return gtk_widget_get_tooltip_text (GTK_WIDGET (template_child (f, name)));
}

static gboolean
models_toast_shown (gpointer data)
{
  return find_label (data, "Modelle öffnen sich in einem neuen Fenster der Anwendung");
}

/* The header bar: a template's translatable tooltip (bpv-window.ui), the
 * one the code sets on the play button, and the undo button's. */
void
test_german_header_bar (void **state)
{
  Fixture *f = *state;

  assert_german (tooltip_of (f, "play_button"), "Trainieren (Leertaste)", "Train (Space)");
  assert_german (tooltip_of (f, "lower_rate_button"), "Die Lernrate durch 10 teilen",
                 "Divide the learning rate");
  assert_german (tooltip_of (f, "undo_button"), "Nichts rückgängig zu machen", "Nothing to undo");
  assert_string_equal (gtk_label_get_text (template_child (f, "phase_label")), "Bereit");
}

/* What the canvas draws and says: its accessible description (plural
 * forms: 2 Einheiten, 8 Einheiten) and the cost caption at the cost stop,
 * both from the render state. */
void
test_german_canvas (void **state)
{
  Fixture *f = *state;
  BpvStepper *st = bpv_session_get_stepper (f->session);
  g_autofree char *described = bpv_network_view_describe (view_of (f));
  g_autofree char *caption = NULL;
  BpvRenderState rs;

  assert_german (described, "Eingabe a(0): 2 Einheiten.", "Input a(0)");
  assert_german (described, "Schicht 1, a(1) = tanh(z(1)): 8 Einheiten.", "units");
  assert_german (described, "Nichts ausgewählt.", "Nothing selected");

  for (int i = 0; i < 10 && bpv_stepper_get_phase (st) != BPV_STEP_COST; i++)
    {
      activate (f, "step");
      spin (0.02);
    }
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_COST);
  bpv_network_view_get_render_state (view_of (f), &rs);
  caption = bpv_render_cost_caption (&rs, NULL);
  assert_german (caption, "dieser Datenpunkt", "this sample");
  /* The stop's "Cost" (die Kosten), not the palette's (Kostenfunktion):
   * the same English word, told apart by a msgctxt. */
  assert_string_equal (gtk_label_get_text (template_child (f, "phase_label")), "Kosten");
}

/* A toast: a model file opened in a window without an application. */
void
test_german_toast (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (BP_SOURCE_DATADIR, "examples", "xor.bpmodel.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  assert_false (bpv_window_open_file (f->window, file));
  assert_true (spin_until (models_toast_shown, f->window, 10));
}

/* A label under `widget` says `german`, none says `english`. */
static void
assert_german_label (gpointer    widget,
                     const char *german,
                     const char *english)
{
  if (!find_label (widget, german) || find_label (widget, english))
    fail_msg ("expected a label “%s” (and none “%s”)", german, english);
}

static gboolean
quiz_revealed (gpointer data)
{
  return gtk_revealer_get_child_revealed (data);
}

/* The Quiz pane (Q) and its question view, and the timeline before
 * anything is recorded: .ui labels with mnemonics and text set in C. */
void
test_german_quiz_and_timeline (void **state)
{
  Fixture *f = *state;
  BpvTimeline *tl = template_child (f, "timeline");
  BpvQuizPane *pane = BPV_QUIZ_PANE (template_child (f, "quiz_pane"));

  assert_german (bpv_timeline_get_text (tl), "Noch nichts aufgezeichnet", "Nothing recorded");
  assert_german_label (tl, "Zurück zu Jetzt", "Back to Now");
  assert_german_label (tl, "Von hier fortsetzen", "Resume from Here");

  activate (f, "quiz");
  assert_true (spin_until (quiz_revealed, template_child (f, "quiz_revealer"), 10));
  assert_german_label (pane, "Andere Frage", "Another Question");
  assert_german_label (pane, "Prüfen", "Check");
  assert_german_label (pane, "Zeigen", "Show Me");
}
