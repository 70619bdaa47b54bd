/* bp-edit-history.c — the undo and redo stacks of model snapshots, capped
 * by entries and by bytes, and the version and dirty state they keep.
 *
 * A step holds a whole model (the state undo or redo leads to); undo and
 * redo swap it with the model's contents, so the step then holds the state
 * the model had.  An edit goes through bp_edit_apply, which works it on a
 * copy (_bp_edit_perform_copy) and pushes the state before it.
 */
#include "bp-edit.h"
#include "bp-edit-private.h"

#include <string.h>

/* ------------------------------------------------------------------- size */

/* What a layer holds besides its BpLayer and its share of the parameter
 * blocks, about: its activation's id and parameters. */
#define LAYER_EXTRA_BYTES 32

gsize
bp_edit_model_size (const BpModel *m)
{
  gsize bytes;

  g_return_val_if_fail (m != NULL, 0);

  bytes = sizeof *m + strlen (m->name) + strlen (m->description) +
          (m->dataset != NULL ? strlen (m->dataset) : 0);
  if (m->network != NULL)
    {
      const BpNetwork *net = m->network;

      bytes += sizeof *net + net->n_layers * (sizeof (BpLayer) + LAYER_EXTRA_BYTES) +
               2 * net->n_params * sizeof (double);
      if (m->inputs != NULL)
        bytes += m->n_samples * (net->n_inputs + bp_network_n_outputs (net)) * sizeof (double);
    }
  if (m->optimizer != NULL)
    bytes += sizeof (BpOptimizer) +
             (bp_optimizer_state_size (m->optimizer) + m->optimizer->n_params +
              m->optimizer->desc->n_hyper) * sizeof (double);
  return bytes + bp_train_progress_size (m->progress);
}

/* ---------------------------------------------------------------- history */

typedef struct
{
  BpModel *snapshot;  /* the state this step leads back (undo) or on (redo) to */
  char    *label;     /* of the edit from the earlier state to the later */
  guint64  version;   /* of the state in snapshot */
  gsize    bytes;
} Step;

struct _BpEditHistory
{
  guint      max_entries;
  gsize      max_bytes;
  GPtrArray *undo;        /* Step, nearest last */
  GPtrArray *redo;        /* Step, nearest last */
  gsize      bytes;
  guint64    version;     /* of the model's current state */
  guint64    saved;       /* the version last saved */
  guint64    next;        /* next unused version */
};

static void
step_free (gpointer data)
{
  Step *s = data;

  bp_model_free (s->snapshot);
  g_free (s->label);
  g_free (s);
}

BpEditHistory *
bp_edit_history_new (guint max_entries,
                     gsize max_bytes)
{
  BpEditHistory *h = g_new0 (BpEditHistory, 1);

  h->max_entries = max_entries > 0 ? max_entries : BP_EDIT_HISTORY_MAX_ENTRIES;
  h->max_bytes = max_bytes > 0 ? max_bytes : BP_EDIT_HISTORY_MAX_BYTES;
  h->undo = g_ptr_array_new_with_free_func (step_free);
  h->redo = g_ptr_array_new_with_free_func (step_free);
  h->next = 1;
  return h;
}

void
bp_edit_history_free (BpEditHistory *h)
{
  if (h == NULL)
    return;
  g_ptr_array_unref (h->undo);
  g_ptr_array_unref (h->redo);
  g_free (h);
}

static void
drop_first (BpEditHistory *h,
            GPtrArray     *stack)
{
  Step *s = g_ptr_array_index (stack, 0);

  h->bytes -= s->bytes;
  g_ptr_array_remove_index (stack, 0);
}

/* Keeps to the budget: oldest undo steps first, then the farthest redo
 * steps; the nearest of each stays. */
static void
trim (BpEditHistory *h)
{
  while (h->undo->len + h->redo->len > h->max_entries || h->bytes > h->max_bytes)
    {
      if (h->undo->len > 1)
        drop_first (h, h->undo);
      else if (h->redo->len > 1)
        drop_first (h, h->redo);
      else
        break;
    }
}

static void
clear_stack (BpEditHistory *h,
             GPtrArray     *stack)
{
  while (stack->len > 0)
    drop_first (h, stack);
}

/* `before` (taken) is the state before a change just made: one undo step. */
static void
push_undo (BpEditHistory *h,
           BpModel       *before,
           char          *label)
{
  Step *s = g_new0 (Step, 1);

  s->snapshot = before;
  s->label = label;
  s->version = h->version;
  s->bytes = bp_edit_model_size (before);
  h->bytes += s->bytes;
  g_ptr_array_add (h->undo, s);
  clear_stack (h, h->redo);
  h->version = h->next++;
  trim (h);
}

gboolean
bp_edit_apply (BpEditHistory *h,
               BpModel       *model,
               const BpEdit  *edit,
               GError       **error)
{
  g_autoptr(BpModel) work = NULL;
  char *label;

  g_return_val_if_fail (h != NULL, FALSE);
  g_return_val_if_fail (model != NULL && model->network != NULL, FALSE);
  g_return_val_if_fail (edit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((work = _bp_edit_perform_copy (model, edit, error)) == NULL)
    return FALSE;
  /* The same value again: nothing to undo, nothing unsaved. */
  if (bp_model_equal (work, model))
    return TRUE;
  label = bp_edit_describe (model, edit);
  _bp_edit_swap_models (model, work);
  push_undo (h, g_steal_pointer (&work), label);
  return TRUE;
}

void
bp_edit_history_record (BpEditHistory *h,
                        BpModel       *before,
                        const char    *label)
{
  g_return_if_fail (h != NULL && before != NULL);

  push_undo (h, before, g_strdup (label != NULL ? label : "Change"));
}

void
bp_edit_history_mark_changed (BpEditHistory *h)
{
  g_return_if_fail (h != NULL);

  h->version = h->next++;
}

/* Moves the nearest step of `from` to `to`, swapping its snapshot with the
 * model: the step now holds the state the model had. */
static gboolean
move_step (BpEditHistory *h,
           GPtrArray     *from,
           GPtrArray     *to,
           BpModel       *model)
{
  Step *s;
  guint64 version;

  if (from->len == 0)
    return FALSE;
  s = g_ptr_array_steal_index (from, from->len - 1);
  _bp_edit_swap_models (model, s->snapshot);
  version = s->version;
  s->version = h->version;
  h->version = version;
  h->bytes -= s->bytes;
  s->bytes = bp_edit_model_size (s->snapshot);
  h->bytes += s->bytes;
  g_ptr_array_add (to, s);
  trim (h);
  return TRUE;
}

gboolean
bp_edit_undo (BpEditHistory *h,
              BpModel       *model)
{
  g_return_val_if_fail (h != NULL && model != NULL, FALSE);

  return move_step (h, h->undo, h->redo, model);
}

gboolean
bp_edit_redo (BpEditHistory *h,
              BpModel       *model)
{
  g_return_val_if_fail (h != NULL && model != NULL, FALSE);

  return move_step (h, h->redo, h->undo, model);
}

gboolean
bp_edit_can_undo (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, FALSE);
  return h->undo->len > 0;
}

gboolean
bp_edit_can_redo (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, FALSE);
  return h->redo->len > 0;
}

static const char *
nearest_label (const GPtrArray *stack)
{
  if (stack->len == 0)
    return NULL;
  return ((const Step *) g_ptr_array_index ((GPtrArray *) stack, stack->len - 1))->label;
}

const char *
bp_edit_undo_label (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, NULL);
  return nearest_label (h->undo);
}

const char *
bp_edit_redo_label (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, NULL);
  return nearest_label (h->redo);
}

guint
bp_edit_history_n_undo (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, 0);
  return h->undo->len;
}

guint
bp_edit_history_n_redo (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, 0);
  return h->redo->len;
}

gsize
bp_edit_history_size (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, 0);
  return h->bytes;
}

void
bp_edit_history_clear (BpEditHistory *h)
{
  g_return_if_fail (h != NULL);

  clear_stack (h, h->undo);
  clear_stack (h, h->redo);
}

void
bp_edit_history_mark_saved (BpEditHistory *h)
{
  g_return_if_fail (h != NULL);
  h->saved = h->version;
}

gboolean
bp_edit_history_is_dirty (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, FALSE);
  return h->version != h->saved;
}

guint64
bp_edit_history_version (const BpEditHistory *h)
{
  g_return_val_if_fail (h != NULL, 0);
  return h->version;
}
