/* test-gradcheck.c — finite differences with their noise floor
 * (core/bp-gradcheck.h): the estimator on scalar functions whose noise and
 * derivative are known, the verdicts, and the check of every shipped
 * example, with 1 % errors planted in the gradient it is compared against.
 *
 * The old check (a relative error below 1e−5) failed 5 of the 7 shipped
 * examples on correct gradients; test_examples_old_criterion_cries_wolf
 * keeps that figure to show the examples are the ones that exposed it.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "bp-dataset.h"
#include "bp-gradcheck.h"
#include "bp-model.h"
#include "bp-network.h"
#include "bp-rng.h"

/* ------------------------------------------------- scalar functions */

/* sin x plus a rounding-like error of at most `amplitude`: a hash of the
 * bits of x, so the same x always gives the same value, as rounding does. */
typedef struct
{
  double amplitude;
} Noisy;

static double
hash_unit (double x)
{
  guint64 b;

  memcpy (&b, &x, sizeof b);
  /* splitmix64's finaliser */
  b ^= b >> 30;
  b *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  b ^= b >> 27;
  b *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  b ^= b >> 31;
  return (double) (b >> 11) / 9007199254740992.0 * 2.0 - 1.0;  /* [−1, 1) */
}

static double
noisy_sin (double   x,
           gpointer user_data)
{
  const Noisy *n = user_data;

  return sin (x) + n->amplitude * hash_unit (x);
}

/* The floor bounds the real error of the estimate, and is not so loose
 * that it says nothing: over 2000 points and three noise levels, the
 * error is above the floor at under 1 % of them (a correct derivative
 * there is "not resolvable"), never near BP_FD_WELL_ABOVE floors (it would
 * be called wrong), and the floor stays within a small multiple of the
 * noise's own effect, amplitude / h. */
static void
test_floor_bounds_the_error (void **state)
{
  static const double amplitudes[] = { 1e-14, 1e-11, 1e-8 };
  const double h = 1e-5;

  (void) state;
  for (gsize a = 0; a < G_N_ELEMENTS (amplitudes); a++)
    {
      Noisy n = { amplitudes[a] };
      double worst = 0.0, loosest = 0.0;
      int above = 0;

      for (int i = 0; i < 2000; i++)
        {
          double x = -3.0 + 6.0 * i / 2000.0 + 1e-3 * hash_unit (i + 0.5);
          BpFdEstimate e;

          bp_fd_estimate (noisy_sin, &n, x, h, 0, &e);
          assert_true (e.h == h && e.x == x);
          worst = MAX (worst, fabs (e.derivative - cos (x)) / e.floor);
          above += fabs (e.derivative - cos (x)) > e.floor;
          loosest = MAX (loosest, e.floor / (n.amplitude / h));
          assert_int_not_equal (bp_fd_verdict (cos (x), &e, 0), BP_FD_DIFFERS);
        }
      if (!(above <= 20 && worst < BP_FD_WELL_ABOVE / 2))
        fail_msg ("amplitude %g: error above the floor at %d points, up to %.3g floors",
                  n.amplitude, above, worst);
      if (!(loosest < 20.0))
        fail_msg ("amplitude %g: floor %.3g × amplitude/h", n.amplitude, loosest);
    }
}

/* Where f is exact but for its last rounding, the floor is that rounding's
 * effect: ε·|f|/h, give or take the factor of the floor's definition. */
static double
exp_of (double   x,
        gpointer user_data)
{
  (void) user_data;
  return exp (x);
}

static void
test_exact_function (void **state)
{
  BpFdEstimate e;

  (void) state;
  bp_fd_estimate (exp_of, NULL, 0.5, 1e-3, 0, &e);
  assert_near (e.derivative, exp (0.5), 1e-10, 0);
  /* The plain central difference is off by h²·f‴/6 ≈ 2.7e−7: the
   * extrapolation is why the floor can be this small. */
  assert_true (fabs (e.central - exp (0.5)) > 1e-7);
  assert_true (e.floor < 1e-11 && e.floor > DBL_EPSILON * exp (0.5) / 1e-3);
  assert_int_equal (bp_fd_verdict (exp (0.5), &e, 0), BP_FD_AGREES);
  assert_int_equal (bp_fd_verdict (exp (0.5) * (1 + 1e-9), &e, 0), BP_FD_DIFFERS);
}

/* A kink near x: f = bg·sin(x + 0.3) + J·|x − a·h|, a from −3 to 3.
 * Within ±2h the estimate is far off (for |x| at h/2 it gives 0.58 for
 * 1), and the floor says so: a kink never makes the right slope "differ".
 * Alone (bg = 0) it is never "agrees" either; a small kink on a smooth
 * function may be within the floor. */
typedef struct
{
  double a, h, bg, J;
} Kink;

static double
kinked (double   x,
        gpointer user_data)
{
  const Kink *k = user_data;

  return k->bg * sin (x + 0.3) + k->J * fabs (x - k->a * k->h);
}

static void
test_kink_never_differs (void **state)
{
  static const double bg[] = { 0, 1, 1 }, J[] = { 1, 1e-2, 1e-6 };
  BpFdEstimate e;
  Kink half = { 0.5, 1e-6, 0, 1 };

  (void) state;
  bp_fd_estimate (kinked, &half, 0, 1e-6, 0, &e);
  assert_near (e.derivative, -7.0 / 12.0, 1e-6, 0);
  assert_int_equal (bp_fd_verdict (-1, &e, 0), BP_FD_NOT_RESOLVABLE);

  for (gsize c = 0; c < G_N_ELEMENTS (bg); c++)
    for (int i = -600; i <= 600; i++)
      {
        Kink k = { i / 200.0, 1e-6, bg[c], J[c] };
        double slope = bg[c] * cos (0.3) + J[c] * (k.a > 0 ? -1 : 1);
        BpFdVerdict v;

        bp_fd_estimate (kinked, &k, 0, k.h, 0, &e);
        v = bp_fd_verdict (slope, &e, 0);
        if (v == BP_FD_DIFFERS || (bg[c] == 0 && v == BP_FD_AGREES))
          fail_msg ("kink %g·|x − %g h| on %g·sin: %s (numeric %.9g, slope %.9g, floor %.3g)",
                    J[c], k.a, bg[c], bp_fd_verdict_to_string (v), e.derivative, slope,
                    e.floor);
      }
}

/* The three verdicts on one estimate, by construction. */
static void
test_verdicts (void **state)
{
  BpFdEstimate e = { .x = 0, .h = 1e-6, .derivative = 1e-6, .central = 1e-6,
                     .noise = 0, .floor = 1e-9 };

  (void) state;
  assert_int_equal (bp_fd_verdict (1e-6 + 0.9e-9, &e, 0), BP_FD_AGREES);
  assert_near (bp_fd_floor_ratio (1e-6 + 0.9e-9, &e), 0.9, 1e-6, 0);
  /* Above the floor but not well above: can't tell. */
  assert_int_equal (bp_fd_verdict (1e-6 + 2e-9, &e, 0), BP_FD_NOT_RESOLVABLE);
  assert_int_equal (bp_fd_verdict (1e-6 + 5e-9, &e, 0), BP_FD_DIFFERS);
  assert_int_equal (bp_fd_verdict (-1e-6, &e, 0), BP_FD_DIFFERS);
  /* The floor is 0.1 % of the derivative: with a resolution of 1e−4 the
   * agreement confirms nothing. */
  assert_int_equal (bp_fd_verdict (1e-6, &e, 1e-4), BP_FD_NOT_RESOLVABLE);
  /* A floor as large as the derivative: can't tell, whatever backprop says
   * within it. */
  e.floor = 2e-6;
  assert_int_equal (bp_fd_verdict (0, &e, 0), BP_FD_NOT_RESOLVABLE);
  assert_int_equal (bp_fd_verdict (2e-6, &e, 0), BP_FD_NOT_RESOLVABLE);
  assert_int_equal (bp_fd_verdict (1e-5, &e, 0), BP_FD_DIFFERS);
  assert_int_equal (bp_fd_verdict (NAN, &e, 0), BP_FD_DIFFERS);
  /* Both exactly 0: f did not move at all. */
  e.derivative = 0;
  assert_int_equal (bp_fd_verdict (0, &e, 0), BP_FD_AGREES);
  e.derivative = NAN;
  assert_int_equal (bp_fd_verdict (0, &e, 0), BP_FD_NOT_RESOLVABLE);
  assert_string_equal (bp_fd_verdict_to_string (BP_FD_AGREES), "agrees");
  assert_string_equal (bp_fd_verdict_to_string (BP_FD_NOT_RESOLVABLE), "not resolvable");
  assert_string_equal (bp_fd_verdict_to_string (BP_FD_DIFFERS), "differs");
}

/* ------------------------------------------------- the shipped examples */

static const char *const examples[] = {
  "chain-rule", "deep-sigmoid", "digits", "iris", "spirals-relu", "spirals-sigmoid", "xor",
};

typedef struct
{
  BpModel   *model;
  BpDataset *ds;
  gsize      B;
} Example;

/* The example and the batch `backprop gradcheck` checks it on: the first
 * 32 rows of its dataset. */
static void
example_open (Example    *ex,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  const char *src = g_getenv ("BACKPROP_SOURCE_DIR");
  g_autofree char *file = g_strdup_printf ("%s.bpmodel.json", name);
  g_autofree char *path = g_build_filename (src != NULL ? src : ".", "data", "examples", file, NULL);

  ex->model = bp_model_load_file (path, NULL, &error);
  if (ex->model == NULL)
    fail_msg ("%s: %s", path, error->message);
  ex->ds = bp_dataset_open (ex->model->dataset, ex->model->dataset_rows,
                            ex->model->dataset_noise, ex->model->seed, &error);
  if (ex->ds == NULL)
    fail_msg ("%s: %s", name, error->message);
  ex->B = MIN (ex->ds->n_rows, 32);
}

static void
example_close (Example *ex)
{
  g_clear_pointer (&ex->model, bp_model_free);
  g_clear_pointer (&ex->ds, bp_dataset_free);
}

/* Every example passes: no gradient differs, and most agree; also with
 * a step of 1e−4, where spirals-relu's kinks fall inside the stencil. */
static void
test_examples_pass (void **state)
{
  (void) state;
  for (gsize i = 0; i < 2 * G_N_ELEMENTS (examples); i++)
    {
      double eps = i < G_N_ELEMENTS (examples) ? 1e-6 : 1e-4;
      Example ex = { 0 };
      BpNetwork *net;
      g_autofree BpGradCheckEntry *entries = NULL;
      gsize n_agree = 0;
      BpFdVerdict v;

      example_open (&ex, examples[i % G_N_ELEMENTS (examples)]);
      net = ex.model->network;
      entries = g_new0 (BpGradCheckEntry, net->n_params);
      v = bp_gradcheck_network (net, ex.ds->X, ex.ds->Y, ex.B, eps, 0, NULL, NULL, entries);
      for (gsize p = 0; p < net->n_params; p++)
        {
          if (entries[p].verdict == BP_FD_DIFFERS)
            fail_msg ("%s, eps %g: parameter %zu differs: backprop %.17g numeric %.17g floor %.3g",
                      examples[i % G_N_ELEMENTS (examples)], eps, p, entries[p].backprop,
                      entries[p].fd.derivative, entries[p].fd.floor);
          /* At the default step a correct gradient is within its floor:
           * "not resolvable" only ever means the floor is too large. */
          if (eps == 1e-6)
            assert_true (entries[p].ratio <= 1.0);
          assert_true (entries[p].backprop == net->grads[p]);
          n_agree += entries[p].verdict == BP_FD_AGREES;
        }
      assert_int_not_equal (v, BP_FD_DIFFERS);
      assert_true (n_agree > net->n_params / 2);
      example_close (&ex);
    }
}

/* The relative-error test the check used to apply (1e−5, a 1e−8 floor)
 * fails deep-sigmoid's correct gradients: the examples above are the
 * ones that exposed it. */
static void
test_examples_old_criterion_cries_wolf (void **state)
{
  Example ex = { 0 };
  g_autofree BpGradCheckLayer *layers = NULL;

  (void) state;
  example_open (&ex, "deep-sigmoid");
  layers = g_new0 (BpGradCheckLayer, ex.model->network->n_layers);
  assert_true (bp_gradcheck (ex.model->network, ex.ds->X, ex.ds->Y, ex.B, 1e-6, layers) > 1e-5);
  for (gsize l = 0; l < ex.model->network->n_layers; l++)
    assert_int_equal (layers[l].n_differ, 0);
  /* W(2): gradients of ≈ 1e−8 against a floor of ≈ 1e−9 — not resolvable. */
  assert_true (layers[1].n_not_resolvable > 0);
  example_close (&ex);
}

/* A 1 % error planted in the gradient the check compares against.  The
 * verdict of parameter p depends only on the gradient given for p and on
 * the finite differences along p, so planting the error in every entry
 * at once checks each entry as if it alone were wrong; one run per
 * example then plants a single entry to see the whole check fail.
 *
 * With e = 1 % of the gradient and F its floor:
 *   e > (BP_FD_WELL_ABOVE + 1)·F  caught: "differs";
 *   e > 2F                         never "agrees";
 *   e < F                          "not resolvable", not a pass or a fail. */
static void
test_planted_errors (void **state)
{
  gsize n_caught = 0, n_below = 0, n_between = 0;

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      Example ex = { 0 };
      BpNetwork *net;
      g_autofree BpGradCheckEntry *clean = NULL, *planted = NULL;
      g_autofree double *wrong = NULL;
      g_autofree BpGradCheckLayer *layers = NULL;
      gsize above = G_MAXSIZE, below = G_MAXSIZE;

      example_open (&ex, examples[i]);
      net = ex.model->network;
      clean = g_new0 (BpGradCheckEntry, net->n_params);
      planted = g_new0 (BpGradCheckEntry, net->n_params);
      layers = g_new0 (BpGradCheckLayer, net->n_layers);
      bp_gradcheck_network (net, ex.ds->X, ex.ds->Y, ex.B, 1e-6, 0, NULL, NULL, clean);

      wrong = g_memdup2 (net->grads, net->n_params * sizeof (double));
      for (gsize p = 0; p < net->n_params; p++)
        wrong[p] *= 1.01;
      bp_gradcheck_network (net, ex.ds->X, ex.ds->Y, ex.B, 1e-6, 0, wrong, NULL, planted);

      for (gsize p = 0; p < net->n_params; p++)
        {
          double e = 0.01 * fabs (net->grads[p]), floor = clean[p].fd.floor;
          BpFdVerdict v = planted[p].verdict;

          /* The same finite differences either way: only the gradient
           * compared against them changed. */
          assert_true (planted[p].fd.derivative == clean[p].fd.derivative);
          assert_true (planted[p].backprop == wrong[p]);
          if (e == 0)
            continue;
          if (e > (BP_FD_WELL_ABOVE + 1) * floor)
            {
              if (v != BP_FD_DIFFERS)
                fail_msg ("%s: 1 %% error at %zu, %.3g floors, not caught: %s",
                          examples[i], p, e / floor, bp_fd_verdict_to_string (v));
              n_caught++;
              if (above == G_MAXSIZE)
                above = p;
            }
          else if (e < floor)
            {
              if (v != BP_FD_NOT_RESOLVABLE)
                fail_msg ("%s: 1 %% error at %zu, %.3g floors: %s, not \"not resolvable\"",
                          examples[i], p, e / floor, bp_fd_verdict_to_string (v));
              n_below++;
              if (below == G_MAXSIZE)
                below = p;
            }
          else
            {
              if (e > 2 * floor && v == BP_FD_AGREES)
                fail_msg ("%s: 1 %% error at %zu, %.3g floors, passed", examples[i], p,
                          e / floor);
              n_between++;
            }
        }

      /* One wrong entry above the floor: the whole check says so, there. */
      assert_true (above != G_MAXSIZE);
      memcpy (wrong, net->grads, net->n_params * sizeof (double));
      wrong[above] *= 1.01;
      assert_int_equal (bp_gradcheck_network (net, ex.ds->X, ex.ds->Y, ex.B, 1e-6, 0, wrong,
                                              layers, NULL),
                        BP_FD_DIFFERS);
      {
        gsize n_differ = 0, off = 0, l = 0;

        for (gsize k = 0; k < net->n_layers; k++)
          n_differ += layers[k].n_differ;
        assert_int_equal (n_differ, 1);
        for (; off + net->layers[l].in * net->layers[l].out + net->layers[l].out <= above; l++)
          off += net->layers[l].in * net->layers[l].out + net->layers[l].out;
        assert_int_equal (layers[l].worst.index, above);
        assert_int_equal (layers[l].worst.verdict, BP_FD_DIFFERS);
      }

      /* One wrong entry below its floor: the check cannot see it, and says
       * "not resolvable" there rather than "agrees". */
      if (below != G_MAXSIZE)
        {
          BpGradCheckEntry one;
          double w = net->grads[below] * 1.01;

          assert_int_equal (bp_gradcheck_entry (net, ex.ds->X, ex.ds->Y, ex.B, below, 1e-6, 0,
                                                &w, &one),
                            BP_FD_NOT_RESOLVABLE);
          assert_true (one.backprop == w);
        }
      example_close (&ex);
    }
  /* Both kinds occur in the shipped examples (deep-sigmoid's W(1), W(2)
   * are below their floors). */
  print_message ("planted 1 %% errors: %zu caught, %zu below the floor, %zu in between\n",
                 n_caught, n_below, n_between);
  assert_true (n_caught > 1000);
  assert_true (n_below > 0);
}

/* bp_gradcheck_entry agrees with the whole-network check, leaves the
 * parameters as they were and the batch's gradient in net->grads. */
static void
test_entry_matches_network (void **state)
{
  Example ex = { 0 };
  BpNetwork *net;
  g_autofree BpGradCheckEntry *all = NULL;
  g_autofree double *params = NULL;

  (void) state;
  example_open (&ex, "xor");
  net = ex.model->network;
  params = g_memdup2 (net->params, net->n_params * sizeof (double));
  all = g_new0 (BpGradCheckEntry, net->n_params);
  bp_gradcheck_network (net, ex.ds->X, ex.ds->Y, ex.B, 1e-6, 0, NULL, NULL, all);
  assert_memory_equal (net->params, params, net->n_params * sizeof (double));
  for (gsize p = 0; p < net->n_params; p++)
    {
      BpGradCheckEntry one;

      bp_gradcheck_entry (net, ex.ds->X, ex.ds->Y, ex.B, p, 1e-6, 0, NULL, &one);
      assert_int_equal (one.index, p);
      assert_true (one.backprop == all[p].backprop);
      assert_true (one.fd.derivative == all[p].fd.derivative);
      assert_true (one.fd.floor == all[p].fd.floor);
      assert_int_equal (one.verdict, all[p].verdict);
    }
  assert_memory_equal (net->params, params, net->n_params * sizeof (double));
  example_close (&ex);
}

/* ------------------------------------------------- random networks */

static const char *const acts[] = {
  "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear",
};

/* No false alarm on 60 random networks, kinks (relu) included. */
static void
test_random_networks_never_differ (void **state)
{
  BpRng rng;
  gsize n_params = 0, n_agree = 0;

  (void) state;
  bp_rng_init (&rng, 1717);
  for (int rep = 0; rep < 60; rep++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpNetwork) net = bp_network_new (1 + bp_rng_below (&rng, 4), &error);
      gsize depth = 1 + bp_rng_below (&rng, 6), B = 1 + bp_rng_below (&rng, 8);
      static const char *const costs[] = { "mse", "bce", "softmax_ce" };
      const char *cost = costs[rep % 3];
      g_autofree double *x = NULL, *y = NULL;
      g_autofree BpGradCheckEntry *entries = NULL;
      gsize n_out;

      for (gsize l = 0; l + 1 < depth; l++)
        assert_true (bp_network_add_layer (net, 1 + bp_rng_below (&rng, 6),
                                           acts[bp_rng_below (&rng, G_N_ELEMENTS (acts))],
                                           NULL, &error));
      n_out = g_str_equal (cost, "mse") ? 1 + bp_rng_below (&rng, 3)
              : g_str_equal (cost, "bce") ? 1 : 2 + bp_rng_below (&rng, 3);
      assert_true (bp_network_add_layer (net, n_out,
                                         g_str_equal (cost, "mse") ? "tanh"
                                         : g_str_equal (cost, "bce") ? "sigmoid" : "softmax",
                                         NULL, &error));
      assert_true (bp_network_set_cost (net, cost, NULL, &error));
      bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
      x = g_new (double, B * net->n_inputs);
      y = g_new0 (double, B * n_out);
      for (gsize i = 0; i < B * net->n_inputs; i++)
        x[i] = bp_rng_range (&rng, -2, 2);
      for (gsize s = 0; s < B; s++)
        y[s * n_out + bp_rng_below (&rng, n_out)] = 1;

      entries = g_new0 (BpGradCheckEntry, net->n_params);
      bp_gradcheck_network (net, x, y, B, 1e-6, 0, NULL, NULL, entries);
      for (gsize p = 0; p < net->n_params; p++)
        {
          if (entries[p].verdict == BP_FD_DIFFERS)
            fail_msg ("network %d, parameter %zu: backprop %.17g numeric %.17g floor %.3g",
                      rep, p, entries[p].backprop, entries[p].fd.derivative,
                      entries[p].fd.floor);
          n_agree += entries[p].verdict == BP_FD_AGREES;
        }
      n_params += net->n_params;
    }
  assert_true (n_agree > n_params * 3 / 4);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_floor_bounds_the_error),
    cmocka_unit_test (test_exact_function),
    cmocka_unit_test (test_kink_never_differs),
    cmocka_unit_test (test_verdicts),
    cmocka_unit_test (test_examples_pass),
    cmocka_unit_test (test_examples_old_criterion_cries_wolf),
    cmocka_unit_test (test_planted_errors),
    cmocka_unit_test (test_entry_matches_network),
    cmocka_unit_test (test_random_networks_never_differ),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
