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

#include <stdlib.h>

typedef struct
{
  guint32 other;   /* the vertex at the other end of the segment */
  float   offset;  /* the target port's offset from its vertex centre */
  float   slot;    /* the same as a fraction of the target's width */
} Segment;

typedef struct
{
  guint32 first_dummy;  /* dummies of a routed edge are consecutive */
  guint32 span;         /* layers crossed; 0 for stubs */
  double  x0, y0, x1, y1;  /* bounding box */
} EdgeExtra;

struct _QsLayout
{
  gatomicrefcount ref_count;
  QsGraph       *graph;
  QsLayoutOptions opts;

  guint          n_nodes;
  guint          n_vertices;   /* nodes + dummies */
  guint          n_layers;
  guint32       *layer;        /* per vertex */
  double        *x;            /* per vertex: centre */
  double        *w;            /* per vertex */
  double        *h;            /* per node */

  double        *layer_y;      /* per layer: top */
  double        *layer_h;      /* per layer: height */
  guint32       *layer_start;  /* vertices of layer l, left to right: */
  guint32       *layer_verts;  /* layer_verts[layer_start[l] .. [l + 1]) */
  guint32       *node_start;   /* same with nodes only, for hit tests */
  guint32       *layer_nodes;

  guint          n_edges;
  QsLayoutEdge  *edges;
  EdgeExtra     *extra;
  QsLayoutPoint *points;

  QsLayoutRect  *wrapped_rects;
  gboolean      *wrapped_valid;
  QsLayoutRect   bounds;

  guint32       *in_start;     /* per node: in_edges[in_start[n] .. [n + 1]) */
  guint32       *in_edges;
  guint32       *out_start;
  guint32       *out_edges;
  guint32       *node_pos;     /* per node: index in layer_nodes */
};

/* Scratch data used while building. */
typedef struct
{
  guint32  *producer;   /* per value: producing node, or QS_ID_NONE */
  guint32  *out_index;  /* per value: index in its producer's outputs */
  guint32  *order;      /* nodes in layering order */
  guint32  *pos;        /* per vertex: index in its layer */
  guint32  *up_start, *down_start;
  Segment  *up, *down;
} Scratch;

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

static double
port_offset (double width,
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
          float off = port_offset (self->w[cur], edge->port, n_in);
          float slot = port_offset (1, edge->port, n_in);

          s->down[down_fill[prev]++] = (Segment) { cur, off, slot };
          s->up[up_fill[cur]++] = (Segment) { prev, off, 0 };
          prev = cur;
        }
    }
}

static void
build_layer_lists (QsLayout *self,
                   Scratch  *s)
{
  guint n_v = self->n_vertices;
  g_autofree guint32 *fill = NULL;

  self->layer_start = g_new0 (guint32, self->n_layers + 1);
  self->layer_verts = g_new (guint32, MAX (n_v, 1));
  s->pos = g_new (guint32, MAX (n_v, 1));
  for (guint v = 0; v < n_v; v++)
    self->layer_start[self->layer[v] + 1]++;
  for (guint l = 0; l < self->n_layers; l++)
    self->layer_start[l + 1] += self->layer_start[l];
  fill = g_memdup2 (self->layer_start, (self->n_layers + 1) * sizeof (guint32));
  /* Nodes in layering order, each followed by the dummies of its edges,
   * is a good start: chains stay together. */
  for (guint k = 0; k < self->n_nodes; k++)
    {
      guint32 n = s->order[k];

      s->pos[n] = fill[self->layer[n]] - self->layer_start[self->layer[n]];
      self->layer_verts[fill[self->layer[n]]++] = n;
    }
  for (guint v = self->n_nodes; v < n_v; v++)
    {
      s->pos[v] = fill[self->layer[v]] - self->layer_start[self->layer[v]];
      self->layer_verts[fill[self->layer[v]]++] = v;
    }
}

typedef struct
{
  double  key;
  guint32 pos;
  guint32 vertex;
} SortItem;

static int
sort_item_compare (const void *a,
                   const void *b)
{
  const SortItem *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void
barycenter_layer (QsLayout      *self,
                  Scratch       *s,
                  guint          l,
                  const guint32 *start,
                  const Segment *segs,
                  SortItem      *items)
{
  guint32 first = self->layer_start[l], n = self->layer_start[l + 1] - first;

  for (guint i = 0; i < n; i++)
    {
      guint32 v = self->layer_verts[first + i];
      guint32 deg = start[v + 1] - start[v];
      double sum = 0;

      for (guint k = start[v]; k < start[v + 1]; k++)
        {
          guint32 u = segs[k].other, lu = self->layer[u];
          guint32 size = self->layer_start[lu + 1] - self->layer_start[lu];

          /* Ports count: a producer feeding a left port goes left. */
          sum += (s->pos[u] + 0.5 + segs[k].slot) / size;
        }
      items[i].key = deg > 0 ? sum / deg : (i + 0.5) / n;
      items[i].pos = i;
      items[i].vertex = v;
    }
  qsort (items, n, sizeof (SortItem), sort_item_compare);
  for (guint i = 0; i < n; i++)
    {
      self->layer_verts[first + i] = items[i].vertex;
      s->pos[items[i].vertex] = i;
    }
}

static void
reduce_crossings (QsLayout *self,
                  Scratch  *s)
{
  guint max = 0;
  g_autofree SortItem *items = NULL;

  for (guint l = 0; l < self->n_layers; l++)
    max = MAX (max, self->layer_start[l + 1] - self->layer_start[l]);
  items = g_new (SortItem, MAX (max, 1));
  for (guint sweep = 0; sweep < self->opts.sweeps; sweep++)
    {
      for (guint l = 1; l < self->n_layers; l++)
        barycenter_layer (self, s, l, s->up_start, s->up, items);
      for (guint l = self->n_layers; l-- > 1;)
        barycenter_layer (self, s, l - 1, s->down_start, s->down, items);
    }
}

static double
separation (const QsLayout *self,
            guint32         a,
            guint32         b)
{
  double gap = self->opts.node_gap;

  if (a >= self->n_nodes || b >= self->n_nodes)
    gap *= 0.5;
  return (self->w[a] + self->w[b]) / 2 + gap;
}

typedef struct
{
  double   weight, sum;  /* sum of weight * target */
  guint32  count;
} Block;

/* Places one layer: minimises sum (x_i - want_i)^2 keeping the order and
 * the spacing. With c_i the cumulative spacing, y_i = x_i - c_i must be
 * non-decreasing: an isotonic regression, solved by pooling adjacent
 * violators in linear time. */
static void
place_layer (QsLayout     *self,
             guint         l,
             const double *want,
             Block        *blocks,
             double       *c)
{
  guint32 first = self->layer_start[l], n = self->layer_start[l + 1] - first;
  guint n_blocks = 0, i = 0;

  for (guint k = 0; k < n; k++)
    {
      c[k] = k == 0 ? 0 : c[k - 1] + separation (self, self->layer_verts[first + k - 1],
                                                 self->layer_verts[first + k]);
      blocks[n_blocks++] = (Block) { 1, want[k] - c[k], 1 };
      while (n_blocks > 1
             && blocks[n_blocks - 2].sum / blocks[n_blocks - 2].weight
                >= blocks[n_blocks - 1].sum / blocks[n_blocks - 1].weight)
        {
          blocks[n_blocks - 2].weight += blocks[n_blocks - 1].weight;
          blocks[n_blocks - 2].sum += blocks[n_blocks - 1].sum;
          blocks[n_blocks - 2].count += blocks[n_blocks - 1].count;
          n_blocks--;
        }
    }
  for (guint b = 0; b < n_blocks; b++)
    for (guint k = 0; k < blocks[b].count; k++, i++)
      self->x[self->layer_verts[first + i]] = blocks[b].sum / blocks[b].weight + c[i];
}

static void
align_layer (QsLayout      *self,
             guint          l,
             const guint32 *start,
             const Segment *segs,
             double         sign,
             double        *want,
             Block         *blocks,
             double        *c)
{
  guint32 first = self->layer_start[l], n = self->layer_start[l + 1] - first;

  for (guint i = 0; i < n; i++)
    {
      guint32 v = self->layer_verts[first + i];
      guint32 deg = start[v + 1] - start[v];
      double sum = 0;

      for (guint k = start[v]; k < start[v + 1]; k++)
        sum += self->x[segs[k].other] + sign * segs[k].offset;
      want[i] = deg > 0 ? sum / deg : self->x[v];
    }
  place_layer (self, l, want, blocks, c);
}

static void
assign_x (QsLayout *self,
          Scratch  *s)
{
  guint max = 0;
  g_autofree double *want = NULL, *c = NULL;
  g_autofree Block *blocks = NULL;

  for (guint l = 0; l < self->n_layers; l++)
    max = MAX (max, self->layer_start[l + 1] - self->layer_start[l]);
  want = g_new0 (double, MAX (max, 1));
  c = g_new (double, MAX (max, 1));
  blocks = g_new (Block, MAX (max, 1));

  /* Start packed and centred on 0. */
  for (guint l = 0; l < self->n_layers; l++)
    place_layer (self, l, want, blocks, c);
  for (guint sweep = 0; sweep < self->opts.sweeps; sweep++)
    {
      for (guint l = 1; l < self->n_layers; l++)
        align_layer (self, l, s->up_start, s->up, -1, want, blocks, c);
      for (guint l = self->n_layers; l-- > 1;)
        align_layer (self, l - 1, s->down_start, s->down, +1, want, blocks, c);
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

static double
node_top (const QsLayout *self,
          guint32         n)
{
  guint32 l = self->layer[n];

  return self->layer_y[l] + (self->layer_h[l] - self->h[n]) / 2;
}

static void
route_edge (QsLayout      *self,
            Scratch       *s,
            guint          e,
            QsLayoutPoint *p)
{
  QsLayoutEdge *edge = &self->edges[e];
  EdgeExtra *x = &self->extra[e];
  guint32 src = edge->source, dst = edge->target;
  double sx = self->x[src] + port_offset (self->w[src], s->out_index[edge->value],
                                          self->graph->nodes[src].n_outputs);
  double sy = node_top (self, src) + self->h[src];
  double tx = self->x[dst] + port_offset (self->w[dst], edge->port,
                                          self->graph->nodes[dst].n_inputs);
  double ty = node_top (self, dst);
  guint k = 0;

  edge->points = p;
  p[k++] = (QsLayoutPoint) { sx, sy };
  if (edge->flags & QS_LAYOUT_EDGE_STUB)
    {
      p[k++] = (QsLayoutPoint) { sx, sy + self->opts.stub_length };
      p[k++] = (QsLayoutPoint) { tx, ty - self->opts.stub_length };
    }
  for (guint d = 0; d + 1 < x->span; d++)
    {
      guint32 v = x->first_dummy + d, l = self->layer[v];

      p[k++] = (QsLayoutPoint) { self->x[v], self->layer_y[l] };
      p[k++] = (QsLayoutPoint) { self->x[v], self->layer_y[l] + self->layer_h[l] };
    }
  p[k++] = (QsLayoutPoint) { tx, ty };
  edge->n_points = k;

  x->x0 = x->x1 = p[0].x;
  x->y0 = x->y1 = p[0].y;
  for (guint i = 1; i < k; i++)
    {
      x->x0 = MIN (x->x0, p[i].x);
      x->x1 = MAX (x->x1, p[i].x);
      x->y0 = MIN (x->y0, p[i].y);
      x->y1 = MAX (x->y1, p[i].y);
    }
}

static void
route_edges (QsLayout *self,
             Scratch  *s)
{
  gsize n_points = 0, k = 0;

  for (guint e = 0; e < self->n_edges; e++)
    n_points += self->extra[e].span ? 2 * self->extra[e].span : 4;
  self->points = g_new (QsLayoutPoint, MAX (n_points, 1));
  for (guint e = 0; e < self->n_edges; e++)
    {
      route_edge (self, s, e, self->points + k);
      k += self->edges[e].n_points;
    }
  g_assert (k == n_points);
}

static void
rect_union (QsLayoutRect       *r,
            const QsLayoutRect *a)
{
  double x0 = MIN (r->x, a->x), y0 = MIN (r->y, a->y);
  double x1 = MAX (r->x + r->width, a->x + a->width);
  double y1 = MAX (r->y + r->height, a->y + a->height);

  *r = (QsLayoutRect) { x0, y0, x1 - x0, y1 - y0 };
}

static void
finish (QsLayout *self)
{
  const QsGraph *graph = self->graph;
  double m = self->opts.wrapped_margin;
  g_autofree guint32 *fill = NULL;

  /* Node lists per layer, left to right, for hit tests. */
  self->node_start = g_new0 (guint32, self->n_layers + 1);
  self->layer_nodes = g_new (guint32, MAX (self->n_nodes, 1));
  for (guint n = 0; n < self->n_nodes; n++)
    self->node_start[self->layer[n] + 1]++;
  for (guint l = 0; l < self->n_layers; l++)
    self->node_start[l + 1] += self->node_start[l];
  fill = g_memdup2 (self->node_start, (self->n_layers + 1) * sizeof (guint32));
  for (guint i = 0; i < self->n_vertices; i++)
    if (self->layer_verts[i] < self->n_nodes)
      {
        guint32 n = self->layer_verts[i];

        self->layer_nodes[fill[self->layer[n]]++] = n;
      }

  self->bounds = (QsLayoutRect) { 0, 0, 0, 0 };
  for (guint n = 0; n < self->n_nodes; n++)
    {
      QsLayoutRect r;

      qs_layout_get_node_rect (self, n, &r);
      if (n == 0)
        self->bounds = r;
      else
        rect_union (&self->bounds, &r);
    }
  for (guint e = 0; e < self->n_edges; e++)
    {
      const EdgeExtra *x = &self->extra[e];
      QsLayoutRect r = { x->x0, x->y0, x->x1 - x->x0, x->y1 - x->y0 };

      rect_union (&self->bounds, &r);
    }

  self->wrapped_rects = g_new0 (QsLayoutRect, MAX (graph->n_wrapped, 1));
  self->wrapped_valid = g_new0 (gboolean, MAX (graph->n_wrapped, 1));
  for (guint i = 0; i < graph->n_wrapped; i++)
    {
      const QsWrapped *w = &graph->wrapped[i];
      guint n_ids = w->n_nodes > 0 ? w->n_nodes : 1;
      const QsId *ids = w->n_nodes > 0 ? w->nodes : &w->node;

      for (guint k = 0; k < n_ids; k++)
        {
          QsLayoutRect r;

          if (ids[k] >= self->n_nodes)
            continue;
          qs_layout_get_node_rect (self, ids[k], &r);
          r = (QsLayoutRect) { r.x - m, r.y - m - 14, r.width + 2 * m, r.height + 2 * m + 14 };
          if (!self->wrapped_valid[i])
            self->wrapped_rects[i] = r;
          else
            rect_union (&self->wrapped_rects[i], &r);
          self->wrapped_valid[i] = TRUE;
        }
      if (self->wrapped_valid[i])
        rect_union (&self->bounds, &self->wrapped_rects[i]);
    }
}

typedef struct
{
  double  x;
  guint32 edge;
} EdgeByX;

static int
compare_edge_by_x (gconstpointer a,
                   gconstpointer b)
{
  double xa = ((const EdgeByX *) a)->x, xb = ((const EdgeByX *) b)->x;

  return (xa > xb) - (xa < xb);
}

static void
sort_out_edges (QsLayout *self,
                guint32  *edges,
                guint     n,
                EdgeByX  *scratch)
{
  for (guint i = 0; i < n; i++)
    scratch[i] = (EdgeByX) { self->x[self->edges[edges[i]].target], edges[i] };
  qsort (scratch, n, sizeof (EdgeByX), compare_edge_by_x);
  for (guint i = 0; i < n; i++)
    edges[i] = scratch[i].edge;
}

/* Per-node in and out edge lists (CSR) and each node's place in its layer,
 * for navigation. Edges were collected target by target in port order, so
 * in-edges come out sorted by port. */
static void
index_node_edges (QsLayout *self)
{
  guint n = self->n_nodes;
  g_autofree guint32 *fill_in = NULL, *fill_out = NULL;
  g_autofree EdgeByX *scratch = NULL;

  self->in_start = g_new0 (guint32, n + 1);
  self->out_start = g_new0 (guint32, n + 1);
  self->in_edges = g_new (guint32, MAX (self->n_edges, 1));
  self->out_edges = g_new (guint32, MAX (self->n_edges, 1));
  for (guint e = 0; e < self->n_edges; e++)
    {
      self->in_start[self->edges[e].target + 1]++;
      self->out_start[self->edges[e].source + 1]++;
    }
  for (guint i = 0; i < n; i++)
    {
      self->in_start[i + 1] += self->in_start[i];
      self->out_start[i + 1] += self->out_start[i];
    }
  fill_in = g_memdup2 (self->in_start, (n + 1) * sizeof (guint32));
  fill_out = g_memdup2 (self->out_start, (n + 1) * sizeof (guint32));
  for (guint e = 0; e < self->n_edges; e++)
    {
      self->in_edges[fill_in[self->edges[e].target]++] = e;
      self->out_edges[fill_out[self->edges[e].source]++] = e;
    }
  scratch = g_new (EdgeByX, MAX (self->n_edges, 1));
  for (guint i = 0; i < n; i++)
    if (self->out_start[i + 1] - self->out_start[i] > 1)
      sort_out_edges (self, self->out_edges + self->out_start[i],
                      self->out_start[i + 1] - self->out_start[i], scratch);
  self->node_pos = g_new (guint32, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    self->node_pos[self->layer_nodes[i]] = i;
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
  build_layer_lists (self, &s);
  reduce_crossings (self, &s);
  assign_x (self, &s);
  assign_y (self);
  route_edges (self, &s);
  finish (self);
  index_node_edges (self);

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

QsGraph *
qs_layout_get_graph (const QsLayout *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->graph;
}

guint
qs_layout_get_n_nodes (const QsLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_nodes;
}

const QsLayoutOptions *
qs_layout_get_options (const QsLayout *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->opts;
}

guint
qs_layout_get_n_layers (const QsLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_layers;
}

guint
qs_layout_get_n_dummies (const QsLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_vertices - self->n_nodes;
}

void
qs_layout_get_bounds (const QsLayout *self,
                      QsLayoutRect   *bounds)
{
  g_return_if_fail (self != NULL && bounds != NULL);
  *bounds = self->bounds;
}

void
qs_layout_get_node_rect (const QsLayout *self,
                         QsId            node,
                         QsLayoutRect   *rect)
{
  g_return_if_fail (self != NULL && rect != NULL);
  g_return_if_fail (node < self->n_nodes);

  *rect = (QsLayoutRect) {
    self->x[node] - self->w[node] / 2, node_top (self, node), self->w[node], self->h[node]
  };
}

guint
qs_layout_get_node_layer (const QsLayout *self,
                          QsId            node)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (node < self->n_nodes, 0);
  return self->layer[node];
}

guint
qs_layout_get_n_edges (const QsLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_edges;
}

const QsLayoutEdge *
qs_layout_get_edge (const QsLayout *self,
                    guint           edge)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (edge < self->n_edges, NULL);
  return &self->edges[edge];
}

gboolean
qs_layout_get_wrapped_rect (const QsLayout *self,
                            QsId            wrapped,
                            QsLayoutRect   *rect)
{
  g_return_val_if_fail (self != NULL && rect != NULL, FALSE);
  g_return_val_if_fail (wrapped < self->graph->n_wrapped, FALSE);

  *rect = self->wrapped_rects[wrapped];
  return self->wrapped_valid[wrapped];
}

const guint32 *
qs_layout_node_in_edges (const QsLayout *self,
                         QsId            node,
                         guint          *n_edges)
{
  g_return_val_if_fail (self != NULL && n_edges != NULL, NULL);
  g_return_val_if_fail (node < self->n_nodes, NULL);

  *n_edges = self->in_start[node + 1] - self->in_start[node];
  return self->in_edges + self->in_start[node];
}

const guint32 *
qs_layout_node_out_edges (const QsLayout *self,
                          QsId            node,
                          guint          *n_edges)
{
  g_return_val_if_fail (self != NULL && n_edges != NULL, NULL);
  g_return_val_if_fail (node < self->n_nodes, NULL);

  *n_edges = self->out_start[node + 1] - self->out_start[node];
  return self->out_edges + self->out_start[node];
}

QsId
qs_layout_node_beside (const QsLayout *self,
                       QsId            node,
                       int             step)
{
  gint64 pos;
  guint l;

  g_return_val_if_fail (self != NULL, QS_ID_NONE);
  g_return_val_if_fail (node < self->n_nodes, QS_ID_NONE);

  l = self->layer[node];
  pos = (gint64) self->node_pos[node] + step;
  if (pos < self->node_start[l] || pos >= self->node_start[l + 1])
    return QS_ID_NONE;
  return self->layer_nodes[pos];
}

/* The first layer whose bottom is at or below @y. */
static guint
first_layer_below (const QsLayout *self,
                   double          y)
{
  guint lo = 0, hi = self->n_layers;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->layer_y[mid] + self->layer_h[mid] < y)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The first node of layer @l whose right edge is at or right of @x. */
static guint
first_node_right_of (const QsLayout *self,
                     guint           l,
                     double          x)
{
  guint lo = self->node_start[l], hi = self->node_start[l + 1];

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      guint32 n = self->layer_nodes[mid];

      if (self->x[n] + self->w[n] / 2 < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

QsId
qs_layout_node_at (const QsLayout *self,
                   double          x,
                   double          y)
{
  guint l, i;
  QsLayoutRect r;

  g_return_val_if_fail (self != NULL, QS_ID_NONE);

  l = first_layer_below (self, y);
  if (l >= self->n_layers || self->layer_y[l] > y)
    return QS_ID_NONE;
  i = first_node_right_of (self, l, x);
  if (i >= self->node_start[l + 1])
    return QS_ID_NONE;
  qs_layout_get_node_rect (self, self->layer_nodes[i], &r);
  if (x < r.x || y < r.y || y > r.y + r.height)
    return QS_ID_NONE;
  return self->layer_nodes[i];
}

void
qs_layout_nodes_in_rect (const QsLayout     *self,
                         const QsLayoutRect *rect,
                         GArray             *ids)
{
  g_return_if_fail (self != NULL && rect != NULL && ids != NULL);

  for (guint l = first_layer_below (self, rect->y);
       l < self->n_layers && self->layer_y[l] <= rect->y + rect->height;
       l++)
    for (guint i = first_node_right_of (self, l, rect->x); i < self->node_start[l + 1]; i++)
      {
        QsId n = self->layer_nodes[i];
        QsLayoutRect r;

        qs_layout_get_node_rect (self, n, &r);
        if (r.x > rect->x + rect->width)
          break;
        if (r.y <= rect->y + rect->height && r.y + r.height >= rect->y)
          g_array_append_val (ids, n);
      }
}

void
qs_layout_edges_in_rect (const QsLayout     *self,
                         const QsLayoutRect *rect,
                         GArray             *edges)
{
  g_return_if_fail (self != NULL && rect != NULL && edges != NULL);

  for (guint e = 0; e < self->n_edges; e++)
    {
      const EdgeExtra *x = &self->extra[e];

      if (x->x1 >= rect->x && x->x0 <= rect->x + rect->width
          && x->y1 >= rect->y && x->y0 <= rect->y + rect->height)
        g_array_append_val (edges, e);
    }
}

void
qs_layout_fit (const QsLayout *self,
               double          view_width,
               double          view_height,
               double          margin,
               double          max_scale,
               double         *scale,
               double         *offset_x,
               double         *offset_y)
{
  const QsLayoutRect *b;
  double s;

  g_return_if_fail (self != NULL && scale != NULL && offset_x != NULL && offset_y != NULL);

  b = &self->bounds;
  s = max_scale;
  if (b->width > 0)
    s = MIN (s, MAX (view_width - 2 * margin, 1) / b->width);
  if (b->height > 0)
    s = MIN (s, MAX (view_height - 2 * margin, 1) / b->height);
  *scale = s;
  *offset_x = view_width / 2 - (b->x + b->width / 2) * s;
  *offset_y = view_height / 2 - (b->y + b->height / 2) * s;
}

void
qs_layout_fit_top (const QsLayout *self,
                   double          view_width,
                   double          view_height,
                   double          margin,
                   double          min_scale,
                   double          max_scale,
                   double         *scale,
                   double         *offset_x,
                   double         *offset_y)
{
  const QsLayoutRect *b;
  double s;

  g_return_if_fail (self != NULL && scale != NULL && offset_x != NULL && offset_y != NULL);
  g_return_if_fail (min_scale > 0 && min_scale <= max_scale);

  b = &self->bounds;
  s = max_scale;
  if (b->width > 0)
    s = MIN (s, MAX (view_width - 2 * margin, 1) / b->width);
  s = MAX (s, min_scale);
  *scale = s;
  *offset_x = view_width / 2 - (b->x + b->width / 2) * s;
  *offset_y = margin - b->y * s;
}
