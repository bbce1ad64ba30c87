/* qs-graph-render-edges.c: edges, arrow heads and stub labels
 *
 * The shape of an edge and its clipping to the view come from the engine
 * (qs-layout-path.h); this file only turns the pieces into Cairo paths:
 * routed edges in one stroke, stubs in another, arrow heads and stub dots
 * in one fill.
 */
#include "config.h"

#include <math.h>

#include "qs-graph-render-private.h"

/* Edges */

static void
path_pieces (cairo_t *cr,
             GArray  *pieces)
{
  for (guint i = 0; i < pieces->len; i++)
    {
      const QsLayoutPathPiece *piece = &g_array_index (pieces, QsLayoutPathPiece, i);
      const QsLayoutPoint *p = piece->p;

      cairo_move_to (cr, p[0].x, p[0].y);
      if (piece->kind == QS_LAYOUT_PATH_LINE)
        cairo_line_to (cr, p[1].x, p[1].y);
      else
        cairo_curve_to (cr, p[1].x, p[1].y, p[2].x, p[2].y, p[3].x, p[3].y);
    }
  g_array_set_size (pieces, 0);
}

static void
path_arrow (cairo_t             *cr,
            const QsLayoutPoint *tip,
            double               size,
            const QsLayoutRect  *clip)
{
  QsLayoutRect box = { tip->x - size / 2, tip->y - size, size, size };

  if (!qs_layout_rects_meet (&box, clip))
    return;
  cairo_move_to (cr, tip->x, tip->y);
  cairo_line_to (cr, tip->x - size / 2, tip->y - size);
  cairo_line_to (cr, tip->x + size / 2, tip->y - size);
  cairo_close_path (cr);
}

static void
path_dot (cairo_t             *cr,
          const QsLayoutPoint *centre,
          double               radius,
          const QsLayoutRect  *clip)
{
  QsLayoutRect box = { centre->x - radius, centre->y - radius, 2 * radius, 2 * radius };

  if (!qs_layout_rects_meet (&box, clip))
    return;
  cairo_new_sub_path (cr);
  cairo_arc (cr, centre->x, centre->y, radius, 0, 2 * G_PI);
}

/* Routed edges in one stroke, stubs (dashed) in another; only the pieces
 * inside @clip, cut to it, so long edges crossing a close view cost what
 * shows. */
void
qs_graph_render_draw_edges (QsGraphRender      *self,
                            cairo_t            *cr,
                            const QsLayoutRect *clip,
                            gboolean            detail)
{
  static const double dash[] = { 3, 3 };
  double arrow = detail ? 6 : 0;

  for (int pass = 0; pass < 2; pass++)
    {
      gboolean stubs = pass == 1;
      QsLayoutPathFlags flags = (stubs ? QS_LAYOUT_PATH_STUB : 0)
                                | (detail ? QS_LAYOUT_PATH_CURVES : 0);

      for (guint i = 0; i < self->visible_edges->len; i++)
        {
          guint e = g_array_index (self->visible_edges, guint, i);
          const QsLayoutEdge *edge = qs_layout_get_edge (self->layout, e);
          guint n;

          if (!!(edge->flags & QS_LAYOUT_EDGE_STUB) != stubs)
            continue;
          n = qs_layout_groups_route_edge (self->groups, e, self->points);
          if (n >= 2)
            qs_layout_edge_path (self->points, n, flags, arrow, clip, self->pieces);
        }
      path_pieces (cr, self->pieces);
      if (stubs)
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  if (!detail)
    return;
  /* Arrow heads and stub dots in one fill. */
  for (guint i = 0; i < self->visible_edges->len; i++)
    {
      guint e = g_array_index (self->visible_edges, guint, i);
      const QsLayoutEdge *edge = qs_layout_get_edge (self->layout, e);
      guint n = qs_layout_groups_route_edge (self->groups, e, self->points);

      if (n < 2)
        continue;
      path_arrow (cr, &self->points[n - 1], arrow, clip);
      if (edge->flags & QS_LAYOUT_EDGE_STUB)
        path_dot (cr, &self->points[1], 2, clip);
    }
  cairo_fill (cr);
}

static gboolean
segment_visible (const QsLayoutPoint *a,
                 const QsLayoutPoint *b,
                 const QsLayoutRect  *v)
{
  QsLayoutRect box = { MIN (a->x, b->x), MIN (a->y, b->y), fabs (b->x - a->x), fabs (b->y - a->y) };

  return qs_layout_rects_meet (&box, v);
}

/* A stub says where it goes: the far end's node name beside each end. */
void
qs_graph_render_draw_stub_labels (QsGraphRender      *self,
                                  cairo_t            *cr,
                                  const QsLayoutRect *visible)
{
  for (guint i = 0; i < self->visible_edges->len; i++)
    {
      guint e = g_array_index (self->visible_edges, guint, i);
      const QsLayoutEdge *edge = qs_layout_get_edge (self->layout, e);
      const char *source = self->graph->nodes[edge->source].name;
      const char *target = self->graph->nodes[edge->target].name;
      g_autofree char *to = NULL, *from = NULL;
      int h;

      if (!(edge->flags & QS_LAYOUT_EDGE_STUB)
          || qs_layout_groups_route_edge (self->groups, e, self->points) != 4)
        continue;
      if (segment_visible (&self->points[0], &self->points[1], visible))
        {
          to = g_strdup_printf ("→ %s", target ? target : "");
          qs_graph_render_show_text (self, cr, QS_RENDER_FONT_NOTE, to, self->points[1].x + 4, self->points[1].y - 6,
                     NULL, NULL);
        }
      if (segment_visible (&self->points[2], &self->points[3], visible))
        {
          from = g_strdup_printf ("%s →", source ? source : "");
          qs_graph_render_show_text (self, NULL, QS_RENDER_FONT_NOTE, from, 0, 0, NULL, &h);
          qs_graph_render_show_text (self, cr, QS_RENDER_FONT_NOTE, from, self->points[2].x + 4,
                     self->points[2].y - h + 4, NULL, NULL);
        }
    }
}
