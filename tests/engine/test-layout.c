/* test-layout.c: the layered layout keeps its promises */
#include <glib.h>

#include "qs-layout-groups.h"

static QsType
tensor_type (void)
{
  QsType type = { 0 };
  gint64 dims[] = { 1, 8, 16, 16 };

  qs_type_set_tensor (&type, QS_DTYPE_FLOAT32, G_N_ELEMENTS (dims), dims);
  return type;
}

static QsId
add_op (QsGraph    *graph,
        QsNodeKind  kind,
        const char *target,
        const QsId *input_nodes,
        guint       n_inputs)
{
  g_autofree char *name = g_strdup_printf ("n%u", graph->n_nodes);
  g_autofree QsId *inputs = g_new0 (QsId, MAX (n_inputs, 1));
  QsType type = tensor_type ();

  /* Every node here has one output value: the node's first output. */
  for (guint i = 0; i < n_inputs; i++)
    inputs[i] = graph->nodes[input_nodes[i]].outputs[0];
  return qs_graph_add_op (graph, kind, name, target, inputs, n_inputs,
                          kind == QS_NODE_OUTPUT ? NULL : &type);
}

/* A residual network: input, blocks of conv -> relu -> conv -> add with a
 * skip connection, a mask read by every block, and an output. */
static QsGraph *
build_resnet_like (guint n_blocks)
{
  QsGraph *graph = qs_graph_new ();
  QsId x, mask, out;

  qs_graph_set_name (graph, "synthetic");
  x = add_op (graph, QS_NODE_PLACEHOLDER, "x", NULL, 0);
  mask = add_op (graph, QS_NODE_PLACEHOLDER, "mask", NULL, 0);
  for (guint b = 0; b < n_blocks; b++)
    {
      QsId a, r, c, in2[2];

      a = add_op (graph, QS_NODE_CALL_FUNCTION, "torch.conv2d", &x, 1);
      r = add_op (graph, QS_NODE_CALL_FUNCTION, "torch.relu", &a, 1);
      c = add_op (graph, QS_NODE_CALL_FUNCTION, "torch.conv2d", &r, 1);
      in2[0] = c;
      in2[1] = x;
      x = add_op (graph, QS_NODE_CALL_FUNCTION, "operator.add", in2, 2);
      in2[0] = x;
      in2[1] = mask;
      x = add_op (graph, QS_NODE_CALL_FUNCTION, "operator.mul", in2, 2);
    }
  out = add_op (graph, QS_NODE_OUTPUT, "output", &x, 1);
  g_assert_cmpuint (out, ==, graph->n_nodes - 1);
  return graph;
}

static void
check_layout (QsLayout *layout)
{
  QsGraph *graph = qs_layout_get_graph (layout);
  guint n_layers = qs_layout_get_n_layers (layout);
  g_autofree double *right = g_new (double, MAX (n_layers, 1));
  g_autofree guint *seen = g_new0 (guint, MAX (n_layers, 1));
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (QsId));
  QsLayoutRect bounds;

  qs_layout_get_bounds (layout, &bounds);

  /* Layering respects dependencies, edges go down. */
  for (guint e = 0; e < qs_layout_get_n_edges (layout); e++)
    {
      const QsLayoutEdge *edge = qs_layout_get_edge (layout, e);

      g_assert_cmpuint (qs_layout_get_node_layer (layout, edge->source), <,
                        qs_layout_get_node_layer (layout, edge->target));
      g_assert_false (edge->flags & QS_LAYOUT_EDGE_BACK);
      g_assert_cmpuint (edge->n_points, >=, 2);
      for (guint i = 1; i < edge->n_points; i++)
        g_assert_cmpfloat (edge->points[i].y, >=, edge->points[i - 1].y);
      if (edge->flags & QS_LAYOUT_EDGE_STUB)
        g_assert_cmpuint (edge->n_points, ==, 4);
    }

  /* No two nodes of a layer overlap: sweep them left to right. */
  qs_layout_nodes_in_rect (layout, &bounds, ids);
  g_assert_cmpuint (ids->len, ==, graph->n_nodes);
  for (guint i = 0; i < ids->len; i++)
    {
      QsId n = g_array_index (ids, QsId, i);
      guint l = qs_layout_get_node_layer (layout, n);
      QsLayoutRect r;

      qs_layout_get_node_rect (layout, n, &r);
      if (seen[l]++)
        g_assert_cmpfloat (r.x, >=, right[l]);
      right[l] = r.x + r.width;
      g_assert_cmpfloat (r.x, >=, bounds.x);
      g_assert_cmpfloat (r.x + r.width, <=, bounds.x + bounds.width + 1e-6);
    }
}

static void
test_layout_small (void)
{
  g_autoptr (QsGraph) graph = build_resnet_like (3);
  g_autoptr (QsLayout) layout = NULL;
  QsLayoutOptions opts;
  QsLayoutRect r;

  qs_layout_options_init (&opts);
  opts.stub_span = 4;
  layout = qs_layout_new (graph, &opts);
  g_assert_cmpuint (qs_layout_get_n_nodes (layout), ==, graph->n_nodes);
  g_assert_cmpuint (qs_layout_get_n_layers (layout), >, 3 * 5);
  check_layout (layout);

  /* Hit tests find the node under its centre and nothing off the map. */
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      qs_layout_get_node_rect (layout, n, &r);
      g_assert_cmpuint (qs_layout_node_at (layout, r.x + r.width / 2, r.y + r.height / 2),
                        ==, n);
    }
  qs_layout_get_bounds (layout, &r);
  g_assert_cmpuint (qs_layout_node_at (layout, r.x - 100, r.y - 100), ==, QS_ID_NONE);
}

static void
test_layout_stub_edges (void)
{
  g_autoptr (QsGraph) graph = build_resnet_like (20);
  g_autoptr (QsLayout) layout = qs_layout_new (graph, NULL);
  guint n_stubs = 0;

  check_layout (layout);
  for (guint e = 0; e < qs_layout_get_n_edges (layout); e++)
    if (qs_layout_get_edge (layout, e)->flags & QS_LAYOUT_EDGE_STUB)
      n_stubs++;
  /* The mask is read by every block: its far uses are stubs. */
  g_assert_cmpuint (n_stubs, >, 0);
  g_assert_cmpuint (n_stubs, <, 20);
}

static void
test_layout_size_func_cb (const QsGraph *graph,
                          QsId           node,
                          double        *width,
                          double        *height,
                          gpointer       user_data)
{
  *width = 40 + 10 * (node % 7);
  *height = 30 + (node % 3);
}

static void
test_layout_sizes (void)
{
  g_autoptr (QsGraph) graph = build_resnet_like (5);
  g_autoptr (QsLayout) layout = NULL;
  QsLayoutOptions opts;
  QsLayoutRect r;

  qs_layout_options_init (&opts);
  opts.size_func = test_layout_size_func_cb;
  layout = qs_layout_new (graph, &opts);
  check_layout (layout);
  qs_layout_get_node_rect (layout, 3, &r);
  g_assert_cmpfloat (r.width, ==, 70);
  g_assert_cmpfloat (r.height, ==, 30);
}

static void
test_layout_empty (void)
{
  g_autoptr (QsGraph) graph = qs_graph_new ();
  g_autoptr (QsLayout) layout = qs_layout_new (graph, NULL);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (QsId));
  QsLayoutRect r = { -10, -10, 20, 20 };
  double scale, ox, oy;

  g_assert_cmpuint (qs_layout_get_n_layers (layout), ==, 0);
  g_assert_cmpuint (qs_layout_node_at (layout, 0, 0), ==, QS_ID_NONE);
  qs_layout_nodes_in_rect (layout, &r, ids);
  g_assert_cmpuint (ids->len, ==, 0);
  qs_layout_fit (layout, 100, 100, 10, 1, &scale, &ox, &oy);
  g_assert_cmpfloat (scale, ==, 1);
}

/* A first look fits the width, shows the top and stays readable. */
static void
test_layout_fit_top (void)
{
  g_autoptr (QsGraph) graph = build_resnet_like (5);
  g_autoptr (QsLayout) layout = qs_layout_new (graph, NULL);
  QsLayoutRect b;
  double scale, ox, oy, fit_scale, fx, fy;

  qs_layout_get_bounds (layout, &b);
  /* A wide view: capped at 1, centred, the top at the margin. */
  qs_layout_fit_top (layout, b.width * 3, 200, 10, QS_LAYOUT_READABLE_SCALE, 1, &scale, &ox, &oy);
  g_assert_cmpfloat (scale, ==, 1);
  g_assert_cmpfloat_with_epsilon (b.y * scale + oy, 10, 1e-9);
  g_assert_cmpfloat_with_epsilon (ox + (b.x + b.width / 2) * scale, b.width * 1.5, 1e-9);
  /* Where fitting everything would be unreadable, the width still fits. */
  qs_layout_fit (layout, b.width * 0.8 + 20, 200, 10, 1, &fit_scale, &fx, &fy);
  qs_layout_fit_top (layout, b.width * 0.8 + 20, 200, 10, QS_LAYOUT_READABLE_SCALE, 1,
                     &scale, &ox, &oy);
  g_assert_cmpfloat (fit_scale, <, scale);
  g_assert_cmpfloat_with_epsilon (scale, 0.8, 1e-9);
  /* A narrow view: never below the readable scale. */
  qs_layout_fit_top (layout, 50, 200, 10, QS_LAYOUT_READABLE_SCALE, 1, &scale, &ox, &oy);
  g_assert_cmpfloat (scale, ==, QS_LAYOUT_READABLE_SCALE);
}

/* A graph out of topological order, with a cycle, still lays out. */
static void
test_layout_cycle (void)
{
  g_autoptr (QsGraph) graph = qs_graph_new ();
  g_autoptr (QsLayout) layout = NULL;
  QsType type = tensor_type ();
  QsId v[3], in[2];
  guint n_back = 0;

  for (guint i = 0; i < 3; i++)
    v[i] = qs_graph_add_value (graph, &type);
  in[0] = v[2];
  qs_graph_add_node (graph, QS_NODE_CALL_FUNCTION, "a", "torch.relu", in, 1, &v[0], 1);
  in[0] = v[0];
  qs_graph_add_node (graph, QS_NODE_CALL_FUNCTION, "b", "torch.relu", in, 1, &v[1], 1);
  in[0] = v[1];
  in[1] = v[1];
  qs_graph_add_node (graph, QS_NODE_CALL_FUNCTION, "c", "operator.add", in, 2, &v[2], 1);

  layout = qs_layout_new (graph, NULL);
  g_assert_cmpuint (qs_layout_get_n_edges (layout), ==, 4);
  for (guint e = 0; e < qs_layout_get_n_edges (layout); e++)
    {
      const QsLayoutEdge *edge = qs_layout_get_edge (layout, e);

      if (edge->flags & QS_LAYOUT_EDGE_BACK)
        {
          g_assert_true (edge->flags & QS_LAYOUT_EDGE_STUB);
          n_back++;
        }
      else
        g_assert_cmpuint (qs_layout_get_node_layer (layout, edge->source), <,
                          qs_layout_get_node_layer (layout, edge->target));
    }
  g_assert_cmpuint (n_back, ==, 1);
}

static void
test_layout_large (void)
{
  g_autoptr (QsGraph) graph = build_resnet_like (2000);
  g_autoptr (QsLayout) layout = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (QsId));
  QsLayoutRect r;

  g_assert_cmpuint (graph->n_nodes, >=, 10000);
  layout = qs_layout_new (graph, NULL);
  check_layout (layout);

  qs_layout_get_node_rect (layout, graph->n_nodes / 2, &r);
  qs_layout_nodes_in_rect (layout, &r, ids);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpuint (g_array_index (ids, QsId, 0), ==, graph->n_nodes / 2);
}

/* Blocks with scopes "blocks.<b>" (and "blocks.<b>.inner" for the relu),
 * so module groups nest: blocks > blocks.N > blocks.N.inner. */
static QsGraph *
build_scoped (guint n_blocks)
{
  QsGraph *graph = build_resnet_like (n_blocks);

  for (QsId n = 2; n + 1 < graph->n_nodes; n++)
    {
      g_autofree char *scope = NULL;
      guint b = (n - 2) / 5;

      scope = (n - 2) % 5 == 1 ? g_strdup_printf ("blocks.%u.inner", b)
                               : g_strdup_printf ("blocks.%u", b);
      qs_graph_node_set_scope (graph, n, scope);
    }
  return graph;
}

static gboolean
rect_equal (const QsLayoutRect *a,
            const QsLayoutRect *b)
{
  return a->x == b->x && a->y == b->y && a->width == b->width && a->height == b->height;
}

static gboolean
rect_inside (const QsLayoutRect *inner,
             const QsLayoutRect *outer)
{
  return inner->x >= outer->x && inner->y >= outer->y
         && inner->x + inner->width <= outer->x + outer->width + 1e-9
         && inner->y + inner->height <= outer->y + outer->height + 1e-9;
}

static void
test_layout_groups (void)
{
  g_autoptr (QsGraph) graph = build_scoped (4);
  g_autoptr (QsLayout) layout = qs_layout_new (graph, NULL);
  g_autoptr (QsLayoutGroups) groups = qs_layout_groups_new (layout);
  guint blocks = qs_layout_groups_lookup (groups, "blocks");
  guint b1 = qs_layout_groups_lookup (groups, "blocks.1");
  const QsLayoutGroup *g;

  g_assert_cmpuint (blocks, !=, QS_LAYOUT_GROUP_NONE);
  g_assert_cmpuint (b1, !=, QS_LAYOUT_GROUP_NONE);
  /* A one-node scope ("blocks.1.inner" holds one relu) is not a group. */
  g_assert_cmpuint (qs_layout_groups_lookup (groups, "blocks.1.inner"), ==, QS_LAYOUT_GROUP_NONE);
  g = qs_layout_groups_get_group (groups, b1);
  g_assert_cmpuint (g->parent, ==, blocks);
  g_assert_cmpuint (g->depth, ==, 1);
  g_assert_cmpuint (g->n_nodes, ==, 5);
  g_assert_cmpuint (qs_layout_groups_get_group (groups, blocks)->n_nodes, ==, 20);
  /* Frames nest and hold their members; the box fits in the frame. */
  g_assert_true (rect_inside (&g->frame, &qs_layout_groups_get_group (groups, blocks)->frame));
  g_assert_true (rect_inside (&g->box, &g->frame));
  for (QsId n = 0; n < graph->n_nodes; n++)
    if (qs_layout_groups_node_group (groups, n) == b1)
      {
        QsLayoutRect r;

        qs_layout_get_node_rect (layout, n, &r);
        g_assert_true (rect_inside (&r, &g->frame));
      }
}

/* The promise of qs-layout-groups.h: collapsing hides the group's members,
 * shows a box, and every other node keeps its rectangle; expanding brings
 * the members back where they were. */
static void
test_layout_collapse_keeps_positions (void)
{
  g_autoptr (QsGraph) graph = build_scoped (6);
  g_autoptr (QsLayout) layout = qs_layout_new (graph, NULL);
  g_autoptr (QsLayoutGroups) groups = qs_layout_groups_new (layout);
  g_autofree QsLayoutRect *before = g_new (QsLayoutRect, graph->n_nodes);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (QsId));
  g_autofree QsLayoutPoint *points = NULL;
  guint b2 = qs_layout_groups_lookup (groups, "blocks.2");
  const QsLayoutGroup *g = qs_layout_groups_get_group (groups, b2);
  guint serial = qs_layout_groups_get_serial (groups), max_points = 0, hidden = 0, shown = 0;
  QsLayoutRect bounds;
  guint group;

  for (QsId n = 0; n < graph->n_nodes; n++)
    qs_layout_get_node_rect (layout, n, &before[n]);
  for (guint e = 0; e < qs_layout_get_n_edges (layout); e++)
    max_points = MAX (max_points, qs_layout_get_edge (layout, e)->n_points);
  points = g_new (QsLayoutPoint, max_points);

  qs_layout_groups_set_collapsed (groups, b2, TRUE);
  g_assert_cmpuint (qs_layout_groups_get_serial (groups), !=, serial);
  g_assert_true (g->collapsed);
  qs_layout_get_bounds (layout, &bounds);
  qs_layout_groups_nodes_in_rect (groups, &bounds, ids);
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      gboolean inside = qs_layout_groups_node_group (groups, n) == b2;
      QsLayoutRect r;

      qs_layout_get_node_rect (layout, n, &r);
      g_assert_true (rect_equal (&r, &before[n]));
      g_assert_cmpuint (qs_layout_groups_node_owner (groups, n), ==,
                        inside ? b2 : QS_LAYOUT_GROUP_NONE);
      hidden += inside;
    }
  g_assert_cmpuint (hidden, ==, 5);
  g_assert_cmpuint (ids->len, ==, graph->n_nodes - hidden);

  /* The box is hit as the group; edges inside vanish, edges leaving it
   * start at the box, edges elsewhere are unchanged. */
  g_assert_cmpuint (qs_layout_groups_hit (groups, g->box.x + g->box.width / 2,
                                          g->box.y + g->box.height / 2, &group), ==, QS_ID_NONE);
  g_assert_cmpuint (group, ==, b2);
  for (guint e = 0; e < qs_layout_get_n_edges (layout); e++)
    {
      const QsLayoutEdge *edge = qs_layout_get_edge (layout, e);
      gboolean s_in = qs_layout_groups_node_owner (groups, edge->source) == b2;
      gboolean t_in = qs_layout_groups_node_owner (groups, edge->target) == b2;
      guint n = qs_layout_groups_route_edge (groups, e, points);

      if (s_in && t_in)
        g_assert_cmpuint (n, ==, 0);
      else if (!s_in && !t_in)
        {
          g_assert_cmpuint (n, ==, edge->n_points);
          g_assert_cmpmem (points, n * sizeof (QsLayoutPoint), edge->points,
                           edge->n_points * sizeof (QsLayoutPoint));
          shown++;
        }
      else if (s_in)
        {
          g_assert_cmpfloat (points[0].y, ==, g->box.y + g->box.height);
          g_assert_cmpfloat (points[n - 1].y, ==, edge->points[edge->n_points - 1].y);
        }
      else
        g_assert_cmpfloat (points[n - 1].y, ==, g->box.y);
    }
  g_assert_cmpuint (shown, >, 0);

  /* Collapsing the parent hides the child group. */
  qs_layout_groups_set_collapsed (groups, qs_layout_groups_lookup (groups, "blocks"), TRUE);
  g_assert_false (qs_layout_groups_is_shown (groups, b2));
  g_assert_cmpuint (qs_layout_groups_node_owner (groups, 2), ==,
                    qs_layout_groups_lookup (groups, "blocks"));

  qs_layout_groups_expand_all (groups);
  g_array_set_size (ids, 0);
  qs_layout_groups_nodes_in_rect (groups, &bounds, ids);
  g_assert_cmpuint (ids->len, ==, graph->n_nodes);
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      QsLayoutRect r;

      qs_layout_get_node_rect (layout, n, &r);
      g_assert_true (rect_equal (&r, &before[n]));
      g_assert_cmpuint (qs_layout_groups_node_owner (groups, n), ==, QS_LAYOUT_GROUP_NONE);
    }
}

static void
test_layout_navigation (void)
{
  g_autoptr (QsGraph) graph = build_resnet_like (2);
  g_autoptr (QsLayout) layout = qs_layout_new (graph, NULL);
  const guint32 *edges;
  guint n;

  /* Node 5 is the first block's add: inputs conv (4), then x (0). */
  edges = qs_layout_node_in_edges (layout, 5, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (qs_layout_get_edge (layout, edges[0])->source, ==, 4);
  g_assert_cmpuint (qs_layout_get_edge (layout, edges[1])->source, ==, 0);
  edges = qs_layout_node_out_edges (layout, 0, &n);
  g_assert_cmpuint (n, ==, 2);
  for (guint i = 1; i < n; i++)
    {
      QsLayoutRect a, b;

      qs_layout_get_node_rect (layout, qs_layout_get_edge (layout, edges[i - 1])->target, &a);
      qs_layout_get_node_rect (layout, qs_layout_get_edge (layout, edges[i])->target, &b);
      g_assert_cmpfloat (a.x, <=, b.x);
    }
  for (QsId v = 0; v < graph->n_nodes; v++)
    {
      QsId right = qs_layout_node_beside (layout, v, 1);

      if (right != QS_ID_NONE)
        {
          g_assert_cmpuint (qs_layout_node_beside (layout, right, -1), ==, v);
          g_assert_cmpuint (qs_layout_get_node_layer (layout, right), ==,
                            qs_layout_get_node_layer (layout, v));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/layout/small", test_layout_small);
  g_test_add_func ("/layout/stub-edges", test_layout_stub_edges);
  g_test_add_func ("/layout/sizes", test_layout_sizes);
  g_test_add_func ("/layout/empty", test_layout_empty);
  g_test_add_func ("/layout/fit-top", test_layout_fit_top);
  g_test_add_func ("/layout/cycle", test_layout_cycle);
  g_test_add_func ("/layout/large", test_layout_large);
  g_test_add_func ("/layout/groups", test_layout_groups);
  g_test_add_func ("/layout/collapse-keeps-positions", test_layout_collapse_keeps_positions);
  g_test_add_func ("/layout/navigation", test_layout_navigation);
  return g_test_run ();
}
