/* bpv-window-private.h — what the files of the window share:
 * bpv-window.c (the object, its template, the session's signals),
 * bpv-window-actions.c (the actions and their enabled state),
 * bpv-window-files.c (open, save, export, close), bpv-window-settings.c
 * (the settings sidebar) and bpv-window-palette.c (the palette). */
#pragma once

#include "bpv-inspector.h"
#include "bpv-lesson-pane.h"
#include "bpv-network-view.h"
#include "bpv-plot-view.h"
#include "bpv-quiz-pane.h"
#include "bpv-timeline.h"
#include "bpv-window.h"

G_BEGIN_DECLS

struct _BpvWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  AdwFlap              *flap;
  GtkButton            *play_button;
  GtkButton            *undo_button;     /* above the palette */
  GtkButton            *redo_button;
  BpvNetworkView       *network_view;
  BpvTimeline          *timeline;
  GtkLabel             *phase_label;
  GtkLabel             *phase_detail;
  BpvPlotView          *decision_view;
  BpvPlotView          *norms_view;
  BpvPlotView          *histogram_view;
  BpvPlotView          *loss_view;
  BpvPlotView          *accuracy_view;
  BpvInspector         *inspector;
  GtkRevealer          *quiz_revealer;   /* the Quiz pane above the inspector (win.quiz) */
  BpvQuizPane          *quiz_pane;
  GtkPaned             *side_paned;      /* the right column: */
  GtkStack             *side_stack;      /* the decision map or the lesson, */
  BpvLessonPane        *lesson_pane;     /* over the inspector */
  AdwComboRow          *dataset_row;
  GtkAdjustment        *rows_adjustment;
  GtkAdjustment        *noise_adjustment;
  GtkAdjustment        *test_adjustment;
  GtkAdjustment        *lr_adjustment;
  GtkAdjustment        *batch_adjustment;
  GtkAdjustment        *wd_adjustment;
  GtkAdjustment        *seed_adjustment;
  GtkAdjustment        *speed_adjustment;
  AdwComboRow          *step_unit_row;
  AdwComboRow          *optimizer_row;
  AdwComboRow          *cost_row;
  AdwEntryRow          *hidden_row;
  AdwPreferencesGroup  *layers_group;
  AdwPreferencesGroup  *schedule_group;
  AdwComboRow          *schedule_row;    /* in BpScheduleKind order */
  GtkLabel             *speed_label;
  GtkWidget            *palette_scroller; /* the palette and its separator, */
  GtkWidget            *palette_separator; /* hidden in presentation mode */
  GtkBox               *palette_box;     /* the items, rebuilt when plugins come */
  GtkWidget            *plots_box;       /* the plots under the canvas */
  GMenu                *edit_section;    /* Undo / Redo with their labels */
  GMenu                *examples_menu;
  GMenu                *recent_menu;
  GMenu                *lessons_menu;    /* the built-in lessons */
  GtkRevealer          *explain_revealer;
  GtkLabel             *explain_label;
  GtkRevealer          *fault_revealer;  /* training stopped on NaN/Inf */
  GtkLabel             *fault_label;
  GtkButton            *lower_rate_button;

  BpvSession           *session;
  GBinding             *session_bindings[5]; /* the sidebar's numbers (refs) */
  gboolean              settings_connected; /* the sidebar's handlers, once */
  GPtrArray            *layer_rows;      /* AdwComboRow per layer */
  GPtrArray            *schedule_rows;   /* AdwActionRow per schedule parameter */
  GPtrArray            *dataset_names;   /* char*, parallel to dataset_row's model */
  gboolean              updating;        /* widgets are being set from the session */
  gint64                last_status;
  guint64               status_serial;   /* of the numbers the status shows */
  guint                 status_id;
  guint                 dataset_timeout_id; /* regenerate the dataset when the hand rests */
  gboolean              mapped_logged;
  gint64                probe_since;     /* the canvas size is stable since */
  int                   probe_width;
  int                   probe_height;

  GFile                *file;            /* the model file, NULL until saved */
  GFile                *imported_from;   /* the ONNX file it came from, NULL once saved */
  gboolean              close_confirmed; /* the unsaved-changes question was answered */
  GtkWindow            *close_question;  /* that question while it is shown (weak) */
  char                 *explain_title;   /* the example's explanation, or NULL */
  char                 *explain_text;
  /* The lesson being played (bpv-window-lesson.c), NULL for none. */
  BpvLesson            *lesson;
  char                 *lesson_path;
  gsize                 lesson_step;     /* 0-based */
  guint                 lesson_undo_base; /* undo steps when the step was entered */
  gboolean              lesson_met;      /* the step's condition held once */
  gboolean              lesson_shown;    /* the column shows the lesson */
  int                   side_position;   /* the column's split before it */
};

/* bpv-window-actions.c */
void bpv_window_install_actions  (BpvWindow *self);
/* The one place that decides which actions are enabled, and their states:
 * nothing else (it runs with every frame training delivers). */
void bpv_window_update_actions   (BpvWindow *self);
/* The play button follows whether training runs ("notify::running"). */
void bpv_window_update_play_button (BpvWindow *self);
/* The main menu's Undo / Redo and the palette's buttons name the steps:
 * called when the undo history changes ("edited", and a run recorded). */
void bpv_window_update_undo      (BpvWindow *self);
/* Keys without modifiers (Space, arrows, letters) as actions, unless a
 * text field has the focus. */
void bpv_window_install_key_shortcuts (BpvWindow *self);

/* bpv-window-palette.c: the palette beside the canvas (layers, costs,
 * optimizers to drag, a bin, undo and redo). */
void bpv_window_build_palette    (BpvWindow *self);
/* Logs (bpv_event) where a test drags from and to: the canvas, a known
 * weight, the palette's items, the gaps, the + buttons and the headers. */
void bpv_window_log_probe        (BpvWindow *self);

/* bpv-window-files.c: open, open-file, open-csv, open-lesson, save,
 * save-as, export, export-onnx and files dropped on the window. */
void bpv_window_install_file_actions (BpvWindow *self);
/* bpv-window-files.c: "name (imported from net.onnx)", the title of a
 * model imported and not saved yet.  Free with g_free. */
char *bpv_window_imported_title (BpvWindow *self);
/* bpv-window-files.c: asks about unsaved changes before closing. */
gboolean bpv_window_close_request (GtkWindow *window);

/* bpv-window-settings.c: the sidebar's handlers, once the session is set. */
void bpv_window_connect_settings (BpvWindow *self);

/* bpv-window-lesson.c: the lesson's actions (lesson-next, lesson-back,
 * lesson-leave, lesson-retry), its signal, and its part of the enabled
 * state and of the right column. */
void     bpv_window_install_lesson_actions (BpvWindow *self);
void     bpv_window_lesson_class_init      (GObjectClass *object_class);
void     bpv_window_lesson_finalize        (BpvWindow *self);
gboolean bpv_window_lesson_can_next        (BpvWindow *self);
gboolean bpv_window_lesson_can_retry       (BpvWindow *self);
void     bpv_window_update_side_column     (BpvWindow *self);

/* bpv-window.c */
void bpv_window_update_file_title (BpvWindow *self);
void bpv_window_update_explanation (BpvWindow *self);
void bpv_window_update_phase     (BpvWindow *self);
/* The fault bar follows the session's fault (and the rate it offers). */
void bpv_window_update_fault     (BpvWindow *self);
/* bpv-window-settings.c: the sidebar from the session. */
void bpv_window_sync_settings    (BpvWindow *self);

G_END_DECLS
