/* wrong-tails.c — refused: derivatives wrong only in a saturated tail,
 * where they are tiny but exactly defined.  The test checks every
 * activation on its own. */
#include <math.h>
#include "backprop-plugin.h"

static double
sigmoid_f (double z, const double *p)
{
  return z >= 0 ? 1.0 / (1.0 + exp (-z)) : exp (z) / (1.0 + exp (z));
}

/* σ′ = σ(1 − σ), the cheap form from f(z), as the header suggests */
static double
sigmoid_df (double fz)
{
  return fz * (1.0 - fz);
}

static double
zero16_df (double z, double fz, const double *p)
{
  return fabs (z) > 16.0 ? 0.0 : sigmoid_df (fz);
}

static double
flip17_df (double z, double fz, const double *p)
{
  return fabs (z) > 17.0 ? -sigmoid_df (fz) : sigmoid_df (fz);
}

/* only the far negative tail, where σ(z) itself is tiny but exact */
static double
zero_deep_df (double z, double fz, const double *p)
{
  return z < -45.0 ? 0.0 : sigmoid_df (fz);
}

static double
tanh_f (double z, const double *p)
{
  return tanh (z);
}

/* tanh′ = 1 − tanh², zero beyond 12 on the positive side only */
static double
tanh_zero12_df (double z, double fz, const double *p)
{
  return z > 12.0 ? 0.0 : 1.0 - fz * fz;
}

static const BpActivationDesc activations[] = {
  { .id = "sigmoid_zero16", .name = "σ′ = 0 for |z| > 16", .formula = "σ(z)",
    .f = sigmoid_f, .df = zero16_df },
  { .id = "sigmoid_flip17", .name = "σ′ sign-flipped for |z| > 17", .formula = "σ(z)",
    .f = sigmoid_f, .df = flip17_df },
  { .id = "sigmoid_zero_deep", .name = "σ′ = 0 for z < −45", .formula = "σ(z)",
    .f = sigmoid_f, .df = zero_deep_df },
  { .id = "tanh_zero12", .name = "tanh′ = 0 for z > 12", .formula = "tanh z",
    .f = tanh_f, .df = tanh_zero12_df },
};

BP_PLUGIN_DEFINE (.name = "wrong_tails", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
