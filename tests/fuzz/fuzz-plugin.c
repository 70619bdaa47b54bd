/* fuzz-plugin.c — plugin descriptor validation and the numeric check, on a
 * BpPluginDesc built from the input bytes.
 *
 * The bytes choose the ABI version, the strings (short, from the input, or
 * NULL), the feature counts (small, sometimes implausible, sometimes with a
 * NULL array), the parameter and state specs, and every function pointer —
 * only ever from a fixed table: the built-ins' real functions (in the
 * feature they belong to, with the parameter arrays they read), functions
 * that are wrong but memory-safe (NaN, ∞, a wrong derivative, a diverging
 * step, one write past the end of an output the checker guards), or NULL.
 * Nothing is ever called through a pointer made of input bytes.
 *
 * The descriptor goes to bp_registry_validate_plugin and
 * bp_registry_add_plugin on a fresh registry (holding the built-ins or not),
 * then, when valid, to bp_plugin_check_numeric.  Contracts checked:
 * validation and adding agree; a plugin added once is refused a second time
 * as a duplicate; its ids then resolve to its own features; the numeric
 * check fails only with a BP_PLUGIN_ERROR naming the plugin; a plugin that
 * passes both has finite parameter defaults (they go into model files).
 */
#include "fuzz-common.h"

#include <math.h>
#include <string.h>

#include "bp-plugin-check.h"
#include "bp-plugin-loader.h"
#include "bp-registry.h"
#include "bp-util.h"

#define MAX_FEATURES 3
#define MAX_SPECS    4

/* ------------------------------------------- wrong but memory-safe functions
 * None reads `params`, `hyper` or `state`: a fuzzed descriptor may declare
 * any number of them. */

static double f_nan (double z, const double *p) { return NAN; }
static double f_inf (double z, const double *p) { return z > 0 ? INFINITY : 0.0; }
static double f_zero (double z, const double *p) { return 0.0; }
static double f_square (double z, const double *p) { return z * z; }
static double f_huge (double z, const double *p) { return 1e306 * z; }
static double f_tanh (double z, const double *p) { return tanh (z); }
static double f_step (double z, const double *p) { return z > 0 ? 1.0 : 0.0; }

static double df_nan (double z, double fz, const double *p) { return NAN; }
static double df_zero (double z, double fz, const double *p) { return 0.0; }
static double df_one (double z, double fz, const double *p) { return 1.0; }
static double df_twice (double z, double fz, const double *p) { return 2.0 * z; }
static double df_tanh (double z, double fz, const double *p) { return 1.0 - fz * fz; }
static double df_inf (double z, double fz, const double *p) { return INFINITY; }

static void
fa_nan (const double *z, double *a, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    a[i] = NAN;
}

static void
fa_tanh (const double *z, double *a, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    a[i] = tanh (z[i]);
}

/* One past the end: the checker's outputs carry guard cells for this. */
static void
fa_overrun (const double *z, double *a, size_t n, const double *p)
{
  for (size_t i = 0; i <= n; i++)
    a[i] = 0.0;
}

static void
dfa_nan (const double *z, const double *a, double *d, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    d[i] = NAN;
}

static void
dfa_tanh (const double *z, const double *a, double *d, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    d[i] = 1.0 - a[i] * a[i];
}

static void
dfa_overrun (const double *z, const double *a, double *d, size_t n, const double *p)
{
  for (size_t i = 0; i <= n; i++)
    d[i] = 1.0;
}

static void
vf_copy (const double *z, double *a, size_t n, const double *p)
{
  memcpy (a, z, n * sizeof (double));
}

static void
vf_nan (const double *z, double *a, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    a[i] = NAN;
}

/* Softmax without subtracting the maximum: overflows at z = 1000. */
static void
vf_naive_softmax (const double *z, double *a, size_t n, const double *p)
{
  double s = 0.0;

  for (size_t i = 0; i < n; i++)
    s += a[i] = exp (z[i]);
  for (size_t i = 0; i < n; i++)
    a[i] /= s;
}

static void
vf_overrun (const double *z, double *a, size_t n, const double *p)
{
  for (size_t i = 0; i <= n; i++)
    a[i] = 0.5;
}

static void
vj_copy (const double *z, const double *a, const double *g, double *out, size_t n,
         const double *p)
{
  memcpy (out, g, n * sizeof (double));
}

static void
vj_zero (const double *z, const double *a, const double *g, double *out, size_t n,
         const double *p)
{
  memset (out, 0, n * sizeof (double));
}

static void
vj_nan (const double *z, const double *a, const double *g, double *out, size_t n,
        const double *p)
{
  for (size_t i = 0; i < n; i++)
    out[i] = NAN;
}

static void
vj_overrun (const double *z, const double *a, const double *g, double *out, size_t n,
            const double *p)
{
  for (size_t i = 0; i <= n; i++)
    out[i] = 0.0;
}

static double
c_half_sq (const double *a, const double *z, const double *y, size_t n, const double *p)
{
  double l = 0.0;

  for (size_t i = 0; i < n; i++)
    l += 0.5 * (a[i] - y[i]) * (a[i] - y[i]);
  return l;
}

static double c_nan (const double *a, const double *z, const double *y, size_t n,
                     const double *p) { return NAN; }
static double c_zero (const double *a, const double *z, const double *y, size_t n,
                      const double *p) { return 0.0; }

static void
g_diff (const double *a, const double *z, const double *y, double *out, size_t n,
        const double *p)
{
  for (size_t i = 0; i < n; i++)
    out[i] = a[i] - y[i];
}

static void
g_nan (const double *a, const double *z, const double *y, double *out, size_t n,
       const double *p)
{
  for (size_t i = 0; i < n; i++)
    out[i] = NAN;
}

static void
g_twice (const double *a, const double *z, const double *y, double *out, size_t n,
         const double *p)
{
  for (size_t i = 0; i < n; i++)
    out[i] = 2.0 * (a[i] - y[i]);
}

static void
g_overrun (const double *a, const double *z, const double *y, double *out, size_t n,
           const double *p)
{
  for (size_t i = 0; i <= n; i++)
    out[i] = 0.0;
}

static void
o_noop_init (double *const *state, const double *p, size_t n, const double *hyper)
{
}

static void
o_descend (double *p, const double *g, double *const *state, size_t n,
           const double *hyper, uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] -= 0.1 * g[i];
}

static void
o_ascend (double *p, const double *g, double *const *state, size_t n,
          const double *hyper, uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] += g[i];
}

static void
o_nan (double *p, const double *g, double *const *state, size_t n,
       const double *hyper, uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] = NAN;
}

static void
o_noop (double *p, const double *g, double *const *state, size_t n,
        const double *hyper, uint64_t t)
{
}

static void
o_overrun (double *p, const double *g, double *const *state, size_t n,
           const double *hyper, uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] -= 0.1 * g[i];
  p[n] = 0.0;
}

/* ------------------------------------------------------------ the choices */

typedef double (*ActF) (double, const double *);
typedef double (*ActDf) (double, double, const double *);
typedef void (*ActFArray) (const double *, double *, size_t, const double *);
typedef void (*ActDfArray) (const double *, const double *, double *, size_t, const double *);
typedef void (*VecVjp) (const double *, const double *, const double *, double *, size_t,
                        const double *);
typedef double (*CostValue) (const double *, const double *, const double *, size_t,
                             const double *);
typedef void (*CostGrad) (const double *, const double *, const double *, double *, size_t,
                          const double *);
typedef void (*OptInit) (double *const *, const double *, size_t, const double *);
typedef void (*OptStep) (double *, const double *, double *const *, size_t, const double *,
                         uint64_t);

static const ActF fake_f[] = { f_nan, f_inf, f_zero, f_square, f_huge, f_tanh, f_step };
static const ActDf fake_df[] = { df_nan, df_zero, df_one, df_twice, df_tanh, df_inf };
static const ActFArray fake_f_array[] = { fa_nan, fa_tanh, fa_overrun };
static const ActDfArray fake_df_array[] = { dfa_nan, dfa_tanh, dfa_overrun };
static const ActFArray fake_vec_forward[] = { vf_copy, vf_nan, vf_naive_softmax, vf_overrun };
static const VecVjp fake_vec_vjp[] = { vj_copy, vj_zero, vj_nan, vj_overrun };
static const CostValue fake_value[] = { c_half_sq, c_nan, c_zero };
static const CostGrad fake_grad[] = { g_diff, g_nan, g_twice, g_overrun };
static const OptStep fake_step[] = { o_descend, o_ascend, o_nan, o_noop, o_overrun };

/* A slot keeps the real function (when there is one), becomes NULL or takes
 * one of the fakes. */
#define CHOOSE(b, real, fakes)                                               \
  G_STMT_START {                                                             \
    guint c_ = fuzz_pick ((b), G_N_ELEMENTS (fakes) + 2);                    \
    if (c_ == 1)                                                             \
      (real) = NULL;                                                         \
    else if (c_ >= 2)                                                        \
      (real) = (fakes)[c_ - 2];                                              \
  } G_STMT_END

typedef struct
{
  FuzzBytes  in;
  GPtrArray *pool;   /* everything the descriptor points to */
} Builder;

static gpointer
keep (Builder  *b,
      gpointer  p)
{
  g_ptr_array_add (b->pool, p);
  return p;
}

/* NULL, a name of the table (so that valid ids and "lr" are easy to hit),
 * or up to 15 bytes of the input. */
static const char *
take_string (Builder *b)
{
  static const char *const names[] = {
    "", "x", "lr", "alpha", "sigmoid", "softmax", "tanh", "mse", "adam", "v", "m",
    "swish", "a_b_1", "Upper", "9lives", "with space", "weight_decay",
  };
  guint8 c = fuzz_u8 (&b->in);
  gsize len;
  char *s;

  if (c == 255)
    return NULL;
  if (c >= 128)
    return names[(c - 128) % G_N_ELEMENTS (names)];
  len = MIN ((gsize) (c % 16), b->in.n);
  s = keep (b, g_strndup ((const char *) b->in.p, len));
  b->in.p += len;
  b->in.n -= len;
  return s;
}

static double
take_double (Builder *b)
{
  static const double values[] = {
    0.0, 1.0, -1.0, 0.5, 0.9, 0.999, 1e-8, 1e-3, 2.0, 1e6, -1e6, 1e308, -1e308,
    5e-324, INFINITY, -INFINITY, NAN,
  };
  guint8 c = fuzz_u8 (&b->in);

  if (c == 255 && b->in.n >= sizeof (double))
    {
      double v;

      memcpy (&v, b->in.p, sizeof v);
      b->in.p += sizeof v;
      b->in.n -= sizeof v;
      return v;
    }
  return values[c % G_N_ELEMENTS (values)];
}

/* Specs for a feature: `real` (count n_real) kept, with values and names
 * perhaps fuzzed but never fewer of them, since real functions read them by
 * index; or, for a feature of fakes only, 0 to MAX_SPECS new ones. */
static const BpParamSpec *
take_params (Builder           *b,
             const BpParamSpec *real,
             size_t             n_real,
             size_t            *n)
{
  BpParamSpec *specs;
  guint mode = fuzz_pick (&b->in, 3);

  if (mode == 0 || (real == NULL && n_real > 0))
    {
      *n = n_real;
      return real;
    }
  *n = real != NULL ? n_real : fuzz_pick (&b->in, MAX_SPECS + 1);
  if (*n == 0)
    return fuzz_pick (&b->in, 4) == 0 ? NULL : keep (b, g_new0 (BpParamSpec, 1));
  specs = keep (b, g_new0 (BpParamSpec, *n));
  for (size_t i = 0; i < *n; i++)
    {
      specs[i] = real != NULL ? real[i] : (BpParamSpec) { "p", "", 0.0, -1.0, 1.0 };
      if (mode == 2 || real == NULL)
        {
          specs[i].name = take_string (b);
          specs[i].default_value = take_double (b);
          specs[i].min_value = take_double (b);
          specs[i].max_value = take_double (b);
        }
      else
        specs[i].default_value = take_double (b);
    }
  return specs;
}

static void
take_activation (Builder          *b,
                 BpActivationDesc *a)
{
  const BpPluginDesc *builtins = bp_builtins_get_descriptor ();
  guint base = fuzz_pick (&b->in, builtins->n_activations + 1);

  if (base < builtins->n_activations)
    *a = builtins->activations[base];
  else
    memset (a, 0, sizeof *a);
  if (fuzz_pick (&b->in, 2))
    a->id = take_string (b);
  if (fuzz_pick (&b->in, 4) == 0)
    a->name = take_string (b);
  if (fuzz_pick (&b->in, 4) == 0)
    a->formula = take_string (b);
  a->params = take_params (b, a->params, a->n_params, &a->n_params);
  CHOOSE (&b->in, a->f, fake_f);
  CHOOSE (&b->in, a->df, fake_df);
  CHOOSE (&b->in, a->f_array, fake_f_array);
  CHOOSE (&b->in, a->df_array, fake_df_array);
  CHOOSE (&b->in, a->vec_forward, fake_vec_forward);
  CHOOSE (&b->in, a->vec_vjp, fake_vec_vjp);
}

static void
take_cost (Builder                *b,
           BpCostDesc             *c,
           const BpActivationDesc *acts,
           size_t                  n_acts)
{
  const BpPluginDesc *builtins = bp_builtins_get_descriptor ();
  guint base = fuzz_pick (&b->in, builtins->n_costs + 1);

  if (base < builtins->n_costs)
    *c = builtins->costs[base];
  else
    memset (c, 0, sizeof *c);
  if (fuzz_pick (&b->in, 2))
    c->id = take_string (b);
  if (fuzz_pick (&b->in, 4) == 0)
    c->name = take_string (b);
  if (fuzz_pick (&b->in, 4) == 0)
    c->formula = take_string (b);
  switch (fuzz_pick (&b->in, 4))
    {
    case 1:
      c->output_activation = take_string (b);
      break;
    case 2:
      if (n_acts > 0)
        c->output_activation = acts[fuzz_pick (&b->in, (guint) n_acts)].id;
      break;
    default:
      break;
    }
  c->params = take_params (b, c->params, c->n_params, &c->n_params);
  CHOOSE (&b->in, c->value, fake_value);
  CHOOSE (&b->in, c->grad_a, fake_grad);
  CHOOSE (&b->in, c->grad_z, fake_grad);
}

static void
take_optimizer (Builder         *b,
                BpOptimizerDesc *o)
{
  const BpPluginDesc *builtins = bp_builtins_get_descriptor ();
  guint base = fuzz_pick (&b->in, builtins->n_optimizers + 1);
  gboolean real;

  if (base < builtins->n_optimizers)
    *o = builtins->optimizers[base];
  else
    memset (o, 0, sizeof *o);
  real = o->step != NULL;
  if (fuzz_pick (&b->in, 2))
    o->id = take_string (b);
  if (fuzz_pick (&b->in, 4) == 0)
    o->name = take_string (b);
  o->hyper_specs = take_params (b, o->hyper_specs, o->n_hyper, &o->n_hyper);

  /* State: a real step reads as many arrays as it declares, each at least
   * n long, so only their names and (larger) sizes change; fakes get any. */
  if (fuzz_pick (&b->in, 2) || !real)
    {
      size_t n = o->n_state;
      BpStateSpec *st;

      if (!real)
        {
          n = fuzz_pick (&b->in, 4);
          if (fuzz_pick (&b->in, 8) == 0)
            n *= 9;   /* more than the 16 arrays allowed */
        }
      st = n > 0 ? keep (b, g_new0 (BpStateSpec, n)) : NULL;

      for (size_t i = 0; i < n; i++)
        {
          st[i].name = real ? o->state_specs[i].name : take_string (b);
          st[i].per_param = real ? 1 + fuzz_pick (&b->in, 17) : fuzz_pick (&b->in, 20);
        }
      o->n_state = n;
      o->state_specs = n > 0 && fuzz_pick (&b->in, 8) == 0 ? NULL : st;
    }

  if (fuzz_pick (&b->in, 3) == 0)
    o->init = real ? NULL : o_noop_init;
  if (!real || fuzz_pick (&b->in, 2))
    {
      guint c = fuzz_pick (&b->in, G_N_ELEMENTS (fake_step) + 1);

      /* A real step may only be replaced by a fake (which touches no state). */
      o->step = c == 0 ? NULL : fake_step[c - 1];
      if (c != 0)
        o->init = NULL;
    }
}

/* An accepted plugin's defaults become the parameters of every model that
 * uses its features, and a model file holds only finite numbers
 * (bp-model.h): a default of ±∞ would make such models impossible to save. */
static void
check_defaults (const char        *what,
                const char        *id,
                const BpParamSpec *specs,
                size_t             n)
{
  for (size_t i = 0; i < n; i++)
    FUZZ_ASSERT (isfinite (specs[i].default_value),
                 "accepted %s “%s” has parameter “%s” with default %g", what, id,
                 specs[i].name, specs[i].default_value);
}

static void
check_accepted (const BpPluginDesc *desc)
{
  for (size_t i = 0; i < desc->n_activations; i++)
    check_defaults ("activation", desc->activations[i].id, desc->activations[i].params,
                    desc->activations[i].n_params);
  for (size_t i = 0; i < desc->n_costs; i++)
    check_defaults ("cost", desc->costs[i].id, desc->costs[i].params, desc->costs[i].n_params);
  for (size_t i = 0; i < desc->n_optimizers; i++)
    check_defaults ("optimizer", desc->optimizers[i].id, desc->optimizers[i].hyper_specs,
                    desc->optimizers[i].n_hyper);
}

/* A count, sometimes without its array, sometimes implausibly large (the
 * validator must refuse those before reading the array). */
static gpointer
take_array (Builder *b,
            gsize    elem,
            size_t  *n)
{
  guint c = fuzz_u8 (&b->in);

  *n = c % (MAX_FEATURES + 1);
  if (c >= 0xf0)
    {
      *n = 1025 + c % 8;
      return keep (b, g_malloc0 (MAX_FEATURES * elem));
    }
  if (c >= 0xe0 && *n > 0)
    return NULL;
  return *n > 0 ? keep (b, g_malloc0 (*n * elem)) : NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) validate_error = NULL;
  g_autoptr(GError) add_error = NULL;
  g_autoptr(GError) again_error = NULL;
  g_autoptr(GError) check_error = NULL;
  Builder b = { { data, size }, pool };
  BpPluginDesc desc = { 0 };
  BpActivationDesc *acts;
  BpCostDesc *costs;
  BpOptimizerDesc *opts;
  BpRegistry *reg;
  gboolean valid, added;
  guint8 flags;
  /* Says what became of each input, for writing seeds by hand. */
  static int verbose = -1;

  fuzz_init ();
  if (verbose < 0)
    verbose = g_getenv ("BACKPROP_FUZZ_VERBOSE") != NULL;

  flags = fuzz_u8 (&b.in);
  desc.abi_major = (flags & 0x3) == 0x3 ? 2 : BP_PLUGIN_ABI_MAJOR;
  desc.abi_minor = (flags & 0xc) == 0xc ? BP_PLUGIN_ABI_MINOR + 1 : BP_PLUGIN_ABI_MINOR;
  desc.name = take_string (&b);
  desc.version = take_string (&b);
  desc.description = take_string (&b);
  desc.license = take_string (&b);

  acts = take_array (&b, sizeof (BpActivationDesc), &desc.n_activations);
  costs = take_array (&b, sizeof (BpCostDesc), &desc.n_costs);
  opts = take_array (&b, sizeof (BpOptimizerDesc), &desc.n_optimizers);
  desc.activations = acts;
  desc.costs = costs;
  desc.optimizers = opts;
  for (size_t i = 0; acts != NULL && i < MIN (desc.n_activations, MAX_FEATURES); i++)
    take_activation (&b, &acts[i]);
  for (size_t i = 0; costs != NULL && i < MIN (desc.n_costs, MAX_FEATURES); i++)
    take_cost (&b, &costs[i], acts, acts != NULL ? MIN (desc.n_activations, MAX_FEATURES) : 0);
  for (size_t i = 0; opts != NULL && i < MIN (desc.n_optimizers, MAX_FEATURES); i++)
    take_optimizer (&b, &opts[i]);

  reg = bp_registry_new ();
  if (flags & 0x10)
    {
      gboolean ok = bp_registry_add_plugin (reg, bp_builtins_get_descriptor (), "(built in)",
                                            NULL);

      FUZZ_ASSERT (ok, "the built-ins do not register");
    }

  valid = bp_registry_validate_plugin (reg, &desc, &validate_error);
  added = bp_registry_add_plugin (reg, &desc, "fuzz.so", &add_error);
  FUZZ_ASSERT (valid == added, "validate says %d, add says %d (%s)", valid, added,
               valid ? add_error->message : validate_error->message);
  if (!valid)
    {
      FUZZ_ASSERT (validate_error != NULL && validate_error->domain == BP_REGISTRY_ERROR,
                   "refused without a registry error");
      FUZZ_ASSERT (g_strcmp0 (validate_error->message, add_error->message) == 0,
                   "validate: %s; add: %s", validate_error->message, add_error->message);
    }
  else
    {
      FUZZ_ASSERT (!bp_registry_add_plugin (reg, &desc, "fuzz.so", &again_error)
                   && g_error_matches (again_error, BP_REGISTRY_ERROR,
                                       BP_REGISTRY_ERROR_DUPLICATE_ID),
                   "a plugin registered twice");
      for (size_t i = 0; i < desc.n_activations; i++)
        FUZZ_ASSERT (bp_registry_lookup_activation (reg, acts[i].id) == &acts[i],
                     "activation %s", acts[i].id);
      for (size_t i = 0; i < desc.n_costs; i++)
        FUZZ_ASSERT (bp_registry_lookup_cost (reg, costs[i].id) == &costs[i],
                     "cost %s", costs[i].id);
      for (size_t i = 0; i < desc.n_optimizers; i++)
        FUZZ_ASSERT (bp_registry_lookup_optimizer (reg, opts[i].id) == &opts[i],
                     "optimizer %s", opts[i].id);
    }
  bp_registry_free (reg);

  if (valid && !bp_plugin_check_numeric (&desc, &check_error))
    {
      if (verbose)
        fprintf (stderr, "fuzz-plugin: valid, numeric check: %s\n", check_error->message);
      /* The message shows the name as messages show outside values
       * (escaped, capped: bp_shown), so the prefix is built the same way. */
      g_autofree char *shown = bp_shown (desc.name, -1, BP_SHOWN_MAX_CHARS);
      g_autofree char *prefix = g_strdup_printf ("plugin “%s”: ", shown);

      FUZZ_ASSERT (check_error != NULL && check_error->domain == BP_PLUGIN_ERROR,
                   "numeric check failed without a plugin error");
      FUZZ_ASSERT (g_str_has_prefix (check_error->message, prefix),
                   "message does not name the plugin: %s", check_error->message);
    }
  else
    {
      if (verbose)
        fprintf (stderr, "fuzz-plugin: %s\n", valid ? "valid, numeric check passed"
                                                  : validate_error->message);
      if (valid)
        check_accepted (&desc);
    }
  return 0;
}
