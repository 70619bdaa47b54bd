/* test-window-explain.c — what the window explains, with numbers that must
 * agree: training that diverges marks its fault; the numbers while training and after one step; a deep network's gradient
 * checkable by hand; the LaTeX derivation; the selection by keys; formulas
 * typeset in the palette (see test-window.h).
 */
#include "config.h"

#include "test-window.h"

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

/* ------------------------------------------------------ NaN at lr 100 */

/* A window of 1280 × 900 on the model file at `path`, laid out; the model
 * is handed back through `model_out` when it is not NULL. */
static Fixture *
open_model_window (const char  *path,
                   BpModel    **model_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_load_file (path, NULL, &error);
  Fixture *f;

  if (model == NULL)
    fail_msg ("%s", error->message);
  f = fixture_new (model);
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

int
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

gpointer
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
  pixels = widget_pixels (f, widget, w, h);
  assert_non_null (pixels);
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
void
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

int
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
void
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
void
test_step_mode_one_step_number (void **state)
{
  Fixture *f = *state;
  AdwWindowTitle *title = template_child (f, "window_title");
  GtkLabel *detail = template_child (f, "phase_detail");
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  BpvHit hit = { BPV_HIT_NEURON, 2, 0, 0 };
  BpvStepper *st = bpv_session_get_stepper (f->session);

  /* Adam: at the Update stop the inspector shows what it holds for b(2)₁. */
  assert_true (bpv_session_set_optimizer (f->session, "adam", NULL));
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
      if (bpv_stepper_get_phase (st) == BPV_STEP_UPDATE)
        {
          const char *text = bpv_inspector_get_explanation (inspector)->text;

          assert_non_null (strstr (text, "update (adam): b(2)₁  "));
          assert_non_null (strstr (text, "Optimizer (adam) for b(2)₁\nstep 1, lr = "));
          assert_non_null (strstr (text, "= b after − b before = "));
          window_shot (f, g_getenv ("BPV_EXPLAIN_SHOTS"), "bias-optimizer-update.png");
        }
    }
}

/* ----------------------------------------------- checkable by hand and keys */

/* deep-sigmoid (nine layers) in a 1280 × 900 window, stepped through the
 * forward and the whole backward pass. */
int
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
  g_autofree guchar *pixels = NULL;
  graphene_rect_t r;

  assert_true (gtk_widget_compute_bounds (GTK_WIDGET (label), inspector, &r));
  pixels = widget_pixels (f, inspector, w, h);
  if (pixels == NULL)
    return 0;
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
void
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
void
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
void
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
void
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
void
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

