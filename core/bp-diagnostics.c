/* bp-diagnostics.c — unit state and gradient health (see bp-diagnostics.h
 * for the verdicts). */
#include "config.h"
#include "bp-diagnostics.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- unit state */

/* f(z) of layer `layer` for sample s: a itself, except under a skip
 * connection, where a = f(z) + a(j) and σ′ must read f(z) (trace->h). */
static const double *
unit_output (const BpTrace *trace,
             gsize          layer,
             gsize          s)
{
  if (trace->h != NULL && trace->h[layer] != NULL)
    return trace->h[layer] + s * trace->widths[layer];
  return bp_trace_a (trace, layer, s);
}

void
bp_diag_unit_derivatives (const BpNetwork *net,
                          const BpTrace   *trace,
                          gsize            layer,
                          gsize            s,
                          double          *deriv)
{
  const BpLayer *L;
  const double *z, *a;
  gsize n;

  g_return_if_fail (net != NULL && trace != NULL && deriv != NULL);
  g_return_if_fail (layer < net->n_layers && s < trace->batch);

  L = &net->layers[layer];
  n = L->out;
  z = bp_trace_z (trace, layer, s);
  a = unit_output (trace, layer, s);
  if (L->act->df != NULL)
    {
      for (gsize j = 0; j < n; j++)
        deriv[j] = L->act->df (z[j], a[j], L->act_params);
      return;
    }
  if (n > BP_DIAG_JACOBIAN_MAX_UNITS)
    {
      for (gsize j = 0; j < n; j++)
        deriv[j] = NAN;
      return;
    }
  {
    /* (∂a/∂z)_jj is entry j of (∂a/∂z)ᵀ e_j: one row of the Jacobian at a
     * time (as bp_network_act_jacobian builds it, from a zeroed row), so
     * the n × n matrix is never held. */
    double e[BP_DIAG_JACOBIAN_MAX_UNITS] = { 0 };
    double row[BP_DIAG_JACOBIAN_MAX_UNITS];

    for (gsize j = 0; j < n; j++)
      {
        memset (row, 0, n * sizeof (double));
        e[j] = 1.0;
        L->act->vec_vjp (z, a, e, row, n, L->act_params);
        e[j] = 0.0;
        deriv[j] = row[j];
      }
  }
}

gboolean
bp_diag_unit_dead (const BpNetwork *net,
                   const BpTrace   *trace,
                   gsize            layer,
                   gsize            unit)
{
  const BpLayer *L;

  g_return_val_if_fail (net != NULL && trace != NULL, FALSE);
  g_return_val_if_fail (layer < net->n_layers, FALSE);
  g_return_val_if_fail (unit < net->layers[layer].out, FALSE);

  L = &net->layers[layer];
  if (L->act->df == NULL)
    return FALSE;
  for (gsize s = 0; s < trace->batch; s++)
    {
      double z = bp_trace_z (trace, layer, s)[unit];
      double a = unit_output (trace, layer, s)[unit];

      if (z > 0 || L->act->df (z, a, L->act_params) != 0)
        return FALSE;
    }
  return TRUE;
}

void
bp_diag_unit_states (const BpNetwork *net,
                     const BpTrace   *trace,
                     gsize            layer,
                     gsize            s,
                     double          *deriv,
                     BpDiagUnitState *states)
{
  g_autofree double *own = NULL;
  gsize n;

  g_return_if_fail (net != NULL && trace != NULL && states != NULL);
  g_return_if_fail (layer < net->n_layers && s < trace->batch);

  n = net->layers[layer].out;
  if (deriv == NULL)
    deriv = own = g_new (double, n);
  bp_diag_unit_derivatives (net, trace, layer, s, deriv);
  for (gsize j = 0; j < n; j++)
    {
      if (bp_diag_unit_dead (net, trace, layer, j))
        states[j] = BP_DIAG_UNIT_DEAD;
      else if (fabs (deriv[j]) < BP_DIAG_SATURATION_LEVEL)
        states[j] = BP_DIAG_UNIT_SATURATED;
      else
        states[j] = BP_DIAG_UNIT_OK;
    }
}

/* -------------------------------------------------------- gradient health */

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bp_diag_grad_median (const double *norms,
                     gsize         n,
                     gsize         skip)
{
  g_autofree double *tmp = NULL;
  gsize m = 0;

  g_return_val_if_fail (norms != NULL || n == 0, NAN);

  tmp = g_new (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    if (i != skip && isfinite (norms[i]))
      tmp[m++] = norms[i];
  if (m == 0)
    return NAN;
  qsort (tmp, m, sizeof (double), compare_double);
  if (m % 2 == 1)
    return tmp[m / 2];
  /* Norms are compared in orders of magnitude: the middle of an even
   * count is the geometric mean, so that with two other layers one huge
   * value does not make a normal layer look vanishing. */
  if (tmp[m / 2 - 1] > 0)
    return sqrt (tmp[m / 2 - 1] * tmp[m / 2]);
  return 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

void
bp_diag_grad_health (const double     *norms,
                     gsize             n_layers,
                     BpDiagGradHealth *health)
{
  g_return_if_fail (norms != NULL || n_layers == 0);
  g_return_if_fail (health != NULL || n_layers == 0);

  for (gsize i = 0; i < n_layers; i++)
    {
      double v = norms[i], med;

      health[i] = BP_DIAG_GRAD_OK;
      if (!isfinite (v))
        {
          health[i] = BP_DIAG_GRAD_EXPLODING;
          continue;
        }
      if (v == 0)
        {
          health[i] = BP_DIAG_GRAD_VANISHING;
          continue;
        }
      med = bp_diag_grad_median (norms, n_layers, i);
      if (isnan (med) || !(med > 0))
        continue;
      if (v < BP_DIAG_GRAD_VANISH_RATIO * med)
        health[i] = BP_DIAG_GRAD_VANISHING;
      else if (v > BP_DIAG_GRAD_EXPLODE_RATIO * med)
        health[i] = BP_DIAG_GRAD_EXPLODING;
    }
}

/* Layer l's running average (see bp_diag_grad_smooth), a running sum of
 * log10 so that a run of 4096 records costs one pass. */
static void
smooth_layer (const double *norms,
              gsize         n_records,
              gsize         n_layers,
              gsize         l,
              gsize         window,
              double       *smooth)
{
  double sum = 0;
  gsize count = 0, zeros = 0;

  for (gsize r = 0; r < n_records; r++)
    {
      double v = norms[r * n_layers + l];

      if (isfinite (v) && v > 0)
        {
          sum += log10 (v);
          count++;
        }
      else if (v == 0)
        zeros++;
      if (r >= window)
        {
          double old = norms[(r - window) * n_layers + l];

          if (isfinite (old) && old > 0)
            {
              sum -= log10 (old);
              count--;
            }
          else if (old == 0)
            zeros--;
        }
      /* Only zeros: nothing flows back at all (dead units). */
      smooth[r * n_layers + l] = count > 0 ? pow (10, sum / (double) count) : zeros > 0 ? 0 : NAN;
    }
}

void
bp_diag_grad_smooth (const double *norms,
                     gsize         n_records,
                     gsize         n_layers,
                     double       *smooth)
{
  gsize window = MAX (n_records / BP_DIAG_GRAD_SMOOTH_DIVISOR, 1);

  g_return_if_fail (norms != NULL || n_records * n_layers == 0);
  g_return_if_fail (smooth != NULL || n_records * n_layers == 0);

  for (gsize l = 0; l < n_layers; l++)
    smooth_layer (norms, n_records, n_layers, l, window, smooth);
}

gboolean
bp_diag_grad_latest_health (const double     *norms,
                            gsize             n_records,
                            gsize             n_layers,
                            double           *latest,
                            BpDiagGradHealth *health)
{
  g_autofree double *smooth = NULL;

  g_return_val_if_fail (health != NULL || n_layers == 0, FALSE);

  for (gsize l = 0; l < n_layers; l++)
    health[l] = BP_DIAG_GRAD_OK;
  if (n_records == 0 || n_layers == 0)
    return FALSE;
  smooth = g_new (double, n_records * n_layers);
  bp_diag_grad_smooth (norms, n_records, n_layers, smooth);
  bp_diag_grad_health (smooth + (n_records - 1) * n_layers, n_layers, health);
  if (latest != NULL)
    memcpy (latest, smooth + (n_records - 1) * n_layers, n_layers * sizeof (double));
  return TRUE;
}

BpDiagGradKind
bp_diag_grad_kind (double           norm,
                   BpDiagGradHealth health)
{
  if (norm == 0)
    return BP_DIAG_GRAD_KIND_ZERO;
  return health == BP_DIAG_GRAD_VANISHING ? BP_DIAG_GRAD_KIND_VANISHING
                                          : BP_DIAG_GRAD_KIND_EXPLODING;
}

const char *
bp_diag_grad_kind_to_string (BpDiagGradKind kind)
{
  /* Marked for the verdict, which translates them; this stays the id. */
  static const char *const words[BP_DIAG_GRAD_N_KINDS] = {
    N_("zero"), N_("vanishing"), N_("exploding")
  };

  g_return_val_if_fail (kind < BP_DIAG_GRAD_N_KINDS, NULL);

  return words[kind];
}

char *
bp_diag_grad_verdict (const double           *norms,
                      const BpDiagGradHealth *health,
                      gsize                   n_layers)
{
  return bp_diag_grad_verdict_named (norms, health, n_layers, NULL);
}

char *
bp_diag_grad_verdict_named (const double           *norms,
                            const BpDiagGradHealth *health,
                            gsize                   n_layers,
                            const char *const      *names)
{
  GString *msg;
  gboolean any_bad = FALSE;

  g_return_val_if_fail ((norms != NULL && health != NULL) || n_layers == 0, NULL);

  for (gsize l = 0; l < n_layers; l++)
    if (health[l] != BP_DIAG_GRAD_OK)
      any_bad = TRUE;
  if (!any_bad)
    return NULL;
  /* Grouped by kind, short enough for a narrow panel. */
  msg = g_string_new ("⚠");
  for (guint k = 0; k < BP_DIAG_GRAD_N_KINDS; k++)
    {
      gboolean any = FALSE;

      for (gsize l = 0; l < n_layers; l++)
        {
          const char *sep = any ? ", " : msg->len > strlen ("⚠") ? " · " : " ";

          if (health[l] == BP_DIAG_GRAD_OK || bp_diag_grad_kind (norms[l], health[l]) != k)
            continue;
          if (names != NULL)
            g_string_append_printf (msg, "%s%s", sep, names[l]);
          else
            g_string_append_printf (msg, "%sW(%" G_GSIZE_FORMAT ")", sep, l + 1);
          any = TRUE;
        }
      if (any)
        g_string_append_printf (msg, " %s", _(bp_diag_grad_kind_to_string (k)));
    }
  return g_string_free (msg, FALSE);
}

/* ------------------------------------------------ gradient health of a net */

/* Layers with parameters have a norm; a dropout layer has none. */
static gboolean
layer_has_norm (const BpLayer *L)
{
  return L->type != BP_LAYER_DROPOUT;
}

char *
bp_diag_grad_layer_name (const BpNetwork *net,
                         gsize            l)
{
  const BpLayer *L;

  g_return_val_if_fail (net != NULL && l < net->n_layers, NULL);

  L = &net->layers[l];
  if (!layer_has_norm (L))
    return NULL;
  /* The symbols the canvas and the plot use for a layer's parameters. */
  return g_strdup_printf ("%s(%" G_GSIZE_FORMAT ")",
                          L->type == BP_LAYER_BATCHNORM || L->type == BP_LAYER_LAYERNORM ? "γ" : "W",
                          l + 1);
}

gboolean
bp_diag_grad_net_health (const BpNetwork  *net,
                         const double     *norms,
                         gsize             n_records,
                         double           *latest,
                         BpDiagGradHealth *health)
{
  gsize n_layers, m = 0;
  g_autofree gsize *kept = NULL;
  g_autofree double *kept_norms = NULL;
  g_autofree double *kept_latest = NULL;
  g_autofree BpDiagGradHealth *kept_health = NULL;
  gboolean any;

  g_return_val_if_fail (net != NULL, FALSE);

  n_layers = net->n_layers;
  g_return_val_if_fail (health != NULL || n_layers == 0, FALSE);

  kept = g_new (gsize, MAX (n_layers, 1));
  for (gsize l = 0; l < n_layers; l++)
    {
      health[l] = BP_DIAG_GRAD_OK;
      if (latest != NULL)
        latest[l] = NAN;
      if (layer_has_norm (&net->layers[l]))
        kept[m++] = l;
    }
  if (n_records == 0 || m == 0)
    return FALSE;
  g_return_val_if_fail (norms != NULL, FALSE);

  /* The kept layers' columns, as the plot draws them, then judged. */
  kept_norms = g_new (double, n_records * m);
  for (gsize r = 0; r < n_records; r++)
    for (gsize i = 0; i < m; i++)
      kept_norms[r * m + i] = norms[r * n_layers + kept[i]];
  kept_latest = g_new (double, m);
  kept_health = g_new (BpDiagGradHealth, m);
  any = bp_diag_grad_latest_health (kept_norms, n_records, m, kept_latest, kept_health);
  for (gsize i = 0; i < m; i++)
    {
      health[kept[i]] = kept_health[i];
      if (latest != NULL)
        latest[kept[i]] = kept_latest[i];
    }
  return any;
}

char *
bp_diag_grad_net_verdict (const BpNetwork        *net,
                          const double           *latest,
                          const BpDiagGradHealth *health)
{
  g_autofree double *norms = NULL;
  g_autofree BpDiagGradHealth *judged = NULL;
  char **names;
  char *verdict;
  gsize n_layers, m = 0;

  g_return_val_if_fail (net != NULL, NULL);
  g_return_val_if_fail ((latest != NULL && health != NULL) || net->n_layers == 0, NULL);

  n_layers = net->n_layers;
  norms = g_new (double, MAX (n_layers, 1));
  judged = g_new (BpDiagGradHealth, MAX (n_layers, 1));
  names = g_new0 (char *, n_layers + 1);
  for (gsize l = 0; l < n_layers; l++)
    {
      char *name = bp_diag_grad_layer_name (net, l);

      if (name == NULL)
        continue;
      names[m] = name;
      norms[m] = latest[l];
      judged[m++] = health[l];
    }
  verdict = bp_diag_grad_verdict_named (norms, judged, m, (const char *const *) names);
  g_strfreev (names);
  return verdict;
}
