/* qs-graph.c: construction of the flat-array graph IR */
#include "qs-graph.h"

#include <string.h>

#include "qs-arena.h"
#include "qs-error.h"
#include "qs-safetensors.h"

static const char * const node_kind_names[QS_N_NODE_KINDS] = {
  "placeholder", "get_attr", "call_module", "call_function", "call_method", "output",
};

static const char * const dtype_names[QS_N_DTYPES] = {
  "unknown", "float32", "float16", "bfloat16", "float64", "int64", "int32", "int16",
  "int8", "uint8", "bool", "tuple", "list", "dict", "int", "float", "bool_scalar", "none",
};

static const guint8 dtype_sizes[QS_N_DTYPES] = {
  [QS_DTYPE_FLOAT32] = 4, [QS_DTYPE_FLOAT16] = 2, [QS_DTYPE_BFLOAT16] = 2,
  [QS_DTYPE_FLOAT64] = 8, [QS_DTYPE_INT64] = 8, [QS_DTYPE_INT32] = 4,
  [QS_DTYPE_INT16] = 2, [QS_DTYPE_INT8] = 1, [QS_DTYPE_UINT8] = 1, [QS_DTYPE_BOOL] = 1,
};

static const char * const wrap_kind_names[QS_N_WRAP_KINDS] = {
  "function", "method", "leaf_module", "outside_stub",
};

QsGraph *
qs_graph_new (void)
{
  QsGraph *graph = g_new0 (QsGraph, 1);

  g_atomic_ref_count_init (&graph->ref_count);
  graph->arena = qs_arena_new (64 * 1024);
  graph->module_index = g_hash_table_new (g_str_hash, g_str_equal);
  graph->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return graph;
}

QsGraph *
qs_graph_ref (QsGraph *graph)
{
  g_return_val_if_fail (graph != NULL, NULL);
  g_atomic_ref_count_inc (&graph->ref_count);
  return graph;
}

void
qs_graph_unref (QsGraph *graph)
{
  g_return_if_fail (graph != NULL);
  if (!g_atomic_ref_count_dec (&graph->ref_count))
    return;
  g_clear_pointer (&graph->weights, qs_weights_unref);
  g_hash_table_unref (graph->module_index);
  g_hash_table_unref (graph->metadata);
  g_free (graph->nodes);
  g_free (graph->values);
  g_free (graph->modules);
  g_free (graph->wrapped);
  g_free (graph->use_start);
  g_free (graph->use_nodes);
  g_free (graph->name);
  g_free (graph->filename);
  g_free (graph->weights_file);
  qs_arena_free (graph->arena);
  g_free (graph);
}

void
qs_graph_set_name (QsGraph    *graph,
                   const char *name)
{
  g_return_if_fail (graph != NULL);
  g_free (graph->name);
  graph->name = g_strdup (name);
}

void
qs_graph_set_metadata (QsGraph    *graph,
                       const char *key,
                       const char *value)
{
  g_return_if_fail (graph != NULL);
  g_return_if_fail (key != NULL);
  g_hash_table_replace (graph->metadata, g_strdup (key), g_strdup (value ? value : ""));
}

gpointer
qs_graph_alloc (QsGraph *graph,
                gsize    size)
{
  return qs_arena_alloc (graph->arena, size);
}

const char *
qs_graph_strdup (QsGraph    *graph,
                 const char *str)
{
  return qs_arena_strdup (graph->arena, str);
}

/* Grows an array to hold one more element; sizes in elements. */
static gpointer
grow (gpointer  array,
      guint32  *cap,
      guint32   len,
      gsize     elem_size)
{
  if (len < *cap)
    return array;
  if (*cap >= G_MAXUINT32 / 2)
    g_error ("graph too large");
  *cap = MAX (16, *cap * 2);
  array = g_realloc_n (array, *cap, elem_size);
  memset ((guint8 *) array + len * elem_size, 0, (*cap - len) * elem_size);
  return array;
}

static void
invalidate (QsGraph *graph)
{
  graph->analyzed = FALSE;
}

QsId
qs_graph_add_value (QsGraph      *graph,
                    const QsType *type)
{
  QsValue *v;

  g_return_val_if_fail (graph != NULL, QS_ID_NONE);
  graph->values = grow (graph->values, &graph->values_cap, graph->n_values, sizeof (QsValue));
  v = &graph->values[graph->n_values];
  memset (v, 0, sizeof *v);
  if (type != NULL)
    v->type = *type;
  v->producer = QS_ID_NONE;
  invalidate (graph);
  return graph->n_values++;
}

static QsOp
lookup_op (QsGraph    *graph,
           QsNodeKind  kind,
           const char *target,
           QsId        module)
{
  switch (kind)
    {
    case QS_NODE_PLACEHOLDER:
      return QS_OP_INPUT;
    case QS_NODE_OUTPUT:
      return QS_OP_OUTPUT;
    case QS_NODE_GET_ATTR:
      return QS_OP_PARAM;
    case QS_NODE_CALL_MODULE:
      return module != QS_ID_NONE ? graph->modules[module].op : QS_OP_UNKNOWN;
    case QS_NODE_CALL_FUNCTION:
      if (g_str_has_prefix (target, "wrap:"))
        return QS_OP_WRAPPED;
      return qs_op_from_target (QS_TARGET_FUNCTION, target);
    case QS_NODE_CALL_METHOD:
      return qs_op_from_target (QS_TARGET_METHOD, target);
    case QS_N_NODE_KINDS:
    default:
      g_assert_not_reached ();
    }
  return QS_OP_UNKNOWN;
}

QsOp
qs_graph_resolve_op (QsGraph    *graph,
                     QsNodeKind  kind,
                     const char *target,
                     QsId       *module)
{
  QsId m = QS_ID_NONE;

  g_return_val_if_fail (graph != NULL, QS_OP_UNKNOWN);
  g_return_val_if_fail (kind < QS_N_NODE_KINDS, QS_OP_UNKNOWN);
  if (target != NULL && (kind == QS_NODE_CALL_MODULE || kind == QS_NODE_GET_ATTR))
    m = qs_graph_lookup_module (graph, target);
  if (module != NULL)
    *module = m;
  return lookup_op (graph, kind, target ? target : "", m);
}

QsId
qs_graph_add_node (QsGraph    *graph,
                   QsNodeKind  kind,
                   const char *name,
                   const char *target,
                   const QsId *inputs,
                   guint       n_inputs,
                   const QsId *outputs,
                   guint       n_outputs)
{
  QsNode *node;

  g_return_val_if_fail (graph != NULL, QS_ID_NONE);
  g_return_val_if_fail (kind < QS_N_NODE_KINDS, QS_ID_NONE);
  g_return_val_if_fail (name != NULL, QS_ID_NONE);
  g_return_val_if_fail (n_inputs == 0 || inputs != NULL, QS_ID_NONE);
  g_return_val_if_fail (n_outputs == 0 || outputs != NULL, QS_ID_NONE);

  if (target == NULL)
    target = kind == QS_NODE_OUTPUT ? "output" : name;
  graph->nodes = grow (graph->nodes, &graph->nodes_cap, graph->n_nodes, sizeof (QsNode));
  node = &graph->nodes[graph->n_nodes];
  memset (node, 0, sizeof *node);
  node->kind = kind;
  node->name = qs_arena_strdup (graph->arena, name);
  node->target = qs_arena_strdup (graph->arena, target);
  node->n_inputs = n_inputs;
  node->inputs = qs_arena_memdup (graph->arena, inputs, n_inputs * sizeof (QsId));
  node->n_outputs = n_outputs;
  node->outputs = qs_arena_memdup (graph->arena, outputs, n_outputs * sizeof (QsId));
  node->module = QS_ID_NONE;
  node->wrapped = QS_ID_NONE;
  if (kind == QS_NODE_CALL_MODULE || kind == QS_NODE_GET_ATTR)
    node->module = qs_graph_lookup_module (graph, target);
  node->op = lookup_op (graph, kind, node->target, node->module);
  invalidate (graph);
  return graph->n_nodes++;
}

QsId
qs_graph_add_op (QsGraph      *graph,
                 QsNodeKind    kind,
                 const char   *name,
                 const char   *target,
                 const QsId   *inputs,
                 guint         n_inputs,
                 const QsType *type)
{
  QsId out;

  if (kind == QS_NODE_OUTPUT)
    return qs_graph_add_node (graph, kind, name, target, inputs, n_inputs, NULL, 0);
  out = qs_graph_add_value (graph, type);
  return qs_graph_add_node (graph, kind, name, target, inputs, n_inputs, &out, 1);
}

static QsAttr *
copy_attrs (QsGraph      *graph,
            const QsAttr *attrs,
            guint         n_attrs)
{
  QsAttr *copy = qs_arena_memdup (graph->arena, attrs, n_attrs * sizeof (QsAttr));

  for (guint i = 0; i < n_attrs; i++)
    {
      QsAttr *a = &copy[i];

      a->name = qs_arena_strdup (graph->arena, a->name);
      switch (a->kind)
        {
        case QS_ATTR_STRING:
        case QS_ATTR_REPR:
        case QS_ATTR_JSON:
          a->s = qs_arena_strdup (graph->arena, a->s);
          break;
        case QS_ATTR_INTS:
          a->ints = qs_arena_memdup (graph->arena, a->ints, a->n * sizeof (gint64));
          break;
        case QS_ATTR_FLOATS:
          a->floats = qs_arena_memdup (graph->arena, a->floats, a->n * sizeof (double));
          break;
        case QS_ATTR_VALUES:
          a->values = qs_arena_memdup (graph->arena, a->values, a->n * sizeof (QsId));
          break;
        case QS_ATTR_NONE:
        case QS_ATTR_BOOL:
        case QS_ATTR_INT:
        case QS_ATTR_FLOAT:
        case QS_ATTR_VALUE:
        default:
          break;
        }
    }
  return copy;
}

void
qs_graph_node_set_attrs (QsGraph      *graph,
                         QsId          node,
                         const QsAttr *attrs,
                         guint         n_attrs)
{
  g_return_if_fail (graph != NULL);
  g_return_if_fail (node < graph->n_nodes);
  graph->nodes[node].attrs = copy_attrs (graph, attrs, n_attrs);
  graph->nodes[node].n_attrs = n_attrs;
}

void
qs_graph_node_set_scope (QsGraph    *graph,
                         QsId        node,
                         const char *scope)
{
  g_return_if_fail (graph != NULL);
  g_return_if_fail (node < graph->n_nodes);
  graph->nodes[node].scope = qs_arena_strdup (graph->arena, scope);
}

const char *
qs_node_module_path (const QsNode *node)
{
  if (node->scope != NULL)
    return node->scope;
  if (node->kind == QS_NODE_CALL_MODULE || node->kind == QS_NODE_GET_ATTR)
    return node->target;
  return "";
}

void
qs_graph_node_set_fused (QsGraph       *graph,
                         QsId           node,
                         const QsFused *fused,
                         guint          n_fused)
{
  QsFused *copy;

  g_return_if_fail (graph != NULL);
  g_return_if_fail (node < graph->n_nodes);
  copy = qs_arena_memdup (graph->arena, fused, n_fused * sizeof (QsFused));
  for (guint i = 0; i < n_fused; i++)
    {
      copy[i].name = qs_arena_strdup (graph->arena, copy[i].name);
      copy[i].target = qs_arena_strdup (graph->arena, copy[i].target);
    }
  graph->nodes[node].fused = copy;
  graph->nodes[node].n_fused = n_fused;
}

void
qs_graph_node_set_source (QsGraph    *graph,
                          QsId        node,
                          const char *file,
                          guint       line,
                          const char *code)
{
  g_return_if_fail (graph != NULL);
  g_return_if_fail (node < graph->n_nodes);
  graph->nodes[node].source_file = qs_arena_strdup (graph->arena, file);
  graph->nodes[node].source_line = line;
  graph->nodes[node].source_code = qs_arena_strdup (graph->arena, code);
}

QsId
qs_graph_lookup_module (QsGraph    *graph,
                        const char *path)
{
  gpointer found;

  g_return_val_if_fail (graph != NULL, QS_ID_NONE);
  g_return_val_if_fail (path != NULL, QS_ID_NONE);
  found = g_hash_table_lookup (graph->module_index, path);
  return found ? (QsId) (GPOINTER_TO_UINT (found) - 1) : QS_ID_NONE;
}

static QsId
find_parent (QsGraph    *graph,
             const char *path)
{
  g_autofree char *prefix = g_strdup (path);
  char *dot;

  if (*path == '\0')
    return QS_ID_NONE;
  while ((dot = strrchr (prefix, '.')) != NULL)
    {
      QsId id;

      *dot = '\0';
      if ((id = qs_graph_lookup_module (graph, prefix)) != QS_ID_NONE)
        return id;
    }
  return qs_graph_lookup_module (graph, "");
}

QsId
qs_graph_add_module (QsGraph    *graph,
                     const char *path,
                     const char *type)
{
  QsModule *m;
  QsId id;

  g_return_val_if_fail (graph != NULL, QS_ID_NONE);
  g_return_val_if_fail (path != NULL, QS_ID_NONE);
  g_return_val_if_fail (type != NULL, QS_ID_NONE);

  graph->modules = grow (graph->modules, &graph->modules_cap, graph->n_modules,
                         sizeof (QsModule));
  id = graph->n_modules++;
  m = &graph->modules[id];
  memset (m, 0, sizeof *m);
  m->path = qs_arena_strdup (graph->arena, path);
  m->type = qs_arena_strdup (graph->arena, type);
  m->parent = find_parent (graph, path);
  m->op = qs_op_from_target (QS_TARGET_MODULE, type);
  g_hash_table_insert (graph->module_index, (gpointer) m->path, GUINT_TO_POINTER (id + 1));
  invalidate (graph);
  return id;
}

void
qs_graph_module_set_attrs (QsGraph      *graph,
                           QsId          module,
                           const QsAttr *attrs,
                           guint         n_attrs)
{
  g_return_if_fail (graph != NULL);
  g_return_if_fail (module < graph->n_modules);
  graph->modules[module].attrs = copy_attrs (graph, attrs, n_attrs);
  graph->modules[module].n_attrs = n_attrs;
}

void
qs_graph_module_set_params (QsGraph       *graph,
                            QsId           module,
                            const QsParam *params,
                            guint          n_params)
{
  QsParam *copy;

  g_return_if_fail (graph != NULL);
  g_return_if_fail (module < graph->n_modules);
  copy = qs_arena_memdup (graph->arena, params, n_params * sizeof (QsParam));
  for (guint i = 0; i < n_params; i++)
    copy[i].name = qs_arena_strdup (graph->arena, copy[i].name);
  graph->modules[module].params = copy;
  graph->modules[module].n_params = n_params;
}

QsId
qs_graph_add_wrapped (QsGraph         *graph,
                      const QsWrapped *wrapped)
{
  QsWrapped *w;
  QsArena *a;

  g_return_val_if_fail (graph != NULL, QS_ID_NONE);
  g_return_val_if_fail (wrapped != NULL, QS_ID_NONE);
  g_return_val_if_fail (wrapped->kind < QS_N_WRAP_KINDS, QS_ID_NONE);

  a = graph->arena;
  graph->wrapped = grow (graph->wrapped, &graph->wrapped_cap, graph->n_wrapped,
                         sizeof (QsWrapped));
  w = &graph->wrapped[graph->n_wrapped];
  *w = *wrapped;
  w->name = qs_arena_strdup (a, wrapped->name ? wrapped->name : "");
  w->nodes = qs_arena_memdup (a, wrapped->nodes, wrapped->n_nodes * sizeof (QsId));
  w->modules = qs_arena_memdup (a, wrapped->modules, wrapped->n_modules * sizeof (QsId));
  w->inputs = qs_arena_memdup (a, wrapped->inputs, wrapped->n_inputs * sizeof (QsId));
  w->outputs = qs_arena_memdup (a, wrapped->outputs, wrapped->n_outputs * sizeof (QsId));
  invalidate (graph);
  return graph->n_wrapped++;
}

gboolean
qs_graph_analyze (QsGraph  *graph,
                  GError  **error)
{
  guint32 *fill;
  gsize total_uses = 0;

  g_return_val_if_fail (graph != NULL, FALSE);

  for (QsId v = 0; v < graph->n_values; v++)
    graph->values[v].producer = QS_ID_NONE;
  for (QsId m = 0; m < graph->n_modules; m++)
    graph->modules[m].n_calls = 0;

  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      QsNode *node = &graph->nodes[n];

      for (guint i = 0; i < node->n_outputs; i++)
        {
          QsId v = node->outputs[i];

          if (v >= graph->n_values)
            return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                                "node “%s” (nodes[%u]) produces value %u, but the graph "
                                "has only %u values; add the value to “values”",
                                node->name, n, v, graph->n_values), FALSE;
          if (graph->values[v].producer != QS_ID_NONE)
            return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                                "value %u is produced by both “%s” and “%s”; every "
                                "value must have exactly one producer",
                                v, graph->nodes[graph->values[v].producer].name,
                                node->name), FALSE;
          graph->values[v].producer = n;
        }
      for (guint i = 0; i < node->n_inputs; i++)
        if (node->inputs[i] >= graph->n_values)
          return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                              "node “%s” (nodes[%u]) reads value %u, which does not "
                              "exist (the graph has %u values)",
                              node->name, n, node->inputs[i], graph->n_values), FALSE;
      total_uses += node->n_inputs;
      if (node->kind == QS_NODE_CALL_MODULE && node->module != QS_ID_NONE)
        graph->modules[node->module].n_calls++;
    }

  /* Uses in CSR form: counts, prefix sums, then fill. */
  g_free (graph->use_start);
  g_free (graph->use_nodes);
  graph->use_start = g_new0 (guint32, graph->n_values + 1);
  graph->use_nodes = g_new (QsId, MAX (total_uses, 1));
  for (QsId n = 0; n < graph->n_nodes; n++)
    for (guint i = 0; i < graph->nodes[n].n_inputs; i++)
      graph->use_start[graph->nodes[n].inputs[i] + 1]++;
  for (QsId v = 0; v < graph->n_values; v++)
    graph->use_start[v + 1] += graph->use_start[v];
  fill = g_memdup2 (graph->use_start, (graph->n_values + 1) * sizeof (guint32));
  for (QsId n = 0; n < graph->n_nodes; n++)
    for (guint i = 0; i < graph->nodes[n].n_inputs; i++)
      {
        QsId v = graph->nodes[n].inputs[i];

        /* A node reading the same value twice is listed once per read. */
        graph->use_nodes[fill[v]++] = n;
      }
  g_free (fill);
  graph->analyzed = TRUE;
  return TRUE;
}

guint
qs_graph_value_n_uses (const QsGraph *graph,
                       QsId           value)
{
  g_return_val_if_fail (graph->analyzed, 0);
  g_return_val_if_fail (value < graph->n_values, 0);
  return graph->use_start[value + 1] - graph->use_start[value];
}

const QsId *
qs_graph_value_uses (const QsGraph *graph,
                     QsId           value,
                     guint         *n_uses)
{
  g_return_val_if_fail (graph->analyzed, NULL);
  g_return_val_if_fail (value < graph->n_values, NULL);
  *n_uses = graph->use_start[value + 1] - graph->use_start[value];
  return &graph->use_nodes[graph->use_start[value]];
}

QsGraph *
qs_graph_copy (QsGraph *graph)
{
  QsGraph *copy = qs_graph_new ();
  GHashTableIter iter;
  gpointer k, v;

  g_return_val_if_fail (graph != NULL, NULL);

  copy->name = g_strdup (graph->name);
  copy->filename = g_strdup (graph->filename);
  copy->weights_file = g_strdup (graph->weights_file);
  if (graph->weights)
    copy->weights = qs_weights_ref (graph->weights);
  g_hash_table_iter_init (&iter, graph->metadata);
  while (g_hash_table_iter_next (&iter, &k, &v))
    qs_graph_set_metadata (copy, k, v);

  for (QsId m = 0; m < graph->n_modules; m++)
    {
      const QsModule *src = &graph->modules[m];
      QsId id = qs_graph_add_module (copy, src->path, src->type);

      qs_graph_module_set_attrs (copy, id, src->attrs, src->n_attrs);
      qs_graph_module_set_params (copy, id, src->params, src->n_params);
    }
  for (QsId i = 0; i < graph->n_values; i++)
    {
      const QsValue *src = &graph->values[i];
      QsId id = qs_graph_add_value (copy, &src->type);

      copy->values[id].n_elements = src->n_elements;
      copy->values[id].elements = qs_arena_memdup (copy->arena, src->elements,
                                                   src->n_elements * sizeof (QsType));
    }
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *src = &graph->nodes[n];
      QsId id = qs_graph_add_node (copy, src->kind, src->name, src->target,
                                   src->inputs, src->n_inputs,
                                   src->outputs, src->n_outputs);

      qs_graph_node_set_attrs (copy, id, src->attrs, src->n_attrs);
      if (src->source_file || src->source_code)
        qs_graph_node_set_source (copy, id, src->source_file, src->source_line,
                                  src->source_code);
      copy->nodes[id].wrapped = src->wrapped;
      copy->nodes[id].op = src->op;
      if (src->n_fused > 0)
        qs_graph_node_set_fused (copy, id, src->fused, src->n_fused);
      if (src->scope != NULL)
        qs_graph_node_set_scope (copy, id, src->scope);
    }
  for (QsId w = 0; w < graph->n_wrapped; w++)
    qs_graph_add_wrapped (copy, &graph->wrapped[w]);
  return copy;
}

/* Accessors and names */

const QsAttr *
qs_attrs_find (const QsAttr *attrs,
               guint         n_attrs,
               const char   *name)
{
  for (guint i = 0; i < n_attrs; i++)
    if (strcmp (attrs[i].name, name) == 0)
      return &attrs[i];
  return NULL;
}

gint64
qs_module_get_int (const QsModule *module,
                   const char     *name,
                   gint64          fallback)
{
  const QsAttr *a = qs_attrs_find (module->attrs, module->n_attrs, name);

  if (a == NULL)
    return fallback;
  if (a->kind == QS_ATTR_INT)
    return a->i;
  if (a->kind == QS_ATTR_BOOL)
    return a->b;
  if (a->kind == QS_ATTR_INTS && a->n > 0)
    return a->ints[0];
  return fallback;
}

guint
qs_module_get_ints (const QsModule *module,
                    const char     *name,
                    gint64         *out,
                    guint           n_out)
{
  const QsAttr *a = qs_attrs_find (module->attrs, module->n_attrs, name);

  if (a == NULL)
    return 0;
  if (a->kind == QS_ATTR_INT)
    {
      for (guint i = 0; i < n_out; i++)
        out[i] = a->i;
      return n_out;
    }
  if (a->kind == QS_ATTR_INTS)
    {
      guint n = MIN (a->n, n_out);

      memcpy (out, a->ints, n * sizeof (gint64));
      return n;
    }
  return 0;
}

gboolean
qs_module_get_bool (const QsModule *module,
                    const char     *name,
                    gboolean        fallback)
{
  const QsAttr *a = qs_attrs_find (module->attrs, module->n_attrs, name);

  if (a == NULL)
    return fallback;
  if (a->kind == QS_ATTR_BOOL)
    return a->b;
  if (a->kind == QS_ATTR_INT)
    return a->i != 0;
  return fallback;
}

const QsParam *
qs_module_find_param (const QsModule *module,
                      const char     *name)
{
  for (guint i = 0; i < module->n_params; i++)
    if (strcmp (module->params[i].name, name) == 0)
      return &module->params[i];
  return NULL;
}

const QsModule *
qs_graph_node_module (const QsGraph *graph,
                      const QsNode  *node)
{
  if (node->module == QS_ID_NONE || node->module >= graph->n_modules)
    return NULL;
  return &graph->modules[node->module];
}

const char *
qs_node_kind_name (QsNodeKind kind)
{
  g_return_val_if_fail (kind < QS_N_NODE_KINDS, "invalid");
  return node_kind_names[kind];
}

gboolean
qs_node_kind_from_name (const char *name,
                        QsNodeKind *kind)
{
  for (guint i = 0; i < QS_N_NODE_KINDS; i++)
    if (g_strcmp0 (node_kind_names[i], name) == 0)
      return *kind = (QsNodeKind) i, TRUE;
  return FALSE;
}

const char *
qs_dtype_name (QsDtype dtype)
{
  g_return_val_if_fail (dtype < QS_N_DTYPES, "invalid");
  return dtype_names[dtype];
}

gboolean
qs_dtype_from_name (const char *name,
                    QsDtype    *dtype)
{
  for (guint i = 0; i < QS_N_DTYPES; i++)
    if (g_strcmp0 (dtype_names[i], name) == 0)
      return *dtype = (QsDtype) i, TRUE;
  return FALSE;
}

gboolean
qs_dtype_is_tensor (QsDtype dtype)
{
  return dtype >= QS_DTYPE_FLOAT32 && dtype <= QS_DTYPE_BOOL;
}

guint
qs_dtype_size (QsDtype dtype)
{
  g_return_val_if_fail (dtype < QS_N_DTYPES, 0);
  return dtype_sizes[dtype];
}

const char *
qs_wrap_kind_name (QsWrapKind kind)
{
  g_return_val_if_fail (kind < QS_N_WRAP_KINDS, "invalid");
  return wrap_kind_names[kind];
}

gboolean
qs_wrap_kind_from_name (const char *name,
                        QsWrapKind *kind)
{
  for (guint i = 0; i < QS_N_WRAP_KINDS; i++)
    if (g_strcmp0 (wrap_kind_names[i], name) == 0)
      return *kind = (QsWrapKind) i, TRUE;
  return FALSE;
}

gboolean
qs_type_is_tensor (const QsType *type)
{
  return qs_dtype_is_tensor (type->dtype);
}

gint64
qs_type_n_elements (const QsType *type)
{
  gint64 n = 1;

  if (!qs_type_is_tensor (type))
    return -1;
  for (guint i = 0; i < type->rank; i++)
    n *= type->dims[i];
  return n;
}

gboolean
qs_type_equal (const QsType *a,
               const QsType *b)
{
  if (a->dtype != b->dtype)
    return FALSE;
  if (!qs_dtype_is_tensor (a->dtype))
    return TRUE;
  if (a->rank != b->rank)
    return FALSE;
  return memcmp (a->dims, b->dims, a->rank * sizeof (gint64)) == 0;
}

void
qs_type_append (const QsType *type,
                GString      *out)
{
  g_string_append (out, qs_dtype_name (type->dtype));
  if (!qs_type_is_tensor (type))
    return;
  g_string_append_c (out, '[');
  for (guint i = 0; i < type->rank; i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i ? "," : "", type->dims[i]);
  g_string_append_c (out, ']');
}

void
qs_type_set_tensor (QsType       *type,
                    QsDtype       dtype,
                    guint         rank,
                    const gint64 *dims)
{
  g_return_if_fail (rank <= QS_MAX_RANK);
  memset (type, 0, sizeof *type);
  type->dtype = dtype;
  type->rank = rank;
  if (rank > 0)
    memcpy (type->dims, dims, rank * sizeof (gint64));
}

gsize
qs_graph_memory_size (const QsGraph *graph)
{
  return sizeof (QsGraph)
         + qs_arena_reserved (graph->arena)
         + graph->nodes_cap * sizeof (QsNode)
         + graph->values_cap * sizeof (QsValue)
         + graph->modules_cap * sizeof (QsModule)
         + graph->wrapped_cap * sizeof (QsWrapped)
         + (graph->analyzed ? (graph->n_values + 1) * sizeof (guint32) : 0)
         + (graph->analyzed ? graph->use_start[graph->n_values] * sizeof (QsId) : 0);
}
