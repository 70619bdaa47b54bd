/* test-lesson.c — lessons without a display (bpv-lesson.h): the good
 * fixture read key by key, every bad fixture's message naming its step and
 * field, the language picked, the light markup escaped and converted, each
 * step applied to a session (the stop, the selection, the settings, the
 * steps trained), the conditions to go on, replaying a step, and `check`
 * on good, warned and bad lessons.  The fixtures are in tests/lessons/.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pango/pango.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bp-dataset.h"
#include "bp-edit.h"
#include "bpv-lesson.h"

static char *
fixture (const char *name)
{
  const char *src = g_getenv ("BACKPROP_SOURCE_DIR");

  return g_build_filename (src != NULL ? src : BP_SOURCE_DATADIR "/..", "tests", "lessons",
                           name, NULL);
}

static BpvLesson *
load_fixture (const char *name)
{
  g_autofree char *path = fixture (name);
  g_autoptr(GError) error = NULL;
  BpvLesson *lesson = bpv_lesson_load (path, &error);

  if (lesson == NULL)
    fail_msg ("%s", error->message);
  return lesson;
}

static BpvLesson *
load_string (const char  *json,
             GError     **error)
{
  return bpv_lesson_load_data (json, strlen (json), NULL, "inline.bplesson.json", error);
}

static BpvSession *
session_for (BpvLesson *lesson,
             gsize      i)
{
  g_autoptr(GError) error = NULL;
  BpvSession *session = bpv_lesson_new_session (lesson, i, &error);

  if (session == NULL)
    fail_msg ("%s", error->message);
  return session;
}

static void
apply (BpvLesson     *lesson,
       gsize          i,
       BpvSession    *session,
       BpvLessonView *view)
{
  g_autoptr(GError) error = NULL;

  if (!bpv_lesson_apply_step (lesson, i, session, view, &error))
    fail_msg ("step %zu: %s", i + 1, error->message);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    fail_msg ("“%s” is not in “%s”", needle, haystack);
}

/* ------------------------------------------------------------- reading */

static void
test_good_fixture (void **state)
{
  const char *english[] = { "en", NULL };
  g_autofree char *path = fixture ("good.bplesson.json");
  g_autofree char *json = NULL;
  g_autoptr(BpvLesson) lesson = NULL;
  g_autoptr(GError) error = NULL;
  const BpvLessonStep *s;

  (void) state;
  assert_true (g_file_get_contents (path, &json, NULL, NULL));
  lesson = bpv_lesson_load_with_languages (json, strlen (json), BP_SOURCE_DATADIR "/../tests/lessons",
                                           path, english, &error);
  if (lesson == NULL)
    fail_msg ("%s", error->message);
  assert_string_equal (bpv_lesson_get_id (lesson), "good-fixture");
  assert_string_equal (bpv_lesson_get_title (lesson), "A good lesson");
  assert_string_equal (bpv_lesson_get_summary (lesson),
                       "One of everything: markup, views, actions, questions and conditions.");
  assert_int_equal (bpv_lesson_get_n_steps (lesson), 5);

  s = bpv_lesson_get_step (lesson, 0);
  assert_string_equal (s->title, "Forward");
  assert_contains (s->text, "<b>weights</b>");
  assert_contains (s->text, "<tt>a &lt; b</tt> &amp; see");
  assert_contains (s->text_plain, "\n\nUse a < b & see.");
  assert_int_equal (s->view.gradients, BPV_LESSON_FLAG_OFF);
  assert_int_equal (s->view.sigma_prime, BPV_LESSON_FLAG_ON);
  assert_int_equal (s->view.global_scale, BPV_LESSON_FLAG_OFF);
  assert_int_equal (s->view.values, BPV_LESSON_FLAG_ON);
  assert_int_equal (s->view.step_sample, BPV_LESSON_FLAG_ON);
  assert_int_equal (s->n_actions, 3);
  assert_int_equal (s->actions[0].kind, BPV_LESSON_ACTION_RESET);
  assert_int_equal (s->actions[1].kind, BPV_LESSON_ACTION_GOTO);
  assert_int_equal (s->actions[1].phase, BPV_STEP_FORWARD);
  assert_int_equal (s->actions[1].layer, 0);   /* none: the whole forward pass */
  assert_int_equal (s->actions[2].kind, BPV_LESSON_ACTION_SELECT);
  assert_int_equal (s->actions[2].hit.kind, BPV_HIT_NEURON);
  assert_int_equal (s->actions[2].hit.layer, 1);
  assert_int_equal (s->actions[2].hit.j, 0);
  assert_int_equal (s->question.kind, BPV_LESSON_QUESTION_GENERATE);
  assert_int_equal (s->question.generate, BPV_QUESTION_NUMERIC);
  assert_string_equal (s->question.topic, "numeric-a");
  assert_true (s->question.has_about);
  assert_true (s->question.has_seed);
  assert_int_equal (s->question.seed, 7);
  assert_int_equal (s->continue_kind, BPV_LESSON_CONTINUE_ANSWERED);

  s = bpv_lesson_get_step (lesson, 1);
  assert_int_equal (s->view.step_sample, BPV_LESSON_FLAG_KEEP);
  assert_int_equal (s->actions[1].hit.kind, BPV_HIT_EDGE);
  assert_int_equal (s->question.kind, BPV_LESSON_QUESTION_NUMERIC);
  assert_string_equal (s->question.answer, "W(2)[1,1]");
  assert_int_equal (s->question.sig_figs, 4);
  assert_string_equal (s->question.worked, "Read it off the edge.");
  assert_int_equal (s->continue_kind, BPV_LESSON_CONTINUE_CORRECT);

  s = bpv_lesson_get_step (lesson, 2);
  assert_int_equal (s->actions[0].kind, BPV_LESSON_ACTION_SET_LR);
  assert_true (s->actions[0].value == 0.05);
  assert_int_equal (s->actions[1].kind, BPV_LESSON_ACTION_SET_OPTIMIZER);
  assert_string_equal (s->actions[1].id, "momentum");
  assert_int_equal (s->actions[2].kind, BPV_LESSON_ACTION_SET_ACTIVATION);
  assert_int_equal (s->actions[2].layer, 1);
  assert_int_equal (s->actions[3].kind, BPV_LESSON_ACTION_TRAIN);
  assert_int_equal (s->actions[3].steps, 20);
  assert_int_equal (s->question.kind, BPV_LESSON_QUESTION_CHOICE);
  assert_int_equal (s->question.n_choices, 3);
  assert_int_equal (s->question.correct, 0);
  assert_string_equal (s->question.choices_plain[1], "W(2)");
  assert_int_equal (s->continue_kind, BPV_LESSON_CONTINUE_LOSS_BELOW);
  assert_true (s->loss == 1000);

  s = bpv_lesson_get_step (lesson, 3);
  assert_non_null (s->model);
  assert_true (bpv_lesson_step_loads_model (lesson, 3));
  assert_false (bpv_lesson_step_loads_model (lesson, 2));
  assert_ptr_equal (bpv_lesson_get_model (lesson, 3), s->model);
  assert_int_equal (s->actions[0].epochs, 1);
  assert_int_equal (s->continue_kind, BPV_LESSON_CONTINUE_EDIT);
  assert_int_equal (s->edit, BPV_LESSON_EDIT_INSERT_LAYER);

  s = bpv_lesson_get_step (lesson, 4);
  assert_string_equal (bpv_lesson_get_model (lesson, 4)->name, "inline");
  assert_int_equal (s->continue_kind, BPV_LESSON_CONTINUE_NEXT);
}

/* Each bad fixture and what its one message must say: the step (number
 * and title) where there is one, the field, and the fault. */
static const struct
{
  const char *file;
  const char *place;
  const char *what;
} bad_fixtures[] = {
  { "00-json", "00-json.bplesson.json: not valid JSON: 2:", "Parse error" },
  { "01-format", "01-format.bplesson.json: field ‘format’", "backprop-lesson/2" },
  { "02-top-key", ": field ‘titel’", "unknown key" },
  { "03-step-key", ": step 2 (‘Second’), field ‘contine’", "unknown key" },
  { "04-no-text", ": step 1 (‘First’), field ‘text’", "missing" },
  { "05-markup", ": step 1 (‘First’), field ‘text’", "at character 7: ‘$’ is not closed" },
  { "06-view", ": step 1 (‘First’), field ‘view.gradients’", "true or false" },
  { "07-action", ": step 1 (‘First’), field ‘actions[1]’", "“reset”, “goto”" },
  { "08-goto", ": step 1 (‘First’), field ‘actions[2].goto’", "“backward”" },
  { "09-unit-zero", ": step 1 (‘First’), field ‘actions[1].unit’", "1 or more" },
  { "10-train", ": step 1 (‘First’), field ‘actions[1].train’", "either “steps” or “epochs”" },
  { "11-answer-number", ": step 1 (‘First’), field ‘question.answer’", "(as text)" },
  { "12-correct", ": step 1 (‘First’), field ‘question.correct’", "from 1 to 2" },
  { "13-answered-no-question", ": step 2 (‘Second’), field ‘continue’", "needs a question" },
  { "14-example", ": field ‘model’", "no example “no-such-example”" },
  { "15-edit", ": step 1 (‘First’), field ‘continue.edit’", "“insert-layer”" },
  { "16-question-key", ": step 1 (‘First’), field ‘question.topik’", "unknown key" },
  { "17-title-lang", ": step 1, field ‘title.en’", "expected text" },
  { "18-no-model", ": field ‘model’", "at the top or in step 1" },
  { "19-topic", ": step 1 (‘First’), field ‘question.topic’", "“expr-da-da”" },
};

static void
test_bad_fixtures (void **state)
{
  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (bad_fixtures); i++)
    {
      g_autofree char *name = g_strconcat ("bad/", bad_fixtures[i].file, BPV_LESSON_SUFFIX, NULL);
      g_autofree char *path = fixture (name);
      g_autoptr(GError) error = NULL;
      g_autoptr(BpvLesson) lesson = bpv_lesson_load (path, &error);

      if (lesson != NULL)
        fail_msg ("%s loaded", name);
      assert_true (error->domain == BPV_LESSON_ERROR);
      assert_true (g_str_has_prefix (error->message, path));
      assert_contains (error->message, bad_fixtures[i].place);
      assert_contains (error->message, bad_fixtures[i].what);
      assert_null (strchr (error->message, '\n'));
    }
}

/* Load fine, fail when played: `check` names the step and field. */
static const struct
{
  const char *file;
  const char *place;
  const char *what;
} play_fixtures[] = {
  { "51-unit-range", ": step 2 (‘Second’), field ‘actions[1].unit’", "a(1) has 1 unit" },
  { "52-activation", ": step 1 (‘First’), field ‘actions[1].set.activation’", "no-such-activation" },
  { "53-answer-name", ": step 2 (‘Second’), field ‘question.answer’", "delt" },
  { "54-layer-range", ": step 1 (‘First’), field ‘actions[1].layer’", "the network has 2 layers" },
  { "55-weight-range", ": step 1 (‘First’), field ‘question.about.col’", "W(2) is 1 × 1" },
};

static void
test_check_finds_play_problems (void **state)
{
  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (play_fixtures); i++)
    {
      g_autofree char *name = g_strconcat ("bad/", play_fixtures[i].file, BPV_LESSON_SUFFIX, NULL);
      g_autoptr(BpvLesson) lesson = load_fixture (name);
      g_autoptr(GString) report = g_string_new (NULL);
      g_autoptr(GError) error = NULL;

      assert_false (bpv_lesson_check (lesson, report, &error));
      assert_true (g_error_matches (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_CHECK));
      assert_contains (error->message, "1 problem");
      assert_contains (report->str, play_fixtures[i].place);
      assert_contains (report->str, play_fixtures[i].what);
    }
}

static void
test_check_good_and_warned (void **state)
{
  g_autoptr(BpvLesson) good = load_fixture ("good.bplesson.json");
  g_autoptr(BpvLesson) warned = load_fixture ("warn-bare-number.bplesson.json");
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  (void) state;
  if (!bpv_lesson_check (good, report, &error))
    fail_msg ("%s\n%s", error->message, report->str);
  assert_string_equal (report->str, "");

  assert_true (bpv_lesson_check (warned, report, &error));
  assert_contains (report->str, "warn-bare-number.bplesson.json: warning: step 1 (‘First’), "
                                "field ‘question.answer’: a bare number (“0.5”)");
}

static const char two_languages[] =
  "{ \"format\": \"backprop-lesson/1\", \"model\": \"chain-rule\","
  "  \"title\": { \"en\": \"The chain rule\", \"de\": \"Die Kettenregel\" },"
  "  \"steps\": [ { \"title\": { \"fr\": \"Premier\", \"de\": \"Erster\" },"
  "                 \"text\": { \"en\": \"One\", \"de\": \"Eins\" } } ] }";

static void
test_language (void **state)
{
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));
  g_autoptr(GError) error = NULL;
  BpvLesson *lesson;

  (void) state;
  g_setenv ("LANGUAGE", "de", TRUE);
  lesson = load_string (two_languages, &error);
  assert_non_null (lesson);
  assert_string_equal (bpv_lesson_get_title (lesson), "Die Kettenregel");
  assert_string_equal (bpv_lesson_get_step (lesson, 0)->title, "Erster");
  assert_string_equal (bpv_lesson_get_step (lesson, 0)->text, "Eins");
  bpv_lesson_free (lesson);

  /* Not given in the user's language: English, else the first given. */
  g_setenv ("LANGUAGE", "it", TRUE);
  lesson = load_string (two_languages, &error);
  assert_non_null (lesson);
  assert_string_equal (bpv_lesson_get_title (lesson), "The chain rule");
  assert_string_equal (bpv_lesson_get_step (lesson, 0)->title, "Premier");
  bpv_lesson_free (lesson);

  /* Asked for (a handout in French). */
  {
    const char *fr[] = { "fr", NULL };

    lesson = bpv_lesson_load_with_languages (two_languages, strlen (two_languages), NULL,
                                             "inline.bplesson.json", fr, &error);
    assert_non_null (lesson);
    assert_string_equal (bpv_lesson_get_step (lesson, 0)->title, "Premier");
    assert_string_equal (bpv_lesson_get_step (lesson, 0)->text, "One");
    bpv_lesson_free (lesson);
  }
  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");
}

/* The Pango markup is well formed, and its text is the plain text. */
static char *
convert (const char *text,
         char      **plain)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *parsed = NULL;
  char *markup = bpv_lesson_markup_to_pango (text, plain, &error);

  if (markup == NULL)
    fail_msg ("“%s”: %s", text, error->message);
  if (!pango_parse_markup (markup, -1, 0, NULL, &parsed, NULL, &error))
    fail_msg ("“%s” gave “%s”: %s", text, markup, error->message);
  return markup;
}

static void
test_markup (void **state)
{
  static const struct
  {
    const char *text;
    const char *markup;
    const char *plain;
  } cases[] = {
    { "a < b & c > d", "a &lt; b &amp; c &gt; d", "a < b & c > d" },
    { "**bold** *it* `x<y`", "<b>bold</b> <i>it</i> <tt>x&lt;y</tt>", "bold it x<y" },
    { "**a *b* c**", "<b>a <i>b</i> c</b>", "a b c" },
    { "2 * 3 and 4 ** 2", "2 * 3 and 4 ** 2", "2 * 3 and 4 ** 2" },
    { "\\*not\\* \\$5", "*not* $5", "*not* $5" },
    { "one\nline\n\n  \ntwo", "one line\n\ntwo", "one line\n\ntwo" },
    { "<b>not a tag</b>", "&lt;b&gt;not a tag&lt;/b&gt;", "<b>not a tag</b>" },
    { "$W^T$", "W<sup>T</sup>", "Wᵀ" },
    { "$a < b$", "a &lt; b", "a < b" },
  };
  static const struct
  {
    const char *text;
    const char *message;
  } errors[] = {
    { "**open", "at character 1: ‘**’ is not closed" },
    { "fine\n\nthen *open", "at character 12: ‘*’ is not closed" },
    { "*a **b* c**", "at character 7: ‘*’ closes before the ‘**’ opened at character 4" },
    { "`code", "‘`’ is not closed" },
    { "cost $C = 1", "at character 6: ‘$’ is not closed" },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *plain = NULL;
      g_autofree char *markup = convert (cases[i].text, &plain);

      assert_string_equal (markup, cases[i].markup);
      assert_string_equal (plain, cases[i].plain);
    }
  /* Math goes through bpv-math: subscripts as <sub>, Greek from TeX. */
  {
    g_autofree char *plain = NULL;
    g_autofree char *markup = convert ("then $\\sigma(z_{12})$.", &plain);

    assert_contains (markup, "σ(z<sub>12</sub>)");
    assert_string_equal (plain, "then σ(z₁₂).");
  }
  for (gsize i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_autoptr(GError) error = NULL;

      assert_null (bpv_lesson_markup_to_pango (errors[i].text, NULL, &error));
      assert_non_null (error);
      assert_contains (error->message, errors[i].message);
    }
}

/* -------------------------------------------------------------- playing */

static void
test_apply_steps (void **state)
{
  g_autoptr(BpvLesson) lesson = load_fixture ("good.bplesson.json");
  g_autoptr(BpvSession) s = session_for (lesson, 0);
  BpvStepper *st = bpv_session_get_stepper (s);
  BpvLessonView view;
  const BpvHit *sel;
  guint64 steps;

  /* (A new optimizer makes a new stepper: st is fetched again after.) */

  (void) state;
  apply (lesson, 0, s, &view);
  assert_int_equal (view.sigma_prime, BPV_LESSON_FLAG_ON);
  assert_int_equal (view.gradients, BPV_LESSON_FLAG_OFF);
  assert_true (bpv_session_get_step_sample (s));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_FORWARD);
  assert_int_equal (bpv_stepper_get_layer (st), 1);
  sel = bpv_session_get_selection (s);
  assert_int_equal (sel->kind, BPV_HIT_NEURON);
  assert_int_equal (sel->layer, 1);
  assert_int_equal (sel->j, 0);
  assert_int_equal (bpv_session_get_step_count (s), 0);

  /* Forwards in the same cycle: no update yet. */
  apply (lesson, 1, s, &view);
  assert_int_equal (view.sigma_prime, BPV_LESSON_FLAG_KEEP);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_BACKWARD);
  assert_int_equal (bpv_stepper_get_layer (st), 1);
  assert_int_equal (bpv_session_get_step_count (s), 0);
  sel = bpv_session_get_selection (s);
  assert_int_equal (sel->kind, BPV_HIT_EDGE);
  assert_int_equal (sel->layer, 2);

  /* Settings, then exactly 20 steps of the model's mini-batch. */
  steps = bpv_session_get_step_count (s);
  apply (lesson, 2, s, &view);
  assert_false (bpv_session_get_step_sample (s));
  assert_true (bpv_session_get_learning_rate (s) == 0.05);
  assert_string_equal (bpv_session_get_optimizer (s)->id, "momentum");
  assert_string_equal (bpv_session_get_network (s)->layers[0].act_id, "relu");
  assert_int_equal (bpv_session_get_step_count (s), steps + 20);
  st = bpv_session_get_stepper (s);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_UPDATE);
}

static void
test_apply_model_steps (void **state)
{
  g_autoptr(BpvLesson) lesson = load_fixture ("good.bplesson.json");
  g_autoptr(BpvSession) s0 = session_for (lesson, 0);
  g_autoptr(BpvSession) s3 = session_for (lesson, 3);
  g_autoptr(BpvSession) s4 = session_for (lesson, 4);
  g_autoptr(GError) error = NULL;
  gsize rows, B;

  (void) state;
  /* A step with a model of its own wants a session of that model. */
  assert_false (bpv_lesson_apply_step (lesson, 3, s0, NULL, &error));
  assert_true (g_error_matches (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_MODEL));
  assert_contains (error->message, "step 4 (‘Another model’), field ‘model’");

  /* One epoch: every row of the training set once. */
  apply (lesson, 3, s3, NULL);
  rows = bpv_session_get_train (s3)->n_rows;
  B = bpv_session_get_batch_size (s3);
  assert_int_equal (bpv_session_get_step_count (s3), (rows + B - 1) / B);

  /* cost → update → idle (stays: the weights as they are) → input of the
   * next cycle. */
  apply (lesson, 4, s4, NULL);
  assert_int_equal (bpv_session_get_network (s4)->n_layers, 2);
  assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (s4)), BPV_STEP_INPUT);
  assert_int_equal (bpv_session_get_step_count (s4), 1);
}

static const char back_and_forth[] =
  "{ \"format\": \"backprop-lesson/1\", \"title\": \"Back\", \"model\": \"chain-rule\","
  "  \"steps\": ["
  "    { \"title\": \"Down\", \"text\": \"\", \"actions\": [ { \"goto\": \"backward\" } ] },"
  "    { \"title\": \"Up\", \"text\": \"\", \"actions\": [ { \"goto\": \"forward\", \"layer\": 1 } ] },"
  "    { \"title\": \"Out\", \"text\": \"\", \"actions\": [ { \"goto\": \"idle\" } ] } ] }";

/* A stop earlier in the cycle in flight is reached backwards: no update,
 * the same weights. */
static void
test_goto_backwards (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvLesson) lesson = load_string (back_and_forth, &error);
  g_autoptr(BpvSession) s = NULL;
  g_autofree double *before = NULL;
  const BpNetwork *net;
  BpvStepper *st;

  (void) state;
  assert_non_null (lesson);
  s = session_for (lesson, 0);
  st = bpv_session_get_stepper (s);
  net = bpv_session_get_network (s);
  before = g_memdup2 (net->params, net->n_params * sizeof (double));
  apply (lesson, 0, s, NULL);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_BACKWARD);
  assert_int_equal (bpv_stepper_get_layer (st), 0);   /* the whole backward pass */
  apply (lesson, 1, s, NULL);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_FORWARD);
  assert_int_equal (bpv_stepper_get_layer (st), 0);
  assert_int_equal (bpv_session_get_step_count (s), 0);
  assert_memory_equal (before, net->params, net->n_params * sizeof (double));
  apply (lesson, 2, s, NULL);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_IDLE);
}

/* Every stop of a network with batch norm, skips or dropout, in order, is
 * reached in one cycle (one update, at the end). */
static void
test_goto_every_stop (void **state)
{
  static const char * const models[] = { "deep-sigmoid-batchnorm", "deep-sigmoid-skips", "dropout" };

  (void) state;
  for (gsize m = 0; m < G_N_ELEMENTS (models); m++)
    {
      g_autoptr(BpModel) model = NULL;
      g_autoptr(GString) json = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(BpvLesson) lesson = NULL;
      g_autoptr(BpvSession) s = NULL;
      gsize N, k = 0;

      g_string_printf (json, "{ \"format\": \"backprop-lesson/1\", \"title\": \"Stops\","
                             "  \"model\": \"%s\", \"steps\": [", models[m]);
      /* The number of layers, from a first lesson of one step. */
      {
        g_autoptr(GString) probe = g_string_new (json->str);
        g_autoptr(BpvLesson) one = NULL;

        g_string_append (probe, "{ \"title\": \"t\", \"text\": \"\" } ] }");
        one = load_string (probe->str, &error);
        assert_non_null (one);
        N = bpv_lesson_get_model (one, 0)->network->n_layers;
      }
      for (gsize l = 1; l <= N; l++)
        g_string_append_printf (json, "%s{ \"title\": \"f%zu\", \"text\": \"\", \"actions\": "
                                      "[ { \"goto\": \"forward\", \"layer\": %zu } ] }",
                                l > 1 ? "," : "", l, l);
      g_string_append (json, ",{ \"title\": \"c\", \"text\": \"\", \"actions\": [ { \"goto\": \"cost\" } ] }");
      for (gsize l = N; l >= 1; l--)
        g_string_append_printf (json, ",{ \"title\": \"b%zu\", \"text\": \"\", \"actions\": "
                                      "[ { \"goto\": \"backward\", \"layer\": %zu } ] }", l, l);
      g_string_append (json, ",{ \"title\": \"u\", \"text\": \"\", \"actions\": [ { \"goto\": \"update\" } ] } ] }");
      lesson = load_string (json->str, &error);
      if (lesson == NULL)
        fail_msg ("%s", error->message);
      s = session_for (lesson, 0);
      for (gsize l = 0; l < N; l++, k++)
        {
          apply (lesson, k, s, NULL);
          assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (s)), BPV_STEP_FORWARD);
          assert_int_equal (bpv_stepper_get_layer (bpv_session_get_stepper (s)), l);
        }
      apply (lesson, k++, s, NULL);
      assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (s)), BPV_STEP_COST);
      for (gsize l = N; l-- > 0; k++)
        {
          apply (lesson, k, s, NULL);
          assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (s)), BPV_STEP_BACKWARD);
          assert_int_equal (bpv_stepper_get_layer (bpv_session_get_stepper (s)), l);
          assert_int_equal (bpv_session_get_step_count (s), 0);
        }
      apply (lesson, k, s, NULL);
      assert_int_equal (bpv_stepper_get_phase (bpv_session_get_stepper (s)), BPV_STEP_UPDATE);
      assert_int_equal (bpv_session_get_step_count (s), 1);
    }
}

/* Replaying step 3 gives the numbers of playing steps 1 to 3, bit for bit. */
static void
test_replay (void **state)
{
  g_autoptr(BpvLesson) lesson = load_fixture ("good.bplesson.json");
  g_autoptr(BpvSession) played = session_for (lesson, 0);
  g_autoptr(BpvSession) replayed = NULL;
  g_autoptr(GError) error = NULL;
  BpvLessonView view;
  const BpNetwork *a, *b;

  (void) state;
  for (gsize i = 0; i < 3; i++)
    apply (lesson, i, played, NULL);
  if (!bpv_lesson_replay (lesson, 2, &replayed, &view, &error))
    fail_msg ("%s", error->message);
  assert_int_equal (view.step_sample, BPV_LESSON_FLAG_OFF);
  a = bpv_session_get_network (played);
  b = bpv_session_get_network (replayed);
  assert_int_equal (a->n_params, b->n_params);
  assert_memory_equal (a->params, b->params, a->n_params * sizeof (double));
  assert_int_equal (bpv_session_get_step_count (played), bpv_session_get_step_count (replayed));
}

static const char conditions[] =
  "{ \"format\": \"backprop-lesson/1\", \"title\": \"Go on\", \"model\": \"chain-rule\","
  "  \"steps\": ["
  "    { \"title\": \"Free\", \"text\": \"\" },"
  "    { \"title\": \"Low\", \"text\": \"\", \"continue\": { \"loss_below\": 1e-12 } },"
  "    { \"title\": \"High\", \"text\": \"\", \"continue\": { \"loss_below\": 1e6 } },"
  "    { \"title\": \"Insert\", \"text\": \"\", \"continue\": { \"edit\": \"insert-layer\" } },"
  "    { \"title\": \"Act\", \"text\": \"\", \"continue\": { \"edit\": \"activation\" } },"
  "    { \"title\": \"Any\", \"text\": \"\", \"continue\": { \"edit\": \"any\" } },"
  "    { \"title\": \"Q\", \"text\": \"\", \"continue\": \"answered\","
  "      \"question\": { \"ask\": \"?\", \"choices\": [\"a\", \"b\"], \"correct\": 2 } },"
  "    { \"title\": \"R\", \"text\": \"\", \"continue\": \"correct\","
  "      \"question\": { \"ask\": \"?\", \"choices\": [\"a\", \"b\"], \"correct\": 2 } } ] }";

static void
test_can_continue (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvLesson) lesson = load_string (conditions, &error);
  g_autoptr(BpvSession) s = NULL;
  g_autofree char *hint = NULL;
  BpEdit insert = { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 3, .activation = "tanh" };

  (void) state;
  assert_non_null (lesson);
  s = session_for (lesson, 0);
  for (gsize i = 0; i < bpv_lesson_get_n_steps (lesson); i++)
    apply (lesson, i, s, NULL);

  assert_true (bpv_lesson_can_continue (lesson, 0, s, FALSE, FALSE, 0));
  assert_null (bpv_lesson_continue_hint (lesson, 0));
  assert_true (isfinite (bpv_session_get_loss (s)));
  assert_false (bpv_lesson_can_continue (lesson, 1, s, TRUE, TRUE, 3));
  assert_true (bpv_lesson_can_continue (lesson, 2, s, FALSE, FALSE, 0));
  hint = bpv_lesson_continue_hint (lesson, 1);
  assert_string_equal (hint, "Train until the loss is below 1e-12");

  /* Edits: none yet; then an activation (not an insertion); then a layer. */
  for (gsize i = 3; i <= 5; i++)
    assert_false (bpv_lesson_can_continue (lesson, i, s, TRUE, TRUE, 0));
  assert_true (bpv_session_set_activation (s, 0, "relu", &error));
  assert_false (bpv_lesson_can_continue (lesson, 3, s, FALSE, FALSE, 1));
  assert_true (bpv_lesson_can_continue (lesson, 4, s, FALSE, FALSE, 1));
  assert_true (bpv_lesson_can_continue (lesson, 5, s, FALSE, FALSE, 1));
  if (!bpv_session_edit (s, &insert, &error))
    fail_msg ("%s", error->message);
  assert_true (bpv_lesson_can_continue (lesson, 3, s, FALSE, FALSE, 2));

  /* Questions: answered (right or wrong), then only right. */
  assert_false (bpv_lesson_can_continue (lesson, 6, s, FALSE, FALSE, 0));
  assert_true (bpv_lesson_can_continue (lesson, 6, s, TRUE, FALSE, 0));
  assert_false (bpv_lesson_can_continue (lesson, 7, s, TRUE, FALSE, 0));
  assert_true (bpv_lesson_can_continue (lesson, 7, s, TRUE, TRUE, 0));
  g_free (hint);
  hint = bpv_lesson_continue_hint (lesson, 7);
  assert_string_equal (hint, "Answer the question correctly to go on");
}

/* The questions are asked on the live network: an authored answer is the
 * value of its expression there, an authored choice keeps its right
 * answer. */
static void
test_questions (void **state)
{
  g_autoptr(BpvLesson) lesson = load_fixture ("good.bplesson.json");
  g_autoptr(BpvSession) s = session_for (lesson, 0);
  g_autoptr(GError) error = NULL;
  BpvQuestion *q;

  (void) state;
  /* Generated about the neuron the step names, the same each time. */
  apply (lesson, 0, s, NULL);
  q = bpv_lesson_question (lesson, 0, s, &error);
  if (q == NULL)
    fail_msg ("%s", error->message);
  assert_int_equal (q->kind, BPV_QUESTION_NUMERIC);
  assert_string_equal (q->topic, "numeric-a");
  assert_string_equal (q->quantity, "a(1)[1]");
  {
    g_autoptr(BpvQuestion) again = bpv_lesson_question (lesson, 0, s, &error);

    assert_non_null (again);
    assert_string_equal (again->prompt, q->prompt);
  }
  bpv_question_free (q);

  apply (lesson, 1, s, NULL);
  q = bpv_lesson_question (lesson, 1, s, &error);
  if (q == NULL)
    fail_msg ("%s", error->message);
  assert_int_equal (q->kind, BPV_QUESTION_NUMERIC);
  assert_true (q->answer == bpv_session_get_network (s)->layers[1].W[0]);
  assert_string_equal (q->prompt_plain, "What is W(2)₁₁?");
  assert_contains (q->worked, "Read it off the edge.");
  bpv_question_free (q);

  apply (lesson, 2, s, NULL);
  q = bpv_lesson_question (lesson, 2, s, &error);
  if (q == NULL)
    fail_msg ("%s", error->message);
  assert_int_equal (q->n_choices, 3);
  assert_contains (q->choices[q->correct].markup, "tanh′");
  /* ("\\," in TeX is a thin space) */
  assert_string_equal (q->choices[q->correct].plain, "tanh′(z(2))\u2009 W(2)");
  bpv_question_free (q);

  /* A step without a question: NULL and no error. */
  assert_null (bpv_lesson_question (lesson, 3, s, &error));
  assert_null (error);
}

/* The built-in lessons are the .bplesson.json files of <data dir>/lessons,
 * in file order, and found by id. */
static void
test_builtin_lessons (void **state)
{
  g_autofree char *saved = g_strdup (g_getenv ("BACKPROP_DATA_DIR"));
  g_autofree char *dir = g_dir_make_tmp ("backprop-lessons-XXXXXX", NULL);
  g_autofree char *lessons = g_build_filename (dir, "lessons", NULL);
  g_autofree char *good = fixture ("good.bplesson.json");
  g_autofree char *tiny = fixture ("tiny.bpmodel.json");
  const char *data = bp_data_dir ();
  const char *links[][2] = {
    { "iris.csv", "iris.csv" }, { "examples", "examples" },
  };
  g_autofree char *found = NULL;
  g_auto(GStrv) list = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *model = NULL;

  (void) state;
  assert_non_null (data);
  assert_non_null (dir);
  for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *from = g_build_filename (dir, links[i][0], NULL);
      g_autofree char *to = g_build_filename (data, links[i][1], NULL);

      assert_int_equal (symlink (to, from), 0);
    }
  assert_int_equal (g_mkdir (lessons, 0700), 0);
  assert_true (g_file_get_contents (good, &contents, NULL, NULL));
  {
    g_autofree char *second = g_build_filename (lessons, "02-good.bplesson.json", NULL);
    g_autofree char *first = g_build_filename (lessons, "01-first.bplesson.json", NULL);
    g_autofree char *other = g_build_filename (lessons, "notes.txt", NULL);
    g_autofree char *tiny_copy = g_build_filename (lessons, "tiny.bpmodel.json", NULL);

    assert_true (g_file_get_contents (tiny, &model, NULL, NULL));
    assert_true (g_file_set_contents (tiny_copy, model, -1, NULL));
    assert_true (g_file_set_contents (second, contents, -1, NULL));
    assert_true (g_file_set_contents (first, two_languages, -1, NULL));
    assert_true (g_file_set_contents (other, "not a lesson", -1, NULL));
  }
  g_setenv ("BACKPROP_DATA_DIR", dir, TRUE);

  list = bpv_lesson_list_builtin ();
  assert_int_equal (g_strv_length (list), 2);
  assert_true (g_str_has_suffix (list[0], "01-first.bplesson.json"));
  assert_true (g_str_has_suffix (list[1], "02-good.bplesson.json"));
  found = bpv_lesson_find_builtin ("good-fixture");
  assert_string_equal (found, list[1]);
  g_free (found);
  /* No "id": the file name without .bplesson.json. */
  found = bpv_lesson_find_builtin ("01-first");
  assert_string_equal (found, list[0]);
  assert_null (bpv_lesson_find_builtin ("no-such-lesson"));

  g_setenv ("BACKPROP_DATA_DIR", saved, TRUE);
  {
    const char *made[] = {
      "lessons/01-first.bplesson.json", "lessons/02-good.bplesson.json", "lessons/notes.txt",
      "lessons/tiny.bpmodel.json", "lessons", "iris.csv", "examples",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (made); i++)
      {
        g_autofree char *path = g_build_filename (dir, made[i], NULL);

        assert_int_equal (g_remove (path), 0);
      }
    assert_int_equal (g_rmdir (dir), 0);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_good_fixture),
    cmocka_unit_test (test_bad_fixtures),
    cmocka_unit_test (test_language),
    cmocka_unit_test (test_markup),
    cmocka_unit_test (test_apply_steps),
    cmocka_unit_test (test_apply_model_steps),
    cmocka_unit_test (test_goto_backwards),
    cmocka_unit_test (test_goto_every_stop),
    cmocka_unit_test (test_replay),
    cmocka_unit_test (test_can_continue),
    cmocka_unit_test (test_questions),
    cmocka_unit_test (test_check_good_and_warned),
    cmocka_unit_test (test_check_finds_play_problems),
    cmocka_unit_test (test_builtin_lessons),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
