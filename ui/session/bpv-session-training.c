/* bpv-session-training.c — running: the training worker's runs (started,
 * stopped, their snapshots applied, each run one undo step) and step mode
 * (the stepper's cycles, stepped, stepped back, auto-played).
 *
 * The training loop itself is not here: the worker (bpv-trainer-thread.c)
 * runs core/bp-trainer.c's steps on its own copies.  This file only drives
 * it and turns what it sends into the session's state and signals. */
#include "config.h"
#include "bpv-session-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bpv-events.h"

/* The speed slider (0 … 1) works in ratios, each notch multiplying the
 * pace: step mode holds each stop from 2.5 s (a classroom pace) down to
 * 2.5 × 0.02 = 50 ms; training runs from 2 steps a second up to
 * 2 × 5000 = 10,000, and at the top of the slider as fast as it can. */
#define STOP_SECONDS_SLOWEST    2.5
#define STOP_SECONDS_RATIO      0.02     /* fastest ÷ slowest */
#define TRAIN_RATE_SLOWEST      2.0
#define TRAIN_RATE_RATIO        5000.0   /* fastest ÷ slowest */
#define TRAIN_UNLIMITED_SPEED   0.995

static double
stop_duration_for (double speed)
{
  return STOP_SECONDS_SLOWEST * pow (STOP_SECONDS_RATIO, CLAMP (speed, 0.0, 1.0));
}

/* Steps a second, 0 for no limit. */
static double
train_rate_for (double speed)
{
  return speed >= TRAIN_UNLIMITED_SPEED
         ? 0.0 : TRAIN_RATE_SLOWEST * pow (TRAIN_RATE_RATIO, CLAMP (speed, 0.0, 1.0));
}

/* A run of training is one undo step, "Train N steps": recorded when the
 * worker hands back, when it is dropped for an edit, and at a save or a
 * setter while it runs (`continuing`: the rest of the run is a step of its
 * own), so that the steps stay in the order things happened. */
void
_bpv_session_record_training (BpvSession *self,
                              gboolean    continuing)
{
  g_autofree char *label = NULL;

  if (self->before_training == NULL)
    return;
  if (self->steps > self->steps_at_start)
    {
      label = g_strdup_printf (ngettext ("Train %" PRIu64 " Step", "Train %" PRIu64 " Steps",
                                         self->steps - self->steps_at_start),
                               self->steps - self->steps_at_start);
      _bpv_session_store_progress (self);
      bp_edit_history_record (self->history, g_steal_pointer (&self->before_training), label);
      bpv_event ("EDIT %s layers=%zu", label, self->model->network->n_layers);
    }
  g_clear_pointer (&self->before_training, bp_model_free);
  self->trained_unrecorded = FALSE;
  if (continuing)
    {
      /* The progress stored above is the state this copy starts from. */
      if (label == NULL)
        _bpv_session_store_progress (self);
      self->before_training = bp_model_copy (self->model);
      self->steps_at_start = self->steps;
    }
}

/* Step mode's batch: one sample when asked for, unless batch norm needs
 * more in training mode (then the model's batch, at least 2: the canvas
 * says "sample s of B" and the cost "over this batch of B"). */
static gsize
step_batch_size (BpvSession *self)
{
  const BpNetwork *net = _bpv_session_net (self);

  if (!self->step_sample)
    return self->model->batch_size;
  if (bp_network_check_batch (net, 1, NULL))
    return 1;
  return MAX (self->model->batch_size, 2);
}

void
_bpv_session_rebuild_stepper (BpvSession *self)
{
  g_clear_pointer (&self->stepper, bpv_stepper_free);
  self->stepper = bpv_stepper_new (_bpv_session_net (self), self->model->optimizer,
                                   self->train, step_batch_size (self),
                                   self->model->seed, self->steps);
  bpv_stepper_set_stop_duration (self->stepper, stop_duration_for (self->speed));
}

/* Training can't go on with another shape: drop the worker (the network
 * keeps the latest parameters and optimizer state it sent). */
void
_bpv_session_discard_thread (BpvSession *self)
{
  if (self->thread == NULL)
    return;
  g_clear_pointer (&self->thread, bpv_trainer_thread_detach);
  self->stopping = FALSE;
  self->restart_after_stop = FALSE;
  self->step_after_stop = FALSE;
  /* The optimizer's state came with the latest parameters. */
  _bpv_session_record_training (self, FALSE);
  bpv_event ("TRAIN stopped step=%" G_GUINT64_FORMAT, self->steps);
  _bpv_session_notify (self, PROP_RUNNING);
  _bpv_session_notify (self, PROP_STOPPING);
}

/* Hyperparameters changed while training: stop, and start again from the
 * handed-back state with the new settings. */
void
_bpv_session_restart_if_running (BpvSession *self)
{
  if (self->thread == NULL || self->stopping)
    return;
  bpv_session_pause (self);
  self->restart_after_stop = TRUE;
  self->step_after_stop = FALSE;
}

/* -------------------------------------------------------------- snapshots */

static void
apply_snapshot (BpvTrainSnapshot *snap,
                gpointer          user_data)
{
  BpvSession *self = user_data;
  BpNetwork *net = _bpv_session_net (self);
  BpOptimizer *opt = self->model->optimizer;
  gsize nl = net->n_layers;

  if (snap->n_params == net->n_params && snap->n_layers == nl)
    {
      memcpy (net->params, snap->params, net->n_params * sizeof (double));
      memcpy (net->grads, snap->grads, net->n_params * sizeof (double));
      if (snap->opt_state_size == bp_optimizer_state_size (opt))
        {
          memcpy (opt->state, snap->opt_state, snap->opt_state_size * sizeof (double));
          opt->t = snap->opt_t;
        }
      if (snap->trace != NULL && bp_trace_fits (snap->trace, net))
        {
          g_clear_pointer (&self->snap_trace, bp_trace_free);
          self->snap_trace = g_steal_pointer (&snap->trace);
          self->snap_row = snap->row;
          self->snap_loss = snap->batch_loss;
        }
      self->steps = snap->step;
      self->epoch = snap->epoch;
      /* Training went through the step that failed: the fault is history
       * (a run started again unchanged fails at it again and keeps it). */
      if (self->fault.kind != BP_TRAIN_FAULT_NONE && snap->step >= self->fault.step)
        _bpv_session_clear_fault (self);
      for (guint r = 0; r < snap->norm_steps->len; r++)
        _bpv_session_append_record (self, g_array_index (snap->norm_steps, guint64, r),
                                    &g_array_index (snap->norms, double, r * nl));
      /* Bounded as the trainer's: a long run keeps every stride-th epoch. */
      for (guint e = 0; e < snap->epochs->len; e++)
        bp_epoch_history_append (self->epochs, &g_array_index (snap->epochs, BpEpochStats, e));
      if (snap->steps_per_second > 0)
        self->steps_per_second = snap->steps_per_second;
      self->maps_dirty = TRUE;
      /* Trained weights are unsaved work from the first step (once: the
       * title and the autosave follow the change, not every snapshot). */
      if (!snap->final && !self->trained_unrecorded && self->steps > self->steps_at_start)
        {
          self->trained_unrecorded = TRUE;
          _bpv_session_emit (self, SIGNAL_EDITED);
        }
    }

  if (snap->final)
    {
      g_autoptr(GError) step_error = NULL;

      g_clear_pointer (&self->thread, bpv_trainer_thread_detach);
      self->stopping = FALSE;
      _bpv_session_record_give_back (self, g_steal_pointer (&snap->record));
      g_clear_pointer (&self->snap_trace, bp_trace_free);
      _bpv_session_record_training (self, FALSE);
      _bpv_session_emit (self, SIGNAL_EDITED);
      bpv_stepper_reset (self->stepper, self->steps);
      _bpv_session_invalidate_values (self);
      bpv_event ("TRAIN stopped step=%" G_GUINT64_FORMAT, self->steps);
      _bpv_session_notify (self, PROP_RUNNING);
      _bpv_session_notify (self, PROP_STOPPING);
      if (snap->error != NULL)
        {
          self->restart_after_stop = FALSE;
          self->step_after_stop = FALSE;
          if (snap->fault.kind != BP_TRAIN_FAULT_NONE)
            _bpv_session_set_fault (self, &snap->fault);
          _bpv_session_emit_message (self, snap->error->message, TRUE);
        }
      if (self->restart_after_stop)
        {
          g_autoptr(GError) error = NULL;

          self->restart_after_stop = FALSE;
          _bpv_session_start_thread (self, &error);
          if (error != NULL)
            _bpv_session_emit_message (self, error->message, TRUE);
        }
      else if (self->step_after_stop)
        {
          self->step_after_stop = FALSE;
          if (!bpv_session_step (self, &step_error))
            _bpv_session_emit_message (self, step_error->message, TRUE);
        }
    }

  bpv_train_snapshot_free (snap);
  _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
  _bpv_session_emit_values (self);
}

void
_bpv_session_start_thread (BpvSession *self,
                           GError    **error)
{
  BpTrainConfig config = {
    .batch_size = self->model->batch_size,
    .shuffle = TRUE,
    .seed = self->model->seed + self->steps,
    .keep_trace = TRUE,
  };
  BpRecord *record;

  g_return_if_fail (self->thread == NULL);

  _bpv_session_store_progress (self);
  g_clear_pointer (&self->before_training, bp_model_free);
  self->before_training = bp_model_copy (self->model);
  self->steps_at_start = self->steps;
  self->trained_unrecorded = FALSE;
  bpv_stepper_reset (self->stepper, self->steps);
  _bpv_session_record_leave_past (self);
  record = _bpv_session_record_take (self);
  self->thread = bpv_trainer_thread_new (_bpv_session_net (self), self->model->optimizer,
                                         self->train, self->test, &config, record,
                                         self->steps, self->epoch,
                                         train_rate_for (self->speed), apply_snapshot, self,
                                         error);
  if (self->thread == NULL)
    {
      _bpv_session_record_give_back (self, record);
      g_clear_pointer (&self->before_training, bp_model_free);
      return;
    }
  bpv_event ("TRAIN started step=%" G_GUINT64_FORMAT, self->steps);
  _bpv_session_notify (self, PROP_RUNNING);
}

/* ---------------------------------------------------------------- running */

gboolean
bpv_session_get_running (BpvSession *self)
{
  return self->thread != NULL;
}

gboolean
bpv_session_get_stopping (BpvSession *self)
{
  return self->stopping;
}

gboolean
bpv_session_play (BpvSession *self,
                  GError    **error)
{
  GError *local = NULL;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  if (self->thread != NULL)
    {
      if (self->stopping)
        {
          self->restart_after_stop = TRUE;
          self->step_after_stop = FALSE;
        }
      return TRUE;
    }
  bpv_session_set_autoplay (self, FALSE);
  _bpv_session_start_thread (self, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  _bpv_session_emit_values (self);
  return TRUE;
}

void
bpv_session_pause (BpvSession *self)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  self->restart_after_stop = FALSE;
  if (self->thread == NULL || self->stopping)
    return;
  self->stopping = TRUE;
  bpv_trainer_thread_stop (self->thread);
  _bpv_session_notify (self, PROP_STOPPING);
}

/* Step mode ends an epoch where a training run does (the order's rows all
 * taken) and keeps the same statistics, the rate the next step takes
 * included (bp_trainer_finish_epoch): the plots, the rate panel and the
 * recording's epoch counts agree however the steps were taken. */
static void
finish_epoch_if_done (BpvSession *self)
{
  const gsize *order;
  gsize n_rows, cursor;
  BpEpochStats st = { 0 };
  BpRng rng;

  bpv_stepper_get_batch_source (self->stepper, &rng, &order, &n_rows, &cursor);
  if (cursor < n_rows)
    return;
  st.epoch = ++self->epoch;
  st.step = bpv_stepper_get_step_count (self->stepper);
  st.lr = bp_optimizer_lr (self->model->optimizer);
  bp_evaluate (_bpv_session_net (self), self->train, &st.train_loss, &st.train_accuracy);
  if (self->test != NULL && self->test->n_rows > 0)
    bp_evaluate (_bpv_session_net (self), self->test, &st.test_loss, &st.test_accuracy);
  else
    st.test_loss = st.test_accuracy = NAN;
  bp_epoch_history_append (self->epochs, &st);
}

/* A step back over an epoch's end takes the epoch back (the history keeps
 * the latest epoch whatever it thins, so it is the last one). */
static void
unfinish_epochs_after (BpvSession *self,
                       guint64     step)
{
  while (self->epochs->len > 0
         && g_array_index (self->epochs, BpEpochStats, self->epochs->len - 1).step > step)
    {
      g_array_set_size (self->epochs, self->epochs->len - 1);
      if (self->epoch > 0)
        self->epoch--;
    }
}

static void
after_step (BpvSession *self,
            guint64     steps_before)
{
  BpvStepper *st = self->stepper;
  guint64 steps = bpv_stepper_get_step_count (st);

  if (steps > steps_before)
    {
      /* The update of this cycle was applied: one record. */
      const BpTrace *t = bpv_stepper_get_trace (st);

      if (t != NULL)
        _bpv_session_append_record (self, steps, t->grad_norm);
      finish_epoch_if_done (self);
      _bpv_session_record_step_mode (self, t);
      _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
    }
  else if (steps < steps_before)
    {
      _bpv_session_drop_records_after (self, steps);
      unfinish_epochs_after (self, steps);
      _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
    }
  self->steps = steps;
  self->maps_dirty = TRUE;
  self->probe_dirty = TRUE;
  if (steps != steps_before)
    {
      bp_edit_history_mark_changed (self->history);
      _bpv_session_emit (self, SIGNAL_EDITED);
    }
  /* A cycle that could not begin or update on NaN/Inf keeps its fault; a
   * step that went through ends it. */
  {
    BpTrainFault fault;

    if (bpv_stepper_get_fault (st, &fault))
      _bpv_session_set_fault (self, &fault);
    else if (steps != steps_before)
      _bpv_session_clear_fault (self);
  }
  _bpv_session_emit_values (self);
}

static gboolean
step_with (BpvSession *self,
           gboolean  (*func) (BpvStepper *, GError **),
           GError    **error)
{
  guint64 before;
  gboolean ok;

  if (self->thread != NULL)
    {
      bpv_session_pause (self);
      self->step_after_stop = TRUE;
      self->restart_after_stop = FALSE;
      return TRUE;
    }
  /* Stepping goes on from the present; where it starts is recorded (step
   * 0, or where an earlier step back left it: that forks the recording). */
  _bpv_session_record_leave_past (self);
  _bpv_session_record_step_mode (self, NULL);
  before = bpv_stepper_get_step_count (self->stepper);
  ok = func (self->stepper, error);
  after_step (self, before);
  return ok;
}

gboolean
bpv_session_step (BpvSession *self,
                  GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  return step_with (self, bpv_stepper_next, error);
}

gboolean
bpv_session_step_phase (BpvSession *self,
                        GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  return step_with (self, bpv_stepper_next_phase, error);
}

gboolean
bpv_session_can_step_back (BpvSession *self)
{
  return self->thread == NULL
         && (_bpv_session_is_stepping (self) || bpv_stepper_get_n_kept (self->stepper) > 0);
}

gboolean
bpv_session_step_back (BpvSession *self)
{
  guint64 before;
  gboolean ok;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  if (self->thread != NULL)
    return FALSE;
  _bpv_session_record_leave_past (self);
  before = bpv_stepper_get_step_count (self->stepper);
  ok = bpv_stepper_back (self->stepper);
  after_step (self, before);
  return ok;
}

void
bpv_session_set_autoplay (BpvSession *self,
                          gboolean    autoplay)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  autoplay = !!autoplay;
  if (autoplay == bpv_stepper_get_autoplay (self->stepper))
    return;
  if (autoplay && self->thread != NULL)
    bpv_session_pause (self);
  bpv_stepper_set_autoplay (self->stepper, autoplay);
  _bpv_session_notify (self, PROP_AUTOPLAY);
  _bpv_session_emit_values (self);
}

gboolean
bpv_session_get_autoplay (BpvSession *self)
{
  return bpv_stepper_get_autoplay (self->stepper);
}

gboolean
bpv_session_is_animating (BpvSession *self)
{
  return self->thread == NULL
         && (bpv_stepper_is_animating (self->stepper) || bpv_stepper_get_autoplay (self->stepper));
}

gboolean
bpv_session_tick (BpvSession *self,
                  double      seconds)
{
  g_autoptr(GError) error = NULL;
  guint64 before;
  BpvTickResult r;

  if (self->thread != NULL || self->shown_net != NULL)
    return FALSE;
  if (self->record == NULL || bp_record_n (self->record) == 0)
    _bpv_session_record_step_mode (self, NULL);
  before = bpv_stepper_get_step_count (self->stepper);
  r = bpv_stepper_tick (self->stepper, seconds, &error);
  switch (r)
    {
    case BPV_TICK_ANIMATING:
      /* Only the progress moved: redraw, the numbers are the same. */
      _bpv_session_emit_redraw (self);
      return TRUE;
    case BPV_TICK_STEPPED:
      bpv_event ("ACTION autostep phase=%s layer=%zu",
                 bpv_step_phase_to_string (bpv_stepper_get_phase (self->stepper)),
                 bpv_stepper_get_layer (self->stepper) + 1);
      after_step (self, before);
      return TRUE;
    case BPV_TICK_ERROR:
      {
        BpTrainFault fault;

        if (bpv_stepper_get_fault (self->stepper, &fault))
          _bpv_session_set_fault (self, &fault);
      }
      _bpv_session_emit_message (self, error->message, TRUE);
      _bpv_session_notify (self, PROP_AUTOPLAY);
      _bpv_session_emit_values (self);
      return FALSE;
    case BPV_TICK_IDLE:
    default:
      return bpv_stepper_get_autoplay (self->stepper);
    }
}

/* ---------------------------------------------------- speed and step size */

void
bpv_session_set_speed (BpvSession *self,
                       double      speed)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  speed = CLAMP (speed, 0.0, 1.0);
  if (speed == self->speed)
    return;
  self->speed = speed;
  bpv_stepper_set_stop_duration (self->stepper, stop_duration_for (speed));
  if (self->thread != NULL)
    bpv_trainer_thread_set_rate (self->thread, train_rate_for (speed));
  _bpv_session_notify (self, PROP_SPEED);
}

double
bpv_session_get_speed (BpvSession *self)
{
  return self->speed;
}

void
_bpv_session_update_stepper_batch (BpvSession *self)
{
  gsize B = step_batch_size (self);

  if (bpv_stepper_get_batch_size (self->stepper) == MIN (B, self->train->n_rows))
    return;
  bpv_stepper_set_batch_size (self->stepper, B);
}

void
bpv_session_set_step_sample (BpvSession *self,
                             gboolean    one_sample)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  one_sample = !!one_sample;
  if (one_sample == self->step_sample)
    return;
  self->step_sample = one_sample;
  _bpv_session_update_stepper_batch (self);
  _bpv_session_notify (self, PROP_STEP_SAMPLE);
}

gboolean
bpv_session_get_step_sample (BpvSession *self)
{
  return self->step_sample;
}

