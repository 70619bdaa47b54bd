/* bpv-inspector.h — the side panel that explains the selection: for a
 * neuron z, a, σ′ and δ with the numbers of the shown sample; for a weight
 * ∂C/∂W = δ · a and the whole chain rule, factor by factor, with a
 * finite-difference check.  The text comes from bpv-explain (GTK-free).
 */
#pragma once

#include <gtk/gtk.h>

#include "bpv-explain.h"
#include "bpv-session.h"

G_BEGIN_DECLS

#define BPV_TYPE_INSPECTOR (bpv_inspector_get_type ())
G_DECLARE_FINAL_TYPE (BpvInspector, bpv_inspector, BPV, INSPECTOR, GtkWidget)

GtkWidget            *bpv_inspector_new             (void);
void                  bpv_inspector_set_session     (BpvInspector *self,
                                                     BpvSession   *session);
/* Re-reads the session now.  It follows the session's signals by itself,
 * except the values of a running training, which its owner passes on at
 * the pace of its own status line (the window does), so that both show
 * the same snapshot. */
void                  bpv_inspector_refresh         (BpvInspector *self);
/* What is shown (NULL with nothing selected). */
const BpvExplanation *bpv_inspector_get_explanation (BpvInspector *self);
/* The equations as the user reads them (plain text, "" when empty). */
char                 *bpv_inspector_dup_text        (BpvInspector *self);
/* Runs the finite-difference check of the selected weight and shows both
 * numbers; FALSE when there is nothing to check. */
gboolean              bpv_inspector_check_gradient  (BpvInspector *self,
                                                     double       *backprop,
                                                     double       *numeric);

G_END_DECLS
