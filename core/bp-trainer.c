/* bp-trainer.c — mini-batch training, one checked step at a time. */
#include "config.h"
#include "bp-trainer.h"
#include "bp-registry.h"
#include "bp-trainer-online.h"
#include "bp-util.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (bp-train-error-quark, bp_train_error)

/* Rows evaluated per forward pass: the trace of a whole dataset would be
 * large, one row at a time slow; 256 keeps the trace small and the loop
 * over layers amortised. */
#define EVAL_CHUNK 256

/* ------------------------------------------------------------ checked steps */

gsize
bp_train_state_size (const BpNetwork   *net,
                     const BpOptimizer *opt)
{
  return net->n_params + bp_optimizer_state_size (opt);
}

void
bp_train_state_save (const BpNetwork   *net,
                     const BpOptimizer *opt,
                     double            *state,
                     guint64           *t)
{
  memcpy (state, net->params, net->n_params * sizeof (double));
  memcpy (state + net->n_params, opt->state, bp_optimizer_state_size (opt) * sizeof (double));
  *t = opt->t;
}

void
bp_train_state_restore (BpNetwork    *net,
                        BpOptimizer  *opt,
                        const double *state,
                        guint64       t)
{
  memcpy (net->params, state, net->n_params * sizeof (double));
  memcpy (opt->state, state + net->n_params, bp_optimizer_state_size (opt) * sizeof (double));
  opt->t = t;
}

gboolean
bp_train_gradients_checked (BpNetwork    *net,
                            BpTrace      *trace,
                            const double *x,
                            const double *y,
                            gsize         B,
                            BpTrainFault *fault)
{
  bp_network_gradients (net, trace, x, y, B);
  if (!bp_network_locate_nonfinite (net, trace, fault))
    return TRUE;
  /* The step is undone: so is what its forward did to batch norm. */
  bp_network_undo_running_stats (net, trace);
  return FALSE;
}

gboolean
bp_train_update_checked (BpNetwork    *net,
                         BpOptimizer  *opt,
                         const double *before,
                         guint64       t_before,
                         BpTrainFault *fault)
{
  bp_optimizer_step (opt, net->params, net->grads);
  if (bp_network_locate_nonfinite_param (net, fault))
    {
      bp_train_state_restore (net, opt, before, t_before);
      /* The gradients were finite (checked after the backward pass): the
       * update made it, and a plugin optimizer is then named. */
      bp_train_fault_blame_update (fault, opt);
      return FALSE;
    }
  return TRUE;
}

/* One checked step on the batch (x, y): zero, forward, backward, check,
 * update, check.  On FALSE parameters and optimizer state are unchanged and
 * *fault names the first value that was not finite (step and row not set). */
static gboolean
checked_step (BpNetwork    *net,
              BpOptimizer  *opt,
              BpTrace      *trace,
              const double *x,
              const double *y,
              gsize         B,
              double       *backup,
              BpTrainFault *fault)
{
  guint64 t;

  if (!bp_train_gradients_checked (net, trace, x, y, B, fault))
    return FALSE;
  bp_train_state_save (net, opt, backup, &t);
  if (bp_train_update_checked (net, opt, backup, t, fault))
    return TRUE;
  bp_network_undo_running_stats (net, trace);
  return FALSE;
}

void
bp_train_fault_blame_update (BpTrainFault      *fault,
                             const BpOptimizer *opt)
{
  BpRegistry *reg = bp_registry_get_default ();

  g_return_if_fail (fault != NULL && opt != NULL);
  if (fault->kind != BP_TRAIN_FAULT_PARAM_W && fault->kind != BP_TRAIN_FAULT_PARAM_B)
    return;
  fault->optimizer = opt->id;
  fault->plugin = NULL;
  for (guint i = 0; i < bp_registry_n_plugins (reg); i++)
    {
      const BpRegisteredPlugin *rp = bp_registry_get_plugin (reg, i);

      for (size_t k = 0; k < rp->desc->n_optimizers; k++)
        if (&rp->desc->optimizers[k] == opt->desc)
          {
            /* The built-ins' source is "(built in)". */
            if (rp->source[0] != '(')
              fault->plugin = rp->source;
            return;
          }
    }
}

void
bp_train_fault_set_error (const BpTrainFault  *fault,
                          GError             **error)
{
  g_autofree char *message = NULL;

  g_return_if_fail (fault != NULL);

  if (error == NULL)
    return;
  message = bp_train_fault_message (fault);
  g_set_error_literal (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC, message);
}

char *
bp_train_fault_message (const BpTrainFault *fault)
{
  g_autofree char *what = NULL;
  g_autofree char *blame = NULL;
  const char *hint = NULL;
  GString *s;

  g_return_val_if_fail (fault != NULL, NULL);

  what = bp_train_fault_describe (fault);
  switch (fault->kind)
    {
    case BP_TRAIN_FAULT_NONE:
      return g_strdup (_("Training did not stop: every value is finite."));
    case BP_TRAIN_FAULT_INPUT:
      hint = _("The data has a value that is not a number.");
      break;
    case BP_TRAIN_FAULT_PARAM_W:
    case BP_TRAIN_FAULT_PARAM_B:
      if (fault->plugin != NULL)
        {
          /* From finite weights and gradients: SGD-like arithmetic gives
           * NaN only from an Inf, so a NaN is the plugin's own doing; an
           * Inf may still be an overflow from a huge rate. */
          g_autofree char *base = g_path_get_basename (fault->plugin);

          blame = g_strdup_printf (isnan (fault->value)
                                   ? _("The update step of optimizer “%s” from plugin %s made it "
                                       "from finite weights and gradients: the plugin is at fault.")
                                   : _("The update step of optimizer “%s” from plugin %s made it "
                                       "from finite weights and gradients: the plugin is at fault "
                                       "(or the learning rate is far too large)."),
                                   fault->optimizer, base);
          hint = blame;
        }
      else
        hint = _("Is the learning rate too large?");
      break;
    default:
      /* After steps that went well the numbers grew until they overflowed
       * (lowering the rate alone does not shrink weights that already
       * overflow the pass); at the first step the starting weights or the
       * data did it. */
      if (fault->step > 1)
        hint = _("Is the learning rate too large? Lower it, and reset the weights if they "
                 "have grown too large.");
      break;
    }
  s = g_string_new (NULL);
  if (fault->step > 0)
    g_string_append_printf (s, _("Training stopped at step %" PRIu64 ": %s."),
                            fault->step, what);
  else
    {
      /* No step: the description is the sentence. */
      g_string_append_unichar (s, g_unichar_toupper (g_utf8_get_char (what)));
      g_string_append (s, g_utf8_next_char (what));
      g_string_append_c (s, '.');
    }
  /* What happened, what was kept, what to do. */
  if (fault->step > 0)
    g_string_append (s, _(" The weights are as they were before this step."));
  if (hint != NULL)
    g_string_append_printf (s, " %s", hint);
  return g_string_free (s, FALSE);
}

BpTrainer *
bp_trainer_new (BpNetwork           *net,
                BpOptimizer         *opt,
                const BpDataset     *train,
                const BpDataset     *test,
                const BpTrainConfig *config,
                GError             **error)
{
  BpTrainer *tr;
  gsize batch, n_out;

  g_return_val_if_fail (net != NULL && opt != NULL && train != NULL && config != NULL, NULL);

  {
    g_autoptr(GError) local = NULL;

    if (!bp_network_validate (net, &local))
      {
        g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_SHAPE, "%s", local->message);
        return NULL;
      }
  }
  n_out = bp_network_n_outputs (net);
  if (train->n_rows == 0)
    {
      g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_EMPTY,
                   "dataset “%s” has no training rows", train->name);
      return NULL;
    }
  for (int i = 0; i < 2; i++)
    {
      const BpDataset *ds = i == 0 ? train : test;

      if (ds == NULL)
        continue;
      if (ds->n_features != net->n_inputs || ds->n_targets != n_out)
        {
          g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_SHAPE,
                       "dataset “%s” has %zu features and %zu targets, but the network "
                       "takes %zu inputs and gives %zu outputs",
                       ds->name, ds->n_features, ds->n_targets, net->n_inputs, n_out);
          return NULL;
        }
    }
  if (opt->n_params != net->n_params)
    bp_optimizer_reset (opt, net->n_params);

  batch = CLAMP (config->batch_size, 1, train->n_rows);
  {
    g_autoptr(GError) local = NULL;

    /* Checked here for the full batch and the last one of an epoch (no
     * row is dropped), not at every step. */
    gsize last = train->n_rows % batch;

    if (!bp_network_check_batch (net, batch, &local) ||
        (last > 0 && !bp_network_check_batch (net, last, &local)))
      {
        g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_SHAPE, "%s%s", local->message,
                     last > 0 && last < batch
                       ? " (the last batch of each epoch takes the rows left over; "
                         "choose a batch size that leaves at least 2)" : "");
        return NULL;
      }
  }
  tr = g_new0 (BpTrainer, 1);
  tr->net = net;
  tr->opt = opt;
  tr->train = train;
  tr->test = test != NULL && test->n_rows > 0 ? test : NULL;
  tr->config = *config;
  tr->config.batch_size = batch;
  tr->trace = bp_trace_new (net, batch);
  tr->trace->keep = config->keep_trace;
  tr->order = g_new (gsize, train->n_rows);
  bp_train_order_init (&tr->rng, tr->order, train->n_rows, config->seed, config->shuffle);
  tr->xb = g_new (double, batch * net->n_inputs);
  tr->yb = g_new (double, batch * n_out);
  tr->backup = g_new (double, MAX (bp_train_state_size (net, opt), 1));
  tr->history = g_array_new (FALSE, TRUE, sizeof (BpEpochStats));
  tr->grad_norms = g_array_new (FALSE, TRUE, sizeof (double));
  tr->grad_norm_stride = 1;
  tr->fault.kind = BP_TRAIN_FAULT_NONE;
  tr->fault.value = tr->fault.from = tr->fault.target = NAN;
  return tr;
}

void
bp_trainer_free (BpTrainer *tr)
{
  if (tr == NULL)
    return;
  bp_trace_free (tr->trace);
  g_free (tr->order);
  g_free (tr->xb);
  g_free (tr->yb);
  g_free (tr->backup);
  g_array_unref (tr->history);
  g_array_unref (tr->grad_norms);
  g_free (tr);
}

/* Appends the norms of step `step` (nl of them) to `records` every
 * *stride steps; at BP_GRAD_NORM_MAX_RECORDS it keeps every other record
 * and doubles *stride, so that a long run keeps its whole span. */
static void
grad_norms_record (GArray       *records,
                   guint64      *stride,
                   guint64       step,
                   const double *norm,
                   gsize         nl)
{
  if (step % *stride != 0)
    return;
  if (records->len / nl >= BP_GRAD_NORM_MAX_RECORDS)
    {
      /* Keep records 2, 4, 6, … (steps 2·stride, 4·stride, …). */
      double *d = (double *) records->data;
      gsize n = records->len / nl, kept = 0;

      for (gsize r = 1; r < n; r += 2, kept++)
        memmove (d + kept * nl, d + r * nl, nl * sizeof (double));
      g_array_set_size (records, kept * nl);
      *stride *= 2;
      if (step % *stride != 0)
        return;
    }
  g_array_append_vals (records, norm, nl);
}

/* ----------------------------------------------------------- batch order */

void
bp_train_order_init (BpRng   *rng,
                     gsize   *order,
                     gsize    n_rows,
                     guint64  seed,
                     gboolean shuffle)
{
  bp_rng_init (rng, seed);
  for (gsize i = 0; i < n_rows; i++)
    order[i] = i;
  if (shuffle)
    bp_rng_shuffle (rng, order, n_rows);
}

gsize
bp_train_order_next (BpRng    *rng,
                     gsize    *order,
                     gsize     n_rows,
                     gsize    *cursor,
                     gsize     batch_size,
                     gboolean  shuffle)
{
  if (*cursor >= n_rows)
    {
      *cursor = 0;
      if (shuffle)
        bp_rng_shuffle (rng, order, n_rows);
    }
  /* The last batch of an epoch may be smaller (no row is dropped). */
  return MIN (batch_size, n_rows - *cursor);
}

/* At the end of an epoch, the next one starts: from its first row, in a
 * new order when shuffling.  Returns the next batch's size. */
static gsize
begin_epoch_if_done (BpTrainer *tr)
{
  return bp_train_order_next (&tr->rng, tr->order, tr->train->n_rows, &tr->cursor,
                              tr->config.batch_size, tr->config.shuffle);
}

gboolean
bp_trainer_step (BpTrainer *tr,
                 GError   **error)
{
  const BpDataset *ds = tr->train;
  gsize nf = ds->n_features, nt = ds->n_targets, B;
  gboolean online;

  g_return_val_if_fail (tr != NULL, FALSE);

  B = begin_epoch_if_done (tr);
  online = bp_train_online_applies (tr->net, tr->opt, tr->trace, B);
  /* One sample with plain SGD or momentum: the fused step, the same bits
   * in fewer passes, on the dataset's row itself (it copies what it keeps
   * into the trace); when it finds a value that is not finite it has
   * undone itself, and the general step takes the step again to name it. */
  if (online)
    {
      gsize r = tr->order[tr->cursor];

      online = bp_train_online_step (tr->net, tr->opt, tr->trace, ds->X + r * nf,
                                     ds->Y + r * nt, tr->backup);
    }
  if (!online)
    for (gsize s = 0; s < B; s++)
      {
        gsize r = tr->order[tr->cursor + s];

        memcpy (tr->xb + s * nf, ds->X + r * nf, nf * sizeof (double));
        memcpy (tr->yb + s * nt, ds->Y + r * nt, nt * sizeof (double));
      }
  if (!online
      && !checked_step (tr->net, tr->opt, tr->trace, tr->xb, tr->yb, B, tr->backup, &tr->fault))
    {
      tr->fault.step = tr->steps + 1;
      if (tr->fault.sample >= 1 && tr->fault.sample <= B)
        tr->fault.row = tr->order[tr->cursor + tr->fault.sample - 1] + 1;
      bp_train_fault_set_error (&tr->fault, error);
      return FALSE;
    }

  tr->fault.kind = BP_TRAIN_FAULT_NONE;
  tr->steps++;
  tr->cursor += B;
  if (tr->config.keep_trace)
    grad_norms_record (tr->grad_norms, &tr->grad_norm_stride, tr->steps,
                       tr->trace->grad_norm, tr->net->n_layers);
  return TRUE;
}

/* A binary output (and target) at or above this is the positive class:
 * the middle of the sigmoid's range. */
#define BINARY_THRESHOLD 0.5

/* 1 when the output's class is the target's, else 0. */
static double
accuracy_of (BpTask        task,
             const double *out,
             const double *y,
             gsize         n)
{
  if (task == BP_TASK_BINARY)
    return (out[0] >= BINARY_THRESHOLD) == (y[0] >= BINARY_THRESHOLD);
  if (task == BP_TASK_MULTICLASS)
    {
      gsize po = 0, py = 0;

      for (gsize k = 1; k < n; k++)
        {
          if (out[k] > out[po])
            po = k;
          if (y[k] > y[py])
            py = k;
        }
      return po == py;
    }
  return 0.0;
}

void
bp_evaluate (const BpNetwork *net,
             const BpDataset *ds,
             double          *loss,
             double          *accuracy)
{
  g_autoptr(BpTrace) trace = NULL;
  gsize nf = ds->n_features, nt = ds->n_targets, N = net->n_layers;
  double sum = 0.0, hits = 0.0;
  /* Evaluated in eval mode, as model.eval() would: batch norm on its
   * running statistics, which must not move while measuring, and no
   * dropout.  (A plain dense network computes the same either way.) */
  BpNetwork eval_net = *net;

  eval_net.eval = TRUE;
  net = &eval_net;

  if (ds->n_rows == 0)
    {
      *loss = NAN;
      *accuracy = NAN;
      return;
    }
  trace = bp_trace_new (net, MIN (ds->n_rows, EVAL_CHUNK));
  for (gsize r = 0; r < ds->n_rows; r += EVAL_CHUNK)
    {
      gsize B = MIN (EVAL_CHUNK, ds->n_rows - r);

      bp_network_forward (net, trace, ds->X + r * nf, B);
      bp_network_cost (net, trace, ds->Y + r * nt);
      for (gsize s = 0; s < B; s++)
        {
          sum += trace->per_sample_loss[s];
          hits += accuracy_of (ds->task, trace->a[N - 1] + s * nt, ds->Y + (r + s) * nt, nt);
        }
    }
  *loss = sum / (double) ds->n_rows;
  *accuracy = ds->task == BP_TASK_REGRESSION ? NAN : hits / (double) ds->n_rows;
}

gboolean
bp_trainer_epoch_done (const BpTrainer *tr)
{
  g_return_val_if_fail (tr != NULL, FALSE);

  return tr->cursor >= tr->train->n_rows;
}

void
bp_trainer_finish_epoch (BpTrainer    *tr,
                         BpEpochStats *stats)
{
  BpEpochStats st = { 0 };

  g_return_if_fail (tr != NULL);

  tr->epoch++;
  st.epoch = tr->epoch;
  st.step = tr->steps;
  st.lr = bp_optimizer_lr (tr->opt);
  bp_evaluate (tr->net, tr->train, &st.train_loss, &st.train_accuracy);
  if (tr->test != NULL)
    bp_evaluate (tr->net, tr->test, &st.test_loss, &st.test_accuracy);
  else
    st.test_loss = st.test_accuracy = NAN;
  bp_epoch_history_append (tr->history, &st);
  if (stats != NULL)
    *stats = st;
}

gboolean
bp_trainer_run_epoch (BpTrainer *tr,
                      void     (*progress) (double fraction, gpointer data),
                      gpointer   data,
                      GError   **error)
{
  gsize n = tr->train->n_rows;

  begin_epoch_if_done (tr);
  while (tr->cursor < n)
    {
      if (!bp_trainer_step (tr, error))
        return FALSE;
      if (progress != NULL)
        progress ((double) tr->cursor / (double) n, data);
    }
  bp_trainer_finish_epoch (tr, NULL);
  return TRUE;
}

gsize
bp_trainer_last_row (const BpTrainer *tr,
                     gsize            s)
{
  gsize B;

  g_return_val_if_fail (tr != NULL && tr->steps > 0, 0);

  B = tr->trace->batch;
  g_return_val_if_fail (s < B, 0);
  return tr->order[(tr->cursor >= B ? tr->cursor - B : 0) + s];
}

BpTrace *
bp_trainer_copy_sample (const BpTrainer *tr,
                        gsize            s)
{
  const BpNetwork *net;
  const BpTrace *t;
  BpTrace *c;
  gsize n_out;

  g_return_val_if_fail (tr != NULL && tr->steps > 0, NULL);

  net = tr->net;
  t = tr->trace;
  g_return_val_if_fail (s < t->batch, NULL);
  c = bp_trace_new (net, 1);
  n_out = bp_network_n_outputs (net);
  c->batch = 1;
  c->keep = t->keep;
  memcpy (c->input, t->input + s * t->n_inputs, t->n_inputs * sizeof (double));
  memcpy (c->target, t->target + s * n_out, n_out * sizeof (double));
  for (gsize l = 0; l < t->n_layers; l++)
    {
      gsize w = t->widths[l];

      memcpy (c->z[l], t->z[l] + s * w, w * sizeof (double));
      memcpy (c->a[l], t->a[l] + s * w, w * sizeof (double));
      memcpy (c->dC_da[l], t->dC_da[l] + s * w, w * sizeof (double));
      memcpy (c->dC_dz[l], t->dC_dz[l] + s * w, w * sizeof (double));
    }
  c->per_sample_loss[0] = t->per_sample_loss[s];
  c->loss = t->loss;
  memcpy (c->grad_norm, t->grad_norm, t->n_layers * sizeof (double));
  return c;
}

gboolean
bp_trainer_get_fault (const BpTrainer *tr,
                      BpTrainFault    *fault)
{
  g_return_val_if_fail (tr != NULL, FALSE);

  if (fault != NULL)
    *fault = tr->fault;
  return tr->fault.kind != BP_TRAIN_FAULT_NONE;
}

/* Every `stride`-th epoch and the latest, stride the smallest power of two
 * that keeps them within the bound: the records stay evenly spaced (the
 * plot's x is each record's own epoch) and a long run thins the old ones
 * rather than growing. */
void
bp_epoch_history_append (GArray             *history,
                         const BpEpochStats *stats)
{
  guint64 stride = 1, e = stats->epoch;
  guint n;

  g_return_if_fail (history != NULL && stats != NULL);
  g_return_if_fail (g_array_get_element_size (history) == sizeof (BpEpochStats));

  while (e / stride > BP_EPOCH_HISTORY_MAX_RECORDS - 1)
    stride *= 2;
  n = history->len;
  /* The previous latest stays only if the stride keeps it. */
  if (n > 0 && g_array_index (history, BpEpochStats, n - 1).epoch % stride != 0)
    n--;
  if (stride > 1 && n > 0)
    {
      BpEpochStats *d = (BpEpochStats *) (gpointer) history->data;

      /* The stride just doubled when one of the last two (multiples of the
       * old stride, one in two of them odd ones) is not a multiple of the
       * new one; the full pass runs then, or when the bound is reached. */
      if (n >= BP_EPOCH_HISTORY_MAX_RECORDS || d[n - 1].epoch % stride != 0
          || (n > 1 && d[n - 2].epoch % stride != 0))
        {
          guint kept = 0;

          for (guint i = 0; i < n; i++)
            if (d[i].epoch % stride == 0 && d[i].epoch < e)
              d[kept++] = d[i];
          n = kept;
        }
    }
  g_array_set_size (history, n);
  g_array_append_val (history, *stats);
}

const BpEpochStats *
bp_trainer_last_epoch (const BpTrainer *tr)
{
  if (tr->history->len == 0)
    return NULL;
  return &g_array_index (tr->history, BpEpochStats, tr->history->len - 1);
}

gboolean
bp_train_steps_on_batch (BpNetwork    *net,
                         BpOptimizer  *opt,
                         const double *x,
                         const double *y,
                         gsize         B,
                         guint64       n_steps,
                         GError      **error)
{
  return bp_train_steps_on_batch_recorded (net, opt, x, y, B, n_steps, NULL, NULL, error);
}

gboolean
bp_train_steps_on_batch_recorded (BpNetwork    *net,
                                  BpOptimizer  *opt,
                                  const double *x,
                                  const double *y,
                                  gsize         B,
                                  guint64       n_steps,
                                  GArray       *grad_norms,
                                  guint64      *grad_norm_stride,
                                  GError      **error)
{
  g_autoptr(BpTrace) trace = NULL;
  g_autofree double *backup = NULL;

  g_return_val_if_fail (net != NULL && opt != NULL && x != NULL && y != NULL && B >= 1, FALSE);
  g_return_val_if_fail (grad_norms == NULL || (grad_norm_stride != NULL && *grad_norm_stride >= 1), FALSE);

  {
    g_autoptr(GError) local = NULL;

    if (!bp_network_validate (net, &local) || !bp_network_check_batch (net, B, &local))
      {
        g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_SHAPE, "%s", local->message);
        return FALSE;
      }
  }
  if (opt->n_params != net->n_params)
    bp_optimizer_reset (opt, net->n_params);
  trace = bp_trace_new (net, B);
  backup = g_new (double, MAX (bp_train_state_size (net, opt), 1));
  for (guint64 i = 0; i < n_steps; i++)
    {
      BpTrainFault fault;

      if (!checked_step (net, opt, trace, x, y, B, backup, &fault))
        {
          fault.step = i + 1;
          fault.row = fault.sample;
          bp_train_fault_set_error (&fault, error);
          return FALSE;
        }
      if (grad_norms != NULL)
        grad_norms_record (grad_norms, grad_norm_stride, i + 1, trace->grad_norm, net->n_layers);
    }
  return TRUE;
}

/* --------------------------------------------------------------- progress */

BpTrainProgress *
bp_train_progress_new (gsize   n_rows,
                       guint64 seed)
{
  BpTrainProgress *p;

  g_return_val_if_fail (n_rows >= 1, NULL);

  p = g_new0 (BpTrainProgress, 1);
  p->n_rows = n_rows;
  p->order = g_new (gsize, n_rows);
  bp_train_order_init (&p->rng, p->order, n_rows, seed, FALSE);
  p->history = g_array_new (FALSE, TRUE, sizeof (BpEpochStats));
  p->grad_norm_stride = 1;
  p->grad_norms = g_array_new (FALSE, TRUE, sizeof (double));
  return p;
}

static GArray *
array_copy (const GArray *a,
            gsize         elem)
{
  GArray *copy = g_array_sized_new (FALSE, TRUE, (guint) elem, a->len);

  g_array_append_vals (copy, a->data, a->len);
  return copy;
}

BpTrainProgress *
bp_train_progress_copy (const BpTrainProgress *p)
{
  BpTrainProgress *copy;

  g_return_val_if_fail (p != NULL, NULL);

  copy = g_new0 (BpTrainProgress, 1);
  *copy = *p;
  copy->order = g_memdup2 (p->order, MAX (p->n_rows, 1) * sizeof (gsize));
  copy->history = array_copy (p->history, sizeof (BpEpochStats));
  copy->grad_norms = array_copy (p->grad_norms, sizeof (double));
  return copy;
}

void
bp_train_progress_free (BpTrainProgress *p)
{
  if (p == NULL)
    return;
  g_free (p->order);
  g_array_unref (p->history);
  g_array_unref (p->grad_norms);
  g_free (p);
}

static gboolean
same_double (double a,
             double b)
{
  return (isnan (a) && isnan (b)) || memcmp (&a, &b, sizeof a) == 0;
}

gboolean
bp_train_progress_equal (const BpTrainProgress *a,
                         const BpTrainProgress *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (memcmp (a->rng.s, b->rng.s, sizeof a->rng.s) != 0 ||
      a->epoch != b->epoch || a->steps != b->steps || a->n_rows != b->n_rows ||
      a->cursor != b->cursor || a->grad_norm_stride != b->grad_norm_stride ||
      a->history->len != b->history->len || a->grad_norms->len != b->grad_norms->len ||
      (a->grad_norms->len > 0 && a->grad_norm_layers != b->grad_norm_layers) ||
      memcmp (a->order, b->order, a->n_rows * sizeof (gsize)) != 0)
    return FALSE;
  for (guint i = 0; i < a->history->len; i++)
    {
      const BpEpochStats *x = &g_array_index (a->history, BpEpochStats, i);
      const BpEpochStats *y = &g_array_index (b->history, BpEpochStats, i);

      if (x->epoch != y->epoch || x->step != y->step ||
          !same_double (x->train_loss, y->train_loss) ||
          !same_double (x->train_accuracy, y->train_accuracy) ||
          !same_double (x->test_loss, y->test_loss) ||
          !same_double (x->test_accuracy, y->test_accuracy))
        return FALSE;
    }
  for (guint i = 0; i < a->grad_norms->len; i++)
    if (!same_double (g_array_index (a->grad_norms, double, i),
                      g_array_index (b->grad_norms, double, i)))
      return FALSE;
  return TRUE;
}

gboolean
bp_train_progress_check (const BpTrainProgress *p,
                         GError               **error)
{
  g_autofree guint8 *seen = NULL;
  gsize n_records;

  g_return_val_if_fail (p != NULL, FALSE);

#define PROGRESS_FAIL(...) \
  (g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_PROGRESS, __VA_ARGS__), FALSE)

  if (p->n_rows < 1 || p->order == NULL)
    return PROGRESS_FAIL ("saved progress: it is over no rows");
  if (p->cursor > p->n_rows)
    return PROGRESS_FAIL ("saved progress: position %zu is past the %zu rows of the epoch",
                          p->cursor, p->n_rows);
  if ((p->rng.s[0] | p->rng.s[1] | p->rng.s[2] | p->rng.s[3]) == 0)
    return PROGRESS_FAIL ("saved progress: the generator state is all zero, "
                          "which no seed gives");
  seen = g_new0 (guint8, p->n_rows);
  for (gsize i = 0; i < p->n_rows; i++)
    {
      if (p->order[i] >= p->n_rows)
        return PROGRESS_FAIL ("saved progress: order[%zu] = %zu is not a row (0 to %zu)",
                              i, p->order[i], p->n_rows - 1);
      if (seen[p->order[i]]++)
        return PROGRESS_FAIL ("saved progress: order[%zu]: row %zu appears twice "
                              "(the order is a permutation of the rows)", i, p->order[i]);
    }
  if (p->history->len > p->epoch)
    return PROGRESS_FAIL ("saved progress: %u epoch records, but only %u epochs completed",
                          p->history->len, p->epoch);
  if (p->grad_norm_stride < 1 || (p->grad_norm_stride & (p->grad_norm_stride - 1)) != 0)
    return PROGRESS_FAIL ("saved progress: gradient-norm stride %" G_GUINT64_FORMAT
                          " is not a power of two", p->grad_norm_stride);
  if (p->grad_norms->len > 0)
    {
      if (p->grad_norm_layers < 1 || p->grad_norm_layers > BP_MAX_LAYERS ||
          p->grad_norms->len % p->grad_norm_layers != 0)
        return PROGRESS_FAIL ("saved progress: %u gradient norms are not whole records "
                              "of %zu layers", p->grad_norms->len, p->grad_norm_layers);
      n_records = p->grad_norms->len / p->grad_norm_layers;
      if (n_records > BP_GRAD_NORM_MAX_RECORDS)
        return PROGRESS_FAIL ("saved progress: %zu gradient-norm records, at most %d are kept",
                              n_records, BP_GRAD_NORM_MAX_RECORDS);
      if (p->grad_norm_stride > p->steps / n_records)
        return PROGRESS_FAIL ("saved progress: %zu gradient-norm records every %"
                              G_GUINT64_FORMAT " steps go past step %" G_GUINT64_FORMAT,
                              n_records, p->grad_norm_stride, p->steps);
    }
#undef PROGRESS_FAIL
  return TRUE;
}

gsize
bp_train_progress_size (const BpTrainProgress *p)
{
  if (p == NULL)
    return 0;
  return sizeof *p + p->n_rows * sizeof (gsize) + p->history->len * sizeof (BpEpochStats) +
         p->grad_norms->len * sizeof (double);
}

BpTrainProgress *
bp_trainer_export_progress (const BpTrainer *tr)
{
  BpTrainProgress *p;

  g_return_val_if_fail (tr != NULL, NULL);

  p = g_new0 (BpTrainProgress, 1);
  p->rng = tr->rng;
  p->epoch = tr->epoch;
  p->steps = tr->steps;
  p->n_rows = tr->train->n_rows;
  p->cursor = tr->cursor;
  p->order = g_memdup2 (tr->order, tr->train->n_rows * sizeof (gsize));
  p->history = array_copy (tr->history, sizeof (BpEpochStats));
  p->grad_norm_layers = tr->net->n_layers;
  p->grad_norm_stride = tr->grad_norm_stride;
  p->grad_norms = array_copy (tr->grad_norms, sizeof (double));
  return p;
}

gboolean
bp_trainer_import_progress (BpTrainer             *tr,
                            const BpTrainProgress *p,
                            GError               **error)
{
  g_return_val_if_fail (tr != NULL && p != NULL, FALSE);

  if (!bp_train_progress_check (p, error))
    return FALSE;
  if (p->n_rows != tr->train->n_rows)
    {
      g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_PROGRESS,
                   "saved progress is over %zu training rows, but “%s” has %zu "
                   "(were the dataset, its size or the test fraction changed?)",
                   p->n_rows, tr->train->name, tr->train->n_rows);
      return FALSE;
    }
  if (p->grad_norms->len > 0 && p->grad_norm_layers != tr->net->n_layers)
    {
      g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_PROGRESS,
                   "saved progress has gradient norms of %zu layers, but the network "
                   "has %zu", p->grad_norm_layers, tr->net->n_layers);
      return FALSE;
    }

  tr->rng = p->rng;
  tr->epoch = p->epoch;
  tr->steps = p->steps;
  tr->cursor = p->cursor;
  memcpy (tr->order, p->order, p->n_rows * sizeof (gsize));
  g_array_set_size (tr->history, 0);
  g_array_append_vals (tr->history, p->history->data, p->history->len);
  g_array_set_size (tr->grad_norms, 0);
  g_array_append_vals (tr->grad_norms, p->grad_norms->data, p->grad_norms->len);
  tr->grad_norm_stride = p->grad_norm_stride;
  return TRUE;
}
