/* bpv-render-labels.c — the labels on the canvas and the tooltips' text.
 *
 * Labels are placed by priority (level of detail): each takes its box only
 * where it stays in the viewport and clear of the units and of every label
 * placed before it; where there is no room it is left out, never shrunk.
 */
#include "config.h"
#include "bpv-render-private.h"

#include <glib/gi18n.h>
#include <math.h>

/* Gap between a unit and the label beside it, and around labels. */
#define LABEL_GAP_EM    0.35

/* The header's second line, below its top. */
#define HEADER_SUB_EM   1.5

/* Headers need this much spacing between columns for a W(n) between them. */
#define BUNDLE_LABEL_SPACING_EM 9.5

/* Class names beside at most this many output units. */
#define MAX_OUTPUT_LABELS 16

/* A header may take this share of the closest spacing between columns
 * (half when W(n) labels sit between them, which take the other half),
 * less a margin of this many f. */
#define HEADER_SHARE            0.95
#define HEADER_SHARE_BUNDLES    0.5
#define BUNDLE_LABEL_SHARE      0.5
#define HEADER_MARGIN_EM        0.4
/* W(n)'s top, below the headers' top: level with the a(n)'s text. */
#define BUNDLE_TITLE_Y_EM       0.1
/* σ′ under a neuron: this share of the label size below its ring, on a
 * pill of the background at this opacity. */
#define SIGMA_LABEL_GAP         0.15
#define SIGMA_PILL_ALPHA        0.85
/* Output values are shown once the output column is half filled. */
#define OUTPUT_MIN_FILL         0.5
/* Labels keep this many u clear of edges (as wide as 5 u, see
 * bpv_render_edge_style) that they would otherwise hide. */
#define EDGE_CLEARANCE_UNITS    3
/* The cost's plate: padded by this many f (half of it between the lines,
 * a quarter above), on the background at this opacity (× the fade in
 * over the first part of the cost stop), this many px clear of the
 * output units. */
#define COST_PAD_EM             0.4
#define COST_LINE_GAP_PADS      0.5
#define COST_TOP_PADS           0.25
#define COST_PLATE_ALPHA        0.88
#define COST_FADE_END           0.6
#define COST_CLEARANCE          1

/* How much is said beside each output unit, most first (every unit gets
 * the same level: the first that fits for all). */
typedef enum
{
  OUTPUT_TARGET_BELOW,   /* "name value", the target on a line of its own */
  OUTPUT_TARGET_BESIDE,  /* "name value   y = t" */
  OUTPUT_NAME_VALUE,     /* "name value" */
  OUTPUT_NAME_BELOW,     /* "value", the name on a line of its own */
  OUTPUT_VALUE,          /* "value" */
  N_OUTPUT_LEVELS
} OutputLevel;

/* A skip's label sits this many f above its arc's peak. */
#define SKIP_LABEL_GAP_EM 0.15

/* --------------------------------------------------------------- placing */

/* "₁₂" for 12 (plain-text subscripts for tooltips). */
static void
append_subscript (GString *s,
                  gsize    v)
{
  static const char *digits[] = { "₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉" };
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GSIZE_FORMAT, v);
  for (char *c = buf; *c != '\0'; c++)
    g_string_append (s, digits[*c - '0']);
}

static const char *
activation_name (const BpLayer *L)
{
  return L->act_id != NULL ? L->act_id : (L->act != NULL ? L->act->id : "?");
}

static gboolean
rects_overlap (const BpvRect *a,
               const BpvRect *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width
         && a->y < b->y + b->height && b->y < a->y + a->height;
}

static gboolean
rect_inside (const BpvRect *inner,
             const BpvRect *outer)
{
  return inner->x >= outer->x && inner->y >= outer->y
         && inner->x + inner->width <= outer->x + outer->width
         && inner->y + inner->height <= outer->y + outer->height;
}

/* The box of `markup` aligned at (x, y) as bpv_text_draw aligns it. */
static BpvRect
label_box (const Paint  *p,
           const char   *markup,
           double        x,
           double        y,
           double        xalign,
           double        yalign,
           double        size,
           BpvTextFlags  flags)
{
  double w, h;

  bpv_text_measure (p->text, markup, size, flags, &w, &h);
  return (BpvRect) { x - xalign * w, y - yalign * h, w, h };
}

/* Is `box` free: inside the viewport and clear of every label placed? */
static gboolean
box_free (const Paint   *p,
          const BpvRect *box)
{
  if (!rect_inside (box, &p->visible))
    return FALSE;
  for (guint i = 0; i < p->placed->len; i++)
    if (rects_overlap (box, &g_array_index (p->placed, BpvRect, i)))
      return FALSE;
  return TRUE;
}

static void
box_take (const Paint   *p,
          const BpvRect *box)
{
  g_array_append_val (p->placed, *box);
}

/* Draws a label where it is free and takes its place; FALSE (nothing
 * drawn) where it would leave the viewport or cover another label. */
static gboolean
place_label (const Paint  *p,
             const char   *markup,
             double        x,
             double        y,
             double        xalign,
             double        yalign,
             double        size,
             BpvTextFlags  flags,
             BpvRgba       color)
{
  BpvRect box = label_box (p, markup, x, y, xalign, yalign, size, flags);

  if (!box_free (p, &box))
    return FALSE;
  box_take (p, &box);
  bpv_text_draw (p->text, markup, x, y, xalign, yalign, size, flags, color);
  return TRUE;
}

/* Draws (centred at x, its yalign at y: 0 top, 1 bottom) the first of
 * `choices` (NULL-terminated) that fits in max_w and is free, or nothing. */
static void
draw_fitting_aligned (const Paint        *p,
                      const char * const *choices,
                      double              x,
                      double              y,
                      double              yalign,
                      double              size,
                      BpvTextFlags        flags,
                      BpvRgba             color,
                      double              max_w)
{
  for (int i = 0; choices[i] != NULL; i++)
    {
      BpvRect box = label_box (p, choices[i], x, y, 0.5, yalign, size, flags);

      if (box.width <= max_w && box_free (p, &box))
        {
          box_take (p, &box);
          bpv_text_draw (p->text, choices[i], x, y, 0.5, yalign, size, flags, color);
          return;
        }
    }
}

/* The same with the top at y. */
static void
draw_fitting (const Paint        *p,
              const char * const *choices,
              double              x,
              double              y,
              double              size,
              BpvTextFlags        flags,
              BpvRgba             color,
              double              max_w)
{
  draw_fitting_aligned (p, choices, x, y, 0, size, flags, color, max_w);
}

/* ------------------------------------------------- headers, units and σ′ */

/* The four lengths (the last may be NULL) of column n's header under its "a(n)": "tanh(z(2)) ·
 * 8", "tanh · 8", "tanh"; a norm layer starts with "BN" or "LN", a dropout
 * layer says its p, a skip what it adds. */
static void
layer_header (const BpLayer  *L,
              gsize           n,
              gsize           units,
              char          **full,
              char          **mid,
              char          **brief,
              char          **tiny)
{
  g_autofree char *act = g_markup_escape_text (activation_name (L), -1);

  switch (L->type)
    {
    case BP_LAYER_BATCHNORM:
    case BP_LAYER_LAYERNORM:
      {
        const char *tag = L->type == BP_LAYER_BATCHNORM ? "BN" : "LN";

        *full = g_strdup_printf ("<b>%s</b> · %s(γ x̂ + β) · %" G_GSIZE_FORMAT, tag, act, units);
        *mid = g_strdup_printf ("<b>%s</b> · %s · %" G_GSIZE_FORMAT, tag, act, units);
        *brief = g_strdup_printf ("<b>%s</b> · %s", tag, act);
        *tiny = g_strdup_printf ("<b>%s</b>", tag);
      }
      return;
    case BP_LAYER_DROPOUT:
      *full = g_strdup_printf ("<b>dropout</b> p = %g · %" G_GSIZE_FORMAT, L->p, units);
      *mid = g_strdup_printf ("<b>dropout</b> p = %g", L->p);
      *brief = g_strdup ("<b>dropout</b>");
      *tiny = g_strdup ("<b>DO</b>");
      return;
    case BP_LAYER_DENSE:
    default:
      break;
    }
  if (L->skip_from >= 0)
    {
      *full = g_strdup_printf ("%s(z(%" G_GSIZE_FORMAT ")) + a(%" G_GSSIZE_FORMAT ") · %" G_GSIZE_FORMAT,
                               act, n, L->skip_from, units);
      *mid = g_strdup_printf ("%s + a(%" G_GSSIZE_FORMAT ") · %" G_GSIZE_FORMAT, act, L->skip_from, units);
    }
  else
    {
      *full = g_strdup_printf ("%s(z(%" G_GSIZE_FORMAT ")) · %" G_GSIZE_FORMAT, act, n, units);
      *mid = g_strdup_printf ("%s · %" G_GSIZE_FORMAT, act, units);
    }
  *brief = g_strdup (act);
  *tiny = NULL;
}

/* The header row: a(n) over every column, W(n) between them, each with a
 * muted second line, shortened (or left out) where columns are close. */
static void
paint_headers (const Paint *p)
{
  const BpvLayout *layout = p->layout;
  double f = p->font, top = layout->columns[0].header.y, spacing = G_MAXDOUBLE;
  gboolean bundle_labels;

  if (!layout->params.show_headers || !p->st->show_labels)
    return;
  for (gsize n = 1; n < layout->n_columns; n++)
    spacing = MIN (spacing, layout->columns[n].x - layout->columns[n - 1].x);
  /* Room for "W(n)" between two headers? */
  bundle_labels = spacing >= BUNDLE_LABEL_SPACING_EM * f;

  /* The titles first: they matter most. */
  for (gsize n = 0; n < layout->n_columns; n++)
    {
      g_autofree char *title = g_strdup_printf ("a(%" G_GSIZE_FORMAT ")", n);

      place_label (p, title, layout->columns[n].x, top, 0.5, 0, TITLE_EM * f, BPV_TEXT_BOLD,
                   p->tc->text);
    }

  for (gsize n = 0; n < layout->n_columns; n++)
    {
      const BpvColumn *c = &layout->columns[n];
      g_autofree char *full = NULL, *mid = NULL, *brief = NULL, *tiny = NULL;
      double room;

      if (n == 0)
        {
          full = g_strdup_printf (_("input · %zu"), c->n_units);
          mid = g_strdup (full);
          brief = g_strdup (_("input"));
        }
      else
        layer_header (&p->net->layers[n - 1], n, c->n_units, &full, &mid, &brief, &tiny);
      /* A header may use its share of the distance to its neighbours. */
      room = layout->n_columns > 1 ? (bundle_labels ? HEADER_SHARE_BUNDLES : HEADER_SHARE) * spacing
                                   : layout->params.width;
      if (n == 0 || n + 1 == layout->n_columns)
        room = MAX (room, c->header.width);
      {
        const char *subs[] = { full, mid, brief, tiny, NULL };

        draw_fitting (p, subs, c->x, top + HEADER_SUB_EM * f, LABEL_EM * f, BPV_TEXT_NORMAL,
                      p->tc->text_muted, room - HEADER_MARGIN_EM * f);
      }
    }

  if (!bundle_labels)
    return;
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      const BpvBundle *b = &layout->bundles[n];
      const BpLayer *L = &p->net->layers[n - 1];
      g_autofree char *w = NULL, *g = NULL, *sub = NULL;
      const char *sub_short = NULL;

      switch (L->type)
        {
        case BP_LAYER_BATCHNORM:
        case BP_LAYER_LAYERNORM:
          /* γ on the one-to-one edges; β, like b, on the units. */
          w = g_strdup_printf ("γ(%" G_GSIZE_FORMAT ")", n);
          g = g_strdup_printf ("∂C/∂γ(%" G_GSIZE_FORMAT ")", n);
          sub = g_strdup_printf (_("one-to-one · %zu"), b->rows);
          sub_short = "1 : 1";
          break;
        case BP_LAYER_DROPOUT:
          w = g_strdup_printf ("mask(%" G_GSIZE_FORMAT ")", n);
          g = g_strdup (w);
          sub = g_strdup_printf ("× 1/(1 − %g)", L->p);
          sub_short = "1 : 1";
          break;
        case BP_LAYER_DENSE:
        default:
          w = g_strdup_printf ("W(%" G_GSIZE_FORMAT ")", n);
          g = g_strdup_printf ("∂C/∂W(%" G_GSIZE_FORMAT ")", n);
          sub = g_strdup_printf ("%" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT, b->rows, b->cols);
          break;
        }
      double room = layout->columns[n].x - layout->columns[n - 1].x - BUNDLE_LABEL_SHARE * spacing;
      gboolean grads = bpv_render_bundle_view (p->st, n) == BPV_VIEW_GRADIENTS;
      BpvRgba col = grads ? p->tc->text : p->tc->text_muted;
      const char *titles[] = { grads ? g : w, w, NULL };
      const char *subs[] = { sub, sub_short, NULL };

      draw_fitting (p, titles, b->label_x, top + BUNDLE_TITLE_Y_EM * f, LABEL_EM * f, BPV_TEXT_NORMAL,
                    col, room);
      draw_fitting (p, subs, b->label_x, top + HEADER_SUB_EM * f, LABEL_EM * f, BPV_TEXT_NORMAL,
                    p->tc->text_muted, room);
    }
}

/* How far a unit of column n reaches with its δ ring (circles). */
static double
unit_reach (const Paint *p,
            gsize        n)
{
  const BpvColumn *c = &p->layout->columns[n];
  double ring = _bpv_render_column_ring_alpha (p, n) > 0 ? _bpv_render_ring_width (p, c->radius) : 0;

  return c->radius + ring + RING_GAP_UNITS * p->unit;
}

/* The units and weight matrices are in place before any label: labels
 * go around them, never over them. */
static void
take_units (const Paint *p)
{
  const BpvLayout *layout = p->layout;

  for (gsize n = 0; n < layout->n_columns; n++)
    {
      const BpvColumn *c = &layout->columns[n];

      if (c->kind == BPV_COLUMN_CIRCLES)
        {
          double reach = unit_reach (p, n);

          for (gsize j = 0; j < c->n_units; j++)
            {
              BpvRect box = { c->ux[j] - reach, c->uy[j] - reach, 2 * reach, 2 * reach };

              box_take (p, &box);
            }
        }
      else
        box_take (p, &c->bounds);
      if (n > 0 && layout->bundles[n].kind == BPV_BUNDLE_MATRIX)
        box_take (p, &layout->bundles[n].matrix);
    }
}

/* Where the labels right of the output units start. */
static double
output_label_x (const Paint *p)
{
  gsize N = p->net->n_layers;
  const BpvColumn *c = &p->layout->columns[N];

  if (c->kind != BPV_COLUMN_CIRCLES)
    return c->bounds.x + c->bounds.width + LABEL_GAP_EM * p->font;
  return c->x + unit_reach (p, N) + LABEL_GAP_EM * p->font;
}

/* σ′ under each unit of a column of circles, on a pill of the background
 * (edges run under it), where it has room: the dead and saturated units
 * first, they are what the overlay is for. */
static void
paint_derivative_labels (const Paint *p)
{
  const BpvLayout *layout = p->layout;
  cairo_t *cr = p->cr;
  double size = LABEL_EM * p->font;

  if (!p->st->show_derivatives || p->trace == NULL)
    return;
  for (int pass = 0; pass < 2; pass++)
    for (gsize n = 1; n < layout->n_columns; n++)
      {
        const BpvColumn *c = &layout->columns[n];
        g_autofree double *deriv = NULL;
        g_autofree BpDiagUnitState *state = NULL;

        /* Dropout has no activation: no σ′ to show. */
        if (c->kind != BPV_COLUMN_CIRCLES || p->net->layers[n - 1].type == BP_LAYER_DROPOUT)
          continue;
        state = _bpv_render_unit_states (p, n, &deriv);
        for (gsize j = 0; j < c->n_units; j++)
          {
            double dv = deriv[j];
            gboolean dead = state[j] == BP_DIAG_UNIT_DEAD;
            gboolean saturated = state[j] == BP_DIAG_UNIT_SATURATED;
            gboolean flagged = dead || saturated;
            g_autofree char *label = NULL;
            double r = c->radius;
            double ring = _bpv_render_column_ring_alpha (p, n) > 0 ? _bpv_render_ring_width (p, r) : 0;
            BpvTextFlags flags = flagged ? BPV_TEXT_BOLD : BPV_TEXT_NORMAL;
            double ty = c->uy[j] + r + ring + SIGMA_LABEL_GAP * size;
            BpvRect box;

            if ((pass == 0) != flagged)
              continue;
            if (dead)
              label = g_strdup (_("dead"));
            else
              {
                char buf[32];

                label = g_strdup_printf ("σ′ %s", VALUE_TEXT (buf, "%.2f", dv));
              }
            box = label_box (p, label, c->ux[j], ty, 0.5, 0, size, flags);
            box.x -= box.height / 2;
            box.width += box.height;
            if (!box_free (p, &box))
              continue;
            box_take (p, &box);
            cairo_save (cr);
            bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->background, SIGMA_PILL_ALPHA));
            cairo_new_sub_path (cr);
            cairo_arc (cr, box.x + box.height / 2, ty + box.height / 2, box.height / 2,
                       G_PI / 2, 3 * G_PI / 2);
            cairo_arc (cr, box.x + box.width - box.height / 2, ty + box.height / 2, box.height / 2,
                       -G_PI / 2, G_PI / 2);
            cairo_close_path (cr);
            cairo_fill (cr);
            cairo_restore (cr);
            bpv_text_draw (p->text, label, c->ux[j], ty, 0.5, 0, size, flags,
                           dead ? p->tc->dead : saturated ? p->tc->warning : p->tc->text_muted);
          }
      }
}

/* ------------------------------------------------------ outputs and cost */

/* The name of output unit j: the state's class name, else "class j" when
 * there are several outputs, else NULL (one output needs no name). */
static char *
output_name (const Paint *p,
             gsize        j,
             gsize        n_out)
{
  const char * const *names = p->st->output_names;

  if (names != NULL)
    {
      for (gsize i = 0; i < j; i++)
        if (names[i] == NULL)
          return NULL;
      return names[j] != NULL ? g_markup_escape_text (names[j], -1) : NULL;
    }
  if (n_out > 1)
    return g_strdup_printf (_("class %zu"), j + 1);
  return NULL;
}

/* The first line beside output unit j at level of detail `level` (an
 * OutputLevel). */
static char *
output_line (const Paint  *p,
             gsize         j,
             gsize         n_out,
             const double *a,
             const double *y,
             int           level)
{
  g_autofree char *name = level < OUTPUT_NAME_BELOW ? output_name (p, j, n_out) : NULL;
  char vb[32], yb[32];
  const char *v = VALUE_TEXT (vb, "%.3f", a[j]);
  GString *s = g_string_new (NULL);

  if (name != NULL)
    g_string_append_printf (s, "<b>%s</b>  %s", name, v);
  else
    g_string_append_printf (s, "<b>%s</b>", v);
  if (level == OUTPUT_TARGET_BESIDE)
    g_string_append_printf (s, "   y = %s", VALUE_TEXT (yb, "%g", y[j]));
  return g_string_free (s, FALSE);
}

/* The line under output unit j's first line at `level`, or NULL: the
 * target ("y = 1"), or the class name where "name value" is too wide (a
 * narrow canvas in step mode: the name stays, under the value). */
static char *
output_second_line (const Paint  *p,
                    gsize         j,
                    gsize         n_out,
                    const double *y,
                    int           level)
{
  char yb[32];

  if (level == OUTPUT_TARGET_BELOW)
    return g_strdup_printf ("y = %s", VALUE_TEXT (yb, "%g", y[j]));
  if (level == OUTPUT_NAME_BELOW)
    return output_name (p, j, n_out);
  return NULL;
}

/* Beside each output unit, in the room the level of detail allows: its
 * class name and value on one line and the target on the next; or all on
 * one line; or name and value; or the value alone.  Every unit gets the
 * same level. */
static void
paint_output_values (const Paint *p)
{
  const BpvRenderState *st = p->st;
  gsize N = p->net->n_layers;
  const BpvColumn *c = &p->layout->columns[N];
  double f = p->font, size = LABEL_EM * f;
  const double *a = _bpv_render_unit_values (p, N);
  const double *y = p->trace->target != NULL && st->show_targets && st->phase != BPV_PHASE_FORWARD
                    ? p->trace->target + p->sample * c->n_units : NULL;
  double x = output_label_x (p);
  guint before = p->placed->len;

  for (int level = OUTPUT_TARGET_BELOW; level < N_OUTPUT_LEVELS; level++)
    {
      gboolean fits = TRUE;

      if (level <= OUTPUT_TARGET_BESIDE && y == NULL)
        continue;
      for (gsize j = 0; j < c->n_units && fits; j++)
        {
          g_autofree char *l1 = output_line (p, j, c->n_units, a, y, level);
          g_autofree char *l2 = output_second_line (p, j, c->n_units, y, level);
          BpvRect box = label_box (p, l1, x, c->uy[j], 0, l2 != NULL ? 1.0 : 0.5, size,
                                   BPV_TEXT_NORMAL);

          fits = box_free (p, &box);
          if (fits)
            box_take (p, &box);
          if (fits && l2 != NULL)
            {
              box = label_box (p, l2, x, c->uy[j], 0, 0, size, BPV_TEXT_NORMAL);
              fits = box_free (p, &box);
              if (fits)
                box_take (p, &box);
            }
        }
      if (!fits)
        {
          g_array_set_size (p->placed, before);
          continue;
        }
      /* Every label has its place: draw them. */
      for (gsize j = 0; j < c->n_units; j++)
        {
          g_autofree char *l1 = output_line (p, j, c->n_units, a, y, level);
          g_autofree char *l2 = output_second_line (p, j, c->n_units, y, level);

          bpv_text_draw (p->text, l1, x, c->uy[j], 0, l2 != NULL ? 1.0 : 0.5, size,
                         BPV_TEXT_NORMAL, p->tc->text);
          if (l2 != NULL)
            bpv_text_draw (p->text, l2, x, c->uy[j], 0, 0, size, BPV_TEXT_NORMAL, p->tc->text_muted);
        }
      return;
    }
}

/* Does any edge of bundle n (as lines) or its matrix cross `box`? */
static gboolean
bundle_crosses (const Paint   *p,
                gsize          n,
                const BpvRect *label)
{
  const BpvBundle *b = &p->layout->bundles[n];
  /* Edges are up to 5 units wide (bpv_render_edge_style). */
  double w = EDGE_CLEARANCE_UNITS * p->unit;
  BpvRect grown = { label->x - w, label->y - w, label->width + 2 * w, label->height + 2 * w };
  const BpvRect *box = &grown;
  const BpvColumn *l = &p->layout->columns[n - 1];
  const BpvColumn *r = &p->layout->columns[n];

  if (b->kind == BPV_BUNDLE_MATRIX)
    return rects_overlap (box, &b->matrix);
  for (gsize j = 0; j < b->rows; j++)
    for (gsize k = 0; k < b->cols; k++)
      {
        /* Liang–Barsky: the segment against the box. */
        double x0 = l->ux[k], y0 = l->uy[k], dx = r->ux[j] - x0, dy = r->uy[j] - y0;
        double t0 = 0, t1 = 1;
        double pp[4] = { -dx, dx, -dy, dy };
        double qq[4] = { x0 - box->x, box->x + box->width - x0, y0 - box->y, box->y + box->height - y0 };
        gboolean out = FALSE;

        for (int i = 0; i < 4 && !out; i++)
          {
            if (pp[i] == 0)
              out = qq[i] < 0;
            else
              {
                double t = qq[i] / pp[i];

                if (pp[i] < 0)
                  t0 = MAX (t0, t);
                else
                  t1 = MIN (t1, t);
                out = t0 > t1;
              }
          }
        if (!out)
          return TRUE;
      }
  return FALSE;
}

/* The cost "C = …" with what it is under it (on one line, or broken at
 * its " · " when that is too wide), on a plate of the background, where
 * no edge crosses it and no label is: right of the output units under
 * their labels, else under or over the output column; failing that, the
 * first place clear of labels. */
static void
paint_cost (const Paint *p)
{
  const BpvRenderState *st = p->st;
  const BpvLayout *layout = p->layout;
  gsize N = p->net->n_layers;
  const BpvColumn *c = &layout->columns[N];
  double f = p->font, cost_alpha, cost_value, tw, th, pad = COST_PAD_EM * f, below = 0;
  g_autofree char *cost_what = NULL;
  /* Just clear of the output units (the plate's padding is inside). */
  double right = output_label_x (p) - LABEL_GAP_EM * f + COST_CLEARANCE;
  double vis_r = p->visible.x + p->visible.width;
  double under = c->bounds.y + c->bounds.height
                 + (c->kind == BPV_COLUMN_CIRCLES ? unit_reach (p, N) - c->radius : 0);
  g_autofree char *cost = NULL, *what = NULL, *broken = NULL, *short_what = NULL;
  const char *whats[3];
  BpvRgba tcol, mcol;

  switch (st->phase)
    {
    case BPV_PHASE_FORWARD:
      cost_alpha = 0;
      break;
    case BPV_PHASE_COST:
      cost_alpha = _bpv_render_smoothstep (0.0, COST_FADE_END, st->t);
      break;
    default:
      cost_alpha = 1;
    }
  cost_what = bpv_render_cost_caption (st, &cost_value);
  if (!(cost_alpha > 0 && cost_what != NULL))
    return;

  cost = g_strdup_printf ("C = %.4g", cost_value);
  what = g_markup_escape_text (cost_what, -1);
  {
    g_auto(GStrv) parts = g_strsplit (what, " · ", -1);

    broken = g_strjoinv ("\n", parts);
  }
  whats[0] = what;
  whats[1] = broken;
  /* A network beyond dense steps in batches (batch norm needs one): where
   * neither caption fits, the cost's name over "mean of B".  (Dense
   * pictures stay as they were.) */
  if (p->trace != NULL && p->trace->batch > 1 && !bp_network_is_plain (p->net))
    short_what = g_strdup_printf (p->net->reduction == BP_REDUCTION_SUM ? _("%s\nsum of %zu") : _("%s\nmean of %zu"),
                                  p->net->cost_id != NULL ? p->net->cost_id : _("cost"),
                                  p->trace->batch);
  whats[2] = short_what;
  tcol = bpv_rgba_with_alpha (p->tc->text, cost_alpha);
  mcol = bpv_rgba_with_alpha (p->tc->text_muted, cost_alpha);
  bpv_text_measure (p->text, cost, TITLE_EM * f, BPV_TEXT_BOLD, &tw, &th);

  /* Below every label beside the output units. */
  for (guint i = 0; i < p->placed->len; i++)
    {
      const BpvRect *r = &g_array_index (p->placed, BpvRect, i);

      if (r->x >= right)
        below = MAX (below, r->y + r->height);
    }

  /* Clear of the edges if any caption fits so, else over them. */
  for (int pass = 0; pass < 2; pass++)
    for (int v = 0; v < 3; v++)
      {
        double ww, wh, bw, bh;
        BpvRect cand[6];

        if (whats[v] == NULL || (v == 1 && g_str_equal (whats[0], whats[1])))
          continue;
        bpv_text_measure (p->text, whats[v], LABEL_EM * f, BPV_TEXT_NORMAL, &ww, &wh);
        bw = MAX (tw, ww) + 2 * pad;
        bh = th + wh + COST_LINE_GAP_PADS * pad;
        cand[0] = (BpvRect) { right, below, bw, bh };
        cand[1] = (BpvRect) { MIN (right, vis_r - bw), below, bw, bh };
        cand[2] = (BpvRect) { c->x - bw / 2, under, bw, bh };
        cand[3] = (BpvRect) { MIN (c->x - bw / 2, vis_r - bw), under, bw, bh };
        cand[4] = (BpvRect) { right, c->bounds.y - bh, bw, bh };
        cand[5] = (BpvRect) { MIN (right, vis_r - bw), c->bounds.y - bh, bw, bh };
        for (int i = 0; i < (int) G_N_ELEMENTS (cand); i++)
          {
            const BpvRect *box = &cand[i];

            if (!box_free (p, box) || (pass == 0 && bundle_crosses (p, N, box)))
              continue;
            box_take (p, box);
            /* On a plate of the background: nothing shows through. */
            bpv_set_source_rgba (p->cr,
                                 bpv_rgba_with_alpha (p->tc->background, COST_PLATE_ALPHA * cost_alpha));
            cairo_rectangle (p->cr, box->x, box->y, box->width, box->height);
            cairo_fill (p->cr);
            bpv_text_draw (p->text, cost, box->x + pad, box->y + COST_TOP_PADS * pad, 0, 0, TITLE_EM * f,
                           BPV_TEXT_BOLD, tcol);
            bpv_text_draw (p->text, whats[v], box->x + pad, box->y + COST_TOP_PADS * pad + th, 0, 0,
                           LABEL_EM * f, BPV_TEXT_NORMAL, mcol);
            return;
          }
      }
}

/* Output values and targets next to the output neurons, and the cost. */
static void
paint_outputs (const Paint *p)
{
  const BpvRenderState *st = p->st;
  gsize N = p->net->n_layers;
  const BpvColumn *c = &p->layout->columns[N];

  if (p->trace == NULL || N == 0)
    return;

  /* Output values as they arrive, then their targets. */
  if (st->show_labels && c->kind == BPV_COLUMN_CIRCLES && c->n_units <= MAX_OUTPUT_LABELS
      && _bpv_render_fill_alpha (p, N) > OUTPUT_MIN_FILL)
    paint_output_values (p);

  if (st->show_cost)
    paint_cost (p);
}

/* The input's values x left of its units (circles only), when each fits. */
static void
paint_inputs (const Paint *p)
{
  const BpvColumn *c = &p->layout->columns[0];
  const double *x = _bpv_render_unit_values (p, 0);
  double f = p->font;

  if (p->trace == NULL || !p->st->show_labels || c->kind != BPV_COLUMN_CIRCLES
      || c->n_units > MAX_OUTPUT_LABELS)
    return;
  for (gsize j = 0; j < c->n_units; j++)
    {
      char buf[32];
      const char *v = VALUE_TEXT (buf, "%.2f", x[j]);

      place_label (p, v, c->x - c->radius - LABEL_GAP_EM * f, c->uy[j], 1, 0.5, LABEL_EM * p->font,
                   BPV_TEXT_NORMAL, p->tc->text);
    }
}

/* ------------------------------------------------- captions and tooltips */

char *
bpv_render_cost_caption (const BpvRenderState *state,
                         double               *value)
{
  const BpTrace *t;
  const char *id;
  const char *when;
  double v;

  g_return_val_if_fail (state != NULL && state->net != NULL, NULL);

  t = _bpv_render_trace_usable (state->net, state->trace) ? state->trace : NULL;
  if (t == NULL || !isfinite (t->loss))
    return NULL;
  /* A trace of one row (e.g. the one a training snapshot carries, whose
   * .loss is its whole batch's) shows that sample's cost. */
  v = t->batch == 1 ? t->per_sample_loss[0] : t->loss;
  if (!isfinite (v))
    return NULL;
  if (value != NULL)
    *value = v;
  id = state->net->cost_id != NULL ? state->net->cost_id : _("cost");
  when = state->phase == BPV_PHASE_UPDATE ? _(" · before the step") : "";
  if (t->batch == 1)
    return g_strdup_printf (_("%s · this sample%s"), id, when);
  return g_strdup_printf (state->net->reduction == BP_REDUCTION_SUM ? _("%s · sum over this batch of %zu%s")
                                                                    : _("%s · mean over this batch of %zu%s"),
                          id, t->batch, when);
}

/* Edge (n, j, j) of a norm layer (γ_j, β_j and their gradients) or of a
 * dropout layer (whether unit j passes); NULL for j ≠ k.  Consumes `out`. */
static char *
describe_one_to_one (const BpvRenderState *state,
                     const BpLayer        *L,
                     const BpvHit         *hit,
                     GString              *out,
                     gboolean              have_trace)
{
  gsize j = hit->j, s;
  char vb[32], gb[32], bb[32], db[32];
  gboolean known = !have_trace || bpv_render_delta_known (state, hit->layer);

  if (hit->k != j)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  if (L->type == BP_LAYER_DROPOUT)
    {
      g_string_append_printf (out, "dropout(%" G_GSIZE_FORMAT ")", hit->layer);
      append_subscript (out, j + 1);
      if (!have_trace)
        g_string_append_printf (out, "   p = %g", L->p);
      else
        {
          s = MIN (state->sample, state->trace->batch - 1);
          g_string_append_printf (out, "   mask = %g   × 1/(1 − %g)",
                                  state->trace->mask[hit->layer - 1][s * L->out + j], L->p);
        }
      return g_string_free (out, FALSE);
    }
  g_string_append_printf (out, "γ(%" G_GSIZE_FORMAT ")", hit->layer);
  append_subscript (out, j + 1);
  g_string_append_printf (out, " = %s   β = %s   ∂C/∂γ = %s   ∂C/∂β = %s",
                          VALUE_TEXT (vb, "%.4g", L->W[j]), VALUE_TEXT (bb, "%.4g", L->b[j]),
                          known ? VALUE_TEXT (gb, "%.3g", L->dW[j]) : "?",
                          known ? VALUE_TEXT (db, "%.3g", L->db[j]) : "?");
  return g_string_free (out, FALSE);
}

/* The skip arc into a(n): "skip: a(j) added to a(n)", and in the
 * gradients view what flows back along it.  NULL when a(n) has no skip
 * from a(j).  Consumes `out`. */
static char *
describe_skip (const BpvRenderState *state,
               const BpvHit         *hit,
               GString              *out,
               const BpTrace        *trace,
               gsize                 sample)
{
  const BpNetwork *net = state->net;
  const BpLayer *L;
  gsize n = hit->layer;
  double g;

  if (n < 1 || n > net->n_layers)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  L = &net->layers[n - 1];
  if (L->type != BP_LAYER_DENSE || L->skip_from < 0 || (gsize) L->skip_from != hit->j)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  g_string_append_printf (out, _("skip: a(%zu) added to a(%zu)"), hit->j, n);
  if (bpv_render_bundle_view (state, n) != BPV_VIEW_GRADIENTS)
    return g_string_free (out, FALSE);
  g = _bpv_render_skip_rms (state, trace, n, sample);
  if (isnan (g))
    g_string_append_printf (out, "   rms ∂C/∂a(%" G_GSIZE_FORMAT ") = ?", n);
  else
    {
      char gb[32];

      g_string_append_printf (out, _("   rms ∂C/∂a(%zu) = %s flows back into ∂C/∂a(%zu)"),
                              n, VALUE_TEXT (gb, "%.3g", g), hit->j);
    }
  return g_string_free (out, FALSE);
}

char *
bpv_render_describe_hit (const BpvRenderState *state,
                         const BpvHit         *hit)
{
  const BpNetwork *net;
  gboolean have_trace;
  gsize s;
  GString *out;

  g_return_val_if_fail (state != NULL && state->net != NULL && hit != NULL, NULL);

  net = state->net;
  have_trace = _bpv_render_trace_usable (net, state->trace);
  s = have_trace ? MIN (state->sample, state->trace->batch - 1) : 0;
  out = g_string_new (NULL);

  if (hit->kind == BPV_HIT_NEURON)
    {
      if (hit->layer > net->n_layers
          || hit->j >= (hit->layer == 0 ? net->n_inputs : net->layers[hit->layer - 1].out))
        goto none;
      g_string_append_printf (out, "a(%" G_GSIZE_FORMAT ")", hit->layer);
      append_subscript (out, hit->j + 1);
      if (!have_trace)
        {
          if (hit->layer > 0)
            g_string_append_printf (out, "   %s", activation_name (&net->layers[hit->layer - 1]));
          return g_string_free (out, FALSE);
        }
      if (hit->layer == 0)
        {
          char xb[32];

          g_string_append_printf (out, " = x = %s",
                                  VALUE_TEXT (xb, "%.4g", state->trace->input[s * net->n_inputs + hit->j]));
        }
      else
        {
          gsize l = hit->layer - 1;
          const BpLayer *L = &net->layers[l];
          double z = bp_trace_z (state->trace, l, s)[hit->j];
          double a = bp_trace_a (state->trace, l, s)[hit->j];
          char ab[32], zb[32], db[32], sb[32];

          /* Only what this stop has computed, as the fills and rings. */
          if (!bpv_render_forward_known (state, hit->layer))
            {
              g_string_append (out, " = ?   z = ?   δ = ?");
              return g_string_free (out, FALSE);
            }
          if (L->type == BP_LAYER_DROPOUT)
            {
              /* No z and no δ of its own: what passes, and ∂C/∂a. */
              gboolean kept = state->trace->mask[l][s * L->out + hit->j] != 0;

              g_string_append_printf (out, " = %s   %s   ∂C/∂a = %s", VALUE_TEXT (ab, "%.4g", a),
                                      state->trace->eval ? _("eval: passed") : kept ? _("kept") : _("dropped"),
                                      bpv_render_delta_known (state, hit->layer)
                                      ? VALUE_TEXT (db, "%.3g", bp_trace_dC_da (state->trace, l, s)[hit->j])
                                      : "?");
              return g_string_free (out, FALSE);
            }
          g_string_append_printf (out, " = %s   z = %s   δ = %s", VALUE_TEXT (ab, "%.4g", a),
                                  VALUE_TEXT (zb, "%.4g", z),
                                  bpv_render_delta_known (state, hit->layer)
                                  ? VALUE_TEXT (db, "%.3g", bp_trace_dC_dz (state->trace, l, s)[hit->j])
                                  : "?");
          /* Under a skip σ′ reads f(z), not a = f(z) + a(j). */
          if (state->trace->h != NULL && state->trace->h[l] != NULL)
            a = state->trace->h[l][s * L->out + hit->j];
          if (L->act->df != NULL)
            g_string_append_printf (out, "   σ′ = %s",
                                    VALUE_TEXT (sb, "%.3g", L->act->df (z, a, L->act_params)));
        }
      return g_string_free (out, FALSE);
    }
  if (hit->kind == BPV_HIT_EDGE)
    {
      const BpLayer *L;

      if (hit->layer < 1 || hit->layer > net->n_layers)
        goto none;
      L = &net->layers[hit->layer - 1];
      if (hit->j >= L->out || hit->k >= L->in)
        goto none;
      if (L->type != BP_LAYER_DENSE)
        return describe_one_to_one (state, L, hit, out, have_trace);
      g_string_append_printf (out, "W(%" G_GSIZE_FORMAT ")", hit->layer);
      append_subscript (out, hit->j + 1);
      if (hit->j + 1 >= 10 || hit->k + 1 >= 10)
        g_string_append (out, ",");
      append_subscript (out, hit->k + 1);
      {
        char wb[32], gb[32];

        /* ∂C/∂W(n) = δ(n) a(n−1)ᵀ: known with δ(n) (no trace: the
         * gradients as they are). */
        g_string_append_printf (out, " = %s   ∂C/∂W = %s",
                                VALUE_TEXT (wb, "%.4g", L->W[hit->j * L->in + hit->k]),
                                !have_trace || bpv_render_delta_known (state, hit->layer)
                                ? VALUE_TEXT (gb, "%.3g", L->dW[hit->j * L->in + hit->k]) : "?");
      }
      return g_string_free (out, FALSE);
    }
  if (hit->kind == BPV_HIT_SKIP)
    return describe_skip (state, hit, out, have_trace ? state->trace : NULL, s);
none:
  g_string_free (out, TRUE);
  return NULL;
}

/* Over each skip arc what it carries: "+ a(j)" forward; in the
 * gradients view the RMS of ∂C/∂a(n) it carries back into ∂C/∂a(j). */
static void
paint_skip_labels (const Paint *p)
{
  const BpvLayout *layout = p->layout;

  if (!p->st->show_labels)
    return;
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      const BpvBundle *b = &layout->bundles[n];
      double x, g, span;
      g_autofree char *full = NULL, *mid = NULL, *plain = NULL, *brief = NULL;
      gboolean grads;

      if (b->skip_from < 0)
        continue;
      x = (layout->columns[b->skip_from].x + layout->columns[n].x) / 2;
      span = layout->columns[n].x - layout->columns[b->skip_from].x;
      grads = bpv_render_bundle_view (p->st, n) == BPV_VIEW_GRADIENTS;
      g = _bpv_render_skip_value (p, n, NULL);
      plain = g_strdup_printf (_("skip: + a(%zd)"), b->skip_from);
      brief = g_strdup_printf ("+ a(%" G_GSSIZE_FORMAT ")", b->skip_from);
      if (grads && !isnan (g))
        {
          char gb[32];

          VALUE_TEXT (gb, "%.2g", g);
          full = g_strdup_printf (_("skip: + a(%zd)   rms ∂C/∂a(%zu) = %s"),
                                  b->skip_from, n, gb);
          mid = g_strdup_printf ("rms ∂C/∂a(%" G_GSIZE_FORMAT ") = %s", n, gb);
          g_free (brief);
          brief = g_strdup (gb);
        }
      {
        const char *choices[] = { full != NULL ? full : plain, full != NULL ? mid : brief,
                                  full != NULL ? brief : NULL, NULL };

        draw_fitting_aligned (p, choices, x, b->arc_peak_y - SKIP_LABEL_GAP_EM * p->font, 1,
                              LABEL_EM * p->font, BPV_TEXT_NORMAL,
                              grads && !isnan (g) ? p->tc->text : p->tc->text_muted, span);
      }
    }
}

void
_bpv_render_paint_labels (const Paint *p)
{
  take_units (p);
  paint_skip_labels (p);
  paint_headers (p);
  paint_outputs (p);
  paint_inputs (p);
  paint_derivative_labels (p);
}
