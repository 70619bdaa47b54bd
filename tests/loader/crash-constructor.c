/* crash-constructor.c — refused: segfaults in its constructor, that is while
 * it is being opened.  Only the scanner child ever opens it. */
#include <stdint.h>
#include "fixture.h"

static void crash (void) __attribute__((constructor));

static void
crash (void)
{
  /* A write to an unmapped page; volatile so that no compiler can prove
   * anything about it (or warn). */
  int *volatile where = (int *) (uintptr_t) 16;

  *where = 42;
}

static const BpActivationDesc activations[] = {
  { .id = "crasher", .name = "crasher", .formula = "f(z) = z", .f = fixture_identity_f,
    .df = fixture_identity_df },
};

BP_PLUGIN_DEFINE (.name = "crash_constructor", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
