/* loop-forever.c — refused: loops forever when checked (the scanner is killed). */
#include "fixture.h"

static double
fx_f (double z, const double *p)
{
  volatile int forever = 1;

  /* Loops when the check reaches z = 100. */
  while (z > 50.0 && forever)
    ;
  return z;
}

static const BpActivationDesc activations[] = {
  { .id = "spin", .name = "spin", .formula = "f(z)", .f = fx_f, .df = fixture_identity_df },
};

BP_PLUGIN_DEFINE (.name = "loop_forever", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
