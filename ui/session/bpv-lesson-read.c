/* bpv-lesson-read.c — reading a lesson file into a BpvLesson, and
 * validating it as it is read (see bpv-lesson.h).
 *
 * A lecturer writes these files by hand, so the reader is strict and
 * talkative: every key it does not know is an error (a typo such as
 * "contine" must not silently drop a condition), and every message names
 * the file, the step (number and title) and the field.  Only what needs
 * the network (a unit's range, an answer's value) waits for the step to
 * be played (bpv-lesson-play.c).
 */
#include "config.h"
#include "bpv-lesson-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bp-dataset.h"

/* Significant figures an authored numeric answer is checked to when the
 * file does not say, and the most it may ask (a double holds ~15.9). */
#define DEFAULT_SIG_FIGS  3
#define MAX_SIG_FIGS      15

/* Steps a train action may ask for: the app trains them synchronously
 * while the step is entered, so keep a lesson from freezing it. */
#define MAX_TRAIN_STEPS   100000
#define MAX_TRAIN_EPOCHS  1000

/* ------------------------------------------------------------- reading */

/* Where the reader is: every error is reported from here. */
typedef struct
{
  const char         *file_name;
  const char         *base_dir;
  const char * const *languages;
  gssize              step;    /* −1: the lesson's own fields */
  const char         *title;   /* the step's, once read */
} Reader;

static gboolean G_GNUC_PRINTF (4, 5)
fail (Reader     *r,
      GError    **error,
      const char *field,
      const char *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  _bpv_lesson_set_error (error, BPV_LESSON_ERROR_INVALID, r->file_name, r->step, r->title, field,
                         "%s", what);
  return FALSE;
}

/* "question" + "answer" → "question.answer". */
static char *
field_join (const char *parent,
            const char *key)
{
  return parent != NULL ? g_strconcat (parent, ".", key, NULL) : g_strdup (key);
}

/* Every member of `obj` must be one of `allowed` (NULL-terminated);
 * "comment" is allowed everywhere, for the lecturer's own notes. */
static gboolean
only_known_keys (Reader             *r,
                 JsonObject         *obj,
                 const char         *parent,
                 const char * const *allowed,
                 GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (obj);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;

      if (g_str_equal (key, "comment") || g_strv_contains (allowed, key))
        continue;
      {
        g_autofree char *field = field_join (parent, key);
        g_autofree char *known = g_strjoinv ("’, ‘", (char **) allowed);

        return fail (r, error, field, _("unknown key (expected one of ‘%s’)"), known);
      }
    }
  return TRUE;
}

static gboolean
is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_number (JsonNode *node)
{
  GType t;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  t = json_node_get_value_type (node);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

static gboolean
read_bool (Reader      *r,
           JsonNode    *node,
           const char  *field,
           gboolean    *out,
           GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (r, error, field, _("expected true or false"));
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_double (Reader      *r,
             JsonNode    *node,
             const char  *field,
             double      *out,
             GError     **error)
{
  double v;

  if (!is_number (node))
    return fail (r, error, field, _("expected a number"));
  v = json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node)
                                                      : json_node_get_double (node);
  if (!isfinite (v))
    return fail (r, error, field, _("expected a finite number"));
  *out = v;
  return TRUE;
}

/* Member `key` of `obj` (field parent.key): a whole number in [min, max]. */
static gboolean
read_uint (Reader      *r,
           JsonObject  *obj,
           const char  *parent,
           const char  *key,
           guint64      min,
           guint64      max,
           guint64     *out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  g_autofree char *field = field_join (parent, key);
  double v;

  if (!is_number (node))
    return fail (r, error, field, _("expected a whole number"));
  v = json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node)
                                                      : json_node_get_double (node);
  if (v != floor (v) || v < (double) min || v > (double) max)
    {
      if (max >= G_MAXUINT32)
        return fail (r, error, field, _("expected a whole number, %" PRIu64 " or more"),
                     min);
      return fail (r, error, field,
                   _("expected a whole number from %" PRIu64 " to %" PRIu64),
                   min, max);
    }
  *out = (guint64) v;
  return TRUE;
}

/* One of `words` (NULL-terminated): its index. */
static gboolean
read_word (Reader             *r,
           JsonNode           *node,
           const char         *field,
           const char * const *words,
           int                *out,
           GError            **error)
{
  const char *s;

  if (is_string (node))
    {
      s = json_node_get_string (node);
      for (int i = 0; words[i] != NULL; i++)
        if (g_str_equal (s, words[i]))
          {
            *out = i;
            return TRUE;
          }
    }
  {
    g_autofree char *known = g_strjoinv ("”, “", (char **) words);

    return fail (r, error, field, _("expected one of “%s”"), known);
  }
}

/* A text that may be given in several languages: "…" or {"en": "…",
 * "de": "…"}.  The first of the reader's languages the object has, then
 * "en", then the first it gives. */
static gboolean
read_localized (Reader      *r,
                JsonNode    *node,
                const char  *field,
                char       **out,
                GError     **error)
{
  JsonObject *obj;
  g_autoptr(GList) members = NULL;

  if (is_string (node))
    {
      *out = g_strdup (json_node_get_string (node));
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (r, error, field, _("expected text, or an object of texts by language ({\"en\": …})"));
  obj = json_node_get_object (node);
  members = json_object_get_members (obj);
  if (members == NULL)
    return fail (r, error, field, _("no text in any language"));
  for (GList *l = members; l != NULL; l = l->next)
    if (!is_string (json_object_get_member (obj, l->data)))
      {
        g_autofree char *sub = field_join (field, l->data);

        return fail (r, error, sub, _("expected text"));
      }
  for (gsize i = 0; r->languages[i] != NULL; i++)
    if (json_object_has_member (obj, r->languages[i]))
      {
        *out = g_strdup (json_object_get_string_member (obj, r->languages[i]));
        return TRUE;
      }
  if (json_object_has_member (obj, "en"))
    *out = g_strdup (json_object_get_string_member (obj, "en"));
  else
    *out = g_strdup (json_object_get_string_member (obj, members->data));
  return TRUE;
}

/* A localized text in the light markup: Pango markup and plain text. */
static gboolean
read_markup (Reader      *r,
             JsonNode    *node,
             const char  *field,
             char       **markup,
             char       **plain,
             GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!read_localized (r, node, field, &text, error))
    return FALSE;
  *markup = bpv_lesson_markup_to_pango (text, plain, &local_error);
  if (*markup == NULL)
    return fail (r, error, field, "%s", local_error->message);
  return TRUE;
}

/* "model": an example's name, a path relative to the lesson, or a model
 * inline. */
static BpModel *
read_model (Reader      *r,
            JsonNode    *node,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  BpModel *model = NULL;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree char *json = json_to_string (node, FALSE);

      model = bp_model_load_data (json, -1, _("the inline model"), NULL, &local_error);
    }
  else if (is_string (node))
    {
      const char *ref = json_node_get_string (node);
      g_autofree char *path = NULL;

      if (strchr (ref, '/') != NULL || g_str_has_suffix (ref, ".json"))
        path = g_path_is_absolute (ref) ? g_strdup (ref)
                                        : g_build_filename (r->base_dir != NULL ? r->base_dir : ".",
                                                            ref, NULL);
      else
        {
          const char *dir = bp_data_dir ();
          g_autofree char *name = g_strconcat (ref, ".bpmodel.json", NULL);

          if (dir == NULL)
            {
              fail (r, error, "model", _("no example “%s”: the data directory is not found"), ref);
              return NULL;
            }
          path = g_build_filename (dir, "examples", name, NULL);
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            {
              fail (r, error, "model",
                    _("no example “%s” (%s); a model file is named by a path ending in .json"),
                    ref, path);
              return NULL;
            }
        }
      model = bp_model_load_file (path, NULL, &local_error);
    }
  else
    {
      fail (r, error, "model", _("expected an example's name, a path or a model object"));
      return NULL;
    }
  if (model == NULL)
    {
      _bpv_lesson_set_error (error, BPV_LESSON_ERROR_MODEL, r->file_name, r->step, r->title,
                             "model", "%s", local_error->message);
      return NULL;
    }
  return model;
}

static gboolean
read_view (Reader         *r,
           JsonNode       *node,
           BpvLessonView  *view,
           GError        **error)
{
  static const char * const keys[] = {
    "gradients", "sigma_prime", "global_scale", "values", "step_mode", NULL,
  };
  static const char * const modes[] = { "batch", "sample", NULL };
  BpvLessonFlag *flags[] = {
    &view->gradients, &view->sigma_prime, &view->global_scale, &view->values,
  };
  JsonObject *obj;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (r, error, "view", _("expected an object"));
  obj = json_node_get_object (node);
  if (!only_known_keys (r, obj, "view", keys, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      JsonNode *m = json_object_get_member (obj, keys[i]);
      g_autofree char *field = field_join ("view", keys[i]);
      gboolean on;

      if (m == NULL)
        continue;
      if (!read_bool (r, m, field, &on, error))
        return FALSE;
      *flags[i] = on ? BPV_LESSON_FLAG_ON : BPV_LESSON_FLAG_OFF;
    }
  if (json_object_has_member (obj, "step_mode"))
    {
      int mode;

      if (!read_word (r, json_object_get_member (obj, "step_mode"), "view.step_mode", modes,
                      &mode, error))
        return FALSE;
      view->step_sample = mode == 1 ? BPV_LESSON_FLAG_ON : BPV_LESSON_FLAG_OFF;
    }
  return TRUE;
}

/* {"select": "neuron", "layer": n, "unit": j} or {"select": "weight",
 * "layer": n, "row": j, "col": k}, as a hit (the layer's range is checked
 * when the step is applied: the model may change before). */
static gboolean
read_select (Reader      *r,
             JsonObject  *obj,
             const char  *parent,
             BpvHit      *hit,
             GError     **error)
{
  static const char * const kinds[] = { "neuron", "weight", NULL };
  static const char * const neuron_keys[] = { "select", "layer", "unit", NULL };
  static const char * const weight_keys[] = { "select", "layer", "row", "col", NULL };
  g_autofree char *f_select = field_join (parent, "select");
  int kind;
  guint64 layer, j, k = 1;

  if (!read_word (r, json_object_get_member (obj, "select"), f_select, kinds, &kind, error)
      || !only_known_keys (r, obj, parent, kind == 0 ? neuron_keys : weight_keys, error)
      || !read_uint (r, obj, parent, "layer", kind == 0 ? 0 : 1, G_MAXUINT32, &layer, error))
    return FALSE;
  if (kind == 0 ? !read_uint (r, obj, parent, "unit", 1, G_MAXUINT32, &j, error)
                : (!read_uint (r, obj, parent, "row", 1, G_MAXUINT32, &j, error)
                   || !read_uint (r, obj, parent, "col", 1, G_MAXUINT32, &k, error)))
    return FALSE;
  hit->kind = kind == 0 ? BPV_HIT_NEURON : BPV_HIT_EDGE;
  hit->layer = layer;
  hit->j = j - 1;
  hit->k = kind == 0 ? 0 : k - 1;
  return TRUE;
}

static gboolean
read_action (Reader           *r,
             JsonNode         *node,
             const char       *field,
             BpvLessonAction  *a,
             GError          **error)
{
  JsonObject *obj;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (r, error, field, _("expected an object such as {\"goto\": \"backward\"}"));
  obj = json_node_get_object (node);

  if (json_object_has_member (obj, "reset"))
    {
      static const char * const keys[] = { "reset", NULL };
      g_autofree char *f = field_join (field, "reset");
      gboolean yes;

      if (!only_known_keys (r, obj, field, keys, error)
          || !read_bool (r, json_object_get_member (obj, "reset"), f, &yes, error))
        return FALSE;
      if (!yes)
        return fail (r, error, f, _("only {\"reset\": true} means something"));
      a->kind = BPV_LESSON_ACTION_RESET;
    }
  else if (json_object_has_member (obj, "goto"))
    {
      static const char * const keys[] = { "goto", "layer", NULL };
      static const char * const stops[] = { "idle", "input", "forward", "cost", "backward", "update", NULL };
      static const BpvStepPhase phases[] = {
        BPV_STEP_IDLE, BPV_STEP_INPUT, BPV_STEP_FORWARD, BPV_STEP_COST, BPV_STEP_BACKWARD,
        BPV_STEP_UPDATE,
      };
      g_autofree char *f_goto = field_join (field, "goto");
      g_autofree char *f_layer = field_join (field, "layer");
      int stop;

      if (!only_known_keys (r, obj, field, keys, error)
          || !read_word (r, json_object_get_member (obj, "goto"), f_goto, stops, &stop, error))
        return FALSE;
      a->kind = BPV_LESSON_ACTION_GOTO;
      a->phase = phases[stop];
      if (json_object_has_member (obj, "layer"))
        {
          guint64 layer;

          if (a->phase != BPV_STEP_FORWARD && a->phase != BPV_STEP_BACKWARD)
            return fail (r, error, f_layer, _("only a “forward” or “backward” stop has a layer"));
          if (!read_uint (r, obj, field, "layer", 1, G_MAXUINT32, &layer, error))
            return FALSE;
          a->layer = layer;
        }
    }
  else if (json_object_has_member (obj, "select"))
    {
      a->kind = BPV_LESSON_ACTION_SELECT;
      return read_select (r, obj, field, &a->hit, error);
    }
  else if (json_object_has_member (obj, "train"))
    {
      static const char * const keys[] = { "train", NULL };
      static const char * const how[] = { "steps", "epochs", NULL };
      g_autofree char *f = field_join (field, "train");
      JsonNode *m = json_object_get_member (obj, "train");
      JsonObject *t;
      guint64 n;

      if (!only_known_keys (r, obj, field, keys, error))
        return FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (m))
        return fail (r, error, f, _("expected {\"steps\": n} or {\"epochs\": n}"));
      t = json_node_get_object (m);
      if (!only_known_keys (r, t, f, how, error))
        return FALSE;
      a->kind = BPV_LESSON_ACTION_TRAIN;
      if (json_object_has_member (t, "steps") == json_object_has_member (t, "epochs"))
        return fail (r, error, f, _("expected either “steps” or “epochs”"));
      if (json_object_has_member (t, "steps"))
        return read_uint (r, t, f, "steps", 1, MAX_TRAIN_STEPS, &a->steps, error);
      if (!read_uint (r, t, f, "epochs", 1, MAX_TRAIN_EPOCHS, &n, error))
        return FALSE;
      a->epochs = (guint) n;
    }
  else if (json_object_has_member (obj, "set"))
    {
      static const char * const keys[] = { "set", NULL };
      static const char * const what[] = { "learning_rate", "optimizer", "activation", "layer", NULL };
      g_autofree char *f = field_join (field, "set");
      JsonNode *m = json_object_get_member (obj, "set");
      JsonObject *s;

      if (!only_known_keys (r, obj, field, keys, error))
        return FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (m))
        return fail (r, error, f, _("expected {\"learning_rate\": x}, {\"optimizer\": id} or "
                                    "{\"activation\": id, \"layer\": n}"));
      s = json_node_get_object (m);
      if (!only_known_keys (r, s, f, what, error))
        return FALSE;
      if (json_object_get_size (s) != (json_object_has_member (s, "activation") ? 2u : 1u))
        return fail (r, error, f, _("set one thing per action: {\"learning_rate\": x}, "
                                    "{\"optimizer\": id} or {\"activation\": id, \"layer\": n}"));
      if (json_object_has_member (s, "learning_rate"))
        {
          g_autofree char *fl = field_join (f, "learning_rate");

          a->kind = BPV_LESSON_ACTION_SET_LR;
          if (!read_double (r, json_object_get_member (s, "learning_rate"), fl, &a->value, error))
            return FALSE;
          if (!(a->value > 0))
            return fail (r, error, fl, _("expected a learning rate above 0"));
        }
      else if (json_object_has_member (s, "optimizer"))
        {
          g_autofree char *fo = field_join (f, "optimizer");

          a->kind = BPV_LESSON_ACTION_SET_OPTIMIZER;
          if (!is_string (json_object_get_member (s, "optimizer")))
            return fail (r, error, fo, _("expected an optimizer's id (“sgd”, “momentum”, “adam”)"));
          a->id = g_strdup (json_object_get_string_member (s, "optimizer"));
        }
      else
        {
          g_autofree char *fa = field_join (f, "activation");
          guint64 layer;

          a->kind = BPV_LESSON_ACTION_SET_ACTIVATION;
          if (!is_string (json_object_get_member (s, "activation")))
            return fail (r, error, fa, _("expected an activation's id (“relu”, “sigmoid”, …)"));
          if (!read_uint (r, s, f, "layer", 1, G_MAXUINT32, &layer, error))
            return FALSE;
          a->id = g_strdup (json_object_get_string_member (s, "activation"));
          a->layer = layer;
        }
    }
  else
    return fail (r, error, field,
                 _("expected one of “reset”, “goto”, “select”, “train”, “set”"));
  return TRUE;
}

static gboolean
read_actions (Reader         *r,
              JsonNode       *node,
              BpvLessonStep  *step,
              GError        **error)
{
  JsonArray *arr;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (r, error, "actions", _("expected a list of actions"));
  arr = json_node_get_array (node);
  step->n_actions = json_array_get_length (arr);
  step->actions = g_new0 (BpvLessonAction, step->n_actions);
  for (gsize i = 0; i < step->n_actions; i++)
    {
      /* Counted from 1, like the steps. */
      g_autofree char *field = g_strdup_printf ("actions[%zu]", i + 1);

      if (!read_action (r, json_array_get_element (arr, (guint) i), field, &step->actions[i], error))
        return FALSE;
    }
  return TRUE;
}

/* A generated question's topic: one the quiz has for the kind asked (any
 * kind's for "any"), so that a typo is found when the file is read. */
static gboolean
read_topic (Reader             *r,
            JsonNode           *node,
            BpvLessonQuestion  *q,
            GError            **error)
{
  static const BpvQuestionKind kinds[] = {
    BPV_QUESTION_NUMERIC, BPV_QUESTION_EXPRESSION, BPV_QUESTION_FACTOR, BPV_QUESTION_PREDICT,
  };
  g_autoptr(GPtrArray) known = g_ptr_array_new ();
  const char *topic;

  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    if (q->generate < 0 || q->generate == (int) kinds[k])
      {
        const char * const *ids = bpv_quiz_topics (kinds[k]);

        for (gsize t = 0; ids != NULL && ids[t] != NULL; t++)
          g_ptr_array_add (known, (gpointer) ids[t]);
      }
  g_ptr_array_add (known, NULL);
  if (is_string (node))
    {
      topic = json_node_get_string (node);
      if (g_strv_contains ((const char * const *) known->pdata, topic))
        {
          q->topic = g_strdup (topic);
          return TRUE;
        }
    }
  {
    g_autofree char *list = g_strjoinv ("”, “", (char **) known->pdata);

    return fail (r, error, "question.topic", _("expected one of “%s”"), list);
  }
}

static gboolean
read_question (Reader             *r,
               JsonNode           *node,
               BpvLessonQuestion  *q,
               GError            **error)
{
  JsonObject *obj;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (r, error, "question", _("expected an object"));
  obj = json_node_get_object (node);

  if (json_object_has_member (obj, "generate"))
    {
      static const char * const keys[] = { "generate", "topic", "about", "seed", NULL };
      static const char * const kinds[] = { "numeric", "expression", "factor", "predict", "any", NULL };
      static const int kind_values[] = {
        BPV_QUESTION_NUMERIC, BPV_QUESTION_EXPRESSION, BPV_QUESTION_FACTOR, BPV_QUESTION_PREDICT, -1,
      };
      int kind;

      if (!only_known_keys (r, obj, "question", keys, error)
          || !read_word (r, json_object_get_member (obj, "generate"), "question.generate", kinds,
                         &kind, error))
        return FALSE;
      q->kind = BPV_LESSON_QUESTION_GENERATE;
      q->generate = kind_values[kind];
      if (json_object_has_member (obj, "topic")
          && !read_topic (r, json_object_get_member (obj, "topic"), q, error))
        return FALSE;
      if (json_object_has_member (obj, "about"))
        {
          JsonNode *about = json_object_get_member (obj, "about");

          if (!JSON_NODE_HOLDS_OBJECT (about))
            return fail (r, error, "question.about", _("expected {\"select\": …}"));
          if (!read_select (r, json_node_get_object (about), "question.about", &q->about, error))
            return FALSE;
          q->has_about = TRUE;
        }
      if (json_object_has_member (obj, "seed"))
        {
          if (!read_uint (r, obj, "question", "seed", 0, G_MAXUINT32, &q->seed, error))
            return FALSE;
          q->has_seed = TRUE;
        }
      return TRUE;
    }

  if (!json_object_has_member (obj, "ask"))
    return fail (r, error, "question",
                 _("expected “generate”, or “ask” with “answer” or with “choices”"));
  if (!read_markup (r, json_object_get_member (obj, "ask"), "question.ask", &q->ask, &q->ask_plain,
                    error))
    return FALSE;
  if (json_object_has_member (obj, "worked")
      && !read_markup (r, json_object_get_member (obj, "worked"), "question.worked", &q->worked,
                       &q->worked_plain, error))
    return FALSE;

  if (json_object_has_member (obj, "answer"))
    {
      static const char * const keys[] = { "ask", "answer", "sig_figs", "worked", NULL };
      guint64 sig = DEFAULT_SIG_FIGS;

      if (!only_known_keys (r, obj, "question", keys, error))
        return FALSE;
      if (!is_string (json_object_get_member (obj, "answer")))
        return fail (r, error, "question.answer",
                     _("expected an expression over the network's quantities, "
                       "such as \"dC_dW(2)[1,3]\" (as text)"));
      q->kind = BPV_LESSON_QUESTION_NUMERIC;
      q->answer = g_strdup (json_object_get_string_member (obj, "answer"));
      if (json_object_has_member (obj, "sig_figs")
          && !read_uint (r, obj, "question", "sig_figs", 1, MAX_SIG_FIGS, &sig, error))
        return FALSE;
      q->sig_figs = (int) sig;
      return TRUE;
    }
  if (json_object_has_member (obj, "choices"))
    {
      static const char * const keys[] = { "ask", "choices", "correct", "worked", NULL };
      JsonNode *m = json_object_get_member (obj, "choices");
      JsonArray *arr;
      guint64 correct;

      if (!only_known_keys (r, obj, "question", keys, error))
        return FALSE;
      if (!JSON_NODE_HOLDS_ARRAY (m) || json_array_get_length (json_node_get_array (m)) < 2)
        return fail (r, error, "question.choices", _("expected a list of two or more choices"));
      arr = json_node_get_array (m);
      q->kind = BPV_LESSON_QUESTION_CHOICE;
      q->n_choices = json_array_get_length (arr);
      q->choices = g_new0 (char *, q->n_choices + 1);
      q->choices_plain = g_new0 (char *, q->n_choices + 1);
      for (gsize i = 0; i < q->n_choices; i++)
        {
          g_autofree char *field = g_strdup_printf ("question.choices[%zu]", i + 1);

          if (!read_markup (r, json_array_get_element (arr, (guint) i), field, &q->choices[i],
                            &q->choices_plain[i], error))
            return FALSE;
        }
      if (!read_uint (r, obj, "question", "correct", 1, q->n_choices, &correct, error))
        return FALSE;
      q->correct = (gsize) correct - 1;
      return TRUE;
    }
  return fail (r, error, "question", _("“ask” needs an “answer” or “choices”"));
}

static gboolean
read_continue (Reader         *r,
               JsonNode       *node,
               BpvLessonStep  *step,
               GError        **error)
{
  static const char * const words[] = { "next", "answered", "correct", NULL };
  static const char * const keys[] = { "loss_below", "edit", NULL };
  static const char * const edits[] = {
    "any", "insert-layer", "remove-layer", "activation", "width", "skip", NULL,
  };
  JsonObject *obj;

  if (is_string (node))
    {
      int w;

      if (!read_word (r, node, "continue", words, &w, error))
        return FALSE;
      step->continue_kind = w == 0 ? BPV_LESSON_CONTINUE_NEXT
                            : w == 1 ? BPV_LESSON_CONTINUE_ANSWERED : BPV_LESSON_CONTINUE_CORRECT;
      if (w != 0 && step->question.kind == BPV_LESSON_QUESTION_NONE)
        return fail (r, error, "continue", _("“%s” needs a question in this step"), words[w]);
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (r, error, "continue", _("expected “next”, “answered”, “correct”, "
                                         "{\"loss_below\": x} or {\"edit\": …}"));
  obj = json_node_get_object (node);
  if (!only_known_keys (r, obj, "continue", keys, error))
    return FALSE;
  if (json_object_get_size (obj) != 1)
    return fail (r, error, "continue", _("expected one condition: {\"loss_below\": x} or {\"edit\": …}"));
  if (json_object_has_member (obj, "loss_below"))
    {
      step->continue_kind = BPV_LESSON_CONTINUE_LOSS_BELOW;
      if (!read_double (r, json_object_get_member (obj, "loss_below"), "continue.loss_below",
                        &step->loss, error))
        return FALSE;
      if (!(step->loss > 0))
        return fail (r, error, "continue.loss_below", _("expected a loss above 0"));
    }
  else
    {
      int e;

      step->continue_kind = BPV_LESSON_CONTINUE_EDIT;
      if (!read_word (r, json_object_get_member (obj, "edit"), "continue.edit", edits, &e, error))
        return FALSE;
      step->edit = (BpvLessonEdit) e;
    }
  return TRUE;
}

static gboolean
read_step (Reader         *r,
           JsonNode       *node,
           BpvLessonStep  *step,
           GError        **error)
{
  static const char * const keys[] = {
    "title", "text", "model", "view", "actions", "question", "continue", NULL,
  };
  JsonObject *obj;
  JsonNode *m;

  step->view.gradients = step->view.sigma_prime = step->view.global_scale = BPV_LESSON_FLAG_KEEP;
  step->view.values = step->view.step_sample = BPV_LESSON_FLAG_KEEP;
  step->continue_kind = BPV_LESSON_CONTINUE_NEXT;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (r, error, NULL, _("expected an object with “title” and “text”"));
  obj = json_node_get_object (node);
  /* The title first: every later message names the step by it. */
  if (!json_object_has_member (obj, "title"))
    return fail (r, error, "title", _("missing"));
  if (!read_localized (r, json_object_get_member (obj, "title"), "title", &step->title, error))
    return FALSE;
  r->title = step->title;
  if (!only_known_keys (r, obj, NULL, keys, error))
    return FALSE;
  if (!json_object_has_member (obj, "text"))
    return fail (r, error, "text", _("missing"));
  if (!read_markup (r, json_object_get_member (obj, "text"), "text", &step->text,
                    &step->text_plain, error))
    return FALSE;
  if ((m = json_object_get_member (obj, "model")) != NULL
      && (step->model = read_model (r, m, error)) == NULL)
    return FALSE;
  if ((m = json_object_get_member (obj, "view")) != NULL && !read_view (r, m, &step->view, error))
    return FALSE;
  if ((m = json_object_get_member (obj, "actions")) != NULL && !read_actions (r, m, step, error))
    return FALSE;
  if ((m = json_object_get_member (obj, "question")) != NULL
      && !read_question (r, m, &step->question, error))
    return FALSE;
  if ((m = json_object_get_member (obj, "continue")) != NULL && !read_continue (r, m, step, error))
    return FALSE;
  return TRUE;
}

/* "01-chain-rule.bplesson.json" → "01-chain-rule". */
static char *
id_from_file_name (const char *file_name)
{
  g_autofree char *base = g_path_get_basename (file_name);

  if (g_str_has_suffix (base, BPV_LESSON_SUFFIX))
    base[strlen (base) - strlen (BPV_LESSON_SUFFIX)] = '\0';
  else if (g_str_has_suffix (base, ".json"))
    base[strlen (base) - strlen (".json")] = '\0';
  return g_steal_pointer (&base);
}

gboolean
_bpv_lesson_read (BpvLesson           *lesson,
                  JsonNode            *root,
                  const char          *base_dir,
                  const char * const  *languages,
                  GError             **error)
{
  static const char * const keys[] = { "format", "id", "title", "summary", "model", "steps", NULL };
  Reader reader = { 0 };
  Reader *r = &reader;
  JsonObject *obj;
  JsonNode *m;
  JsonArray *steps;

  reader.file_name = lesson->file_name;
  reader.base_dir = base_dir;
  reader.languages = languages != NULL ? languages : g_get_language_names ();
  reader.step = -1;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      _bpv_lesson_set_error (error, BPV_LESSON_ERROR_FORMAT, r->file_name, -1, NULL, NULL,
                             _("expected a JSON object with \"format\": \"%s\""), BPV_LESSON_FORMAT);
      return FALSE;
    }
  obj = json_node_get_object (root);
  m = json_object_get_member (obj, "format");
  if (!is_string (m) || !g_str_equal (json_node_get_string (m), BPV_LESSON_FORMAT))
    {
      _bpv_lesson_set_error (error, BPV_LESSON_ERROR_FORMAT, r->file_name, -1, NULL, "format",
                             _("expected \"%s\"%s%s"), BPV_LESSON_FORMAT,
                             is_string (m) ? _(", not a newer or other format: ") : "",
                             is_string (m) ? json_node_get_string (m) : "");
      return FALSE;
    }
  if (!only_known_keys (r, obj, NULL, keys, error))
    return FALSE;

  if ((m = json_object_get_member (obj, "id")) != NULL)
    {
      if (!is_string (m) || json_node_get_string (m)[0] == '\0')
        return fail (r, error, "id", _("expected a name such as \"chain-rule\""));
      lesson->id = g_strdup (json_node_get_string (m));
    }
  else
    lesson->id = id_from_file_name (r->file_name);
  if (!json_object_has_member (obj, "title"))
    return fail (r, error, "title", _("missing"));
  if (!read_localized (r, json_object_get_member (obj, "title"), "title", &lesson->title, error))
    return FALSE;
  if ((m = json_object_get_member (obj, "summary")) != NULL)
    {
      g_autofree char *markup = NULL;

      if (!read_markup (r, m, "summary", &markup, &lesson->summary, error))
        return FALSE;
    }
  else
    lesson->summary = g_strdup ("");
  if ((m = json_object_get_member (obj, "model")) != NULL
      && (lesson->model = read_model (r, m, error)) == NULL)
    return FALSE;

  m = json_object_get_member (obj, "steps");
  if (m == NULL || !JSON_NODE_HOLDS_ARRAY (m) || json_array_get_length (json_node_get_array (m)) == 0)
    return fail (r, error, "steps", _("expected a list of one or more steps"));
  steps = json_node_get_array (m);
  lesson->n_steps = json_array_get_length (steps);
  lesson->steps = g_new0 (BpvLessonStep, lesson->n_steps);
  lesson->entered = g_new0 (BpNetwork *, lesson->n_steps);
  for (gsize i = 0; i < lesson->n_steps; i++)
    {
      r->step = (gssize) i;
      r->title = NULL;
      if (!read_step (r, json_array_get_element (steps, (guint) i), &lesson->steps[i], error))
        return FALSE;
    }
  if (lesson->model == NULL && lesson->steps[0].model == NULL)
    {
      r->step = -1;
      r->title = NULL;
      return fail (r, error, "model", _("missing: the lesson needs a model, at the top or in step 1"));
    }
  return TRUE;
}

