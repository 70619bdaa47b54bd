/* test-activations-costs.c — the built-in costs (mse, bce, softmax_ce):
 * values and gradients against closed forms, at confident outputs and in
 * the ranges where a naive formula overflows or cancels.  Part of the
 * test-activations program (test-activations.h).
 *
 * Reference values quoted to 20 digits were computed with mpmath at 200
 * bits.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"
#include "test-activations.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "bp-registry.h"
#include "bp-rng.h"

/* Costs at a confident output, against long double closed forms. */
void
test_costs_confident (void **state)
{
  const BpCostDesc *ce = cost ("softmax_ce"), *bce = cost ("bce");
  const BpActivationDesc *sm = act ("softmax"), *sig = act ("sigmoid");

  /* softmax_ce, z = (30, 0, −30), the first class right:
   * l = log1p(e^−30 + e^−60) = 9.357622968840613e−14 (log of the rounded
   * sum gave 9.237e−14), δ = (a₁ − 1, a₂, a₃) with a₁ − 1 = −(a₂ + a₃). */
  {
    const double z[] = { 30.0, 0.0, -30.0 }, y[] = { 1.0, 0.0, 0.0 };
    const long double e1 = expl (-30.0L), e2 = expl (-60.0L), s = 1.0L + e1 + e2;
    const double g[] = { 1.0, 2.0, -1.0 };
    double a[3], d[3], ga[3], jtg[3];

    sm->vec_forward (z, a, 3, NULL);
    assert_near (ce->value (a, z, y, 3, NULL), (double) log1pl (e1 + e2), 4 * DBL_EPSILON, 0.0);
    assert_near (ce->value (a, z, y, 3, NULL), 9.357622968840613e-14, 1e-15, 0.0);
    ce->grad_z (a, z, y, d, 3, NULL);
    assert_near (d[0], (double) (-(e1 + e2) / s), 4 * DBL_EPSILON, 0.0);
    assert_near (d[1], (double) (e1 / s), 4 * DBL_EPSILON, 0.0);
    assert_near (d[2], (double) (e2 / s), 4 * DBL_EPSILON, 0.0);
    /* ∂l/∂a = −y/a through the softmax's vector-Jacobian product gives the
     * same δ, the dominant unit's included. */
    ce->grad_a (a, z, y, ga, 3, NULL);
    sm->vec_vjp (z, a, ga, jtg, 3, NULL);
    for (int k = 0; k < 3; k++)
      assert_near (jtg[k], d[k], 8 * DBL_EPSILON, 0.0);
    /* A general g: (Jᵀg)₁ = a₁ Σ_i a_i (g₁ − g_i) = a₁(2a₃ − a₂), 1.5e−13
     * of a g of order 1 (g₁ − a·g would cancel to nothing). */
    sm->vec_vjp (z, a, g, jtg, 3, NULL);
    assert_near (jtg[0], (double) ((1.0L / s) * (2.0L * e2 / s - e1 / s)), 8 * DBL_EPSILON, 0.0);
  }

  /* bce at z = 40: y = 1 gives l = log1p(e^−40), δ = −σ(−40) = −4.2e−18
   * (a − y was 0); y = 0 gives ∂l/∂a = 1/(1 − a) = 1 + e^40 (was ∞). */
  {
    const double z[] = { 40.0 }, y1[] = { 1.0 }, y0[] = { 0.0 };
    const long double e = expl (-40.0L);
    double a[1], g[1];

    a[0] = sig->f (z[0], NULL);
    assert_near (bce->value (a, z, y1, 1, NULL), (double) log1pl (e), 4 * DBL_EPSILON, 0.0);
    bce->grad_z (a, z, y1, g, 1, NULL);
    assert_near (g[0], (double) (-e / (1.0L + e)), 4 * DBL_EPSILON, 0.0);
    bce->grad_a (a, z, y0, g, 1, NULL);
    assert_near (g[0], 2.3538526683702e17, 4 * DBL_EPSILON, 0.0);
    bce->grad_a (a, z, y1, g, 1, NULL);
    assert_near (g[0], -1.0, 4 * DBL_EPSILON, 0.0);
    /* a soft label near 1: l = (1 − y)·40 + log1p(e^−40), no z − z·y */
    {
      const double y[] = { 0.999 };

      assert_near (bce->value (a, z, y, 1, NULL),
                   (double) ((1.0L - 0.999L) * 40.0L + log1pl (e)), 1e-14, 0.0);
    }
  }
}

/* ----------------------------------------------------------------- costs */

static void
random_probs (BpRng  *rng,
              double *a,
              gsize   n,
              double  lo,
              double  hi)
{
  for (gsize i = 0; i < n; i++)
    a[i] = bp_rng_range (rng, lo, hi);
}

static double
logit (double a)
{
  return log (a / (1.0 - a));
}

void
test_cost_mse (void **state)
{
  const BpCostDesc *c = cost ("mse");
  BpRng rng;

  assert_null (c->output_activation);
  assert_null (c->grad_z);
  /* ½((1 − 0)² + (2 − 0)² + (0.5 − 1.5)²) = ½(1 + 4 + 1) = 3 */
  {
    const double a[] = { 1.0, 2.0, 0.5 }, y[] = { 0.0, 0.0, 1.5 };

    assert_bits (c->value (a, a, y, 3, NULL), 3.0);
  }

  bp_rng_init (&rng, 21);
  for (int r = 0; r < 50; r++)
    {
      double a[4], y[4], g[4];

      random_probs (&rng, a, 4, -3.0, 3.0);
      random_probs (&rng, y, 4, -3.0, 3.0);
      c->grad_a (a, a, y, g, 4, NULL);
      for (int k = 0; k < 4; k++)
        {
          double ap[4], am[4], h = 1e-6;

          memcpy (ap, a, sizeof ap);
          memcpy (am, a, sizeof am);
          ap[k] += h;
          am[k] -= h;
          assert_near (g[k], (c->value (ap, ap, y, 4, NULL) - c->value (am, am, y, 4, NULL)) /
                             (ap[k] - am[k]), 1e-7, 1e-9);
          assert_bits (g[k], a[k] - y[k]);
        }
    }
}

void
test_cost_bce (void **state)
{
  const BpCostDesc *c = cost ("bce");
  const BpActivationDesc *sig = act ("sigmoid");
  BpRng rng;

  assert_string_equal (c->output_activation, "sigmoid");
  assert_non_null (c->requires);
  assert_non_null (c->grad_z);

  bp_rng_init (&rng, 22);
  for (int r = 0; r < 50; r++)
    {
      double a[4], z[4], y[4], ga[4], gz[4];

      random_probs (&rng, a, 4, 0.02, 0.98);
      for (int k = 0; k < 4; k++)
        {
          z[k] = logit (a[k]);
          a[k] = sig->f (z[k], NULL);   /* a consistent with z */
        }
      /* Hard and soft targets. */
      for (int k = 0; k < 4; k++)
        y[k] = k < 2 ? (double) bp_rng_below (&rng, 2) : bp_rng_uniform (&rng);

      c->grad_a (a, z, y, ga, 4, NULL);
      c->grad_z (a, z, y, gz, 4, NULL);
      for (int k = 0; k < 4; k++)
        {
          double ap[4], am[4], zp[4], zm[4], h = 1e-7, fd;

          /* ∂l/∂a by perturbing a (and z = logit a with it: the value is
           * computed from z). */
          memcpy (ap, a, sizeof ap);
          memcpy (am, a, sizeof am);
          memcpy (zp, z, sizeof zp);
          memcpy (zm, z, sizeof zm);
          ap[k] += h;
          am[k] -= h;
          zp[k] = logit (ap[k]);
          zm[k] = logit (am[k]);
          fd = (c->value (ap, zp, y, 4, NULL) - c->value (am, zm, y, 4, NULL)) / (ap[k] - am[k]);
          assert_near (ga[k], fd, 1e-6, 1e-8);
          /* −y/a + (1 − y)/(1 − a), to the rounding of its two terms (the
           * code takes 1 − a = σ(−z) from z) */
          assert_near (ga[k], -y[k] / a[k] + (1.0 - y[k]) / (1.0 - a[k]), 0.0,
                       1e-14 * (y[k] / a[k] + (1.0 - y[k]) / (1.0 - a[k])));

          /* ∂l/∂z = σ(z) − y, against central differences in z. */
          memcpy (zp, z, sizeof zp);
          memcpy (zm, z, sizeof zm);
          zp[k] += 1e-6;
          zm[k] -= 1e-6;
          fd = (c->value (a, zp, y, 4, NULL) - c->value (a, zm, y, 4, NULL)) / (zp[k] - zm[k]);
          assert_near (gz[k], fd, 1e-7, 1e-9);
          assert_near (gz[k], sig->f (z[k], NULL) - y[k], 0.0, 2 * DBL_EPSILON);
        }
    }
}

void
test_cost_bce_stable (void **state)
{
  const BpCostDesc *c = cost ("bce");
  const BpActivationDesc *sig = act ("sigmoid");
  const double ys[] = { 0.0, 0.3, 1.0 };

  /* From z, finite for z = ±800 where σ is exactly 0 or 1:
   *   l = max(z, 0) − z·y + log(1 + e^−|z|) */
  {
    const double z[] = { 800.0 }, a[] = { 1.0 };
    const double y0[] = { 0.0 }, y1[] = { 1.0 }, y3[] = { 0.3 };

    assert_bits (c->value (a, z, y0, 1, NULL), 800.0);
    assert_bits (c->value (a, z, y1, 1, NULL), 0.0);
    assert_near (c->value (a, z, y3, 1, NULL), 560.0, 1e-15, 0.0);
  }
  {
    const double z[] = { -800.0 }, a[] = { 0.0 };
    const double y0[] = { 0.0 }, y1[] = { 1.0 };

    assert_bits (c->value (a, z, y0, 1, NULL), 0.0);
    assert_bits (c->value (a, z, y1, 1, NULL), 800.0);
  }
  /* Moderate saturation keeps full relative precision:
   * y = 1, z = 30: l = log(1 + e^−30) = 9.3576229688397367794e−14 */
  {
    const double z[] = { 30.0 }, a[] = { 1.0 }, y[] = { 1.0 };

    assert_near (c->value (a, z, y, 1, NULL), 9.3576229688397367794e-14, 1e-12, 0.0);
  }

  /* The naive −[y log a + (1 − y) log(1 − a)] where it is accurate. */
  for (double zz = -5.0; zz <= 5.0; zz += 0.25)
    for (gsize i = 0; i < G_N_ELEMENTS (ys); i++)
      {
        const double z[] = { zz }, y[] = { ys[i] };
        double a = sig->f (zz, NULL);
        double naive = 0.0;

        if (ys[i] != 0.0)
          naive -= ys[i] * log (a);
        if (ys[i] != 1.0)
          naive -= (1.0 - ys[i]) * log1p (-a);
        assert_near (c->value (&a, z, y, 1, NULL), naive, 1e-12, 1e-15);
      }

  /* grad_a where a saturates: the term whose weight is 0 contributes 0,
   * not 0·∞ = NaN. */
  {
    const double a1[] = { 1.0 }, a0[] = { 0.0 }, z1[] = { 800.0 }, z0[] = { -800.0 };
    const double y1[] = { 1.0 }, y0[] = { 0.0 };
    double g[1];

    c->grad_a (a1, z1, y1, g, 1, NULL);
    assert_bits (g[0], -1.0);
    c->grad_a (a0, z0, y0, g, 1, NULL);
    assert_bits (g[0], 1.0);
    c->grad_z (a1, z1, y0, g, 1, NULL);
    assert_bits (g[0], 1.0);
    c->grad_z (a0, z0, y1, g, 1, NULL);
    assert_bits (g[0], -1.0);
  }
}

void
test_cost_softmax_ce (void **state)
{
  const BpCostDesc *c = cost ("softmax_ce");
  const BpActivationDesc *sm = act ("softmax");
  BpRng rng;

  assert_string_equal (c->output_activation, "softmax");
  assert_non_null (c->requires);
  assert_non_null (c->grad_z);

  bp_rng_init (&rng, 23);
  for (int r = 0; r < 60; r++)
    {
      double z[4], a[4], y[4] = { 0 }, ga[4], gz[4], jtg[4], sy = 0.0, naive = 0.0;

      for (int k = 0; k < 4; k++)
        z[k] = bp_rng_range (&rng, -4.0, 4.0);
      sm->vec_forward (z, a, 4, NULL);
      if (r % 3 == 0)
        y[bp_rng_below (&rng, 4)] = 1.0;          /* one-hot */
      else if (r % 3 == 1)
        {
          double t = 0.0;                         /* soft, sums to 1 */

          for (int k = 0; k < 4; k++)
            t += (y[k] = bp_rng_uniform (&rng));
          for (int k = 0; k < 4; k++)
            y[k] /= t;
        }
      else
        for (int k = 0; k < 4; k++)
          y[k] = bp_rng_range (&rng, 0.0, 0.8);   /* soft, Σy ≠ 1 */
      for (int k = 0; k < 4; k++)
        {
          sy += y[k];
          naive -= y[k] * log (a[k]);
        }

      assert_near (c->value (a, z, y, 4, NULL), naive, 1e-13, 1e-15);

      c->grad_a (a, z, y, ga, 4, NULL);
      c->grad_z (a, z, y, gz, 4, NULL);
      sm->vec_vjp (z, a, ga, jtg, 4, NULL);
      for (int k = 0; k < 4; k++)
        {
          double zp[4], zm[4], fd;

          memcpy (zp, z, sizeof zp);
          memcpy (zm, z, sizeof zm);
          zp[k] += 1e-6;
          zm[k] -= 1e-6;
          fd = (c->value (a, zp, y, 4, NULL) - c->value (a, zm, y, 4, NULL)) / (zp[k] - zm[k]);
          /* ∂l/∂z_k = a_k Σy − y_k */
          assert_near (gz[k], fd, 1e-7, 1e-9);
          assert_near (gz[k], a[k] * sy - y[k], 1e-14, 1e-16);
          /* ∂l/∂a = −y/a, and through the softmax Jacobian it gives ∂l/∂z. */
          assert_near (ga[k], y[k] != 0.0 ? -y[k] / a[k] : 0.0, 1e-15, 0.0);
          assert_near (jtg[k], gz[k], 1e-12, 1e-15);
        }
    }

  /* Stable for huge logits. */
  {
    const double z[] = { 1000.0, 0.0, 0.0 };
    const double y_wrong[] = { 0.0, 1.0, 0.0 }, y_right[] = { 1.0, 0.0, 0.0 };
    double a[3];

    sm->vec_forward (z, a, 3, NULL);
    assert_near (c->value (a, z, y_wrong, 3, NULL), 1000.0, 1e-15, 0.0);
    assert_bits (c->value (a, z, y_right, 3, NULL), 0.0);
  }
}

