/* crash-later.c — a plugin that passes every load-time check and crashes
 * at work.  Its activation "crash_later" is tanh, exactly, for the first
 * 1 000 000 calls of f in a process; the next call writes to an unmapped
 * address.  The numeric check (in the scanner child) calls f about 200 000
 * times; training a layer of 16 units on batches of 16 calls it 256 times a
 * step, so `backprop train` crashes in its first few thousand steps.  Built
 * like a third-party plugin: the public header and libm only. */
#include <math.h>
#include <stdint.h>
#include "backprop-plugin.h"

#define CALLS_BEFORE_CRASH 1000000

static unsigned long calls;

static double
crash_later_f (double z, const double *p)
{
  if (++calls > CALLS_BEFORE_CRASH)
    {
      /* volatile: no compiler can prove anything about it (or warn); not
       * NULL, so that UBSan's null check does not get there first. */
      int *volatile where = (int *) (uintptr_t) 16;

      *where = 42;
    }
  return tanh (z);
}

static double
crash_later_df (double z, double fz, const double *p)
{
  return 1.0 - fz * fz;
}

static const BpActivationDesc activations[] = {
  {
    .id = "crash_later", .name = "Crash later",
    .formula = "σ(z) = tanh z (until the 1 000 001st call)",
    .derivative_formula = "σ′(z) = 1 − tanh² z",
    .f = crash_later_f, .df = crash_later_df,
  },
};

BP_PLUGIN_DEFINE (.name = "crash_later", .version = "1.0",
                  .description = "Crashes after 1 000 000 calls (a test fixture)",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
