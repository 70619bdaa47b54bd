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

#include "bp-plugin-check.h"
#include "bp-plugin-loader.h"
#include "bp-registry.h"

static char **shipped_plugins;  /* from the command line */

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

/* ------------------------------------------------------------- passing */

static void
test_builtins_pass (void **state)
{
  g_autoptr(GError) error = NULL;

  assert_true (bp_plugin_check_numeric (bp_builtins_get_descriptor (), &error));
  assert_null (error);
}

static void
test_shipped_plugins_pass (void **state)
{
  guint n = shipped_plugins != NULL ? g_strv_length (shipped_plugins) : 0;

  /* The build always passes them; none would mean a broken test setup. */
  assert_true (n >= 1);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      GModule *module = g_module_open (shipped_plugins[i], G_MODULE_BIND_LOCAL);
      BpPluginGetDescriptorFunc get = NULL;

      if (module == NULL)
        fail_msg ("%s: %s", shipped_plugins[i], g_module_error ());
      assert_true (g_module_symbol (module, BP_PLUGIN_SYMBOL, (gpointer *) &get));
      g_module_make_resident (module);
      if (!bp_plugin_check_numeric (get (), &error))
        fail_msg ("%s: %s", shipped_plugins[i], error->message);
    }
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

static double
bump_df (double z, double fz, const double *p)
{
  return z == 2.5 ? 0.91 : 1.0;
}

static double
two_bumps_df (double z, double fz, const double *p)
{
  return z == 2.5 ? 0.91 : z == -3.0 ? 0.5 : 1.0;
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
  /* (2.5 + h) − (2.5 − h) over the step taken is exactly 1. */
  assert_string_equal (error->message,
                       "plugin “test”: activation “swish”: f′(2.5) = 0.91 but the "
                       "central difference gives 1 (relative error 0.09)");
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
  assert_string_equal (error->message,
                       "plugin “test”: activation “bumpy”: f′(-3) = 0.5 but the "
                       "central difference gives 1 (relative error 0.5)");
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
stable_softmax (const double *z, double *a, size_t n, const double *p)
{
  double m = -INFINITY, s = 0.0;

  for (size_t i = 0; i < n; i++)
    m = fmax (m, z[i]);
  for (size_t i = 0; i < n; i++)
    s += a[i] = exp (z[i] - m);
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
    .vec_forward = stable_softmax, .vec_vjp = softmax_vjp_flipped,
  };
  BpPluginDesc desc;
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_check_numeric (one_activation (&desc, &act), &error));
  assert_numeric_error (error, "plugin “test”: activation “softmax2”: vec_vjp at z = (");
  assert_has (error->message, "but the central difference gives");
  assert_has (error->message, "(relative error 2)");
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
    .vec_forward = stable_softmax, .vec_vjp = softmax_vjp,
  };
  g_autoptr(GError) error = NULL;

  assert_true (bp_plugin_check_activation (&act, NULL, &error));
}

/* ------------------------------------------------------------------ costs */

static double
half_sq (const double *a, const double *z, const double *y, size_t n, const double *p)
{
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    l += 0.5 * (a[k] - y[k]) * (a[k] - y[k]);
  return l;
}

static void
diff_grad (const double *a, const double *z, const double *y, double *out, size_t n,
           const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = a[k] - y[k];
}

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
    .id = "off_mse", .name = "off", .formula = "l", .value = half_sq, .grad_a = diff_grad_off,
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
    .value = half_sq, .grad_a = diff_grad, .grad_z = diff_grad,
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
    .value = half_sq, .grad_a = diff_grad_off,
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
    .value = half_sq, .grad_a = diff_grad,
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
    cmocka_unit_test (test_shipped_plugins_pass),
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
  };

  shipped_plugins = argv + 1;
  return cmocka_run_group_tests (tests, NULL, NULL);
}
