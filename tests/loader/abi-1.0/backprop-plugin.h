/* backprop-plugin.h — the public, versioned C interface of Backprop Studio
 * plugins.  This header is all a plugin author needs: it uses only the C
 * standard library's types (no GLib), and it is installed with a pkg-config
 * file (`pkg-config --cflags backprop-plugin`).
 *
 * A plugin is a shared module that declares one descriptor with
 * BP_PLUGIN_DEFINE().  The descriptor lists activations, costs and
 * optimizers.  The host checks the ABI version, the required fields, that
 * every id is unique, and the numbers (each derivative against central
 * differences) before anything is registered.
 *
 * ABI rule: the host loads a plugin when its ABI major equals the host's and
 * its minor is not newer than the host's.  New fields only ever take the
 * place of `reserved` slots and bump the minor.
 *
 * Notation (as the app shows it): z(n) = W(n) a(n-1) + b(n), a(n) = f(z(n)),
 * l is the cost of one sample, C the cost of the batch.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BP_PLUGIN_ABI_MAJOR 1
#define BP_PLUGIN_ABI_MINOR 0

/* The name of the one symbol a plugin exports. */
#define BP_PLUGIN_SYMBOL "bp_plugin_get_descriptor"

#if defined(_WIN32)
# define BP_PLUGIN_EXPORT __declspec(dllexport)
#else
# define BP_PLUGIN_EXPORT __attribute__((visibility ("default")))
#endif

#define BP_N_ELEMENTS(arr) (sizeof (arr) / sizeof ((arr)[0]))

/* A numeric parameter: an activation's (leaky slope), a cost's (Huber's δ)
 * or an optimizer's hyperparameter (learning rate).  In a model file it is
 * stored under `name`. */
typedef struct
{
  const char *name;
  const char *description;
  double      default_value;
  double      min_value;
  double      max_value;
} BpParamSpec;

/* ---------------------------------------------------------------- activations
 *
 * Element-wise: set `f` and `df`.  df receives both z and f(z) so that it
 * can use the cheap form (σ′ = σ(1 − σ)).  f_array/df_array are optional fast
 * paths over n contiguous values; when set they must agree with f/df.
 *
 * `params` is never NULL (it points at n_params values, or at a dummy
 * when there are none).
 *
 * Vector (softmax-like, a = f(z) couples all units of a layer): set
 * `vec_forward` and `vec_vjp` and leave f/df NULL.  vec_vjp computes
 * out = (∂a/∂z)ᵀ g, the vector-Jacobian product; the host builds the full
 * Jacobian from it when the app asks for one.
 */
typedef struct
{
  const char        *id;                 /* "swish": what model files name */
  const char        *name;               /* "Swish (SiLU)" */
  const char        *formula;            /* "σ(z) = z/(1 + e^{−z})" */
  const char        *derivative_formula; /* "σ′(z) = s(z)(1 + z(1 − s(z))), s = logistic" */
  const BpParamSpec *params;
  size_t             n_params;

  double (*f)        (double z, const double *params);
  double (*df)       (double z, double fz, const double *params);

  void   (*f_array)  (const double *z, double *a, size_t n, const double *params);
  void   (*df_array) (const double *z, const double *a, double *d, size_t n,
                      const double *params);

  void   (*vec_forward) (const double *z, double *a, size_t n, const double *params);
  void   (*vec_vjp)     (const double *z, const double *a, const double *g,
                         double *out, size_t n, const double *params);

  const void *reserved[8];
} BpActivationDesc;

/* --------------------------------------------------------------------- costs
 *
 * Per-sample cost l(a, y) over the n output units; the host takes the mean
 * (or the sum) over the batch.  `value` and `grad_a` (∂l/∂a) are required.
 *
 * A cost that is only defined on one output activation (bce on sigmoid,
 * softmax_ce on softmax) names it in `output_activation`; the host then
 * refuses other output layers with `requires` as the reason, and, if
 * `grad_z` is set, uses it for ∂l/∂z directly (the stable fused form, e.g.
 * σ(z) − y), bypassing the activation's derivative.  Both a and z are passed
 * so a cost can compute its value stably from z.
 */
typedef struct
{
  const char        *id;
  const char        *name;
  const char        *formula;
  const char        *requires;           /* "needs a sigmoid output", or NULL */
  const char        *output_activation;  /* "sigmoid", or NULL for any */
  const BpParamSpec *params;
  size_t             n_params;

  double (*value)  (const double *a, const double *z, const double *y, size_t n,
                    const double *params);
  void   (*grad_a) (const double *a, const double *z, const double *y, double *out,
                    size_t n, const double *params);
  void   (*grad_z) (const double *a, const double *z, const double *y, double *out,
                    size_t n, const double *params);

  const void *reserved[8];
} BpCostDesc;

/* ---------------------------------------------------------------- optimizers
 *
 * An optimizer updates n parameters p in place from their gradients g.
 * Its per-parameter state is described by `state`: each entry is an array of
 * `per_param` × n doubles (momentum's v, Adam's m and v), zeroed by the host;
 * `init`, if set, runs once, just before the first step (t = 1), with the
 * hyperparameters current then (as PyTorch creates its state lazily).
 * `hyper` holds the values of the hyperparameters in the order of
 * `hyper_specs`.  t counts steps from 1.
 *
 * Weight decay: unless the optimizer lists a hyperparameter named
 * "weight_decay" itself (decoupled, as AdamW does), the host adds the L2
 * term weight_decay · p to g before calling `step`.
 */
typedef struct
{
  const char *name;         /* "v", "m" */
  const char *description;
  unsigned    per_param;    /* the array holds per_param × n doubles */
} BpStateSpec;

typedef struct
{
  const char        *id;
  const char        *name;
  const char        *formula;
  const BpParamSpec *hyper_specs;
  size_t             n_hyper;
  const BpStateSpec *state_specs;
  size_t             n_state;

  void (*init) (double *const *state, const double *p, size_t n, const double *hyper);
  void (*step) (double *p, const double *g, double *const *state, size_t n,
                const double *hyper, uint64_t t);

  const void *reserved[8];
} BpOptimizerDesc;

/* ---------------------------------------------------------------- the plugin */
typedef struct
{
  uint32_t                abi_major;
  uint32_t                abi_minor;
  const char             *name;
  const char             *version;
  const char             *description;
  const char             *license;
  const BpActivationDesc *activations;
  size_t                  n_activations;
  const BpCostDesc       *costs;
  size_t                  n_costs;
  const BpOptimizerDesc  *optimizers;
  size_t                  n_optimizers;
  const void             *reserved[16];
} BpPluginDesc;

typedef const BpPluginDesc *(*BpPluginGetDescriptorFunc) (void);

/* Declare the plugin.  Arguments are designated initialisers of BpPluginDesc:
 *
 *   BP_PLUGIN_DEFINE (.name = "swish", .version = "1.0",
 *                     .description = "Swish activation", .license = "MIT",
 *                     .activations = acts, .n_activations = BP_N_ELEMENTS (acts));
 */
#define BP_PLUGIN_DEFINE(...)                                              \
  static const BpPluginDesc bp_plugin_desc_ = {                          \
    .abi_major = BP_PLUGIN_ABI_MAJOR,                                      \
    .abi_minor = BP_PLUGIN_ABI_MINOR,                                      \
    __VA_ARGS__                                                            \
  };                                                                       \
  BP_PLUGIN_EXPORT const BpPluginDesc *bp_plugin_get_descriptor (void);    \
  BP_PLUGIN_EXPORT const BpPluginDesc *bp_plugin_get_descriptor (void)     \
  {                                                                        \
    return &bp_plugin_desc_;                                               \
  }                                                                        \
  /* a redundant prototype, so that the `;` after the macro is valid C */  \
  const BpPluginDesc *bp_plugin_get_descriptor (void)

#ifdef __cplusplus
}
#endif
