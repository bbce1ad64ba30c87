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
#include "synthetic-graph.h"

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

int
main (int argc, char **argv)
{
  guint n_nodes = argc > 1 ? (guint) atoi (argv[1]) : 50000;
  guint repeats = argc > 2 ? (guint) atoi (argv[2]) : 3;
  g_autoptr(QsGraph) src = qs_bench_synthetic_graph (n_nodes);
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
