/* qs-cost-report.c: text and JSON reports of a latency estimate */
#include "config.h"

#include <json-glib/json-glib.h>

#include "qs-cost.h"

static const char *
node_label (const QsGraph *g,
            const QsNode  *node,
            GString       *buf)
{
  g_string_truncate (buf, 0);
  g_string_append (buf, qs_op_name (node->op));
  for (guint i = 0; i < node->n_fused; i++)
    g_string_append_printf (buf, "+%s", qs_op_name (node->fused[i].op));
  return buf->str;
}

/* "qint8" -> "int8"; others as they are */
static const char *
short_dtype (QsQdtype dtype)
{
  const char *name = qs_qdtype_name (dtype);

  return name[0] == 'q' ? name + 1 : name;
}

static void
append_si (GString *s,
           double   v,
           const char *unit)
{
  static const char *prefixes[] = { "", "k", "M", "G", "T" };
  guint u = 0;

  while (v >= 1000.0 && u + 1 < G_N_ELEMENTS (prefixes))
    v /= 1000.0, u++;
  g_string_append_printf (s, u == 0 ? "%.0f %s%s" : "%.2f %s%s", v, prefixes[u], unit);
}

static void
append_nodes (GString              *s,
              const QsCostEstimate *e,
              const QsGraph        *g)
{
  g_autoptr(GString) label = g_string_new (NULL);

  g_string_append_printf (s, "%-32s %-28s %-8s %-7s %10s %10s %9s %6s\n", "node", "kernel",
                          "bound", "dtype", "MACs", "DDR B", "time us", "share");
  for (guint i = 0; i < e->nodes->len; i++)
    {
      const QsNodeCost *c = &g_array_index (e->nodes, QsNodeCost, i);
      const QsNode *node = &g->nodes[c->node];
      g_autofree char *dtype = c->weight == QS_QDTYPE_FLOAT || c->on_cpu
                               ? g_strdup (qs_qdtype_name (c->activation))
                               : g_strdup_printf ("%s/%s", short_dtype (c->activation),
                                                  short_dtype (c->weight));

      g_string_append_printf (s, "%-32s %-28s %-8s %-7s %10" G_GUINT64_FORMAT " %10"
                              G_GUINT64_FORMAT " %9.2f %5.1f%%\n", node->name,
                              node_label (g, node, label), qs_bound_name (c->bound), dtype,
                              c->macs, c->ddr_bytes, c->time_us,
                              100.0 * c->time_us / MAX (e->total_us, 1e-9));
    }
}

char *
qs_cost_estimate_to_text (const QsCostEstimate *e,
                          const QsGraph        *g)
{
  g_autoptr(GString) s = g_string_new (NULL);
  double mac_total = (double) MAX (e->macs_int8 + e->macs_int16 + e->macs_fp16
                                   + e->macs_float, 1);

  g_string_append_printf (s, "graph %s on %s%s: %.3f ms per inference (1 thread)\n",
                          g->name != NULL ? g->name : "?", qs_march_name (e->march),
                          e->calibrated ? "" : " (UNCALIBRATED: parameters are priors)",
                          e->total_us / 1000.0);
  append_nodes (s, e, g);
  g_string_append_printf (s, "\nsummary\n  BPU kernels  %9.3f ms\n  CPU fallback %9.3f ms\n"
                          "  host and I/O %9.3f ms\n  total        %9.3f ms\n",
                          e->bpu_us / 1000, e->cpu_us / 1000, e->host_us / 1000,
                          e->total_us / 1000);
  g_string_append_printf (s, "  FPS          %9.1f (1 thread), %.1f (%u threads)\n", e->fps_1,
                          e->fps_n, e->threads);
  g_string_append (s, "  MACs         ");
  append_si (s, (double) e->macs, "MAC");
  g_string_append_printf (s, ": int8 %.1f%%, int16 %.1f%%, fp16 %.1f%%, float (CPU) %.1f%%\n",
                          100.0 * e->macs_int8 / mac_total, 100.0 * e->macs_int16 / mac_total,
                          100.0 * e->macs_fp16 / mac_total, 100.0 * e->macs_float / mac_total);
  g_string_append (s, "  DDR per run  ");
  append_si (s, (double) e->ddr_bytes, "B");
  g_string_append (s, "\nby op class\n");
  for (guint c = 0; c < QS_N_OP_CLASSES; c++)
    if (e->class_us[c] > 0)
      g_string_append_printf (s, "  %-14s %9.3f ms %5.1f%%\n", qs_op_class_name (c),
                              e->class_us[c] / 1000, 100.0 * e->class_us[c] / e->total_us);
  g_string_append (s, "by bound\n");
  for (guint b = 0; b < QS_N_BOUNDS; b++)
    if (e->bound_us[b] > 0)
      g_string_append_printf (s, "  %-14s %9.3f ms %5.1f%%\n", qs_bound_name (b),
                              e->bound_us[b] / 1000, 100.0 * e->bound_us[b] / e->total_us);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
member_double (JsonBuilder *b,
               const char  *name,
               double       v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v);
}

static void
member_int (JsonBuilder *b,
            const char  *name,
            guint64      v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, (gint64) v);
}

static void
member_string (JsonBuilder *b,
               const char  *name,
               const char  *v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, v);
}

static void
add_json_nodes (JsonBuilder          *b,
                const QsCostEstimate *e,
                const QsGraph        *g)
{
  g_autoptr(GString) label = g_string_new (NULL);

  json_builder_set_member_name (b, "nodes");
  json_builder_begin_array (b);
  for (guint i = 0; i < e->nodes->len; i++)
    {
      const QsNodeCost *c = &g_array_index (e->nodes, QsNodeCost, i);
      const QsNode *node = &g->nodes[c->node];

      json_builder_begin_object (b);
      member_string (b, "name", node->name);
      member_string (b, "kernel", node_label (g, node, label));
      member_string (b, "class", qs_op_class_name (c->op_class));
      member_string (b, "bound", qs_bound_name (c->bound));
      member_string (b, "activation", qs_qdtype_name (c->activation));
      member_string (b, "weight", qs_qdtype_name (c->weight));
      member_double (b, "time_us", c->time_us);
      member_double (b, "compute_us", c->compute_us);
      member_double (b, "memory_us", c->memory_us);
      member_double (b, "fixed_us", c->fixed_us);
      member_double (b, "extra_us", c->extra_us);
      member_int (b, "macs", c->macs);
      member_int (b, "ddr_bytes", c->ddr_bytes);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

char *
qs_cost_estimate_to_json (const QsCostEstimate *e,
                          const QsGraph        *g)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  member_string (b, "graph", g->name != NULL ? g->name : "");
  member_string (b, "march", qs_march_name (e->march));
  json_builder_set_member_name (b, "calibrated");
  json_builder_add_boolean_value (b, e->calibrated);
  member_double (b, "total_ms", e->total_us / 1000);
  member_double (b, "bpu_ms", e->bpu_us / 1000);
  member_double (b, "cpu_ms", e->cpu_us / 1000);
  member_double (b, "host_ms", e->host_us / 1000);
  member_double (b, "fps_1", e->fps_1);
  member_int (b, "threads", e->threads);
  member_double (b, "fps_n", e->fps_n);
  member_int (b, "ddr_bytes", e->ddr_bytes);
  member_int (b, "io_bytes", e->io_bytes);
  member_int (b, "macs", e->macs);
  member_int (b, "macs_int8", e->macs_int8);
  member_int (b, "macs_int16", e->macs_int16);
  member_int (b, "macs_fp16", e->macs_fp16);
  member_int (b, "macs_float", e->macs_float);
  json_builder_set_member_name (b, "by_class_ms");
  json_builder_begin_object (b);
  for (guint c = 0; c < QS_N_OP_CLASSES; c++)
    if (e->class_us[c] > 0)
      member_double (b, qs_op_class_name (c), e->class_us[c] / 1000);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "by_bound_ms");
  json_builder_begin_object (b);
  for (guint k = 0; k < QS_N_BOUNDS; k++)
    if (e->bound_us[k] > 0)
      member_double (b, qs_bound_name (k), e->bound_us[k] / 1000);
  json_builder_end_object (b);
  add_json_nodes (b, e, g);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}
