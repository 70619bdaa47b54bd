/* prints-stdout.c — loads, but prints on standard output when it is opened
 * (a constructor, with printf and with a raw write) and when its descriptor
 * is asked for.  Nothing of it may reach the host's standard output, where
 * `backprop trace` writes JSON; the host says which plugin printed. */
#include <stdio.h>
#include <unistd.h>
#include "fixture.h"

static void chatter (void) __attribute__((constructor));

static void
chatter (void)
{
  printf ("hello from prints-stdout: loaded\n");
  (void) write (1, "raw write from prints-stdout\n", 29);
}

static const BpActivationDesc activations[] = {
  { .id = "noisy_twice", .name = "Twice (noisy plugin)", .formula = "f(z) = 2z",
    .f = fixture_twice_f, .df = fixture_twice_df },
};

BP_PLUGIN_DEFINE (.name = "prints_stdout", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
