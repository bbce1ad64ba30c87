/* qs-graph-json-write.c: the *.qsgraph.json writer
 *
 * Written by hand rather than through a JsonGenerator so the output is
 * stable and diff-friendly: one module, value or node per line, members in
 * a fixed order, metadata keys sorted.
 */
#include "config.h"

#include "qs-graph-json.h"

#include <math.h>
#include <string.h>

#include "qs-error.h"

static void
append_string (GString    *s,
               const char *str)
{
  g_string_append_c (s, '"');
  for (const char *p = str; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (s, "\\\""); break;
        case '\\': g_string_append (s, "\\\\"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\r': g_string_append (s, "\\r"); break;
        case '\t': g_string_append (s, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (s, "\\u%04x", c);
          else
            g_string_append_c (s, (char) c);
        }
    }
  g_string_append_c (s, '"');
}

static void
append_double (GString *s,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    {
      /* JSON has no inf/nan: keep the Python spelling as a repr. */
      g_string_append_printf (s, "{\"repr\": \"%s\"}",
                              isnan (v) ? "nan" : v > 0 ? "inf" : "-inf");
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  g_string_append (s, buf);
  /* Keep floats floats: 1.0 must not read back as the integer 1. */
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (s, ".0");
}

static void
append_attr (GString      *s,
             const QsAttr *a)
{
  switch (a->kind)
    {
    case QS_ATTR_NONE:
      g_string_append (s, "null");
      break;
    case QS_ATTR_BOOL:
      g_string_append (s, a->b ? "true" : "false");
      break;
    case QS_ATTR_INT:
      g_string_append_printf (s, "%" G_GINT64_FORMAT, a->i);
      break;
    case QS_ATTR_FLOAT:
      append_double (s, a->f);
      break;
    case QS_ATTR_STRING:
      append_string (s, a->s);
      break;
    case QS_ATTR_REPR:
      g_string_append (s, "{\"repr\": ");
      append_string (s, a->s);
      g_string_append_c (s, '}');
      break;
    case QS_ATTR_JSON:
      g_string_append (s, a->s);
      break;
    case QS_ATTR_INTS:
      g_string_append_c (s, '[');
      for (guint i = 0; i < a->n; i++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", a->ints[i]);
      g_string_append_c (s, ']');
      break;
    case QS_ATTR_FLOATS:
      g_string_append_c (s, '[');
      for (guint i = 0; i < a->n; i++)
        {
          if (i > 0)
            g_string_append (s, ", ");
          append_double (s, a->floats[i]);
        }
      g_string_append_c (s, ']');
      break;
    case QS_ATTR_VALUE:
      g_string_append_printf (s, "{\"value\": %u}", a->value);
      break;
    case QS_ATTR_VALUES:
      g_string_append_c (s, '[');
      for (guint i = 0; i < a->n; i++)
        g_string_append_printf (s, "%s{\"value\": %u}", i ? ", " : "", a->values[i]);
      g_string_append_c (s, ']');
      break;
    default:
      g_string_append (s, "null");
      break;
    }
}

static gboolean
is_positional (const QsAttr *a)
{
  return g_ascii_isdigit (a->name[0]);
}

static void
append_object_attrs (GString      *s,
                     const QsAttr *attrs,
                     guint         n,
                     gboolean      keywords_only)
{
  gboolean first = TRUE;

  g_string_append_c (s, '{');
  for (guint i = 0; i < n; i++)
    {
      if (keywords_only && is_positional (&attrs[i]))
        continue;
      g_string_append (s, first ? "" : ", ");
      append_string (s, attrs[i].name);
      g_string_append (s, ": ");
      append_attr (s, &attrs[i]);
      first = FALSE;
    }
  g_string_append_c (s, '}');
}

static void
append_ids (GString    *s,
            const QsId *ids,
            guint       n)
{
  g_string_append_c (s, '[');
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%u", i ? ", " : "", ids[i]);
  g_string_append_c (s, ']');
}

static void
append_type (GString      *s,
             const QsType *t)
{
  g_string_append (s, "\"dtype\": ");
  append_string (s, qs_dtype_name (t->dtype));
  if (qs_type_is_tensor (t))
    {
      g_string_append (s, ", \"shape\": [");
      for (guint i = 0; i < t->rank; i++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", t->dims[i]);
      g_string_append_c (s, ']');
    }
}

static void
write_module (GString        *s,
              const QsModule *m)
{
  g_string_append (s, "    {\"path\": ");
  append_string (s, m->path);
  g_string_append (s, ", \"type\": ");
  append_string (s, m->type);
  if (m->n_attrs > 0)
    {
      g_string_append (s, ", \"attrs\": ");
      append_object_attrs (s, m->attrs, m->n_attrs, FALSE);
    }
  for (guint l = 0; l < 2; l++)
    {
      gboolean first = TRUE;

      for (guint i = 0; i < m->n_params; i++)
        {
          if (m->params[i].is_buffer != (l == 1))
            continue;
          g_string_append (s, first ? (l ? ", \"buffers\": [" : ", \"params\": [") : ", ");
          g_string_append (s, "{\"name\": ");
          append_string (s, m->params[i].name);
          g_string_append (s, ", ");
          append_type (s, &m->params[i].type);
          g_string_append_c (s, '}');
          first = FALSE;
        }
      if (!first)
        g_string_append_c (s, ']');
    }
  g_string_append_c (s, '}');
}

static void
write_value (GString       *s,
             const QsValue *v,
             QsId           id)
{
  g_string_append_printf (s, "    {\"id\": %u, ", id);
  append_type (s, &v->type);
  if (v->n_elements > 0)
    {
      g_string_append (s, ", \"elements\": [");
      for (guint i = 0; i < v->n_elements; i++)
        {
          g_string_append (s, i ? ", {" : "{");
          append_type (s, &v->elements[i]);
          g_string_append_c (s, '}');
        }
      g_string_append_c (s, ']');
    }
  g_string_append_c (s, '}');
}

static void
write_node (GString      *s,
            const QsNode *node,
            QsId          id)
{
  gboolean has_kwargs = FALSE;

  g_string_append_printf (s, "    {\"id\": %u, \"name\": ", id);
  append_string (s, node->name);
  g_string_append (s, ", \"kind\": ");
  append_string (s, qs_node_kind_name (node->kind));
  g_string_append (s, ", \"target\": ");
  append_string (s, node->target);
  g_string_append (s, ", \"inputs\": ");
  append_ids (s, node->inputs, node->n_inputs);
  g_string_append (s, ", \"outputs\": ");
  append_ids (s, node->outputs, node->n_outputs);
  g_string_append (s, ", \"args\": [");
  for (guint i = 0, k = 0; i < node->n_attrs; i++)
    {
      if (!is_positional (&node->attrs[i]))
        {
          has_kwargs = TRUE;
          continue;
        }
      g_string_append (s, k++ ? ", " : "");
      append_attr (s, &node->attrs[i]);
    }
  g_string_append_c (s, ']');
  if (has_kwargs)
    {
      g_string_append (s, ", \"kwargs\": ");
      append_object_attrs (s, node->attrs, node->n_attrs, TRUE);
    }
  if (node->n_fused > 0)
    {
      g_string_append (s, ", \"fused\": [");
      for (guint i = 0; i < node->n_fused; i++)
        {
          g_string_append (s, i ? ", {\"name\": " : "{\"name\": ");
          append_string (s, node->fused[i].name);
          g_string_append (s, ", \"kind\": ");
          append_string (s, qs_node_kind_name (node->fused[i].kind));
          g_string_append (s, ", \"target\": ");
          append_string (s, node->fused[i].target);
          g_string_append_printf (s, ", \"inputs\": %u}", node->fused[i].n_inputs);
        }
      g_string_append_c (s, ']');
    }
  if (node->scope != NULL)
    {
      g_string_append (s, ", \"scope\": ");
      append_string (s, node->scope);
    }
  if (node->wrapped != QS_ID_NONE)
    g_string_append_printf (s, ", \"wrapped\": %u", node->wrapped);
  if (node->source_file != NULL || node->source_code != NULL)
    {
      g_string_append (s, ", \"source\": {\"file\": ");
      append_string (s, node->source_file ? node->source_file : "");
      g_string_append_printf (s, ", \"line\": %u", node->source_line);
      if (node->source_code != NULL)
        {
          g_string_append (s, ", \"code\": ");
          append_string (s, node->source_code);
        }
      g_string_append_c (s, '}');
    }
  g_string_append_c (s, '}');
}

static void
write_wrapped (GString         *s,
               const QsGraph   *graph,
               const QsWrapped *w)
{
  g_string_append (s, "    {\"name\": ");
  append_string (s, w->name);
  g_string_append (s, ", \"kind\": ");
  append_string (s, qs_wrap_kind_name (w->kind));
  g_string_append_printf (s, ", \"node\": %d", w->node == QS_ID_NONE ? -1 : (int) w->node);
  if (w->n_nodes > 0)
    {
      g_string_append (s, ", \"nodes\": ");
      append_ids (s, w->nodes, w->n_nodes);
    }
  g_string_append (s, ", \"modules\": [");
  for (guint i = 0; i < w->n_modules; i++)
    {
      g_string_append (s, i ? ", " : "");
      append_string (s, graph->modules[w->modules[i]].path);
    }
  g_string_append (s, "], \"inputs\": ");
  append_ids (s, w->inputs, w->n_inputs);
  g_string_append (s, ", \"outputs\": ");
  append_ids (s, w->outputs, w->n_outputs);
  g_string_append_c (s, '}');
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      data)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
write_header (GString *s,
              QsGraph *graph)
{
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;
  const char *factory = g_hash_table_lookup (graph->metadata, "factory");
  gboolean first = TRUE;

  g_string_append_printf (s, "{\n  \"format\": \"quantscope-graph\",\n  \"version\": %d,\n",
                          QS_GRAPH_FORMAT_VERSION);
  g_string_append (s, "  \"producer\": {\"name\": \"quantscope\", \"version\": \""
                      PACKAGE_VERSION "\"},\n");
  g_string_append (s, "  \"model\": {\"name\": ");
  append_string (s, graph->name ? graph->name : "");
  if (factory != NULL)
    {
      g_string_append (s, ", \"factory\": ");
      append_string (s, factory);
    }
  g_string_append (s, ", \"metadata\": {");
  keys = g_hash_table_get_keys_as_array (graph->metadata, &n_keys);
  g_qsort_with_data (keys, n_keys, sizeof (gpointer), compare_strings, NULL);
  for (guint i = 0; i < n_keys; i++)
    {
      if (strcmp (keys[i], "factory") == 0)
        continue;
      g_string_append (s, first ? "" : ", ");
      append_string (s, keys[i]);
      g_string_append (s, ": ");
      append_string (s, g_hash_table_lookup (graph->metadata, keys[i]));
      first = FALSE;
    }
  g_string_append (s, "}},\n  \"weights\": ");
  if (graph->weights_file != NULL)
    append_string (s, graph->weights_file);
  else
    g_string_append (s, "null");
  g_string_append (s, ",\n");
}

char *
qs_graph_to_json (QsGraph *graph,
                  gsize   *length)
{
  GString *s;

  g_return_val_if_fail (graph != NULL, NULL);

  s = g_string_sized_new (256 * (graph->n_nodes + graph->n_modules + 4));
  write_header (s, graph);
  g_string_append (s, "  \"modules\": [\n");
  for (QsId m = 0; m < graph->n_modules; m++)
    {
      write_module (s, &graph->modules[m]);
      g_string_append (s, m + 1 < graph->n_modules ? ",\n" : "\n");
    }
  g_string_append (s, "  ],\n  \"values\": [\n");
  for (QsId v = 0; v < graph->n_values; v++)
    {
      write_value (s, &graph->values[v], v);
      g_string_append (s, v + 1 < graph->n_values ? ",\n" : "\n");
    }
  g_string_append (s, "  ],\n  \"nodes\": [\n");
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      write_node (s, &graph->nodes[n], n);
      g_string_append (s, n + 1 < graph->n_nodes ? ",\n" : "\n");
    }
  g_string_append (s, "  ],\n  \"wrapped\": [\n");
  for (QsId w = 0; w < graph->n_wrapped; w++)
    {
      write_wrapped (s, graph, &graph->wrapped[w]);
      g_string_append (s, w + 1 < graph->n_wrapped ? ",\n" : "\n");
    }
  g_string_append (s, "  ]\n}\n");
  if (length != NULL)
    *length = s->len;
  return g_string_free (s, FALSE);
}

gboolean
qs_graph_save (QsGraph     *graph,
               const char  *filename,
               GError     **error)
{
  g_autofree char *json = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  g_return_val_if_fail (graph != NULL, FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);

  json = qs_graph_to_json (graph, &len);
  /* g_file_set_contents writes a temporary file, fsyncs and renames. */
  if (!g_file_set_contents_full (filename, json, len, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, &local))
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: cannot save the graph: %s",
                        filename, local->message), FALSE;
  return TRUE;
}
