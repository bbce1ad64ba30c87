/* qs-graph-view-zoom.c: zoom steps, zoom to fit, to the top, to the
 * selection, and centring on a node */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "qs-graph-view-private.h"

static void
zoom_centered (QsGraphView *self,
               double       factor)
{
  double x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  double y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
  double zoom = CLAMP (self->zoom * factor, ZOOM_MIN, ZOOM_MAX);
  double k = zoom / self->zoom;

  qs_graph_view_set_view (self, zoom, x - (x - self->offset_x) * k, y - (y - self->offset_y) * k);
}

double
qs_graph_view_get_zoom (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), 1);
  return self->zoom;
}

void
qs_graph_view_set_zoom (QsGraphView *self,
                        double       zoom)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  zoom_centered (self, CLAMP (zoom, ZOOM_MIN, ZOOM_MAX) / self->zoom);
}

void
qs_graph_view_zoom_in (QsGraphView *self)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  zoom_centered (self, ZOOM_STEP);
}

void
qs_graph_view_zoom_out (QsGraphView *self)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  zoom_centered (self, 1 / ZOOM_STEP);
}

static void
fit_rect (QsGraphView        *self,
          const QsLayoutRect *r,
          double              max_zoom)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double zoom = max_zoom;

  if (r->width > 0)
    zoom = MIN (zoom, MAX (w - 2 * FIT_MARGIN, 1) / r->width);
  if (r->height > 0)
    zoom = MIN (zoom, MAX (h - 2 * FIT_MARGIN, 1) / r->height);
  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  qs_graph_view_set_view (self, zoom, w / 2 - (r->x + r->width / 2) * zoom,
                          h / 2 - (r->y + r->height / 2) * zoom);
}

void
qs_graph_view_zoom_to_fit (QsGraphView *self)
{
  int w, h;
  QsLayoutRect bounds;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  self->fit_pending = self->layout != NULL && (w <= 0 || h <= 0);
  self->fit_top = FALSE;
  if (self->layout == NULL || self->fit_pending)
    return;
  qs_layout_get_bounds (self->layout, &bounds);
  fit_rect (self, &bounds, 1);
}

void
qs_graph_view_zoom_to_top (QsGraphView *self)
{
  double zoom, offset_x, offset_y;
  int w, h;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  self->fit_pending = self->layout != NULL && (w <= 0 || h <= 0);
  self->fit_top = self->fit_pending;
  if (self->layout == NULL || self->fit_pending)
    return;
  qs_layout_fit_top (self->layout, w, h, FIT_MARGIN, QS_LAYOUT_READABLE_SCALE, 1,
                     &zoom, &offset_x, &offset_y);
  qs_graph_view_set_view (self, zoom, offset_x, offset_y);
}

gboolean
qs_graph_view_zoom_to_selection (QsGraphView *self)
{
  QsLayoutRect box = { 0, 0, 0, 0 };
  gboolean any = FALSE;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);

  if (self->layout == NULL || self->n_selected == 0)
    return FALSE;
  for (QsId n = 0; n < qs_layout_get_n_nodes (self->layout); n++)
    {
      QsLayoutRect r;
      double x1, y1;

      if (!self->selected[n])
        continue;
      qs_layout_get_node_rect (self->layout, n, &r);
      if (!any)
        box = r;
      x1 = MAX (box.x + box.width, r.x + r.width);
      y1 = MAX (box.y + box.height, r.y + r.height);
      box.x = MIN (box.x, r.x);
      box.y = MIN (box.y, r.y);
      box.width = x1 - box.x;
      box.height = y1 - box.y;
      any = TRUE;
    }
  fit_rect (self, &box, 1.5);
  return TRUE;
}

void
qs_graph_view_center_on_node (QsGraphView *self,
                              QsId         node)
{
  QsLayoutRect r;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (self->layout != NULL);
  g_return_if_fail (node < qs_layout_get_n_nodes (self->layout));

  qs_layout_get_node_rect (self->layout, node, &r);
  /* Too small to read: come close enough for labels. */
  if (self->zoom < QS_RENDER_TEXT_ZOOM)
    self->zoom = 1;
  qs_graph_view_set_view (self, self->zoom,
                          gtk_widget_get_width (GTK_WIDGET (self)) / 2.0
                          - (r.x + r.width / 2) * self->zoom,
                          gtk_widget_get_height (GTK_WIDGET (self)) / 2.0
                          - (r.y + r.height / 2) * self->zoom);
  g_object_notify (G_OBJECT (self), "zoom");
}

void
qs_graph_view_layout_to_widget (QsGraphView *self,
                                double       x,
                                double       y,
                                double      *wx,
                                double      *wy)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  if (wx != NULL)
    *wx = x * self->zoom + self->offset_x;
  if (wy != NULL)
    *wy = y * self->zoom + self->offset_y;
}
