/* between-grid.c — refused: derivatives wrong only between the points of
 * the old fixed grid (−40 … 40 in steps of 1/4), each a different width,
 * factor and place.  The test checks every activation on its own. */
#include <math.h>
#include "backprop-plugin.h"

static double
tanh_f (double z, const double *p)
{
  return tanh (z);
}

static double
tanh_df (double z)
{
  double t = tanh (z);

  return 1.0 - t * t;
}

/* ×2 on (2.0, 2.1] */
static double
x2_df (double z, double fz, const double *p)
{
  return z > 2.0 && z <= 2.1 ? 2.0 * tanh_df (z) : tanh_df (z);
}

/* ×10 on (2.01, 2.24) */
static double
x10_df (double z, double fz, const double *p)
{
  return z > 2.01 && z < 2.24 ? 10.0 * tanh_df (z) : tanh_df (z);
}

static double
softplus_f (double z, const double *p)
{
  return fmax (z, 0.0) + log1p (exp (-fabs (z)));
}

static double
sigmoid (double z)
{
  return z >= 0 ? 1.0 / (1.0 + exp (-z)) : exp (z) / (1.0 + exp (z));
}

/* ×1.5 on the narrow (−7.31, −7.27), no grid point inside */
static double
narrow_df (double z, double fz, const double *p)
{
  return z > -7.31 && z < -7.27 ? 1.5 * sigmoid (z) : sigmoid (z);
}

/* sign flipped on (13.05, 13.2) */
static double
flip_df (double z, double fz, const double *p)
{
  return z > 13.05 && z < 13.2 ? -sigmoid (z) : sigmoid (z);
}

static const BpActivationDesc activations[] = {
  { .id = "tanh_x2", .name = "tanh, f′ ×2 on (2.0, 2.1]", .formula = "tanh z",
    .f = tanh_f, .df = x2_df },
  { .id = "tanh_x10", .name = "tanh, f′ ×10 on (2.01, 2.24)", .formula = "tanh z",
    .f = tanh_f, .df = x10_df },
  { .id = "softplus_narrow", .name = "softplus, f′ ×1.5 on (−7.31, −7.27)",
    .formula = "log(1 + e^z)", .f = softplus_f, .df = narrow_df },
  { .id = "softplus_flip", .name = "softplus, f′ sign-flipped on (13.05, 13.2)",
    .formula = "log(1 + e^z)", .f = softplus_f, .df = flip_df },
};

BP_PLUGIN_DEFINE (.name = "between_grid", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
