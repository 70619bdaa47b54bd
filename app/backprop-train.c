/* backprop-train.c — `backprop train`: train a model file (or the built-in
 * default experiment) and write it back with its optimizer state.
 *
 * Two modes:
 *   epochs  the model's dataset (or --dataset), split into train/test,
 *           mini-batch epochs through BpTrainer;
 *   steps   --steps N: exactly N optimizer steps, full-batch on the model's
 *           inline batch when it has one (and no --dataset is given),
 *           otherwise N mini-batch steps on the dataset.
 *
 * Progress goes to a terminal on stderr as one redrawn line, or else as
 * plain lines on stdout about every 10 % of the run; the summary always goes
 * to stdout.  At the same marks a mini-batch run (an inline-batch run at
 * its end) reads the app's verdict on its gradient norms, and names each
 * layer that vanishes or explodes once on stderr, in the app's words.
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bp-diagnostics.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-trainer.h"

#define REDRAW_INTERVAL_US 50000  /* the bar redraws at most ~20 times a second */
#define BAR_WIDTH          24
#define MAX_ROWS           G_GUINT64_CONSTANT (1000000)
#define MAX_BATCH_SIZE     G_GUINT64_CONSTANT (1000000)

/* ----------------------------------------------------------------- progress */

typedef struct
{
  gboolean    bar;           /* redraw a bar in place on stderr (a terminal) */
  gboolean    plain;         /* plain lines on stdout */
  const char *unit;          /* "epoch" or "step" */
  guint64     total;
  guint64     done;          /* units completed */
  guint64     every;         /* a plain line every this many units */
  gint64      start_us;
  gint64      last_draw_us;
  gboolean    drawn;         /* a bar is on the terminal now */
  double      loss;          /* last known, NaN until there is one */
  double      accuracy;
} Progress;

static void
progress_init (Progress   *p,
               const char *unit,
               guint64     total,
               gboolean    quiet)
{
  memset (p, 0, sizeof *p);
  p->bar = !quiet && isatty (STDERR_FILENO);
  p->plain = !quiet && !p->bar;
  p->unit = unit;
  p->total = total;
  p->every = MAX (total / 10, 1);
  p->start_us = g_get_monotonic_time ();
  p->loss = NAN;
  p->accuracy = NAN;
}

static void
format_duration (char   *buf,
                 gsize   size,
                 double  seconds)
{
  guint s;

  if (!(seconds >= 0) || seconds > 359999)
    {
      g_strlcpy (buf, "--:--", size);
      return;
    }
  s = (guint) (seconds + 0.5);
  if (s >= 3600)
    g_snprintf (buf, size, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (buf, size, "%u:%02u", s / 60, s % 60);
}

/* `fraction` is how much of the unit in progress is done (epochs report it
 * per mini-batch); 0 between units. */
static void
progress_draw (Progress *p,
               double    fraction,
               gboolean  force)
{
  char bar[BAR_WIDTH + 1];
  char eta[16];
  gint64 now;
  double overall, elapsed;
  guint64 current;
  gsize filled;

  if (!p->bar || p->total == 0)
    return;

  now = g_get_monotonic_time ();
  if (!force && p->drawn && now - p->last_draw_us < REDRAW_INTERVAL_US)
    return;
  p->last_draw_us = now;
  p->drawn = TRUE;

  fraction = CLAMP (fraction, 0.0, 1.0);
  overall = CLAMP (((double) p->done + fraction) / (double) p->total, 0.0, 1.0);
  elapsed = (double) (now - p->start_us) / G_USEC_PER_SEC;
  format_duration (eta, sizeof eta,
                   overall > 0 ? elapsed * (1 - overall) / overall : -1);

  filled = (gsize) (overall * BAR_WIDTH);
  filled = MIN (filled, BAR_WIDTH);
  memset (bar, '#', filled);
  memset (bar + filled, '.', BAR_WIDTH - filled);
  bar[BAR_WIDTH] = '\0';

  current = fraction > 0 ? p->done + 1 : MAX (p->done, 1);
  current = MIN (current, p->total);

  fprintf (stderr, "\r%s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " [%s]",
           p->unit, current, p->total, bar);
  if (!isnan (p->loss))
    fprintf (stderr, " loss %.4g", p->loss);
  if (!isnan (p->accuracy))
    fprintf (stderr, " acc %.3f", p->accuracy);
  fprintf (stderr, " ETA %s\033[K", eta);
  fflush (stderr);
}

/* Leaves the terminal line empty, for the summary or an error. */
static void
progress_clear (Progress *p)
{
  if (p->bar && p->drawn)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      p->drawn = FALSE;
    }
}

/* About every 10 % of the run, and its end. */
static gboolean
progress_at_mark (const Progress *p)
{
  return p->done % p->every == 0 || p->done == p->total;
}

static gboolean
progress_plain_due (const Progress *p)
{
  return p->plain && progress_at_mark (p);
}

/* What bp_trainer_run_epoch reports to after each step: the bar, and the
 * recording (--record) of every step. */
typedef struct
{
  Progress  *p;
  BpRecord  *rec;      /* NULL: not recording */
  BpTrainer *trainer;
} EpochWatch;

static void
on_epoch_progress (double   fraction,
                   gpointer data)
{
  EpochWatch *w = data;

  /* The shapes of a run do not change under it: the add cannot fail. */
  if (w->rec != NULL)
    bp_record_add (w->rec, w->trainer->net, w->trainer->opt, w->trainer, NULL);
  progress_draw (w->p, fraction, FALSE);
}

/* ----------------------------------------------------------- grad warnings */

/* The app's gradient-norm plot flags the layers whose ‖∂C/∂W(n)‖ (‖∂C/∂γ‖
 * of a norm layer) vanishes or explodes; the CLI reads the same verdict
 * off the trainer's records (bp_diag_grad_net_health: dropout layers, which
 * have no parameters, left out as the plot leaves them out) and warns of
 * each layer and kind once.  It reads it at the progress marks, not after
 * every step: the verdict smooths all the records (up to
 * BP_GRAD_NORM_MAX_RECORDS per layer), so about ten reads cost nothing
 * next to the run. */
typedef struct
{
  gboolean         enabled;   /* FALSE with --quiet */
  const BpNetwork *net;
  gboolean        *warned;    /* n_layers × BP_DIAG_GRAD_N_KINDS */
} GradWarnings;

static void
grad_warnings_init (GradWarnings    *w,
                    const BpNetwork *net,
                    gboolean         quiet)
{
  w->enabled = !quiet;
  w->net = net;
  w->warned = g_new0 (gboolean, MAX (net->n_layers, 1) * BP_DIAG_GRAD_N_KINDS);
}

static void
grad_warnings_clear (GradWarnings *w)
{
  g_clear_pointer (&w->warned, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GradWarnings, grad_warnings_clear)

/* e.g. "backprop: warning: ⚠ W(1), γ(2) vanishing at step 400 (vanishing:
 * below 10⁻³ × median of the other layers)", for the layers and kinds not
 * warned of before.  `norms` holds the records as BpTrainer.grad_norms
 * (may be NULL); p may be NULL (no progress line to clear). */
static void
grad_warnings_check (GradWarnings *w,
                     const GArray *norms,
                     guint64       step,
                     Progress     *p)
{
  gsize n_layers = w->net->n_layers;
  g_autofree double *latest = NULL;
  g_autofree BpDiagGradHealth *health = NULL;
  g_autofree char *verdict = NULL;
  gboolean vanishing = FALSE, exploding = FALSE;

  if (!w->enabled || n_layers == 0 || norms == NULL)
    return;
  latest = g_new (double, n_layers);
  health = g_new (BpDiagGradHealth, n_layers);
  if (!bp_diag_grad_net_health (w->net, (const double *) (void *) norms->data,
                                norms->len / n_layers, latest, health))
    return;
  /* Only what is new goes into this warning. */
  for (gsize l = 0; l < n_layers; l++)
    if (health[l] != BP_DIAG_GRAD_OK)
      {
        gboolean *seen = &w->warned[l * BP_DIAG_GRAD_N_KINDS
                                    + bp_diag_grad_kind (latest[l], health[l])];

        if (*seen)
          health[l] = BP_DIAG_GRAD_OK;
        *seen = TRUE;
        vanishing |= health[l] == BP_DIAG_GRAD_VANISHING;
        exploding |= health[l] == BP_DIAG_GRAD_EXPLODING;
      }
  verdict = bp_diag_grad_net_verdict (w->net, latest, health);
  if (verdict == NULL)
    return;
  if (p != NULL)
    progress_clear (p);
  fprintf (stderr, _("backprop: warning: %s at step %" PRIu64 " (%s%s%s)\n"),
           verdict, step,
           vanishing ? _(BP_DIAG_GRAD_VANISHING_TEXT) : "",
           vanishing && exploding ? "; " : "",
           exploding ? _(BP_DIAG_GRAD_EXPLODING_TEXT) : "");
  fflush (stderr);
}

/* ------------------------------------------------------------------ summary */

typedef struct
{
  char       *data_name;     /* "spirals", "its inline batch"; owned */
  guint64     epochs;        /* 0 in steps mode */
  guint64     steps;
  double      seconds;
  double      samples;       /* samples pushed through forward/backward */
  double      train_loss;
  double      train_accuracy;
  gsize       train_rows;
  double      test_loss;     /* NaN: no test set */
  double      test_accuracy;
  gsize       test_rows;
  double      loss_before;   /* NaN unless measured */
} Summary;

static void
summary_clear (Summary *s)
{
  g_clear_pointer (&s->data_name, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Summary, summary_clear)

static void
print_stats_line (const char *label,
                  double      loss,
                  double      accuracy,
                  gsize       rows)
{
  printf ("  %-5s  loss %.6g", label, loss);
  if (!isnan (accuracy))
    printf ("  accuracy %.4f", accuracy);
  printf ("  (%" G_GSIZE_FORMAT " rows)\n", rows);
}

static void
print_summary (const Summary *s,
               const char    *output)
{
  printf ("trained on %s: ", s->data_name);
  if (s->epochs > 0)
    printf ("%" G_GUINT64_FORMAT " epoch%s, ", s->epochs, s->epochs == 1 ? "" : "s");
  printf ("%" G_GUINT64_FORMAT " step%s in %.3f s", s->steps,
          s->steps == 1 ? "" : "s", s->seconds);
  if (s->seconds > 0)
    printf (" (%.0f samples/s)", s->samples / s->seconds);
  printf ("\n");

  if (!isnan (s->loss_before))
    printf ("  loss   %.6g -> %.6g  (%" G_GSIZE_FORMAT " samples)\n",
            s->loss_before, s->train_loss, s->train_rows);
  else
    print_stats_line ("train", s->train_loss, s->train_accuracy, s->train_rows);
  if (s->test_rows > 0)
    print_stats_line ("test", s->test_loss, s->test_accuracy, s->test_rows);
  printf ("model written to %s\n", output);
}

/* --------------------------------------------------------------- the modes */

/* C of the network on a batch, without touching its gradients. */
static double
batch_cost (BpNetwork    *net,
            const double *x,
            const double *y,
            gsize         B)
{
  g_autoptr(BpTrace) trace = bp_trace_new (net, B);
  /* In eval mode, as bp_evaluate measures: the running statistics of
   * batch norm stay where training left them (they are saved). */
  BpNetwork eval_net = *net;

  eval_net.eval = TRUE;
  bp_network_forward (&eval_net, trace, x, B);
  return bp_network_cost (&eval_net, trace, y);
}

/* The model's inline batch as a dataset of its own, for a trainer. */
static BpDataset *
inline_dataset (const BpModel *model)
{
  return bp_dataset_new_from_rows ("its inline batch", "", BP_TASK_REGRESSION, model->n_samples,
                                   model->network->n_inputs, bp_network_n_outputs (model->network),
                                   model->inputs, model->targets);
}

/* --record on the inline batch: the same full-batch steps through a
 * BpTrainer (one batch of all rows in their order: the same bits as
 * bp_train_steps_on_batch), which is what a recording restores into.  The
 * trainer's ‖∂C/∂W(n)‖ records are appended to `norms` (may be NULL). */
static gboolean
inline_steps_recorded (BpModel   *model,
                       guint64    steps,
                       BpRecord  *rec,
                       GArray    *norms,
                       GError   **error)
{
  g_autoptr(BpDataset) ds = inline_dataset (model);
  g_autoptr(BpTrainer) trainer = NULL;
  BpTrainConfig config = { .batch_size = model->n_samples, .shuffle = FALSE,
                           .seed = model->seed, .keep_trace = TRUE };
  gboolean ok = TRUE;

  trainer = bp_trainer_new (model->network, model->optimizer, ds, NULL, &config, error);
  if (trainer == NULL || !bp_record_add (rec, model->network, model->optimizer, trainer, error))
    return FALSE;
  for (guint64 i = 0; i < steps && ok; i++)
    ok = bp_trainer_step (trainer, error)
         && bp_record_add (rec, model->network, model->optimizer, trainer, error);
  /* The last good step is kept, also when a fault stopped the run. */
  bp_record_add_latest (rec, model->network, model->optimizer, trainer, NULL);
  if (norms != NULL)
    g_array_append_vals (norms, trainer->grad_norms->data, trainer->grad_norms->len);
  return ok;
}

static gboolean
train_on_inline_batch (BpModel    *model,
                       const char *model_name,
                       guint64     steps,
                       gboolean    quiet,
                       BpRecord   *rec,
                       Summary    *summary,
                       GError    **error)
{
  g_auto(GradWarnings) warnings = { 0 };
  g_autoptr(GArray) norms = NULL;
  guint64 norm_stride = 1;
  gint64 start;

  /* No progress marks here: the run's verdict is read once, at its end,
   * from the norms recorded as the trainer records them. */
  grad_warnings_init (&warnings, model->network, quiet);
  if (!quiet)
    norms = g_array_new (FALSE, FALSE, sizeof (double));

  if (!quiet)
    printf ("training %s on its inline batch (%" G_GSIZE_FORMAT " samples): "
            "%" G_GUINT64_FORMAT " full-batch step%s of %s\n",
            model_name, model->n_samples, steps, steps == 1 ? "" : "s",
            model->optimizer->id);

  summary->data_name = g_strdup ("its inline batch");
  summary->loss_before = batch_cost (model->network, model->inputs,
                                     model->targets, model->n_samples);

  start = g_get_monotonic_time ();
  if (!(rec != NULL
        ? inline_steps_recorded (model, steps, rec, norms, error)
        : bp_train_steps_on_batch_recorded (model->network, model->optimizer,
                                            model->inputs, model->targets,
                                            model->n_samples, steps,
                                            norms, &norm_stride, error)))
    {
      g_prefix_error (error, "%s: ", model_name);
      return FALSE;
    }
  fflush (stdout);
  grad_warnings_check (&warnings, norms, steps, NULL);
  summary->seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;

  summary->steps = steps;
  summary->samples = (double) steps * (double) model->n_samples;
  summary->train_rows = model->n_samples;
  summary->train_loss = batch_cost (model->network, model->inputs,
                                    model->targets, model->n_samples);
  summary->train_accuracy = NAN;
  return TRUE;
}

typedef struct
{
  const char *dataset;      /* --dataset, or NULL for the model's */
  gsize       rows;         /* 0: the model's */
  double      noise;        /* < 0: the model's */
  guint64     epochs;       /* 0: the model's */
  guint64     steps;        /* 0: epochs mode */
  gsize       batch_size;   /* 0: the model's */
  gboolean    quiet;
  gboolean    fit_default;  /* no model file: fit the default net to the data */
  BpRecord   *rec;          /* --record: every step goes in; NULL: none */
} DatasetRun;

static gboolean
train_on_dataset (BpModel          *model,
                  const char       *model_name,
                  const DatasetRun *run,
                  Summary          *summary,
                  GError          **error)
{
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpDataset) train = NULL;
  g_autoptr(BpDataset) test = NULL;
  g_autoptr(BpTrainer) trainer = NULL;
  g_auto(GradWarnings) warnings = { 0 };
  BpTrainConfig config = { 0 };
  Progress p;
  guint64 epochs = run->epochs > 0 ? run->epochs : model->epochs;
  gsize batch_size;

  ds = backprop_cli_open_dataset (model, model_name, run->dataset, run->rows,
                            run->noise, run->fit_default, error);
  if (ds == NULL)
    return FALSE;

  /* The written model names the data it was trained on. */
  if (run->dataset != NULL)
    {
      g_free (model->dataset);
      model->dataset = g_strdup (run->dataset);
      if (run->rows > 0)
        model->dataset_rows = run->rows;
      if (run->noise >= 0)
        model->dataset_noise = run->noise;
      if (run->fit_default)
        {
          g_free (model->description);
          model->description = g_strdup_printf ("The default network (tanh hidden layers), "
                                                "fitted to the dataset “%s”.", ds->name);
        }
    }

  bp_dataset_split (ds, model->test_fraction, model->seed, &train, &test);
  if (train == NULL || train->n_rows == 0)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   "%s: no rows left to train on (%" G_GSIZE_FORMAT
                   " rows, test fraction %g)",
                   ds->name, ds->n_rows, model->test_fraction);
      return FALSE;
    }

  batch_size = run->batch_size > 0 ? run->batch_size : model->batch_size;
  if (batch_size == 0 || batch_size > train->n_rows)
    batch_size = train->n_rows;

  config.batch_size = batch_size;
  config.shuffle = TRUE;
  config.seed = model->seed;
  /* The trainer records ‖∂C/∂W(n)‖, which the warnings read, only with
   * the trace kept (as the app keeps it; the weights come out the same
   * bit for bit): --quiet, which warns of nothing, goes without. */
  config.keep_trace = !run->quiet;
  trainer = bp_trainer_new (model->network, model->optimizer, train,
                            test != NULL && test->n_rows > 0 ? test : NULL,
                            &config, error);
  if (trainer == NULL)
    {
      g_prefix_error (error, "%s: ", model_name);
      return FALSE;
    }

  /* Step 0: the network before training. */
  if (run->rec != NULL
      && !bp_record_add (run->rec, model->network, model->optimizer, trainer, error))
    return FALSE;

  grad_warnings_init (&warnings, model->network, run->quiet);
  summary->data_name = g_strdup (ds->name);
  summary->train_rows = train->n_rows;
  summary->test_rows = test != NULL ? test->n_rows : 0;

  if (!run->quiet)
    {
      printf ("training %s on %s: %" G_GSIZE_FORMAT " rows (%" G_GSIZE_FORMAT
              " train, %" G_GSIZE_FORMAT " test), ",
              model_name, ds->name, ds->n_rows, summary->train_rows,
              summary->test_rows);
      if (run->steps > 0)
        printf ("%" G_GUINT64_FORMAT " step%s", run->steps,
                run->steps == 1 ? "" : "s");
      else
        printf ("%" G_GUINT64_FORMAT " epoch%s", epochs, epochs == 1 ? "" : "s");
      printf (", batch size %" G_GSIZE_FORMAT ", %s, seed %" G_GUINT64_FORMAT "\n",
              batch_size, model->optimizer->id, model->seed);
      fflush (stdout);
    }

  if (run->steps > 0)
    {
      progress_init (&p, "step", run->steps, run->quiet);
      for (guint64 i = 0; i < run->steps; i++)
        {
          if (!bp_trainer_step (trainer, error))
            {
              /* The message names the step (once); the last good step is
               * kept in the recording. */
              if (run->rec != NULL)
                bp_record_add_latest (run->rec, model->network, model->optimizer, trainer, NULL);
              progress_clear (&p);
              g_prefix_error (error, "%s: ", model_name);
              return FALSE;
            }
          if (run->rec != NULL)
            bp_record_add (run->rec, model->network, model->optimizer, trainer, NULL);
          p.done = i + 1;
          p.loss = trainer->trace != NULL ? trainer->trace->loss : NAN;
          if (progress_at_mark (&p))
            grad_warnings_check (&warnings, trainer->grad_norms, trainer->steps, &p);
          progress_draw (&p, 0, p.done == p.total);
          if (progress_plain_due (&p))
            {
              printf ("step %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                      " batch_loss %.4g\n", p.done, p.total, p.loss);
              fflush (stdout);
            }
        }
      progress_clear (&p);
      summary->samples = (double) run->steps * (double) batch_size;
      bp_evaluate (model->network, train, &summary->train_loss,
                   &summary->train_accuracy);
      summary->test_loss = summary->test_accuracy = NAN;
      if (summary->test_rows > 0)
        bp_evaluate (model->network, test, &summary->test_loss,
                     &summary->test_accuracy);
    }
  else
    {
      const BpEpochStats *stats = NULL;
      EpochWatch watch = { &p, run->rec, trainer };

      progress_init (&p, "epoch", epochs, run->quiet);
      for (guint64 e = 0; e < epochs; e++)
        {
          if (!bp_trainer_run_epoch (trainer, on_epoch_progress, &watch, error))
            {
              if (run->rec != NULL)
                bp_record_add_latest (run->rec, model->network, model->optimizer, trainer, NULL);
              progress_clear (&p);
              g_prefix_error (error, "%s: ", model_name);
              return FALSE;
            }
          /* The epoch's last step, now with the epoch counted. */
          if (run->rec != NULL)
            bp_record_add (run->rec, model->network, model->optimizer, trainer, NULL);
          stats = bp_trainer_last_epoch (trainer);
          p.done = e + 1;
          if (progress_at_mark (&p))
            grad_warnings_check (&warnings, trainer->grad_norms, trainer->steps, &p);
          if (stats != NULL)
            {
              p.loss = stats->train_loss;
              p.accuracy = stats->train_accuracy;
            }
          progress_draw (&p, 0, p.done == p.total);
          if (stats != NULL && progress_plain_due (&p))
            {
              printf ("epoch %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " loss %.4g",
                      p.done, p.total, stats->train_loss);
              if (!isnan (stats->train_accuracy))
                printf (" acc %.3f", stats->train_accuracy);
              if (!isnan (stats->test_loss))
                printf (" test_loss %.4g", stats->test_loss);
              if (!isnan (stats->test_accuracy))
                printf (" test_acc %.3f", stats->test_accuracy);
              printf ("\n");
              fflush (stdout);
            }
        }
      progress_clear (&p);

      summary->epochs = epochs;
      summary->samples = (double) epochs * (double) train->n_rows;
      if (stats != NULL)
        {
          summary->train_loss = stats->train_loss;
          summary->train_accuracy = stats->train_accuracy;
          summary->test_loss = stats->test_loss;
          summary->test_accuracy = stats->test_accuracy;
        }
      else
        {
          bp_evaluate (model->network, train, &summary->train_loss,
                       &summary->train_accuracy);
          summary->test_loss = summary->test_accuracy = NAN;
          if (summary->test_rows > 0)
            bp_evaluate (model->network, test, &summary->test_loss,
                         &summary->test_accuracy);
        }
    }

  if (run->rec != NULL)
    bp_record_add_latest (run->rec, model->network, model->optimizer, trainer, NULL);
  summary->steps = trainer->steps;
  summary->seconds = (double) (g_get_monotonic_time () - p.start_us) / G_USEC_PER_SEC;
  return TRUE;
}

/* "dir/model.json" → "dir/model-trained.json"; the default model goes to
 * the current directory. */
static char *
default_output_path (const char *model_path)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;

  if (model_path == NULL)
    return g_strdup ("trained-model.json");

  dir = g_path_get_dirname (model_path);
  base = g_path_get_basename (model_path);
  if (g_str_has_suffix (base, ".json") && strlen (base) > 5)
    base[strlen (base) - 5] = '\0';
  name = g_strconcat (base, "-trained.json", NULL);
  if (g_str_equal (dir, "."))
    return g_steal_pointer (&name);
  return g_build_filename (dir, name, NULL);
}

/* ------------------------------------------------------------------ command */

/* A file option given as "" names no file (GOption accepts it). */
static gboolean
check_file_name (const char  *option,
                 const char  *value,
                 GError     **error)
{
  if (value == NULL || value[0] != '\0')
    return TRUE;
  g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE, "%s: expected a file name", option);
  return FALSE;
}

gboolean
backprop_train_command (int      argc,
                        char   **argv,
                        GError **error)
{
  g_autofree char *dataset = NULL;
  g_autofree char *rows_text = NULL;
  g_autofree char *noise_text = NULL;
  g_autofree char *epochs_text = NULL;
  g_autofree char *steps_text = NULL;
  g_autofree char *batch_text = NULL;
  g_autofree char *lr_text = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *output = NULL;
  g_autofree char *save_on_fault = NULL;
  g_autofree char *record = NULL;
  g_autofree char *record_budget_text = NULL;
  g_autoptr(BpRecord) rec = NULL;
  gsize record_budget;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "dataset", 'd', 0, G_OPTION_ARG_FILENAME, &dataset,
      N_("Train on this dataset instead of the model's"), "NAME|FILE.csv" },
    { "rows", 0, 0, G_OPTION_ARG_STRING, &rows_text,
      N_("Rows of a generated dataset (default: the model's)"), "N" },
    { "noise", 0, 0, G_OPTION_ARG_STRING, &noise_text,
      N_("Noise of a generated dataset (default: the model's)"), "X" },
    { "epochs", 'e', 0, G_OPTION_ARG_STRING, &epochs_text,
      N_("Number of epochs (default: the model's)"), "N" },
    { "steps", 's', 0, G_OPTION_ARG_STRING, &steps_text,
      N_("Exactly N optimizer steps instead of epochs"), "N" },
    { "batch-size", 'b', 0, G_OPTION_ARG_STRING, &batch_text,
      N_("Mini-batch size (default: the model's)"), "N" },
    { "lr", 0, 0, G_OPTION_ARG_STRING, &lr_text,
      N_("Learning rate (default: the model's)"), "X" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      N_("Seed for the data, the split and the shuffle; stored in the model"), "S" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Where to write the trained model"), "OUT.json" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      N_("No progress output and no gradient warnings, only the summary"), NULL },
    { "save-on-fault", 0, 0, G_OPTION_ARG_FILENAME, &save_on_fault,
      N_("If a step makes a NaN or an Inf, write the model as it was before that step here"),
      "FILE.json" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record,
      N_("Record the run here: snapshots of the network and optimizer, every step's loss and "
         "gradient norms"), "FILE.bprecord" },
    { "record-budget", 0, 0, G_OPTION_ARG_STRING, &record_budget_text,
      N_("Memory the recording may take (default 64)"), "MIB" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autofree char *model_name = NULL;
  g_autofree char *out_path = NULL;
  DatasetRun run = { .noise = -1 };
  g_auto(Summary) summary = { .test_loss = NAN, .test_accuracy = NAN, .loss_before = NAN };
  guint64 value;
  guint64 seed = 0;

  context = backprop_cli_context_new ("train", "[MODEL.json]",
    _("Train MODEL.json, or the built-in default experiment (2-8-8-1 on \"moons\")\n"
      "when no model is given, and write the trained model with its optimizer\n"
      "state."),
    /* xgettext:no-c-format */
    _("Without --steps, trains for the model's epochs on its dataset (or --dataset),\n"
      "split into train and test sets by the model's test fraction.  With --steps N\n"
      "on a model that has an inline batch (\"inputs\"/\"targets\"), takes exactly N\n"
      "full-batch steps on that batch; without one, N mini-batch steps on the\n"
      "dataset.\n"
      "\n"
      "The model is written to --output, or else to MODEL-trained.json next to\n"
      "MODEL.json (trained-model.json in the current directory for the default\n"
      "model).  A step that makes a NaN or an Inf stops training and is undone;\n"
      "with --save-on-fault FILE the model as it was before that step (weights\n"
      "and optimizer state of every good step) is written to FILE.\n"
      "\n"
      "Training warns on stderr, once per layer and kind, when a layer's\n"
      "gradient norm vanishes or explodes as the app's gradient plot judges it\n"
      "(about every 10 % of a mini-batch run; at the end of an inline-batch\n"
      "run), e.g.\n"
      "  backprop: warning: ⚠ W(1), γ(2) vanishing at step 400 (vanishing: below\n"
      "  10⁻³ × median of the other layers)\n"
      "A norm layer is named by its γ; a dropout layer has no parameters and is\n"
      "left out.  --quiet leaves these out too.\n"
      "\n"
      "--record FILE writes a recording of the run (also of a run stopped by a\n"
      "NaN): the network and the optimizer's state at kept steps (step 0, every\n"
      "k steps with k doubling when --record-budget is full, and the last), and\n"
      "every step's loss and gradient norms.  `backprop render --record FILE\n"
      "--at STEP` draws a kept step; `backprop info --record FILE` lists them.\n"
      "\n"
      "Examples:\n"
      "  backprop train --epochs 50\n"
      "  backprop train model.json --dataset iris --lr 0.01 -o iris.json\n"
      "  backprop train tiny.json --steps 3"),
    entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 0, 1, error))
    return FALSE;

  if (rows_text != NULL)
    {
      if (!backprop_cli_parse_uint ("--rows", rows_text, 1, MAX_ROWS, &value, error))
        return FALSE;
      run.rows = (gsize) value;
    }
  if (noise_text != NULL
      && !backprop_cli_parse_double ("--noise", noise_text, FALSE, &run.noise, error))
    return FALSE;
  if (epochs_text != NULL
      && !backprop_cli_parse_uint ("--epochs", epochs_text, 1, G_MAXUINT, &run.epochs, error))
    return FALSE;
  if (steps_text != NULL
      && !backprop_cli_parse_uint ("--steps", steps_text, 1, G_MAXUINT64, &run.steps, error))
    return FALSE;
  if (epochs_text != NULL && steps_text != NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "train: --epochs and --steps cannot be used together");
      return FALSE;
    }
  if (batch_text != NULL)
    {
      if (!backprop_cli_parse_uint ("--batch-size", batch_text, 1, MAX_BATCH_SIZE,
                              &value, error))
        return FALSE;
      run.batch_size = (gsize) value;
    }
  if (seed_text != NULL
      && !backprop_cli_parse_uint ("--seed", seed_text, 0, G_MAXUINT64, &seed, error))
    return FALSE;
  if (!check_file_name ("--output", output, error)
      || !check_file_name ("--save-on-fault", save_on_fault, error)
      || !check_file_name ("--record", record, error)
      || !backprop_record_parse_budget (record_budget_text, &record_budget, error))
    return FALSE;
  if (record_budget_text != NULL && record == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "train: --record-budget needs --record FILE");
      return FALSE;
    }
  if (record != NULL)
    rec = bp_record_new (record_budget);

  if (args[0] != NULL)
    {
      model = backprop_cli_load_model (args[0], error);
      if (model == NULL)
        return FALSE;
      model_name = g_strdup (args[0]);
    }
  else
    {
      model = bp_model_new_default ();
      model_name = g_strdup ("the default model");
      run.fit_default = TRUE;
    }

  if (seed_text != NULL)
    model->seed = seed;
  if (lr_text != NULL)
    {
      g_autoptr(GError) range_error = NULL;
      double lr;

      if (!backprop_cli_parse_double ("--lr", lr_text, TRUE, &lr, error))
        return FALSE;
      /* Out of the optimizer's range is still a bad command line. */
      if (!bp_optimizer_set (model->optimizer, "lr", lr, &range_error))
        {
          g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE, "--lr: %s",
                       range_error->message);
          return FALSE;
        }
    }

  out_path = output != NULL ? g_strdup (output) : default_output_path (args[0]);
  run.dataset = dataset;
  run.quiet = quiet;
  run.rec = rec;

  if (!(run.steps > 0 && model->inputs != NULL && dataset == NULL
        ? train_on_inline_batch (model, model_name, run.steps, quiet, rec, &summary, error)
        : train_on_dataset (model, model_name, &run, &summary, error)))
    {
      /* The steps before a fault are worth scrubbing through. */
      if (rec != NULL && bp_record_n (rec) > 0 && error != NULL
          && g_error_matches (*error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC))
        {
          g_autoptr(GError) save_error = NULL;
          g_autofree char *message = NULL;

          if (bp_record_save (rec, record, &save_error))
            message = g_strdup_printf ("%s The recording up to that step was written to %s.",
                                       (*error)->message, record);
          else
            message = g_strdup_printf ("%s The recording could not be saved: %s",
                                       (*error)->message, save_error->message);
          g_free ((*error)->message);
          (*error)->message = g_steal_pointer (&message);
        }
      /* A numeric fault undid its step: the model in memory is the last
       * good state, worth keeping when asked. */
      if (save_on_fault != NULL && error != NULL
          && g_error_matches (*error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC))
        {
          g_autoptr(GError) save_error = NULL;
          g_autofree char *message = NULL;

          if (bp_model_save_file (model, save_on_fault, &save_error))
            message = g_strdup_printf ("%s The model as it was before that step was written "
                                       "to %s.", (*error)->message, save_on_fault);
          else
            message = g_strdup_printf ("%s The model before that step could not be saved: %s",
                                       (*error)->message, save_error->message);
          g_free ((*error)->message);
          (*error)->message = g_steal_pointer (&message);
        }
      return FALSE;
    }

  if (!bp_model_save_file (model, out_path, error))
    return FALSE;

  print_summary (&summary, out_path);
  if (rec != NULL && !backprop_record_write (rec, record, error))
    return FALSE;
  return TRUE;
}
