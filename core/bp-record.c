/* bp-record.c — a recording of a training run: which steps are kept, the
 * statistics buckets, and putting a kept step back (the policy and its
 * bound are stated in bp-record.h). */
#include "config.h"
#include "bp-record.h"
#include "bp-record-private.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (bp-record-error-quark, bp_record_error)

/* ------------------------------------------------------------------ shapes */

gsize
bp_record_snap_bytes (const BpRecord *rec)
{
  return 8 * (rec->n_params + rec->n_state + rec->n_running + rec->n_rows)
         + BP_RECORD_SNAPSHOT_OVERHEAD;
}

gsize
bp_record_bucket_bytes (const BpRecord *rec)
{
  return sizeof (BpRecordBucket) + 8 * BP_RECORD_BUCKET_VALUES (rec->n_layers);
}

void
bp_record_shape (BpRecord   *rec,
                 const char *opt_id,
                 gsize       n_params,
                 gsize       n_state,
                 gsize       n_running,
                 gsize       n_rows,
                 gsize       n_layers)
{
  gsize stats, s;

  g_free (rec->opt_id);
  rec->opt_id = g_strdup (opt_id);
  rec->n_params = n_params;
  rec->n_state = n_state;
  rec->n_running = n_running;
  rec->n_rows = n_rows;
  rec->n_layers = n_layers;
  rec->shaped = TRUE;
  g_free (rec->buckets);
  g_free (rec->bucket_values);
  rec->buckets = g_new0 (BpRecordBucket, BP_RECORD_MAX_BUCKETS);
  rec->bucket_values = g_new0 (double, BP_RECORD_MAX_BUCKETS * BP_RECORD_BUCKET_VALUES (n_layers));
  rec->n_buckets = 0;
  /* The statistics are bounded by their bucket count alone; the snapshots
   * get what is left of the budget, and never fewer than the first, one on
   * the grid and the latest. */
  stats = BP_RECORD_MAX_BUCKETS * bp_record_bucket_bytes (rec);
  s = bp_record_snap_bytes (rec);
  stats += sizeof (BpRecord);
  rec->max_snapshots = rec->budget > stats ? (rec->budget - stats) / s : 0;
  rec->max_snapshots = MAX (rec->max_snapshots, 3);
}

BpRecordSnap *
bp_record_snap_new (const BpRecord *rec)
{
  BpRecordSnap *snap = g_new0 (BpRecordSnap, 1);
  gsize nv = rec->n_params + rec->n_state + rec->n_running;

  /* One block: the doubles, then the order. */
  snap->values = g_malloc0 (MAX (8 * (nv + rec->n_rows), 1));
  snap->order = (guint64 *) (void *) (snap->values + nv);
  return snap;
}

void
bp_record_snap_free (gpointer data)
{
  BpRecordSnap *snap = data;

  if (snap == NULL)
    return;
  g_free (snap->values);
  g_free (snap);
}

static gsize
running_size (const BpNetwork *net)
{
  gsize n = 0;

  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].type == BP_LAYER_BATCHNORM)
      n += 2 * net->layers[l].out;
  return n;
}

/* Whether net, opt and tr are shaped as the recorded run; says what
 * differs otherwise. */
static gboolean
check_shapes (const BpRecord    *rec,
              const BpNetwork   *net,
              const BpOptimizer *opt,
              gssize             n_rows,
              GError           **error)
{
  const char *what = NULL;
  gsize have = 0, want = 0;

  if (net->n_params != rec->n_params)
    what = _("parameters"), have = net->n_params, want = rec->n_params;
  else if (net->n_layers != rec->n_layers)
    what = _("layers"), have = net->n_layers, want = rec->n_layers;
  else if (running_size (net) != rec->n_running)
    what = _("batch-norm running statistics"), have = running_size (net), want = rec->n_running;
  else if (opt != NULL && g_strcmp0 (opt->id, rec->opt_id) != 0)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_MISMATCH,
                   _("the run was recorded with optimizer “%s”, not “%s”"),
                   rec->opt_id, opt->id);
      return FALSE;
    }
  else if (opt != NULL && bp_optimizer_state_size (opt) != rec->n_state)
    what = _("optimizer state values"), have = bp_optimizer_state_size (opt), want = rec->n_state;
  else if (n_rows >= 0 && (gsize) n_rows != rec->n_rows)
    what = _("training rows"), have = (gsize) n_rows, want = rec->n_rows;
  if (what == NULL)
    return TRUE;
  g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_MISMATCH,
               _("the recorded run has %zu %s, this one %zu"),
               want, what, have);
  return FALSE;
}

/* ---------------------------------------------------------------- the record */

BpRecord *
bp_record_new (gsize budget)
{
  BpRecord *rec = g_new0 (BpRecord, 1);

  rec->budget = budget;
  rec->stride = 1;
  rec->bucket_width = 1;
  rec->snaps = g_ptr_array_new_with_free_func (bp_record_snap_free);
  return rec;
}

void
bp_record_free (BpRecord *rec)
{
  if (rec == NULL)
    return;
  g_free (rec->opt_id);
  g_ptr_array_unref (rec->snaps);
  g_free (rec->buckets);
  g_free (rec->bucket_values);
  g_free (rec);
}

BpRecord *
bp_record_copy (const BpRecord *rec)
{
  BpRecord *copy;
  gsize nv;

  g_return_val_if_fail (rec != NULL, NULL);

  copy = g_memdup2 (rec, sizeof *rec);
  copy->opt_id = g_strdup (rec->opt_id);
  copy->snaps = g_ptr_array_new_full (rec->snaps->len, bp_record_snap_free);
  nv = rec->n_params + rec->n_state + rec->n_running;
  for (guint i = 0; i < rec->snaps->len; i++)
    {
      const BpRecordSnap *s = g_ptr_array_index (rec->snaps, i);
      BpRecordSnap *c = g_memdup2 (s, sizeof *s);

      /* One block, as bp_record_snap_new makes it. */
      c->values = g_memdup2 (s->values, MAX (8 * (nv + rec->n_rows), 1));
      c->order = (guint64 *) (void *) (c->values + nv);
      g_ptr_array_add (copy->snaps, c);
    }
  if (rec->shaped)
    {
      copy->buckets = g_memdup2 (rec->buckets, BP_RECORD_MAX_BUCKETS * sizeof (BpRecordBucket));
      copy->bucket_values = g_memdup2 (rec->bucket_values,
                                       BP_RECORD_MAX_BUCKETS
                                       * BP_RECORD_BUCKET_VALUES (rec->n_layers) * sizeof (double));
    }
  return copy;
}

static BpRecordSnap *
snap_at (const BpRecord *rec,
         gsize           i)
{
  return g_ptr_array_index (rec->snaps, i);
}

static BpRecordSnap *
last_snap (const BpRecord *rec)
{
  return rec->snaps->len > 0 ? snap_at (rec, rec->snaps->len - 1) : NULL;
}

/* The last step anything was recorded at (0 and FALSE when nothing). */
static gboolean
last_step (const BpRecord *rec,
           guint64        *step)
{
  guint64 s = 0;
  gboolean any = FALSE;

  if (rec->snaps->len > 0)
    s = last_snap (rec)->step, any = TRUE;
  if (rec->n_buckets > 0)
    {
      const BpRecordBucket *b = &rec->buckets[rec->n_buckets - 1];
      s = MAX (s, b->last_step);
      any = TRUE;
    }
  *step = s;
  return any;
}

/* Drops every snapshot after `step`, and every bucket that holds a step
 * after it (a fork: training went on from `step` again). */
static void
truncate_after (BpRecord *rec,
                guint64   step)
{
  while (rec->snaps->len > 0 && last_snap (rec)->step > step)
    g_ptr_array_set_size (rec->snaps, rec->snaps->len - 1);
  while (rec->n_buckets > 0 && rec->buckets[rec->n_buckets - 1].last_step > step)
    rec->n_buckets--;
}

/* k doubles; the snapshots off the new grid go, except the first. */
static void
thin_snapshots (BpRecord *rec)
{
  gsize kept = 1;

  rec->stride *= 2;
  for (gsize i = 1; i < rec->snaps->len; i++)
    {
      BpRecordSnap *s = snap_at (rec, i);

      if (s->step % rec->stride == 0 || s->latest_only)
        {
          /* Moved down without freeing: the slot is reused.  Not cleared
           * when it stays where it is (nothing dropped before it, as when
           * the recording began at an odd step). */
          if (kept != i)
            rec->snaps->pdata[i] = NULL;
          rec->snaps->pdata[kept++] = s;
        }
      else
        bp_record_snap_free (s);
    }
  for (gsize i = kept; i < rec->snaps->len; i++)
    rec->snaps->pdata[i] = NULL;
  g_ptr_array_set_size (rec->snaps, kept);
}

static void
take_snapshot (BpRecord               *rec,
               const BpNetwork        *net,
               const BpOptimizer      *opt,
               const BpRecordPosition *pos,
               gboolean                latest_only)
{
  BpRecordSnap *s = bp_record_snap_new (rec);
  double *v = s->values;

  s->step = pos->step;
  s->latest_only = latest_only;
  memcpy (v, net->params, rec->n_params * sizeof (double));
  v += rec->n_params;
  if (opt != NULL)
    {
      memcpy (v, opt->state, rec->n_state * sizeof (double));
      s->t = opt->t;
      s->schedule_step = bp_optimizer_schedule_step (opt);
    }
  v += rec->n_state;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_BATCHNORM)
        continue;
      memcpy (v, L->running_mean, L->out * sizeof (double));
      memcpy (v + L->out, L->running_var, L->out * sizeof (double));
      v += 2 * L->out;
    }
  memcpy (s->net_rng, net->rng->s, sizeof s->net_rng);
  s->epoch = pos->epoch;
  s->cursor = pos->cursor;
  if (pos->rng != NULL)
    memcpy (s->rng, pos->rng->s, sizeof s->rng);
  for (gsize r = 0; r < rec->n_rows; r++)
    s->order[r] = pos->order[r];
  g_ptr_array_add (rec->snaps, s);
}

/* Folds the statistics of `step` into its bucket, merging buckets
 * pairwise (and doubling w) when there would be too many. */
static void
add_stats (BpRecord     *rec,
           guint64       step,
           double        loss,
           const double *norms)
{
  gsize L = rec->n_layers, nv = BP_RECORD_BUCKET_VALUES (L);
  guint64 index;
  BpRecordBucket *last = NULL;
  double *v;

  for (;;)
    {
      index = (step - 1) / rec->bucket_width;
      last = rec->n_buckets > 0 ? &rec->buckets[rec->n_buckets - 1] : NULL;
      if ((last != NULL && last->index == index) || rec->n_buckets < BP_RECORD_MAX_BUCKETS)
        break;
      /* Merge neighbours i and i + 1 that fall into one bucket of 2w. */
      {
        BpRecordBucket *b = rec->buckets;
        double *d = rec->bucket_values;
        gsize out = 0;

        for (gsize i = 0; i < rec->n_buckets; i++)
          {
            BpRecordBucket cur = b[i];

            cur.index /= 2;
            if (out > 0 && b[out - 1].index == cur.index)
              {
                double *to = d + (out - 1) * nv, *from = d + i * nv;

                for (gsize k = 0; k <= L; k++)
                  {
                    /* min, max, sum of the loss (k = 0) and of each layer */
                    gsize mn = k == 0 ? 0 : 3 + (k - 1);
                    gsize mx = k == 0 ? 1 : 3 + L + (k - 1);
                    gsize sm = k == 0 ? 2 : 3 + 2 * L + (k - 1);

                    to[mn] = MIN (to[mn], from[mn]);
                    to[mx] = MAX (to[mx], from[mx]);
                    to[sm] += from[sm];
                  }
                b[out - 1].last_step = cur.last_step;
                b[out - 1].n += cur.n;
              }
            else
              {
                memmove (d + out * nv, d + i * nv, nv * sizeof (double));
                b[out++] = cur;
              }
          }
        rec->n_buckets = out;
        rec->bucket_width *= 2;
      }
    }
  if (last == NULL || last->index != index)
    {
      BpRecordBucket nb = { index, step, step, 0 };

      rec->buckets[rec->n_buckets++] = nb;
      last = &rec->buckets[rec->n_buckets - 1];
      v = rec->bucket_values + (rec->n_buckets - 1) * nv;
      v[0] = v[1] = loss;
      v[2] = 0.0;
      for (gsize l = 0; l < L; l++)
        {
          v[3 + l] = v[3 + L + l] = norms[l];
          v[3 + 2 * L + l] = 0.0;
        }
    }
  v = rec->bucket_values + (rec->n_buckets - 1) * nv;
  last->last_step = step;
  last->n++;
  v[0] = MIN (v[0], loss);
  v[1] = MAX (v[1], loss);
  v[2] += loss;
  for (gsize l = 0; l < L; l++)
    {
      v[3 + l] = MIN (v[3 + l], norms[l]);
      v[3 + L + l] = MAX (v[3 + L + l], norms[l]);
      v[3 + 2 * L + l] += norms[l];
    }
}

gboolean
bp_record_add_position (BpRecord               *rec,
                        const BpNetwork        *net,
                        const BpOptimizer      *opt,
                        const BpRecordPosition *pos,
                        gboolean                latest,
                        GError                **error)
{
  guint64 step, prev;
  gboolean any;
  BpRecordSnap *ls;

  g_return_val_if_fail (rec != NULL && net != NULL && opt != NULL && pos != NULL, FALSE);
  g_return_val_if_fail (pos->n_rows == 0 || (pos->order != NULL && pos->rng != NULL), FALSE);
  g_return_val_if_fail (pos->cursor <= pos->n_rows, FALSE);

  if (!rec->shaped)
    bp_record_shape (rec, opt->id, net->n_params, bp_optimizer_state_size (opt),
                     running_size (net), pos->n_rows, net->n_layers);
  else if (!check_shapes (rec, net, opt, (gssize) pos->n_rows, error))
    return FALSE;

  step = pos->step;
  any = last_step (rec, &prev);
  ls = last_snap (rec);
  if (any && step == prev)
    {
      /* The step was added already: asking again (a pause) only keeps it,
       * and takes the epoch count bp_trainer_finish_epoch may have moved
       * since (the only part of the state that changes between steps). */
      if (ls != NULL && ls->step == step)
        {
          ls->epoch = pos->epoch;
          return TRUE;
        }
    }
  else if (any && step < prev)
    truncate_after (rec, step);  /* resumed from an earlier step: a fork */
  else if (step > 0 && pos->grad_norms != NULL)
    add_stats (rec, step, pos->loss, pos->grad_norms);

  /* The latest off-grid step is superseded by this one. */
  ls = last_snap (rec);
  if (ls != NULL && ls->latest_only && ls->step < step && rec->snaps->len > 1)
    g_ptr_array_set_size (rec->snaps, rec->snaps->len - 1);

  ls = last_snap (rec);
  if (ls != NULL && ls->step == step)
    return TRUE;
  if (rec->snaps->len == 0)
    take_snapshot (rec, net, opt, pos, FALSE);
  else if (step % rec->stride == 0)
    {
      take_snapshot (rec, net, opt, pos, FALSE);
      /* One slot stays free for the latest step. */
      while (rec->snaps->len > rec->max_snapshots - 1)
        thin_snapshots (rec);
    }
  else if (latest)
    take_snapshot (rec, net, opt, pos, TRUE);
  return TRUE;
}

void
bp_record_position_of_trainer (BpRecordPosition *pos,
                               const BpTrainer  *tr,
                               gboolean          stats)
{
  g_return_if_fail (pos != NULL && tr != NULL);

  *pos = (BpRecordPosition) {
    .step = tr->steps,
    .epoch = tr->epoch,
    .rng = &tr->rng,
    .order = tr->order,
    .n_rows = tr->train->n_rows,
    .cursor = tr->cursor,
    .loss = stats ? tr->trace->loss : NAN,
    .grad_norms = stats ? tr->trace->grad_norm : NULL,
  };
}

gboolean
bp_record_add (BpRecord          *rec,
               const BpNetwork   *net,
               const BpOptimizer *opt,
               const BpTrainer   *tr,
               GError           **error)
{
  BpRecordPosition pos;

  g_return_val_if_fail (tr != NULL, FALSE);

  bp_record_position_of_trainer (&pos, tr, TRUE);
  return bp_record_add_position (rec, net, opt, &pos, FALSE, error);
}

gboolean
bp_record_add_latest (BpRecord          *rec,
                      const BpNetwork   *net,
                      const BpOptimizer *opt,
                      const BpTrainer   *tr,
                      GError           **error)
{
  BpRecordPosition pos;

  g_return_val_if_fail (tr != NULL, FALSE);

  bp_record_position_of_trainer (&pos, tr, TRUE);
  return bp_record_add_position (rec, net, opt, &pos, TRUE, error);
}

/* ------------------------------------------------------------------ reading */

gsize
bp_record_n (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);

  return rec->snaps->len;
}

guint64
bp_record_step_at (const BpRecord *rec,
                   gsize           i)
{
  g_return_val_if_fail (rec != NULL && i < rec->snaps->len, 0);

  return snap_at (rec, i)->step;
}

const double *
bp_record_params_at (const BpRecord *rec,
                     gsize           i)
{
  g_return_val_if_fail (rec != NULL && i < rec->snaps->len, NULL);

  /* A snapshot's values begin with the P parameters (bp-record-private.h). */
  return snap_at (rec, i)->values;
}

gsize
bp_record_n_params (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);
  return rec->n_params;
}

gssize
bp_record_find (const BpRecord *rec,
                guint64         step)
{
  gsize lo = 0, hi;

  g_return_val_if_fail (rec != NULL, -1);

  /* The first index whose step is > step, less one. */
  hi = rec->snaps->len;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (snap_at (rec, mid)->step <= step)
        lo = mid + 1;
      else
        hi = mid;
    }
  return (gssize) lo - 1;
}

gboolean
bp_record_restore (const BpRecord *rec,
                   gsize           i,
                   BpNetwork      *net,
                   BpOptimizer    *opt,
                   BpTrainer      *tr,
                   GError        **error)
{
  const BpRecordSnap *s;
  const double *v;

  g_return_val_if_fail (rec != NULL && net != NULL && i < rec->snaps->len, FALSE);

  if (!check_shapes (rec, net, opt, tr != NULL ? (gssize) tr->train->n_rows : -1, error))
    return FALSE;
  s = snap_at (rec, i);
  if (tr != NULL)
    for (gsize r = 0; r < rec->n_rows; r++)
      if (s->order[r] >= rec->n_rows)
        {
          g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                       _("step %" PRIu64 ": the sample order is damaged"), s->step);
          return FALSE;
        }
  /* A snapshot from a version 1 file does not say where the schedule stood.  Guessing
   * (step t, as if it was set before the first step) would be right for a
   * run scheduled from the start and silently wrong for one scheduled
   * later: an error is the honest answer. */
  if (opt != NULL && s->schedule_step == BP_RECORD_SCHEDULE_UNKNOWN
      && opt->schedule.kind != BP_SCHEDULE_NONE)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_MISMATCH,
                   _("the recording (format version 1) does not hold the learning-rate "
                     "schedule’s position; record the run again to resume it with its schedule"));
      return FALSE;
    }

  v = s->values;
  memcpy (net->params, v, rec->n_params * sizeof (double));
  v += rec->n_params;
  if (opt != NULL)
    {
      memcpy (opt->state, v, rec->n_state * sizeof (double));
      opt->t = s->t;
      /* The schedule where it stood; its cached rate is dropped and made
       * again from step 0 by the next bp_optimizer_lr, which gives the run's
       * bits (the recursion is deterministic) without trusting a rate read
       * from a file. */
      if (s->schedule_step != BP_RECORD_SCHEDULE_UNKNOWN)
        opt->schedule_t0 = s->t - s->schedule_step;
      opt->lr_valid = FALSE;
    }
  v += rec->n_state;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_BATCHNORM)
        continue;
      memcpy (L->running_mean, v, L->out * sizeof (double));
      memcpy (L->running_var, v + L->out, L->out * sizeof (double));
      v += 2 * L->out;
    }
  memcpy (net->rng->s, s->net_rng, sizeof s->net_rng);

  if (tr != NULL)
    {
      gsize keep = 0;

      tr->steps = s->step;
      tr->epoch = (guint) s->epoch;
      bp_record_order_at (rec, i, &tr->rng, tr->order, &tr->cursor);
      /* What the trainer plots from after the step did not happen yet. */
      while (keep < tr->history->len
             && g_array_index (tr->history, BpEpochStats, keep).step <= s->step)
        keep++;
      g_array_set_size (tr->history, keep);
      if (net->n_layers > 0)
        g_array_set_size (tr->grad_norms,
                          MIN (tr->grad_norms->len,
                               s->step / tr->grad_norm_stride * net->n_layers));
      tr->fault.kind = BP_TRAIN_FAULT_NONE;
    }
  return TRUE;
}

guint
bp_record_epoch_at (const BpRecord *rec,
                    gsize           i)
{
  g_return_val_if_fail (rec != NULL && i < rec->snaps->len, 0);

  return (guint) snap_at (rec, i)->epoch;
}

gsize
bp_record_n_rows (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);

  return rec->n_rows;
}

void
bp_record_order_at (const BpRecord *rec,
                    gsize           i,
                    BpRng          *rng,
                    gsize          *order,
                    gsize          *cursor)
{
  const BpRecordSnap *s;

  g_return_if_fail (rec != NULL && i < rec->snaps->len && rng != NULL && cursor != NULL);
  g_return_if_fail (order != NULL || rec->n_rows == 0);

  s = snap_at (rec, i);
  memcpy (rng->s, s->rng, sizeof s->rng);
  for (gsize r = 0; r < rec->n_rows; r++)
    order[r] = (gsize) s->order[r];
  *cursor = (gsize) s->cursor;
}

gboolean
bp_record_snapshot_equal (const BpRecord *a,
                          gsize           i,
                          const BpRecord *b,
                          gsize           j)
{
  const BpRecordSnap *x, *y;
  gsize nv;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  g_return_val_if_fail (i < a->snaps->len && j < b->snaps->len, FALSE);

  if (a->n_params != b->n_params || a->n_state != b->n_state
      || a->n_running != b->n_running || a->n_rows != b->n_rows)
    return FALSE;
  x = snap_at (a, i);
  y = snap_at (b, j);
  nv = a->n_params + a->n_state + a->n_running;
  /* Doubles by their bits: memcmp. */
  return x->step == y->step && x->epoch == y->epoch && x->cursor == y->cursor
         && x->t == y->t && x->schedule_step == y->schedule_step
         && memcmp (x->rng, y->rng, sizeof x->rng) == 0
         && memcmp (x->net_rng, y->net_rng, sizeof x->net_rng) == 0
         && memcmp (x->values, y->values, 8 * (nv + a->n_rows)) == 0;
}

gsize
bp_record_n_stats (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);

  return rec->n_buckets;
}

void
bp_record_stats_at (const BpRecord *rec,
                    gsize           i,
                    BpRecordStats  *stats)
{
  const BpRecordBucket *b;
  const double *v;
  gsize L;

  g_return_if_fail (rec != NULL && stats != NULL && i < rec->n_buckets);

  L = rec->n_layers;
  b = &rec->buckets[i];
  v = rec->bucket_values + i * BP_RECORD_BUCKET_VALUES (L);
  stats->first_step = b->first_step;
  stats->last_step = b->last_step;
  stats->n = b->n;
  stats->loss_min = v[0];
  stats->loss_max = v[1];
  stats->loss_mean = v[2] / (double) b->n;
  stats->norm_min = v + 3;
  stats->norm_max = v + 3 + L;
  stats->norm_sum = v + 3 + 2 * L;
}

gsize
bp_record_n_layers (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);

  return rec->n_layers;
}

guint64
bp_record_stride (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 1);

  return rec->stride;
}

guint64
bp_record_bucket_width (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 1);

  return rec->bucket_width;
}

gsize
bp_record_budget (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);

  return rec->budget;
}

gsize
bp_record_max_snapshots (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);

  return rec->shaped ? rec->max_snapshots : 0;
}

gsize
bp_record_bytes (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);

  if (!rec->shaped)
    return sizeof (BpRecord);
  /* The statistics' room is taken whole when the shapes are set. */
  return sizeof (BpRecord) + rec->snaps->len * bp_record_snap_bytes (rec)
         + BP_RECORD_MAX_BUCKETS * bp_record_bucket_bytes (rec);
}

gsize
bp_record_bound (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);

  if (!rec->shaped)
    return 0;
  return sizeof (BpRecord) + rec->max_snapshots * bp_record_snap_bytes (rec)
         + BP_RECORD_MAX_BUCKETS * bp_record_bucket_bytes (rec);
}

const char *
bp_record_optimizer_id (const BpRecord *rec)
{
  g_return_val_if_fail (rec != NULL, NULL);

  return rec->opt_id;
}
