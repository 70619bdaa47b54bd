/* backprop-trace.c — the commands that look inside one forward/backward
 * pass: `backprop trace` (everything the pass computed, as JSON) and
 * `backprop gradcheck` (backprop against central differences, with their
 * noise floor).  Both run on the model's inline batch or, without one, on
 * the first rows of its dataset (backprop_cli_open_batch, as `render` does).
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bp-gradcheck.h"
#include "bp-network.h"
#include "bp-util.h"

#define GRADCHECK_MAX_ROWS 32

/* One forward and backward pass of the batch on a fresh trace, refusing a
 * NaN or Inf anywhere in it. */
static BpTrace *
run_pass (BpNetwork    *net,
          const char   *model_name,
          const double *x,
          const double *y,
          gsize         B,
          GError      **error)
{
  g_autoptr(BpTrace) trace = bp_trace_new (net, B);
  g_autoptr(GError) numeric = NULL;

  trace->keep = TRUE;  /* ∂C/∂a of the hidden layers too */
  bp_network_gradients (net, trace, x, y, B);

  /* Decide on the error, not on the return value: either way round, a set
   * error means a non-finite value. */
  bp_network_check_finite (net, trace, &numeric);
  if (numeric != NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED, "%s: %s",
                   model_name, numeric->message);
      return NULL;
    }
  return g_steal_pointer (&trace);
}

/* ------------------------------------------------------------------- trace */

typedef const double *(*TraceRowFunc) (const BpTrace *t,
                                       gsize          layer,
                                       gsize          s);

/* Appends [v0, v1, …]; FALSE if a value is not finite (it would not be
 * JSON). */
static gboolean
append_row (GString      *out,
            const double *v,
            gsize         n)
{
  gboolean finite = TRUE;

  g_string_append_c (out, '[');
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      if (!isfinite (v[i]))
        finite = FALSE;
      bp_string_append_double (out, v[i]);
    }
  g_string_append_c (out, ']');
  return finite;
}

/* A B × width array of the trace as an array of rows. */
static gboolean
append_trace_rows (GString       *out,
                   const BpTrace *t,
                   TraceRowFunc   row,
                   gsize          layer,
                   gsize          width)
{
  gboolean finite = TRUE;

  g_string_append_c (out, '[');
  for (gsize s = 0; s < t->batch; s++)
    {
      if (s > 0)
        g_string_append (out, ", ");
      if (!append_row (out, row (t, layer, s), width))
        finite = FALSE;
    }
  g_string_append_c (out, ']');
  return finite;
}

/* A rows × cols row-major matrix as an array of rows. */
static gboolean
append_matrix (GString      *out,
               const double *m,
               gsize         rows,
               gsize         cols)
{
  gboolean finite = TRUE;

  g_string_append_c (out, '[');
  for (gsize j = 0; j < rows; j++)
    {
      if (j > 0)
        g_string_append (out, ", ");
      if (!append_row (out, m + j * cols, cols))
        finite = FALSE;
    }
  g_string_append_c (out, ']');
  return finite;
}

/* A JSON string: UTF-8 as it is, quotes, backslashes and control
 * characters escaped (a CSV path may hold any of them). */
static void
append_string (GString    *out,
               const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (const char *p = valid; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The members of a batch-norm, layer-norm or dropout layer:
 *   batchnorm, layernorm  z, a, dC_da, dC_dz, dgamma, dbeta (z before f);
 *                         batchnorm also running_mean, running_var after
 *                         the pass
 *   dropout               a, dC_da, mask (the 0/1 mask the pass used) */
static gboolean
append_layer_kind (GString       *out,
                   const BpLayer *layer,
                   const BpTrace *t,
                   gsize          l)
{
  gboolean ok = TRUE;

  if (layer->type == BP_LAYER_DROPOUT)
    {
      g_string_append (out, "      \"a\": ");
      ok &= append_trace_rows (out, t, bp_trace_a, l, layer->out);
      g_string_append (out, ",\n      \"dC_da\": ");
      ok &= append_trace_rows (out, t, bp_trace_dC_da, l, layer->out);
      g_string_append (out, ",\n      \"mask\": ");
      ok &= append_matrix (out, t->mask[l], t->batch, layer->out);
      return ok;
    }
  g_string_append (out, "      \"z\": ");
  ok &= append_trace_rows (out, t, bp_trace_z, l, layer->out);
  g_string_append (out, ",\n      \"a\": ");
  ok &= append_trace_rows (out, t, bp_trace_a, l, layer->out);
  g_string_append (out, ",\n      \"dC_da\": ");
  ok &= append_trace_rows (out, t, bp_trace_dC_da, l, layer->out);
  g_string_append (out, ",\n      \"dC_dz\": ");
  ok &= append_trace_rows (out, t, bp_trace_dC_dz, l, layer->out);
  g_string_append (out, ",\n      \"dgamma\": ");
  ok &= append_row (out, layer->dW, layer->out);
  g_string_append (out, ",\n      \"dbeta\": ");
  ok &= append_row (out, layer->db, layer->out);
  if (layer->type == BP_LAYER_BATCHNORM)
    {
      g_string_append (out, ",\n      \"running_mean\": ");
      ok &= append_row (out, layer->running_mean, layer->out);
      g_string_append (out, ",\n      \"running_var\": ");
      ok &= append_row (out, layer->running_var, layer->out);
    }
  return ok;
}

/* The trace as "backprop-trace/1" JSON.  Returns NULL and names the first
 * array holding a non-finite value if there is one. */
static char *
trace_to_json (const BpNetwork *net,
               const BpTrace   *t,
               const char      *dataset,
               const char     **bad_field)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gsize last = net->n_layers - 1;
  gboolean finite = TRUE;
  gboolean plain = bp_network_is_plain (net);

#define CHECK(ok, name)                         \
  G_STMT_START {                                \
    if (!(ok) && finite)                        \
      {                                         \
        finite = FALSE;                         \
        *bad_field = (name);                    \
      }                                         \
  } G_STMT_END

  g_string_append (out, "{\n  \"format\": \"backprop-trace/1\",\n");
  /* A batch from a dataset is not in the model file: say which rows. */
  if (dataset != NULL)
    {
      g_string_append (out, "  \"dataset\": ");
      append_string (out, dataset);
      g_string_append (out, ",\n  \"inputs\": ");
      CHECK (append_matrix (out, t->input, t->batch, t->n_inputs), "inputs");
      g_string_append (out, ",\n  \"targets\": ");
      CHECK (append_matrix (out, t->target, t->batch, net->layers[last].out), "targets");
      g_string_append (out, ",\n");
    }
  g_string_append (out, "  \"loss\": ");
  bp_string_append_double (out, t->loss);
  CHECK (isfinite (t->loss), "loss");
  g_string_append (out, ",\n  \"per_sample_loss\": ");
  CHECK (append_row (out, t->per_sample_loss, t->batch), "per_sample_loss");
  g_string_append (out, ",\n  \"output\": ");
  CHECK (append_trace_rows (out, t, bp_trace_a, last, net->layers[last].out),
         "output");
  g_string_append (out, ",\n  \"layers\": [");

  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *layer = &net->layers[l];

      g_string_append (out, l > 0 ? ",\n    {\n" : "\n    {\n");
      if (!plain)
        {
          /* Only networks beyond the plain chain say it: a dense trace
           * stays as it always was. */
          g_string_append (out, "      \"type\": ");
          append_string (out, bp_layer_type_to_string (layer->type));
          g_string_append (out, ",\n");
        }
      if (layer->type != BP_LAYER_DENSE)
        {
          CHECK (append_layer_kind (out, layer, t, l), bp_layer_type_to_string (layer->type));
          g_string_append (out, "\n    }");
          continue;
        }
      g_string_append (out, "      \"z\": ");
      CHECK (append_trace_rows (out, t, bp_trace_z, l, layer->out), "z");
      g_string_append (out, ",\n      \"a\": ");
      CHECK (append_trace_rows (out, t, bp_trace_a, l, layer->out), "a");
      g_string_append (out, ",\n      \"dC_da\": ");
      CHECK (append_trace_rows (out, t, bp_trace_dC_da, l, layer->out), "dC_da");
      g_string_append (out, ",\n      \"dC_dz\": ");
      CHECK (append_trace_rows (out, t, bp_trace_dC_dz, l, layer->out), "dC_dz");
      g_string_append (out, ",\n      \"dW\": ");
      CHECK (append_matrix (out, layer->dW, layer->out, layer->in), "dW");
      g_string_append (out, ",\n      \"db\": ");
      CHECK (append_row (out, layer->db, layer->out), "db");
      g_string_append (out, "\n    }");
    }
  g_string_append (out, "\n  ]\n}\n");

#undef CHECK

  if (!finite)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
backprop_trace_command (int      argc,
                        char   **argv,
                        GError **error)
{
  g_autofree char *dataset = NULL;
  g_autofree char *rows_text = NULL;
  gboolean eval = FALSE;
  /* The default in a translated sentence: formatted, not pasted in. */
  g_autofree char *rows_help = g_strdup_printf (_("Dataset rows in the traced batch (default %d)"),
                                                BACKPROP_CLI_TRACE_ROWS);
  const GOptionEntry entries[] = {
    { "dataset", 'd', 0, G_OPTION_ARG_FILENAME, &dataset,
      N_("Trace rows of this dataset instead of the inline batch"), "NAME|FILE.csv" },
    { "rows", 0, 0, G_OPTION_ARG_STRING, &rows_text,
      rows_help, "N" },
    { "eval", 0, 0, G_OPTION_ARG_NONE, &eval,
      N_("Eval mode: batch norm uses its running statistics, dropout passes through"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_auto(BackpropCliBatch) batch = { 0 };
  g_autoptr(BpTrace) trace = NULL;
  g_autofree char *json = NULL;
  const char *bad_field = NULL;
  guint64 rows = BACKPROP_CLI_TRACE_ROWS;

  context = backprop_cli_context_new ("trace", "MODEL.json",
    _("Run the model's inline batch (\"inputs\"/\"targets\") forward and backward\n"
      "and print everything the pass computed as JSON on stdout.  Without an\n"
      "inline batch, or with --dataset, the batch is the first rows of the\n"
      "dataset (the model's own, generated from its seed), as \"backprop render\"\n"
      "draws it."),
    _("Output (\"format\": \"backprop-trace/1\"), B samples, per layer n:\n"
      "  dataset, inputs, targets  only for a batch from a dataset: its name,\n"
      "                   the B input rows and the B target rows\n"
      "  loss             C\n"
      "  per_sample_loss  [B]\n"
      "  output           B rows of the last layer's a\n"
      "  layers[n-1]      z, a, dC_da, dC_dz (B rows each), dW (out rows of in),\n"
      "                   db [out]\n"
      "A network with other layers than plain dense ones adds \"type\" to each\n"
      "layer; batchnorm and layernorm give z (before the activation), a, dC_da,\n"
      "dC_dz, dgamma, dbeta (and batchnorm running_mean, running_var after the\n"
      "pass); dropout gives a, dC_da and the mask it used.  The pass runs in\n"
      "training mode; --eval runs it in eval mode.\n"
      "Every number is written in its shortest round-trip form.  A NaN or an\n"
      "infinity anywhere in the pass is an error (exit status 1), not output.\n"
      "\n"
      "Examples:\n"
      "  backprop trace tiny.json\n"
      "  backprop trace data/examples/xor.bpmodel.json --rows 4\n"
      "  backprop trace model.json --dataset iris --rows 1"),
    entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 1, 1, error))
    return FALSE;
  if (rows_text != NULL
      && !backprop_cli_parse_uint ("--rows", rows_text, 1, BACKPROP_CLI_MAX_ROWS, &rows, error))
    return FALSE;

  model = backprop_cli_load_model (args[0], error);
  if (model == NULL)
    return FALSE;
  if (!backprop_cli_open_batch (model, args[0], dataset, rows, FALSE, FALSE, &batch, error))
    return FALSE;

  /* The pass runs in training mode unless --eval; batch-norm running
   * statistics it updates stay in memory (only `train -o` saves them). */
  model->network->eval = eval;
  {
    g_autoptr(GError) local = NULL;

    if (!bp_network_check_batch (model->network, batch.B, &local))
      {
        g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED, "%s: %s", args[0],
                     local->message);
        return FALSE;
      }
  }
  trace = run_pass (model->network, args[0], batch.x, batch.y, batch.B, error);
  if (trace == NULL)
    return FALSE;

  json = trace_to_json (model->network, trace,
                        batch.ds != NULL ? batch.ds->name : NULL, &bad_field);
  if (json == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   "%s: non-finite value in \"%s\" of the trace", args[0],
                   bad_field);
      return FALSE;
    }
  fputs (json, stdout);
  return TRUE;
}

/* --------------------------------------------------------------- gradcheck */

/* "W(2)[j,k]" or "b(2)[j]" for index `i` into layer l's W then b; layers
 * and units counted from 1, as the app and the core's messages show them. */
static char *
param_label (const BpLayer *layer,
             gsize          l,
             gsize          i)
{
  /* A norm layer's parameters are γ and β, one per unit. */
  if (layer->type == BP_LAYER_BATCHNORM || layer->type == BP_LAYER_LAYERNORM)
    return g_strdup_printf ("%s(%" G_GSIZE_FORMAT ")[%" G_GSIZE_FORMAT "]",
                            i < layer->out ? "γ" : "β", l + 1, i % layer->out + 1);
  if (i < layer->out * layer->in)
    return g_strdup_printf ("W(%" G_GSIZE_FORMAT ")[%" G_GSIZE_FORMAT ",%"
                            G_GSIZE_FORMAT "]", l + 1, i / layer->in + 1,
                            i % layer->in + 1);
  return g_strdup_printf ("b(%" G_GSIZE_FORMAT ")[%" G_GSIZE_FORMAT "]", l + 1,
                          i - layer->out * layer->in + 1);
}

/* The parameter of layer l with the largest disagreement against its
 * floor, and the figures that say so. */
static void
print_layer (const BpNetwork        *net,
             gsize                   l,
             gsize                   offset,
             const BpGradCheckLayer *r)
{
  const BpLayer *layer = &net->layers[l];
  const BpGradCheckEntry *w = &r->worst;
  g_autofree char *label = NULL;
  g_autofree char *shape = g_strdup_printf ("%" G_GSIZE_FORMAT "→%" G_GSIZE_FORMAT,
                                            layer->in, layer->out);

  if (bp_layer_n_weights (layer) + bp_layer_n_biases (layer) == 0)
    {
      printf ("layer %-2" G_GSIZE_FORMAT " %s%*s %-10s no parameters\n", l + 1, shape,
              (int) MAX (0, 9 - (long) g_utf8_strlen (shape, -1)), "",
              bp_layer_type_to_string (layer->type));
      return;
    }
  label = param_label (layer, l, w->index - offset);

  /* "→" is one column but three bytes. */
  printf ("layer %-2" G_GSIZE_FORMAT " %s%*s %-10s %4" G_GSIZE_FORMAT " agree %4"
          G_GSIZE_FORMAT " not resolvable %4" G_GSIZE_FORMAT " differ   worst %-11s "
          "|Δ| %-8.2g = %5.2f × floor %-8.2g  backprop % .9g  numeric % .9g\n",
          l + 1, shape, (int) MAX (0, 9 - (long) g_utf8_strlen (shape, -1)), "",
          layer->act_id, r->n_agree, r->n_not_resolvable, r->n_differ, label,
          fabs (w->backprop - w->fd.derivative), w->ratio, w->fd.floor,
          w->backprop, w->fd.derivative);
}

gboolean
backprop_trace_gradcheck_command (int      argc,
                                  char   **argv,
                                  GError **error)
{
  g_autofree char *eps_text = NULL;
  g_autofree char *tolerance_text = NULL;
  g_autofree char *dataset = NULL;
  g_autofree char *rows_text = NULL;
  const GOptionEntry entries[] = {
    { "eps", 0, 0, G_OPTION_ARG_STRING, &eps_text,
      N_("Finite-difference step, relative to max(1, |p|) (default 1e-6)"), "X" },
    { "tolerance", 't', 0, G_OPTION_ARG_STRING, &tolerance_text,
      N_("A gradient is confirmed only when its noise floor is at most X of it "
         "(default 0.01)"), "X" },
    { "dataset", 'd', 0, G_OPTION_ARG_FILENAME, &dataset,
      N_("Check on rows of this dataset instead of the inline batch"), "NAME|FILE.csv" },
    { "rows", 0, 0, G_OPTION_ARG_STRING, &rows_text,
      N_("Dataset rows in the batch (default 32)"), "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_auto(BackpropCliBatch) batch = { 0 };
  g_autoptr(BpTrace) trace = NULL;
  g_autofree BpGradCheckLayer *result = NULL;
  g_autofree char *worst_label = NULL;
  const BpGradCheckEntry *worst = NULL;
  BpNetwork *net;
  double eps = 1e-6;
  double tolerance = BP_FD_DEFAULT_RESOLUTION;
  guint64 rows = GRADCHECK_MAX_ROWS;
  gsize n_agree = 0, n_not_resolvable = 0, n_differ = 0;
  gsize worst_layer = 0, offset = 0, worst_offset = 0;

  context = backprop_cli_context_new ("gradcheck", "MODEL.json",
    _("Compare every gradient backprop computes with central finite differences\n"
      "on the model's inline batch (or, without one, on up to 32 rows of its\n"
      "dataset), each against the noise floor of its finite difference."),
    _("For each parameter p, numeric = (4·D(h) − D(2h)) / 3 with the central\n"
      "differences D(h) = (C(p+h) − C(p−h)) / 2h, h = eps·max(1, |p|), and its\n"
      "floor: how far rounding (measured from C at p−8h … p+8h, and from the\n"
      "magnitudes of the terms summed into C) and truncation can move it.\n"
      "Each gradient then\n"
      "  agrees           |backprop − numeric| ≤ floor, and the floor is at most\n"
      "                   --tolerance of the gradient;\n"
      "  differs          |backprop − numeric| > 4 floors: backprop is wrong;\n"
      "  not resolvable   anything else: the floor is too large to tell (deep in\n"
      "                   a network with vanishing gradients), or the difference\n"
      "                   is above the floor but not well above it.\n"
      "Prints, per layer n, the counts and the parameter whose disagreement is\n"
      "the largest against its floor (W(n)[j,k] or b(n)[j], units counted from\n"
      "1), with both values.  Exit status 0 when no gradient differs and some\n"
      "agree, 1 otherwise."),
    entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 1, 1, error))
    return FALSE;
  if (eps_text != NULL
      && !backprop_cli_parse_double ("--eps", eps_text, TRUE, &eps, error))
    return FALSE;
  if (tolerance_text != NULL
      && !backprop_cli_parse_double ("--tolerance", tolerance_text, TRUE, &tolerance,
                               error))
    return FALSE;
  if (rows_text != NULL
      && !backprop_cli_parse_uint ("--rows", rows_text, 1, BACKPROP_CLI_MAX_ROWS, &rows, error))
    return FALSE;

  model = backprop_cli_load_model (args[0], error);
  if (model == NULL)
    return FALSE;
  net = model->network;
  if (!backprop_cli_open_batch (model, args[0], dataset, rows, FALSE, FALSE, &batch, error))
    return FALSE;

  {
    g_autoptr(GError) local = NULL;

    if (!bp_network_check_batch (net, batch.B, &local))
      {
        g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED, "%s: %s", args[0],
                     local->message);
        return FALSE;
      }
  }
  /* Finite differences of a NaN say nothing: refuse it with the place. */
  trace = run_pass (net, args[0], batch.x, batch.y, batch.B, error);
  if (trace == NULL)
    return FALSE;
  /* Every pass of the check must see the same dropout masks: fix the ones
   * this pass drew. */
  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].type == BP_LAYER_DROPOUT && net->layers[l].mask == NULL &&
        !bp_network_set_mask (net, l, trace->mask[l], batch.B, error))
      return FALSE;

  result = g_new0 (BpGradCheckLayer, net->n_layers);
  bp_gradcheck_network (net, batch.x, batch.y, batch.B, eps, tolerance, NULL,
                        result, NULL);

  printf ("gradient check of %s on %s (%" G_GSIZE_FORMAT " sample%s, "
          "%" G_GSIZE_FORMAT " parameters, eps %g)\n",
          args[0], batch.source, batch.B, batch.B == 1 ? "" : "s", net->n_params, eps);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpGradCheckLayer *r = &result[l];

      print_layer (net, l, offset, r);
      n_agree += r->n_agree;
      n_not_resolvable += r->n_not_resolvable;
      n_differ += r->n_differ;
      if (worst == NULL || r->worst.ratio > worst->ratio)
        {
          worst = &r->worst;
          worst_layer = l;
          worst_offset = offset;
        }
      offset += bp_layer_n_weights (&net->layers[l]) + bp_layer_n_biases (&net->layers[l]);
    }
  worst_label = param_label (&net->layers[worst_layer], worst_layer,
                             worst->index - worst_offset);

  if (n_differ > 0)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   "%s: gradient check failed: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                   " gradients differ from finite differences; worst %s: backprop %.12g, "
                   "numeric %.12g, |backprop − numeric| %.3g is %.3g times the "
                   "finite-difference noise floor %.3g",
                   args[0], n_differ, net->n_params, worst_label, worst->backprop,
                   worst->fd.derivative, fabs (worst->backprop - worst->fd.derivative),
                   worst->ratio, worst->fd.floor);
      return FALSE;
    }
  if (n_agree == 0)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   "%s: gradient check failed: inconclusive, no gradient could be "
                   "resolved (every noise floor is above %g of its gradient, "
                   "--tolerance)", args[0], tolerance);
      return FALSE;
    }

  printf ("passed: no gradient differs; %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
          " agree with finite differences to within their noise floor, %"
          G_GSIZE_FORMAT " not resolvable (floor above %g of the gradient); the largest "
          "disagreement is %.2f of its floor (worst %s: |backprop − numeric| %.3g, "
          "floor %.3g)\n",
          n_agree, net->n_params, n_not_resolvable, tolerance, worst->ratio,
          worst_label, fabs (worst->backprop - worst->fd.derivative), worst->fd.floor);
  return TRUE;
}
