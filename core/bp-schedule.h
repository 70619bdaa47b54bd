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
 *
 * A sequential schedule (torch's SequentialLR) runs phases one after the
 * other: phase i + 1 from step milestones[i].  At a milestone torch calls
 * the next scheduler's step(0), which takes that scheduler's closed form at
 * its step 0 (CosineAnnealingLR's is eta_min + (base − eta_min), not always
 * the base rate's bits); from there the phase goes on recursively with its
 * own step count n − milestone.  That is what bp_schedule_next does.
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
  BP_SCHEDULE_SEQUENTIAL,   /* phases one after the other (SequentialLR) */
  BP_N_SCHEDULES
} BpScheduleKind;

/* A sequential schedule's phases: at most this many. */
#define BP_SCHEDULE_MAX_PHASES 4

/* One schedule that is not sequential: a kind and its parameters. */
typedef struct
{
  BpScheduleKind kind;          /* not BP_SCHEDULE_SEQUENTIAL */
  guint64        step_size;     /* step */
  double         gamma;         /* step, exponential */
  guint64        t_max;         /* cosine */
  double         eta_min;       /* cosine */
  double         start_factor;  /* linear */
  double         end_factor;    /* linear */
  guint64        total_iters;   /* linear */
} BpSchedulePhase;

/* A value: copied with `=`, nothing to free.  A schedule that is not
 * sequential is its phases[0] (n_phases 1, kind == phases[0].kind). */
typedef struct
{
  BpScheduleKind  kind;
  guint           n_phases;
  BpSchedulePhase phases[BP_SCHEDULE_MAX_PHASES];
  /* sequential: phase i + 1 starts at step milestones[i], increasing, ≥ 1 */
  guint64         milestones[BP_SCHEDULE_MAX_PHASES - 1];
} BpSchedule;

/* The file's id ("none", "step", "exponential", "cosine", "linear",
 * "sequential"); static strings. */
const char          *bp_schedule_kind_id       (BpScheduleKind     kind);
/* BP_N_SCHEDULES for an unknown id. */
BpScheduleKind       bp_schedule_kind_from_id  (const char     *id);
/* kind with torch's defaults for its parameters (gamma 0.1, step_size 10,
 * t_max 100, eta_min 0, start_factor 1/3, end_factor 1, total_iters 5).
 * Sequential: the warm-up then cosine of bp_schedule_init_warmup_cosine
 * (5, 100). */
void                 bp_schedule_init          (BpSchedule        *s,
                                                BpScheduleKind     kind);
/* Warm-up, then cosine: LinearLR from 1/3 of the base rate (torch's
 * start_factor) to the base over `warmup` steps, then CosineAnnealingLR
 * over t_max steps from step `warmup` on. */
void                 bp_schedule_init_warmup_cosine (BpSchedule   *s,
                                                     guint64       warmup,
                                                     guint64       t_max);
/* Whether s is one made by bp_schedule_init_warmup_cosine, whatever its
 * numbers (the sidebar's "Warm-up, then cosine"): a linear phase to the
 * base rate whose total_iters is the milestone, then a cosine. */
gboolean             bp_schedule_is_warmup_cosine (const BpSchedule *s);
/* Makes s sequential from its phases (each not sequential, not none) and
 * n_phases − 1 milestones; FALSE with a BP_NETWORK_ERROR_INVALID naming
 * what is wrong (too few or too many phases, milestones not increasing or
 * below 1).  s is unchanged on failure. */
gboolean             bp_schedule_set_sequential (BpSchedule            *s,
                                                 const BpSchedulePhase *phases,
                                                 guint                  n_phases,
                                                 const guint64         *milestones,
                                                 GError               **error);
/* All of s checked as bp_schedule_set and bp_schedule_set_sequential
 * check it (a schedule built by hand). */
gboolean             bp_schedule_check         (const BpSchedule  *s,
                                                GError           **error);
/* Sets a parameter of a schedule that is not sequential (its phases[0])
 * by its file name; FALSE with a BP_NETWORK_ERROR_INVALID
 * naming it if the schedule has no such parameter or the value is out of
 * range (gamma ≤ 0, step_size or t_max < 1, start_factor outside (0, 1],
 * end_factor outside [0, 1], eta_min < 0). */
gboolean             bp_schedule_set           (BpSchedule        *s,
                                                const char        *name,
                                                double             value,
                                                GError           **error);
/* The same for one phase. */
gboolean             bp_schedule_phase_set     (BpSchedulePhase   *p,
                                                const char        *name,
                                                double             value,
                                                GError           **error);
double               bp_schedule_phase_get     (const BpSchedulePhase *p,
                                                const char            *name);
/* The names of kind's parameters, NULL-terminated; static.  None for a
 * sequential schedule: its numbers are its phases' and milestones. */
const char * const  *bp_schedule_param_names   (BpScheduleKind kind);
double               bp_schedule_get           (const BpSchedule  *s,
                                                const char        *name);
/* Same kind and the same values of its parameters (the others are not
 * compared); a sequential one: the same phases and milestones. */
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
/* "cosine (t_max 100, eta_min 0)", "sequential (linear (…) until step 5,
 * then cosine (…))"; free with g_free. */
char                *bp_schedule_describe      (const BpSchedule  *s);

G_END_DECLS
