/* bench-layout: layout and drawing of 10,000-node graphs, headless
 *
 * Two synthetic graphs: a wide random DAG (every node reads one to three
 * of the 400 nodes before it) and a transformer-like stack where one mask
 * feeds every layer. For each: layout time with fixed node sizes and with
 * sizes measured from the labels, module groups, then frames drawn with
 * the app's renderer to an offscreen 1400x900 image at overview (whole
 * graph) and at close zoom (100 %, labels on). The reference beside each
 * number is the time to copy the graph, measured in the same run.
 *
 * The renderer keeps the content of the last frame (qs-graph-render-frame.c),
 * so at mid and close zoom three kinds of frame are timed: a full redraw
 * (each frame jumps a screen and a half, so nothing kept can be used: the
 * first frame after a zoom), a pan (each frame moves 24 px down and right:
 * the kept image is shifted and two strips drawn) and a redraw of the same view (a selection or
 * hover change: the kept image is blitted).
 *
 * Goals (issue 7): layout < 100 ms, a frame < 8 ms.
 */
#include <stdio.h>
#include <stdlib.h>

#include "qs-graph-render.h"

#define N_NODES 10000
#define FRAME_W 1400
#define FRAME_H 900

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static QsId
add (QsGraph    *g,
     QsNodeKind  kind,
     const char *target,
     const char *scope,
     const QsId *in_nodes,
     guint       n_in)
{
  static const gint64 dims[] = { 1, 197, 768 };
  char name[32];
  QsId inputs[4];
  QsType t;
  QsId n;

  g_snprintf (name, sizeof name, "n%u", g->n_nodes);
  qs_type_set_tensor (&t, QS_DTYPE_FLOAT32, G_N_ELEMENTS (dims), dims);
  for (guint i = 0; i < n_in; i++)
    inputs[i] = g->nodes[in_nodes[i]].outputs[0];
  n = qs_graph_add_op (g, kind, name, target, inputs, n_in,
                       kind == QS_NODE_OUTPUT ? NULL : &t);
  if (scope != NULL)
    qs_graph_node_set_scope (g, n, scope);
  return n;
}

static QsGraph *
wide_random_dag (guint n_nodes)
{
  static const char * const targets[] = {
    "torch.relu", "operator.add", "torch.sigmoid", "operator.mul", "torch.cat", "torch.tanh",
  };
  QsGraph *g = qs_graph_new ();
  GRand *rand = g_rand_new_with_seed (7);
  char scope[48];

  qs_graph_set_name (g, "wide-random-dag");
  for (guint i = 0; i < 16; i++)
    add (g, QS_NODE_PLACEHOLDER, "x", NULL, NULL, 0);
  while (g->n_nodes < n_nodes - 1)
    {
      guint n_in = g_rand_int_range (rand, 1, 4);
      QsId in[3];

      for (guint k = 0; k < n_in; k++)
        in[k] = g->n_nodes - 1 - g_rand_int_range (rand, 0, MIN (g->n_nodes, 400));
      g_snprintf (scope, sizeof scope, "stage%u.block%u", g->n_nodes / 1000, g->n_nodes / 100);
      add (g, QS_NODE_CALL_FUNCTION, targets[g_rand_int_range (rand, 0, G_N_ELEMENTS (targets))],
           scope, in, n_in);
    }
  {
    QsId last = g->n_nodes - 1;

    add (g, QS_NODE_OUTPUT, "output", NULL, &last, 1);
  }
  g_rand_free (rand);
  return g;
}

static QsGraph *
transformer_like (guint n_nodes)
{
  QsGraph *g = qs_graph_new ();
  QsId x, mask;
  char scope[48];

  qs_graph_set_name (g, "transformer-like");
  x = add (g, QS_NODE_PLACEHOLDER, "x", NULL, NULL, 0);
  mask = add (g, QS_NODE_PLACEHOLDER, "mask", NULL, NULL, 0);
  for (guint l = 0; g->n_nodes + 16 < n_nodes; l++)
    {
      QsId ln, q, k, v, qk, in[2], sm, av, proj, res, ln2, fc1, act, fc2;

      g_snprintf (scope, sizeof scope, "layers.%u.attn", l);
      ln = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.layer_norm", scope, &x, 1);
      q = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.linear", scope, &ln, 1);
      k = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.linear", scope, &ln, 1);
      v = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.linear", scope, &ln, 1);
      in[0] = q;
      in[1] = k;
      qk = add (g, QS_NODE_CALL_FUNCTION, "torch.matmul", scope, in, 2);
      in[0] = qk;
      in[1] = mask;
      qk = add (g, QS_NODE_CALL_FUNCTION, "operator.add", scope, in, 2);
      sm = add (g, QS_NODE_CALL_FUNCTION, "torch.softmax", scope, &qk, 1);
      in[0] = sm;
      in[1] = v;
      av = add (g, QS_NODE_CALL_FUNCTION, "torch.matmul", scope, in, 2);
      proj = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.linear", scope, &av, 1);
      in[0] = proj;
      in[1] = x;
      res = add (g, QS_NODE_CALL_FUNCTION, "operator.add", scope, in, 2);
      g_snprintf (scope, sizeof scope, "layers.%u.mlp", l);
      ln2 = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.layer_norm", scope, &res, 1);
      fc1 = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.linear", scope, &ln2, 1);
      act = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.gelu", scope, &fc1, 1);
      fc2 = add (g, QS_NODE_CALL_FUNCTION, "torch.nn.functional.linear", scope, &act, 1);
      in[0] = fc2;
      in[1] = res;
      x = add (g, QS_NODE_CALL_FUNCTION, "operator.add", scope, in, 2);
    }
  add (g, QS_NODE_OUTPUT, "output", NULL, &x, 1);
  return g;
}

/* Best of @reps, in ms: the machine is shared, the minimum is the cost. */
static double
time_layout (QsGraph               *g,
             const QsLayoutOptions *opts,
             guint                  reps)
{
  double best = G_MAXDOUBLE;

  for (guint r = 0; r < reps; r++)
    {
      double t0 = now_ms ();

      qs_layout_free (qs_layout_new (g, opts));
      best = MIN (best, now_ms () - t0);
    }
  return best;
}

typedef enum
{
  FRAMES_SAME,   /* the same view again */
  FRAMES_PAN,    /* 24 px further down and right each frame */
  FRAMES_JUMP,   /* a screen and a half down and back: a full redraw */
} FrameMotion;

static double
time_frames (QsGraphRender      *render,
             cairo_t            *cr,
             const QsRenderView *start,
             guint               frames,
             FrameMotion         motion)
{
  QsRenderView view = *start;
  double best = G_MAXDOUBLE;

  /* The first frame builds caches (colours, text layouts): not counted. */
  qs_graph_render_draw (render, cr, &view);
  for (guint f = 0; f < frames; f++)
    {
      double t0;

      if (motion == FRAMES_PAN)
        {
          view.offset_x -= 24;
          view.offset_y -= 24;
        }
      else if (motion == FRAMES_JUMP)
        view.offset_y += f % 2 ? 1.5 * FRAME_H : -1.5 * FRAME_H;
      t0 = now_ms ();
      qs_graph_render_draw (render, cr, &view);
      cairo_surface_flush (cairo_get_target (cr));
      best = MIN (best, now_ms () - t0);
    }
  return best;
}

static void
bench_graph (QsGraph *g,
             guint    reps)
{
  g_autoptr (PangoLayout) measure = qs_graph_render_new_measure_layout ();
  g_autoptr (QsLayout) layout = NULL;
  g_autoptr (QsLayoutGroups) groups = NULL;
  g_autoptr (QsGraphRender) render = qs_graph_render_new ();
  QsLayoutOptions fixed, measured;
  QsRenderView view = { 0 };
  QsLayoutRect r;
  cairo_surface_t *surface;
  cairo_t *cr;
  double t0, t_copy, t_fixed, t_measured, t_groups, t_overview, fit, t_cold;
  double t_mid[3], t_close[3];
  guint n_stubs = 0;

  t0 = now_ms ();
  qs_graph_unref (qs_graph_copy (g));
  t_copy = now_ms () - t0;
  qs_layout_options_init (&fixed);
  qs_graph_render_init_layout_options (&measured, measure);
  t_fixed = time_layout (g, &fixed, reps);
  t_measured = time_layout (g, &measured, reps);

  layout = qs_layout_new (g, &measured);
  t0 = now_ms ();
  groups = qs_layout_groups_new (layout);
  t_groups = now_ms () - t0;
  for (guint e = 0; e < qs_layout_get_n_edges (layout); e++)
    n_stubs += (qs_layout_get_edge (layout, e)->flags & QS_LAYOUT_EDGE_STUB) != 0;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, FRAME_W, FRAME_H);
  cr = cairo_create (surface);
  qs_graph_render_set_groups (render, groups);
  view.width = FRAME_W;
  view.height = FRAME_H;
  view.foreground = (QsColor) { 0.1f, 0.1f, 0.1f };
  view.background = (QsColor) { 1, 1, 1 };
  view.legend = TRUE;

  qs_layout_fit (layout, FRAME_W, FRAME_H, 24, 1, &view.zoom, &view.offset_x, &view.offset_y);
  fit = view.zoom;
  t0 = now_ms ();
  qs_graph_render_draw (render, cr, &view);
  t_cold = now_ms () - t0;
  t_overview = time_frames (render, cr, &view, 3 * reps, FRAMES_SAME);

  /* Middle zoom: boxes with outlines, no text. */
  qs_layout_get_node_rect (layout, g->n_nodes / 2, &r);
  view.zoom = 0.25;
  view.offset_x = FRAME_W / 2.0 - (r.x + r.width / 2) * view.zoom;
  view.offset_y = FRAME_H / 2.0 - (r.y + r.height / 2) * view.zoom;
  for (guint m = 0; m < 3; m++)
    t_mid[m] = time_frames (render, cr, &view, 3 * reps, m);

  view.zoom = 1;
  view.offset_x = FRAME_W / 2.0 - (r.x + r.width / 2);
  view.offset_y = FRAME_H / 2.0 - (r.y + r.height / 2);
  for (guint m = 0; m < 3; m++)
    t_close[m] = time_frames (render, cr, &view, 3 * reps, m);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  printf ("%-18s %6u nodes %6u edges %5u stubs %5u layers %5u groups\n", g->name, g->n_nodes,
          qs_layout_get_n_edges (layout), n_stubs, qs_layout_get_n_layers (layout),
          qs_layout_groups_get_n_groups (groups));
  printf ("  layout, fixed sizes     %7.1f ms  (%5.1fx a graph copy, %.1f ms)\n", t_fixed,
          t_fixed / t_copy, t_copy);
  printf ("  layout, measured labels %7.1f ms  goal < 100 ms %s\n", t_measured,
          t_measured < 100 ? "ok" : "MISSED");
  printf ("  module groups           %7.1f ms\n", t_groups);
  printf ("  frame, overview (%4.1f%%) %6.2f ms  goal < 8 ms %s (panning; the first frame at\n"
          "                                     this zoom draws the cache: %.2f ms)\n", fit * 100,
          t_overview, t_overview < 8 ? "ok" : "MISSED", t_cold);
  printf ("  frame, mid zoom (25%%)   %6.2f ms  full redraw; %.2f ms panning, %.2f ms same view\n",
          t_mid[FRAMES_JUMP], t_mid[FRAMES_PAN], t_mid[FRAMES_SAME]);
  printf ("  frame, close (100%%)     %6.2f ms  full redraw; goal < 8 ms %s\n",
          t_close[FRAMES_JUMP], t_close[FRAMES_JUMP] < 8 ? "ok" : "MISSED");
  printf ("                          %6.2f ms  panning 24 px; goal < 8 ms %s\n",
          t_close[FRAMES_PAN], t_close[FRAMES_PAN] < 8 ? "ok" : "MISSED");
  printf ("                          %6.2f ms  same view (selection, hover)\n",
          t_close[FRAMES_SAME]);
}

int
main (int    argc,
      char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : N_NODES;
  guint reps = argc > 2 ? (guint) atoi (argv[2]) : 5;
  g_autoptr (QsGraph) dag = wide_random_dag (n);
  g_autoptr (QsGraph) transformer = transformer_like (n);

  bench_graph (dag, reps);
  bench_graph (transformer, reps);
  return 0;
}
