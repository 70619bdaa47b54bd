/* bp-util.h — small shared helpers. */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* Hot loops get an AVX2 clone picked at load time (no FMA: the clone gives
 * the same bits as the baseline, only faster). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
# define BP_HOT __attribute__ ((target_clones ("avx2", "default")))
#else
# define BP_HOT
#endif

/* The shortest decimal that reads back as the same double ("%.15g" … "%.17g"),
 * in the C locale.  Non-finite values give "NaN", "Infinity", "-Infinity"
 * (callers writing strict JSON must reject them first).  buf ≥ 32 bytes. */
char   *bp_format_double      (char   *buf,
                               double  value);
/* Appends the shortest form to a GString. */
void    bp_string_append_double (GString *s,
                                 double   value);

/* How messages and the app name a value that is not finite: "NaN", "+Inf"
 * or "−Inf" (U+2212), whatever the sign of a NaN; NULL for a finite one. */
const char *bp_nonfinite_name (double value);
/* A value for a message: %g (C locale) when finite, else as above.
 * buf ≥ 32 bytes; returns buf. */
char   *bp_format_value       (char   *buf,
                               double  value);

/* How many characters of a quoted value a message shows. */
#define BP_SHOWN_MAX_CHARS 80

/* A value from outside (an id, a name, a file name, what a plugin printed)
 * made fit for a one-line message: invalid UTF-8 bytes and control
 * characters become \xNN (a backslash as \\), and past `max_chars`
 * characters it is cut with "… (N bytes)".  `len` < 0: NUL-terminated;
 * NULL gives "(null)".  Free with g_free. */
char   *bp_shown              (const char *value,
                               gssize      len,
                               gsize       max_chars);

/* Four doubles as one GCC/Clang generic vector: AVX in the avx2 clones,
 * SSE2 pairs otherwise, the same arithmetic either way. */
typedef double bp_v4d __attribute__ ((vector_size (32)));

/* An unaligned load (a macro: a vector returned by value would warn about
 * the AVX calling convention). */
#define BP_V4D_LOAD(v, p) memcpy (&(v), (p), sizeof (bp_v4d))

/* TRUE when all n values are finite (one branch-free pass). */
gboolean bp_all_finite        (const double *x,
                               gsize         n);

G_END_DECLS
