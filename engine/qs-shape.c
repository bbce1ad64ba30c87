/* qs-shape.c: output shapes implied by op semantics
 *
 * Only used to check what the tracer recorded: an op we can't reason about
 * returns QS_SHAPE_UNKNOWN and is trusted.
 */
#include "qs-shape.h"

#include "qs-error.h"

static const QsType *
input_type (const QsGraph *graph,
            const QsNode  *node,
            guint          i)
{
  if (i >= node->n_inputs)
    return NULL;
  return &graph->values[node->inputs[i]].type;
}

static const QsType *
tensor_input (const QsGraph *graph,
              const QsNode  *node,
              guint          i,
              guint          rank)
{
  const QsType *t = input_type (graph, node, i);

  if (t == NULL || !qs_type_is_tensor (t) || (rank && t->rank != rank))
    return NULL;
  return t;
}

static gint64
attr_int (const QsNode *node,
          const char   *name,
          guint         position,
          gint64        fallback)
{
  char pos[16];
  const QsAttr *a = qs_attrs_find (node->attrs, node->n_attrs, name);

  if (a == NULL)
    {
      g_snprintf (pos, sizeof pos, "%u", position);
      a = qs_attrs_find (node->attrs, node->n_attrs, pos);
    }
  if (a != NULL && a->kind == QS_ATTR_INT)
    return a->i;
  return fallback;
}

static gint64
pool_out (gint64   in,
          gint64   k,
          gint64   s,
          gint64   p,
          gint64   d,
          gboolean ceil_mode)
{
  gint64 span = in + 2 * p - d * (k - 1) - 1;
  gint64 out;

  if (span < 0 || s <= 0)
    return -1;
  out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  /* PyTorch: the last window must start inside the input or left padding. */
  if (ceil_mode && (out - 1) * s >= in + p)
    out--;
  return out;
}

static QsShapeResult
infer_conv (const QsGraph  *graph,
            const QsNode   *node,
            const QsModule *m,
            QsType         *out,
            GError        **error)
{
  guint spatial = node->op == QS_OP_CONV1D ? 1 : 2;
  const QsType *x = tensor_input (graph, node, 0, spatial + 2);
  gint64 k[2], s[2] = { 1, 1 }, p[2] = { 0, 0 }, d[2] = { 1, 1 }, op[2] = { 0, 0 };
  gint64 in_c, out_c;

  if (m == NULL || x == NULL)
    return QS_SHAPE_UNKNOWN;
  in_c = qs_module_get_int (m, "in_channels", -1);
  out_c = qs_module_get_int (m, "out_channels", -1);
  if (in_c < 0 || out_c < 0 || qs_module_get_ints (m, "kernel_size", k, spatial) != spatial)
    return QS_SHAPE_UNKNOWN;
  if (x->dims[1] != in_c)
    return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                        "node “%s”: input has %" G_GINT64_FORMAT " channels but module "
                        "“%s” expects in_channels=%" G_GINT64_FORMAT,
                        node->name, x->dims[1], m->path, in_c), QS_SHAPE_ERROR;
  qs_module_get_ints (m, "stride", s, spatial);
  qs_module_get_ints (m, "dilation", d, spatial);
  if (qs_attrs_find (m->attrs, m->n_attrs, "padding") != NULL
      && qs_module_get_ints (m, "padding", p, spatial) != spatial)
    return QS_SHAPE_UNKNOWN; /* padding="same" and friends */
  qs_module_get_ints (m, "output_padding", op, spatial);

  *out = *x;
  out->dims[1] = out_c;
  for (guint i = 0; i < spatial; i++)
    {
      gint64 in = x->dims[2 + i];

      if (node->op == QS_OP_CONV_TRANSPOSE2D)
        out->dims[2 + i] = (in - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1;
      else
        out->dims[2 + i] = pool_out (in, k[i], s[i], p[i], d[i], FALSE);
      if (out->dims[2 + i] <= 0)
        return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                            "node “%s”: input of size %" G_GINT64_FORMAT " is too small "
                            "for the kernel of module “%s”", node->name, in, m->path),
               QS_SHAPE_ERROR;
    }
  return QS_SHAPE_INFERRED;
}

static QsShapeResult
infer_pool (const QsGraph  *graph,
            const QsNode   *node,
            const QsModule *m,
            QsType         *out)
{
  const QsType *x = tensor_input (graph, node, 0, 0);
  gint64 k[2], s[2], p[2] = { 0, 0 }, d[2] = { 1, 1 };

  if (m == NULL || x == NULL || x->rank < 3)
    return QS_SHAPE_UNKNOWN;
  if (qs_module_get_ints (m, "kernel_size", k, 2) != 2)
    return QS_SHAPE_UNKNOWN;
  if (qs_module_get_ints (m, "stride", s, 2) != 2)
    s[0] = k[0], s[1] = k[1];
  qs_module_get_ints (m, "padding", p, 2);
  qs_module_get_ints (m, "dilation", d, 2);
  *out = *x;
  for (guint i = 0; i < 2; i++)
    out->dims[x->rank - 2 + i] = pool_out (x->dims[x->rank - 2 + i], k[i], s[i], p[i], d[i],
                                           qs_module_get_bool (m, "ceil_mode", FALSE));
  return QS_SHAPE_INFERRED;
}

static QsShapeResult
infer_adaptive_pool (const QsGraph  *graph,
                     const QsNode   *node,
                     const QsModule *m,
                     QsType         *out)
{
  const QsType *x = tensor_input (graph, node, 0, 0);
  const QsAttr *a;
  gint64 size[2];

  if (m == NULL || x == NULL || x->rank < 3)
    return QS_SHAPE_UNKNOWN;
  a = qs_attrs_find (m->attrs, m->n_attrs, "output_size");
  /* None in output_size keeps the input size: don't guess. */
  if (a == NULL || (a->kind != QS_ATTR_INT && a->kind != QS_ATTR_INTS))
    return QS_SHAPE_UNKNOWN;
  if (qs_module_get_ints (m, "output_size", size, 2) != 2)
    return QS_SHAPE_UNKNOWN;
  *out = *x;
  out->dims[x->rank - 2] = size[0];
  out->dims[x->rank - 1] = size[1];
  return QS_SHAPE_INFERRED;
}

static QsShapeResult
infer_linear (const QsGraph  *graph,
              const QsNode   *node,
              const QsModule *m,
              QsType         *out,
              GError        **error)
{
  const QsType *x = tensor_input (graph, node, 0, 0);
  gint64 in_f, out_f;

  if (m == NULL || x == NULL || x->rank < 1)
    return QS_SHAPE_UNKNOWN;
  in_f = qs_module_get_int (m, "in_features", -1);
  out_f = qs_module_get_int (m, "out_features", -1);
  if (in_f < 0 || out_f < 0)
    return QS_SHAPE_UNKNOWN;
  if (x->dims[x->rank - 1] != in_f)
    return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                        "node “%s”: input has %" G_GINT64_FORMAT " features but module "
                        "“%s” expects in_features=%" G_GINT64_FORMAT,
                        node->name, x->dims[x->rank - 1], m->path, in_f), QS_SHAPE_ERROR;
  *out = *x;
  out->dims[x->rank - 1] = out_f;
  return QS_SHAPE_INFERRED;
}

static QsShapeResult
infer_batch_norm (const QsGraph  *graph,
                  const QsNode   *node,
                  const QsModule *m,
                  QsType         *out,
                  GError        **error)
{
  const QsType *x = tensor_input (graph, node, 0, 0);
  gint64 c;

  if (x == NULL || x->rank < 2)
    return QS_SHAPE_UNKNOWN;
  c = m ? qs_module_get_int (m, "num_features", -1) : -1;
  if (c >= 0 && x->dims[1] != c)
    return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                        "node “%s”: input has %" G_GINT64_FORMAT " channels but module "
                        "“%s” expects num_features=%" G_GINT64_FORMAT,
                        node->name, x->dims[1], m->path, c), QS_SHAPE_ERROR;
  *out = *x;
  return QS_SHAPE_INFERRED;
}

gboolean
qs_shape_broadcast (const QsType *a,
                    const QsType *b,
                    QsType       *out)
{
  guint rank = MAX (a->rank, b->rank);

  *out = a->rank >= b->rank ? *a : *b;
  out->rank = rank;
  for (guint i = 0; i < rank; i++)
    {
      gint64 da = i < a->rank ? a->dims[a->rank - 1 - i] : 1;
      gint64 db = i < b->rank ? b->dims[b->rank - 1 - i] : 1;

      if (da != db && da != 1 && db != 1)
        return FALSE;
      out->dims[rank - 1 - i] = da == 1 ? db : da;
    }
  return TRUE;
}

static QsShapeResult
infer_binary (const QsGraph *graph,
              const QsNode  *node,
              QsType        *out,
              GError       **error)
{
  const QsType *a = tensor_input (graph, node, 0, 0);
  const QsType *b = tensor_input (graph, node, 1, 0);
  GString *sa, *sb;

  if (a == NULL || b == NULL)
    return QS_SHAPE_UNKNOWN; /* a scalar operand: dtype promotion is torch's business */
  if (qs_shape_broadcast (a, b, out))
    {
      out->dtype = graph->values[node->outputs[0]].type.dtype;
      return QS_SHAPE_INFERRED;
    }
  sa = g_string_new (NULL);
  sb = g_string_new (NULL);
  qs_type_append (a, sa);
  qs_type_append (b, sb);
  g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
               "node “%s”: operands %s and %s do not broadcast", node->name, sa->str, sb->str);
  g_string_free (sa, TRUE);
  g_string_free (sb, TRUE);
  return QS_SHAPE_ERROR;
}

static QsShapeResult
infer_cat (const QsGraph *graph,
           const QsNode  *node,
           QsType        *out,
           GError       **error)
{
  const QsType *first = tensor_input (graph, node, 0, 0);
  gint64 dim = attr_int (node, "dim", 1, 0);

  if (first == NULL || node->n_inputs < 1)
    return QS_SHAPE_UNKNOWN;
  if (dim < 0)
    dim += first->rank;
  if (dim < 0 || dim >= first->rank)
    return QS_SHAPE_UNKNOWN;
  *out = *first;
  out->dims[dim] = 0;
  for (guint i = 0; i < node->n_inputs; i++)
    {
      const QsType *t = tensor_input (graph, node, i, first->rank);

      if (t == NULL)
        return QS_SHAPE_UNKNOWN;
      for (guint d = 0; d < first->rank; d++)
        if (d != dim && t->dims[d] != first->dims[d])
          return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                              "node “%s”: input %u has size %" G_GINT64_FORMAT " along axis "
                              "%u, input 0 has %" G_GINT64_FORMAT "; cat needs equal sizes "
                              "except along dim=%" G_GINT64_FORMAT,
                              node->name, i, t->dims[d], d, first->dims[d], dim),
                 QS_SHAPE_ERROR;
      out->dims[dim] += t->dims[dim];
    }
  return QS_SHAPE_INFERRED;
}

static QsShapeResult
check_same_elements (const QsGraph *graph,
                     const QsNode  *node,
                     GError       **error)
{
  const QsType *x = tensor_input (graph, node, 0, 0);
  const QsType *y;

  if (x == NULL || node->n_outputs < 1)
    return QS_SHAPE_UNKNOWN;
  y = &graph->values[node->outputs[0]].type;
  if (!qs_type_is_tensor (y))
    return QS_SHAPE_UNKNOWN;
  if (qs_type_n_elements (x) != qs_type_n_elements (y))
    return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                        "node “%s” (%s): output has %" G_GINT64_FORMAT " elements but its "
                        "input has %" G_GINT64_FORMAT,
                        node->name, qs_op_name (node->op), qs_type_n_elements (y),
                        qs_type_n_elements (x)), QS_SHAPE_ERROR;
  return QS_SHAPE_UNKNOWN; /* element count checked; layout trusted */
}

static QsShapeResult
infer_same (const QsGraph *graph,
            const QsNode  *node,
            QsType        *out)
{
  const QsType *x = tensor_input (graph, node, 0, 0);

  if (x == NULL)
    return QS_SHAPE_UNKNOWN;
  *out = *x;
  return QS_SHAPE_INFERRED;
}

QsShapeResult
qs_shape_infer (const QsGraph *graph,
                const QsNode  *node,
                QsType        *out,
                GError       **error)
{
  const QsModule *m = qs_graph_node_module (graph, node);

  if (node->n_outputs < 1)
    return QS_SHAPE_UNKNOWN;
  /* Functional forms carry their parameters as arguments: only modules
   * tell us channels and kernels. */
  if (node->kind != QS_NODE_CALL_MODULE)
    m = NULL;

  switch (node->op)
    {
    case QS_OP_CONV1D:
    case QS_OP_CONV2D:
    case QS_OP_CONV_TRANSPOSE2D:
      return infer_conv (graph, node, m, out, error);
    case QS_OP_LINEAR:
      return infer_linear (graph, node, m, out, error);
    case QS_OP_BATCH_NORM:
      return infer_batch_norm (graph, node, m, out, error);
    case QS_OP_MAX_POOL2D:
    case QS_OP_AVG_POOL2D:
      return infer_pool (graph, node, m, out);
    case QS_OP_ADAPTIVE_AVG_POOL2D:
      return infer_adaptive_pool (graph, node, m, out);
    case QS_OP_ADD:
    case QS_OP_SUB:
    case QS_OP_MUL:
    case QS_OP_DIV:
      return infer_binary (graph, node, out, error);
    case QS_OP_CAT:
      return infer_cat (graph, node, out, error);
    case QS_OP_RESHAPE:
    case QS_OP_FLATTEN:
    case QS_OP_PERMUTE:
    case QS_OP_TRANSPOSE:
    case QS_OP_CONTIGUOUS:
      return check_same_elements (graph, node, error);
    case QS_OP_RELU:
    case QS_OP_RELU6:
    case QS_OP_LEAKY_RELU:
    case QS_OP_HARDTANH:
    case QS_OP_SIGMOID:
    case QS_OP_TANH:
    case QS_OP_SILU:
    case QS_OP_HARDSWISH:
    case QS_OP_HARDSIGMOID:
    case QS_OP_GELU:
    case QS_OP_SOFTMAX:
    case QS_OP_LAYER_NORM:
    case QS_OP_GROUP_NORM:
    case QS_OP_DROPOUT:
    case QS_OP_IDENTITY:
    case QS_OP_EXP:
      return infer_same (graph, node, out);
    default:
      return QS_SHAPE_UNKNOWN;
    }
}
