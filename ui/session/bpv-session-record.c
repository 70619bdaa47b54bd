/* bpv-session-record.c — the session's recording of its runs (bp-record.h):
 * every training run and every step-mode step is added to it; the window
 * shows a past step from it (on a copy of the network, the present is left
 * alone) and resumes training from one (a fork, one undo step).
 *
 * Who holds the recording: the session, except while the training worker
 * runs — then the worker owns it (it adds every step) and hands it back in
 * its final snapshot, so bpv_session_get_record is NULL meanwhile.  The
 * timeline scrubs it while training goes on all the same: it reads through
 * bpv_session_lock_record, which takes the worker's lock on its recording
 * (bpv_trainer_thread_lock_record), and a past step is restored from it
 * onto the shown copy while the present keeps training.  Resuming from a
 * past step waits for a pause (it replaces the present).  The budget is
 * bp-record's default, BP_RECORD_DEFAULT_BUDGET (64 MiB).
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bpv-events.h"
#include "bpv-session-private.h"

/* ------------------------------------------------------------- internals */

static BpRecord *
ensure_record (BpvSession *self)
{
  if (self->record == NULL)
    self->record = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  return self->record;
}

BpRecord *
_bpv_session_record_take (BpvSession *self)
{
  ensure_record (self);
  return g_steal_pointer (&self->record);
}

void
_bpv_session_record_give_back (BpvSession *self,
                               BpRecord   *rec)
{
  /* A worker that dropped a recording that no longer fitted gives back
   * none: a new one starts at the next add. */
  g_clear_pointer (&self->record, bp_record_free);
  self->record = rec;
}

/* Step mode: where the stepper stands, with the step's statistics when
 * `trace` is given (NULL: the start of a run, no statistics). */
void
_bpv_session_record_step_mode (BpvSession    *self,
                               const BpTrace *trace)
{
  g_autoptr(GError) error = NULL;
  BpRecordPosition pos = { 0 };
  const gsize *order;
  BpRng rng;

  if (self->thread != NULL)
    return;
  bpv_stepper_get_batch_source (self->stepper, &rng, &order, &pos.n_rows, &pos.cursor);
  pos.rng = &rng;
  pos.order = order;
  pos.step = bpv_stepper_get_step_count (self->stepper);
  pos.epoch = self->epoch;
  pos.loss = trace != NULL ? trace->loss : NAN;
  pos.grad_norms = trace != NULL ? trace->grad_norm : NULL;
  if (bp_record_add_position (ensure_record (self), _bpv_session_net (self),
                              self->model->optimizer, &pos, FALSE, &error))
    return;
  /* The model changed shape since the recording began: a new one. */
  g_clear_pointer (&self->record, bp_record_free);
  bp_record_add_position (ensure_record (self), _bpv_session_net (self),
                          self->model->optimizer, &pos, FALSE, NULL);
}

BpNetwork *
_bpv_session_shown_net (BpvSession *self)
{
  return self->shown_net != NULL ? self->shown_net : _bpv_session_net (self);
}

void
_bpv_session_record_clear_shown (BpvSession *self)
{
  g_clear_pointer (&self->shown_net, bp_network_free);
  g_clear_pointer (&self->shown_opt, bp_optimizer_free);
}

void
_bpv_session_record_leave_past (BpvSession *self)
{
  g_autofree char *text = NULL;

  if (self->shown_net == NULL)
    return;
  /* Training goes on from the present, never silently from the past: say
   * where it went and how to fork instead. */
  text = g_strdup_printf (_("Back to now (step %" PRIu64 "): to go on from step %"
                            PRIu64 ", use Resume from Here"),
                          self->steps, self->shown_step);
  bpv_session_show_present (self);
  _bpv_session_emit_message (self, text, FALSE);
}

void
_bpv_session_record_after_undo (BpvSession *self)
{
  /* Undoing the fork gives back what was recorded after it. */
  if (self->fork_data == NULL
      || bp_edit_history_n_undo (self->history) >= self->fork_depth)
    return;
  if (self->thread == NULL)
    {
      g_autoptr(GError) error = NULL;
      BpRecord *rec = bp_record_load_data (self->fork_data, self->fork_len,
                                           "undo", &error);

      if (rec != NULL)
        _bpv_session_record_give_back (self, rec);
    }
  g_clear_pointer (&self->fork_data, g_free);
  self->fork_len = 0;
}

/* The index of the kept step ≤ `step` in `rec` (NULL: none yet), or −1
 * with an error. */
static gssize
find_kept (const BpRecord  *rec,
           guint64          step,
           GError         **error)
{
  gssize i = rec != NULL ? bp_record_find (rec, step) : -1;

  if (i < 0)
    g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                 _("Step %" PRIu64 " was not recorded"), step);
  return i;
}

/* ---------------------------------------------------------------- public */

const BpRecord *
bpv_session_get_record (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), NULL);
  return self->record;
}

const BpRecord *
bpv_session_lock_record (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), NULL);

  /* Nested locks count: the worker's mutex is taken once. */
  if (self->record_locks++ == 0)
    {
      self->record_locked = self->thread;
      self->locked_record = self->thread != NULL ? bpv_trainer_thread_lock_record (self->thread)
                                                 : self->record;
    }
  return self->locked_record;
}

void
bpv_session_unlock_record (BpvSession *self)
{
  g_return_if_fail (BPV_IS_SESSION (self));
  g_return_if_fail (self->record_locks > 0);

  if (--self->record_locks > 0)
    return;
  if (self->record_locked != NULL)
    bpv_trainer_thread_unlock_record (self->record_locked);
  self->record_locked = NULL;
  self->locked_record = NULL;
}

gboolean
bpv_session_is_viewing_past (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  return self->shown_net != NULL;
}

guint64
bpv_session_get_shown_step (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), 0);
  return self->shown_net != NULL ? self->shown_step : self->steps;
}

const BpOptimizer *
bpv_session_get_shown_optimizer (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), NULL);
  return self->shown_net != NULL ? self->shown_opt : self->model->optimizer;
}

gboolean
bpv_session_show_step (BpvSession *self,
                       guint64     step,
                       GError    **error)
{
  const BpRecord *rec;
  gboolean ok;
  gssize i;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  /* While training runs, from the worker's recording: only the shown copy
   * changes, the present goes on training. */
  rec = bpv_session_lock_record (self);
  if ((i = find_kept (rec, step, error)) < 0)
    {
      bpv_session_unlock_record (self);
      return FALSE;
    }
  if (self->shown_net == NULL)
    self->shown_net = bp_network_copy (_bpv_session_net (self));
  /* The past's optimizer state too, so that the inspector does not put
   * the present's m and v beside the past's weights. */
  if (self->shown_opt == NULL)
    self->shown_opt = bp_optimizer_copy (self->model->optimizer);
  ok = bp_record_restore (rec, (gsize) i, self->shown_net, self->shown_opt, NULL, NULL);
  if (!ok)
    {
      /* Another optimizer since the recording, or a schedule and a
       * version 1 file: the network all the same, its optimizer state
       * said to be unknown (bpv_session_get_shown_optimizer). */
      g_clear_pointer (&self->shown_opt, bp_optimizer_free);
      ok = bp_record_restore (rec, (gsize) i, self->shown_net, NULL, NULL, error);
    }
  if (ok)
    self->shown_step = bp_record_step_at (rec, (gsize) i);
  bpv_session_unlock_record (self);
  if (!ok)
    {
      _bpv_session_record_clear_shown (self);
      return FALSE;
    }
  bpv_event ("TIMELINE show step=%" G_GUINT64_FORMAT, self->shown_step);
  self->probe_dirty = TRUE;
  self->maps_dirty = TRUE;
  _bpv_session_emit_values (self);
  return TRUE;
}

void
bpv_session_show_present (BpvSession *self)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  if (self->shown_net == NULL)
    return;
  _bpv_session_record_clear_shown (self);
  bpv_event ("TIMELINE present step=%" G_GUINT64_FORMAT, self->steps);
  self->probe_dirty = TRUE;
  self->maps_dirty = TRUE;
  _bpv_session_emit_values (self);
}

gboolean
bpv_session_resume_from (BpvSession *self,
                         guint64     step,
                         GError    **error)
{
  BpModel *before;
  gssize i;
  g_autofree gsize *order = NULL;
  g_autofree char *label = NULL;
  BpRng rng;
  gsize cursor;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  if (self->thread != NULL)
    {
      g_set_error_literal (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                           _("Pause training to resume from a past step"));
      return FALSE;
    }
  if ((i = find_kept (self->record, step, error)) < 0)
    return FALSE;
  _bpv_session_store_progress (self);
  before = bp_model_copy (self->model);
  if (!bp_record_restore (self->record, (gsize) i, _bpv_session_net (self),
                          self->model->optimizer, NULL, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  /* The step mode's batches go on as the run's did. */
  order = g_new (gsize, MAX (bp_record_n_rows (self->record), 1));
  bp_record_order_at (self->record, (gsize) i, &rng, order, &cursor);
  self->steps = bp_record_step_at (self->record, (gsize) i);
  self->epoch = bp_record_epoch_at (self->record, (gsize) i);
  bpv_stepper_reset (self->stepper, self->steps);
  bpv_stepper_set_batch_source (self->stepper, &rng, order,
                                bp_record_n_rows (self->record), cursor);
  _bpv_session_drop_records_after (self, self->steps);
  {
    guint keep = 0;

    while (keep < self->epochs->len
           && g_array_index (self->epochs, BpEpochStats, keep).step <= self->steps)
      keep++;
    g_array_set_size (self->epochs, keep);
  }
  _bpv_session_store_progress (self);

  /* The next add truncates what came after: undo brings it back. */
  g_free (self->fork_data);
  self->fork_data = bp_record_to_data (self->record, &self->fork_len);
  label = g_strdup_printf (_("Resume from Step %" PRIu64), self->steps);
  bp_edit_history_record (self->history, before, label);
  self->fork_depth = bp_edit_history_n_undo (self->history);
  bpv_event ("EDIT %s layers=%zu", label, _bpv_session_net (self)->n_layers);

  _bpv_session_record_clear_shown (self);
  _bpv_session_clear_fault (self);
  self->probe_dirty = TRUE;
  self->maps_dirty = TRUE;
  _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
  _bpv_session_emit (self, SIGNAL_EDITED);
  _bpv_session_emit_values (self);
  return TRUE;
}

/* MODEL.json → MODEL.bprecord (any other name: NAME.bprecord). */
char *
bpv_session_record_path (const char *model_path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (model_path != NULL, NULL);

  base = g_str_has_suffix (model_path, ".json")
         ? g_strndup (model_path, strlen (model_path) - strlen (".json"))
         : g_strdup (model_path);
  return g_strconcat (base, ".bprecord", NULL);
}

gboolean
bpv_session_save_record (BpvSession *self,
                         const char *model_path,
                         GError    **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  if (self->record == NULL || bp_record_n (self->record) == 0)
    return TRUE;
  path = bpv_session_record_path (model_path);
  return bp_record_save (self->record, path, error);
}

gboolean
bpv_session_load_record (BpvSession *self,
                         const char *model_path,
                         GError    **error)
{
  g_autofree char *path = NULL;
  BpRecord *rec;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  if (self->thread != NULL)
    return TRUE;
  path = bpv_session_record_path (model_path);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  rec = bp_record_load (path, error);
  if (rec == NULL)
    return FALSE;
  _bpv_session_record_clear_shown (self);
  _bpv_session_record_give_back (self, rec);
  _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
  return TRUE;
}
