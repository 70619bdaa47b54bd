/* bpv-timeline.h — the timeline under the canvas: a slider over the kept
 * steps of the session's recording (bpv_session_lock_record), with a tick
 * for each (at most ~64 ticks: every n-th one on a long run), the batch
 * loss of the recorded buckets drawn behind it, "Step S of N (kept: every
 * k-th)", and the actions timeline.present ("Back to Now") and
 * timeline.resume ("Resume from Here").
 *
 * Moving the slider (pointer, or arrow keys: one kept step; Page Up/Down:
 * ten) shows that step (bpv_session_show_step); the canvas, the map and
 * the inspector then read the shown copy.  While training runs the slider
 * reads the worker's recording (bpv_session_lock_record) up to the present
 * of the last snapshot, its range growing as the run goes on: a past step
 * stays on screen while the present trains, until "Back to Now"; "Resume
 * from Here" waits for a pause.
 */
#pragma once

#include <gtk/gtk.h>

#include "bpv-session.h"

G_BEGIN_DECLS

#define BPV_TYPE_TIMELINE (bpv_timeline_get_type ())
G_DECLARE_FINAL_TYPE (BpvTimeline, bpv_timeline, BPV, TIMELINE, GtkWidget)

/* The session is referenced; NULL detaches. */
void         bpv_timeline_set_session (BpvTimeline *self,
                                       BpvSession  *session);
/* Brings the slider and its label up to the session.  At rest the timeline
 * follows the session by itself; while training runs it does not follow
 * every snapshot, and the window calls this with its title's update, so
 * that their step numbers agree. */
void         bpv_timeline_refresh     (BpvTimeline *self);
/* What the label says (for tests and the accessible description). */
const char  *bpv_timeline_get_text    (BpvTimeline *self);
/* The slider, for tests that drag it or send it keys. */
GtkWidget   *bpv_timeline_get_scale   (BpvTimeline *self);

G_END_DECLS
