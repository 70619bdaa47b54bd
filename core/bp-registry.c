/* bp-registry.c — one registry of features, filled from plugin descriptors.
 *
 * Validation happens in full before anything is registered, so a plugin
 * either lands whole or not at all.
 */
#include "bp-registry.h"
#include "bp-util.h"

#include <math.h>
#include <string.h>

/* Limits on what a plugin declares: generous for any real plugin, and they
 * keep a corrupt descriptor from making the host allocate or loop without
 * end.  The numbers are in the messages, so they are spelled once here. */
#define MAX_ID_LENGTH       64     /* an id or a parameter name, in bytes */
#define MAX_PARAMS          64     /* parameters of one feature */
#define MAX_FEATURES        1024   /* activations, costs or optimizers of one plugin */
#define MAX_STATE_ARRAYS    16     /* state arrays of one optimizer */
#define MAX_STATE_PER_PARAM 16     /* doubles of one state array per parameter */

typedef struct
{
  BpFeatureKind kind;
  const void   *desc;
  guint         plugin;   /* index into plugins */
} Feature;

struct _BpRegistry
{
  GPtrArray  *plugins;    /* BpRegisteredPlugin* */
  GArray     *features;   /* Feature, in registration order */
  GHashTable *by_id;      /* id → index+1 into features */
  GMutex      lock;
};

G_DEFINE_QUARK (bp-registry-error-quark, bp_registry_error)

static void
registered_plugin_free (gpointer p)
{
  BpRegisteredPlugin *rp = p;

  g_free (rp->source);
  g_free (rp);
}

BpRegistry *
bp_registry_new (void)
{
  BpRegistry *reg = g_new0 (BpRegistry, 1);

  reg->plugins = g_ptr_array_new_with_free_func (registered_plugin_free);
  reg->features = g_array_new (FALSE, TRUE, sizeof (Feature));
  reg->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_mutex_init (&reg->lock);
  return reg;
}

void
bp_registry_free (BpRegistry *reg)
{
  if (reg == NULL)
    return;
  g_hash_table_unref (reg->by_id);
  g_array_unref (reg->features);
  g_ptr_array_unref (reg->plugins);
  g_mutex_clear (&reg->lock);
  g_free (reg);
}

BpRegistry *
bp_registry_get_default (void)
{
  static BpRegistry *default_reg;

  if (g_once_init_enter (&default_reg))
    {
      BpRegistry *reg = bp_registry_new ();
      g_autoptr(GError) error = NULL;

      if (!bp_registry_add_plugin (reg, bp_builtins_get_descriptor (), "(built in)", &error))
        g_error ("built-in features failed validation: %s", error->message);
      g_once_init_leave (&default_reg, reg);
    }
  return default_reg;
}

int
bp_param_index (const BpParamSpec *specs,
                size_t             n,
                const char        *name)
{
  for (size_t i = 0; i < n; i++)
    if (specs[i].name != NULL && g_strcmp0 (specs[i].name, name) == 0)
      return (int) i;
  return -1;
}

static gboolean
valid_id (const char *id)
{
  /* Ids are names that a model file can carry: lowercase ASCII letters,
   * digits and underscores, starting with a letter.  A path is never an id. */
  if (id == NULL || !g_ascii_islower (id[0]))
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;
  return strlen (id) <= MAX_ID_LENGTH;
}

static gboolean
nonempty (const char *s)
{
  return s != NULL && s[0] != '\0';
}

static gboolean
check_params (const char        *plugin,
              const char        *what,
              const char        *id,
              const BpParamSpec *specs,
              size_t             n,
              GError           **error)
{
  if (n > 0 && specs == NULL)
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "plugin “%s”: %s “%s” declares %zu parameters but no array",
                   plugin, what, id, n);
      return FALSE;
    }
  if (n > MAX_PARAMS)
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "plugin “%s”: %s “%s” declares %zu parameters (at most "
                   G_STRINGIFY (MAX_PARAMS) ")",
                   plugin, what, id, n);
      return FALSE;
    }
  for (size_t i = 0; i < n; i++)
    {
      const BpParamSpec *p = &specs[i];

      if (!valid_id (p->name))
        {
          g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                       "plugin “%s”: %s “%s”: parameter %zu has no valid name "
                       "(lowercase letters, digits and _)", plugin, what, id, i);
          return FALSE;
        }
      /* The default goes into every model that does not set the value,
       * and a model file can only hold finite numbers (the bounds may be
       * infinite: "no bound"). */
      if (!isfinite (p->default_value))
        {
          g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                       "plugin “%s”: %s “%s”: parameter “%s” default %g is not a finite number",
                       plugin, what, id, p->name, p->default_value);
          return FALSE;
        }
      if (!(p->min_value <= p->default_value && p->default_value <= p->max_value))
        {
          g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                       "plugin “%s”: %s “%s”: parameter “%s” default %g is not in [%g, %g]",
                       plugin, what, id, p->name, p->default_value, p->min_value, p->max_value);
          return FALSE;
        }
      if (bp_param_index (specs, i, p->name) >= 0)
        {
          g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                       "plugin “%s”: %s “%s”: parameter “%s” is declared twice",
                       plugin, what, id, p->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_id (BpRegistry  *reg,
          GHashTable  *seen,
          const char  *plugin,
          const char  *what,
          const char  *id,
          gsize        index,
          GError     **error)
{
  if (!nonempty (id))
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "plugin “%s”: %s %zu has an empty id", plugin, what, index);
      return FALSE;
    }
  if (!valid_id (id))
    {
      /* Escaped and cut: the id may be any bytes, of any length. */
      g_autofree char *shown = bp_shown (id, -1, BP_SHOWN_MAX_CHARS);

      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "plugin “%s”: %s id “%s” is not a valid id "
                   "(lowercase letters, digits and _, starting with a letter, at most "
                   G_STRINGIFY (MAX_ID_LENGTH) ")",
                   plugin, what, shown);
      return FALSE;
    }
  if (g_hash_table_contains (seen, id))
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_DUPLICATE_ID,
                   "plugin “%s”: id “%s” is declared twice in the plugin", plugin, id);
      return FALSE;
    }
  if (reg != NULL)
    {
      gpointer idx = g_hash_table_lookup (reg->by_id, id);

      if (idx != NULL)
        {
          const Feature *f = &g_array_index (reg->features, Feature, GPOINTER_TO_UINT (idx) - 1);
          const BpRegisteredPlugin *rp = g_ptr_array_index (reg->plugins, f->plugin);
          g_autofree char *other = bp_shown (rp->desc->name, -1, BP_SHOWN_MAX_CHARS);

          if (g_strcmp0 (rp->desc->name, "builtin") == 0)
            g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_DUPLICATE_ID,
                         "plugin “%s”: id “%s” is already built in", plugin, id);
          else
            g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_DUPLICATE_ID,
                         "plugin “%s”: id “%s” is already provided by plugin “%s” (%s)",
                         plugin, id, other, rp->source);
          return FALSE;
        }
    }
  g_hash_table_add (seen, (gpointer) id);
  return TRUE;
}

static gboolean
missing (GError    **error,
         const char *plugin,
         const char *what,
         const char *id,
         const char *field)
{
  g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
               "plugin “%s”: %s “%s” has no %s", plugin, what, id, field);
  return FALSE;
}

/* What every feature needs, in this order: a valid id that is not taken,
 * a display name and, where the kind has one (`needs_formula`), a
 * formula. */
static gboolean
check_feature (BpRegistry  *reg,
               GHashTable  *seen,
               const char  *plugin,
               const char  *what,
               const char  *id,
               gsize        index,
               const char  *name,
               gboolean     needs_formula,
               const char  *formula,
               GError     **error)
{
  if (!check_id (reg, seen, plugin, what, id, index, error))
    return FALSE;
  if (!nonempty (name))
    return missing (error, plugin, what, id, "display name");
  if (needs_formula && !nonempty (formula))
    return missing (error, plugin, what, id, "formula");
  return TRUE;
}

static gboolean
validate_locked (BpRegistry         *reg,
                 const BpPluginDesc *desc,
                 GError            **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *pn_shown = NULL;
  const char *pn;

  if (desc->abi_major != BP_PLUGIN_ABI_MAJOR)
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_ABI,
                   "plugin ABI %u.%u is not compatible with this host's ABI %u.%u "
                   "(the major version must match)",
                   desc->abi_major, desc->abi_minor, BP_PLUGIN_ABI_MAJOR, BP_PLUGIN_ABI_MINOR);
      return FALSE;
    }
  if (desc->abi_minor > BP_PLUGIN_ABI_MINOR)
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_ABI,
                   "plugin ABI %u.%u is newer than this host's ABI %u.%u "
                   "(built for a later Backprop Studio)",
                   desc->abi_major, desc->abi_minor, BP_PLUGIN_ABI_MAJOR, BP_PLUGIN_ABI_MINOR);
      return FALSE;
    }
  if (!nonempty (desc->name))
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "plugin descriptor has no name");
      return FALSE;
    }
  /* The name as messages show it: any bytes may come from a plugin. */
  pn = pn_shown = bp_shown (desc->name, -1, BP_SHOWN_MAX_CHARS);
  if (!nonempty (desc->version))
    return missing (error, pn, "plugin", pn, "version");
  if ((desc->n_activations > 0 && desc->activations == NULL) ||
      (desc->n_costs > 0 && desc->costs == NULL) ||
      (desc->n_optimizers > 0 && desc->optimizers == NULL))
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "plugin “%s”: a feature count is set but its array is NULL", pn);
      return FALSE;
    }
  if (desc->n_activations + desc->n_costs + desc->n_optimizers == 0)
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "plugin “%s” provides no activation, cost or optimizer", pn);
      return FALSE;
    }
  if (desc->n_activations > MAX_FEATURES || desc->n_costs > MAX_FEATURES
      || desc->n_optimizers > MAX_FEATURES)
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "plugin “%s”: implausible feature count", pn);
      return FALSE;
    }

  for (size_t i = 0; i < desc->n_activations; i++)
    {
      const BpActivationDesc *a = &desc->activations[i];
      gboolean elementwise = a->f != NULL || a->df != NULL;
      gboolean vector = a->vec_forward != NULL || a->vec_vjp != NULL;

      if (!check_feature (reg, seen, pn, "activation", a->id, i, a->name, TRUE, a->formula, error))
        return FALSE;
      if (elementwise && vector)
        {
          g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                       "plugin “%s”: activation “%s” sets both element-wise (f, df) and "
                       "vector (vec_forward, vec_vjp) functions", pn, a->id);
          return FALSE;
        }
      if (!elementwise && !vector)
        return missing (error, pn, "activation", a->id, "function (f and df, or vec_forward and vec_vjp)");
      if (elementwise && a->f == NULL)
        return missing (error, pn, "activation", a->id, "function f");
      if (elementwise && a->df == NULL)
        return missing (error, pn, "activation", a->id, "derivative df");
      if (vector && a->vec_forward == NULL)
        return missing (error, pn, "activation", a->id, "function vec_forward");
      if (vector && a->vec_vjp == NULL)
        return missing (error, pn, "activation", a->id, "function vec_vjp");
      if (!check_params (pn, "activation", a->id, a->params, a->n_params, error))
        return FALSE;
    }

  for (size_t i = 0; i < desc->n_costs; i++)
    {
      const BpCostDesc *c = &desc->costs[i];

      if (!check_feature (reg, seen, pn, "cost", c->id, i, c->name, TRUE, c->formula, error))
        return FALSE;
      if (c->value == NULL)
        return missing (error, pn, "cost", c->id, "function value");
      if (c->grad_a == NULL)
        return missing (error, pn, "cost", c->id, "gradient grad_a");
      if (c->grad_z != NULL && !nonempty (c->output_activation))
        {
          g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                       "plugin “%s”: cost “%s” has grad_z but names no output_activation",
                       pn, c->id);
          return FALSE;
        }
      if (!check_params (pn, "cost", c->id, c->params, c->n_params, error))
        return FALSE;
    }

  for (size_t i = 0; i < desc->n_optimizers; i++)
    {
      const BpOptimizerDesc *o = &desc->optimizers[i];

      if (!check_feature (reg, seen, pn, "optimizer", o->id, i, o->name, FALSE, NULL, error))
        return FALSE;
      if (o->step == NULL)
        return missing (error, pn, "optimizer", o->id, "function step");
      if (!check_params (pn, "optimizer", o->id, o->hyper_specs, o->n_hyper, error))
        return FALSE;
      if (bp_param_index (o->hyper_specs, o->n_hyper, "lr") < 0)
        return missing (error, pn, "optimizer", o->id, "hyperparameter named “lr”");
      if (o->n_state > 0 && o->state_specs == NULL)
        return missing (error, pn, "optimizer", o->id, "state_specs array");
      if (o->n_state > MAX_STATE_ARRAYS)
        {
          g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                       "plugin “%s”: optimizer “%s” declares %zu state arrays (at most "
                       G_STRINGIFY (MAX_STATE_ARRAYS) ")",
                       pn, o->id, o->n_state);
          return FALSE;
        }
      for (size_t s = 0; s < o->n_state; s++)
        {
          if (!valid_id (o->state_specs[s].name))
            return missing (error, pn, "optimizer", o->id, "valid state name");
          if (o->state_specs[s].per_param < 1
              || o->state_specs[s].per_param > MAX_STATE_PER_PARAM)
            {
              g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                           "plugin “%s”: optimizer “%s”: state “%s” per_param must be 1 to "
                           G_STRINGIFY (MAX_STATE_PER_PARAM),
                           pn, o->id, o->state_specs[s].name);
              return FALSE;
            }
        }
    }
  return TRUE;
}

gboolean
bp_registry_validate_plugin (BpRegistry         *reg,
                             const BpPluginDesc *desc,
                             GError            **error)
{
  gboolean ok;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (desc == NULL)
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "the plugin returned a NULL descriptor");
      return FALSE;
    }
  if (reg != NULL)
    g_mutex_lock (&reg->lock);
  ok = validate_locked (reg, desc, error);
  if (reg != NULL)
    g_mutex_unlock (&reg->lock);
  return ok;
}

static void
add_feature (BpRegistry    *reg,
             BpFeatureKind  kind,
             const char    *id,
             const void    *desc,
             guint          plugin)
{
  Feature f = { kind, desc, plugin };

  g_array_append_val (reg->features, f);
  g_hash_table_insert (reg->by_id, (gpointer) id, GUINT_TO_POINTER (reg->features->len));
}

gboolean
bp_registry_add_plugin (BpRegistry         *reg,
                        const BpPluginDesc *desc,
                        const char         *source,
                        GError            **error)
{
  BpRegisteredPlugin *rp;
  guint pi;

  g_return_val_if_fail (reg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (desc == NULL)
    {
      g_set_error (error, BP_REGISTRY_ERROR, BP_REGISTRY_ERROR_FIELD,
                   "the plugin returned a NULL descriptor");
      return FALSE;
    }

  g_mutex_lock (&reg->lock);
  if (!validate_locked (reg, desc, error))
    {
      g_mutex_unlock (&reg->lock);
      return FALSE;
    }

  rp = g_new0 (BpRegisteredPlugin, 1);
  rp->desc = desc;
  rp->source = g_strdup (source != NULL ? source : "(unknown)");
  g_ptr_array_add (reg->plugins, rp);
  pi = reg->plugins->len - 1;

  for (size_t i = 0; i < desc->n_activations; i++)
    add_feature (reg, BP_FEATURE_ACTIVATION, desc->activations[i].id, &desc->activations[i], pi);
  for (size_t i = 0; i < desc->n_costs; i++)
    add_feature (reg, BP_FEATURE_COST, desc->costs[i].id, &desc->costs[i], pi);
  for (size_t i = 0; i < desc->n_optimizers; i++)
    add_feature (reg, BP_FEATURE_OPTIMIZER, desc->optimizers[i].id, &desc->optimizers[i], pi);
  g_mutex_unlock (&reg->lock);
  return TRUE;
}

static const Feature *
lookup (BpRegistry *reg,
        const char *id)
{
  gpointer idx;
  const Feature *f = NULL;

  if (reg == NULL)
    reg = bp_registry_get_default ();
  if (id == NULL)
    return NULL;
  g_mutex_lock (&reg->lock);
  idx = g_hash_table_lookup (reg->by_id, id);
  if (idx != NULL)
    f = &g_array_index (reg->features, Feature, GPOINTER_TO_UINT (idx) - 1);
  g_mutex_unlock (&reg->lock);
  return f;
}

/* The descriptor of `id` if it is of that kind, or NULL. */
static const void *
lookup_kind (BpRegistry    *reg,
             const char    *id,
             BpFeatureKind  kind)
{
  const Feature *f = lookup (reg, id);

  return f != NULL && f->kind == kind ? f->desc : NULL;
}

const BpActivationDesc *
bp_registry_lookup_activation (BpRegistry *reg,
                               const char *id)
{
  return lookup_kind (reg, id, BP_FEATURE_ACTIVATION);
}

const BpCostDesc *
bp_registry_lookup_cost (BpRegistry *reg,
                         const char *id)
{
  return lookup_kind (reg, id, BP_FEATURE_COST);
}

const BpOptimizerDesc *
bp_registry_lookup_optimizer (BpRegistry *reg,
                              const char *id)
{
  return lookup_kind (reg, id, BP_FEATURE_OPTIMIZER);
}

const BpRegisteredPlugin *
bp_registry_lookup_provider (BpRegistry *reg,
                             const char *id)
{
  const Feature *f;

  if (reg == NULL)
    reg = bp_registry_get_default ();
  f = lookup (reg, id);
  return f != NULL ? g_ptr_array_index (reg->plugins, f->plugin) : NULL;
}

guint
bp_registry_n_plugins (BpRegistry *reg)
{
  if (reg == NULL)
    reg = bp_registry_get_default ();
  return reg->plugins->len;
}

const BpRegisteredPlugin *
bp_registry_get_plugin (BpRegistry *reg,
                        guint       i)
{
  if (reg == NULL)
    reg = bp_registry_get_default ();
  g_return_val_if_fail (i < reg->plugins->len, NULL);
  return g_ptr_array_index (reg->plugins, i);
}

const char **
bp_registry_list_ids (BpRegistry    *reg,
                      BpFeatureKind  kind,
                      guint         *n)
{
  GPtrArray *ids = g_ptr_array_new ();

  if (reg == NULL)
    reg = bp_registry_get_default ();
  g_mutex_lock (&reg->lock);
  for (guint i = 0; i < reg->features->len; i++)
    {
      const Feature *f = &g_array_index (reg->features, Feature, i);

      if (f->kind != kind)
        continue;
      switch (kind)
        {
        case BP_FEATURE_ACTIVATION:
          g_ptr_array_add (ids, (gpointer) ((const BpActivationDesc *) f->desc)->id);
          break;
        case BP_FEATURE_COST:
          g_ptr_array_add (ids, (gpointer) ((const BpCostDesc *) f->desc)->id);
          break;
        case BP_FEATURE_OPTIMIZER:
          g_ptr_array_add (ids, (gpointer) ((const BpOptimizerDesc *) f->desc)->id);
          break;
        }
    }
  g_mutex_unlock (&reg->lock);
  if (n != NULL)
    *n = ids->len;
  g_ptr_array_add (ids, NULL);
  return (const char **) g_ptr_array_free (ids, FALSE);
}
