/* bpv-handout.h — a lesson's printable worksheet (A4 portrait, PDF): the
 * title page, each step's title, text, figure and question with room to
 * answer, and the worked answers on the last pages.
 *
 * GTK-free and lesson-free: this is only the page layout.  The session
 * side (ui/session/bpv-handout-play.c) plays the lesson and hands each
 * step over as text, a render state and a question; the figure is
 * painted here by bpv_network_render_page, the code that paints the
 * canvas and `backprop render`.
 *
 * Pages never split a figure or a question; a step's title stays with
 * what follows it; every page but the first carries the lesson's title at
 * the top and "3 / 9" at the bottom.  Text stays text in the PDF (Cairo
 * embeds the fonts), so it can be searched and read aloud.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bpv-layout.h"
#include "bpv-render.h"

G_BEGIN_DECLS

typedef struct _BpvHandout BpvHandout;

/* A question as printed.  The strings are copied by
 * bpv_handout_set_question. */
typedef struct
{
  const char         *prompt;      /* Pango markup */
  const char * const *choices;     /* Pango markup, NULL-terminated; NULL for a
                                    * number to write in a box */
  const char         *tolerance;   /* plain: "to 3 significant figures", or NULL */
  const char         *uses;        /* markup: the numbers it may use, or NULL */
  const char         *answer;      /* markup: the answer the worked answers state
                                    * ("0.0123", or the right choice's text) */
  const char         *worked;      /* markup: how it is worked out, or NULL */
} BpvHandoutQuestion;

/* A handout of a lesson called `title` (plain text) with `summary` (plain
 * text, may be NULL or "").  Free with bpv_handout_free. */
BpvHandout *bpv_handout_new            (const char               *title,
                                        const char               *summary);
void        bpv_handout_free           (BpvHandout               *handout);

/* Starts the next step: its title (plain) and text (Pango markup, blank
 * line between paragraphs; may be NULL). */
void        bpv_handout_add_step       (BpvHandout               *handout,
                                        const char               *title,
                                        const char               *text);
/* The current step's figure: the network as `state` shows it, laid out
 * by `params` (as the canvas: its input image size, text scale), with
 * `caption` (plain, may be NULL: the picture's own title line names the
 * shape and the stop).  Painted now, into a recording surface: the state
 * and what it points to need not outlive the call.  The theme is forced
 * light (white paper) and the cache is not used. */
void        bpv_handout_set_figure     (BpvHandout               *handout,
                                        const BpvRenderState     *state,
                                        const BpvLayoutParams    *params,
                                        const char               *caption);
/* The current step's plot of ‖∂C/∂W(n)‖ per layer against the training
 * step, under its figure: bpv_plot_grad_norms, as the app's plot panel
 * draws it.  `norms` is n_records × n_layers values (record r is step
 * (r + 1) · stride); `layer_names` may be NULL (every layer "W(n)").
 * Painted now: nothing needs to outlive the call. */
void        bpv_handout_set_grad_norms (BpvHandout               *handout,
                                        const double             *norms,
                                        gsize                     n_records,
                                        gsize                     n_layers,
                                        guint64                   stride,
                                        const char * const       *layer_names);
/* The current step's question. */
void        bpv_handout_set_question   (BpvHandout               *handout,
                                        const BpvHandoutQuestion *question);

/* Lays the handout out and writes it as a PDF of A4 pages to `path`.
 * FALSE with a BPV_EXPORT_ERROR naming the file when it cannot be
 * written (nothing is left behind).  *n_pages (may be NULL) gets the
 * number of pages. */
gboolean    bpv_handout_write_pdf      (BpvHandout               *handout,
                                        const char               *path,
                                        gsize                    *n_pages,
                                        GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvHandout, bpv_handout_free)

G_END_DECLS
