/* test-graph-view.c: the graph view on a graph built in code */
#include "config.h"

#include <gtk/gtk.h>

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "qs-graph-json.h"
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
  /* relu and sigmoid are one module group. */
  qs_graph_node_set_scope (graph, a, "blocks.0");
  qs_graph_node_set_scope (graph, b, "blocks.0");
  return graph;
}

static void
iterate (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
wait_for_size (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (gtk_widget_get_width (widget) <= 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  iterate ();
}

/* A window of @width x @height holding a fresh view of build_graph (). */
static QsGraphView *
show_view (GtkWidget **window,
           QsGraph    *graph,
           int         width,
           int         height)
{
  g_autoptr (PangoLayout) measure = NULL;
  QsGraphView *view = g_object_ref (QS_GRAPH_VIEW (qs_graph_view_new ()));
  QsLayoutOptions opts;

  *window = gtk_window_new ();
  measure = gtk_widget_create_pango_layout (GTK_WIDGET (view), NULL);
  qs_graph_view_init_layout_options (&opts, measure);
  gtk_window_set_default_size (GTK_WINDOW (*window), width, height);
  gtk_window_set_child (GTK_WINDOW (*window), GTK_WIDGET (view));
  qs_graph_view_take_layout (view, qs_layout_new (graph, &opts));
  gtk_window_present (GTK_WINDOW (*window));
  wait_for_size (GTK_WIDGET (view));
  return view;
}

static void
close_view (GtkWidget   *window,
            QsGraphView *view)
{
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
  g_assert_finalize_object (view);
}

static void
node_center (QsGraphView *view,
             QsId         node,
             double      *x,
             double      *y)
{
  QsLayoutRect r;

  qs_layout_get_node_rect (qs_graph_view_get_layout (view), node, &r);
  qs_graph_view_layout_to_widget (view, r.x + r.width / 2, r.y + r.height / 2, x, y);
}

static void
on_selection_changed_cb (QsGraphView *view,
                         guint       *count)
{
  (*count)++;
}

static void
test_graph_view_draw (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  GtkWidget *window;
  QsGraphView *view = show_view (&window, graph, 400, 300);
  QsLayoutRect r;
  double zoom;

  g_assert_true (qs_graph_view_get_graph (view) == graph);
  /* Nodes are wide enough for their labels. */
  qs_layout_get_node_rect (qs_graph_view_get_layout (view), 1, &r);
  g_assert_cmpfloat (r.width, >=, 96);
  g_assert_cmpfloat (r.height, >, 20);

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
  /* Every level of detail draws. */
  for (double z = 0.01; z < 4; z *= 3)
    {
      qs_graph_view_set_zoom (view, z);
      gtk_widget_queue_draw (GTK_WIDGET (view));
      iterate ();
    }

  qs_graph_view_take_layout (view, NULL);
  g_assert_null (qs_graph_view_get_graph (view));
  iterate ();
  close_view (window, view);
}

static void
test_graph_view_select (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  g_autoptr (GArray) ids = NULL;
  GtkWidget *window;
  QsGraphView *view = show_view (&window, graph, 600, 500);
  QsLayoutRect bounds;
  guint changes = 0;
  double x, y;

  g_signal_connect (view, "selection-changed", G_CALLBACK (on_selection_changed_cb), &changes);
  qs_graph_view_zoom_to_fit (view);

  /* Click on relu (1): it alone is selected and focused. */
  node_center (view, 1, &x, &y);
  qs_graph_view_click (view, x, y, 0);
  g_assert_true (qs_graph_view_is_selected (view, 1));
  g_assert_cmpuint (qs_graph_view_get_n_selected (view), ==, 1);
  g_assert_cmpuint (qs_graph_view_get_focus (view), ==, 1);
  g_assert_cmpuint (changes, >, 0);

  /* Shift adds, shift again removes. */
  node_center (view, 2, &x, &y);
  qs_graph_view_click (view, x, y, GDK_SHIFT_MASK);
  g_assert_cmpuint (qs_graph_view_get_n_selected (view), ==, 2);
  qs_graph_view_click (view, x, y, GDK_SHIFT_MASK);
  g_assert_cmpuint (qs_graph_view_get_n_selected (view), ==, 1);

  /* A click on empty space clears. */
  qs_graph_view_click (view, 2, 2, 0);
  g_assert_cmpuint (qs_graph_view_get_n_selected (view), ==, 0);

  /* A rubber band over everything selects every node; shift adds. */
  qs_layout_get_bounds (qs_graph_view_get_layout (view), &bounds);
  qs_graph_view_select_rect (view, &bounds, FALSE);
  g_assert_cmpuint (qs_graph_view_get_n_selected (view), ==, graph->n_nodes);
  ids = qs_graph_view_dup_selection (view);
  g_assert_cmpuint (ids->len, ==, graph->n_nodes);
  g_assert_true (qs_graph_view_zoom_to_selection (view));

  gtk_widget_queue_draw (GTK_WIDGET (view));
  iterate ();
  close_view (window, view);
}

static void
test_graph_view_search (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  GtkWidget *window;
  QsGraphView *view = show_view (&window, graph, 600, 500);
  QsId first, second;

  g_assert_cmpuint (qs_graph_view_search (view, "nothing-like-this"), ==, 0);
  g_assert_cmpuint (qs_graph_view_search_step (view, 1), ==, QS_ID_NONE);
  /* By op ("relu", "sigmoid") and by module path ("blocks.0"). */
  g_assert_cmpuint (qs_graph_view_search (view, "SIGMOID"), ==, 1);
  g_assert_cmpuint (qs_graph_view_search (view, "blocks.0"), ==, 2);
  first = qs_graph_view_search_step (view, 1);
  g_assert_cmpint (qs_graph_view_get_search_index (view), ==, 0);
  second = qs_graph_view_search_step (view, 1);
  g_assert_cmpuint (first, !=, second);
  g_assert_cmpuint (qs_graph_view_search_step (view, -1), ==, first);
  /* Wraps around. */
  g_assert_cmpuint (qs_graph_view_search_step (view, -1), ==, second);
  g_assert_cmpuint (qs_graph_view_get_focus (view), ==, second);
  g_assert_true (qs_graph_view_is_selected (view, second));
  /* The hit is centred. */
  {
    double x, y;

    node_center (view, second, &x, &y);
    g_assert_cmpfloat (fabs (x - gtk_widget_get_width (GTK_WIDGET (view)) / 2.0), <, 1);
    g_assert_cmpfloat (fabs (y - gtk_widget_get_height (GTK_WIDGET (view)) / 2.0), <, 1);
  }
  close_view (window, view);
}

static void
test_graph_view_navigate (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  GtkWidget *window;
  QsGraphView *view = show_view (&window, graph, 600, 500);
  QsId sibling;

  g_assert_false (qs_graph_view_navigate (view, QS_GRAPH_VIEW_UP, FALSE));
  qs_graph_view_select_node (view, 3, FALSE);  /* add */
  /* Up: its first producer, relu. */
  g_assert_true (qs_graph_view_navigate (view, QS_GRAPH_VIEW_UP, FALSE));
  g_assert_cmpuint (qs_graph_view_get_focus (view), ==, 1);
  /* Alt+right: add's other producer, sigmoid. */
  g_assert_true (qs_graph_view_navigate (view, QS_GRAPH_VIEW_RIGHT, TRUE));
  g_assert_cmpuint (qs_graph_view_get_focus (view), ==, 2);
  /* Up: the input; down: its consumers, left to right. */
  g_assert_true (qs_graph_view_navigate (view, QS_GRAPH_VIEW_UP, FALSE));
  g_assert_cmpuint (qs_graph_view_get_focus (view), ==, 0);
  g_assert_true (qs_graph_view_navigate (view, QS_GRAPH_VIEW_DOWN, FALSE));
  g_assert_true (qs_graph_view_get_focus (view) == 1 || qs_graph_view_get_focus (view) == 2);
  /* Left/right: the neighbour in the layer. */
  sibling = qs_graph_view_get_focus (view) == 1 ? 2 : 1;
  g_assert_true (qs_graph_view_navigate (view, QS_GRAPH_VIEW_RIGHT, FALSE)
                 || qs_graph_view_navigate (view, QS_GRAPH_VIEW_LEFT, FALSE));
  g_assert_cmpuint (qs_graph_view_get_focus (view), ==, sibling);
  /* The real key bindings do the same. */
  qs_graph_view_select_node (view, 4, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (view));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.unselect-all", NULL));
  g_assert_cmpuint (qs_graph_view_get_n_selected (view), ==, 0);
  close_view (window, view);
}

static void
test_graph_view_collapse (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  GtkWidget *window;
  QsGraphView *view = show_view (&window, graph, 600, 500);
  QsLayout *layout = qs_graph_view_get_layout (view);
  QsLayoutGroups *groups = qs_graph_view_get_groups (view);
  QsLayoutRect before, after;
  const QsLayoutGroup *g;
  guint index;
  double x, y;

  g_assert_false (qs_graph_view_set_group_collapsed (view, "no.such.module", TRUE));
  qs_layout_get_node_rect (layout, 3, &before);
  g_assert_true (qs_graph_view_set_group_collapsed (view, "blocks.0", TRUE));
  index = qs_layout_groups_lookup (groups, "blocks.0");
  g = qs_layout_groups_get_group (groups, index);
  g_assert_true (g->collapsed);
  g_assert_cmpuint (qs_layout_groups_node_owner (groups, 1), ==, index);
  /* add (3) is outside the group and did not move. */
  qs_layout_get_node_rect (layout, 3, &after);
  g_assert_cmpmem (&before, sizeof before, &after, sizeof after);
  gtk_widget_queue_draw (GTK_WIDGET (view));
  iterate ();

  /* A click on the box expands it again. */
  qs_graph_view_layout_to_widget (view, g->box.x + g->box.width / 2,
                                  g->box.y + g->box.height / 2, &x, &y);
  qs_graph_view_click (view, x, y, 0);
  g_assert_false (g->collapsed);
  g_assert_cmpuint (qs_layout_groups_node_owner (groups, 1), ==, QS_LAYOUT_GROUP_NONE);
  close_view (window, view);
}

static void
test_graph_view_overlay (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  g_autoptr (QsOverlay) overlay = qs_overlay_new ("test", NULL, QS_COLOR_SCALE_HEAT,
                                                  graph->n_nodes);
  g_autoptr (QsOverlay) wrong_size = qs_overlay_new ("test", NULL, QS_COLOR_SCALE_HEAT, 2);
  g_autoptr (GError) error = NULL;
  QsPrepareOptions options = { QS_MARCH_NASH_E, QS_QKIND_CALIBRATION, NULL };
  QsPrepared *prepared;
  GtkWidget *window;
  QsGraphView *view;

  view = show_view (&window, graph, 600, 500);
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_OP_CLASS);
  for (QsId n = 0; n < graph->n_nodes; n++)
    qs_overlay_set_value (overlay, n, n);
  qs_graph_view_set_overlay (view, overlay);
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_OVERLAY);
  gtk_widget_queue_draw (GTK_WIDGET (view));
  iterate ();
  /* An overlay for another graph is ignored. */
  qs_graph_view_set_overlay (view, wrong_size);
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_OP_CLASS);
  qs_graph_view_set_overlay (view, NULL);
  close_view (window, view);

  /* A prepared graph colours by dtype. */
  prepared = qs_pass_prepare (graph, &options, &error);
  g_assert_no_error (error);
  view = show_view (&window, prepared->graph, 600, 500);
  qs_graph_view_take_prepared (view, prepared);
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_QDTYPE);
  gtk_widget_queue_draw (GTK_WIDGET (view));
  iterate ();
  close_view (window, view);
}

/* Showing another graph keeps the selection by name and the view. */
static void
test_graph_view_show_graph (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PangoLayout) measure = NULL;
  g_autoptr (QsLayout) layout = NULL;
  QsPrepareOptions options = { QS_MARCH_NASH_E, QS_QKIND_CALIBRATION, NULL };
  QsLayoutOptions opts;
  QsPrepared *prepared;
  GtkWidget *window;
  QsGraphView *view;
  QsGraph *shown;
  QsId sigmoid = QS_ID_NONE;
  double zoom;

  view = show_view (&window, graph, 600, 500);
  /* A first look is readable. */
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), >=, QS_LAYOUT_READABLE_SCALE);
  for (QsId n = 0; n < graph->n_nodes; n++)
    if (g_str_equal (graph->nodes[n].name, "sigmoid"))
      sigmoid = n;
  qs_graph_view_select_node (view, sigmoid, FALSE);
  g_assert_true (qs_graph_view_set_group_collapsed (view, "blocks.0", TRUE));
  qs_graph_view_zoom_out (view);
  zoom = qs_graph_view_get_zoom (view);

  prepared = qs_pass_prepare (graph, &options, &error);
  g_assert_no_error (error);
  measure = gtk_widget_create_pango_layout (GTK_WIDGET (view), NULL);
  qs_graph_view_init_layout_options (&opts, measure);
  layout = qs_layout_new (prepared->graph, &opts);
  qs_graph_view_show_graph (view, layout, prepared->fusion, prepared, prepared,
                            (GDestroyNotify) qs_prepared_free);
  shown = qs_graph_view_get_graph (view);
  g_assert_true (shown == prepared->graph);
  g_assert_true (qs_graph_view_get_layout (view) == layout);
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_QDTYPE);
  g_assert_cmpuint (qs_graph_view_get_n_selected (view), ==, 1);
  g_assert_cmpstr (shown->nodes[qs_graph_view_get_focus (view)].name, ==, "sigmoid");
  g_assert_true (qs_graph_view_is_selected (view, qs_graph_view_get_focus (view)));
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), ==, zoom);
  g_assert_true (qs_layout_groups_get_group (qs_graph_view_get_groups (view),
                                             qs_layout_groups_lookup (qs_graph_view_get_groups (view),
                                                                      "blocks.0"))->collapsed);
  gtk_widget_queue_draw (GTK_WIDGET (view));
  iterate ();
  /* Clearing lets go of the prepared graph (the owner). */
  qs_graph_view_take_layout (view, NULL);
  g_assert_null (qs_graph_view_get_graph (view));
  close_view (window, view);
}

/* On a fused or prepared graph, near-misses mark the kernel holding the
 * node that could not absorb its neighbour. */
static void
test_graph_view_near_misses (void)
{
  const char *srcdir = g_getenv ("QS_SOURCE_DIR");
  g_autofree char *path = g_build_filename (srcdir ? srcdir : QS_SOURCE_DIR, "data", "models",
                                            "retinanet-demo.qsgraph.json", NULL);
  QsPrepareOptions options = { QS_MARCH_NASH_E, QS_QKIND_CALIBRATION, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (QsGraph) graph = NULL;
  g_autoptr (QsPrepared) prepared = NULL;
  g_autoptr (PangoLayout) measure = qs_graph_render_new_measure_layout ();
  g_autoptr (QsLayout) layout = NULL;
  g_autoptr (QsLayoutGroups) groups = NULL;
  g_autoptr (QsGraphRender) render = qs_graph_render_new ();
  QsLayoutOptions opts;
  guint n_marked = 0;

  graph = qs_graph_load (path, QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  if (graph == NULL)
    {
      g_test_skip ("the demo model is not there");
      return;
    }
  prepared = qs_pass_prepare (graph, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (prepared->fusion->near_misses->len, >, 0);
  qs_graph_render_init_layout_options (&opts, measure);
  layout = qs_layout_new (prepared->graph, &opts);
  groups = qs_layout_groups_new (layout);
  qs_graph_render_set_groups (render, groups);
  qs_graph_render_set_fused_by (render, prepared->fusion);
  qs_graph_render_set_prepared (render, prepared);
  for (guint i = 0; i < prepared->fusion->near_misses->len; i++)
    {
      const QsNearMiss *m = &g_array_index (prepared->fusion->near_misses, QsNearMiss, i);
      g_autofree char *text = qs_graph_render_dup_near_misses (render,
                                                               prepared->fusion->node_map[m->node]);

      g_assert_nonnull (text);
      g_assert_nonnull (strstr (text, m->pattern));
      n_marked++;
    }
  g_assert_cmpuint (n_marked, ==, prepared->fusion->near_misses->len);
  qs_graph_render_set_groups (render, NULL);
}

/* Renders @render into a new @width x @height image at @zoom and offset. */
static cairo_surface_t *
render_frame (QsGraphRender *render,
              double         zoom,
              double         offset_x,
              double         offset_y,
              int            width,
              int            height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);
  QsRenderView view = { 0 };

  view.zoom = zoom;
  view.offset_x = offset_x;
  view.offset_y = offset_y;
  view.width = width;
  view.height = height;
  view.foreground = (QsColor) { 0.1f, 0.1f, 0.1f };
  view.background = (QsColor) { 1, 1, 1 };
  qs_graph_render_draw (render, cr, &view);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* Pixels of @a and @b whose channels differ by more than @tolerance. */
static guint
count_differences (cairo_surface_t *a,
                   cairo_surface_t *b,
                   int              tolerance)
{
  int stride = cairo_image_surface_get_stride (a);
  const guint8 *pa = cairo_image_surface_get_data (a), *pb = cairo_image_surface_get_data (b);
  guint n = 0;

  for (int y = 0; y < cairo_image_surface_get_height (a); y++)
    for (int x = 0; x < cairo_image_surface_get_width (a); x++)
      for (int c = 0; c < 4; c++)
        if (ABS (pa[y * stride + 4 * x + c] - pb[y * stride + 4 * x + c]) > tolerance)
          {
            n++;
            break;
          }
  return n;
}

/* The renderer keeps the last frame for pans: a view reached by panning
 * shows what a fresh renderer draws there (curves cut at the view may
 * flatten differently, by less than half a pixel). */
static void
test_graph_view_render_pan (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  g_autoptr (PangoLayout) measure = qs_graph_render_new_measure_layout ();
  g_autoptr (QsLayout) layout = NULL;
  g_autoptr (QsLayoutGroups) groups = NULL;
  g_autoptr (QsGraphRender) panned = qs_graph_render_new ();
  g_autoptr (QsGraphRender) fresh = qs_graph_render_new ();
  static const double steps[][2] = { { 0, 0 }, { 17, -9 }, { -40, 23 }, { 5, 0 }, { 0, -31 } };
  cairo_surface_t *a = NULL, *b;
  QsLayoutOptions opts;
  QsLayoutRect bounds;
  double x, y;

  qs_graph_render_init_layout_options (&opts, measure);
  layout = qs_layout_new (graph, &opts);
  groups = qs_layout_groups_new (layout);
  /* Close enough that nodes and edges fill the strips a pan brings in. */
  qs_layout_get_bounds (layout, &bounds);
  x = 120 - (bounds.x + bounds.width / 2) * 3;
  y = 90 - (bounds.y + bounds.height / 2) * 3;
  qs_graph_render_set_groups (panned, groups);
  qs_graph_render_set_groups (fresh, groups);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      x += steps[i][0];
      y += steps[i][1];
      g_clear_pointer (&a, cairo_surface_destroy);
      a = render_frame (panned, 3, x, y, 240, 180);
    }
  b = render_frame (fresh, 3, x, y, 240, 180);
  g_assert_cmpuint (count_differences (a, b, 48), <, 240 * 180 / 200);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
  qs_graph_render_set_groups (panned, NULL);
  qs_graph_render_set_groups (fresh, NULL);
}

/* On the prepared graph a node whose output is not a tensor (the demo's
 * input is a dict) has nothing to quantize: it shows in the float colour,
 * whatever its qconfig says. */
static void
test_graph_view_non_tensor_color (void)
{
  const char *srcdir = g_getenv ("QS_SOURCE_DIR");
  g_autofree char *path = g_build_filename (srcdir ? srcdir : QS_SOURCE_DIR, "data", "models",
                                            "retinanet-demo.qsgraph.json", NULL);
  QsPrepareOptions options = { QS_MARCH_NASH_E, QS_QKIND_CALIBRATION, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (QsGraph) graph = NULL;
  g_autoptr (QsPrepared) prepared = NULL;
  g_autoptr (PangoLayout) measure = qs_graph_render_new_measure_layout ();
  g_autoptr (QsLayout) layout = NULL;
  g_autoptr (QsLayoutGroups) groups = NULL;
  g_autoptr (QsGraphRender) render = qs_graph_render_new ();
  QsLayoutOptions opts;
  QsId data = QS_ID_NONE;
  QsColor expected;
  QsLayoutRect r;
  cairo_surface_t *surface;
  const guint8 *pixel;

  graph = qs_graph_load (path, QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  if (graph == NULL)
    {
      g_test_skip ("the demo model is not there");
      return;
    }
  prepared = qs_pass_prepare (graph, &options, &error);
  g_assert_no_error (error);
  for (QsId n = 0; n < prepared->graph->n_nodes && data == QS_ID_NONE; n++)
    {
      const QsNode *node = &prepared->graph->nodes[n];

      if (node->kind == QS_NODE_PLACEHOLDER && node->n_outputs > 0
          && !qs_type_is_tensor (&prepared->graph->values[node->outputs[0]].type))
        data = n;
    }
  g_assert_cmpuint (data, !=, QS_ID_NONE);
  qs_graph_render_init_layout_options (&opts, measure);
  layout = qs_layout_new (prepared->graph, &opts);
  groups = qs_layout_groups_new (layout);
  qs_graph_render_set_groups (render, groups);
  qs_graph_render_set_prepared (render, prepared);
  g_assert_cmpint (qs_graph_render_get_color_mode (render), ==, QS_RENDER_COLOR_QDTYPE);

  /* A pixel of the fill below the labels, left of the centre. */
  qs_layout_get_node_rect (layout, data, &r);
  surface = render_frame (render, 1, 10 - r.x, 10 - r.y, (int) r.width + 20,
                          (int) r.height + 20);
  pixel = cairo_image_surface_get_data (surface)
          + (int) (10 + r.height - 4) * cairo_image_surface_get_stride (surface) + 4 * 18;
  qs_palette_qdtype (QS_QDTYPE_FLOAT, &expected);
  g_assert_cmpint (ABS (pixel[2] - (int) (expected.red * 255)), <=, 2);
  g_assert_cmpint (ABS (pixel[1] - (int) (expected.green * 255)), <=, 2);
  g_assert_cmpint (ABS (pixel[0] - (int) (expected.blue * 255)), <=, 2);
  cairo_surface_destroy (surface);
  qs_graph_render_set_groups (render, NULL);
}

static void
check_file (const char *path,
            const char *magic,
            gsize       min_size)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, min_size);
  g_assert_cmpmem (contents, strlen (magic), magic, strlen (magic));
}

static void
test_graph_view_export (void)
{
  g_autoptr (QsGraph) graph = build_graph ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qs-export-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "g.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "g.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "g.PDF", NULL);
  g_autofree char *txt = g_build_filename (dir, "g.txt", NULL);
  GtkWidget *window;
  QsGraphView *view = show_view (&window, graph, 600, 500);

  g_assert_true (qs_graph_view_export (view, png, &error));
  g_assert_no_error (error);
  g_assert_true (qs_graph_view_export (view, svg, &error));
  g_assert_true (qs_graph_view_export (view, pdf, &error));
  g_assert_no_error (error);
  check_file (png, "\x89PNG\r\n", 2000);
  check_file (svg, "<?xml", 2000);
  check_file (pdf, "%PDF-", 2000);
  g_assert_false (qs_graph_view_export (view, txt, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_remove (png);
  g_remove (svg);
  g_remove (pdf);
  g_rmdir (dir);
  close_view (window, view);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/graph-view/draw", test_graph_view_draw);
  g_test_add_func ("/graph-view/select", test_graph_view_select);
  g_test_add_func ("/graph-view/search", test_graph_view_search);
  g_test_add_func ("/graph-view/navigate", test_graph_view_navigate);
  g_test_add_func ("/graph-view/collapse", test_graph_view_collapse);
  g_test_add_func ("/graph-view/overlay", test_graph_view_overlay);
  g_test_add_func ("/graph-view/show-graph", test_graph_view_show_graph);
  g_test_add_func ("/graph-view/near-misses", test_graph_view_near_misses);
  g_test_add_func ("/graph-view/export", test_graph_view_export);
  g_test_add_func ("/graph-view/render-pan", test_graph_view_render_pan);
  g_test_add_func ("/graph-view/non-tensor-color", test_graph_view_non_tensor_color);
  return g_test_run ();
}
