/* qs-layout.c: layered drawing of a QsGraph
 *
 * The classic Sugiyama pipeline, kept linear or n log n at every step so a
 * 10,000-node graph lays out in a few tens of milliseconds:
 *
 *   1. edges from producers to input ports;
 *   2. layering: longest path over a Kahn order that breaks cycles, then
 *      sources (parameters, constants) pulled down next to their users;
 *   3. long edges get one dummy vertex per layer crossed; edges longer than
 *      stub_span layers and edges against the layering become stubs;
 *   4. crossing reduction: barycenter sweeps down and up;
 *   5. x: each layer is placed as close as possible to its neighbours'
 *      ports (least squares under the order and spacing constraints, solved
 *      exactly by pool-adjacent-violators), alternating down and up;
 *   6. y from the layer heights, edge polylines through the dummies.
 *
 * Vertices 0 .. n_nodes - 1 are the graph's nodes, the rest are dummies.
 */
#include "qs-layout.h"
#include "qs-layout-private.h"

#include <stdlib.h>

void
qs_layout_options_init (QsLayoutOptions *opts)
{
  g_return_if_fail (opts != NULL);

  *opts = (QsLayoutOptions) {
    .node_width = 160,
    .node_height = 56,
    .node_gap = 24,
    .layer_gap = 40,
    .stub_span = 8,
    .sweeps = 4,
    .stub_length = 14,
    .wrapped_margin = 10,
    .port_spacing = 12,
  };
}

static void
find_producers (QsLayout *self,
                Scratch  *s)
{
  const QsGraph *graph = self->graph;

  s->producer = g_new (guint32, graph->n_values + 1);
  s->out_index = g_new0 (guint32, graph->n_values + 1);
  for (guint v = 0; v < graph->n_values; v++)
    s->producer[v] = QS_ID_NONE;
  for (guint n = 0; n < graph->n_nodes; n++)
    for (guint k = 0; k < graph->nodes[n].n_outputs; k++)
      {
        QsId v = graph->nodes[n].outputs[k];

        if (v < graph->n_values && s->producer[v] == QS_ID_NONE)
          {
            s->producer[v] = n;
            s->out_index[v] = k;
          }
      }
}

static void
collect_edges (QsLayout *self,
               Scratch  *s)
{
  const QsGraph *graph = self->graph;
  guint n = 0;

  for (guint t = 0; t < graph->n_nodes; t++)
    n += graph->nodes[t].n_inputs;
  self->edges = g_new0 (QsLayoutEdge, MAX (n, 1));
  self->n_edges = 0;
  for (guint t = 0; t < graph->n_nodes; t++)
    {
      const QsNode *node = &graph->nodes[t];

      for (guint i = 0; i < node->n_inputs; i++)
        {
          QsId v = node->inputs[i];
          QsLayoutEdge *e;

          if (v >= graph->n_values || s->producer[v] == QS_ID_NONE)
            continue;
          e = &self->edges[self->n_edges++];
          e->source = s->producer[v];
          e->target = t;
          e->value = v;
          e->port = i;
        }
    }
}

/* Longest-path layering over a Kahn order. When every remaining node
 * waits on another one (a cycle), the lowest id goes next and the edges
 * into it that are not yet satisfied become back edges. */
static void
assign_layers (QsLayout *self,
               Scratch  *s)
{
  const QsGraph *graph = self->graph;
  guint n_nodes = self->n_nodes;
  g_autofree guint32 *indeg = g_new0 (guint32, n_nodes);
  g_autofree guint32 *out_start = g_new0 (guint32, n_nodes + 1);
  g_autofree guint32 *out_edges = g_new (guint32, MAX (self->n_edges, 1));
  g_autofree guint8 *placed = g_new0 (guint8, n_nodes);
  guint head = 0, tail = 0, cursor = 0;

  for (guint e = 0; e < self->n_edges; e++)
    if (self->edges[e].source != self->edges[e].target)
      {
        indeg[self->edges[e].target]++;
        out_start[self->edges[e].source + 1]++;
      }
  for (guint n = 0; n < n_nodes; n++)
    out_start[n + 1] += out_start[n];
  {
    g_autofree guint32 *fill = g_memdup2 (out_start, n_nodes * sizeof (guint32));

    for (guint e = 0; e < self->n_edges; e++)
      if (self->edges[e].source != self->edges[e].target)
        out_edges[fill[self->edges[e].source]++] = e;
  }

  s->order = g_new (guint32, MAX (n_nodes, 1));
  for (guint n = 0; n < n_nodes; n++)
    if (indeg[n] == 0)
      s->order[tail++] = n;

  while (head < n_nodes)
    {
      guint32 n, l = 0;

      if (head == tail)
        {
          while (placed[cursor] || indeg[cursor] == 0)
            cursor++;
          s->order[tail++] = cursor;
          indeg[cursor] = 0;
        }
      n = s->order[head++];
      placed[n] = TRUE;
      for (guint i = 0; i < graph->nodes[n].n_inputs; i++)
        {
          QsId v = graph->nodes[n].inputs[i];

          if (v < graph->n_values && s->producer[v] != QS_ID_NONE && placed[s->producer[v]]
              && s->producer[v] != n)
            l = MAX (l, self->layer[s->producer[v]] + 1);
        }
      self->layer[n] = l;
      for (guint k = out_start[n]; k < out_start[n + 1]; k++)
        {
          guint32 t = self->edges[out_edges[k]].target;

          if (!placed[t] && indeg[t] > 0 && --indeg[t] == 0)
            s->order[tail++] = t;
        }
    }

  /* Sources sit just above their first user, not all at the top. */
  for (guint k = n_nodes; k-- > 0;)
    {
      guint32 n = s->order[k], best = G_MAXUINT32;

      if (graph->nodes[n].n_inputs > 0 || out_start[n] == out_start[n + 1])
        continue;
      for (guint j = out_start[n]; j < out_start[n + 1]; j++)
        best = MIN (best, self->layer[self->edges[out_edges[j]].target]);
      if (best != G_MAXUINT32 && best > 0 && best - 1 > self->layer[n])
        self->layer[n] = best - 1;
    }
}

/* Drops empty layers so the drawing has no holes. */
static void
compact_layers (QsLayout *self)
{
  guint max = 0, next = 0;
  g_autofree guint32 *map = NULL;

  for (guint n = 0; n < self->n_nodes; n++)
    max = MAX (max, self->layer[n]);
  map = g_new0 (guint32, max + 1);
  for (guint n = 0; n < self->n_nodes; n++)
    map[self->layer[n]] = 1;
  for (guint l = 0; l <= max; l++)
    map[l] = map[l] ? next++ : 0;
  for (guint n = 0; n < self->n_nodes; n++)
    self->layer[n] = map[self->layer[n]];
  self->n_layers = self->n_nodes > 0 ? next : 0;
}

static void
classify_edges (QsLayout *self)
{
  guint32 n_dummies = 0;

  self->extra = g_new0 (EdgeExtra, MAX (self->n_edges, 1));
  for (guint e = 0; e < self->n_edges; e++)
    {
      QsLayoutEdge *edge = &self->edges[e];
      guint32 ls = self->layer[edge->source], lt = self->layer[edge->target];

      if (ls >= lt)
        edge->flags |= QS_LAYOUT_EDGE_BACK | QS_LAYOUT_EDGE_STUB;
      else if (lt - ls > self->opts.stub_span)
        edge->flags |= QS_LAYOUT_EDGE_STUB;
      if (edge->flags & QS_LAYOUT_EDGE_STUB)
        continue;
      self->extra[e].span = lt - ls;
      self->extra[e].first_dummy = self->n_nodes + n_dummies;
      n_dummies += lt - ls - 1;
    }
  self->n_vertices = self->n_nodes + n_dummies;
}

double
qs_layout_port_offset (double width,
                       guint  index,
                       guint  count)
{
  if (count <= 1)
    return 0;
  return width * ((index + 1.0) / (count + 1.0) - 0.5);
}

/* Builds vertices for the dummies and the segments between layers, as two
 * adjacency lists: up (towards producers) and down. */
static void
build_segments (QsLayout *self,
                Scratch  *s)
{
  guint n_v = self->n_vertices, n_seg = 0;
  g_autofree guint32 *up_fill = NULL, *down_fill = NULL;

  self->layer = g_renew (guint32, self->layer, MAX (n_v, 1));
  self->x = g_new0 (double, MAX (n_v, 1));
  self->w = g_renew (double, self->w, MAX (n_v, 1));
  s->up_start = g_new0 (guint32, n_v + 1);
  s->down_start = g_new0 (guint32, n_v + 1);

  for (guint e = 0; e < self->n_edges; e++)
    {
      const QsLayoutEdge *edge = &self->edges[e];
      const EdgeExtra *x = &self->extra[e];
      guint32 prev = edge->source;

      if (x->span == 0)
        continue;
      for (guint k = 0; k < x->span; k++)
        {
          guint32 cur = k + 1 < x->span ? x->first_dummy + k : edge->target;

          if (cur != edge->target)
            {
              self->layer[cur] = self->layer[edge->source] + k + 1;
              self->w[cur] = 0;
            }
          s->down_start[prev + 1]++;
          s->up_start[cur + 1]++;
          prev = cur;
          n_seg++;
        }
    }
  for (guint v = 0; v < n_v; v++)
    {
      s->up_start[v + 1] += s->up_start[v];
      s->down_start[v + 1] += s->down_start[v];
    }
  s->up = g_new (Segment, MAX (n_seg, 1));
  s->down = g_new (Segment, MAX (n_seg, 1));
  up_fill = g_memdup2 (s->up_start, n_v * sizeof (guint32));
  down_fill = g_memdup2 (s->down_start, n_v * sizeof (guint32));

  for (guint e = 0; e < self->n_edges; e++)
    {
      const QsLayoutEdge *edge = &self->edges[e];
      const EdgeExtra *x = &self->extra[e];
      guint32 prev = edge->source;

      for (guint k = 0; k < x->span; k++)
        {
          gboolean last = k + 1 == x->span;
          guint32 cur = last ? edge->target : x->first_dummy + k;
          guint n_in = last ? self->graph->nodes[cur].n_inputs : 1;
          float off = qs_layout_port_offset (self->w[cur], edge->port, n_in);
          float slot = qs_layout_port_offset (1, edge->port, n_in);

          s->down[down_fill[prev]++] = (Segment) { cur, off, slot };
          s->up[up_fill[cur]++] = (Segment) { prev, off, 0 };
          prev = cur;
        }
    }
}

static void
measure_nodes (QsLayout *self)
{
  self->w = g_new (double, MAX (self->n_nodes, 1));
  self->h = g_new (double, MAX (self->n_nodes, 1));
  for (guint n = 0; n < self->n_nodes; n++)
    {
      double w = self->opts.node_width, h = self->opts.node_height;

      if (self->opts.size_func != NULL)
        self->opts.size_func (self->graph, n, &w, &h, self->opts.size_data);
      /* Room for every input port. */
      w = MAX (w, self->graph->nodes[n].n_inputs * self->opts.port_spacing);
      self->w[n] = MAX (w, 1);
      self->h[n] = MAX (h, 1);
    }
}

static void
assign_y (QsLayout *self)
{
  double y = 0;

  self->layer_y = g_new0 (double, MAX (self->n_layers, 1));
  self->layer_h = g_new0 (double, MAX (self->n_layers, 1));
  for (guint n = 0; n < self->n_nodes; n++)
    self->layer_h[self->layer[n]] = MAX (self->layer_h[self->layer[n]], self->h[n]);
  for (guint l = 0; l < self->n_layers; l++)
    {
      self->layer_y[l] = y;
      y += self->layer_h[l] + self->opts.layer_gap;
    }
}

QsLayout *
qs_layout_new (QsGraph               *graph,
               const QsLayoutOptions *opts)
{
  QsLayout *self;
  Scratch s = { 0 };

  g_return_val_if_fail (graph != NULL, NULL);

  self = g_new0 (QsLayout, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->graph = qs_graph_ref (graph);
  if (opts != NULL)
    self->opts = *opts;
  else
    qs_layout_options_init (&self->opts);
  self->n_nodes = graph->n_nodes;
  self->layer = g_new0 (guint32, MAX (self->n_nodes, 1));

  find_producers (self, &s);
  collect_edges (self, &s);
  assign_layers (self, &s);
  compact_layers (self);
  classify_edges (self);
  measure_nodes (self);
  build_segments (self, &s);
  qs_layout_build_layer_lists (self, &s);
  qs_layout_reduce_crossings (self, &s);
  qs_layout_assign_x (self, &s);
  assign_y (self);
  qs_layout_route_edges (self, &s);
  qs_layout_finish (self);
  qs_layout_index_node_edges (self);

  g_free (s.producer);
  g_free (s.out_index);
  g_free (s.order);
  g_free (s.pos);
  g_free (s.up_start);
  g_free (s.down_start);
  g_free (s.up);
  g_free (s.down);
  return self;
}

QsLayout *
qs_layout_ref (QsLayout *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
qs_layout_free (QsLayout *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->in_start);
  g_free (self->in_edges);
  g_free (self->out_start);
  g_free (self->out_edges);
  g_free (self->node_pos);
  g_clear_pointer (&self->graph, qs_graph_unref);
  g_free (self->layer);
  g_free (self->x);
  g_free (self->w);
  g_free (self->h);
  g_free (self->layer_y);
  g_free (self->layer_h);
  g_free (self->layer_start);
  g_free (self->layer_verts);
  g_free (self->node_start);
  g_free (self->layer_nodes);
  g_free (self->edges);
  g_free (self->extra);
  g_free (self->points);
  g_free (self->wrapped_rects);
  g_free (self->wrapped_valid);
  g_free (self);
}
