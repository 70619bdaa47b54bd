/* bp-model-write.c — writing a "backprop-model/1" file (the format is
 * specified in bp-model.h), atomically.
 *
 * Writing does not use JsonGenerator: it prints doubles with "%.17g", which
 * is not the shortest form, and cannot keep −0.  We print every double with
 * bp_string_append_double, so that loading what we saved gives back the same
 * bits.
 */
#include "config.h"
#include "bp-model.h"
#include "bp-model-private.h"
#include "bp-dataset.h"
#include "bp-util.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Numbers per line when writing long flat arrays (optimizer state). */
#define WRAP 8

/* The first non-finite value of n, or -1. */
static gssize
first_non_finite (const double *v,
                  gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return (gssize) i;
  return -1;
}

/* JSON cannot hold NaN or ±Inf: refuse, naming where the first one is. */
/* Where a layer other than dense holds a non-finite number (NULL: none). */
static char *
layer_non_finite (const BpLayer *L,
                  gsize          l)
{
  const struct { const char *name; const double *v; } arrays[] = {
    { "gamma", L->W }, { "beta", L->b },
    { "running_mean", L->running_mean }, { "running_var", L->running_var },
  };
  gssize i;

  if (L->type == BP_LAYER_DROPOUT)
    return NULL;
  for (guint k = 0; k < G_N_ELEMENTS (arrays); k++)
    if (arrays[k].v != NULL && (i = first_non_finite (arrays[k].v, L->out)) >= 0)
      return g_strdup_printf ("%s[%zd] of layer %zu (layers[%zu].%s[%zd] in the file)",
                              arrays[k].name, i, l + 1, l, arrays[k].name, i);
  return NULL;
}

static gboolean
check_finite (const BpModel  *model,
              const char     *name,
              GError        **error)
{
  const BpNetwork *net = model->network;
  const BpOptimizer *opt = model->optimizer;
  g_autofree char *where = NULL;
  gssize i;

  for (gsize l = 0; l < net->n_layers && where == NULL; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_DENSE)
        {
          where = layer_non_finite (L, l);
          continue;
        }
      if ((i = first_non_finite (L->W, L->in * L->out)) >= 0)
        where = g_strdup_printf ("W(%zu)[%zu,%zu] (layers[%zu].W[%zu][%zu] in the file)",
                                 l + 1, (gsize) i / L->in + 1, (gsize) i % L->in + 1,
                                 l, (gsize) i / L->in, (gsize) i % L->in);
      else if ((i = first_non_finite (L->b, L->out)) >= 0)
        where = g_strdup_printf ("b(%zu)[%zd] (layers[%zu].b[%zd] in the file)",
                                 l + 1, i + 1, l, i);
      else if ((i = first_non_finite (L->act_params, L->act->n_params)) >= 0)
        where = g_strdup_printf ("the %s of layer %zu (layers[%zu].%s in the file)",
                                 L->act->params[i].name, l + 1, l, L->act->params[i].name);
    }
  if (where == NULL && (i = first_non_finite (net->cost_params, net->cost->n_params)) >= 0)
    where = g_strdup_printf ("cost.%s", net->cost->params[i].name);
  if (where == NULL && opt != NULL)
    {
      if ((i = first_non_finite (opt->hyper, opt->desc->n_hyper)) >= 0)
        where = g_strdup_printf ("optimizer.%s", opt->desc->hyper_specs[i].name);
      else if (!isfinite (opt->weight_decay))
        where = g_strdup ("optimizer.weight_decay");
      for (gsize k = 0; where == NULL && opt->t > 0 && k < opt->desc->n_state; k++)
        if ((i = first_non_finite (bp_optimizer_state (opt, k),
                                   opt->desc->state_specs[k].per_param * opt->n_params)) >= 0)
          where = g_strdup_printf ("optimizer.state.%s[%zd]", opt->desc->state_specs[k].name, i);
    }
  if (where == NULL && model->dataset != NULL &&
      (isnan (model->dataset_noise) || isinf (model->dataset_noise)))
    where = g_strdup ("dataset.noise");
  if (where == NULL && model->dataset != NULL && !isfinite (model->test_fraction))
    where = g_strdup ("dataset.test_fraction");
  if (where == NULL && model->inputs != NULL && model->targets != NULL)
    {
      gsize n_in = net->n_inputs, n_out = bp_network_n_outputs (net);

      if ((i = first_non_finite (model->inputs, model->n_samples * n_in)) >= 0)
        where = g_strdup_printf ("inputs[%zu][%zu]", (gsize) i / n_in, (gsize) i % n_in);
      else if ((i = first_non_finite (model->targets, model->n_samples * n_out)) >= 0)
        where = g_strdup_printf ("targets[%zu][%zu]", (gsize) i / n_out, (gsize) i % n_out);
    }
  if (where != NULL)
    {
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID,
                   _("%s: %s: not a finite number (NaN or infinite); a model file "
                     "can only hold finite numbers, so it was not saved"), name, where);
      return FALSE;
    }
  /* A progress the loader would refuse is not written either. */
  if (model->progress != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!bp_train_progress_check (model->progress, &local))
        {
          g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID,
                       _("%s: progress: %s; it was not saved"), name, local->message);
          return FALSE;
        }
      if (model->progress->grad_norms->len > 0 &&
          model->progress->grad_norm_layers != net->n_layers)
        {
          g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID,
                       _("%s: progress.grad_norms: records of %zu layers, but the network has "
                         "%zu; it was not saved"), name, model->progress->grad_norm_layers,
                       net->n_layers);
          return FALSE;
        }
    }
  return TRUE;
}

/* A JSON string: quotes, backslash and control characters escaped, UTF-8
 * kept as it is (invalid UTF-8 becomes U+FFFD, or json-glib would refuse the
 * file). */
static void
append_string (GString    *s,
               const char *str)
{
  g_autofree char *valid = NULL;

  if (str == NULL)
    str = "";
  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);
  g_string_append_c (s, '"');
  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (s, "\\\""); break;
        case '\\': g_string_append (s, "\\\\"); break;
        case '\b': g_string_append (s, "\\b"); break;
        case '\f': g_string_append (s, "\\f"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\r': g_string_append (s, "\\r"); break;
        case '\t': g_string_append (s, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (s, "\\u%04x", c);
          else
            g_string_append_c (s, (char) c);
          break;
        }
    }
  g_string_append_c (s, '"');
}

/* The shortest round-trip form; −0 as "-0.0", because json-glib reads "-0"
 * as the integer 0 and the sign would be lost. */
static void
append_double (GString *s,
               double   v)
{
  if (v == 0.0 && signbit (v))
    g_string_append (s, "-0.0");
  else
    bp_string_append_double (s, v);
}

/* [a, b, c] on one line. */
static void
append_row (GString      *s,
            const double *v,
            gsize         n)
{
  g_string_append_c (s, '[');
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      append_double (s, v[i]);
    }
  g_string_append_c (s, ']');
}

/* Rows of `width` numbers, one per line, each line starting with `indent`. */
static void
append_matrix (GString      *s,
               const double *v,
               gsize         n_rows,
               gsize         width,
               const char   *indent)
{
  g_string_append (s, "[\n");
  for (gsize r = 0; r < n_rows; r++)
    {
      g_string_append_printf (s, "%s  ", indent);
      append_row (s, v + r * width, width);
      g_string_append (s, r + 1 < n_rows ? ",\n" : "\n");
    }
  g_string_append_printf (s, "%s]", indent);
}

/* A long flat array, WRAP numbers per line. */
static void
append_wrapped (GString      *s,
                const double *v,
                gsize         n,
                const char   *indent)
{
  if (n <= WRAP)
    {
      append_row (s, v, n);
      return;
    }
  g_string_append (s, "[\n");
  for (gsize i = 0; i < n; i++)
    {
      if (i % WRAP == 0)
        g_string_append_printf (s, "%s  ", indent);
      append_double (s, v[i]);
      if (i + 1 == n)
        g_string_append_c (s, '\n');
      else
        g_string_append (s, (i + 1) % WRAP == 0 ? ",\n" : ", ");
    }
  g_string_append_printf (s, "%s]", indent);
}

/* , "name": value for each parameter. */
static void
append_params (GString           *s,
               const BpParamSpec *specs,
               const double      *values,
               gsize              n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_string_append (s, ", ");
      append_string (s, specs[i].name);
      g_string_append (s, ": ");
      append_double (s, values[i]);
    }
}

/* { "id": …, its parameters } of one schedule that is not sequential. */
static void
append_schedule_phase (GString               *s,
                       const BpSchedulePhase *phase)
{
  const char * const *names = bp_schedule_param_names (phase->kind);

  g_string_append (s, "{ \"id\": ");
  append_string (s, bp_schedule_kind_id (phase->kind));
  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_string_append (s, ", ");
      append_string (s, names[i]);
      g_string_append (s, ": ");
      append_double (s, bp_schedule_phase_get (phase, names[i]));
    }
  g_string_append (s, " }");
}

/* , "schedule": { "id": …, its parameters }, or a sequential one:
 * { "id": "sequential", "schedules": [ … ], "milestones": [ … ] } */
static void
append_schedule (GString          *s,
                 const BpSchedule *sched)
{
  g_string_append (s, ", \"schedule\": ");
  if (sched->kind != BP_SCHEDULE_SEQUENTIAL)
    {
      append_schedule_phase (s, &sched->phases[0]);
      return;
    }
  g_string_append (s, "{ \"id\": \"sequential\", \"schedules\": [ ");
  for (guint i = 0; i < sched->n_phases; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      append_schedule_phase (s, &sched->phases[i]);
    }
  g_string_append (s, " ], \"milestones\": [ ");
  for (guint i = 0; i + 1 < sched->n_phases; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i > 0 ? ", " : "", sched->milestones[i]);
  g_string_append (s, " ] }");
}

static void
append_optimizer (GString           *s,
                  const BpOptimizer *opt,
                  gsize              n_params)
{
  const BpOptimizerDesc *desc = opt->desc;
  /* The state is written after the first step only, and only if it belongs
   * to this network (an optimizer not reset after a change of shape holds
   * state for other parameters, which no file could load back). */
  gboolean with_state = opt->t > 0 && opt->n_params == n_params;

  g_string_append (s, with_state ? "  \"optimizer\": {\n    " : "  \"optimizer\": { ");
  g_string_append (s, "\"id\": ");
  append_string (s, opt->id);
  append_params (s, desc->hyper_specs, opt->hyper, desc->n_hyper);
  if (bp_param_index (desc->hyper_specs, desc->n_hyper, "weight_decay") < 0)
    {
      g_string_append (s, ", \"weight_decay\": ");
      append_double (s, opt->weight_decay);
    }
  if (opt->schedule.kind != BP_SCHEDULE_NONE)
    append_schedule (s, &opt->schedule);
  if (!with_state)
    {
      g_string_append (s, " },\n");
      return;
    }
  g_string_append_printf (s, ",\n    \"state\": {\n      \"t\": %" G_GUINT64_FORMAT, opt->t);
  if (opt->schedule.kind != BP_SCHEDULE_NONE)
    {
      g_string_append_printf (s, ",\n      \"schedule\": { \"step\": %" G_GUINT64_FORMAT
                              ", \"lr\": ", bp_optimizer_schedule_step (opt));
      append_double (s, bp_optimizer_peek_lr (opt));
      g_string_append (s, " }");
    }
  for (gsize k = 0; k < desc->n_state; k++)
    {
      g_string_append (s, ",\n      ");
      append_string (s, desc->state_specs[k].name);
      g_string_append (s, ": ");
      append_wrapped (s, bp_optimizer_state (opt, k),
                      desc->state_specs[k].per_param * opt->n_params, "      ");
    }
  g_string_append (s, "\n    }\n  },\n");
}

/* A number, or null for NaN and ±Inf (history and gradient norms). */
static void
append_double_or_null (GString *s,
                       double   v)
{
  if (isfinite (v))
    append_double (s, v);
  else
    g_string_append (s, "null");
}

static void
append_progress (GString               *s,
                 const BpTrainProgress *p,
                 gsize                  n_layers)
{
  gboolean identity = TRUE;

  g_string_append_printf (s, ",\n  \"progress\": {\n    \"version\": %d, \"steps\": %"
                          G_GUINT64_FORMAT ", \"epoch\": %u, \"rows\": %zu, \"cursor\": %zu,"
                          "\n    \"rng\": [", BP_MODEL_PROGRESS_VERSION, p->steps, p->epoch,
                          p->n_rows, p->cursor);
  for (int i = 0; i < 4; i++)
    g_string_append_printf (s, "%s\"%016" G_GINT64_MODIFIER "x\"", i > 0 ? ", " : "",
                            p->rng.s[i]);
  g_string_append_c (s, ']');

  for (gsize i = 0; i < p->n_rows && identity; i++)
    identity = p->order[i] == i;
  if (!identity)
    {
      g_string_append (s, ",\n    \"order\": [");
      for (gsize i = 0; i < p->n_rows; i++)
        g_string_append_printf (s, "%s%zu", i == 0 ? "\n      " : i % 16 == 0 ? ",\n      " : ", ",
                                p->order[i]);
      g_string_append (s, "\n    ]");
    }

  if (p->history->len > 0)
    {
      g_string_append (s, ",\n    \"history\": [");
      for (guint i = 0; i < p->history->len; i++)
        {
          const BpEpochStats *st = &g_array_index (p->history, BpEpochStats, i);

          g_string_append_printf (s, "%s\n      [%u, %" G_GUINT64_FORMAT ", ",
                                  i > 0 ? "," : "", st->epoch, st->step);
          append_double_or_null (s, st->train_loss);
          g_string_append (s, ", ");
          append_double_or_null (s, st->train_accuracy);
          g_string_append (s, ", ");
          append_double_or_null (s, st->test_loss);
          g_string_append (s, ", ");
          append_double_or_null (s, st->test_accuracy);
          /* The rate, where recorded: files of before it have six cells. */
          if (isfinite (st->lr))
            {
              g_string_append (s, ", ");
              append_double (s, st->lr);
            }
          g_string_append_c (s, ']');
        }
      g_string_append (s, "\n    ]");
    }

  /* Also with no records, when the stride is not the default: it decides
   * which steps are recorded next. */
  if (p->grad_norms->len > 0 || p->grad_norm_stride != 1)
    {
      gsize nl = p->grad_norms->len > 0 ? p->grad_norm_layers : n_layers;
      gsize n = p->grad_norms->len / nl;
      const double *d = (const double *) p->grad_norms->data;

      g_string_append_printf (s, ",\n    \"grad_norms\": { \"stride\": %" G_GUINT64_FORMAT
                              ", \"layers\": %zu, \"records\": [", p->grad_norm_stride, nl);
      for (gsize r = 0; r < n; r++)
        {
          g_string_append (s, r > 0 ? ",\n      [" : "\n      [");
          for (gsize k = 0; k < nl; k++)
            {
              if (k > 0)
                g_string_append (s, ", ");
              append_double_or_null (s, d[r * nl + k]);
            }
          g_string_append_c (s, ']');
        }
      g_string_append (s, "\n    ] }");
    }
  g_string_append (s, "\n  }");
}

/* The members of a batch-norm, layer-norm or dropout layer, every one
 * written (defaults too: these files are new, nothing to stay identical to). */
static void
append_layer_kind (GString       *s,
                   const BpLayer *L)
{
  g_string_append (s, "    {\n      \"type\": ");
  append_string (s, bp_layer_type_to_string (L->type));
  g_string_append_printf (s, ", \"in\": %zu, \"out\": %zu", L->in, L->out);
  if (L->type == BP_LAYER_DROPOUT)
    {
      g_string_append (s, ", \"p\": ");
      append_double (s, L->p);
      if (L->mask != NULL)
        {
          g_string_append (s, ",\n      \"mask\": ");
          append_matrix (s, L->mask, L->mask_rows, L->out, "      ");
        }
      return;
    }
  g_string_append (s, ", \"activation\": ");
  append_string (s, L->act_id);
  append_params (s, L->act->params, L->act_params, L->act->n_params);
  g_string_append (s, ", \"eps\": ");
  append_double (s, L->eps);
  if (L->type == BP_LAYER_BATCHNORM)
    {
      g_string_append (s, ", \"momentum\": ");
      append_double (s, L->momentum);
    }
  g_string_append (s, ",\n      \"gamma\": ");
  append_row (s, L->W, L->out);
  g_string_append (s, ",\n      \"beta\": ");
  append_row (s, L->b, L->out);
  if (L->type == BP_LAYER_BATCHNORM)
    {
      g_string_append (s, ",\n      \"running_mean\": ");
      append_row (s, L->running_mean, L->out);
      g_string_append (s, ",\n      \"running_var\": ");
      append_row (s, L->running_var, L->out);
    }
}

static char *
to_json (const BpModel *model,
         gsize         *len)
{
  const BpNetwork *net = model->network;
  GString *s = g_string_sized_new (4096 + net->n_params * 24);

  g_string_append (s, "{\n  \"format\": \"" BP_MODEL_FORMAT "\",\n  \"name\": ");
  append_string (s, model->name);
  g_string_append (s, ",\n  \"description\": ");
  append_string (s, model->description);
  if (model->seed > (guint64) G_MAXINT64)
    g_string_append_printf (s, ",\n  \"seed\": \"%" G_GUINT64_FORMAT "\"", model->seed);
  else
    g_string_append_printf (s, ",\n  \"seed\": %" G_GUINT64_FORMAT, model->seed);
  g_string_append (s, ",\n  \"init\": ");
  append_string (s, bp_init_to_string (model->init));

  g_string_append (s, ",\n  \"layers\": [\n");
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_DENSE)
        {
          append_layer_kind (s, L);
          g_string_append (s, l + 1 < net->n_layers ? "\n    },\n" : "\n    }\n");
          continue;
        }
      g_string_append_printf (s, "    {\n      \"in\": %zu, \"out\": %zu, \"activation\": ",
                              L->in, L->out);
      append_string (s, L->act_id);
      append_params (s, L->act->params, L->act_params, L->act->n_params);
      /* Only when there is one: plain dense files save as they always did. */
      if (L->skip_from >= 0)
        g_string_append_printf (s, ", \"skip_from\": %zd", L->skip_from);
      g_string_append (s, ",\n      \"W\": ");
      append_matrix (s, L->W, L->out, L->in, "      ");
      g_string_append (s, ",\n      \"b\": ");
      append_row (s, L->b, L->out);
      g_string_append (s, l + 1 < net->n_layers ? "\n    },\n" : "\n    }\n");
    }
  g_string_append (s, "  ],\n");

  g_string_append (s, "  \"cost\": ");
  if (net->cost->n_params > 0)
    {
      g_string_append (s, "{ \"id\": ");
      append_string (s, net->cost_id);
      append_params (s, net->cost->params, net->cost_params, net->cost->n_params);
      g_string_append (s, " }");
    }
  else
    append_string (s, net->cost_id);
  g_string_append_printf (s, ",\n  \"reduction\": \"%s\",\n",
                          net->reduction == BP_REDUCTION_SUM ? "sum" : "mean");

  if (model->optimizer != NULL)
    append_optimizer (s, model->optimizer, net->n_params);

  if (model->dataset != NULL)
    {
      g_string_append (s, "  \"dataset\": { \"name\": ");
      append_string (s, model->dataset);
      /* Rows and noise are a generator's; a file has its own rows, and a
       * "rows" written for it would only mislead (`backprop info` once
       * read back 400 rows for a 300-row CSV). */
      if (model->dataset_rows > 0 && bp_dataset_is_generator (model->dataset))
        g_string_append_printf (s, ", \"rows\": %zu", model->dataset_rows);
      if (model->dataset_noise >= 0 && bp_dataset_is_generator (model->dataset))
        {
          g_string_append (s, ", \"noise\": ");
          append_double (s, model->dataset_noise);
        }
      g_string_append (s, ", \"test_fraction\": ");
      append_double (s, model->test_fraction);
      g_string_append (s, " },\n");
    }

  g_string_append_printf (s, "  \"training\": { \"epochs\": %u, \"batch_size\": %zu }",
                          model->epochs, model->batch_size);
  if (model->progress != NULL)
    append_progress (s, model->progress, net->n_layers);

  if (model->inputs != NULL && model->targets != NULL && model->n_samples > 0)
    {
      g_string_append (s, ",\n  \"inputs\": ");
      append_matrix (s, model->inputs, model->n_samples, net->n_inputs, "  ");
      g_string_append (s, ",\n  \"targets\": ");
      append_matrix (s, model->targets, model->n_samples, bp_network_n_outputs (net), "  ");
    }
  g_string_append (s, "\n}\n");

  if (len != NULL)
    *len = s->len;
  return g_string_free (s, FALSE);
}

/* Returns NULL if the model holds a non-finite number, which JSON cannot
 * represent (bp_model_save_file says where). */
char *
bp_model_to_json (const BpModel *model,
                  gsize         *len)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (model->network != NULL, NULL);

  if (!check_finite (model, "model", NULL))
    return NULL;
  return to_json (model, len);
}

/* Saving is atomic: the data goes to a temporary file next to `path`,
 * "PATH.saving-PID-XXXXXX", which is fsynced and renamed over `path`, so a
 * reader sees the old file or the new one, never half of one, and a crash
 * does not leave an empty file behind the new name.  (A symlink at `path`
 * is replaced, not followed.)  A kill -9 in the middle leaves the
 * temporary behind; the writer's PID in its name lets the next save to the
 * same path tell it from one a live save is still writing. */
#define TEMP_MARK        ".saving-"
#define TEMP_STALE_AGE_S (10 * 60)   /* whatever the PID says: no save takes this long */

static gboolean
write_atomically (const char  *path,
                  const char  *data,
                  gsize        len,
                  GError     **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s" TEMP_MARK "%ld-XXXXXX", path, (long) getpid ());
  gsize done = 0;
  int fd, saved;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot create a temporary file next to it: %s"), g_strerror (saved));
      return FALSE;
    }
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto fail;
      done += (gsize) n;
    }
  if (fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (g_rename (tmp, path) != 0)
    goto fail;
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s", g_strerror (saved));
  return FALSE;
}

/* Removes what a killed save to `path` left behind: files in its directory
 * named exactly "BASENAME.saving-PID-XXXXXX" (our pattern, nothing else),
 * owned by us, whose writer is gone (no process PID) — or, should the PID
 * have been reused, older than TEMP_STALE_AGE_S.  A temporary of a live
 * save (this process, or another one saving to the same path) is left
 * alone.  Best effort: what cannot be removed stays. */
static void
remove_stale_temporaries (const char *path)
{
  g_autofree char *dir_name = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *prefix = g_strconcat (base, TEMP_MARK, NULL);
  gsize prefix_len = strlen (prefix);
  g_autoptr(GDir) dir = g_dir_open (dir_name, 0, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      const char *p = name + prefix_len;
      g_autofree char *full = NULL;
      char *end = NULL;
      gint64 pid;
      GStatBuf st;
      gboolean dead;

      if (strncmp (name, prefix, prefix_len) != 0 || !g_ascii_isdigit (*p))
        continue;
      pid = g_ascii_strtoll (p, &end, 10);
      if (end == NULL || *end != '-' || strlen (end + 1) != 6 || pid <= 0 || pid > G_MAXINT32)
        continue;
      for (p = end + 1; *p != '\0' && g_ascii_isalnum (*p); p++)
        ;
      if (*p != '\0')
        continue;
      full = g_build_filename (dir_name, name, NULL);
      if (g_lstat (full, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ())
        continue;
      dead = pid != getpid () && kill ((pid_t) pid, 0) != 0 && errno == ESRCH;
      if (dead || now - (gint64) st.st_mtime > TEMP_STALE_AGE_S)
        g_unlink (full);
    }
}

gboolean
bp_model_save_file (const BpModel  *model,
                    const char     *path,
                    GError        **error)
{
  g_autofree char *display = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (model->network != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  if (!check_finite (model, display, error))
    return FALSE;
  json = to_json (model, &len);

  remove_stale_temporaries (path);
  if (!write_atomically (path, json, len, &local))
    {
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO, _("%s: cannot save: %s"),
                   display, local->message);
      return FALSE;
    }
  return TRUE;
}
