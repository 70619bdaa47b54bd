/* bpv-compare-window.h — "Compare Two Runs": A and B side by side, each on
 * a canvas of its own (a BpvNetworkView over its own BpvSession), trained
 * in lockstep by one Train/Pause and one Step (BpvCompareRun), with the
 * loss, ‖∂C/∂W(n)‖ and the selected weight of both on plots aligned by step
 * and one timeline that shows both at the same recorded step.
 *
 * A window of its own rather than a split of the main window: the main
 * window's session is left exactly as it was (closing the comparison
 * changes nothing there), and bpv-window.c keeps its one session.  A is
 * taken as the main window shows it (a past step of its timeline: that
 * step's weights and optimizer state; the captions say "from step N"), and
 * "Keep B" hands B back to it as one undo step (bpv_session_keep_from).
 *
 * Training runs from the window's frame clock, a bounded number of steps
 * a frame (the lockstep is on the main thread: bpv-session-compare.c).
 */
#pragma once

#include <adwaita.h>

#include "bpv-compare-run.h"

G_BEGIN_DECLS

#define BPV_TYPE_COMPARE_WINDOW (bpv_compare_window_get_type ())
G_DECLARE_FINAL_TYPE (BpvCompareWindow, bpv_compare_window, BPV, COMPARE_WINDOW, AdwWindow)

/* A window over `run` (referenced), transient for `parent` (may be NULL);
 * owned by GTK, like every toplevel: close it with gtk_window_destroy.
 * `main_session` (may be NULL; not referenced, forgotten when it goes) is
 * the main window's, which Keep B gives B to. */
BpvCompareWindow *bpv_compare_window_new           (GtkWindow        *parent,
                                                    BpvSession       *main_session,
                                                    BpvCompareRun    *run);
BpvCompareRun    *bpv_compare_window_get_run       (BpvCompareWindow *self);
/* What the label under the timeline says (for tests). */
const char       *bpv_compare_window_get_step_text (BpvCompareWindow *self);
/* A's canvas, or B's. */
GtkWidget        *bpv_compare_window_get_view      (BpvCompareWindow *self,
                                                    gboolean          b);
/* A's inspector, or B's (a BpvInspector). */
GtkWidget        *bpv_compare_window_get_inspector (BpvCompareWindow *self,
                                                    gboolean          b);
/* What A's or B's caption says ("A · sgd — from step 260 + 40"). */
const char       *bpv_compare_window_get_caption   (BpvCompareWindow *self,
                                                    gboolean          b);
/* The timeline's slider, for tests that move it. */
GtkWidget        *bpv_compare_window_get_scale     (BpvCompareWindow *self);

/* "Compare With a Variant…": asks what to change in B and its new value
 * (and, for another optimizer, B's learning rate, offered as that
 * optimizer's default), then opens the comparison of A — the model as
 * `main_session` shows it: at a past step, that step's weights and
 * optimizer state — and the variant; a value that is refused is said, with
 * the reason, in a message.  The dialog is returned (owned by GTK, for
 * tests). */
GtkWidget        *bpv_compare_window_ask_variant   (GtkWindow        *parent,
                                                    BpvSession       *main_session);
/* "Compare With File…": B from a model file chosen; refused, with the
 * reason in a dialog, when its data or widths are not A's. */
void              bpv_compare_window_ask_file      (GtkWindow        *parent,
                                                    BpvSession       *main_session);
/* Opens the comparison of the model as `main_session` shows it and the
 * model file at `path`; FALSE with the error (the file's, or why the two
 * cannot be compared). */
gboolean          bpv_compare_window_open_file     (GtkWindow        *parent,
                                                    BpvSession       *main_session,
                                                    const char       *path,
                                                    GError          **error);

G_END_DECLS
