/* bpv-quiz.h — questions generated from the live network: numeric ("what
 * is δ(2)₃?"), which expression ("which expression is ∂a(j)/∂a(j−1)?"),
 * fill the missing factor of a chain, and predict ("does W(2)[1,3] go up
 * or down?").  Every answer is computed on the network and pass in the
 * context, so it is the number the inspector shows; wrong choices stand
 * for real mistakes, each saying which.
 *
 * GTK-free, and session-free in its core (a BpvQuizContext holds a
 * network and a trace), so the CLI (lesson check, handout) and the tests
 * use it as the window does.  Implemented by bpv-quiz.c (the dispatcher,
 * checking an answer, authored questions, the context of a session),
 * bpv-quiz-numeric.c, bpv-quiz-expression.c (expressions and the missing
 * factor) and bpv-quiz-predict.c; bpv-quiz-private.h has what they share.
 *
 * Indices: layers are shown 1-based (a(0) the input), units 1-based in
 * the text (W(2)[1,3] is row 1, column 3); BpvHit's are as bpv-layout.h
 * has them (layer n, 0-based j and k).
 */
#pragma once

#include <glib.h>

#include "bp-expr.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bpv-layout.h"
#include "bpv-session.h"

G_BEGIN_DECLS

#define BPV_QUIZ_ERROR (bpv_quiz_error_quark ())
GQuark bpv_quiz_error_quark (void);

typedef enum
{
  BPV_QUIZ_ERROR_NOTHING_FITS,  /* no question of that kind/topic on this network, stop or selection */
  BPV_QUIZ_ERROR_UNKNOWN_TOPIC, /* a topic id that does not exist */
  BPV_QUIZ_ERROR_ANSWER,        /* a typed answer that does not parse, or a choice out of range */
} BpvQuizError;

typedef enum
{
  BPV_QUESTION_NUMERIC,      /* type a number (calculator allowed) */
  BPV_QUESTION_EXPRESSION,   /* which expression is …? (choices) */
  BPV_QUESTION_FACTOR,       /* fill the missing factor of a displayed chain (choices) */
  BPV_QUESTION_PREDICT,      /* predict, then step and see (choices) */
} BpvQuestionKind;

#define BPV_QUESTION_N_KINDS 4

typedef struct
{
  char      *markup;    /* Pango markup of the choice, e.g. "σ′(z(2)) W(2)" */
  char      *plain;     /* the same as plain text (PDF, tests, accessibility) */
  char      *mistake;   /* for a wrong choice: the real mistake it stands for; NULL for the right one */
} BpvChoice;

typedef struct
{
  BpvQuestionKind kind;
  char      *topic;       /* stable id: "numeric-delta", "numeric-dW", "numeric-sigma-prime",
                           * "numeric-cost", "numeric-z", "numeric-a", "expr-da-da", "expr-dz-dW",
                           * "expr-dC-dz-out", "expr-delta-rec", "factor", "predict-sign",
                           * "predict-smallest-norm", "predict-dead"; "authored" for a lesson's own */
  char      *prompt;      /* markup */
  char      *prompt_plain;
  /* NUMERIC */
  char      *quantity;    /* what is asked, as a bp-expr expression over QUANTITYs, e.g.
                           * "delta(2)[3]" (or "delta(2)[1] * a(1)[3]" for one sample's share) */
  double     answer;
  int        sig_figs;    /* 3 unless the author says otherwise */
  double     rel_tol, abs_tol;
  char      *tolerance_text;  /* "to 3 significant figures" — shown with the question */
  char      *uses;        /* markup: which numbers on screen it may use ("δ(3), W(3), σ′(z(2))") */
  /* EXPRESSION / FACTOR / PREDICT */
  gsize      n_choices;
  BpvChoice *choices;     /* shuffled by the seed */
  gsize      correct;     /* index into choices */
  gboolean   step_to_see; /* PREDICT: the app steps after the answer to show what happened */
  /* after answering */
  char      *worked;      /* markup: the worked answer with the live numbers */
  char      *worked_plain;
  /* NUMERIC: the numbers the worked answer substitutes, as a calculator
   * expression ("0.8123 × (0.1234 × 0.5678 + …)") that evaluates to the
   * answer at sig_figs (the worked text shows it); for an authored
   * question its expression with the quantities' values put in. */
  char      *worked_expr;
  gsize      n_highlights;
  BpvHit    *highlights;  /* neurons / edges / skip arcs the answer involves (bpv-layout.h) */
} BpvQuestion;

typedef struct
{
  const BpNetwork   *net;
  const BpTrace     *trace;
  gsize              sample;
  const double      *targets;    /* y of the sample, may be NULL (then the trace's) */
  double             cost;       /* C of the shown batch, NaN when unknown */
  const BpOptimizer *optimizer;  /* for PREDICT (may be NULL: no predict-sign) */
  BpvHit             selection;  /* BPV_HIT_NONE: the generator picks */
  /* what the current stop has computed (outside step mode all TRUE): a numeric question only asks
   * for a value the next stop would show, from values already on screen */
  gboolean         (*forward_known)  (gpointer data, gsize layer);  /* layer 1-based; NULL: all known */
  gboolean         (*backward_known) (gpointer data, gsize layer);
  gpointer           known_data;
  /* Added by the quiz: the parameters the shown pass used (net->params
   * layout; NULL: net->params), and the learning rate (NaN: unknown). */
  const double      *params;
  double             learning_rate;
  /* The next optimizer step will use the gradient shown (net->grads): TRUE
   * inside a step-mode cycle before its update, and for a context built by
   * hand; FALSE at rest, where the next step takes another batch, so
   * "does this weight go up or down?" would be about a gradient not yet
   * seen (predict-sign is then not asked). */
  gboolean           update_pending;
} BpvQuizContext;

/* A context with nothing known yet: cost and learning rate NaN, no
 * selection, all values known, an update pending.  Fill net, trace, sample and the rest. */
void         bpv_quiz_context_init          (BpvQuizContext *ctx);

/* The bp-expr context of the same pass (net, trace, sample, targets,
 * cost, learning rate, the parameters the pass used), for evaluating a
 * lesson's expressions or BpvQuestion.quantity on it. */
void         bpv_quiz_context_to_expr       (const BpvQuizContext *ctx,
                                             BpExprContext        *ectx);

/* kind < 0 (cast): any kind that fits the context; topic NULL: any topic of that kind.
 * Same context + seed → same question.  NULL with an error when nothing fits
 * ("select a weight to be asked about it").  Free with bpv_question_free. */
BpvQuestion *bpv_quiz_generate              (const BpvQuizContext *ctx,
                                             int                   kind,
                                             const char           *topic,
                                             guint64               seed,
                                             GError              **error);
/* The topic ids of a kind (NULL-terminated, static). */
const char *const *bpv_quiz_topics          (BpvQuestionKind       kind);
/* An authored numeric question: answer = bp_expr_eval (answer_expr) on the
 * context.  sig_figs ≤ 0: 3. */
BpvQuestion *bpv_quiz_authored_numeric      (const BpvQuizContext *ctx,
                                             const char           *prompt_markup,
                                             const char           *answer_expr,
                                             int                   sig_figs,
                                             GError              **error);
/* An authored choice question; the choices are markup, copied (their
 * plain text is the markup without its tags).  Not shuffled: the author
 * chose the order. */
BpvQuestion *bpv_quiz_authored_choice       (const char           *prompt_markup,
                                             const char *const    *choices,
                                             gsize                 n,
                                             gsize                 correct,
                                             const char           *worked_markup);
void         bpv_question_free              (BpvQuestion          *q);
/* `typed` for NUMERIC (a calculator expression), the choice index (0-based, as `correct`) as
 * text ("2") otherwise.  Fills *value with what `typed` evaluated to (NUMERIC; may be NULL).
 * FALSE + error when `typed` does not parse (that is not a wrong answer: the box says why and
 * keeps the text). */
gboolean     bpv_question_check             (const BpvQuestion    *q,
                                             const char           *typed,
                                             gboolean             *correct,
                                             double               *value,
                                             GError              **error);
/* Fills a BpvQuizContext from a live session (its shown trace, stop and
 * selection).  The context points into the session: valid until the
 * session's values change. */
void         bpv_quiz_context_from_session  (BpvQuizContext       *ctx,
                                             BpvSession           *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvQuestion, bpv_question_free)

G_END_DECLS
