/* test-window-onnx.c — ONNX files in the application, under a display
 * (Xvfb): the application itself (app/backprop-studio-*.c) opens an ONNX
 * model as the command line does (g_application_open, what
 * g_application_run makes of `backprop-studio net.onnx`), and:
 *   - without data chosen, the window shows the network on no data and
 *     the question "iris-mlp.onnx takes 4 inputs and gives 3 outputs";
 *     No Data keeps it so, and remembers nothing;
 *   - a CSV of other widths is refused with both widths named and the
 *     question stays; data/iris.csv is taken: the network (its weights as
 *     imported) on that data; reopening asks nothing (remembered);
 *   - the first Save is a Save As: the window has no file, its title says
 *     where the model came from;
 *   - a model file whose CSV is gone asks the same question, and the
 *     answer makes it unsaved;
 *   - Export → ONNX writes a file that imports back equal, and refuses an
 *     activation it cannot write with the core's message in a dialog;
 *   - a file that does not import is a dialog naming it, and the window
 *     open before keeps its session;
 *   - an imported model closed unsaved comes back at the next start
 *     (the autosave) still titled "imported from iris-mlp.onnx", with no
 *     file (not named after the last experiment saved).
 * The fixture onnx/iris-mlp.onnx is torch.onnx.export's (make-fixture.py).
 * Any GLib or GTK warning fails.  $BPV_TEST_SHOTS (a folder): a picture of
 * the imported model on iris with its forward pass.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "backprop-studio-application.h"
#include "backprop-studio-data.h"
#include "bp-onnx.h"
#include "bp-registry.h"
#include "bpv-network-view.h"
#include "bpv-window.h"

#include "../test-main-loop.h"
#include "test-gui.h"

/* Bounds on waits for what the application does by itself: a deadline
 * against a hang, not a claim about speed. */
#define WAIT_S 60

#define FIXTURE GUI_FIXTURE_DIR "/onnx/iris-mlp.onnx"

/* An activation of a third-party plugin, which ONNX export cannot write:
 * a(z) = z³. */
static double
cube (double        z,
      const double *params)
{
  return z * z * z;
}

static double
cube_derivative (double        z,
                 double        fz,
                 const double *params)
{
  return 3 * z * z;
}

static const BpActivationDesc cube_activation[] = {
  { .id = "test_cube", .name = "Cube (test)", .formula = "σ(z) = z³", .derivative_formula = "σ′(z) = 3z²",
    .f = cube, .df = cube_derivative },
};

static const BpPluginDesc cube_plugin = {
  .abi_major = BP_PLUGIN_ABI_MAJOR,
  .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "test-window-onnx",
  .version = "1.0",
  .description = "An activation ONNX has no operator for",
  .license = "GPL-3.0-or-later",
  .activations = cube_activation, .n_activations = G_N_ELEMENTS (cube_activation),
};

static BackpropStudioApplication *app;
static char *tmp_dir;

/* ---------------------------------------------------------------- helpers */

static BpvWindow *
app_window (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (BPV_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
window_shown (gpointer data)
{
  BpvWindow *window = app_window ();

  return window != NULL && window != data && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static gboolean
question_shown (gpointer data)
{
  GtkWindow *dialog = backprop_studio_data_get_dialog (data);

  return dialog != NULL && gtk_widget_get_visible (GTK_WIDGET (dialog));
}

static gboolean
has_layout (gpointer data)
{
  return bpv_network_view_get_layout (BPV_NETWORK_VIEW (bpv_window_get_network_view (data))) != NULL;
}

/* Opens `path` as the command line does, and waits for a new window. */
static BpvWindow *
open_as_command_line (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  BpvWindow *before = app_window ();
  BpvWindow *window;

  g_application_open (G_APPLICATION (app), &file, 1, "");
  assert_true (spin_until (window_shown, before, WAIT_S));
  window = app_window ();
  assert_true (spin_until (has_layout, window, WAIT_S));
  return window;
}

static void
close_all (void)
{
  BpvWindow *window;

  while ((window = app_window ()) != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  spin (0.1);
}

/* Is there a label under `widget` whose text holds `needle`? */
static gboolean
has_label (GtkWidget  *widget,
           const char *needle)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget)
      && strstr (gtk_label_get_text (GTK_LABEL (widget)), needle) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (has_label (c, needle))
      return TRUE;
  return FALSE;
}

static gboolean
message_shown (gpointer data)
{
  return gui_find_message (data) != NULL;
}

static BpModel *
imported_fixture (void)
{
  g_autoptr(GError) error = NULL;
  BpModel *model = bp_onnx_import_file (FIXTURE, &error);

  if (model == NULL)
    fail_msg ("%s", error->message);
  return model;
}

/* The fixture copied to tmp_dir/`name` (a file of its own: nothing is
 * remembered for it), opened, the data question up. */
static BpvWindow *
open_copy_asking (const char *name)
{
  g_autofree char *copy = g_build_filename (tmp_dir, name, NULL);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  BpvWindow *window;

  assert_true (g_file_get_contents (FIXTURE, &bytes, &len, NULL));
  assert_true (g_file_set_contents (copy, bytes, (gssize) len, NULL));
  window = open_as_command_line (copy);
  assert_true (spin_until (question_shown, window, WAIT_S));
  return window;
}

/* ------------------------------------------------------------------ tests */

/* No data chosen: the network as imported, on zeros that say what they
 * are; the question names the widths and offers the built-in dataset of
 * those widths; No Data remembers nothing. */
static void
test_no_data (void **state)
{
  g_autoptr(BpModel) expected = imported_fixture ();
  BpvWindow *window = open_as_command_line (FIXTURE);
  BpvSession *session = bpv_window_get_session (window);
  GtkWindow *dialog;
  g_autofree char *remembered = NULL;

  assert_true (spin_until (question_shown, window, WAIT_S));
  dialog = backprop_studio_data_get_dialog (window);
  assert_non_null (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                           "iris-mlp.onnx takes 4 inputs and gives 3 outputs"));
  /* iris is 4 → 3: offered. */
  assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), "builtin"));
  assert_string_equal (bpv_session_get_model (session)->dataset, BPV_SESSION_NO_DATA);
  assert_string_equal (bpv_session_get_dataset (session)->name, "no data (zeros)");
  assert_true (bp_network_equal (bpv_session_get_network (session), expected->network));
  assert_non_null (strstr (gtk_window_get_title (GTK_WINDOW (window)),
                           "iris-mlp (imported from iris-mlp.onnx)"));
  assert_null (bpv_window_get_file (window));

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "none");
  spin (0.2);
  assert_null (backprop_studio_data_get_dialog (window));
  assert_true (has_label (GTK_WIDGET (window), "No data: the network is shown on an input of zeros"));
  remembered = backprop_studio_data_remembered (FIXTURE);
  assert_null (remembered);
  close_all ();
}

/* A CSV of other widths is refused, the question stays; iris.csv is
 * taken, remembered, and used without asking the next time. */
static void
test_choose_csv_and_remember (void **state)
{
  g_autoptr(BpModel) expected = imported_fixture ();
  g_autofree char *wrong = g_build_filename (tmp_dir, "two-inputs.csv", NULL);
  g_autofree char *iris = g_build_filename (g_getenv ("BACKPROP_DATA_DIR"), "iris.csv", NULL);
  g_autofree char *remembered = NULL;
  g_autoptr(GError) error = NULL;
  BpvWindow *window = open_as_command_line (FIXTURE);
  BpvSession *session;
  const BpDataset *ds;

  assert_true (spin_until (question_shown, window, WAIT_S));
  assert_true (g_file_set_contents (wrong, "x1,x2,y\n0,1,0\n1,0,1\n1,1,0\n", -1, NULL));
  assert_false (backprop_studio_data_choose (window, wrong, &error));
  assert_non_null (error);
  assert_non_null (strstr (error->message, "two-inputs.csv has 2 inputs and 1 output"));
  assert_non_null (strstr (error->message, "iris-mlp.onnx takes 4 inputs and gives 3 outputs"));
  /* The question stays, with the refusal on it. */
  assert_true (question_shown (window));
  assert_true (has_label (GTK_WIDGET (backprop_studio_data_get_dialog (window)), "2 inputs and 1 output"));

  assert_true (backprop_studio_data_choose (window, iris, NULL));
  assert_null (backprop_studio_data_get_dialog (window));
  session = bpv_window_get_session (window);
  ds = bpv_session_get_dataset (session);
  assert_string_equal (ds->name, "iris.csv");
  assert_int_equal (ds->n_features, 4);
  assert_int_equal (ds->n_targets, 3);
  /* The network as imported, on the data: nothing refitted, nothing to
   * save. */
  assert_true (bp_network_equal (bpv_session_get_network (session), expected->network));
  assert_false (bpv_session_is_dirty (session));
  assert_true (spin_until (has_layout, window, WAIT_S));
  {
    const BpvLayout *layout = bpv_network_view_get_layout (BPV_NETWORK_VIEW (bpv_window_get_network_view (window)));

    /* The canvas shows 4 → 8 → 3. */
    assert_int_equal (layout->n_columns, 3);
    assert_int_equal (layout->columns[0].n_units, 4);
    assert_int_equal (layout->columns[1].n_units, 8);
    assert_int_equal (layout->columns[2].n_units, 3);
  }
  remembered = backprop_studio_data_remembered (FIXTURE);
  assert_string_equal (remembered, iris);
  {
    const char *shots = g_getenv ("BPV_TEST_SHOTS");

    if (shots != NULL && shots[0] != '\0')
      {
        BpvHit w = { BPV_HIT_EDGE, 2, 0, 1 };

        /* A weight of the output layer selected: its chain in the
         * inspector, on the first training sample. */
        bpv_session_set_selection (session, &w);
        spin (1.0);
        g_mkdir_with_parents (shots, 0755);
        gui_window_shot (GTK_WIDGET (window), shots, "onnx-iris.png");
      }
  }
  close_all ();

  /* Again: no question, the remembered data. */
  window = open_as_command_line (FIXTURE);
  spin (0.5);
  assert_null (backprop_studio_data_get_dialog (window));
  assert_string_equal (bpv_session_get_dataset (bpv_window_get_session (window))->name, "iris.csv");
  assert_true (bp_network_equal (bpv_session_get_network (bpv_window_get_session (window)),
                                 expected->network));
  /* The sidebar's dataset control changes the choice: the built-in iris
   * (4 → 3 too) is remembered in its place. */
  assert_true (bpv_session_set_dataset (bpv_window_get_session (window), "iris", 0, -1, 0.2, NULL));
  g_free (remembered);
  remembered = backprop_studio_data_remembered (FIXTURE);
  assert_string_equal (remembered, "iris");
  /* Data of other widths refits the network (new weights): said, and not
   * remembered for the file. */
  assert_true (bpv_session_set_dataset (bpv_window_get_session (window), "moons", 0, -1, 0.2, NULL));
  assert_int_equal (bpv_session_get_network (bpv_window_get_session (window))->n_inputs, 2);
  assert_true (has_label (GTK_WIDGET (window), "the network was fitted to it with new weights"));
  g_free (remembered);
  remembered = backprop_studio_data_remembered (FIXTURE);
  assert_string_equal (remembered, "iris");
  close_all ();
}

/* A model file whose CSV is gone: the same question, and the answer goes
 * into the model (unsaved), not into the remembered choices. */
static void
test_missing_dataset_asks (void **state)
{
  g_autoptr(BpModel) model = imported_fixture ();
  g_autofree char *path = g_build_filename (tmp_dir, "gone-data.bpmodel.json", NULL);
  g_autofree char *gone = g_build_filename (tmp_dir, "gone.csv", NULL);
  g_autofree char *remembered = NULL;
  g_autoptr(GError) error = NULL;
  BpvWindow *window;
  GtkWindow *dialog;

  model->dataset = g_strdup (gone);
  if (!bp_model_save_file (model, path, &error))
    fail_msg ("%s", error->message);
  window = open_as_command_line (path);
  assert_true (spin_until (question_shown, window, WAIT_S));
  dialog = backprop_studio_data_get_dialog (window);
  assert_non_null (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                           "gone-data.bpmodel.json takes 4 inputs and gives 3 outputs"));
  assert_non_null (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "gone.csv"));
  assert_true (bp_network_equal (bpv_session_get_network (bpv_window_get_session (window)),
                                 model->network));
  assert_true (backprop_studio_data_choose (window, "iris", NULL));
  assert_string_equal (bpv_session_get_model (bpv_window_get_session (window))->dataset, "iris");
  assert_true (bpv_session_is_dirty (bpv_window_get_session (window)));
  assert_non_null (bpv_window_get_file (window));
  remembered = backprop_studio_data_remembered (path);
  assert_null (remembered);
  close_all ();
}

/* A window closed while it asks takes the question with it. */
static void
test_close_while_asking (void **state)
{
  BpvWindow *window = open_copy_asking ("asking.onnx");
  GtkWindow *dialog;

  dialog = backprop_studio_data_get_dialog (window);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  close_all ();
  /* Gone, not left open over nothing. */
  assert_null (dialog);
}

/* Export → ONNX of the imported model gives back the same network; an
 * activation ONNX has no operator for is refused in a dialog. */
static void
test_export_imports_back (void **state)
{
  g_autoptr(BpModel) expected = imported_fixture ();
  g_autofree char *out = g_build_filename (tmp_dir, "exported.onnx", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) back = NULL;
  BpvWindow *window = open_as_command_line (FIXTURE);

  assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "export-onnx"));
  if (!bpv_window_export_onnx (window, out, &error))
    fail_msg ("%s", error->message);
  back = bp_onnx_import_file (out, &error);
  if (back == NULL)
    fail_msg ("%s", error->message);
  assert_true (bp_network_equal (back->network, expected->network));

  /* An activation ONNX cannot express: the core's message, naming the
   * layer, in a dialog over the window; nothing written. */
  g_clear_error (&error);
  g_unlink (out);
  assert_true (bpv_session_set_activation (bpv_window_get_session (window), 0, "test_cube", NULL));
  assert_false (bpv_window_export_onnx (window, out, &error));
  assert_true (g_error_matches (error, BP_ONNX_ERROR, BP_ONNX_ERROR_EXPORT));
  assert_non_null (strstr (error->message, "test_cube"));
  assert_true (spin_until (message_shown, error->message, WAIT_S));
  assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  gtk_window_destroy (GTK_WINDOW (gui_find_message (error->message)));
  close_all ();
}

/* A file that does not import: a dialog naming it over the window open
 * before, whose session stays. */
static void
test_import_error_keeps_window (void **state)
{
  g_autofree char *bad = g_build_filename (tmp_dir, "broken.onnx", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (bad);
  BpvWindow *window = open_as_command_line (FIXTURE);
  BpvSession *session = bpv_window_get_session (window);
  AdwMessageDialog *message;

  assert_true (g_file_set_contents (bad, "not a protobuf at all", -1, NULL));
  g_application_open (G_APPLICATION (app), &file, 1, "");
  assert_true (spin_until (message_shown, "broken.onnx", WAIT_S));
  message = gui_find_message ("broken.onnx");
  assert_true (app_window () == window);
  assert_true (bpv_window_get_session (window) == session);
  /* No window of its own: the message is over the one there was. */
  assert_int_equal (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), 1);
  assert_true (gtk_window_get_transient_for (GTK_WINDOW (message)) == GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (message));
  close_all ();
}

/* Removes the folder the tests wrote into, with everything in it. */
/* Closed clean, the import is autosaved with where it came from; the next
 * start restores it under the same title, unsaved and without a file. */
static void
test_autosave_keeps_import (void **state)
{
  BpvWindow *window = open_copy_asking ("autosaved.onnx");

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (backprop_studio_data_get_dialog (window)), "builtin");
  spin (0.3);
  if (strstr (gtk_window_get_title (GTK_WINDOW (window)), "autosaved (imported from autosaved.onnx)") == NULL)
    fail_msg ("title “%s”", gtk_window_get_title (GTK_WINDOW (window)));
  assert_false (bpv_session_is_dirty (bpv_window_get_session (window)));
  /* Clean: the close autosaves. */
  gtk_window_close (GTK_WINDOW (window));
  spin (0.3);
  assert_null (app_window ());

  g_application_activate (G_APPLICATION (app));
  assert_true (spin_until (window_shown, NULL, WAIT_S));
  window = app_window ();
  assert_true (spin_until (has_layout, window, WAIT_S));
  assert_non_null (strstr (gtk_window_get_title (GTK_WINDOW (window)),
                           "autosaved (imported from autosaved.onnx)"));
  assert_null (bpv_window_get_file (window));
  assert_non_null (bpv_window_get_imported_from (window));
  assert_string_equal (bpv_session_get_dataset (bpv_window_get_session (window))->name, "iris");
  close_all ();
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (path);
}

static int
teardown (void **state)
{
  close_all ();
  assert_no_new_warnings ();
  return 0;
}

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown (test_no_data, teardown),
    cmocka_unit_test_teardown (test_choose_csv_and_remember, teardown),
    cmocka_unit_test_teardown (test_missing_dataset_asks, teardown),
    cmocka_unit_test_teardown (test_close_while_asking, teardown),
    cmocka_unit_test_teardown (test_export_imports_back, teardown),
    cmocka_unit_test_teardown (test_import_error_keeps_window, teardown),
    cmocka_unit_test_teardown (test_autosave_keeps_import, teardown),
  };
  g_autoptr(GError) error = NULL;
  int failed;

  /* The remembered choices and the autosave in a folder of their own,
   * before GLib reads the variables. */
  tmp_dir = g_dir_make_tmp ("test-window-onnx-XXXXXX", NULL);
  g_setenv ("XDG_CONFIG_HOME", tmp_dir, TRUE);
  g_setenv ("XDG_STATE_HOME", tmp_dir, TRUE);
  g_setenv ("XDG_DATA_HOME", tmp_dir, TRUE);
  if (!gui_test_init ("test-window-onnx"))
    return 77;
  if (!bp_registry_add_plugin (bp_registry_get_default (), &cube_plugin, "(test)", &error))
    {
      fprintf (stderr, "test-window-onnx: %s\n", error->message);
      return 1;
    }
  app = backprop_studio_application_new ("io.github.backprop_studio.BackpropStudio");
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      fprintf (stderr, "test-window-onnx: %s\n", error->message);
      return 1;
    }
  failed = cmocka_run_group_tests (tests, NULL, NULL);
  g_clear_object (&app);
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return failed + gui_logs_failed ();
}
