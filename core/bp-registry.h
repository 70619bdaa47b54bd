/* bp-registry.h — the one named registry of activations, costs and
 * optimizers.  The built-ins and every plugin register through the same
 * BpPluginDesc (see backprop-plugin.h), so there is one path.
 *
 * Features are identified by their string id, never by pointer.  The
 * registry does not own the descriptors: a plugin's module stays loaded for
 * the life of the process.
 */
#pragma once

#include "bp-types.h"

G_BEGIN_DECLS

#define BP_REGISTRY_ERROR (bp_registry_error_quark ())
GQuark bp_registry_error_quark (void);

typedef enum
{
  BP_REGISTRY_ERROR_ABI,           /* ABI major differs or minor is newer */
  BP_REGISTRY_ERROR_FIELD,         /* a required field is missing or empty */
  BP_REGISTRY_ERROR_DUPLICATE_ID,  /* an id is already registered */
} BpRegistryError;

typedef enum
{
  BP_FEATURE_ACTIVATION,
  BP_FEATURE_COST,
  BP_FEATURE_OPTIMIZER,
} BpFeatureKind;

/* One registered plugin (the built-ins are the plugin named "builtin"). */
typedef struct
{
  const BpPluginDesc *desc;
  char               *source;  /* file it came from, or "(built in)" */
} BpRegisteredPlugin;

/* The process-wide registry, created on first use with the built-ins in it. */
BpRegistry               *bp_registry_get_default          (void);
BpRegistry               *bp_registry_new                  (void);
void                      bp_registry_free                 (BpRegistry *reg);

/* Checks the ABI, the required fields and that no id collides (within the
 * plugin, and with what is registered), then registers everything, or
 * nothing.  `source` is a path or "(built in)". */
gboolean                  bp_registry_add_plugin           (BpRegistry         *reg,
                                                            const BpPluginDesc *desc,
                                                            const char         *source,
                                                            GError            **error);
/* Only the checks of bp_registry_add_plugin, registering nothing. */
gboolean                  bp_registry_validate_plugin      (BpRegistry         *reg,
                                                            const BpPluginDesc *desc,
                                                            GError            **error);

const BpActivationDesc   *bp_registry_lookup_activation    (BpRegistry *reg,
                                                            const char *id);
const BpCostDesc         *bp_registry_lookup_cost          (BpRegistry *reg,
                                                            const char *id);
const BpOptimizerDesc    *bp_registry_lookup_optimizer     (BpRegistry *reg,
                                                            const char *id);
/* The plugin that registered `id` (of any kind), or NULL. */
const BpRegisteredPlugin *bp_registry_lookup_provider      (BpRegistry *reg,
                                                            const char *id);

guint                     bp_registry_n_plugins            (BpRegistry *reg);
const BpRegisteredPlugin *bp_registry_get_plugin           (BpRegistry *reg,
                                                            guint       i);

/* Ids of a kind in registration order; free the array (not the strings). */
const char              **bp_registry_list_ids             (BpRegistry   *reg,
                                                            BpFeatureKind kind,
                                                            guint        *n);

/* The built-in plugin descriptor (sigmoid, tanh, relu, leaky_relu, softplus,
 * linear, softmax; mse, bce, softmax_ce; sgd, momentum, rmsprop, adam). */
const BpPluginDesc       *bp_builtins_get_descriptor       (void);

/* Index of a named parameter in a spec array, or -1. */
int                       bp_param_index                   (const BpParamSpec *specs,
                                                            size_t             n,
                                                            const char        *name);

G_END_DECLS
