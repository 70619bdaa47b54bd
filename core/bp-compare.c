/* bp-compare.c — two training runs in lockstep (see bp-compare.h). */
#include "config.h"
#include "bp-compare.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <string.h>

G_DEFINE_QUARK (bp-compare-error-quark, bp_compare_error)

static gboolean
same_double (double x,
             double y)
{
  return memcmp (&x, &y, sizeof x) == 0;
}

gboolean
bp_compare_check_data (const BpModel *a,
                       const BpModel *b,
                       gboolean       data_overridden,
                       GError       **error)
{
  gsize out_a, out_b;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->network->n_inputs != b->network->n_inputs)
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_WIDTH,
                   _("the networks take different inputs: A has %zu, B has %zu"),
                   a->network->n_inputs, b->network->n_inputs);
      return FALSE;
    }
  out_a = bp_network_n_outputs (a->network);
  out_b = bp_network_n_outputs (b->network);
  if (out_a != out_b)
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_WIDTH,
                   _("the networks have different outputs: A has %zu, B has %zu"),
                   out_a, out_b);
      return FALSE;
    }
  if (data_overridden)
    return TRUE;

  if (g_strcmp0 (a->dataset, b->dataset) != 0)
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                   _("the models name different datasets: A “%s”, B “%s” "
                     "(give one to both with --data)"),
                   a->dataset != NULL ? a->dataset : _("none"),
                   b->dataset != NULL ? b->dataset : _("none"));
      return FALSE;
    }
  if (a->dataset_rows != b->dataset_rows)
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                   _("the datasets have different rows: A %zu, B %zu (0: the dataset's default)"),
                   a->dataset_rows, b->dataset_rows);
      return FALSE;
    }
  if (!same_double (a->dataset_noise, b->dataset_noise))
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                   _("the datasets have different noise: A %g, B %g"),
                   a->dataset_noise, b->dataset_noise);
      return FALSE;
    }
  if (!same_double (a->test_fraction, b->test_fraction))
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                   _("the datasets have different test fractions: A %g, B %g"),
                   a->test_fraction, b->test_fraction);
      return FALSE;
    }
  return TRUE;
}

gboolean
bp_compare_layers_match (const BpNetwork *a,
                         const BpNetwork *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->n_layers != b->n_layers)
    return FALSE;
  for (gsize l = 0; l < a->n_layers; l++)
    if (a->layers[l].type != b->layers[l].type
        || a->layers[l].in != b->layers[l].in
        || a->layers[l].out != b->layers[l].out)
      return FALSE;
  return TRUE;
}

/* "name: x → y" onto `s`, "; "-separated. */
static void
add_difference (GString    *s,
                const char *name,
                const char *in_a,
                const char *in_b)
{
  if (s->len > 0)
    g_string_append (s, "; ");
  g_string_append_printf (s, "%s: %s → %s", name, in_a, in_b);
}

static void
add_double_difference (GString    *s,
                       const char *name,
                       double      in_a,
                       double      in_b)
{
  char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE];

  if (same_double (in_a, in_b))
    return;
  g_ascii_formatd (x, sizeof x, "%g", in_a);
  g_ascii_formatd (y, sizeof y, "%g", in_b);
  add_difference (s, name, x, y);
}

static void
describe_layers (GString         *s,
                 const BpNetwork *a,
                 const BpNetwork *b)
{
  if (!bp_compare_layers_match (a, b))
    {
      g_autoptr(GString) sa = g_string_new (NULL);
      g_autoptr(GString) sb = g_string_new (NULL);

      g_string_append_printf (sa, "%" G_GSIZE_FORMAT, a->n_inputs);
      for (gsize l = 0; l < a->n_layers; l++)
        g_string_append_printf (sa, "-%" G_GSIZE_FORMAT, a->layers[l].out);
      g_string_append_printf (sb, "%" G_GSIZE_FORMAT, b->n_inputs);
      for (gsize l = 0; l < b->n_layers; l++)
        g_string_append_printf (sb, "-%" G_GSIZE_FORMAT, b->layers[l].out);
      add_difference (s, _("layers"), sa->str, sb->str);
    }
  for (gsize l = 0; l < MIN (a->n_layers, b->n_layers); l++)
    if (g_strcmp0 (a->layers[l].act_id, b->layers[l].act_id) != 0)
      {
        g_autofree char *name = g_strdup_printf (_("activation of layer %zu"),
                                                 l + 1);

        add_difference (s, name, a->layers[l].act_id, b->layers[l].act_id);
      }
}

static void
describe_optimizers (GString           *s,
                     const BpOptimizer *a,
                     const BpOptimizer *b)
{
  if (g_strcmp0 (a->id, b->id) != 0)
    add_difference (s, _("optimizer"), a->id, b->id);
  /* The hyper-parameters both have, by name ("lr" first in every
   * optimizer's list). */
  for (gsize i = 0; i < a->desc->n_hyper; i++)
    {
      const char *name = a->desc->hyper_specs[i].name;
      double in_b;

      if (bp_optimizer_get (b, name, &in_b))
        add_double_difference (s, name, a->hyper[i], in_b);
    }
  add_double_difference (s, "weight_decay", a->weight_decay, b->weight_decay);
  if (!bp_schedule_equal (&a->schedule, &b->schedule))
    add_difference (s, _("schedule"), bp_schedule_kind_id (a->schedule.kind),
                    bp_schedule_kind_id (b->schedule.kind));
}

char *
bp_compare_describe_differences (const BpModel *a,
                                 const BpModel *b)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_val_if_fail (a != NULL && b != NULL, NULL);

  describe_layers (s, a->network, b->network);
  if (g_strcmp0 (a->network->cost_id, b->network->cost_id) != 0)
    add_difference (s, _("cost"), a->network->cost_id, b->network->cost_id);
  describe_optimizers (s, a->optimizer, b->optimizer);
  if (a->init != b->init)
    add_difference (s, "init", bp_init_to_string (a->init), bp_init_to_string (b->init));
  if (a->seed != b->seed)
    {
      g_autofree char *x = g_strdup_printf ("%" G_GUINT64_FORMAT, a->seed);
      g_autofree char *y = g_strdup_printf ("%" G_GUINT64_FORMAT, b->seed);

      add_difference (s, "seed", x, y);
    }
  /* Same shapes but other numbers: another initialisation, or a model
   * saved after training. */
  if (a->network->n_params == b->network->n_params
      && memcmp (a->network->params, b->network->params,
                 a->network->n_params * sizeof (double)) != 0)
    {
      if (s->len > 0)
        g_string_append (s, "; ");
      g_string_append (s, _("initial weights differ"));
    }
  if (s->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&s), FALSE);
}

BpCompare *
bp_compare_new (BpNetwork           *net_a,
                BpOptimizer         *opt_a,
                BpNetwork           *net_b,
                BpOptimizer         *opt_b,
                const BpDataset     *train,
                const BpDataset     *test,
                const BpTrainConfig *config,
                GError             **error)
{
  g_autoptr(BpCompare) cmp = g_new0 (BpCompare, 1);

  g_return_val_if_fail (net_a != NULL && net_b != NULL && train != NULL, NULL);

  cmp->a = bp_trainer_new (net_a, opt_a, train, test, config, error);
  if (cmp->a == NULL)
    {
      g_prefix_error (error, "A: ");
      return NULL;
    }
  cmp->b = bp_trainer_new (net_b, opt_b, train, test, config, error);
  if (cmp->b == NULL)
    {
      g_prefix_error (error, "B: ");
      return NULL;
    }
  /* The order is A's: drawn once, from A's seed; B walks it and reshuffles
   * it with A's generator, so both take the same batches every epoch. */
  memcpy (cmp->b->order, cmp->a->order, train->n_rows * sizeof (gsize));
  cmp->b->rng = cmp->a->rng;
  cmp->b->cursor = cmp->a->cursor;
  cmp->layers_matched = bp_compare_layers_match (net_a, net_b);
  return g_steal_pointer (&cmp);
}

void
bp_compare_free (BpCompare *cmp)
{
  if (cmp == NULL)
    return;
  g_clear_pointer (&cmp->a, bp_trainer_free);
  g_clear_pointer (&cmp->b, bp_trainer_free);
  g_free (cmp);
}

gboolean
bp_compare_step (BpCompare *cmp,
                 GError   **error)
{
  gsize batch;

  g_return_val_if_fail (cmp != NULL, FALSE);

  if (!bp_trainer_step (cmp->a, error))
    {
      g_prefix_error (error, "A: ");
      return FALSE;
    }
  if (!bp_trainer_step (cmp->b, error))
    {
      g_prefix_error (error, "B: ");
      return FALSE;
    }
  /* Both cursors moved past the batch just taken: the same span of the
   * same order, checked row by row. */
  batch = MIN (cmp->a->config.batch_size, cmp->a->cursor);
  if (cmp->a->cursor != cmp->b->cursor
      || memcmp (cmp->a->order + (cmp->a->cursor - batch),
                 cmp->b->order + (cmp->b->cursor - batch), batch * sizeof (gsize)) != 0)
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_LOCKSTEP,
                   _("the two runs took different rows at step %" PRIu64),
                   cmp->a->steps);
      return FALSE;
    }
  return TRUE;
}
