/* bp-trainer.c — mini-batch training, one checked step at a time. */
#include "bp-trainer.h"
#include "bp-util.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (bp-train-error-quark, bp_train_error)

#define EVAL_CHUNK 256

/* Saves parameters, optimizer state and step count into `backup`. */
static void
save_state (const BpNetwork   *net,
            const BpOptimizer *opt,
            double            *backup)
{
  memcpy (backup, net->params, net->n_params * sizeof (double));
  memcpy (backup + net->n_params, opt->state, bp_optimizer_state_size (opt) * sizeof (double));
}

static void
restore_state (BpNetwork    *net,
               BpOptimizer  *opt,
               const double *backup,
               guint64       t)
{
  memcpy (net->params, backup, net->n_params * sizeof (double));
  memcpy (opt->state, backup + net->n_params, bp_optimizer_state_size (opt) * sizeof (double));
  opt->t = t;
}

static gsize
backup_size (const BpNetwork   *net,
             const BpOptimizer *opt)
{
  return net->n_params + bp_optimizer_state_size (opt);
}

/* One checked step on the batch (x, y): zero, forward, backward, check,
 * update, check.  On FALSE parameters and optimizer state are unchanged. */
static gboolean
checked_step (BpNetwork    *net,
              BpOptimizer  *opt,
              BpTrace      *trace,
              const double *x,
              const double *y,
              gsize         B,
              double       *backup,
              guint64       step_no,
              GError      **error)
{
  g_autoptr(GError) local = NULL;
  guint64 t = opt->t;

  bp_network_zero_grad (net);
  bp_network_forward (net, trace, x, B);
  bp_network_backward (net, trace, y);

  if (!bp_network_check_finite (net, trace, &local))
    {
      g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC,
                   "training stopped at step %" G_GUINT64_FORMAT ": %s; "
                   "the network is as it was before this step",
                   step_no, local->message);
      return FALSE;
    }

  save_state (net, opt, backup);
  bp_optimizer_step (opt, net->params, net->grads);

  if (bp_all_finite (net->params, net->n_params))
    return TRUE;

  for (gsize l = 0, off = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];
      gsize n = L->in * L->out + L->out;

      for (gsize i = 0; i < n; i++)
        if (!isfinite (net->params[off + i]))
          {
            gboolean is_w = i < L->in * L->out;
            gsize unit = is_w ? i / L->in : i - L->in * L->out;
            double value = net->params[off + i];

            restore_state (net, opt, backup, t);
            if (is_w)
              g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC,
                           "training stopped at step %" G_GUINT64_FORMAT ": layer %zu, unit %zu: "
                           "the update made W(%zu)[%zu,%zu] = %g (is the learning rate too large?); "
                           "the network is as it was before this step",
                           step_no, l + 1, unit + 1, l + 1, unit + 1, i % L->in + 1, value);
            else
              g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC,
                           "training stopped at step %" G_GUINT64_FORMAT ": layer %zu, unit %zu: "
                           "the update made b(%zu)[%zu] = %g (is the learning rate too large?); "
                           "the network is as it was before this step",
                           step_no, l + 1, unit + 1, l + 1, unit + 1, value);
            return FALSE;
          }
      off += n;
    }
  return TRUE;
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
  tr = g_new0 (BpTrainer, 1);
  tr->net = net;
  tr->opt = opt;
  tr->train = train;
  tr->test = test != NULL && test->n_rows > 0 ? test : NULL;
  tr->config = *config;
  tr->config.batch_size = batch;
  tr->trace = bp_trace_new (net, batch);
  tr->trace->keep = config->keep_trace;
  bp_rng_init (&tr->rng, config->seed);
  tr->order = g_new (gsize, train->n_rows);
  for (gsize i = 0; i < train->n_rows; i++)
    tr->order[i] = i;
  if (config->shuffle)
    bp_rng_shuffle (&tr->rng, tr->order, train->n_rows);
  tr->xb = g_new (double, batch * net->n_inputs);
  tr->yb = g_new (double, batch * n_out);
  tr->backup = g_new (double, MAX (backup_size (net, opt), 1));
  tr->history = g_array_new (FALSE, TRUE, sizeof (BpEpochStats));
  tr->grad_norms = g_array_new (FALSE, TRUE, sizeof (double));
  tr->grad_norm_stride = 1;
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

static void
record_grad_norms (BpTrainer *tr)
{
  gsize nl = tr->net->n_layers;

  if (tr->grad_norms->len / nl >= BP_GRAD_NORM_MAX_RECORDS)
    {
      /* Keep records 2, 4, 6, … (steps 2·stride, 4·stride, …). */
      double *d = (double *) tr->grad_norms->data;
      gsize n = tr->grad_norms->len / nl, kept = 0;

      for (gsize r = 1; r < n; r += 2, kept++)
        memmove (d + kept * nl, d + r * nl, nl * sizeof (double));
      g_array_set_size (tr->grad_norms, kept * nl);
      tr->grad_norm_stride *= 2;
      if (tr->steps % tr->grad_norm_stride != 0)
        return;
    }
  g_array_append_vals (tr->grad_norms, tr->trace->grad_norm, nl);
}

gboolean
bp_trainer_step (BpTrainer *tr,
                 GError   **error)
{
  const BpDataset *ds = tr->train;
  gsize nf = ds->n_features, nt = ds->n_targets, B;

  g_return_val_if_fail (tr != NULL, FALSE);

  if (tr->cursor >= ds->n_rows)
    {
      tr->cursor = 0;
      if (tr->config.shuffle)
        bp_rng_shuffle (&tr->rng, tr->order, ds->n_rows);
    }
  /* The last batch of an epoch may be smaller (no row is dropped). */
  B = MIN (tr->config.batch_size, ds->n_rows - tr->cursor);
  for (gsize s = 0; s < B; s++)
    {
      gsize r = tr->order[tr->cursor + s];

      memcpy (tr->xb + s * nf, ds->X + r * nf, nf * sizeof (double));
      memcpy (tr->yb + s * nt, ds->Y + r * nt, nt * sizeof (double));
    }

  if (!checked_step (tr->net, tr->opt, tr->trace, tr->xb, tr->yb, B, tr->backup,
                     tr->steps + 1, error))
    return FALSE;

  tr->steps++;
  tr->cursor += B;
  if (tr->config.keep_trace && tr->steps % tr->grad_norm_stride == 0)
    record_grad_norms (tr);
  return TRUE;
}

static double
accuracy_of (BpTask        task,
             const double *out,
             const double *y,
             gsize         n)
{
  if (task == BP_TASK_BINARY)
    return (out[0] >= 0.5) == (y[0] >= 0.5);
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
bp_trainer_run_epoch (BpTrainer *tr,
                      void     (*progress) (double fraction, gpointer data),
                      gpointer   data,
                      GError   **error)
{
  BpEpochStats st = { 0 };
  gsize n = tr->train->n_rows;

  if (tr->cursor >= n)
    {
      tr->cursor = 0;
      if (tr->config.shuffle)
        bp_rng_shuffle (&tr->rng, tr->order, n);
    }
  while (tr->cursor < n)
    {
      if (!bp_trainer_step (tr, error))
        return FALSE;
      if (progress != NULL)
        progress ((double) tr->cursor / (double) n, data);
    }

  tr->epoch++;
  st.epoch = tr->epoch;
  st.step = tr->steps;
  bp_evaluate (tr->net, tr->train, &st.train_loss, &st.train_accuracy);
  if (tr->test != NULL)
    bp_evaluate (tr->net, tr->test, &st.test_loss, &st.test_accuracy);
  else
    st.test_loss = st.test_accuracy = NAN;
  g_array_append_val (tr->history, st);
  return TRUE;
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
  g_autoptr(BpTrace) trace = NULL;
  g_autofree double *backup = NULL;

  g_return_val_if_fail (net != NULL && opt != NULL && x != NULL && y != NULL && B >= 1, FALSE);

  {
    g_autoptr(GError) local = NULL;

    if (!bp_network_validate (net, &local))
      {
        g_set_error (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_SHAPE, "%s", local->message);
        return FALSE;
      }
  }
  if (opt->n_params != net->n_params)
    bp_optimizer_reset (opt, net->n_params);
  trace = bp_trace_new (net, B);
  backup = g_new (double, MAX (backup_size (net, opt), 1));
  for (guint64 i = 0; i < n_steps; i++)
    if (!checked_step (net, opt, trace, x, y, B, backup, i + 1, error))
      return FALSE;
  return TRUE;
}
