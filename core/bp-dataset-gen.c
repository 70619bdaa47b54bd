/* bp-dataset-gen.c — the seeded toy-dataset generators.
 *
 * Every random number comes from one BpRng seeded with `seed`, drawn in a
 * fixed order row by row, and the only other arithmetic is IEEE +, −, ×, ÷,
 * √ and our own sine/cosine below, so a seed gives the same bits on every
 * machine.  Each expression draws at most once (C leaves the order of operand
 * evaluation unspecified), and the jitter is drawn even when noise is 0, so
 * one seed gives the same underlying points at every noise level.
 *
 * The two-class sets alternate the label, row i has class i mod 2, so the
 * classes are balanced exactly for an even row count (off by one for odd).
 * Inputs lie in about [−1.2, 1.2]² before the jitter, a range a small tanh
 * network learns without rescaling.  `noise` is the standard deviation of
 * Gaussian jitter added to each input coordinate after the label is fixed,
 * so a large noise mislabels points near the boundary, as in scikit-learn.
 *
 *   name          label 1 means                          default noise
 *   xor           x1 and x2 have opposite signs          0.05
 *   circles       inside the disk r < 0.5 (ring 0.7…1)   0.05
 *   spirals       on the second arm                      0.03
 *   blobs         near centre (0.5, 0.5), not (−.5, −.5) 0.3  (the spread)
 *   moons         on the lower moon                      0.1
 *   checkerboard  in a cell with (column + row) odd      0.02
 *   sine          regression, y = sin(πx), x ∈ [−1, 1)   0.05 (on y)
 */
#include "config.h"
#include "bp-dataset.h"
#include "bp-rng.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#define DEFAULT_ROWS_2D   400
#define DEFAULT_ROWS_1D   200
#define MAX_ROWS          10000000
#define MAX_NOISE         10.0

/* sin x and cos x from +, −, ×, ÷ only: libm's may differ in the last bit
 * between machines and we promise the same data for a seed everywhere.
 * x = r + k·π/2 with |r| ≤ π/4, π/2 split into a 33-bit head (k·head is
 * exact for |k| < 2^20) and a tail (fdlibm's constants); then Taylor series
 * to r^19, whose remainder is below 1e-19 for |r| ≤ π/4.  We call it with
 * |x| < 20. */
static void
det_sincos (double  x,
            double *s,
            double *c)
{
  static const double pio2_hi = 1.57079632673412561417e+00;
  static const double pio2_lo = 6.07710050650619224932e-11;
  double k = floor (x * (2.0 / G_PI) + 0.5);
  double r = (x - k * pio2_hi) - k * pio2_lo;
  double r2 = r * r;
  double sin_r = r, cos_r = 1.0, ts = r, tc = 1.0;
  gint64 q;

  for (int n = 1; n <= 9; n++)
    {
      ts *= -r2 / (double) ((2 * n) * (2 * n + 1));
      tc *= -r2 / (double) ((2 * n - 1) * (2 * n));
      sin_r += ts;
      cos_r += tc;
    }

  q = ((gint64) k % 4 + 4) % 4;
  switch (q)
    {
    case 0:
      *s = sin_r;
      *c = cos_r;
      break;
    case 1:
      *s = cos_r;
      *c = -sin_r;
      break;
    case 2:
      *s = -sin_r;
      *c = -cos_r;
      break;
    default:
      *s = -cos_r;
      *c = sin_r;
      break;
    }
}

/* Each generator writes row i: x (n_features values) and its target y. */
typedef void (*RowFunc) (BpRng  *rng,
                         gsize   i,
                         double  noise,
                         double *x,
                         double *y);

static void
row_xor (BpRng  *rng,
         gsize   i,
         double  noise,
         double *x,
         double *y)
{
  /* Uniform in a quadrant, kept 0.05 away from the axes so that the
   * noise-free set is cleanly separable. */
  int cls = i % 2;
  double sx = bp_rng_below (rng, 2) ? 1.0 : -1.0;
  double sy = cls ? -sx : sx;

  double a = bp_rng_range (rng, 0.05, 1.0);
  double b = bp_rng_range (rng, 0.05, 1.0);

  x[0] = sx * a + noise * bp_rng_normal (rng);
  x[1] = sy * b + noise * bp_rng_normal (rng);
  y[0] = cls;
}

static void
row_circles (BpRng  *rng,
             gsize   i,
             double  noise,
             double *x,
             double *y)
{
  /* Uniform over the area: r = √u for the disk, r² uniform on the ring. */
  int cls = i % 2;
  double u = bp_rng_uniform (rng);
  double r = cls ? 0.5 * sqrt (u) : sqrt (0.49 + 0.51 * u);
  double s, c;

  det_sincos (2.0 * G_PI * bp_rng_uniform (rng), &s, &c);
  x[0] = r * c + noise * bp_rng_normal (rng);
  x[1] = r * s + noise * bp_rng_normal (rng);
  y[0] = cls;
}

static void
row_spirals (BpRng  *rng,
             gsize   i,
             double  noise,
             double *x,
             double *y)
{
  /* Arm k: r = t, θ = 3.5π·t + kπ for t uniform in [0, 1): 1¾ turns, the
   * arms half a turn apart, 0.29 apart radially at the rim. */
  int cls = i % 2;
  double t = bp_rng_uniform (rng);
  double s, c;

  det_sincos (3.5 * G_PI * t + cls * G_PI, &s, &c);
  x[0] = t * c + noise * bp_rng_normal (rng);
  x[1] = t * s + noise * bp_rng_normal (rng);
  y[0] = cls;
}

static void
row_blobs (BpRng  *rng,
           gsize   i,
           double  noise,
           double *x,
           double *y)
{
  /* The noise is the blobs' spread: with noise 0 they are two points. */
  int cls = i % 2;
  double centre = cls ? 0.5 : -0.5;

  x[0] = centre + noise * bp_rng_normal (rng);
  x[1] = centre + noise * bp_rng_normal (rng);
  y[0] = cls;
}

static void
row_moons (BpRng  *rng,
           gsize   i,
           double  noise,
           double *x,
           double *y)
{
  /* scikit-learn's make_moons, (cos θ, sin θ) and (1 − cos θ, ½ − sin θ)
   * for θ in [0, π), centred on (½, ¼) and scaled by 0.8: x1 in [−1.2, 1.2],
   * x2 in [−0.6, 0.6]. */
  int cls = i % 2;
  double s, c, u, v;

  det_sincos (G_PI * bp_rng_uniform (rng), &s, &c);
  u = cls ? 1.0 - c : c;
  v = cls ? 0.5 - s : s;
  x[0] = 0.8 * (u - 0.5) + noise * bp_rng_normal (rng);
  x[1] = 0.8 * (v - 0.25) + noise * bp_rng_normal (rng);
  y[0] = cls;
}

static void
row_checkerboard (BpRng  *rng,
                  gsize   i,
                  double  noise,
                  double *x,
                  double *y)
{
  /* 4×4 cells of side ½ on [−1, 1]²: pick a row, then one of the two cells
   * of the wanted colour in it, then a uniform point in the cell. */
  int cls = i % 2;
  int row = (int) bp_rng_below (rng, 4);
  int col = 2 * (int) bp_rng_below (rng, 2) + (cls + row) % 2;

  double a = bp_rng_uniform (rng);
  double b = bp_rng_uniform (rng);

  x[0] = -1.0 + 0.5 * (col + a) + noise * bp_rng_normal (rng);
  x[1] = -1.0 + 0.5 * (row + b) + noise * bp_rng_normal (rng);
  y[0] = cls;
}

static void
row_sine (BpRng  *rng,
          gsize   i,
          double  noise,
          double *x,
          double *y)
{
  /* Regression: the jitter goes on the target, the input is exact. */
  double s, c;

  x[0] = bp_rng_range (rng, -1.0, 1.0);
  det_sincos (G_PI * x[0], &s, &c);
  y[0] = s + noise * bp_rng_normal (rng);
}

typedef struct
{
  const char *name;
  RowFunc     row;
  double      default_noise;
  gboolean    regression;
} Generator;

static const Generator generators[] = {
  { "xor",          row_xor,          0.05, FALSE },
  { "circles",      row_circles,      0.05, FALSE },
  { "spirals",      row_spirals,      0.03, FALSE },
  { "blobs",        row_blobs,        0.3,  FALSE },
  { "moons",        row_moons,        0.1,  FALSE },
  { "checkerboard", row_checkerboard, 0.02, FALSE },
  { "sine",         row_sine,         0.05, TRUE },
};

double
bp_dataset_default_noise (const char *name)
{
  g_return_val_if_fail (name != NULL, -1);

  for (gsize i = 0; i < G_N_ELEMENTS (generators); i++)
    if (g_ascii_strcasecmp (name, generators[i].name) == 0)
      return generators[i].default_noise;
  return -1;
}

BpDataset *
bp_dataset_generate (const char  *name,
                     gsize        n_rows,
                     double       noise,
                     guint64      seed,
                     GError     **error)
{
  static const char * const names_2d[] = { "x1", "x2", NULL };
  static const char * const names_1d[] = { "x", NULL };
  static const char * const class_target[] = { "class", NULL };
  static const char * const sine_target[] = { "y", NULL };
  const Generator *gen = NULL;
  BpDataset *ds;
  BpRng rng;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (generators); i++)
    if (g_ascii_strcasecmp (name, generators[i].name) == 0)
      gen = &generators[i];

  if (gen == NULL)
    {
      g_autoptr(GString) names = g_string_new (NULL);
      g_autofree char *shown = g_utf8_make_valid (name, -1);

      for (gsize i = 0; i < G_N_ELEMENTS (generators); i++)
        g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                                generators[i].name);
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_UNKNOWN,
                   _("Unknown generator “%s”: expected one of %s"),
                   shown, names->str);
      return NULL;
    }

  if (n_rows > MAX_ROWS)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("%s: %zu rows is too many (at most %d)"),
                   gen->name, n_rows, MAX_ROWS);
      return NULL;
    }
  if (!isfinite (noise) || noise > MAX_NOISE)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("%s: noise %g is out of range (0 to %g, or negative for "
                     "the default)"), gen->name, noise, MAX_NOISE);
      return NULL;
    }

  if (n_rows == 0)
    n_rows = gen->regression ? DEFAULT_ROWS_1D : DEFAULT_ROWS_2D;
  if (noise < 0)
    noise = gen->default_noise;

  ds = g_new0 (BpDataset, 1);
  ds->name = g_strdup (gen->name);
  ds->source = g_strdup (gen->name);
  ds->task = gen->regression ? BP_TASK_REGRESSION : BP_TASK_BINARY;
  ds->n_rows = n_rows;
  ds->n_features = gen->regression ? 1 : 2;
  ds->n_targets = 1;
  ds->X = g_new (double, n_rows * ds->n_features);
  ds->Y = g_new (double, n_rows);
  ds->feature_names = g_strdupv ((char **) (gen->regression ? names_1d
                                                            : names_2d));
  ds->target_names = g_strdupv ((char **) (gen->regression ? sine_target
                                                           : class_target));

  bp_rng_init (&rng, seed);
  for (gsize i = 0; i < n_rows; i++)
    gen->row (&rng, i, noise, ds->X + i * ds->n_features, ds->Y + i);

  return ds;
}
