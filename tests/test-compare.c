/* test-compare.c — two runs in lockstep (bp-compare.h): B takes A's rows
 * at every step whatever its own seed, each run is the run a trainer of its
 * own with A's seed takes (bit for bit), and the refusals and the list of
 * differences say what differs.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-trainer-fixtures.h"

#include <string.h>

#include "bp-compare.h"
#include "bp-model.h"

/* A model file of a 2-h-1 network on "moons"; the other fields vary. */
static BpModel *
model (const char *act,
       const char *optimizer,
       const char *dataset,
       guint64     seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf (
    "{ \"format\": \"backprop-model/1\", \"seed\": %" G_GUINT64_FORMAT ","
    "  \"layers\": [ { \"in\": 2, \"out\": 5, \"activation\": \"%s\" },"
    "                { \"in\": 5, \"out\": 1, \"activation\": \"sigmoid\" } ],"
    "  \"cost\": \"bce\", \"optimizer\": %s, \"dataset\": %s }",
    seed, act, optimizer, dataset);
  BpModel *m = bp_model_load_data (json, -1, "test.json", NULL, &error);

  if (m == NULL)
    fail_msg ("%s", error->message);
  return m;
}

#define SGD    "{ \"id\": \"sgd\", \"lr\": 0.1 }"
#define ADAM   "{ \"id\": \"adam\", \"lr\": 0.01 }"
#define MOONS  "{ \"name\": \"moons\", \"rows\": 40 }"

static void
test_check_data (void **state)
{
  g_autoptr(BpModel) a = model ("tanh", SGD, MOONS, 1);
  g_autoptr(BpModel) rows = model ("tanh", SGD, "{ \"name\": \"moons\", \"rows\": 60 }", 1);
  g_autoptr(BpModel) other = model ("tanh", SGD, "\"circles\"", 1);
  g_autoptr(BpModel) wide = model ("tanh", SGD, MOONS, 1);
  g_autoptr(GError) error = NULL;

  assert_true (bp_compare_check_data (a, a, FALSE, &error));

  assert_false (bp_compare_check_data (a, rows, FALSE, &error));
  assert_true (g_error_matches (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA));
  assert_non_null (strstr (error->message, "different rows: A 40, B 60"));
  g_clear_error (&error);

  assert_false (bp_compare_check_data (a, other, FALSE, &error));
  assert_non_null (strstr (error->message, "A “moons”, B “circles”"));
  g_clear_error (&error);
  /* One dataset for both (--data): the references do not matter. */
  assert_true (bp_compare_check_data (a, other, TRUE, &error));

  wide->network->n_inputs = 3;  /* only the widths are read */
  assert_false (bp_compare_check_data (a, wide, TRUE, &error));
  assert_true (g_error_matches (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_WIDTH));
  assert_non_null (strstr (error->message, "A has 2, B has 3"));
  wide->network->n_inputs = 2;
}

static void
test_differences (void **state)
{
  g_autoptr(BpModel) a = model ("tanh", SGD, MOONS, 1);
  g_autoptr(BpModel) same = model ("tanh", SGD, MOONS, 1);
  g_autoptr(BpModel) b = model ("relu", ADAM, MOONS, 1);
  g_autoptr(BpModel) seed = model ("tanh", SGD, MOONS, 2);
  g_autofree char *none = bp_compare_describe_differences (a, same);
  g_autofree char *ab = bp_compare_describe_differences (a, b);
  g_autofree char *as = bp_compare_describe_differences (a, seed);

  assert_null (none);
  assert_string_equal (ab, "activation of layer 1: tanh → relu; optimizer: sgd → adam; "
                           "lr: 0.1 → 0.01");
  /* Another seed draws other initial weights. */
  assert_string_equal (as, "seed: 1 → 2; initial weights differ");
}

/* B with another optimizer and another seed is fed A's rows at every step,
 * across epochs (the reshuffles), and each network ends as a trainer of
 * its own with A's seed leaves it. */
static void
test_lockstep (void **state)
{
  g_autoptr(BpDataset) ds = line_dataset ();
  g_autoptr(BpNetwork) na = make_net (2, 4, "tanh", 1, "linear", "mse", 11);
  g_autoptr(BpNetwork) nb = make_net (2, 4, "tanh", 1, "linear", "mse", 12);
  g_autoptr(BpNetwork) solo = bp_network_copy (nb);
  g_autoptr(BpOptimizer) oa = make_opt ("sgd", na->n_params, 0.05);
  g_autoptr(BpOptimizer) ob = make_opt ("adam", nb->n_params, 0.01);
  g_autoptr(BpOptimizer) osolo = bp_optimizer_copy (ob);
  BpTrainConfig config = { .batch_size = 3, .shuffle = TRUE, .seed = 5, .keep_trace = TRUE };
  BpTrainConfig other_seed = config;
  g_autoptr(BpCompare) cmp = NULL;
  g_autoptr(BpTrainer) tsolo = NULL;
  g_autoptr(BpTrainer) tother = NULL;
  g_autoptr(BpNetwork) other = bp_network_copy (nb);
  g_autoptr(BpOptimizer) oother = bp_optimizer_copy (ob);
  g_autoptr(GError) error = NULL;
  gboolean orders_differ = FALSE;

  cmp = bp_compare_new (na, oa, nb, ob, ds, NULL, &config, &error);
  assert_non_null (cmp);
  assert_true (cmp->layers_matched);
  tsolo = bp_trainer_new (solo, osolo, ds, NULL, &config, &error);
  other_seed.seed = 6;
  tother = bp_trainer_new (other, oother, ds, NULL, &other_seed, &error);

  /* 10 rows in batches of 3: 4 steps an epoch, 5 epochs. */
  for (int i = 0; i < 20; i++)
    {
      /* At the end of the order the step begins the next epoch at 0. */
      gsize before = cmp->a->cursor >= ds->n_rows ? 0 : cmp->a->cursor;

      if (!bp_compare_step (cmp, &error))
        fail_msg ("%s", error->message);
      assert_true (bp_trainer_step (tsolo, &error));
      assert_true (bp_trainer_step (tother, &error));
      assert_int_equal (cmp->a->cursor - before, before == 9 ? 1 : 3);
      for (gsize s = 0; s < cmp->a->cursor - before; s++)
        {
          assert_int_equal (bp_trainer_last_row (cmp->a, s), bp_trainer_last_row (cmp->b, s));
          orders_differ |= bp_trainer_last_row (tother, s) != bp_trainer_last_row (cmp->a, s);
        }
    }
  assert_memory_equal (nb->params, solo->params, nb->n_params * sizeof (double));
  /* Its own seed would have given other batches: the test can tell. */
  assert_true (orders_differ);
  assert_true (memcmp (nb->params, other->params, nb->n_params * sizeof (double)) != 0);
}

static void
test_layers_match (void **state)
{
  g_autoptr(BpNetwork) a = make_net (2, 4, "tanh", 1, "linear", "mse", 1);
  g_autoptr(BpNetwork) b = make_net (2, 4, "relu", 1, "linear", "mse", 2);
  g_autoptr(BpNetwork) c = make_net (2, 5, "tanh", 1, "linear", "mse", 1);

  assert_true (bp_compare_layers_match (a, b));
  assert_false (bp_compare_layers_match (a, c));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_check_data),
    cmocka_unit_test (test_differences),
    cmocka_unit_test (test_lockstep),
    cmocka_unit_test (test_layers_match),
  };

  return cmocka_run_group_tests_name ("compare", tests, NULL, NULL);
}
