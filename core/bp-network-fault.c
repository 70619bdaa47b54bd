/* bp-network-fault.c — where the first non-finite value of a pass is
 * (input, z, a, loss, ∂C/∂a, δ, gradients, parameters), and how to say it
 * ("∂C/∂W(2)[3,1] is NaN after the backward pass").
 */
#include "config.h"
#include "bp-network.h"
#include "bp-util.h"

#include <glib/gi18n-lib.h>
#include <math.h>

/* -------------------------------------------------------------- checking */

static gboolean
find_nonfinite (const double *x,
                gsize         n,
                gsize        *where)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (x[i]))
      {
        *where = i;
        return TRUE;
      }
  return FALSE;
}

/* After backward with the trace kept, ‖∂C/∂W(n)‖ is finite only if every
 * entry is (an overflow of the norm itself only sends us to the full search,
 * which then finds nothing): the norms stand in for a pass over W's
 * gradients. */
static gboolean
grads_finite (const BpNetwork *net,
              const BpTrace   *t)
{
  if (!t->keep)
    return bp_all_finite (net->grads, net->n_params);
  for (gsize l = 0; l < net->n_layers; l++)
    if (!isfinite (t->grad_norm[l]) ||
        !bp_all_finite (net->layers[l].db, bp_layer_n_biases (&net->layers[l])))
      return FALSE;
  return TRUE;
}

static gboolean find_first_nonfinite (const BpNetwork *net,
                                      const BpTrace   *t,
                                      BpTrainFault    *fault);

static void
fault_init (BpTrainFault     *fault,
            BpTrainFaultKind  kind,
            gsize             layer,
            gsize             unit,
            gsize             input,
            gsize             sample,
            double            value)
{
  *fault = (BpTrainFault) {
    .kind = kind,
    .layer = layer,
    .unit = unit,
    .input = input,
    .sample = sample,
    .value = value,
    .from = NAN,
    .target = NAN,
  };
}

/* A fault at index i of layer l's W (or ∂C/∂W): row and column of a dense
 * W, the unit of a norm layer's γ. */
static void
fault_init_weight (BpTrainFault     *fault,
                   BpTrainFaultKind  kind,
                   const BpLayer    *L,
                   gsize             l,
                   gsize             i,
                   double            value)
{
  if (L->type == BP_LAYER_DENSE)
    fault_init (fault, kind, l + 1, i / L->in + 1, i % L->in + 1, 0, value);
  else
    fault_init (fault, kind, l + 1, i + 1, 0, 0, value);
  fault->layer_type = L->type;
}

/* The first non-finite entry of layer l's weights w (its W or ∂C/∂W),
 * then of its biases b (b or ∂C/∂b), as a fault of kind_w or kind_b;
 * FALSE when every entry is finite.  W is out × in, row j holds the
 * weights into unit j (a norm layer's γ: one per unit). */
static gboolean
find_layer_nonfinite (const BpLayer    *L,
                      gsize             l,
                      const double     *w,
                      BpTrainFaultKind  kind_w,
                      const double     *b,
                      BpTrainFaultKind  kind_b,
                      BpTrainFault     *fault)
{
  gsize i;

  if (find_nonfinite (w, bp_layer_n_weights (L), &i))
    {
      fault_init_weight (fault, kind_w, L, l, i, w[i]);
      return TRUE;
    }
  if (find_nonfinite (b, bp_layer_n_biases (L), &i))
    {
      fault_init (fault, kind_b, l + 1, i + 1, 0, 0, b[i]);
      fault->layer_type = L->type;
      return TRUE;
    }
  return FALSE;
}

gboolean
bp_network_locate_nonfinite (const BpNetwork *net,
                             const BpTrace   *t,
                             BpTrainFault    *fault)
{
  BpTrainFault local;

  g_return_val_if_fail (net != NULL && t != NULL, FALSE);

  if (fault == NULL)
    fault = &local;
  fault_init (fault, BP_TRAIN_FAULT_NONE, 0, 0, 0, 0, NAN);
  /* Any non-finite value of the pass reaches the cost or a gradient, except
   * where an activation masks it (relu(NaN) = 0): the gradients and the cost
   * are checked in one pass, and only then is everything searched for the
   * first culprit.  A NaN a mask hides cannot change the parameters. */
  if (isfinite (t->loss) && grads_finite (net, t))
    return FALSE;
  if (!find_first_nonfinite (net, t, fault))
    return FALSE;
  if (fault->layer >= 1 && fault->layer <= net->n_layers)
    fault->layer_type = net->layers[fault->layer - 1].type;
  return TRUE;
}

gboolean
bp_network_locate_nonfinite_param (const BpNetwork *net,
                                   BpTrainFault    *fault)
{
  BpTrainFault local;

  g_return_val_if_fail (net != NULL, FALSE);

  if (fault == NULL)
    fault = &local;
  fault_init (fault, BP_TRAIN_FAULT_NONE, 0, 0, 0, 0, NAN);
  if (bp_all_finite (net->params, net->n_params))
    return FALSE;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (find_layer_nonfinite (L, l, L->W, BP_TRAIN_FAULT_PARAM_W, L->b, BP_TRAIN_FAULT_PARAM_B,
                                fault))
        return TRUE;
    }
  return FALSE;
}

gboolean
bp_network_check_finite (const BpNetwork *net,
                         const BpTrace   *t,
                         GError         **error)
{
  BpTrainFault fault;

  if (!bp_network_locate_nonfinite (net, t, &fault))
    return TRUE;
  if (error != NULL)
    {
      g_autofree char *what = bp_train_fault_describe (&fault);

      g_set_error_literal (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_NUMERIC, what);
    }
  return FALSE;
}

static gboolean
find_first_nonfinite (const BpNetwork *net,
                      const BpTrace   *t,
                      BpTrainFault    *fault)
{
  gsize B = t->batch, i = 0;
  const BpLayer *last = &net->layers[net->n_layers - 1];
  gboolean fused = net->cost->grad_z != NULL && last->type != BP_LAYER_DROPOUT &&
                   last->skip_from < 0 &&
                   g_strcmp0 (last->act_id, net->cost->output_activation) == 0;

  if (find_nonfinite (t->input, B * net->n_inputs, &i))
    {
      fault_init (fault, BP_TRAIN_FAULT_INPUT, 0, i % net->n_inputs + 1, 0,
                  i / net->n_inputs + 1, t->input[i]);
      return TRUE;
    }
  for (gsize l = 0; l < net->n_layers; l++)
    {
      gsize w = t->widths[l];

      if (find_nonfinite (t->z[l], B * w, &i))
        {
          fault_init (fault, BP_TRAIN_FAULT_Z, l + 1, i % w + 1, 0, i / w + 1, t->z[l][i]);
          return TRUE;
        }
      if (find_nonfinite (t->a[l], B * w, &i))
        {
          fault_init (fault, BP_TRAIN_FAULT_A, l + 1, i % w + 1, 0, i / w + 1, t->a[l][i]);
          fault->from = t->z[l][i];
          return TRUE;
        }
    }
  if (find_nonfinite (t->per_sample_loss, B, &i) || !isfinite (t->loss))
    {
      gsize s = MIN (i, B - 1), w = last->out, k = 0;
      const double *a = t->a[net->n_layers - 1] + s * w, *y = t->target + s * w;

      /* The cost is one number per sample, but a and y are finite here, so
       * it overflowed on a unit far from its target ((a − y)², log(1 − a)):
       * name the farthest.  (A sum over the batch may overflow with every
       * sample's cost finite: then it names the first sample.) */
      for (gsize u = 1; u < w; u++)
        if (fabs (a[u] - y[u]) > fabs (a[k] - y[k]))
          k = u;
      fault_init (fault, BP_TRAIN_FAULT_LOSS, net->n_layers, k + 1, 0, s + 1,
                  isfinite (t->per_sample_loss[s]) ? t->loss : t->per_sample_loss[s]);
      fault->from = a[k];
      fault->target = y[k];
      return TRUE;
    }
  for (gsize l = net->n_layers; l-- > 0;)
    {
      const BpLayer *L = &net->layers[l];
      gsize w = t->widths[l];

      /* ∂C/∂a of the output is only a display value when the cost's fused
       * ∂l/∂z is used (it may be ±∞ where a saturates); δ is what counts. */
      if ((t->keep || l == net->n_layers - 1) && !(fused && l == net->n_layers - 1) &&
          find_nonfinite (t->dC_da[l], B * w, &i))
        {
          fault_init (fault, BP_TRAIN_FAULT_GRAD_A, l + 1, i % w + 1, 0, i / w + 1, t->dC_da[l][i]);
          return TRUE;
        }
      if (find_nonfinite (t->dC_dz[l], B * w, &i))
        {
          fault_init (fault, BP_TRAIN_FAULT_DELTA, l + 1, i % w + 1, 0, i / w + 1, t->dC_dz[l][i]);
          return TRUE;
        }
      if (find_layer_nonfinite (L, l, L->dW, BP_TRAIN_FAULT_GRAD_W, L->db, BP_TRAIN_FAULT_GRAD_B,
                                fault))
        return TRUE;
    }
  /* Only the norm overflowed (every entry finite): nothing to name. */
  return FALSE;
}

/* ------------------------------------------------------------ describing */

const char *
bp_train_fault_kind_to_string (BpTrainFaultKind kind)
{
  switch (kind)
    {
    case BP_TRAIN_FAULT_INPUT:   return "input";
    case BP_TRAIN_FAULT_Z:       return "z";
    case BP_TRAIN_FAULT_A:       return "a";
    case BP_TRAIN_FAULT_LOSS:    return "loss";
    case BP_TRAIN_FAULT_GRAD_A:  return "grad-a";
    case BP_TRAIN_FAULT_DELTA:   return "delta";
    case BP_TRAIN_FAULT_GRAD_W:  return "grad-W";
    case BP_TRAIN_FAULT_GRAD_B:  return "grad-b";
    case BP_TRAIN_FAULT_PARAM_W: return "W";
    case BP_TRAIN_FAULT_PARAM_B: return "b";
    case BP_TRAIN_FAULT_NONE:
    default:                     return "none";
    }
}

/* "layer 3" or, beyond dense, "layer 3, a batch-norm layer". */
static char *
layer_words (const BpTrainFault *f)
{
  static const char *const kinds[] = {
    [BP_LAYER_DENSE] = N_("layer %zu"),
    [BP_LAYER_BATCHNORM] = N_("layer %zu, a batch-norm layer"),
    [BP_LAYER_LAYERNORM] = N_("layer %zu, a layer-norm layer"),
    [BP_LAYER_DROPOUT] = N_("layer %zu, a dropout layer"),
  };

  return g_strdup_printf (_((guint) f->layer_type < G_N_ELEMENTS (kinds) ? kinds[f->layer_type]
                                                                         : kinds[BP_LAYER_DENSE]),
                          f->layer);
}

char *
bp_train_fault_describe (const BpTrainFault *f)
{
  char v[32], from[32], target[32];
  g_autofree char *lay = NULL;
  gboolean norm;
  gsize n, j, k, s;

  g_return_val_if_fail (f != NULL, NULL);

  n = f->layer;
  j = f->unit;
  k = f->input;
  s = f->sample;
  lay = layer_words (f);
  /* A norm layer's W and b are its γ and β, one per unit. */
  norm = f->layer_type == BP_LAYER_BATCHNORM || f->layer_type == BP_LAYER_LAYERNORM;
  bp_format_value (v, f->value);
  bp_format_value (from, f->from);
  bp_format_value (target, f->target);
  switch (f->kind)
    {
    case BP_TRAIN_FAULT_INPUT:
      return g_strdup_printf (_("input %zu of sample %zu is %s in the data (layer 0, unit %zu)"),
                              j, s, v, j);
    case BP_TRAIN_FAULT_Z:
      return g_strdup_printf (_("z(%zu)[%zu] is %s in the forward pass (%s, unit %zu, "
                                "sample %zu)"), n, j, v, lay, j, s);
    case BP_TRAIN_FAULT_A:
      return g_strdup_printf (_("a(%zu)[%zu] is %s in the forward pass, from z(%zu)[%zu] = %s "
                                "(%s, unit %zu, sample %zu)"), n, j, v, n, j, from, lay, j, s);
    case BP_TRAIN_FAULT_LOSS:
      return g_strdup_printf (_("the cost is %s for sample %zu (%s, the output, unit %zu: "
                                "a(%zu)[%zu] = %s where the target is %s)"),
                              v, s, lay, j, n, j, from, target);
    case BP_TRAIN_FAULT_GRAD_A:
      return g_strdup_printf (_("∂C/∂a(%zu)[%zu] is %s after the backward pass (%s, "
                                "unit %zu, sample %zu)"), n, j, v, lay, j, s);
    case BP_TRAIN_FAULT_DELTA:
      return g_strdup_printf (_("δ(%zu)[%zu] = ∂C/∂z(%zu)[%zu] is %s after the backward pass "
                                "(%s, unit %zu, sample %zu)"), n, j, n, j, v, lay, j, s);
    case BP_TRAIN_FAULT_GRAD_W:
      if (norm)
        return g_strdup_printf (_("∂C/∂γ(%zu)[%zu] is %s after the backward pass (%s, unit %zu)"),
                                n, j, v, lay, j);
      return g_strdup_printf (_("∂C/∂W(%zu)[%zu,%zu] is %s after the backward pass "
                                "(%s, unit %zu)"), n, j, k, v, lay, j);
    case BP_TRAIN_FAULT_GRAD_B:
      return g_strdup_printf (_("∂C/∂%s(%zu)[%zu] is %s after the backward pass "
                                "(%s, unit %zu)"), norm ? "β" : "b", n, j, v, lay, j);
    case BP_TRAIN_FAULT_PARAM_W:
      if (norm)
        return g_strdup_printf (_("the update made γ(%zu)[%zu] %s (%s, unit %zu)"), n, j, v, lay, j);
      return g_strdup_printf (_("the update made W(%zu)[%zu,%zu] %s (%s, unit %zu)"),
                              n, j, k, v, lay, j);
    case BP_TRAIN_FAULT_PARAM_B:
      return g_strdup_printf (_("the update made %s(%zu)[%zu] %s (%s, unit %zu)"),
                              norm ? "β" : "b", n, j, v, lay, j);
    case BP_TRAIN_FAULT_NONE:
    default:
      return g_strdup (_("every value is finite"));
    }
}
