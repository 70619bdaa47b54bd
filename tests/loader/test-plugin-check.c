/* test-plugin-check.c — the numeric plugin check (bp-plugin-check) on
 * descriptors built in this process: the built-ins and the shipped plugins
 * pass, and each kind of wrong math fails with its exact message.
 *
 *   test-plugin-check [SHIPPED_PLUGIN.so …]
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <gmodule.h>
#include <math.h>
#include <string.h>

#include "bp-gradcheck.h"
#include "bp-plugin-check.h"
#include "bp-plugin-loader.h"
#include "bp-registry.h"
#include "fixture.h"

static char **shipped_plugins;  /* from the command line */
static const char *fixture_dir;  /* BACKPROP_LOADER_FIXTURES */

#define assert_has(haystack, needle)                                          \
  do {                                                                        \
    if (strstr ((haystack), (needle)) == NULL)                                \
      fail_msg ("“%s” does not contain “%s”", (haystack), (needle));          \
  } while (0)

/* A plugin "test" with the one activation `act`, filled into `d`. */
static const BpPluginDesc *
one_activation (BpPluginDesc           *d,
                const BpActivationDesc *act)
{
  memset (d, 0, sizeof *d);
  d->abi_major = BP_PLUGIN_ABI_MAJOR;
  d->abi_minor = BP_PLUGIN_ABI_MINOR;
  d->name = "test";
  d->version = "1";
  d->activations = act;
  d->n_activations = 1;
  return d;
}

static void
assert_numeric_error (const GError *error,
                      const char   *needle)
{
  assert_non_null (error);
  assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NUMERIC));
  assert_has (error->message, needle);
}

/* "… (off by D, R × its noise floor F)": R is D/F and well above 1. */
static double
assert_well_above_floor (const char *message)
{
  const char *p = strstr (message, "(off by ");
  double off, ratio, floor;

  if (p == NULL || sscanf (p, "(off by %lf, %lf × its noise floor %lf)", &off, &ratio,
                           &floor) != 3)
    fail_msg ("“%s” does not say how far above its noise floor it is", message);
  if (!(ratio > BP_FD_WELL_ABOVE) || !(off > BP_FD_WELL_ABOVE * floor))
    fail_msg ("“%s”: not well above the noise floor", message);
  return ratio;
}

/* The number after `key` in `message`. */
static double
number_after (const char *message,
              const char *key)
{
  const char *p = strstr (message, key);
  char *end;
  double v;

  if (p == NULL)
    fail_msg ("“%s” does not contain “%s”", message, key);
  v = g_ascii_strtod (p + strlen (key), &end);
  if (end == p + strlen (key))
    fail_msg ("“%s”: no number after “%s”", message, key);
  return v;
}

/* The vector "(x, y, …)" after `key` in `message`; returns its length. */
static size_t
vector_after (const char *message,
              const char *key,
              double     *v,
              size_t      max)
{
  const char *p = strstr (message, key);
  size_t n = 0;

  if (p == NULL || p[strlen (key)] != '(')
    fail_msg ("“%s”: no vector after “%s”", message, key);
  p += strlen (key) + 1;
  while (n < max)
    {
      char *end;

      v[n++] = g_ascii_strtod (p, &end);
      if (end == p)
        fail_msg ("“%s”: a bad vector after “%s”", message, key);
      if (*end == ')')
        return n;
      if (!g_str_has_prefix (end, ", "))
        fail_msg ("“%s”: a bad vector after “%s”", message, key);
      p = end + 2;
    }
  fail_msg ("“%s”: the vector after “%s” is too long", message, key);
  return n;
}

/* ------------------------------------------------------------- passing */

static void
test_builtins_pass (void **state)
{
  g_autoptr(GError) error = NULL;

  assert_true (bp_plugin_check_numeric (bp_builtins_get_descriptor (), &error));
  assert_null (error);
}

static const BpPluginDesc *
open_descriptor (const char *path)
{
  GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);
  BpPluginGetDescriptorFunc get = NULL;

  if (module == NULL)
    fail_msg ("%s: %s", path, g_module_error ());
  assert_true (g_module_symbol (module, BP_PLUGIN_SYMBOL, (gpointer *) &get));
  g_module_make_resident (module);
  return get ();
}

static const BpPluginDesc *
fixture_descriptor (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".so", NULL);
  g_autofree char *path = NULL;

  if (fixture_dir == NULL)
    fail_msg ("run with meson test (BACKPROP_LOADER_FIXTURES is not set)");
  path = g_build_filename (fixture_dir, file, NULL);
  return open_descriptor (path);
}

/* The jitter moves with the salt; a correct plugin passes whatever it is.
 * The loader uses salt 0; the others stand for other draws of the same
 * kind (during development the shipped plugins and the built-ins passed
 * with salts 0 … 2000). */
#define N_SALTS 6

static void
test_builtins_pass_any_jitter (void **state)
{
  for (guint64 salt = 1; salt <= N_SALTS; salt++)
    {
      g_autoptr(GError) error = NULL;

      bp_plugin_check_set_jitter_salt (salt);
      if (!bp_plugin_check_numeric (bp_builtins_get_descriptor (), &error))
        fail_msg ("salt %" G_GUINT64_FORMAT ": %s", salt, error->message);
    }
  bp_plugin_check_set_jitter_salt (0);
}

static void
test_shipped_plugins_pass (void **state)
{
  guint n = shipped_plugins != NULL ? g_strv_length (shipped_plugins) : 0;

  /* The build always passes them; none would mean a broken test setup. */
  assert_true (n >= 1);
  for (guint64 salt = 0; salt <= N_SALTS; salt++)
    {
      bp_plugin_check_set_jitter_salt (salt);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GError) error = NULL;

          if (!bp_plugin_check_numeric (open_descriptor (shipped_plugins[i]), &error))
            fail_msg ("%s (salt %" G_GUINT64_FORMAT "): %s", shipped_plugins[i], salt,
                      error->message);
        }
    }
  bp_plugin_check_set_jitter_salt (0);
}

static void
test_example_plugin_passes (void **state)
{
  for (guint64 salt = 0; salt <= N_SALTS; salt++)
    {
      g_autoptr(GError) error = NULL;

      bp_plugin_check_set_jitter_salt (salt);
      if (!bp_plugin_check_numeric (fixture_descriptor ("example-isru"), &error))
        fail_msg ("data/example-plugin/isru.c (salt %" G_GUINT64_FORMAT "): %s", salt,
                  error->message);
    }
  bp_plugin_check_set_jitter_salt (0);
}

static double
abs_f (double z, const double *p)
{
  return fabs (z);
}

static double
abs_df (double z, double fz, const double *p)
{
  /* At the kink any value is as good as another; this one is deliberately
   * neither one-sided derivative. */
  return z > 0 ? 1.0 : z < 0 ? -1.0 : 0.7;
}

static void
test_kink_is_skipped (void **state)
{
  static const BpActivationDesc act = {
    .id = "abs", .name = "abs", .formula = "|z|", .f = abs_f, .df = abs_df,
  };
  BpPluginDesc desc;
  g_autoptr(GError) error = NULL;

  assert_true (bp_plugin_check_numeric (one_activation (&desc, &act), &error));
}

/* ----------------------------------------------- element-wise activations */

static double
lin_f (double z, const double *p)
{
  return z;
}

/* Wrong on a stretch of 2·10⁻⁶ around grid points, which no jittered point
 * happens to hit.  (Wrong at one double only, f′ would be indistinguishable
 * from rounding in its own formula, and is not refused.) */
static double
bump_df (double z, double fz, const double *p)
{
  return fabs (z - 2.5) < 1e-6 ? 0.91 : 1.0;
}

static double
two_bumps_df (double z, double fz, const double *p)
{
  return fabs (z - 2.5) < 1e-6 ? 0.91 : fabs (z + 3.0) < 1e-6 ? 0.5 : 1.0;
}

static void
test_wrong_derivative_message (void **state)
{
  static const BpActivationDesc act = {
    .id = "swish", .name = "Swish", .formula = "f", .f = lin_f, .df = bump_df,
  };
  BpPluginDesc desc;
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_numeric (one_activation (&desc, &act), &error));
  assert_numeric_error (error, "");
  /* The differences of f(z) = z are exactly 1. */
  assert_numeric_error (error, "plugin “test”: activation “swish”: f′(2.5) = 0.91 but the "
                        "central difference gives 1 (off by 0.09, ");
  assert_well_above_floor (error->message);
}

static void
test_worst_point_is_named (void **state)
{
  static const BpActivationDesc act = {
    .id = "bumpy", .name = "bumpy", .formula = "f", .f = lin_f, .df = two_bumps_df,
  };
  BpPluginDesc desc;
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_numeric (one_activation (&desc, &act), &error));
  assert_numeric_error (error, "plugin “test”: activation “bumpy”: f′(-3) = 0.5 but the "
                        "central difference gives 1 (off by 0.5, ");
  assert_well_above_floor (error->message);
}

static double
nan_below_f (double z, const double *p)
{
  return z < -30 ? NAN : z;
}

static void
test_f_not_finite (void **state)
{
  static const BpActivationDesc act = {
    .id = "holey", .name = "holey", .formula = "f", .f = nan_below_f, .df = bump_df,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_activation (&act, NULL, &error));
  assert_numeric_error (error, "activation “holey”: f(-40) = NaN, but f must be finite "
                        "for every finite z");
}

static double
exp_f (double z, const double *p)
{
  return exp (z);
}

static double
exp_df (double z, double fz, const double *p)
{
  return fz;
}

static void
test_f_overflows (void **state)
{
  static const BpActivationDesc act = {
    .id = "expo", .name = "expo", .formula = "e^z", .f = exp_f, .df = exp_df,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_activation (&act, NULL, &error));
  assert_numeric_error (error, "activation “expo”: f(1000) = ∞");
}

static double
stairs_f (double z, const double *p)
{
  return floor (z * 4.0) / 4.0;
}

static double
zero_df (double z, double fz, const double *p)
{
  return 0.0;
}

static void
test_nowhere_smooth (void **state)
{
  static const BpActivationDesc act = {
    .id = "stairs", .name = "stairs", .formula = "⌊4z⌋/4", .f = stairs_f, .df = zero_df,
  };
  g_autoptr(GError) error = NULL;

  /* Every grid point sits on a step: nothing left to check is a failure. */
  assert_false (bp_plugin_check_activation (&act, NULL, &error));
  assert_numeric_error (error, "activation “stairs”: f is not smooth at 325 of 325 points");
}

static void
lin_f_array_wrong (const double *z, double *a, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    a[i] = z[i] > 3.0 ? 2.0 * z[i] : z[i];
}

static double
one_df (double z, double fz, const double *p)
{
  return 1.0;
}

static void
test_f_array_must_agree (void **state)
{
  static const BpActivationDesc act = {
    .id = "fast", .name = "fast", .formula = "z", .f = lin_f, .df = one_df,
    .f_array = lin_f_array_wrong,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_activation (&act, NULL, &error));
  assert_numeric_error (error, "activation “fast”: f_array gives 6.5 at z = 3.25 but "
                        "f(3.25) = 3.25");
}

/* ------------------------------------------------------ vector activations */

static void
naive_softmax (const double *z, double *a, size_t n, const double *p)
{
  double s = 0.0;

  for (size_t i = 0; i < n; i++)
    s += a[i] = exp (z[i]);
  for (size_t i = 0; i < n; i++)
    a[i] /= s;
}

static void
softmax_vjp_flipped (const double *z, const double *a, const double *g, double *out,
                     size_t n, const double *p)
{
  double dot = 0.0;

  for (size_t i = 0; i < n; i++)
    dot += a[i] * g[i];
  for (size_t j = 0; j < n; j++)
    out[j] = a[j] * (dot - g[j]);  /* the wrong sign */
}

static void
softmax_vjp (const double *z, const double *a, const double *g, double *out, size_t n,
             const double *p)
{
  double dot = 0.0;

  for (size_t i = 0; i < n; i++)
    dot += a[i] * g[i];
  for (size_t j = 0; j < n; j++)
    out[j] = a[j] * (g[j] - dot);
}

static void
test_vector_wrong_vjp (void **state)
{
  static const BpActivationDesc act = {
    .id = "softmax2", .name = "softmax2", .formula = "softmax",
    .vec_forward = fixture_softmax, .vec_vjp = softmax_vjp_flipped,
  };
  BpPluginDesc desc;
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_numeric (one_activation (&desc, &act), &error));
  assert_numeric_error (error, "plugin “test”: activation “softmax2”: vec_vjp at n = ");
  assert_has (error->message, "but the central difference gives");
  assert_well_above_floor (error->message);
}

static void
test_vector_must_be_stable (void **state)
{
  static const BpActivationDesc act = {
    .id = "naive", .name = "naive", .formula = "softmax",
    .vec_forward = naive_softmax, .vec_vjp = softmax_vjp,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_activation (&act, NULL, &error));
  assert_numeric_error (error, "activation “naive”: vec_forward at z = (1000) gives "
                        "a[0] = NaN, but f must be finite for every finite z");
}

static void
test_vector_correct_passes (void **state)
{
  static const BpActivationDesc act = {
    .id = "softmax3", .name = "softmax3", .formula = "softmax",
    .vec_forward = fixture_softmax, .vec_vjp = softmax_vjp,
  };
  g_autoptr(GError) error = NULL;

  assert_true (bp_plugin_check_activation (&act, NULL, &error));
}


/* ------------------------------------------------------------ blind spots
 *
 * Plugins built against the public header that the old check (a fixed
 * grid, a fixed 1e−4 tolerance, n ∈ {1, 2, 3, 6}, n = 3 costs with soft
 * targets in (0.05, 0.95)) accepted with wrong derivatives.  Each variant
 * is refused on its own, and its message names the feature, a point where
 * it is wrong, and a disagreement well above the noise floor. */

static const BpActivationDesc *
find_activation (const BpPluginDesc *desc,
                 const char         *id)
{
  for (size_t i = 0; i < desc->n_activations; i++)
    if (g_str_equal (desc->activations[i].id, id))
      return &desc->activations[i];
  fail_msg ("no activation “%s”", id);
  return NULL;
}

static const BpCostDesc *
find_cost (const BpPluginDesc *desc,
           const char         *id)
{
  for (size_t i = 0; i < desc->n_costs; i++)
    if (g_str_equal (desc->costs[i].id, id))
      return &desc->costs[i];
  fail_msg ("no cost “%s”", id);
  return NULL;
}

typedef gboolean (*ZPredicate) (double z);

static gboolean
in_2_2p1 (double z)
{
  return z > 2.0 && z <= 2.1;
}

static gboolean
in_2p01_2p24 (double z)
{
  return z > 2.01 && z < 2.24;
}

static gboolean
in_narrow (double z)
{
  return z > -7.31 && z < -7.27;
}

static gboolean
in_13 (double z)
{
  return z > 13.05 && z < 13.2;
}

static gboolean
beyond_16 (double z)
{
  return fabs (z) > 16.0;
}

static gboolean
beyond_17 (double z)
{
  return fabs (z) > 17.0;
}

static gboolean
below_m45 (double z)
{
  return z < -45.0;
}

static gboolean
above_12 (double z)
{
  return z > 12.0;
}

/* The activation `id` of `fixture` is refused at a z where `bad` holds. */
static void
assert_activation_refused (const char *fixture,
                           const char *id,
                           ZPredicate  bad)
{
  const BpActivationDesc *act = find_activation (fixture_descriptor (fixture), id);
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = g_strdup_printf ("activation “%s”: f′(", id);
  double z;

  if (bp_plugin_check_activation (act, NULL, &error))
    fail_msg ("%s: activation “%s” passed the check", fixture, id);
  assert_numeric_error (error, prefix);
  assert_true (g_str_has_prefix (error->message, prefix));
  z = number_after (error->message, "f′(");
  if (!bad (z))
    fail_msg ("“%s” names z = %g, where “%s” is right", error->message, z, id);
  assert_has (error->message, "but the central difference gives");
  assert_well_above_floor (error->message);
}

static void
test_between_grid_points (void **state)
{
  assert_activation_refused ("between-grid", "tanh_x2", in_2_2p1);
  assert_activation_refused ("between-grid", "tanh_x10", in_2p01_2p24);
  assert_activation_refused ("between-grid", "softplus_narrow", in_narrow);
  assert_activation_refused ("between-grid", "softplus_flip", in_13);
}

static void
test_wrong_in_tails (void **state)
{
  assert_activation_refused ("wrong-tails", "sigmoid_zero16", beyond_16);
  assert_activation_refused ("wrong-tails", "sigmoid_flip17", beyond_17);
  assert_activation_refused ("wrong-tails", "sigmoid_zero_deep", below_m45);
  assert_activation_refused ("wrong-tails", "tanh_zero12", above_12);
}

typedef gboolean (*NPredicate) (size_t n);

static gboolean
n_45_7up (size_t n)
{
  return n == 4 || n == 5 || n >= 7;
}

static gboolean
n_7 (size_t n)
{
  return n == 7;
}

static gboolean
n_5 (size_t n)
{
  return n == 5;
}

static void
assert_vector_refused (const char *id,
                       NPredicate  bad)
{
  const BpActivationDesc *act = find_activation (fixture_descriptor ("softmax-no-coupling"), id);
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = g_strdup_printf ("activation “%s”: vec_vjp at n = ", id);
  double z[16], g[16];
  double n;

  if (bp_plugin_check_activation (act, NULL, &error))
    fail_msg ("activation “%s” passed the check", id);
  assert_numeric_error (error, prefix);
  assert_true (g_str_has_prefix (error->message, prefix));
  n = number_after (error->message, "at n = ");
  if (!bad ((size_t) n))
    fail_msg ("“%s” names n = %g, where “%s” is right", error->message, n, id);
  assert_int_equal (vector_after (error->message, "z = ", z, 16), (size_t) n);
  assert_int_equal (vector_after (error->message, "g = ", g, 16), (size_t) n);
  assert_has (error->message, "but the central difference gives");
  assert_well_above_floor (error->message);
}

static void
test_vector_sizes (void **state)
{
  assert_vector_refused ("softmax_45_7up", n_45_7up);
  assert_vector_refused ("softmax_7", n_7);
  assert_vector_refused ("softmax_half5", n_5);
}

/* Where a cost's doubled gradient may be named: the unit k of n with
 * output a (or z) and target y. */
typedef gboolean (*CostPredicate) (size_t n, double a, double y);

static gboolean
hard_target (size_t n,
             double a,
             double y)
{
  return y == 0.0 || y == 1.0;
}

static gboolean
n_not_3 (size_t n,
         double a,
         double y)
{
  return n != 3;
}

static gboolean
outside_01 (size_t n,
            double a,
            double y)
{
  return a < 0.0 || a > 1.0;
}

static gboolean
large_a (size_t n,
         double a,
         double y)
{
  return fabs (a) > 50.0;
}

static void
assert_cost_refused (const char    *id,
                     const char    *prefix_fmt,
                     const char    *point_key,
                     CostPredicate  bad)
{
  const BpCostDesc *cost = find_cost (fixture_descriptor ("cost-doubled"), id);
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = g_strdup_printf (prefix_fmt, id);
  double a[16], y[16];
  size_t n, k;

  if (bp_plugin_check_cost (cost, NULL, NULL, &error))
    fail_msg ("cost “%s” passed the check", id);
  assert_numeric_error (error, prefix);
  assert_true (g_str_has_prefix (error->message, prefix));
  k = (size_t) number_after (error->message, prefix);
  n = (size_t) number_after (error->message, " at n = ");
  assert_int_equal (vector_after (error->message, point_key, a, 16), n);
  assert_int_equal (vector_after (error->message, ", y = ", y, 16), n);
  assert_true (k < n);
  if (!bad (n, a[k], y[k]))
    fail_msg ("“%s” names unit %zu of n = %zu, where “%s” is right", error->message, k, n, id);
  assert_has (error->message, "but the central difference ");
  assert_well_above_floor (error->message);
}

static void
test_cost_hard_targets_sizes_and_ranges (void **state)
{
  assert_cost_refused ("mse_hard", "cost “%s”: ∂l/∂a[", "a = ", hard_target);
  assert_cost_refused ("mse_not3", "cost “%s”: ∂l/∂a[", "a = ", n_not_3);
  assert_cost_refused ("mse_outside", "cost “%s”: ∂l/∂a[", "a = ", outside_01);
  assert_cost_refused ("mse_large", "cost “%s”: ∂l/∂a[", "a = ", large_a);
  /* Through the built-in sigmoid: the message names z. */
  assert_cost_refused ("bce_hard", "cost “%s”: grad_z gives ∂l/∂z[", "z = ", hard_target);
}

/* What the old check's tolerance hid in the tails of a correct-looking
 * plugin must not come back as a false refusal: the cheap forms
 * σ′ = σ(1 − σ) and tanh′ = 1 − tanh² from a rounded f(z), exactly 0 where
 * σ rounds to 1, are as good as double precision allows there. */
static double
sig_f (double z, const double *p)
{
  return 1.0 / (1.0 + exp (-z));
}

static double
sig_cheap_df (double z, double fz, const double *p)
{
  return fz * (1.0 - fz);
}

static double
tanh_f (double z, const double *p)
{
  return tanh (z);
}

static double
tanh_cheap_df (double z, double fz, const double *p)
{
  return 1.0 - fz * fz;
}

/* ½z(1 + erf(z/√2)) rounds to exactly 0 below z ≈ −8.3 while the exact
 * derivative Φ(z) + zφ(z) does not: f is too coarse there to say anything. */
static double
gelu_erf_f (double z, const double *p)
{
  return 0.5 * z * (1.0 + erf (z * M_SQRT1_2));
}

static double
gelu_erf_df (double z, double fz, const double *p)
{
  return 0.5 * (1.0 + erf (z * M_SQRT1_2)) + z * exp (-0.5 * z * z) / sqrt (2.0 * M_PI);
}

/* Kinks off the grid, where jittered points land close to them. */
static double
shifted_relu_f (double z, const double *p)
{
  return fmax (0.0, z - 0.3337);
}

static double
shifted_relu_df (double z, double fz, const double *p)
{
  return z > 0.3337 ? 1.0 : 0.0;
}

static double
abs_sin_f (double z, const double *p)
{
  return fabs (sin (z));
}

static double
abs_sin_df (double z, double fz, const double *p)
{
  return sin (z) >= 0 ? cos (z) : -cos (z);
}

static void
test_cheap_forms_pass (void **state)
{
  static const BpActivationDesc acts[] = {
    { .id = "sig_cheap", .name = "s", .formula = "σ", .f = sig_f, .df = sig_cheap_df },
    { .id = "tanh_cheap", .name = "t", .formula = "tanh", .f = tanh_f, .df = tanh_cheap_df },
    { .id = "gelu_erf", .name = "g", .formula = "gelu", .f = gelu_erf_f, .df = gelu_erf_df },
    { .id = "shifted_relu", .name = "r", .formula = "max(0, z − 0.3337)",
      .f = shifted_relu_f, .df = shifted_relu_df },
    { .id = "abs_sin", .name = "a", .formula = "|sin z|", .f = abs_sin_f, .df = abs_sin_df },
  };

  for (guint64 salt = 0; salt <= N_SALTS; salt++)
    for (size_t i = 0; i < G_N_ELEMENTS (acts); i++)
      {
        g_autoptr(GError) error = NULL;

        bp_plugin_check_set_jitter_salt (salt);
        if (!bp_plugin_check_activation (&acts[i], NULL, &error))
          fail_msg ("salt %" G_GUINT64_FORMAT ": %s", salt, error->message);
      }
  bp_plugin_check_set_jitter_salt (0);
}

/* sin(z)/z with the textbook derivative, which cancels terms of size 1/z²
 * near 0; and a float-precision cost, whose value moves in jumps of its
 * float ulp.  Both are as right as their arithmetic allows. */
static double
sinc_f (double z, const double *p)
{
  return z == 0 ? 1.0 : sin (z) / z;
}

static double
sinc_df (double z, double fz, const double *p)
{
  return z == 0 ? 0.0 : cos (z) / z - sin (z) / (z * z);
}

static double
float_half_sq (const double *a, const double *z, const double *y, size_t n, const double *p)
{
  float l = 0.0f;

  for (size_t k = 0; k < n; k++)
    l += 0.5f * (float) (a[k] - y[k]) * (float) (a[k] - y[k]);
  return l;
}

static void
float_diff_grad (const double *a, const double *z, const double *y, double *out, size_t n,
                 const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (float) a[k] - (float) y[k];
}

/* Refusals that jitter sweeps during development found in correct
 * features, at the salts that found them (each seed is the feature's id
 * and the salt): sinc's cancelling derivative near z = 0 (salts 97, 353),
 * the built-in softmax_ce through a saturated softmax, where log(1 + 10⁻⁸)
 * moves in steps of 2.2e-16 (salt 273), the float cost at large outputs
 * (salt 0). */
static void
test_found_false_refusals (void **state)
{
  static const BpActivationDesc sinc = {
    .id = "g_sinc", .name = "sinc", .formula = "sin z / z", .f = sinc_f, .df = sinc_df,
  };
  static const BpCostDesc float_mse = {
    .id = "f_mse", .name = "float", .formula = "l", .value = float_half_sq,
    .grad_a = float_diff_grad,
  };
  static const guint64 sinc_salts[] = { 0, 97, 353 };
  g_autoptr(GError) error = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS (sinc_salts); i++)
    {
      bp_plugin_check_set_jitter_salt (sinc_salts[i]);
      if (!bp_plugin_check_activation (&sinc, NULL, &error))
        fail_msg ("salt %" G_GUINT64_FORMAT ": %s", sinc_salts[i], error->message);
    }
  bp_plugin_check_set_jitter_salt (273);
  if (!bp_plugin_check_numeric (bp_builtins_get_descriptor (), &error))
    fail_msg ("salt 273: %s", error->message);
  bp_plugin_check_set_jitter_salt (0);
  if (!bp_plugin_check_cost (&float_mse, NULL, NULL, &error))
    fail_msg ("%s", error->message);
}

static void
test_same_plugin_same_verdict (void **state)
{
  const BpActivationDesc *act = find_activation (fixture_descriptor ("between-grid"),
                                                 "tanh_x2");
  g_autoptr(GError) first = NULL;
  g_autoptr(GError) second = NULL;

  /* Another feature checked in between does not move the points. */
  assert_false (bp_plugin_check_activation (act, NULL, &first));
  assert_true (bp_plugin_check_numeric (bp_builtins_get_descriptor (), NULL));
  assert_false (bp_plugin_check_activation (act, NULL, &second));
  assert_string_equal (first->message, second->message);
}

/* ------------------------------------------------------------------ costs */

static void
diff_grad_off (const double *a, const double *z, const double *y, double *out, size_t n,
               const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = a[k] - y[k] + 0.1;
}

static void
test_cost_grad_a (void **state)
{
  static const BpCostDesc cost = {
    .id = "off_mse", .name = "off", .formula = "l", .value = fixture_half_sq,
    .grad_a = diff_grad_off,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_cost (&cost, NULL, NULL, &error));
  assert_numeric_error (error, "cost “off_mse”: ∂l/∂a[");
  assert_has (error->message, "] = ");
  assert_has (error->message, ", y = (");
  assert_has (error->message, "but the central difference gives");
}

static void
test_cost_grad_z (void **state)
{
  /* Right grad_a, but the fused grad_z forgets σ′. */
  static const BpCostDesc cost = {
    .id = "sig_mse", .name = "sig", .formula = "l", .output_activation = "sigmoid",
    .value = fixture_half_sq, .grad_a = fixture_half_sq_grad_a,
    .grad_z = fixture_half_sq_grad_a,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_cost (&cost, NULL, NULL, &error));
  assert_numeric_error (error, "cost “sig_mse”: grad_z gives ∂l/∂z[");
  assert_has (error->message, "but the central difference through “sigmoid” gives");
}

static void
test_cost_grad_a_through_activation (void **state)
{
  static const BpCostDesc cost = {
    .id = "sig_off", .name = "sig", .formula = "l", .output_activation = "sigmoid",
    .value = fixture_half_sq, .grad_a = diff_grad_off,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_cost (&cost, NULL, NULL, &error));
  assert_numeric_error (error, "cost “sig_off”: grad_a through its output activation "
                        "“sigmoid” gives ∂l/∂z[");
}

static void
test_cost_unknown_output_activation (void **state)
{
  static const BpCostDesc cost = {
    .id = "lost", .name = "lost", .formula = "l", .output_activation = "nonexistent",
    .value = fixture_half_sq, .grad_a = fixture_half_sq_grad_a,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_cost (&cost, NULL, NULL, &error));
  assert_numeric_error (error, "cost “lost” cannot be checked: its output activation "
                        "“nonexistent” is not available");
}

/* ------------------------------------------------------------- optimizers */

static const BpParamSpec lr_only[] = {
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
};

static void
nan_step (double *p, const double *g, double *const *s, size_t n, const double *h,
          uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] = t == 5 ? NAN : p[i] - h[0] * g[i];
}

static void
uphill_step (double *p, const double *g, double *const *s, size_t n, const double *h,
             uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] += h[0] * g[i];
}

static void
test_optimizer_nan (void **state)
{
  static const BpOptimizerDesc opt = {
    .id = "nanny", .name = "nanny", .hyper_specs = lr_only, .n_hyper = 1, .step = nan_step,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_optimizer (&opt, NULL, &error));
  assert_numeric_error (error, "optimizer “nanny”: with the default hyperparameters on "
                        "f(p) = ½Σ cᵢpᵢ², step 5 made p[0] = NaN (it diverges)");
}

static void
test_optimizer_uphill (void **state)
{
  static const BpOptimizerDesc opt = {
    .id = "uphill", .name = "uphill", .hyper_specs = lr_only, .n_hyper = 1,
    .step = uphill_step,
  };
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_optimizer (&opt, NULL, &error));
  assert_numeric_error (error, "optimizer “uphill”: 300 steps with the default "
                        "hyperparameters on f(p) = ½Σ cᵢpᵢ² from p = 1 took f from 1.85 to ");
  assert_has (error->message, "instead of lowering it");
}

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_builtins_pass),
    cmocka_unit_test (test_builtins_pass_any_jitter),
    cmocka_unit_test (test_shipped_plugins_pass),
    cmocka_unit_test (test_example_plugin_passes),
    cmocka_unit_test (test_cheap_forms_pass),
    cmocka_unit_test (test_found_false_refusals),
    cmocka_unit_test (test_kink_is_skipped),
    cmocka_unit_test (test_wrong_derivative_message),
    cmocka_unit_test (test_worst_point_is_named),
    cmocka_unit_test (test_f_not_finite),
    cmocka_unit_test (test_f_overflows),
    cmocka_unit_test (test_nowhere_smooth),
    cmocka_unit_test (test_f_array_must_agree),
    cmocka_unit_test (test_vector_wrong_vjp),
    cmocka_unit_test (test_vector_must_be_stable),
    cmocka_unit_test (test_vector_correct_passes),
    cmocka_unit_test (test_cost_grad_a),
    cmocka_unit_test (test_cost_grad_z),
    cmocka_unit_test (test_cost_grad_a_through_activation),
    cmocka_unit_test (test_cost_unknown_output_activation),
    cmocka_unit_test (test_optimizer_nan),
    cmocka_unit_test (test_optimizer_uphill),
    cmocka_unit_test (test_between_grid_points),
    cmocka_unit_test (test_wrong_in_tails),
    cmocka_unit_test (test_vector_sizes),
    cmocka_unit_test (test_cost_hard_targets_sizes_and_ranges),
    cmocka_unit_test (test_same_plugin_same_verdict),
  };

  shipped_plugins = argv + 1;
  fixture_dir = g_getenv ("BACKPROP_LOADER_FIXTURES");
  return cmocka_run_group_tests (tests, NULL, NULL);
}
