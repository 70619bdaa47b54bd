/* bp-edit-layers.c — the edits of the layers (insert, remove, move, width,
 * skips, norm and dropout layers), written as plans from which one function
 * builds the new network, so the keep-the-bits rule of bp-edit.h is in one
 * place.  The other edits and the labels are bp-edit.c.
 *
 * A plan says, for each new layer: its width, type, activation and skip,
 * the old layer it comes from, and which old row and column each of its
 * rows and columns takes.
 */
#include "config.h"
#include "bp-edit.h"
#include "bp-edit-private.h"
#include "bp-registry.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* --------------------------------------------------------- new parameters */

/* splitmix64's finaliser. */
static guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

guint64
bp_edit_derive_seed (guint64 seed,
                     gsize   layer,
                     gsize   in,
                     gsize   out)
{
  /* Each field goes through the finaliser after a Weyl step, so tuples that
   * differ in any field give unrelated streams, and none of them is the
   * stream of the plain seed (which initialises whole networks). */
  const guint64 golden = G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  guint64 h = mix64 (seed ^ G_GUINT64_CONSTANT (0x6270656469742121));  /* "bpedit!!" */

  h = mix64 (h + golden + (guint64) layer);
  h = mix64 (h + golden + (guint64) in);
  h = mix64 (h + golden + (guint64) out);
  return h;
}

/* The out × in W a layer `layer` of that shape gets when it is wholly new:
 * bp_network_init_weights on a one-layer network, from the derived seed. */
static double *
fresh_weights (const BpModel *model,
               gsize          layer,
               gsize          in,
               gsize          out)
{
  g_autoptr(BpNetwork) one = bp_network_new (in, NULL);
  BpRng rng;

  /* Widths were checked by the caller: this cannot fail. */
  g_assert (one != NULL);
  if (!bp_network_add_layer (one, out, "linear", NULL, NULL))
    g_assert_not_reached ();
  bp_rng_init (&rng, bp_edit_derive_seed (model->seed, layer, in, out));
  bp_network_init_weights (one, model->init, &rng);
  return g_memdup2 (one->layers[0].W, in * out * sizeof (double));
}

/* ------------------------------------------------------------------ plans */

typedef enum
{
  MAP_NONE,          /* every row (column) is new */
  MAP_OVERLAP,       /* i takes old i where the old one has it, else new */
  MAP_SKIP,          /* old `skip` is gone: i < skip takes i, else i + 1 */
  MAP_IF_SAME,       /* columns only: all kept when the input width is unchanged, else all new */
} MapKind;

typedef struct
{
  gsize         out;
  const char   *act_id;
  const double *act_params;
  gssize        src;        /* the old layer it comes from, or -1 */
  MapKind       rows;
  gsize         row_skip;
  MapKind       cols;
  gsize         col_skip;
  BpLayerType   type;
  gssize        skip;       /* the j of the a(j) added to its output (new numbering), or -1 */
} Plan;

typedef struct
{
  gsize       n_layers;
  Plan        layer[BP_MAX_LAYERS];
  const char *cost_id;      /* NULL: the old network's cost */
} Plans;

/* The values a new layer of these types starts with (bp-edit.h). */
#define EDIT_DROPOUT_P 0.5

/* Old layer l as it is, at its place (its skip still in the old numbering:
 * the edit renumbers it). */
static Plan
plan_keep (const BpNetwork *old,
           gsize            l)
{
  Plan p = {
    .out = old->layers[l].out,
    .act_id = old->layers[l].act_id,
    .act_params = old->layers[l].act_params,
    .src = (gssize) l,
    .rows = MAP_OVERLAP,
    .cols = MAP_IF_SAME,
    .type = old->layers[l].type,
    .skip = old->layers[l].skip_from,
  };
  return p;
}

/* "batch norm", for messages and labels. */
const char *
_bp_edit_type_name (BpLayerType type)
{
  switch (type)
    {
    case BP_LAYER_BATCHNORM:
      return _("batch norm");
    case BP_LAYER_LAYERNORM:
      return _("layer norm");
    case BP_LAYER_DROPOUT:
      return _("dropout");
    case BP_LAYER_DENSE:
    default:
      return _("dense");
    }
}

static gssize
map_index (MapKind kind,
           gsize   skip,
           gsize   i,
           gsize   old_n,
           gboolean same)
{
  switch (kind)
    {
    case MAP_OVERLAP:
      return i < old_n ? (gssize) i : -1;
    case MAP_SKIP:
      return (gssize) (i < skip ? i : i + 1);
    case MAP_IF_SAME:
      return same ? (gssize) i : -1;
    case MAP_NONE:
    default:
      return -1;
    }
}

gboolean
_bp_edit_check_width (gsize        width,
             GError     **error)
{
  if (width < 1 || width > BP_MAX_WIDTH)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("a layer has 1 to %d units, not %zu"), BP_MAX_WIDTH, width);
  return TRUE;
}

static gboolean
tied_to_data (const BpModel *model)
{
  return model->dataset != NULL || (model->n_samples > 0 && model->inputs != NULL);
}

/* Appends the layer `p` plans, as its old layer was (eps, momentum, p) or
 * with the defaults when it is new. */
static gboolean
add_planned_layer (BpNetwork       *net,
                   const Plan      *p,
                   const BpNetwork *old,
                   GError         **error)
{
  const BpLayer *O = p->src >= 0 ? &old->layers[p->src] : NULL;
  gboolean ok;

  switch (p->type)
    {
    case BP_LAYER_BATCHNORM:
      ok = bp_network_add_batchnorm (net, O != NULL ? O->eps : BP_NORM_DEFAULT_EPS,
                                     O != NULL ? O->momentum : BP_NORM_DEFAULT_MOMENTUM,
                                     p->act_id, error);
      break;
    case BP_LAYER_LAYERNORM:
      ok = bp_network_add_layernorm (net, O != NULL ? O->eps : BP_NORM_DEFAULT_EPS,
                                     p->act_id, error);
      break;
    case BP_LAYER_DROPOUT:
      return bp_network_add_dropout (net, O != NULL ? O->p : EDIT_DROPOUT_P, error);
    case BP_LAYER_DENSE:
    default:
      return bp_network_add_layer (net, p->out, p->act_id, p->act_params, error);
    }
  /* The norm layers take their activation's defaults: set its parameters. */
  return ok && (p->act_params == NULL ||
                bp_network_set_activation (net, net->n_layers - 1, p->act_id, p->act_params,
                                           error));
}

/* A norm or dropout layer L (just added: γ = 1, β = 0, running mean 0 and
 * variance 1, no mask) takes from its old layer O, if any, the entries
 * `rows` maps: γ, β, the running statistics, the mask's columns (a new
 * column of a fixed mask keeps its unit). */
static void
keep_typed (BpLayer       *L,
            const BpLayer *O,
            const gssize  *rows)
{
  if (O == NULL)
    return;
  for (gsize j = 0; j < L->out; j++)
    {
      if (rows[j] < 0)
        continue;
      if (L->type != BP_LAYER_DROPOUT)
        {
          L->W[j] = O->W[rows[j]];
          L->b[j] = O->b[rows[j]];
        }
      if (L->running_mean != NULL)
        {
          L->running_mean[j] = O->running_mean[rows[j]];
          L->running_var[j] = O->running_var[rows[j]];
        }
    }
  if (O->mask != NULL)
    {
      L->mask_rows = O->mask_rows;
      L->mask = g_new (double, L->mask_rows * L->out);
      for (gsize s = 0; s < L->mask_rows; s++)
        for (gsize j = 0; j < L->out; j++)
          L->mask[s * L->out + j] = rows[j] >= 0 ? O->mask[s * O->out + (gsize) rows[j]] : 1.0;
    }
}

/* The network the plans describe, with the parameters carried over. */
static BpNetwork *
build_network (const BpModel *model,
               gsize          n_inputs,
               const Plans   *plans,
               gboolean       keep_outputs,
               GError       **error)
{
  const BpNetwork *old = model->network;
  g_autoptr(BpNetwork) net = NULL;
  g_autoptr(GError) local = NULL;
  gsize total = 0, width = n_inputs, widths[BP_MAX_LAYERS + 1];
  /* A plan with a cost of its own takes that cost's default parameters. */
  const char *cost_id = plans->cost_id != NULL ? plans->cost_id : old->cost_id;
  const double *cost_params = plans->cost_id != NULL ? NULL : old->cost_params;

  g_assert (plans->n_layers >= 1 && plans->n_layers <= BP_MAX_LAYERS);

  widths[0] = n_inputs;
  for (gsize l = 0; l < plans->n_layers; l++)
    {
      const Plan *p = &plans->layer[l];

      if (!_bp_edit_check_width (p->out, error))
        return NULL;
      if (p->type != BP_LAYER_DENSE && p->out != width)
        {
          _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                     ngettext ("layer %zu is a %s layer, as wide as its input: a(%zu) would have %zu "
                               "unit and the layer %zu",
                               "layer %zu is a %s layer, as wide as its input: a(%zu) would have %zu "
                               "units and the layer %zu", width),
                     l + 1, _bp_edit_type_name (p->type), l, width, p->out);
          return NULL;
        }
      total += p->type == BP_LAYER_DENSE ? width * p->out + p->out
               : p->type == BP_LAYER_DROPOUT ? 0 : 2 * p->out;
      width = p->out;
      widths[l + 1] = width;
    }
  for (gsize l = 0; l < plans->n_layers; l++)
    {
      const Plan *p = &plans->layer[l];

      /* The edits renumber skips within 0 … l. */
      g_assert (p->skip < 0 || (gsize) p->skip <= l);
      if (p->skip >= 0 && widths[p->skip] != p->out)
        {
          _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                     _("layer %zu adds a(%zd) to its output (a skip connection), so a(%zd) and "
                       "a(%zu) must have the same width; they would have %zu and %zu units "
                       "(remove the skip first)"), l + 1, p->skip, p->skip, l + 1,
                     widths[p->skip], p->out);
          return NULL;
        }
    }
  if (total > BP_MODEL_MAX_PARAMS)
    {
      _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                 _("the network would have %zu parameters; a model holds at most %zu"),
                 total, BP_MODEL_MAX_PARAMS);
      return NULL;
    }
  if (keep_outputs && width != bp_network_n_outputs (old))
    {
      _bp_edit_fail (error, BP_EDIT_ERROR_SHAPE,
                 model->dataset != NULL
                 ? ngettext ("the output layer would have %zu unit, but the dataset needs %zu "
                             "(change the dataset to change the output width)",
                             "the output layer would have %zu units, but the dataset needs %zu "
                             "(change the dataset to change the output width)", width)
                 : ngettext ("the output layer would have %zu unit, but the worked example needs %zu "
                             "(change the dataset to change the output width)",
                             "the output layer would have %zu units, but the worked example needs %zu "
                             "(change the dataset to change the output width)", width),
                 width,
                 bp_network_n_outputs (old));
      return NULL;
    }

  /* Built with the default cost (mse, which needs no output activation),
   * so that no layer is refused for being the output for a moment. */
  net = bp_network_new (n_inputs, &local);
  for (gsize l = 0; net != NULL && local == NULL && l < plans->n_layers; l++)
    if (!add_planned_layer (net, &plans->layer[l], old, &local))
      break;
  for (gsize l = 0; net != NULL && local == NULL && l < plans->n_layers; l++)
    if (plans->layer[l].skip >= 0)
      bp_network_set_skip (net, l, plans->layer[l].skip, &local);
  if (local != NULL)
    {
      _bp_edit_fail_from (error, local, BP_EDIT_ERROR_INVALID);
      return NULL;
    }
  if (!bp_network_set_cost (net, cost_id, cost_params, &local))
    {
      _bp_edit_fail_from (error, local, BP_EDIT_ERROR_COST);
      return NULL;
    }
  net->reduction = old->reduction;
  /* The dropout masks drawn next are the ones the old network would have
   * drawn. */
  *net->rng = *old->rng;

  for (gsize l = 0; l < net->n_layers; l++)
    {
      const Plan *p = &plans->layer[l];
      BpLayer *L = &net->layers[l];
      const BpLayer *O = p->src >= 0 ? &old->layers[p->src] : NULL;
      g_autofree gssize *rows = g_new (gssize, L->out);
      g_autofree gssize *cols = g_new (gssize, L->in);
      g_autofree double *fresh = NULL;
      gboolean any_new = O == NULL;

      for (gsize j = 0; j < L->out; j++)
        {
          rows[j] = O != NULL ? map_index (p->rows, p->row_skip, j, O->out, FALSE) : -1;
          any_new |= rows[j] < 0;
        }
      if (L->type != BP_LAYER_DENSE)
        {
          keep_typed (L, O, rows);
          continue;
        }
      for (gsize i = 0; i < L->in; i++)
        {
          cols[i] = O != NULL ? map_index (p->cols, p->col_skip, i, O->in, O->in == L->in) : -1;
          any_new |= cols[i] < 0;
        }
      if (any_new)
        fresh = fresh_weights (model, l, L->in, L->out);
      for (gsize j = 0; j < L->out; j++)
        {
          for (gsize i = 0; i < L->in; i++)
            L->W[j * L->in + i] = rows[j] >= 0 && cols[i] >= 0
                                    ? O->W[(gsize) rows[j] * O->in + (gsize) cols[i]]
                                    : fresh[j * L->in + i];
          L->b[j] = rows[j] >= 0 ? O->b[rows[j]] : 0.0;
        }
    }
  return g_steal_pointer (&net);
}

/* The new shapes are in: reset what belonged to the old ones. */
static void
commit_network (BpModel   *model,
                BpNetwork *net)
{
  bp_network_free (model->network);
  model->network = net;
  if (model->optimizer != NULL)
    bp_optimizer_reset (model->optimizer, net->n_params);
  g_clear_pointer (&model->progress, bp_train_progress_free);
}

/* For edits of the layers: the data, if any, fixes the output width. */
static gboolean
apply_plans (BpModel     *model,
             gsize        n_inputs,
             const Plans *plans,
             GError     **error)
{
  BpNetwork *net = build_network (model, n_inputs, plans, tied_to_data (model), error);

  if (net == NULL)
    return FALSE;
  commit_network (model, net);
  return TRUE;
}

gboolean
_bp_edit_check_layer (const BpNetwork *net,
             gsize            layer,
             GError         **error)
{
  if (layer >= net->n_layers)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("there is no layer %zu (the network has %zu)"), layer + 1, net->n_layers);
  return TRUE;
}

gboolean
_bp_edit_check_activation (const char  *id,
                  GError     **error)
{
  if (id == NULL || bp_registry_lookup_activation (NULL, id) == NULL)
    return _bp_edit_fail (error, BP_EDIT_ERROR_UNKNOWN_ID, _("unknown activation “%s”"),
                      id != NULL ? id : "(none)");
  return TRUE;
}

/* --------------------------------------------------------- structural edits */

/* The width of a(j) (a(0) is the input). */
static gsize
act_width (const BpNetwork *net,
           gsize            j)
{
  return j == 0 ? net->n_inputs : net->layers[j - 1].out;
}

/* The old layers with a new one before old layer `at` (its plan `fresh`);
 * the skips from a(at + 1) on now start one layer later. */
static gboolean
insert_plan (BpModel      *model,
             gsize         at,
             const Plan   *fresh,
             GError      **error)
{
  const BpNetwork *old = model->network;
  Plans plans = { 0 };

  for (gsize l = 0; l < old->n_layers + 1; l++)
    {
      if (l == at)
        {
          plans.layer[l] = *fresh;
          continue;
        }
      plans.layer[l] = plan_keep (old, l < at ? l : l - 1);
      if (plans.layer[l].skip > (gssize) at)
        plans.layer[l].skip++;
    }
  plans.n_layers = old->n_layers + 1;
  return apply_plans (model, old->n_inputs, &plans, error);
}

static gboolean
check_insert_at (const BpNetwork *old,
                 gsize            at,
                 GError         **error)
{
  if (at > old->n_layers)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("cannot insert a layer at position %zu: the network has %zu layers "
                        "(positions 1 to %zu)"), at + 1, old->n_layers, old->n_layers + 1);
  if (old->n_layers >= BP_MAX_LAYERS)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("a network has at most %d layers"), BP_MAX_LAYERS);
  return TRUE;
}

static gboolean
insert_layer (BpModel      *model,
              const BpEdit *e,
              GError      **error)
{
  Plan fresh = {
    .out = e->width, .act_id = e->activation, .act_params = e->act_params,
    .src = -1, .rows = MAP_NONE, .cols = MAP_NONE, .type = BP_LAYER_DENSE, .skip = -1,
  };

  if (!check_insert_at (model->network, e->layer, error) ||
      !_bp_edit_check_width (e->width, error) || !_bp_edit_check_activation (e->activation, error))
    return FALSE;
  return insert_plan (model, e->layer, &fresh, error);
}

/* A batch-norm, layer-norm or dropout layer after layer `e->layer` (on
 * screen), as wide as a(e->layer). */
static gboolean
insert_typed (BpModel      *model,
              const BpEdit *e,
              GError      **error)
{
  const BpNetwork *old = model->network;
  Plan fresh = {
    .act_id = "linear", .src = -1, .rows = MAP_NONE, .cols = MAP_NONE,
    .type = e->layer_type, .skip = -1,
  };

  if (e->layer_type != BP_LAYER_BATCHNORM && e->layer_type != BP_LAYER_LAYERNORM &&
      e->layer_type != BP_LAYER_DROPOUT)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      "only a batch-norm, layer-norm or dropout layer can be inserted this "
                      "way, not layer type %d", e->layer_type);
  if (!check_insert_at (old, e->layer, error))
    return FALSE;
  fresh.out = act_width (old, e->layer);
  return insert_plan (model, e->layer, &fresh, error);
}

static gboolean
remove_layer (BpModel      *model,
              const BpEdit *e,
              GError      **error)
{
  const BpNetwork *old = model->network;
  Plans plans = { 0 };

  if (!_bp_edit_check_layer (old, e->layer, error))
    return FALSE;
  if (old->n_layers == 1)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("cannot remove the only layer: a network needs at least one"));
  for (gsize l = 0; l < old->n_layers; l++)
    {
      Plan p;

      if (l == e->layer)
        continue;
      p = plan_keep (old, l);
      /* a(layer + 1) goes with the layer. */
      if (p.skip == (gssize) e->layer + 1)
        return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                          _("cannot remove layer %zu: layer %zu adds its output a(%zu) to its "
                            "own (a skip connection); remove the skip first"),
                          e->layer + 1, l + 1, e->layer + 1);
      if (p.skip > (gssize) e->layer + 1)
        p.skip--;
      plans.layer[plans.n_layers++] = p;
    }
  return apply_plans (model, old->n_inputs, &plans, error);
}

/* The first layer with a skip connection, or -1. */
static gssize
first_skip (const BpNetwork *net)
{
  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].skip_from >= 0)
      return (gssize) l;
  return -1;
}

static gboolean
move_layer (BpModel      *model,
            const BpEdit *e,
            GError      **error)
{
  const BpNetwork *old = model->network;
  gsize order[BP_MAX_LAYERS], n = 0;
  Plans plans = { 0 };
  gssize skip;

  if (!_bp_edit_check_layer (old, e->layer, error))
    return FALSE;
  if (e->to >= old->n_layers)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("cannot move layer %zu to position %zu: the network has %zu layers"),
                      e->layer + 1, e->to + 1, old->n_layers);
  /* Which a(j) a skip should follow after a move has no one answer. */
  if ((skip = first_skip (old)) >= 0)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("cannot move layers while layer %zd has a skip connection (from a(%zd)); "
                        "remove the skips first"), skip + 1, old->layers[skip].skip_from);
  for (gsize l = 0; l < old->n_layers; l++)
    if (l != e->layer)
      order[n++] = l;
  memmove (order + e->to + 1, order + e->to, (n - e->to) * sizeof (gsize));
  order[e->to] = e->layer;
  for (gsize l = 0; l < old->n_layers; l++)
    plans.layer[l] = plan_keep (old, order[l]);
  plans.n_layers = old->n_layers;
  return apply_plans (model, old->n_inputs, &plans, error);
}

/* Width of the dense layers `layers` (n of them) from old to new: rows of
 * each, then of the norm and dropout layers after it (as wide as their
 * input), columns of the next dense layer. */
static gboolean
resize_layers (BpModel     *model,
               const gsize *layers,
               gsize        n,
               gsize        width,
               MapKind      kind,
               gsize        skip,
               GError     **error)
{
  const BpNetwork *old = model->network;
  Plans plans = { 0 };

  for (gsize k = 0; k < old->n_layers; k++)
    plans.layer[k] = plan_keep (old, k);
  plans.n_layers = old->n_layers;
  for (gsize i = 0; i < n; i++)
    {
      gsize l = layers[i];

      do
        {
          plans.layer[l].out = width;
          plans.layer[l].rows = kind;
          plans.layer[l].row_skip = skip;
          l++;
        }
      while (l < old->n_layers && old->layers[l].type != BP_LAYER_DENSE);
      if (l < old->n_layers)
        {
          plans.layer[l].cols = kind;
          plans.layer[l].col_skip = skip;
        }
    }
  return apply_plans (model, old->n_inputs, &plans, error);
}

static gsize
tied_root (gsize *parent,
           gsize  i)
{
  while (parent[i] != i)
    i = parent[i] = parent[parent[i]];
  return i;
}

gsize
bp_edit_skip_tied (const BpNetwork *net,
                   gsize            layer,
                   gsize           *tied,
                   gboolean        *input)
{
  gsize parent[BP_MAX_LAYERS + 1], n = 0, root;

  g_return_val_if_fail (net != NULL && tied != NULL && layer < net->n_layers, 0);

  /* Activations a(0) … a(N) in sets of one width: a skip joins its two
   * ends, a norm or dropout layer its output to its input. */
  for (gsize m = 0; m <= net->n_layers; m++)
    parent[m] = m;
  for (gsize m = 1; m <= net->n_layers; m++)
    {
      const BpLayer *L = &net->layers[m - 1];
      gssize other = L->type != BP_LAYER_DENSE ? (gssize) m - 1 : L->skip_from;

      if (other >= 0)
        parent[tied_root (parent, m)] = tied_root (parent, (gsize) other);
    }
  root = tied_root (parent, layer + 1);
  if (input != NULL)
    *input = tied_root (parent, 0) == root;
  for (gsize m = 1; m <= net->n_layers; m++)
    if (net->layers[m - 1].type == BP_LAYER_DENSE && tied_root (parent, m) == root)
      tied[n++] = m - 1;
  return n;
}

/* Resizes dense `layer`, alone or (with_skips) with every layer tied to it. */
static gboolean
resize_layer (BpModel      *model,
              const BpEdit *e,
              gsize         width,
              MapKind       kind,
              gsize         skip,
              GError      **error)
{
  gsize tied[BP_MAX_LAYERS];
  gboolean input = FALSE;
  gsize n = 1;

  tied[0] = e->layer;
  if (e->with_skips)
    n = bp_edit_skip_tied (model->network, e->layer, tied, &input);
  if (input)
    return _bp_edit_fail (error, BP_EDIT_ERROR_SHAPE,
                      _("a skip connection ties a(%zu) to the input a(0), whose width is the "
                        "data's: remove the skip to change it"), e->layer + 1);
  return resize_layers (model, tied, n, width, kind, skip, error);
}

/* Width edits are for dense layers: the others follow their input. */
static gboolean
check_dense (const BpNetwork *net,
             gsize            layer,
             GError         **error)
{
  const BpLayer *L = &net->layers[layer];

  if (L->type != BP_LAYER_DENSE)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("layer %zu is a %s layer, as wide as its input: change the width of "
                        "the dense layer before it"), layer + 1, _bp_edit_type_name (L->type));
  return TRUE;
}

/* Can layer `layer` take a skip at all: there, and dense? */
static gboolean
check_skip_target (const BpNetwork *net,
                   gsize            layer,
                   GError         **error)
{
  if (!_bp_edit_check_layer (net, layer, error))
    return FALSE;
  if (net->layers[layer].type != BP_LAYER_DENSE)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("layer %zu is a %s layer: only a dense layer can have a skip connection"),
                      layer + 1, _bp_edit_type_name (net->layers[layer].type));
  return TRUE;
}

gboolean
bp_edit_check_skip (const BpNetwork *net,
                    gsize            layer,
                    gsize            from,
                    GError         **error)
{
  gssize now;
  gsize from_width, out;

  g_return_val_if_fail (net != NULL, FALSE);

  if (!check_skip_target (net, layer, error))
    return FALSE;
  if (from > layer)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("a skip connection into a(%zu) must come from an earlier a(j), "
                        "j from 0 to %zu, not a(%zu)"), layer + 1, layer, from);
  now = net->layers[layer].skip_from;
  from_width = act_width (net, from);
  out = net->layers[layer].out;
  if (from_width == out)
    return TRUE;
  /* Both widths and the rule, so the learner sees which end to change. */
  if (now >= 0)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      ngettext ("cannot start the skip into a(%zu) at a(%zu): a(%zu) has %zu unit and "
                                "a(%zu) has %zu (a skip adds a(j) to a(n), so their widths must be equal)",
                                "cannot start the skip into a(%zu) at a(%zu): a(%zu) has %zu units and "
                                "a(%zu) has %zu (a skip adds a(j) to a(n), so their widths must be equal)",
                                from_width),
                      layer + 1, from, from, from_width, layer + 1, out);
  return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                    ngettext ("cannot add a skip connection a(%zu) → a(%zu): a(%zu) has %zu unit and "
                              "a(%zu) has %zu (a skip adds them, so the widths must be equal)",
                              "cannot add a skip connection a(%zu) → a(%zu): a(%zu) has %zu units and "
                              "a(%zu) has %zu (a skip adds them, so the widths must be equal)", from_width),
                    from, layer + 1, from, from_width, layer + 1, out);
}

/* A skip into `layer` from a(from): added, or, when the layer has one,
 * moved there (bp-edit.h). */
static gboolean
add_skip (BpModel      *model,
          const BpEdit *e,
          GError      **error)
{
  BpNetwork *net = model->network;
  g_autoptr(GError) local = NULL;

  if (!bp_edit_check_skip (net, e->layer, e->from, error))
    return FALSE;
  if (!bp_network_set_skip (net, e->layer, (gssize) e->from, &local))
    return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_INVALID);
  return TRUE;
}

gboolean
bp_edit_skip_source (const BpNetwork *net,
                     gsize            layer,
                     gsize           *from,
                     GError         **error)
{
  gsize out;

  g_return_val_if_fail (net != NULL && from != NULL, FALSE);

  if (!check_skip_target (net, layer, error))
    return FALSE;
  out = net->layers[layer].out;
  for (gsize j = layer + 1; j-- > 0;)
    if (act_width (net, j) == out)
      {
        *from = j;
        return TRUE;
      }
  return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                    ngettext ("no earlier a(j) has the %zu unit of a(%zu): a skip connection adds "
                              "a(j) to a(%zu), so their widths must be equal",
                              "no earlier a(j) has the %zu units of a(%zu): a skip connection adds "
                              "a(j) to a(%zu), so their widths must be equal", out), out,
                    layer + 1, layer + 1);
}

static gboolean
remove_skip (BpModel      *model,
             const BpEdit *e,
             GError      **error)
{
  BpNetwork *net = model->network;
  g_autoptr(GError) local = NULL;

  if (!_bp_edit_check_layer (net, e->layer, error))
    return FALSE;
  if (net->layers[e->layer].skip_from < 0)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("layer %zu has no skip connection to remove"), e->layer + 1);
  if (!bp_network_set_skip (net, e->layer, -1, &local))
    return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_INVALID);
  return TRUE;
}

static gboolean
set_width (BpModel      *model,
           const BpEdit *e,
           GError      **error)
{
  gsize width;

  if (!_bp_edit_check_layer (model->network, e->layer, error) ||
      !check_dense (model->network, e->layer, error))
    return FALSE;
  width = e->kind == BP_EDIT_ADD_UNIT ? model->network->layers[e->layer].out + 1 : e->width;
  if (!_bp_edit_check_width (width, error))
    return FALSE;
  if (width == model->network->layers[e->layer].out)
    return TRUE;
  return resize_layer (model, e, width, MAP_OVERLAP, 0, error);
}

static gboolean
remove_unit (BpModel      *model,
             const BpEdit *e,
             GError      **error)
{
  gsize out;

  if (!_bp_edit_check_layer (model->network, e->layer, error) ||
      !check_dense (model->network, e->layer, error))
    return FALSE;
  out = model->network->layers[e->layer].out;
  if (e->unit >= out)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, _("layer %zu has no unit %zu (it has %zu)"),
                      e->layer + 1, e->unit + 1, out);
  if (out == 1)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      _("cannot remove the only unit of layer %zu"), e->layer + 1);
  return resize_layer (model, e, out - 1, MAP_SKIP, e->unit, error);
}


/* For a new dataset: the input and output widths are the data's, the output
 * layer gets `act` (and the cost `cost`) when it has another. */
gboolean
_bp_edit_refit (BpModel     *model,
                gsize        n_inputs,
                gsize        n_outputs,
                const char  *act,
                const char  *cost,
                GError     **error)
{
  const BpNetwork *old = model->network;
  Plans plans = { 0 };
  gsize last = old->n_layers - 1;
  BpNetwork *net;

  for (gsize l = 0; l < old->n_layers; l++)
    plans.layer[l] = plan_keep (old, l);
  plans.n_layers = old->n_layers;
  if (g_strcmp0 (old->layers[last].act_id, act) != 0)
    {
      plans.layer[last].act_id = act;
      plans.layer[last].act_params = NULL;
    }
  if (n_outputs != old->layers[last].out)
    {
      plans.layer[last].out = n_outputs;
      plans.layer[last].rows = MAP_NONE;
    }
  plans.cost_id = cost;
  /* The widths are the new data's. */
  if ((net = build_network (model, n_inputs, &plans, FALSE, error)) == NULL)
    return FALSE;
  commit_network (model, net);
  return TRUE;
}

gboolean
_bp_edit_perform_layers (BpModel      *model,
                         const BpEdit *e,
                         GError      **error)
{
  switch (e->kind)
    {
    case BP_EDIT_INSERT_LAYER:
      return insert_layer (model, e, error);
    case BP_EDIT_INSERT_TYPED:
      return insert_typed (model, e, error);
    case BP_EDIT_REMOVE_LAYER:
      return remove_layer (model, e, error);
    case BP_EDIT_MOVE_LAYER:
      return move_layer (model, e, error);
    case BP_EDIT_SET_WIDTH:
    case BP_EDIT_ADD_UNIT:
      return set_width (model, e, error);
    case BP_EDIT_REMOVE_UNIT:
      return remove_unit (model, e, error);
    case BP_EDIT_ADD_SKIP:
      return add_skip (model, e, error);
    case BP_EDIT_REMOVE_SKIP:
      return remove_skip (model, e, error);
    default:
      g_return_val_if_reached (FALSE);
    }
}
