/* qs-layout-query.c: what a built layout answers: sizes, rectangles,
 * edges, neighbours, hit tests, what meets a rectangle, and fitting a view */
#include "qs-layout-private.h"

#include <stdlib.h>

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
    self->x[node] - self->w[node] / 2, qs_layout_node_top (self, node), self->w[node], self->h[node]
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
