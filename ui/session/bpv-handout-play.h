/* bpv-handout-play.h — a lesson played step by step into a handout
 * (bpv-handout.h): what `backprop lesson handout` prints.
 *
 * The lesson is played as a learner pressing Next would: a new session
 * where a step loads a model, every step's view and actions applied in
 * order (bpv_lesson_apply_step), the figure drawn from the render state
 * the session then gives, and the question asked by bpv_lesson_question —
 * the one the lesson pane asks at that step, with the same seed.
 */
#pragma once

#include <glib.h>

#include "bpv-handout.h"
#include "bpv-lesson.h"

G_BEGIN_DECLS

/* The handout of `lesson`, in the language it was loaded in.  NULL with
 * the lesson's error (naming the file, the step and the field) when a
 * step cannot be applied or its question cannot be asked.  Free with
 * bpv_handout_free. */
BpvHandout *bpv_handout_play (BpvLesson  *lesson,
                              GError    **error);

G_END_DECLS
