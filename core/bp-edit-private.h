/* bp-edit-private.h — what the files of the edit family share:
 * bp-edit.c (the edits of settings, activations and cost; the labels),
 * bp-edit-layers.c (the edits of the layers) and bp-edit-history.c. */
#pragma once

#include "bp-edit.h"

G_BEGIN_DECLS

/* A copy of `model` with the edit worked on it (free with bp_model_free),
 * or NULL with `error` set; `model` itself is not touched. */
BpModel    *_bp_edit_perform_copy     (const BpModel *model,
                                       const BpEdit  *edit,
                                       GError       **error);
/* Exchanges the contents of two models (the structs, not the pointers). */
void        _bp_edit_swap_models      (BpModel       *a,
                                       BpModel       *b);

/* Sets a BP_EDIT_ERROR and returns FALSE. */
gboolean    _bp_edit_fail             (GError       **error,
                                       BpEditError    code,
                                       const char    *fmt,
                                       ...) G_GNUC_PRINTF (3, 4);
/* A bp_network_* / bp_optimizer_* error `local` in the edit domain (an
 * unknown id stays BP_EDIT_ERROR_UNKNOWN_ID); returns FALSE. */
gboolean    _bp_edit_fail_from        (GError       **error,
                                       GError        *local,
                                       BpEditError    code);

/* FALSE with a BP_EDIT_ERROR when out of range or not registered. */
gboolean    _bp_edit_check_layer      (const BpNetwork *net,
                                       gsize            layer,
                                       GError         **error);
gboolean    _bp_edit_check_activation (const char      *id,
                                       GError         **error);
gboolean    _bp_edit_check_width      (gsize            width,
                                       GError         **error);
/* "batch norm", "layer norm", "dropout", "dense": for messages and labels. */
const char *_bp_edit_type_name        (BpLayerType      type);

/* The edits of the layers (insert, remove, move, width, units, skips,
 * norm and dropout layers), on a scratch copy: on FALSE it may be half
 * done. */
gboolean    _bp_edit_perform_layers   (BpModel       *model,
                                       const BpEdit  *edit,
                                       GError       **error);
/* The network refitted to new data (bp-edit.h, "change the dataset"): the
 * input and output widths `n_inputs`, `n_outputs`; the output layer gets
 * activation `act` and the network the cost `cost`. */
gboolean    _bp_edit_refit            (BpModel       *model,
                                       gsize          n_inputs,
                                       gsize          n_outputs,
                                       const char    *act,
                                       const char    *cost,
                                       GError       **error);

G_END_DECLS
