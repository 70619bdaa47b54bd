/* bp-onnx-read.c — ONNX import: a ModelProto as a BpModel.
 *
 * protoc-c's generated code (build/core/onnx.pb-c.c, from Debian's
 * onnx.proto) unpacks the bytes; this file checks the model and its
 * graph's one input and output, indexes the constants and the readers of
 * every value, lets bp-onnx-read-graph.c walk the nodes into layers, and
 * builds the network through bp-network.h's functions, so the result is
 * checked as any other network is.  Nothing half-read is ever returned.
 */
#include "config.h"
#include "bp-onnx-read-private.h"
#include "bp-optimizer.h"
#include "bp-registry.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static void
format_node (GString               *s,
             BpOnnxReader          *r,
             const Onnx__NodeProto *node)
{
  if (node == NULL)
    return;
  if (node->name != NULL && node->name[0] != '\0')
    g_string_append_printf (s, _("node “%s” (%s): "), node->name,
                            node->op_type != NULL ? node->op_type : "");
  else
    {
      gsize i = 0;

      while (i < r->graph->n_node && r->graph->node[i] != node)
        i++;
      g_string_append_printf (s, _("node %zu (%s): "), i + 1,
                              node->op_type != NULL ? node->op_type : "");
    }
}

/* Text from the file (a producer, a node name) as it may be shown and
 * saved: valid UTF-8 (protobuf-c does not check it), no control
 * characters, at most `max` characters. */
static char *
clean_text (const char *s,
            gsize       max)
{
  g_autofree char *valid = g_utf8_make_valid (s != NULL ? s : "", -1);
  GString *out = g_string_new (NULL);
  const char *p;
  gsize n = 0;

  for (p = valid; *p != '\0' && n < max; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

gboolean
_bp_onnx_error (BpOnnxReader          *r,
                GError               **error,
                BpOnnxError            code,
                const Onnx__NodeProto *node,
                gboolean               supported,
                const char            *format,
                ...)
{
  g_autoptr(GString) s = g_string_new (NULL);
  va_list args;

  /* The first error wins: a caller may report again what a callee set. */
  if (error != NULL && *error != NULL)
    return FALSE;
  g_string_append_printf (s, "%s: ", r->name);
  format_node (s, r, node);
  va_start (args, format);
  g_string_append_vprintf (s, format, args);
  va_end (args);
  if (supported)
    /* The operators we read: the end of every refusal. */
    g_string_append (s, _("; supported: Gemm (transA = 0, alpha = beta = 1), MatMul + Add, "
                          "Relu, LeakyRelu, Sigmoid, Tanh, Softplus, Elu, Selu, Softsign, "
                          "HardSigmoid (α = 1/6, β = 1/2), Sin, Clip (−1, 1), Softmax (last "
                          "axis), Add of two branches (a(n) = σ(z(n)) + a(j)), "
                          "BatchNormalization, LayerNormalization (or its decomposed form), "
                          "Dropout, Identity, Flatten (2-D input); float32 or float64 tensors"));
  {
    /* Names in it come from the file: made safe to show. */
    g_autofree char *clean = clean_text (s->str, 4096);

    g_set_error_literal (error, BP_ONNX_ERROR, code, clean);
  }
  return FALSE;
}

static void
layer_free (gpointer data)
{
  BpOnnxLayer *L = data;

  g_free (L->W);
  g_free (L->b);
  g_free (L->mean);
  g_free (L->var);
  g_free (L);
}

static void
reader_clear (BpOnnxReader *r)
{
  for (guint i = 0; r->rewritten != NULL && i < r->rewritten->len; i++)
    {
      BpOnnxRewrite *w = &g_array_index (r->rewritten, BpOnnxRewrite, i);

      *w->slot = w->orig;
    }
  g_clear_pointer (&r->rewritten, g_array_unref);
  g_clear_pointer (&r->consts, g_hash_table_unref);
  g_clear_pointer (&r->values, g_hash_table_unref);
  g_clear_pointer (&r->aliases, g_hash_table_unref);
  g_clear_pointer (&r->const_exprs, g_hash_table_unref);
  g_clear_pointer (&r->users, g_hash_table_unref);
  g_clear_pointer (&r->no_users, g_array_unref);
  g_clear_pointer (&r->done, g_free);
  g_clear_pointer (&r->layers, g_ptr_array_unref);
}

/* Constants first (initialisers, Constant nodes, Identity of a constant:
 * torch shares one initialiser between equal tensors that way), then who
 * reads each value. */
static gboolean
index_graph (BpOnnxReader  *r,
             GError       **error)
{
  Onnx__GraphProto *g = r->graph;

  for (gsize i = 0; i < g->n_initializer; i++)
    if (g->initializer[i]->name != NULL && g->initializer[i]->name[0] != '\0')
      g_hash_table_replace (r->consts, g->initializer[i]->name, g->initializer[i]);
  if (g->n_sparse_initializer > 0)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, NULL,
                            _("the graph holds sparse initialisers"));

  for (gsize i = 0; i < g->n_node; i++)
    {
      const Onnx__NodeProto *node = g->node[i];
      const char *op = node->op_type != NULL ? node->op_type : "";

      /* Every later step may read the op type. */
      if (op[0] == '\0')
        return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("a node without an op type"));
      if (node->n_output < 1 || node->output[0] == NULL || node->output[0][0] == '\0')
        continue;
      if (g_str_equal (op, "Constant"))
        {
          const Onnx__AttributeProto *v = _bp_onnx_attr (node, "value");

          if (v == NULL || v->t == NULL || node->n_attribute != 1)
            return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                    _("a Constant other than a tensor “value”"));
          g_hash_table_replace (r->consts, node->output[0], v->t);
          r->done[i] = TRUE;
        }
      else if (g_str_equal (op, "Identity") && node->n_input == 1 && node->input[0] != NULL &&
               _bp_onnx_const (r, node->input[0]) != NULL)
        {
          g_hash_table_replace (r->consts, node->output[0], _bp_onnx_const (r, node->input[0]));
          r->done[i] = TRUE;
        }
      else if ((g_str_equal (op, "Identity") ||
                (g_str_equal (op, "Dropout") &&
                 (node->n_output == 1 || node->output[1] == NULL || node->output[1][0] == '\0'))) &&
               node->n_input == 1 && node->input[0] != NULL && node->input[0][0] != '\0')
        {
          /* Another name for a value: torch inserts Identity anywhere (a
           * skip may read a value through one while the next layer reads
           * it directly), Dropout is one in eval mode. */
          g_hash_table_insert (r->aliases, node->output[0],
                               (gpointer) _bp_onnx_canonical (r, node->input[0]));
          r->done[i] = TRUE;
        }
    }

  /* Every node then reads the values themselves, never an alias, so the
   * walk and the patterns compare names as they are.  protobuf-c frees
   * each input string: the pointers are put back before (reader_clear). */
  for (gsize i = 0; i < g->n_node; i++)
    for (gsize k = 0; !r->done[i] && k < g->node[i]->n_input; k++)
      {
        char **slot = &g->node[i]->input[k];
        const char *c = _bp_onnx_canonical (r, *slot);

        if (c != *slot)
          {
            BpOnnxRewrite w = { slot, *slot };

            g_array_append_val (r->rewritten, w);
            *slot = (char *) c;
          }
      }

  for (gsize i = 0; i < g->n_node; i++)
    for (gsize k = 0; k < g->node[i]->n_input; k++)
      {
        const char *name = g->node[i]->input[k];
        GArray *users;

        if (name == NULL || name[0] == '\0' || r->done[i])
          continue;
        if ((users = g_hash_table_lookup (r->users, name)) == NULL)
          {
            users = g_array_new (FALSE, FALSE, sizeof (gsize));
            g_hash_table_insert (r->users, (gpointer) name, users);
          }
        /* A node reading the same value twice counts once. */
        if (users->len == 0 || g_array_index (users, gsize, users->len - 1) != i)
          g_array_append_val (users, i);
      }
  return TRUE;
}

/* The graph's one input that is not an initialiser: [batch, n] of float32
 * or float64. */
static gboolean
read_input (BpOnnxReader  *r,
            GError       **error)
{
  Onnx__GraphProto *g = r->graph;
  Onnx__ValueInfoProto *in = NULL;
  Onnx__TypeProto__Tensor *tt;
  gint64 n;

  for (gsize i = 0; i < g->n_input; i++)
    {
      if (g->input[i]->name == NULL || _bp_onnx_const (r, g->input[i]->name) != NULL)
        continue;
      if (in != NULL)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, NULL,
                                _("a second input “%s” (a network reads one input)"),
                                g->input[i]->name);
      in = g->input[i];
    }
  if (in == NULL)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, NULL, _("the graph has no input"));
  if (in->type == NULL || in->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
      (tt = in->type->tensor_type) == NULL ||
      (tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT &&
       tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE))
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, NULL,
                            _("the input “%s” is not a float32 or float64 tensor"), in->name);
  if (tt->shape == NULL || tt->shape->n_dim != 2 ||
      tt->shape->dim[1]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, NULL,
                            _("the input “%s” is not of shape [batch, features] with a known "
                              "number of features"), in->name);
  n = tt->shape->dim[1]->dim_value;
  if (n < 1)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, NULL,
                          _("the input “%s” has %lld features"), in->name, (long long) n);
  if (n > BP_MAX_WIDTH)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_LIMIT, NULL,
                          _("the input “%s” has %lld features (at most %d)"),
                          in->name, (long long) n, BP_MAX_WIDTH);
  r->n_inputs = (gsize) n;
  {
    BpOnnxValue *v = g_new0 (BpOnnxValue, 1);

    v->kind = BP_ONNX_VALUE_A;
    g_hash_table_replace (r->values, in->name, v);
  }
  r->frontier = in->name;
  return TRUE;
}

/* The layers as a BpNetwork; the activation ids are the registry's, so a
 * missing plugin (elu, selu, …) fails here with the model loader's kind
 * of message. */
static BpNetwork *
build_network (BpOnnxReader  *r,
               GError       **error)
{
  g_autoptr(GError) local = NULL;
  BpNetwork *net = bp_network_new (r->n_inputs, &local);
  const char *cost = "mse";

  if (net == NULL)
    {
      _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, NULL, "%s", local->message);
      return NULL;
    }
  for (guint l = 0; l < r->layers->len; l++)
    {
      BpOnnxLayer *R = g_ptr_array_index (r->layers, l);
      const char *act = R->act_id != NULL ? R->act_id : "linear";
      const BpActivationDesc *desc = bp_registry_lookup_activation (NULL, act);
      Onnx__NodeProto fake = { .name = (char *) (R->act_node != NULL ? R->act_node : R->node),
                               .op_type = (char *) (R->act_op != NULL ? R->act_op : R->op) };
      double params[1];
      BpLayer *L;
      gboolean ok;

      if (desc == NULL)
        {
          g_autofree const char **ids = NULL;
          g_autofree char *known = NULL;
          guint n = 0;

          ids = bp_registry_list_ids (NULL, BP_FEATURE_ACTIVATION, &n);
          known = g_strjoinv (", ", (char **) ids);
          _bp_onnx_fail (r, error, BP_ONNX_ERROR_UNSUPPORTED, &fake,
                         _("unknown activation “%s” (a plugin that is not loaded); "
                           "known activations: %s"), act, n > 0 ? known : _("(none)"));
          bp_network_free (net);
          return NULL;
        }
      params[0] = R->act_param;
      if (R->has_param && desc->n_params != 1)
        {
          _bp_onnx_fail (r, error, BP_ONNX_ERROR_UNSUPPORTED, &fake,
                         _("activation “%s” takes %zu parameters"), act, (gsize) desc->n_params);
          bp_network_free (net);
          return NULL;
        }
      if (R->type == BP_LAYER_DENSE)
        ok = bp_network_add_layer (net, R->out, act, R->has_param ? params : NULL, &local);
      else if (R->type == BP_LAYER_BATCHNORM)
        ok = bp_network_add_batchnorm (net, R->eps, R->momentum, act, &local) &&
             (!R->has_param || bp_network_set_activation (net, l, act, params, &local));
      else
        ok = bp_network_add_layernorm (net, R->eps, act, &local) &&
             (!R->has_param || bp_network_set_activation (net, l, act, params, &local));
      if (ok && R->skip_from >= 0)
        ok = bp_network_set_skip (net, l, R->skip_from, &local);
      if (!ok)
        {
          _bp_onnx_fail (r, error, BP_ONNX_ERROR_UNSUPPORTED, &fake, "%s", local->message);
          bp_network_free (net);
          return NULL;
        }
      L = &net->layers[l];
      memcpy (L->W, R->W, bp_layer_n_weights (L) * sizeof (double));
      memcpy (L->b, R->b, bp_layer_n_biases (L) * sizeof (double));
      if (R->type == BP_LAYER_BATCHNORM)
        {
          memcpy (L->running_mean, R->mean, L->out * sizeof (double));
          memcpy (L->running_var, R->var, L->out * sizeof (double));
        }
    }

  /* The cost that fits the output, as bp-onnx.h says. */
  if (net->n_layers > 0)
    {
      const char *last = net->layers[net->n_layers - 1].act_id;

      if (g_str_equal (last, "softmax"))
        cost = "softmax_ce";
      else if (g_str_equal (last, "sigmoid"))
        cost = "bce";
    }
  if (!bp_network_set_cost (net, cost, NULL, &local) || !bp_network_validate (net, &local))
    {
      _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, NULL, "%s", local->message);
      bp_network_free (net);
      return NULL;
    }
  return net;
}

static gboolean
read_output (BpOnnxReader  *r,
             GError       **error)
{
  Onnx__GraphProto *g = r->graph;
  const char *name;
  gsize width;

  if (g->n_output != 1 || g->output[0]->name == NULL)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, NULL,
                            _("%zu outputs (a network has one)"), g->n_output);
  name = _bp_onnx_canonical (r, g->output[0]->name);
  if (r->layers->len == 0)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, NULL,
                            _("the graph has no layer"));
  if (r->frontier == NULL || !g_str_equal (name, r->frontier))
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, NULL,
                            _("the output “%s” is not the last layer's output"), name);
  {
    Onnx__NodeProto fake = { .name = (char *) name, .op_type = (char *) "output" };

    return _bp_onnx_take_frontier (r, &fake, name, &width, error);
  }
}

static gint64
default_opset (const Onnx__ModelProto *m)
{
  for (gsize i = 0; i < m->n_opset_import; i++)
    {
      const char *d = m->opset_import[i]->domain;

      if (d == NULL || d[0] == '\0' || g_str_equal (d, "ai.onnx"))
        return m->opset_import[i]->version;
    }
  return 0;
}

/* "net" of "dir/net.onnx". */
static char *
model_name (const char *name)
{
  g_autofree char *base = g_path_get_basename (name);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base && g_ascii_strcasecmp (dot, ".onnx") == 0)
    *dot = '\0';
  return g_steal_pointer (&base);
}

/* Sub-messages nested deeper than this are refused before unpacking.  An
 * MLP's model is 6 deep (model, graph, node, attribute, tensor); If and
 * Loop bodies add 3 a level. */
#define MAX_NESTING 64

/* protobuf-c unpacks nested messages by recursion without a limit, so a
 * few megabytes of graphs inside attributes inside nodes inside graphs
 * overflow the stack.  This walks the wire format with the generated
 * descriptors (which fields are messages) and an explicit stack, and says
 * whether the nesting stays within MAX_NESTING.  Anything malformed is left
 * to protobuf-c to refuse: only the depth is judged here. */
static gboolean
nesting_ok (const guint8 *data,
            gsize         len)
{
  struct
  {
    gsize                              end;
    const ProtobufCMessageDescriptor  *desc;
  } stack[MAX_NESTING];
  gsize depth = 0, pos = 0;

  stack[0].end = len;
  stack[0].desc = &onnx__model_proto__descriptor;
  for (;;)
    {
      guint64 tag = 0, value = 0;
      const ProtobufCFieldDescriptor *field;
      guint shift;

      if (pos >= stack[depth].end)
        {
          if (depth == 0)
            return TRUE;
          depth--;
          continue;
        }
      for (shift = 0; pos < len && shift < 64; shift += 7, pos++)
        {
          tag |= (guint64) (data[pos] & 0x7f) << shift;
          if ((data[pos] & 0x80) == 0)
            break;
        }
      if (pos++ >= len)
        return TRUE;
      switch (tag & 7)
        {
        case 0:  /* varint */
          while (pos < len && (data[pos] & 0x80) != 0)
            pos++;
          pos++;
          break;
        case 1:  /* 64-bit */
          pos += 8;
          break;
        case 5:  /* 32-bit */
          pos += 4;
          break;
        case 2:  /* length-delimited: a sub-message, bytes or a packed array */
          for (shift = 0; pos < len && shift < 64; shift += 7, pos++)
            {
              value |= (guint64) (data[pos] & 0x7f) << shift;
              if ((data[pos] & 0x80) == 0)
                break;
            }
          if (pos++ >= len || value > stack[depth].end - MIN (pos, stack[depth].end))
            return TRUE;
          field = protobuf_c_message_descriptor_get_field (stack[depth].desc, (unsigned) (tag >> 3));
          if (field != NULL && field->type == PROTOBUF_C_TYPE_MESSAGE)
            {
              if (depth + 1 >= MAX_NESTING)
                return FALSE;
              depth++;
              stack[depth].end = pos + value;
              stack[depth].desc = field->descriptor;
            }
          else
            pos += value;
          break;
        default:  /* groups, or not protobuf: protobuf-c refuses them */
          return TRUE;
        }
    }
}

BpModel *
bp_onnx_import_data (const guint8 *data,
                     gsize         len,
                     const char   *name,
                     GError      **error)
{
  g_autoptr(BpModel) model = NULL;
  Onnx__ModelProto *m;
  BpOnnxReader r = { 0 };
  g_autoptr(GError) local = NULL;
  BpNetwork *net;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  r.name = name != NULL ? name : "<data>";
  if (!nesting_ok (data, len))
    {
      g_set_error (error, BP_ONNX_ERROR, BP_ONNX_ERROR_PARSE,
                   _("%s: messages nested more than %d deep (not a network we read)"),
                   r.name, MAX_NESTING);
      return NULL;
    }
  m = onnx__model_proto__unpack (NULL, len, data);
  if (m == NULL)
    {
      g_set_error (error, BP_ONNX_ERROR, BP_ONNX_ERROR_PARSE,
                   _("%s: not an ONNX model (the bytes are not a protobuf ModelProto)"), r.name);
      return NULL;
    }
  /* Every model has a graph and the opset of the default domain (the
   * ONNX spec's MUST): without them it is not one, or it was cut short (a
   * truncated file can still be valid protobuf). */
  r.opset = default_opset (m);
  if (m->graph == NULL || r.opset <= 0)
    {
      g_set_error (error, BP_ONNX_ERROR, BP_ONNX_ERROR_PARSE,
                   _("%s: not an ONNX model, or cut short (no graph, or no opset of the "
                     "default domain)"), r.name);
      onnx__model_proto__free_unpacked (m, NULL);
      return NULL;
    }
  r.graph = m->graph;
  r.consts = g_hash_table_new (g_str_hash, g_str_equal);
  r.values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  r.aliases = g_hash_table_new (g_str_hash, g_str_equal);
  r.rewritten = g_array_new (FALSE, FALSE, sizeof (BpOnnxRewrite));
  r.const_exprs = g_hash_table_new (g_str_hash, g_str_equal);
  r.users = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_array_unref);
  r.no_users = g_array_new (FALSE, FALSE, sizeof (gsize));
  r.done = g_new0 (gboolean, MAX (r.graph->n_node, 1));
  r.layers = g_ptr_array_new_with_free_func (layer_free);

  if (index_graph (&r, error) && read_input (&r, error) && _bp_onnx_walk (&r, error) &&
      read_output (&r, error) && (net = build_network (&r, error)) != NULL)
    {
      g_autofree char *display = model_name (r.name);
      g_autofree char *base = g_path_get_basename (r.name);
      g_autofree char *producer = clean_text (m->producer_name, 80);
      g_autofree char *version = clean_text (m->producer_version, 80);

      model = bp_model_new ();
      model->network = net;
      g_free (model->name);
      model->name = g_steal_pointer (&display);
      g_free (model->description);
      if (producer[0] != '\0')
        model->description = g_strdup_printf (_("Imported from %s: %s%s%s, opset %lld"),
                                              base, producer, version[0] != '\0' ? " " : "",
                                              version, (long long) r.opset);
      else
        model->description = g_strdup_printf (_("Imported from %s: opset %lld"),
                                              base, (long long) r.opset);
      model->init = BP_INIT_AUTO;
      model->optimizer = bp_optimizer_new (NULL, "sgd", net->n_params, &local);
      if (model->optimizer == NULL)
        {
          g_set_error (error, BP_ONNX_ERROR, BP_ONNX_ERROR_INVALID, "%s: %s", r.name,
                       local->message);
          g_clear_pointer (&model, bp_model_free);
        }
    }
  reader_clear (&r);
  onnx__model_proto__free_unpacked (m, NULL);
  return g_steal_pointer (&model);
}

BpModel *
bp_onnx_import_file (const char  *path,
                     GError     **error)
{
  g_autofree char *display = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, BP_ONNX_ERROR, BP_ONNX_ERROR_IO, _("%s: cannot read: %s"),
                   display, local->message);
      return NULL;
    }
  return bp_onnx_import_data ((const guint8 *) data, len, display, error);
}
