/* test-window.c — the window under a display (Xvfb): the fixture, main ()
 * with the list of tests, and the first of them: it opens on the default
 * experiment and paints a picture that is not blank; the step actions move
 * through the phases and back; selecting a weight fills the inspector with
 * numbers whose product is the weight's gradient; the gradient toggle and
 * the export work; the dataset picker; the window keeps drawing frames
 * while a large network trains.  Edits are in test-window-edit.c, what the
 * window explains (a diverging run's fault included) in
 * test-window-explain.c; test-window.h is what they share.
 *
 * Needs a display: run through xvfb-run (tests/gui/meson.build does).
 */
#include "config.h"

#include "test-window.h"
#include "test-gui.h"

#include "bpv-trainer-thread.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bp-edit.h"
#include "bp-model.h"
#include "bp-registry.h"
#include "bpv-inspector.h"
#include "bpv-network-view.h"
#include "bpv-shortcuts.h"
#include "bpv-window.h"

/* Conditions the tests wait for with spin_until (), instead of spinning
 * for a while and hoping. */
static gboolean
animation_started (gpointer data)
{
  return bpv_stepper_get_progress (data) > 0.0;
}

typedef struct
{
  BpvSession *session;
  const char *name;
} DatasetIs;

static gboolean
dataset_is (gpointer data)
{
  DatasetIs *d = data;

  return g_str_equal (bpv_session_get_dataset (d->session)->name, d->name);
}

gboolean
five_columns (gpointer data)
{
  const BpvLayout *layout = bpv_network_view_get_layout (data);

  return layout != NULL && layout->n_columns == 5;
}

gboolean
inspector_names_a21 (gpointer data)
{
  g_autofree char *text = bpv_inspector_dup_text (data);

  return text != NULL && strstr (text, "a(2)₁") != NULL;
}

gboolean
has_layout (gpointer data)
{
  Fixture *f = data;

  return bpv_network_view_get_layout (BPV_NETWORK_VIEW (bpv_window_get_network_view (f->window))) != NULL;
}

Fixture *
fixture_new (const BpModel *model)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;

  f->session = bpv_session_new (model, &error);
  assert_non_null (f->session);
  f->window = bpv_window_new (NULL, f->session);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 900);
  gtk_window_present (GTK_WINDOW (f->window));
  assert_true (spin_until (has_layout, f, 10));
  return f;
}

int
setup (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  Fixture *f = fixture_new (model);

  spin (0.3);
  *state = f;
  return 0;
}

int
teardown (void **state)
{
  Fixture *f = *state;

  gtk_window_destroy (GTK_WINDOW (f->window));
  spin (0.05);
  g_object_unref (f->session);
  g_free (f);
  assert_no_new_warnings ();
  return 0;
}

BpvNetworkView *
view_of (Fixture *f)
{
  return BPV_NETWORK_VIEW (bpv_window_get_network_view (f->window));
}

void
activate (Fixture    *f,
          const char *action)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->window), action, NULL);
}

gboolean
enabled (Fixture    *f,
         const char *action)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), action);
}

/* Distinct colours in an ARGB32 buffer (a blank picture has one or two). */
static guint
count_colours (const guchar *data,
               int           width,
               int           height,
               int           stride)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  for (int y = 0; y < height; y += 2)
    for (int x = 0; x < width; x += 2)
      {
        guint32 px;

        memcpy (&px, data + y * stride + 4 * x, 4);
        g_hash_table_add (seen, GUINT_TO_POINTER (px | 1u));
      }
  return g_hash_table_size (seen);
}

guchar *
widget_pixels (Fixture   *f,
               GtkWidget *widget,
               int        w,
               int        h)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guchar *pixels;

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return NULL;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (f->window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  return pixels;
}

void
window_shot (Fixture    *f,
             const char *dir,
             const char *name)
{
  if (dir == NULL || dir[0] == '\0')
    return;
  /* Laid out and drawn once since the change. */
  spin (0.3);
  assert_true (gui_window_shot (GTK_WIDGET (f->window), dir, name));
  print_message ("wrote %s/%s\n", dir, name);
}

/* The canvas as GTK draws it (its render node through the window's
 * renderer): many colours, not a blank rectangle. */
void
test_opens_and_paints (void **state)
{
  Fixture *f = *state;
  GtkWidget *view = GTK_WIDGET (view_of (f));
  int w = gtk_widget_get_width (view), h = gtk_widget_get_height (view);
  g_autofree guchar *pixels = NULL;

  assert_true (w > 300 && h > 200);
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)), "Backprop Studio");
  pixels = widget_pixels (f, view, w, h);
  assert_non_null (pixels);
  if (count_colours (pixels, w, h, w * 4) < 50)
    fail_msg ("the canvas has only %u colours", count_colours (pixels, w, h, w * 4));
  assert_true (enabled (f, "step"));
  assert_false (enabled (f, "step-back"));
  assert_false (enabled (f, "check-gradient"));
}

/* → moves through the stops, ← back, across the update too. */
void
test_step_actions (void **state)
{
  Fixture *f = *state;
  BpvStepper *st = bpv_session_get_stepper (f->session);
  const BpNetwork *net = bpv_session_get_network (f->session);
  g_autofree double *before = g_memdup2 (net->params, net->n_params * sizeof (double));
  static const BpvStepPhase want[] = {
    BPV_STEP_INPUT, BPV_STEP_FORWARD, BPV_STEP_FORWARD, BPV_STEP_FORWARD, BPV_STEP_COST,
    BPV_STEP_BACKWARD, BPV_STEP_BACKWARD, BPV_STEP_BACKWARD, BPV_STEP_UPDATE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      activate (f, "step");
      spin (0.02);
      assert_int_equal (bpv_stepper_get_phase (st), want[i]);
    }
  assert_true (enabled (f, "step-back"));
  assert_memory_not_equal (net->params, before, net->n_params * sizeof (double));
  /* The update animation runs on the frame clock (waited for, not timed). */
  assert_true (spin_until (animation_started, st, 60));

  activate (f, "step-back");
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_BACKWARD);
  assert_memory_equal (net->params, before, net->n_params * sizeof (double));
  for (int i = 0; i < 8; i++)
    activate (f, "step-back");
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_IDLE);
  assert_false (enabled (f, "step-back"));

  /* To the end of each phase. */
  activate (f, "step-phase");
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_INPUT);
  activate (f, "step-phase");
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_FORWARD);
  assert_int_equal (bpv_stepper_get_layer (st), 2);
}

/* Reads the numbers of "∂C/∂W… = δ · a\n = X × Y\n = Z" as the user sees
 * them (4 significant digits, a real minus sign). */
static double
parse_number (const char *s,
              const char **end)
{
  GString *ascii = g_string_new (NULL);
  const char *p = s;
  double v;
  char *e;

  while (*p == ' ')
    p++;
  for (; *p != '\0'; )
    {
      if (g_str_has_prefix (p, "−"))
        {
          g_string_append_c (ascii, '-');
          p += strlen ("−");
        }
      else if (g_ascii_isdigit (*p) || *p == '.' || *p == 'e')
        g_string_append_c (ascii, *p++);
      else
        break;
    }
  v = g_ascii_strtod (ascii->str, &e);
  if (e == ascii->str)
    v = NAN;
  g_string_free (ascii, TRUE);
  *end = p;
  return v;
}

void
test_select_weight_fills_inspector (void **state)
{
  Fixture *f = *state;
  BpvNetworkView *view = view_of (f);
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  const BpNetwork *net = bpv_session_get_network (f->session);
  const BpvExplanation *ex;
  g_autofree char *text = NULL;
  const char *p, *end;
  double x, y, delta, a, product, gradient, bp, num;
  BpvHit hit;

  /* Click where W(2)₁,₃ is drawn. */
  assert_true (bpv_network_view_find_edge_point (view, 2, 0, 2, &x, &y));
  assert_true (bpv_network_view_hit (view, x, y, &hit));
  assert_int_equal (hit.kind, BPV_HIT_EDGE);
  bpv_network_view_click (view, x, y);
  spin (0.05);
  assert_int_equal (bpv_session_get_selection (f->session)->kind, BPV_HIT_EDGE);
  assert_true (enabled (f, "check-gradient"));

  ex = bpv_inspector_get_explanation (inspector);
  assert_non_null (ex);
  text = bpv_inspector_dup_text (inspector);
  p = strstr (text, "∂C/∂W(2)₁,₃ = δ(2)₁ · a(1)₃");
  assert_non_null (p);
  p = strstr (p, "= ");
  p = strstr (p + 2, "= ");
  assert_non_null (p);
  delta = parse_number (p + 2, &end);
  assert_non_null (strstr (end, "×"));
  a = parse_number (strstr (end, "×") + strlen ("×"), &end);
  p = strstr (end, "= ");
  assert_non_null (p);
  product = parse_number (p + 2, &end);
  assert_true (isfinite (delta) && isfinite (a) && isfinite (product));

  /* The numbers shown multiply to the product shown … */
  if (!(fabs (delta * a - product) <= 2e-3 * fabs (product)))
    fail_msg ("%g × %g = %g, the inspector shows %g", delta, a, delta * a, product);
  /* … which is the weight's gradient (one sample: the batch is the sample). */
  gradient = net->layers[1].dW[0 * net->layers[1].in + 2];
  if (!(fabs (product - gradient) <= 1e-3 * fabs (gradient)))
    fail_msg ("the inspector shows %g, ∂C/∂W(2)₁,₃ = %.17g", product, gradient);
  assert_true (ex->chain_product == ex->chain_product);
  assert_true (fabs (ex->chain_product - gradient) <= 1e-12 * fabs (gradient));

  /* And finite differences agree. */
  assert_true (bpv_inspector_check_gradient (inspector, &bp, &num));
  assert_true (fabs (bp - num) <= 1e-6 * fabs (bp));
}

static gboolean
file_is_nonempty (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 && st.st_size > 1000;
}

void
test_gradient_view_and_export (void **state)
{
  Fixture *f = *state;
  BpvNetworkView *view = view_of (f);
  g_autofree char *dir = g_dir_make_tmp ("bpv-export-XXXXXX", NULL);
  const char *exts[] = { "png", "svg", "pdf" };
  cairo_surface_t *png;

  assert_int_equal (bpv_network_view_get_view (view), BPV_VIEW_WEIGHTS);
  activate (f, "gradient-view");
  assert_int_equal (bpv_network_view_get_view (view), BPV_VIEW_GRADIENTS);
  activate (f, "global-scale");
  assert_int_equal (bpv_network_view_get_scale (view), BPV_SCALE_GLOBAL);
  spin (0.05);

  for (guint i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      g_autofree char *name = g_strdup_printf ("canvas.%s", exts[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;

      assert_true (bpv_window_export (f->window, path, &error));
      assert_true (file_is_nonempty (path));
      if (i == 0)
        {
          png = cairo_image_surface_create_from_png (path);
          assert_int_equal (cairo_surface_status (png), CAIRO_STATUS_SUCCESS);
          cairo_surface_flush (png);
          assert_true (count_colours (cairo_image_surface_get_data (png),
                                      cairo_image_surface_get_width (png),
                                      cairo_image_surface_get_height (png),
                                      cairo_image_surface_get_stride (png)) > 50);
          cairo_surface_destroy (png);
        }
      g_unlink (path);
    }
  {
    g_autofree char *bad = g_build_filename (dir, "canvas.bmp", NULL);
    g_autoptr(GError) error = NULL;

    assert_false (bpv_window_export (f->window, bad, &error));
    assert_non_null (error);
  }
  g_rmdir (dir);
  activate (f, "gradient-view");
  assert_int_equal (bpv_network_view_get_view (view), BPV_VIEW_WEIGHTS);
}

void
count_signal (BpvSession *session,
              guint      *count)
{
  (*count)++;
}

/* The dataset picker: the network follows the dataset's widths, once. */
void
test_dataset_picker (void **state)
{
  Fixture *f = *state;
  AdwComboRow *row = ADW_COMBO_ROW (gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                                   BPV_TYPE_WINDOW, "dataset_row"));
  GtkWidget *decision = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                                   BPV_TYPE_WINDOW, "decision_view"));
  GListModel *model = adw_combo_row_get_model (row);
  GtkAdjustment *noise = GTK_ADJUSTMENT (gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                                      BPV_TYPE_WINDOW,
                                                                      "noise_adjustment"));
  guint changes = 0, iris = G_MAXUINT, spirals = G_MAXUINT;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_str_equal (gtk_string_object_get_string (item), "iris"))
        iris = i;
      if (g_str_equal (gtk_string_object_get_string (item), "spirals"))
        spirals = i;
    }
  assert_true (iris != G_MAXUINT && spirals != G_MAXUINT);
  /* Another generator comes with its own noise, not moons' 0.1 (which
   * would blur the spirals' arms together); the spin button shows it. */
  assert_string_equal (bpv_session_get_dataset (f->session)->name, "moons");
  adw_combo_row_set_selected (row, spirals);
  assert_true (spin_until (dataset_is, &(DatasetIs) { f->session, "spirals" }, 60));
  assert_string_equal (bpv_session_get_dataset (f->session)->name, "spirals");
  assert_true (bpv_session_get_model (f->session)->dataset_noise == bp_dataset_default_noise ("spirals"));
  assert_true (fabs (gtk_adjustment_get_value (noise) - 0.03) < 1e-12);
  assert_true (gtk_widget_get_visible (decision));
  g_signal_connect (f->session, "structure-changed", G_CALLBACK (count_signal), &changes);
  adw_combo_row_set_selected (row, iris);
  assert_true (spin_until (dataset_is, &(DatasetIs) { f->session, "iris" }, 60));
  spin (0.1);   /* a second change signal would come with the first */
  assert_int_equal (changes, 1);
  assert_string_equal (bpv_session_get_dataset (f->session)->name, "iris");
  assert_int_equal (bpv_session_get_network (f->session)->n_inputs, 4);
  assert_int_equal (bp_network_n_outputs (bpv_session_get_network (f->session)), 3);
  assert_int_equal (adw_combo_row_get_selected (row), iris);
  assert_false (gtk_widget_get_visible (decision));
  /* Stepping works on the new shape. */
  activate (f, "step-phase");
  activate (f, "step-phase");
  assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (f->session)), BPV_STEP_FORWARD);
  g_signal_handlers_disconnect_by_data (f->session, &changes);
}

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       data)
{
  guint *frames = data;

  (*frames)++;
  return G_SOURCE_CONTINUE;
}

gboolean
not_running (gpointer data)
{
  return !bpv_session_get_running (data);
}

/* A gate the training worker stops at after a step (the step hook of
 * bpv-trainer-thread.h) while `closed`. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean closed;
  gboolean waiting;     /* a worker is inside the gate */
} Gate;

static void
gate_pass (gpointer data)
{
  Gate *gate = data;

  g_mutex_lock (&gate->lock);
  while (gate->closed)
    {
      gate->waiting = TRUE;
      g_cond_wait (&gate->cond, &gate->lock);
    }
  gate->waiting = FALSE;
  g_mutex_unlock (&gate->lock);
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->closed = FALSE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

/* Static, so that main () can open it after a failed test: a worker held
 * there would keep the process from exiting. */
static Gate worker_gate;

static gboolean
gate_has_worker (gpointer data)
{
  Gate *gate = data;
  gboolean waiting;

  g_mutex_lock (&gate->lock);
  waiting = gate->waiting;
  g_mutex_unlock (&gate->lock);
  return waiting;
}

typedef struct
{
  Gate  *gate;
  guint *frames;
  guint  target;
} FramesWhileHeld;

/* TRUE once `target` frames were drawn; fails the test if the worker left
 * the gate before (it cannot: the gate is closed). */
static gboolean
enough_frames (gpointer data)
{
  FramesWhileHeld *w = data;

  assert_true (gate_has_worker (w->gate));
  return *w->frames >= w->target;
}

typedef struct
{
  BpvSession *session;
  guint64     step;
} StepsPast;

static gboolean
steps_past (gpointer data)
{
  StepsPast *p = data;

  return bpv_session_get_step_count (p->session) > p->step;
}

/* The UI thread never waits for the worker, by construction and not by the
 * clock: the worker is held in the middle of a run (after a step, before
 * its snapshot, no lock held) while the main loop draws frames, changes the
 * worker's speed (which takes the worker's lock) and would deliver
 * snapshots; then the worker goes on and its snapshots arrive.  The bounds
 * only stop a hang.  How many frames a second the window draws while a
 * large network trains is a benchmark (tests/bench/bench-frames.c). */
void
test_ui_responsive_while_training (void **state)
{
  Fixture *f = *state;
  GtkWidget *view = GTK_WIDGET (view_of (f));
  guint frames = 0, id;
  FramesWhileHeld held = { &worker_gate, &frames, 30 };
  StepsPast past = { f->session, 0 };

  worker_gate.closed = TRUE;
  bpv_trainer_thread_set_step_hook (gate_pass, &worker_gate);
  bpv_session_set_speed (f->session, 1.0);
  assert_true (bpv_session_play (f->session, NULL));
  assert_true (spin_until (gate_has_worker, &worker_gate, 60));

  id = gtk_widget_add_tick_callback (view, count_frame, &frames, NULL);
  bpv_session_set_speed (f->session, 0.5);
  assert_true (spin_until (enough_frames, &held, 120));
  gtk_widget_remove_tick_callback (view, id);
  assert_true (bpv_session_get_running (f->session));

  /* Open the gate: the worker goes on and its snapshots reach the UI. */
  past.step = bpv_session_get_step_count (f->session);
  gate_open (&worker_gate);
  assert_true (spin_until (steps_past, &past, 60));

  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 60));
  bpv_trainer_thread_set_step_hook (NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_opens_and_paints, setup, teardown),
    cmocka_unit_test_setup_teardown (test_step_actions, setup, teardown),
    cmocka_unit_test_setup_teardown (test_select_weight_fills_inspector, setup, teardown),
    cmocka_unit_test_setup_teardown (test_gradient_view_and_export, setup, teardown),
    cmocka_unit_test_setup_teardown (test_dataset_picker, setup, teardown),
    cmocka_unit_test_setup_teardown (test_schedule_sidebar, setup, teardown),
    cmocka_unit_test_setup_teardown (test_ui_responsive_while_training, setup, teardown),
    cmocka_unit_test_setup_teardown (test_edit_actions, setup, teardown),
    cmocka_unit_test_setup_teardown (test_undo_menu_follows_labels, setup, teardown),
    cmocka_unit_test_setup_teardown (test_shortcut_actions_exist, setup, teardown),
    cmocka_unit_test_setup_teardown (test_open_csv_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_palette, setup, teardown),
    cmocka_unit_test_setup_teardown (test_edit_layer_types, setup, teardown),
    cmocka_unit_test_setup_teardown (test_edit_skip_handle, setup, teardown),
    cmocka_unit_test_setup_teardown (test_save_and_close_question, setup, teardown),
    cmocka_unit_test_setup_teardown (test_diverging_training_marks_fault, setup_diverge, teardown),
    cmocka_unit_test_setup_teardown (test_numbers_agree_while_training, setup, teardown),
    cmocka_unit_test_setup_teardown (test_step_mode_one_step_number, setup, teardown),
    cmocka_unit_test_setup_teardown (test_step_mode_texts_agree, setup_iris, teardown),
    cmocka_unit_test_setup_teardown (test_deep_w1_checkable_by_hand, setup_deep, teardown),
    cmocka_unit_test_setup_teardown (test_check_on_a_neuron_says_what, setup_deep, teardown),
    cmocka_unit_test_setup_teardown (test_copy_latex, setup_deep, teardown),
    cmocka_unit_test_setup_teardown (test_keyboard_selection, setup_deep, teardown),
    cmocka_unit_test_setup_teardown (test_palette_formulas_as_math, setup, teardown),
    cmocka_unit_test_setup_teardown (test_timeline_scrubs, setup, teardown),
    cmocka_unit_test_setup_teardown (test_timeline_resume_and_undo, setup, teardown),
    cmocka_unit_test_setup_teardown (test_timeline_scrubs_while_training, setup, teardown),
    cmocka_unit_test_setup_teardown (test_timeline_past_optimizer, setup, teardown),
    cmocka_unit_test_setup_teardown (test_plots_over_time, setup, teardown),
    cmocka_unit_test_setup_teardown (test_quiz_numeric_answers, setup, teardown),
    cmocka_unit_test_setup_teardown (test_quiz_choice_answers, setup, teardown),
    cmocka_unit_test_setup_teardown (test_quiz_generated_questions, setup, teardown),
    cmocka_unit_test_setup_teardown (test_quiz_unanswered_question_stays, setup, teardown),
    cmocka_unit_test_setup_teardown (test_quiz_chain_rule_example, setup_chain_rule, teardown),
    /* Last: they switch the process to German and back. */
    cmocka_unit_test_setup_teardown (test_german_header_bar, setup_german, teardown_german),
    cmocka_unit_test_setup_teardown (test_german_canvas, setup_german, teardown_german),
    cmocka_unit_test_setup_teardown (test_german_toast, setup_german, teardown_german),
    cmocka_unit_test_setup_teardown (test_german_quiz_and_timeline, setup_german, teardown_german),
  };

  if (!gui_test_init ("test-window"))
    return 1;
  /* test-window NAME-PATTERN: only the tests that match (cmocka's filter). */
  if (argc > 1)
    cmocka_set_test_filter (argv[1]);
  {
    int failed = cmocka_run_group_tests_name ("window", tests, NULL, NULL);

    /* Heat-map tasks and workers must not run under exit (). */
    gate_open (&worker_gate);
    bpv_background_wait_all ();
    return failed + gui_logs_failed ();
  }
}

