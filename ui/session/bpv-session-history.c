/* bpv-session-history.c — what a run leaves behind: the per-layer
 * ‖∂C/∂W(n)‖ records (bounded, thinned as they grow), the epochs, their
 * resampling for the plot and for the file, and the progress (step count,
 * epochs, the step mode's batches) that a saved model keeps. */
#include "config.h"
#include "bpv-session-private.h"

#include <string.h>

/* Gradient-norm records kept: beyond, every other one is dropped, so that
 * a run of any length keeps a bounded history that still spans it all
 * (as many as the trainer keeps, BP_GRAD_NORM_MAX_RECORDS). */
#define MAX_RECORDS BP_GRAD_NORM_MAX_RECORDS
/* Points of the resampled series handed to the plot and kept in a file:
 * about one per pixel of a wide plot. */
#define PLOT_POINTS 1024

void
_bpv_session_clear_history (BpvSession *self)
{
  g_array_set_size (self->norm_steps, 0);
  g_array_set_size (self->norms, 0);
  g_array_set_size (self->epochs, 0);
  self->steps = 0;
  self->epoch = 0;
  self->steps_per_second = 0;
  _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
}

void
_bpv_session_append_record (BpvSession   *self,
                            guint64       step,
                            const double *norms)
{
  gsize nl = _bpv_session_net (self)->n_layers;

  g_array_append_val (self->norm_steps, step);
  g_array_append_vals (self->norms, norms, nl);
  if (self->norm_steps->len > MAX_RECORDS)
    {
      /* Keep every other record, always the latest. */
      guint64 *s = (guint64 *) self->norm_steps->data;
      double *d = (double *) self->norms->data;
      guint n = self->norm_steps->len, kept = 0;

      for (guint i = (n - 1) % 2; i < n; i += 2, kept++)
        {
          s[kept] = s[i];
          memmove (d + kept * nl, d + i * nl, nl * sizeof (double));
        }
      g_array_set_size (self->norm_steps, kept);
      g_array_set_size (self->norms, kept * nl);
    }
}

void
_bpv_session_drop_records_after (BpvSession *self,
                                 guint64     step)
{
  gsize nl = _bpv_session_net (self)->n_layers;
  guint n = self->norm_steps->len;

  while (n > 0 && g_array_index (self->norm_steps, guint64, n - 1) > step)
    n--;
  g_array_set_size (self->norm_steps, n);
  g_array_set_size (self->norms, n * nl);
}

/* A saved run goes on where it stood: its step count (which seeds the next
 * samples), its epochs and the step mode's batches.  Also after undo and
 * redo, whose snapshots carry the progress of their moment. */
void
_bpv_session_apply_progress (BpvSession *self)
{
  const BpTrainProgress *p = self->model->progress;

  if (p == NULL || p->n_rows != self->train->n_rows)
    return;
  self->steps = p->steps;
  self->epoch = p->epoch;
  g_array_set_size (self->epochs, 0);
  g_array_append_vals (self->epochs, p->history->data, p->history->len);
  g_array_set_size (self->norm_steps, 0);
  g_array_set_size (self->norms, 0);
  if (p->grad_norm_layers == _bpv_session_net (self)->n_layers && p->grad_norm_layers > 0)
    for (gsize r = 0; r < p->grad_norms->len / p->grad_norm_layers; r++)
      _bpv_session_append_record (self, (r + 1) * p->grad_norm_stride,
                                  &g_array_index (p->grad_norms, double, r * p->grad_norm_layers));
  g_clear_pointer (&self->stepper, bpv_stepper_free);
  _bpv_session_rebuild_stepper (self);
  bpv_stepper_set_batch_source (self->stepper, &p->rng, p->order, p->n_rows, p->cursor);
  _bpv_session_emit (self, SIGNAL_HISTORY_CHANGED);
}

/* The gradient-norm records at steps stride, 2·stride, … n_out·stride,
 * each the latest record at or before its step (n_layers values each),
 * into `out`: what the plot draws and what a file keeps. */
static void
resample_records (BpvSession *self,
                  guint64     stride,
                  gsize       n_out,
                  double     *out)
{
  gsize nl = _bpv_session_net (self)->n_layers;
  guint n = self->norm_steps->len, i = 0;
  const guint64 *steps = (const guint64 *) self->norm_steps->data;
  const double *src = (const double *) self->norms->data;

  for (gsize r = 0; r < n_out; r++)
    {
      guint64 step = (r + 1) * stride;

      while (i + 1 < n && steps[i + 1] <= step)
        i++;
      memcpy (out + r * nl, src + i * nl, nl * sizeof (double));
    }
}

gsize
bpv_session_get_grad_norms (BpvSession     *self,
                            const double  **norms,
                            gsize          *n_layers,
                            guint64        *stride)
{
  gsize nl = _bpv_session_net (self)->n_layers;
  guint n = self->norm_steps->len;
  const guint64 *steps = (const guint64 *) self->norm_steps->data;
  guint64 last, st;
  gsize n_out;

  *n_layers = nl;
  *norms = NULL;
  *stride = 1;
  if (n == 0)
    return 0;
  last = steps[n - 1];
  st = MAX (1, (last + PLOT_POINTS - 1) / PLOT_POINTS);
  n_out = (gsize) MAX (1, last / st);
  g_free (self->resampled);
  self->resampled = g_new (double, n_out * nl);
  resample_records (self, st, n_out, self->resampled);
  *norms = self->resampled;
  *stride = st;
  return n_out;
}

const char *const *
bpv_session_get_grad_norm_names (BpvSession *self)
{
  const BpNetwork *net = _bpv_session_net (self);

  for (gsize l = 0; l < self->n_norm_names; l++)
    g_free (self->norm_names[l]);
  g_clear_pointer (&self->norm_names, g_free);
  self->n_norm_names = 0;
  if (bp_network_is_plain (net))
    return NULL;
  self->n_norm_names = net->n_layers;
  self->norm_names = g_new0 (char *, net->n_layers);
  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].type != BP_LAYER_DROPOUT)
      self->norm_names[l] = g_strdup_printf ("%s(%" G_GSIZE_FORMAT ")",
                                             bpv_render_layer_symbol (&net->layers[l]), l + 1);
  return (const char *const *) self->norm_names;
}

const BpEpochStats *
bpv_session_get_epochs (BpvSession *self,
                        gsize      *n)
{
  *n = self->epochs->len;
  return (const BpEpochStats *) self->epochs->data;
}

guint64
bpv_session_get_step_count (BpvSession *self)
{
  return self->steps;
}

guint
bpv_session_get_epoch (BpvSession *self)
{
  return self->epoch;
}

double
bpv_session_get_steps_per_second (BpvSession *self)
{
  return self->thread != NULL ? self->steps_per_second : 0.0;
}

/* Where the run stands, for the file: the step count and the epochs (the
 * worker draws its batches from the seed and the step count), and the step
 * mode's generator, order and position, so that stepping on after opening
 * the file takes the same batches, bit for bit. */
void
_bpv_session_store_progress (BpvSession *self)
{
  BpTrainProgress *p;

  g_clear_pointer (&self->model->progress, bp_train_progress_free);
  if (self->steps == 0 && self->epochs->len == 0)
    return;
  p = bp_train_progress_new (self->train->n_rows, self->model->seed);
  {
    const gsize *order;
    gsize n_rows, cursor;

    bpv_stepper_get_batch_source (self->stepper, &p->rng, &order, &n_rows, &cursor);
    if (n_rows == p->n_rows)
      {
        memcpy (p->order, order, n_rows * sizeof (gsize));
        p->cursor = cursor;
      }
  }
  p->steps = self->steps;
  p->epoch = self->epoch;
  g_array_append_vals (p->history, self->epochs->data, MIN (self->epochs->len, self->epoch));
  p->grad_norm_layers = _bpv_session_net (self)->n_layers;
  /* The gradient-norm records, every `stride` steps (a power of two, at
   * most PLOT_POINTS of them): each the latest record at or before its
   * step, as the plot shows them. */
  if (self->norm_steps->len > 0)
    {
      const guint64 *steps = (const guint64 *) self->norm_steps->data;
      guint64 last = MIN (steps[self->norm_steps->len - 1], self->steps), stride = 1;

      while (last / stride > PLOT_POINTS)
        stride *= 2;
      p->grad_norm_stride = stride;
      g_array_set_size (p->grad_norms, (guint) (last / stride * p->grad_norm_layers));
      resample_records (self, stride, (gsize) (last / stride),
                        (double *) (void *) p->grad_norms->data);
    }
  self->model->progress = p;
}

