/* bpv-explain-private.h — what the bpv-explain*.c family shares: the pool
 * that owns the inline strings, its helpers, and the pieces of a neuron's
 * text the weight's text reuses.  Not for use outside bpv-explain*.c.
 *
 * The family (GTK-free, like the rest of ui/session/):
 *   bpv-explain.c         the entry points: bpv_explain and its weight
 *                         (the chain as factors), the shown step, the
 *                         gradient check, LaTeX;
 *   bpv-explain-neuron.c  a neuron's text: z, a, σ′, δ as its terms or as
 *                         its paths (skips, batch/layer norm, dropout),
 *                         a norm unit's x̂, γ, β and a dropout unit's mask;
 *   bpv-explain-optimizer.c  a weight's optimizer state, and at the Update
 *                         stop the step split into its terms.
 */
#pragma once

#include <glib.h>

#include "bpv-explain.h"
#include "bpv-math.h"

G_BEGIN_DECLS

/* Numbers and subscripts inline: a small ring of buffers would be fragile,
 * so the builders keep their strings in a GPtrArray that owns them. */
typedef struct
{
  GPtrArray *keep;
} Pool;

/* `s` (newly allocated) now belongs to the pool; returns it. */
static inline const char *
pool_keep (Pool *pool,
           char *s)
{
  g_ptr_array_add (pool->keep, s);
  return s;
}

static inline const char *
num (Pool  *pool,
     double v)
{
  return pool_keep (pool, bpv_format_number (v));
}

static inline const char *
sub (Pool  *pool,
     gsize  n)
{
  return pool_keep (pool, bpv_subscript (n));
}

static inline const char *
esc (Pool       *pool,
     const char *text)
{
  return pool_keep (pool, g_markup_escape_text (text != NULL ? text : "", -1));
}

/* A descriptor's formula as math (bpv-math.h), not its TeX source. */
static inline const char *
math (Pool       *pool,
      const char *formula)
{
  return pool_keep (pool, bpv_math_to_markup (formula));
}

/* bpv-explain-neuron.c: these append to `eq` (strings kept in `pool`) and
 * fill the numbers of `ex`. */

/* δ(n)ⱼ of the unit j of layer l (0-based) in sample s, as its terms or
 * as its paths. */
void _bpv_explain_append_delta_terms (BpvExplanation  *ex,
                                      GString         *eq,
                                      Pool            *pool,
                                      const BpNetwork *net,
                                      const BpTrace   *t,
                                      gsize            s,
                                      gsize            l,
                                      gsize            j);

/* The text of the input ex->hit.j; sets ex->title. */
void _bpv_explain_input              (BpvExplanation  *ex,
                                      BpvSession      *session,
                                      Pool            *pool,
                                      GString         *eq);

/* The text of the neuron ex->hit of `net`; sets ex->title. */
void _bpv_explain_neuron             (BpvExplanation  *ex,
                                      BpvSession      *session,
                                      const BpNetwork *net,
                                      Pool            *pool,
                                      GString         *eq);

/* bpv-explain-optimizer.c: a parameter whose optimizer state is shown. */
typedef struct
{
  gsize       index;       /* in the live network's parameter block */
  const char *name;        /* markup: "W(2)₁,₃", "b(2)₃" */
  const char *symbol;      /* "W", "b", "γ", "β": of "= W after − W before" */
  double      before;      /* its value in the pass shown */
  double      after;       /* the live value (read at the Update stop) */
  gboolean    in_heading;  /* "Optimizer (adam) for b(2)₃", not "Optimizer (adam)" */
} ExplainedParam;

/* The "Optimizer (id)" section for p, into `view`: the live state on one
 * line, or at the Update stop the update's line (before → after) and the
 * step taken term by term. */
void _bpv_explain_optimizer          (BpvSession           *session,
                                      const ExplainedParam *p,
                                      gboolean              at_update,
                                      Pool                 *pool,
                                      GString              *eq,
                                      BpOptimizerStepView  *view);

G_END_DECLS
