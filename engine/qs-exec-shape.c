/* qs-exec-shape.c: the executor's structural ops: indexing, sizes, views,
 * concatenation and splitting. They move data but compute nothing; views
 * are copies (cheap next to the convolutions around them).
 */
#include "qs-exec-private.h"

#include <string.h>

static gint64
prod (const gint64 *dims,
      guint         from,
      guint         to)
{
  gint64 n = 1;

  for (guint i = from; i < to; i++)
    n *= dims[i];
  return n;
}

/* The tensor of argument @pos, any dtype (borrowed). */
static QsTensor *
any_tensor (QsExec       *exec,
            const QsNode *node,
            guint         pos,
            GError      **error)
{
  QsExecValue *v = qs_exec_arg_value (exec, node, pos, pos == 0 ? "input" : NULL);

  if (v == NULL || v->kind != QS_EXEC_VALUE_TENSOR)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "argument %u is not a tensor", pos);
  return v->tensor;
}

/* x[.., start:start+len, ..] along @axis, copied. */
static QsTensor *
slice_axis (const QsTensor *x,
            guint           axis,
            gint64          start,
            gint64          len)
{
  gint64 dims[QS_MAX_RANK], outer = prod (x->dims, 0, axis);
  gsize row = (gsize) (prod (x->dims, axis + 1, x->rank) * qs_dtype_size (x->dtype));
  QsTensor *y;

  memcpy (dims, x->dims, x->rank * sizeof (gint64));
  dims[axis] = len;
  y = qs_tensor_new (x->dtype, x->rank, dims);
  for (gint64 o = 0; o < outer; o++)
    memcpy ((guint8 *) y->data + o * len * row,
            (const guint8 *) x->data + (o * x->dims[axis] + start) * row, len * row);
  return y;
}

/* An int list given either as one list argument or as varargs from @pos. */
static gboolean
int_list_args (QsExec       *exec,
               const QsNode *node,
               guint         pos,
               const char   *kwarg,
               gint64       *out,
               guint        *n,
               GError      **error)
{
  const QsAttr *a = qs_exec_arg (node, pos, kwarg);
  QsExecValue *v = a && a->kind == QS_ATTR_VALUE ? exec->values[a->value] : NULL;

  *n = 0;
  if (a == NULL)
    return TRUE;
  if (a->kind == QS_ATTR_INTS || a->kind == QS_ATTR_VALUES || a->kind == QS_ATTR_JSON
      || (v && (v->kind == QS_EXEC_VALUE_TUPLE || v->kind == QS_EXEC_VALUE_LIST)))
    return qs_exec_attr_ints (exec, node, a, FALSE, out, QS_MAX_RANK, n, error);
  for (; (a = qs_exec_arg (node, pos + *n, NULL)) != NULL; (*n)++)
    {
      if (*n >= QS_MAX_RANK)
        return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED, "too many dimensions") != NULL;
      if (!qs_exec_attr_int (exec, node, a, 0, &out[*n], error))
        return FALSE;
    }
  return TRUE;
}

static QsExecValue *
shape_tuple (const QsTensor *x)
{
  QsExecValue *items[QS_MAX_RANK];

  for (guint i = 0; i < x->rank; i++)
    items[i] = qs_exec_value_new_int (x->dims[i]);
  return qs_exec_value_new_sequence (QS_EXEC_VALUE_TUPLE, items, x->rank);
}

static QsExecValue *
run_getitem (QsExec        *exec,
             const QsNode  *node,
             GError       **error)
{
  QsExecValue *c = qs_exec_arg_value (exec, node, 0, NULL), *item = NULL;
  const QsAttr *a = qs_exec_arg (node, 1, NULL);
  gint64 i = 0;

  if (c == NULL)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "has nothing to index");
  if (c->kind == QS_EXEC_VALUE_DICT)
    {
      const char *key = qs_exec_attr_string (a, NULL);

      if (key == NULL || (item = qs_exec_value_lookup (c, key)) == NULL)
        return qs_exec_fail (error, node, QS_ERROR_INVALID,
                             "the dict has no key '%s' (give it as an input)",
                             key ? key : "(not a string)");
      return qs_exec_value_ref (item);
    }
  if (a == NULL || a->kind == QS_ATTR_JSON || a->kind == QS_ATTR_STRING
      || !qs_exec_attr_int (exec, node, a, 0, &i, NULL))
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "only integer indexing of tuples, lists and tensors and string keys "
                         "of dicts are supported, not %s",
                         a && a->kind == QS_ATTR_JSON ? a->s : "this index");
  if (c->kind == QS_EXEC_VALUE_TUPLE || c->kind == QS_EXEC_VALUE_LIST)
    {
      if (i < 0)
        i += c->n_items;
      if (i < 0 || i >= c->n_items)
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "index out of range");
      return qs_exec_value_ref (c->items[i]);
    }
  if (c->kind == QS_EXEC_VALUE_TENSOR && c->tensor->rank > 0)
    {
      g_autoptr(QsTensor) row = NULL;

      if (i < 0)
        i += c->tensor->dims[0];
      if (i < 0 || i >= c->tensor->dims[0])
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "index out of range");
      row = slice_axis (c->tensor, 0, i, 1);
      return qs_exec_value_new_tensor (qs_tensor_reshape (row, row->rank - 1, row->dims + 1));
    }
  return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED, "cannot index this kind of value");
}

static QsExecValue *
run_size (QsExec        *exec,
          const QsNode  *node,
          GError       **error)
{
  QsTensor *x = any_tensor (exec, node, 0, error);
  const QsAttr *a = qs_exec_arg (node, 1, "dim");
  gint64 dim;
  guint d;

  if (x == NULL)
    return NULL;
  if (node->op == QS_OP_GETATTR)
    {
      if (g_strcmp0 (qs_exec_attr_string (a, NULL), "shape") != 0)
        return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                             "only getattr (x, 'shape') is supported");
      return shape_tuple (x);
    }
  if (a == NULL || a->kind == QS_ATTR_NONE)
    return shape_tuple (x);
  if (!qs_exec_attr_int (exec, node, a, 0, &dim, error))
    return NULL;
  if (!qs_exec_dim (dim, x->rank, &d) || x->rank == 0)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "dim out of range");
  return qs_exec_value_new_int (x->dims[d]);
}

static QsExecValue *
reshaped (const QsTensor *x,
          guint           rank,
          const gint64   *dims)
{
  return qs_exec_value_new_tensor (qs_tensor_reshape (x, rank, dims));
}

static QsExecValue *
run_flatten (QsExec        *exec,
             const QsNode  *node,
             GError       **error)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  QsTensor *x = any_tensor (exec, node, 0, error);
  gint64 start, end, dims[QS_MAX_RANK];
  guint s, e, rank = 0;

  if (x == NULL
      || !qs_exec_attr_int (exec, node, qs_exec_param_attr (node, m, "start_dim", 1),
                            m ? 1 : 0, &start, error)
      || !qs_exec_attr_int (exec, node, qs_exec_param_attr (node, m, "end_dim", 2), -1, &end,
                            error))
    return NULL;
  if (x->rank == 0)
    return reshaped (x, 1, (gint64[]) { 1 });
  if (!qs_exec_dim (start, x->rank, &s) || !qs_exec_dim (end, x->rank, &e) || s > e)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "start_dim or end_dim out of range");
  for (guint i = 0; i < s; i++)
    dims[rank++] = x->dims[i];
  dims[rank++] = prod (x->dims, s, e + 1);
  for (guint i = e + 1; i < x->rank; i++)
    dims[rank++] = x->dims[i];
  return reshaped (x, rank, dims);
}

static QsExecValue *
run_reshape (QsExec        *exec,
             const QsNode  *node,
             GError       **error)
{
  QsTensor *x = any_tensor (exec, node, 0, error);
  gint64 dims[QS_MAX_RANK], known = 1;
  guint n, infer = G_MAXUINT;

  if (x == NULL || !int_list_args (exec, node, 1, "shape", dims, &n, error))
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      if (dims[i] == -1 && infer == G_MAXUINT)
        infer = i;
      else if (dims[i] < 0)
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "bad size %" G_GINT64_FORMAT,
                             dims[i]);
      else
        known *= dims[i];
    }
  if (infer != G_MAXUINT)
    dims[infer] = known > 0 ? x->n_elements / known : 0;
  if (prod (dims, 0, n) != x->n_elements)
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "cannot view %" G_GINT64_FORMAT " elements as this shape",
                         x->n_elements);
  return reshaped (x, n, dims);
}

static QsExecValue *
run_permute (QsExec        *exec,
             const QsNode  *node,
             GError       **error)
{
  QsTensor *x = any_tensor (exec, node, 0, error), *y;
  gint64 perm[QS_MAX_RANK], dims[QS_MAX_RANK];
  guint n, used = 0;
  QskPermuteArgs a = { 0 };

  if (x == NULL)
    return NULL;
  if (node->op == QS_OP_TRANSPOSE)
    {
      gint64 d0, d1;
      guint a0, a1;

      if (!qs_exec_attr_int (exec, node, qs_exec_arg (node, 1, "dim0"), 0, &d0, error)
          || !qs_exec_attr_int (exec, node, qs_exec_arg (node, 2, "dim1"), 1, &d1, error))
        return NULL;
      if (!qs_exec_dim (d0, x->rank, &a0) || !qs_exec_dim (d1, x->rank, &a1))
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "dim out of range");
      n = x->rank;
      for (guint i = 0; i < n; i++)
        perm[i] = i == a0 ? a1 : i == a1 ? a0 : i;
    }
  else if (!int_list_args (exec, node, 1, "dims", perm, &n, error))
    return NULL;
  if (n != x->rank || n > QSK_MAX_RANK || n == 0)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "permutation of %u dims for a rank-%u tensor (at most %d supported)",
                         n, x->rank, QSK_MAX_RANK);
  for (guint i = 0; i < n; i++)
    {
      guint d;

      if (!qs_exec_dim (perm[i], n, &d) || (used & (1u << d)))
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "not a permutation");
      used |= 1u << d;
      a.perm[i] = d;
      a.shape[i] = x->dims[i];
      dims[i] = x->dims[d];
    }
  y = qs_tensor_new (x->dtype, n, dims);
  a.elem_size = qs_dtype_size (x->dtype), a.rank = n, a.x = x->data, a.y = y->data;
  exec->k->permute (&a, exec->pool);
  return qs_exec_value_new_tensor (y);
}

static QsExecValue *
run_cat (QsExec        *exec,
         const QsNode  *node,
         GError       **error)
{
  const QsAttr *list = qs_exec_arg (node, 0, "tensors");
  QsExecValue *lv = list && list->kind == QS_ATTR_VALUE ? exec->values[list->value] : NULL;
  gboolean stack = node->op == QS_OP_STACK;
  g_autofree QsTensor **xs = NULL;
  g_autofree const void **ptrs = NULL;
  g_autofree size_t *chunk = NULL;
  gint64 dim, dims[QS_MAX_RANK];
  guint n, axis, rank;
  QsTensor *first, *y;

  if (list != NULL && list->kind == QS_ATTR_VALUES)
    n = list->n;
  else if (lv != NULL && (lv->kind == QS_EXEC_VALUE_TUPLE || lv->kind == QS_EXEC_VALUE_LIST))
    n = lv->n_items;
  else
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "needs a list of tensors");
  if (n == 0 || !qs_exec_attr_int (exec, node, qs_exec_arg (node, 1, "dim"), 0, &dim, error))
    return n == 0 ? qs_exec_fail (error, node, QS_ERROR_INVALID, "needs a list of tensors")
                  : NULL;
  xs = g_new0 (QsTensor *, n);
  for (guint i = 0; i < n; i++)
    {
      QsExecValue *v = lv ? lv->items[i] : exec->values[list->values[i]];

      if (v == NULL || v->kind != QS_EXEC_VALUE_TENSOR)
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "item %u is not a tensor", i);
      xs[i] = v->tensor;
    }
  first = xs[0];
  rank = first->rank + (stack ? 1 : 0);
  if (!qs_exec_dim (dim, rank, &axis) || rank == 0)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "dim out of range");
  memcpy (dims, first->dims, first->rank * sizeof (gint64));
  if (stack)
    {
      memmove (dims + axis + 1, dims + axis, (first->rank - axis) * sizeof (gint64));
      dims[axis] = n;
    }
  else
    dims[axis] = 0;
  ptrs = g_new0 (const void *, n);
  chunk = g_new0 (size_t, n);
  for (guint i = 0; i < n; i++)
    {
      const QsTensor *x = xs[i];
      gboolean ok = x->dtype == first->dtype && x->rank == first->rank;

      for (guint d = 0; ok && d < x->rank; d++)
        ok = x->dims[d] == first->dims[d] || (!stack && d == axis);
      if (!ok)
        return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                             "tensor %u's dtype or shape does not match tensor 0's", i);
      ptrs[i] = x->data;
      chunk[i] = prod (x->dims, axis, x->rank);  /* stack: a new axis of length 1 */
      if (!stack)
        dims[axis] += x->dims[axis];
    }
  y = qs_tensor_new (first->dtype, rank, dims);
  {
    QskConcatArgs a = { .elem_size = qs_dtype_size (first->dtype),
                        .outer = prod (first->dims, 0, axis), .n_inputs = n,
                        .inputs = ptrs, .chunk = chunk, .y = y->data };

    exec->k->concat (&a, exec->pool);
  }
  return qs_exec_value_new_tensor (y);
}

static QsExecValue *
run_split (QsExec        *exec,
           const QsNode  *node,
           GError       **error)
{
  QsTensor *x = any_tensor (exec, node, 0, error);
  gint64 sizes[64], dim, len, size;
  guint axis, n = 0;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_exec_value_unref);
  gint64 start = 0;

  if (x == NULL
      || !qs_exec_attr_int (exec, node, qs_exec_arg (node, 2, "dim"), 0, &dim, error))
    return NULL;
  if (!qs_exec_dim (dim, x->rank, &axis) || x->rank == 0)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "dim out of range");
  len = x->dims[axis];
  if (node->op == QS_OP_CHUNK)
    {
      gint64 chunks;

      if (!qs_exec_attr_int (exec, node, qs_exec_arg (node, 1, "chunks"), 0, &chunks, error))
        return NULL;
      if (chunks < 1)
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "chunks must be positive");
      size = MAX ((len + chunks - 1) / chunks, 1);
    }
  else if (!qs_exec_attr_ints (exec, node, qs_exec_arg (node, 1, "split_size_or_sections"),
                               FALSE, sizes, G_N_ELEMENTS (sizes), &n, error))
    return NULL;
  else if (n == 1 && qs_exec_arg (node, 1, "split_size_or_sections")->kind != QS_ATTR_INTS)
    size = sizes[0], n = 0;
  else
    size = 0;
  if (n == 0)
    {
      if (size < 1)
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "split size must be positive");
      for (; start + n * size < len && n < G_N_ELEMENTS (sizes); n++)
        sizes[n] = MIN (size, len - n * size);
    }
  for (guint i = 0; i < n; i++)
    {
      if (sizes[i] < 0 || sizes[i] > len - start)
        return qs_exec_fail (error, node, QS_ERROR_SHAPE, "split sizes exceed the dimension");
      g_ptr_array_add (items, qs_exec_value_new_tensor (slice_axis (x, axis, start, sizes[i])));
      start += sizes[i];
    }
  if (start != len)
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "split sizes do not add up to the dimension (or more than 64 parts)");
  {
    gsize len_items;
    g_autofree QsExecValue **v = (QsExecValue **) g_ptr_array_steal (items, &len_items);

    return qs_exec_value_new_sequence (QS_EXEC_VALUE_TUPLE, v, (guint) len_items);
  }
}

gboolean
qs_exec_shape_node (QsExec       *exec,
                    const QsNode *node,
                    QsExecValue **out,
                    GError      **error)
{
  switch (node->op)
    {
    case QS_OP_GETITEM:   *out = run_getitem (exec, node, error); return TRUE;
    case QS_OP_SIZE:
    case QS_OP_GETATTR:   *out = run_size (exec, node, error); return TRUE;
    case QS_OP_FLATTEN:   *out = run_flatten (exec, node, error); return TRUE;
    case QS_OP_RESHAPE:   *out = run_reshape (exec, node, error); return TRUE;
    case QS_OP_PERMUTE:
    case QS_OP_TRANSPOSE: *out = run_permute (exec, node, error); return TRUE;
    case QS_OP_CAT:
    case QS_OP_STACK:     *out = run_cat (exec, node, error); return TRUE;
    case QS_OP_CHUNK:
    case QS_OP_SPLIT:     *out = run_split (exec, node, error); return TRUE;
    default:              return FALSE;
    }
}
