/* bpv-latex.c — a weight's derivation as LaTeX (see bpv-latex.h). */
#include "config.h"
#include "bpv-latex.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Matrices and vectors up to this many columns are written out. */
#define MAX_MATRIX 12
/* Terms of δ written out before the rest is summed. */
#define MAX_PATHS  4
/* Factors of the chain rule a line: more run off a page's width. */
#define FACTORS_PER_LINE 4

char *
bpv_latex_number (double v)
{
  char buf[64];
  char *e;

  if (isnan (v))
    return g_strdup ("\\mathrm{NaN}");
  if (isinf (v))
    return g_strdup (v > 0 ? "+\\infty" : "-\\infty");
  /* −0 and +0 alike: a learner has no use for a signed zero. */
  if (v == 0)
    return g_strdup ("0");
  g_snprintf (buf, sizeof buf, "%.4g", v);
  e = strchr (buf, 'e');
  if (e == NULL)
    return g_strdup (buf);
  *e = '\0';
  if (strcmp (buf, "1") == 0 || strcmp (buf, "-1") == 0)
    return g_strdup_printf ("%s10^{%d}", buf[0] == '-' ? "-" : "", atoi (e + 1));
  return g_strdup_printf ("%s\\times10^{%d}", buf, atoi (e + 1));
}

/* A number as a factor: negative ones in parentheses. */
static void
append_factor_number (GString *s,
                      double   v)
{
  g_autofree char *n = bpv_latex_number (v);

  if (n[0] == '-' || strstr (n, "\\times") != NULL)
    g_string_append_printf (s, "(%s)", n);
  else
    g_string_append (s, n);
}

static void
append_number (GString *s,
               double   v)
{
  g_autofree char *n = bpv_latex_number (v);

  g_string_append (s, n);
}

/* "a \times b = c" */
static void
append_product (GString *s,
                double   a,
                double   b,
                double   c)
{
  append_factor_number (s, a);
  g_string_append (s, " \\times ");
  append_factor_number (s, b);
  g_string_append (s, " = ");
  append_number (s, c);
}

/* An id ("softmax_ce") as LaTeX text: _ & % $ # { } ~ ^ \ escaped. */
static char *
latex_text (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    {
      if (strchr ("_&%$#{}", *p) != NULL)
        g_string_append_printf (s, "\\%c", *p);
      else if (*p == '~' || *p == '^' || *p == '\\')
        g_string_append (s, "?");
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static void
append_factor_label (GString             *s,
                     const BpChainFactor *f,
                     const BpChain       *chain)
{
  gsize j = chain->j, k = chain->k;

  switch (f->role)
    {
    case BP_FACTOR_DC_DA:
      g_string_append_printf (s, "\\frac{\\partial C}{\\partial a^{(%zu)}}", f->layer);
      break;
    case BP_FACTOR_DA_DZ:
      g_string_append_printf (s, "\\frac{\\partial a^{(%zu)}}{\\partial z^{(%zu)}}", f->layer, f->layer);
      break;
    case BP_FACTOR_DZ_DA:
      g_string_append_printf (s, "\\frac{\\partial z^{(%zu)}}{\\partial a^{(%zu)}}", f->layer, f->layer - 1);
      break;
    case BP_FACTOR_DZ_DW:
    default:
      if (chain->param == BP_CHAIN_WEIGHT)
        g_string_append_printf (s, "\\frac{\\partial z^{(%zu)}}{\\partial W^{(%zu)}_{%zu,%zu}}",
                                f->layer, f->layer, j + 1, k + 1);
      else
        g_string_append_printf (s, "\\frac{\\partial z^{(%zu)}}{\\partial \\%s^{(%zu)}_{%zu}}",
                                f->layer, chain->param == BP_CHAIN_GAMMA ? "gamma" : "beta",
                                f->layer, j + 1);
      break;
    }
}

/* A matrix (rows × cols, row-major) in parentheses. */
static void
append_matrix (GString      *s,
               const double *m,
               gsize         rows,
               gsize         cols)
{
  g_string_append (s, "\\left(\\begin{array}{");
  for (gsize c = 0; c < cols; c++)
    g_string_append_c (s, 'c');
  g_string_append (s, "}");
  for (gsize r = 0; r < rows; r++)
    {
      for (gsize c = 0; c < cols; c++)
        {
          if (c > 0)
            g_string_append (s, " & ");
          append_number (s, m[r * cols + c]);
        }
      if (r + 1 < rows)
        g_string_append (s, " \\\\");
      g_string_append_c (s, '\n');
    }
  g_string_append (s, "\\end{array}\\right)");
}

static double
norm (const double *v,
      gsize         n)
{
  double sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += v[i] * v[i];
  return sqrt (sum);
}

static void
append_shape_and_norm (GString      *s,
                       const double *v,
                       gsize         rows,
                       gsize         cols,
                       const char   *what)
{
  g_string_append_printf (s, "\\mbox{%s, $%zu\\times%zu$, } \\|\\cdot\\| = ", what, rows, cols);
  append_number (s, norm (v, rows * cols));
}

static void
append_factor_value (GString             *s,
                     const BpChainFactor *f,
                     const BpChain       *chain)
{
  switch (f->kind)
    {
    case BP_FACTOR_ROW:
      if (f->cols <= MAX_MATRIX)
        append_matrix (s, f->data, 1, f->cols);
      else
        append_shape_and_norm (s, f->data, 1, f->cols, "a row");
      break;
    case BP_FACTOR_DIAG:
      if (f->rows <= MAX_MATRIX)
        {
          g_string_append (s, "\\mathrm{diag}");
          append_matrix (s, f->data, 1, f->rows);
        }
      else
        append_shape_and_norm (s, f->data, 1, f->rows, "diagonal");
      break;
    case BP_FACTOR_MATRIX:
      if (f->rows <= MAX_MATRIX && f->cols <= MAX_MATRIX)
        append_matrix (s, f->data, f->rows, f->cols);
      else
        append_shape_and_norm (s, f->data, f->rows, f->cols, "a matrix");
      break;
    case BP_FACTOR_COLUMN:
      if (chain->param == BP_CHAIN_GAMMA)
        g_string_append_printf (s, "\\hat{x}^{(%zu)}_{%zu}\\,e_{%zu} = ", f->layer, chain->j + 1, chain->j + 1);
      else if (chain->param == BP_CHAIN_BETA)
        g_string_append (s, "1\\cdot ");
      else
        g_string_append_printf (s, "a^{(%zu)}_{%zu}\\,e_{%zu} = ", f->layer - 1, chain->k + 1, chain->j + 1);
      append_factor_number (s, f->data[chain->j]);
      g_string_append_printf (s, "\\,e_{%zu}", chain->j + 1);
      break;
    default:
      break;
    }
}

/* One path into a^{(n)}_i as a row of the array: what it is, then its
 * numbers multiplied out. */
static void
append_path (GString          *s,
             const BpTrace    *trace,
             const BpNetwork  *net,
             gsize             n,
             gsize             i,
             const BpGradPath *p)
{
  gsize q = p->layer;

  switch (p->kind)
    {
    case BP_PATH_SKIP:
      g_string_append_printf (s, "\\mbox{around (skip into $a^{(%zu)}$)} & : & "
                              "\\frac{\\partial C}{\\partial a^{(%zu)}_{%zu}} \\cdot 1 = ", q, q, i + 1);
      append_number (s, p->product);
      break;
    case BP_PATH_DENSE:
      g_string_append_printf (s, "\\mbox{through layer %zu} & : & \\sum_{k} W^{(%zu)}_{k,%zu}\\,"
                              "\\delta^{(%zu)}_{k} = ", q, q, i + 1, q);
      append_number (s, p->product);
      break;
    case BP_PATH_DROPOUT:
      g_string_append_printf (s, "\\mbox{through dropout layer %zu} & : & "
                              "\\frac{\\partial C}{\\partial a^{(%zu)}_{%zu}} \\cdot \\frac{m_{%zu}}{1-p} = ",
                              q, q, i + 1, i + 1);
      append_product (s, p->factors[0].data[0], p->factors[1].data[0], p->product);
      break;
    case BP_PATH_NORM:
      {
        const BpNormTerms *nt = &p->norm;

        g_string_append_printf (s, "\\mbox{through %s norm layer %zu} & : & ",
                                nt->type == BP_LAYER_BATCHNORM ? "batch" : "layer", q);
        if (nt->eval)
          {
            g_string_append_printf (s, "\\frac{\\gamma_{%zu}}{\\sqrt{\\mathrm{var}+\\epsilon}}\\,"
                                    "\\delta^{(%zu)}_{%zu} = ", i + 1, q, i + 1);
            append_number (s, p->product);
            break;
          }
        g_string_append_printf (s, "\\frac{1}{\\sqrt{\\sigma^2+\\epsilon}} \\bigl(\\gamma_{%zu}\\delta^{(%zu)}_{%zu}"
                                " - \\overline{\\gamma\\delta^{(%zu)}}_{%zu} - \\hat{x}^{(%zu)}_{%zu}\\,"
                                "\\overline{\\gamma\\delta^{(%zu)}\\odot\\hat{x}^{(%zu)}}_{%zu}\\bigr) \\\\\n"
                                " & & \\qquad = ", i + 1, q, i + 1, q, i + 1, q, i + 1, q, q, i + 1);
        append_factor_number (s, nt->inv_std);
        g_string_append (s, " \\times \\bigl(");
        append_factor_number (s, nt->g);
        g_string_append (s, " - ");
        append_factor_number (s, nt->mean_g);
        g_string_append (s, " - ");
        append_factor_number (s, nt->xhat);
        g_string_append (s, " \\times ");
        append_factor_number (s, nt->mean_gx);
        g_string_append (s, "\\bigr) \\\\\n & & \\qquad = ");
        for (gsize m = 0; m < 3; m++)
          {
            if (m > 0)
              g_string_append (s, " + ");
            append_factor_number (s, nt->term[m]);
          }
        g_string_append (s, " = ");
        append_number (s, p->product);
        g_string_append_printf (s, " \\quad \\mbox{(means over %s)}",
                                nt->type == BP_LAYER_BATCHNORM ? "the batch" : "the features");
        (void) trace;
        (void) net;
      }
      break;
    }
  g_string_append (s, " \\\\\n");
}

/* δ(n)_i when the gradient reaches a(n)_i by more than W(n+1)ᵀ δ(n+1):
 * its paths, their sum and σ′ times it. */
static void
append_delta_paths (GString            *s,
                    const BpNetwork    *net,
                    const BpTrace      *trace,
                    const BpDeltaTerms *t)
{
  const BpGradPaths *gp = t->paths;
  gsize n = t->layer, i = t->unit;
  gboolean dropout = net->layers[n - 1].type == BP_LAYER_DROPOUT;

  g_string_append_printf (s, "where the gradient reaches $a^{(%zu)}_{%zu}$ by %zu path%s,\n"
                          "\\[\n\\begin{array}{rcl}\n", n, i + 1, gp->n_paths,
                          gp->n_paths == 1 ? "" : "s");
  for (gsize p = 0; p < gp->n_paths; p++)
    append_path (s, trace, net, n, i, &gp->paths[p]);
  g_string_append_printf (s, "\\frac{\\partial C}{\\partial a^{(%zu)}_{%zu}} & = & ", n, i + 1);
  for (gsize p = 0; p < gp->n_paths && gp->n_paths > 1; p++)
    {
      if (p > 0)
        g_string_append (s, " + ");
      append_factor_number (s, gp->paths[p].product);
    }
  if (gp->n_paths > 1)
    g_string_append (s, " = ");
  append_number (s, gp->sum);
  g_string_append_printf (s, " \\\\\n\\delta^{(%zu)}_{%zu} & = & ", n, i + 1);
  if (t->jacobian)
    g_string_append_printf (s, "\\sum_{m} \\frac{\\partial a^{(%zu)}_{m}}{\\partial z^{(%zu)}_{%zu}}"
                            "\\frac{\\partial C}{\\partial a^{(%zu)}_{m}} = ", n, n, i + 1, n);
  else if (!dropout)
    {
      g_string_append_printf (s, "\\sigma'(z^{(%zu)}_{%zu})\\,\\frac{\\partial C}{\\partial a^{(%zu)}_{%zu}} = ",
                              n, i + 1, n, i + 1);
      append_product (s, t->scale, t->sum, t->delta);
    }
  if (t->jacobian || dropout)
    append_number (s, t->delta);
  g_string_append (s, "\n\\end{array}\n\\]\n");
}

static void
append_delta (GString         *s,
              const BpNetwork *net,
              const BpTrace   *trace,
              gsize            sample,
              gsize            l,
              gsize            j)
{
  gsize n = l + 1, N = net->n_layers;
  g_autoptr(BpDeltaTerms) t = NULL;
  gsize shown, n_rest = 0;
  double rest;

  if (n == N)
    {
      g_string_append_printf (s, "where $\\delta^{(%zu)}_{%zu} = \\partial C/\\partial z^{(%zu)}_{%zu} = ",
                              n, j + 1, n, j + 1);
      append_number (s, bp_trace_dC_dz (trace, l, sample)[j]);
      {
        g_autofree char *cost = latex_text (net->cost_id);

        g_string_append_printf (s, "$ comes from the cost (%s on the output).\n\n", cost);
      }
      return;
    }
  t = bp_delta_terms_new (net, trace, sample, l, j, NULL);
  if (t == NULL)
    return;
  if (t->paths != NULL)
    {
      append_delta_paths (s, net, trace, t);
      return;
    }
  shown = t->n_terms <= MAX_PATHS + 1 ? t->n_terms : MAX_PATHS;
  rest = bp_delta_terms_rest (t, shown, &n_rest);
  g_string_append (s, "where, with the largest terms first,\n\\[\n\\begin{array}{rcl}\n");
  if (t->jacobian)
    g_string_append_printf (s, "\\delta^{(%zu)}_{%zu} & = & \\sum_{m} \\frac{\\partial a^{(%zu)}_{m}}"
                            "{\\partial z^{(%zu)}_{%zu}} \\left(W^{(%zu)\\top} \\delta^{(%zu)}\\right)_{m} \\\\\n"
                            " & = & ",
                            n, j + 1, n, n, j + 1, n + 1, n + 1);
  else
    {
      g_string_append_printf (s, "\\delta^{(%zu)}_{%zu} & = & \\sigma'(z^{(%zu)}_{%zu}) \\sum_{k} "
                              "W^{(%zu)}_{k,%zu}\\,\\delta^{(%zu)}_{k} \\\\\n & = & ",
                              n, j + 1, n, j + 1, n + 1, j + 1, n + 1);
      append_factor_number (s, t->scale);
      g_string_append (s, " \\times \\bigl[ ");
    }
  for (gsize m = 0; m < shown; m++)
    {
      if (m > 0 && m % 2 == 0)
        g_string_append (s, " \\\\\n & & \\qquad ");
      if (m > 0)
        g_string_append (s, " + ");
      g_string_append (s, "(");
      append_number (s, t->terms[m].factor);
      g_string_append (s, ")(");
      append_number (s, t->terms[m].value);
      g_string_append (s, ")");
    }
  if (n_rest > 0)
    {
      g_string_append_printf (s, " \\\\\n & & \\qquad + \\mbox{%zu more term%s, sum } ", n_rest,
                              n_rest == 1 ? "" : "s");
      append_factor_number (s, rest);
    }
  if (t->jacobian)
    {
      g_string_append (s, " \\\\\n & = & ");
      append_number (s, t->delta);
    }
  else
    {
      g_string_append (s, " \\bigr] \\\\\n & = & ");
      append_product (s, t->scale, t->sum, t->delta);
    }
  g_string_append (s, "\n\\end{array}\n\\]\n");
}

char *
bpv_latex_weight_derivation (const BpNetwork *net,
                             const BpTrace   *trace,
                             gsize            sample,
                             gsize            layer,
                             gsize            j,
                             gsize            k,
                             GError         **error)
{
  g_autoptr(BpChain) chain = NULL;
  g_autofree char *wrt = NULL, *input = NULL;
  GString *s;
  gsize n = layer + 1, N;
  double delta, a_prev;

  g_return_val_if_fail (net != NULL && trace != NULL, NULL);

  chain = bp_chain_new (net, trace, sample, layer, j, k, error);
  if (chain == NULL)
    return NULL;
  N = net->n_layers;
  delta = bp_trace_dC_dz (trace, layer, sample)[j];
  /* A norm layer's "weight" is γⱼ, and what it multiplies x̂ⱼ. */
  a_prev = chain->factors[chain->n_factors - 1].data[j];
  if (chain->param == BP_CHAIN_WEIGHT)
    {
      wrt = g_strdup_printf ("W^{(%zu)}_{%zu,%zu}", n, j + 1, k + 1);
      input = g_strdup_printf ("a^{(%zu)}_{%zu}", n - 1, k + 1);
    }
  else
    {
      wrt = g_strdup_printf ("\\gamma^{(%zu)}_{%zu}", n, j + 1);
      input = g_strdup_printf ("\\hat{x}^{(%zu)}_{%zu}", n, j + 1);
    }

  s = g_string_new (NULL);
  if (chain->param == BP_CHAIN_WEIGHT)
    {
      g_string_append_printf (s, "%% Backprop Studio: the gradient of W(%zu)[%zu,%zu] for sample %zu "
                              "(layer %zu of %zu)\n",
                              n, j + 1, k + 1, sample + 1, n, N);
      g_string_append_printf (s, "\\noindent The gradient of the weight $W^{(%zu)}_{%zu,%zu}$ from "
                              "$a^{(%zu)}_{%zu}$ to $a^{(%zu)}_{%zu}$, for one sample:\n",
                              n, j + 1, k + 1, n - 1, k + 1, n, j + 1);
    }
  else
    {
      g_string_append_printf (s, "%% Backprop Studio: the gradient of gamma(%zu)[%zu] for sample %zu "
                              "(layer %zu of %zu)\n", n, j + 1, sample + 1, n, N);
      g_string_append_printf (s, "\\noindent The gradient of the scale $\\gamma^{(%zu)}_{%zu}$ of the "
                              "%s layer %zu ($z = \\gamma\\hat{x} + \\beta$), for one sample:\n",
                              n, j + 1, bp_layer_type_to_string (net->layers[layer].type), n);
    }
  g_string_append_printf (s, "\\[\n\\frac{\\partial C}{\\partial %s} = "
                          "\\delta^{(%zu)}_{%zu}\\, %s = ", wrt, n, j + 1, input);
  append_factor_number (s, delta);
  g_string_append (s, " \\times ");
  append_factor_number (s, a_prev);
  g_string_append (s, " = ");
  append_number (s, chain->backprop);
  g_string_append (s, "\n\\]\n");

  append_delta (s, net, trace, sample, layer, j);

  /* The chain rule, FACTORS_PER_LINE factors a line. */
  g_string_append (s, "The chain rule, factor by factor:\n\\[\n\\begin{array}{rcl}\n");
  g_string_append_printf (s, "\\frac{\\partial C}{\\partial %s} & = & ", wrt);
  for (gsize f = 0; f < chain->n_factors; f++)
    {
      if (f > 0 && f % FACTORS_PER_LINE == 0)
        g_string_append (s, " \\\\\n & & ");
      if (f > 0)
        g_string_append (s, " \\cdot ");
      append_factor_label (s, &chain->factors[f], chain);
    }
  g_string_append (s, "\n\\end{array}\n\\]\nwith\n");
  for (gsize f = 0; f < chain->n_factors; f++)
    {
      const BpChainFactor *F = &chain->factors[f];

      g_string_append (s, "\\[\n");
      append_factor_label (s, F, chain);
      g_string_append (s, " = ");
      append_factor_value (s, F, chain);
      g_string_append (s, "\n\\]\n");
    }
  if (chain->fused)
    {
      g_autofree char *cost = latex_text (net->cost_id);
      g_autofree char *act = latex_text (net->layers[N - 1].act_id);
      gsize out = net->layers[N - 1].out;

      g_string_append_printf (s, "(%s on %s: the product starts from the stable "
                              "$\\delta^{(%zu)} = \\partial C/\\partial z^{(%zu)} = ",
                              cost, act, N, N);
      if (out <= MAX_MATRIX)
        append_matrix (s, chain->fused_dC_dz, 1, out);
      else
        append_shape_and_norm (s, chain->fused_dC_dz, 1, out, "a row");
      g_string_append (s, "$, as backprop does.)\n");
    }
  if (chain->start < N)
    g_string_append_printf (s, "(The chain starts at $\\partial C/\\partial a^{(%zu)}$: the gradient "
                            "reaches $a^{(%zu)}$ by more than one path, or through a norm or dropout "
                            "layer, and the backward pass sums it there.)\n",
                            chain->start, chain->start);
  g_string_append (s, "Their product:\n\\[\n");
  g_string_append_printf (s, "\\frac{\\partial C}{\\partial %s} = ", wrt);
  append_number (s, bp_chain_product (chain));
  g_string_append_printf (s, " = \\delta^{(%zu)}_{%zu}\\, %s\n\\]\n", n, j + 1, input);
  return g_string_free (s, FALSE);
}
