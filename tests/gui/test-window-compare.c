/* test-window-compare.c — "Compare With a Variant…" in the real window:
 * the action's dialog opens the compare window with A = the network as it
 * is and B = it with SGD → Adam; Step and Train move both to the same
 * step; a weight selected on A is selected on B; the timeline shows both
 * at the same recorded step, and the label's "B − A" is the recordings'
 * loss difference at that step; the main window's session is left as it
 * was; a model on other data is refused with the file's name.  And issue
 * 15's "Done when" in one window session: train, scrub the main window's
 * timeline back, compare that step against Adam at Adam's rate, train
 * both, read B's optimizer state for the selected weight, Keep B, undo.
 *
 * With BPV_COMPARE_SHOTS set to a folder, the variant dialog and the
 * compare window from a past step (trained, and scrubbed back) are saved
 * there as PNGs. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "test-gui.h"
#include "../test-examples.h"
#include "../test-main-loop.h"

#include "bpv-compare-window.h"
#include "bpv-inspector.h"
#include "bpv-network-view.h"
#include "bpv-timeline.h"
#include "bpv-trainer-thread.h"

typedef struct
{
  BpvSession       *session;
  BpvWindow        *window;
  BpvCompareWindow *compare;
} Fixture;

static gboolean
has_compare_window (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GList) tops = gtk_window_list_toplevels ();

  for (GList *l = tops; l != NULL; l = l->next)
    if (BPV_IS_COMPARE_WINDOW (l->data))
      {
        f->compare = l->data;
        return gtk_widget_get_mapped (l->data);
      }
  return FALSE;
}

static int
setup (void **state)
{
  g_autoptr(BpModel) model = test_example_model ("spirals-sigmoid");
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;

  f->session = bpv_session_new (model, &error);
  assert_non_null (f->session);
  f->window = bpv_window_new (NULL, f->session);
  gtk_window_present (GTK_WINDOW (f->window));
  spin (0.3);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  if (f->compare != NULL)
    gtk_window_destroy (GTK_WINDOW (f->compare));
  gtk_window_destroy (GTK_WINDOW (f->window));
  spin (0.1);
  g_object_unref (f->session);
  g_free (f);
  assert_no_new_warnings ();
  return 0;
}

static void
shot (Fixture    *f,
      const char *name)
{
  const char *dir = g_getenv ("BPV_COMPARE_SHOTS");

  if (dir == NULL || dir[0] == '\0')
    return;
  spin (0.5);
  assert_true (gui_window_shot (GTK_WIDGET (f->compare), dir, name));
  print_message ("wrote %s/%s\n", dir, name);
}

/* The variant dialog's rate entry: the last child of its third row. */
static GtkEditable *
rate_entry (GtkWidget *box)
{
  GtkWidget *row = gtk_widget_get_last_child (box);

  return GTK_EDITABLE (gtk_widget_get_last_child (row));
}

/* The variant dialog answered "Optimizer: adam": the placeholder says
 * what to type, B's rate is offered as Adam's own (not SGD's 0.3); the
 * compare window opens. */
static BpvCompareRun *
answer_adam (Fixture    *f,
             GtkWidget  *dialog,
             const char *shot_name)
{
  const char *dir = g_getenv ("BPV_COMPARE_SHOTS");
  GtkWidget *box = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog));
  GtkDropDown *choice = GTK_DROP_DOWN (gtk_widget_get_first_child (box));
  GtkEditable *value = GTK_EDITABLE (gtk_widget_get_next_sibling (GTK_WIDGET (choice)));

  gtk_drop_down_set_selected (choice, 1);
  assert_string_equal (gtk_entry_get_placeholder_text (GTK_ENTRY (value)), "e.g. adam, sgd, rmsprop");
  gtk_editable_set_text (value, "adam");
  assert_string_equal (gtk_editable_get_text (rate_entry (box)), "0.001");
  if (shot_name != NULL && dir != NULL && dir[0] != '\0')
    {
      spin (0.5);
      assert_true (gui_window_shot (dialog, dir, shot_name));
    }
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "compare");
  assert_true (spin_until (has_compare_window, f, 10));
  return bpv_compare_window_get_run (f->compare);
}

static gboolean
has_stepped (gpointer run)
{
  return bpv_compare_run_get_step_count (run) > 0;
}

static gboolean
trained_300 (gpointer data)
{
  Fixture *f = data;

  return bpv_compare_run_get_step_count (bpv_compare_window_get_run (f->compare)) >= 300;
}

/* The label under the timeline says the step and B − A at that step, as
 * the recordings have them. */
static void
assert_step_text (Fixture *f,
                  guint64  step,
                  gboolean past)
{
  BpvCompareRun *run = bpv_compare_window_get_run (f->compare);
  const char *text = bpv_compare_window_get_step_text (f->compare);
  g_autofree char *want_step = NULL, *want_diff = NULL;
  double la, lb;

  assert_true (bpv_compare_run_loss_at (run, step, &la, &lb));
  want_step = past ? g_strdup_printf ("Step %" PRIu64 " of %" PRIu64, step,
                                      bpv_compare_run_get_step_count (run))
                   : g_strdup_printf ("Step %" PRIu64 " ·", step);
  want_diff = g_strdup_printf ("B − A %+.4g", lb - la);
  if (!g_str_has_prefix (text, want_step) || strstr (text, want_diff) == NULL)
    fail_msg ("“%s”: wanted “%s” and “%s”", text, want_step, want_diff);
}

static void
test_compare_variant (void **state)
{
  Fixture *f = *state;
  const BpNetwork *main_net = bpv_session_get_network (f->session);
  g_autofree double *main_params = g_memdup2 (main_net->params, main_net->n_params * sizeof (double));
  GtkWidget *dialog;
  BpvCompareRun *run;
  BpvSession *a, *b;
  GtkAdjustment *adj;
  BpvHit hit = { BPV_HIT_EDGE, 2, 3, 1 };
  guint64 shown;

  /* The window's action opens the dialog; it asks what to change. */
  assert_true (g_action_group_has_action (G_ACTION_GROUP (f->window), "compare-variant"));
  dialog = bpv_compare_window_ask_variant (GTK_WINDOW (f->window), f->session);
  run = answer_adam (f, dialog, NULL);
  a = bpv_compare_run_get_a (run);
  b = bpv_compare_run_get_b (run);
  assert_string_equal (bpv_compare_run_get_caption (run, FALSE), "A · sgd, lr 0.3");
  assert_string_equal (bpv_compare_run_get_caption (run, TRUE), "B · adam, lr 0.001");
  /* The main window is at step 0: no origin to speak of. */
  assert_int_equal (bpv_compare_run_get_origin (run), 0);
  assert_string_equal (bpv_compare_window_get_caption (f->compare, TRUE), "B · adam, lr 0.001 — step 0");
  assert_string_equal (bpv_session_get_optimizer (b)->id, "adam");
  /* A is the network as it is, weights included. */
  assert_memory_equal (bpv_session_get_network (a)->params, main_params,
                       main_net->n_params * sizeof (double));

  /* Step: one step of both. */
  for (int i = 0; i < 5; i++)
    gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.step", NULL);
  assert_int_equal (bpv_session_get_step_count (a), 5);
  assert_int_equal (bpv_session_get_step_count (b), 5);
  assert_step_text (f, 5, FALSE);

  /* Train: both, to the same step. */
  gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.play", NULL);
  assert_true (bpv_compare_run_get_running (run));
  assert_true (spin_until (trained_300, f, 120));
  gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.play", NULL);
  assert_false (bpv_compare_run_get_running (run));
  assert_int_equal (bpv_session_get_step_count (a), bpv_session_get_step_count (b));
  assert_step_text (f, bpv_session_get_step_count (a), FALSE);

  /* A weight selected on A is selected on B. */
  bpv_session_set_selection (a, &hit);
  assert_memory_equal (bpv_session_get_selection (b), &hit, sizeof hit);
  spin (0.2);
  shot (f, "compare-trained.png");

  /* The timeline: both at the same recorded step. */
  adj = gtk_range_get_adjustment (GTK_RANGE (bpv_compare_window_get_scale (f->compare)));
  assert_true (gtk_adjustment_get_upper (adj) >= 3);
  gtk_adjustment_set_value (adj, floor (gtk_adjustment_get_upper (adj) / 2));
  assert_true (bpv_session_is_viewing_past (a));
  assert_true (bpv_session_is_viewing_past (b));
  shown = bpv_session_get_shown_step (a);
  assert_int_equal (bpv_session_get_shown_step (b), shown);
  assert_true (shown > 0 && shown < bpv_session_get_step_count (a));
  assert_step_text (f, shown, TRUE);
  /* Each canvas draws its own session's past network. */
  {
    BpvRenderState sa = { 0 }, sb = { 0 };

    bpv_network_view_get_render_state (BPV_NETWORK_VIEW (bpv_compare_window_get_view (f->compare, FALSE)), &sa);
    bpv_network_view_get_render_state (BPV_NETWORK_VIEW (bpv_compare_window_get_view (f->compare, TRUE)), &sb);
    assert_true (sa.net == bpv_session_get_network (a));
    assert_true (sb.net == bpv_session_get_network (b));
    assert_true (sa.net != sb.net);
  }
  shot (f, "compare-scrubbed.png");
  gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.present", NULL);
  assert_false (bpv_session_is_viewing_past (a));
  assert_false (bpv_session_is_viewing_past (b));

  /* Closing it leaves the main window's session as it was. */
  gtk_window_destroy (GTK_WINDOW (f->compare));
  f->compare = NULL;
  spin (0.1);
  assert_int_equal (bpv_session_get_step_count (f->session), 0);
  assert_memory_equal (bpv_session_get_network (f->session)->params, main_params,
                       main_net->n_params * sizeof (double));
}

/* The inspector's own scrolled window (its details page, shown). */
static GtkWidget *
first_scrolled (GtkWidget *widget)
{
  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_SCROLLED_WINDOW (widget))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = first_scrolled (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The shown label under `widget` whose text has `needle`. */
static GtkLabel *
find_label (GtkWidget  *widget,
            const char *needle)
{
  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), needle) != NULL)
    return GTK_LABEL (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *found = find_label (c, needle);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Scrolls an inspector so that its "Optimizer (…)" line is at the top. */
static void
scroll_to_optimizer (GtkWidget *inspector)
{
  GtkWidget *sw = first_scrolled (inspector);
  GtkLabel *label = find_label (inspector, "Optimizer (");
  PangoLayout *layout;
  const char *text, *at;
  PangoRectangle pos;
  int lx, ly;
  double x, y;
  GtkAdjustment *v;

  assert_non_null (sw);
  assert_non_null (label);
  layout = gtk_label_get_layout (label);
  text = pango_layout_get_text (layout);
  at = strstr (text, "Optimizer (");
  assert_non_null (at);
  pango_layout_index_to_pos (layout, (int) (at - text), &pos);
  gtk_label_get_layout_offsets (label, &lx, &ly);
  /* The label's layout offsets are in its widget's coordinates. */
  assert_true (gtk_widget_translate_coordinates (GTK_WIDGET (label),
                                                 gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (sw)),
                                                 0, (double) pos.y / PANGO_SCALE, &x, &y));
  v = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sw));
  gtk_adjustment_set_value (v, y - 4);
}

static gboolean
main_trained (gpointer data)
{
  Fixture *f = data;

  return bpv_session_get_step_count (f->session) >= 400;
}

static gboolean
main_stopped (gpointer data)
{
  Fixture *f = data;

  return !bpv_session_get_running (f->session) && bpv_session_get_record (f->session) != NULL;
}

static gboolean
compare_closed (gpointer data)
{
  g_autoptr(GList) tops = gtk_window_list_toplevels ();

  for (GList *l = tops; l != NULL; l = l->next)
    if (BPV_IS_COMPARE_WINDOW (l->data))
      return FALSE;
  return TRUE;
}

/* "Step O + N" on both captions, the same N. */
static void
assert_captions_at (Fixture *f,
                    guint64  origin,
                    guint64  step)
{
  for (int b = 0; b < 2; b++)
    {
      g_autofree char *want = g_strdup_printf ("— from step %" PRIu64 " + %" PRIu64, origin, step);
      const char *text = bpv_compare_window_get_caption (f->compare, b);

      if (!g_str_has_suffix (text, want))
        fail_msg ("caption “%s” does not end in “%s”", text, want);
    }
}

/* Issue 15's "Done when", in one window session: train, scrub the main
 * window's timeline back, compare that network against the same with Adam
 * (at Adam's own rate), train both, read the selected weight's optimizer
 * state in B's inspector, keep B, undo. */
static void
test_compare_from_past_and_keep (void **state)
{
  Fixture *f = *state;
  GObject *timeline = gtk_widget_get_template_child (GTK_WIDGET (f->window), BPV_TYPE_WINDOW,
                                                     "timeline");
  GtkWidget *scale = bpv_timeline_get_scale (BPV_TIMELINE (timeline));
  const BpNetwork *live = bpv_session_get_network (f->session);
  gsize P = live->n_params;
  g_autofree double *present = NULL, *past = NULL, *kept = NULL;
  g_autoptr(BpNetwork) scratch = NULL;
  g_autoptr(BpOptimizer) past_opt = NULL;
  g_autoptr(GError) error = NULL;
  const BpRecord *rec;
  guint64 steps, origin, step;
  gsize n, idx;
  GtkWidget *dialog;
  const char *body;
  BpvCompareRun *run;
  BpvSession *a, *b;
  BpvHit hit = { BPV_HIT_EDGE, 2, 3, 1 };
  const BpvExplanation *ex;
  const BpOptimizer *adam;
  g_autofree char *text = NULL, *undo = NULL;

  /* Train the main window's run (SGD at 0.3), then pause. */
  bpv_session_set_speed (f->session, 1.0);
  assert_true (bpv_session_play (f->session, NULL));
  assert_true (spin_until (main_trained, f, 120));
  bpv_session_pause (f->session);
  assert_true (spin_until (main_stopped, f, 120));
  steps = bpv_session_get_step_count (f->session);
  present = g_memdup2 (live->params, P * sizeof (double));
  rec = bpv_session_get_record (f->session);
  n = bp_record_n (rec);

  /* Scrub the timeline back to the middle of the run. */
  gtk_range_set_value (GTK_RANGE (scale), (double) (n / 2));
  origin = bp_record_step_at (rec, n / 2);
  assert_true (bpv_session_is_viewing_past (f->session));
  assert_int_equal (bpv_session_get_shown_step (f->session), origin);
  assert_true (origin > 0 && origin < steps);
  past = g_memdup2 (bpv_session_get_network (f->session)->params, P * sizeof (double));
  scratch = bp_network_copy (live);
  past_opt = bp_optimizer_copy (bpv_session_get_optimizer (f->session));
  assert_true (bp_record_restore (rec, n / 2, scratch, past_opt, NULL, &error));

  /* Compare with a variant: the dialog says A is that step. */
  dialog = bpv_compare_window_ask_variant (GTK_WINDOW (f->window), f->session);
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog));
  {
    g_autofree char *want = g_strdup_printf ("as shown, at step %" PRIu64, origin);

    if (strstr (body, want) == NULL)
      fail_msg ("“%s” does not say “%s”", body, want);
  }
  run = answer_adam (f, dialog, "compare-variant-dialog.png");
  a = bpv_compare_run_get_a (run);
  b = bpv_compare_run_get_b (run);

  /* A is the network as shown: that step's weights and optimizer state. */
  assert_int_equal (bpv_compare_run_get_origin (run), origin);
  assert_memory_equal (bpv_session_get_network (a)->params, past, P * sizeof (double));
  assert_memory_equal (bpv_session_get_network (b)->params, past, P * sizeof (double));
  assert_true (bpv_session_get_optimizer (a)->t == origin);
  assert_true (past_opt->t == origin);
  assert_memory_equal (bpv_session_get_optimizer (a)->state, past_opt->state,
                       bp_optimizer_state_size (past_opt) * sizeof (double));
  assert_true (bpv_session_get_learning_rate (b) == 0.001);
  assert_captions_at (f, origin, 0);
  assert_true (g_str_has_prefix (bpv_compare_window_get_caption (f->compare, FALSE), "A · sgd, lr 0.3 — "));
  assert_true (g_str_has_prefix (bpv_compare_window_get_caption (f->compare, TRUE), "B · adam, lr 0.001 — "));
  /* The main window's present is untouched. */
  assert_memory_equal (live->params, present, P * sizeof (double));

  /* Train both, side by side. */
  gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.play", NULL);
  assert_true (spin_until (trained_300, f, 120));
  gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.play", NULL);
  step = bpv_compare_run_get_step_count (run);
  assert_int_equal (bpv_session_get_step_count (b), step);
  assert_captions_at (f, origin, step);
  assert_step_text (f, step, FALSE);

  /* The weight selected on A is B's too; B's inspector reads Adam's state
   * for it, the numbers of B's optimizer. */
  bpv_session_set_selection (a, &hit);
  assert_memory_equal (bpv_session_get_selection (b), &hit, sizeof hit);
  spin (0.3);
  ex = bpv_inspector_get_explanation (BPV_INSPECTOR (bpv_compare_window_get_inspector (f->compare, TRUE)));
  assert_non_null (ex);
  assert_true (ex->has_optimizer);
  adam = bpv_session_get_optimizer (b);
  idx = (gsize) (bpv_session_get_network (b)->layers[1].W - bpv_session_get_network (b)->params)
        + 3 * bpv_session_get_network (b)->layers[1].in + 1;
  assert_int_equal (ex->optimizer.n_slots, 2);
  assert_string_equal (ex->optimizer.slot_names[0], "m");
  assert_string_equal (ex->optimizer.slot_names[1], "v");
  assert_true (ex->optimizer.slots[0] == adam->state_views[0][idx]);
  assert_true (ex->optimizer.slots[1] == adam->state_views[1][idx]);
  assert_true (adam->t == step);
  text = bpv_inspector_dup_text (BPV_INSPECTOR (bpv_compare_window_get_inspector (f->compare, TRUE)));
  {
    g_autofree char *m = bpv_format_number (adam->state_views[0][idx]);
    g_autofree char *want = g_strdup_printf ("m = %s", m);

    if (strstr (text, "Optimizer (adam)") == NULL || strstr (text, want) == NULL)
      fail_msg ("B's inspector “%s” does not say “Optimizer (adam)” and “%s”", text, want);
  }
  /* The inspectors scrolled to their optimizer line, for the picture. */
  spin (0.3);
  for (int side = 0; side < 2; side++)
    scroll_to_optimizer (bpv_compare_window_get_inspector (f->compare, side));
  spin (0.3);
  shot (f, "compare-from-past.png");

  /* Scrubbed back: both at the same step. */
  {
    GtkAdjustment *adj = gtk_range_get_adjustment (GTK_RANGE (bpv_compare_window_get_scale (f->compare)));
    guint64 shown;

    gtk_adjustment_set_value (adj, floor (gtk_adjustment_get_upper (adj) / 2));
    shown = bpv_session_get_shown_step (a);
    assert_int_equal (bpv_session_get_shown_step (b), shown);
    assert_true (shown > 0 && shown < step);
    assert_captions_at (f, origin, shown);
    assert_step_text (f, shown, TRUE);
    spin (0.3);
    shot (f, "compare-from-past-scrubbed.png");
    gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.present", NULL);
  }

  /* Keep B: the main window's model, one undo step; the window closes. */
  kept = g_memdup2 (bpv_session_get_network (b)->params, P * sizeof (double));
  gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.keep-b", NULL);
  assert_true (spin_until (compare_closed, f, 10));
  f->compare = NULL;
  assert_string_equal (bpv_session_get_optimizer (f->session)->id, "adam");
  assert_true (bpv_session_get_learning_rate (f->session) == 0.001);
  assert_memory_equal (bpv_session_get_network (f->session)->params, kept, P * sizeof (double));
  assert_int_equal (bpv_session_get_step_count (f->session), step);
  assert_false (bpv_session_is_viewing_past (f->session));
  undo = g_strdup_printf ("Keep B (adam, lr 0.001, from step %" PRIu64 ")", origin);
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (f->session)), undo);
  spin (0.2);

  /* Undo gives back the model, the run and its recording. */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "undo", NULL);
  spin (0.1);
  assert_string_equal (bpv_session_get_optimizer (f->session)->id, "sgd");
  assert_memory_equal (bpv_session_get_network (f->session)->params, present, P * sizeof (double));
  assert_int_equal (bpv_session_get_step_count (f->session), steps);
  assert_int_equal (bp_record_n (bpv_session_get_record (f->session)), n);
}

/* A model on other data is refused, naming the file and what differs. */
static void
test_compare_file_refused (void **state)
{
  Fixture *f = *state;
  g_autofree char *xor = test_example_path ("xor");
  g_autofree char *relu = test_example_path ("spirals-relu");
  g_autoptr(GError) error = NULL;

  assert_false (bpv_compare_window_open_file (GTK_WINDOW (f->window), f->session, xor, &error));
  assert_non_null (error);
  if (strstr (error->message, "xor.bpmodel.json: ") != error->message)
    fail_msg ("“%s” does not name the file first", error->message);
  assert_false (has_compare_window (f));

  /* The same data: it opens, B's caption from the file. */
  assert_true (bpv_compare_window_open_file (GTK_WINDOW (f->window), f->session, relu, NULL));
  assert_true (spin_until (has_compare_window, f, 10));
  assert_non_null (strstr (bpv_compare_run_get_caption (bpv_compare_window_get_run (f->compare), TRUE),
                           "relu"));

  /* Closed while it trains: it stops, and nothing is left running. */
  {
    g_autoptr(BpvCompareRun) run = g_object_ref (bpv_compare_window_get_run (f->compare));

    gtk_widget_activate_action (GTK_WIDGET (f->compare), "compare.play", NULL);
    assert_true (spin_until (has_stepped, run, 30));
    gtk_window_destroy (GTK_WINDOW (f->compare));
    f->compare = NULL;
    assert_false (bpv_compare_run_get_running (run));
    spin (0.2);
  }
}

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_compare_variant, setup, teardown),
    cmocka_unit_test_setup_teardown (test_compare_file_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_compare_from_past_and_keep, setup, teardown),
  };
  int failed;

  if (!gui_test_init ("test-window-compare"))
    return 77;
  failed = cmocka_run_group_tests_name ("window-compare", tests, NULL, NULL);
  bpv_background_wait_all ();
  return failed + gui_logs_failed ();
}
