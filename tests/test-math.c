/* test-math.c — formulas as markup (ui/render/bpv-math.h): each construct of the
 * TeX subset on its own, escaping, bad input, and every formula the
 * built-ins and the shipped plugins carry rendered as valid Pango markup
 * with no TeX source left in what the reader sees. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gmodule.h>
#include <pango/pango.h>

#include "backprop-plugin.h"
#include "bp-registry.h"
#include "bpv-math.h"

#define assert_markup(tex, want)                                         \
  do {                                                                   \
    g_autofree char *got_ = bpv_math_to_markup (tex);                    \
    if (strcmp (got_, (want)) != 0)                                      \
      fail_msg ("“%s” → “%s”, expected “%s”", (tex), got_, (want));      \
  } while (0)

static void
test_scripts (void **state)
{
  assert_markup ("Σ_k y_k", "Σ<sub>k</sub> y<sub>k</sub>");
  assert_markup ("e^{z}", "e<sup>z</sup>");
  assert_markup ("e^z", "e<sup>z</sup>");
  assert_markup ("x^2 + 1", "x<sup>2</sup> + 1");
  assert_markup ("e^{−z²/2}", "e<sup>−z²/2</sup>");
  /* An unbraced script is one word, as the descriptors mean it. */
  assert_markup ("δ_ij", "δ<sub>ij</sub>");
  assert_markup ("g_prev", "g<sub>prev</sub>");
  assert_markup ("x_12y", "x<sub>12</sub>y");
  assert_markup ("σ_i(δ_ij − σ_j)", "σ<sub>i</sub>(δ<sub>ij</sub> − σ<sub>j</sub>)");
  assert_markup ("e^{z_i}", "e<sup>z<sub>i</sub></sup>");
  assert_markup ("x^{2^{3}}", "x<sup>2<sup>3</sup></sup>");
  assert_markup ("W_{jk}^{(2)}", "W<sub>jk</sub><sup>(2)</sup>");
  assert_markup ("x_α", "x<sub>α</sub>");
  assert_markup ("z'", "z′");
}

static void
test_commands (void **state)
{
  assert_markup ("\\sigma(z)", "σ(z)");
  assert_markup ("\\alpha\\beta\\Delta\\omega", "αβΔω");
  assert_markup ("\\sum_k y_k", "Σ<sub>k</sub> y<sub>k</sub>");
  assert_markup ("a \\cdot b", "a · b");
  assert_markup ("a\\cdot b", "a · b");
  assert_markup ("lr\\times g", "lr × g");
  assert_markup ("x \\le 0", "x ≤ 0");
  assert_markup ("\\partial C/\\partial z", "∂C/∂z");
  assert_markup ("\\frac{a}{b}", "a/b");
  assert_markup ("\\frac{a + 1}{2b}", "(a + 1)/2b");
  assert_markup ("\\frac{1}{1 + e^{-z}}", "1/(1 + e<sup>-z</sup>)");
  assert_markup ("\\sqrt{x}", "√x");
  assert_markup ("\\sqrt{v} + \\epsilon", "√v + ε");
  assert_markup ("\\sqrt{2\\pi}", "√2π");
  assert_markup ("\\sqrt{x + 1}", "√(x + 1)");
  assert_markup ("\\hat{m}", "m\xcc\x82");
  assert_markup ("\\tanh z", "tanh z");
  assert_markup ("\\log(1 + e^{z})", "log(1 + e<sup>z</sup>)");
  assert_markup ("\\mathrm{softplus}(z)", "softplus(z)");
  assert_markup ("\\left( x \\right)", "( x )");
  assert_markup ("\\{a\\}", "{a}");
  assert_markup ("a\\,b", "a\xe2\x80\x89" "b");
}

static void
test_escaping_and_bad_input (void **state)
{
  assert_markup ("a < b & c > d", "a &lt; b &amp; c &gt; d");
  assert_markup ("x_<", "x<sub>&lt;</sub>");
  assert_markup ("\\frac{<}{&}", "&lt;/&amp;");
  assert_markup ("", "");
  /* Unicode formulas pass as they are. */
  assert_markup ("σ′(z) = ½(1 + erf(z/√2))", "σ′(z) = ½(1 + erf(z/√2))");
  {
    g_autofree char *none = bpv_math_to_markup (NULL);

    assert_string_equal (none, "");
  }
  /* Broken TeX still gives valid markup. */
  {
    const char *broken[] = { "x^", "x_", "\\", "\\frac{a}", "{{{", "}}}", "x^{", "\\sqrt[",
                             "a^{b_{c^{d", "\\left", "\xff\xfe bad", "<b>not markup</b>" };

    for (gsize i = 0; i < G_N_ELEMENTS (broken); i++)
      {
        g_autofree char *m = bpv_math_to_markup (broken[i]);
        g_autoptr(GError) error = NULL;

        if (!pango_parse_markup (m, -1, 0, NULL, NULL, NULL, &error))
          fail_msg ("“%s” → “%s”: not markup (%s)", broken[i], m, error->message);
      }
  }
  /* Deep nesting does not recurse without bound. */
  {
    GString *deep = g_string_new ("x");
    g_autofree char *m = NULL;
    g_autoptr(GError) error = NULL;

    for (int i = 0; i < 100000; i++)
      g_string_append (deep, "^{");
    m = bpv_math_to_markup (deep->str);
    assert_true (pango_parse_markup (m, -1, 0, NULL, NULL, NULL, &error));
    g_string_free (deep, TRUE);
  }
}

/* For one-line, ellipsized labels: scripts as Unicode characters where
 * they exist, <sub>/<sup> only where not. */
static void
test_flat (void **state)
{
  const struct { const char *tex, *want; } cases[] = {
    { "Σ_k y_k", "Σₖ yₖ" }, { "e^{-z}", "e⁻ᶻ" }, { "x^2 + x_{12}", "x² + x₁₂" },
    { "g_prev", "gₚᵣₑᵥ" }, { "e^{z_i}", "e<sup>zᵢ</sup>" }, { "x_q", "x<sub>q</sub>" },
    { "x_α", "x<sub>α</sub>" }, { "a < b", "a &lt; b" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = bpv_math_to_markup_flat (cases[i].tex);

      if (strcmp (got, cases[i].want) != 0)
        fail_msg ("“%s” → “%s”, expected “%s”", cases[i].tex, got, cases[i].want);
    }
}

/* A formula as the reader sees it: valid markup, and none of ^ _ \ { }
 * left in the text. */
static void
check_formula (const char *where,
               const char *formula,
               gsize      *n_checked)
{
  g_autofree char *markup = NULL, *plain = NULL;
  g_autoptr(GError) error = NULL;

  if (formula == NULL)
    return;
  markup = bpv_math_to_markup (formula);
  if (!pango_parse_markup (markup, -1, 0, NULL, &plain, NULL, &error))
    fail_msg ("%s: “%s” → “%s” is not markup: %s", where, formula, markup, error->message);
  if (strpbrk (plain, "^_\\{}") != NULL)
    fail_msg ("%s: “%s” still shows TeX source: “%s”", where, formula, plain);
  (*n_checked)++;
}

static void
check_descriptor (const char         *where,
                  const BpPluginDesc *d,
                  gsize              *n_checked)
{
  for (size_t i = 0; i < d->n_activations; i++)
    {
      check_formula (where, d->activations[i].formula, n_checked);
      check_formula (where, d->activations[i].derivative_formula, n_checked);
    }
  for (size_t i = 0; i < d->n_costs; i++)
    check_formula (where, d->costs[i].formula, n_checked);
  for (size_t i = 0; i < d->n_optimizers; i++)
    check_formula (where, d->optimizers[i].formula, n_checked);
  /* The step banner's one ellipsized line shows costs and optimizers:
   * theirs need no <sub>/<sup> (Pango warns when it cuts one off). */
  for (size_t i = 0; i < d->n_costs + d->n_optimizers; i++)
    {
      const char *formula = i < d->n_costs ? d->costs[i].formula
                                           : d->optimizers[i - d->n_costs].formula;
      g_autofree char *flat = bpv_math_to_markup_flat (formula);

      if (strstr (flat, "<sub>") != NULL || strstr (flat, "<sup>") != NULL)
        fail_msg ("%s: “%s” needs <sub>/<sup> in a one-line label: %s", where, formula, flat);
    }
}

static void
test_shipped_formulas (void **state)
{
  const char *build = g_getenv ("BACKPROP_BUILD_DIR");
  g_autofree char *dir = NULL;
  g_autoptr(GDir) listing = NULL;
  const char *name;
  gsize n_checked = 0, n_plugins = 0;

  check_descriptor ("built-ins", bp_builtins_get_descriptor (), &n_checked);
  assert_non_null (build);
  dir = g_build_filename (build, "plugins", NULL);
  listing = g_dir_open (dir, 0, NULL);
  assert_non_null (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = NULL;
      GModule *module;
      const BpPluginDesc *(*get) (void) = NULL;

      if (!g_str_has_suffix (name, ".so"))
        continue;
      path = g_build_filename (dir, name, NULL);
      module = g_module_open (path, G_MODULE_BIND_LOCAL);
      if (module == NULL)
        fail_msg ("%s: %s", path, g_module_error ());
      assert_true (g_module_symbol (module, "bp_plugin_get_descriptor", (gpointer *) &get));
      check_descriptor (name, get (), &n_checked);
      g_module_close (module);
      n_plugins++;
    }
  /* 18 plugins, the built-ins' 7 activations, 3 costs, 4 optimizers. */
  assert_true (n_plugins >= 18);
  assert_true (n_checked >= 40);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_scripts),
    cmocka_unit_test (test_commands),
    cmocka_unit_test (test_escaping_and_bad_input),
    cmocka_unit_test (test_flat),
    cmocka_unit_test (test_shipped_formulas),
  };

  return cmocka_run_group_tests_name ("math", tests, NULL, NULL);
}
