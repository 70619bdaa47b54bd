/* bad-utf8-id.c — refused: an activation id that is not valid UTF-8 and
 * 10 000 bytes long.  The message must escape the bytes and cut the id. */
#include <string.h>
#include "fixture.h"

#define ID_LEN 10000

static char long_id[ID_LEN + 1];

static void make_id (void) __attribute__((constructor));

static void
make_id (void)
{
  memset (long_id, 'x', ID_LEN);
  memcpy (long_id, "bad\xff\xfe\x01id", 8);
  long_id[ID_LEN] = '\0';
}

static const BpActivationDesc activations[] = {
  { .id = long_id, .name = "Bad id", .formula = "f(z) = z", .f = fixture_identity_f,
    .df = fixture_identity_df },
};

BP_PLUGIN_DEFINE (.name = "bad_utf8_id", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
