/* bpv-session-compare.c — two sessions trained in lockstep for the compare
 * view (bpv-compare-run.h drives it): one BpCompare (core/bp-compare.h)
 * over the two sessions' live networks and optimizers, so that B takes A's
 * batches at every step, and each session's step count, gradient-norm
 * records, epochs and recording follow as after a run of its own.
 *
 * Also what goes between the main window and a comparison: A taken as the
 * main window shows it (bpv_session_copy_shown_model), and B kept as the
 * main window's model (bpv_session_keep_from).
 *
 * The steps run on the calling (main) thread, a few at a time: the two
 * runs must stay at the same step, which two workers of their own would
 * not, and the compare view's networks are small.  The caller bounds how
 * many steps it takes per frame. */
#include "config.h"
#include "bpv-session-private.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "bp-compare.h"
#include "bpv-events.h"

/* Where the run stands, into the session's recording: `stats` for the
 * step just taken (FALSE: the start of the run), `latest` to keep it off
 * the grid (where a chunk of steps ends). */
static void
record_position (BpvSession      *self,
                 const BpTrainer *tr,
                 gboolean         stats,
                 gboolean         latest)
{
  BpRecordPosition pos;
  BpRecord *rec;

  /* The session's own counts: the comparison's trainer starts at 0. */
  bp_record_position_of_trainer (&pos, tr, stats);
  pos.step = self->steps;
  pos.epoch = self->epoch;
  rec = _bpv_session_record_take (self);

  /* A recording of another shape (the model changed under it) gives way
   * to a new one, as in step mode. */
  if (!bp_record_add_position (rec, _bpv_session_net (self), self->model->optimizer,
                               &pos, latest, NULL))
    {
      g_clear_pointer (&rec, bp_record_free);
      rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
      bp_record_add_position (rec, _bpv_session_net (self), self->model->optimizer,
                              &pos, latest, NULL);
    }
  _bpv_session_record_give_back (self, rec);
}

BpCompare *
bpv_session_compare_new (BpvSession  *a,
                         BpvSession  *b,
                         GError     **error)
{
  BpTrainConfig config = { 0 };
  BpCompare *cmp;

  g_return_val_if_fail (BPV_IS_SESSION (a) && BPV_IS_SESSION (b), NULL);
  g_return_val_if_fail (a->thread == NULL && b->thread == NULL, NULL);

  if (!bp_compare_check_data (a->model, b->model, FALSE, error))
    return NULL;
  /* As A's own run would begin here (bpv-session-training.c). */
  config.batch_size = a->model->batch_size;
  config.shuffle = TRUE;
  config.seed = a->model->seed + a->steps;
  config.keep_trace = TRUE;
  cmp = bp_compare_new (_bpv_session_net (a), a->model->optimizer,
                        _bpv_session_net (b), b->model->optimizer,
                        a->train, a->test, &config, error);
  if (cmp == NULL)
    return NULL;
  bpv_session_show_present (a);
  bpv_session_show_present (b);
  record_position (a, cmp->a, FALSE, FALSE);
  record_position (b, cmp->b, FALSE, FALSE);
  return cmp;
}

/* The step `tr` just took, into the session. */
static void
after_step (BpvSession *self,
            BpTrainer  *tr)
{
  self->steps++;
  _bpv_session_append_record (self, self->steps, tr->trace->grad_norm);
  record_position (self, tr, TRUE, FALSE);
  if (bp_trainer_epoch_done (tr))
    {
      BpEpochStats st;

      bp_trainer_finish_epoch (tr, &st);
      self->epoch++;
      st.epoch = self->epoch;
      st.step = self->steps;
      bp_epoch_history_append (self->epochs, &st);
      /* The kept epoch end has the count after it. */
      record_position (self, tr, TRUE, FALSE);
    }
}

static void
after_steps (BpvSession *self,
             BpTrainer  *tr)
{
  if (tr->steps > 0)
    record_position (self, tr, TRUE, TRUE);
  bpv_stepper_reset (self->stepper, self->steps);
  _bpv_session_invalidate_values (self);
  _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
  _bpv_session_emit_values (self);
}

gboolean
bpv_session_compare_steps (BpvSession  *a,
                           BpvSession  *b,
                           BpCompare   *cmp,
                           guint        n,
                           GError     **error)
{
  gsize size;
  g_autofree double *before = NULL;
  guint64 t_before;
  gboolean ok = TRUE;

  g_return_val_if_fail (BPV_IS_SESSION (a) && BPV_IS_SESSION (b), FALSE);
  g_return_val_if_fail (cmp != NULL && cmp->a->net == _bpv_session_net (a)
                        && cmp->b->net == _bpv_session_net (b), FALSE);
  g_return_val_if_fail (a->thread == NULL && b->thread == NULL, FALSE);

  size = bp_train_state_size (_bpv_session_net (a), a->model->optimizer);
  before = g_new (double, MAX (size, 1));
  bpv_session_show_present (a);
  bpv_session_show_present (b);
  for (guint i = 0; i < n && ok; i++)
    {
      /* bp_compare_step takes A's step first: when B's fails, A's is
       * undone too, so that the two stay at the same step. */
      guint64 a_steps = cmp->a->steps;

      bp_train_state_save (_bpv_session_net (a), a->model->optimizer, before, &t_before);
      ok = bp_compare_step (cmp, error);
      if (cmp->a->steps > cmp->b->steps)
        {
          bp_train_state_restore (_bpv_session_net (a), a->model->optimizer,
                                  before, t_before);
          break;
        }
      /* Both stepped (a failed lockstep check is a bug, but the steps
       * were taken): count them. */
      if (cmp->a->steps == a_steps)
        break;
      after_step (a, cmp->a);
      after_step (b, cmp->b);
    }
  after_steps (a, cmp->a);
  after_steps (b, cmp->b);
  return ok;
}

/* ------------------------------------------- from and back to the main run */

BpModel *
bpv_session_copy_shown_model (BpvSession  *self,
                              guint64     *shown_step,
                              GError     **error)
{
  g_autoptr(BpModel) copy = NULL;
  gssize i;

  g_return_val_if_fail (BPV_IS_SESSION (self), NULL);

  copy = bp_model_copy (self->model);
  if (shown_step != NULL)
    *shown_step = bpv_session_get_shown_step (self);
  if (self->shown_net == NULL)
    return g_steal_pointer (&copy);
  /* The past as shown: the network the timeline restored, and the
   * optimizer's state of that step (the shown copy has no optimizer),
   * from the recording, which a run holds while it trains. */
  if (self->thread != NULL)
    {
      g_set_error_literal (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                           _("Pause training to compare from a past step"));
      return NULL;
    }
  if (self->record == NULL || (i = bp_record_find (self->record, self->shown_step)) < 0)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                   _("Step %" PRIu64 " was not recorded"), self->shown_step);
      return NULL;
    }
  if (!bp_record_restore (self->record, (gsize) i, copy->network, copy->optimizer, NULL, error))
    return NULL;
  return g_steal_pointer (&copy);
}

gboolean
bpv_session_keep_from (BpvSession  *self,
                       BpvSession  *from,
                       const char  *label,
                       GError     **error)
{
  BpModel *before;
  g_autoptr(BpModel) kept = NULL;
  BpRecord *rec = NULL;

  g_return_val_if_fail (BPV_IS_SESSION (self) && BPV_IS_SESSION (from), FALSE);
  g_return_val_if_fail (self != from && label != NULL, FALSE);

  /* A run holds the recording that undo must give back. */
  if (self->thread != NULL)
    {
      g_set_error_literal (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                           _("Pause training in the main window first"));
      return FALSE;
    }
  if (from->thread != NULL)
    {
      g_set_error_literal (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                           _("Pause training first"));
      return FALSE;
    }
  /* A past step of `from`: its run forks there (the model, the optimizer
   * and the batches as they were), as Resume from Here does. */
  if (from->shown_net != NULL && !bpv_session_resume_from (from, from->shown_step, error))
    return FALSE;
  _bpv_session_store_progress (from);
  kept = bp_model_copy (from->model);
  /* Its recording comes along when undo can give back this one's (it is
   * kept as a fork's is); with none here, none there. */
  if (self->record != NULL && from->record != NULL)
    rec = bp_record_copy (from->record);

  _bpv_session_record_clear_shown (self);
  _bpv_session_store_progress (self);
  before = bp_model_copy (self->model);
  {
    BpModel t = *self->model;

    *self->model = *kept;
    *kept = t;
  }
  if (rec != NULL)
    {
      g_free (self->fork_data);
      self->fork_data = bp_record_to_data (self->record, &self->fork_len);
      _bpv_session_record_give_back (self, rec);
    }
  bp_edit_history_record (self->history, before, label);
  if (rec != NULL)
    self->fork_depth = bp_edit_history_n_undo (self->history);
  bpv_event ("EDIT %s layers=%zu", label, _bpv_session_net (self)->n_layers);
  _bpv_session_after_model_change (self);
  /* Where B's run stood: its step count, epochs and batches (none: step 0). */
  _bpv_session_clear_history (self);
  _bpv_session_apply_progress (self);
  bpv_stepper_reset (self->stepper, self->steps);
  _bpv_session_invalidate_values (self);
  _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
  _bpv_session_emit_values (self);
  return TRUE;
}
