/* qs-layout-route.c: step 6 of the layout, edge polylines through the
 * dummies, then the bounds, wrapped-region frames and the per-node edge
 * lists used for navigation */
#include "qs-layout-private.h"

#include <stdlib.h>

double
qs_layout_node_top (const QsLayout *self,
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
  double sx = self->x[src] + qs_layout_port_offset (self->w[src], s->out_index[edge->value],
                                          self->graph->nodes[src].n_outputs);
  double sy = qs_layout_node_top (self, src) + self->h[src];
  double tx = self->x[dst] + qs_layout_port_offset (self->w[dst], edge->port,
                                          self->graph->nodes[dst].n_inputs);
  double ty = qs_layout_node_top (self, dst);
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

void
qs_layout_route_edges (QsLayout *self,
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

void
qs_layout_finish (QsLayout *self)
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
void
qs_layout_index_node_edges (QsLayout *self)
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
