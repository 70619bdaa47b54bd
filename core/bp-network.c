/* bp-network.c — the network's structure: layers, the parameter block,
 * initialisation, and the trace buffers.  The math of the passes is in
 * bp-propagate.c.
 */
#include "bp-network.h"
#include "bp-registry.h"
#include "bp-util.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (bp-network-error-quark, bp_network_error)

BpNetwork *
bp_network_new (gsize    n_inputs,
                GError **error)
{
  BpNetwork *net;

  if (n_inputs < 1 || n_inputs > BP_MAX_WIDTH)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "input width %zu is out of range (1 to %d)", n_inputs, BP_MAX_WIDTH);
      return NULL;
    }
  net = g_new0 (BpNetwork, 1);
  net->n_inputs = n_inputs;
  net->cost = bp_registry_lookup_cost (NULL, "mse");
  net->cost_id = g_strdup ("mse");
  net->reduction = BP_REDUCTION_MEAN;
  return net;
}

void
bp_network_free (BpNetwork *net)
{
  if (net == NULL)
    return;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      g_free (net->layers[l].act_id);
      g_free (net->layers[l].act_params);
    }
  g_free (net->layers);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->cost_id);
  g_free (net->cost_params);
  g_free (net);
}

/* Points every layer's W, b, dW, db into the blocks. */
static void
update_views (BpNetwork *net)
{
  gsize off = 0;

  for (gsize l = 0; l < net->n_layers; l++)
    {
      BpLayer *L = &net->layers[l];

      L->W = net->params + off;
      L->dW = net->grads + off;
      off += L->in * L->out;
      L->b = net->params + off;
      L->db = net->grads + off;
      off += L->out;
    }
  g_assert (off == net->n_params);
}

BpNetwork *
bp_network_copy (const BpNetwork *net)
{
  BpNetwork *copy;

  g_return_val_if_fail (net != NULL, NULL);

  copy = g_new0 (BpNetwork, 1);
  *copy = *net;
  copy->layers = g_memdup2 (net->layers, net->n_layers * sizeof (BpLayer));
  for (gsize l = 0; l < net->n_layers; l++)
    {
      copy->layers[l].act_id = g_strdup (net->layers[l].act_id);
      copy->layers[l].act_params = g_memdup2 (net->layers[l].act_params,
                                              net->layers[l].act->n_params * sizeof (double));
    }
  copy->params = g_memdup2 (net->params, net->n_params * sizeof (double));
  copy->grads = g_memdup2 (net->grads, net->n_params * sizeof (double));
  copy->cost_id = g_strdup (net->cost_id);
  copy->cost_params = g_memdup2 (net->cost_params, net->cost->n_params * sizeof (double));
  update_views (copy);
  return copy;
}

static gboolean
same_bits (const double *a,
           const double *b,
           gsize         n)
{
  return n == 0 || memcmp (a, b, n * sizeof (double)) == 0;
}

gboolean
bp_network_equal (const BpNetwork *a,
                  const BpNetwork *b)
{
  if (a->n_inputs != b->n_inputs || a->n_layers != b->n_layers ||
      a->n_params != b->n_params || a->reduction != b->reduction ||
      g_strcmp0 (a->cost_id, b->cost_id) != 0 ||
      !same_bits (a->cost_params, b->cost_params, a->cost->n_params))
    return FALSE;
  for (gsize l = 0; l < a->n_layers; l++)
    {
      const BpLayer *la = &a->layers[l], *lb = &b->layers[l];

      if (la->in != lb->in || la->out != lb->out || g_strcmp0 (la->act_id, lb->act_id) != 0 ||
          !same_bits (la->act_params, lb->act_params, la->act->n_params))
        return FALSE;
    }
  return same_bits (a->params, b->params, a->n_params);
}

static gboolean check_cost_fits (const BpNetwork  *net,
                                 const BpCostDesc *cost,
                                 GError          **error);

static const BpActivationDesc *
lookup_activation (const char  *id,
                   GError     **error)
{
  const BpActivationDesc *act = bp_registry_lookup_activation (NULL, id);

  if (act == NULL)
    g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID,
                 "unknown activation “%s”", id != NULL ? id : "(null)");
  return act;
}

static double *
params_or_defaults (const BpParamSpec *specs,
                    gsize              n,
                    const double      *values,
                    const char        *what,
                    const char        *id,
                    GError           **error)
{
  double *p = g_new0 (double, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      p[i] = values != NULL ? values[i] : specs[i].default_value;
      if (!(p[i] >= specs[i].min_value && p[i] <= specs[i].max_value))
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                       "%s “%s”: parameter “%s” = %g is out of range [%g, %g]",
                       what, id, specs[i].name, p[i], specs[i].min_value, specs[i].max_value);
          g_free (p);
          return NULL;
        }
    }
  return p;
}

gboolean
bp_network_add_layer (BpNetwork    *net,
                      gsize         out,
                      const char   *activation,
                      const double *act_params,
                      GError      **error)
{
  const BpActivationDesc *act;
  double *ap;
  gsize in, added;
  BpLayer *L;

  g_return_val_if_fail (net != NULL, FALSE);

  if (net->n_layers >= BP_MAX_LAYERS)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "a network has at most %d layers", BP_MAX_LAYERS);
      return FALSE;
    }
  if (out < 1 || out > BP_MAX_WIDTH)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "layer width %zu is out of range (1 to %d)", out, BP_MAX_WIDTH);
      return FALSE;
    }
  if ((act = lookup_activation (activation, error)) == NULL)
    return FALSE;
  if ((ap = params_or_defaults (act->params, act->n_params, act_params,
                                "activation", act->id, error)) == NULL)
    return FALSE;

  if (net->cost->output_activation != NULL &&
      g_strcmp0 (act->id, net->cost->output_activation) != 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "cost “%s” %s: a new output layer cannot be “%s”",
                   net->cost->id, net->cost->requires, act->id);
      g_free (ap);
      return FALSE;
    }

  in = bp_network_n_outputs (net);
  added = in * out + out;
  net->layers = g_renew (BpLayer, net->layers, net->n_layers + 1);
  net->params = g_renew (double, net->params, net->n_params + added);
  net->grads = g_renew (double, net->grads, net->n_params + added);
  memset (net->params + net->n_params, 0, added * sizeof (double));
  memset (net->grads + net->n_params, 0, added * sizeof (double));
  net->n_params += added;

  L = &net->layers[net->n_layers++];
  memset (L, 0, sizeof *L);
  L->in = in;
  L->out = out;
  L->act = act;
  L->act_id = g_strdup (act->id);
  L->act_params = ap;
  update_views (net);
  return TRUE;
}

gboolean
bp_network_set_activation (BpNetwork    *net,
                           gsize         layer,
                           const char   *activation,
                           const double *act_params,
                           GError      **error)
{
  const BpActivationDesc *act;
  double *ap;
  BpLayer *L;

  g_return_val_if_fail (net != NULL, FALSE);
  g_return_val_if_fail (layer < net->n_layers, FALSE);

  if ((act = lookup_activation (activation, error)) == NULL)
    return FALSE;
  if ((ap = params_or_defaults (act->params, act->n_params, act_params,
                                "activation", act->id, error)) == NULL)
    return FALSE;
  if (layer == net->n_layers - 1 && net->cost->output_activation != NULL &&
      g_strcmp0 (act->id, net->cost->output_activation) != 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "cost “%s” %s: the output layer cannot become “%s”",
                   net->cost->id, net->cost->requires, act->id);
      g_free (ap);
      return FALSE;
    }
  L = &net->layers[layer];
  g_free (L->act_id);
  g_free (L->act_params);
  L->act = act;
  L->act_id = g_strdup (act->id);
  L->act_params = ap;
  return TRUE;
}

static gboolean
check_cost_fits (const BpNetwork  *net,
                 const BpCostDesc *cost,
                 GError          **error)
{
  const BpLayer *last;

  if (cost->output_activation == NULL || net->n_layers == 0)
    return TRUE;
  last = &net->layers[net->n_layers - 1];
  if (g_strcmp0 (last->act_id, cost->output_activation) != 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "cost “%s” %s, but the output layer (layer %zu) is “%s”",
                   cost->id, cost->requires != NULL ? cost->requires : "needs another output activation",
                   net->n_layers, last->act_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
bp_network_set_cost (BpNetwork    *net,
                     const char   *cost_id,
                     const double *cost_params,
                     GError      **error)
{
  const BpCostDesc *cost;
  double *cp;

  g_return_val_if_fail (net != NULL, FALSE);

  cost = bp_registry_lookup_cost (NULL, cost_id);
  if (cost == NULL)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID,
                   "unknown cost “%s”", cost_id != NULL ? cost_id : "(null)");
      return FALSE;
    }
  if (!check_cost_fits (net, cost, error))
    return FALSE;
  if ((cp = params_or_defaults (cost->params, cost->n_params, cost_params,
                                "cost", cost->id, error)) == NULL)
    return FALSE;
  g_free (net->cost_id);
  g_free (net->cost_params);
  net->cost = cost;
  net->cost_id = g_strdup (cost->id);
  net->cost_params = cp;
  return TRUE;
}

gboolean
bp_network_validate (const BpNetwork  *net,
                     GError          **error)
{
  gsize width;

  g_return_val_if_fail (net != NULL, FALSE);

  if (net->n_layers < 1 || net->n_layers > BP_MAX_LAYERS)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "a network has 1 to %d layers, this one has %zu", BP_MAX_LAYERS, net->n_layers);
      return FALSE;
    }
  width = net->n_inputs;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      if (net->layers[l].in != width)
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                       "layer %zu takes %zu inputs but the previous width is %zu",
                       l + 1, net->layers[l].in, width);
          return FALSE;
        }
      width = net->layers[l].out;
    }
  return check_cost_fits (net, net->cost, error);
}

gsize
bp_network_n_outputs (const BpNetwork *net)
{
  return net->n_layers > 0 ? net->layers[net->n_layers - 1].out : net->n_inputs;
}

/* Activations whose units are zero (or nearly) for half of their inputs:
 * their layers keep the variance of the signal with He's 2 / in, not
 * Glorot's 2 / (in + out), and relu layers started with Glorot die more
 * often (spirals: 72 % instead of 100 % at seed 42). */
static gboolean
is_rectifier (const BpActivationDesc *act)
{
  static const char *const ids[] = { "relu", "leaky_relu", "elu", "selu", "gelu", "swish", "mish" };

  for (guint i = 0; act != NULL && i < G_N_ELEMENTS (ids); i++)
    if (g_strcmp0 (act->id, ids[i]) == 0)
      return TRUE;
  return FALSE;
}

void
bp_network_init_weights (BpNetwork *net,
                         BpInit     init,
                         BpRng     *rng)
{
  for (gsize l = 0; l < net->n_layers; l++)
    {
      BpLayer *L = &net->layers[l];
      double fan_in = (double) L->in, fan_out = (double) L->out;
      gsize n = L->in * L->out;
      BpInit kind = init;

      if (kind == BP_INIT_AUTO)
        kind = is_rectifier (L->act) ? BP_INIT_HE_UNIFORM : BP_INIT_GLOROT_UNIFORM;
      switch (kind)
        {
        case BP_INIT_GLOROT_UNIFORM:
          {
            double r = sqrt (6.0 / (fan_in + fan_out));
            for (gsize i = 0; i < n; i++)
              L->W[i] = bp_rng_range (rng, -r, r);
          }
          break;
        case BP_INIT_GLOROT_NORMAL:
          {
            double sd = sqrt (2.0 / (fan_in + fan_out));
            for (gsize i = 0; i < n; i++)
              L->W[i] = sd * bp_rng_normal (rng);
          }
          break;
        case BP_INIT_HE_UNIFORM:
          {
            double r = sqrt (6.0 / fan_in);
            for (gsize i = 0; i < n; i++)
              L->W[i] = bp_rng_range (rng, -r, r);
          }
          break;
        case BP_INIT_HE_NORMAL:
          {
            double sd = sqrt (2.0 / fan_in);
            for (gsize i = 0; i < n; i++)
              L->W[i] = sd * bp_rng_normal (rng);
          }
          break;
        case BP_INIT_AUTO:
          g_assert_not_reached ();
        }
      memset (L->b, 0, L->out * sizeof (double));
    }
}

static const char *const init_names[] = {
  [BP_INIT_GLOROT_UNIFORM] = "glorot_uniform",
  [BP_INIT_GLOROT_NORMAL] = "glorot_normal",
  [BP_INIT_HE_UNIFORM] = "he_uniform",
  [BP_INIT_HE_NORMAL] = "he_normal",
  [BP_INIT_AUTO] = "auto",
};

const char *
bp_init_to_string (BpInit init)
{
  g_return_val_if_fail ((guint) init < G_N_ELEMENTS (init_names), NULL);
  return init_names[init];
}

gboolean
bp_init_from_string (const char *s,
                     BpInit     *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (init_names); i++)
    if (g_strcmp0 (s, init_names[i]) == 0)
      {
        *out = (BpInit) i;
        return TRUE;
      }
  /* Common aliases. */
  if (g_strcmp0 (s, "xavier_uniform") == 0)
    return (*out = BP_INIT_GLOROT_UNIFORM), TRUE;
  if (g_strcmp0 (s, "xavier_normal") == 0)
    return (*out = BP_INIT_GLOROT_NORMAL), TRUE;
  return FALSE;
}

void
bp_network_zero_grad (BpNetwork *net)
{
  memset (net->grads, 0, net->n_params * sizeof (double));
}

/* ------------------------------------------------------------------ trace */

BpTrace *
bp_trace_new (const BpNetwork *net,
              gsize            capacity)
{
  BpTrace *t;
  gsize max_width = net->n_inputs;

  g_return_val_if_fail (net != NULL, NULL);
  g_return_val_if_fail (capacity >= 1, NULL);

  t = g_new0 (BpTrace, 1);
  t->capacity = capacity;
  t->n_layers = net->n_layers;
  t->n_inputs = net->n_inputs;
  t->keep = TRUE;
  t->widths = g_new (gsize, MAX (net->n_layers, 1));
  t->z = g_new0 (double *, MAX (net->n_layers, 1));
  t->a = g_new0 (double *, MAX (net->n_layers, 1));
  t->dC_da = g_new0 (double *, MAX (net->n_layers, 1));
  t->dC_dz = g_new0 (double *, MAX (net->n_layers, 1));
  t->input = g_new0 (double, capacity * net->n_inputs);
  t->target = g_new0 (double, capacity * bp_network_n_outputs (net));
  for (gsize l = 0; l < net->n_layers; l++)
    {
      gsize n = capacity * net->layers[l].out;

      t->widths[l] = net->layers[l].out;
      max_width = MAX (max_width, net->layers[l].out);
      t->z[l] = g_new0 (double, n);
      t->a[l] = g_new0 (double, n);
      t->dC_da[l] = g_new0 (double, n);
      t->dC_dz[l] = g_new0 (double, n);
    }
  t->per_sample_loss = g_new0 (double, capacity);
  t->grad_norm = g_new0 (double, MAX (net->n_layers, 1));
  t->scratch = g_new0 (double, capacity * max_width + 2 * max_width);
  return t;
}

void
bp_trace_free (BpTrace *t)
{
  if (t == NULL)
    return;
  for (gsize l = 0; l < t->n_layers; l++)
    {
      g_free (t->z[l]);
      g_free (t->a[l]);
      g_free (t->dC_da[l]);
      g_free (t->dC_dz[l]);
    }
  g_free (t->z);
  g_free (t->a);
  g_free (t->dC_da);
  g_free (t->dC_dz);
  g_free (t->widths);
  g_free (t->input);
  g_free (t->target);
  g_free (t->per_sample_loss);
  g_free (t->grad_norm);
  g_free (t->scratch);
  g_free (t);
}

gboolean
bp_trace_fits (const BpTrace   *t,
               const BpNetwork *net)
{
  if (t->n_layers != net->n_layers || t->n_inputs != net->n_inputs)
    return FALSE;
  for (gsize l = 0; l < net->n_layers; l++)
    if (t->widths[l] != net->layers[l].out)
      return FALSE;
  return TRUE;
}

const double *
bp_trace_z (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  return t->z[layer] + s * t->widths[layer];
}

const double *
bp_trace_a (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  return t->a[layer] + s * t->widths[layer];
}

const double *
bp_trace_dC_da (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  return t->dC_da[layer] + s * t->widths[layer];
}

const double *
bp_trace_dC_dz (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  return t->dC_dz[layer] + s * t->widths[layer];
}

const double *
bp_trace_a_prev (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  if (layer == 0)
    return t->input + s * t->n_inputs;
  return t->a[layer - 1] + s * t->widths[layer - 1];
}

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
    if (!isfinite (t->grad_norm[l]) || !bp_all_finite (net->layers[l].db, net->layers[l].out))
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
  return find_first_nonfinite (net, t, fault);
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
      gsize i;

      /* W is out × in, row j holds the weights into unit j. */
      if (find_nonfinite (L->W, L->out * L->in, &i))
        {
          fault_init (fault, BP_TRAIN_FAULT_PARAM_W, l + 1, i / L->in + 1, i % L->in + 1, 0,
                      L->W[i]);
          return TRUE;
        }
      if (find_nonfinite (L->b, L->out, &i))
        {
          fault_init (fault, BP_TRAIN_FAULT_PARAM_B, l + 1, i + 1, 0, 0, L->b[i]);
          return TRUE;
        }
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
  gboolean fused = net->cost->grad_z != NULL &&
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
      if (find_nonfinite (L->dW, L->out * L->in, &i))
        {
          fault_init (fault, BP_TRAIN_FAULT_GRAD_W, l + 1, i / L->in + 1, i % L->in + 1, 0, L->dW[i]);
          return TRUE;
        }
      if (find_nonfinite (L->db, L->out, &i))
        {
          fault_init (fault, BP_TRAIN_FAULT_GRAD_B, l + 1, i + 1, 0, 0, L->db[i]);
          return TRUE;
        }
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

char *
bp_train_fault_describe (const BpTrainFault *f)
{
  char v[32], from[32], target[32];
  gsize n, j, k, s;

  g_return_val_if_fail (f != NULL, NULL);

  n = f->layer;
  j = f->unit;
  k = f->input;
  s = f->sample;
  bp_format_value (v, f->value);
  bp_format_value (from, f->from);
  bp_format_value (target, f->target);
  switch (f->kind)
    {
    case BP_TRAIN_FAULT_INPUT:
      return g_strdup_printf ("input %zu of sample %zu is %s in the data (layer 0, unit %zu)",
                              j, s, v, j);
    case BP_TRAIN_FAULT_Z:
      return g_strdup_printf ("z(%zu)[%zu] is %s in the forward pass (layer %zu, unit %zu, "
                              "sample %zu)", n, j, v, n, j, s);
    case BP_TRAIN_FAULT_A:
      return g_strdup_printf ("a(%zu)[%zu] is %s in the forward pass, from z(%zu)[%zu] = %s "
                              "(layer %zu, unit %zu, sample %zu)", n, j, v, n, j, from, n, j, s);
    case BP_TRAIN_FAULT_LOSS:
      return g_strdup_printf ("the cost is %s for sample %zu (layer %zu, the output, unit %zu: "
                              "a(%zu)[%zu] = %s where the target is %s)",
                              v, s, n, j, n, j, from, target);
    case BP_TRAIN_FAULT_GRAD_A:
      return g_strdup_printf ("∂C/∂a(%zu)[%zu] is %s after the backward pass (layer %zu, "
                              "unit %zu, sample %zu)", n, j, v, n, j, s);
    case BP_TRAIN_FAULT_DELTA:
      return g_strdup_printf ("δ(%zu)[%zu] = ∂C/∂z(%zu)[%zu] is %s after the backward pass "
                              "(layer %zu, unit %zu, sample %zu)", n, j, n, j, v, n, j, s);
    case BP_TRAIN_FAULT_GRAD_W:
      return g_strdup_printf ("∂C/∂W(%zu)[%zu,%zu] is %s after the backward pass "
                              "(layer %zu, unit %zu)", n, j, k, v, n, j);
    case BP_TRAIN_FAULT_GRAD_B:
      return g_strdup_printf ("∂C/∂b(%zu)[%zu] is %s after the backward pass "
                              "(layer %zu, unit %zu)", n, j, v, n, j);
    case BP_TRAIN_FAULT_PARAM_W:
      return g_strdup_printf ("the update made W(%zu)[%zu,%zu] %s (layer %zu, unit %zu)",
                              n, j, k, v, n, j);
    case BP_TRAIN_FAULT_PARAM_B:
      return g_strdup_printf ("the update made b(%zu)[%zu] %s (layer %zu, unit %zu)",
                              n, j, v, n, j);
    case BP_TRAIN_FAULT_NONE:
    default:
      return g_strdup ("every value is finite");
    }
}
