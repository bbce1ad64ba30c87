/* bench-graph: import and verify a synthetic 50,000-node graph
 *
 * Builds a ResNet-like graph (conv -> bn -> relu blocks with residual adds,
 * every conv its own module with weights listed), serialises it to JSON,
 * then times qs_graph_load_from_data () (parse + build + analyse + verify)
 * against the bare json-glib parse of the same text, measured in the same
 * run. Prints seconds, the ratio, bytes per node and the peak RSS growth.
 *
 *   bench-graph [N_NODES] [REPEATS]
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qs-graph-json.h"

static gsize
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  p = strstr (status, "VmHWM:");
  return p ? (gsize) g_ascii_strtoull (p + 6, NULL, 10) : 0;
}

static QsId
add_conv (QsGraph *g, guint i, QsId x, gint64 c, gint64 hw)
{
  char path[64];
  gint64 k[] = { 3, 3 }, one[] = { 1, 1 }, dims[] = { 1, c, hw, hw }, wdims[] = { c, c, 3, 3 };
  QsAttr attrs[] = {
    { .name = "in_channels", .kind = QS_ATTR_INT, .i = c },
    { .name = "out_channels", .kind = QS_ATTR_INT, .i = c },
    { .name = "kernel_size", .kind = QS_ATTR_INTS, .n = 2, .ints = k },
    { .name = "stride", .kind = QS_ATTR_INTS, .n = 2, .ints = one },
    { .name = "padding", .kind = QS_ATTR_INTS, .n = 2, .ints = one },
  };
  QsParam p = { .name = "weight" };
  QsAttr arg = { .name = "0", .kind = QS_ATTR_VALUE, .value = x };
  QsType t;
  QsId m, n;

  g_snprintf (path, sizeof path, "layer%u.conv", i);
  m = qs_graph_add_module (g, path, "torch.nn.Conv2d");
  qs_type_set_tensor (&p.type, QS_DTYPE_FLOAT32, 4, wdims);
  qs_graph_module_set_attrs (g, m, attrs, G_N_ELEMENTS (attrs));
  qs_graph_module_set_params (g, m, &p, 1);
  qs_type_set_tensor (&t, QS_DTYPE_FLOAT32, 4, dims);
  n = qs_graph_add_op (g, QS_NODE_CALL_MODULE, path, path, &x, 1, &t);
  qs_graph_node_set_attrs (g, n, &arg, 1);
  qs_graph_node_set_source (g, n, "models/synthetic.py", 10 + i % 50, "x = self.conv(x)");
  return g->nodes[n].outputs[0];
}

static QsGraph *
build (guint n_nodes)
{
  QsGraph *g = qs_graph_new ();
  gint64 dims[] = { 1, 64, 56, 56 };
  QsType t;
  QsId x, skip;
  char name[64];

  qs_graph_set_name (g, "synthetic");
  qs_graph_add_module (g, "", "Synthetic");
  qs_type_set_tensor (&t, QS_DTYPE_FLOAT32, 4, dims);
  x = qs_graph_add_op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, &t);
  x = skip = g->nodes[x].outputs[0];
  for (guint i = 0; g->n_nodes + 3 < n_nodes; i++)
    {
      QsId in[2], n;

      x = add_conv (g, i, x, 64, 56);
      g_snprintf (name, sizeof name, "relu_%u", i);
      n = qs_graph_add_op (g, QS_NODE_CALL_METHOD, name, "relu", &x, 1, &t);
      x = g->nodes[n].outputs[0];
      if (i % 2 == 1)
        {
          in[0] = x;
          in[1] = skip;
          g_snprintf (name, sizeof name, "add_%u", i);
          n = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, name, "operator.add", in, 2, &t);
          x = g->nodes[n].outputs[0];
          skip = x;
        }
    }
  qs_graph_add_op (g, QS_NODE_OUTPUT, "output", NULL, &x, 1, NULL);
  return g;
}

int
main (int argc, char **argv)
{
  guint n_nodes = argc > 1 ? (guint) atoi (argv[1]) : 50000;
  guint repeats = argc > 2 ? (guint) atoi (argv[2]) : 3;
  g_autoptr(QsGraph) src = build (n_nodes);
  gsize len, rss_before, rss_after;
  g_autofree char *json = qs_graph_to_json (src, &len);
  double best_ours = G_MAXDOUBLE, best_parse = G_MAXDOUBLE;
  gsize graph_bytes = 0;
  guint n = src->n_nodes;

  g_clear_pointer (&src, qs_graph_unref);
  /* Ours first, so the peak RSS it reaches is its own. */
  rss_before = peak_rss_kb ();
  for (guint r = 0; r < repeats; r++)
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      QsGraph *g = qs_graph_load_from_data (json, len, "synthetic.qsgraph.json",
                                            QS_GRAPH_LOAD_DEFAULT, &error);

      best_ours = MIN (best_ours, (g_get_monotonic_time () - t0) / 1e6);
      if (g == NULL)
        g_error ("%s", error->message);
      graph_bytes = qs_graph_memory_size (g);
      qs_graph_unref (g);
    }
  rss_after = peak_rss_kb ();
  for (guint r = 0; r < repeats; r++)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      gint64 t0 = g_get_monotonic_time ();

      json_parser_load_from_data (parser, json, len, NULL);
      best_parse = MIN (best_parse, (g_get_monotonic_time () - t0) / 1e6);
    }

  printf ("graph import + verify, %u nodes, %.1f MB of JSON, best of %u\n", n, len / 1e6,
          repeats);
  printf ("  quantscope load+verify  %8.3f s  (goal < 0.5 s)\n", best_ours);
  printf ("  json-glib parse alone   %8.3f s  (reference)\n", best_parse);
  printf ("  ratio to reference      %8.2fx\n", best_ours / best_parse);
  printf ("  graph memory            %8.1f MB, %.0f bytes/node (goal < 100 MB)\n",
          graph_bytes / 1e6, (double) graph_bytes / n);
  printf ("  peak RSS growth         %8.1f MB while loading (text and JSON tree included)\n",
          (rss_after - rss_before) / 1e3);
  return 0;
}
