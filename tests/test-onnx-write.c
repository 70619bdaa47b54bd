/* test-onnx-write.c — ONNX export (core/bp-onnx-write*.c): what is
 * written, read back with protoc-c's unpack (nodes, initialisers, shapes,
 * opset), the float32/float64 choice and its consequences for attributes,
 * the refusal of an activation with no ONNX form, the atomic write, and the
 * round trip through the reader (bp-onnx-read*.c).  That the graphs
 * compute our forward pass is tests/reference/onnx_export.py's
 * (onnx.checker and an evaluator of the operators). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bp-model.h"
#include "bp-onnx.h"
#include "bp-registry.h"
#include "onnx.pb-c.h"
#include "test-util.h"

/* ------------------------------------------------------------ the models */

/* 3 → dense 4 tanh → batchnorm relu → layernorm sigmoid → dropout →
 * dense 2 softmax, every parameter a float32 (multiples of 1/8). */
static BpModel *
model_new (void)
{
  g_autoptr(GError) error = NULL;
  BpModel *model = bp_model_new ();
  BpNetwork *net;

  net = model->network = bp_network_new (3, &error);
  g_assert_no_error (error);
  assert_true (bp_network_add_layer (net, 4, "tanh", NULL, &error));
  assert_true (bp_network_add_batchnorm (net, BP_NORM_DEFAULT_EPS, BP_NORM_DEFAULT_MOMENTUM,
                                         "relu", &error));
  assert_true (bp_network_add_layernorm (net, BP_NORM_DEFAULT_EPS, "sigmoid", &error));
  assert_true (bp_network_add_dropout (net, 0.5, &error));
  assert_true (bp_network_add_layer (net, 2, "softmax", NULL, &error));
  assert_true (bp_network_set_cost (net, "softmax_ce", NULL, &error));
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] = (double) ((int) (i % 11) - 5) / 8.0;
  for (gsize j = 0; j < 4; j++)
    {
      net->layers[1].running_mean[j] = 0.25 * (double) j;
      net->layers[1].running_var[j] = 1.0 + 0.5 * (double) j;
    }
  g_free (model->name);
  model->name = g_strdup ("exported");
  return model;
}

static Onnx__ModelProto *
export_unpacked (const BpModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = bp_onnx_export_bytes (model, &error);
  gsize len;
  const guint8 *data;
  Onnx__ModelProto *m;

  g_assert_no_error (error);
  assert_non_null (bytes);
  data = g_bytes_get_data (bytes, &len);
  m = onnx__model_proto__unpack (NULL, len, data);
  assert_non_null (m);
  assert_non_null (m->graph);
  return m;
}

static void
model_proto_free (Onnx__ModelProto *m)
{
  onnx__model_proto__free_unpacked (m, NULL);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Onnx__ModelProto, model_proto_free)

/* The op types of the graph, space-separated. */
static char *
op_types (const Onnx__ModelProto *m)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < m->graph->n_node; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? " " : "", m->graph->node[i]->op_type);
  return g_string_free (s, FALSE);
}

static const Onnx__TensorProto *
find_init (const Onnx__ModelProto *m,
           const char             *name)
{
  for (gsize i = 0; i < m->graph->n_initializer; i++)
    if (g_str_equal (m->graph->initializer[i]->name, name))
      return m->graph->initializer[i];
  fail_msg ("no initialiser %s", name);
  return NULL;
}

static const Onnx__NodeProto *
find_node (const Onnx__ModelProto *m,
           const char             *op)
{
  for (gsize i = 0; i < m->graph->n_node; i++)
    if (g_str_equal (m->graph->node[i]->op_type, op))
      return m->graph->node[i];
  return NULL;
}

static const Onnx__AttributeProto *
find_attr (const Onnx__NodeProto *node,
           const char            *name)
{
  for (gsize i = 0; i < node->n_attribute; i++)
    if (g_str_equal (node->attribute[i]->name, name))
      return node->attribute[i];
  return NULL;
}

/* Value k of a float32 or float64 initialiser (raw_data, little-endian). */
static double
init_value (const Onnx__TensorProto *t,
            gsize                    k)
{
  if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
    {
      guint32 le;
      union { guint32 u; float f; } v;

      assert_true (t->raw_data.len >= 4 * (k + 1));
      memcpy (&le, t->raw_data.data + 4 * k, 4);
      v.u = GUINT32_FROM_LE (le);
      return v.f;
    }
  else
    {
      guint64 le;
      union { guint64 u; double d; } v;

      assert_int_equal (t->data_type, ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE);
      assert_true (t->raw_data.len >= 8 * (k + 1));
      memcpy (&le, t->raw_data.data + 8 * k, 8);
      v.u = GUINT64_FROM_LE (le);
      return v.d;
    }
}

/* [batch, width] of `type`. */
static void
assert_batch_shape (const Onnx__ValueInfoProto *vi,
                    const char                 *name,
                    int32_t                     type,
                    gsize                       width)
{
  const Onnx__TypeProto__Tensor *t;

  assert_string_equal (vi->name, name);
  assert_int_equal (vi->type->value_case, ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE);
  t = vi->type->tensor_type;
  assert_int_equal (t->elem_type, type);
  assert_int_equal (t->shape->n_dim, 2);
  assert_int_equal (t->shape->dim[0]->value_case,
                    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM);
  assert_string_equal (t->shape->dim[0]->dim_param, "batch");
  assert_int_equal (t->shape->dim[1]->value_case,
                    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE);
  assert_int_equal (t->shape->dim[1]->dim_value, width);
}

/* ------------------------------------------------------------- structure */

static void
test_structure_float32 (void **state)
{
  g_autoptr(BpModel) model = model_new ();
  g_autoptr(Onnx__ModelProto) m = export_unpacked (model);
  const BpNetwork *net = model->network;
  const Onnx__GraphProto *g = m->graph;
  g_autofree char *ops = op_types (m);
  const Onnx__TensorProto *W1, *bn_var;
  const Onnx__NodeProto *gemm, *bn, *ln;

  assert_int_equal (m->ir_version, 8);
  assert_int_equal (m->n_opset_import, 1);
  assert_string_equal (m->opset_import[0]->domain, "");
  assert_int_equal (m->opset_import[0]->version, 17);
  assert_string_equal (m->producer_name, "backprop-studio");
  assert_non_null (m->producer_version);
  assert_string_equal (g->name, "exported");

  /* Every parameter is a multiple of 1/8: float32 throughout, and the
   * attribute forms of batch and layer norm. */
  assert_string_equal (ops, "Gemm Tanh BatchNormalization Relu LayerNormalization Sigmoid "
                            "Gemm Softmax");
  assert_int_equal (g->n_input, 1);
  assert_int_equal (g->n_output, 1);
  assert_batch_shape (g->input[0], "input", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3);
  assert_batch_shape (g->output[0], "output", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2);
  for (gsize i = 0; i < g->n_initializer; i++)
    assert_int_equal (g->initializer[i]->data_type, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
  /* Every tensor between the nodes has its shape. */
  for (gsize i = 0; i + 1 < g->n_node; i++)
    {
      gboolean found = FALSE;

      for (gsize k = 0; k < g->n_value_info; k++)
        found |= g_str_equal (g->value_info[k]->name, g->node[i]->output[0]);
      assert_true (found);
    }

  /* W stored out × in, as ours, and Gemm transposes it. */
  W1 = find_init (m, "layer1.W");
  assert_int_equal (W1->n_dims, 2);
  assert_int_equal (W1->dims[0], 4);
  assert_int_equal (W1->dims[1], 3);
  for (gsize k = 0; k < 12; k++)
    assert_bits (init_value (W1, k), net->layers[0].W[k]);
  gemm = g->node[0];
  assert_string_equal (gemm->input[0], "input");
  assert_string_equal (gemm->input[1], "layer1.W");
  assert_string_equal (gemm->input[2], "layer1.b");
  assert_int_equal (find_attr (gemm, "transB")->i, 1);

  bn = find_node (m, "BatchNormalization");
  assert_int_equal (bn->n_input, 5);
  assert_string_equal (bn->input[3], "layer2.running_mean");
  bn_var = find_init (m, "layer2.running_var");
  for (gsize j = 0; j < 4; j++)
    assert_bits (init_value (bn_var, j), net->layers[1].running_var[j]);
  assert_true (find_attr (bn, "epsilon")->f == (float) BP_NORM_DEFAULT_EPS);
  /* ONNX's momentum is the weight of the old running value: 1 − ours. */
  assert_true (find_attr (bn, "momentum")->f == 0.9f);
  ln = find_node (m, "LayerNormalization");
  assert_int_equal (find_attr (ln, "axis")->i, -1);
  /* float32 file: the default stash type, float32. */
  assert_null (find_attr (ln, "stash_type"));
  /* Dropout writes nothing: the layer-norm's a goes straight to layer 5. */
  assert_string_equal (g->node[6]->input[0], g->node[5]->output[0]);
  assert_string_equal (g->node[7]->output[0], "output");
  assert_int_equal (find_attr (g->node[7], "axis")->i, -1);
}

/* One parameter that is not a float32 makes every tensor float64, and
 * then the eps of 1e−5 (not a float32) is written with constant tensors. */
static void
test_float64_choice (void **state)
{
  g_autoptr(BpModel) model = model_new ();
  g_autoptr(Onnx__ModelProto) m = NULL;
  g_autofree char *ops = NULL;
  const Onnx__TensorProto *b5, *eps = NULL;

  model->network->layers[4].b[1] = 0.1;
  m = export_unpacked (model);
  ops = op_types (m);
  for (gsize i = 0; i < m->graph->n_initializer; i++)
    assert_int_equal (m->graph->initializer[i]->data_type, ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE);
  assert_batch_shape (m->graph->input[0], "input", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, 3);
  b5 = find_init (m, "layer5.b");
  assert_int_equal (b5->raw_data.len, 2 * 8);
  assert_bits (init_value (b5, 1), 0.1);
  /* 1/√(var + eps) from constants; the layer-norm pattern. */
  assert_string_equal (ops, "Gemm Tanh Add Sqrt Reciprocal Sub Mul Mul Add Relu "
                            "ReduceMean Sub Pow ReduceMean Add Sqrt Div Mul Add Sigmoid "
                            "Gemm Softmax");
  for (gsize i = 0; i < m->graph->n_initializer; i++)
    {
      const Onnx__TensorProto *t = m->graph->initializer[i];

      if (t->n_dims == 0 && init_value (t, 0) == BP_NORM_DEFAULT_EPS)
        eps = t;
    }
  assert_non_null (eps);
}

/* An eps that is a float32 keeps the operators in a float64 file, with
 * layer norm's statistics in float64. */
static void
test_float64_exact_eps (void **state)
{
  g_autoptr(BpModel) model = model_new ();
  g_autoptr(Onnx__ModelProto) m = NULL;
  g_autofree char *ops = NULL;

  model->network->layers[0].W[0] = 0.1;
  model->network->layers[1].eps = ldexp (1.0, -16);
  model->network->layers[2].eps = ldexp (1.0, -16);
  m = export_unpacked (model);
  ops = op_types (m);
  assert_string_equal (ops, "Gemm Tanh BatchNormalization Relu LayerNormalization Sigmoid "
                            "Gemm Softmax");
  assert_true (find_attr (find_node (m, "BatchNormalization"), "epsilon")->f == 0x1p-16f);
  assert_int_equal (find_attr (find_node (m, "LayerNormalization"), "stash_type")->i,
                    ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE);
}

/* leaky_relu's α = 0.01 is no float32: a PRelu with a float64 slope; in a
 * float32 file, LeakyRelu with α rounded as every value there is. */
static void
test_leaky_slope (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = model_new ();
  g_autoptr(Onnx__ModelProto) m32 = NULL, m64 = NULL;
  const Onnx__NodeProto *prelu;

  assert_true (bp_network_set_activation (model->network, 0, "leaky_relu", NULL, &error));
  m32 = export_unpacked (model);
  assert_null (find_node (m32, "PRelu"));
  assert_true (find_attr (find_node (m32, "LeakyRelu"), "alpha")->f == 0.01f);

  model->network->layers[0].b[0] = 1.0 / 3.0;
  m64 = export_unpacked (model);
  assert_null (find_node (m64, "LeakyRelu"));
  prelu = find_node (m64, "PRelu");
  assert_non_null (prelu);
  assert_bits (init_value (find_init (m64, prelu->input[1]), 0), 0.01);
}

/* A network of dropout alone: Identity to "output", float64 (no
 * parameters to keep the bytes of). */
static void
test_dropout_only (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_new ();
  g_autoptr(Onnx__ModelProto) m = NULL;
  g_autofree char *ops = NULL;

  model->network = bp_network_new (2, &error);
  assert_true (bp_network_add_dropout (model->network, 0.5, &error));
  m = export_unpacked (model);
  ops = op_types (m);
  assert_string_equal (ops, "Identity");
  assert_string_equal (m->graph->node[0]->input[0], "input");
  assert_batch_shape (m->graph->output[0], "output", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, 2);
}

/* --------------------------------------------------------------- refusal */

static double
cube_f (double z, const double *p)
{
  return z * z * z;
}

static double
cube_df (double z, double fz, const double *p)
{
  return 3.0 * z * z;
}

/* An activation of a third-party plugin, and one that takes a shipped
 * plugin's id ("gelu" is not loaded here) with other math. */
static const BpActivationDesc foreign_acts[] = {
  { .id = "test_onnx_cube", .name = "Cube (test)", .formula = "z³", .f = cube_f, .df = cube_df },
  { .id = "gelu", .name = "Not GELU (test)", .formula = "z³", .f = cube_f, .df = cube_df },
};

static const BpPluginDesc foreign_plugin = {
  .abi_major = BP_PLUGIN_ABI_MAJOR,
  .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "test-onnx-foreign",
  .version = "1",
  .activations = foreign_acts,
  .n_activations = G_N_ELEMENTS (foreign_acts),
};

static void
register_foreign (void)
{
  g_autoptr(GError) error = NULL;

  if (bp_registry_lookup_activation (NULL, "test_onnx_cube") == NULL)
    assert_true (bp_registry_add_plugin (bp_registry_get_default (), &foreign_plugin, "(test)",
                                         &error));
}

static void
test_refuses_foreign_activation (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = model_new ();
  g_autoptr(GBytes) bytes = NULL;

  register_foreign ();
  assert_true (bp_network_set_activation (model->network, 2, "test_onnx_cube", NULL, &error));
  bytes = bp_onnx_export_bytes (model, &error);
  assert_null (bytes);
  assert_true (g_error_matches (error, BP_ONNX_ERROR, BP_ONNX_ERROR_EXPORT));
  assert_error_contains (error, "layer 3");
  assert_error_contains (error, "test_onnx_cube");
}

static void
test_refuses_impostor (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = model_new ();
  g_autoptr(GBytes) bytes = NULL;

  register_foreign ();
  assert_true (bp_network_set_activation (model->network, 0, "gelu", NULL, &error));
  bytes = bp_onnx_export_bytes (model, &error);
  assert_null (bytes);
  assert_true (g_error_matches (error, BP_ONNX_ERROR, BP_ONNX_ERROR_EXPORT));
  assert_error_contains (error, "layer 1");
  assert_error_contains (error, "gelu");
}

/* ---------------------------------------------------------- atomic write */

static char *
dir_listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
test_write_file (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = model_new ();
  g_autofree char *dir = g_dir_make_tmp ("test-onnx-write-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "net.onnx", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-such-dir", "net.onnx", NULL);
  g_autofree char *contents = NULL, *listing = NULL;
  g_autoptr(GBytes) bytes = bp_onnx_export_bytes (model, &error);
  gsize len;

  g_assert_no_error (error);
  /* Over an older file: replaced whole. */
  assert_true (g_file_set_contents (path, "old", -1, &error));
  assert_true (bp_onnx_export_file (model, path, &error));
  g_assert_no_error (error);
  assert_true (g_file_get_contents (path, &contents, &len, &error));
  assert_int_equal (len, g_bytes_get_size (bytes));
  assert_memory_equal (contents, g_bytes_get_data (bytes, NULL), len);
  listing = dir_listing (dir);
  assert_string_equal (listing, "net.onnx");

  /* A refused network leaves the file as it was, and nothing beside it. */
  register_foreign ();
  assert_true (bp_network_set_activation (model->network, 0, "test_onnx_cube", NULL, &error));
  assert_false (bp_onnx_export_file (model, path, &error));
  assert_true (g_error_matches (error, BP_ONNX_ERROR, BP_ONNX_ERROR_EXPORT));
  g_clear_error (&error);
  g_clear_pointer (&contents, g_free);
  assert_true (g_file_get_contents (path, &contents, &len, &error));
  assert_memory_equal (contents, g_bytes_get_data (bytes, NULL), len);
  g_clear_pointer (&listing, g_free);
  listing = dir_listing (dir);
  assert_string_equal (listing, "net.onnx");

  /* A directory that does not exist: an I/O error naming the path. */
  assert_true (bp_network_set_activation (model->network, 0, "tanh", NULL, &error));
  assert_false (bp_onnx_export_file (model, missing, &error));
  assert_true (g_error_matches (error, BP_ONNX_ERROR, BP_ONNX_ERROR_IO));
  assert_error_contains (error, "no-such-dir");

  g_unlink (path);
  g_rmdir (dir);
}

/* ------------------------------------------------------------ round trip
 * Through the reader (bp-onnx-read*.c): what it reads back of what we
 * write.  Dropout is not in an inference graph, so these networks have
 * none. */

/* 3 → dense 4 tanh → batchnorm relu → layernorm sigmoid → dense 4
 * leaky_relu + a(1) → dense 2 softmax, parameters multiples of 1/8. */
static BpModel *
model_for_reader (void)
{
  g_autoptr(GError) error = NULL;
  BpModel *model = model_new ();
  BpNetwork *net = bp_network_new (3, &error);
  const double *old = model->network->params;

  assert_true (bp_network_add_layer (net, 4, "tanh", NULL, &error));
  assert_true (bp_network_add_batchnorm (net, BP_NORM_DEFAULT_EPS, BP_NORM_DEFAULT_MOMENTUM,
                                         "relu", &error));
  assert_true (bp_network_add_layernorm (net, BP_NORM_DEFAULT_EPS, "sigmoid", &error));
  assert_true (bp_network_add_layer (net, 4, "leaky_relu", NULL, &error));
  assert_true (bp_network_set_skip (net, 3, 1, &error));
  assert_true (bp_network_add_layer (net, 2, "softmax", NULL, &error));
  assert_true (bp_network_set_cost (net, "softmax_ce", NULL, &error));
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] = old[i % model->network->n_params];
  for (gsize j = 0; j < 4; j++)
    {
      net->layers[1].running_mean[j] = 0.25 * (double) j;
      net->layers[1].running_var[j] = 1.0 + 0.5 * (double) j;
    }
  bp_network_free (model->network);
  model->network = net;
  return model;
}

static BpModel *
import_bytes (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  BpModel *back = bp_onnx_import_data (data, len, "exported.onnx", &error);

  g_assert_no_error (error);
  assert_non_null (back);
  return back;
}

/* export → import gives the network back bit for bit (eps 1e−5, momentum
 * 0.1 and α 0.01 come back from their float32 attributes as the decimals
 * they were); import → export writes the same initialisers. */
static void
roundtrip (BpModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = bp_onnx_export_bytes (model, &error);
  g_autoptr(GBytes) again = NULL;
  g_autoptr(BpModel) back = NULL;
  g_autoptr(Onnx__ModelProto) m1 = NULL, m2 = NULL;
  gsize len;
  const guint8 *data;

  g_assert_no_error (error);
  back = import_bytes (bytes);
  assert_true (bp_network_equal (model->network, back->network));

  again = bp_onnx_export_bytes (back, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);
  m1 = onnx__model_proto__unpack (NULL, len, data);
  data = g_bytes_get_data (again, &len);
  m2 = onnx__model_proto__unpack (NULL, len, data);
  assert_int_equal (m1->graph->n_initializer, m2->graph->n_initializer);
  for (gsize i = 0; i < m1->graph->n_initializer; i++)
    {
      const Onnx__TensorProto *a = m1->graph->initializer[i], *b = m2->graph->initializer[i];

      assert_string_equal (a->name, b->name);
      assert_int_equal (a->data_type, b->data_type);
      assert_int_equal (a->raw_data.len, b->raw_data.len);
      assert_memory_equal (a->raw_data.data, b->raw_data.data, a->raw_data.len);
    }
}

static void
test_roundtrip_float32 (void **state)
{
  g_autoptr(BpModel) model = model_for_reader ();

  roundtrip (model);
}

/* float64: layer norm's eps of 1e−5 is then the ReduceMean…Div pattern,
 * which the reader knows.  Batch norm's eps is a float32 here (2⁻¹⁰, whose
 * shortest float32 decimal is itself) and layer 4 tanh: an eps that is not
 * a float32 and leaky_relu's 0.01 would be compositions (1/√(var + eps)
 * from constants, PRelu) that the reader does not know. */
static void
test_roundtrip_float64 (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = model_for_reader ();
  BpNetwork *net = model->network;

  assert_true (bp_network_set_activation (net, 1, "linear", NULL, &error));
  assert_true (bp_network_set_activation (net, 3, "tanh", NULL, &error));
  net->layers[1].eps = ldexp (1.0, -10);   /* a float32 and a short decimal */
  net->layers[0].W[0] = 0.1;
  net->layers[4].b[1] = -1.0 / 3.0;
  roundtrip (model);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_structure_float32),
    cmocka_unit_test (test_float64_choice),
    cmocka_unit_test (test_float64_exact_eps),
    cmocka_unit_test (test_leaky_slope),
    cmocka_unit_test (test_dropout_only),
    cmocka_unit_test (test_refuses_foreign_activation),
    cmocka_unit_test (test_refuses_impostor),
    cmocka_unit_test (test_write_file),
    cmocka_unit_test (test_roundtrip_float32),
    cmocka_unit_test (test_roundtrip_float64),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
