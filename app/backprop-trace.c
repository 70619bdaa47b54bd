/* backprop-trace.c — the commands that look inside one forward/backward
 * pass: `backprop trace` (everything the pass computed, as JSON) and
 * `backprop gradcheck` (backprop against central differences).
 */
#include "config.h"
#include "backprop-cli.h"

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
  bp_network_zero_grad (net);
  bp_network_forward (net, trace, x, B);
  bp_network_backward (net, trace, y);

  /* Decide on the error, not on the return value: either way round, a set
   * error means a non-finite value. */
  bp_network_check_finite (net, trace, &numeric);
  if (numeric != NULL)
    {
      g_set_error (error, BP_CLI_ERROR, BP_CLI_ERROR_FAILED, "%s: %s",
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

/* The trace as "backprop-trace/1" JSON.  Returns NULL and names the first
 * array holding a non-finite value if there is one. */
static char *
trace_to_json (const BpNetwork *net,
               const BpTrace   *t,
               const char     **bad_field)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gsize last = net->n_layers - 1;
  gboolean finite = TRUE;

#define CHECK(ok, name)                         \
  G_STMT_START {                                \
    if (!(ok) && finite)                        \
      {                                         \
        finite = FALSE;                         \
        *bad_field = (name);                    \
      }                                         \
  } G_STMT_END

  g_string_append (out, "{\n  \"format\": \"backprop-trace/1\",\n  \"loss\": ");
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
bp_cli_trace (int      argc,
              char   **argv,
              GError **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autofree char *json = NULL;
  const char *bad_field = NULL;

  context = bp_cli_context_new ("trace", "MODEL.json",
    "Run the model's inline batch (\"inputs\"/\"targets\") forward and backward\n"
    "and print everything the pass computed as JSON on stdout.",
    "Output (\"format\": \"backprop-trace/1\"), B samples, per layer n:\n"
    "  loss             C\n"
    "  per_sample_loss  [B]\n"
    "  output           B rows of the last layer's a\n"
    "  layers[n-1]      z, a, dC_da, dC_dz (B rows each), dW (out rows of in),\n"
    "                   db [out]\n"
    "Every number is written in its shortest round-trip form.  A NaN or an\n"
    "infinity anywhere in the pass is an error (exit status 1), not output.",
    NULL);
  if (!bp_cli_parse (context, argc, argv, &args, 1, 1, error))
    return FALSE;

  model = bp_cli_load_model (args[0], error);
  if (model == NULL)
    return FALSE;
  if (model->inputs == NULL || model->n_samples == 0)
    {
      g_set_error (error, BP_CLI_ERROR, BP_CLI_ERROR_FAILED,
                   "%s: the model has no inline batch (\"inputs\" and "
                   "\"targets\") to trace", args[0]);
      return FALSE;
    }

  trace = run_pass (model->network, args[0], model->inputs, model->targets,
                    model->n_samples, error);
  if (trace == NULL)
    return FALSE;

  json = trace_to_json (model->network, trace, &bad_field);
  if (json == NULL)
    {
      g_set_error (error, BP_CLI_ERROR, BP_CLI_ERROR_FAILED,
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
  if (i < layer->out * layer->in)
    return g_strdup_printf ("W(%" G_GSIZE_FORMAT ")[%" G_GSIZE_FORMAT ",%"
                            G_GSIZE_FORMAT "]", l + 1, i / layer->in + 1,
                            i % layer->in + 1);
  return g_strdup_printf ("b(%" G_GSIZE_FORMAT ")[%" G_GSIZE_FORMAT "]", l + 1,
                          i - layer->out * layer->in + 1);
}

gboolean
bp_cli_gradcheck (int      argc,
                  char   **argv,
                  GError **error)
{
  g_autofree char *eps_text = NULL;
  g_autofree char *tolerance_text = NULL;
  const GOptionEntry entries[] = {
    { "eps", 0, 0, G_OPTION_ARG_STRING, &eps_text,
      "Finite-difference step, relative to max(1, |p|) (default 1e-6)", "X" },
    { "tolerance", 't', 0, G_OPTION_ARG_STRING, &tolerance_text,
      "Largest relative error that passes (default 1e-5)", "X" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autofree BpGradCheckLayer *result = NULL;
  g_autofree char *worst_label = NULL;
  const double *x, *y;
  const char *source;
  BpNetwork *net;
  double eps = 1e-6;
  double tolerance = 1e-5;
  double max_error;
  gsize B, worst_layer = 0;

  context = bp_cli_context_new ("gradcheck", "MODEL.json",
    "Compare every gradient backprop computes with central finite differences\n"
    "on the model's inline batch (or, without one, on up to 32 rows of its\n"
    "dataset).",
    "Prints, per layer n, the largest relative error |g - n| / max(|g|, |n|, 1e-8)\n"
    "and the parameter where it occurs (W(n)[j,k] or b(n)[j], units counted from\n"
    "1), with both values.  Exit status 0 when the largest error is below the\n"
    "tolerance, 1 otherwise.",
    entries);
  if (!bp_cli_parse (context, argc, argv, &args, 1, 1, error))
    return FALSE;
  if (eps_text != NULL
      && !bp_cli_parse_double ("--eps", eps_text, TRUE, &eps, error))
    return FALSE;
  if (tolerance_text != NULL
      && !bp_cli_parse_double ("--tolerance", tolerance_text, TRUE, &tolerance,
                               error))
    return FALSE;

  model = bp_cli_load_model (args[0], error);
  if (model == NULL)
    return FALSE;
  net = model->network;

  if (model->inputs != NULL && model->n_samples > 0)
    {
      x = model->inputs;
      y = model->targets;
      B = model->n_samples;
      source = "its inline batch";
    }
  else
    {
      ds = bp_cli_open_dataset (model, args[0], NULL, 0, -1, FALSE, error);
      if (ds == NULL)
        {
          g_prefix_error (error, "%s: no inline batch, and its dataset: ", args[0]);
          return FALSE;
        }
      x = ds->X;
      y = ds->Y;
      B = MIN (ds->n_rows, GRADCHECK_MAX_ROWS);
      source = ds->name;
    }

  /* Finite differences of a NaN say nothing: refuse it with the place. */
  trace = run_pass (net, args[0], x, y, B, error);
  if (trace == NULL)
    return FALSE;

  result = g_new0 (BpGradCheckLayer, net->n_layers);
  max_error = bp_gradcheck (net, x, y, B, eps, result);

  printf ("gradient check of %s on %s (%" G_GSIZE_FORMAT " sample%s, "
          "%" G_GSIZE_FORMAT " parameters, eps %g)\n",
          args[0], source, B, B == 1 ? "" : "s", net->n_params, eps);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *layer = &net->layers[l];
      const BpGradCheckLayer *r = &result[l];
      g_autofree char *label = param_label (layer, l, r->worst_index);
      g_autofree char *shape = g_strdup_printf ("%" G_GSIZE_FORMAT "→%"
                                                G_GSIZE_FORMAT, layer->in,
                                                layer->out);

      /* "→" is one column but three bytes. */
      printf ("layer %-2" G_GSIZE_FORMAT " %s%*s %-10s max rel error %-9.3g  "
              "worst %-12s backprop % .12g  numeric % .12g\n",
              l + 1, shape, (int) MAX (0, 9 - (long) g_utf8_strlen (shape, -1)), "",
              layer->act_id, r->max_rel_error, label, r->worst_backprop,
              r->worst_numeric);
      if (l == 0 || !(r->max_rel_error <= result[worst_layer].max_rel_error))
        worst_layer = l;
    }

  worst_label = param_label (&net->layers[worst_layer], worst_layer,
                             result[worst_layer].worst_index);
  if (!(max_error < tolerance))
    {
      g_set_error (error, BP_CLI_ERROR, BP_CLI_ERROR_FAILED,
                   "%s: gradient check failed: max relative error %.3g >= "
                   "tolerance %g at %s (backprop %.12g, numeric %.12g)",
                   args[0], max_error, tolerance, worst_label,
                   result[worst_layer].worst_backprop,
                   result[worst_layer].worst_numeric);
      return FALSE;
    }

  printf ("passed: max relative error %.3g < tolerance %g (worst %s)\n",
          max_error, tolerance, worst_label);
  return TRUE;
}
