/* test-latex.c — "Copy as LaTeX" (ui/session/bpv-latex.h): the derivation of a
 * weight's gradient, for weights of the first, a middle and the last layer
 * of every shipped example (sigmoid, tanh, relu, softmax outputs; bce,
 * softmax_ce, mse), carries the numbers the inspector shows and compiles
 * with pdflatex inside a minimal article; so do those of every layer type
 * (the paths of a skip, batch norm's three terms, a norm layer's γ).  pdflatex comes from Debian's
 * texlive-latex-base (app/setup.sh installs it); without it the test fails. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bp-chain.h"
#include "bp-model.h"
#include "bp-rng.h"
#include "bpv-latex.h"

static const char *examples[] = {
  "chain-rule", "xor", "spirals-sigmoid", "spirals-relu", "deep-sigmoid", "iris", "digits",
};

static void
test_numbers (void **state)
{
  const struct { double v; const char *want; } cases[] = {
    { 0.0, "0" }, { -0.0, "0" }, { 0.2391, "0.2391" }, { -0.2099, "-0.2099" },
    { -1.788e-6, "-1.788\\times10^{-6}" }, { 3.753e-07, "3.753\\times10^{-7}" },
    { 1e-5, "10^{-5}" }, { -1e20, "-10^{20}" }, { NAN, "\\mathrm{NaN}" }, { -INFINITY, "-\\infty" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = bpv_latex_number (cases[i].v);

      if (strcmp (got, cases[i].want) != 0)
        fail_msg ("%g → “%s”, expected “%s”", cases[i].v, got, cases[i].want);
    }
}

/* Compiles `body` in a minimal article; fails with pdflatex's log. */
static void
compile (const char *name,
         const char *body)
{
  g_autofree char *dir = g_dir_make_tmp ("bp-latex-XXXXXX", NULL);
  g_autofree char *tex = g_build_filename (dir, "derivation.tex", NULL);
  g_autofree char *pdf = g_build_filename (dir, "derivation.pdf", NULL);
  g_autofree char *doc = g_strdup_printf ("\\documentclass{article}\n\\begin{document}\n%s\n"
                                          "\\end{document}\n", body);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                         "-no-shell-escape", "derivation.tex", NULL };
  int status = 0;

  assert_non_null (dir);
  assert_true (g_file_set_contents (tex, doc, -1, NULL));
  if (!g_spawn_sync (dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    fail_msg ("%s: cannot run pdflatex (%s): install texlive-latex-base", name, error->message);
  if (!g_spawn_check_wait_status (status, NULL) || !g_file_test (pdf, G_FILE_TEST_EXISTS))
    {
      const char *tail = out != NULL && strlen (out) > 3000 ? out + strlen (out) - 3000 : out;

      fail_msg ("%s: pdflatex failed:\n%s\n--- the document:\n%s", name, tail, doc);
    }
  /* Leave nothing behind. */
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *f;

    while (d != NULL && (f = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (dir, f, NULL);

        g_unlink (p);
      }
    g_rmdir (dir);
  }
}

static void
test_examples_compile (void **state)
{
  const char *data = g_getenv ("BACKPROP_DATA_DIR");

  assert_non_null (data);
  for (gsize e = 0; e < G_N_ELEMENTS (examples); e++)
    {
      g_autofree char *file = g_strdup_printf ("%s.bpmodel.json", examples[e]);
      g_autofree char *path = g_build_filename (data, "examples", file, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(BpModel) model = bp_model_load_file (path, NULL, &error);
      g_autoptr(BpTrace) trace = NULL;
      g_autoptr(GString) body = g_string_new (NULL);
      BpNetwork *net;
      gsize B = 2, n_in, n_out, N;
      g_autofree double *x = NULL, *y = NULL;
      BpRng rng;

      if (model == NULL)
        fail_msg ("%s: %s", path, error->message);
      net = model->network;
      N = net->n_layers;
      n_in = net->n_inputs;
      n_out = bp_network_n_outputs (net);
      x = g_new (double, B * n_in);
      y = g_new0 (double, B * n_out);
      bp_rng_init (&rng, 5 + e);
      for (gsize i = 0; i < B * n_in; i++)
        x[i] = bp_rng_range (&rng, -1.0, 1.0);
      /* One-hot rows suit every shipped cost (bce, softmax_ce, mse). */
      for (gsize s = 0; s < B; s++)
        y[s * n_out + s % n_out] = 1.0;
      trace = bp_trace_new (net, B);
      bp_network_gradients (net, trace, x, y, B);

      /* The first, a middle and the last layer; sample 2. */
      for (gsize pick = 0; pick < 3; pick++)
        {
          gsize l = pick == 0 ? 0 : pick == 1 ? N / 2 : N - 1;
          gsize j = net->layers[l].out - 1, k = net->layers[l].in / 2;
          g_autofree char *snippet = bpv_latex_weight_derivation (net, trace, 1, l, j, k, &error);
          g_autofree char *product = NULL;

          if (snippet == NULL)
            fail_msg ("%s W(%zu): %s", examples[e], l + 1, error->message);
          /* The gradient, as the inspector gives it, is in the text. */
          product = bpv_latex_number (bp_trace_dC_dz (trace, l, 1)[j] * bp_trace_a_prev (trace, l, 1)[k]);
          if (strstr (snippet, product) == NULL)
            fail_msg ("%s W(%zu)[%zu,%zu]: the gradient %s is not in\n%s", examples[e], l + 1,
                      j + 1, k + 1, product, snippet);
          if (l + 1 < N && strstr (snippet, "\\sum_") == NULL)
            fail_msg ("%s W(%zu): no δ terms in\n%s", examples[e], l + 1, snippet);
          g_string_append_printf (body, "%s\n\\bigskip\n", snippet);
        }
      compile (examples[e], body->str);
    }
}

/* Every layer type (tests/cli/layers.json: dense, batch norm, a skip,
 * layer norm, dropout, a skip from the input): the derivation of a weight
 * of each dense layer and of each norm layer's γ carries its gradient,
 * the paths where the gradient reaches a unit by more than one, the three
 * terms of batch norm, and compiles. */
static void
test_layers_compile (void **state)
{
  const char *src = g_getenv ("BACKPROP_SOURCE_DIR");
  g_autofree char *path = g_build_filename (src != NULL ? src : ".", "tests", "cli", "layers.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_load_file (path, NULL, &error);
  g_autoptr(BpTrace) trace = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  BpNetwork *net;

  (void) state;
  if (model == NULL)
    fail_msg ("%s: %s", path, error->message);
  net = model->network;
  trace = bp_trace_new (net, model->n_samples);
  bp_network_gradients (net, trace, model->inputs, model->targets, model->n_samples);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];
      gsize j = L->out - 1;
      g_autofree char *snippet = NULL;
      g_autofree char *value = NULL;

      if (L->type == BP_LAYER_DROPOUT)
        {
          assert_null (bpv_latex_weight_derivation (net, trace, 1, l, 0, 0, &error));
          g_clear_error (&error);
          continue;
        }
      snippet = bpv_latex_weight_derivation (net, trace, 1, l, j, 0, &error);
      if (snippet == NULL)
        fail_msg ("layer %zu: %s", l + 1, error->message);
      value = bpv_latex_number (bp_trace_dC_dz (trace, l, 1)[j] *
                                (L->type == BP_LAYER_DENSE ? bp_trace_a_prev (trace, l, 1)[0]
                                                           : trace->xhat[l][L->out + j]));
      if (strstr (snippet, value) == NULL)
        fail_msg ("layer %zu: the gradient %s is not in\n%s", l + 1, value, snippet);
      if (L->type != BP_LAYER_DENSE && strstr (snippet, "\\partial \\gamma^{(") == NULL)
        fail_msg ("layer %zu: no γ in\n%s", l + 1, snippet);
      g_string_append_printf (body, "%s\n\\bigskip\n", snippet);
    }
  /* a(1) feeds batch norm (layer 2) and the skip of layer 3. */
  assert_non_null (strstr (body->str, "reaches $a^{(1)}_{4}$ by 2 paths"));
  assert_non_null (strstr (body->str, "\\mbox{through batch norm layer 2}"));
  assert_non_null (strstr (body->str, "\\mbox{around (skip into $a^{(3)}$)}"));
  assert_non_null (strstr (body->str, "\\mbox{through dropout layer 5}"));
  compile ("layers", body->str);
}

static void
test_bad_weight (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(BpTrace) trace = bp_trace_new (model->network, 1);
  double x[2] = { 0.1, 0.2 }, y[1] = { 1 };

  bp_network_forward (model->network, trace, x, 1);
  bp_network_backward (model->network, trace, y);
  assert_null (bpv_latex_weight_derivation (model->network, trace, 0, 0, 99, 0, &error));
  assert_non_null (error);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_numbers),
    cmocka_unit_test (test_bad_weight),
    cmocka_unit_test (test_examples_compile),
    cmocka_unit_test (test_layers_compile),
  };

  return cmocka_run_group_tests_name ("latex", tests, NULL, NULL);
}
