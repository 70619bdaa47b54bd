/* bpv-render-fault.c — where training stopped on NaN/Inf: the value at
 * fault marked in the fault colour on top of everything, with a badge
 * naming it ("z = NaN").
 */
#include "config.h"
#include "bpv-render-private.h"

#include "bp-util.h"

/* Everything here is drawn in the theme's fault colour, strokes at least
 * this many u wide (else a share of the unit's radius), with a halo of it
 * at this opacity. */
#define FAULT_LINE_MIN_UNITS    3
#define FAULT_HALO_ALPHA        0.3
/* The badge: bold at this many f, padded by this many f (a share of it
 * above and below), with a rim of the background this many u wide. */
#define BADGE_EM                1.1
#define BADGE_PAD_EM            0.4
#define BADGE_VPAD_PADS         0.6
#define BADGE_RIM_UNITS         1.5
/* A neuron: a sharp ring this share of its radius wide, clear of it by a
 * share of the ring plus this many u, in a halo this many rings wide. */
#define RING_PER_BASE           0.16
#define RING_GAP_LINES          0.7
#define RING_GAP_UNITS_FAULT    1.5
#define RING_HALO_LINES         2.6
/* An edge: a line this share of its neuron's radius wide in a halo this
 * many lines wide, the badge this many lines above its middle. */
#define EDGE_LINE_PER_RADIUS    0.12
#define EDGE_HALO_LINES         3.5
#define EDGE_BADGE_LIFT_LINES   2.5
/* A matrix cell or a strip's cell: an outline this many u wide, the badge
 * as far beside it; a strip's badge this many u further. */
#define CELL_LINE_UNITS         3
#define CELL_BADGE_GAP_UNITS    4
/* Bad input: a dashed box (on, off, width in u) around the whole input
 * column, this many u outside its units. */
#define INPUT_MARGIN_UNITS      6
#define INPUT_DASH_ON_UNITS     7
#define INPUT_DASH_OFF_UNITS    4
#define INPUT_LINE_UNITS        2.5

gboolean
bpv_render_fault_hit (const BpTrainFault *fault,
                      BpvHit             *hit)
{
  BpvHit none = BPV_HIT_INIT;

  g_return_val_if_fail (fault != NULL && hit != NULL, FALSE);

  *hit = none;
  switch (fault->kind)
    {
    case BP_TRAIN_FAULT_NONE:
      return FALSE;
    case BP_TRAIN_FAULT_GRAD_W:
    case BP_TRAIN_FAULT_PARAM_W:
      if (fault->layer < 1 || fault->unit < 1 || fault->input < 1)
        return FALSE;
      *hit = (BpvHit) { BPV_HIT_EDGE, fault->layer, fault->unit - 1, fault->input - 1 };
      return TRUE;
    case BP_TRAIN_FAULT_INPUT:
      if (fault->unit < 1)
        return FALSE;
      *hit = (BpvHit) { BPV_HIT_NEURON, 0, fault->unit - 1, 0 };
      return TRUE;
    case BP_TRAIN_FAULT_Z:
    case BP_TRAIN_FAULT_A:
    case BP_TRAIN_FAULT_LOSS:
    case BP_TRAIN_FAULT_GRAD_A:
    case BP_TRAIN_FAULT_DELTA:
    case BP_TRAIN_FAULT_GRAD_B:
    case BP_TRAIN_FAULT_PARAM_B:
    default:
      if (fault->layer < 1 || fault->unit < 1)
        return FALSE;
      *hit = (BpvHit) { BPV_HIT_NEURON, fault->layer, fault->unit - 1, 0 };
      return TRUE;
    }
}

/* A rounded badge naming the value ("NaN", "+Inf", "−Inf") with its box
 * aligned at (x, y) as bpv_text_draw aligns text, kept inside the content. */
static void
fault_badge (const Paint *p,
             const char  *text,
             double       x,
             double       y,
             double       xalign,
             double       yalign)
{
  const BpvRect *c = &p->layout->content;
  double size = BADGE_EM * p->font, tw = 0, th = 0, pad = BADGE_PAD_EM * p->font, w, h, r;
  cairo_t *cr = p->cr;

  bpv_text_measure (p->text, text, size, BPV_TEXT_BOLD, &tw, &th);
  w = tw + 2 * pad;
  h = th + BADGE_VPAD_PADS * pad;
  r = h / 2;
  x = CLAMP (x - xalign * w, c->x, MAX (c->x, c->x + c->width - w));
  y = CLAMP (y - yalign * h, c->y, MAX (c->y, c->y + c->height - h));
  cairo_save (cr);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, G_PI / 2);
  cairo_arc (cr, x + r, y + r, r, G_PI / 2, 1.5 * G_PI);
  cairo_close_path (cr);
  bpv_set_source_rgba (cr, p->tc->fault);
  cairo_fill_preserve (cr);
  /* A rim of the background keeps it apart from edges of any colour. */
  bpv_set_source_rgba (cr, p->tc->background);
  cairo_set_line_width (cr, BADGE_RIM_UNITS * p->unit);
  cairo_stroke (cr);
  cairo_restore (cr);
  bpv_text_draw (p->text, text, x + w / 2, y + h / 2, 0.5, 0.5, size, BPV_TEXT_BOLD,
                 p->tc->fault_text);
}

/* Two rings around unit j of column n, a wide faint one and a sharp one;
 * returns the outer radius. */
static double
fault_ring (const Paint *p,
            gsize        n,
            gsize        j)
{
  const BpvColumn *c = &p->layout->columns[n];
  double base = c->kind == BPV_COLUMN_CIRCLES ? c->radius : MAX (c->cell / 2, MARK_MIN_HALF_UNITS * p->unit);
  double line = MAX (FAULT_LINE_MIN_UNITS * p->unit, RING_PER_BASE * base);
  double r = base + RING_GAP_LINES * line + RING_GAP_UNITS_FAULT * p->unit;
  double halo = RING_HALO_LINES * line;
  cairo_t *cr = p->cr;

  cairo_save (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->fault, FAULT_HALO_ALPHA));
  cairo_set_line_width (cr, halo);
  cairo_new_sub_path (cr);
  cairo_arc (cr, c->ux[j], c->uy[j], r + line / 2 + halo / 2, 0, 2 * G_PI);
  cairo_stroke (cr);
  bpv_set_source_rgba (cr, p->tc->fault);
  cairo_set_line_width (cr, line);
  cairo_new_sub_path (cr);
  cairo_arc (cr, c->ux[j], c->uy[j], r, 0, 2 * G_PI);
  cairo_stroke (cr);
  cairo_restore (cr);
  return r + line / 2 + halo;
}

void
_bpv_render_paint_fault (const Paint *p)
{
  const BpTrainFault *f = &p->st->fault;
  const char *name = bp_nonfinite_name (f->value);
  cairo_t *cr = p->cr;
  BpvHit hit;

  const char *symbol;
  g_autofree char *label = NULL;

  if (!bpv_render_fault_hit (f, &hit) || !_bpv_render_hit_valid (p, &hit))
    return;
  switch (f->kind)
    {
    case BP_TRAIN_FAULT_INPUT:   symbol = "x"; break;
    case BP_TRAIN_FAULT_Z:       symbol = "z"; break;
    case BP_TRAIN_FAULT_A:       symbol = "a"; break;
    case BP_TRAIN_FAULT_LOSS:    symbol = "C"; break;
    case BP_TRAIN_FAULT_GRAD_A:  symbol = "∂C/∂a"; break;
    case BP_TRAIN_FAULT_DELTA:   symbol = "δ"; break;
    case BP_TRAIN_FAULT_GRAD_W:  symbol = "∂C/∂W"; break;
    case BP_TRAIN_FAULT_GRAD_B:  symbol = "∂C/∂b"; break;
    case BP_TRAIN_FAULT_PARAM_W: symbol = "W"; break;
    case BP_TRAIN_FAULT_PARAM_B: symbol = "b"; break;
    case BP_TRAIN_FAULT_NONE:
    default:                     symbol = "?"; break;
    }
  /* "z = NaN": what overflowed, and to what. */
  label = g_strdup_printf ("%s = %s", symbol, name != NULL ? name : "NaN");
  name = label;
  if (hit.kind == BPV_HIT_EDGE)
    {
      const BpvBundle *b = &p->layout->bundles[hit.layer];

      if (b->kind == BPV_BUNDLE_MATRIX)
        {
          const BpvRect *m = &b->matrix;
          double cw = m->width / (double) b->cols, ch = m->height / (double) b->rows;

          _bpv_render_outline_cells (p, hit.layer, (double) hit.j, hit.j + 1.0, (double) hit.k,
                                     hit.k + 1.0, p->tc->fault, CELL_LINE_UNITS * p->unit);
          fault_badge (p, name, m->x + cw * (hit.k + 1.0) + CELL_LINE_UNITS * p->unit,
                       m->y + ch * (hit.j + 0.5), 0, 0.5);
        }
      else
        {
          const BpvColumn *l = &p->layout->columns[hit.layer - 1];
          const BpvColumn *r = &p->layout->columns[hit.layer];
          double line = MAX (FAULT_LINE_MIN_UNITS * p->unit, EDGE_LINE_PER_RADIUS * r->radius);
          BpvEdgeStyle halo = { bpv_rgba_with_alpha (p->tc->fault, FAULT_HALO_ALPHA), 0, FALSE };
          BpvEdgeStyle sharp = { p->tc->fault, 0, FALSE };

          cairo_save (cr);
          cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
          _bpv_render_stroke_edge (p, cr, hit.layer, hit.j, hit.k, &halo, EDGE_HALO_LINES * line);
          _bpv_render_stroke_edge (p, cr, hit.layer, hit.j, hit.k, &sharp, line);
          cairo_restore (cr);
          /* The units the weight joins. */
          _bpv_render_mark_unit (p, hit.layer - 1, hit.k, p->tc->fault, line);
          _bpv_render_mark_unit (p, hit.layer, hit.j, p->tc->fault, line);
          fault_badge (p, name, (l->ux[hit.k] + r->ux[hit.j]) / 2,
                       (l->uy[hit.k] + r->uy[hit.j]) / 2 - EDGE_BADGE_LIFT_LINES * line, 0.5, 1);
        }
      return;
    }

  {
    const BpvColumn *c = &p->layout->columns[hit.layer];
    gboolean output = hit.layer + 1 == p->layout->n_columns;
    double outer;

    if (f->kind == BP_TRAIN_FAULT_INPUT)
      {
        /* Bad data: the whole input column is suspect. */
        double m = 2 * (c->kind == BPV_COLUMN_CIRCLES ? c->radius : c->cell) + INPUT_MARGIN_UNITS * p->unit;
        double dash[2] = { INPUT_DASH_ON_UNITS * p->unit, INPUT_DASH_OFF_UNITS * p->unit };

        cairo_save (cr);
        bpv_set_source_rgba (cr, p->tc->fault);
        cairo_set_line_width (cr, INPUT_LINE_UNITS * p->unit);
        cairo_set_dash (cr, dash, 2, 0);
        cairo_rectangle (cr, c->bounds.x - m / 2, c->bounds.y - m / 2,
                         c->bounds.width + m, c->bounds.height + m);
        cairo_stroke (cr);
        cairo_restore (cr);
      }
    if (c->kind == BPV_COLUMN_CIRCLES)
      outer = fault_ring (p, hit.layer, hit.j);
    else
      {
        outer = MAX (c->cell / 2, MARK_MIN_HALF_UNITS * p->unit) + CELL_BADGE_GAP_UNITS * p->unit;
        _bpv_render_mark_unit (p, hit.layer, hit.j, p->tc->fault, CELL_LINE_UNITS * p->unit);
      }
    /* Beside the unit, or above it at the output (its values are beside). */
    if (output)
      fault_badge (p, name, c->ux[hit.j], c->uy[hit.j] - outer, 0.5, 1);
    else
      fault_badge (p, name, c->ux[hit.j] + outer, c->uy[hit.j], 0, 0.5);
  }
}
