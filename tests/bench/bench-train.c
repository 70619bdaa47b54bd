/* bench-train.c — training throughput of the core library against FANN.
 *
 * A benchmark, not a test: it prints samples per second for our trainer
 * and for FANN (double-precision build) measured in the same process on the
 * same data, the ratios, and whether each ratio meets the target from the
 * issue.  It exits 0 whatever the ratios are, and non-zero only if a
 * workload fails to run (an error from the trainer, NaN, FANN refusing).
 *
 *   T1  2-8-8-1      tanh, tanh, sigmoid   mse          online SGD (B = 1)
 *   T2  2-64-64-64-1 tanh ×3, sigmoid      mse          online SGD (B = 1)
 *   T3  784-128-64-10 relu, relu, softmax  softmax_ce   SGD, B = 32
 *       (FANN has neither relu nor softmax: its nearest equivalent is
 *       linear_piece hidden units, sigmoid outputs and mse.)
 *   T4  784-128-bn-64-bn-10 batch norm (relu after it), softmax_ce, B = 32
 *   T5  784-128-128-128-10 relu, two residual blocks (skip_from), B = 32
 *       T4 and T5 have no FANN side (FANN has neither layer); their
 *       reference is PyTorch, bench_torch.py, which run-bench.sh runs in
 *       the same run and joins with ours.
 *   K   keep_trace TRUE against FALSE on T1 and T3: what keeping
 *       everything for display costs.
 *   T3 also runs the raw loop with its three matrix products through
 *   cblas_dgemm (what the core did before its own fixed-order kernels, whose
 *   bits depend on the kernels OpenBLAS picks for the CPU): what the same
 *   bits on every machine cost.
 *
 * T1 and T2 "ours" go through the trainer's fused online step (B = 1,
 * SGD, trace not kept: bp-trainer-online.c); their raw loop is the general
 * zero/forward/backward/step sequence without the trainer's checks.
 *
 * Every figure is one thread (OpenBLAS is told to use one; --pin also
 * keeps the process on one CPU), double precision, no shuffling on either
 * side (FANN's fann_train_epoch does not shuffle).  Each side is warmed
 * up, then the sides of a workload take turns, --reps rounds of at least
 * --min-time seconds each, so that a busy machine slows all of them alike;
 * the table compares best against best.  --cpu-time times each round by
 * the thread's CPU time instead of the wall clock: on a machine shared with
 * other jobs the time spent waiting for a CPU then does not count (on a
 * quiet one the two agree).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <doublefann.h>

#ifdef BENCH_HAVE_OPENBLAS
# include <cblas.h>
#endif

#include "bp-dataset.h"
#include "bp-model.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-rng.h"
#include "bp-trainer.h"

#include "../test-fixtures.h"
#include "bench-train.h"

#ifndef BENCH_BUILDTYPE
# define BENCH_BUILDTYPE "unknown"
#endif
#ifndef BENCH_FANN_VERSION
# define BENCH_FANN_VERSION "unknown"
#endif

/* Figures from the issue, measured on this kind of machine. */
#define ISSUE_FANN_T1   1.23e6
#define ISSUE_FANN_T2   35e3
#define ISSUE_FANN_T3   5e3
#define ISSUE_TORCH_T3  29e3

/* ------------------------------------------------------------------ options */

static double   opt_min_time = 1.0;
static int      opt_reps = 5;
static char    *opt_workloads = NULL;
static char    *opt_summary = NULL;
static gboolean opt_pin = FALSE;
static gboolean opt_ours_only = FALSE;
static gboolean opt_cpu_time = FALSE;

static GOptionEntry option_entries[] = {
  { "min-time", 't', 0, G_OPTION_ARG_DOUBLE, &opt_min_time,
    "Seconds each repetition runs at least (default 1.0)", "SECONDS" },
  { "reps", 'r', 0, G_OPTION_ARG_INT, &opt_reps,
    "Repetitions after the warm-up, at least 3 (default 5)", "N" },
  { "workloads", 'w', 0, G_OPTION_ARG_STRING, &opt_workloads,
    "Comma-separated subset of t1,t2,t3,t4,t5,k (default all)", "LIST" },
  { "summary", 's', 0, G_OPTION_ARG_FILENAME, &opt_summary,
    "Also write key<TAB>best<TAB>median lines to FILE (for run-bench.sh)", "FILE" },
  { "pin", 0, 0, G_OPTION_ARG_NONE, &opt_pin,
    "Pin the process to the CPU it starts on (quiet machines only)", NULL },
  { "ours-only", 0, 0, G_OPTION_ARG_NONE, &opt_ours_only,
    "Skip FANN (for profiling our library alone)", NULL },
  { "cpu-time", 0, 0, G_OPTION_ARG_NONE, &opt_cpu_time,
    "Time by the thread's CPU time, not the wall clock (shared machines)", NULL },
  { NULL }
};

/* ------------------------------------------------------------------ timing */

static GString *summary;

static double
now_seconds (void)
{
  struct timespec ts;

  clock_gettime (opt_cpu_time ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static int
compare_doubles (const void *pa,
                 const void *pb)
{
  double a = *(const double *) pa;
  double b = *(const double *) pb;

  return (a > b) - (a < b);
}

/* "1.23 M", "35.0 k": three significant figures are all a benchmark has. */
static const char *
format_rate (char   *buf,
             gsize   len,
             double  rate)
{
  if (!isfinite (rate))
    g_snprintf (buf, len, "-");
  else if (rate >= 1e6)
    g_snprintf (buf, len, "%.2f M", rate / 1e6);
  else if (rate >= 1e3)
    g_snprintf (buf, len, "%.1f k", rate / 1e3);
  else
    g_snprintf (buf, len, "%.0f", rate);
  return buf;
}

static void
bench_side_clear (BenchSide *side)
{
  g_clear_pointer (&side->key, g_free);
  if (side->data != NULL)
    side->free_data (side->data);
  side->data = NULL;
}

/* Runs whole chunks until at least `min_time` seconds have passed. */
static gboolean
bench_side_run (BenchSide  *side,
                double      min_time,
                double     *rate,
                GError    **error)
{
  guint64 n = 0;
  double t0 = now_seconds (), elapsed;

  do
    {
      if (!side->chunk (side->data, &n, error))
        {
          g_prefix_error (error, "%s: ", side->label);
          return FALSE;
        }
      elapsed = now_seconds () - t0;
    }
  while (elapsed < min_time);
  if (rate != NULL)
    *rate = (double) n / elapsed;
  return TRUE;
}

/* Warms every side up (a quarter of --min-time), then runs --reps rounds
 * in which each side in turn trains for --min-time; prints best and median
 * of each.  Empty slots (data NULL) are skipped and get NaN. */
static gboolean
bench_measure (BenchSide  *sides,
               gsize       n_sides,
               GError    **error)
{
  char b1[32], b2[32];

  for (gsize i = 0; i < n_sides; i++)
    if (sides[i].data != NULL
        && !bench_side_run (&sides[i], 0.25 * opt_min_time, NULL, error))
      return FALSE;

  for (int rep = 0; rep < opt_reps; rep++)
    for (gsize i = 0; i < n_sides; i++)
      if (sides[i].data != NULL
          && !bench_side_run (&sides[i], opt_min_time, &sides[i].rates[rep], error))
        return FALSE;

  for (gsize i = 0; i < n_sides; i++)
    {
      BenchSide *side = &sides[i];
      double *rates = side->rates;

      if (side->data == NULL)
        {
          side->result.best = side->result.median = NAN;
          continue;
        }

      qsort (rates, opt_reps, sizeof rates[0], compare_doubles);
      side->result.best = rates[opt_reps - 1];
      side->result.median = opt_reps % 2
                          ? rates[opt_reps / 2]
                          : 0.5 * (rates[opt_reps / 2 - 1] + rates[opt_reps / 2]);
      g_print ("  %-46s best %10s/s   median %10s/s\n", side->label,
               format_rate (b1, sizeof b1, side->result.best),
               format_rate (b2, sizeof b2, side->result.median));
      side->report (side->data);
      if (summary != NULL)
        g_string_append_printf (summary, "%s\t%.6g\t%.6g\n",
                                side->key, side->result.best, side->result.median);
    }
  return TRUE;
}

/* --------------------------------------------------------------- the table */

typedef enum
{
  ROW_SPEEDUP,    /* ours / reference, target is a minimum */
  ROW_SLOWDOWN,   /* reference / ours, target is a maximum */
  ROW_INFO,       /* ours / reference, no target */
} RowKind;

typedef struct
{
  char   *workload;
  double  ours;
  double  reference;
  double  issue;      /* the issue's figure for the reference, or NaN */
  double  target;
  RowKind kind;
} BenchRow;

static GArray *rows;

static void
bench_row_clear (gpointer p)
{
  BenchRow *row = p;

  g_free (row->workload);
}

static void
add_row (const char *workload,
         double      ours,
         double      reference,
         double      issue,
         double      target,
         RowKind     kind)
{
  BenchRow row = { g_strdup (workload), ours, reference, issue, target, kind };

  g_array_append_val (rows, row);
}

static void
print_table (void)
{
  char b1[32], b2[32], b3[32], ratio[32], vs_issue[32], target[32];

  g_print ("\nSummary (samples/s, best of %d x >= %.2g s %s; build %s)\n",
           opt_reps, opt_min_time, opt_cpu_time ? "of CPU time" : "wall clock", BENCH_BUILDTYPE);
  g_print ("%-44s %10s %10s %8s %8s %10s %8s  %s\n", "workload", "ours",
           "reference", "ratio", "target", "result", "(issue)", "vs issue");
  for (guint i = 0; i < rows->len; i++)
    {
      const BenchRow *row = &g_array_index (rows, BenchRow, i);
      const char *verdict;
      double r;

      if (row->kind == ROW_SLOWDOWN)
        {
          r = row->reference / row->ours;
          g_snprintf (target, sizeof target, "<= %.2f", row->target);
          verdict = r <= row->target ? "PASS" : "MISS";
        }
      else if (row->kind == ROW_SPEEDUP)
        {
          r = row->ours / row->reference;
          g_snprintf (target, sizeof target, ">= %.0fx", row->target);
          verdict = r >= row->target ? "PASS" : "MISS";
        }
      else
        {
          r = row->ours / row->reference;
          g_snprintf (target, sizeof target, "-");
          verdict = "info";
        }
      if (isfinite (r))
        g_snprintf (ratio, sizeof ratio, "%.2fx", r);
      else
        {
          g_strlcpy (ratio, "-", sizeof ratio);
          verdict = "-";
        }

      if (isfinite (row->issue))
        g_snprintf (vs_issue, sizeof vs_issue, "%.2fx", row->ours / row->issue);
      else
        g_strlcpy (vs_issue, "-", sizeof vs_issue);
      g_print ("%-44s %10s %10s %8s %8s %10s %8s  %s\n", row->workload,
               format_rate (b1, sizeof b1, row->ours),
               format_rate (b2, sizeof b2, row->reference),
               ratio, target, verdict,
               format_rate (b3, sizeof b3, row->issue), vs_issue);
    }
  g_print ("reference: FANN measured now, in this process (T4, T5: none here; PyTorch's\n"
           "figures are in run-bench.sh's table).  ratio: ours / reference;\n"
           "K rows: keep_trace FALSE / TRUE, the slowdown of keeping everything for\n"
           "display.  (issue): the figure quoted in the issue; vs issue: ours / it.\n");
}

/* --------------------------------------------------------------- the data */

/* ------------------------------------------------------------ our side */

typedef struct
{
  const char *hidden;     /* activation ids */
  const char *output;
  const char *cost;
  BpInit      init;
  double      lr;
  gsize       batch;
} OursSpec;

typedef struct
{
  BpNetwork       *net;
  BpOptimizer     *opt;
  BpTrainer       *trainer;   /* NULL for the raw loop */
  BpTrace         *trace;     /* the raw loop's */
  const BpDataset *ds;
  gsize            batch;
} OursSide;

static void
ours_side_free (OursSide *side)
{
  if (side == NULL)
    return;
  g_clear_pointer (&side->trainer, bp_trainer_free);
  g_clear_pointer (&side->trace, bp_trace_free);
  g_clear_pointer (&side->opt, bp_optimizer_free);
  g_clear_pointer (&side->net, bp_network_free);
  g_free (side);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OursSide, ours_side_free)

/* widths[0] is the input width, then one per layer. */
static OursSide *
ours_side_new (const gsize     *widths,
               gsize            n_widths,
               const OursSpec  *spec,
               const BpDataset *ds,
               gboolean         use_trainer,
               gboolean         keep_trace,
               GError         **error)
{
  g_autoptr(OursSide) side = g_new0 (OursSide, 1);
  BpRng rng;

  side->ds = ds;
  side->batch = spec->batch;
  side->net = bp_network_new (widths[0], error);
  if (side->net == NULL)
    return NULL;
  for (gsize l = 1; l < n_widths; l++)
    if (!bp_network_add_layer (side->net, widths[l],
                               l + 1 < n_widths ? spec->hidden : spec->output,
                               NULL, error))
      return NULL;
  if (!bp_network_set_cost (side->net, spec->cost, NULL, error))
    return NULL;
  bp_rng_init (&rng, BENCH_SEED);
  bp_network_init_weights (side->net, spec->init, &rng);

  side->opt = bp_optimizer_new (NULL, "sgd", side->net->n_params, error);
  if (side->opt == NULL)
    return NULL;
  if (!bp_optimizer_set (side->opt, "lr", spec->lr, error))
    return NULL;

  if (use_trainer)
    {
      BpTrainConfig config = {
        .batch_size = spec->batch,
        .shuffle = FALSE,
        .seed = BENCH_SEED,
        .keep_trace = keep_trace,
      };

      side->trainer = bp_trainer_new (side->net, side->opt, ds, NULL,
                                      &config, error);
      if (side->trainer == NULL)
        return NULL;
    }
  else
    {
      side->trace = bp_trace_new (side->net, spec->batch);
      side->trace->keep = keep_trace;
    }
  return g_steal_pointer (&side);
}

/* One epoch through bp_trainer_step: what the app's training loop does. */
static gboolean
ours_trainer_chunk (gpointer   data,
                    guint64   *n_samples,
                    GError   **error)
{
  OursSide *side = data;
  gsize steps = side->ds->n_rows / side->batch;

  for (gsize i = 0; i < steps; i++)
    if (!bp_trainer_step (side->trainer, error))
      return FALSE;
  *n_samples += steps * side->batch;
  return TRUE;
}

/* The end of a raw loop's epoch of r samples: an error naming `loop` if
 * its loss is not finite, else r samples more in *n_samples. */
static gboolean
raw_chunk_done (const char  *loop,
                double       loss,
                gsize        r,
                guint64     *n_samples,
                GError     **error)
{
  if (!isfinite (loss))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_NUMERIC,
                   "the %s training loop diverged (loss %g)", loop, loss);
      return FALSE;
    }
  *n_samples += r;
  return TRUE;
}

/* One epoch of zero_grad, forward, backward, optimizer step and nothing
 * else: the floor the trainer's bookkeeping sits on. */
static gboolean
ours_raw_chunk (gpointer   data,
                guint64   *n_samples,
                GError   **error)
{
  OursSide *side = data;
  const BpDataset *ds = side->ds;
  gsize B = side->batch;
  double loss = 0.0;
  gsize r;

  for (r = 0; r + B <= ds->n_rows; r += B)
    {
      loss += bp_network_gradients (side->net, side->trace, ds->X + r * ds->n_features,
                                    ds->Y + r * ds->n_targets, B);
      bp_optimizer_step (side->opt, side->net->params, side->net->grads);
    }
  return raw_chunk_done ("raw", loss, r, n_samples, error);
}

static void
ours_report (gpointer data)
{
  OursSide *side = data;
  double loss, accuracy;

  bp_evaluate (side->net, side->ds, &loss, &accuracy);
  g_print ("  %-46s loss %.4g, accuracy %.3f\n", "", loss, accuracy);
}

/* Fills *out with a side training through bp_trainer_step (use_trainer) or
 * the raw loop. */
static gboolean
ours_side_init (BenchSide       *out,
                const char      *key,
                const char      *label,
                const gsize     *widths,
                gsize            n_widths,
                const OursSpec  *spec,
                const BpDataset *ds,
                gboolean         use_trainer,
                gboolean         keep_trace,
                GError         **error)
{
  OursSide *side;

  side = ours_side_new (widths, n_widths, spec, ds, use_trainer, keep_trace, error);
  if (side == NULL)
    return FALSE;
  *out = (BenchSide) {
    .key = g_strdup (key),
    .label = label,
    .chunk = use_trainer ? ours_trainer_chunk : ours_raw_chunk,
    .report = ours_report,
    .free_data = (GDestroyNotify) ours_side_free,
    .data = side,
  };
  return TRUE;
}

#ifdef BENCH_HAVE_OPENBLAS
/* ------------------------------------------------------------ BLAS's side
 *
 * T3's raw loop (relu hidden layers, softmax + softmax_ce, mean over the
 * batch, SGD through bp_optimizer_step) with the products through
 * cblas_dgemm on the same network and data.  For comparison only. */

typedef struct
{
  OursSide *ours;
  double   *a[BP_MAX_LAYERS];   /* B × out of each layer */
  double   *delta;              /* B × widest */
  double   *g;                  /* B × widest */
} BlasSide;

static void
blas_side_free (BlasSide *side)
{
  if (side == NULL)
    return;
  for (gsize l = 0; l < BP_MAX_LAYERS; l++)
    g_free (side->a[l]);
  g_free (side->delta);
  g_free (side->g);
  ours_side_free (side->ours);
  g_free (side);
}

static gboolean
blas_chunk (gpointer   data,
            guint64   *n_samples,
            GError   **error)
{
  BlasSide *side = data;
  BpNetwork *net = side->ours->net;
  const BpDataset *ds = side->ours->ds;
  gsize B = side->ours->batch, N = net->n_layers;
  double loss = 0.0;
  gsize r;

  for (r = 0; r + B <= ds->n_rows; r += B)
    {
      const double *x = ds->X + r * ds->n_features, *y = ds->Y + r * ds->n_targets;
      gsize out_n = net->layers[N - 1].out;

      bp_network_zero_grad (net);
      /* z(n) = W(n) a(n−1) + b(n): Z (B × out) = A (B × in) · Wᵀ + b */
      for (gsize l = 0; l < N; l++)
        {
          const BpLayer *L = &net->layers[l];
          const double *in = l > 0 ? side->a[l - 1] : x;
          double *z = side->a[l];

          for (gsize s = 0; s < B; s++)
            memcpy (z + s * L->out, L->b, L->out * sizeof (double));
          cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) B, (int) L->out,
                       (int) L->in, 1.0, in, (int) L->in, L->W, (int) L->in, 1.0, z,
                       (int) L->out);
          if (l + 1 < N)
            for (gsize i = 0; i < B * L->out; i++)
              z[i] = z[i] > 0 ? z[i] : 0.0;
          else
            for (gsize s = 0; s < B; s++)
              {
                double *zs = z + s * L->out, m = zs[0], sum = 0.0;

                for (gsize j = 1; j < L->out; j++)
                  m = MAX (m, zs[j]);
                for (gsize j = 0; j < L->out; j++)
                  sum += (zs[j] = exp (zs[j] - m));
                for (gsize j = 0; j < L->out; j++)
                  zs[j] /= sum;
              }
        }
      /* δ(N) = (softmax(z) − y) / B */
      for (gsize i = 0; i < B * out_n; i++)
        {
          if (y[i] > 0)
            loss -= y[i] * log (side->a[N - 1][i]) / (double) B;
          side->delta[i] = (side->a[N - 1][i] - y[i]) / (double) B;
        }
      for (gsize l = N; l-- > 0;)
        {
          BpLayer *L = &net->layers[l];
          const double *in = l > 0 ? side->a[l - 1] : x;

          /* ∂C/∂W += δᵀ A,  ∂C/∂b += Σ_s δ_s */
          cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) L->out, (int) L->in,
                       (int) B, 1.0, side->delta, (int) L->out, in, (int) L->in, 1.0, L->dW,
                       (int) L->in);
          for (gsize s = 0; s < B; s++)
            for (gsize j = 0; j < L->out; j++)
              L->db[j] += side->delta[s * L->out + j];
          if (l == 0)
            break;
          /* ∂C/∂a(n−1) = δ W;  δ(n−1) = relu′ ⊙ that */
          cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) B, (int) L->in,
                       (int) L->out, 1.0, side->delta, (int) L->out, L->W, (int) L->in, 0.0,
                       side->g, (int) L->in);
          for (gsize i = 0; i < B * L->in; i++)
            side->delta[i] = side->a[l - 1][i] > 0 ? side->g[i] : 0.0;
        }
      bp_optimizer_step (side->ours->opt, net->params, net->grads);
    }
  return raw_chunk_done ("BLAS", loss, r, n_samples, error);
}

static void
blas_report (gpointer data)
{
  ours_report (((BlasSide *) data)->ours);
}

static gboolean
blas_side_init (BenchSide       *out,
                const char      *key,
                const char      *label,
                const gsize     *widths,
                gsize            n_widths,
                const OursSpec  *spec,
                const BpDataset *ds,
                GError         **error)
{
  BlasSide *side = g_new0 (BlasSide, 1);
  gsize widest = 0;

  side->ours = ours_side_new (widths, n_widths, spec, ds, FALSE, FALSE, error);
  if (side->ours == NULL)
    {
      g_free (side);
      return FALSE;
    }
  for (gsize i = 0; i < n_widths; i++)
    widest = MAX (widest, widths[i]);
  for (gsize l = 0; l < side->ours->net->n_layers; l++)
    side->a[l] = g_new (double, spec->batch * side->ours->net->layers[l].out);
  side->delta = g_new (double, spec->batch * widest);
  side->g = g_new (double, spec->batch * widest);
  *out = (BenchSide) {
    .key = g_strdup (key),
    .label = label,
    .chunk = blas_chunk,
    .report = blas_report,
    .free_data = (GDestroyNotify) blas_side_free,
    .data = side,
  };
  return TRUE;
}
#endif

/* ---------------------------------------------------------------- workloads */

/* The slots of a workload's sides; a slot may stay empty. */
enum
{
  SIDE_OURS,        /* bp_trainer_step, keep_trace FALSE */
  SIDE_RAW,         /* forward/backward/step without the trainer */
  SIDE_KEEP,        /* bp_trainer_step, keep_trace TRUE */
  SIDE_FANN,        /* incremental */
  SIDE_FANN_BATCH,
  SIDE_BLAS,        /* T3's raw loop through cblas_dgemm */
  N_SIDES
};

static void
clear_sides (BenchSide *sides)
{
  for (gsize i = 0; i < N_SIDES; i++)
    bench_side_clear (&sides[i]);
}

/* T1/T2: online SGD on 1000 points of "circles". */
static gboolean
run_online (const char      *name,
            const gsize     *widths,
            gsize            n_widths,
            const BpDataset *ds,
            double           issue_fann,
            double           target,
            gboolean         with_k,
            GError         **error)
{
  const OursSpec spec = {
    .hidden = "tanh", .output = "sigmoid", .cost = "mse",
    .init = BP_INIT_GLOROT_UNIFORM, .lr = 0.1, .batch = 1,
  };
  BenchSide sides[N_SIDES] = { { 0 } };
  g_autofree char *shape = NULL;
  g_autofree char *row = NULL;
  gboolean ok = FALSE;
  char key[32];

  {
    GString *str = g_string_new (NULL);

    for (gsize l = 0; l < n_widths; l++)
      g_string_append_printf (str, "%s%" G_GSIZE_FORMAT, l ? "-" : "", widths[l]);
    shape = g_string_free (str, FALSE);
  }
  g_print ("\n%s: %s, tanh hidden, sigmoid output, mse, online SGD lr %.2g, "
           "%" G_GSIZE_FORMAT " rows of circles\n",
           name, shape, spec.lr, ds->n_rows);

  g_snprintf (key, sizeof key, "%s-ours", name);
  if (!ours_side_init (&sides[SIDE_OURS], key, "ours: bp_trainer_step, keep_trace FALSE",
                       widths, n_widths, &spec, ds, TRUE, FALSE, error))
    goto out;
  g_snprintf (key, sizeof key, "%s-ours-raw", name);
  if (!ours_side_init (&sides[SIDE_RAW], key, "ours: raw forward/backward/step loop",
                       widths, n_widths, &spec, ds, FALSE, FALSE, error))
    goto out;
  g_snprintf (key, sizeof key, "%s-ours-keep", name);
  if (with_k
      && !ours_side_init (&sides[SIDE_KEEP], key, "ours: bp_trainer_step, keep_trace TRUE",
                          widths, n_widths, &spec, ds, TRUE, TRUE, error))
    goto out;
  g_snprintf (key, sizeof key, "%s-fann", name);
  if (!opt_ours_only
      && !bench_fann_side_init (&sides[SIDE_FANN], key, "FANN: fann_train_epoch, incremental",
                                widths, n_widths, FANN_SIGMOID_SYMMETRIC, 1.0,
                                FANN_SIGMOID, 0.5, FANN_TRAIN_INCREMENTAL, spec.lr,
                                ds, error))
    goto out;
  if (!bench_measure (sides, N_SIDES, error))
    goto out;

  row = g_strdup_printf ("%s %s online SGD vs FANN", name, shape);
  add_row (row, sides[SIDE_OURS].result.best, sides[SIDE_FANN].result.best,
           issue_fann, target, ROW_SPEEDUP);
  g_free (row);
  row = g_strdup_printf ("%s   raw loop (no trainer) vs FANN", name);
  add_row (row, sides[SIDE_RAW].result.best, sides[SIDE_FANN].result.best,
           issue_fann, target, ROW_INFO);
  if (with_k)
    {
      g_free (row);
      row = g_strdup_printf ("K-%s keep_trace cost", name);
      add_row (row, sides[SIDE_KEEP].result.best, sides[SIDE_OURS].result.best,
               NAN, 1.2, ROW_SLOWDOWN);
    }
  ok = TRUE;

out:
  clear_sides (sides);
  return ok;
}

/* T3: 784-128-64-10 on random digits-like rows, mini-batch 32. */
static gboolean
run_t3 (gboolean   with_k,
        GError   **error)
{
  static const gsize widths[] = { 784, 128, 64, 10 };
  const OursSpec spec = {
    .hidden = "relu", .output = "softmax", .cost = "softmax_ce",
    .init = BP_INIT_HE_UNIFORM, .lr = 0.01, .batch = 32,
  };
  g_autoptr(BpDataset) ds = fixture_random_classification ("random-digits", 2048, 784, 10, BENCH_SEED);
  BenchSide sides[N_SIDES] = { { 0 } };
  const BenchResult *fann;
  gboolean ok = FALSE;

  g_print ("\nT3: 784-128-64-10, relu hidden, softmax + softmax_ce, SGD lr %.2g, "
           "mini-batch %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT " random rows\n"
           "    (FANN: linear_piece hidden, sigmoid outputs, mse; it has no "
           "relu, softmax or mini-batches)\n",
           spec.lr, spec.batch, ds->n_rows);

  if (!ours_side_init (&sides[SIDE_OURS], "T3-ours", "ours: bp_trainer_step, keep_trace FALSE",
                       widths, G_N_ELEMENTS (widths), &spec, ds, TRUE, FALSE, error))
    goto out;
  if (!ours_side_init (&sides[SIDE_RAW], "T3-ours-raw", "ours: raw forward/backward/step loop",
                       widths, G_N_ELEMENTS (widths), &spec, ds, FALSE, FALSE, error))
    goto out;
  if (with_k
      && !ours_side_init (&sides[SIDE_KEEP], "T3-ours-keep", "ours: bp_trainer_step, keep_trace TRUE",
                          widths, G_N_ELEMENTS (widths), &spec, ds, TRUE, TRUE, error))
    goto out;
#ifdef BENCH_HAVE_OPENBLAS
  if (!blas_side_init (&sides[SIDE_BLAS], "T3-blas-raw",
                       "BLAS: raw loop, cblas_dgemm (bits vary by CPU)",
                       widths, G_N_ELEMENTS (widths), &spec, ds, error))
    goto out;
#endif
  if (!opt_ours_only
      && !bench_fann_side_init (&sides[SIDE_FANN], "T3-fann-incremental",
                                "FANN: incremental (per-sample update)",
                                widths, G_N_ELEMENTS (widths), FANN_LINEAR_PIECE, 1.0,
                                FANN_SIGMOID, 0.5, FANN_TRAIN_INCREMENTAL, spec.lr, ds, error))
    goto out;
  if (!opt_ours_only
      && !bench_fann_side_init (&sides[SIDE_FANN_BATCH], "T3-fann-batch",
                                "FANN: batch (one update per epoch)",
                                widths, G_N_ELEMENTS (widths), FANN_LINEAR_PIECE, 1.0,
                                FANN_SIGMOID, 0.5, FANN_TRAIN_BATCH, spec.lr, ds, error))
    goto out;
  if (!bench_measure (sides, N_SIDES, error))
    goto out;

  /* Compare against whichever of FANN's two modes is faster. */
  fann = sides[SIDE_FANN_BATCH].result.best > sides[SIDE_FANN].result.best
       ? &sides[SIDE_FANN_BATCH].result : &sides[SIDE_FANN].result;
  if (!opt_ours_only)
    g_print ("  reference: FANN %s (the faster mode)\n",
             fann == &sides[SIDE_FANN_BATCH].result ? "batch" : "incremental");
  add_row ("T3 784-128-64-10 B=32 vs FANN (nearest)", sides[SIDE_OURS].result.best,
           fann->best, ISSUE_FANN_T3, 3.0, ROW_SPEEDUP);
  add_row ("T3   raw loop (no trainer) vs FANN", sides[SIDE_RAW].result.best,
           fann->best, ISSUE_FANN_T3, 3.0, ROW_INFO);
  add_row ("T3 vs PyTorch (issue figure, constant)", sides[SIDE_OURS].result.best,
           ISSUE_TORCH_T3, NAN, 0.0, ROW_INFO);
  if (sides[SIDE_BLAS].key != NULL)
    add_row ("T3   raw loop, ours vs cblas_dgemm", sides[SIDE_RAW].result.best,
             sides[SIDE_BLAS].result.best, NAN, 0.0, ROW_INFO);
  if (with_k)
    add_row ("K-T3 keep_trace cost", sides[SIDE_KEEP].result.best,
             sides[SIDE_OURS].result.best, NAN, 1.2, ROW_SLOWDOWN);
  ok = TRUE;

out:
  clear_sides (sides);
  return ok;
}

/* ---------------------------------------------------------------- main */

static gboolean
workload_selected (const char *name)
{
  g_auto(GStrv) names = NULL;

  if (opt_workloads == NULL)
    return TRUE;
  names = g_strsplit (opt_workloads, ",", -1);
  for (char **n = names; *n != NULL; n++)
    if (g_ascii_strcasecmp (g_strstrip (*n), name) == 0)
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------ T4, T5: the layer types
 *
 * Batch norm and residual networks on T3's data, against PyTorch only.
 * Built from a model file's text, so that this program builds on a core
 * without the layer types: such a core drops the fields it does not know,
 * the model written back lacks the probe string, and the workload is
 * skipped with a line that says so.  The weights are drawn from the seed
 * (no "W" in the file), the optimizer is SGD lr 0.01, as T3's. */

#define BENCH_MODEL_HEAD "{\"format\": \"backprop-model/1\", \"name\": \"%s\", " \
                         "\"seed\": 20240501, \"init\": \"he_uniform\", \"layers\": ["
#define BENCH_MODEL_TAIL "], \"cost\": \"softmax_ce\", " \
                         "\"optimizer\": {\"id\": \"sgd\", \"lr\": 0.01}}"

typedef struct
{
  const char *name;      /* T4, T5 */
  const char *shape;
  const char *layers;    /* the "layers" array's members */
  const char *probe;     /* in the written-back model only with the layer types */
} LayersSpec;

static const LayersSpec layers_specs[] = {
  { "T4", "784-128-bn-64-bn-10 batch norm B=32",
    "{\"in\": 784, \"out\": 128, \"activation\": \"linear\"}, "
    "{\"type\": \"batchnorm\", \"in\": 128, \"out\": 128, \"activation\": \"relu\"}, "
    "{\"in\": 128, \"out\": 64, \"activation\": \"linear\"}, "
    "{\"type\": \"batchnorm\", \"in\": 64, \"out\": 64, \"activation\": \"relu\"}, "
    "{\"in\": 64, \"out\": 10, \"activation\": \"softmax\"}",
    "batchnorm" },
  { "T5", "784-128-128-128-10 residual B=32",
    "{\"in\": 784, \"out\": 128, \"activation\": \"relu\"}, "
    "{\"in\": 128, \"out\": 128, \"activation\": \"relu\", \"skip_from\": 1}, "
    "{\"in\": 128, \"out\": 128, \"activation\": \"relu\", \"skip_from\": 2}, "
    "{\"in\": 128, \"out\": 10, \"activation\": \"softmax\"}",
    "skip_from" },
};

/* Our side of a T4/T5 workload: bp_trainer_step, keep_trace FALSE, on the
 * model's network.  FALSE with *supported FALSE (and no error) when the
 * core does not have the layer types. */
static gboolean
layers_side_init (BenchSide        *out,
                  const LayersSpec *spec,
                  const BpDataset  *ds,
                  gboolean         *supported,
                  GError          **error)
{
  g_autofree char *text = g_strdup_printf (BENCH_MODEL_HEAD "%s" BENCH_MODEL_TAIL,
                                           spec->name, spec->layers);
  g_autoptr(OursSide) side = g_new0 (OursSide, 1);
  g_autofree char *back = NULL;
  BpModel *model;
  BpTrainConfig config = {
    .batch_size = 32, .shuffle = FALSE, .seed = BENCH_SEED, .keep_trace = FALSE,
  };

  *supported = FALSE;
  model = bp_model_load_data (text, -1, spec->name, NULL, error);
  if (model == NULL)
    return FALSE;
  back = bp_model_to_json (model, NULL);
  if (strstr (back, spec->probe) == NULL)
    {
      bp_model_free (model);
      return FALSE;
    }
  *supported = TRUE;
  side->ds = ds;
  side->batch = config.batch_size;
  side->net = g_steal_pointer (&model->network);
  side->opt = g_steal_pointer (&model->optimizer);
  bp_model_free (model);
  side->trainer = bp_trainer_new (side->net, side->opt, ds, NULL, &config, error);
  if (side->trainer == NULL)
    return FALSE;
  *out = (BenchSide) {
    .key = g_strdup_printf ("%s-ours", spec->name),
    .label = "ours: bp_trainer_step, keep_trace FALSE",
    .chunk = ours_trainer_chunk,
    .report = ours_report,
    .free_data = (GDestroyNotify) ours_side_free,
    .data = g_steal_pointer (&side),
  };
  return TRUE;
}

static gboolean
run_layers (const LayersSpec *spec,
            const BpDataset  *ds,
            GError          **error)
{
  BenchSide sides[N_SIDES] = { { 0 } };
  gboolean supported, ok = FALSE;
  g_autofree char *row = NULL;

  g_print ("\n%s: %s, softmax_ce, SGD lr 0.01, %" G_GSIZE_FORMAT " random rows "
           "(reference: PyTorch, through run-bench.sh)\n", spec->name, spec->shape, ds->n_rows);
  if (!layers_side_init (&sides[SIDE_OURS], spec, ds, &supported, error))
    {
      if (supported || (error != NULL && *error != NULL))
        goto out;
      g_print ("  skipped: this core has no %s layers (the layer types of issue 13)\n",
               spec->probe);
      ok = TRUE;
      goto out;
    }
  if (!bench_measure (sides, N_SIDES, error))
    goto out;
  row = g_strdup_printf ("%s %s", spec->name, spec->shape);
  add_row (row, sides[SIDE_OURS].result.best, NAN, NAN, NAN, ROW_INFO);
  ok = TRUE;

out:
  clear_sides (sides);
  return ok;
}

/* One thread: keep OpenBLAS to one, and with --pin stay on one CPU.
 * OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded, before main, so
 * the setenv is only for anything that starts later; the call is what
 * counts. */
static void
single_core (void)
{
  g_setenv ("OPENBLAS_NUM_THREADS", "1", TRUE);
#ifdef BENCH_HAVE_OPENBLAS
  openblas_set_num_threads (1);
#endif

  if (opt_pin)
    {
      cpu_set_t set;
      int cpu = sched_getcpu ();

      CPU_ZERO (&set);
      CPU_SET (cpu < 0 ? 0 : cpu, &set);
      if (sched_setaffinity (0, sizeof set, &set) != 0)
        g_printerr ("bench-train: cannot pin to CPU %d: %s\n", cpu, g_strerror (errno));
      else
        g_print ("pinned to CPU %d\n", cpu);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) circles = NULL;
  gboolean with_k;

  context = g_option_context_new ("- training throughput: Backprop Studio vs FANN");
  g_option_context_add_main_entries (context, option_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-train: %s\n", error->message);
      return 2;
    }
  if (opt_reps < 3 || opt_reps > BENCH_MAX_REPS || !(opt_min_time > 0.0))
    {
      g_printerr ("bench-train: need 3 <= --reps <= %d and --min-time > 0\n",
                  BENCH_MAX_REPS);
      return 2;
    }

  single_core ();
  g_print ("bench-train: build %s, FANN %s (doublefann), double precision, one thread, "
           "timed by %s\n", BENCH_BUILDTYPE, BENCH_FANN_VERSION,
           opt_cpu_time ? "the thread's CPU time" : "the wall clock");
#ifdef BENCH_HAVE_OPENBLAS
  g_print ("OpenBLAS: %s\n", openblas_get_config ());
#endif

  rows = g_array_new (FALSE, TRUE, sizeof (BenchRow));
  g_array_set_clear_func (rows, bench_row_clear);
  if (opt_summary != NULL)
    summary = g_string_new (NULL);
  with_k = workload_selected ("k");

  if (workload_selected ("t1") || workload_selected ("t2") || with_k)
    {
      circles = bp_dataset_generate ("circles", 1000, 0.1, BENCH_SEED, &error);
      if (circles == NULL)
        goto fail;
    }
  if (workload_selected ("t1") || with_k)
    {
      static const gsize t1[] = { 2, 8, 8, 1 };

      if (!run_online ("T1", t1, G_N_ELEMENTS (t1), circles,
                       ISSUE_FANN_T1, 2.0, with_k, &error))
        goto fail;
    }
  if (workload_selected ("t2"))
    {
      static const gsize t2[] = { 2, 64, 64, 64, 1 };

      if (!run_online ("T2", t2, G_N_ELEMENTS (t2), circles,
                       ISSUE_FANN_T2, 3.0, FALSE, &error))
        goto fail;
    }
  if (workload_selected ("t3") || with_k)
    {
      if (!run_t3 (with_k, &error))
        goto fail;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (layers_specs); i++)
    if (workload_selected (layers_specs[i].name))
      {
        /* T3's rows */
        g_autoptr(BpDataset) ds = fixture_random_classification ("random-digits", 2048, 784, 10, BENCH_SEED);

        if (!run_layers (&layers_specs[i], ds, &error))
          goto fail;
      }

  print_table ();
  if (summary != NULL
      && !g_file_set_contents (opt_summary, summary->str, summary->len, &error))
    goto fail;

  g_clear_pointer (&rows, g_array_unref);
  if (summary != NULL)
    g_string_free (summary, TRUE);
  return EXIT_SUCCESS;

fail:
  g_printerr ("bench-train: %s\n", error->message);
  return EXIT_FAILURE;
}
