/* bpv-explain.h — the inspector's words and numbers for a selected neuron
 * or weight, in the notation z(n), a(n), W(n), b(n), σ′, δ(n), with the
 * actual values of the shown sample.  GTK-free: the inspector displays
 * the markup, tests read the numbers.
 *
 * Neuron a(n)_j (n ≥ 1):
 *   z(n)_j = Σ_k W(n)_jk a(n−1)_k + b(n)_j = (w)(a) + … + b = …
 *   a(n)_j = σ(z) = …,   σ′(z) = …
 *   δ(n)_j = σ′(z) · Σ_k W(n+1)_kj δ(n+1)_k = σ′ × [(w)(δ) + … + m more
 *   terms, sum …] = …  (the largest paths first; the output layer:
 *   ∂C/∂a(N)_j · σ′(z), or the cost's fused form)
 * Weight W(n)_jk:
 *   ∂C/∂W(n)_jk = δ(n)_j · a(n−1)_k = … × … = …   (this sample)
 *   where δ(n)_j = … as its terms, as for a neuron
 *   and the chain ∂C/∂a(N) · ∂a(N)/∂z(N) ⋯ ∂z(n)/∂W(n)_jk from bp_chain_new,
 *   each factor with its value, and their product.
 *
 * Beyond dense layers (bp_grad_paths_new): where the gradient reaches
 * a(n)_j by more than W(n+1)ᵀ δ(n+1),
 *   δ(n)_j = σ′(z) · ∂C/∂a(n)_j   (k paths into a(n)_j)
 *     • around layers … (the skip from a(n) into a(q)): ∂C/∂a(q)_j · 1 = …
 *     • through layer n+1: Σ_k W(n+1)_kj δ(n+1)_k = …
 *     • through batch norm layer n+1: (1/√(σ² + eps)) · (γ δ − mean(γδ)
 *       − x̂ · mean(γδ ⊙ x̂)) = … three terms … = …
 *     • through dropout layer n+1: ∂C/∂a(n+1)_j · mask/(1 − p) = …
 *     ∂C/∂a(n)_j = (…) + (…) = …
 * A norm unit shows x̂, z = γ x̂ + β and ∂C/∂γ, ∂C/∂β; a dropout unit its
 * mask; a weight's chain starts at the ∂C/∂a(m) where the paths meet.
 * A weight, and a unit's bias (a norm unit's γ and β), end with what the
 * optimizer holds for it ("Optimizer (adam) for b(2)₃  after 2 steps:
 * m = … · v = …"), at the Update stop the step taken term by term.
 *
 * In step mode a value the current stop has not computed yet is shown as
 * "?" with the reason.
 */
#pragma once

#include <glib.h>

#include "bp-chain.h"
#include "bp-gradcheck.h"
#include "bp-optimizer.h"
#include "bpv-layout.h"
#include "bpv-session.h"

G_BEGIN_DECLS

typedef struct
{
  BpvHit    hit;
  char     *title;          /* markup: "Weight W(2)₁,₃" */
  char     *context;        /* markup: sample, row, step, phase */
  char     *equations;      /* markup: the lines above */
  char     *chain;          /* markup: the chain rule (weights), or NULL */
  char     *text;           /* the equations as plain text */

  /* Weights: the numbers shown (NaN when not known at this stop). */
  double    weight;         /* W(n)_jk the pass used */
  double    weight_after;   /* after the update (NaN before it) */
  double    delta;          /* δ(n)_j of the sample */
  double    a_prev;         /* a(n−1)_k of the sample */
  double    product;        /* delta × a_prev */
  double    backprop;       /* the chain's δ(n)_j·a(n−1)_k from the trace */
  double    chain_product;  /* the product of the chain's factors */
  double    batch_gradient; /* ∂C/∂W(n)_jk of the whole batch (net->grads) */
  gsize     batch;          /* B */
  /* Weights: the optimizer's state for the weight (slots) and, at the
   * Update stop, the step taken (ex.derived, ex.terms; sum is Σ terms,
   * to compare with weight_after − weight).  Elsewhere has_terms is FALSE
   * (no terms), the slots are the state at the shown step (the live one,
   * or a past step's from the recording) and ex.derived the next step's
   * with the gradient in net->grads. */
  gboolean            has_optimizer;
  BpOptimizerStepView optimizer;
  gsize     n_factors;
  /* Neurons */
  double    z, a, dsigma, neuron_delta;
  /* Neurons of a dense or norm layer: b(n)_j (a norm unit's β(n)_j) the
   * pass used and after the update (NaN before it, as weight and
   * weight_after), its optimizer state in has_optimizer and optimizer as
   * for a weight; a norm unit's γ(n)_j likewise in gamma, gamma_after,
   * gamma_optimizer (has_gamma_optimizer). */
  double    bias, bias_after;
  double    gamma, gamma_after;
  gboolean            has_gamma_optimizer;
  BpOptimizerStepView gamma_optimizer;
  /* δ(n)ⱼ of a hidden unit as shown: scale × (shown terms + folded rest),
   * σ′ as the scale (1 for a full Jacobian); NaN when not shown. */
  double    delta_scale;
  double    delta_shown;    /* Σ of the terms written out */
  double    delta_rest;     /* Σ of the folded terms */
  gsize     n_delta_terms;
  gsize     n_delta_shown;
} BpvExplanation;

/* NULL for no selection. */
BpvExplanation *bpv_explain              (BpvSession   *session,
                                          const BpvHit *hit);
void            bpv_explanation_free     (BpvExplanation *ex);

/* Backprop against finite differences, with their noise floor and the
 * verdict (bp_gradcheck_entry), for weight W(n)_jk (an edge) or bias
 * b(n)_j (a neuron: its ∂C/∂b = Σ_s δ(n)_j checks δ) on the batch of the
 * shown pass (the weights before the update).  FALSE with an error that
 * says what C checks while training runs, for an input unit or for no
 * selection. */
gboolean        bpv_explain_gradcheck    (BpvSession       *session,
                                          const BpvHit     *hit,
                                          BpGradCheckEntry *check,
                                          GError          **error);

/* The step the screen is about, the same in the title, the phase card and
 * the inspector: in step mode the step in flight (taken at its update
 * stop), else the optimizer steps taken (while training: those of the
 * snapshot shown). */
guint64         bpv_explain_shown_step   (BpvSession   *session);

/* TRUE at the step-mode stops before the update: the shown step is in
 * flight, not taken yet (bpv_session_get_step_count() is one less). */
gboolean        bpv_explain_step_in_progress (BpvSession *session);

/* The shown step as the title, the phase card and the inspector write it:
 * "step 1 (in progress)" before a step-mode update, else "step 4".
 * Free with g_free(). */
char           *bpv_explain_step_text    (BpvSession   *session);

/* The selected weight's derivation with the numbers of the shown sample,
 * as LaTeX for a document's body (bpv-latex.h).  NULL with an error that
 * says why for a non-edge, while training, or before the backward pass
 * reaches the weight. */
char           *bpv_explain_latex        (BpvSession   *session,
                                          const BpvHit *hit,
                                          GError      **error);

/* "−0.4120", "1.234e−5": 4 significant digits, a real minus sign; "NaN",
 * "+Inf", "−Inf" for the non-finite (as bp_nonfinite_name). */
char           *bpv_format_number        (double value);
/* The same with `digits` significant digits (1 … 17; the quiz writes its
 * worked answers' numbers with more, so that they multiply out). */
char           *bpv_format_number_digits (double value,
                                          int    digits);
/* "₁₂" */
char           *bpv_subscript            (gsize  n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvExplanation, bpv_explanation_free)

G_END_DECLS
