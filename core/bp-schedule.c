/* bp-schedule.c — learning-rate schedules as torch.optim.lr_scheduler
 * computes them (see bp-schedule.h). */
#include "config.h"
#include "bp-schedule.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Integer parameters are kept below 2⁵³, where a double from the file or a
 * spin button holds them exactly. */
#define MAX_STEPS 9007199254740992.0

static const char *const kind_ids[BP_N_SCHEDULES] = {
  [BP_SCHEDULE_NONE] = "none",
  [BP_SCHEDULE_STEP] = "step",
  [BP_SCHEDULE_EXPONENTIAL] = "exponential",
  [BP_SCHEDULE_COSINE] = "cosine",
  [BP_SCHEDULE_LINEAR] = "linear",
  [BP_SCHEDULE_SEQUENTIAL] = "sequential",
};

static const char *const no_names[] = { NULL };
static const char *const step_names[] = { "step_size", "gamma", NULL };
static const char *const exponential_names[] = { "gamma", NULL };
static const char *const cosine_names[] = { "t_max", "eta_min", NULL };
static const char *const linear_names[] = { "start_factor", "end_factor", "total_iters", NULL };

const char *
bp_schedule_kind_id (BpScheduleKind kind)
{
  g_return_val_if_fail (kind < BP_N_SCHEDULES, NULL);
  return kind_ids[kind];
}

BpScheduleKind
bp_schedule_kind_from_id (const char *id)
{
  for (guint k = 0; k < BP_N_SCHEDULES; k++)
    if (g_strcmp0 (kind_ids[k], id) == 0)
      return k;
  return BP_N_SCHEDULES;
}

static void
phase_init (BpSchedulePhase *p,
            BpScheduleKind   kind)
{
  /* torch's defaults where it has them; t_max and step_size have none. */
  *p = (BpSchedulePhase) {
    .kind = kind,
    .step_size = 10, .gamma = 0.1,
    .t_max = 100, .eta_min = 0.0,
    .start_factor = 1.0 / 3, .end_factor = 1.0, .total_iters = 5,
  };
}

void
bp_schedule_init (BpSchedule     *s,
                  BpScheduleKind  kind)
{
  g_return_if_fail (kind < BP_N_SCHEDULES);

  if (kind == BP_SCHEDULE_SEQUENTIAL)
    {
      bp_schedule_init_warmup_cosine (s, 5, 100);
      return;
    }
  memset (s, 0, sizeof *s);
  s->kind = kind;
  s->n_phases = 1;
  phase_init (&s->phases[0], kind);
}

void
bp_schedule_init_warmup_cosine (BpSchedule *s,
                                guint64     warmup,
                                guint64     t_max)
{
  g_return_if_fail (s != NULL && warmup >= 1 && t_max >= 1);

  memset (s, 0, sizeof *s);
  s->kind = BP_SCHEDULE_SEQUENTIAL;
  s->n_phases = 2;
  phase_init (&s->phases[0], BP_SCHEDULE_LINEAR);
  s->phases[0].total_iters = warmup;
  phase_init (&s->phases[1], BP_SCHEDULE_COSINE);
  s->phases[1].t_max = t_max;
  s->milestones[0] = warmup;
}

gboolean
bp_schedule_is_warmup_cosine (const BpSchedule *s)
{
  return s->kind == BP_SCHEDULE_SEQUENTIAL && s->n_phases == 2
         && s->phases[0].kind == BP_SCHEDULE_LINEAR && s->phases[0].end_factor == 1.0
         && s->phases[0].total_iters == s->milestones[0]
         && s->phases[1].kind == BP_SCHEDULE_COSINE;
}

const char * const *
bp_schedule_param_names (BpScheduleKind kind)
{
  switch (kind)
    {
    case BP_SCHEDULE_STEP:        return step_names;
    case BP_SCHEDULE_EXPONENTIAL: return exponential_names;
    case BP_SCHEDULE_COSINE:      return cosine_names;
    case BP_SCHEDULE_LINEAR:      return linear_names;
    case BP_SCHEDULE_NONE:
    case BP_N_SCHEDULES:
    default:                      return no_names;
    }
}

static gboolean
has_param (BpScheduleKind  kind,
           const char     *name)
{
  const char * const *names = bp_schedule_param_names (kind);

  for (gsize i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
set_steps (guint64     *out,
           const char  *name,
           double       value,
           GError     **error)
{
  if (!(value >= 1.0 && value <= MAX_STEPS && value == floor (value)))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("schedule %s = %g must be a whole number of steps ≥ 1"), name, value);
      return FALSE;
    }
  *out = (guint64) value;
  return TRUE;
}

static gboolean
set_factor (double      *out,
            const char  *name,
            double       value,
            double       min,
            gboolean     min_open,
            double       max,
            GError     **error)
{
  gboolean ok = (min_open ? value > min : value >= min) && value <= max && isfinite (value);

  if (!ok)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("schedule %s = %g is out of range %s%g, %g]"), name, value,
                   min_open ? "(" : "[", min, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
bp_schedule_phase_set (BpSchedulePhase  *s,
                       const char       *name,
                       double            value,
                       GError          **error)
{
  g_return_val_if_fail (s != NULL && name != NULL, FALSE);

  if (!has_param (s->kind, name))
    {
      const char * const *names = bp_schedule_param_names (s->kind);
      g_autofree char *known = g_strjoinv (", ", (char **) names);

      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("schedule “%s” has no parameter “%s” (it has: %s)"),
                   kind_ids[s->kind], name, known[0] != '\0' ? known : _("none"));
      return FALSE;
    }
  if (strcmp (name, "step_size") == 0)
    return set_steps (&s->step_size, name, value, error);
  if (strcmp (name, "t_max") == 0)
    return set_steps (&s->t_max, name, value, error);
  if (strcmp (name, "total_iters") == 0)
    return set_steps (&s->total_iters, name, value, error);
  /* gamma ≤ 0 would zero or flip the rate; above 1 it grows, as torch
   * allows. */
  if (strcmp (name, "gamma") == 0)
    return set_factor (&s->gamma, name, value, 0.0, TRUE, 1e6, error);
  if (strcmp (name, "eta_min") == 0)
    return set_factor (&s->eta_min, name, value, 0.0, FALSE, 1e6, error);
  /* start_factor 0 would divide by zero in LinearLR's recursion. */
  if (strcmp (name, "start_factor") == 0)
    return set_factor (&s->start_factor, name, value, 0.0, TRUE, 1.0, error);
  return set_factor (&s->end_factor, name, value, 0.0, FALSE, 1.0, error);
}

gboolean
bp_schedule_set (BpSchedule  *s,
                 const char  *name,
                 double       value,
                 GError     **error)
{
  g_return_val_if_fail (s != NULL && name != NULL, FALSE);

  /* A sequential schedule has no parameters of its own (its phases do):
   * the message names what it has. */
  if (s->kind == BP_SCHEDULE_SEQUENTIAL)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("schedule “%s” has no parameter “%s” (it has: %s)"),
                   kind_ids[s->kind], name, "schedules, milestones");
      return FALSE;
    }
  return bp_schedule_phase_set (&s->phases[0], name, value, error);
}

gboolean
bp_schedule_set_sequential (BpSchedule            *s,
                            const BpSchedulePhase *phases,
                            guint                  n_phases,
                            const guint64         *milestones,
                            GError               **error)
{
  g_return_val_if_fail (s != NULL && (phases != NULL || n_phases == 0), FALSE);

  if (n_phases < 2 || n_phases > BP_SCHEDULE_MAX_PHASES)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("a sequential schedule has 2 to %d schedules, not %u"),
                   BP_SCHEDULE_MAX_PHASES, n_phases);
      return FALSE;
    }
  for (guint i = 0; i < n_phases; i++)
    if (phases[i].kind == BP_SCHEDULE_NONE || phases[i].kind >= BP_SCHEDULE_SEQUENTIAL)
      {
        g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                     _("schedule %u of a sequential schedule must be one of step, "
                       "exponential, cosine, linear"), i + 1);
        return FALSE;
      }
  /* torch finds the phase with bisect_right and enters it only when a
   * milestone equals the step: out of order or at 0 a phase would be
   * skipped or never started with its step(0). */
  for (guint i = 0; i + 1 < n_phases; i++)
    if (milestones[i] < 1 || (i > 0 && milestones[i] <= milestones[i - 1])
        || (double) milestones[i] > MAX_STEPS)
      {
        g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                     _("milestone %u = %" PRIu64 " must be ≥ 1 and after the one before"),
                     i + 1, (uint64_t) milestones[i]);
        return FALSE;
      }
  memset (s, 0, sizeof *s);
  s->kind = BP_SCHEDULE_SEQUENTIAL;
  s->n_phases = n_phases;
  memcpy (s->phases, phases, n_phases * sizeof *phases);
  memcpy (s->milestones, milestones, (n_phases - 1) * sizeof *milestones);
  return TRUE;
}

/* One phase's parameters through bp_schedule_phase_set, so that one check
 * holds for the file, the app and the tests. */
static gboolean
check_phase (const BpSchedulePhase  *p,
             GError                **error)
{
  const char * const *names = bp_schedule_param_names (p->kind);
  BpSchedulePhase tmp;

  phase_init (&tmp, p->kind);
  for (gsize i = 0; names[i] != NULL; i++)
    if (!bp_schedule_phase_set (&tmp, names[i], bp_schedule_phase_get (p, names[i]), error))
      return FALSE;
  return TRUE;
}

gboolean
bp_schedule_check (const BpSchedule  *s,
                   GError           **error)
{
  BpSchedule tmp;

  g_return_val_if_fail (s != NULL, FALSE);

  if (s->kind >= BP_N_SCHEDULES)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "unknown schedule (%d)", (int) s->kind);
      return FALSE;
    }
  if (s->kind != BP_SCHEDULE_SEQUENTIAL)
    return check_phase (&s->phases[0], error);
  if (!bp_schedule_set_sequential (&tmp, s->phases, s->n_phases, s->milestones, error))
    return FALSE;
  for (guint i = 0; i < s->n_phases; i++)
    if (!check_phase (&s->phases[i], error))
      return FALSE;
  return TRUE;
}

double
bp_schedule_get (const BpSchedule *s,
                 const char       *name)
{
  if (s->kind == BP_SCHEDULE_SEQUENTIAL)
    return NAN;
  return bp_schedule_phase_get (&s->phases[0], name);
}

double
bp_schedule_phase_get (const BpSchedulePhase *s,
                       const char            *name)
{
  if (strcmp (name, "step_size") == 0)
    return (double) s->step_size;
  if (strcmp (name, "gamma") == 0)
    return s->gamma;
  if (strcmp (name, "t_max") == 0)
    return (double) s->t_max;
  if (strcmp (name, "eta_min") == 0)
    return s->eta_min;
  if (strcmp (name, "start_factor") == 0)
    return s->start_factor;
  if (strcmp (name, "end_factor") == 0)
    return s->end_factor;
  if (strcmp (name, "total_iters") == 0)
    return (double) s->total_iters;
  return NAN;
}

static gboolean
phase_equal (const BpSchedulePhase *a,
             const BpSchedulePhase *b)
{
  const char * const *names = bp_schedule_param_names (a->kind);

  if (a->kind != b->kind)
    return FALSE;
  for (gsize i = 0; names[i] != NULL; i++)
    if (bp_schedule_phase_get (a, names[i]) != bp_schedule_phase_get (b, names[i]))
      return FALSE;
  return TRUE;
}

gboolean
bp_schedule_equal (const BpSchedule *a,
                   const BpSchedule *b)
{
  if (a->kind != b->kind)
    return FALSE;
  if (a->kind != BP_SCHEDULE_SEQUENTIAL)
    return phase_equal (&a->phases[0], &b->phases[0]);
  if (a->n_phases != b->n_phases)
    return FALSE;
  for (guint i = 0; i < a->n_phases; i++)
    if (!phase_equal (&a->phases[i], &b->phases[i])
        || (i > 0 && a->milestones[i - 1] != b->milestones[i - 1]))
      return FALSE;
  return TRUE;
}

static double
phase_first (const BpSchedulePhase *s,
             double                 base_lr)
{
  /* Every get_lr at last_epoch 0 keeps the group's lr, but LinearLR's. */
  if (s->kind == BP_SCHEDULE_LINEAR)
    return base_lr * s->start_factor;
  return base_lr;
}

/* torch's _get_closed_form_lr at last_epoch 0, operation for operation:
 * what step(0) sets when SequentialLR enters a phase.  0 is written out
 * where torch computes with it, since its bits matter (cos (0) = 1 makes
 * the cosine's eta_min + (base − eta_min), which need not be base). */
static double
phase_closed_form_at_0 (const BpSchedulePhase *s,
                        double                 base_lr)
{
  const double e = 0.0;

  switch (s->kind)
    {
    case BP_SCHEDULE_STEP:          /* base·γ^(0 // step_size) */
    case BP_SCHEDULE_EXPONENTIAL:   /* base·γ^0 */
      return base_lr * pow (s->gamma, e);
    case BP_SCHEDULE_COSINE:
      return s->eta_min + (base_lr - s->eta_min) * (1 + cos (G_PI * e / (double) s->t_max)) / 2;
    case BP_SCHEDULE_LINEAR:        /* min (total_iters, 0) = 0 */
      return base_lr * (s->start_factor + (s->end_factor - s->start_factor) * e /
                        (double) s->total_iters);
    case BP_SCHEDULE_NONE:
    case BP_SCHEDULE_SEQUENTIAL:
    case BP_N_SCHEDULES:
    default:
      return base_lr;
    }
}

static double
phase_next (const BpSchedulePhase *s,
            double                 base_lr,
            double                 lr,
            guint64                n)
{
  /* Each case is torch's get_lr for last_epoch = n ≥ 1, with its
   * operations in its order (Python's floats are these doubles, math.cos
   * is libm's cos). */
  switch (s->kind)
    {
    case BP_SCHEDULE_STEP:
      return n % s->step_size != 0 ? lr : lr * s->gamma;

    case BP_SCHEDULE_EXPONENTIAL:
      return lr * s->gamma;

    case BP_SCHEDULE_COSINE:
      {
        double T = (double) s->t_max, eta = s->eta_min;

        /* (n − 1 − T) % 2T == 0, at T, 3T, …: the denominator below would
         * be 1 + cos π = 0, so torch adds the step instead.  n − 1 − T is
         * negative before T: only whether it divides matters, the same in
         * C as in Python. */
        if (((gint64) n - 1 - (gint64) s->t_max) % (2 * (gint64) s->t_max) == 0)
          return lr + (base_lr - eta) * (1 - cos (G_PI / T)) / 2;
        return (1 + cos (G_PI * (double) n / T)) /
               (1 + cos (G_PI * (double) (n - 1) / T)) * (lr - eta) + eta;
      }

    case BP_SCHEDULE_LINEAR:
      {
        double sf = s->start_factor, ef = s->end_factor;

        if (n > s->total_iters)
          return lr;
        return lr * (1. + (ef - sf) /
                     ((double) s->total_iters * sf + (double) (n - 1) * (ef - sf)));
      }

    case BP_SCHEDULE_NONE:
    case BP_SCHEDULE_SEQUENTIAL:
    case BP_N_SCHEDULES:
    default:
      return lr;
    }
}

double
bp_schedule_first (const BpSchedule *s,
                   double            base_lr)
{
  /* SequentialLR's construction: the first scheduler's initial step from
   * the base rate (the others' are undone). */
  return phase_first (&s->phases[0], base_lr);
}

double
bp_schedule_next (const BpSchedule *s,
                  double            base_lr,
                  double            lr,
                  guint64           n)
{
  guint i = 0;

  if (s->kind != BP_SCHEDULE_SEQUENTIAL)
    return phase_next (&s->phases[0], base_lr, lr, n);
  /* SequentialLR.step: idx = bisect_right (milestones, n); at the
   * milestone itself step(0), else step() on the phase's own count. */
  while (i + 1 < s->n_phases && s->milestones[i] <= n)
    i++;
  if (i == 0)
    return phase_next (&s->phases[0], base_lr, lr, n);
  if (s->milestones[i - 1] == n)
    return phase_closed_form_at_0 (&s->phases[i], base_lr);
  return phase_next (&s->phases[i], base_lr, lr, n - s->milestones[i - 1]);
}

double
bp_schedule_lr_at (const BpSchedule *s,
                   double            base_lr,
                   guint64           n)
{
  double lr = bp_schedule_first (s, base_lr);

  if (s->kind == BP_SCHEDULE_NONE)
    return lr;
  for (guint64 k = 1; k <= n; k++)
    lr = bp_schedule_next (s, base_lr, lr, k);
  return lr;
}

static void
append_phase (GString               *out,
              const BpSchedulePhase *s)
{
  const char * const *names = bp_schedule_param_names (s->kind);

  g_string_append (out, kind_ids[s->kind]);
  for (gsize i = 0; names[i] != NULL; i++)
    g_string_append_printf (out, "%s%s %g", i == 0 ? " (" : ", ", names[i],
                            bp_schedule_phase_get (s, names[i]));
  if (names[0] != NULL)
    g_string_append_c (out, ')');
}

char *
bp_schedule_describe (const BpSchedule *s)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (s->kind != BP_SCHEDULE_SEQUENTIAL)
    {
      append_phase (out, &s->phases[0]);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  /* The file's words: torch's milestones are steps. */
  g_string_append (out, "sequential (");
  for (guint i = 0; i < s->n_phases; i++)
    {
      if (i > 0)
        g_string_append_printf (out, " until step %" G_GUINT64_FORMAT ", then ",
                                s->milestones[i - 1]);
      append_phase (out, &s->phases[i]);
    }
  g_string_append_c (out, ')');
  return g_string_free (g_steal_pointer (&out), FALSE);
}
