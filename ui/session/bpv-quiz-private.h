/* bpv-quiz-private.h — what the bpv-quiz family shares: the question
 * being built, the topic generators, and small helpers for names and
 * numbers.  Not installed; only bpv-quiz*.c include it.
 */
#pragma once

#include <glib/gi18n.h>

#include "bp-rng.h"
#include "bpv-quiz.h"

G_BEGIN_DECLS

/* A question under construction.  The generator fills q's texts and, for
 * choice kinds, adds choices (the right one first); the dispatcher
 * shuffles them, copies the arrays into q and checks a numeric worked
 * expression. */
typedef struct
{
  BpvQuestion *q;
  GArray      *choices;     /* BpvChoice */
  GArray      *highlights;  /* BpvHit */
  BpRng        rng;         /* seeded from the seed and the topic */
  int          digits;      /* significant digits of substituted numbers */
} BpvQuizBuild;

/* FALSE with a BPV_QUIZ_ERROR_NOTHING_FITS error saying why when the
 * topic does not fit the context. */
typedef gboolean (*BpvQuizGen) (const BpvQuizContext *ctx,
                                BpvQuizBuild         *b,
                                GError              **error);

/* bpv-quiz-numeric.c */
gboolean _bpv_quiz_numeric_delta       (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_numeric_dW          (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_numeric_sigma_prime (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_numeric_cost        (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_numeric_z           (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_numeric_a           (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
/* bpv-quiz-expression.c */
gboolean _bpv_quiz_expr_da_da          (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_expr_dz_dW          (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_expr_dC_dz_out      (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_expr_delta_rec      (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_factor              (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
/* bpv-quiz-predict.c */
gboolean _bpv_quiz_predict_sign        (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_predict_norm        (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);
gboolean _bpv_quiz_predict_dead        (const BpvQuizContext *ctx, BpvQuizBuild *b, GError **error);

/* bpv-quiz.c: helpers */
/* The error of a topic that does not fit; always returns FALSE. */
G_GNUC_PRINTF (2, 3)
gboolean    _bpv_quiz_no_fit        (GError     **error,
                                     const char  *format,
                                     ...);
/* Has the current stop computed the forward values of layer n (a(0):
 * always) / the backward values (δ) of layer n? */
gboolean    _bpv_quiz_fwd_known     (const BpvQuizContext *ctx,
                                     gsize                 n);
gboolean    _bpv_quiz_bwd_known     (const BpvQuizContext *ctx,
                                     gsize                 n);
/* A number for a worked expression, b->digits significant digits, as the
 * app writes numbers (a real minus, e−5) and in parentheses when
 * negative, so that the calculator reads it back.  Free with g_free. */
char       *_bpv_quiz_num           (const BpvQuizBuild   *b,
                                     double                v);
/* The parameter value the shown pass used at `p` (a pointer into
 * net->params). */
double      _bpv_quiz_param         (const BpvQuizContext *ctx,
                                     const double         *p);
/* f(z) of unit m (0-based) of layer l (C index) for the shown sample:
 * h under a skip, else a. */
double      _bpv_quiz_act_value     (const BpvQuizContext *ctx,
                                     gsize                 l,
                                     gsize                 m);
/* "σ′" for sigmoid, "tanh′", "relu′", … the derivative's name of layer l's
 * activation; and "σ", "tanh", … its own. */
char       *_bpv_quiz_act_prime     (const BpLayer        *L);
char       *_bpv_quiz_act_name      (const BpLayer        *L);
/* Is the layer's activation element-wise (it has df)? */
gboolean    _bpv_quiz_elementwise   (const BpLayer        *L);
/* "δ(2)₃", "W(2)₁,₃", "a(1)₃": name(n) with 1-based subscripts. */
char       *_bpv_quiz_sub           (const char           *name,
                                     gsize                 n,
                                     gsize                 j);
char       *_bpv_quiz_sub2          (const char           *name,
                                     gsize                 n,
                                     gsize                 j,
                                     gsize                 k);
/* Adds a choice (plain text; markup is its escape); mistake NULL marks the right one. */
void        _bpv_quiz_add_choice    (BpvQuizBuild         *b,
                                     const char           *plain,
                                     const char           *mistake);
/* Highlights: a neuron a(n)_j, an edge W(n)_jk (0-based j, k), the skip into a(n). */
void        _bpv_quiz_hl_neuron     (BpvQuizBuild         *b,
                                     gsize                 n,
                                     gsize                 j);
void        _bpv_quiz_hl_edge       (BpvQuizBuild         *b,
                                     gsize                 n,
                                     gsize                 j,
                                     gsize                 k);
void        _bpv_quiz_hl_skip       (BpvQuizBuild         *b,
                                     gsize                 n,
                                     gsize                 from);
/* Sets prompt (markup and plain) from plain text; takes ownership. */
void        _bpv_quiz_set_prompt    (BpvQuizBuild         *b,
                                     char                 *plain);
void        _bpv_quiz_set_worked    (BpvQuizBuild         *b,
                                     char                 *plain);
/* Picks one of n with the build's generator. */
gsize       _bpv_quiz_pick          (BpvQuizBuild         *b,
                                     gsize                 n);

G_END_DECLS
