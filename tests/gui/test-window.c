/* test-window.c — the window under a display (Xvfb): it opens on the
 * default experiment and paints a picture that is not blank; the step
 * actions move through the phases and back; selecting a weight fills the
 * inspector with numbers whose product is the weight's gradient; the
 * gradient toggle and the export work; the window keeps drawing frames
 * while a large network trains; and training that diverges (learning rate
 * 100) stops with the value at fault marked on the canvas, selected, and a
 * bar that offers a smaller rate (undoable) or new weights.
 *
 * Needs a display: run through xvfb-run (tests/gui/meson.build does).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

typedef struct
{
  BpvSession *session;
  BpvWindow  *window;
} Fixture;

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

static GLogWriterOutput
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
          fprintf (stderr, "test-window: unexpected %s from %s: %s\n",
                   (level & G_LOG_LEVEL_WARNING) ? "warning" : "critical",
                   domain[0] != '\0' ? domain : "the program", message);
        }
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

/* The warnings since the last check fail the current test (called from
 * teardown, on the main thread). */
static void
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

static void
spin (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

static gboolean
spin_until (gboolean (*done) (gpointer),
            gpointer   data,
            double     seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  return done (data);
}

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

static gboolean
five_columns (gpointer data)
{
  const BpvLayout *layout = bpv_network_view_get_layout (data);

  return layout != NULL && layout->n_columns == 5;
}

static gboolean
inspector_names_a21 (gpointer data)
{
  g_autofree char *text = bpv_inspector_dup_text (data);

  return text != NULL && strstr (text, "a(2)₁") != NULL;
}

static gboolean
has_layout (gpointer data)
{
  Fixture *f = data;

  return bpv_network_view_get_layout (BPV_NETWORK_VIEW (bpv_window_get_network_view (f->window))) != NULL;
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(GError) error = NULL;

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
  assert_no_new_warnings ();
  return 0;
}

static BpvNetworkView *
view_of (Fixture *f)
{
  return BPV_NETWORK_VIEW (bpv_window_get_network_view (f->window));
}

static void
activate (Fixture    *f,
          const char *action)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->window), action, NULL);
}

static gboolean
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

/* The canvas as GTK draws it (its render node through the window's
 * renderer): many colours, not a blank rectangle. */
static void
test_opens_and_paints (void **state)
{
  Fixture *f = *state;
  GtkWidget *view = GTK_WIDGET (view_of (f));
  int w = gtk_widget_get_width (view), h = gtk_widget_get_height (view);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (view);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  GskRenderer *renderer;

  assert_true (w > 300 && h > 200);
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)), "Backprop Studio");
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  assert_non_null (node);
  renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  if (count_colours (pixels, w, h, w * 4) < 50)
    fail_msg ("the canvas has only %u colours", count_colours (pixels, w, h, w * 4));
  assert_true (enabled (f, "step"));
  assert_false (enabled (f, "step-back"));
  assert_false (enabled (f, "check-gradient"));
}

/* → moves through the stops, ← back, across the update too. */
static void
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

static void
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

static void
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

static void
count_signal (BpvSession *session,
              guint      *count)
{
  (*count)++;
}

/* The dataset picker: the network follows the dataset's widths, once. */
static void
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

static gboolean
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
static void
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


/* ------------------------------------------------------------ editing */

static void
activate_with (Fixture    *f,
               const char *action,
               GVariant   *parameter)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->window), action, parameter);
}

/* The edits the palette and the canvas ask for, undo and redo, and the
 * title's unsaved-changes mark. */
static void
test_edit_actions (void **state)
{
  Fixture *f = *state;
  const BpNetwork *net;

  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)), "Backprop Studio");
  assert_false (enabled (f, "undo"));
  activate_with (f, "edit-insert", g_variant_new ("(us)", 1, "relu"));
  net = bpv_session_get_network (f->session);
  assert_int_equal (net->n_layers, 4);
  assert_string_equal (net->layers[1].act_id, "relu");
  assert_true (enabled (f, "undo"));
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)),
                       "• Untitled — Backprop Studio");
  assert_true (spin_until (five_columns, view_of (f), 60));
  /* Screen readers hear the new layer: the canvas's accessible label and
   * description follow the edit. */
  {
    g_autofree char *description = bpv_network_view_describe (view_of (f));
    g_autofree char *wrong = NULL;

    assert_non_null (strstr (description, "Layer 2, a(2) = relu(z(2)): 8 units."));
    assert_non_null (strstr (description, "Output layer 4, a(4) = sigmoid(z(4)): 1 unit."));
    wrong = gtk_test_accessible_check_property (GTK_ACCESSIBLE (view_of (f)),
                                                GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description);
    if (wrong != NULL)
      fail_msg ("accessible description: %s", wrong);
    g_clear_pointer (&wrong, g_free);
    wrong = gtk_test_accessible_check_property (GTK_ACCESSIBLE (view_of (f)),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, "Network 2–8–8–8–1");
    if (wrong != NULL)
      fail_msg ("accessible label: %s", wrong);
  }

  activate_with (f, "edit-activation", g_variant_new ("(us)", 0, "sigmoid"));
  assert_string_equal (bpv_session_get_network (f->session)->layers[0].act_id, "sigmoid");
  activate_with (f, "edit-width", g_variant_new ("(ui)", 0, 1));
  assert_int_equal (bpv_session_get_network (f->session)->layers[0].out, 9);
  activate_with (f, "edit-move", g_variant_new ("(uu)", 1, 0));
  assert_string_equal (bpv_session_get_network (f->session)->layers[0].act_id, "relu");
  activate_with (f, "edit-cost", g_variant_new_string ("mse"));
  assert_string_equal (bpv_session_get_network (f->session)->cost_id, "mse");

  for (int i = 0; i < 5; i++)
    activate (f, "undo");
  net = bpv_session_get_network (f->session);
  assert_int_equal (net->n_layers, 3);
  assert_false (enabled (f, "undo"));
  assert_true (enabled (f, "redo"));
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)), "Backprop Studio");
  activate (f, "redo");
  assert_int_equal (bpv_session_get_network (f->session)->n_layers, 4);

  /* The keyboard's edits act on the selected layer: none selected, the
   * last hidden one. */
  activate (f, "insert-layer-after");
  assert_int_equal (bpv_session_get_network (f->session)->n_layers, 5);
  activate (f, "add-unit");
  assert_int_equal (bpv_session_get_network (f->session)->layers[3].out, 9);
  activate (f, "remove-layer");
  assert_int_equal (bpv_session_get_network (f->session)->n_layers, 4);
  /* The output layer cannot go: the data fixes it. */
  {
    BpvHit out = { BPV_HIT_NEURON, 4, 0, 0 };

    bpv_session_set_selection (f->session, &out);
    assert_false (enabled (f, "remove-layer"));
  }
}

static gpointer template_child (Fixture    *f,
                                const char *name);

static void
count_items_changed (GMenuModel *model,
                     int         position,
                     int         removed,
                     int         added,
                     guint      *count)
{
  (*count)++;
}

static char *
menu_label (GMenuModel *menu,
            int         i)
{
  char *label = NULL;

  assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label));
  return label;
}

/* The main menu's Undo and Redo name the step.  Their section changes
 * when a label does, not with every frame of training: each change makes
 * the menu's popover build new buttons, and the 30-minute app soak grew
 * with them. */
static void
test_undo_menu_follows_labels (void **state)
{
  Fixture *f = *state;
  GMenuModel *section = G_MENU_MODEL (template_child (f, "edit_section"));
  guint changes = 0, values = 0;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gulong changed_id, values_id;

  assert_int_equal (g_menu_model_get_n_items (section), 2);
  changed_id = g_signal_connect (section, "items-changed", G_CALLBACK (count_items_changed), &changes);
  values_id = g_signal_connect (f->session, "values-changed", G_CALLBACK (count_signal), &values);

  /* Frames of training: the labels stay, so does the section. */
  assert_true (bpv_session_play (f->session, NULL));
  while (values < 40 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  assert_true (values >= 40);
  print_message ("%u frames of values while training, %u changes of the undo section\n", values, changes);
  assert_int_equal (changes, 0);
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 30));
  spin (0.1);
  /* The run is a step to undo, and the menu says so. */
  {
    g_autofree char *undo = menu_label (section, 0);

    if (!g_str_has_prefix (undo, "_Undo Train "))
      fail_msg ("the undo item after a run: %s", undo);
  }

  /* Many edits: still the two items, naming the last step. */
  for (int i = 0; i < 60; i++)
    activate_with (f, "edit-width", g_variant_new ("(ui)", 0, i % 2 == 0 ? 1 : -1));
  activate (f, "undo");
  assert_int_equal (g_menu_model_get_n_items (section), 2);
  {
    g_autofree char *undo = menu_label (section, 0);
    g_autofree char *redo = menu_label (section, 1);
    g_autofree char *want_undo = g_strdup_printf ("_Undo %s", bp_edit_undo_label (bpv_session_get_history (f->session)));
    g_autofree char *want_redo = g_strdup_printf ("_Redo %s", bp_edit_redo_label (bpv_session_get_history (f->session)));

    assert_string_equal (undo, want_undo);
    assert_string_equal (redo, want_redo);
  }
  /* The palette's buttons (template children) name the same steps. */
  {
    GtkWidget *undo = GTK_WIDGET (template_child (f, "undo_button"));
    GtkWidget *redo = GTK_WIDGET (template_child (f, "redo_button"));
    g_autofree char *want_undo = g_strdup_printf ("Undo %s (Ctrl+Z)", bp_edit_undo_label (bpv_session_get_history (f->session)));
    g_autofree char *want_redo = g_strdup_printf ("Redo %s (Ctrl+Shift+Z)", bp_edit_redo_label (bpv_session_get_history (f->session)));

    assert_string_equal (gtk_widget_get_tooltip_text (undo), want_undo);
    assert_string_equal (gtk_widget_get_tooltip_text (redo), want_redo);
  }
  g_signal_handler_disconnect (f->session, values_id);
  g_signal_handler_disconnect (section, changed_id);
}

/* Every window action the shortcut table names exists, so a key in the
 * table (and the help overlay) does something. */
static void
test_shortcut_actions_exist (void **state)
{
  Fixture *f = *state;
  gsize n = 0;
  const BpvShortcut *table = bpv_shortcuts_get (&n);
  guint checked = 0;

  for (gsize i = 0; i < n; i++)
    {
      /* GtkApplicationWindow adds win.show-help-overlay for an application
       * with a help overlay; this window has no application. */
      if (table[i].action == NULL || !g_str_has_prefix (table[i].action, "win.")
          || g_str_equal (table[i].action, "win.show-help-overlay"))
        continue;
      if (!g_action_group_has_action (G_ACTION_GROUP (f->window), table[i].action + strlen ("win.")))
        fail_msg ("the shortcut table names %s, which the window does not have", table[i].action);
      checked++;
    }
  assert_true (checked >= 25);
}

/* A CSV given to the window (as a dropped file or the Open dialog give
 * it, through bpv_window_open_file) becomes the dataset; undo goes back. */
static void
test_open_csv_file (void **state)
{
  Fixture *f = *state;
  const char *dir = g_getenv ("BACKPROP_DATA_DIR");
  g_autofree char *path = g_build_filename (dir != NULL ? dir : BP_SOURCE_DATADIR, "iris.csv", NULL);

  activate_with (f, "open-file", g_variant_new_string (path));
  assert_string_equal (bpv_session_get_model (f->session)->dataset, path);
  assert_int_equal (bpv_session_get_network (f->session)->n_inputs, 4);
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].out, 3);
  assert_int_equal (bpv_session_get_train (f->session)->n_features, 4);
  activate (f, "undo");
  assert_int_equal (bpv_session_get_network (f->session)->n_inputs, 2);
  assert_string_equal (bpv_session_get_dataset (f->session)->name, "moons");
}

/* A dense-layer item per registered activation, with its formula. */
static void
test_palette (void **state)
{
  Fixture *f = *state;
  GtkWidget *box = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                              BPV_TYPE_WINDOW, "palette_box"));
  guint n_acts = 0, layers = 0, costs = 0;
  const char **ids = bp_registry_list_ids (bp_registry_get_default (), BP_FEATURE_ACTIVATION, &n_acts);
  gboolean tanh_formula = FALSE;

  g_free (ids);
  assert_non_null (box);
  for (GtkWidget *item = gtk_widget_get_first_child (box); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");

      if (what == NULL)
        continue;
      layers += g_str_has_prefix (what, "layer:");
      costs += g_str_has_prefix (what, "cost:");
      if (g_str_equal (what, "layer:tanh"))
        {
          const BpActivationDesc *d = bp_registry_lookup_activation (bp_registry_get_default (), "tanh");
          const char *tip = gtk_widget_get_tooltip_text (item);

          tanh_formula = tip != NULL && strstr (tip, d->formula) != NULL;
        }
    }
  assert_int_equal (layers, n_acts);
  assert_true (n_acts >= 7);
  assert_true (costs >= 3);
  assert_true (tanh_formula);

  /* A disabled plugin's features leave the palette at once (here two
   * built-ins stand in for them), and come back. */
  {
    const char *hidden[] = { "activation relu", "cost mse", NULL };
    guint relu = 0, mse = 0, n = 0;

    bpv_window_set_hidden_features (hidden);
    bpv_window_refresh_features (f->window);
    for (GtkWidget *item = gtk_widget_get_first_child (box); item != NULL;
         item = gtk_widget_get_next_sibling (item))
      {
        const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");

        n += what != NULL && g_str_has_prefix (what, "layer:");
        relu += what != NULL && g_str_equal (what, "layer:relu");
        mse += what != NULL && g_str_equal (what, "cost:mse");
      }
    assert_int_equal (n, n_acts - 1);
    assert_int_equal (relu + mse, 0);
    bpv_window_set_hidden_features (NULL);
    bpv_window_refresh_features (f->window);
    n = 0;
    for (GtkWidget *item = gtk_widget_get_first_child (box); item != NULL;
         item = gtk_widget_get_next_sibling (item))
      {
        const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");

        n += what != NULL && g_str_has_prefix (what, "layer:");
      }
    assert_int_equal (n, n_acts);
  }
}

static gboolean
message_dialog_shown (gpointer data)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        {
          *(AdwMessageDialog **) data = ADW_MESSAGE_DIALOG (w);
          return TRUE;
        }
    }
  return FALSE;
}

/* Saving names the window's file; closing with unsaved changes asks, and
 * Cancel keeps the window. */
static void
test_save_and_close_question (void **state)
{
  Fixture *f = *state;
  g_autofree char *dir = g_dir_make_tmp ("test-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "mine.bpmodel.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) loaded = NULL;
  AdwMessageDialog *dialog = NULL;

  activate_with (f, "edit-insert", g_variant_new ("(us)", 2, "tanh"));
  assert_true (bpv_window_save_to (f->window, file, &error));
  assert_true (g_file_equal (bpv_window_get_file (f->window), file));
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)),
                       "mine.bpmodel.json — Backprop Studio");
  loaded = bp_model_load_file (path, NULL, &error);
  assert_non_null (loaded);
  assert_int_equal (loaded->network->n_layers, 4);

  /* Clean: closing does not ask (the close is not let through here: the
   * fixture destroys the window). */
  assert_false (message_dialog_shown (&dialog));
  activate_with (f, "edit-width", g_variant_new ("(ui)", 0, -1));
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)),
                       "• mine.bpmodel.json — Backprop Studio");
  gtk_window_close (GTK_WINDOW (f->window));
  assert_true (spin_until (message_dialog_shown, &dialog, 5));
  adw_message_dialog_response (dialog, "cancel");
  spin (0.2);
  assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));
  assert_true (bpv_session_is_dirty (f->session));
  g_unlink (path);
  g_rmdir (dir);
}

/* ------------------------------------------------------ NaN at lr 100 */

/* A window of 1280 × 900 on the model file at `path`, laid out; the model
 * is handed back through `model_out` when it is not NULL. */
static Fixture *
open_model_window (const char  *path,
                   BpModel    **model_out)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_load_file (path, NULL, &error);

  if (model == NULL)
    fail_msg ("%s", error->message);
  f->session = bpv_session_new (model, &error);
  assert_non_null (f->session);
  f->window = bpv_window_new (NULL, f->session);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 900);
  gtk_window_present (GTK_WINDOW (f->window));
  assert_true (spin_until (has_layout, f, 10));
  if (model_out != NULL)
    *model_out = g_steal_pointer (&model);
  return f;
}

/* The shipped example `name` (data/examples/NAME.bpmodel.json). */
static char *
example_path (const char *name)
{
  const char *dir = g_getenv ("BACKPROP_DATA_DIR");
  g_autofree char *file = g_strconcat (name, ".bpmodel.json", NULL);

  return g_build_filename (dir != NULL ? dir : "data", "examples", file, NULL);
}

static int
setup_diverge (void **state)
{
  g_autofree char *path = g_build_filename (GUI_FIXTURE_DIR, "diverge.bpmodel.json", NULL);
  Fixture *f = open_model_window (path, NULL);

  spin (0.3);
  *state = f;
  return 0;
}

static gboolean
has_fault (gpointer data)
{
  return bpv_session_get_fault (data, NULL) && !bpv_session_get_running (data);
}

static gpointer
template_child (Fixture    *f,
                const char *name)
{
  gpointer child = gtk_widget_get_template_child (GTK_WIDGET (f->window), BPV_TYPE_WINDOW, name);

  assert_non_null (child);
  return child;
}

/* The button inside `root` that activates `action`, or NULL. */
static GtkWidget *
find_action_button (GtkWidget  *root,
                    const char *action)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_action_button (c, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Pixels of the fault colour in a box around neuron a(n)_j of the canvas,
 * as GTK draws it. */
static int
fault_pixels_around (Fixture *f,
                     gsize    layer,
                     gsize    j)
{
  BpvNetworkView *view = view_of (f);
  GtkWidget *widget = GTK_WIDGET (view);
  int w, h, n = 0;
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  const BpvLayout *layout;
  guint32 want = bpv_rgba_to_argb32 (bpv_theme_colors (bpv_network_view_get_theme (view))->fault);
  double cx, cy, r;

  /* The bar slides in or out above the canvas: let it settle (the canvas
   * is laid out again at its new size). */
  spin (0.5);
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  layout = bpv_network_view_get_layout (view);
  r = 2.5 * layout->columns[layer].radius * layout->params.zoom;
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (f->window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  bpv_layout_neuron_center (layout, layer, j, &cx, &cy);
  for (int y = MAX (0, (int) (cy - r)); y < MIN (h, (int) (cy + r)); y++)
    for (int x = MAX (0, (int) (cx - r)); x < MIN (w, (int) (cx + r)); x++)
      {
        guint32 px;
        int d = 0;

        memcpy (&px, pixels + (gsize) y * w * 4 + 4 * x, 4);
        for (int shift = 0; shift < 32; shift += 8)
          d = MAX (d, abs ((int) ((px >> shift) & 0xff) - (int) ((want >> shift) & 0xff)));
        n += d <= 3;
      }
  return n;
}

/* Learning rate 100: training stops on NaN (z(2)₁ = ∞ − ∞ at step 8) with
 * nothing frozen; the session keeps the fault and selects the neuron; the
 * canvas marks it; the bar says what happened and offers a smaller rate
 * (an undoable edit the sidebar follows) and new weights; any of them
 * takes the marker and the bar away, and training goes on. */
static void
test_diverging_training_marks_fault (void **state)
{
  Fixture *f = *state;
  GtkRevealer *bar = template_child (f, "fault_revealer");
  GtkLabel *label = template_child (f, "fault_label");
  GtkAdjustment *lr_adjustment = template_child (f, "lr_adjustment");
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  GtkWidget *lower, *reset;
  BpTrainFault fault;
  BpvRenderState rs;
  g_autofree char *message = NULL;
  g_autofree char *text = NULL;
  const BpvHit *sel;
  guint64 steps;

  /* The sidebar shows the model's rate as it is (not clamped to its range). */
  assert_true (bpv_session_get_learning_rate (f->session) == 100);
  assert_true (gtk_adjustment_get_value (lr_adjustment) == 100);
  assert_false (bpv_session_is_dirty (f->session));
  assert_false (gtk_revealer_get_reveal_child (bar));
  assert_false (enabled (f, "lower-rate"));
  assert_false (enabled (f, "dismiss-fault"));
  assert_int_equal (fault_pixels_around (f, 2, 0), 0);

  /* Space. */
  activate (f, "play");
  assert_true (spin_until (has_fault, f->session, 20));
  assert_true (bpv_session_get_fault (f->session, &fault));
  assert_int_equal (fault.kind, BP_TRAIN_FAULT_Z);
  assert_int_equal (fault.layer, 2);
  assert_int_equal (fault.unit, 1);
  assert_int_equal (fault.step, 8);
  assert_true (isnan (fault.value));
  /* The failed step was undone: 7 steps, every weight finite. */
  assert_int_equal (bpv_session_get_step_count (f->session), 7);
  {
    const BpNetwork *net = bpv_session_get_network (f->session);

    for (gsize i = 0; i < net->n_params; i++)
      assert_true (isfinite (net->params[i]));
  }

  /* Selected, with its numbers in the inspector. */
  sel = bpv_session_get_selection (f->session);
  assert_int_equal (sel->kind, BPV_HIT_NEURON);
  assert_int_equal (sel->layer, 2);
  assert_int_equal (sel->j, 0);
  assert_true (spin_until (inspector_names_a21, inspector, 60));
  text = bpv_inspector_dup_text (inspector);
  assert_non_null (strstr (text, "a(2)₁"));
  assert_non_null (strstr (text, "NaN"));
  assert_null (strstr (text, "nan"));

  /* The canvas marks it (the GTK-free renderer, so exports do too). */
  bpv_network_view_get_render_state (view_of (f), &rs);
  assert_int_equal (rs.fault.kind, BP_TRAIN_FAULT_Z);
  assert_true (fault_pixels_around (f, 2, 0) > 50);

  /* The bar: the message, and the two ways out. */
  assert_true (gtk_revealer_get_reveal_child (bar));
  message = bp_train_fault_message (&fault);
  assert_string_equal (gtk_label_get_text (label), message);
  assert_non_null (strstr (message, "Training stopped at step 8: z(2)[1] is NaN"));
  lower = find_action_button (GTK_WIDGET (bar), "win.lower-rate");
  reset = find_action_button (GTK_WIDGET (bar), "win.reset");
  assert_non_null (lower);
  assert_non_null (reset);
  /* … and the steps that went well can be kept: the failed one was undone,
   * so Save As writes the model as it was before it. */
  assert_non_null (find_action_button (GTK_WIDGET (bar), "win.save-as"));
  assert_true (enabled (f, "save-as"));
  assert_string_equal (gtk_button_get_label (GTK_BUTTON (lower)), "Lower the Rate to 10");
  assert_true (enabled (f, "lower-rate"));
  assert_true (enabled (f, "reset"));
  assert_true (gtk_widget_is_sensitive (lower) && gtk_widget_is_sensitive (reset));

  /* Reset weights (the bar's button, as a click would: its action fires
   * from a short timeout): the marker and the bar go. */
  gtk_widget_activate (reset);
  {
    gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

    while (bpv_session_get_fault (f->session, NULL) && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  }
  assert_false (bpv_session_get_fault (f->session, NULL));
  assert_int_equal (bpv_session_get_step_count (f->session), 0);
  bpv_network_view_get_render_state (view_of (f), &rs);
  assert_int_equal (rs.fault.kind, BP_TRAIN_FAULT_NONE);
  assert_int_equal (fault_pixels_around (f, 2, 0), 0);
  assert_false (gtk_revealer_get_reveal_child (bar));
  assert_false (enabled (f, "lower-rate"));

  /* The same weights blow up the same way at step 8; now lower the rate:
   * an edit through the setter, which the sidebar follows. */
  activate (f, "play");
  assert_true (spin_until (has_fault, f->session, 20));
  assert_true (gtk_revealer_get_reveal_child (bar));
  assert_true (fault_pixels_around (f, 2, 0) > 50);
  activate (f, "lower-rate");
  assert_true (bpv_session_get_learning_rate (f->session) == 10);
  assert_true (gtk_adjustment_get_value (lr_adjustment) == 10);
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (f->session)),
                       "Change learning rate to 10");
  assert_false (bpv_session_get_fault (f->session, NULL));
  assert_false (gtk_revealer_get_reveal_child (bar));
  assert_false (enabled (f, "lower-rate"));
  assert_int_equal (fault_pixels_around (f, 2, 0), 0);
  /* … undoable, and redoable. */
  activate (f, "undo");
  assert_true (bpv_session_get_learning_rate (f->session) == 100);
  assert_true (gtk_adjustment_get_value (lr_adjustment) == 100);
  activate (f, "redo");
  assert_true (bpv_session_get_learning_rate (f->session) == 10);

  /* New weights, and Space trains at lr 10 past where lr 100 stopped (it
   * may still blow up later: then once more, at lr 1, it trains on). */
  activate (f, "reset");
  for (int round = 0; round < 2; round++)
    {
      gint64 end;

      activate (f, "play");
      assert_true (bpv_session_get_running (f->session));
      assert_false (bpv_session_get_fault (f->session, NULL));
      end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      while (bpv_session_get_step_count (f->session) < 200 && g_get_monotonic_time () < end
             && !has_fault (f->session))
        g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
      if (!bpv_session_get_fault (f->session, &fault))
        break;
      print_message ("at lr %g: stopped at step %" G_GUINT64_FORMAT "\n",
                     bpv_session_get_learning_rate (f->session), fault.step);
      assert_true (fault.step > 8);
      assert_int_equal (round, 0);
      activate (f, "lower-rate");
      activate (f, "reset");
    }
  steps = bpv_session_get_step_count (f->session);
  print_message ("at lr %g: %" G_GUINT64_FORMAT " steps, no fault\n",
                 bpv_session_get_learning_rate (f->session), steps);
  assert_true (steps >= 200);
  assert_false (bpv_session_get_fault (f->session, NULL));
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 30));
}


/* ----------------------------------------- one stop, one story (#10) */

static int
setup_chain_rule (void **state)
{
  g_autofree char *path = example_path ("chain-rule");
  g_autoptr(BpModel) model = NULL;
  Fixture *f = open_model_window (path, &model);

  bpv_window_show_explanation (f->window, model->name, model->description, TRUE);
  spin (0.3);
  *state = f;
  return 0;
}

static void
follow_link (GtkLabel   *label,
             const char *uri)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (label, "activate-link", uri, &handled);
  assert_true (handled);
  spin (0.1);
}

/* The chain-rule quiz asks first and answers on request; at the update
 * stop the banner's numbers are of one pass (before the step), multiply
 * out to the rate it states, and the numbers of after the step are
 * labelled so. */
static void
test_chain_quiz_answer_on_request (void **state)
{
  Fixture *f = *state;
  GtkLabel *label = template_child (f, "explain_label");
  GtkLabel *detail = template_child (f, "phase_detail");
  const char *text, *p;
  double a, b, c, rate;

  text = gtk_label_get_text (label);
  assert_non_null (strstr (text, "which expression is ∂a(2)/∂a(1)?"));
  assert_non_null (strstr (text, "Show the answer"));
  assert_null (strstr (text, "Answer"));
  assert_false (bpv_window_get_quiz_answer_shown (f->window));

  for (int i = 0; i < 7; i++)  /* INPUT, F1, F2, COST, B2, B1, UPDATE */
    activate (f, "step");
  assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (f->session)), BPV_STEP_UPDATE);
  spin (0.2);
  assert_null (strstr (gtk_label_get_text (label), "Answer"));
  follow_link (label, "bpv:show-answer");
  assert_true (bpv_window_get_quiz_answer_shown (f->window));
  text = gtk_label_get_text (label);
  assert_non_null (strstr (text, "Answer: (C)"));
  p = strstr (text, "Before the step (the pass shown): ");
  assert_non_null (p);
  /* "a · b = c", read with strtod (scanf's literal "·" is locale-bound). */
  {
    char *end;

    a = g_ascii_strtod (p + strlen ("Before the step (the pass shown): "), &end);
    assert_true (g_str_has_prefix (end, " · "));
    b = g_ascii_strtod (end + strlen (" · "), &end);
    assert_true (g_str_has_prefix (end, " = "));
    c = g_ascii_strtod (end + strlen (" = "), &end);
  }
  p = strstr (p, "at the rate ");
  assert_non_null (p);
  assert_int_equal (sscanf (p, "at the rate %lf", &rate), 1);
  if (fabs (a * b - c) > 1e-4 * (fabs (a) + fabs (b)) + 1e-5 || fabs (c - rate) > 1e-5)
    fail_msg ("the banner says %.4f · %.4f = %.5f and the rate %.5f", a, b, c, rate);
  assert_non_null (strstr (text, "After the step (the new weights, same sample): w(2) = "));
  /* The phase card says the same: the cost and the values are of before. */
  assert_non_null (strstr (gtk_label_get_text (detail), "Before it: C = "));
  assert_non_null (strstr (gtk_label_get_text (detail), "after the step"));

  follow_link (label, "bpv:hide-answer");
  assert_null (strstr (gtk_label_get_text (label), "Answer"));
  follow_link (label, "bpv:show-answer");
  assert_non_null (strstr (gtk_label_get_text (label), "Answer"));
  /* A new explanation asks again. */
  bpv_window_show_explanation (f->window, "The chain rule", "Again.", TRUE);
  assert_null (strstr (gtk_label_get_text (label), "Answer"));
}

static guint64
step_after (const char *text,
            const char *marker)
{
  const char *p = strstr (text, marker);
  guint64 step = 0;

  if (p == NULL || sscanf (p + strlen (marker), "%" G_GUINT64_FORMAT, &step) != 1)
    fail_msg ("no “%s” followed by a number in “%s”", marker, text);
  return step;
}

/* While training runs, the title and the inspector are of the same
 * snapshot (the same step), and every loss on screen says which it is. */
static void
test_numbers_agree_while_training (void **state)
{
  Fixture *f = *state;
  AdwWindowTitle *title = template_child (f, "window_title");
  GtkLabel *detail = template_child (f, "phase_detail");
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  BpvHit hit = { BPV_HIT_NEURON, 1, 0, 0 };
  int samples = 0, first_seen = -1;

  bpv_session_set_selection (f->session, &hit);
  bpv_session_set_speed (f->session, 1.0);
  assert_true (bpv_session_play (f->session, NULL));
  for (int i = 0; i < 40 && bpv_session_get_running (f->session); i++)
    {
      const BpvExplanation *ex;
      guint64 in_title, in_inspector;

      spin (0.037);
      ex = bpv_inspector_get_explanation (inspector);
      if (bpv_session_get_step_count (f->session) == 0 || ex == NULL
          || strstr (ex->context, "training") == NULL)
        continue;
      if (first_seen < 0)
        first_seen = i;
      in_title = step_after (adw_window_title_get_subtitle (title), " · step ");
      in_inspector = step_after (ex->context, " · step ");
      if (in_title == 0 && in_inspector == 0)
        continue;  /* the first snapshot is not in yet */
      if (in_title != in_inspector)
        fail_msg ("sample %d: the title says step %" G_GUINT64_FORMAT ", the inspector step %"
                  G_GUINT64_FORMAT, i, in_title, in_inspector);
      if (strstr (gtk_label_get_text (detail), "cost of this step’s batch of ") == NULL)
        fail_msg ("the phase card says “%s” (markup “%s”), title “%s”", gtk_label_get_text (detail), gtk_label_get_label (detail), adw_window_title_get_subtitle (title));
      samples++;
    }
  print_message ("%d samples of the title and the inspector while training\n", samples);
  assert_true (samples >= 10);
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 30));
  spin (0.1);
  /* At rest: the title's loss is the last epoch's mean over the training
   * set, and says so. */
  {
    gsize n;
    const BpEpochStats *ep = bpv_session_get_epochs (f->session, &n);
    g_autofree char *loss = NULL;
    g_autofree char *want = NULL;

    assert_true (n > 0);
    loss = bpv_format_number (ep[n - 1].train_loss);
    want = g_strdup_printf ("epoch %u · mean training loss %s", ep[n - 1].epoch, loss);
    assert_non_null (strstr (adw_window_title_get_subtitle (title), want));
    assert_int_equal (step_after (adw_window_title_get_subtitle (title), " · step "),
                      step_after (bpv_inspector_get_explanation (inspector)->context, " · step "));
  }
}


/* In step mode the title, the phase card and the inspector name the same
 * step at every stop (the one in flight; the title said "step 0" while
 * the card said "step 1"). */
static void
test_step_mode_one_step_number (void **state)
{
  Fixture *f = *state;
  AdwWindowTitle *title = template_child (f, "window_title");
  GtkLabel *detail = template_child (f, "phase_detail");
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  BpvHit hit = { BPV_HIT_NEURON, 2, 0, 0 };
  BpvStepper *st = bpv_session_get_stepper (f->session);

  bpv_session_set_selection (f->session, &hit);
  for (int i = 0; i < 12; i++)  /* one step of 9 stops, and into the next */
    {
      guint64 in_title, in_card, in_inspector;

      activate (f, "step");
      spin (0.02);
      in_title = step_after (adw_window_title_get_subtitle (title), " · step ");
      in_card = step_after (gtk_label_get_text (detail), "step ");
      in_inspector = step_after (bpv_inspector_get_explanation (inspector)->context, " · step ");
      if (in_title != in_card || in_card != in_inspector)
        fail_msg ("%s: the title says step %" G_GUINT64_FORMAT ", the card step %" G_GUINT64_FORMAT
                  ", the inspector step %" G_GUINT64_FORMAT, bpv_step_phase_to_string (bpv_stepper_get_phase (st)),
                  in_title, in_card, in_inspector);
      assert_int_equal (in_card, i < 9 ? 1 : 2);
      /* Whose cost the card names, as the canvas does. */
      if (bpv_stepper_get_phase (st) == BPV_STEP_COST)
        assert_non_null (strstr (gtk_label_get_text (detail), "this sample’s cost"));
    }
}

/* ----------------------------------------------- checkable by hand and keys */

/* deep-sigmoid (nine layers) in a 1280 × 900 window, stepped through the
 * forward and the whole backward pass. */
static int
setup_deep (void **state)
{
  g_autofree char *path = example_path ("deep-sigmoid");
  Fixture *f = open_model_window (path, NULL);
  const BpNetwork *net;

  spin (0.3);
  net = bpv_session_get_network (f->session);
  /* Input, nine layers forward, the cost, nine layers back. */
  for (gsize i = 0; i < 2 * net->n_layers + 2; i++)
    assert_true (bpv_session_step (f->session, NULL));
  assert_true (bpv_session_backward_known (f->session, 0));
  *state = f;
  return 0;
}

static gpointer
inspector_child (Fixture    *f,
                 const char *name)
{
  gpointer child = gtk_widget_get_template_child (bpv_window_get_inspector (f->window),
                                                  BPV_TYPE_INSPECTOR, name);

  assert_non_null (child);
  return child;
}

/* Dark (text) pixels of `label` as GTK draws the inspector around it. */
static int
text_pixels_of (Fixture  *f,
                GtkLabel *label)
{
  GtkWidget *inspector = bpv_window_get_inspector (f->window);
  int w = gtk_widget_get_width (inspector), h = gtk_widget_get_height (inspector), n = 0;
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (inspector);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  graphene_rect_t r;

  assert_true (gtk_widget_compute_bounds (GTK_WIDGET (label), inspector, &r));
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return 0;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (f->window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  for (int y = MAX (0, (int) r.origin.y); y < MIN (h, (int) (r.origin.y + r.size.height)); y++)
    for (int x = MAX (0, (int) r.origin.x); x < MIN (w, (int) (r.origin.x + r.size.width)); x++)
      {
        const guchar *px = pixels + (gsize) y * w * 4 + 4 * x;

        n += px[3] > 160 && px[0] < 110 && px[1] < 110 && px[2] < 110;
      }
  return n;
}

/* W(1) of deep-sigmoid: δ(1) written out as its terms, the chain's product
 * in view without scrolling, no factor split across lines. */
static void
test_deep_w1_checkable_by_hand (void **state)
{
  Fixture *f = *state;
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  BpvHit hit = { BPV_HIT_EDGE, 1, 2, 1 };
  GtkLabel *chain = inspector_child (f, "chain_label");
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (chain), GTK_TYPE_SCROLLED_WINDOW);
  const BpvExplanation *ex;
  g_autofree char *text = NULL;
  PangoLayout *layout;
  PangoLayoutIter *iter;
  graphene_point_t top;
  int baseline;
  double first_baseline;

  bpv_session_set_selection (f->session, &hit);
  spin (0.2);
  ex = bpv_inspector_get_explanation (inspector);
  assert_non_null (ex);
  /* Drawn, not only laid out: the title and the equations show as text. */
  spin (0.5);
  {
    int title = text_pixels_of (f, inspector_child (f, "title_label"));
    int equations = text_pixels_of (f, inspector_child (f, "equations_label"));

    print_message ("text pixels: title %d, equations %d\n", title, equations);
    assert_true (title > 100);
    assert_true (equations > 1000);
  }
  text = bpv_inspector_dup_text (inspector);
  assert_non_null (strstr (text, "where δ(1)₃ = σ′(z(1)₃) · Σk W(2)k₃ δ(2)k"));
  /* Six units in layer 2: four written out, two folded with their sum. */
  assert_non_null (strstr (text, "+ 2 more terms, sum"));
  assert_int_equal (ex->n_delta_terms, 6);
  if (!(fabs ((ex->delta_shown + ex->delta_rest) * ex->delta_scale * ex->a_prev - ex->product)
        <= 1e-12 * fabs (ex->product)))
    fail_msg ("the terms give %.17g, the gradient shown is %.17g",
              (ex->delta_shown + ex->delta_rest) * ex->delta_scale * ex->a_prev, ex->product);

  /* The product is the chain's first line, and that line is in view. */
  assert_true (g_str_has_prefix (gtk_label_get_text (chain), "product of the 19 factors = "));
  assert_true (gtk_widget_compute_point (GTK_WIDGET (chain), scrolled, &GRAPHENE_POINT_INIT (0, 0), &top));
  layout = gtk_label_get_layout (chain);
  iter = pango_layout_get_iter (layout);
  baseline = pango_layout_iter_get_baseline (iter);
  first_baseline = top.y + (double) baseline / PANGO_SCALE;
  print_message ("product line baseline at %.0f px of a %d px inspector\n", first_baseline,
                 gtk_widget_get_height (scrolled));
  assert_true (first_baseline + 4 < gtk_widget_get_height (scrolled));
  /* No line of the chain ends inside a factor ("∂a(2)/" | "∂z(2)"). */
  do
    {
      PangoLayoutLine *line = pango_layout_iter_get_line_readonly (iter);
      const char *all = pango_layout_get_text (layout);
      g_autofree char *piece = g_strndup (all + line->start_index, line->length);

      g_strchomp (piece);
      if (g_str_has_suffix (piece, "/") || g_str_has_suffix (piece, "/\u2060"))
        fail_msg ("a line of the chain ends inside a factor: “%s”", piece);
    }
  while (pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
}

/* C on a neuron checks its bias (so its δ) and says so; on an input it
 * says why there is nothing to check. */
static void
test_check_on_a_neuron_says_what (void **state)
{
  Fixture *f = *state;
  GtkLabel *check = inspector_child (f, "check_label");
  BpvHit neuron = { BPV_HIT_NEURON, 2, 1, 0 }, input = { BPV_HIT_NEURON, 0, 0, 0 };
  const BpNetwork *net = bpv_session_get_network (f->session);
  double bp = NAN, num = NAN;

  bpv_session_set_selection (f->session, &neuron);
  spin (0.05);
  assert_true (enabled (f, "check-gradient"));
  assert_false (enabled (f, "copy-latex"));
  activate (f, "check-gradient");
  assert_true (gtk_widget_get_visible (GTK_WIDGET (check)));
  assert_non_null (strstr (gtk_label_get_text (check), "Checks this neuron's δ through its bias: ∂C/∂b(2)[2]"));
  assert_true (bpv_inspector_check_gradient (BPV_INSPECTOR (bpv_window_get_inspector (f->window)),
                                             &bp, &num));
  /* The bias's gradient, summed over the batch. */
  assert_true (bp == net->layers[1].db[1]);
  assert_true (fabs (bp - num) <= 1e-5 * fabs (bp) + 1e-9);

  bpv_session_set_selection (f->session, &input);
  spin (0.05);
  assert_true (enabled (f, "check-gradient"));
  activate (f, "check-gradient");
  assert_true (gtk_widget_get_visible (GTK_WIDGET (check)));
  assert_non_null (strstr (gtk_label_get_text (check), "an input has no parameter to check"));
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  char **text = data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

/* Copy as LaTeX puts the selected weight's derivation on the clipboard:
 * what bpv_explain_latex gives (test-latex compiles that). */
static void
test_copy_latex (void **state)
{
  Fixture *f = *state;
  BpvHit hit = { BPV_HIT_EDGE, 1, 0, 1 };
  g_autofree char *want = NULL, *got = NULL;
  g_autoptr(GError) error = NULL;

  bpv_session_set_selection (f->session, &hit);
  spin (0.05);
  assert_true (enabled (f, "copy-latex"));
  want = bpv_explain_latex (f->session, &hit, &error);
  assert_non_null (want);
  activate (f, "copy-latex");
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), NULL,
                                 on_clipboard_text, &got);
  assert_true (spin_until (is_set, &got, 5));
  assert_string_equal (got, want);
  assert_non_null (strstr (got, "\\frac{\\partial C}{\\partial W^{(1)}_{1,2}}"));
  assert_non_null (strstr (got, "\\sum_{k}"));
}

/* Up/Down, Alt+Left/Right, Enter and Escape move the selection on the
 * focused canvas, plain ← → are left to the stepper, and the accessible
 * description names the selection and its numbers. */
static void
test_keyboard_selection (void **state)
{
  Fixture *f = *state;
  BpvNetworkView *view = view_of (f);
  const BpvHit *sel = bpv_session_get_selection (f->session);
  g_autofree char *described = NULL;

  gtk_widget_grab_focus (GTK_WIDGET (view));
  assert_int_equal (sel->kind, BPV_HIT_NONE);
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Down, 0));
  assert_int_equal (sel->kind, BPV_HIT_NEURON);
  assert_int_equal (sel->layer, 1);
  assert_int_equal (sel->j, 0);
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Down, 0));
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Down, 0));
  assert_int_equal (sel->j, 2);
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Up, 0));
  assert_int_equal (sel->j, 1);
  /* Across layers with Alt; plain ← → belong to the stepper. */
  assert_false (bpv_network_view_key_navigate (view, GDK_KEY_Right, 0));
  assert_false (bpv_network_view_key_navigate (view, GDK_KEY_Left, 0));
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Right, GDK_ALT_MASK));
  assert_int_equal (sel->kind, BPV_HIT_NEURON);
  assert_int_equal (sel->layer, 2);
  assert_int_equal (sel->j, 1);
  /* Onto the weights into a(2)₂, then the next one in. */
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Return, 0));
  assert_int_equal (sel->kind, BPV_HIT_EDGE);
  assert_int_equal (sel->layer, 2);
  assert_int_equal (sel->j, 1);
  assert_int_equal (sel->k, 0);
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Down, 0));
  assert_int_equal (sel->k, 1);
  spin (0.05);
  /* The inspector follows, and so does the description. */
  {
    const BpvExplanation *ex = bpv_inspector_get_explanation (BPV_INSPECTOR (bpv_window_get_inspector (f->window)));

    assert_non_null (ex);
    assert_int_equal (ex->hit.kind, BPV_HIT_EDGE);
    assert_int_equal (ex->hit.k, 1);
  }
  described = bpv_network_view_describe (view);
  assert_non_null (strstr (described, "Selected: weight W(2) from unit 2 of a(1) to unit 2 of a(2). W(2)₂₂ = "));
  assert_non_null (strstr (described, "∂C/∂W = "));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, described);
  /* Along the weight to the neuron it comes from; Escape back and off. */
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Left, GDK_ALT_MASK));
  assert_int_equal (sel->kind, BPV_HIT_NEURON);
  assert_int_equal (sel->layer, 1);
  assert_int_equal (sel->j, 1);
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Return, 0));
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Escape, 0));
  assert_int_equal (sel->kind, BPV_HIT_NEURON);
  assert_int_equal (sel->layer, 1);
  assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Escape, 0));
  assert_int_equal (sel->kind, BPV_HIT_NONE);
  /* At the edges the selection stays. */
  {
    BpvHit last = { BPV_HIT_NEURON, 9, 0, 0 };

    bpv_session_set_selection (f->session, &last);
    assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Right, GDK_ALT_MASK));
    assert_int_equal (sel->layer, 9);
    assert_true (bpv_network_view_key_navigate (view, GDK_KEY_Down, 0));
    assert_int_equal (sel->j, 0);
  }
}

/* Formulas in palette tooltips are typeset, not TeX source. */
static void
test_palette_formulas_as_math (void **state)
{
  Fixture *f = *state;
  GtkWidget *box = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                              BPV_TYPE_WINDOW, "palette_box"));
  guint n_items = 0;
  gboolean softmax = FALSE;

  for (GtkWidget *item = gtk_widget_get_first_child (box); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");
      const char *markup = gtk_widget_get_tooltip_markup (item);
      g_autofree char *plain = NULL;

      if (what == NULL || markup == NULL)
        continue;
      assert_true (pango_parse_markup (markup, -1, 0, NULL, &plain, NULL, NULL));
      if (strstr (plain, "^{") != NULL || strstr (plain, "_k") != NULL || strstr (plain, "\\") != NULL)
        fail_msg ("%s: the tooltip shows TeX source: %s", what, plain);
      if (g_str_equal (what, "layer:softmax"))
        softmax = strstr (markup, "e<sup>z<sub>i</sub></sup>") != NULL
                  && strstr (markup, "Σ<sub>k</sub>") != NULL;
      n_items++;
    }
  assert_true (n_items >= 14);
  assert_true (softmax);
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
    cmocka_unit_test_setup_teardown (test_ui_responsive_while_training, setup, teardown),
    cmocka_unit_test_setup_teardown (test_edit_actions, setup, teardown),
    cmocka_unit_test_setup_teardown (test_undo_menu_follows_labels, setup, teardown),
    cmocka_unit_test_setup_teardown (test_shortcut_actions_exist, setup, teardown),
    cmocka_unit_test_setup_teardown (test_open_csv_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_palette, setup, teardown),
    cmocka_unit_test_setup_teardown (test_save_and_close_question, setup, teardown),
    cmocka_unit_test_setup_teardown (test_diverging_training_marks_fault, setup_diverge, teardown),
    cmocka_unit_test_setup_teardown (test_chain_quiz_answer_on_request, setup_chain_rule, teardown),
    cmocka_unit_test_setup_teardown (test_numbers_agree_while_training, setup, teardown),
    cmocka_unit_test_setup_teardown (test_step_mode_one_step_number, setup, teardown),
    cmocka_unit_test_setup_teardown (test_deep_w1_checkable_by_hand, setup_deep, teardown),
    cmocka_unit_test_setup_teardown (test_check_on_a_neuron_says_what, setup_deep, teardown),
    cmocka_unit_test_setup_teardown (test_copy_latex, setup_deep, teardown),
    cmocka_unit_test_setup_teardown (test_keyboard_selection, setup_deep, teardown),
    cmocka_unit_test_setup_teardown (test_palette_formulas_as_math, setup, teardown),
  };

  g_log_set_writer_func (fail_on_warnings, NULL, NULL);
  /* GTK's test AT context (no bus): with GTK_A11Y=none, widgets have no
   * accessible context and gtk_test_accessible_check_property () only
   * prints criticals instead of checking. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  if (!gtk_init_check ())
    {
      fprintf (stderr, "test-window: no display (run it under xvfb-run)\n");
      return 1;
    }
  adw_init ();
  bpv_ui_init ();
  {
    int failed = cmocka_run_group_tests_name ("window", tests, NULL, NULL);

    /* Heat-map tasks and workers must not run under exit (). */
    gate_open (&worker_gate);
    bpv_background_wait_all ();
    if (g_atomic_int_get (&unexpected_logs) > 0)
      {
        fprintf (stderr, "test-window: %u GLib/GTK warning(s) or critical(s)\n",
                 g_atomic_int_get (&unexpected_logs));
        failed++;
      }
    return failed;
  }
}
