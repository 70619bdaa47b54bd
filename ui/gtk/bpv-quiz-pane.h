/* bpv-quiz-pane.h — the Quiz pane beside the inspector: a question about
 * the current stop and selection (a BpvQuestionView), "Another question",
 * and the session's score, "Quiz · 3 of 4 right" (no sound, no nagging).
 *
 * It follows the session: when the stop, the selection or the network
 * changes, an answered question makes way for a new one; an unanswered
 * one stays (never yanked away mid-typing) with a note saying which stop
 * it is about.  A PREDICT question that asks to "step and see" takes the
 * step once answered (to the update stop), so the canvas shows what
 * happened.  Questions come from bpv_quiz_generate with a seed that moves
 * on with every question.
 */
#pragma once

#include <gtk/gtk.h>

#include "bpv-network-view.h"
#include "bpv-question-view.h"
#include "bpv-session.h"

G_BEGIN_DECLS

#define BPV_TYPE_QUIZ_PANE (bpv_quiz_pane_get_type ())
G_DECLARE_FINAL_TYPE (BpvQuizPane, bpv_quiz_pane, BPV, QUIZ_PANE, GtkWidget)

GtkWidget       *bpv_quiz_pane_new           (void);
void             bpv_quiz_pane_set_session   (BpvQuizPane    *self,
                                              BpvSession     *session);
/* Where the answers' highlights are drawn (not referenced). */
void             bpv_quiz_pane_set_canvas    (BpvQuizPane    *self,
                                              BpvNetworkView *canvas);
/* Asks a new question now: of `kind` (a BpvQuestionKind, or < 0 for any)
 * and `topic` (NULL: any of that kind), with the next seed.  FALSE when
 * nothing fits the stop and selection: the pane then says why (as *error
 * does, which may be NULL). */
gboolean         bpv_quiz_pane_ask           (BpvQuizPane    *self,
                                              int             kind,
                                              const char     *topic,
                                              GError        **error);
/* "Another question": any kind, preferring another topic than the one
 * shown. */
void             bpv_quiz_pane_another       (BpvQuizPane    *self);
/* The pane is shown (the window's Quiz toggle): asks a question if it has
 * none, or a new one if the shown one was answered about another stop. */
void             bpv_quiz_pane_shown         (BpvQuizPane    *self);
BpvQuestionView *bpv_quiz_pane_get_question_view (BpvQuizPane *self);
/* Questions answered (Show me counts as not right) and those right. */
guint            bpv_quiz_pane_get_asked     (BpvQuizPane    *self);
guint            bpv_quiz_pane_get_right     (BpvQuizPane    *self);
/* The note over the question ("This question is about stop 12 …"), ""
 * when none is shown (for tests). */
const char      *bpv_quiz_pane_get_note      (BpvQuizPane    *self);

G_END_DECLS
