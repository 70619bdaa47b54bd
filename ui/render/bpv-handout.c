/* bpv-handout.c — the worksheet's page layout (see bpv-handout.h).
 *
 * Two passes over one list of blocks: the first measures every block and
 * places it on a page (so that the footer can say "3 / 9"), the second
 * paints page by page.  Measuring and painting go through the same
 * functions (paint = FALSE only measures), so what is placed is what is
 * drawn.  Text metrics do not depend on the surface: hinting is off on
 * every layout, as a PDF wants it anyway.
 */
#include "config.h"
#include "bpv-handout.h"

#include <glib/gi18n.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "bpv-export.h"
#include "bpv-plot.h"

/* A4 portrait, in points. */
#define PAGE_WIDTH        595.276
#define PAGE_HEIGHT       841.890
#define MARGIN            56.0    /* 2 cm all round */
#define CONTENT_WIDTH     (PAGE_WIDTH - 2 * MARGIN)
#define HEADER_Y          (MARGIN * 0.5)          /* running title, top edge */
#define FOOTER_Y          (PAGE_HEIGHT - MARGIN * 0.55)  /* page number, top edge */

/* The figure is painted as a canvas of this size would be, then scaled to
 * the content width: its labels (never below BPV_TEXT_MIN_SIZE units) come
 * out at about 8 pt, readable on paper, and the network keeps the
 * proportions it has on screen. */
#define FIGURE_UNITS_W    880.0
#define FIGURE_UNITS_H    520.0
#define FIGURE_SCALE      (CONTENT_WIDTH / FIGURE_UNITS_W)
/* The gradient-norm plot under it, painted the same way. */
#define PLOT_UNITS_H      300.0

/* Type sizes, points. */
#define SIZE_TITLE        20.0
#define SIZE_HEADING      13.5
#define SIZE_BODY         10.5
#define SIZE_SMALL        8.5

/* Vertical rhythm, points. */
#define GAP_TITLE         10.0    /* below the lesson's title */
#define GAP_STEP          22.0    /* above a step's title */
#define GAP_BLOCK         7.0     /* between blocks of a step */
#define NAME_LINE_HEIGHT  30.0    /* the "Name: ___  Date: ___" line */
#define NAME_RULE_WIDTH   220.0
#define DATE_RULE_WIDTH   110.0

/* The question's frame and what is inside it, points. */
#define Q_PAD             9.0     /* inside the frame */
#define Q_GAP             6.0     /* between its parts */
#define Q_CHOICE_INDENT   16.0    /* "○" hangs in this */
#define Q_BOX_WIDTH       150.0   /* the ruled answer box */
#define Q_BOX_HEIGHT      24.0
#define Q_WORK_LINES      3       /* ruled lines for the working */
#define Q_WORK_PITCH      22.0
#define Q_CHOICE_LINES    1       /* a ruled line "why" under choices */

#define INK               0.10    /* grey levels */
#define MUTED             0.40
#define RULE              0.62
#define FRAME             0.78

typedef struct
{
  char            *title;
  char            *text;
  cairo_surface_t *figure;        /* recording surface, or NULL */
  cairo_surface_t *plot;          /* recording surface, or NULL */
  gboolean         has_question;
  char            *prompt;
  char           **choices;       /* NULL: numeric */
  char            *tolerance;
  char            *uses;
  char            *answer;
  char            *worked;
} Step;

struct _BpvHandout
{
  char      *title;
  char      *summary;
  GPtrArray *steps;               /* Step * */
};

typedef enum
{
  BLOCK_TEXT,
  BLOCK_NAME_DATE,
  BLOCK_FIGURE,
  BLOCK_PLOT,
  BLOCK_QUESTION,
} BlockKind;

typedef struct
{
  BlockKind   kind;
  char       *markup;             /* TEXT */
  double      size;               /* TEXT */
  double      grey;               /* TEXT */
  const Step *step;               /* FIGURE, PLOT, QUESTION */
  double      space_before;       /* dropped at the top of a page */
  gboolean    keep_with_next;     /* never the last block of a page */
  gboolean    new_page;
  /* placed */
  double      height;
  gsize       page;
  double      y;
} Block;

/* ------------------------------------------------------------------ text */

static PangoLayout *
make_layout (cairo_t    *cr,
             const char *markup,
             double      size,
             double      width)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans");
  cairo_font_options_t *options = cairo_font_options_create ();

  /* Metrics independent of the surface: the same on the measuring pass
   * and on paper. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (pango_layout_get_context (layout), options);
  cairo_font_options_destroy (options);
  pango_layout_context_changed (layout);

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  /* Everything handed in is markup already checked by its maker; should
   * it still not parse, print it as it is rather than nothing. */
  if (!pango_parse_markup (markup, -1, 0, NULL, NULL, NULL, NULL))
    pango_layout_set_text (layout, markup, -1);
  else
    pango_layout_set_markup (layout, markup, -1);
  return layout;
}

/* Draws (when `paint`) markup at (x, y), wrapped to `width`; returns its
 * height. */
static double
text_do (cairo_t    *cr,
         gboolean    paint,
         const char *markup,
         double      size,
         double      grey,
         double      x,
         double      y,
         double      width)
{
  g_autoptr(PangoLayout) layout = make_layout (cr, markup, size, width);
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  if (paint)
    {
      cairo_set_source_rgb (cr, grey, grey, grey);
      cairo_move_to (cr, x, y);
      pango_cairo_show_layout (cr, layout);
    }
  return (double) h / PANGO_SCALE;
}

static void
rule (cairo_t *cr,
      double   x0,
      double   x1,
      double   y,
      double   grey)
{
  cairo_set_source_rgb (cr, grey, grey, grey);
  cairo_set_line_width (cr, 0.6);
  cairo_move_to (cr, x0, y);
  cairo_line_to (cr, x1, y);
  cairo_stroke (cr);
}

/* ------------------------------------------------------------- the parts */

/* "Name: ________   Date: _____", the rules sitting on the text's
 * baseline. */
static double
name_date_do (cairo_t  *cr,
              gboolean  paint,
              double    y)
{
  g_autofree char *name = g_markup_printf_escaped ("%s", _("Name:"));
  g_autofree char *date = g_markup_printf_escaped ("%s", _("Date:"));
  g_autoptr(PangoLayout) lname = make_layout (cr, name, SIZE_BODY, CONTENT_WIDTH);
  g_autoptr(PangoLayout) ldate = make_layout (cr, date, SIZE_BODY, CONTENT_WIDTH);
  double top = y + NAME_LINE_HEIGHT - SIZE_BODY * 1.6;
  double base = top + (double) pango_layout_get_baseline (lname) / PANGO_SCALE;
  int wn, wd, h;
  double x;

  if (!paint)
    return NAME_LINE_HEIGHT;
  pango_layout_get_size (lname, &wn, &h);
  pango_layout_get_size (ldate, &wd, &h);
  cairo_set_source_rgb (cr, INK, INK, INK);
  cairo_move_to (cr, MARGIN, top);
  pango_cairo_show_layout (cr, lname);
  x = MARGIN + (double) wn / PANGO_SCALE + 4;
  rule (cr, x, x + NAME_RULE_WIDTH, base + 2, INK);
  x += NAME_RULE_WIDTH + 24;
  cairo_set_source_rgb (cr, INK, INK, INK);
  cairo_move_to (cr, x, top);
  pango_cairo_show_layout (cr, ldate);
  x += (double) wd / PANGO_SCALE + 4;
  rule (cr, x, MIN (x + DATE_RULE_WIDTH, MARGIN + CONTENT_WIDTH), base + 2, INK);
  return NAME_LINE_HEIGHT;
}

/* A recorded picture `units_h` units high (FIGURE_UNITS_W wide), scaled
 * to the content width, in a hairline frame. */
static double
figure_do (cairo_t         *cr,
           gboolean         paint,
           cairo_surface_t *picture,
           double           units_h,
           double           y)
{
  double h = units_h * FIGURE_SCALE;

  if (paint)
    {
      cairo_save (cr);
      cairo_translate (cr, MARGIN, y);
      cairo_rectangle (cr, 0, 0, CONTENT_WIDTH, h);
      cairo_clip_preserve (cr);
      cairo_scale (cr, FIGURE_SCALE, FIGURE_SCALE);
      cairo_set_source_surface (cr, picture, 0, 0);
      cairo_paint (cr);
      cairo_restore (cr);
      cairo_set_source_rgb (cr, FRAME, FRAME, FRAME);
      cairo_set_line_width (cr, 0.6);
      cairo_rectangle (cr, MARGIN, y, CONTENT_WIDTH, h);
      cairo_stroke (cr);
    }
  return h;
}

/* The question in a frame: the prompt, then the choices as "○ …" lines
 * and a line for why, or the numbers it may use, an answer box with its
 * tolerance and ruled lines for the working. */
static double
question_do (cairo_t    *cr,
             gboolean    paint,
             const Step *step,
             double      y0)
{
  double x = MARGIN + Q_PAD, w = CONTENT_WIDTH - 2 * Q_PAD;
  double y = y0 + Q_PAD;
  g_autofree char *prompt = g_strdup_printf ("<b>%s</b>  %s", _("Question."), step->prompt);

  y += text_do (cr, paint, prompt, SIZE_BODY, INK, x, y, w);
  if (step->choices != NULL)
    {
      for (gsize c = 0; step->choices[c] != NULL; c++)
        {
          y += Q_GAP;
          text_do (cr, paint, "○", SIZE_BODY, INK, x, y, Q_CHOICE_INDENT);
          y += text_do (cr, paint, step->choices[c], SIZE_BODY, INK,
                        x + Q_CHOICE_INDENT, y, w - Q_CHOICE_INDENT);
        }
      for (int l = 0; l < Q_CHOICE_LINES; l++)
        {
          g_autofree char *why = g_markup_printf_escaped ("%s", _("Why:"));

          y += Q_WORK_PITCH;
          if (l == 0)
            text_do (cr, paint, why, SIZE_SMALL, MUTED, x, y - SIZE_SMALL * 1.5, w);
          if (paint)
            rule (cr, x + (l == 0 ? 28 : 0), x + w, y, RULE);
        }
    }
  else
    {
      g_autofree char *label = g_markup_printf_escaped ("%s", _("Answer:"));
      g_autoptr(PangoLayout) ll = make_layout (cr, label, SIZE_BODY, w);
      int lw, lh;
      double bx;

      if (step->uses != NULL && *step->uses != '\0')
        {
          g_autofree char *uses = g_strdup_printf ("<i>%s</i> %s", _("You may use:"), step->uses);

          y += Q_GAP;
          y += text_do (cr, paint, uses, SIZE_SMALL, MUTED, x, y, w);
        }
      y += Q_GAP * 1.5;
      pango_layout_get_size (ll, &lw, &lh);
      bx = x + (double) lw / PANGO_SCALE + 6;
      if (paint)
        {
          double ty = y + (Q_BOX_HEIGHT - (double) lh / PANGO_SCALE) / 2;

          cairo_set_source_rgb (cr, INK, INK, INK);
          cairo_move_to (cr, x, ty);
          pango_cairo_show_layout (cr, ll);
          cairo_set_line_width (cr, 0.8);
          cairo_rectangle (cr, bx, y, Q_BOX_WIDTH, Q_BOX_HEIGHT);
          cairo_stroke (cr);
          if (step->tolerance != NULL)
            {
              g_autofree char *tol = g_markup_printf_escaped ("(%s)", step->tolerance);

              text_do (cr, paint, tol, SIZE_SMALL, MUTED, bx + Q_BOX_WIDTH + 8,
                       y + (Q_BOX_HEIGHT - SIZE_SMALL * 1.2) / 2, x + w - bx - Q_BOX_WIDTH - 8);
            }
        }
      y += Q_BOX_HEIGHT;
      for (int l = 0; l < Q_WORK_LINES; l++)
        {
          y += Q_WORK_PITCH;
          if (l == 0)
            {
              g_autofree char *working = g_markup_printf_escaped ("%s", _("Working:"));

              text_do (cr, paint, working, SIZE_SMALL, MUTED, x, y - SIZE_SMALL * 1.5, w);
            }
          if (paint)
            rule (cr, x + (l == 0 ? 44 : 0), x + w, y, RULE);
        }
    }
  y += Q_PAD;
  if (paint)
    {
      cairo_set_source_rgb (cr, FRAME, FRAME, FRAME);
      cairo_set_line_width (cr, 0.8);
      cairo_rectangle (cr, MARGIN, y0, CONTENT_WIDTH, y - y0);
      cairo_stroke (cr);
    }
  return y - y0;
}

static double
block_do (cairo_t     *cr,
          gboolean     paint,
          const Block *b,
          double       y)
{
  switch (b->kind)
    {
    case BLOCK_NAME_DATE:
      return name_date_do (cr, paint, y);
    case BLOCK_FIGURE:
      return figure_do (cr, paint, b->step->figure, FIGURE_UNITS_H, y);
    case BLOCK_PLOT:
      return figure_do (cr, paint, b->step->plot, PLOT_UNITS_H, y);
    case BLOCK_QUESTION:
      return question_do (cr, paint, b->step, y);
    case BLOCK_TEXT:
    default:
      return text_do (cr, paint, b->markup, b->size, b->grey, MARGIN, y, CONTENT_WIDTH);
    }
}

/* ---------------------------------------------------------- the blocks */

static Block *
add_block (GArray    *blocks,
           BlockKind  kind,
           double     space_before)
{
  Block b = { 0 };

  b.kind = kind;
  b.space_before = space_before;
  b.size = SIZE_BODY;
  b.grey = INK;
  g_array_append_val (blocks, b);
  return &g_array_index (blocks, Block, blocks->len - 1);
}

static Block *
add_text (GArray     *blocks,
          char       *markup,        /* taken */
          double      size,
          double      space_before)
{
  Block *b = add_block (blocks, BLOCK_TEXT, space_before);

  b->markup = markup;
  b->size = size;
  return b;
}

/* One block per paragraph, so that a long text may go on over a page
 * break between paragraphs.  The markup's paragraphs are separated by a
 * blank line (bpv_lesson_markup_to_pango), and no tag spans one. */
static void
add_paragraphs (GArray     *blocks,
                const char *markup,
                double      size,
                double      space_before)
{
  g_auto(GStrv) paras = g_strsplit (markup, "\n\n", -1);

  for (gsize p = 0; paras[p] != NULL; p++)
    if (*g_strstrip (paras[p]) != '\0')
      {
        add_text (blocks, g_strdup (paras[p]), size, space_before);
        space_before = GAP_BLOCK;
      }
}

static char *
bold (const char *plain)
{
  return g_markup_printf_escaped ("<b>%s</b>", plain);
}

static void
clear_block (gpointer data)
{
  Block *b = data;

  g_free (b->markup);
}

static GArray *
make_blocks (const BpvHandout *handout)
{
  GArray *blocks = g_array_new (FALSE, TRUE, sizeof (Block));
  gboolean any_question = FALSE;

  g_array_set_clear_func (blocks, clear_block);

  add_text (blocks, bold (handout->title), SIZE_TITLE, 0);
  if (handout->summary != NULL && *handout->summary != '\0')
    add_text (blocks, g_markup_escape_text (handout->summary, -1), SIZE_BODY + 0.5, GAP_TITLE);
  add_block (blocks, BLOCK_NAME_DATE, GAP_BLOCK);

  for (guint i = 0; i < handout->steps->len; i++)
    {
      const Step *step = g_ptr_array_index (handout->steps, i);
      g_autofree char *heading = g_strdup_printf ("%u. %s", i + 1, step->title);
      Block *b;

      b = add_text (blocks, bold (heading), SIZE_HEADING, GAP_STEP);
      b->keep_with_next = TRUE;
      if (step->text != NULL)
        add_paragraphs (blocks, step->text, SIZE_BODY, GAP_BLOCK);
      if (step->figure != NULL)
        {
          /* The text ends above the figure it talks about. */
          g_array_index (blocks, Block, blocks->len - 1).keep_with_next = TRUE;
          b = add_block (blocks, BLOCK_FIGURE, GAP_BLOCK * 1.5);
          b->step = step;
          b->keep_with_next = step->plot != NULL;
        }
      if (step->plot != NULL)
        add_block (blocks, BLOCK_PLOT, GAP_BLOCK)->step = step;
      if (step->has_question)
        {
          add_block (blocks, BLOCK_QUESTION, GAP_BLOCK * 1.5)->step = step;
          any_question = TRUE;
        }
    }

  if (!any_question)
    return blocks;

  {
    Block *b = add_text (blocks, bold (_("Worked answers")), SIZE_TITLE, 0);

    b->new_page = TRUE;
  }
  for (guint i = 0; i < handout->steps->len; i++)
    {
      const Step *step = g_ptr_array_index (handout->steps, i);
      g_autofree char *heading = NULL;
      Block *b;

      if (!step->has_question)
        continue;
      heading = g_strdup_printf ("%u. %s", i + 1, step->title);
      b = add_text (blocks, bold (heading), SIZE_HEADING - 2, GAP_STEP);
      b->keep_with_next = TRUE;
      b = add_text (blocks, g_strdup (step->prompt), SIZE_BODY, GAP_BLOCK * 0.5);
      b->grey = MUTED;
      b->keep_with_next = TRUE;
      if (step->choices == NULL && step->tolerance != NULL)
        b = add_text (blocks, g_markup_printf_escaped ("<b>%s</b> %s  (%s)", _("Answer:"),
                                                       step->answer, step->tolerance),
                      SIZE_BODY, GAP_BLOCK);
      else
        b = add_text (blocks, g_strdup_printf ("<b>%s</b> %s", _("Answer:"), step->answer),
                      SIZE_BODY, GAP_BLOCK);
      b->keep_with_next = step->worked != NULL;
      if (step->worked != NULL)
        add_paragraphs (blocks, step->worked, SIZE_BODY, GAP_BLOCK * 0.5);
    }
  return blocks;
}

/* Places every block: a block goes to the next page when it (with the
 * blocks it keeps with) does not fit below the last one.  Returns the
 * number of pages. */
static gsize
paginate (cairo_t *cr,
          GArray  *blocks)
{
  const double top = MARGIN, bottom = PAGE_HEIGHT - MARGIN;
  gsize page = 0;
  double y = top;

  for (guint i = 0; i < blocks->len; i++)
    {
      Block *b = &g_array_index (blocks, Block, i);

      b->height = block_do (cr, FALSE, b, 0);
    }
  for (guint i = 0; i < blocks->len; i++)
    {
      Block *b = &g_array_index (blocks, Block, i);
      double need = b->height;

      for (guint k = i; k + 1 < blocks->len && g_array_index (blocks, Block, k).keep_with_next; k++)
        {
          const Block *next = &g_array_index (blocks, Block, k + 1);

          need += next->space_before + next->height;
        }
      if (b->new_page && y > top)
        {
          page++;
          y = top;
        }
      else if (y > top && y + b->space_before + need > bottom)
        {
          page++;
          y = top;
        }
      else if (y > top)
        y += b->space_before;
      b->page = page;
      b->y = y;
      y += b->height;
    }
  return page + 1;
}

/* ------------------------------------------------------------ painting */

typedef struct
{
  const BpvHandout *handout;
  GArray           *blocks;
  gsize             n_pages;
} Painting;

static void
paint_page (cairo_t  *cr,
            gsize     page,
            double    width,
            double    height,
            gpointer  user_data)
{
  Painting *p = user_data;
  g_autofree char *number = g_strdup_printf (_("%zu / %zu"), page + 1, p->n_pages);
  g_autoptr(PangoLayout) footer = make_layout (cr, number, SIZE_SMALL, CONTENT_WIDTH);

  if (page == 0)
    cairo_pdf_surface_set_metadata (cairo_get_target (cr), CAIRO_PDF_METADATA_TITLE,
                                    p->handout->title);
  /* White paper, whatever the viewer's background. */
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  if (page > 0)
    {
      g_autofree char *title = g_markup_escape_text (p->handout->title, -1);
      double h = text_do (cr, TRUE, title, SIZE_SMALL, MUTED, MARGIN, HEADER_Y, CONTENT_WIDTH);

      rule (cr, MARGIN, MARGIN + CONTENT_WIDTH, HEADER_Y + h + 2, FRAME);
    }
  pango_layout_set_alignment (footer, PANGO_ALIGN_CENTER);
  cairo_set_source_rgb (cr, MUTED, MUTED, MUTED);
  cairo_move_to (cr, MARGIN, FOOTER_Y);
  pango_cairo_show_layout (cr, footer);

  for (guint i = 0; i < p->blocks->len; i++)
    {
      const Block *b = &g_array_index (p->blocks, Block, i);

      if (b->page == page)
        block_do (cr, TRUE, b, b->y);
    }
}

/* ---------------------------------------------------------------- API */

static void
step_free (gpointer data)
{
  Step *step = data;

  g_free (step->title);
  g_free (step->text);
  g_clear_pointer (&step->figure, cairo_surface_destroy);
  g_clear_pointer (&step->plot, cairo_surface_destroy);
  g_free (step->prompt);
  g_strfreev (step->choices);
  g_free (step->tolerance);
  g_free (step->uses);
  g_free (step->answer);
  g_free (step->worked);
  g_free (step);
}

BpvHandout *
bpv_handout_new (const char *title,
                 const char *summary)
{
  BpvHandout *handout;

  g_return_val_if_fail (title != NULL, NULL);

  handout = g_new0 (BpvHandout, 1);
  handout->title = g_strdup (title);
  handout->summary = g_strdup (summary);
  handout->steps = g_ptr_array_new_with_free_func (step_free);
  return handout;
}

void
bpv_handout_free (BpvHandout *handout)
{
  if (handout == NULL)
    return;
  g_free (handout->title);
  g_free (handout->summary);
  g_ptr_array_unref (handout->steps);
  g_free (handout);
}

void
bpv_handout_add_step (BpvHandout *handout,
                      const char *title,
                      const char *text)
{
  Step *step;

  g_return_if_fail (handout != NULL && title != NULL);

  step = g_new0 (Step, 1);
  step->title = g_strdup (title);
  step->text = g_strdup (text);
  g_ptr_array_add (handout->steps, step);
}

static Step *
current_step (BpvHandout *handout)
{
  g_return_val_if_fail (handout != NULL && handout->steps->len > 0, NULL);

  return g_ptr_array_index (handout->steps, handout->steps->len - 1);
}

void
bpv_handout_set_figure (BpvHandout            *handout,
                        const BpvRenderState  *state,
                        const BpvLayoutParams *params,
                        const char            *caption)
{
  cairo_rectangle_t extents = { 0, 0, FIGURE_UNITS_W, FIGURE_UNITS_H };
  Step *step = current_step (handout);
  BpvRenderState paper;
  cairo_t *cr;

  g_return_if_fail (step != NULL && state != NULL && params != NULL);

  paper = *state;
  paper.theme = BPV_THEME_LIGHT;
  paper.cache = NULL;
  paper.device_scale = 1;
  paper.hover = (BpvHit) BPV_HIT_INIT;

  g_clear_pointer (&step->figure, cairo_surface_destroy);
  step->figure = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, &extents);
  cr = cairo_create (step->figure);
  bpv_network_render_page (cr, &paper, params, caption, FIGURE_UNITS_W, FIGURE_UNITS_H);
  cairo_destroy (cr);
}

void
bpv_handout_set_grad_norms (BpvHandout         *handout,
                            const double       *norms,
                            gsize               n_records,
                            gsize               n_layers,
                            guint64             stride,
                            const char * const *layer_names)
{
  cairo_rectangle_t extents = { 0, 0, FIGURE_UNITS_W, PLOT_UNITS_H };
  BpvRect rect = { 0, 0, FIGURE_UNITS_W, PLOT_UNITS_H };
  Step *step = current_step (handout);
  BpvPlotStyle style;
  cairo_t *cr;

  g_return_if_fail (step != NULL && (norms != NULL || n_records == 0));

  bpv_plot_style_init (&style);
  style.theme = BPV_THEME_LIGHT;
  style.title = _("‖∂C/∂W(n)‖ per layer");
  style.layer_names = layer_names;
  g_clear_pointer (&step->plot, cairo_surface_destroy);
  step->plot = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, &extents);
  cr = cairo_create (step->plot);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  bpv_plot_grad_norms (cr, &rect, norms, n_records, n_layers, stride, &style);
  cairo_destroy (cr);
}

void
bpv_handout_set_question (BpvHandout               *handout,
                          const BpvHandoutQuestion *question)
{
  Step *step = current_step (handout);

  g_return_if_fail (step != NULL && question != NULL && question->prompt != NULL);

  step->has_question = TRUE;
  step->prompt = g_strdup (question->prompt);
  step->choices = g_strdupv ((char **) question->choices);
  step->tolerance = g_strdup (question->tolerance);
  step->uses = g_strdup (question->uses);
  step->answer = g_strdup (question->answer != NULL ? question->answer : "");
  step->worked = g_strdup (question->worked);
}

gboolean
bpv_handout_write_pdf (BpvHandout  *handout,
                       const char  *path,
                       gsize       *n_pages,
                       GError     **error)
{
  g_autoptr(GArray) blocks = NULL;
  cairo_surface_t *scratch;
  cairo_t *cr;
  Painting p;

  g_return_val_if_fail (handout != NULL && path != NULL, FALSE);

  /* Measured on a scratch surface: the page count must be known before
   * the first page is painted. */
  blocks = make_blocks (handout);
  scratch = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cr = cairo_create (scratch);
  p.handout = handout;
  p.blocks = blocks;
  p.n_pages = paginate (cr, blocks);
  cairo_destroy (cr);
  cairo_surface_destroy (scratch);

  if (n_pages != NULL)
    *n_pages = p.n_pages;
  return bpv_export_pdf_pages (path, PAGE_WIDTH, PAGE_HEIGHT, p.n_pages, paint_page, &p, error);
}
