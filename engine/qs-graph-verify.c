/* qs-graph-verify.c: structural and shape checks of the graph IR */
#include "qs-graph.h"

#include <string.h>

#include "qs-error.h"
#include "qs-shape.h"

/* Finds a cycle through the node graph (edges producer -> consumer) with
 * an iterative DFS and describes it as "a -> b -> a". NULL when acyclic. */
static char *
find_cycle (const QsGraph *graph)
{
  guint8 *state = g_new0 (guint8, graph->n_nodes); /* 0 new, 1 on stack, 2 done */
  QsId *stack = g_new (QsId, graph->n_nodes);
  guint32 *edge = g_new0 (guint32, graph->n_nodes); /* next output/use to visit */
  QsId *parent = g_new (QsId, graph->n_nodes);
  char *result = NULL;

  for (QsId root = 0; root < graph->n_nodes && result == NULL; root++)
    {
      guint sp = 0;

      if (state[root])
        continue;
      stack[sp++] = root;
      state[root] = 1;
      parent[root] = QS_ID_NONE;
      while (sp > 0 && result == NULL)
        {
          QsId n = stack[sp - 1];
          const QsNode *node = &graph->nodes[n];
          guint32 k = edge[n];
          guint seen = 0;
          QsId next = QS_ID_NONE;

          /* Walk (output, use) pairs flattened into one counter. */
          for (guint o = 0; o < node->n_outputs && next == QS_ID_NONE; o++)
            {
              guint n_uses;
              const QsId *uses = qs_graph_value_uses (graph, node->outputs[o], &n_uses);

              if (k < seen + n_uses)
                next = uses[k - seen];
              seen += n_uses;
            }
          if (next == QS_ID_NONE)
            {
              state[n] = 2;
              sp--;
              continue;
            }
          edge[n]++;
          if (state[next] == 1)
            {
              GString *s = g_string_new (graph->nodes[next].name);
              GPtrArray *path = g_ptr_array_new ();

              for (QsId p = n; p != next && p != QS_ID_NONE; p = parent[p])
                g_ptr_array_add (path, (gpointer) graph->nodes[p].name);
              for (guint i = path->len; i > 0; i--)
                g_string_append_printf (s, " -> %s", (char *) path->pdata[i - 1]);
              g_string_append_printf (s, " -> %s", graph->nodes[next].name);
              g_ptr_array_free (path, TRUE);
              result = g_string_free (s, FALSE);
            }
          else if (state[next] == 0)
            {
              state[next] = 1;
              parent[next] = n;
              stack[sp++] = next;
            }
        }
    }
  g_free (state);
  g_free (stack);
  g_free (edge);
  g_free (parent);
  return result;
}

static gboolean
verify_order (const QsGraph *graph,
              GError       **error)
{
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *node = &graph->nodes[n];

      for (guint i = 0; i < node->n_inputs; i++)
        {
          QsId v = node->inputs[i];
          QsId p = graph->values[v].producer;

          if (p == QS_ID_NONE)
            return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                                "node “%s” (nodes[%u]) reads value %u, which no node "
                                "produces; list the value in a producer's “outputs”",
                                node->name, n, v), FALSE;
          if (p >= n)
            {
              g_autofree char *cycle = find_cycle (graph);

              if (cycle != NULL)
                return g_set_error (error, QS_ERROR, QS_ERROR_CYCLE,
                                    "the graph has a cycle: %s; a dataflow graph must "
                                    "be acyclic", cycle), FALSE;
              return g_set_error (error, QS_ERROR, QS_ERROR_CYCLE,
                                  "node “%s” (nodes[%u]) reads value %u before its "
                                  "producer “%s” (nodes[%u]); list nodes in "
                                  "topological order", node->name, n, v,
                                  graph->nodes[p].name, p), FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
verify_node_shape (const QsGraph *graph,
                   const QsNode  *node,
                   GError       **error)
{
  const QsType *actual;
  QsType expected;
  QsShapeResult r;
  g_autoptr(GString) a = NULL;
  g_autoptr(GString) e = NULL;

  memset (&expected, 0, sizeof expected);
  r = qs_shape_infer (graph, node, &expected, error);
  if (r == QS_SHAPE_ERROR)
    return FALSE;
  if (r == QS_SHAPE_UNKNOWN)
    return TRUE;
  actual = &graph->values[node->outputs[0]].type;
  if (!qs_type_is_tensor (actual))
    return TRUE; /* the tracer could not tell: nothing to compare */
  expected.dtype = actual->dtype;
  if (qs_type_equal (&expected, actual))
    return TRUE;
  a = g_string_new (NULL);
  e = g_string_new (NULL);
  qs_type_append (actual, a);
  qs_type_append (&expected, e);
  g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
               "node “%s” (%s): the file records output %s but its inputs give %s; "
               "re-trace the model or fix the shape", node->name, qs_op_name (node->op),
               a->str, e->str);
  return FALSE;
}

static gboolean
verify_nodes (const QsGraph *graph,
              GError       **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_outputs = 0;

  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *node = &graph->nodes[n];

      if (!g_hash_table_add (names, (gpointer) node->name))
        return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                            "two nodes are named “%s” (the second is nodes[%u]); node "
                            "names must be unique", node->name, n), FALSE;
      if (node->kind == QS_NODE_OUTPUT)
        {
          n_outputs++;
          if (node->n_outputs != 0)
            return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                                "the output node “%s” must not produce values", node->name),
                   FALSE;
        }
      else if (node->n_outputs == 0)
        return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                            "node “%s” (nodes[%u]) produces no value; every node but "
                            "the output node produces one", node->name, n), FALSE;
      if (node->kind == QS_NODE_PLACEHOLDER && node->n_inputs != 0)
        return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                            "placeholder “%s” must not read values", node->name), FALSE;
      if (node->kind == QS_NODE_CALL_MODULE && node->module == QS_ID_NONE)
        return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                            "node “%s” calls module “%s”, which is not in “modules”",
                            node->name, node->target), FALSE;
      if (node->wrapped != QS_ID_NONE && node->wrapped >= graph->n_wrapped)
        return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                            "node “%s” refers to wrapped region %u, which does not exist",
                            node->name, node->wrapped), FALSE;
      if (!verify_node_shape (graph, node, error))
        return FALSE;
    }
  if (n_outputs != 1 || (graph->n_nodes > 0
                         && graph->nodes[graph->n_nodes - 1].kind != QS_NODE_OUTPUT))
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "the graph has %u output nodes; it needs exactly one, as its "
                        "last node", n_outputs), FALSE;
  return TRUE;
}

static gboolean
check_values (const QsGraph *graph,
              const QsWrapped *w,
              const QsId    *ids,
              guint          n,
              const char    *what,
              GError       **error)
{
  for (guint i = 0; i < n; i++)
    if (ids[i] >= graph->n_values)
      return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                          "wrapped region “%s”: %s[%u] is value %u, which does not exist",
                          w->name, what, i, ids[i]), FALSE;
  return TRUE;
}

static gboolean
verify_wrapped (const QsGraph *graph,
                GError       **error)
{
  for (QsId i = 0; i < graph->n_wrapped; i++)
    {
      const QsWrapped *w = &graph->wrapped[i];

      if (w->node != QS_ID_NONE && w->node >= graph->n_nodes)
        return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                            "wrapped region “%s” names node %u, which does not exist",
                            w->name, w->node), FALSE;
      for (guint k = 0; k < w->n_nodes; k++)
        if (w->nodes[k] >= graph->n_nodes)
          return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                              "wrapped region “%s” lists node %u, which does not exist",
                              w->name, w->nodes[k]), FALSE;
      for (guint k = 0; k < w->n_modules; k++)
        if (w->modules[k] >= graph->n_modules)
          return g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                              "wrapped region “%s” lists module %u, which does not exist",
                              w->name, w->modules[k]), FALSE;
      if (!check_values (graph, w, w->inputs, w->n_inputs, "inputs", error)
          || !check_values (graph, w, w->outputs, w->n_outputs, "outputs", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
verify_values (const QsGraph *graph,
               GError       **error)
{
  for (QsId v = 0; v < graph->n_values; v++)
    {
      const QsType *t = &graph->values[v].type;

      if (t->dtype >= QS_N_DTYPES || t->rank > QS_MAX_RANK)
        return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                            "value %u has an invalid type", v), FALSE;
      if (graph->values[v].producer == QS_ID_NONE)
        continue; /* unused and unproduced values are harmless */
      for (guint d = 0; d < t->rank; d++)
        if (t->dims[d] < 0)
          return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                              "value %u (output of “%s”) has a negative size", v,
                              graph->nodes[graph->values[v].producer].name), FALSE;
    }
  return TRUE;
}

gboolean
qs_graph_verify (QsGraph  *graph,
                 GError  **error)
{
  g_return_val_if_fail (graph != NULL, FALSE);

  if (!graph->analyzed && !qs_graph_analyze (graph, error))
    return FALSE;
  for (QsId m = 0; m < graph->n_modules; m++)
    if (graph->modules[m].parent != QS_ID_NONE && graph->modules[m].parent >= m)
      return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                          "module “%s” comes before its parent; list parents first",
                          graph->modules[m].path), FALSE;
  return verify_values (graph, error)
         && verify_order (graph, error)
         && verify_nodes (graph, error)
         && verify_wrapped (graph, error);
}
