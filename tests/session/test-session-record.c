/* test-session-record.c — the session's recording (bpv-session-record.c):
 * a training run and step mode are recorded; showing a kept step gives
 * its parameters bit for bit on a copy (the present stays); resuming from
 * one is one undo step, and undo brings back the present and what was
 * recorded after the fork; the recording is saved beside the model; a
 * past step's optimizer state is the recorded one. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-session.h"

#include <string.h>

#include <glib/gstdio.h>

#include "../test-main-loop.h"
#include "bpv-explain.h"

static gboolean
stopped (gpointer data)
{
  return !bpv_session_get_running (data);
}

/* Trains from where the session stands to at least 300 more steps (the
 * worker is fast), and waits for it to hand the recording back. */
static void
train_a_while (BpvSession *s)
{
  guint64 start = bpv_session_get_step_count (s);

  bpv_session_set_speed (s, 1.0);
  assert_true (bpv_session_play (s, NULL));
  /* The worker holds the recording while it runs. */
  assert_null (bpv_session_get_record (s));
  while (bpv_session_get_step_count (s) < start + 300 && bpv_session_get_running (s))
    spin (0.01);
  bpv_session_pause (s);
  spin_until (stopped, s, 120);
  assert_false (bpv_session_get_running (s));
  assert_non_null (bpv_session_get_record (s));
}

void
test_record_training (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  const BpNetwork *live = bpv_session_get_network (s);
  g_autofree double *initial = g_memdup2 (live->params, live->n_params * sizeof (double));
  g_autofree double *present = NULL;
  g_autoptr(GError) error = NULL;
  const BpRecord *rec;
  guint64 steps;
  gsize n;

  (void) state;
  train_a_while (s);
  steps = bpv_session_get_step_count (s);
  rec = bpv_session_get_record (s);
  n = bp_record_n (rec);
  /* Step 0, the grid and the step the run stopped at. */
  assert_true (n >= 3);
  assert_int_equal (bp_record_step_at (rec, 0), 0);
  assert_int_equal (bp_record_step_at (rec, n - 1), steps);
  assert_true (bp_record_n_stats (rec) > 0);
  assert_int_equal (bp_record_budget (rec), BP_RECORD_DEFAULT_BUDGET);
  assert_true (bp_record_bytes (rec) <= bp_record_bound (rec));

  present = g_memdup2 (live->params, live->n_params * sizeof (double));
  assert_false (bpv_session_is_viewing_past (s));
  assert_true (bpv_session_show_step (s, 0, &error));
  assert_true (bpv_session_is_viewing_past (s));
  assert_int_equal (bpv_session_get_shown_step (s), 0);
  /* The shown copy is the untrained network, bit for bit … */
  assert_true (bpv_session_get_network (s) != live);
  assert_memory_equal (bpv_session_get_network (s)->params, initial,
                       live->n_params * sizeof (double));
  /* … and the present is untouched. */
  assert_memory_equal (live->params, present, live->n_params * sizeof (double));
  /* The step the run stopped at is the present. */
  assert_true (bpv_session_show_step (s, steps, &error));
  assert_memory_equal (bpv_session_get_network (s)->params, present,
                       live->n_params * sizeof (double));
  /* A step between two kept ones shows the kept one before it (a small
   * network's 300 steps may all fit: then the stride is still 1). */
  for (gsize i = 0; i + 1 < n; i++)
    if (bp_record_step_at (rec, i + 1) > bp_record_step_at (rec, i) + 1)
      {
        assert_true (bpv_session_show_step (s, bp_record_step_at (rec, i) + 1, &error));
        assert_int_equal (bpv_session_get_shown_step (s), bp_record_step_at (rec, i));
      }
  if (bp_record_stride (rec) == 1)
    assert_int_equal (n, steps + 1);
  bpv_session_show_present (s);
  assert_false (bpv_session_is_viewing_past (s));
  assert_ptr_equal (bpv_session_get_network (s), live);
}

/* Step mode: every step's parameters, kept while stepping, are what
 * show_step gives back. */
void
test_record_step_mode (void **state)
{
  enum { STEPS = 12 };
  g_autoptr(BpvSession) s = default_session ();
  const BpNetwork *live = bpv_session_get_network (s);
  gsize P = live->n_params;
  g_autofree double *at = g_new (double, (STEPS + 1) * P);
  const BpRecord *rec;

  (void) state;
  memcpy (at, live->params, P * sizeof (double));
  for (guint64 k = 1; k <= STEPS; k++)
    {
      for (int stop = 0; stop < 100 && bpv_session_get_step_count (s) < k; stop++)
        assert_true (bpv_session_step (s, NULL));
      assert_int_equal (bpv_session_get_step_count (s), k);
      memcpy (at + k * P, live->params, P * sizeof (double));
    }
  rec = bpv_session_get_record (s);
  assert_non_null (rec);
  /* Every step fits in the budget of a small network: all are kept. */
  assert_int_equal (bp_record_n (rec), STEPS + 1);
  for (gsize i = 0; i < bp_record_n (rec); i++)
    {
      guint64 k = bp_record_step_at (rec, i);

      assert_true (bpv_session_show_step (s, k, NULL));
      assert_memory_equal (bpv_session_get_network (s)->params, at + k * P, P * sizeof (double));
    }
  /* Stepping goes on from the present. */
  assert_true (bpv_session_step (s, NULL));
  assert_false (bpv_session_is_viewing_past (s));
}

void
test_resume_from_is_one_undo_step (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  const BpNetwork *live = bpv_session_get_network (s);
  gsize P = live->n_params;
  g_autofree double *present = NULL;
  g_autofree double *past = NULL;
  g_autoptr(GError) error = NULL;
  const BpRecord *rec;
  guint64 steps, fork, last_before;
  gsize n_before;
  guint undo;

  (void) state;
  train_a_while (s);
  steps = bpv_session_get_step_count (s);
  rec = bpv_session_get_record (s);
  n_before = bp_record_n (rec);
  last_before = bp_record_step_at (rec, n_before - 1);
  fork = bp_record_step_at (rec, n_before / 2);
  assert_true (fork > 0 && fork < steps);
  present = g_memdup2 (live->params, P * sizeof (double));
  assert_true (bpv_session_show_step (s, fork, &error));
  past = g_memdup2 (bpv_session_get_network (s)->params, P * sizeof (double));

  undo = bp_edit_history_n_undo (bpv_session_get_history (s));
  assert_true (bpv_session_resume_from (s, fork, &error));
  assert_int_equal (bp_edit_history_n_undo (bpv_session_get_history (s)), undo + 1);
  assert_false (bpv_session_is_viewing_past (s));
  assert_int_equal (bpv_session_get_step_count (s), fork);
  assert_memory_equal (live->params, past, P * sizeof (double));
  assert_int_equal (bpv_session_get_optimizer (s)->t, fork);

  /* Training from there forks the recording … */
  train_a_while (s);
  rec = bpv_session_get_record (s);
  assert_true (bp_record_find (rec, last_before) >= 0);
  assert_true (bp_record_step_at (rec, bp_record_n (rec) - 1) != last_before
               || bpv_session_get_step_count (s) == last_before);
  /* … and undoing the run, then the fork, gives back the present and
   * what had been recorded. */
  assert_true (bpv_session_undo (s));
  assert_int_equal (bpv_session_get_step_count (s), fork);
  assert_true (bpv_session_undo (s));
  assert_int_equal (bpv_session_get_step_count (s), steps);
  /* Undo puts the model back whole: the network is another object. */
  live = bpv_session_get_network (s);
  assert_memory_equal (live->params, present, P * sizeof (double));
  rec = bpv_session_get_record (s);
  assert_int_equal (bp_record_n (rec), n_before);
  assert_int_equal (bp_record_step_at (rec, n_before - 1), last_before);
  assert_true (bpv_session_show_step (s, steps, &error));
  assert_memory_equal (bpv_session_get_network (s)->params, present, P * sizeof (double));
}

void
test_record_saved_beside_model (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(BpvSession) t = default_session ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "run.json", NULL);
  g_autofree char *rpath = bpv_session_record_path (path);
  const BpRecord *a, *b;

  (void) state;
  assert_true (g_str_has_suffix (rpath, "/run.bprecord"));
  train_a_while (s);
  assert_true (bpv_session_save (s, path, &error));
  assert_true (g_file_test (rpath, G_FILE_TEST_EXISTS));
  assert_true (bpv_session_load_record (t, path, &error));
  a = bpv_session_get_record (s);
  b = bpv_session_get_record (t);
  assert_int_equal (bp_record_n (a), bp_record_n (b));
  for (gsize i = 0; i < bp_record_n (a); i++)
    assert_true (bp_record_snapshot_equal (a, i, b, i));
  /* A damaged file is an error naming it. */
  assert_true (g_file_set_contents (rpath, "backprop-record/1 5\n{", -1, NULL));
  assert_false (bpv_session_load_record (t, path, &error));
  assert_non_null (strstr (error->message, "run.bprecord"));
  g_remove (rpath);
  g_rmdir (dir);
}

/* A past step of a trained run (the worker's recording) explains Adam's
 * state of that step: the inspector's m and v for a weight are those that
 * bp_record_restore puts into a separate optimizer, and its t is the
 * step's; Back to Now leaves the present's optimizer as it was.  After
 * another optimizer is chosen, the recording's state is not that one's:
 * the past's section says so instead of showing the present's. */
void
test_record_past_optimizer (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  BpvHit hit = { BPV_HIT_EDGE, 2, 0, 3 };
  const BpNetwork *live = bpv_session_get_network (s);
  gsize w = (gsize) (live->layers[1].W - live->params) + 3;
  g_autoptr(BpOptimizer) present = NULL;
  g_autoptr(BpOptimizer) past = NULL;
  g_autoptr(BpNetwork) past_net = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *heading = NULL;
  const BpRecord *rec;
  BpvExplanation *ex;
  guint64 step;
  gsize i;

  (void) state;
  assert_true (bpv_session_set_optimizer (s, "adam", NULL));
  train_a_while (s);
  present = bp_optimizer_copy (bpv_session_get_optimizer (s));
  rec = bpv_session_get_record (s);
  i = bp_record_n (rec) / 2;
  step = bp_record_step_at (rec, i);
  assert_true (step > 0 && step < present->t);
  past = bp_optimizer_copy (present);
  past_net = bp_network_copy (live);
  if (!bp_record_restore (rec, i, past_net, past, NULL, &error))
    fail_msg ("%s", error->message);

  assert_true (bpv_session_show_step (s, step, &error));
  assert_int_equal (bpv_session_get_shown_optimizer (s)->t, step);
  ex = bpv_explain (s, &hit);
  assert_true (ex->weight == past_net->params[w]);
  assert_true (ex->optimizer.slots[0] == past->state_views[0][w]);
  assert_true (ex->optimizer.slots[1] == past->state_views[1][w]);
  assert_true (ex->optimizer.slots[0] != present->state_views[0][w]);
  heading = g_strdup_printf ("Optimizer (adam) at step %" G_GUINT64_FORMAT "  after %"
                             G_GUINT64_FORMAT " steps: m = ", step, step);
  assert_non_null (strstr (ex->text, heading));
  bpv_explanation_free (ex);

  bpv_session_show_present (s);
  assert_int_equal (bpv_session_get_optimizer (s)->t, present->t);
  assert_memory_equal (bpv_session_get_optimizer (s)->state, present->state,
                       bp_optimizer_state_size (present) * sizeof (double));
  ex = bpv_explain (s, &hit);
  assert_true (ex->optimizer.slots[0] == present->state_views[0][w]);
  bpv_explanation_free (ex);

  /* Another optimizer now: the recording holds Adam's state, not its. */
  assert_true (bpv_session_set_optimizer (s, "momentum", NULL));
  assert_true (bpv_session_show_step (s, step, &error));
  assert_null (bpv_session_get_shown_optimizer (s));
  ex = bpv_explain (s, &hit);
  assert_int_equal (ex->optimizer.n_slots, 0);
  assert_non_null (strstr (ex->text, "Optimizer (momentum) at step "));
  assert_non_null (strstr (ex->text, "its state at this step is not in the recording"));
  bpv_explanation_free (ex);
}
