/* bpv-trainer-thread.c — the training worker (see bpv-trainer-thread.h). */
#include "bpv-trainer-thread.h"

#include <math.h>
#include <string.h>

#ifdef __linux__
# include <sys/resource.h>
# include <sys/syscall.h>
# include <unistd.h>
#endif

/* A record of the gradient norms every `stride` steps, the stride growing
 * with the run so that a long run sends a bounded number of records. */
#define RECORDS_PER_OCTAVE 2048
/* Snapshots posted to the main loop a second, at most: about half a
 * display's refresh rate, so the plots look live while the main thread
 * spends little on applying them (one-slot mailbox, see the header). */
#define MAX_DELIVERIES_PER_SECOND 30.0
/* Steps a second are measured over windows of a second: long enough to
 * average over epochs' evaluations, short enough to follow a new speed. */
#define RATE_WINDOW_US G_USEC_PER_SEC
/* The worker's nice value: below the threads that draw (0), so training
 * takes what the window leaves; 10 is what nice(1) gives by default. */
#define WORKER_NICE 10

struct _BpvTrainerThread
{
  gint                  ref_count;
  GMutex                lock;
  GCond                 cond;
  GCancellable         *cancellable;
  GMainContext         *context;
  BpvTrainSnapshotFunc  func;
  gpointer              user_data;

  /* under lock */
  gboolean              detached;
  BpvTrainSnapshot     *pending;
  gboolean              queued;
  double                rate;

  /* the worker's own */
  BpNetwork            *net;
  BpOptimizer          *opt;
  BpDataset            *train;
  BpDataset            *test;
  BpTrainer            *trainer;
  guint64               start_step;
  guint                 start_epoch;
  GArray               *norm_steps;
  GArray               *norms;
  GArray               *epochs;
  BpRecord             *record;       /* until handed back in the final snapshot */
  /* Held by the worker while it adds to (or drops) `record`, and by the
   * main thread while it reads it (bpv_trainer_thread_lock_record). */
  GMutex                record_lock;
};

static BpvTrainerThread *
thread_ref (BpvTrainerThread *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

static void
thread_unref (gpointer data)
{
  BpvTrainerThread *self = data;

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  bpv_train_snapshot_free (self->pending);
  bp_trainer_free (self->trainer);
  bp_network_free (self->net);
  bp_optimizer_free (self->opt);
  bp_dataset_free (self->train);
  bp_dataset_free (self->test);
  g_array_unref (self->norm_steps);
  g_array_unref (self->norms);
  g_array_unref (self->epochs);
  bp_record_free (self->record);
  g_object_unref (self->cancellable);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->record_lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

void
bpv_train_snapshot_free (BpvTrainSnapshot *snap)
{
  if (snap == NULL)
    return;
  g_free (snap->params);
  g_free (snap->grads);
  bp_trace_free (snap->trace);
  g_array_unref (snap->norm_steps);
  g_array_unref (snap->norms);
  g_array_unref (snap->epochs);
  g_free (snap->opt_state);
  bp_record_free (snap->record);
  g_clear_error (&snap->error);
  g_free (snap);
}

/* Merges `older` (not delivered) into `newer`: the records of both, the
 * newest everything else. */
static void
merge_into (BpvTrainSnapshot *newer,
            BpvTrainSnapshot *older)
{
  g_array_prepend_vals (newer->norm_steps, older->norm_steps->data, older->norm_steps->len);
  g_array_prepend_vals (newer->norms, older->norms->data, older->norms->len);
  g_array_prepend_vals (newer->epochs, older->epochs->data, older->epochs->len);
}

static gboolean
deliver (gpointer data)
{
  BpvTrainerThread *self = data;
  BpvTrainSnapshot *snap;
  gboolean detached;

  g_mutex_lock (&self->lock);
  snap = g_steal_pointer (&self->pending);
  self->queued = FALSE;
  detached = self->detached;
  g_mutex_unlock (&self->lock);

  if (snap != NULL && !detached)
    self->func (snap, self->user_data);
  else
    bpv_train_snapshot_free (snap);
  return G_SOURCE_REMOVE;
}

static BpvTrainSnapshot *
make_snapshot (BpvTrainerThread *self,
               double            steps_per_second)
{
  BpTrainer *tr = self->trainer;
  BpvTrainSnapshot *snap = g_new0 (BpvTrainSnapshot, 1);
  gsize np = self->net->n_params;

  snap->step = self->start_step + tr->steps;
  snap->epoch = self->start_epoch + tr->epoch;
  snap->n_params = np;
  snap->params = g_memdup2 (self->net->params, MAX (np, 1) * sizeof (double));
  snap->grads = g_memdup2 (self->net->grads, MAX (np, 1) * sizeof (double));
  if (tr->steps > 0)
    {
      snap->trace = bp_trainer_copy_sample (tr, 0);
      snap->row = bp_trainer_last_row (tr, 0);
      snap->batch_loss = tr->trace->loss;
    }
  else
    snap->batch_loss = NAN;
  snap->n_layers = self->net->n_layers;
  snap->norm_steps = self->norm_steps;
  snap->norms = self->norms;
  snap->epochs = self->epochs;
  self->norm_steps = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->norms = g_array_new (FALSE, FALSE, sizeof (double));
  self->epochs = g_array_new (FALSE, FALSE, sizeof (BpEpochStats));
  snap->steps_per_second = steps_per_second;
  /* The optimizer's state goes with the parameters of the same step, so
   * that saving while training writes a state that resumes. */
  snap->opt_state_size = bp_optimizer_state_size (self->opt);
  snap->opt_state = g_memdup2 (self->opt->state, MAX (snap->opt_state_size, 1) * sizeof (double));
  snap->opt_t = self->opt->t;
  return snap;
}

static void
post (BpvTrainerThread *self,
      BpvTrainSnapshot *snap)
{
  gboolean queue;

  g_mutex_lock (&self->lock);
  if (self->pending != NULL)
    {
      merge_into (snap, self->pending);
      bpv_train_snapshot_free (self->pending);
    }
  self->pending = snap;
  queue = !self->queued && !self->detached;
  if (queue)
    self->queued = TRUE;
  g_mutex_unlock (&self->lock);

  /* Always through a source on the main context, never
   * g_main_context_invoke: that runs the callback right here, on the
   * worker, whenever it can acquire an idle main context. */
  if (queue)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, deliver, thread_ref (self), thread_unref);
      g_source_set_static_name (source, "[bpv] training snapshot");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

/* The worker's own records rather than the trainer's (tr->grad_norms):
 * those count steps from this run's start and are thinned in place, so a
 * delivery could not say which are new; these are at the session's step
 * numbers, and each delivery takes the ones since the previous. */
static void
record_norms (BpvTrainerThread *self)
{
  BpTrainer *tr = self->trainer;
  guint64 step = self->start_step + tr->steps;
  guint64 stride = 1;

  while (step / stride >= 2 * RECORDS_PER_OCTAVE)
    stride *= 2;
  if (step % stride != 0)
    return;
  g_array_append_val (self->norm_steps, step);
  g_array_append_vals (self->norms, tr->trace->grad_norm, self->net->n_layers);
}

/* The epoch the trainer just finished, counted from the session's start. */
static void
finish_epoch (BpvTrainerThread *self)
{
  BpEpochStats st;

  bp_trainer_finish_epoch (self->trainer, &st);
  st.epoch += self->start_epoch;
  st.step += self->start_step;
  g_array_append_val (self->epochs, st);
}

/* The step just taken (or, with `stats` FALSE, where the run starts) into
 * the recording, at the session's step numbers.  A recording that does not
 * fit (the model changed shape under it) is dropped: the session starts a
 * new one. */
static void
record_step (BpvTrainerThread *self,
             gboolean          stats,
             gboolean          latest)
{
  BpTrainer *tr = self->trainer;
  g_autoptr(GError) error = NULL;
  BpRecordPosition pos;

  /* The trainer counts from this run's start; the session from step 0. */
  bp_record_position_of_trainer (&pos, tr, stats);
  pos.step += self->start_step;
  pos.epoch += self->start_epoch;

  g_mutex_lock (&self->record_lock);
  if (self->record != NULL
      && !bp_record_add_position (self->record, self->net, self->opt, &pos, latest, &error))
    g_clear_pointer (&self->record, bp_record_free);
  g_mutex_unlock (&self->record_lock);
}

/* Waits until `until` (monotonic µs) or a stop; FALSE when stopped. */
static gboolean
wait_until (BpvTrainerThread *self,
            gint64            until,
            double            rate)
{
  gboolean stopped;

  /* A changed rate ends the wait too: the schedule is made again. */
  g_mutex_lock (&self->lock);
  while (!(stopped = g_cancellable_is_cancelled (self->cancellable))
         && self->rate == rate
         && g_get_monotonic_time () < until)
    g_cond_wait_until (&self->cond, &self->lock, until);
  g_mutex_unlock (&self->lock);
  return !stopped;
}

/* Background work still running (training workers, heat-map tasks), so
 * that the process can wait for it before it exits: a detached worker may
 * still be freeing its copies when its last snapshot has been delivered,
 * a heat-map task may be in the middle of its matrix products
 * (core/bp-matmul.c), and exit () must not run under either. */
static GMutex live_lock;
static GCond live_cond;
static int live_workers;

static void
live_add (int delta)
{
  g_mutex_lock (&live_lock);
  live_workers += delta;
  if (live_workers == 0)
    g_cond_broadcast (&live_cond);
  g_mutex_unlock (&live_lock);
}

void
bpv_background_hold (void)
{
  live_add (+1);
}

void
bpv_background_release (void)
{
  live_add (-1);
}

void
bpv_background_wait_all (void)
{
  g_mutex_lock (&live_lock);
  while (live_workers > 0)
    g_cond_wait (&live_cond, &live_lock);
  g_mutex_unlock (&live_lock);
}

static void (*step_hook) (gpointer);
static gpointer step_hook_data;

void
bpv_trainer_thread_set_step_hook (void     (*hook) (gpointer data),
                                  gpointer   data)
{
  g_atomic_pointer_set (&step_hook_data, data);
  g_atomic_pointer_set (&step_hook, hook);
}

static gpointer
worker (gpointer data)
{
  BpvTrainerThread *self = data;
  BpTrainer *tr = self->trainer;
  GError *error = NULL;
  gint64 last_post = 0, rate_start = g_get_monotonic_time ();
  guint64 rate_steps = 0;
  double measured = 0.0;
  BpvTrainSnapshot *final;

#ifdef __linux__
  /* On Linux the nice value is per thread. */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), WORKER_NICE);
#endif

  /* Where the run starts: step 0, or the step it goes on from (the same
   * step again only updates its epoch count; an earlier one forks). */
  record_step (self, FALSE, FALSE);

  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      double rate;
      gint64 now;

      g_mutex_lock (&self->lock);
      rate = self->rate;
      g_mutex_unlock (&self->lock);

      if (rate > 0)
        {
          gint64 due = rate_start + (gint64) (1e6 * (double) (rate_steps + 1) / rate);

          if (due > g_get_monotonic_time () && !wait_until (self, due, rate))
            break;
        }

      if (!bp_trainer_step (tr, &error))
        break;
      {
        void (*hook) (gpointer) = g_atomic_pointer_get (&step_hook);

        if (hook != NULL)
          hook (g_atomic_pointer_get (&step_hook_data));
      }
      rate_steps++;
      record_norms (self);
      record_step (self, TRUE, FALSE);
      if (bp_trainer_epoch_done (tr))
        {
          finish_epoch (self);
          record_step (self, TRUE, FALSE);
        }

      now = g_get_monotonic_time ();
      if (now - rate_start > RATE_WINDOW_US)
        {
          measured = (double) rate_steps * 1e6 / (double) (now - rate_start);
          /* A new window: a changed rate takes effect from here. */
          rate_start = now;
          rate_steps = 0;
        }
      if ((double) (now - last_post) >= 1e6 / MAX_DELIVERIES_PER_SECOND)
        {
          double sps = measured > 0 ? measured
                       : (double) rate_steps * 1e6 / (double) MAX (now - rate_start, 1);

          post (self, make_snapshot (self, sps));
          last_post = now;
        }
      {
        /* A changed rate restarts the schedule. */
        double r;

        g_mutex_lock (&self->lock);
        r = self->rate;
        g_mutex_unlock (&self->lock);
        if (r != rate)
          {
            rate_start = g_get_monotonic_time ();
            rate_steps = 0;
          }
      }
    }

  /* The step the run stopped at is kept whatever the grid. */
  if (tr->steps > 0)
    record_step (self, TRUE, TRUE);
  final = make_snapshot (self, measured);
  final->final = TRUE;
  g_mutex_lock (&self->record_lock);
  final->record = g_steal_pointer (&self->record);
  g_mutex_unlock (&self->record_lock);
  if (error != NULL && bp_trainer_get_fault (tr, &final->fault))
    {
      /* The trainer counts from this run's start; the session from step 0. */
      final->fault.step += self->start_step;
      g_clear_error (&error);
      bp_train_fault_set_error (&final->fault, &error);
    }
  final->error = error;
  post (self, final);
  thread_unref (self);
  live_add (-1);
  return NULL;
}

BpvTrainerThread *
bpv_trainer_thread_new (const BpNetwork      *net,
                        const BpOptimizer    *opt,
                        const BpDataset      *train,
                        const BpDataset      *test,
                        const BpTrainConfig  *config,
                        BpRecord             *record,
                        guint64               start_step,
                        guint                 start_epoch,
                        double                steps_per_second,
                        BpvTrainSnapshotFunc  func,
                        gpointer              user_data,
                        GError              **error)
{
  BpvTrainerThread *self;
  GThread *thread;

  g_return_val_if_fail (net != NULL && opt != NULL && train != NULL && config != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (BpvTrainerThread, 1);
  self->ref_count = 1;
  g_mutex_init (&self->lock);
  g_mutex_init (&self->record_lock);
  g_cond_init (&self->cond);
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
  self->func = func;
  self->user_data = user_data;
  self->rate = steps_per_second;
  self->net = bp_network_copy (net);
  self->opt = bp_optimizer_copy (opt);
  self->train = bp_dataset_copy (train);
  self->test = test != NULL ? bp_dataset_copy (test) : NULL;
  self->start_step = start_step;
  self->start_epoch = start_epoch;
  self->norm_steps = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->norms = g_array_new (FALSE, FALSE, sizeof (double));
  self->epochs = g_array_new (FALSE, FALSE, sizeof (BpEpochStats));
  self->trainer = bp_trainer_new (self->net, self->opt, self->train, self->test, config, error);
  if (self->trainer == NULL)
    {
      thread_unref (self);
      return NULL;
    }
  self->record = record;

  live_add (+1);
  thread = g_thread_try_new ("bpv-trainer", worker, thread_ref (self), error);
  if (thread == NULL)
    {
      live_add (-1);
      self->record = NULL;  /* the caller's again */
      thread_unref (self);  /* the worker's reference */
      thread_unref (self);
      return NULL;
    }
  g_thread_unref (thread);
  return self;
}

void
bpv_trainer_thread_stop (BpvTrainerThread *self)
{
  g_return_if_fail (self != NULL);

  g_cancellable_cancel (self->cancellable);
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

gboolean
bpv_trainer_thread_is_stopping (BpvTrainerThread *self)
{
  return g_cancellable_is_cancelled (self->cancellable);
}

void
bpv_trainer_thread_detach (BpvTrainerThread *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->detached = TRUE;
  g_mutex_unlock (&self->lock);
  bpv_trainer_thread_stop (self);
  thread_unref (self);
}

const BpRecord *
bpv_trainer_thread_lock_record (BpvTrainerThread *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->record_lock);
  return self->record;
}

void
bpv_trainer_thread_unlock_record (BpvTrainerThread *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_unlock (&self->record_lock);
}

void
bpv_trainer_thread_set_rate (BpvTrainerThread *self,
                             double            steps_per_second)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->rate = steps_per_second;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}
