/* fuzz-record.c — the recording loader, bp_record_load_data, on any bytes.
 *
 * Contracts checked (bp-record.h):
 *  - a refused file sets exactly one BP_RECORD_ERROR whose message starts
 *    with the display name;
 *  - a loaded recording is written back as the same bytes (load-then-save
 *    is the identity), and its steps increase.
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
  g_autofree char *again = NULL;
  gsize len = 0;

  fuzz_init ();

  rec = bp_record_load_data ((const char *) data, size, NAME, &error);
  FUZZ_ASSERT_VERDICT (rec, error, BP_RECORD_ERROR, NAME);
  if (rec == NULL)
    return 0;
  for (gsize i = 1; i < bp_record_n (rec); i++)
    FUZZ_ASSERT (bp_record_step_at (rec, i) > bp_record_step_at (rec, i - 1),
                 "kept steps out of order");
  FUZZ_ASSERT (bp_record_bytes (rec) <= bp_record_bound (rec), "over its bound");
  again = bp_record_to_data (rec, &len);
  FUZZ_ASSERT (len == size && memcmp (again, data, size) == 0,
               "written back, the bytes differ");
  return 0;
}
