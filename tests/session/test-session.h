/* test-session.h — what the two files of the test-session program share:
 * a closeness check, the session of the default model or of an example,
 * and the inspector's tests for its main (test-quiz.c uses the check
 * and the example's session).  Include after <cmocka.h>.
 */
#pragma once

#include <math.h>

#include <glib.h>

#include "bpv-session.h"
#include "../test-examples.h"

/* a and b agree to rel relative to the larger of them. */
#define assert_close(a, b, rel)                                                   \
  do {                                                                            \
    double a_ = (a), b_ = (b);                                                    \
    if (!(fabs (a_ - b_) <= (rel) * MAX (fabs (a_), fabs (b_)) + 1e-300))         \
      fail_msg ("%s = %.17g and %s = %.17g differ by more than %g relative",      \
                #a, a_, #b, b_, (double) (rel));                                  \
  } while (0)

/* The session of data/examples/ID.bpmodel.json (the caller unrefs it);
 * fails the test if it cannot be made. */
static inline BpvSession *
example_session (const char *id)
{
  g_autoptr(BpModel) model = test_example_model (id);
  g_autoptr(GError) error = NULL;
  BpvSession *session = bpv_session_new (model, &error);

  if (session == NULL)
    fail_msg ("%s: %s", id, error->message);
  return session;
}

/* test-session.c */

/* The session of the default model (the caller unrefs it); fails the
 * test if it cannot be made. */
BpvSession *default_session (void);

/* test-session-schedule.c: the learning-rate schedule */
void test_session_schedule           (void **state);
void test_session_schedule_step_mode (void **state);

/* test-session-record.c: the recording, the past shown, the fork */
void test_record_training              (void **state);
void test_record_step_mode             (void **state);
void test_record_past_optimizer        (void **state);
void test_resume_from_is_one_undo_step (void **state);
void test_record_saved_beside_model    (void **state);

/* test-session-explain.c: the inspector (bpv-explain) */
void test_explain_weight             (void **state);
void test_explain_neuron             (void **state);
void test_explain_delta_terms_add_up (void **state);
void test_explain_follows_the_stops  (void **state);
void test_gradcheck_deep_sigmoid     (void **state);
void test_explain_skip_paths         (void **state);
void test_explain_batchnorm_terms    (void **state);
void test_explain_layernorm_dropout  (void **state);
void test_explain_selected_skip      (void **state);
void test_explain_optimizer_terms    (void **state);
void test_explain_optimizer_bias     (void **state);
void test_explain_optimizer_past     (void **state);
