/* bp-record-dist.c — distributions over a recording's kept steps (see
 * bp-record-dist.h for what is counted and how the bins are chosen). */
#include "config.h"
#include "bp-record-dist.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bp-diagnostics.h"

G_DEFINE_QUARK (bp-record-dist-error-quark, bp_record_dist_error)

#define PER_DECADE BP_RECORD_DIST_BINS_PER_DECADE
/* The gradients' first pass counts each step into a fixed grid of bins,
 * edges at 10^(j/4) for j in [FINE_J_MIN, FINE_J_MAX] (10⁻³⁰ … 10¹⁰; a
 * |g| beyond goes to the end bins), so that every step is computed once:
 * the shared range is known only after the last step, and the final bins
 * are a run of these grid bins, merged exactly. */
#define FINE_J_MIN  (-30 * PER_DECADE)
#define FINE_J_MAX  (10 * PER_DECADE)
#define FINE_SIDE   ((gsize) (FINE_J_MAX - FINE_J_MIN + 1))
/* Per step and layer: [0] |g| below the grid (zeros too), then the
 * positive side by j, then the negative side by j. */
#define FINE_SIZE   (1 + 2 * FINE_SIDE)

/* ------------------------------------------------------------------ rows */

gsize
bp_record_dist_n_rows (gsize n_rows)
{
  return MIN (n_rows, (gsize) BP_RECORD_DIST_MAX_ROWS);
}

gsize
bp_record_dist_row (gsize n_rows,
                    gsize k)
{
  gsize m = bp_record_dist_n_rows (n_rows);

  g_return_val_if_fail (k < m, 0);
  /* ⌊k·N/M⌋ without overflow for any N a dataset can have */
  return (gsize) (((guint64) k * n_rows) / m);
}

/* The pass rows gathered into x, y (M × width each), or X, Y themselves
 * when every row is taken: then the sums run in the trainer's order. */
typedef struct
{
  const double *x, *y;
  double       *own_x, *own_y;
  gsize         n;
} PassRows;

static void
pass_rows_init (PassRows     *rows,
                const double *X,
                const double *Y,
                gsize         n_rows,
                gsize         n_in,
                gsize         n_out)
{
  memset (rows, 0, sizeof *rows);
  rows->n = bp_record_dist_n_rows (n_rows);
  if (rows->n == n_rows)
    {
      rows->x = X;
      rows->y = Y;
      return;
    }
  rows->own_x = g_new (double, rows->n * n_in);
  rows->own_y = g_new (double, rows->n * n_out);
  for (gsize k = 0; k < rows->n; k++)
    {
      gsize r = bp_record_dist_row (n_rows, k);

      memcpy (rows->own_x + k * n_in, X + r * n_in, n_in * sizeof (double));
      memcpy (rows->own_y + k * n_out, Y + r * n_out, n_out * sizeof (double));
    }
  rows->x = rows->own_x;
  rows->y = rows->own_y;
}

static void
pass_rows_clear (PassRows *rows)
{
  g_free (rows->own_x);
  g_free (rows->own_y);
}

static gboolean
check_rows (const BpRecord  *rec,
            gsize            n_rows,
            GError         **error)
{
  if (bp_record_n (rec) == 0 || n_rows == 0)
    {
      g_set_error_literal (error, BP_RECORD_DIST_ERROR, BP_RECORD_DIST_ERROR_EMPTY,
                           n_rows == 0 ? _("No training rows to compute gradients on")
                                       : _("The recording has no kept step"));
      return FALSE;
    }
  if (bp_record_n_rows (rec) != n_rows)
    {
      g_set_error (error, BP_RECORD_DIST_ERROR, BP_RECORD_DIST_ERROR_MISMATCH,
                   _("The recording was trained on %" PRIu64 " rows, "
                     "the data given has %" PRIu64),
                   (guint64) bp_record_n_rows (rec), (guint64) n_rows);
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_pass (const BpRecord  *rec,
          gsize            i,
          BpNetwork       *net,
          BpTrace         *trace,
          const PassRows  *rows,
          GError         **error)
{
  g_autoptr(GError) local = NULL;

  if (!bp_record_restore (rec, i, net, NULL, NULL, &local))
    {
      g_set_error (error, BP_RECORD_DIST_ERROR, BP_RECORD_DIST_ERROR_MISMATCH,
                   "%s", local->message);
      return FALSE;
    }
  if (!bp_network_check_batch (net, rows->n, error))
    return FALSE;
  bp_network_gradients (net, trace, rows->x, rows->y, rows->n);
  return TRUE;
}

gboolean
bp_record_dist_pass (const BpRecord  *rec,
                     gsize            i,
                     BpNetwork       *net,
                     BpTrace         *trace,
                     const double    *X,
                     const double    *Y,
                     gsize            n_rows,
                     GError         **error)
{
  PassRows rows;
  gboolean ok;

  g_return_val_if_fail (rec != NULL && net != NULL && trace != NULL, FALSE);
  g_return_val_if_fail (X != NULL && Y != NULL, FALSE);
  g_return_val_if_fail (i < bp_record_n (rec), FALSE);
  g_return_val_if_fail (trace->capacity >= bp_record_dist_n_rows (n_rows), FALSE);

  if (!check_rows (rec, n_rows, error))
    return FALSE;
  pass_rows_init (&rows, X, Y, n_rows, net->n_inputs, bp_network_n_outputs (net));
  ok = run_pass (rec, i, net, trace, &rows, error);
  pass_rows_clear (&rows);
  return ok;
}

/* ------------------------------------------------------------------ bins */

/* j of |v|'s grid bin: 10^(j/4) ≤ |v| < 10^((j+1)/4). */
static int
grid_j (double v)
{
  double j = floor (PER_DECADE * log10 (fabs (v)));

  return (int) CLAMP (j, (double) G_MININT / 2, (double) G_MAXINT / 2);
}

static double
grid_edge (int j)
{
  return pow (10, (double) j / PER_DECADE);
}

gsize
bp_record_dist_bin (const BpRecordDistHist *hist,
                    double                  v)
{
  g_return_val_if_fail (hist != NULL && hist->n_bins > 0, 0);

  if (!hist->symlog)
    {
      double b = floor ((v - hist->lo) / (hist->hi - hist->lo) * hist->n_bins);

      return (gsize) CLAMP (b, 0, (double) hist->n_bins - 1);
    }
  else
    {
      int j;
      gsize k;

      if (hist->half == 0 || v == 0 || fabs (v) < hist->lo)
        return hist->half;
      j = grid_j (v);
      if (j < hist->j_lo)
        return hist->half;
      k = MIN ((gsize) (j - hist->j_lo), hist->half - 1);
      return v > 0 ? hist->half + 1 + k : hist->half - 1 - k;
    }
}

double
bp_record_dist_position (const BpRecordDistHist *hist,
                         double                  v)
{
  double n, u;

  g_return_val_if_fail (hist != NULL, 0);

  n = (double) hist->n_bins;
  if (!hist->symlog)
    return CLAMP ((v - hist->lo) / (hist->hi - hist->lo) * n, 0, n);
  if (hist->half == 0 || fabs (v) < hist->lo)
    return hist->half + 0.5 + (hist->half == 0 ? 0 : 0.5 * v / hist->lo);
  u = PER_DECADE * log10 (fabs (v)) - hist->j_lo;
  u = MIN (u, (double) hist->half);
  return v > 0 ? hist->half + 1 + u : hist->half - u;
}

void
bp_record_dist_bin_range (const BpRecordDistHist *hist,
                          gsize                   b,
                          double                 *lo,
                          double                 *hi)
{
  g_return_if_fail (hist != NULL && b < hist->n_bins && lo != NULL && hi != NULL);

  if (!hist->symlog)
    {
      double w = (hist->hi - hist->lo) / hist->n_bins;

      *lo = hist->lo + b * w;
      *hi = b + 1 == hist->n_bins ? hist->hi : hist->lo + (b + 1) * w;
      return;
    }
  if (b == hist->half)
    {
      *lo = -hist->lo;
      *hi = hist->lo;
      return;
    }
  {
    gsize k = b > hist->half ? b - hist->half - 1 : hist->half - 1 - b;
    double inner = grid_edge (hist->j_lo + (int) k), outer = grid_edge (hist->j_lo + (int) k + 1);

    *lo = b > hist->half ? inner : -outer;
    *hi = b > hist->half ? outer : -inner;
  }
}

gssize
bp_record_dist_find (const BpRecordDist *dist,
                     guint64             step)
{
  gssize found = -1;

  g_return_val_if_fail (dist != NULL, -1);

  for (gsize i = 0; i < dist->n_steps && dist->steps[i] <= step; i++)
    found = (gssize) i;
  return found;
}

/* --------------------------------------------------------------- compute */

static void
fine_count (guint32      *fine,
            const double *g,
            gsize         n,
            guint32      *nonfinite)
{
  for (gsize k = 0; k < n; k++)
    {
      double v = g[k];
      int j;

      if (!isfinite (v))
        {
          (*nonfinite)++;
          continue;
        }
      if (v == 0 || (j = grid_j (v)) < FINE_J_MIN)
        {
          fine[0]++;
          continue;
        }
      j = MIN (j, FINE_J_MAX);
      fine[1 + (v > 0 ? 0 : FINE_SIDE) + (gsize) (j - FINE_J_MIN)]++;
    }
}

/* The gradients' shared bins of one layer from its grid counts of every
 * step, then the counts merged into them. */
static void
finish_gradients (BpRecordDistHist *h,
                  const guint32    *fine,
                  gsize             n_steps)
{
  int top = G_MININT, bottom = G_MAXINT;

  for (gsize s = 0; s < n_steps; s++)
    for (gsize k = 0; k < 2 * FINE_SIDE; k++)
      if (fine[s * FINE_SIZE + 1 + k] > 0)
        {
          int j = FINE_J_MIN + (int) (k % FINE_SIDE);

          top = MAX (top, j);
          bottom = MIN (bottom, j);
        }
  h->symlog = TRUE;
  if (top == G_MININT)
    {
      /* Every gradient is 0 (or below 10⁻³⁰): one bin. */
      h->half = 0;
      h->j_lo = 0;
      h->lo = h->hi = 0;
    }
  else
    {
      h->j_lo = MAX (bottom, top - BP_RECORD_DIST_DECADES * PER_DECADE + 1);
      h->half = (gsize) (top - h->j_lo + 1);
      h->lo = grid_edge (h->j_lo);
      h->hi = grid_edge (top + 1);
    }
  h->n_bins = 2 * h->half + 1;
  h->counts = g_new0 (guint32, n_steps * h->n_bins);
  for (gsize s = 0; s < n_steps; s++)
    {
      const guint32 *f = fine + s * FINE_SIZE;
      guint32 *row = h->counts + s * h->n_bins;

      row[h->half] += f[0];
      for (gsize k = 0; k < 2 * FINE_SIDE; k++)
        {
          int j = FINE_J_MIN + (int) (k % FINE_SIDE);
          gboolean negative = k >= FINE_SIDE;
          gsize b;

          if (f[1 + k] == 0)
            continue;
          if (j < h->j_lo)
            b = h->half;
          else
            b = negative ? h->half - 1 - (gsize) (j - h->j_lo) : h->half + 1 + (gsize) (j - h->j_lo);
          row[b] += f[1 + k];
        }
      for (gsize b = 0; b < h->n_bins; b++)
        h->max_count = MAX (h->max_count, row[b]);
    }
}

/* Layer l's dead and saturated fractions from the pass in `trace`. */
static void
count_units (const BpNetwork *net,
             const BpTrace   *trace,
             gsize            l,
             double          *dead,
             double          *saturated)
{
  const BpLayer *L = &net->layers[l];
  g_autofree guint *sat = NULL;
  g_autofree double *deriv = NULL;
  gsize n_dead = 0, n_sat = 0, B = trace->batch;

  if (L->type != BP_LAYER_DENSE)
    {
      *dead = *saturated = NAN;
      return;
    }
  sat = g_new0 (guint, L->out);
  deriv = g_new (double, L->out);
  for (gsize s = 0; s < B; s++)
    {
      const double *a = bp_trace_a (trace, l, s);

      bp_diag_unit_derivatives (net, trace, l, s, deriv);
      /* a = 0 with σ′ = 0 is a rectifier switched off (its own kind,
       * dead when it lasts for every row), not a flat tail.  Under a skip
       * a = f(z) + a(j): the test reads f(z) through σ′ alone then. */
      for (gsize u = 0; u < L->out; u++)
        if (fabs (deriv[u]) < BP_DIAG_SATURATION_LEVEL && !(a[u] == 0 && deriv[u] == 0))
          sat[u]++;
    }
  for (gsize u = 0; u < L->out; u++)
    {
      if (bp_diag_unit_dead (net, trace, l, u))
        n_dead++;
      else if (sat[u] > BP_RECORD_DIST_SATURATED_SHARE * B)
        n_sat++;
    }
  *dead = (double) n_dead / L->out;
  *saturated = (double) n_sat / L->out;
}

void
bp_record_dist_free (BpRecordDist *dist)
{
  if (dist == NULL)
    return;
  for (int q = 0; q < BP_RECORD_DIST_N_QUANTITIES; q++)
    {
      for (gsize l = 0; dist->hist[q] != NULL && l < dist->n_layers; l++)
        {
          g_free (dist->hist[q][l].counts);
          g_free (dist->hist[q][l].nonfinite);
        }
      g_free (dist->hist[q]);
    }
  g_free (dist->steps);
  g_free (dist->dead);
  g_free (dist->saturated);
  g_free (dist);
}

BpRecordDist *
bp_record_dist_compute (const BpRecord       *rec,
                        const BpNetwork      *net,
                        const double         *X,
                        const double         *Y,
                        gsize                 n_rows,
                        BpRecordDistProgress  progress,
                        gpointer              user_data,
                        GError              **error)
{
  g_autoptr(BpRecordDist) dist = NULL;
  g_autoptr(BpNetwork) copy = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autofree guint32 **fine = NULL;
  g_autofree double *wmax = NULL;
  PassRows rows;
  gsize n, L;
  gboolean ok = TRUE;

  g_return_val_if_fail (rec != NULL && net != NULL, NULL);
  g_return_val_if_fail (n_rows == 0 || (X != NULL && Y != NULL), NULL);

  if (!check_rows (rec, n_rows, error))
    return NULL;
  n = bp_record_n (rec);
  L = net->n_layers;
  dist = g_new0 (BpRecordDist, 1);
  dist->n_steps = n;
  dist->n_layers = L;
  dist->steps = g_new (guint64, n);
  for (gsize i = 0; i < n; i++)
    dist->steps[i] = bp_record_step_at (rec, i);
  dist->rows_total = n_rows;
  dist->rows_used = bp_record_dist_n_rows (n_rows);
  dist->dead = g_new (double, n * L);
  dist->saturated = g_new (double, n * L);
  for (int q = 0; q < BP_RECORD_DIST_N_QUANTITIES; q++)
    {
      dist->hist[q] = g_new0 (BpRecordDistHist, L);
      for (gsize l = 0; l < L; l++)
        {
          dist->hist[q][l].n_values = bp_layer_n_weights (&net->layers[l]);
          dist->hist[q][l].nonfinite = g_new0 (guint32, n);
        }
    }

  copy = bp_network_copy (net);
  trace = bp_trace_new (copy, dist->rows_used);
  fine = g_new0 (guint32 *, L);
  wmax = g_new0 (double, L);
  for (gsize l = 0; l < L; l++)
    fine[l] = g_new0 (guint32, n * FINE_SIZE);
  pass_rows_init (&rows, X, Y, n_rows, net->n_inputs, bp_network_n_outputs (net));

  /* The pass at every step: gradients into the grid, units, |w|'s range. */
  for (gsize i = 0; i < n && ok; i++)
    {
      ok = run_pass (rec, i, copy, trace, &rows, error);
      for (gsize l = 0; l < L && ok; l++)
        {
          const BpLayer *layer = &copy->layers[l];
          gsize nw = dist->hist[0][l].n_values;

          fine_count (fine[l] + i * FINE_SIZE, layer->dW, nw,
                      &dist->hist[BP_RECORD_DIST_GRADIENTS][l].nonfinite[i]);
          for (gsize k = 0; k < nw; k++)
            if (isfinite (layer->W[k]))
              wmax[l] = MAX (wmax[l], fabs (layer->W[k]));
          count_units (copy, trace, l, &dist->dead[i * L + l], &dist->saturated[i * L + l]);
        }
      if (ok && progress != NULL && !progress (i + 1, 2 * n, user_data))
        {
          g_set_error_literal (error, BP_RECORD_DIST_ERROR, BP_RECORD_DIST_ERROR_CANCELLED,
                               _("Stopped"));
          ok = FALSE;
        }
    }

  if (ok)
    for (gsize l = 0; l < L; l++)
      {
        BpRecordDistHist *h = &dist->hist[BP_RECORD_DIST_WEIGHTS][l];

        if (h->n_values == 0)
          continue;
        finish_gradients (&dist->hist[BP_RECORD_DIST_GRADIENTS][l], fine[l], n);
        h->symlog = FALSE;
        h->hi = wmax[l] > 0 ? wmax[l] : 1;
        h->lo = -h->hi;
        h->n_bins = BP_RECORD_DIST_W_BINS;
        h->counts = g_new0 (guint32, n * h->n_bins);
      }

  /* The weights into their shared bins: only a restore per step. */
  for (gsize i = 0; i < n && ok; i++)
    {
      g_autoptr(GError) local = NULL;

      ok = bp_record_restore (rec, i, copy, NULL, NULL, &local);
      if (!ok)
        g_set_error (error, BP_RECORD_DIST_ERROR, BP_RECORD_DIST_ERROR_MISMATCH, "%s", local->message);
      for (gsize l = 0; l < L && ok; l++)
        {
          BpRecordDistHist *h = &dist->hist[BP_RECORD_DIST_WEIGHTS][l];
          guint32 *row = h->counts + i * h->n_bins;

          for (gsize k = 0; k < h->n_values; k++)
            {
              double w = copy->layers[l].W[k];

              if (isfinite (w))
                row[bp_record_dist_bin (h, w)]++;
              else
                h->nonfinite[i]++;
            }
          for (gsize b = 0; b < h->n_bins; b++)
            h->max_count = MAX (h->max_count, row[b]);
        }
      if (ok && progress != NULL && !progress (n + i + 1, 2 * n, user_data))
        {
          g_set_error_literal (error, BP_RECORD_DIST_ERROR, BP_RECORD_DIST_ERROR_CANCELLED,
                               _("Stopped"));
          ok = FALSE;
        }
    }

  pass_rows_clear (&rows);
  for (gsize l = 0; l < L; l++)
    g_free (fine[l]);
  return ok ? g_steal_pointer (&dist) : NULL;
}
