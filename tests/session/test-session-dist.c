/* test-session-dist.c — the distributions over the session's recording
 * (bpv-session-dist.c): computed on a worker when asked, the numbers
 * bp_record_dist_compute gives on the same recording and rows, not
 * computed again while the recording stays, and again after a step. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-session.h"

#include <string.h>

#include "../test-main-loop.h"

static gboolean
dist_ready (gpointer data)
{
  const char *status = NULL;
  const BpRecordDist *dist = bpv_session_get_distributions (data, &status);

  return dist != NULL && status == NULL;
}

static void
on_history (BpvSession *s,
            gpointer    data)
{
  (*(int *) data)++;
}

void
test_distributions_on_worker (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(BpRecordDist) direct = NULL;
  g_autoptr(GError) error = NULL;
  const BpRecordDist *dist;
  const BpRecord *rec;
  const BpDataset *train = bpv_session_get_train (s);
  const char *status = NULL;
  int history = 0;
  gsize n;

  (void) state;
  for (int i = 0; i < 40; i++)
    assert_true (bpv_session_step (s, NULL));
  rec = bpv_session_get_record (s);
  assert_non_null (rec);
  n = bp_record_n (rec);
  assert_true (n >= 2);

  g_signal_connect (s, "history-changed", G_CALLBACK (on_history), &history);
  assert_null (bpv_session_get_distributions (s, &status));
  bpv_session_update_distributions (s);
  bpv_session_get_distributions (s, &status);
  assert_non_null (status);   /* being computed */
  spin_until (dist_ready, s, 120);
  assert_int_equal (history, 1);
  dist = bpv_session_get_distributions (s, NULL);
  assert_int_equal (dist->n_steps, n);
  assert_int_equal (dist->rows_total, train->n_rows);
  for (gsize i = 0; i < n; i++)
    assert_int_equal (dist->steps[i], bp_record_step_at (rec, i));

  /* The numbers of the core function on the same recording and rows. */
  direct = bp_record_dist_compute (rec, bpv_session_get_network (s), train->X, train->Y,
                                   train->n_rows, NULL, NULL, &error);
  assert_non_null (direct);
  for (int q = 0; q < BP_RECORD_DIST_N_QUANTITIES; q++)
    for (gsize l = 0; l < dist->n_layers; l++)
      {
        assert_int_equal (dist->hist[q][l].n_bins, direct->hist[q][l].n_bins);
        assert_memory_equal (dist->hist[q][l].counts, direct->hist[q][l].counts,
                             n * dist->hist[q][l].n_bins * sizeof (guint32));
      }
  assert_memory_equal (dist->dead, direct->dead, n * dist->n_layers * sizeof (double));

  /* Asked again with the same recording: nothing to do. */
  bpv_session_update_distributions (s);
  bpv_session_get_distributions (s, &status);
  assert_null (status);

  /* A step changes the recording: computed again, one more step. */
  assert_true (bpv_session_step (s, NULL));
  while (bp_record_n (bpv_session_get_record (s)) == n)
    assert_true (bpv_session_step (s, NULL));
  bpv_session_update_distributions (s);
  spin_until (dist_ready, s, 120);
  assert_int_equal (bpv_session_get_distributions (s, NULL)->n_steps, n + 1);
}
