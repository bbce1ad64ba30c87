/* qs-summary.c: node counts, parameters, MACs and warnings of a graph */
#include "qs-summary.h"

#include <json-glib/json-glib.h>
#include <string.h>

static const QsType *
out_type (const QsGraph *graph,
          const QsNode  *node)
{
  return node->n_outputs > 0 ? &graph->values[node->outputs[0]].type : NULL;
}

static const QsType *
in_type (const QsGraph *graph,
         const QsNode  *node,
         guint          i)
{
  return i < node->n_inputs ? &graph->values[node->inputs[i]].type : NULL;
}

static guint64
kernel_area (const QsModule *m,
             guint           spatial)
{
  gint64 k[2] = { 1, 1 };
  guint64 area = 1;

  if (qs_module_get_ints (m, "kernel_size", k, spatial) != spatial)
    return 0;
  for (guint i = 0; i < spatial; i++)
    area *= (guint64) MAX (k[i], 0);
  return area;
}

guint64
qs_node_macs (const QsGraph *graph,
              const QsNode  *node)
{
  const QsModule *m = node->kind == QS_NODE_CALL_MODULE ? qs_graph_node_module (graph, node)
                                                        : NULL;
  const QsType *y = out_type (graph, node);
  const QsType *x = in_type (graph, node, 0);
  gint64 out_n;

  if (y == NULL || x == NULL || (out_n = qs_type_n_elements (y)) < 0)
    return 0;
  switch (node->op)
    {
    case QS_OP_CONV1D:
    case QS_OP_CONV2D:
      {
        gint64 groups = m ? MAX (qs_module_get_int (m, "groups", 1), 1) : 1;
        gint64 in_c = m ? qs_module_get_int (m, "in_channels", -1) : -1;

        if (m == NULL || in_c <= 0)
          return 0;
        return (guint64) out_n * (guint64) (in_c / groups)
               * kernel_area (m, node->op == QS_OP_CONV1D ? 1 : 2);
      }
    case QS_OP_CONV_TRANSPOSE2D:
      {
        gint64 groups = m ? MAX (qs_module_get_int (m, "groups", 1), 1) : 1;
        gint64 out_c = m ? qs_module_get_int (m, "out_channels", -1) : -1;
        gint64 in_n = qs_type_n_elements (x);

        if (m == NULL || out_c <= 0 || in_n < 0)
          return 0;
        return (guint64) in_n * (guint64) (out_c / groups) * kernel_area (m, 2);
      }
    case QS_OP_LINEAR:
      if (!qs_type_is_tensor (x) || x->rank < 1)
        return 0;
      return (guint64) out_n * (guint64) x->dims[x->rank - 1];
    case QS_OP_MATMUL:
      if (!qs_type_is_tensor (x) || x->rank < 1)
        return 0;
      return (guint64) out_n * (guint64) x->dims[x->rank - 1];
    default:
      return 0;
    }
}

guint64
qs_module_n_params (const QsModule *module,
                    gboolean        buffers)
{
  guint64 n = 0;

  for (guint i = 0; i < module->n_params; i++)
    if (module->params[i].is_buffer == buffers)
      n += (guint64) MAX (qs_type_n_elements (&module->params[i].type), 0);
  return n;
}

static void
warn_unknown_ops (QsGraphSummary *s,
                  QsGraph        *graph)
{
  g_autoptr(GHashTable) by_target = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *node = &graph->nodes[n];
      const char *what;
      GPtrArray *names;

      if (node->op != QS_OP_UNKNOWN)
        continue;
      what = node->kind == QS_NODE_CALL_MODULE ? graph->modules[node->module].type
                                               : node->target;
      names = g_hash_table_lookup (by_target, what);
      if (names == NULL)
        {
          names = g_ptr_array_new ();
          g_hash_table_insert (by_target, (gpointer) what, names);
          g_ptr_array_add (order, (gpointer) what);
        }
      g_ptr_array_add (names, (gpointer) node->name);
    }
  for (guint i = 0; i < order->len; i++)
    {
      GPtrArray *names = g_hash_table_lookup (by_target, order->pdata[i]);
      GString *msg = g_string_new (NULL);

      g_string_append_printf (msg, "unknown op “%s” on %u node%s (", (char *) order->pdata[i],
                              names->len, names->len == 1 ? "" : "s");
      for (guint k = 0; k < MIN (names->len, 5); k++)
        g_string_append_printf (msg, "%s%s", k ? ", " : "", (char *) names->pdata[k]);
      g_string_append_printf (msg, "%s): kept as an opaque node; it runs on the CPU and is "
                              "not quantized", names->len > 5 ? ", …" : "");
      g_ptr_array_add (s->warnings, g_string_free (msg, FALSE));
    }
}

static void
warn_shared_modules (QsGraphSummary *s,
                     QsGraph        *graph)
{
  for (QsId m = 0; m < graph->n_modules; m++)
    {
      const QsModule *mod = &graph->modules[m];
      GString *msg;
      guint listed = 0;

      /* Stateless modules (a ReLU reused in a block) are harmless: each
       * call gets its own node and observer. Shared weights are not. */
      if (mod->n_calls < 2 || qs_module_n_params (mod, FALSE) == 0)
        continue;
      msg = g_string_new (NULL);
      g_string_append_printf (msg, "module “%s” (%s) is called %u times (", mod->path,
                              mod->type, mod->n_calls);
      for (QsId n = 0; n < graph->n_nodes && listed < 5; n++)
        if (graph->nodes[n].kind == QS_NODE_CALL_MODULE && graph->nodes[n].module == m)
          g_string_append_printf (msg, "%s%s", listed++ ? ", " : "", graph->nodes[n].name);
      g_string_append_printf (msg, "%s): its calls share one set of weights and one qconfig, "
                              "so it is not fused with what follows",
                              mod->n_calls > 5 ? ", …" : "");
      g_ptr_array_add (s->warnings, g_string_free (msg, FALSE));
    }
}

QsGraphSummary *
qs_graph_summarize (QsGraph *graph)
{
  QsGraphSummary *s;
  g_autofree QsOpClass *module_class = NULL;

  g_return_val_if_fail (graph != NULL, NULL);
  g_return_val_if_fail (graph->analyzed, NULL);

  s = g_new0 (QsGraphSummary, 1);
  s->warnings = g_ptr_array_new_with_free_func (g_free);
  s->n_nodes = graph->n_nodes;
  s->n_values = graph->n_values;
  s->n_modules = graph->n_modules;
  s->n_wrapped = graph->n_wrapped;

  /* A module's parameters count once, under the class of its first call. */
  module_class = g_new (QsOpClass, MAX (graph->n_modules, 1));
  for (QsId m = 0; m < graph->n_modules; m++)
    module_class[m] = QS_N_OP_CLASSES;
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *node = &graph->nodes[n];
      QsOpClass cls = qs_op_class (node->op);
      guint64 macs = qs_node_macs (graph, node);

      s->kind_counts[node->kind]++;
      s->op_counts[node->op]++;
      s->class_nodes[cls]++;
      s->class_macs[cls] += macs;
      s->total_macs += macs;
      if (node->module != QS_ID_NONE && node->kind == QS_NODE_CALL_MODULE
          && module_class[node->module] == QS_N_OP_CLASSES)
        module_class[node->module] = cls;
    }
  for (QsId m = 0; m < graph->n_modules; m++)
    {
      guint64 p = qs_module_n_params (&graph->modules[m], FALSE);

      s->total_params += p;
      s->total_buffers += qs_module_n_params (&graph->modules[m], TRUE);
      /* Parameters of modules never called directly (inside a wrapped
       * region, or read by get_attr) are "other". */
      s->class_params[module_class[m] == QS_N_OP_CLASSES ? QS_OP_CLASS_OTHER
                                                          : module_class[m]] += p;
    }
  warn_unknown_ops (s, graph);
  warn_shared_modules (s, graph);
  return s;
}

void
qs_graph_summary_free (QsGraphSummary *summary)
{
  if (summary == NULL)
    return;
  g_ptr_array_unref (summary->warnings);
  g_free (summary);
}

/* 1234567 -> "1.23 M" */
static void
append_si (GString *s,
           guint64  v)
{
  static const char *units[] = { "", " k", " M", " G", " T" };
  double d = (double) v;
  guint u = 0;

  while (d >= 1000.0 && u + 1 < G_N_ELEMENTS (units))
    d /= 1000.0, u++;
  if (u == 0)
    g_string_append_printf (s, "%" G_GUINT64_FORMAT, v);
  else
    g_string_append_printf (s, "%.2f%s", d, units[u]);
}

static void
append_wrapped_text (GString         *s,
                     QsGraph         *graph,
                     const QsWrapped *w)
{
  g_string_append_printf (s, "  %-24s %-12s", w->name, qs_wrap_kind_name (w->kind));
  if (w->node != QS_ID_NONE)
    g_string_append_printf (s, " node %s", graph->nodes[w->node].name);
  g_string_append_printf (s, ", %u in, %u out", w->n_inputs, w->n_outputs);
  if (w->n_modules > 0)
    {
      g_string_append (s, ", modules:");
      for (guint i = 0; i < w->n_modules; i++)
        g_string_append_printf (s, " %s", graph->modules[w->modules[i]].path);
    }
  g_string_append_c (s, '\n');
}

char *
qs_graph_summary_to_text (const QsGraphSummary *summary,
                          QsGraph              *graph)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s: %s\n", graph->filename ? graph->filename : "graph",
                          graph->name ? graph->name : "");
  g_string_append_printf (s, "%u nodes, %u values, %u modules, %u wrapped regions\n",
                          summary->n_nodes, summary->n_values, summary->n_modules,
                          summary->n_wrapped);
  g_string_append (s, "parameters ");
  append_si (s, summary->total_params);
  g_string_append (s, ", MACs ");
  append_si (s, summary->total_macs);
  g_string_append_printf (s, "%s\n", graph->weights ? ", weights loaded" : ", no weights");

  g_string_append (s, "\nnodes by kind\n");
  for (guint k = 0; k < QS_N_NODE_KINDS; k++)
    if (summary->kind_counts[k] > 0)
      g_string_append_printf (s, "  %-14s %6u\n", qs_node_kind_name (k),
                              summary->kind_counts[k]);

  g_string_append (s, "\nnodes by op\n");
  for (guint o = 0; o < QS_N_OPS; o++)
    if (summary->op_counts[o] > 0)
      g_string_append_printf (s, "  %-20s %6u\n", qs_op_name (o), summary->op_counts[o]);

  g_string_append_printf (s, "\n%-16s %6s %12s %12s\n", "op class", "nodes", "params", "MACs");
  for (guint c = 0; c < QS_N_OP_CLASSES; c++)
    {
      if (summary->class_nodes[c] == 0 && summary->class_params[c] == 0)
        continue;
      g_string_append_printf (s, "  %-14s %6u ", qs_op_class_name (c), summary->class_nodes[c]);
      g_string_append_printf (s, "%12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT "\n",
                              summary->class_params[c], summary->class_macs[c]);
    }

  g_string_append_printf (s, "\nwrapped regions (%u)\n", graph->n_wrapped);
  for (QsId w = 0; w < graph->n_wrapped; w++)
    append_wrapped_text (s, graph, &graph->wrapped[w]);

  g_string_append_printf (s, "\nwarnings (%u)\n", summary->warnings->len);
  for (guint i = 0; i < summary->warnings->len; i++)
    g_string_append_printf (s, "  %s\n", (char *) summary->warnings->pdata[i]);
  return g_string_free (s, FALSE);
}

static void
add_wrapped_json (JsonBuilder *b,
                  QsGraph     *graph)
{
  json_builder_set_member_name (b, "wrapped");
  json_builder_begin_array (b);
  for (QsId i = 0; i < graph->n_wrapped; i++)
    {
      const QsWrapped *w = &graph->wrapped[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, w->name);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, qs_wrap_kind_name (w->kind));
      json_builder_set_member_name (b, "node");
      if (w->node != QS_ID_NONE)
        json_builder_add_string_value (b, graph->nodes[w->node].name);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "modules");
      json_builder_begin_array (b);
      for (guint k = 0; k < w->n_modules; k++)
        json_builder_add_string_value (b, graph->modules[w->modules[k]].path);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "n_inputs");
      json_builder_add_int_value (b, w->n_inputs);
      json_builder_set_member_name (b, "n_outputs");
      json_builder_add_int_value (b, w->n_outputs);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_counts_json (JsonBuilder          *b,
                 const QsGraphSummary *summary)
{
  json_builder_set_member_name (b, "nodes_by_kind");
  json_builder_begin_object (b);
  for (guint k = 0; k < QS_N_NODE_KINDS; k++)
    if (summary->kind_counts[k] > 0)
      {
        json_builder_set_member_name (b, qs_node_kind_name (k));
        json_builder_add_int_value (b, summary->kind_counts[k]);
      }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "nodes_by_op");
  json_builder_begin_object (b);
  for (guint o = 0; o < QS_N_OPS; o++)
    if (summary->op_counts[o] > 0)
      {
        json_builder_set_member_name (b, qs_op_name (o));
        json_builder_add_int_value (b, summary->op_counts[o]);
      }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "op_classes");
  json_builder_begin_object (b);
  for (guint c = 0; c < QS_N_OP_CLASSES; c++)
    {
      if (summary->class_nodes[c] == 0 && summary->class_params[c] == 0)
        continue;
      json_builder_set_member_name (b, qs_op_class_name (c));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "nodes");
      json_builder_add_int_value (b, summary->class_nodes[c]);
      json_builder_set_member_name (b, "params");
      json_builder_add_int_value (b, (gint64) summary->class_params[c]);
      json_builder_set_member_name (b, "macs");
      json_builder_add_int_value (b, (gint64) summary->class_macs[c]);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

char *
qs_graph_summary_to_json (const QsGraphSummary *summary,
                          QsGraph              *graph)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, graph->filename ? graph->filename : "");
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, graph->name ? graph->name : "");
  json_builder_set_member_name (b, "nodes");
  json_builder_add_int_value (b, summary->n_nodes);
  json_builder_set_member_name (b, "values");
  json_builder_add_int_value (b, summary->n_values);
  json_builder_set_member_name (b, "modules");
  json_builder_add_int_value (b, summary->n_modules);
  json_builder_set_member_name (b, "params");
  json_builder_add_int_value (b, (gint64) summary->total_params);
  json_builder_set_member_name (b, "buffers");
  json_builder_add_int_value (b, (gint64) summary->total_buffers);
  json_builder_set_member_name (b, "macs");
  json_builder_add_int_value (b, (gint64) summary->total_macs);
  json_builder_set_member_name (b, "weights_loaded");
  json_builder_add_boolean_value (b, graph->weights != NULL);
  add_counts_json (b, summary);
  add_wrapped_json (b, graph);
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < summary->warnings->len; i++)
    json_builder_add_string_value (b, summary->warnings->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}
