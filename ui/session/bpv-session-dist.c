/* bpv-session-dist.c — the distributions over the session's recording
 * (core/bp-record-dist.h) for the Distributions plot, computed on a worker.
 *
 * When: a plot that shows them asks (bpv_session_update_distributions)
 * while it is visible, and they are computed only when the recording has
 * changed since (its kept steps, stride, size or the training rows): one
 * worker at a time, the one before cancelled.  While training runs the
 * trainer's worker owns the recording and adds a step to it every few
 * milliseconds: it is copied under bpv_session_lock_record at most
 * every LIVE_INTERVAL_US (the trainer waits only for that copy), and a
 * running computation is left to finish rather than cancelled by the next
 * step, so the plot follows the run a few seconds behind.  The worker has
 * copies of everything (the recording, the network, the rows): the live session is never read off the main thread.
 * "history-changed" says when new ones are ready.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "bp-record-dist.h"
#include "bpv-session-private.h"

/* While training: the least time between the end of one computation and
 * the start of the next (µs), so that a long recording's computation
 * takes at most about half of one core beside the trainer. */
#define LIVE_INTERVAL_US (2 * G_USEC_PER_SEC)

typedef struct
{
  BpRecord     *rec;
  BpNetwork    *net;
  double       *X, *Y;
  gsize         n_rows;
  char         *key;
  BpRecordDist *dist;
  GError       *error;
  GCancellable *cancel;
} DistJob;

static void
dist_job_free (gpointer data)
{
  DistJob *job = data;

  bp_record_free (job->rec);
  bp_network_free (job->net);
  g_free (job->X);
  g_free (job->Y);
  g_free (job->key);
  bp_record_dist_free (job->dist);
  g_clear_error (&job->error);
  g_clear_object (&job->cancel);
  g_free (job);
}

static gboolean
dist_progress (gsize    done,
               gsize    total,
               gpointer data)
{
  (void) done;
  (void) total;
  return !g_cancellable_is_cancelled (data);
}

static void
dist_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  DistJob *job = data;

  job->dist = bp_record_dist_compute (job->rec, job->net, job->X, job->Y, job->n_rows,
                                      dist_progress, job->cancel, &job->error);
  g_task_return_boolean (task, TRUE);
  bpv_background_release ();
}

static void
dist_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  BpvSession *self = BPV_SESSION (source);
  DistJob *job = g_task_get_task_data (G_TASK (result));

  /* A cancelled job was replaced (or the session is going away). */
  if (g_cancellable_is_cancelled (job->cancel))
    return;
  g_clear_object (&self->dist_cancel);
  g_clear_pointer (&self->dist_running_key, g_free);
  self->dist_live_time = g_get_monotonic_time ();
  g_free (self->dist_key);
  self->dist_key = g_steal_pointer (&job->key);
  g_clear_pointer (&self->dist_error, g_free);
  if (job->dist != NULL)
    {
      g_clear_pointer (&self->dist, bp_record_dist_free);
      self->dist = g_steal_pointer (&job->dist);
    }
  else
    self->dist_error = g_strdup (job->error->message);
  _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
}

/* What the distributions depend on: the recording's kept steps and the
 * training rows (a fork or a new run changes the steps, the stride or
 * the bytes). */
static char *
dist_key (BpvSession     *self,
          const BpRecord *rec)
{
  gsize n = bp_record_n (rec);

  return g_strdup_printf ("%p %" G_GSIZE_FORMAT " %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
                          G_GSIZE_FORMAT " %p %" G_GSIZE_FORMAT, (void *) rec, n,
                          bp_record_step_at (rec, 0), bp_record_step_at (rec, n - 1),
                          bp_record_stride (rec), bp_record_bytes (rec), (void *) self->train,
                          self->train != NULL ? self->train->n_rows : 0);
}

void
bpv_session_update_distributions (BpvSession *self)
{
  g_autofree char *key = NULL;
  g_autoptr(GTask) task = NULL;
  const BpRecord *rec;
  gboolean live;
  DistJob *job;

  g_return_if_fail (BPV_IS_SESSION (self));

  live = self->thread != NULL;
  if (self->train == NULL)
    return;
  /* While training: not before the last one is done and a while has
   * passed (the trainer adds steps faster than they are computed). */
  if (live && (self->dist_cancel != NULL
               || g_get_monotonic_time () - self->dist_live_time < LIVE_INTERVAL_US))
    return;
  rec = bpv_session_lock_record (self);
  if (rec == NULL || bp_record_n (rec) == 0)
    {
      bpv_session_unlock_record (self);
      return;
    }
  key = dist_key (self, rec);
  if (g_strcmp0 (key, self->dist_key) == 0
      || (self->dist_cancel != NULL && g_strcmp0 (key, self->dist_running_key) == 0))
    {
      bpv_session_unlock_record (self);
      return;
    }
  job = g_new0 (DistJob, 1);
  job->rec = bp_record_copy (rec);
  bpv_session_unlock_record (self);
  _bpv_session_dist_cancel (self);

  /* The network's shape does not change while training. */
  job->net = bp_network_copy (_bpv_session_net (self));
  job->n_rows = self->train->n_rows;
  job->X = g_memdup2 (self->train->X, job->n_rows * self->train->n_features * sizeof (double));
  job->Y = g_memdup2 (self->train->Y, job->n_rows * self->train->n_targets * sizeof (double));
  job->key = g_strdup (key);
  job->cancel = g_cancellable_new ();
  self->dist_running_key = g_steal_pointer (&key);
  self->dist_cancel = g_object_ref (job->cancel);

  task = g_task_new (self, NULL, dist_done, NULL);
  g_task_set_task_data (task, job, dist_job_free);
  bpv_background_hold ();
  g_task_run_in_thread (task, dist_thread);
}

const BpRecordDist *
bpv_session_get_distributions (BpvSession  *self,
                               const char **status)
{
  const char *why = NULL;

  g_return_val_if_fail (BPV_IS_SESSION (self), NULL);

  if (self->dist_cancel != NULL)
    why = _("Computing the distributions over the recorded steps…");
  else if (self->dist_error != NULL)
    why = self->dist_error;
  else if (self->dist == NULL && self->thread != NULL)
    why = _("The distributions follow the run every few seconds while it trains.");
  else if (self->dist == NULL)
    why = _("Nothing recorded yet: train or step to record steps.");
  if (status != NULL)
    *status = why;
  /* While new ones are computed the last ones stay (the plot shows them
   * when they still fit the network). */
  return self->dist_error != NULL ? NULL : self->dist;
}

void
_bpv_session_dist_cancel (BpvSession *self)
{
  if (self->dist_cancel != NULL)
    g_cancellable_cancel (self->dist_cancel);
  g_clear_object (&self->dist_cancel);
  g_clear_pointer (&self->dist_running_key, g_free);
}

void
_bpv_session_dist_clear (BpvSession *self)
{
  _bpv_session_dist_cancel (self);
  g_clear_pointer (&self->dist, bp_record_dist_free);
  g_clear_pointer (&self->dist_key, g_free);
  g_clear_pointer (&self->dist_error, g_free);
}
