/* bpv-quiz.c — the quiz's dispatcher: which topics exist, generating one
 * deterministically from a seed, checking an answer, authored questions,
 * the context of a live session, and the helpers the generators share.
 */
#include "config.h"

#include "bpv-quiz-private.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <pango/pango.h>

#include "bpv-explain.h"

G_DEFINE_QUARK (bpv-quiz-error-quark, bpv_quiz_error)

typedef struct
{
  const char     *id;
  BpvQuestionKind kind;
  BpvQuizGen      gen;
} Topic;

static const Topic topics[] = {
  { "numeric-delta", BPV_QUESTION_NUMERIC, _bpv_quiz_numeric_delta },
  { "numeric-dW", BPV_QUESTION_NUMERIC, _bpv_quiz_numeric_dW },
  { "numeric-sigma-prime", BPV_QUESTION_NUMERIC, _bpv_quiz_numeric_sigma_prime },
  { "numeric-cost", BPV_QUESTION_NUMERIC, _bpv_quiz_numeric_cost },
  { "numeric-z", BPV_QUESTION_NUMERIC, _bpv_quiz_numeric_z },
  { "numeric-a", BPV_QUESTION_NUMERIC, _bpv_quiz_numeric_a },
  { "expr-da-da", BPV_QUESTION_EXPRESSION, _bpv_quiz_expr_da_da },
  { "expr-dz-dW", BPV_QUESTION_EXPRESSION, _bpv_quiz_expr_dz_dW },
  { "expr-dC-dz-out", BPV_QUESTION_EXPRESSION, _bpv_quiz_expr_dC_dz_out },
  { "expr-delta-rec", BPV_QUESTION_EXPRESSION, _bpv_quiz_expr_delta_rec },
  { "factor", BPV_QUESTION_FACTOR, _bpv_quiz_factor },
  { "predict-sign", BPV_QUESTION_PREDICT, _bpv_quiz_predict_sign },
  { "predict-smallest-norm", BPV_QUESTION_PREDICT, _bpv_quiz_predict_norm },
  { "predict-dead", BPV_QUESTION_PREDICT, _bpv_quiz_predict_dead },
};

static const char *const numeric_ids[] = { "numeric-delta", "numeric-dW", "numeric-sigma-prime",
                                           "numeric-cost", "numeric-z", "numeric-a", NULL };
static const char *const expression_ids[] = { "expr-da-da", "expr-dz-dW", "expr-dC-dz-out",
                                              "expr-delta-rec", NULL };
static const char *const factor_ids[] = { "factor", NULL };
static const char *const predict_ids[] = { "predict-sign", "predict-smallest-norm",
                                           "predict-dead", NULL };

const char *const *
bpv_quiz_topics (BpvQuestionKind kind)
{
  switch (kind)
    {
    case BPV_QUESTION_NUMERIC:
      return numeric_ids;
    case BPV_QUESTION_EXPRESSION:
      return expression_ids;
    case BPV_QUESTION_FACTOR:
      return factor_ids;
    case BPV_QUESTION_PREDICT:
      return predict_ids;
    }
  return NULL;
}

void
bpv_quiz_context_init (BpvQuizContext *ctx)
{
  g_return_if_fail (ctx != NULL);

  memset (ctx, 0, sizeof *ctx);
  ctx->cost = NAN;
  ctx->learning_rate = NAN;
  ctx->selection.kind = BPV_HIT_NONE;
  ctx->update_pending = TRUE;
}

/* ------------------------------------------------------------------ helpers */

gboolean
_bpv_quiz_no_fit (GError    **error,
                  const char *format,
                  ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  *error = g_error_new_valist (BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_NOTHING_FITS, format, args);
  va_end (args);
  return FALSE;
}

gboolean
_bpv_quiz_fwd_known (const BpvQuizContext *ctx,
                     gsize                 n)
{
  return n == 0 || ctx->forward_known == NULL || ctx->forward_known (ctx->known_data, n);
}

gboolean
_bpv_quiz_bwd_known (const BpvQuizContext *ctx,
                     gsize                 n)
{
  return ctx->backward_known == NULL || ctx->backward_known (ctx->known_data, n);
}

char *
_bpv_quiz_num (const BpvQuizBuild *b,
               double              v)
{
  g_autofree char *s = bpv_format_number_digits (v, b->digits);

  /* "× (−0.3)" reads better than "× −0.3", and the same to the calculator */
  return v < 0 ? g_strdup_printf ("(%s)", s) : g_steal_pointer (&s);
}

double
_bpv_quiz_param (const BpvQuizContext *ctx,
                 const double         *p)
{
  if (ctx->params == NULL)
    return *p;
  return ctx->params[p - ctx->net->params];
}

void
bpv_quiz_context_to_expr (const BpvQuizContext *ctx,
                          BpExprContext        *ectx)
{
  g_return_if_fail (ctx != NULL && ectx != NULL);

  ectx->net = ctx->net;
  ectx->trace = ctx->trace;
  ectx->sample = ctx->sample;
  ectx->targets = ctx->targets;
  ectx->cost = ctx->cost;
  ectx->learning_rate = ctx->learning_rate;
  ectx->params = ctx->params;
}

double
_bpv_quiz_act_value (const BpvQuizContext *ctx,
                     gsize                 l,
                     gsize                 m)
{
  const BpLayer *L = &ctx->net->layers[l];
  const BpTrace *t = ctx->trace;

  if (L->type == BP_LAYER_DENSE && L->skip_from >= 0)
    return t->h[l][ctx->sample * L->out + m];
  return bp_trace_a (t, l, ctx->sample)[m];
}

char *
_bpv_quiz_act_name (const BpLayer *L)
{
  if (strcmp (L->act->id, "sigmoid") == 0)
    return g_strdup ("σ");
  return g_strdup (L->act->id);
}

char *
_bpv_quiz_act_prime (const BpLayer *L)
{
  g_autofree char *name = _bpv_quiz_act_name (L);

  return g_strconcat (name, "′", NULL);
}

gboolean
_bpv_quiz_elementwise (const BpLayer *L)
{
  return L->type != BP_LAYER_DROPOUT && L->act->df != NULL;
}

char *
_bpv_quiz_sub (const char *name,
               gsize       n,
               gsize       j)
{
  g_autofree char *sj = bpv_subscript (j);

  return g_strdup_printf ("%s(%zu)%s", name, n, sj);
}

char *
_bpv_quiz_sub2 (const char *name,
                gsize       n,
                gsize       j,
                gsize       k)
{
  g_autofree char *sj = bpv_subscript (j);
  g_autofree char *sk = bpv_subscript (k);

  return g_strdup_printf ("%s(%zu)%s,%s", name, n, sj, sk);
}

void
_bpv_quiz_add_choice (BpvQuizBuild *b,
                      const char   *plain,
                      const char   *mistake)
{
  BpvChoice c;

  c.plain = g_strdup (plain);
  c.markup = g_markup_escape_text (plain, -1);
  c.mistake = g_strdup (mistake);
  g_array_append_val (b->choices, c);
}

static void
add_hit (BpvQuizBuild *b,
         BpvHitKind    kind,
         gsize         n,
         gsize         j,
         gsize         k)
{
  BpvHit h = { kind, n, j, k };

  for (guint i = 0; i < b->highlights->len; i++)
    if (bpv_hit_equal (&g_array_index (b->highlights, BpvHit, i), &h))
      return;
  g_array_append_val (b->highlights, h);
}

void
_bpv_quiz_hl_neuron (BpvQuizBuild *b,
                     gsize         n,
                     gsize         j)
{
  add_hit (b, BPV_HIT_NEURON, n, j, 0);
}

void
_bpv_quiz_hl_edge (BpvQuizBuild *b,
                   gsize         n,
                   gsize         j,
                   gsize         k)
{
  add_hit (b, BPV_HIT_EDGE, n, j, k);
}

void
_bpv_quiz_hl_skip (BpvQuizBuild *b,
                   gsize         n,
                   gsize         from)
{
  add_hit (b, BPV_HIT_SKIP, n, from, 0);
}

void
_bpv_quiz_set_prompt (BpvQuizBuild *b,
                      char         *plain)
{
  g_free (b->q->prompt);
  g_free (b->q->prompt_plain);
  b->q->prompt = g_markup_escape_text (plain, -1);
  b->q->prompt_plain = plain;
}

void
_bpv_quiz_set_worked (BpvQuizBuild *b,
                      char         *plain)
{
  g_free (b->q->worked);
  g_free (b->q->worked_plain);
  b->q->worked = g_markup_escape_text (plain, -1);
  b->q->worked_plain = plain;
}

gsize
_bpv_quiz_pick (BpvQuizBuild *b,
                gsize         n)
{
  return n <= 1 ? 0 : (gsize) bp_rng_below (&b->rng, n);
}

/* --------------------------------------------------------------- generating */

static void
choices_free (BpvChoice *c,
              gsize      n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_free (c[i].markup);
      g_free (c[i].plain);
      g_free (c[i].mistake);
    }
  g_free (c);
}

void
bpv_question_free (BpvQuestion *q)
{
  if (q == NULL)
    return;
  g_free (q->topic);
  g_free (q->prompt);
  g_free (q->prompt_plain);
  g_free (q->quantity);
  g_free (q->tolerance_text);
  g_free (q->uses);
  choices_free (q->choices, q->n_choices);
  g_free (q->worked);
  g_free (q->worked_plain);
  g_free (q->worked_expr);
  g_free (q->highlights);
  g_free (q);
}

static BpvQuestion *
question_new (BpvQuestionKind kind,
              const char     *topic)
{
  BpvQuestion *q = g_new0 (BpvQuestion, 1);

  q->kind = kind;
  q->topic = g_strdup (topic);
  q->answer = NAN;
  q->sig_figs = 3;
  return q;
}

static void
set_tolerance (BpvQuestion *q)
{
  g_free (q->tolerance_text);
  q->tolerance_text = g_strdup_printf (dngettext (GETTEXT_PACKAGE,
                                                  "to %d significant figure",
                                                  "to %d significant figures", q->sig_figs),
                                       q->sig_figs);
}

/* The seed and the topic give the generator's stream: the same question
 * whatever else was tried first. */
static void
build_init (BpvQuizBuild *b,
            const Topic  *t,
            guint64       seed,
            int           digits)
{
  b->q = question_new (t->kind, t->id);
  b->choices = g_array_new (FALSE, TRUE, sizeof (BpvChoice));
  b->highlights = g_array_new (FALSE, TRUE, sizeof (BpvHit));
  bp_rng_init (&b->rng, seed ^ ((guint64) g_str_hash (t->id) << 17));
  b->digits = digits;
}

static void
build_clear (BpvQuizBuild *b)
{
  guint n = b->choices->len;

  bpv_question_free (b->q);
  choices_free ((BpvChoice *) g_array_free (b->choices, FALSE), n);
  g_array_free (b->highlights, TRUE);
  memset (b, 0, sizeof *b);
}

/* Moves the choices (shuffled by the build's generator; the right one was
 * added first) and the highlights into the question, which it returns. */
static BpvQuestion *
build_finish (BpvQuizBuild *b)
{
  BpvQuestion *q = b->q;
  gsize n = b->choices->len;

  if (n > 0)
    {
      g_autofree gsize *order = g_new (gsize, n);
      BpvChoice *src = (BpvChoice *) b->choices->data;

      for (gsize i = 0; i < n; i++)
        order[i] = i;
      bp_rng_shuffle (&b->rng, order, n);
      q->choices = g_new0 (BpvChoice, n);
      q->n_choices = n;
      for (gsize i = 0; i < n; i++)
        {
          q->choices[i] = src[order[i]];
          if (order[i] == 0)
            q->correct = i;
        }
      g_array_set_size (b->choices, 0);
    }
  g_array_free (b->choices, TRUE);
  q->n_highlights = b->highlights->len;
  q->highlights = (BpvHit *) g_array_free (b->highlights, q->n_highlights == 0);
  if (q->kind == BPV_QUESTION_NUMERIC)
    set_tolerance (q);
  memset (b, 0, sizeof *b);
  return q;
}

/* A numeric question's worked expression must give its answer at the
 * precision asked: with 6 digits a sum with cancellation may not, so the
 * dispatcher retries with more. */
static gboolean
worked_adds_up (const BpvQuestion *q)
{
  double v;

  if (q->kind != BPV_QUESTION_NUMERIC || q->worked_expr == NULL)
    return TRUE;
  if (!bp_expr_eval (q->worked_expr, NULL, &v, NULL))
    return FALSE;
  return bp_expr_close (v, q->answer, q->sig_figs + 1, 0, 0)
         || fabs (v - q->answer) <= 1e-9 * fabs (q->answer) + 1e-300;
}

/* Tries to ask for a number that is not exactly 0 (a dead unit's δ, a
 * weight on a zero input): the generator gets other draws, but the answer
 * stays 0 when the selection fixes it. */
#define NONZERO_TRIES 8

/* The significant digits a worked answer's numbers are written with: the
 * first that lets them give the answer back. */
static const int worked_digits[] = { 6, 10, 17 };

static BpvQuestion *
generate_topic (const BpvQuizContext *ctx,
                const Topic          *t,
                guint64               seed,
                GError              **error)
{
  const int *digits = worked_digits;
  const gsize n_digits = G_N_ELEMENTS (worked_digits);
  guint64 draw = seed;

  for (gsize attempt = 0; attempt < NONZERO_TRIES && t->kind == BPV_QUESTION_NUMERIC; attempt++)
    {
      BpvQuizBuild b;
      gboolean zero;

      build_init (&b, t, seed + attempt * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), digits[0]);
      if (!t->gen (ctx, &b, NULL))
        {
          build_clear (&b);
          break;
        }
      zero = b.q->answer == 0;
      build_clear (&b);
      if (!zero)
        {
          draw = seed + attempt * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
          break;
        }
    }
  seed = draw;
  for (gsize i = 0; i < n_digits; i++)
    {
      BpvQuizBuild b;

      build_init (&b, t, seed, digits[i]);
      if (!t->gen (ctx, &b, error))
        {
          build_clear (&b);
          return NULL;
        }
      if (worked_adds_up (b.q) || i + 1 == n_digits)
        {
          BpvQuestion *q = build_finish (&b);

          if (!worked_adds_up (q))
            {
              bpv_question_free (q);
              _bpv_quiz_no_fit (error, _("the numbers of this pass do not give a worked answer"
                                         " (a value is not finite)"));
              return NULL;
            }
          return q;
        }
      build_clear (&b);
    }
  return NULL;
}

BpvQuestion *
bpv_quiz_generate (const BpvQuizContext *ctx,
                   int                   kind,
                   const char           *topic,
                   guint64               seed,
                   GError              **error)
{
  g_autoptr(GError) first = NULL;
  gsize order[G_N_ELEMENTS (topics)], n = 0;
  BpRng rng;

  g_return_val_if_fail (ctx != NULL && ctx->net != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ctx->trace == NULL || !bp_trace_fits (ctx->trace, ctx->net) || ctx->sample >= ctx->trace->batch)
    {
      _bpv_quiz_no_fit (error, _("no pass has run yet: step or train first"));
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      if (topic != NULL && strcmp (topic, topics[i].id) != 0)
        continue;
      if (kind >= 0 && (int) topics[i].kind != kind)
        continue;
      order[n++] = i;
    }
  if (n == 0)
    {
      if (topic != NULL)
        g_set_error (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_UNKNOWN_TOPIC,
                     _("unknown question topic ‘%s’ (or not of this kind)"), topic);
      else
        g_set_error (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_UNKNOWN_TOPIC,
                     _("unknown question kind %d"), kind);
      return NULL;
    }
  /* any topic: tried in an order the seed picks, the first that fits */
  bp_rng_init (&rng, seed);
  bp_rng_shuffle (&rng, order, n);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GError) local = NULL;
      BpvQuestion *q = generate_topic (ctx, &topics[order[i]], seed, &local);

      if (q != NULL)
        return q;
      if (first == NULL)
        first = g_steal_pointer (&local);
    }
  if (n == 1)
    g_propagate_error (error, g_steal_pointer (&first));
  else
    _bpv_quiz_no_fit (error, _("no question of this kind fits the network at this point (%s)"),
                      first->message);
  return NULL;
}

/* ----------------------------------------------------------------- authored */

/* Markup without its tags, entities decoded: the plain text of a choice. */
static char *
markup_to_plain (const char *markup)
{
  g_autofree char *text = NULL;

  if (pango_parse_markup (markup, -1, 0, NULL, &text, NULL, NULL))
    return g_steal_pointer (&text);
  return g_strdup (markup);
}

BpvQuestion *
bpv_quiz_authored_numeric (const BpvQuizContext *ctx,
                           const char           *prompt_markup,
                           const char           *answer_expr,
                           int                   sig_figs,
                           GError              **error)
{
  g_autofree char *sub = NULL;
  BpExprContext ectx;
  BpvQuestion *q;
  double v;

  g_return_val_if_fail (ctx != NULL && ctx->net != NULL, NULL);
  g_return_val_if_fail (prompt_markup != NULL && answer_expr != NULL, NULL);

  bpv_quiz_context_to_expr (ctx, &ectx);
  if (!bp_expr_eval (answer_expr, &ectx, &v, error))
    return NULL;
  /* the live numbers put in, with digits enough to give the answer back */
  for (gsize i = 0; i < G_N_ELEMENTS (worked_digits) && sub == NULL; i++)
    {
      double back;

      sub = bp_expr_substitute (answer_expr, &ectx, worked_digits[i], NULL, NULL);
      if (sub != NULL && i + 1 < G_N_ELEMENTS (worked_digits)
          && !(bp_expr_eval (sub, NULL, &back, NULL)
               && bp_expr_close (back, v, (sig_figs > 0 ? sig_figs : 3) + 1, 0, 0)))
        g_clear_pointer (&sub, g_free);
    }
  q = question_new (BPV_QUESTION_NUMERIC, "authored");
  q->prompt = g_strdup (prompt_markup);
  q->prompt_plain = markup_to_plain (prompt_markup);
  q->quantity = g_strdup (answer_expr);
  q->answer = v;
  q->sig_figs = sig_figs > 0 ? sig_figs : 3;
  set_tolerance (q);
  {
    g_autofree char *num = bpv_format_number (v);

    /* the expression, its numbers (when it has quantities) and its value */
    q->worked_expr = g_steal_pointer (&sub);
    if (q->worked_expr != NULL && strcmp (q->worked_expr, answer_expr) != 0)
      q->worked_plain = g_strdup_printf ("%s = %s = %s", answer_expr, q->worked_expr, num);
    else
      q->worked_plain = g_strdup_printf ("%s = %s", answer_expr, num);
    q->worked = g_markup_escape_text (q->worked_plain, -1);
  }
  return q;
}

BpvQuestion *
bpv_quiz_authored_choice (const char        *prompt_markup,
                          const char *const *choices,
                          gsize              n,
                          gsize              correct,
                          const char        *worked_markup)
{
  BpvQuestion *q;

  g_return_val_if_fail (prompt_markup != NULL, NULL);
  g_return_val_if_fail (choices != NULL && n >= 2 && correct < n, NULL);

  q = question_new (BPV_QUESTION_EXPRESSION, "authored");
  q->prompt = g_strdup (prompt_markup);
  q->prompt_plain = markup_to_plain (prompt_markup);
  q->n_choices = n;
  q->choices = g_new0 (BpvChoice, n);
  for (gsize i = 0; i < n; i++)
    {
      q->choices[i].markup = g_strdup (choices[i]);
      q->choices[i].plain = markup_to_plain (choices[i]);
    }
  q->correct = correct;
  if (worked_markup != NULL)
    {
      q->worked = g_strdup (worked_markup);
      q->worked_plain = markup_to_plain (worked_markup);
    }
  return q;
}

/* ------------------------------------------------------------------ checking */

gboolean
bpv_question_check (const BpvQuestion *q,
                    const char        *typed,
                    gboolean          *correct,
                    double            *value,
                    GError           **error)
{
  g_return_val_if_fail (q != NULL, FALSE);
  g_return_val_if_fail (typed != NULL, FALSE);

  if (q->kind == BPV_QUESTION_NUMERIC)
    {
      g_autoptr(GError) local = NULL;
      double v;

      if (!bp_expr_eval (typed, NULL, &v, &local))
        {
          g_set_error_literal (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_ANSWER, local->message);
          return FALSE;
        }
      if (value != NULL)
        *value = v;
      if (correct != NULL)
        *correct = bp_expr_close (v, q->answer, q->sig_figs, q->rel_tol, q->abs_tol);
      return TRUE;
    }
  else
    {
      g_autofree char *s = g_strstrip (g_strdup (typed));
      guint64 i;

      if (!g_ascii_string_to_unsigned (s, 10, 0, q->n_choices > 0 ? q->n_choices - 1 : 0, &i, NULL)
          || q->n_choices == 0)
        {
          g_set_error (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_ANSWER,
                       _("‘%s’ is not one of the choices (0 to %zu)"), s,
                       q->n_choices > 0 ? q->n_choices - 1 : 0);
          return FALSE;
        }
      if (value != NULL)
        *value = (double) i;
      if (correct != NULL)
        *correct = (gsize) i == q->correct;
      return TRUE;
    }
}

/* --------------------------------------------------------- a live session */

/* The quiz counts layers from 1 as the app shows them; the session takes
 * the C index. */
static gboolean
session_forward_known (gpointer data,
                       gsize    layer)
{
  return layer == 0 || bpv_session_forward_known (data, layer - 1);
}

static gboolean
session_backward_known (gpointer data,
                        gsize    layer)
{
  return layer > 0 && bpv_session_backward_known (data, layer - 1);
}

void
bpv_quiz_context_from_session (BpvQuizContext *ctx,
                               BpvSession     *session)
{
  BpvStepper *st;
  const BpvHit *sel;
  const BpTrace *trace;
  gsize sample = 0;

  g_return_if_fail (ctx != NULL);
  g_return_if_fail (BPV_IS_SESSION (session));

  bpv_quiz_context_init (ctx);
  ctx->net = bpv_session_get_network (session);
  trace = bpv_session_get_trace (session, &sample);
  ctx->trace = trace;
  ctx->sample = sample;
  if (trace != NULL && trace->target != NULL && sample < trace->batch)
    ctx->targets = trace->target + sample * bp_network_n_outputs (ctx->net);
  ctx->cost = bpv_session_get_loss (session);
  ctx->optimizer = bpv_session_get_optimizer (session);
  ctx->learning_rate = bpv_session_get_learning_rate (session);
  sel = bpv_session_get_selection (session);
  if (sel != NULL)
    ctx->selection = *sel;
  ctx->forward_known = session_forward_known;
  ctx->backward_known = session_backward_known;
  ctx->known_data = session;
  /* at the UPDATE stop the network already has the new weights: the
   * questions are about the pass shown, which used the old ones (as
   * bpv_session_fill_render_state's old_params, without its heat maps) */
  st = bpv_session_get_stepper (session);
  if (st != NULL && bpv_stepper_get_phase (st) == BPV_STEP_UPDATE)
    ctx->params = bpv_stepper_get_params_before (st);
  ctx->update_pending = st != NULL && bpv_stepper_get_phase (st) != BPV_STEP_IDLE
                        && bpv_stepper_get_phase (st) != BPV_STEP_UPDATE;
}
