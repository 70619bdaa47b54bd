/* bp-edit-private.h — what bp-edit-history.c needs of bp-edit.c. */
#pragma once

#include "bp-edit.h"

G_BEGIN_DECLS

/* Works the edit on `model`, which must be a scratch copy: on FALSE it may
 * be half done. */
gboolean _bp_edit_perform_on   (BpModel      *model,
                                const BpEdit *edit,
                                GError      **error);
/* Exchanges the contents of two models (the structs, not the pointers). */
void     _bp_edit_swap_models  (BpModel      *a,
                                BpModel      *b);

G_END_DECLS
