/* bpv-question-view.h — one quiz question (a BpvQuestion, bpv-quiz.h) for
 * the learner to answer: the prompt, what it may use and how close a typed
 * number must be; for a numeric question an entry that is also a
 * calculator ("0.25*(1-0.25)*0.31", its value shown live under it), for the
 * others a group of choices; Check and Show me.  After an answer or Show
 * me: "Right" / "Not quite" (an icon and words, not colour alone), the
 * mistake a wrong choice stands for, the worked answer (selectable), and
 * the elements it involves highlighted on the canvas, if one is given.
 * The answer is never on screen before that.
 *
 * Used by the quiz pane (bpv-quiz-pane.h) and the lesson pane.
 *
 * Signal:
 *   answered (gboolean correct)  once per question: a checked answer
 *                                (right or wrong) or Show me (FALSE,
 *                                bpv_question_view_get_gave_up is TRUE).
 *                                A typed answer that does not parse is not
 *                                an answer: the view says why and waits.
 * Event log (bpv-events.h): "QUIZ-QUESTION topic", "QUIZ-ANSWER right|wrong|shown topic".
 */
#pragma once

#include <gtk/gtk.h>

#include "bpv-network-view.h"
#include "bpv-quiz.h"

G_BEGIN_DECLS

#define BPV_TYPE_QUESTION_VIEW (bpv_question_view_get_type ())
G_DECLARE_FINAL_TYPE (BpvQuestionView, bpv_question_view, BPV, QUESTION_VIEW, GtkWidget)

GtkWidget         *bpv_question_view_new            (void);

/* Shows `question` (may be NULL: nothing), unanswered, and takes it
 * (freed with bpv_question_free when replaced or with the view).  Property
 * "question" (a pointer, read-only: set it here). */
void               bpv_question_view_set_question   (BpvQuestionView *self,
                                                     BpvQuestion     *question);
/* The question shown, owned by the view; NULL for none. */
const BpvQuestion *bpv_question_view_get_question   (BpvQuestionView *self);

/* The canvas the answer's highlights go to (not referenced: the view
 * forgets it when it goes); NULL: none.  The highlights are set when the
 * question is answered and cleared when it is replaced. */
void               bpv_question_view_set_canvas     (BpvQuestionView *self,
                                                     BpvNetworkView  *canvas);

/* Has the current question been answered (or given up)?  Was it right? */
gboolean           bpv_question_view_get_answered   (BpvQuestionView *self);
gboolean           bpv_question_view_get_correct    (BpvQuestionView *self);
gboolean           bpv_question_view_get_gave_up    (BpvQuestionView *self);

/* What the learner does, for tests and lessons that drive the view:
 * types `text` into the answer entry (numeric), picks choice `index`
 * (the others), presses Check (FALSE when nothing was checked: no input,
 * or it does not parse), presses Show me. */
void               bpv_question_view_type_answer    (BpvQuestionView *self,
                                                     const char      *text);
void               bpv_question_view_pick_choice    (BpvQuestionView *self,
                                                     gsize            index);
gboolean           bpv_question_view_check          (BpvQuestionView *self);
void               bpv_question_view_show_answer    (BpvQuestionView *self);

/* The text under the entry: "= 0.05813", a parse error, or "" (for
 * tests). */
const char        *bpv_question_view_get_value_text (BpvQuestionView *self);
/* Everything the learner can read, as plain text, in order (for tests:
 * the answer must not be in it before an answer).  Free with g_free. */
char              *bpv_question_view_dup_text       (BpvQuestionView *self);

G_END_DECLS
