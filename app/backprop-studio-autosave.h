/* backprop-studio-autosave.h — the experiment is written (atomically) to
 * $XDG_STATE_HOME/backprop-studio/autosave.bpmodel.json a moment after each
 * edit, every few seconds while training, and when a window closes or the
 * application quits; at start-up without a file to open it is restored.
 * So a crash or a kill -9 loses at most the last seconds of training.
 * The lesson being played, its file and step, is kept beside it
 * (autosave.lesson, a key file) and reopened at that step; the ONNX file
 * of an imported model not saved yet likewise (autosave.import).
 */
#pragma once

#include "bpv-window.h"

G_BEGIN_DECLS

/* Autosaves `window`'s experiment from now on, for as long as the window
 * lives: after edits, while training, and when it closes clean (closed
 * with its changes discarded, the autosave is removed instead). */
void      backprop_studio_autosave_watch         (BpvWindow   *window);

/* The autosaved experiment; NULL when there is none, or when it does not
 * load (said on stderr).  Full transfer. */
BpModel  *backprop_studio_autosave_load          (void);

/* `window` has just opened on backprop_studio_autosave_load's model: it is
 * named after `last_experiment` (the file the user had open, may be NULL)
 * when that still exists, or, an import not saved yet, "name (imported
 * from net.onnx)"; marked unsaved unless that file holds the same; and
 * says in a toast that it was restored. */
void      backprop_studio_autosave_show_restored (BpvWindow   *window,
                                                  const char  *last_experiment);

/* The lesson the autosaved experiment was playing: its file and its step
 * (0-based).  FALSE when it was playing none.  *path: full transfer. */
gboolean  backprop_studio_autosave_load_lesson   (char       **path,
                                                  gsize       *step);

G_END_DECLS
