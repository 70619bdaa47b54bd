/* test-matmul.c — bp-matmul's kernels sum every output element in their
 * documented order: bit for bit the same as the plain loops that define
 * it, for every shape (tiles, tails of rows and columns, batches of one),
 * in the AVX2 build and in the baseline one (BACKPROP_NO_SIMD=1, run as a
 * second test from meson.build).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bp-matmul.h"
#include "bp-rng.h"

/* Values of mixed sign and magnitude, so that the order of additions shows
 * in the last bits. */
static void
fill (BpRng  *rng,
      double *v,
      gsize   n)
{
  for (gsize i = 0; i < n; i++)
    v[i] = (bp_rng_uniform (rng) - 0.45) * (i % 7 == 0 ? 1e3 : 1.0);
}

static void
check_shape (BpRng *rng,
             gsize  B,
             gsize  in,
             gsize  out)
{
  g_autofree double *W = g_new (double, in * out), *b = g_new (double, out);
  g_autofree double *x = g_new (double, B * in), *delta = g_new (double, B * out);
  g_autofree double *z = g_new (double, B * out), *z_ref = g_new (double, B * out);
  g_autofree double *dW = g_new (double, in * out), *dW_ref = g_new (double, in * out);
  g_autofree double *gx = g_new (double, B * in), *gx_ref = g_new (double, B * in);

  fill (rng, W, in * out);
  fill (rng, b, out);
  fill (rng, x, B * in);
  fill (rng, delta, B * out);
  fill (rng, dW, in * out);
  memcpy (dW_ref, dW, in * out * sizeof (double));

  /* The definitions. */
  for (gsize s = 0; s < B; s++)
    for (gsize j = 0; j < out; j++)
      z_ref[s * out + j] = b[j] + bp_dot (W + j * in, x + s * in, in);
  for (gsize s = 0; s < B; s++)
    for (gsize j = 0; j < out; j++)
      for (gsize k = 0; k < in; k++)
        dW_ref[j * in + k] += delta[s * out + j] * x[s * in + k];
  for (gsize s = 0; s < B; s++)
    for (gsize k = 0; k < in; k++)
      {
        double g = 0.0;

        for (gsize j = 0; j < out; j++)
          g += delta[s * out + j] * W[j * in + k];
        gx_ref[s * in + k] = g;
      }

  bp_matmul_forward (W, b, x, z, B, in, out);
  bp_matmul_backward_weights (dW, delta, x, B, in, out);
  bp_matmul_backward_input (gx, delta, W, B, in, out);
  if (memcmp (z, z_ref, B * out * sizeof (double)) != 0)
    fail_msg ("forward differs for B %zu, in %zu, out %zu", B, in, out);
  if (memcmp (dW, dW_ref, in * out * sizeof (double)) != 0)
    fail_msg ("weight gradients differ for B %zu, in %zu, out %zu", B, in, out);
  if (memcmp (gx, gx_ref, B * in * sizeof (double)) != 0)
    fail_msg ("input gradients differ for B %zu, in %zu, out %zu", B, in, out);
}

static void
test_order_of_additions (void **state)
{
  static const gsize sizes[] = { 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 33, 64, 65 };
  BpRng rng;

  (void) state;
  bp_rng_init (&rng, 11);
  print_message ("AVX2 kernels: %s\n", bp_matmul_uses_avx2 () ? "yes" : "no");
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (sizes); j++)
      check_shape (&rng, sizes[(i + j) % G_N_ELEMENTS (sizes)], sizes[i], sizes[j]);
  /* T3's first layer, a batch of 32. */
  check_shape (&rng, 32, 784, 128);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_order_of_additions),
  };

  return cmocka_run_group_tests_name ("matmul", tests, NULL, NULL);
}
