/* backprop-studio-files.h — the files backprop-studio opens: what a path on
 * the command line (or opened) stands for, and the recent files.
 */
#pragma once

#include <gio/gio.h>

#include "bp-model.h"

G_BEGIN_DECLS

/* TRUE when `path` (may be NULL) names a CSV file, by its extension. */
gboolean  backprop_studio_files_is_csv          (const char  *path);

/* TRUE when `path` (may be NULL) names an ONNX file, by its extension. */
gboolean  backprop_studio_files_is_onnx         (const char  *path);

/* The experiment `path` stands for: a model file as it is, an ONNX file
 * imported (bp_onnx_import_file: no dataset, the caller asks for one), a
 * CSV as the dataset of the default experiment (fitted to its widths when
 * the dataset is loaded).  Full transfer; NULL with `error` set. */
BpModel  *backprop_studio_files_load_model      (const char  *path,
                                                 GError     **error);

/* Rebuilds `menu`, the Open Recent submenu every window shows, from the
 * "recent-files" key of `settings` (may be NULL: then it is empty); files
 * no longer there are left out. */
void      backprop_studio_files_update_recent   (GMenu       *menu,
                                                 GSettings   *settings);

/* Puts `path` (may be NULL: nothing happens) first in "recent-files" (each
 * path once, at most BACKPROP_STUDIO_FILES_MAX_RECENT) and in the desktop's
 * list of recent files (GtkRecentManager, which Files and the file chooser
 * show), then rebuilds `menu`. */
void      backprop_studio_files_remember_recent (GMenu       *menu,
                                                 GSettings   *settings,
                                                 const char  *path);

/* The length of the Open Recent submenu: a list to pick from at a glance. */
#define BACKPROP_STUDIO_FILES_MAX_RECENT 10

G_END_DECLS
