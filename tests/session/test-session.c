/* test-session.c — the GTK-free side of the app, without a display: the
 * training worker (snapshots at most ~30 a second, no record lost, a
 * final snapshot with the optimizer state, a NaN stop that names the layer
 * and unit), and the session: what step mode shows at each stop, the
 * history across stepping back, training, editing with undo, saving, and
 * the network following the dataset's widths.  The inspector's numbers
 * are in test-session-explain.c (test-session.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-session.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bp-model.h"
#include "bpv-explain.h"
#include "bpv-session.h"
#include "bpv-trainer-thread.h"

#include "../test-main-loop.h"

/* ---------------------------------------------------------- the worker */

typedef struct
{
  guint     deliveries;
  guint     records;
  guint64   last_step;
  gboolean  sorted;
  gboolean  final;
  guint64   final_step;
  gsize     opt_state_size;
  GError   *error;
  BpTrainFault fault;
} Received;

static void
on_snapshot (BpvTrainSnapshot *snap,
             gpointer          data)
{
  Received *r = data;

  r->deliveries++;
  for (guint i = 0; i < snap->norm_steps->len; i++)
    {
      guint64 s = g_array_index (snap->norm_steps, guint64, i);

      if (s <= r->last_step)
        r->sorted = FALSE;
      r->last_step = s;
      r->records++;
    }
  if (snap->final)
    {
      r->final = TRUE;
      r->final_step = snap->step;
      r->opt_state_size = snap->opt_state_size;
      r->error = g_steal_pointer (&snap->error);
      r->fault = snap->fault;
    }
  bpv_train_snapshot_free (snap);
}

static gboolean
received_final (gpointer data)
{
  return ((Received *) data)->final;
}

static gboolean
delivered_enough (gpointer data)
{
  Received *r = data;

  return r->deliveries >= 10 && r->last_step > 500;
}

static void
test_worker_snapshots (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(BpDataset) ds = bp_dataset_generate ("moons", 200, 0.1, 1, NULL);
  g_autofree double *params = g_memdup2 (model->network->params,
                                         model->network->n_params * sizeof (double));
  BpTrainConfig config = { .batch_size = 8, .shuffle = TRUE, .seed = 1, .keep_trace = TRUE };
  Received r = { .sorted = TRUE };
  BpvTrainerThread *thread;
  gint64 start;
  double seconds;

  (void) state;
  /* 1500 steps a second: every step is recorded. */
  thread = bpv_trainer_thread_new (model->network, model->optimizer, ds, NULL, &config, NULL,
                                   0, 0, 1500, on_snapshot, &r, NULL);
  assert_non_null (thread);
  /* Until 500 steps and 10 deliveries have come (about a second on an
   * idle machine; the bound only stops a hang). */
  start = g_get_monotonic_time ();
  spin_until (delivered_enough, &r, 120);
  bpv_trainer_thread_stop (thread);
  spin_until (received_final, &r, 120);
  seconds = (double) (g_get_monotonic_time () - start) / 1e6;
  bpv_trainer_thread_detach (thread);

  assert_true (r.final);
  assert_null (r.error);
  assert_true (r.final_step > 500);
  /* No record lost or repeated when snapshots are merged. */
  assert_int_equal (r.records, r.final_step);
  assert_true (r.sorted);
  /* At most 30 a second, plus the final one. */
  if (r.deliveries > (guint) (31 * seconds) + 2)
    fail_msg ("%u deliveries in %.2f s", r.deliveries, seconds);
  assert_true (r.deliveries >= 10);
  assert_int_equal (r.opt_state_size, bp_optimizer_state_size (model->optimizer));
  /* The caller's network is a different copy: untouched. */
  assert_memory_equal (model->network->params, params,
                       model->network->n_params * sizeof (double));
}

static void
test_worker_numeric_error (void **state)
{
  static const char csv[] = "x1,x2,y\n1e152,0,0.5\n1e152,0,0.5\n";
  g_autoptr(BpDataset) ds = bp_dataset_parse_csv (csv, strlen (csv), "tiny.csv", NULL, NULL);
  g_autoptr(BpNetwork) net = bp_network_new (2, NULL);
  g_autoptr(BpOptimizer) sgd = NULL;
  BpTrainConfig config = { .batch_size = 1, .shuffle = FALSE, .seed = 1, .keep_trace = TRUE };
  Received r = { .sorted = TRUE };
  BpvTrainerThread *thread;

  (void) state;
  assert_true (bp_network_add_layer (net, 1, "linear", NULL, NULL));
  assert_true (bp_network_set_cost (net, "mse", NULL, NULL));
  net->layers[0].W[0] = 1.0;  /* lr · ∂C/∂W = 10⁶ · 10³⁰⁴ overflows */
  sgd = bp_optimizer_new (NULL, "sgd", net->n_params, NULL);
  assert_true (bp_optimizer_set (sgd, "lr", 1e6, NULL));
  thread = bpv_trainer_thread_new (net, sgd, ds, NULL, &config, NULL, 0, 0, 0, on_snapshot, &r, NULL);
  assert_non_null (thread);
  spin_until (received_final, &r, 120);
  bpv_trainer_thread_detach (thread);
  assert_true (r.final);
  assert_non_null (r.error);
  assert_true (g_error_matches (r.error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
  assert_non_null (strstr (r.error->message, "layer 1, unit 1"));
  assert_int_equal (r.final_step, 0);
  assert_int_equal (r.fault.kind, BP_TRAIN_FAULT_PARAM_W);
  assert_int_equal (r.fault.step, 1);
  g_clear_error (&r.error);

  /* A run that goes on from step 41 names the step counted from 0, in the
   * fault and in the message. */
  r = (Received) { .sorted = TRUE };
  thread = bpv_trainer_thread_new (net, sgd, ds, NULL, &config, NULL, 41, 3, 0, on_snapshot, &r, NULL);
  assert_non_null (thread);
  spin_until (received_final, &r, 120);
  bpv_trainer_thread_detach (thread);
  assert_int_equal (r.final_step, 41);
  assert_int_equal (r.fault.step, 42);
  assert_non_null (strstr (r.error->message, "Training stopped at step 42: "));
  assert_null (strstr (r.error->message, "step 1:"));
  g_error_free (r.error);
}

/* --------------------------------------------------------- the session */

BpvSession *
default_session (void)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(GError) error = NULL;
  BpvSession *session = bpv_session_new (model, &error);

  if (session == NULL)
    fail_msg ("%s", error->message);
  return session;
}

static void
test_session_opens_default (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  const BpNetwork *net = bpv_session_get_network (s);
  gsize sample = 99;
  const BpTrace *t;

  (void) state;
  assert_int_equal (net->n_inputs, 2);
  assert_int_equal (net->n_layers, 3);
  assert_string_equal (bpv_session_get_dataset (s)->name, "moons");
  assert_int_equal (bpv_session_get_train (s)->n_rows + bpv_session_get_test (s)->n_rows, 400);
  t = bpv_session_get_trace (s, &sample);
  assert_non_null (t);
  assert_int_equal (sample, 0);
  assert_true (isfinite (t->loss));
  assert_non_null (bpv_session_get_decision_map (s));
  assert_non_null (bpv_session_get_neuron_maps (s));
  assert_false (bpv_session_get_running (s));
}

static void
test_history_follows_steps (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  const double *norms;
  gsize n_layers;
  guint64 stride;

  (void) state;
  for (int i = 0; i < 9; i++)
    assert_true (bpv_session_step (s, NULL));
  assert_int_equal (bpv_session_get_step_count (s), 1);
  assert_int_equal (bpv_session_get_grad_norms (s, &norms, &n_layers, &stride), 1);
  assert_int_equal (n_layers, 3);
  assert_true (norms[0] > 0);
  assert_true (bpv_session_step_back (s));
  assert_int_equal (bpv_session_get_step_count (s), 0);
  assert_int_equal (bpv_session_get_grad_norms (s, &norms, &n_layers, &stride), 0);
}

typedef struct
{
  BpvSession *session;
  guint       values;
  guint       messages;
  char       *message;
} Watch;

static void
on_values (BpvSession *s,
           Watch      *w)
{
  w->values++;
}

static void
on_message (BpvSession *s,
            const char *text,
            gboolean    is_error,
            Watch      *w)
{
  w->messages++;
  g_free (w->message);
  w->message = g_strdup (text);
}

static gboolean
trained_enough (gpointer data)
{
  return bpv_session_get_step_count (((Watch *) data)->session) >= 300;
}

static gboolean
stopped (gpointer data)
{
  return !bpv_session_get_running (((Watch *) data)->session);
}

static void
test_training_runs_and_hands_back (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  Watch w = { s, 0, 0, NULL };
  const BpNetwork *net = bpv_session_get_network (s);
  g_autofree double *before = g_memdup2 (net->params, net->n_params * sizeof (double));
  gsize n_epochs;
  guint64 t_before = bpv_session_get_optimizer (s)->t;

  (void) state;
  bpv_session_set_speed (s, 1.0);
  g_signal_connect (s, "values-changed", G_CALLBACK (on_values), &w);
  assert_true (bpv_session_play (s, NULL));
  assert_true (bpv_session_get_running (s));
  spin_until (trained_enough, &w, 120);
  assert_true (trained_enough (&w));
  bpv_session_pause (s);
  assert_true (bpv_session_get_stopping (s));
  spin_until (stopped, &w, 120);
  assert_false (bpv_session_get_running (s));
  assert_memory_not_equal (net->params, before, net->n_params * sizeof (double));
  /* The optimizer state came back with the weights. */
  assert_int_equal (bpv_session_get_optimizer (s)->t - t_before, bpv_session_get_step_count (s));
  assert_non_null (bpv_session_get_epochs (s, &n_epochs));
  assert_true (n_epochs > 0);
  assert_true (w.values > 0);
  /* Step mode continues from there. */
  assert_true (bpv_session_step (s, NULL));
  assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (s)), BPV_STEP_INPUT);
}

static void
test_training_numeric_stop (void **state)
{
  static const char csv[] = "x1,x2,y\n1e152,0,0.5\n1e152,0,0.5\n1e152,0,0.5\n1e152,0,0.5\n";
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "bpv-test-tiny.csv", NULL);
  g_autoptr(BpModel) model = bp_model_new ();
  g_autoptr(BpvSession) s = NULL;
  Watch w = { NULL, 0, 0, NULL };

  (void) state;
  assert_true (g_file_set_contents (path, csv, -1, NULL));
  model->network = bp_network_new (2, NULL);
  assert_true (bp_network_add_layer (model->network, 1, "linear", NULL, NULL));
  assert_true (bp_network_set_cost (model->network, "mse", NULL, NULL));
  model->network->layers[0].W[0] = 1.0;
  model->optimizer = bp_optimizer_new (NULL, "sgd", model->network->n_params, NULL);
  assert_true (bp_optimizer_set (model->optimizer, "lr", 1e6, NULL));
  model->dataset = g_strdup (path);
  model->test_fraction = 0.0;
  model->batch_size = 1;
  s = bpv_session_new (model, NULL);
  assert_non_null (s);
  w.session = s;
  g_signal_connect (s, "message", G_CALLBACK (on_message), &w);
  assert_true (bpv_session_play (s, NULL));
  spin_until (stopped, &w, 120);
  assert_false (bpv_session_get_running (s));
  assert_int_equal (w.messages, 1);
  assert_non_null (strstr (w.message, "layer 1, unit 1"));
  assert_true (bpv_session_get_network (s)->layers[0].W[0] == 1.0);

  /* The session keeps the fault, as data, and selects the weight. */
  {
    BpTrainFault f;
    gboolean has = FALSE;
    const BpvHit *sel = bpv_session_get_selection (s);
    g_autofree char *message = NULL;

    assert_true (bpv_session_get_fault (s, &f));
    g_object_get (s, "has-fault", &has, NULL);
    assert_true (has);
    assert_int_equal (f.kind, BP_TRAIN_FAULT_PARAM_W);
    assert_int_equal (f.layer, 1);
    assert_int_equal (f.unit, 1);
    assert_int_equal (f.input, 1);
    assert_int_equal (f.step, 1);
    assert_false (isfinite (f.value));
    assert_int_equal (sel->kind, BPV_HIT_EDGE);
    assert_int_equal (sel->layer, 1);
    assert_int_equal (sel->j, 0);
    assert_int_equal (sel->k, 0);
    message = bp_train_fault_message (&f);
    assert_string_equal (w.message, message);
  }
  /* Training again unchanged stops at the same step: the fault stays. */
  assert_true (bpv_session_play (s, NULL));
  assert_true (bpv_session_get_fault (s, NULL));
  spin_until (stopped, &w, 120);
  assert_int_equal (w.messages, 2);
  {
    BpTrainFault f;

    assert_true (bpv_session_get_fault (s, &f));
    assert_int_equal (f.step, 1);
  }
  /* Any edit ends it; undo does not bring it back. */
  assert_true (bpv_session_set_learning_rate (s, 1e5, NULL));
  assert_false (bpv_session_get_fault (s, NULL));
  assert_true (bpv_session_undo (s));
  assert_false (bpv_session_get_fault (s, NULL));

  /* Step mode meets the same at the update of the first cycle. */
  {
    g_autoptr(GError) error = NULL;
    BpTrainFault f;
    int stops = 0;

    while (stops < 20 && bpv_session_step (s, &error))
      stops++;
    assert_true (stops < 20);
    assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
    assert_true (bpv_session_get_fault (s, &f));
    assert_int_equal (f.kind, BP_TRAIN_FAULT_PARAM_W);
    assert_int_equal (f.step, 1);
    assert_true (bpv_session_get_network (s)->layers[0].W[0] == 1.0);
    bpv_session_clear_fault (s);
    assert_false (bpv_session_get_fault (s, NULL));
  }
  g_free (w.message);
  g_unlink (path);
}

/* The input and output layers follow the dataset. */
static void
test_dataset_widths (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(GError) error = NULL;
  const BpNetwork *net;
  gsize w = 0, h = 0;

  (void) state;
  assert_true (bpv_session_set_dataset (s, "iris", 0, -1, 0.2, &error));
  net = bpv_session_get_network (s);
  assert_int_equal (net->n_inputs, 4);
  assert_int_equal (bp_network_n_outputs (net), 3);
  assert_int_equal (net->layers[0].out, 8);
  assert_string_equal (net->layers[2].act_id, "softmax");
  assert_null (bpv_session_get_decision_map (s));
  assert_true (bpv_session_step (s, NULL));

  assert_true (bpv_session_set_dataset (s, "digits", 0, -1, 0.2, &error));
  net = bpv_session_get_network (s);
  assert_int_equal (net->n_inputs, 64);
  assert_int_equal (bp_network_n_outputs (net), 10);
  assert_true (bpv_session_input_image (s, &w, &h));
  assert_int_equal (w, 8);
  assert_int_equal (h, 8);

  assert_false (bpv_session_set_dataset (s, "no-such-dataset", 0, -1, 0.2, &error));
  assert_non_null (error);
  assert_int_equal (bpv_session_get_network (s)->n_inputs, 64);

  {
    gsize widths[] = { 4 };

    assert_true (bpv_session_set_hidden_layers (s, widths, 1, NULL));
    net = bpv_session_get_network (s);
    assert_int_equal (net->n_layers, 2);
    assert_int_equal (net->layers[0].out, 4);
    assert_int_equal (net->layers[1].out, 10);
  }
}


/* ------------------------------------------------------------ edits */

static void
count_signal (gpointer  instance,
              guint    *count)
{
  (*count)++;
}

static gboolean
same_params (const BpNetwork *a,
             const BpNetwork *b)
{
  return a->n_params == b->n_params
         && memcmp (a->params, b->params, a->n_params * sizeof (double)) == 0;
}

/* An edit through the session changes the network, is announced and
 * recorded; undo gives back every bit, redo the edit again. */
static void
test_edit_undo_redo (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(BpNetwork) before = bp_network_copy (bpv_session_get_network (s));
  g_autoptr(BpNetwork) after = NULL;
  g_autoptr(GError) error = NULL;
  guint edited = 0, structure = 0;
  BpEdit insert = { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 5, .activation = "relu" };
  BpEdit bad = { .kind = BP_EDIT_SET_ACTIVATION, .layer = 0, .activation = "no-such-thing" };

  (void) state;
  g_signal_connect (s, "edited", G_CALLBACK (count_signal), &edited);
  g_signal_connect (s, "structure-changed", G_CALLBACK (count_signal), &structure);
  assert_false (bpv_session_is_dirty (s));
  assert_null (bp_edit_undo_label (bpv_session_get_history (s)));

  assert_true (bpv_session_edit (s, &insert, &error));
  assert_int_equal (bpv_session_get_network (s)->n_layers, 4);
  assert_int_equal (bpv_session_get_network (s)->layers[1].out, 5);
  assert_string_equal (bpv_session_get_network (s)->layers[1].act_id, "relu");
  assert_true (edited >= 1);
  assert_true (structure >= 1);
  assert_true (bpv_session_is_dirty (s));
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (s)), "Insert layer 2 (5 relu)");
  /* The stepper follows the new shape. */
  assert_true (bpv_session_step (s, NULL));
  after = bp_network_copy (bpv_session_get_network (s));

  /* A refused edit changes nothing. */
  assert_false (bpv_session_edit (s, &bad, &error));
  assert_true (same_params (after, bpv_session_get_network (s)));

  assert_true (bpv_session_undo (s));
  assert_int_equal (bpv_session_get_network (s)->n_layers, 3);
  assert_true (same_params (before, bpv_session_get_network (s)));
  assert_false (bpv_session_is_dirty (s));
  assert_true (bpv_session_redo (s));
  assert_int_equal (bpv_session_get_network (s)->n_layers, 4);
  assert_false (bpv_session_redo (s));
  assert_true (bpv_session_undo (s));
  assert_false (bpv_session_undo (s));
}

/* The setters the sidebar uses are undoable too: learning rate, dataset,
 * reset of the weights. */
static void
test_setters_undo (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(BpNetwork) before = bp_network_copy (bpv_session_get_network (s));
  double lr = bpv_session_get_learning_rate (s);
  g_autofree char *label = g_strdup_printf ("Change learning rate to %g", lr * 2);

  assert_true (bpv_session_set_learning_rate (s, lr * 2, NULL));
  (void) state;
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (s)), label);
  assert_true (bpv_session_set_dataset (s, "iris", 0, -1, 0.2, NULL));
  assert_int_equal (bpv_session_get_network (s)->n_inputs, 4);
  bpv_session_reset_weights (s);
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (s)), "Reset weights");

  assert_true (bpv_session_undo (s));  /* the reset */
  assert_true (bpv_session_undo (s));  /* the dataset: the data follows */
  assert_string_equal (bpv_session_get_dataset (s)->name, "moons");
  assert_int_equal (bpv_session_get_network (s)->n_inputs, 2);
  assert_int_equal (bpv_session_get_train (s)->n_features, 2);
  assert_true (same_params (before, bpv_session_get_network (s)));
  assert_true (bpv_session_undo (s));  /* the learning rate */
  assert_true (bpv_session_get_learning_rate (s) == lr);
  assert_false (bpv_session_is_dirty (s));
}

/* Whoever hears "edited" finds the session whole: the stepper already
 * follows the new network (the window asks it then whether ← can step
 * back).  The app soak found it under AddressSanitizer: another dataset,
 * with other widths, freed the network the stepper still pointed to.
 * And the dataset's name may be the window's own string, which goes when
 * the window rebuilds its list on "structure-changed". */
typedef struct
{
  guint calls;
  guint stale;
} EditedCheck;

static void
drop_name (BpvSession  *s,
           char       **name)
{
  g_clear_pointer (name, g_free);
}

static void
check_stepper_follows (BpvSession  *s,
                       EditedCheck *c)
{
  /* input, forward per layer, cost, backward per layer, update */
  int positions = 2 * (int) bpv_session_get_network (s)->n_layers + 3;

  c->calls++;
  (void) bpv_session_can_step_back (s);
  if (bpv_stepper_get_n_positions (bpv_session_get_stepper (s)) != positions)
    c->stale++;
}

static void
test_edited_sees_the_new_shape (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  EditedCheck c = { 0, 0 };
  gsize widths[] = { 4 };
  char *name = g_strdup ("digits");
  gulong id;

  (void) state;
  g_signal_connect (s, "edited", G_CALLBACK (check_stepper_follows), &c);
  id = g_signal_connect (s, "structure-changed", G_CALLBACK (drop_name), &name);
  assert_true (bpv_session_set_dataset (s, name, 0, -1, 0.2, NULL));
  assert_null (name);
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (s)), "Change dataset to digits");
  g_signal_handler_disconnect (s, id);
  assert_true (bpv_session_set_hidden_layers (s, widths, 1, NULL));
  assert_true (bpv_session_set_optimizer (s, "sgd", NULL));
  assert_true (bpv_session_set_dataset (s, "moons", 0, -1, 0.2, NULL));
  assert_int_equal (bpv_session_get_network (s)->n_layers, 2);
  assert_int_equal (c.calls, 4);
  assert_int_equal (c.stale, 0);
}

/* Saving writes a file that loads as the same model (the checksum), and
 * makes the session clean; an edit makes it dirty again. */
static void
test_save_and_checksum (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(BpvSession) t = NULL;
  g_autoptr(BpModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved.bpmodel.json", NULL);
  g_autofree char *sum = NULL, *sum2 = NULL;
  BpEdit width = { .kind = BP_EDIT_ADD_UNIT, .layer = 0 };

  (void) state;
  assert_true (bpv_session_edit (s, &width, NULL));
  assert_true (bpv_session_step (s, NULL));
  assert_true (bpv_session_is_dirty (s));
  assert_true (bpv_session_save (s, path, &error));
  assert_false (bpv_session_is_dirty (s));
  sum = bpv_session_checksum (s);

  loaded = bp_model_load_file (path, NULL, &error);
  assert_non_null (loaded);
  t = bpv_session_new (loaded, &error);
  assert_non_null (t);
  sum2 = bpv_session_checksum (t);
  assert_string_equal (sum, sum2);
  assert_int_equal (bpv_session_get_network (t)->layers[0].out, 9);

  assert_true (bpv_session_undo (s));
  assert_true (bpv_session_is_dirty (s));
  g_free (sum2);
  sum2 = bpv_session_checksum (s);
  assert_string_not_equal (sum, sum2);
  g_unlink (path);
  g_rmdir (dir);
}

/* A saved run goes on exactly: the reopened session stands at the same
 * step, and its next step gives the same parameters bit for bit. */
static void
test_save_continues_exactly (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(BpvSession) t = NULL;
  g_autoptr(BpModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "run.bpmodel.json", NULL);

  (void) state;
  /* Three whole cycles: forward, cost, backward, update. */
  while (bpv_session_get_step_count (s) < 3)
    assert_true (bpv_session_step (s, NULL));
  assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (s)), BPV_STEP_UPDATE);
  assert_true (bpv_session_save (s, path, &error));
  loaded = bp_model_load_file (path, NULL, &error);
  assert_non_null (loaded);
  assert_non_null (loaded->progress);
  t = bpv_session_new (loaded, &error);
  assert_non_null (t);
  assert_int_equal (bpv_session_get_step_count (t), bpv_session_get_step_count (s));
  assert_true (same_params (bpv_session_get_network (s), bpv_session_get_network (t)));

  /* One whole cycle more in each. */
  while (bpv_session_get_step_count (s) < 4)
    assert_true (bpv_session_step (s, NULL));
  while (bpv_session_get_step_count (t) < 4)
    assert_true (bpv_session_step (t, NULL));
  assert_true (same_params (bpv_session_get_network (s), bpv_session_get_network (t)));
  g_unlink (path);
  g_rmdir (dir);
}

/* Saved while the worker trains: the file holds the parameters and the
 * optimizer state of one and the same step, and the trained weights count
 * as unsaved work from the first snapshot on. */
static void
test_save_while_training (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(BpModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "running.bpmodel.json", NULL);
  Watch w = { s, 0, 0, NULL };

  (void) state;
  assert_false (bpv_session_is_dirty (s));
  bpv_session_set_speed (s, 1.0);
  assert_true (bpv_session_play (s, NULL));
  spin_until (trained_enough, &w, 120);
  assert_true (trained_enough (&w));
  assert_true (bpv_session_get_running (s));
  assert_true (bpv_session_is_dirty (s));
  assert_true (bpv_session_save (s, path, &error));
  assert_false (bpv_session_is_dirty (s));
  loaded = bp_model_load_file (path, NULL, &error);
  assert_non_null (loaded);
  assert_non_null (loaded->progress);
  assert_true (loaded->progress->steps >= 300);
  /* The optimizer counts its steps from 0: its state is of the same step
   * as the parameters. */
  assert_int_equal (loaded->optimizer->t, loaded->progress->steps);
  bpv_session_pause (s);
  spin_until (stopped, &w, 120);
  assert_false (bpv_session_get_running (s));
  g_unlink (path);
  g_rmdir (dir);
}

/* A run of training is one undo step: undo goes back to the weights, the
 * step count and the epochs from before it, redo brings every bit of the
 * trained state back, and undoing to the saved state makes it clean. */
static void
test_undo_training (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "before.bpmodel.json", NULL);
  const BpNetwork *net = bpv_session_get_network (s);
  g_autofree double *before = g_memdup2 (net->params, net->n_params * sizeof (double));
  g_autofree double *trained = NULL;
  Watch w = { s, 0, 0, NULL };
  guint64 steps;
  gsize n_epochs, n_epochs_trained;

  (void) state;
  assert_true (bpv_session_save (s, path, &error));
  bpv_session_set_speed (s, 1.0);
  assert_true (bpv_session_play (s, NULL));
  spin_until (trained_enough, &w, 120);
  bpv_session_pause (s);
  spin_until (stopped, &w, 120);
  assert_false (bpv_session_get_running (s));
  steps = bpv_session_get_step_count (s);
  assert_true (steps >= 300);
  assert_true (bpv_session_is_dirty (s));
  bpv_session_get_epochs (s, &n_epochs_trained);
  assert_true (n_epochs_trained > 0);
  net = bpv_session_get_network (s);
  trained = g_memdup2 (net->params, net->n_params * sizeof (double));
  {
    g_autofree char *label = g_strdup_printf ("Train %" G_GUINT64_FORMAT " Steps", steps);

    assert_string_equal (bp_edit_undo_label (bpv_session_get_history (s)), label);
  }

  assert_true (bpv_session_undo (s));
  net = bpv_session_get_network (s);
  assert_memory_equal (net->params, before, net->n_params * sizeof (double));
  assert_int_equal (bpv_session_get_step_count (s), 0);
  bpv_session_get_epochs (s, &n_epochs);
  assert_int_equal (n_epochs, 0);
  assert_false (bpv_session_is_dirty (s));

  assert_true (bpv_session_redo (s));
  net = bpv_session_get_network (s);
  assert_memory_equal (net->params, trained, net->n_params * sizeof (double));
  assert_int_equal (bpv_session_get_step_count (s), steps);
  bpv_session_get_epochs (s, &n_epochs);
  assert_int_equal (n_epochs, n_epochs_trained);
  assert_int_equal (bpv_session_get_optimizer (s)->t, steps);
  assert_true (bpv_session_is_dirty (s));
  /* The gradient-norm plot comes back too, up to the last step, and it
   * goes through the file. */
  {
    const double *norms;
    gsize nl;
    guint64 stride;
    gsize n = bpv_session_get_grad_norms (s, &norms, &nl, &stride);
    g_autoptr(BpModel) loaded = NULL;
    g_autoptr(BpvSession) t = NULL;

    assert_true (n > 100);
    assert_true (n * stride > steps / 2 && n * stride <= steps);
    assert_true (bpv_session_save (s, path, &error));
    loaded = bp_model_load_file (path, NULL, &error);
    assert_non_null (loaded);
    t = bpv_session_new (loaded, &error);
    assert_non_null (t);
    assert_int_equal (bpv_session_get_step_count (t), steps);
    assert_true (bpv_session_get_grad_norms (t, &norms, &nl, &stride) > 100);
  }
  g_unlink (path);
  g_rmdir (dir);
}


/* ----------------------------------------- one stop, one story (#10) */

/* At every stop, the neurons the canvas draws with a δ ring are exactly
 * those whose δ the inspector shows (the backward pass at layer n: n…N,
 * not yet n−1), and the tooltip and the inspector agree on which δ, a and
 * z are known at every stop of the cycle. */
static void
test_rings_agree_with_inspector (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  BpvStepper *st = bpv_session_get_stepper (s);
  const BpNetwork *net = bpv_session_get_network (s);
  int backward_stops = 0;

  (void) state;
  do
    {
      BpvRenderState rs;

      assert_true (bpv_session_step (s, NULL));
      /* The transition to its end (auto-play is off: a tick only animates). */
      bpv_stepper_tick (st, bpv_stepper_get_stop_duration (st), NULL);
      bpv_render_state_init (&rs, net, NULL);
      bpv_session_fill_render_state (s, &rs);
      rs.view = BPV_VIEW_WEIGHTS;
      backward_stops += bpv_stepper_get_phase (st) == BPV_STEP_BACKWARD;
      for (gsize n = 1; n <= net->n_layers; n++)
        for (gsize j = 0; j < net->layers[n - 1].out; j++)
          {
            BpvHit hit = { BPV_HIT_NEURON, n, j, 0 };
            g_autoptr(BpvExplanation) ex = bpv_explain (s, &hit);
            gboolean inspector_has = isfinite (ex->neuron_delta);

            if (bpv_stepper_get_phase (st) == BPV_STEP_BACKWARD)
              {
                if ((bpv_render_ring_alpha (&rs, n) > 0) != inspector_has)
                  fail_msg ("%s, layer %zu: a(%zu)%zu %s a δ ring but the inspector %s δ",
                            bpv_step_phase_to_string (bpv_stepper_get_phase (st)),
                            bpv_stepper_get_layer (st) + 1, n, j + 1,
                            bpv_render_ring_alpha (&rs, n) > 0 ? "has" : "has no",
                            inspector_has ? "shows" : "does not show");
              }
            assert_int_equal (bpv_render_delta_known (&rs, n), inspector_has);
            /* a and z likewise (the fill, and the tooltip's "?"). */
            assert_int_equal (bpv_render_forward_known (&rs, n), isfinite (ex->z));
          }
    }
  while (bpv_stepper_get_phase (st) != BPV_STEP_UPDATE);
  assert_int_equal (backward_stops, (int) net->n_layers);
}

/* A session on a network with batch norm, a skip and dropout: the canvas's
 * probe is a batch that leaves the running statistics and the masks'
 * generator as they were; step mode takes a whole step through it; the
 * gradient-norm plot names γ and leaves dropout out. */
static const char layers_model[] =
  "{\"format\": \"backprop-model/1\", \"name\": \"layers\", \"seed\": 4,"
  " \"layers\": [{\"in\": 2, \"out\": 6, \"activation\": \"tanh\"},"
  " {\"type\": \"batchnorm\", \"in\": 6, \"out\": 6, \"activation\": \"sigmoid\"},"
  " {\"in\": 6, \"out\": 6, \"activation\": \"tanh\", \"skip_from\": 1},"
  " {\"type\": \"dropout\", \"in\": 6, \"out\": 6, \"p\": 0.5},"
  " {\"in\": 6, \"out\": 1, \"activation\": \"sigmoid\"}],"
  " \"cost\": \"bce\", \"dataset\": {\"name\": \"moons\", \"rows\": 200},"
  " \"training\": {\"batch_size\": 8}}";

static void
test_session_layers_beyond_dense (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_load_data (layers_model, -1, "layers", NULL, &error);
  g_autoptr(BpvSession) s = NULL;
  const BpNetwork *net;
  const BpTrace *t;
  const char *const *names;
  g_autofree double *mean = NULL;
  BpRng rng;
  int stops = 0;

  (void) state;
  assert_non_null (model);
  s = bpv_session_new (model, &error);
  assert_non_null (s);
  net = bpv_session_get_network (s);
  mean = g_memdup2 (net->layers[1].running_mean, 6 * sizeof (double));
  rng = *net->rng;

  t = bpv_session_get_trace (s, NULL);
  assert_non_null (t);
  assert_true (t->batch >= 2);
  assert_true (isfinite (t->loss));
  assert_non_null (t->mask[3]);
  assert_memory_equal (net->layers[1].running_mean, mean, 6 * sizeof (double));
  assert_memory_equal (net->rng, &rng, sizeof rng);

  names = bpv_session_get_grad_norm_names (s);
  assert_non_null (names);
  assert_string_equal (names[0], "W(1)");
  assert_string_equal (names[1], "γ(2)");
  assert_null (names[3]);

  /* Input, 5 forward, cost, 5 backward, update. */
  do
    {
      if (!bpv_session_step (s, &error))
        fail_msg ("stop %d: %s", stops + 1, error->message);
      stops++;
    }
  while (bpv_stepper_get_phase (bpv_session_get_stepper (s)) != BPV_STEP_UPDATE);
  assert_int_equal (stops, 13);
  assert_memory_not_equal (net->layers[1].running_mean, mean, 6 * sizeof (double));

  g_clear_object (&s);
  do
    bpv_background_wait_all ();
  while (g_main_context_iteration (NULL, FALSE));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_worker_snapshots),
    cmocka_unit_test (test_worker_numeric_error),
    cmocka_unit_test (test_session_opens_default),
    cmocka_unit_test (test_explain_weight),
    cmocka_unit_test (test_explain_neuron),
    cmocka_unit_test (test_explain_delta_terms_add_up),
    cmocka_unit_test (test_explain_skip_paths),
    cmocka_unit_test (test_explain_batchnorm_terms),
    cmocka_unit_test (test_explain_layernorm_dropout),
    cmocka_unit_test (test_explain_follows_the_stops),
    cmocka_unit_test (test_history_follows_steps),
    cmocka_unit_test (test_training_runs_and_hands_back),
    cmocka_unit_test (test_training_numeric_stop),
    cmocka_unit_test (test_dataset_widths),
    cmocka_unit_test (test_edit_undo_redo),
    cmocka_unit_test (test_setters_undo),
    cmocka_unit_test (test_session_schedule),
    cmocka_unit_test (test_session_schedule_step_mode),
    cmocka_unit_test (test_record_training),
    cmocka_unit_test (test_record_step_mode),
    cmocka_unit_test (test_record_past_optimizer),
    cmocka_unit_test (test_resume_from_is_one_undo_step),
    cmocka_unit_test (test_record_saved_beside_model),
    cmocka_unit_test (test_edited_sees_the_new_shape),
    cmocka_unit_test (test_save_and_checksum),
    cmocka_unit_test (test_save_continues_exactly),
    cmocka_unit_test (test_save_while_training),
    cmocka_unit_test (test_undo_training),
    cmocka_unit_test (test_rings_agree_with_inspector),
    cmocka_unit_test (test_gradcheck_deep_sigmoid),
    cmocka_unit_test (test_session_layers_beyond_dense),
    cmocka_unit_test (test_explain_selected_skip),
    cmocka_unit_test (test_explain_optimizer_terms),
    cmocka_unit_test (test_explain_optimizer_bias),
    cmocka_unit_test (test_explain_optimizer_past),
  };

  {
    int failed = cmocka_run_group_tests_name ("session", tests, NULL, NULL);

    /* Heat-map tasks and workers must not run under exit (). */
    bpv_background_wait_all ();
    return failed;
  }
}
