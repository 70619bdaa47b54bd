/* test-model.c — model files: round trips, the default model, weight
 * initialisation from the seed, progress, number formatting; the
 * malformed input is in test-model-errors.c (test-model.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include <float.h>

#include "bp-dataset.h"
#include "bp-model.h"
#include "bp-registry.h"
#include "bp-rng.h"
#include "bp-util.h"
#include "test-util.h"
#include "test-model.h"

/* ------------------------------------------------------------ test plugin
 * A cost with a parameter (the built-ins have none), to test cost
 * parameters by name. */

static double
test_huber_value (const double *a, const double *z, const double *y, size_t n,
                  const double *p)
{
  double sum = 0, delta = p[0];

  for (size_t i = 0; i < n; i++)
    {
      double d = fabs (a[i] - y[i]);

      sum += d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
    }
  return sum;
}

static void
test_huber_grad_a (const double *a, const double *z, const double *y, double *out,
                   size_t n, const double *p)
{
  double delta = p[0];

  for (size_t i = 0; i < n; i++)
    {
      double d = a[i] - y[i];

      out[i] = fabs (d) <= delta ? d : (d > 0 ? delta : -delta);
    }
}

static const BpParamSpec test_huber_params[] = {
  { "delta", "threshold δ", 1.0, 0.001, 100.0 },
};

static const BpCostDesc test_costs[] = {
  {
    .id = "test_huber", .name = "Huber (test)", .formula = "l = ½d² or δ(|d| − ½δ)",
    .params = test_huber_params, .n_params = G_N_ELEMENTS (test_huber_params),
    .value = test_huber_value, .grad_a = test_huber_grad_a,
  },
};

static const BpPluginDesc test_plugin = {
  .abi_major = BP_PLUGIN_ABI_MAJOR,
  .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "test-model",
  .version = "1.0",
  .description = "A cost with a parameter, for test-model",
  .license = "GPL-3.0-or-later",
  .costs = test_costs, .n_costs = G_N_ELEMENTS (test_costs),
};

static int
group_setup (void **state)
{
  g_autoptr(GError) error = NULL;

  if (!bp_registry_add_plugin (bp_registry_get_default (), &test_plugin, "(test)", &error))
    {
      fprintf (stderr, "cannot register the test plugin: %s\n", error->message);
      return -1;
    }
  return 0;
}

/* ---------------------------------------------------------------- helpers */

/* JSON written with ' for " (easier to read in C); the result is owned. */
char *
js (const char *text)
{
  return g_strdelimit (g_strdup (text), "'", '"');
}

BpModel *
load (const char *json)
{
  g_autoptr(GError) error = NULL;
  BpModel *model = bp_model_load_data (json, -1, "model.json", NULL, &error);

  if (model == NULL)
    fail_msg ("cannot load:\n%s\n%s", json, error->message);
  return model;
}

BpModel *
load_js (const char *text)
{
  g_autofree char *json = js (text);

  return load (json);
}

/* Loading must fail with `code`, and the message must start with the
 * display name and contain `needle` (the place). */
void
expect_error_len (const char *json,
                  gssize      len,
                  int         code,
                  const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_load_data (json, len, "model.json", NULL, &error);

  if (model != NULL)
    fail_msg ("loaded, but expected an error containing “%s”:\n%.300s", needle, json);
  assert_non_null (error);
  if (error->domain != BP_MODEL_ERROR || error->code != code ||
      !g_str_has_prefix (error->message, "model.json") ||
      strstr (error->message, needle) == NULL)
    fail_msg ("for\n  %.300s\ngot   (%d) %s\nwant  (%d) …%s…",
              json, error->code, error->message, code, needle);
}

void
expect_error (const char *text,
              int         code,
              const char *needle)
{
  g_autofree char *json = js (text);

  expect_error_len (json, -1, code, needle);
}

/* save → load → save: the model is the same and so is the text. */
BpModel *
round_trip (const BpModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL, *again = NULL;
  BpModel *back;
  gsize len, len2;

  json = bp_model_to_json (model, &len);
  assert_non_null (json);
  assert_int_equal (len, strlen (json));
  back = bp_model_load_data (json, (gssize) len, "saved.json", NULL, &error);
  if (back == NULL)
    fail_msg ("cannot load what was saved: %s\n%.2000s", error->message, json);
  assert_models_equal (model, back);
  again = bp_model_to_json (back, &len2);
  assert_string_equal (json, again);
  return back;
}

/* ------------------------------------------------------------- round trip */

static const double awkward[] = {
  0.1, 0.2, 0.30000000000000004, 1e-300, 5e-324, -5e-324, -0.0, 0.0,
  1.0 / 3.0, -2.0 / 3.0, 9007199254740993.0 /* 2⁵³ + 1, rounds to 2⁵³ */,
  9007199254740991.0, 1.7976931348623157e308, -1.7976931348623157e308,
  2.2250738585072014e-308, 2.2250738585072009e-308 /* largest subnormal */,
  1.5e-310, 123456789.0, 1e16, 1e17, 1e22, 1e23, -1.5, 100.0, 3.0,
  0.5, 1e-7, 4.35, 2.675, 1e21, 1e-5, 6.02214076e23, 1.0 - 1e-16,
};

/* A model whose numbers are the awkward doubles above, then random bit
 * patterns; with an optimizer in mid-run and a worked example. */
BpModel *
awkward_model (void)
{
  g_autoptr(GError) error = NULL;
  const double alpha = 1.0 / 3.0;
  BpModel *model = bp_model_new ();
  BpNetwork *net;
  BpRng rng;
  gsize k = 0;

  g_free (model->name);
  model->name = g_strdup ("awkward");
  model->seed = 7;
  model->init = BP_INIT_HE_NORMAL;

  net = model->network = bp_network_new (3, &error);
  assert_non_null (net);
  assert_true (bp_network_add_layer (net, 9, "leaky_relu", &alpha, &error));
  assert_true (bp_network_add_layer (net, 5, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (net, 2, "linear", NULL, &error));
  net->reduction = BP_REDUCTION_SUM;

  bp_rng_init (&rng, 1);
  for (gsize i = 0; i < net->n_params; i++)
    {
      double v;

      if (k < G_N_ELEMENTS (awkward))
        v = awkward[k++];
      else
        do
          {
            guint64 bits = bp_rng_next (&rng);

            memcpy (&v, &bits, sizeof v);
          }
        while (!isfinite (v));
      net->params[i] = v;
    }

  model->optimizer = bp_optimizer_new (NULL, "adam", net->n_params, &error);
  assert_non_null (model->optimizer);
  assert_true (bp_optimizer_set (model->optimizer, "lr", 0.1 + 0.2, &error));
  assert_true (bp_optimizer_set (model->optimizer, "eps", 5e-324, &error));
  assert_true (bp_optimizer_set (model->optimizer, "weight_decay", 1.0 / 3.0, &error));
  model->optimizer->t = 17;
  for (gsize i = 0; i < bp_optimizer_state_size (model->optimizer); i++)
    model->optimizer->state[i] = (i % 3 == 0 ? -0.0 : 1.0 / (double) (i + 3));

  model->dataset = g_strdup ("spirals");
  model->dataset_rows = 1234;
  model->dataset_noise = 0.1;
  model->test_fraction = 1.0 / 3.0;
  model->epochs = 3;
  model->batch_size = 7;

  model->n_samples = 2;
  model->inputs = g_new (double, 2 * 3);
  model->targets = g_new (double, 2 * 2);
  for (gsize i = 0; i < 6; i++)
    model->inputs[i] = awkward[(i * 5) % G_N_ELEMENTS (awkward)];
  for (gsize i = 0; i < 4; i++)
    model->targets[i] = -awkward[(i * 7) % G_N_ELEMENTS (awkward)];
  return model;
}

static void
test_round_trip_awkward (void **state)
{
  g_autoptr(BpModel) model = awkward_model ();
  g_autoptr(BpModel) back = round_trip (model);
  double neg_zero;

  /* The first layer's first numbers, spelled out (not only "equal"). */
  assert_true (back->network->layers[0].W[0] == 0.1);
  assert_true (back->network->layers[0].W[4] == 5e-324);
  neg_zero = back->network->layers[0].W[6];
  assert_true (neg_zero == 0.0 && signbit (neg_zero));
  assert_true (back->network->layers[0].W[10] == 9007199254740992.0);
  assert_true (back->network->layers[0].W[12] == 1.7976931348623157e308);
  assert_true (back->network->layers[0].act_params[0] == 1.0 / 3.0);
  assert_int_equal (back->network->reduction, BP_REDUCTION_SUM);
  assert_int_equal (back->init, BP_INIT_HE_NORMAL);
}

static void
test_round_trip_default (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(BpModel) back = round_trip (model);
  g_autoptr(BpModel) copy = bp_model_copy (back);

  assert_models_equal (model, copy);
}

static void
test_round_trip_file (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-model-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(BpModel) model = awkward_model ();
  g_autoptr(BpModel) back = NULL;
  g_autoptr(BpModel) back2 = NULL;
  g_autoptr(BpModel) def = bp_model_new_default ();
  GDir *d;
  guint n_files = 0;

  assert_non_null (dir);
  path = g_build_filename (dir, "model.json", NULL);

  assert_true (bp_model_save_file (model, path, &error));
  back = bp_model_load_file (path, NULL, &error);
  assert_non_null (back);
  assert_models_equal (model, back);

  /* Saving over an existing file replaces it, and leaves no temporary
   * file behind. */
  assert_true (bp_model_save_file (def, path, &error));
  back2 = bp_model_load_file (path, NULL, &error);
  assert_non_null (back2);
  assert_models_equal (def, back2);
  d = g_dir_open (dir, 0, &error);
  assert_non_null (d);
  while (g_dir_read_name (d) != NULL)
    n_files++;
  g_dir_close (d);
  assert_int_equal (n_files, 1);

  g_unlink (path);
  g_rmdir (dir);
}

/* A save removes the temporaries that killed saves to the same path left
 * behind ("PATH.saving-PID-XXXXXX" whose PID is gone, or older than ten
 * minutes), and nothing else: not a live save's, not another file's, not
 * a name that only looks similar. */
static void
test_save_removes_stale_temporaries (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-model-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(BpModel) model = bp_model_new_default ();
  /* Above any pid_max: no such process. */
  const long dead = 2147480000L;
  const long self = (long) getpid ();
  g_autofree char *stale = g_strdup_printf ("out.json.saving-%ld-AbC123", dead);
  g_autofree char *old_own = g_strdup_printf ("out.json.saving-%ld-Old001", self);
  g_autofree char *live = g_strdup_printf ("out.json.saving-%ld-Live01", self);
  g_autofree char *other = g_strdup_printf ("other.json.saving-%ld-AbC123", dead);
  g_autofree char *short_name = g_strdup_printf ("out.json.saving-%ld-AbC12", dead);
  g_autofree char *longer = g_strdup_printf ("out.json.saving-%ld-AbC123.keep", dead);
  const char *kept[] = { live, other, short_name, longer, "out.json.backup", "out.json.Xy12Zq",
                         "out.json.saving-", "out.json.saving-x-AbC123" };
  const char *removed[] = { stale, old_own };

  assert_non_null (dir);
  path = g_build_filename (dir, "out.json", NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autofree char *p = g_build_filename (dir, kept[i], NULL);
      struct utimbuf old = { time (NULL) - 3600, time (NULL) - 3600 };

      assert_true (g_file_set_contents (p, "{", 1, NULL));
      /* Old, except the live save's own temporary. */
      if (kept[i] != live)
        assert_int_equal (g_utime (p, &old), 0);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (removed); i++)
    {
      g_autofree char *p = g_build_filename (dir, removed[i], NULL);
      struct utimbuf old = { time (NULL) - 3600, time (NULL) - 3600 };

      assert_true (g_file_set_contents (p, "{\n  \"format\"", -1, NULL));
      if (removed[i] == old_own)
        assert_int_equal (g_utime (p, &old), 0);
    }

  assert_true (bp_model_save_file (model, path, &error));
  assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  for (gsize i = 0; i < G_N_ELEMENTS (removed); i++)
    {
      g_autofree char *p = g_build_filename (dir, removed[i], NULL);

      if (g_file_test (p, G_FILE_TEST_EXISTS))
        fail_msg ("the stale temporary %s is still there", removed[i]);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autofree char *p = g_build_filename (dir, kept[i], NULL);

      if (!g_file_test (p, G_FILE_TEST_EXISTS))
        fail_msg ("%s was removed, but it is not a stale temporary of ours", kept[i]);
      g_unlink (p);
    }
  g_unlink (path);
  assert_int_equal (g_rmdir (dir), 0);
}

static void
test_io_errors (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(BpModel) none = NULL;

  none = bp_model_load_file ("/nonexistent/dir/model.json", NULL, &error);
  assert_null (none);
  assert_true (g_error_matches (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO));
  assert_true (g_str_has_prefix (error->message, "/nonexistent/dir/model.json: "));
  g_clear_error (&error);

  assert_false (bp_model_save_file (model, "/nonexistent/dir/model.json", &error));
  assert_true (g_error_matches (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO));
  assert_true (g_str_has_prefix (error->message, "/nonexistent/dir/model.json: "));
}

static void
test_save_refuses_non_finite (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autofree char *dir = g_dir_make_tmp ("test-model-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "bad.json", NULL);

  model->network->layers[1].W[3] = NAN;
  assert_null (bp_model_to_json (model, NULL));
  assert_false (bp_model_save_file (model, path, &error));
  assert_true (g_error_matches (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID));
  /* 1-based as the app shows it, then where in the file. */
  assert_non_null (strstr (error->message, "W(2)[1,4] (layers[1].W[0][3] in the file)"));
  assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  model->network->layers[1].W[3] = 0.5;
  model->network->layers[2].b[0] = -INFINITY;
  assert_false (bp_model_save_file (model, path, &error));
  assert_non_null (strstr (error->message, "b(3)[1] (layers[2].b[0] in the file)"));
  g_clear_error (&error);

  model->network->layers[2].b[0] = 0;
  model->optimizer->t = 1;
  model->optimizer->state[5] = INFINITY;
  assert_false (bp_model_save_file (model, path, &error));
  assert_non_null (strstr (error->message, "optimizer.state.m[5]"));

  g_rmdir (dir);
}

static void
test_strings (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(BpModel) back = NULL;
  g_autofree char *json = NULL;

  g_free (model->name);
  g_free (model->description);
  model->name = g_strdup ("quote \" backslash \\ slash / tab \t nl \n cr \r ctl \x01 del \x7f");
  model->description = g_strdup ("héllo wörld ✓ 😀 \\u0041 not an escape");
  json = bp_model_to_json (model, NULL);
  assert_non_null (strstr (json, "\\\" backslash \\\\ slash / tab \\t nl \\n cr \\r ctl \\u0001"));
  assert_non_null (strstr (json, "héllo wörld ✓ 😀 \\\\u0041"));
  back = round_trip (model);
  assert_string_equal (back->name, model->name);
}

static void
test_big_seed (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(BpModel) back = NULL;
  g_autoptr(BpModel) plain = NULL;

  model->seed = G_MAXUINT64;
  back = round_trip (model);
  assert_true (back->seed == G_MAXUINT64);

  plain = load_js ("{'format':'backprop-model/1','seed':9223372036854775807,"
                   "'layers':[{'in':1,'out':1,'activation':'linear'}]}");
  assert_true (plain->seed == (guint64) G_MAXINT64);
}

/* ---------------------------------------------------------- default model */

static void
test_default_model (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(BpNetwork) expect = NULL;
  const BpNetwork *net;
  static const char *const acts[] = { "tanh", "tanh", "sigmoid" };
  static const gsize outs[] = { 8, 8, 1 };
  double lr;
  BpRng rng;

  assert_non_null (model);
  net = model->network;
  assert_true (bp_network_validate (net, &error));
  assert_int_equal (net->n_inputs, 2);
  assert_int_equal (net->n_layers, 3);
  for (gsize l = 0; l < 3; l++)
    {
      assert_int_equal (net->layers[l].out, outs[l]);
      assert_string_equal (net->layers[l].act_id, acts[l]);
    }
  assert_string_equal (net->cost_id, "bce");
  assert_int_equal (net->reduction, BP_REDUCTION_MEAN);
  assert_string_equal (model->optimizer->id, "adam");
  assert_true (bp_optimizer_get (model->optimizer, "lr", &lr));
  assert_true (lr == 0.03);
  assert_int_equal (model->optimizer->n_params, net->n_params);
  assert_true (model->seed == 42);
  /* Auto: Glorot uniform for its tanh layers (and He for a relu layer
   * dragged in later). */
  assert_int_equal (model->init, BP_INIT_AUTO);
  assert_string_equal (model->dataset, "moons");
  assert_int_equal (model->dataset_rows, 400);
  assert_true (model->dataset_noise < 0);
  assert_true (model->test_fraction == 0.2);
  assert_int_equal (model->epochs, 200);
  assert_int_equal (model->batch_size, 16);
  assert_string_equal (model->name, "Default experiment");
  assert_true (strlen (model->description) > 10);
  assert_null (model->inputs);

  /* The weights are glorot_uniform from seed 42. */
  expect = bp_network_copy (net);
  memset (expect->params, 0, expect->n_params * sizeof (double));
  bp_rng_init (&rng, 42);
  bp_network_init_weights (expect, BP_INIT_GLOROT_UNIFORM, &rng);
  assert_true (bp_network_equal (net, expect));
  assert_true (net->layers[0].W[0] != 0.0);
}

static void
test_new_defaults (void **state)
{
  g_autoptr(BpModel) model = bp_model_new ();
  g_autoptr(BpModel) loaded = load_js ("{'format':'backprop-model/1',"
                                       "'layers':[{'in':1,'out':1,'activation':'linear'}]}");

  assert_string_equal (model->name, "");
  assert_int_equal (model->epochs, 100);
  assert_int_equal (model->batch_size, 32);
  assert_true (model->test_fraction == 0.2);
  assert_true (model->dataset_noise < 0);

  /* A minimal file gets the documented defaults. */
  assert_string_equal (loaded->name, "");
  assert_string_equal (loaded->description, "");
  assert_true (loaded->seed == 0);
  assert_int_equal (loaded->init, BP_INIT_GLOROT_UNIFORM);
  assert_string_equal (loaded->network->cost_id, "mse");
  assert_int_equal (loaded->network->reduction, BP_REDUCTION_MEAN);
  assert_string_equal (loaded->optimizer->id, "sgd");
  assert_true (loaded->optimizer->hyper[0] == 0.1);
  assert_null (loaded->dataset);
  assert_int_equal (loaded->epochs, 100);
  assert_int_equal (loaded->batch_size, 32);
  assert_int_equal (loaded->n_samples, 0);
}

/* ---------------------------------------------------------- initialisation */

#define SHAPES \
  "'layers':[{'in':3,'out':4,'activation':'tanh'%s}," \
  "{'in':4,'out':2,'activation':'relu'%s},{'in':2,'out':1,'activation':'sigmoid'}]"

static BpModel *
load_shapes (guint64     seed,
             const char *init,
             const char *extra0,
             const char *extra1)
{
  g_autofree char *layers = g_strdup_printf (SHAPES, extra0, extra1);
  g_autofree char *text = g_strdup_printf ("{'format':'backprop-model/1','seed':%" G_GUINT64_FORMAT
                                           ",'init':'%s',%s}", seed, init, layers);

  return load_js (text);
}

static void
test_init_from_seed (void **state)
{
  g_autoptr(BpModel) a = load_shapes (5, "glorot_uniform", "", "");
  g_autoptr(BpModel) b = load_shapes (5, "glorot_uniform", "", "");
  g_autoptr(BpModel) c = load_shapes (6, "glorot_uniform", "", "");
  g_autoptr(BpModel) d = load_shapes (5, "he_normal", "", "");
  g_autoptr(BpNetwork) expect = NULL;
  BpRng rng;

  /* Same seed, same weights; another seed or init, others. */
  assert_true (bp_network_equal (a->network, b->network));
  assert_false (bp_network_equal (a->network, c->network));
  assert_false (bp_network_equal (a->network, d->network));

  /* Exactly what bp_network_init_weights gives from that seed. */
  expect = bp_network_copy (a->network);
  memset (expect->params, 0, expect->n_params * sizeof (double));
  bp_rng_init (&rng, 5);
  bp_network_init_weights (expect, BP_INIT_GLOROT_UNIFORM, &rng);
  assert_true (bp_network_equal (a->network, expect));
  for (gsize l = 0; l < 3; l++)
    for (gsize j = 0; j < a->network->layers[l].out; j++)
      assert_true (a->network->layers[l].b[j] == 0.0);
}

static void
test_init_partial (void **state)
{
  g_autoptr(BpModel) full = load_shapes (9, "glorot_uniform", "", "");
  /* Layer 0 has W (and no b), layer 1 has b (and no W), layer 2 neither. */
  g_autoptr(BpModel) part = load_shapes (9, "glorot_uniform",
                                         ",'W':[[1,2,3],[4,5,6],[7,8,9],[10,11,12]]",
                                         ",'b':[0.5,-0.5]");
  const BpNetwork *f = full->network, *p = part->network;

  for (gsize i = 0; i < 12; i++)
    assert_true (p->layers[0].W[i] == (double) (i + 1));
  for (gsize j = 0; j < 4; j++)
    assert_true (p->layers[0].b[j] == 0.0);
  /* The layers without W get what a full initialisation gives them. */
  assert_true (same_doubles (p->layers[1].W, f->layers[1].W, 8));
  assert_true (p->layers[1].b[0] == 0.5 && p->layers[1].b[1] == -0.5);
  assert_true (same_doubles (p->layers[2].W, f->layers[2].W, 2));
  assert_true (p->layers[2].b[0] == 0.0);
}

/* ------------------------------------------------------------- parameters */

static void
test_leaky_alpha (void **state)
{
  g_autoptr(BpModel) with = load_js ("{'format':'backprop-model/1','layers':"
                                     "[{'in':2,'out':2,'activation':'leaky_relu','alpha':0.2}]}");
  g_autoptr(BpModel) without = load_js ("{'format':'backprop-model/1','layers':"
                                        "[{'in':2,'out':2,'activation':'leaky_relu'}]}");
  g_autoptr(BpModel) back = NULL;

  assert_true (with->network->layers[0].act_params[0] == 0.2);
  assert_true (without->network->layers[0].act_params[0] == 0.01);
  back = round_trip (with);
  assert_true (back->network->layers[0].act_params[0] == 0.2);

  expect_error ("{'format':'backprop-model/1','layers':"
                "[{'in':2,'out':2,'activation':'leaky_relu','alpha':1e7}]}",
                BP_MODEL_ERROR_INVALID, "model.json: layer 1 (layers[0].alpha in the file): 10000000 is out of range");
  expect_error ("{'format':'backprop-model/1','layers':"
                "[{'in':2,'out':2,'activation':'leaky_relu','alpha':'big'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].alpha in the file): expected a number, got a string");
}

static void
test_cost_params (void **state)
{
  g_autoptr(BpModel) model = load_js ("{'format':'backprop-model/1','layers':"
                                      "[{'in':2,'out':1,'activation':'linear'}],"
                                      "'cost':{'id':'test_huber','delta':2.5},"
                                      "'reduction':'sum'}");
  g_autoptr(BpModel) plain = load_js ("{'format':'backprop-model/1','layers':"
                                      "[{'in':2,'out':1,'activation':'linear'}],"
                                      "'cost':{'id':'test_huber'}}");
  g_autoptr(BpModel) back = NULL;

  assert_string_equal (model->network->cost_id, "test_huber");
  assert_true (model->network->cost_params[0] == 2.5);
  assert_int_equal (model->network->reduction, BP_REDUCTION_SUM);
  assert_true (plain->network->cost_params[0] == 1.0);
  back = round_trip (model);
  assert_true (back->network->cost_params[0] == 2.5);

  expect_error ("{'format':'backprop-model/1','layers':[{'in':2,'out':1,'activation':'linear'}],"
                "'cost':{'id':'test_huber','delta':1000}}",
                BP_MODEL_ERROR_INVALID, "cost.delta: 1000 is out of range");
  expect_error ("{'format':'backprop-model/1','layers':[{'in':2,'out':1,'activation':'linear'}],"
                "'cost':{'id':'test_huber','epsilon':1}}",
                BP_MODEL_ERROR_INVALID, "cost.epsilon: cost \"test_huber\" has no parameter");
  expect_error ("{'format':'backprop-model/1','layers':[{'in':2,'out':1,'activation':'linear'}],"
                "'cost':{'delta':1}}",
                BP_MODEL_ERROR_INVALID, "cost: missing \"id\"");
}

static void
test_optimizer_round_trip (void **state)
{
  g_autoptr(BpModel) model = load_js ("{'format':'backprop-model/1','layers':"
                                      "[{'in':2,'out':1,'activation':'linear','W':[[1,2]],'b':[3]}],"
                                      "'optimizer':{'id':'momentum','lr':0.05,'momentum':0.8,"
                                      "'weight_decay':0.0001,"
                                      "'state':{'t':3,'v':[0.1,-0.2,1e-300]}}}");
  g_autoptr(BpModel) fresh = load_js ("{'format':'backprop-model/1','layers':"
                                      "[{'in':2,'out':1,'activation':'linear'}],"
                                      "'optimizer':{'id':'adam','lr':0.002}}");
  g_autoptr(BpModel) back = NULL;
  g_autofree char *json = NULL;
  const BpOptimizer *opt = model->optimizer;
  double v;

  assert_string_equal (opt->id, "momentum");
  assert_true (bp_optimizer_get (opt, "lr", &v) && v == 0.05);
  assert_true (bp_optimizer_get (opt, "momentum", &v) && v == 0.8);
  assert_true (opt->weight_decay == 0.0001);
  assert_true (opt->t == 3);
  assert_int_equal (opt->n_params, 3);
  assert_true (bp_optimizer_state (opt, 0)[0] == 0.1);
  assert_true (bp_optimizer_state (opt, 0)[1] == -0.2);
  assert_true (bp_optimizer_state (opt, 0)[2] == 1e-300);
  back = round_trip (model);
  assert_true (back->optimizer->t == 3);

  /* Every hyperparameter is written by name, and no state before a step. */
  json = bp_model_to_json (fresh, NULL);
  assert_non_null (strstr (json, "\"id\": \"adam\", \"lr\": 0.002, \"beta1\": 0.9, "
                                 "\"beta2\": 0.999, \"eps\": 1e-08, \"weight_decay\": 0"));
  assert_null (strstr (json, "\"state\""));
  g_clear_pointer (&back, bp_model_free);
  back = round_trip (fresh);
  assert_true (back->optimizer->t == 0);
}

/* --------------------------------------------------------------- progress */

/* A progress over 7 rows after 40 steps, its numbers awkward: NaN in the
 * history (no test set), subnormals, −0, a generator word above 2⁶³. */
BpTrainProgress *
awkward_progress (gsize n_layers)
{
  BpTrainProgress *p = bp_train_progress_new (7, 5);

  bp_rng_shuffle (&p->rng, p->order, 7);
  p->rng.s[0] = G_MAXUINT64;
  p->steps = 40;
  p->epoch = 5;
  p->cursor = 7;
  for (guint e = 1; e <= 3; e++)
    {
      BpEpochStats st = {
        .epoch = e + 2, .step = 8 * (e + 2), .train_loss = awkward[e], .train_accuracy = 1.0 / 3.0,
        .test_loss = NAN, .test_accuracy = e == 2 ? -0.0 : NAN,
      };

      g_array_append_val (p->history, st);
    }
  p->grad_norm_layers = n_layers;
  p->grad_norm_stride = 4;
  for (gsize i = 0; i < 10 * n_layers; i++)
    {
      double v = i == 3 ? NAN : awkward[i % G_N_ELEMENTS (awkward)];

      g_array_append_val (p->grad_norms, v);
    }
  return p;
}

static void
test_progress_round_trip (void **state)
{
  g_autoptr(BpModel) model = awkward_model ();
  g_autoptr(BpModel) back = NULL;
  g_autoptr(BpModel) copy = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *json = NULL;
  const BpEpochStats *st;

  /* Without progress, no "progress" is written. */
  plain = bp_model_to_json (model, NULL);
  assert_null (strstr (plain, "progress"));

  model->progress = awkward_progress (model->network->n_layers);
  back = round_trip (model);
  assert_non_null (back->progress);
  assert_true (bp_train_progress_equal (model->progress, back->progress));
  assert_true (back->progress->rng.s[0] == G_MAXUINT64);
  st = &g_array_index (back->progress->history, BpEpochStats, 1);
  assert_true (isnan (st->test_loss));
  assert_true (st->test_accuracy == 0.0 && signbit (st->test_accuracy));
  assert_true (isnan (g_array_index (back->progress->grad_norms, double, 3)));
  assert_true (g_array_index (back->progress->grad_norms, double, 4) == 5e-324);

  /* Copies are deep. */
  copy = bp_model_copy (model);
  assert_true (bp_train_progress_equal (copy->progress, model->progress));
  copy->progress->order[0] = 99;
  assert_false (bp_train_progress_equal (copy->progress, model->progress));

  /* The natural order is left out, and read back as such. */
  for (gsize i = 0; i < 7; i++)
    model->progress->order[i] = i;
  g_array_set_size (model->progress->history, 0);
  g_array_set_size (model->progress->grad_norms, 0);
  json = bp_model_to_json (model, NULL);
  assert_null (strstr (json, "\"order\""));
  assert_null (strstr (json, "\"history\""));
  /* (the stride, 4, is kept even without records: it decides which steps
   * are recorded next) */
  assert_non_null (strstr (json, "\"grad_norms\": { \"stride\": 4, \"layers\": 3, \"records\": [\n    ] }"));
  g_clear_pointer (&back, bp_model_free);
  back = round_trip (model);
  assert_true (bp_train_progress_equal (model->progress, back->progress));
  model->progress->grad_norm_stride = 1;
  g_free (json);
  json = bp_model_to_json (model, NULL);
  assert_null (strstr (json, "\"grad_norms\""));

  /* And nulls, an unknown member, a later version. */
  {
    g_autoptr(BpModel) m1 = load_js (HEAD "'layers':[" L0 "," L1 "],'progress':{'version':1,"
                                     "'steps':3,'epoch':1,'rows':2,'cursor':0,"
                                     "'rng':['a','0','0','0'],'order':[1,0],'later':{'x':1},"
                                     "'history':[[1,2,null,0.5,null,null]],"
                                     "'grad_norms':{'stride':1,'layers':2,"
                                     "'records':[[1,null],[2,3],[0,4]]}}}");
    g_autoptr(BpModel) m2 = load_js (HEAD "'layers':[" L0 "],'progress':{'version':3,"
                                     "'steps':'many','order':'a new scheme'}}");

    assert_non_null (m1->progress);
    assert_true (m1->progress->rng.s[0] == 10);
    assert_true (m1->progress->order[0] == 1);
    assert_true (isnan (g_array_index (m1->progress->history, BpEpochStats, 0).train_loss));
    /* Version 1 recorded no rate. */
    assert_true (isnan (g_array_index (m1->progress->history, BpEpochStats, 0).lr));
    assert_true (isnan (g_array_index (m1->progress->grad_norms, double, 1)));
    assert_true (g_array_index (m1->progress->grad_norms, double, 5) == 4.0);
    assert_null (m2->progress);
  }
}

/* ------------------------------------------------------ number formatting
 * bp_format_double writes every number of a model file; these pin its
 * contract directly instead of only through round trips of whole models. */

static void
assert_formats (double      value,
                const char *want)
{
  char buf[32];
  GString *s = g_string_new ("[");

  assert_ptr_equal (bp_format_double (buf, value), buf);
  if (strcmp (buf, want) != 0)
    fail_msg ("bp_format_double (%a) = “%s”, expected “%s”", value, buf, want);
  /* Appending writes the same characters after what is there. */
  bp_string_append_double (s, value);
  assert_string_equal (s->str + 1, want);
  assert_int_equal (s->str[0], '[');
  g_string_free (s, TRUE);
}

static void
test_format_double (void **state)
{
  /* Fewest digits of 15 … 17 that read back. */
  assert_formats (0.1, "0.1");
  assert_formats (1.0 / 3.0, "0.3333333333333333");
  assert_formats (0.1 + 0.2, "0.30000000000000004");
  assert_formats (-2.5, "-2.5");
  assert_formats (1e15, "1e+15");
  assert_formats (123456789012345678.0, "1.2345678901234568e+17");
  assert_formats (1e-7, "1e-07");
  /* Signed zeros keep their sign. */
  assert_formats (0.0, "0");
  assert_formats (-0.0, "-0");
  /* Extremes: the largest double needs all 17 digits (15 would overflow to
   * ∞), the smallest normal too; subnormals down to the least one read back. */
  assert_formats (DBL_MAX, "1.7976931348623157e+308");
  assert_formats (-DBL_MAX, "-1.7976931348623157e+308");
  assert_formats (DBL_MIN, "2.2250738585072014e-308");
  assert_formats (DBL_TRUE_MIN, "4.94065645841247e-324");
  assert_formats (-DBL_TRUE_MIN, "-4.94065645841247e-324");
  assert_formats (2.5e-310, "2.50000000000002e-310");
  assert_formats (1e300 * 10, "1e+301");
  /* Non-finite values get JSON5-style names, whatever the sign of a NaN. */
  assert_formats (NAN, "NaN");
  assert_formats (-NAN, "NaN");
  assert_formats (INFINITY, "Infinity");
  assert_formats (-INFINITY, "-Infinity");
}

/* Random bit patterns of every exponent: each reads back bit for bit, fits
 * the buffer, and no shorter precision of 15 … 17 would have read back. */
static void
test_format_double_round_trips (void **state)
{
  BpRng rng;
  char buf[32], shorter[40];
  int checked = 0;

  bp_rng_init (&rng, 17);
  for (int i = 0; i < 20000; i++)
    {
      guint64 bits = bp_rng_next (&rng);
      double v, back;
      int digits = 0;
      const char *p;

      if (i % 4 == 1)  /* a quarter subnormal: exponent field 0 */
        bits &= ~((guint64) 0x7ff << 52);
      memcpy (&v, &bits, sizeof v);
      if (!isfinite (v))
        continue;
      bp_format_double (buf, v);
      assert_true (strlen (buf) < 25);
      assert_null (strchr (buf, ','));
      back = g_ascii_strtod (buf, NULL);
      if (memcmp (&back, &v, sizeof v) != 0)
        fail_msg ("%a formats as “%s”, which reads back as %a", v, buf, back);
      /* Significant digits of the mantissa. */
      for (p = buf; *p != '\0' && *p != 'e'; p++)
        if (g_ascii_isdigit (*p) && (digits > 0 || *p != '0'))
          digits++;
      if (digits > 15)
        {
          g_ascii_formatd (shorter, sizeof shorter,
                           digits == 16 ? "%.15g" : "%.16g", v);
          if (g_ascii_strtod (shorter, NULL) == v)
            fail_msg ("%a formats as “%s”, but “%s” reads back too", v, buf, shorter);
        }
      checked++;
    }
  assert_true (checked > 19000);
}

/* Values in messages: %g when finite, names for the rest. */
static void
test_format_value (void **state)
{
  char buf[32];

  assert_string_equal (bp_format_value (buf, 0.1), "0.1");
  assert_string_equal (bp_format_value (buf, -0.0), "-0");
  assert_string_equal (bp_format_value (buf, 1.0 / 3.0), "0.333333");
  assert_string_equal (bp_format_value (buf, 1e-320), "9.99989e-321");
  assert_string_equal (bp_format_value (buf, DBL_MAX), "1.79769e+308");
  assert_string_equal (bp_format_value (buf, NAN), "NaN");
  assert_string_equal (bp_format_value (buf, -NAN), "NaN");
  assert_string_equal (bp_format_value (buf, INFINITY), "+Inf");
  assert_string_equal (bp_format_value (buf, -INFINITY), "−Inf");
  assert_string_equal (bp_nonfinite_name (-INFINITY), "−Inf");
  assert_null (bp_nonfinite_name (DBL_TRUE_MIN));
  assert_null (bp_nonfinite_name (-0.0));
}

/* ----------------------------------------------------- fit to the data */

static void
assert_weights_from_seed (const BpModel *model)
{
  /* The same shape initialised from the same seed: bit for bit. */
  g_autoptr(BpNetwork) want = bp_network_copy (model->network);
  BpRng rng;

  bp_rng_init (&rng, model->seed);
  bp_network_init_weights (want, model->init, &rng);
  assert_true (bp_network_equal (want, model->network));
}

static void
test_fit_to_data (void **state)
{
  g_autoptr(BpModel) model = load_js (
    "{ 'format': 'backprop-model/1', 'seed': 5, 'init': 'glorot_uniform',"
    "  'layers': [ { 'in': 2, 'out': 4, 'activation': 'leaky_relu', 'alpha': 0.2 },"
    "              { 'in': 4, 'out': 3, 'activation': 'relu' },"
    "              { 'in': 3, 'out': 1, 'activation': 'sigmoid' } ],"
    "  'cost': 'bce', 'reduction': 'sum', 'optimizer': { 'id': 'adam', 'lr': 0.02 },"
    "  'inputs': [[0, 1], [1, 0]], 'targets': [[1], [0]] }");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) before = bp_network_copy (model->network);
  BpNetwork *net;
  double lr = 0;

  model->progress = bp_train_progress_new (10, 5);

  /* The same widths: nothing changes, not even the worked example. */
  assert_true (bp_model_fit_to_data (model, 2, 1, BP_TASK_BINARY, &error));
  assert_null (error);
  assert_true (bp_network_equal (before, model->network));
  assert_int_equal (model->n_samples, 2);
  assert_non_null (model->progress);

  /* Five features, three classes: the first layer takes 5 inputs, the
   * output becomes softmax + softmax_ce, the hidden layers stay. */
  model->optimizer->t = 7;
  assert_true (bp_model_fit_to_data (model, 5, 3, BP_TASK_MULTICLASS, &error));
  assert_null (error);
  net = model->network;
  assert_int_equal (net->n_inputs, 5);
  assert_int_equal (net->n_layers, 3);
  assert_int_equal (net->layers[0].out, 4);
  assert_string_equal (net->layers[0].act_id, "leaky_relu");
  assert_true (net->layers[0].act_params[0] == 0.2);
  assert_int_equal (net->layers[1].out, 3);
  assert_string_equal (net->layers[1].act_id, "relu");
  assert_int_equal (net->layers[2].out, 3);
  assert_string_equal (net->layers[2].act_id, "softmax");
  assert_string_equal (net->cost_id, "softmax_ce");
  assert_int_equal (net->reduction, BP_REDUCTION_SUM);
  assert_int_equal (net->n_params, 5 * 4 + 4 + 4 * 3 + 3 + 3 * 3 + 3);
  assert_weights_from_seed (model);
  /* The optimizer is the same kind with the same settings, its state new. */
  assert_string_equal (model->optimizer->id, "adam");
  assert_true (bp_optimizer_get (model->optimizer, "lr", &lr));
  assert_true (lr == 0.02);
  assert_int_equal (model->optimizer->n_params, net->n_params);
  assert_int_equal (model->optimizer->t, 0);
  for (gsize i = 0; i < bp_optimizer_state_size (model->optimizer); i++)
    assert_true (model->optimizer->state[i] == 0.0);
  /* A worked example and progress of the old shape are dropped. */
  assert_null (model->inputs);
  assert_null (model->targets);
  assert_int_equal (model->n_samples, 0);
  assert_null (model->progress);
  assert_true (bp_network_validate (net, &error));

  /* Regression: linear + mse; binary: sigmoid + bce. */
  assert_true (bp_model_fit_to_data (model, 5, 2, BP_TASK_REGRESSION, &error));
  assert_string_equal (model->network->layers[2].act_id, "linear");
  assert_string_equal (model->network->cost_id, "mse");
  assert_weights_from_seed (model);
  assert_true (bp_model_fit_to_data (model, 1, 1, BP_TASK_BINARY, &error));
  assert_int_equal (model->network->n_inputs, 1);
  assert_string_equal (model->network->layers[2].act_id, "sigmoid");
  assert_string_equal (model->network->cost_id, "bce");
  assert_null (error);
}

/* A single-layer model has no hidden layer to keep: the output layer is
 * the first layer, and takes the new inputs. */
static void
test_fit_to_data_one_layer (void **state)
{
  g_autoptr(BpModel) model = load_js (
    "{ 'format': 'backprop-model/1', 'seed': 9,"
    "  'layers': [ { 'in': 2, 'out': 1, 'activation': 'sigmoid' } ], 'cost': 'bce' }");
  g_autoptr(GError) error = NULL;

  assert_true (bp_model_fit_to_data (model, 4, 3, BP_TASK_MULTICLASS, &error));
  assert_null (error);
  assert_int_equal (model->network->n_layers, 1);
  assert_int_equal (model->network->layers[0].in, 4);
  assert_int_equal (model->network->layers[0].out, 3);
  assert_string_equal (model->network->layers[0].act_id, "softmax");
  assert_weights_from_seed (model);
}

/* ------------------------------------------------ registry look-ups */

static void
test_param_index (void **state)
{
  static const BpParamSpec specs[] = {
    { "lr", "learning rate", 0.1, 0, 1 },
    { NULL, "unnamed", 0, 0, 1 },
    { "beta1", "first moment", 0.9, 0, 1 },
    { "lr", "a second lr: the first wins", 0.2, 0, 1 },
  };
  const BpOptimizerDesc *adam = bp_registry_lookup_optimizer (NULL, "adam");
  const BpActivationDesc *leaky = bp_registry_lookup_activation (NULL, "leaky_relu");

  assert_int_equal (bp_param_index (specs, G_N_ELEMENTS (specs), "lr"), 0);
  assert_int_equal (bp_param_index (specs, G_N_ELEMENTS (specs), "beta1"), 2);
  /* Only the first n specs are looked at. */
  assert_int_equal (bp_param_index (specs, 2, "beta1"), -1);
  assert_int_equal (bp_param_index (specs, 0, "lr"), -1);
  /* Whole names, case and all; a NULL name matches nothing. */
  assert_int_equal (bp_param_index (specs, G_N_ELEMENTS (specs), "beta"), -1);
  assert_int_equal (bp_param_index (specs, G_N_ELEMENTS (specs), "LR"), -1);
  assert_int_equal (bp_param_index (specs, G_N_ELEMENTS (specs), ""), -1);
  /* On the built-ins, where the app asks for lr and weight_decay: Adam's
   * decay is the host's, not a hyperparameter of its own. */
  assert_non_null (adam);
  assert_int_equal (bp_param_index (adam->hyper_specs, adam->n_hyper, "lr"), 0);
  assert_int_equal (bp_param_index (adam->hyper_specs, adam->n_hyper, "beta2"), 2);
  assert_int_equal (bp_param_index (adam->hyper_specs, adam->n_hyper, "eps"), 3);
  assert_int_equal (bp_param_index (adam->hyper_specs, adam->n_hyper, "weight_decay"), -1);
  assert_int_equal (bp_param_index (leaky->params, leaky->n_params, "alpha"), 0);
  assert_int_equal (bp_param_index (leaky->params, leaky->n_params, "lr"), -1);
}

static void
test_registry_get_plugin (void **state)
{
  BpRegistry *reg = bp_registry_new ();
  const BpRegisteredPlugin *rp;

  /* The default registry: the built-ins first, then group_setup's plugin. */
  assert_int_equal (bp_registry_n_plugins (NULL), 2);
  rp = bp_registry_get_plugin (NULL, 0);
  assert_ptr_equal (rp->desc, bp_builtins_get_descriptor ());
  assert_string_equal (rp->source, "(built in)");
  rp = bp_registry_get_plugin (NULL, 1);
  assert_ptr_equal (rp->desc, &test_plugin);
  assert_string_equal (rp->source, "(test)");
  assert_ptr_equal (bp_registry_lookup_provider (NULL, "test_huber"), rp);

  /* A registry of its own, in registration order. */
  assert_int_equal (bp_registry_n_plugins (reg), 0);
  assert_true (bp_registry_add_plugin (reg, &test_plugin, "/x/first.so", NULL));
  assert_true (bp_registry_add_plugin (reg, bp_builtins_get_descriptor (), "(built in)", NULL));
  assert_int_equal (bp_registry_n_plugins (reg), 2);
  assert_ptr_equal (bp_registry_get_plugin (reg, 0)->desc, &test_plugin);
  assert_string_equal (bp_registry_get_plugin (reg, 0)->source, "/x/first.so");
  assert_ptr_equal (bp_registry_get_plugin (reg, 1)->desc, bp_builtins_get_descriptor ());
  bp_registry_free (reg);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_round_trip_awkward),
    cmocka_unit_test (test_round_trip_default),
    cmocka_unit_test (test_round_trip_file),
    cmocka_unit_test (test_io_errors),
    cmocka_unit_test (test_save_removes_stale_temporaries),
    cmocka_unit_test (test_save_refuses_non_finite),
    cmocka_unit_test (test_strings),
    cmocka_unit_test (test_big_seed),
    cmocka_unit_test (test_default_model),
    cmocka_unit_test (test_new_defaults),
    cmocka_unit_test (test_init_from_seed),
    cmocka_unit_test (test_init_partial),
    cmocka_unit_test (test_leaky_alpha),
    cmocka_unit_test (test_cost_params),
    cmocka_unit_test (test_optimizer_round_trip),
    cmocka_unit_test (test_bad_syntax),
    cmocka_unit_test (test_bad_format),
    cmocka_unit_test (test_bad_layers),
    cmocka_unit_test (test_bad_weights),
    cmocka_unit_test (test_bad_ids),
    cmocka_unit_test (test_bad_cost),
    cmocka_unit_test (test_bad_optimizer),
    cmocka_unit_test (test_bad_other_fields),
    cmocka_unit_test (test_bad_example),
    cmocka_unit_test (test_example_and_compat),
    cmocka_unit_test (smoke_test_truncations),
    cmocka_unit_test (test_progress_round_trip),
    cmocka_unit_test (test_bad_progress),
    cmocka_unit_test (test_save_refuses_bad_progress),
    cmocka_unit_test (smoke_test_progress_corruptions),
    cmocka_unit_test (test_format_double),
    cmocka_unit_test (test_format_double_round_trips),
    cmocka_unit_test (test_format_value),
    cmocka_unit_test (test_fit_to_data),
    cmocka_unit_test (test_fit_to_data_one_layer),
    cmocka_unit_test (test_param_index),
    cmocka_unit_test (test_registry_get_plugin),
  };

  return cmocka_run_group_tests_name ("model", tests, group_setup, NULL);
}
