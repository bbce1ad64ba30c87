/* qs-pipeline-report.c: JSON and HTML reports of a pipeline run
 *
 * The HTML page is self-contained (inline CSS and SVG, no scripts) so it
 * can be attached to a CI run or mailed. Every number in it comes from the
 * result; nothing is typed in.
 */
#include "qs-pipeline-private.h"

#include <json-glib/json-glib.h>
#include <math.h>

static void
member_double (JsonBuilder *b,
               const char  *name,
               double       v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b); /* JSON has no inf: an exact match */
}

static void
member_string (JsonBuilder *b,
               const char  *name,
               const char  *v)
{
  json_builder_set_member_name (b, name);
  if (v != NULL)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_estimate_json (JsonBuilder          *b,
                   const QsCostEstimate *e,
                   const QsGraph        *g)
{
  json_builder_set_member_name (b, "latency");
  json_builder_begin_object (b);
  member_double (b, "total_ms", e->total_us / 1000);
  member_double (b, "bpu_ms", e->bpu_us / 1000);
  member_double (b, "cpu_ms", e->cpu_us / 1000);
  member_double (b, "host_ms", e->host_us / 1000);
  member_double (b, "fps_1_thread", e->fps_1);
  member_double (b, "fps_n_threads", e->fps_n);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, e->threads);
  json_builder_set_member_name (b, "ddr_bytes");
  json_builder_add_int_value (b, (gint64) e->ddr_bytes);
  json_builder_set_member_name (b, "macs");
  json_builder_add_int_value (b, (gint64) e->macs);
  member_double (b, "int16_mac_share", e->macs ? (double) e->macs_int16 / e->macs : 0);
  json_builder_set_member_name (b, "calibrated");
  json_builder_add_boolean_value (b, e->calibrated);
  json_builder_set_member_name (b, "by_op_class_ms");
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
  json_builder_end_object (b);
}

static const QsAccuracyEntry *
accuracy_for (const QsPipelineResult *r,
              QsId                    node)
{
  for (guint i = 0; r->accuracy && i < r->accuracy->entries->len; i++)
    {
      const QsAccuracyEntry *e = &g_array_index (r->accuracy->entries, QsAccuracyEntry, i);

      if (e->node == node)
        return e;
    }
  return NULL;
}

static void
add_nodes_json (JsonBuilder            *b,
                const QsPipelineResult *r)
{
  const QsGraph *g = r->prepared->graph;

  json_builder_set_member_name (b, "nodes");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->estimate->nodes->len; i++)
    {
      const QsNodeCost *c = &g_array_index (r->estimate->nodes, QsNodeCost, i);
      const QsAccuracyEntry *a = accuracy_for (r, c->node);

      json_builder_begin_object (b);
      member_string (b, "name", g->nodes[c->node].name);
      member_string (b, "op", qs_op_name (g->nodes[c->node].op));
      member_string (b, "replaced_by", r->prepared->replaced[c->node]);
      member_string (b, "activation", qs_qdtype_name (c->activation));
      member_double (b, "time_us", c->time_us);
      member_string (b, "bound", qs_bound_name (c->bound));
      json_builder_set_member_name (b, "macs");
      json_builder_add_int_value (b, (gint64) c->macs);
      if (a != NULL)
        {
          member_double (b, "sqnr_db", a->q.sqnr_db);
          member_double (b, "cosine", a->q.cosine);
          member_double (b, "max_abs_error", a->q.max_abs);
          member_string (b, "error_cause", a->cause);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

char *
qs_pipeline_result_to_json (const QsPipelineResult *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  member_string (b, "project", r->project_file);
  member_string (b, "name", r->name);
  member_string (b, "graph", r->project->graph_path);
  member_string (b, "march", qs_march_name (r->project->march));
  member_string (b, "qconfig", qs_qkind_name (qs_rule_set_get_kind (r->project->rules)));
  member_string (b, "calibration_data", r->data_label);
  json_builder_set_member_name (b, "synthetic_data");
  json_builder_add_boolean_value (b, r->synthetic);
  json_builder_set_member_name (b, "fusion_groups");
  json_builder_add_int_value (b, r->prepared->fusion->groups->len);
  json_builder_set_member_name (b, "observers");
  json_builder_add_int_value (b, r->prepared->observers->len);
  member_double (b, "output_sqnr_db", qs_pipeline_result_get_output_sqnr (r));
  add_estimate_json (b, r->estimate, r->prepared->graph);
  json_builder_set_member_name (b, "seconds");
  json_builder_begin_object (b);
  for (guint s = 0; s < QS_N_STEPS; s++)
    member_double (b, qs_step_name (s), r->seconds[s]);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->warnings->len; i++)
    json_builder_add_string_value (b, r->warnings->pdata[i]);
  json_builder_end_array (b);
  add_nodes_json (b, r);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/* HTML */

static void
esc (GString    *s,
     const char *text)
{
  g_autofree char *e = g_markup_escape_text (text ? text : "", -1);

  g_string_append (s, e);
}

/* A right-aligned number cell; an infinite SQNR means an exact match. */
static void
cell_double (GString *s,
             int      decimals,
             double   v)
{
  if (isfinite (v))
    g_string_append_printf (s, "<td class=n>%.*f</td>", decimals, v);
  else
    g_string_append (s, "<td class=n>exact</td>");
}

/* Time by op class as horizontal bars, in inline SVG. */
static void
append_bar_chart (GString              *s,
                  const QsCostEstimate *e)
{
  double max = 0;
  guint rows = 0, y = 0;

  for (guint c = 0; c < QS_N_OP_CLASSES; c++)
    if (e->class_us[c] > 0)
      max = MAX (max, e->class_us[c]), rows++;
  if (rows == 0)
    return;
  g_string_append_printf (s, "<svg class=chart width=620 height=%u role=img "
                             "aria-label=\"time by op class\">\n", rows * 24 + 8);
  for (guint c = 0; c < QS_N_OP_CLASSES; c++)
    {
      double w;

      if (e->class_us[c] <= 0)
        continue;
      w = 400.0 * e->class_us[c] / max;
      g_string_append_printf (s, "<text x=110 y=%u text-anchor=end>%s</text>"
                                 "<rect x=118 y=%u width=%.1f height=16 rx=3/>"
                                 "<text x=%.1f y=%u>%.3f ms (%.1f%%)</text>\n",
                              y + 16, qs_op_class_name (c), y + 4, w, 124 + w, y + 16,
                              e->class_us[c] / 1000, 100 * e->class_us[c] / e->total_us);
      y += 24;
    }
  g_string_append (s, "</svg>\n");
}

static void
append_summary (GString                *s,
                const QsPipelineResult *r)
{
  const QsCostEstimate *e = r->estimate;

  g_string_append (s, "<table class=summary>\n");
  g_string_append (s, "<tr><th>march</th><td>");
  esc (s, qs_march_name (r->project->march));
  g_string_append (s, "</td></tr>\n<tr><th>qconfig</th><td>");
  esc (s, qs_qkind_name (qs_rule_set_get_kind (r->project->rules)));
  g_string_append (s, "</td></tr>\n<tr><th>calibration data</th><td>");
  esc (s, r->data_label);
  if (r->synthetic)
    g_string_append (s, " <b>(synthetic: accuracy figures are not meaningful for real data)</b>");
  g_string_append_printf (s, "</td></tr>\n<tr><th>estimated latency</th><td>%.3f ms "
                             "(BPU %.3f, CPU %.3f, host %.3f)%s</td></tr>\n",
                          e->total_us / 1000, e->bpu_us / 1000, e->cpu_us / 1000,
                          e->host_us / 1000, e->calibrated ? "" : " — uncalibrated priors");
  g_string_append_printf (s, "<tr><th>FPS</th><td>%.1f (1 thread), %.1f (%u threads)</td></tr>\n",
                          e->fps_1, e->fps_n, e->threads);
  g_string_append_printf (s, "<tr><th>MACs</th><td>%.3f G, int16 share %.1f%%</td></tr>\n",
                          e->macs / 1e9, e->macs ? 100.0 * e->macs_int16 / e->macs : 0);
  g_string_append_printf (s, "<tr><th>DDR per run</th><td>%.2f MB</td></tr>\n",
                          e->ddr_bytes / 1e6);
  g_string_append_printf (s, "<tr><th>fusion</th><td>%u groups, %u near-misses; %u observers"
                             "</td></tr>\n", r->prepared->fusion->groups->len,
                          r->prepared->fusion->near_misses->len, r->prepared->observers->len);
  g_string_append (s, "</table>\n");
}

static void
append_outputs_table (GString                *s,
                      const QsPipelineResult *r)
{
  g_string_append (s, "<h2>Model outputs (integer vs float)</h2>\n<table>\n<tr><th>output"
                      "</th><th>SQNR dB</th><th>cosine</th><th>max abs error</th>"
                      "<th>fake-quant SQNR dB</th><th>within 1 LSB of fake-quant</th></tr>\n");
  for (guint i = 0; i < r->accuracy->entries->len; i++)
    {
      const QsAccuracyEntry *a = &g_array_index (r->accuracy->entries, QsAccuracyEntry, i);

      if (!a->is_output)
        continue;
      g_string_append (s, "<tr><td>");
      esc (s, a->name);
      g_string_append (s, "</td>");
      cell_double (s, 2, a->q.sqnr_db);
      g_string_append_printf (s, "<td class=n>%.6f</td><td class=n>%.4g</td>", a->q.cosine,
                              a->q.max_abs);
      cell_double (s, 2, a->fq.sqnr_db);
      g_string_append_printf (s, "<td class=n>%.3f%%</td></tr>\n", 100 * a->lsb_within1);
    }
  g_string_append (s, "</table>\n");
}

static void
append_nodes_table (GString                *s,
                    const QsPipelineResult *r)
{
  const QsGraph *g = r->prepared->graph;

  g_string_append (s, "<h2>Per fused kernel</h2>\n<table>\n<tr><th>node</th><th>op</th>"
                      "<th>dtype</th><th>time µs</th><th>bound</th><th>MACs</th>"
                      "<th>SQNR dB</th><th>cosine</th><th>error from</th></tr>\n");
  for (guint i = 0; i < r->estimate->nodes->len; i++)
    {
      const QsNodeCost *c = &g_array_index (r->estimate->nodes, QsNodeCost, i);
      const QsAccuracyEntry *a = accuracy_for (r, c->node);

      g_string_append (s, "<tr><td>");
      esc (s, g->nodes[c->node].name);
      g_string_append (s, "</td><td>");
      esc (s, r->prepared->replaced[c->node] ? r->prepared->replaced[c->node]
                                             : qs_op_name (g->nodes[c->node].op));
      g_string_append_printf (s, "</td><td>%s</td><td class=n>%.2f</td><td>%s</td>"
                                 "<td class=n>%" G_GUINT64_FORMAT "</td>",
                              qs_qdtype_name (c->activation), c->time_us,
                              qs_bound_name (c->bound), c->macs);
      if (a != NULL)
        {
          cell_double (s, 2, a->q.sqnr_db);
          g_string_append_printf (s, "<td class=n>%.5f</td><td>%s</td>", a->q.cosine,
                                  a->cause);
        }
      else
        g_string_append (s, "<td></td><td></td><td></td>");
      g_string_append (s, "</tr>\n");
    }
  g_string_append (s, "</table>\n");
}

char *
qs_pipeline_result_to_html (const QsPipelineResult *r)
{
  GString *s = g_string_new ("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n");

  g_string_append (s, "<title>Quantscope report: ");
  esc (s, r->name);
  g_string_append (s, "</title>\n<style>\n"
                      "body{font:14px/1.4 sans-serif;margin:2em;color:#222}\n"
                      "table{border-collapse:collapse;margin:1em 0}\n"
                      "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}\n"
                      "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
                      "table.summary th{background:#f3f3f3}\n"
                      ".chart rect{fill:#3584e4}.chart text{font-size:12px}\n"
                      ".warn{color:#a51d2d}\n</style>\n</head>\n<body>\n<h1>");
  esc (s, r->name);
  g_string_append (s, "</h1>\n<p>");
  esc (s, r->project_file);
  g_string_append (s, "</p>\n");
  for (guint i = 0; i < r->warnings->len; i++)
    {
      g_string_append (s, "<p class=warn>");
      esc (s, r->warnings->pdata[i]);
      g_string_append (s, "</p>\n");
    }
  append_summary (s, r);
  g_string_append (s, "<h2>Estimated time by op class</h2>\n");
  append_bar_chart (s, r->estimate);
  append_outputs_table (s, r);
  append_nodes_table (s, r);
  g_string_append (s, "</body>\n</html>\n");
  return g_string_free (s, FALSE);
}
