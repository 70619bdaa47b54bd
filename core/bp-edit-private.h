/* bp-edit-private.h — what bp-edit-history.c needs of bp-edit.c. */
#pragma once

#include "bp-edit.h"

G_BEGIN_DECLS

/* A copy of `model` with the edit worked on it (free with bp_model_free),
 * or NULL with `error` set; `model` itself is not touched. */
BpModel *_bp_edit_perform_copy (const BpModel *model,
                                const BpEdit  *edit,
                                GError       **error);
/* Exchanges the contents of two models (the structs, not the pointers). */
void     _bp_edit_swap_models  (BpModel       *a,
                                BpModel       *b);

G_END_DECLS
