/* test-window-quiz.c — the Quiz pane and its question view in the real
 * window (see test-window.h): a numeric question answered right (the value
 * typed, and a calculator expression of the numbers it is made of), wrong
 * (1 % off) and given up (Show me), with the calculator's live value and a
 * typed answer that does not parse; a choice question right and wrong,
 * with the mistake it stands for; the score; the highlights reaching the
 * canvas's render state; generated questions of every kind; an unanswered
 * question that stays while the learner steps; the chain-rule example
 * opening on its question.  The answer is never in the view's text before
 * an answer.
 *
 * The first two build their questions by hand (a widget test feeds the
 * widget a question); the others ask bpv-quiz.  With BPV_QUIZ_SHOTS set to
 * a directory, the chain-rule test writes the window before and after the
 * answer there as PNGs.
 */
#include "config.h"

#include "test-window.h"

#include <math.h>
#include <string.h>

#include "bpv-question-view.h"
#include "bpv-quiz-pane.h"

/* ------------------------------------------------------------- helpers */

static BpvQuizPane *
quiz_pane (Fixture *f)
{
  return BPV_QUIZ_PANE (template_child (f, "quiz_pane"));
}

static BpvQuestionView *
question_view (Fixture *f)
{
  return bpv_quiz_pane_get_question_view (quiz_pane (f));
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static gboolean
child_revealed (gpointer data)
{
  return gtk_revealer_get_child_revealed (data);
}

/* Q (win.quiz) opens the pane; it asks as it appears. */
static void
open_quiz (Fixture *f)
{
  activate (f, "quiz");
  assert_true (gtk_revealer_get_reveal_child (template_child (f, "quiz_revealer")));
  assert_true (spin_until (widget_mapped, quiz_pane (f), 10));
  assert_true (spin_until (child_revealed, template_child (f, "quiz_revealer"), 10));
}

/* A template child of the question view. */
static gpointer
view_child (Fixture    *f,
            const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (question_view (f)), BPV_TYPE_QUESTION_VIEW,
                                                  name);

  assert_non_null (child);
  return child;
}

/* The canvas's highlights as the next snapshot would paint them. */
static gsize
rendered_highlights (Fixture *f,
                     BpvHit  *first)
{
  BpvRenderState state;

  bpv_network_view_get_render_state (view_of (f), &state);
  if (state.n_highlights > 0 && first != NULL)
    *first = state.highlights[0];
  return state.n_highlights;
}

static char *
heading (Fixture *f)
{
  GtkLabel *label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (quiz_pane (f)), BPV_TYPE_QUIZ_PANE,
                                                              "heading_label"));

  return g_strdup (gtk_label_get_text (label));
}

/* z(1)₁ of the shown sample, asked by hand as a numeric question; its
 * worked answer is the sum W(1)₁,ₖ a(0)ₖ + b(1)₁ with its numbers, which
 * *sum gets as a calculator expression (sum may be NULL).  Owned by the
 * view once set. */
static BpvQuestion *
hand_numeric (Fixture *f,
              char   **sum)
{
  const BpNetwork *net = bpv_session_get_network (f->session);
  gsize s = 0;
  const BpTrace *t = bpv_session_get_trace (f->session, &s);
  const BpLayer *L = &net->layers[0];
  const double *x = bp_trace_a_prev (t, 0, s);
  BpvQuestion *q = g_new0 (BpvQuestion, 1);
  GString *expr = g_string_new (NULL);

  for (gsize k = 0; k < L->in; k++)
    g_string_append_printf (expr, "%s%.9g·%.9g", k > 0 ? " + " : "", L->W[k], x[k]);
  g_string_append_printf (expr, " + %.9g", L->b[0]);
  q->kind = BPV_QUESTION_NUMERIC;
  q->topic = g_strdup ("numeric-z");
  q->prompt = g_strdup ("What is <i>z</i>(1)₁ for this sample?");
  q->prompt_plain = g_strdup ("What is z(1)₁ for this sample?");
  q->quantity = g_strdup ("z(1)[1]");
  q->answer = bp_trace_z (t, 0, s)[0];
  q->sig_figs = 3;
  q->tolerance_text = g_strdup ("to 3 significant figures");
  q->uses = g_strdup ("W(1), b(1), a(0)");
  q->worked = g_strdup_printf ("z(1)₁ = W(1)₁ a(0) + b(1)₁ = %s = <b>%.4g</b>", expr->str, q->answer);
  q->worked_plain = g_strdup_printf ("z(1)₁ = W(1)₁ a(0) + b(1)₁ = %s = %.4g", expr->str, q->answer);
  q->n_highlights = 1;
  q->highlights = g_new0 (BpvHit, 1);
  q->highlights[0] = (BpvHit) { BPV_HIT_NEURON, 1, 0, 0 };
  if (sum != NULL)
    *sum = g_string_free (expr, FALSE);
  else
    g_string_free (expr, TRUE);
  return q;
}

/* "Which expression is ∂a(2)/∂a(1)?" by hand: choice 1 is right. */
static BpvQuestion *
hand_choice (void)
{
  static const char *const markup[] = { "σ′(z(2))", "σ′(z(2)) W(2)", "σ′(z(1)) W(2)" };
  static const char *const mistake[] = { "σ′ alone: the weight W(2) carries a(1) into z(2)", NULL,
                                         "σ′ at the wrong layer: a(2) is made from z(2)" };
  BpvQuestion *q = g_new0 (BpvQuestion, 1);

  q->kind = BPV_QUESTION_EXPRESSION;
  q->topic = g_strdup ("expr-da-da");
  q->prompt = g_strdup ("Which expression is ∂a(2)/∂a(1)?");
  q->prompt_plain = g_strdup (q->prompt);
  q->n_choices = 3;
  q->choices = g_new0 (BpvChoice, 3);
  for (gsize i = 0; i < 3; i++)
    {
      q->choices[i].markup = g_strdup (markup[i]);
      q->choices[i].plain = g_strdup (markup[i]);
      q->choices[i].mistake = g_strdup (mistake[i]);
    }
  q->correct = 1;
  q->worked = g_strdup ("∂a(2)/∂a(1) = σ′(z(2)) W(2): the chain through z(2)");
  q->worked_plain = g_strdup (q->worked);
  q->n_highlights = 2;
  q->highlights = g_new0 (BpvHit, 2);
  q->highlights[0] = (BpvHit) { BPV_HIT_EDGE, 2, 0, 0 };
  q->highlights[1] = (BpvHit) { BPV_HIT_NEURON, 2, 0, 0 };
  return q;
}

/* Answers the view's question right (the value it holds, or its correct
 * choice) or wrong (1 % off, or the next choice). */
static void
answer (Fixture *f,
        gboolean right)
{
  BpvQuestionView *view = question_view (f);
  const BpvQuestion *q = bpv_question_view_get_question (view);

  assert_non_null (q);
  if (q->kind == BPV_QUESTION_NUMERIC)
    {
      double v = right ? q->answer : q->answer != 0 ? q->answer * 1.01 : 1;
      char text[G_ASCII_DTOSTR_BUF_SIZE];

      bpv_question_view_type_answer (view, g_ascii_dtostr (text, sizeof text, v));
    }
  else
    bpv_question_view_pick_choice (view, right ? q->correct : (q->correct + 1) % q->n_choices);
  assert_true (bpv_question_view_check (view));
  assert_true (bpv_question_view_get_answered (view));
  assert_int_equal (bpv_question_view_get_correct (view), right);
}

/* The window as GTK draws it, as a PNG in $BPV_QUIZ_SHOTS (if set). */
static void
shot (Fixture    *f,
      const char *name)
{
  window_shot (f, g_getenv ("BPV_QUIZ_SHOTS"), name);
}

/* ------------------------------------------------------------- by hand */

/* A numeric question: the calculator's live value and its parse errors
 * (not answers), then right as typed, right as a calculation of the
 * numbers on screen, wrong by 1 %, and Show me; the score counts each, and
 * the answer's highlights reach the canvas only once answered. */
void
test_quiz_numeric_answers (void **state)
{
  Fixture *f = *state;
  BpvQuestionView *view;
  g_autofree char *sum = NULL;
  g_autofree char *text = NULL;
  g_autofree char *head = NULL;
  BpvHit hit;
  double z;

  open_quiz (f);
  view = question_view (f);
  bpv_question_view_set_question (view, hand_numeric (f, &sum));
  z = bpv_question_view_get_question (view)->answer;
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, "What is z(1)₁ for this sample?"));
  assert_non_null (strstr (text, "to 3 significant figures"));
  assert_null (strstr (text, "W(1)₁ a(0)"));  /* the worked answer */
  assert_false (gtk_widget_get_visible (view_child (f, "verdict_box")));
  assert_int_equal (rendered_highlights (f, NULL), 0);
  assert_false (gtk_widget_get_sensitive (view_child (f, "check_button")));
  /* Named for a screen reader. */
  {
    static const char *const names[][2] = {
      { "entry", "Your answer" }, { "check_button", "Check the answer" },
      { "show_button", "Show the worked answer" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *error = gtk_test_accessible_check_property (view_child (f, names[i][0]),
                                                                     GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                                     names[i][1]);

        if (error != NULL)
          fail_msg ("%s: %s", names[i][0], error);
      }
  }

  /* The calculator, live. */
  bpv_question_view_type_answer (view, "0.25*(1-0.25)");
  assert_string_equal (bpv_question_view_get_value_text (view), "= 0.1875");
  assert_true (gtk_widget_get_sensitive (view_child (f, "check_button")));
  bpv_question_view_type_answer (view, "0.25*(1-");
  assert_non_null (strstr (bpv_question_view_get_value_text (view), "character"));
  /* Not an answer: nothing is decided, the text stays. */
  assert_false (bpv_question_view_check (view));
  assert_false (bpv_question_view_get_answered (view));
  assert_string_equal (gtk_editable_get_text (GTK_EDITABLE (view_child (f, "entry"))), "0.25*(1-");
  bpv_question_view_type_answer (view, "1,5");
  assert_false (bpv_question_view_check (view));
  assert_false (bpv_question_view_get_answered (view));

  /* Right, typed to 4 significant figures and answered with Enter. */
  {
    g_autofree char *typed = g_strdup_printf ("%.4g", z);
    char *dot;

    /* %g may write a decimal comma in some locales; the box wants a point. */
    while ((dot = strchr (typed, ',')) != NULL)
      *dot = '.';
    bpv_question_view_type_answer (view, typed);
    g_signal_emit_by_name (view_child (f, "entry"), "activate");
  }
  assert_true (bpv_question_view_get_answered (view));
  assert_true (bpv_question_view_get_correct (view));
  assert_false (gtk_widget_get_sensitive (view_child (f, "entry")));
  assert_false (gtk_widget_get_sensitive (view_child (f, "check_button")));
  assert_false (gtk_widget_get_sensitive (view_child (f, "show_button")));
  g_clear_pointer (&text, g_free);
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, "Right"));
  assert_non_null (strstr (text, "W(1)₁ a(0)"));
  assert_int_equal (rendered_highlights (f, &hit), 1);
  assert_int_equal (hit.kind, BPV_HIT_NEURON);
  assert_int_equal (hit.layer, 1);
  assert_int_equal (hit.j, 0);
  head = heading (f);
  assert_string_equal (head, "Quiz · 1 of 1 right");

  /* Right again, as a calculation with the numbers it is made of; a new
   * question takes the old one's highlights away. */
  bpv_question_view_set_question (view, hand_numeric (f, NULL));
  assert_int_equal (rendered_highlights (f, NULL), 0);
  print_message ("typing %s\n", sum);
  bpv_question_view_type_answer (view, sum);
  assert_true (g_str_has_prefix (bpv_question_view_get_value_text (view), "= "));
  assert_true (bpv_question_view_check (view));
  assert_true (bpv_question_view_get_correct (view));

  /* Wrong by 1 %. */
  bpv_question_view_set_question (view, hand_numeric (f, NULL));
  bpv_question_view_type_answer (view, "0.25*(1-0.25)*0.31");
  {
    /* The neuron asked about, selected: the inspector shows its numbers. */
    BpvHit neuron = { BPV_HIT_NEURON, 1, 0, 0 };

    bpv_session_set_selection (f->session, &neuron);
  }
  spin (0.2);
  shot (f, "quiz-numeric-typing.png");
  answer (f, FALSE);
  spin (0.2);
  shot (f, "quiz-numeric-wrong.png");
  g_clear_pointer (&text, g_free);
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, "Not quite"));
  assert_non_null (strstr (text, "W(1)₁ a(0)"));

  /* Show me: an answer given up, shown, not right. */
  bpv_question_view_set_question (view, hand_numeric (f, NULL));
  bpv_question_view_show_answer (view);
  assert_true (bpv_question_view_get_gave_up (view));
  assert_false (bpv_question_view_get_correct (view));
  g_clear_pointer (&text, g_free);
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, "W(1)₁ a(0)"));
  assert_int_equal (bpv_quiz_pane_get_right (quiz_pane (f)), 2);
  assert_int_equal (bpv_quiz_pane_get_asked (quiz_pane (f)), 4);
  g_clear_pointer (&head, g_free);
  head = heading (f);
  assert_string_equal (head, "Quiz · 2 of 4 right");
}

/* A choice question: a wrong choice says the mistake it stands for and
 * marks the right one; then right.  Check waits for a choice. */
void
test_quiz_choice_answers (void **state)
{
  Fixture *f = *state;
  BpvQuestionView *view;
  g_autofree char *text = NULL;
  g_autofree char *head = NULL;

  open_quiz (f);
  view = question_view (f);
  bpv_question_view_set_question (view, hand_choice ());
  assert_false (gtk_widget_get_visible (view_child (f, "answer_box")));
  assert_false (gtk_widget_get_sensitive (view_child (f, "check_button")));
  assert_false (bpv_question_view_check (view));
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, "σ′(z(1)) W(2)"));
  assert_null (strstr (text, "the chain through z(2)"));
  assert_null (strstr (text, "wrong layer"));

  {
    /* Each choice is named by its plain text. */
    GtkAccessible *third = GTK_ACCESSIBLE (gtk_widget_get_last_child (view_child (f, "choices_box")));
    g_autofree char *error = gtk_test_accessible_check_property (third, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                                 "σ′(z(1)) W(2)");

    if (error != NULL)
      fail_msg ("the third choice: %s", error);
  }
  bpv_question_view_pick_choice (view, 2);
  assert_true (gtk_widget_get_sensitive (view_child (f, "check_button")));
  g_signal_emit_by_name (view_child (f, "check_button"), "clicked");
  assert_true (bpv_question_view_get_answered (view));
  assert_false (bpv_question_view_get_correct (view));
  g_clear_pointer (&text, g_free);
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, "Not quite"));
  assert_non_null (strstr (text, "σ′ at the wrong layer: a(2) is made from z(2)"));
  assert_null (strstr (text, "σ′ alone"));
  assert_non_null (strstr (text, "the chain through z(2)"));
  assert_false (gtk_widget_get_sensitive (view_child (f, "choices_box")));
  assert_int_equal (rendered_highlights (f, NULL), 2);

  bpv_question_view_set_question (view, hand_choice ());
  answer (f, TRUE);
  g_clear_pointer (&text, g_free);
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, "Right"));
  assert_null (strstr (text, "wrong layer"));
  head = heading (f);
  assert_string_equal (head, "Quiz · 1 of 2 right");
}

/* -------------------------------------------------------------- generated */

/* Q asks about the current stop; every kind that fits the default
 * network is answered right (a PREDICT question then steps to the update
 * to show it); "Another question" changes the topic; a wrong answer and
 * Show me count as asked, not right; highlights follow the question. */
void
test_quiz_generated_questions (void **state)
{
  Fixture *f = *state;
  BpvQuizPane *pane;
  BpvQuestionView *view;
  guint asked = 0, right = 0, kinds = 0;
  g_autofree char *topic = NULL;
  g_autofree char *head = NULL;
  g_autofree char *expected = NULL;

  open_quiz (f);
  pane = quiz_pane (f);
  view = question_view (f);
  assert_non_null (bpv_question_view_get_question (view));

  for (int kind = BPV_QUESTION_NUMERIC; kind <= BPV_QUESTION_PREDICT; kind++)
    {
      g_autoptr(GError) error = NULL;
      const BpvQuestion *q;

      if (!bpv_quiz_pane_ask (pane, kind, NULL, &error))
        {
          /* Only predict may find nothing to ask on the default network. */
          print_message ("kind %d: %s\n", kind, error->message);
          assert_int_equal (kind, BPV_QUESTION_PREDICT);
          continue;
        }
      q = bpv_question_view_get_question (view);
      assert_int_equal (q->kind, kind);
      print_message ("kind %d: %s (%s)\n", kind, q->topic, q->prompt_plain);
      answer (f, TRUE);
      asked++, right++, kinds++;
      assert_int_equal (bpv_quiz_pane_get_right (pane), right);
      if (q->n_highlights > 0)
        assert_int_equal (rendered_highlights (f, NULL), q->n_highlights);
      if (q->step_to_see)
        assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (f->session)), BPV_STEP_UPDATE);
    }
  assert_true (kinds >= 3);

  /* "Does W go up or down?" asked in a step's backward pass: answered,
   * the pane steps on to the update and the weight moves the way the
   * right choice says. */
  {
    const BpNetwork *net = bpv_session_get_network (f->session);
    BpvStepper *st = bpv_session_get_stepper (f->session);
    const BpvQuestion *q;
    const BpvHit *edge = NULL;
    double before;

    activate (f, "step-phase");   /* into a new step's cycle */
    while (bpv_stepper_get_phase (st) != BPV_STEP_BACKWARD || bpv_stepper_get_layer (st) != 0)
      {
        assert_true (bpv_stepper_get_phase (st) != BPV_STEP_UPDATE);
        activate (f, "step");
      }
    assert_true (bpv_quiz_pane_ask (pane, BPV_QUESTION_PREDICT, "predict-sign", NULL));
    q = bpv_question_view_get_question (view);
    assert_true (q->step_to_see);
    for (gsize i = 0; i < q->n_highlights; i++)
      if (q->highlights[i].kind == BPV_HIT_EDGE)
        edge = &q->highlights[i];
    assert_non_null (edge);
    before = net->layers[edge->layer - 1].W[edge->j * net->layers[edge->layer - 1].in + edge->k];
    answer (f, TRUE);
    asked++, right++;
    assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (f->session)), BPV_STEP_UPDATE);
    {
      double after = net->layers[edge->layer - 1].W[edge->j * net->layers[edge->layer - 1].in + edge->k];

      print_message ("predict-sign: %s, W %g → %g\n", q->choices[q->correct].plain, before, after);
      assert_true (g_str_equal (q->choices[q->correct].plain, "up") ? after > before : after < before);
    }
    /* Stepped by the pane itself: the answered question stays. */
    assert_ptr_equal (bpv_question_view_get_question (view), q);
    assert_true (bpv_question_view_get_answered (view));
  }

  /* Another question: another topic, no highlights until answered. */
  topic = g_strdup (bpv_question_view_get_question (view)->topic);
  bpv_quiz_pane_another (pane);
  assert_non_null (bpv_question_view_get_question (view));
  assert_string_not_equal (bpv_question_view_get_question (view)->topic, topic);
  assert_int_equal (rendered_highlights (f, NULL), 0);
  answer (f, FALSE);
  asked++;
  bpv_quiz_pane_another (pane);
  bpv_question_view_show_answer (view);
  asked++;
  assert_int_equal (bpv_quiz_pane_get_asked (pane), asked);
  assert_int_equal (bpv_quiz_pane_get_right (pane), right);
  head = heading (f);
  expected = g_strdup_printf ("Quiz · %u of %u right", right, asked);
  assert_string_equal (head, expected);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

/* An unanswered question is never taken away by a step: a note says which
 * stop it is about, and goes when the learner steps back there; the text
 * typed stays.  Once answered, the next step brings a new question. */
void
test_quiz_unanswered_question_stays (void **state)
{
  Fixture *f = *state;
  BpvQuestionView *view;
  guint changes = 0;

  open_quiz (f);
  view = question_view (f);
  assert_true (bpv_quiz_pane_ask (quiz_pane (f), BPV_QUESTION_NUMERIC, NULL, NULL));
  g_signal_connect (view, "notify::question", G_CALLBACK (count_notify), &changes);
  bpv_question_view_type_answer (view, "0.5*");

  activate (f, "step");
  spin (0.1);
  assert_int_equal (changes, 0);
  assert_non_null (strstr (bpv_quiz_pane_get_note (quiz_pane (f)), "step back to see it"));
  assert_string_equal (gtk_editable_get_text (GTK_EDITABLE (view_child (f, "entry"))), "0.5*");
  activate (f, "step-back");
  spin (0.1);
  assert_string_equal (bpv_quiz_pane_get_note (quiz_pane (f)), "");
  assert_int_equal (changes, 0);

  answer (f, TRUE);
  activate (f, "step");
  spin (0.1);
  assert_int_equal (changes, 1);
  assert_false (bpv_question_view_get_answered (view));
  assert_string_equal (bpv_quiz_pane_get_note (quiz_pane (f)), "");
}

/* ------------------------------------------------------- the chain rule */

/* The chain-rule example opens with the Quiz pane asking "which
 * expression is ∂a(2)/∂a(1)?" on the live network; the worked answer and
 * the highlights come with the answer, not before. */
void
test_quiz_chain_rule_example (void **state)
{
  Fixture *f = *state;
  BpvQuestionView *view = question_view (f);
  const BpvQuestion *q;
  g_autofree char *text = NULL;

  assert_true (gtk_revealer_get_reveal_child (template_child (f, "quiz_revealer")));
  assert_true (spin_until (widget_mapped, quiz_pane (f), 10));
  assert_true (spin_until (child_revealed, template_child (f, "quiz_revealer"), 10));
  q = bpv_question_view_get_question (view);
  assert_non_null (q);
  assert_string_equal (q->topic, "expr-da-da");
  assert_int_equal (q->kind, BPV_QUESTION_EXPRESSION);
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, q->prompt_plain));
  assert_non_null (q->worked_plain);
  assert_null (strstr (text, q->worked_plain));
  assert_int_equal (rendered_highlights (f, NULL), 0);
  if (g_getenv ("BPV_QUIZ_SHOTS") != NULL)
    {
      /* The lecture room's screen: the whole of Xvfb's. */
      gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 1024);
      spin (1.0);
    }
  spin (0.3);
  shot (f, "quiz-before.png");

  answer (f, TRUE);
  g_clear_pointer (&text, g_free);
  text = bpv_question_view_dup_text (view);
  assert_non_null (strstr (text, q->worked_plain));
  assert_true (q->n_highlights > 0);
  assert_int_equal (rendered_highlights (f, NULL), q->n_highlights);
  spin (0.3);
  shot (f, "quiz-after.png");
  activate (f, "presentation");
  spin (0.5);
  shot (f, "quiz-presentation.png");
  activate (f, "presentation");
}
