/* qs-graph-dump.c: a stable text form of the IR for golden tests
 *
 *   graph NAME
 *   module PATH : TYPE key=value ... {param[shape]:dtype ...}
 *   %ID NAME = KIND[TARGET] OP (v1, v2) -> v3:float32[1,64,56,56]  @file:line
 *   wrapped NAME KIND node=%ID modules=[a,b] in=(v0) out=(v9)
 *
 * Only data from the file and the op table appears: no addresses, no hash
 * order, so the dump changes only when the graph does.
 */
#include "qs-graph.h"

static void
append_attr_value (GString      *s,
                   const QsAttr *a)
{
  switch (a->kind)
    {
    case QS_ATTR_NONE:
      g_string_append (s, "None");
      break;
    case QS_ATTR_BOOL:
      g_string_append (s, a->b ? "True" : "False");
      break;
    case QS_ATTR_INT:
      g_string_append_printf (s, "%" G_GINT64_FORMAT, a->i);
      break;
    case QS_ATTR_FLOAT:
      g_string_append_printf (s, "%.9g", a->f);
      break;
    case QS_ATTR_STRING:
      g_string_append_printf (s, "'%s'", a->s);
      break;
    case QS_ATTR_REPR:
      g_string_append (s, a->s);
      break;
    case QS_ATTR_JSON:
      g_string_append (s, a->s);
      break;
    case QS_ATTR_INTS:
      g_string_append_c (s, '[');
      for (guint i = 0; i < a->n; i++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", a->ints[i]);
      g_string_append_c (s, ']');
      break;
    case QS_ATTR_FLOATS:
      g_string_append_c (s, '[');
      for (guint i = 0; i < a->n; i++)
        g_string_append_printf (s, "%s%.9g", i ? "," : "", a->floats[i]);
      g_string_append_c (s, ']');
      break;
    case QS_ATTR_VALUE:
      g_string_append_printf (s, "v%u", a->value);
      break;
    case QS_ATTR_VALUES:
      g_string_append_c (s, '[');
      for (guint i = 0; i < a->n; i++)
        g_string_append_printf (s, "%sv%u", i ? "," : "", a->values[i]);
      g_string_append_c (s, ']');
      break;
    default:
      g_string_append (s, "?");
      break;
    }
}

static void
append_attrs (GString      *s,
              const QsAttr *attrs,
              guint         n_attrs)
{
  for (guint i = 0; i < n_attrs; i++)
    {
      g_string_append_printf (s, " %s=", attrs[i].name);
      append_attr_value (s, &attrs[i]);
    }
}

static void
append_ids (GString    *s,
            const char *prefix,
            const QsId *ids,
            guint       n)
{
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s%u", i ? ", " : "", prefix, ids[i]);
}

static void
dump_module (GString        *s,
             const QsModule *m)
{
  g_string_append_printf (s, "module %s : %s", *m->path ? m->path : "<root>", m->type);
  append_attrs (s, m->attrs, m->n_attrs);
  if (m->n_params > 0)
    {
      g_string_append (s, " {");
      for (guint i = 0; i < m->n_params; i++)
        {
          g_string_append_printf (s, "%s%s%s:", i ? " " : "",
                                  m->params[i].is_buffer ? "buffer " : "", m->params[i].name);
          qs_type_append (&m->params[i].type, s);
        }
      g_string_append_c (s, '}');
    }
  g_string_append_c (s, '\n');
}

static void
dump_node (GString       *s,
           const QsGraph *graph,
           QsId           id)
{
  const QsNode *node = &graph->nodes[id];

  g_string_append_printf (s, "%%%u %s = %s[%s] %s (", id, node->name,
                          qs_node_kind_name (node->kind), node->target,
                          qs_op_name (node->op));
  append_ids (s, "v", node->inputs, node->n_inputs);
  g_string_append (s, ")");
  for (guint i = 0; i < node->n_outputs; i++)
    {
      const QsValue *v = &graph->values[node->outputs[i]];

      g_string_append_printf (s, "%sv%u:", i ? ", " : " -> ", node->outputs[i]);
      qs_type_append (&v->type, s);
      if (v->n_elements > 0)
        {
          g_string_append_c (s, '(');
          for (guint k = 0; k < v->n_elements; k++)
            {
              if (k > 0)
                g_string_append_c (s, ',');
              qs_type_append (&v->elements[k], s);
            }
          g_string_append_c (s, ')');
        }
    }
  if (node->n_attrs > 0)
    {
      g_string_append (s, " {");
      append_attrs (s, node->attrs, node->n_attrs);
      g_string_append (s, " }");
    }
  if (node->n_fused > 0)
    {
      g_string_append (s, " fused=[");
      for (guint i = 0; i < node->n_fused; i++)
        g_string_append_printf (s, "%s%s:%s/%u", i ? "," : "", node->fused[i].name,
                                qs_op_name (node->fused[i].op), node->fused[i].n_inputs);
      g_string_append_c (s, ']');
    }
  if (node->wrapped != QS_ID_NONE)
    g_string_append_printf (s, " wrapped=%u", node->wrapped);
  if (node->scope != NULL && *node->scope)
    g_string_append_printf (s, " scope=%s", node->scope);
  if (node->source_file != NULL)
    g_string_append_printf (s, "  @%s:%u", node->source_file, node->source_line);
  g_string_append_c (s, '\n');
}

static void
dump_wrapped (GString         *s,
              const QsGraph   *graph,
              const QsWrapped *w)
{
  g_string_append_printf (s, "wrapped %s %s", w->name, qs_wrap_kind_name (w->kind));
  if (w->node != QS_ID_NONE)
    g_string_append_printf (s, " node=%%%u", w->node);
  if (w->n_nodes > 0)
    {
      g_string_append (s, " nodes=[");
      append_ids (s, "%", w->nodes, w->n_nodes);
      g_string_append_c (s, ']');
    }
  g_string_append (s, " modules=[");
  for (guint i = 0; i < w->n_modules; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "", graph->modules[w->modules[i]].path);
  g_string_append (s, "] in=(");
  append_ids (s, "v", w->inputs, w->n_inputs);
  g_string_append (s, ") out=(");
  append_ids (s, "v", w->outputs, w->n_outputs);
  g_string_append (s, ")\n");
}

char *
qs_graph_dump (QsGraph *graph)
{
  GString *s;

  g_return_val_if_fail (graph != NULL, NULL);

  s = g_string_sized_new (128 * (graph->n_nodes + graph->n_modules + 1));
  g_string_append_printf (s, "graph %s\n", graph->name ? graph->name : "");
  for (QsId m = 0; m < graph->n_modules; m++)
    dump_module (s, &graph->modules[m]);
  for (QsId n = 0; n < graph->n_nodes; n++)
    dump_node (s, graph, n);
  for (QsId w = 0; w < graph->n_wrapped; w++)
    dump_wrapped (s, graph, &graph->wrapped[w]);
  return g_string_free (s, FALSE);
}
