/* test-graph-view.c: the graph view on a graph built in code */
#include "config.h"

#include <gtk/gtk.h>

#include "qs-graph-view.h"

static QsGraph *
build_graph (void)
{
  QsGraph *graph = qs_graph_new ();
  gint64 dims[] = { 1, 16, 32, 32 };
  QsType type = { 0 };
  QsId x, a, b, c, in[2];

  qs_type_set_tensor (&type, QS_DTYPE_FLOAT32, G_N_ELEMENTS (dims), dims);
  qs_graph_set_name (graph, "tiny");
  x = qs_graph_add_op (graph, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, &type);
  in[0] = graph->nodes[x].outputs[0];
  a = qs_graph_add_op (graph, QS_NODE_CALL_FUNCTION, "relu", "torch.relu", in, 1, &type);
  b = qs_graph_add_op (graph, QS_NODE_CALL_FUNCTION, "sigmoid", "torch.sigmoid", in, 1, &type);
  in[0] = graph->nodes[a].outputs[0];
  in[1] = graph->nodes[b].outputs[0];
  c = qs_graph_add_op (graph, QS_NODE_CALL_FUNCTION, "add", "operator.add", in, 2, &type);
  in[0] = graph->nodes[c].outputs[0];
  qs_graph_add_op (graph, QS_NODE_OUTPUT, "output", "output", in, 1, NULL);
  return graph;
}

static void
iterate (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
test_graph_view_draw (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  g_autoptr (PangoLayout) measure = NULL;
  GtkWidget *window = gtk_window_new ();
  QsGraphView *view = QS_GRAPH_VIEW (qs_graph_view_new ());
  QsLayoutOptions opts;
  QsLayoutRect r;
  gint64 deadline;
  double zoom;

  g_object_ref (view);
  measure = gtk_widget_create_pango_layout (GTK_WIDGET (view), NULL);
  qs_graph_view_init_layout_options (&opts, measure);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 300);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));

  g_assert_null (qs_graph_view_get_graph (view));
  qs_graph_view_take_layout (view, qs_layout_new (graph, &opts));
  g_assert_true (qs_graph_view_get_graph (view) == graph);

  /* Nodes are wide enough for their labels. */
  qs_layout_get_node_rect (qs_graph_view_get_layout (view), 1, &r);
  g_assert_cmpfloat (r.width, >=, 96);
  g_assert_cmpfloat (r.height, >, 20);

  gtk_window_present (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (gtk_widget_get_width (GTK_WIDGET (view)) <= 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  iterate ();

  qs_graph_view_set_zoom (view, 1);
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), ==, 1);
  qs_graph_view_zoom_in (view);
  zoom = qs_graph_view_get_zoom (view);
  g_assert_cmpfloat (zoom, >, 1);
  qs_graph_view_zoom_out (view);
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), <, zoom);
  qs_graph_view_set_zoom (view, 1000);
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), <=, 4);
  qs_graph_view_zoom_to_fit (view);
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), <=, 1);
  gtk_widget_queue_draw (GTK_WIDGET (view));
  iterate ();

  qs_graph_view_take_layout (view, NULL);
  g_assert_null (qs_graph_view_get_graph (view));
  iterate ();

  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
  g_assert_finalize_object (view);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/graph-view/draw", test_graph_view_draw);
  return g_test_run ();
}
