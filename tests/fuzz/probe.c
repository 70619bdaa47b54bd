/* probe.c — the smallest fuzz target: meson links it at configure time to
 * learn whether clang and its libFuzzer runtime are installed. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  return 0;
}
