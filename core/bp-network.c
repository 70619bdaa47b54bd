/* bp-network.c — the network's structure: layers (dense, and since issue
 * 13 batch norm, layer norm, dropout and skips), the parameter block,
 * activations and cost, initialisation.  The passes (z, a, the cost, δ and
 * the gradients) and the trace that records them are in
 * bp-network-pass.c; finding a non-finite value in bp-network-fault.c.
 */
#include "config.h"
#include "bp-network.h"
#include "bp-registry.h"
#include "bp-util.h"

#include <glib/gi18n-lib.h>
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
                   _("input width %zu is out of range (1 to %d)"), n_inputs, BP_MAX_WIDTH);
      return NULL;
    }
  net = g_new0 (BpNetwork, 1);
  net->n_inputs = n_inputs;
  net->cost = bp_registry_lookup_cost (NULL, "mse");
  net->cost_id = g_strdup ("mse");
  net->reduction = BP_REDUCTION_MEAN;
  net->rng = g_new0 (BpRng, 1);
  bp_rng_init (net->rng, 0);
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
      g_free (net->layers[l].running_mean);
      g_free (net->layers[l].running_var);
      g_free (net->layers[l].mask);
    }
  g_free (net->layers);
  g_free (net->rng);
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
      off += bp_layer_n_weights (L);
      L->b = net->params + off;
      L->db = net->grads + off;
      off += bp_layer_n_biases (L);
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
      const BpLayer *L = &net->layers[l];

      copy->layers[l].act_params = g_memdup2 (L->act_params, L->act->n_params * sizeof (double));
      copy->layers[l].running_mean = g_memdup2 (L->running_mean,
                                                L->running_mean != NULL ? L->out * sizeof (double) : 0);
      copy->layers[l].running_var = g_memdup2 (L->running_var,
                                               L->running_var != NULL ? L->out * sizeof (double) : 0);
      copy->layers[l].mask = g_memdup2 (L->mask, L->mask_rows * L->out * sizeof (double));
    }
  copy->rng = g_memdup2 (net->rng, sizeof (BpRng));
  copy->params = g_memdup2 (net->params, MAX (net->n_params, 1) * sizeof (double));
  copy->grads = g_memdup2 (net->grads, MAX (net->n_params, 1) * sizeof (double));
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
      if (la->type != lb->type || la->skip_from != lb->skip_from ||
          !same_bits (&la->eps, &lb->eps, 1) || !same_bits (&la->momentum, &lb->momentum, 1) ||
          !same_bits (&la->p, &lb->p, 1) || la->mask_rows != lb->mask_rows ||
          (la->running_mean == NULL) != (lb->running_mean == NULL) ||
          (la->mask == NULL) != (lb->mask == NULL) ||
          (la->running_mean != NULL &&
           (!same_bits (la->running_mean, lb->running_mean, la->out) ||
            !same_bits (la->running_var, lb->running_var, la->out))) ||
          (la->mask != NULL && !same_bits (la->mask, lb->mask, la->mask_rows * la->out)))
        return FALSE;
    }
  return same_bits (a->params, b->params, a->n_params);
}

static gboolean check_cost_fits (const BpNetwork  *net,
                                 const BpCostDesc *cost,
                                 GError          **error);
static gboolean check_layer_kind (const BpNetwork *net,
                                  gsize            l,
                                  GError         **error);

static const BpActivationDesc *
lookup_activation (const char  *id,
                   GError     **error)
{
  const BpActivationDesc *act = bp_registry_lookup_activation (NULL, id);

  if (act == NULL)
    g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID,
                 _("unknown activation “%s”"), id != NULL ? id : "(null)");
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
                       _("%s “%s”: parameter “%s” = %g is out of range [%g, %g]"),
                       what, id, specs[i].name, p[i], specs[i].min_value, specs[i].max_value);
          g_free (p);
          return NULL;
        }
    }
  return p;
}

/* Whether one more layer fits, and may be the output under the cost. */
static gboolean
check_new_layer (const BpNetwork         *net,
                 const BpActivationDesc  *act,
                 GError                 **error)
{
  if (net->n_layers >= BP_MAX_LAYERS)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("a network has at most %d layers"), BP_MAX_LAYERS);
      return FALSE;
    }
  if (net->cost->output_activation != NULL &&
      g_strcmp0 (act->id, net->cost->output_activation) != 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("cost “%s” %s: a new output layer cannot be “%s”"),
                   net->cost->id, _(net->cost->requires), act->id);
      return FALSE;
    }
  return TRUE;
}

/* Appends a layer of `type`, in → out, with `added` parameters (zero) and
 * the activation `act` (`ap` is taken). */
static BpLayer *
grow (BpNetwork              *net,
      BpLayerType             type,
      gsize                   in,
      gsize                   out,
      gsize                   added,
      const BpActivationDesc *act,
      double                 *ap)
{
  BpLayer *L;

  net->layers = g_renew (BpLayer, net->layers, net->n_layers + 1);
  /* At least one double each, so that the blocks are never NULL: a
   * network of dropout layers alone has no parameters, and memcpy or
   * memset of zero bytes from NULL is still undefined. */
  net->params = g_renew (double, net->params, MAX (net->n_params + added, 1));
  net->grads = g_renew (double, net->grads, MAX (net->n_params + added, 1));
  if (added > 0)
    {
      memset (net->params + net->n_params, 0, added * sizeof (double));
      memset (net->grads + net->n_params, 0, added * sizeof (double));
    }
  net->n_params += added;

  L = &net->layers[net->n_layers++];
  memset (L, 0, sizeof *L);
  L->type = type;
  L->skip_from = -1;
  L->in = in;
  L->out = out;
  L->act = act;
  L->act_id = g_strdup (act->id);
  L->act_params = ap;
  update_views (net);
  return L;
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
  gsize in;

  g_return_val_if_fail (net != NULL, FALSE);

  if (net->n_layers >= BP_MAX_LAYERS)
    return check_new_layer (net, NULL, error);
  if (out < 1 || out > BP_MAX_WIDTH)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("layer width %zu is out of range (1 to %d)"), out, BP_MAX_WIDTH);
      return FALSE;
    }
  if ((act = lookup_activation (activation, error)) == NULL)
    return FALSE;
  if ((ap = params_or_defaults (act->params, act->n_params, act_params,
                                C_("feature", "activation"), act->id, error)) == NULL)
    return FALSE;
  if (!check_new_layer (net, act, error))
    {
      g_free (ap);
      return FALSE;
    }

  in = bp_network_n_outputs (net);
  grow (net, BP_LAYER_DENSE, in, out, in * out + out, act, ap);
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

  if (net->layers[layer].type == BP_LAYER_DROPOUT)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("layer %zu is a dropout layer, which has no activation"), layer + 1);
      return FALSE;
    }
  if ((act = lookup_activation (activation, error)) == NULL)
    return FALSE;
  if ((ap = params_or_defaults (act->params, act->n_params, act_params,
                                C_("feature", "activation"), act->id, error)) == NULL)
    return FALSE;
  if (layer == net->n_layers - 1 && net->cost->output_activation != NULL &&
      g_strcmp0 (act->id, net->cost->output_activation) != 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("cost “%s” %s: the output layer cannot become “%s”"),
                   net->cost->id, _(net->cost->requires), act->id);
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
  if (last->skip_from >= 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("cost “%s” reads the output as %s(z), but the output layer (layer %zu) "
                     "adds a skip connection to it"), cost->id, cost->output_activation,
                   net->n_layers);
      return FALSE;
    }
  if (g_strcmp0 (last->act_id, cost->output_activation) != 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("cost “%s” %s, but the output layer (layer %zu) is “%s”"),
                   cost->id, cost->requires != NULL ? _(cost->requires) : _("needs another output activation"),
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
                   _("unknown cost “%s”"), cost_id != NULL ? cost_id : "(null)");
      return FALSE;
    }
  if (!check_cost_fits (net, cost, error))
    return FALSE;
  if ((cp = params_or_defaults (cost->params, cost->n_params, cost_params,
                                C_("feature", "cost"), cost->id, error)) == NULL)
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
                   _("a network has 1 to %d layers, this one has %zu"), BP_MAX_LAYERS, net->n_layers);
      return FALSE;
    }
  width = net->n_inputs;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      if (net->layers[l].in != width)
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                       _("layer %zu takes %zu inputs but the previous width is %zu"),
                       l + 1, net->layers[l].in, width);
          return FALSE;
        }
      if (!check_layer_kind (net, l, error))
        return FALSE;
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

      /* γ = 1, β = 0 as PyTorch starts them; nothing is drawn, so the dense
       * layers get the same W whatever norm layers sit between them. */
      if (L->type != BP_LAYER_DENSE)
        {
          for (gsize j = 0; j < bp_layer_n_weights (L); j++)
            L->W[j] = 1.0;
          memset (L->b, 0, bp_layer_n_biases (L) * sizeof (double));
          /* and the running statistics start again, as PyTorch's
           * reset_parameters does */
          for (gsize j = 0; L->running_mean != NULL && j < L->out; j++)
            {
              L->running_mean[j] = 0.0;
              L->running_var[j] = 1.0;
            }
          continue;
        }

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

/* The index of `s` in `names` (n entries), as *out; FALSE when absent. */
static gboolean
index_of_name (const char *const *names,
               guint              n,
               const char        *s,
               guint             *out)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (s, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

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
  guint i;

  if (index_of_name (init_names, G_N_ELEMENTS (init_names), s, &i))
    return (*out = (BpInit) i), TRUE;
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

/* ------------------------------------------------------------ layer types */

static const char *const layer_type_names[] = {
  [BP_LAYER_DENSE] = "dense",
  [BP_LAYER_BATCHNORM] = "batchnorm",
  [BP_LAYER_LAYERNORM] = "layernorm",
  [BP_LAYER_DROPOUT] = "dropout",
};

const char *
bp_layer_type_to_string (BpLayerType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (layer_type_names), NULL);
  return layer_type_names[type];
}

gboolean
bp_layer_type_from_string (const char  *s,
                           BpLayerType *out)
{
  guint i;

  if (!index_of_name (layer_type_names, G_N_ELEMENTS (layer_type_names), s, &i))
    return FALSE;
  *out = (BpLayerType) i;
  return TRUE;
}

gsize
bp_layer_n_weights (const BpLayer *L)
{
  switch (L->type)
    {
    case BP_LAYER_DENSE:
      return L->in * L->out;
    case BP_LAYER_BATCHNORM:
    case BP_LAYER_LAYERNORM:
      return L->out;
    case BP_LAYER_DROPOUT:
    default:
      return 0;
    }
}

gsize
bp_layer_n_biases (const BpLayer *L)
{
  return L->type == BP_LAYER_DROPOUT ? 0 : L->out;
}

gboolean
bp_network_check_plain (const BpNetwork  *net,
                        GError          **error)
{
  static const char *const what[] = {
    [BP_LAYER_BATCHNORM] = N_("a batch-norm layer"),
    [BP_LAYER_LAYERNORM] = N_("a layer-norm layer"),
    [BP_LAYER_DROPOUT] = N_("a dropout layer"),
  };

  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_DENSE)
        g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                     _("layer %zu is %s"), l + 1, _(what[L->type]));
      else if (L->skip_from >= 0)
        g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                     _("layer %zu has a skip connection (from a(%zd))"), l + 1, L->skip_from);
      else
        continue;
      return FALSE;
    }
  return TRUE;
}

gboolean
bp_network_is_plain (const BpNetwork *net)
{
  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].type != BP_LAYER_DENSE || net->layers[l].skip_from >= 0)
      return FALSE;
  return TRUE;
}

void
bp_network_seed (BpNetwork *net,
                 guint64    seed)
{
  bp_rng_init (net->rng, seed);
}

/* Width of a(j): the input for j = 0. */
static gsize
width_of (const BpNetwork *net,
          gsize            j)
{
  return j == 0 ? net->n_inputs : net->layers[j - 1].out;
}

/* What validate checks of the new layer kinds: in = out for every layer
 * that is not dense, a skip from an earlier a(j) of the layer's width, and
 * no skip into an output that a cost reads as f(z). */
static gboolean
check_layer_kind (const BpNetwork *net,
                  gsize            l,
                  GError         **error)
{
  const BpLayer *L = &net->layers[l];

  if (L->type != BP_LAYER_DENSE && L->in != L->out)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                   _("layer %zu is a %s layer with %zu inputs and %zu outputs; it must keep "
                     "the width (\"in\" = \"out\")"), l + 1, bp_layer_type_to_string (L->type),
                   L->in, L->out);
      return FALSE;
    }
  if (L->skip_from >= 0)
    {
      if (L->type != BP_LAYER_DENSE)
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                       _("layer %zu: only a dense layer can have a skip connection"), l + 1);
          return FALSE;
        }
      if ((gsize) L->skip_from > l)
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                       _("layer %zu: a skip from a(%zd) is not from an earlier layer "
                         "(0 ≤ skip_from < %zu)"), l + 1, L->skip_from, l + 1);
          return FALSE;
        }
      if (width_of (net, (gsize) L->skip_from) != L->out)
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                       _("layer %zu: a skip from a(%zd), %zu wide, into a layer %zu wide "
                         "(the widths must be equal)"), l + 1, L->skip_from,
                       width_of (net, (gsize) L->skip_from), L->out);
          return FALSE;
        }
      if (l + 1 == net->n_layers && net->cost->output_activation != NULL)
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                       _("layer %zu: cost “%s” reads the output as %s(z); the output layer "
                         "cannot have a skip connection"), l + 1, net->cost->id,
                       net->cost->output_activation);
          return FALSE;
        }
    }
  return TRUE;
}

/* Appends a layer of `type` as wide as the last: a norm layer with γ = 1,
 * β = 0, dropout with no parameters. */
static BpLayer *
append_layer (BpNetwork   *net,
              BpLayerType  type,
              const char  *activation,
              GError     **error)
{
  const BpActivationDesc *act;
  gsize width = bp_network_n_outputs (net);
  BpLayer *L;
  double *ap;

  if (net->n_layers >= BP_MAX_LAYERS)
    return check_new_layer (net, NULL, error), NULL;
  if ((act = lookup_activation (activation != NULL ? activation : "linear", error)) == NULL)
    return NULL;
  /* The activation's parameters at their defaults (leaky_relu's α …):
   * bp_network_set_activation sets others. */
  if ((ap = params_or_defaults (act->params, act->n_params, NULL, C_("feature", "activation"), act->id,
                                error)) == NULL)
    return NULL;
  if (!check_new_layer (net, act, error))
    {
      g_free (ap);
      return NULL;
    }
  L = grow (net, type, width, width, type == BP_LAYER_DROPOUT ? 0 : 2 * width, act, ap);
  for (gsize j = 0; j < bp_layer_n_weights (L); j++)
    L->W[j] = 1.0;
  return L;
}

static gboolean
check_eps (double   eps,
           GError **error)
{
  if (!(eps > 0.0 && isfinite (eps)))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("eps = %g must be a positive number"), eps);
      return FALSE;
    }
  return TRUE;
}

gboolean
bp_network_add_batchnorm (BpNetwork   *net,
                          double       eps,
                          double       momentum,
                          const char  *activation,
                          GError     **error)
{
  BpLayer *L;

  g_return_val_if_fail (net != NULL, FALSE);

  if (!check_eps (eps, error))
    return FALSE;
  if (!(momentum >= 0.0 && momentum <= 1.0))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("momentum = %g is out of range [0, 1]"), momentum);
      return FALSE;
    }
  if ((L = append_layer (net, BP_LAYER_BATCHNORM, activation, error)) == NULL)
    return FALSE;
  L->eps = eps;
  L->momentum = momentum;
  L->running_mean = g_new0 (double, L->out);
  L->running_var = g_new (double, L->out);
  for (gsize j = 0; j < L->out; j++)
    L->running_var[j] = 1.0;
  return TRUE;
}

gboolean
bp_network_add_layernorm (BpNetwork   *net,
                          double       eps,
                          const char  *activation,
                          GError     **error)
{
  BpLayer *L;

  g_return_val_if_fail (net != NULL, FALSE);

  if (!check_eps (eps, error))
    return FALSE;
  if ((L = append_layer (net, BP_LAYER_LAYERNORM, activation, error)) == NULL)
    return FALSE;
  L->eps = eps;
  return TRUE;
}

gboolean
bp_network_add_dropout (BpNetwork  *net,
                        double      p,
                        GError    **error)
{
  BpLayer *L;

  g_return_val_if_fail (net != NULL, FALSE);

  if (!(p >= 0.0 && p < 1.0))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("p = %g is out of range [0, 1) (the probability of dropping a unit)"), p);
      return FALSE;
    }
  if ((L = append_layer (net, BP_LAYER_DROPOUT, NULL, error)) == NULL)
    return FALSE;
  L->p = p;
  return TRUE;
}

gboolean
bp_network_set_skip (BpNetwork  *net,
                     gsize       layer,
                     gssize      j,
                     GError    **error)
{
  gssize old;

  g_return_val_if_fail (net != NULL && layer < net->n_layers, FALSE);

  old = net->layers[layer].skip_from;
  net->layers[layer].skip_from = j < 0 ? -1 : j;
  if (!check_layer_kind (net, layer, error))
    {
      net->layers[layer].skip_from = old;
      return FALSE;
    }
  return TRUE;
}

gboolean
bp_network_set_mask (BpNetwork    *net,
                     gsize         layer,
                     const double *mask,
                     gsize         rows,
                     GError      **error)
{
  BpLayer *L;

  g_return_val_if_fail (net != NULL && layer < net->n_layers, FALSE);

  L = &net->layers[layer];
  if (L->type != BP_LAYER_DROPOUT)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("layer %zu is not a dropout layer; only dropout has a mask"), layer + 1);
      return FALSE;
    }
  if (mask != NULL)
    {
      if (rows < 1)
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                       _("layer %zu: a dropout mask needs at least one row"), layer + 1);
          return FALSE;
        }
      for (gsize i = 0; i < rows * L->out; i++)
        if (mask[i] != 0.0 && mask[i] != 1.0)
          {
            g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                         _("layer %zu: mask[%zu][%zu] is %g; a dropout mask holds only 0 and 1"),
                         layer + 1, i / L->out, i % L->out, mask[i]);
            return FALSE;
          }
    }
  g_free (L->mask);
  L->mask = mask != NULL ? g_memdup2 (mask, rows * L->out * sizeof (double)) : NULL;
  L->mask_rows = mask != NULL ? rows : 0;
  return TRUE;
}

gboolean
bp_network_check_batch (const BpNetwork  *net,
                        gsize             B,
                        GError          **error)
{
  if (net->eval)
    return TRUE;
  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].mask != NULL && net->layers[l].mask_rows < B)
      {
        g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                     ngettext ("layer %zu is a dropout layer whose fixed mask has %zu row, but the "
                               "batch has %zu samples (the mask needs one row per sample)",
                               "layer %zu is a dropout layer whose fixed mask has %zu rows, but the "
                               "batch has %zu samples (the mask needs one row per sample)",
                               net->layers[l].mask_rows), l + 1,
                     net->layers[l].mask_rows, B);
        return FALSE;
      }
  for (gsize l = 0; l < net->n_layers && B < 2; l++)
    if (net->layers[l].type == BP_LAYER_BATCHNORM)
      {
        g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                     _("layer %zu is a batch-norm layer: in training mode it needs a batch of "
                       "at least 2 samples (the variance of one sample is 0, and the running "
                       "variance would divide by B − 1 = 0); this batch has %zu"), l + 1, B);
        return FALSE;
      }
  return TRUE;
}
