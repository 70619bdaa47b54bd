/* bp-network.c — the network's structure: layers, the parameter block,
 * activations and cost, initialisation.  The passes (z, a, the cost, δ and
 * the gradients) and the trace that records them are in
 * bp-network-pass.c; finding a non-finite value in bp-network-fault.c.
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
