/* bp-schedule.h — learning-rate schedules, the model file's
 * optimizer.schedule: torch.optim.lr_scheduler's StepLR, ExponentialLR,
 * CosineAnnealingLR and LinearLR, computed as torch computes them.
 *
 * torch's schedulers are recursive: step n's rate is made from step n−1's
 * (get_lr multiplies the group's current lr), not from the closed forms of
 * its documentation.  Over thousands of steps the two differ in the last
 * bits, so bp_schedule_next repeats torch's own get_lr, operation for
 * operation, and a rate at step n is reached by stepping from step 0.
 *
 * Step n is torch's last_epoch: 0 once the scheduler is made (the rate the
 * first optimizer step uses), n after n scheduler steps, each taken after
 * an optimizer step.
 */
#pragma once

#include "bp-types.h"

G_BEGIN_DECLS

typedef enum
{
  BP_SCHEDULE_NONE,
  BP_SCHEDULE_STEP,         /* lr·γ every step_size steps */
  BP_SCHEDULE_EXPONENTIAL,  /* lr·γ every step */
  BP_SCHEDULE_COSINE,       /* half a cosine from the base lr to eta_min over t_max steps */
  BP_SCHEDULE_LINEAR,       /* base·start_factor to base·end_factor over total_iters steps */
  BP_N_SCHEDULES
} BpScheduleKind;

typedef struct
{
  BpScheduleKind kind;
  guint64        step_size;     /* step */
  double         gamma;         /* step, exponential */
  guint64        t_max;         /* cosine */
  double         eta_min;       /* cosine */
  double         start_factor;  /* linear */
  double         end_factor;    /* linear */
  guint64        total_iters;   /* linear */
} BpSchedule;

/* The file's id ("none", "step", "exponential", "cosine", "linear");
 * static strings. */
const char          *bp_schedule_kind_id       (BpScheduleKind     kind);
/* BP_N_SCHEDULES for an unknown id. */
BpScheduleKind       bp_schedule_kind_from_id  (const char     *id);
/* kind with torch's defaults for its parameters (gamma 0.1, step_size 10,
 * t_max 100, eta_min 0, start_factor 1/3, end_factor 1, total_iters 5). */
void                 bp_schedule_init          (BpSchedule        *s,
                                                BpScheduleKind     kind);
/* Sets a parameter by its file name; FALSE with a BP_NETWORK_ERROR_INVALID
 * naming it if the schedule has no such parameter or the value is out of
 * range (gamma ≤ 0, step_size or t_max < 1, start_factor outside (0, 1],
 * end_factor outside [0, 1], eta_min < 0). */
gboolean             bp_schedule_set           (BpSchedule        *s,
                                                const char        *name,
                                                double             value,
                                                GError           **error);
/* The names of kind's parameters, NULL-terminated; static. */
const char * const  *bp_schedule_param_names   (BpScheduleKind kind);
double               bp_schedule_get           (const BpSchedule  *s,
                                                const char        *name);
/* Same kind and the same values of its parameters (the others are not
 * compared). */
gboolean             bp_schedule_equal         (const BpSchedule  *a,
                                                const BpSchedule  *b);
/* The rate at step 0 from the base rate (torch's construction step). */
double               bp_schedule_first         (const BpSchedule  *s,
                                                double             base_lr);
/* The rate at step n ≥ 1 from the rate at step n − 1 (torch's get_lr). */
double               bp_schedule_next          (const BpSchedule  *s,
                                                double             base_lr,
                                                double             lr,
                                                guint64            n);
/* The rate at step n, stepped from step 0. */
double               bp_schedule_lr_at         (const BpSchedule  *s,
                                                double             base_lr,
                                                guint64            n);
/* "cosine (t_max 100, eta_min 0)"; free with g_free. */
char                *bp_schedule_describe      (const BpSchedule  *s);

G_END_DECLS
