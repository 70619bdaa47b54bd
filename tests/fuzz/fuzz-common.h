/* fuzz-common.h — what the libFuzzer targets of tests/fuzz/ share.
 *
 * Each target is one LLVMFuzzerTestOneInput.  Besides the sanitizers, a
 * target checks the contracts the headers promise (a failed load sets an
 * error of the module's domain; saving then loading gives back the same
 * bits; …) with FUZZ_ASSERT, which aborts, so libFuzzer keeps the input as
 * a crash.  GLib criticals and warnings abort too: a g_return_if_fail that
 * fires on fuzzed input is a bug in the caller inside the core.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define FUZZ_ASSERT(cond, ...)                                            \
  G_STMT_START {                                                          \
    if (G_UNLIKELY (!(cond)))                                             \
      {                                                                   \
        fprintf (stderr, "%s:%d: contract broken: %s\n  ",                \
                 __FILE__, __LINE__, #cond);                              \
        fprintf (stderr, __VA_ARGS__);                                    \
        fputc ('\n', stderr);                                             \
        abort ();                                                         \
      }                                                                   \
  } G_STMT_END

/* A loader's verdict on the input file FILE_NAME: refused (RESULT NULL)
 * with an error of ERR_DOMAIN whose message starts with the file name, or
 * accepted with no error set.  A macro, so that a failure names the
 * target's line. */
#define FUZZ_ASSERT_VERDICT(result, err, err_domain, file_name)           \
  G_STMT_START {                                                          \
    if ((result) == NULL)                                                 \
      {                                                                   \
        FUZZ_ASSERT ((err) != NULL, "no error set for a refused file");   \
        FUZZ_ASSERT ((err)->domain == (err_domain), "error domain %s: %s", \
                     g_quark_to_string ((err)->domain), (err)->message);  \
        FUZZ_ASSERT (g_str_has_prefix ((err)->message, file_name ":"),    \
                     "message does not start with the file name: %s",     \
                     (err)->message);                                     \
      }                                                                   \
    else                                                                  \
      FUZZ_ASSERT ((err) == NULL, "error set on success: %s",             \
                   (err)->message);                                       \
  } G_STMT_END

static inline void
fuzz_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* The input as a stream of choices: every take_* returns 0 (or "") once
 * the bytes run out, so any input, even an empty one, is a complete
 * description. */
typedef struct
{
  const uint8_t *p;
  size_t         n;
} FuzzBytes;

static inline guint8
fuzz_u8 (FuzzBytes *b)
{
  guint8 v;

  if (b->n == 0)
    return 0;
  v = *b->p;
  b->p++;
  b->n--;
  return v;
}

/* A uniform-ish choice in [0, n). */
static inline guint
fuzz_pick (FuzzBytes *b,
           guint      n)
{
  return n == 0 ? 0 : fuzz_u8 (b) % n;
}
