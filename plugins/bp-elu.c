/* bp-elu.c — the exponential linear unit as a Backprop Studio plugin.
 *
 *   σ(z) = z if z > 0, else α(e^z − 1)          (torch.nn.ELU)
 *
 * A plugin includes only backprop-plugin.h and libm.  Build one by hand with
 *
 *   cc -std=c11 -shared -fPIC -fvisibility=hidden \
 *      $(pkg-config --cflags backprop-plugin) bp-elu.c -lm -o bp-elu.so
 */
#include <math.h>

#include "backprop-plugin.h"

static const BpParamSpec elu_params[] = {
  { "alpha", "α: σ(z) tends to −α as z → −∞", 1.0, 0.0, 10.0 },
};

static double
elu_f (double z, const double *params)
{
  double alpha = params[0];

  /* expm1 keeps full precision near 0, where e^z − 1 would cancel. */
  return z > 0 ? z : alpha * expm1 (z);
}

static double
elu_df (double z, double fz, const double *params)
{
  double alpha = params[0];

  /* σ′(0) = α, as torch (0 takes the z ≤ 0 branch).  The cheap form
   * σ(z) + α is avoided: for z ≪ 0 it subtracts two numbers close to α
   * and loses the tiny αe^z. */
  return z > 0 ? 1.0 : alpha * exp (z);
}

static const BpActivationDesc activations[] = {
  {
    .id = "elu", .name = "ELU",
    .formula = "σ(z) = z if z > 0, else α(e^{z} − 1)",
    .derivative_formula = "σ′(z) = 1 if z > 0, else αe^{z}",
    .params = elu_params, .n_params = BP_N_ELEMENTS (elu_params),
    .f = elu_f, .df = elu_df,
  },
};

BP_PLUGIN_DEFINE (.name = "elu", .version = "1.0",
                  .description = "Exponential linear unit (Clevert et al., 2015), as torch.nn.ELU",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
