/* backprop-studio-data.h — the data an imported model lacks (and a model
 * whose CSV is gone).
 *
 * An ONNX file holds a network and no data.  When one is opened the app
 * asks for a dataset as wide as the network ("net.onnx takes 12 inputs and
 * gives 3 outputs"): a CSV (one of another width is refused with both
 * widths named, and the user picks again), a built-in dataset of those
 * widths, or none (the network is shown on rows of zeros, and the window
 * says so).  The choice is remembered per ONNX file, by its absolute path
 * (g_canonicalize_filename), in the key file
 * $XDG_CONFIG_HOME/backprop-studio/datasets.ini (beside settings.ini: a
 * user's choice, not a cache), and used without asking the
 * next time; the sidebar's dataset control changes it.  A model file whose
 * CSV is missing gets the same question; its answer goes into the model
 * (unsaved), not into the key file.
 */
#pragma once

#include "bp-network.h"
#include "bpv-window.h"

G_BEGIN_DECLS

/* The dataset remembered for the model file at `path` (a built-in name or
 * a CSV's path), or NULL when there is none.  Free with g_free. */
char     *backprop_studio_data_remembered (const char       *path);

/* Remembers `dataset` for the model file at `path`, atomically.  FALSE
 * with the error when the key file cannot be written. */
gboolean  backprop_studio_data_remember   (const char       *path,
                                           const char       *dataset,
                                           GError          **error);

/* Whether `dataset` (a built-in name or a CSV's path) has the widths of
 * `net`: FALSE with a message naming both widths ("data.csv has 11 inputs
 * and 1 output; net.onnx takes 12 inputs and gives 3 outputs"), or why
 * it does not load.  `model_name` is what the message calls the model. */
gboolean  backprop_studio_data_check      (const BpNetwork  *net,
                                           const char       *model_name,
                                           const char       *dataset,
                                           GError          **error);

/* `window` shows its model on no data (BPV_SESSION_NO_DATA): one imported
 * (bpv_window_get_imported_from; `missing` NULL) or one whose dataset
 * `missing` (a path) is not there (the window's file).  Asks which data to
 * use in a dialog over it; the event log says DATA-ASK name inputs
 * outputs. */
void      backprop_studio_data_ask        (BpvWindow        *window,
                                           const char       *missing);

/* Says under the header bar what the window's imported model shows: its
 * description and its data, or that it has none and what that means. */
void      backprop_studio_data_explain    (BpvWindow        *window);

/* What the dialog's choices do (also the tests' way in): checks the widths
 * of `dataset` (a built-in name or a CSV's path) against the window's
 * network; when they fit, the window shows the model on it (a new session:
 * nothing to undo), the choice is remembered for an imported model (a
 * model file's session is marked changed instead), the dialog goes and
 * TRUE is returned (DATA-CHOSEN dataset).  FALSE with the message otherwise, which
 * the dialog, when shown, shows too, and stays to be answered again. */
gboolean  backprop_studio_data_choose     (BpvWindow        *window,
                                           const char       *dataset,
                                           GError          **error);

/* The question shown over `window` (NULL when none): for the tests. */
GtkWindow *backprop_studio_data_get_dialog (BpvWindow       *window);

/* Follows the window's dataset for an imported model: a dataset of the
 * network's widths chosen later (the sidebar, Open CSV Dataset…) is
 * remembered in place of the first choice. */
void      backprop_studio_data_follow     (BpvWindow        *window);

G_END_DECLS
