/* bpv-lesson-pane.h — the lesson pane: one step of a lesson (bpv-lesson.h)
 * as the learner reads it in the window's right column: the lesson's
 * title, "Step 3 of 9" with a progress bar, the step's title and text
 * (wrapped, selectable, projector-sized), its question (a BpvQuestionView),
 * what to do before Next is enabled (with Try Again after a wrong answer),
 * and Back / Next / Leave Lesson.
 *
 * A view only: it never applies a step.  Its buttons activate the window's
 * actions win.lesson-back, win.lesson-next, win.lesson-leave and
 * win.lesson-retry
 * (bpv-window-lesson.c enters the steps and decides when Next is enabled);
 * the line saying what to do shows while Next is disabled.
 */
#pragma once

#include <gtk/gtk.h>

#include "bpv-lesson.h"
#include "bpv-network-view.h"
#include "bpv-question-view.h"

G_BEGIN_DECLS

#define BPV_TYPE_LESSON_PANE (bpv_lesson_pane_get_type ())
G_DECLARE_FINAL_TYPE (BpvLessonPane, bpv_lesson_pane, BPV, LESSON_PANE, GtkWidget)

GtkWidget       *bpv_lesson_pane_new               (void);

/* Shows step `index` (0-based) of `lesson`, which is borrowed: it must
 * live until the next call or bpv_lesson_pane_clear.  `question` (full
 * transfer, may be NULL) goes to the question view, unanswered;
 * `question_error` (may be NULL) is said in its place when the step's
 * question could not be asked. */
void             bpv_lesson_pane_show_step         (BpvLessonPane   *self,
                                                    const BpvLesson *lesson,
                                                    gsize            index,
                                                    BpvQuestion     *question,
                                                    const char      *question_error);
/* Forgets the lesson (and the question). */
void             bpv_lesson_pane_clear             (BpvLessonPane   *self);
/* The view of the step's question (owned by the pane). */
BpvQuestionView *bpv_lesson_pane_get_question_view (BpvLessonPane   *self);
/* The canvas the question's highlights go to (not referenced). */
void             bpv_lesson_pane_set_canvas        (BpvLessonPane   *self,
                                                    BpvNetworkView  *canvas);
/* Everything the learner can read in the pane, question included, as
 * plain text in order (for tests).  Free with g_free. */
char            *bpv_lesson_pane_dup_text          (BpvLessonPane   *self);

G_END_DECLS
