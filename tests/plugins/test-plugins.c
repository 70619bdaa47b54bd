/* test-plugins.c — every shipped plugin against independent reference values.
 *
 *   test-plugins MODULE...
 *
 * Meson passes the built modules (bp-<id>.so), which must be exactly the
 * ones listed in `expected` below.  Each module gets its own tests:
 *
 *   <id>: descriptor  opened as the host opens it (g_module_open → symbol →
 *                     descriptor); the ABI, the metadata, the one feature's
 *                     id, formulas, functions and parameters.
 *   <id>: reference   its numbers against reference-values.h (PyTorch in
 *                     float64, see gen-reference.py), relative error ≤ 1e-12.
 *                     Activations: f and f′ on a grid of z including the
 *                     kinks and ±1000; costs: value, ∂l/∂a (and ∂l/∂z when
 *                     fused); optimizers: p after each of 5 steps.  Plus
 *                     a few exact values by hand (edge_points).
 *   <id>: gradcheck   (activations) f′ against central differences off the
 *                     kinks, out to |z| = 10³⁰⁰ (10³ for sine), and f, f′
 *                     finite for every finite z up to ±DBL_MAX.
 *
 * The plugins are called exactly as the header documents: df receives
 * f(z) from the plugin's own f; optimizer state is zeroed, then passed to
 * init, and t counts from 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <gmodule.h>

#include "backprop-plugin.h"
#include "reference-values.h"

/* Agreement with PyTorch.  The plugins and torch evaluate the same formulas
 * with correctly rounded (or 1-ulp) libm functions on well-conditioned
 * points, so they agree to a few ulps; 1e-12 leaves room for different
 * libm implementations. */
#define REF_RTOL 1e-12

/* Central differences are only a sanity check of the derivative: their
 * truncation error h²f‴/6 with h = 1e-6·max(1, |z|) is up to ~2e-7 of f′
 * (sine at z = 1000), so the tolerance is 1e-6 relative, plus the rounding
 * noise of f itself. */
#define FD_RTOL 1e-6

typedef enum
{
  ACTIVATION,
  COST,
  OPTIMIZER,
} Kind;

typedef struct
{
  const char *id;                 /* the feature's id; the module is bp-<id> */
  Kind        kind;
  const char *params;             /* (hyper)parameter names, space-separated */
  double      defaults[REF_MAX_PARAMS];
  const char *output_activation;  /* costs */
  const char *states;             /* optimizers: state names, space-separated */
  gboolean    periodic;           /* activations: central differences need h ≪ 2π */
} Expected;

static const Expected expected[] = {
  { "elu",           ACTIVATION, "alpha", { 1.0 } },
  { "selu",          ACTIVATION, "" },
  { "gelu",          ACTIVATION, "" },
  { "swish",         ACTIVATION, "" },
  { "mish",          ACTIVATION, "" },
  { "softsign",      ACTIVATION, "" },
  { "hard_sigmoid",  ACTIVATION, "" },
  { "hard_tanh",     ACTIVATION, "" },
  { "sine",          ACTIVATION, "", { 0 }, NULL, NULL, TRUE },
  { "gaussian",      ACTIVATION, "" },
  { "huber",         COST, "delta", { 1.0 } },
  { "mae",           COST, "" },
  { "hinge",         COST, "" },
  { "kl_divergence", COST, "", { 0 }, "softmax" },
  { "nesterov",      OPTIMIZER, "lr momentum", { 0.1, 0.9 }, NULL, "v" },
  { "adagrad",       OPTIMIZER, "lr eps", { 0.01, 1e-10 }, NULL, "s" },
  { "adamw",         OPTIMIZER, "lr beta1 beta2 eps weight_decay",
                     { 0.001, 0.9, 0.999, 1e-8, 0.01 }, NULL, "m v" },
  { "rprop",         OPTIMIZER, "lr etaminus etaplus step_size_min step_size_max",
                     { 0.01, 0.5, 1.2, 1e-6, 50.0 }, NULL, "prev step_size" },
};

/* The module path given for each entry of `expected`, from argv. */
static const char *module_paths[G_N_ELEMENTS (expected)];

/* Module paths on the command line that match no entry of `expected`. */
static GPtrArray *unknown_modules;

typedef struct
{
  const Expected     *expected;
  GModule            *module;
  const BpPluginDesc *desc;
} Fixture;

/* ---------------------------------------------------------------- helpers */

/* Reports a mismatch and returns 1, so a test lists every bad number
 * before it fails.  want = 0 demands got = ±0; NaN never matches. */
G_GNUC_PRINTF (4, 5)
static int
mismatch (double      got,
          double      want,
          double      rtol,
          const char *format,
          ...)
{
  char what[256];
  va_list args;

  if (fabs (got - want) <= rtol * fabs (want))
    return 0;
  va_start (args, format);
  vsnprintf (what, sizeof what, format, args);
  va_end (args);
  print_error ("%s: got %.17g, want %.17g (relative error %.3g)\n",
               what, got, want, fabs (got - want) / fabs (want));
  return 1;
}

static gboolean
all_null (const void *const *reserved,
          size_t             n)
{
  for (size_t i = 0; i < n; i++)
    if (reserved[i] != NULL)
      return FALSE;
  return TRUE;
}

static gboolean
nonempty (const char *s)
{
  return s != NULL && s[0] != '\0';
}

/* The same rule as the registry: lowercase ASCII, digits, '_', a letter
 * first. */
static gboolean
valid_id (const char *id)
{
  if (id == NULL || !g_ascii_islower (id[0]))
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

static void
check_params (const BpParamSpec *specs,
              size_t             n,
              const char        *names,
              const double      *defaults)
{
  g_auto(GStrv) want = g_strsplit (names, " ", -1);
  size_t n_want = names[0] != '\0' ? g_strv_length (want) : 0;

  assert_int_equal (n, n_want);
  if (n > 0)
    assert_non_null (specs);
  for (size_t i = 0; i < n; i++)
    {
      const BpParamSpec *p = &specs[i];

      assert_string_equal (p->name, want[i]);
      assert_true (valid_id (p->name));
      assert_true (nonempty (p->description));
      assert_true (p->default_value == defaults[i]);
      assert_true (p->min_value <= p->default_value);
      assert_true (p->default_value <= p->max_value);
      assert_true (p->min_value < p->max_value);
      assert_true (isfinite (p->min_value) && isfinite (p->max_value));
    }
}

static gboolean
has_prefix (const char *s,
            const char *prefix)
{
  return s != NULL && g_str_has_prefix (s, prefix) && s[strlen (prefix)] != '\0';
}

/* --------------------------------------------------------------- fixture */

static int
open_module (void **state)
{
  const Expected *e = *state;
  const char *path = module_paths[e - expected];
  BpPluginGetDescriptorFunc get = NULL;
  Fixture *fx;

  if (path == NULL)
    {
      print_error ("bp-%s: no such module on the command line\n", e->id);
      return -1;
    }
  fx = g_new0 (Fixture, 1);
  fx->expected = e;
  fx->module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (fx->module == NULL)
    {
      print_error ("%s\n", g_module_error ());
      g_free (fx);
      return -1;
    }
  if (!g_module_symbol (fx->module, BP_PLUGIN_SYMBOL, (gpointer *) &get) || get == NULL)
    {
      print_error ("%s: %s\n", path, g_module_error ());
      g_module_close (fx->module);
      g_free (fx);
      return -1;
    }
  fx->desc = get ();
  *state = fx;
  return 0;
}

static int
close_module (void **state)
{
  Fixture *fx = *state;

  g_module_close (fx->module);
  g_free (fx);
  return 0;
}

/* ------------------------------------------------------------ descriptor */

static void
test_descriptor (void **state)
{
  const Fixture *fx = *state;
  const Expected *e = fx->expected;
  const BpPluginDesc *d = fx->desc;

  assert_non_null (d);
  assert_int_equal (d->abi_major, BP_PLUGIN_ABI_MAJOR);
  assert_int_equal (d->abi_minor, BP_PLUGIN_ABI_MINOR);
  assert_string_equal (d->name, e->id);
  assert_true (nonempty (d->version));
  assert_true (nonempty (d->description));
  assert_true (nonempty (d->license));
  assert_true (all_null (d->reserved, BP_N_ELEMENTS (d->reserved)));

  /* One module, one feature. */
  assert_int_equal (d->n_activations, e->kind == ACTIVATION ? 1 : 0);
  assert_int_equal (d->n_costs, e->kind == COST ? 1 : 0);
  assert_int_equal (d->n_optimizers, e->kind == OPTIMIZER ? 1 : 0);
  assert_true ((d->activations != NULL) == (e->kind == ACTIVATION));
  assert_true ((d->costs != NULL) == (e->kind == COST));
  assert_true ((d->optimizers != NULL) == (e->kind == OPTIMIZER));

  switch (e->kind)
    {
    case ACTIVATION:
      {
        const BpActivationDesc *a = d->activations;

        assert_string_equal (a->id, e->id);
        assert_true (nonempty (a->name));
        /* The app's notation. */
        assert_true (has_prefix (a->formula, "σ(z) = "));
        assert_true (has_prefix (a->derivative_formula, "σ′(z) = "));
        check_params (a->params, a->n_params, e->params, e->defaults);
        /* Element-wise, and the optional fast paths come in pairs. */
        assert_non_null (a->f);
        assert_non_null (a->df);
        assert_true ((a->f_array == NULL) == (a->df_array == NULL));
        assert_null (a->vec_forward);
        assert_null (a->vec_vjp);
        assert_true (all_null (a->reserved, BP_N_ELEMENTS (a->reserved)));
      }
      break;

    case COST:
      {
        const BpCostDesc *c = d->costs;

        assert_string_equal (c->id, e->id);
        assert_true (nonempty (c->name));
        assert_true (has_prefix (c->formula, "l = "));
        check_params (c->params, c->n_params, e->params, e->defaults);
        assert_non_null (c->value);
        assert_non_null (c->grad_a);
        /* A restricted cost names its output layer, says why, and gives
         * the fused ∂l/∂z; an unrestricted one does none of that. */
        if (e->output_activation != NULL)
          {
            assert_string_equal (c->output_activation, e->output_activation);
            assert_true (nonempty (c->requires));
            assert_non_null (c->grad_z);
          }
        else
          {
            assert_null (c->output_activation);
            assert_null (c->requires);
            assert_null (c->grad_z);
          }
        assert_true (all_null (c->reserved, BP_N_ELEMENTS (c->reserved)));
      }
      break;

    case OPTIMIZER:
      {
        const BpOptimizerDesc *o = d->optimizers;
        g_auto(GStrv) states = g_strsplit (e->states, " ", -1);

        assert_string_equal (o->id, e->id);
        assert_true (nonempty (o->name));
        assert_true (nonempty (o->formula));
        check_params (o->hyper_specs, o->n_hyper, e->params, e->defaults);
        assert_non_null (o->step);
        assert_int_equal (o->n_state, g_strv_length (states));
        for (size_t s = 0; s < o->n_state; s++)
          {
            assert_string_equal (o->state_specs[s].name, states[s]);
            assert_true (nonempty (o->state_specs[s].description));
            assert_int_equal (o->state_specs[s].per_param, 1);
          }
        /* ABI 1.1: every shipped optimizer explains its step. */
        assert_non_null (o->explain);
        assert_true (all_null (o->reserved, BP_N_ELEMENTS (o->reserved)));
      }
      break;
    }
}

/* ------------------------------------------------------------- reference */

static int
reference_activation (const BpActivationDesc *a)
{
  int bad = 0, n_sets = 0;

  for (size_t r = 0; r < G_N_ELEMENTS (ref_activations); r++)
    {
      const RefActivation *ref = &ref_activations[r];

      if (strcmp (ref->id, a->id) != 0)
        continue;
      n_sets++;
      assert_int_equal (ref->n_params, a->n_params);
      for (size_t i = 0; i < REF_N_Z; i++)
        {
          double z = ref_z[i];
          double f = a->f (z, ref->params);
          double df = a->df (z, f, ref->params);

          bad += mismatch (f, ref->f[i], REF_RTOL, "%s f(%g)", a->id, z);
          bad += mismatch (df, ref->df[i], REF_RTOL, "%s f′(%g)", a->id, z);
        }
    }
  assert_true (n_sets > 0);
  return bad;
}

/* Exact values by hand where a tempting shortcut goes wrong.
 *
 * Next to the kinks the derivative is decided on z, so the last double
 * inside a linear piece still has that piece's slope even where f(z) has
 * already rounded to the plateau (z + 3 rounds to 6 for z = 3 − 2⁻⁵¹).
 * These are the documented conventions.
 *
 * Where a shorter formula cancels: the cheap forms f′ = f + s(1 − f)
 * (swish) and (1 − |f|)² (softsign) in the tails (the first gives 0
 * instead of 1 at z = 10²⁰, the second loses half its digits at z = 10⁸),
 * and e^z − 1 instead of expm1 (elu, selu) near 0, where
 * e^z − 1 = z + z²/2 to 17 digits for |z| = 10⁻¹⁰. */
static int
edge_points (const BpActivationDesc *a)
{
  int bad = 0;

  if (strcmp (a->id, "swish") == 0)
    {
      bad += mismatch (a->df (1e20, a->f (1e20, NULL), NULL), 1.0, 0.0, "swish f′(1e20)");
      bad += mismatch (a->df (-1e20, a->f (-1e20, NULL), NULL), 0.0, 0.0, "swish f′(−1e20)");
    }
  else if (strcmp (a->id, "softsign") == 0)
    {
      bad += mismatch (a->df (1e8, a->f (1e8, NULL), NULL), 1.0 / ((1e8 + 1) * (1e8 + 1)),
                       REF_RTOL, "softsign f′(1e8)");
    }
  else if (strcmp (a->id, "elu") == 0 || strcmp (a->id, "selu") == 0)
    {
      double z = -1e-10, alpha = 1.0;
      double small = z + z * z / 2;   /* e^z − 1 */

      if (strcmp (a->id, "selu") == 0)
        small *= 1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;
      bad += mismatch (a->f (z, &alpha), small, REF_RTOL, "%s f(−1e-10)", a->id);
    }
  else if (strcmp (a->id, "hard_sigmoid") == 0)
    {
      double below3 = nextafter (3.0, 0.0), above_m3 = nextafter (-3.0, 0.0);

      bad += mismatch (a->f (below3, NULL), 1.0, 0.0, "hard_sigmoid f(3⁻)");
      bad += mismatch (a->df (below3, a->f (below3, NULL), NULL), 1.0 / 6.0, 0.0,
                       "hard_sigmoid f′(3⁻)");
      bad += mismatch (a->df (above_m3, a->f (above_m3, NULL), NULL), 1.0 / 6.0, 0.0,
                       "hard_sigmoid f′(−3⁺)");
      bad += mismatch (a->df (nextafter (3.0, 4.0), 1.0, NULL), 0.0, 0.0,
                       "hard_sigmoid f′(3⁺)");
    }
  else if (strcmp (a->id, "hard_tanh") == 0)
    {
      double below1 = nextafter (1.0, 0.0);

      bad += mismatch (a->f (below1, NULL), below1, 0.0, "hard_tanh f(1⁻)");
      bad += mismatch (a->df (below1, below1, NULL), 1.0, 0.0, "hard_tanh f′(1⁻)");
      bad += mismatch (a->df (-below1, -below1, NULL), 1.0, 0.0, "hard_tanh f′(−1⁺)");
      bad += mismatch (a->df (nextafter (-1.0, -2.0), -1.0, NULL), 0.0, 0.0,
                       "hard_tanh f′(−1⁻)");
    }
  return bad;
}

static int
reference_cost (const BpCostDesc *c)
{
  int bad = 0, n_sets = 0;

  for (size_t r = 0; r < G_N_ELEMENTS (ref_costs); r++)
    {
      const RefCost *ref = &ref_costs[r];
      double out[REF_MAX_UNITS];
      double value;

      if (strcmp (ref->id, c->id) != 0)
        continue;
      n_sets++;
      assert_int_equal (ref->n_params, c->n_params);
      assert_int_equal (ref->has_grad_z, c->grad_z != NULL);

      value = c->value (ref->a, ref->z, ref->y, ref->n, ref->params);
      bad += mismatch (value, ref->value, REF_RTOL, "%s value (set %zu)", c->id, r);

      c->grad_a (ref->a, ref->z, ref->y, out, ref->n, ref->params);
      for (size_t k = 0; k < ref->n; k++)
        bad += mismatch (out[k], ref->grad_a[k], REF_RTOL,
                         "%s ∂l/∂a[%zu] (set %zu)", c->id, k, r);

      if (c->grad_z != NULL)
        {
          c->grad_z (ref->a, ref->z, ref->y, out, ref->n, ref->params);
          for (size_t k = 0; k < ref->n; k++)
            bad += mismatch (out[k], ref->grad_z[k], REF_RTOL,
                             "%s ∂l/∂z[%zu] (set %zu)", c->id, k, r);
        }
    }
  assert_true (n_sets > 0);
  return bad;
}

/* explain for parameter i, as the host calls it: its slot values only,
 * no coupled L2. */
static BpOptimizerExplanation
explain_one (const BpOptimizerDesc *o,
             double                 p,
             double                 g,
             double *const         *state,
             size_t                 i,
             const double          *hyper,
             uint64_t               t)
{
  BpOptimizerExplanation ex = { 0 };
  const double *slots[16];

  for (size_t s = 0; s < o->n_state; s++)
    slots[s] = &state[s][i];
  o->explain (p, g, 0.0, slots, hyper, t, &ex);
  return ex;
}

static int
reference_optimizer (const BpOptimizerDesc *o)
{
  int bad = 0, n_sets = 0;

  for (size_t r = 0; r < G_N_ELEMENTS (ref_optimizers); r++)
    {
      const RefOptimizer *ref = &ref_optimizers[r];
      double p[REF_OPT_N], g[REF_OPT_N];
      double *state[16];
      size_t total = 0, off = 0;
      g_autofree double *block = NULL;

      if (strcmp (ref->id, o->id) != 0)
        continue;
      n_sets++;
      assert_int_equal (ref->n_hyper, o->n_hyper);
      assert_true (o->n_state <= G_N_ELEMENTS (state));

      /* As the host: one zeroed block, a view per state array, then init. */
      for (size_t s = 0; s < o->n_state; s++)
        total += o->state_specs[s].per_param * REF_OPT_N;
      block = g_new0 (double, MAX (total, 1));
      for (size_t s = 0; s < o->n_state; s++)
        {
          state[s] = block + off;
          off += o->state_specs[s].per_param * REF_OPT_N;
        }
      memcpy (p, ref_opt_p0, sizeof p);
      if (o->init != NULL)
        o->init (state, p, REF_OPT_N, ref->hyper);

      for (uint64_t t = 1; t <= REF_OPT_STEPS; t++)
        {
          BpOptimizerExplanation ex[REF_OPT_N];
          double before[REF_OPT_N];

          for (size_t i = 0; i < REF_OPT_N; i++)
            g[i] = ref_opt_c[i] * p[i];
          for (size_t i = 0; i < REF_OPT_N; i++)
            ex[i] = explain_one (o, p[i], g[i], state, i, ref->hyper, t);
          memcpy (before, p, sizeof p);
          o->step (p, g, state, REF_OPT_N, ref->hyper, t);
          for (size_t i = 0; i < REF_OPT_N; i++)
            {
              double sum = 0.0, dw = p[i] - before[i];

              bad += mismatch (p[i], ref->p[t - 1][i], REF_RTOL,
                               "%s p[%zu] after step %" G_GUINT64_FORMAT " (set %zu)",
                               o->id, i, t, r);
              /* ABI 1.1: the explained terms add up to the change, to
               * rounding at the size of p (see test-optimizer.c). */
              for (size_t k = 0; k < ex[i].n_terms; k++)
                sum += ex[i].terms[k].value;
              if (!(ex[i].n_terms > 0 &&
                    fabs (sum - dw) <= 1e-15 * fmax (fabs (before[i]), fabs (dw))))
                bad += mismatch (sum, dw, 0.0, "%s: Σ explained terms for p[%zu] at step %"
                                 G_GUINT64_FORMAT " (set %zu)", o->id, i, t, r);
            }
        }
    }
  assert_true (n_sets > 0);
  return bad;
}

static void
test_reference (void **state)
{
  const Fixture *fx = *state;
  int bad = 0;

  switch (fx->expected->kind)
    {
    case ACTIVATION:
      bad += reference_activation (fx->desc->activations);
      bad += edge_points (fx->desc->activations);
      break;
    case COST:
      bad += reference_cost (fx->desc->costs);
      break;
    case OPTIMIZER:
      bad += reference_optimizer (fx->desc->optimizers);
      break;
    }
  assert_int_equal (bad, 0);
}

/* ------------------------------------------------------------- gradcheck */

/* Off the kinks (0, ±1, ±3) by far more than h, out to the tails. */
static const double fd_grid[] = {
  -1e300, -1e20, -1000, -300, -40, -10, -4.5, -2.9, -2.1, -1.3, -0.7, -0.3,
  -0.05, -1e-3, 1e-3, 0.05, 0.3, 0.7, 1.3, 2.1, 2.9, 4.5, 10, 40, 300, 1000,
  1e20, 1e300,
};

/* Every finite z must give a finite f′, and a finite f wherever the exact
 * value is representable: down to subnormals and past where e^z, z² or
 * e^{z²} overflow.  (selu's λz exceeds DBL_MAX for z > DBL_MAX/λ; only
 * there, at |z| > DBL_MAX/2, may f overflow, to ±∞ with the sign of z.) */
static const double finite_grid[] = {
  0.0, -0.0, DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_MIN, -DBL_MIN, 1e-300, -1e-300,
  1.0, -1.0, 709.8, -709.8, 710.0, -710.0, 1000.0, -1000.0, 1e154, -1e154,
  1e155, -1e155, 1e300, -1e300, DBL_MAX, -DBL_MAX,
};

static void
test_gradcheck (void **state)
{
  const Fixture *fx = *state;
  const BpActivationDesc *a = fx->desc->activations;
  int bad = 0;

  for (size_t r = 0; r < G_N_ELEMENTS (ref_activations); r++)
    {
      const double *params = ref_activations[r].params;

      if (strcmp (ref_activations[r].id, a->id) != 0)
        continue;

      for (size_t i = 0; i < G_N_ELEMENTS (fd_grid); i++)
        {
          double z = fd_grid[i];
          double h = 1e-6 * fmax (1.0, fabs (z));
          double zp = z + h, zm = z - h;
          double fp, fm, fd, df, noise;

          if (fx->expected->periodic && h > 1e-3)
            continue;
          fp = a->f (zp, params);
          fm = a->f (zm, params);
          /* Divide by the step actually taken, after rounding z ± h. */
          fd = (fp - fm) / (zp - zm);
          df = a->df (z, a->f (z, params), params);
          noise = 4 * DBL_EPSILON * fmax (fabs (fp), fabs (fm)) / (zp - zm);

          if (!(fabs (df - fd) <= FD_RTOL * fmax (fabs (df), fabs (fd)) + noise))
            {
              print_error ("%s f′(%g) = %.17g, central difference %.17g\n",
                           a->id, z, df, fd);
              bad++;
            }
        }

      for (size_t i = 0; i < G_N_ELEMENTS (finite_grid); i++)
        {
          double z = finite_grid[i];
          double f = a->f (z, params);
          double df = a->df (z, f, params);
          gboolean overflow_ok = fabs (z) > DBL_MAX / 2 && isinf (f) && (f > 0) == (z > 0);

          if (!(isfinite (f) || overflow_ok) || !isfinite (df))
            {
              print_error ("%s: f(%g) = %g, f′ = %g\n", a->id, z, f, df);
              bad++;
            }
        }
    }
  assert_int_equal (bad, 0);
}

/* --------------------------------------------------------------- modules */

/* The command line names exactly the modules in `expected`: a new plugin
 * without a test, or a test without its module, fails here. */
static void
test_modules (void **state)
{
  for (guint i = 0; i < unknown_modules->len; i++)
    print_error ("%s: no expectations for this module\n",
                 (const char *) g_ptr_array_index (unknown_modules, i));
  for (size_t i = 0; i < G_N_ELEMENTS (expected); i++)
    if (module_paths[i] == NULL)
      print_error ("bp-%s: module not given\n", expected[i].id);

  assert_int_equal (unknown_modules->len, 0);
  for (size_t i = 0; i < G_N_ELEMENTS (expected); i++)
    assert_non_null (module_paths[i]);
}

static void
find_modules (int    argc,
              char **argv)
{
  unknown_modules = g_ptr_array_new ();
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *base = g_path_get_basename (argv[i]);
      g_autofree char *name = NULL;
      gboolean found = FALSE;

      if (g_str_has_suffix (base, "." G_MODULE_SUFFIX))
        base[strlen (base) - strlen ("." G_MODULE_SUFFIX)] = '\0';
      for (size_t e = 0; e < G_N_ELEMENTS (expected); e++)
        {
          g_free (name);
          name = g_strconcat ("bp-", expected[e].id, NULL);
          if (strcmp (base, name) == 0)
            {
              module_paths[e] = argv[i];
              found = TRUE;
            }
        }
      if (!found)
        g_ptr_array_add (unknown_modules, argv[i]);
    }
}

static void
add_test (GArray            *tests,
          GPtrArray         *names,
          char              *name,
          CMUnitTestFunction func,
          const Expected    *e)
{
  struct CMUnitTest t = {
    .name = name,
    .test_func = func,
    .setup_func = e != NULL ? open_module : NULL,
    .teardown_func = e != NULL ? close_module : NULL,
    .initial_state = (void *) e,
  };

  g_ptr_array_add (names, name);
  g_array_append_val (tests, t);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) tests = g_array_new (FALSE, TRUE, sizeof (struct CMUnitTest));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  int failed;

  find_modules (argc, argv);

  add_test (tests, names, g_strdup ("modules"), test_modules, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const Expected *e = &expected[i];

      add_test (tests, names, g_strdup_printf ("%s: descriptor", e->id), test_descriptor, e);
      add_test (tests, names, g_strdup_printf ("%s: reference", e->id), test_reference, e);
      if (e->kind == ACTIVATION)
        add_test (tests, names, g_strdup_printf ("%s: gradcheck", e->id), test_gradcheck, e);
    }

  failed = _cmocka_run_group_tests ("plugins", (const struct CMUnitTest *) tests->data,
                                    tests->len, NULL, NULL);
  g_ptr_array_unref (unknown_modules);
  return failed;
}
