/* bp-plugin-check.c — a plugin's derivatives against finite differences:
 * the check of a whole plugin, and what its parts share (see
 * bp-plugin-check-private.h).  The family:
 *
 *   bp-plugin-check.c             bp_plugin_check_numeric, the seeds of the
 *                                 points, messages, guarded arrays;
 *   bp-plugin-check-point.c       the comparison at one point;
 *   bp-plugin-check-activation.c  element-wise and vector activations;
 *   bp-plugin-check-cost.c        costs, through their output activation;
 *   bp-plugin-check-optimizer.c   optimizers on a small quadratic.
 *
 * Where the points go.  A fixed grid misses a derivative that is wrong only
 * between its points, so besides the grid (kept: its points are the ones
 * the messages have always named) every check draws jittered points, one
 * in each cell of a fine partition, from a generator seeded by the
 * feature's id: the same plugin always gets the same points and so the same
 * verdict, and no interval wider than two cells (0.02) goes unvisited on
 * [−100, 100].  Beyond, out to |z| = 1000, they are drawn log-uniformly.
 */
#include "bp-plugin-check-private.h"
#include "bp-util.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define CHECK_SEED G_GUINT64_CONSTANT (0x6261636b70726f70)  /* "backprop" */
/* The id is hashed with 64-bit FNV-1a. */
#define FNV_OFFSET_BASIS G_GUINT64_CONSTANT (14695981039346656037)
#define FNV_PRIME        G_GUINT64_CONSTANT (1099511628211)
/* 2⁶⁴/φ: consecutive salts give seeds far apart. */
#define GOLDEN_RATIO_64  G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)

/* What the GUARD doubles past an output array hold: a signalling NaN no
 * plugin computes by chance. */
#define GUARD_BITS G_GUINT64_CONSTANT (0x7ff4dead7ff4beef)

static guint64 jitter_salt;

void
bp_plugin_check_set_jitter_salt (guint64 salt)
{
  jitter_salt = salt;
}

guint64
_bp_plugin_check_seed (const char            *id,
                       BpPluginCheckSeedKind  kind)
{
  guint64 h = FNV_OFFSET_BASIS;

  for (const unsigned char *p = (const unsigned char *) (id != NULL ? id : ""); *p; p++)
    h = (h ^ *p) * FNV_PRIME;
  return CHECK_SEED ^ h ^ ((guint64) kind << 56) ^ (jitter_salt * GOLDEN_RATIO_64);
}

/* ------------------------------------------------------------ formatting */

char *
_bp_plugin_check_fmt (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    return g_strdup ("NaN");
  if (isinf (v))
    return g_strdup (v > 0 ? "∞" : "−∞");
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

char *
_bp_plugin_check_fmt_vec (const double *v,
                          size_t        n)
{
  GString *s = g_string_new ("(");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (size_t i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "",
                            g_ascii_formatd (buf, sizeof buf, "%.4g", v[i]));
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

/* ----------------------------------------------------------- guarded arrays */

double *
_bp_plugin_check_guarded_new (size_t n)
{
  double *v = g_new0 (double, n + GUARD);

  _bp_plugin_check_guard_set (v, n);
  return v;
}

void
_bp_plugin_check_guard_set (double *v,
                            size_t  n)
{
  guint64 bits = GUARD_BITS;

  for (size_t i = n; i < n + GUARD; i++)
    memcpy (&v[i], &bits, sizeof bits);
}

gboolean
_bp_plugin_check_guard_intact (const double *v,
                               size_t        n)
{
  guint64 bits = GUARD_BITS;

  for (size_t i = n; i < n + GUARD; i++)
    if (memcmp (&v[i], &bits, sizeof bits) != 0)
      return FALSE;
  return TRUE;
}

double *
_bp_plugin_check_default_params (const BpParamSpec *specs,
                                 size_t             n)
{
  double *p = g_new0 (double, MAX (n, 1));

  for (size_t i = 0; i < n; i++)
    p[i] = specs[i].default_value;
  return p;
}

gboolean
_bp_plugin_check_error (GError    **error,
                        const char *format,
                        ...)
{
  va_list args;
  char *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NUMERIC, msg);
  g_free (msg);
  return FALSE;
}

/* ------------------------------------------------------------- the plugin */

gboolean
bp_plugin_check_numeric (const BpPluginDesc *desc,
                         GError            **error)
{
  GError *local = NULL;

  g_return_val_if_fail (desc != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (size_t i = 0; i < desc->n_activations && local == NULL; i++)
    bp_plugin_check_activation (&desc->activations[i], NULL, &local);

  for (size_t i = 0; i < desc->n_costs && local == NULL; i++)
    {
      const BpCostDesc *c = &desc->costs[i];
      const BpActivationDesc *act = NULL;

      /* The output activation may come with the cost in the same plugin. */
      if (c->output_activation != NULL)
        for (size_t k = 0; k < desc->n_activations && act == NULL; k++)
          if (g_strcmp0 (desc->activations[k].id, c->output_activation) == 0)
            act = &desc->activations[k];
      bp_plugin_check_cost (c, NULL, act, &local);
    }

  for (size_t i = 0; i < desc->n_optimizers && local == NULL; i++)
    bp_plugin_check_optimizer (&desc->optimizers[i], NULL, &local);

  if (local != NULL)
    {
      g_autofree char *shown = bp_shown (desc->name != NULL ? desc->name : "", -1,
                                         BP_SHOWN_MAX_CHARS);

      g_prefix_error (&local, "plugin “%s”: ", shown);
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}
