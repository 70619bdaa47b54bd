/* test-course.c — the built-in course (data/lessons/) says what the app
 * shows.  Each lesson is played step by step as the lesson pane plays it
 * (bpv_lesson_apply_step on the session, a new session where a step loads
 * a model), and at the steps whose text quotes a figure, that figure is
 * measured on the session: the shown cost, the shown trace's ‖∂C/∂W(n)‖,
 * the units the canvas marks dead, the batch the canvas shows.
 *
 * Each claim is checked with the margin the text allows ("about", "more
 * than"), so that a change in summation order does not break it while a
 * change that makes the text wrong does.  The training figures of the same
 * lessons, measured with the CLI, are tests/cli/test-course.sh's.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "bp-diagnostics.h"
#include "bpv-lesson.h"

typedef enum
{
  CLAIM_LOSS,        /* lo < the shown cost < hi */
  CLAIM_NORM_RATIO,  /* lo < ‖∂C/∂W(a)‖ / ‖∂C/∂W(b)‖ < hi */
  CLAIM_NORM_SPREAD, /* the largest ‖∂C/∂W(n)‖ over the smallest < hi */
  CLAIM_DEAD,        /* the units of layer a marked dead are those of mask b */
  CLAIM_N_DEAD,      /* lo ≤ the number of dead units of layer a ≤ hi */
  CLAIM_BATCH,       /* the canvas shows a batch of a samples */
} ClaimKind;

typedef struct
{
  const char *lesson;  /* data/lessons/NAME.bplesson.json */
  gsize       step;    /* 1-based, as the pane counts */
  ClaimKind   kind;
  gsize       a, b;    /* layers (1-based), a batch size, or a unit mask */
  double      lo, hi;
  const char *text;    /* what the step's text says */
} Claim;

/* Unit j (1-based) in a CLAIM_DEAD mask. */
#define UNIT(j) (1u << ((j) - 1))

static const Claim claims[] = {
  { "01-one-neuron", 7, CLAIM_LOSS, 0, 0, 0, 0.1,
    "200 steps: the line runs between the blobs (go on below 0.1)" },
  { "03-cost", 4, CLAIM_BATCH, 16, 0, 0, 0, "mini-batches of B = 16 samples" },
  { "03-cost", 6, CLAIM_LOSS, 0, 0, 0, 0.2, "lr 0.5, 300 steps: far below the 0.69 of guessing" },
  { "06-vanishing-gradients", 2, CLAIM_NORM_RATIO, 5, 1, 2000, INFINITY,
    "‖∂C/∂W(1)‖ more than two thousand times smaller than ‖∂C/∂W(5)‖" },
  { "06-vanishing-gradients", 4, CLAIM_NORM_RATIO, 5, 1, 200, 2000,
    "after 200 steps W(1)'s line several hundred times below W(5)'s" },
  { "06-vanishing-gradients", 5, CLAIM_NORM_RATIO, 1, 5, 1.5, 3,
    "with ReLU ‖∂C/∂W(1)‖ about twice ‖∂C/∂W(5)‖" },
  { "06-vanishing-gradients", 6, CLAIM_NORM_SPREAD, 0, 0, 0, 2.5,
    "after 2000 ReLU steps the lines within a factor of two or so" },
  { "06-vanishing-gradients", 6, CLAIM_LOSS, 0, 0, 0, 0.67, "the cost has left the 0.69 of guessing" },
  { "07-dead-relus", 1, CLAIM_BATCH, 32, 0, 0, 0, "a mini-batch of 32 samples" },
  { "07-dead-relus", 2, CLAIM_DEAD, 2, UNIT (2) | UNIT (5) | UNIT (7), 0, 0,
    "units 2, 5 and 7 of layer 2 are marked dead" },
  { "07-dead-relus", 4, CLAIM_N_DEAD, 2, 0, 5, 8, "most units of layer 2 dead after five steps at lr 2" },
  { "07-dead-relus", 4, CLAIM_LOSS, 0, 0, 1, INFINITY, "the loss has jumped above 1" },
  { "07-dead-relus", 5, CLAIM_N_DEAD, 2, 0, 8, 8, "every unit of layer 2 is dead" },
  { "07-dead-relus", 5, CLAIM_NORM_SPREAD, 0, 0, 0, 0, "no weight gets a gradient (only b(3))" },
  { "07-dead-relus", 5, CLAIM_LOSS, 0, 0, 0.15, 0.3, "the loss is stuck at about 0.2" },
  { "07-dead-relus", 6, CLAIM_N_DEAD, 1, 0, 0, 0, "leaky ReLU: no unit of layer 1 is dead" },
  { "07-dead-relus", 6, CLAIM_N_DEAD, 2, 0, 0, 0, "leaky ReLU: no unit of layer 2 is dead" },
  { "07-dead-relus", 6, CLAIM_LOSS, 0, 0, 0, 0.15, "leaky ReLU: the loss down to about 0.1" },
  { "08-optimizers", 1, CLAIM_LOSS, 0, 0, 0.6, INFINITY, "SGD: the loss has hardly left 0.69" },
  { "08-optimizers", 2, CLAIM_LOSS, 0, 0, 0, 0.1, "momentum: below 0.1" },
  { "08-optimizers", 3, CLAIM_LOSS, 0, 0, 0, 0.1, "SGD at 0.5: below 0.1 too" },
  { "08-optimizers", 4, CLAIM_LOSS, 0, 0, 0, 0.1, "Adam: below 0.1 as well" },
  { "08-optimizers", 6, CLAIM_LOSS, 0, 0, 0.1, INFINITY, "your turn: starts above 0.1 (reset)" },
  { "09-skips-batchnorm", 1, CLAIM_NORM_RATIO, 8, 1, 1000, 10000, "‖∂C/∂W(1)‖ about 4000 times smaller" },
  { "09-skips-batchnorm", 3, CLAIM_NORM_RATIO, 8, 1, 3, 10, "with skips about a sixth" },
  { "09-skips-batchnorm", 4, CLAIM_NORM_RATIO, 15, 1, 2, 30, "batch norm: not thousands" },
};

/* data/lessons/NAME.bplesson.json of the source tree. */
static char *
lesson_path (const char *name)
{
  const char *src = g_getenv ("BACKPROP_SOURCE_DIR");
  g_autofree char *file = g_strconcat (name, BPV_LESSON_SUFFIX, NULL);

  if (src != NULL)
    return g_build_filename (src, "data", "lessons", file, NULL);
  return g_build_filename (BP_SOURCE_DATADIR, "lessons", file, NULL);
}

static guint
dead_mask (BpvSession *session,
           gsize       layer)
{
  const BpNetwork *net = bpv_session_get_network (session);
  const BpTrace *trace = bpv_session_get_trace (session, NULL);
  guint mask = 0;

  for (gsize j = 0; j < net->layers[layer - 1].out && j < 32; j++)
    if (bp_diag_unit_dead (net, trace, layer - 1, j))
      mask |= 1u << j;
  return mask;
}

static void
check_claim (const Claim *c,
             BpvSession  *session)
{
  const BpTrace *t = bpv_session_get_trace (session, NULL);
  double v = NAN;

  switch (c->kind)
    {
    case CLAIM_LOSS:
      v = bpv_session_get_loss (session);
      break;
    case CLAIM_NORM_RATIO:
      v = t->grad_norm[c->a - 1] / t->grad_norm[c->b - 1];
      break;
    case CLAIM_NORM_SPREAD:
      {
        double lo = INFINITY, hi = 0.0;

        for (gsize n = 0; n < t->n_layers; n++)
          {
            lo = MIN (lo, t->grad_norm[n]);
            hi = MAX (hi, t->grad_norm[n]);
          }
        /* All zero (no weight gets a gradient) is a spread of 0. */
        v = hi == 0.0 ? 0.0 : hi / lo;
        if (!(c->hi == 0.0 ? v == 0.0 : v < c->hi))
          fail_msg ("%s step %zu (%s): the norms spread by %g", c->lesson, c->step, c->text, v);
        return;
      }
    case CLAIM_DEAD:
      if (dead_mask (session, c->a) != c->b)
        fail_msg ("%s step %zu (%s): the dead units of layer %zu are the mask %#x, not %#x",
                  c->lesson, c->step, c->text, c->a, dead_mask (session, c->a), (guint) c->b);
      return;
    case CLAIM_N_DEAD:
      v = 0;
      for (guint m = dead_mask (session, c->a); m != 0; m &= m - 1)
        v++;
      if (!(v >= c->lo && v <= c->hi))
        fail_msg ("%s step %zu (%s): %g dead units in layer %zu", c->lesson, c->step, c->text, v,
                  c->a);
      return;
    case CLAIM_BATCH:
      if (t->batch != c->a)
        fail_msg ("%s step %zu (%s): the canvas shows a batch of %zu", c->lesson, c->step, c->text,
                  t->batch);
      return;
    default:
      g_assert_not_reached ();
    }
  if (!(v > c->lo && v < c->hi))
    fail_msg ("%s step %zu (%s): measured %g, not in (%g, %g)", c->lesson, c->step, c->text, v,
              c->lo, c->hi);
}

/* Plays lesson `name` from its first step and checks each claim about it
 * at its step; state is the lesson's name. */
static void
test_lesson_claims (void **state)
{
  const char *name = *state;
  g_autofree char *path = lesson_path (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvLesson) lesson = bpv_lesson_load (path, &error);
  g_autoptr(BpvSession) session = NULL;
  guint checked = 0;

  if (lesson == NULL)
    fail_msg ("%s", error->message);
  for (gsize i = 0; i < bpv_lesson_get_n_steps (lesson); i++)
    {
      if (bpv_lesson_step_loads_model (lesson, i))
        {
          g_clear_object (&session);
          session = bpv_lesson_new_session (lesson, i, &error);
          if (session == NULL)
            fail_msg ("%s", error->message);
        }
      if (!bpv_lesson_apply_step (lesson, i, session, NULL, &error))
        fail_msg ("%s", error->message);
      for (gsize c = 0; c < G_N_ELEMENTS (claims); c++)
        if (g_str_equal (claims[c].lesson, name) && claims[c].step == i + 1)
          {
            check_claim (&claims[c], session);
            checked++;
          }
    }
  /* A claim whose step the lesson does not have (a step removed) fails. */
  for (gsize c = 0; c < G_N_ELEMENTS (claims); c++)
    if (g_str_equal (claims[c].lesson, name))
      checked--;
  assert_int_equal (checked, 0);
}

int
main (void)
{
  static const char *const lessons[] = {
    "01-one-neuron", "03-cost", "06-vanishing-gradients", "07-dead-relus", "08-optimizers",
    "09-skips-batchnorm",
  };
  struct CMUnitTest tests[G_N_ELEMENTS (lessons)];

  for (gsize i = 0; i < G_N_ELEMENTS (lessons); i++)
    {
      struct CMUnitTest t = { lessons[i], test_lesson_claims, NULL, NULL, (void *) lessons[i] };

      tests[i] = t;
    }
  return cmocka_run_group_tests (tests, NULL, NULL);
}
