/* backprop-record.c — what the commands share about recordings of a run
 * (core/bp-record.h): `train --record` writes one, `render --record --at`
 * draws a kept step, `info --record` lists the kept steps (and, given the
 * model, the learning rate at each).
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdio.h>

#include "bp-record.h"
#include "bp-util.h"

/* --record-budget: MiB, from a recording of three snapshots to 64 GiB. */
#define MAX_BUDGET_MIB 65536

gboolean
backprop_record_parse_budget (const char *text,
                              gsize      *budget,
                              GError    **error)
{
  guint64 mib;

  *budget = BP_RECORD_DEFAULT_BUDGET;
  if (text == NULL)
    return TRUE;
  if (!backprop_cli_parse_uint ("--record-budget", text, 1, MAX_BUDGET_MIB, &mib, error))
    return FALSE;
  *budget = (gsize) mib << 20;
  return TRUE;
}

gboolean
backprop_record_write (const BpRecord *rec,
                       const char     *path,
                       GError        **error)
{
  if (!bp_record_save (rec, path, error))
    return FALSE;
  printf ("recording written to %s (%" G_GSIZE_FORMAT " kept step%s, every %"
          G_GUINT64_FORMAT "; %.1f MiB of at most %.1f MiB)\n",
          path, bp_record_n (rec), bp_record_n (rec) == 1 ? "" : "s",
          bp_record_stride (rec), (double) bp_record_bytes (rec) / (1 << 20),
          (double) bp_record_bound (rec) / (1 << 20));
  return TRUE;
}

gboolean
backprop_record_restore_at (BpModel    *model,
                            const char *model_name,
                            const char *path,
                            guint64     step,
                            guint64    *shown,
                            GError    **error)
{
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(GError) local = NULL;
  gssize i;

  rec = bp_record_load (path, error);
  if (rec == NULL)
    return FALSE;
  i = bp_record_find (rec, step);
  if (i < 0)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("%s: no step at or before step %" PRIu64 " is kept (the first "
                     "kept step is %" PRIu64 ")"), path, step, bp_record_step_at (rec, 0));
      return FALSE;
    }
  /* The optimizer's state is not drawn: only the network must fit. */
  if (!bp_record_restore (rec, (gsize) i, model->network, NULL, NULL, &local))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("%s: not a recording of %s: %s"), path, model_name, local->message);
      return FALSE;
    }
  *shown = bp_record_step_at (rec, (gsize) i);
  if (*shown != step)
    fprintf (stderr, _("backprop: step %" PRIu64 " is not kept in %s; drawing step %" PRIu64
                       ", the latest kept before it (kept: every %" PRIu64 " steps)\n"),
             step, path, *shown, bp_record_stride (rec));
  return TRUE;
}

/* The rate at each kept step: the one the step after it takes (what
 * torch's get_last_lr gives after that many scheduler steps).  The
 * recording keeps where the schedule stood, not the schedule nor the base
 * rate: those are the model's, so each kept step is restored into a copy
 * of its optimizer. */
static void
print_rates (const BpRecord *rec,
             const BpModel  *model,
             const char     *model_name)
{
  g_autoptr(BpNetwork) net = NULL;
  g_autoptr(BpOptimizer) opt = NULL;
  char buf[32];

  if (model == NULL)
    {
      printf ("%-13s %s\n", "learning rate",
              _("(the recording keeps where the schedule stood, not the rates: "
                "give the model too, backprop info MODEL.json --record FILE)"));
      return;
    }
  net = bp_network_copy (model->network);
  opt = bp_optimizer_copy (model->optimizer);
  for (gsize i = 0; i < bp_record_n (rec); i++)
    {
      g_autoptr(GError) local = NULL;

      if (!bp_record_restore (rec, i, net, opt, NULL, &local))
        {
          /* TRANSLATORS: why the rates cannot be given: the error */
          g_autofree char *why = g_strdup_printf (_("(not for %s: %s)"), model_name,
                                                  local->message);

          printf ("%-13s %s\n", i == 0 ? "learning rate" : "", why);
          return;
        }
      if (i == 0)
        {
          g_autofree char *what = g_strdup_printf (
            /* TRANSLATORS: the model file's name; a table of the kept steps
             * and their learning rates follows */
            _("the rate of the step after each kept step (%s's optimizer and schedule):"),
            model_name);

          printf ("%-13s %s\n", "learning rate", what);
          printf ("%-13s %12s  %s\n", "", "step", "lr");
        }
      printf ("%-13s %12" G_GUINT64_FORMAT "  %s\n", "", bp_record_step_at (rec, i),
              bp_format_double (buf, bp_optimizer_lr (opt)));
    }
}

gboolean
backprop_record_print_info (const char    *path,
                            const BpModel *model,
                            const char    *model_name,
                            GError       **error)
{
  g_autoptr(BpRecord) rec = NULL;
  gsize n;

  rec = bp_record_load (path, error);
  if (rec == NULL)
    return FALSE;
  n = bp_record_n (rec);
  printf ("%-13s %s\n", "recording", path);
  printf ("%-13s %s\n", "optimizer", bp_record_optimizer_id (rec));
  printf ("%-13s %" G_GSIZE_FORMAT " (every %" G_GUINT64_FORMAT " steps, the first and the "
          "latest; at most %" G_GSIZE_FORMAT ")\n", "kept steps", n, bp_record_stride (rec),
          bp_record_max_snapshots (rec));
  printf ("%-13s", "");
  for (gsize i = 0; i < n; i++)
    printf (" %" G_GUINT64_FORMAT, bp_record_step_at (rec, i));
  printf ("\n");
  if (bp_record_n_stats (rec) > 0)
    {
      BpRecordStats first, last;

      bp_record_stats_at (rec, 0, &first);
      bp_record_stats_at (rec, bp_record_n_stats (rec) - 1, &last);
      printf ("%-13s steps %" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT " in %" G_GSIZE_FORMAT
              " buckets of %" G_GUINT64_FORMAT " step%s (loss and ‖∂C/∂W(n)‖: min, max, mean)\n",
              "statistics", first.first_step, last.last_step, bp_record_n_stats (rec),
              bp_record_bucket_width (rec), bp_record_bucket_width (rec) == 1 ? "" : "s");
    }
  else
    printf ("%-13s (none)\n", "statistics");
  printf ("%-13s %" G_GSIZE_FORMAT " bytes (%.2f MiB) in memory; at most %" G_GSIZE_FORMAT
          " bytes for a budget of %" G_GSIZE_FORMAT "\n", "memory", bp_record_bytes (rec),
          (double) bp_record_bytes (rec) / (1 << 20), bp_record_bound (rec),
          bp_record_budget (rec));
  print_rates (rec, model, model_name);
  return TRUE;
}
