/* test-window.h — what the window test's files share: the fixture (a
 * session and its window under Xvfb), the conditions they wait for with
 * spin_until (../test-main-loop.h), and the tests main () runs
 * (test-window.c).
 *   test-window.c          the fixture, opening, stepping, selecting,
 *                          exporting, the dataset picker, training frames;
 *   test-window-edit.c     edits, undo and its menu, shortcuts' actions,
 *                          files, the palette, the close question;
 *   test-window-explain.c  what the window explains: a diverging run's
 *                          fault, numbers while training, checks by
 *                          hand, LaTeX, keyboard selection, formulas in
 *                          the palette;
 *   test-window-timeline.c the timeline under the canvas: scrubbing with
 *                          keys and the slider, back to now, resume, undo;
 *                          the histogram's column and its distributions;
 *   test-window-quiz.c     the Quiz pane and its question view: numeric
 *                          and choice answers right, wrong and shown, the
 *                          score, the highlights, the chain-rule example;
 *   test-window-i18n.c     the window in German;
 *   test-window-stepnums.c step mode's numbers: the title, the card, the
 *                          inspector and the timeline agree at every stop,
 *                          the outputs keep their class names.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <adwaita.h>

#include "bp-model.h"
#include "bpv-network-view.h"
#include "bpv-window.h"

#include "../test-main-loop.h"

typedef struct
{
  BpvSession *session;
  BpvWindow  *window;
} Fixture;

/* Conditions for spin_until. */
gboolean        five_columns    (gpointer    data);
gboolean        inspector_names_a21 (gpointer data);
gboolean        has_layout      (gpointer    data);
gboolean        not_running     (gpointer    data);
void            count_signal    (BpvSession *session,
                                 guint      *count);

BpvNetworkView *view_of         (Fixture    *f);
void            activate        (Fixture    *f,
                                 const char *action);
gboolean        enabled         (Fixture    *f,
                                 const char *action);
/* `widget` as GTK draws it (its render node through the window's
 * renderer), w × h ARGB32 pixels with a stride of 4·w; NULL if it draws
 * nothing.  Free with g_free. */
guchar         *widget_pixels   (Fixture    *f,
                                 GtkWidget  *widget,
                                 int         w,
                                 int         h);
/* Is there a label under `widget` whose text holds `needle` (a toast's
 * title)?  (test-window-edit.c) */
gboolean        find_label      (GtkWidget  *widget,
                                 const char *needle);
/* The window as GTK draws it, saved as dir/name (a PNG) once it has been
 * drawn since the last change; nothing when dir is NULL or empty. */
void            window_shot     (Fixture    *f,
                                 const char *dir,
                                 const char *name);
/* A template child of the window (asserted to exist). */
gpointer        template_child  (Fixture    *f,
                                 const char *name);

/* A session on `model` and its window of 1280 × 900, laid out. */
Fixture        *fixture_new     (const BpModel *model);

/* Fixtures: the default experiment; a model that diverges at learning
 * rate 100; the chain-rule example; a deep network. */
int setup            (void **state);
int teardown         (void **state);
int setup_diverge    (void **state);
int setup_chain_rule (void **state);
int setup_deep       (void **state);
/* test-window-i18n.c: the default experiment in German, and back. */
int setup_german     (void **state);
int teardown_german  (void **state);

/* test-window.c */
void test_opens_and_paints              (void **state);
void test_step_actions                  (void **state);
void test_select_weight_fills_inspector (void **state);
void test_gradient_view_and_export      (void **state);
void test_dataset_picker                (void **state);
void test_ui_responsive_while_training  (void **state);

/* test-window-edit.c */
void test_edit_actions             (void **state);
void test_undo_menu_follows_labels (void **state);
void test_shortcut_actions_exist   (void **state);
void test_open_csv_file            (void **state);
void test_palette                  (void **state);
void test_edit_layer_types         (void **state);
void test_edit_skip_handle         (void **state);
void test_save_and_close_question  (void **state);
void test_schedule_sidebar         (void **state);

/* test-window-explain.c */
void test_diverging_training_marks_fault (void **state);
void test_numbers_agree_while_training   (void **state);
void test_step_mode_one_step_number      (void **state);
void test_deep_w1_checkable_by_hand      (void **state);
void test_check_on_a_neuron_says_what    (void **state);
void test_copy_latex                     (void **state);
void test_keyboard_selection             (void **state);
void test_palette_formulas_as_math       (void **state);

/* test-window-timeline.c */
void test_timeline_scrubs          (void **state);
void test_timeline_resume_and_undo (void **state);
void test_timeline_scrubs_while_training (void **state);
void test_timeline_past_optimizer  (void **state);
void test_plots_over_time          (void **state);

/* test-window-quiz.c */
void test_quiz_numeric_answers           (void **state);
void test_quiz_choice_answers            (void **state);
void test_quiz_generated_questions       (void **state);
void test_quiz_unanswered_question_stays (void **state);
void test_quiz_chain_rule_example        (void **state);

/* test-window-stepnums.c: iris (three named classes) */
int  setup_iris                 (void **state);
void test_step_mode_texts_agree (void **state);

/* test-window-i18n.c */
void test_german_header_bar        (void **state);
void test_german_canvas            (void **state);
void test_german_toast             (void **state);
void test_german_quiz_and_timeline (void **state);
