/* test-onnx-read.c — ONNX import (core/bp-onnx-read*.c) against the
 * fixtures in tests/onnx/, which make-fixtures.py writes with torch.
 *
 * Each NAME.onnx that must import has NAME.json beside it: a batch and the
 * outputs torch computed for it in float64 (on the float32 weights made
 * double, for a float32 file).  The imported network in eval mode must
 * give them; the model must save and load back equal.  Each refusal
 * fixture (refusals.txt) must fail with its code and a message naming the
 * file, the node and its op.  Every prefix of a file must fail, never
 * crash.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-glib/json-glib.h>

#include "bp-onnx.h"
#include "bp-plugin-loader.h"
#include "test-util.h"

static const char *const good_fixtures[] = {
  "mlp-f32", "skip-f64", "bn-f32", "ln-pattern-f32", "ln-node-f64", "acts-f32",
  "matmul-f32", "double-data-f64", "decomposed-f64", "exp-branches-f64",
  /* The same with an Identity after every value, inside the patterns too. */
  "acts-identities-f32", "ln-identities-f32", "matmul-identities-f32",
};

static char *
fixture_path (const char *file)
{
  const char *src = g_getenv ("BACKPROP_SOURCE_DIR");

  return g_build_filename (src != NULL ? src : ".", "tests", "onnx", file, NULL);
}

/* A JSON array of arrays of numbers as one row-major block. */
static double *
read_rows (JsonObject *obj,
           const char *member,
           gsize      *rows,
           gsize      *cols)
{
  JsonArray *a = json_object_get_array_member (obj, member);
  double *out;

  *rows = json_array_get_length (a);
  *cols = json_array_get_length (json_array_get_array_element (a, 0));
  out = g_new (double, *rows * *cols);
  for (gsize s = 0; s < *rows; s++)
    {
      JsonArray *row = json_array_get_array_element (a, s);

      assert_int_equal (json_array_get_length (row), *cols);
      for (gsize j = 0; j < *cols; j++)
        out[s * *cols + j] = json_array_get_double_element (row, j);
    }
  return out;
}

static void
check_fixture (const char *name)
{
  g_autofree char *onnx = g_strconcat (name, ".onnx", NULL);
  g_autofree char *json = g_strconcat (name, ".json", NULL);
  g_autofree char *onnx_path = fixture_path (onnx);
  g_autofree char *json_path = fixture_path (json);
  g_autofree char *prefix = g_strdup_printf ("Imported from %s: ", onnx);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpModel) again = NULL;
  g_autofree double *x = NULL, *y = NULL, *out = NULL;
  g_autofree char *text = NULL;
  JsonObject *expected;
  BpNetwork *net;
  BpTrace *trace;
  gsize B, n_in, B2, n_out, len;

  assert_true (json_parser_load_from_file (parser, json_path, &error));
  expected = json_node_get_object (json_parser_get_root (parser));
  x = read_rows (expected, "inputs", &B, &n_in);
  y = read_rows (expected, "outputs", &B2, &n_out);
  assert_int_equal (B, B2);

  model = bp_onnx_import_file (onnx_path, &error);
  if (model == NULL)
    fail_msg ("%s: %s", name, error->message);
  net = model->network;
  assert_int_equal (net->n_layers, json_object_get_int_member (expected, "layers"));
  assert_string_equal (net->cost_id, json_object_get_string_member (expected, "cost"));
  assert_int_equal (net->n_inputs, n_in);
  assert_int_equal (bp_network_n_outputs (net), n_out);
  assert_string_equal (model->name, name);
  assert_true (g_str_has_prefix (model->description, prefix));
  assert_null (model->dataset);
  assert_string_equal (model->optimizer->desc->id, "sgd");

  /* The forward pass in eval mode (batch norm's running statistics). */
  net->eval = TRUE;
  trace = bp_trace_new (net, B);
  bp_network_forward (net, trace, x, B);
  for (gsize s = 0; s < B; s++)
    for (gsize j = 0; j < n_out; j++)
      assert_near (bp_trace_a (trace, net->n_layers - 1, s)[j], y[s * n_out + j], 1e-12, 1e-13);
  bp_trace_free (trace);

  /* bp_network_predict agrees (the path plots use). */
  out = g_new (double, n_out);
  {
    g_autofree double *scratch = g_new (double, bp_network_scratch_size (net));

    bp_network_predict (net, x, out, scratch);
    for (gsize j = 0; j < n_out; j++)
      assert_near (out[j], y[j], 1e-12, 1e-13);
  }

  /* Saved and loaded back, the same model bit for bit. */
  net->eval = FALSE;
  text = bp_model_to_json (model, &len);
  again = bp_model_load_data (text, (gssize) len, name, NULL, &error);
  if (again == NULL)
    fail_msg ("%s: saved model does not load: %s", name, error->message);
  assert_models_equal (model, again);
}

static void
test_fixtures_forward (void **state)
{
  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (good_fixtures); i++)
    check_fixture (good_fixtures[i]);
}

/* What torch's export holds beyond the numbers: activation parameters as
 * the user wrote them, batch norm's ε and momentum in torch's sense. */
static void
test_hyper_parameters (void **state)
{
  g_autofree char *mlp = fixture_path ("mlp-f32.onnx");
  g_autofree char *bn = fixture_path ("bn-f32.onnx");
  g_autofree char *ln = fixture_path ("ln-pattern-f32.onnx");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) m = NULL;
  g_autoptr(BpModel) b = NULL;
  g_autoptr(BpModel) l = NULL;

  (void) state;
  m = bp_onnx_import_file (mlp, &error);
  assert_non_null (m);
  assert_string_equal (m->network->layers[1].act_id, "leaky_relu");
  assert_bits (m->network->layers[1].act_params[0], 0.1);
  assert_string_equal (m->network->layers[2].act_id, "elu");
  assert_bits (m->network->layers[2].act_params[0], 0.7);
  assert_string_equal (m->description, "Imported from mlp-f32.onnx: pytorch 1.13.0, opset 14");

  b = bp_onnx_import_file (bn, &error);
  assert_non_null (b);
  assert_int_equal (b->network->layers[1].type, BP_LAYER_BATCHNORM);
  assert_bits (b->network->layers[1].eps, 1e-5);
  assert_bits (b->network->layers[1].momentum, 0.1);
  assert_string_equal (b->network->layers[1].act_id, "tanh");
  assert_string_equal (b->network->layers[0].act_id, "linear");

  l = bp_onnx_import_file (ln, &error);
  assert_non_null (l);
  assert_int_equal (l->network->layers[1].type, BP_LAYER_LAYERNORM);
  assert_bits (l->network->layers[1].eps, 1e-5);
}

static BpOnnxError
code_from_string (const char *s)
{
  static const char *const names[] = {
    [BP_ONNX_ERROR_IO] = "IO", [BP_ONNX_ERROR_PARSE] = "PARSE",
    [BP_ONNX_ERROR_UNSUPPORTED] = "UNSUPPORTED", [BP_ONNX_ERROR_INVALID] = "INVALID",
    [BP_ONNX_ERROR_LIMIT] = "LIMIT", [BP_ONNX_ERROR_EXPORT] = "EXPORT",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (s, names[i]))
      return (BpOnnxError) i;
  fail_msg ("unknown code %s", s);
  return BP_ONNX_ERROR_IO;
}

static void
test_refusals (void **state)
{
  g_autofree char *list = fixture_path ("refusals.txt");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  (void) state;
  assert_true (g_file_get_contents (list, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      g_autofree char *path = NULL;
      g_autofree char *named = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(BpModel) model = NULL;
      BpOnnxError code;

      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      f = g_strsplit (lines[i], "\t", -1);
      assert_int_equal (g_strv_length (f), 4);
      path = fixture_path (f[0]);
      code = code_from_string (f[1]);
      model = bp_onnx_import_file (path, &error);
      if (model != NULL)
        fail_msg ("%s was imported", f[0]);
      if (!g_error_matches (error, BP_ONNX_ERROR, code))
        fail_msg ("%s: expected %s, got %d: %s", f[0], f[1], error->code, error->message);
      assert_error_contains (error, f[0]);
      if (f[2][0] != '\0')
        {
          named = g_strdup_printf ("node “%s” (%s)", f[2], f[3]);
          assert_error_contains (error, named);
        }
      else
        assert_error_contains (error, f[3]);
      if (code == BP_ONNX_ERROR_UNSUPPORTED)
        assert_error_contains (error, "; supported: Gemm");
      n++;
    }
  assert_true (n >= 13);
}

/* The limits say what they are. */
static void
test_limits_stated (void **state)
{
  static const struct { const char *file, *limit; } cases[] = {
    { "refuse-wide.onnx", "at most 4096 in a layer" },
    { "refuse-params.onnx", "more than 33554432 parameters" },
    { "refuse-deep.onnx", "at most 32" },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = fixture_path (cases[i].file);
      g_autoptr(GError) error = NULL;
      g_autoptr(BpModel) model = bp_onnx_import_file (path, &error);

      assert_null (model);
      assert_error_contains (error, cases[i].limit);
    }
}

/* Every prefix of a small file, and of each fixture a few: an error naming
 * the data, never a model, never a crash. */
static void
test_truncated (void **state)
{
  (void) state;
  for (gsize f = 0; f < G_N_ELEMENTS (good_fixtures); f++)
    {
      g_autofree char *file = g_strconcat (good_fixtures[f], ".onnx", NULL);
      g_autofree char *path = fixture_path (file);
      g_autofree char *data = NULL;
      gsize len, step;

      assert_true (g_file_get_contents (path, &data, &len, NULL));
      /* matmul-f32 byte by byte; the others at ~64 lengths each. */
      step = g_str_equal (good_fixtures[f], "matmul-f32") ? 1 : MAX (len / 64, 1);
      for (gsize cut = 0; cut < len; cut += step)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(BpModel) model = bp_onnx_import_data ((const guint8 *) data, cut, "cut.onnx",
                                                          &error);

          if (model != NULL)
            fail_msg ("%s cut to %zu of %zu bytes was imported", file, cut, len);
          assert_true (error->domain == BP_ONNX_ERROR);
          assert_error_contains (error, "cut.onnx");
        }
    }
}

/* Prepends a varint before `*p` (which moves back). */
static void
prepend_varint (guint8 **p,
                guint64  v)
{
  guint8 tmp[10];
  gsize n = 0;

  do
    {
      tmp[n++] = (guint8) ((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>= 7;
    }
  while (v != 0);
  *p -= n;
  memcpy (*p, tmp, n);
}

/* Graphs inside attributes inside nodes inside graphs, 600 000 messages
 * deep: protobuf-c would recurse until the stack overflows; the reader
 * refuses it by its depth first. */
static void
test_deep_nesting (void **state)
{
  const gsize levels = 200000, size = 16 * 3 * levels;
  g_autofree guint8 *buf = g_malloc (size);
  guint8 *end = buf + size, *p = end;
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;

  (void) state;
  for (gsize i = 0; i < levels; i++)
    {
      /* GraphProto.node (1) ∋ NodeProto.attribute (5) ∋ AttributeProto.g (6). */
      static const guint tags[] = { 6, 5, 1 };

      for (gsize k = 0; k < G_N_ELEMENTS (tags); k++)
        {
          prepend_varint (&p, (guint64) (end - p));
          prepend_varint (&p, tags[k] << 3 | 2);
        }
    }
  prepend_varint (&p, (guint64) (end - p));
  prepend_varint (&p, 7 << 3 | 2);   /* ModelProto.graph */
  prepend_varint (&p, 8);
  prepend_varint (&p, 1 << 3);       /* ModelProto.ir_version */
  assert_true (p >= buf);

  model = bp_onnx_import_data (p, (gsize) (end - p), "deep.onnx", &error);
  assert_null (model);
  assert_true (g_error_matches (error, BP_ONNX_ERROR, BP_ONNX_ERROR_PARSE));
  assert_error_contains (error, "deep.onnx: messages nested more than 64 deep");
}

static void
test_garbage_and_io (void **state)
{
  static const guint8 text[] = "{\"format\": \"backprop-model/1\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;

  (void) state;
  model = bp_onnx_import_data (text, sizeof text - 1, "model.json", &error);
  assert_null (model);
  assert_true (g_error_matches (error, BP_ONNX_ERROR, BP_ONNX_ERROR_PARSE));
  assert_error_contains (error, "model.json: not an ONNX model");
  g_clear_error (&error);

  model = bp_onnx_import_file ("/nonexistent/net.onnx", &error);
  assert_null (model);
  assert_true (g_error_matches (error, BP_ONNX_ERROR, BP_ONNX_ERROR_IO));
  assert_error_contains (error, "/nonexistent/net.onnx: cannot read");
}

static int
group_setup (void **state)
{
  /* The plugins the fixtures name (elu, selu, swish, gelu, …), from
   * BACKPROP_PLUGIN_PATH as the CLI loads them. */
  BpPluginLoader *loader = bp_plugin_loader_new (NULL);

  bp_plugin_loader_load_all (loader, NULL);
  *state = loader;
  return 0;
}

static int
group_teardown (void **state)
{
  bp_plugin_loader_free (*state);
  return 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fixtures_forward),
    cmocka_unit_test (test_hyper_parameters),
    cmocka_unit_test (test_refusals),
    cmocka_unit_test (test_limits_stated),
    cmocka_unit_test (test_truncated),
    cmocka_unit_test (test_deep_nesting),
    cmocka_unit_test (test_garbage_and_io),
  };

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
