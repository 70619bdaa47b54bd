/* backprop-studio-examples.h — the examples backprop-studio offers: model
 * files in <data dir>/examples (bp_data_dir: $BACKPROP_DATA_DIR, the
 * installed pkgdatadir or the source tree), each opened in a window of its
 * own with its description as the explanation.
 */
#pragma once

#include <gio/gio.h>

#include "bp-model.h"

G_BEGIN_DECLS

/* The Examples menu: one item per example, activating "app.open-example"
 * with the example's id.  Full transfer. */
GMenuModel *backprop_studio_examples_menu_new        (void);

/* The model of example `id` ("xor", …).  Full transfer; NULL with `error`
 * set ("The example “ID” is not there: …") when there is no such file or
 * it does not load. */
BpModel    *backprop_studio_examples_load            (const char  *id,
                                                      GError     **error);

/* Whether example `id` opens on the chain-rule walkthrough. */
gboolean    backprop_studio_examples_is_walkthrough (const char  *id);

G_END_DECLS
