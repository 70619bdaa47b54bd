/* backprop-compare.c — `backprop compare A.json B.json`: two models trained
 * in lockstep (the same rows, the same mini-batch at every step:
 * core/bp-compare.h), printed as a table every K steps — the training loss
 * of each, B − A, and ‖∂C/∂W(n)‖ per layer of each — then a summary line
 * per run; or all of it as one JSON object with --json.
 *
 * The loss in the table is the mean per-sample loss over the whole training
 * set after that step, as `backprop train` reports it at its end: so the
 * last row equals the "train loss" of `backprop train X --steps N` on each
 * model, bit for bit (when B has A's seed and batch size; the data, its
 * split and the order are A's).
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <inttypes.h>
#include <string.h>

#include "bp-compare.h"
#include "bp-expr.h"

#define NUMBER_WIDTH 12  /* a %.6g number and its sign, in the human table */

/* One side of the comparison. */
typedef struct
{
  const char *path;
  BpModel    *model;    /* owned */
  BpTrainer  *trainer;  /* borrowed from the BpCompare */
  double      loss;     /* of the last row */
  double      accuracy; /* NaN for regression */
} Side;

typedef struct
{
  gboolean         json;
  const char      *weight;  /* --weight expression, or NULL */
  const BpDataset *train;
  gboolean         matched;
  gboolean         first_row;
  GString         *line;    /* scratch */
} Table;

/* ------------------------------------------------------------------- JSON */

static void
json_string (GString    *s,
             const char *text)
{
  g_string_append_c (s, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (s, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (s, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

/* The shortest text that reads back as the same double; null for NaN/Inf. */
static void
json_double (GString *s,
             double   x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (x))
    g_string_append (s, "null");
  else
    g_string_append (s, g_ascii_dtostr (buf, sizeof buf, x));
}

/* `, "key": x` */
static void
json_member (GString    *s,
             const char *key,
             double      x)
{
  g_string_append_printf (s, ", \"%s\": ", key);
  json_double (s, x);
}

static void
json_norms (GString         *s,
            const BpTrainer *tr,
            gboolean         stepped)
{
  g_string_append_c (s, '[');
  for (gsize l = 0; l < tr->net->n_layers; l++)
    {
      if (l > 0)
        g_string_append_c (s, ',');
      json_double (s, stepped ? tr->trace->grad_norm[l] : NAN);
    }
  g_string_append_c (s, ']');
}

/* ------------------------------------------------------------------ human */

/* Right-aligns `label` in `width` columns (counted in characters). */
static void
human_label (GString    *s,
             const char *label,
             int         width)
{
  glong n = g_utf8_strlen (label, -1);

  g_string_append (s, "  ");
  for (glong i = n; i < width; i++)
    g_string_append_c (s, ' ');
  g_string_append (s, label);
}

static void
human_number (GString *s,
              double   x,
              int      width)
{
  if (isnan (x))
    human_label (s, "—", width);
  else
    g_string_append_printf (s, "  %*.6g", width, x);
}

/* "‖∂C/∂W(2)‖ A": a norm layer's parameters are γ and β; its norm is γ's. */
static char *
norm_label (const BpNetwork *net,
            gsize            l,
            const char      *side)
{
  const char *p = net->layers[l].type == BP_LAYER_BATCHNORM
                  || net->layers[l].type == BP_LAYER_LAYERNORM ? "γ" : "W";

  return g_strdup_printf ("‖∂C/∂%s(%" G_GSIZE_FORMAT ")‖ %s", p, l + 1, side);
}

static int
label_width (const char *label)
{
  return MAX (NUMBER_WIDTH, (int) g_utf8_strlen (label, -1));
}

/* The norm columns: A's and B's of each layer side by side when the layers
 * match, else all of A's, then all of B's. */
typedef void (*ColumnFunc) (GString         *s,
                            const BpTrainer *tr,
                            gsize            l,
                            const char      *side,
                            gpointer         data);

static void
for_each_norm_column (GString    *s,
                      const Side *a,
                      const Side *b,
                      gboolean    matched,
                      ColumnFunc  func,
                      gpointer    data)
{
  if (matched)
    for (gsize l = 0; l < a->trainer->net->n_layers; l++)
      {
        func (s, a->trainer, l, "A", data);
        func (s, b->trainer, l, "B", data);
      }
  else
    {
      for (gsize l = 0; l < a->trainer->net->n_layers; l++)
        func (s, a->trainer, l, "A", data);
      for (gsize l = 0; l < b->trainer->net->n_layers; l++)
        func (s, b->trainer, l, "B", data);
    }
}

/* A norm column's label (`stepped` NULL: the header) or its value: none
 * before the first step. */
static void
norm_column (GString         *s,
             const BpTrainer *tr,
             gsize            l,
             const char      *side,
             gpointer         stepped)
{
  g_autofree char *label = norm_label (tr->net, l, side);

  if (stepped == NULL)
    human_label (s, label, label_width (label));
  else
    human_number (s, *(const gboolean *) stepped ? tr->trace->grad_norm[l] : NAN,
                  label_width (label));
}

/* --------------------------------------------------------------- the rows */

static gboolean
weight_value (const Table *t,
              const Side  *side,
              double      *out,
              GError     **error)
{
  BpExprContext ctx = { .net = side->trainer->net, .trace = side->trainer->trace,
                        .cost = NAN, .learning_rate = NAN };

  return bp_expr_eval (t->weight, &ctx, out, error);
}

static gboolean
print_row (Table   *t,
           Side    *a,
           Side    *b,
           GError **error)
{
  GString *s = t->line;
  guint64 step = a->trainer->steps;
  gboolean stepped = step > 0;
  double wa = NAN, wb = NAN;

  bp_evaluate (a->trainer->net, t->train, &a->loss, &a->accuracy);
  bp_evaluate (b->trainer->net, t->train, &b->loss, &b->accuracy);
  if (t->weight != NULL
      && (!weight_value (t, a, &wa, error) || !weight_value (t, b, &wb, error)))
    {
      g_prefix_error (error, "--weight: ");
      return FALSE;
    }

  g_string_truncate (s, 0);
  if (t->json)
    {
      g_string_append (s, t->first_row ? "\n    " : ",\n    ");
      g_string_append_printf (s, "{\"step\": %" G_GUINT64_FORMAT, step);
      json_member (s, "loss_a", a->loss);
      json_member (s, "loss_b", b->loss);
      json_member (s, "b_minus_a", b->loss - a->loss);
      g_string_append (s, ", \"grad_norms_a\": ");
      json_norms (s, a->trainer, stepped);
      g_string_append (s, ", \"grad_norms_b\": ");
      json_norms (s, b->trainer, stepped);
      if (t->weight != NULL)
        {
          json_member (s, "weight_a", wa);
          json_member (s, "weight_b", wb);
        }
      g_string_append_c (s, '}');
    }
  else
    {
      g_string_append_printf (s, "%8" G_GUINT64_FORMAT, step);
      human_number (s, a->loss, NUMBER_WIDTH);
      human_number (s, b->loss, NUMBER_WIDTH);
      human_number (s, b->loss - a->loss, NUMBER_WIDTH);
      for_each_norm_column (s, a, b, t->matched, norm_column, &stepped);
      if (t->weight != NULL)
        {
          human_number (s, wa, NUMBER_WIDTH);
          human_number (s, wb, NUMBER_WIDTH);
        }
      g_string_append_c (s, '\n');
    }
  fputs (s->str, stdout);
  t->first_row = FALSE;
  return TRUE;
}

static void
print_header (const Table *t,
              const Side  *a,
              const Side  *b,
              const char  *differences,
              gsize        batch_size,
              guint64      steps,
              guint64      every)
{
  g_autoptr(GString) s = g_string_new (NULL);

  if (t->json)
    {
      g_string_append (s, "{\n  \"format\": \"backprop-compare/1\",\n  \"a\": ");
      json_string (s, a->path);
      g_string_append (s, ",\n  \"b\": ");
      json_string (s, b->path);
      g_string_append (s, ",\n  \"differences\": ");
      if (differences != NULL)
        json_string (s, differences);
      else
        g_string_append (s, "null");
      g_string_append (s, ",\n  \"dataset\": ");
      json_string (s, t->train->name);
      g_string_append_printf (s, ",\n  \"train_rows\": %" G_GSIZE_FORMAT
                              ",\n  \"batch_size\": %" G_GSIZE_FORMAT
                              ",\n  \"steps\": %" G_GUINT64_FORMAT
                              ",\n  \"every\": %" G_GUINT64_FORMAT
                              ",\n  \"layers_matched\": %s",
                              t->train->n_rows, batch_size, steps, every,
                              t->matched ? "true" : "false");
      if (t->weight != NULL)
        {
          g_string_append (s, ",\n  \"weight\": ");
          json_string (s, t->weight);
        }
      g_string_append (s, ",\n  \"rows\": [");
      fputs (s->str, stdout);
      return;
    }

  printf (_("A: %s\nB: %s\n"), a->path, b->path);
  if (differences != NULL)
    printf (_("B differs from A in: %s\n"), differences);
  else
    printf (_("A and B do not differ in activations, optimizer, lr, init, seed or weights\n"));
  printf (_("Trained in lockstep on %s: %zu training rows in A's order "
            "(seed %" PRIu64 "), batch size %zu, %" PRIu64
            " steps, a row every %" PRIu64 ".\n"),
          t->train->name, t->train->n_rows, a->model->seed, batch_size, steps, every);
  printf (_("loss: mean loss per sample over the training set after the step; "
            "‖∂C/∂W(n)‖: norm of layer n's weight gradient on that step's batch%s.\n"),
          t->matched ? "" : _(" (the layers differ: A's columns, then B's)"));
  if (t->weight != NULL)
    printf (_("%s: that parameter's value after the step (1-based, as the app shows).\n"),
            t->weight);
  printf ("\n");

  g_string_append_printf (s, "%8s", _("step"));
  human_label (s, _("loss A"), NUMBER_WIDTH);
  human_label (s, _("loss B"), NUMBER_WIDTH);
  human_label (s, _("B − A"), NUMBER_WIDTH);
  for_each_norm_column (s, a, b, t->matched, norm_column, NULL);
  if (t->weight != NULL)
    {
      g_autofree char *la = g_strdup_printf ("%s A", t->weight);
      g_autofree char *lb = g_strdup_printf ("%s B", t->weight);

      human_label (s, la, NUMBER_WIDTH);
      human_label (s, lb, NUMBER_WIDTH);
    }
  g_string_append_c (s, '\n');
  fputs (s->str, stdout);
}

static void
print_summary (const Table *t,
               const Side  *a,
               const Side  *b)
{
  const char *lower = a->loss < b->loss ? "A" : b->loss < a->loss ? "B" : NULL;

  if (t->json)
    {
      g_autoptr(GString) s = g_string_new ("\n  ],\n  \"final\": {\"steps\": ");

      g_string_append_printf (s, "%" G_GUINT64_FORMAT, a->trainer->steps);
      json_member (s, "loss_a", a->loss);
      json_member (s, "loss_b", b->loss);
      json_member (s, "accuracy_a", a->accuracy);
      json_member (s, "accuracy_b", b->accuracy);
      g_string_append (s, ", \"lower\": ");
      g_string_append (s, lower != NULL ? (*lower == 'A' ? "\"a\"" : "\"b\"") : "null");
      g_string_append (s, "}\n}\n");
      fputs (s->str, stdout);
      return;
    }

  printf ("\n");
  for (int i = 0; i < 2; i++)
    {
      const Side *side = i == 0 ? a : b;

      printf (_("%s: final training loss %.6g"), i == 0 ? "A" : "B", side->loss);
      if (!isnan (side->accuracy))
        printf (_(", accuracy %.4f"), side->accuracy);
      printf (_(" (%s, %s)\n"), side->path, side->model->optimizer->id);
    }
  if (lower != NULL)
    printf (_("Lower final loss: %s, by %.3g\n"), lower, fabs (b->loss - a->loss));
  else
    printf (_("The final losses are equal.\n"));
}

/* ---------------------------------------------------------------- command */

gboolean
backprop_compare_command (int      argc,
                          char   **argv,
                          GError **error)
{
  g_autofree char *steps_text = NULL;
  g_autofree char *epochs_text = NULL;
  g_autofree char *every_text = NULL;
  g_autofree char *data = NULL;
  g_autofree char *weight = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "steps", 's', 0, G_OPTION_ARG_STRING, &steps_text,
      N_("Train N mini-batch steps (default: A's epochs; 0: only the models as they are)"),
      "N" },
    { "epochs", 'e', 0, G_OPTION_ARG_STRING, &epochs_text,
      N_("Train E epochs of A's training rows"), "E" },
    { "every", 'k', 0, G_OPTION_ARG_STRING, &every_text,
      N_("A row every K steps (default: a tenth of the run)"), "K" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
      N_("Train both on this dataset instead of the models'"), "NAME|FILE.csv" },
    { "weight", 'w', 0, G_OPTION_ARG_STRING, &weight,
      N_("Also show this parameter in A and B, e.g. \"W(2)[1,3]\""), "EXPR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print one JSON object instead of the table"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpDataset) train = NULL;
  g_autoptr(BpDataset) test = NULL;
  g_autoptr(BpCompare) cmp = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *differences = NULL;
  g_autofree char *name_a = NULL;
  g_autofree char *name_b = NULL;
  Side a = { 0 }, b = { 0 };
  Table t = { 0 };
  BpTrainConfig config = { 0 };
  guint64 steps = 0, epochs = 0, every = 0;
  gsize batch_size;
  gboolean ok = FALSE;

  context = backprop_cli_context_new ("compare", _("A.json B.json"),
    _("Train two models in lockstep — the same data, the same mini-batch at\n"
      "every step — and print their losses and gradient norms side by side."),
    _("The data, its train/test split and the order of the rows are A's (drawn\n"
      "once from A's seed and fed to both), and so is the batch size.  Each row\n"
      "gives the loss (mean per sample over the training set) of A and of B\n"
      "after that step, B − A, and ‖∂C/∂W(n)‖ of each layer on that step's\n"
      "batch (paired by layer when the shapes agree).  The last row's losses\n"
      "are those `backprop train MODEL --steps N` reports.\n"
      "\n"
      "Examples:\n"
      "  backprop compare sgd.json adam.json --steps 500 --every 50\n"
      "  backprop compare a.json b.json --epochs 5 --weight \"W(2)[1,3]\" --json"),
    entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 2, 2, error))
    return FALSE;
  if (steps_text != NULL
      && !backprop_cli_parse_uint ("--steps", steps_text, 0, G_MAXUINT64, &steps, error))
    return FALSE;
  if (epochs_text != NULL
      && !backprop_cli_parse_uint ("--epochs", epochs_text, 1, G_MAXUINT, &epochs, error))
    return FALSE;
  if (every_text != NULL
      && !backprop_cli_parse_uint ("--every", every_text, 1, G_MAXUINT64, &every, error))
    return FALSE;
  if (steps_text != NULL && epochs_text != NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("compare: --epochs and --steps cannot be used together"));
      return FALSE;
    }

  a.path = args[0];
  b.path = args[1];
  a.model = backprop_cli_load_model (a.path, error);
  if (a.model == NULL)
    return FALSE;
  b.model = backprop_cli_load_model (b.path, error);
  if (b.model == NULL)
    goto out;
  name_a = g_strdup_printf ("A (%s)", a.path);
  name_b = g_strdup_printf ("B (%s)", b.path);

  if (!bp_compare_check_data (a.model, b.model, data != NULL, error))
    {
      g_prefix_error (error, _("cannot compare %s and %s: "), a.path, b.path);
      goto out;
    }
  if (weight != NULL
      && (!bp_expr_check (weight, a.model->network, error)
          || !bp_expr_check (weight, b.model->network, error)))
    {
      g_prefix_error (error, "--weight: ");
      goto out;
    }

  ds = backprop_cli_open_dataset (a.model, name_a, data, 0, -1, FALSE, error);
  if (ds == NULL)
    goto out;
  bp_dataset_split (ds, a.model->test_fraction, a.model->seed, &train, &test);
  if (train == NULL || train->n_rows == 0)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("%s: no rows left to train on (%zu rows, test fraction %g)"),
                   ds->name, ds->n_rows, a.model->test_fraction);
      goto out;
    }

  batch_size = a.model->batch_size;
  if (batch_size == 0 || batch_size > train->n_rows)
    batch_size = train->n_rows;
  if (steps_text == NULL)
    {
      guint64 per_epoch = (train->n_rows + batch_size - 1) / batch_size;

      steps = (epochs > 0 ? epochs : a.model->epochs) * per_epoch;
    }
  if (every == 0)
    every = MAX (steps / 10, 1);

  config.batch_size = batch_size;
  config.shuffle = TRUE;
  config.seed = a.model->seed;
  config.keep_trace = TRUE;  /* the trace holds ‖∂C/∂W(n)‖ of the step */
  cmp = bp_compare_new (a.model->network, a.model->optimizer,
                        b.model->network, b.model->optimizer, train, NULL, &config, error);
  if (cmp == NULL)
    goto out;
  a.trainer = cmp->a;
  b.trainer = cmp->b;

  differences = bp_compare_describe_differences (a.model, b.model);
  if (a.model->batch_size != b.model->batch_size)
    {
      g_autofree char *note = g_strdup_printf (_("batch size: %zu → %zu (A's used for both)"),
                                               a.model->batch_size, b.model->batch_size);
      char *joined = differences != NULL ? g_strconcat (differences, "; ", note, NULL)
                                         : g_strdup (note);

      g_free (differences);
      differences = joined;
    }

  t.json = json;
  t.weight = weight;
  t.train = train;
  t.matched = cmp->layers_matched;
  t.first_row = TRUE;
  t.line = line;
  print_header (&t, &a, &b, differences, batch_size, steps, every);
  if (!print_row (&t, &a, &b, error))
    goto out;
  for (guint64 i = 1; i <= steps; i++)
    {
      if (!bp_compare_step (cmp, error))
        goto out;
      if ((i % every == 0 || i == steps) && !print_row (&t, &a, &b, error))
        goto out;
    }
  print_summary (&t, &a, &b);
  ok = TRUE;

out:
  /* The trainers borrow the networks: they go first. */
  g_clear_pointer (&cmp, bp_compare_free);
  g_clear_pointer (&a.model, bp_model_free);
  g_clear_pointer (&b.model, bp_model_free);
  return ok;
}
