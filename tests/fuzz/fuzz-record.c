/* fuzz-record.c — the recording loader, bp_record_load_data, on any bytes.
 *
 * Contracts checked (bp-record.h):
 *  - a refused file sets exactly one BP_RECORD_ERROR whose message starts
 *    with the display name;
 *  - a loaded recording's steps increase and it is within its bound;
 *  - what it is written as loads back with the same snapshots, and is
 *    written again as the same bytes (the header's JSON may be spaced any
 *    way, so the input's own bytes need not come back).
 */
#include "fuzz-common.h"

#include <string.h>

#include "bp-record.h"

#define NAME "fuzz.bprecord"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(BpRecord) reloaded = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *again = NULL;
  gsize len = 0, len2 = 0;

  fuzz_init ();

  rec = bp_record_load_data ((const char *) data, size, NAME, &error);
  FUZZ_ASSERT_VERDICT (rec, error, BP_RECORD_ERROR, NAME);
  if (rec == NULL)
    return 0;
  for (gsize i = 1; i < bp_record_n (rec); i++)
    FUZZ_ASSERT (bp_record_step_at (rec, i) > bp_record_step_at (rec, i - 1),
                 "kept steps out of order");
  FUZZ_ASSERT (bp_record_bytes (rec) <= bp_record_bound (rec), "over its bound");
  saved = bp_record_to_data (rec, &len);
  reloaded = bp_record_load_data (saved, len, "saved.bprecord", &error);
  FUZZ_ASSERT (reloaded != NULL, "what was written does not load: %s", error->message);
  FUZZ_ASSERT (bp_record_n (reloaded) == bp_record_n (rec), "kept steps lost");
  for (gsize i = 0; i < bp_record_n (rec); i++)
    FUZZ_ASSERT (bp_record_snapshot_equal (rec, i, reloaded, i), "snapshot %zu changed", i);
  again = bp_record_to_data (reloaded, &len2);
  FUZZ_ASSERT (len2 == len && memcmp (again, saved, len) == 0,
               "written twice, the bytes differ");
  return 0;
}
