/* bpv-lesson.h — a lesson a lecturer writes in a text editor
 * ("format": "backprop-lesson/1", JSON; the README documents it): ordered
 * steps, each with text, a model, view settings, actions, an optional
 * question and a condition to go on.
 *
 * GTK-free, like the rest of ui/session/: the app's lesson pane, the
 * handout and `backprop lesson check` all play a lesson through the same
 * functions.  A family of files:
 *   bpv-lesson.c         loading, the getters, the messages that name a
 *                        place, the built-in lessons;
 *   bpv-lesson-read.c    reading and validating (every error names the
 *                        file, the step and the field; unknown keys are
 *                        errors), the language;
 *   bpv-lesson-markup.c  the light markup of the texts → Pango markup and
 *                        plain text;
 *   bpv-lesson-play.c    applying a step to a session, the condition to go
 *                        on, and checking a whole lesson;
 *   bpv-lesson-question.c the step's question (helper quiz's bpv-quiz.h).
 *
 * Units and layers are 1-based in the file (`W(2)[1,3]`, "layer": 2,
 * "unit": 1) and C indices in the structs below only where a comment says
 * so (BpvHit keeps bpv-layout.h's convention: layer n, 0-based j and k).
 */
#pragma once

#include <glib.h>

#include "bp-model.h"
#include "bpv-layout.h"
#include "bpv-quiz.h"
#include "bpv-session.h"
#include "bpv-stepper.h"

G_BEGIN_DECLS

#define BPV_LESSON_FORMAT  "backprop-lesson/1"
/* What a lesson file's name ends with (also its MIME glob). */
#define BPV_LESSON_SUFFIX  ".bplesson.json"

#define BPV_LESSON_ERROR (bpv_lesson_error_quark ())
GQuark bpv_lesson_error_quark (void);

typedef enum
{
  BPV_LESSON_ERROR_IO,        /* the file cannot be read */
  BPV_LESSON_ERROR_PARSE,     /* not JSON */
  BPV_LESSON_ERROR_FORMAT,    /* not "backprop-lesson/1" */
  BPV_LESSON_ERROR_INVALID,   /* a field is missing, unknown or wrong */
  BPV_LESSON_ERROR_MODEL,     /* a model does not load or does not fit the session */
  BPV_LESSON_ERROR_APPLY,     /* an action cannot be applied to the network */
  BPV_LESSON_ERROR_QUESTION,  /* the question cannot be asked on this network */
  BPV_LESSON_ERROR_CHECK,     /* bpv_lesson_check found problems */
} BpvLessonError;

typedef struct _BpvLesson BpvLesson;

/* A view setting: left as the window has it, or set off/on. */
typedef enum
{
  BPV_LESSON_FLAG_KEEP = -1,
  BPV_LESSON_FLAG_OFF  = 0,
  BPV_LESSON_FLAG_ON   = 1,
} BpvLessonFlag;

/* What a step asks of the window (the session has no view settings). */
typedef struct
{
  BpvLessonFlag gradients;     /* "gradients": the gradient view */
  BpvLessonFlag sigma_prime;   /* "sigma_prime": the σ′ overlay */
  BpvLessonFlag global_scale;  /* "global_scale" */
  BpvLessonFlag values;        /* "values": numbers on the canvas */
  BpvLessonFlag step_sample;   /* "step_mode": ON "sample", OFF "batch"
                                * (bpv_lesson_apply_step also sets it on
                                * the session) */
} BpvLessonView;

typedef enum
{
  BPV_LESSON_ACTION_RESET,           /* {"reset": true} */
  BPV_LESSON_ACTION_GOTO,            /* {"goto": "backward", "layer": 2} */
  BPV_LESSON_ACTION_SELECT,          /* {"select": "neuron"|"weight", …} */
  BPV_LESSON_ACTION_TRAIN,           /* {"train": {"steps": n} | {"epochs": n}} */
  BPV_LESSON_ACTION_SET_LR,          /* {"set": {"learning_rate": x}} */
  BPV_LESSON_ACTION_SET_OPTIMIZER,   /* {"set": {"optimizer": "adam"}} */
  BPV_LESSON_ACTION_SET_ACTIVATION,  /* {"set": {"activation": "relu", "layer": n}} */
} BpvLessonActionKind;

typedef struct
{
  BpvLessonActionKind kind;
  BpvStepPhase phase;    /* GOTO */
  gsize        layer;    /* GOTO: 1-based, 0 when not given (the last
                          * stop of that phase); SET_ACTIVATION: 1-based */
  BpvHit       hit;      /* SELECT, as bpv-layout.h has it (j, k 0-based) */
  guint64      steps;    /* TRAIN: steps, or 0 when epochs are given */
  guint        epochs;   /* TRAIN */
  double       value;    /* SET_LR */
  char        *id;       /* SET_OPTIMIZER, SET_ACTIVATION */
} BpvLessonAction;

typedef enum
{
  BPV_LESSON_QUESTION_NONE,
  BPV_LESSON_QUESTION_GENERATE,   /* {"generate": kind, "topic", "about", "seed"} */
  BPV_LESSON_QUESTION_NUMERIC,    /* {"ask", "answer", "sig_figs", "worked"} */
  BPV_LESSON_QUESTION_CHOICE,     /* {"ask", "choices", "correct", "worked"} */
} BpvLessonQuestionKind;

/* The question as the file states it; bpv_lesson_question asks it. */
typedef struct
{
  BpvLessonQuestionKind kind;
  int          generate;      /* GENERATE: a BpvQuestionKind, −1 for any */
  char        *topic;         /* GENERATE: NULL for any */
  gboolean     has_about;
  BpvHit       about;         /* GENERATE: the selection it asks about */
  gboolean     has_seed;
  guint64      seed;
  char        *ask;           /* NUMERIC, CHOICE: Pango markup */
  char        *ask_plain;
  char        *answer;        /* NUMERIC: a bp-expr expression */
  int          sig_figs;      /* NUMERIC: 3 unless given */
  gsize        n_choices;     /* CHOICE */
  char       **choices;       /* CHOICE: Pango markup, n_choices + NULL */
  char       **choices_plain;
  gsize        correct;       /* CHOICE: 0-based here; the file counts from 1
                              * like every index in it ("correct": 1 is the
                              * first choice) */
  char        *worked;        /* optional: Pango markup */
  char        *worked_plain;
} BpvLessonQuestion;

typedef enum
{
  BPV_LESSON_CONTINUE_NEXT,        /* Next is always enabled */
  BPV_LESSON_CONTINUE_ANSWERED,    /* once the question is answered */
  BPV_LESSON_CONTINUE_CORRECT,     /* once it is answered right */
  BPV_LESSON_CONTINUE_LOSS_BELOW,  /* once the shown loss is below `loss` */
  BPV_LESSON_CONTINUE_EDIT,        /* once the learner made the edit */
} BpvLessonContinueKind;

typedef enum
{
  BPV_LESSON_EDIT_ANY,
  BPV_LESSON_EDIT_INSERT_LAYER,
  BPV_LESSON_EDIT_REMOVE_LAYER,
  BPV_LESSON_EDIT_ACTIVATION,
  BPV_LESSON_EDIT_WIDTH,
  BPV_LESSON_EDIT_SKIP,
} BpvLessonEdit;

typedef struct
{
  char              *title;        /* plain text, in the chosen language */
  char              *text;         /* Pango markup, in the chosen language */
  char              *text_plain;   /* the same as plain text (PDF, tests) */
  BpModel           *model;        /* the step's own model, or NULL */
  BpvLessonView      view;
  gsize              n_actions;
  BpvLessonAction   *actions;
  BpvLessonQuestion  question;
  BpvLessonContinueKind continue_kind;
  double             loss;         /* LOSS_BELOW */
  BpvLessonEdit      edit;         /* EDIT */
} BpvLessonStep;

/* Loads and validates a lesson; the texts are picked in the user's
 * language (g_get_language_names () order, then "en", then the first the
 * file gives).  NULL with a BPV_LESSON_ERROR naming the file, the step and
 * the field: "FILE: step 3 (‘Title’), field ‘question.answer’: …".  A model
 * named by an example or a path is loaded here.  Free with
 * bpv_lesson_free. */
BpvLesson           *bpv_lesson_load            (const char          *path,
                                                 GError             **error);
/* The same from memory: `base_dir` resolves relative model paths (NULL:
 * the current directory), `display_name` is what messages call the file. */
BpvLesson           *bpv_lesson_load_data       (const char          *json,
                                                 gsize                len,
                                                 const char          *base_dir,
                                                 const char          *display_name,
                                                 GError             **error);
/* The same, with the languages to pick from in order ("de", NULL) instead
 * of the user's (NULL: the user's); for a handout in another language. */
BpvLesson           *bpv_lesson_load_with_languages (const char          *json,
                                                 gsize                len,
                                                 const char          *base_dir,
                                                 const char          *display_name,
                                                 const char * const  *languages,
                                                 GError             **error);
void                 bpv_lesson_free            (BpvLesson *lesson);

/* All owned by the lesson. */
const char          *bpv_lesson_get_id          (const BpvLesson *lesson);
const char          *bpv_lesson_get_title       (const BpvLesson *lesson);
/* Plain text; "" when the file has none. */
const char          *bpv_lesson_get_summary     (const BpvLesson *lesson);
/* What messages call the file (its path, or the display name given). */
const char          *bpv_lesson_get_file_name   (const BpvLesson *lesson);
gsize                bpv_lesson_get_n_steps     (const BpvLesson *lesson);
const BpvLessonStep *bpv_lesson_get_step        (const BpvLesson *lesson,
                                                 gsize            i);

/* The model in force at step i: that of the last step ≤ i that has one,
 * else the lesson's.  Owned by the lesson. */
const BpModel       *bpv_lesson_get_model       (const BpvLesson *lesson,
                                                 gsize            i);
/* Does step i start on a model of its own (step 0, or a step with
 * "model")?  Such a step is applied to bpv_lesson_new_session's session. */
gboolean             bpv_lesson_step_loads_model (const BpvLesson *lesson,
                                                 gsize            i);
/* A new session on the model in force at step i (full transfer). */
BpvSession          *bpv_lesson_new_session     (const BpvLesson *lesson,
                                                 gsize            i,
                                                 GError         **error);

/* Applies step i to `session`: its view (returned in `view_out`, may be
 * NULL, for the window to apply; the step mode is also set on the session)
 * and its actions in order.  Step i must be entered on a session of its
 * model (a step that loads a model wants bpv_lesson_new_session's).
 * FALSE with an error naming the step and the action's field when an
 * action does not fit the network ("select … unit 4 of a(1), which has 3").
 * Remembers the network's shape for the "edit" condition. */
gboolean             bpv_lesson_apply_step      (BpvLesson      *lesson,
                                                 gsize           i,
                                                 BpvSession     *session,
                                                 BpvLessonView  *view_out,
                                                 GError        **error);
/* The state of step i as a learner who played the lesson from the start
 * would see it: a new session on step i's model with every step from the
 * one that loaded it up to i applied.  The view is step i's.  Full
 * transfer of *session_out.  For Back, a handout page and tests. */
gboolean             bpv_lesson_replay          (BpvLesson      *lesson,
                                                 gsize           i,
                                                 BpvSession    **session_out,
                                                 BpvLessonView  *view_out,
                                                 GError        **error);

/* Step i's question on the session's current state (bpv-quiz.h): NULL
 * without an error when the step has none; NULL with an error naming the
 * step and field when it cannot be asked.  Free with bpv_question_free. */
BpvQuestion         *bpv_lesson_question        (BpvLesson   *lesson,
                                                 gsize        i,
                                                 BpvSession  *session,
                                                 GError     **error);

/* Has step i's condition to go on been met?  Whether the question was
 * answered (right) and how many edits the learner made since entering the
 * step are the caller's to say; the loss is the session's, and an "edit"
 * condition compares the network with its shape when the step was
 * applied. */
gboolean             bpv_lesson_can_continue    (BpvLesson   *lesson,
                                                 gsize        i,
                                                 BpvSession  *session,
                                                 gboolean     answered,
                                                 gboolean     correct,
                                                 guint        edits_since_entered);
/* What the learner has to do before Next is enabled ("Answer the question
 * to go on"), translated; NULL for "next".  Free with g_free. */
char                *bpv_lesson_continue_hint   (const BpvLesson *lesson,
                                                 gsize            i);

/* Plays the whole lesson on fresh sessions: every step applied in order,
 * every reference resolved, every answer computed, every question asked.
 * Appends one line per problem to `report` ("FILE: step 2 (‘Title’), field
 * ‘actions[1].unit’: …") and one per warning ("FILE: warning: step …", a
 * bare-number answer).  FALSE with a BPV_LESSON_ERROR_CHECK error when
 * there was a problem (warnings alone pass). */
gboolean             bpv_lesson_check           (BpvLesson  *lesson,
                                                 GString    *report,
                                                 GError    **error);

/* The lesson's light markup (blank line = paragraph, **bold**, *italic*,
 * `code`, $math$ in bpv-math's TeX subset, \ escapes the next character)
 * as Pango markup; everything else is escaped.  *plain (may be NULL) gets
 * the same as plain text.  NULL with a BPV_LESSON_ERROR_INVALID error for
 * an unclosed mark ("at character 12: ‘$’ is not closed").  Free with
 * g_free. */
char                *bpv_lesson_markup_to_pango (const char  *text,
                                                 char       **plain,
                                                 GError     **error);

/* The built-in lessons: <data dir>/lessons/NN-name.bplesson.json (bp_data_dir:
 * $BACKPROP_DATA_DIR, the installed pkgdatadir or the source tree), sorted
 * by name.  Full transfer; an empty array when there are none. */
char               **bpv_lesson_list_builtin    (void);
/* The path of the built-in lesson whose id is `id`, or NULL (full
 * transfer). */
char                *bpv_lesson_find_builtin    (const char *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvLesson, bpv_lesson_free)

G_END_DECLS
