/* qs-graph-view-draw.c: the canvas's snapshot (the renderer's frame, the
 * minimap, the rubber band) and export of what it shows */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "qs-graph-view-private.h"

/* Drawing */

static void
color_from_rgba (const GdkRGBA *rgba,
                 QsColor       *color)
{
  *color = (QsColor) { rgba->red, rgba->green, rgba->blue };
}

static void
snapshot_minimap (QsGraphView *self,
                  GtkSnapshot *snapshot)
{
  graphene_rect_t area;
  QsLayoutRect visible;
  cairo_t *cr;

  qs_graph_view_minimap_rect (self, &area);
  if (area.origin.x < MINIMAP_W || area.origin.y < MINIMAP_H)
    return;  /* the view is too small to give it room */
  if (!self->minimap_valid
      || self->minimap_serial != qs_layout_groups_get_serial (self->groups))
    {
      g_clear_pointer (&self->minimap, cairo_surface_destroy);
      self->minimap = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, area.size.width,
                                                  area.size.height);
      cr = cairo_create (self->minimap);
      qs_graph_render_draw_minimap (self->render, cr, area.size.width, area.size.height, NULL);
      cairo_destroy (cr);
      self->minimap_valid = TRUE;
      self->minimap_serial = qs_layout_groups_get_serial (self->groups);
    }

  cr = gtk_snapshot_append_cairo (snapshot, &area);
  cairo_translate (cr, area.origin.x, area.origin.y);
  cairo_rectangle (cr, 0, 0, area.size.width, area.size.height);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.92);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_set_source_surface (cr, self->minimap, 0, 0);
  cairo_paint (cr);
  /* Only the viewport frame is drawn per frame. */
  qs_graph_view_visible_rect (self, &visible);
  qs_graph_render_draw_minimap (self->render, cr, area.size.width, area.size.height, &visible);
  cairo_destroy (cr);
}

void
qs_graph_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  QsGraphView *self = QS_GRAPH_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GtkStyleContext *style;
  QsRenderView view = { 0 };
  GdkRGBA fg, bg;
  cairo_t *cr;

  if (self->layout == NULL || w <= 0 || h <= 0)
    return;

  style = gtk_widget_get_style_context (widget);
  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "view_bg_color", &bg))
    bg = (GdkRGBA) { 1, 1, 1, 1 };
  view.zoom = self->zoom;
  view.offset_x = self->offset_x;
  view.offset_y = self->offset_y;
  view.width = w;
  view.height = h;
  color_from_rgba (&fg, &view.foreground);
  color_from_rgba (&bg, &view.background);
  view.transparent = TRUE;
  view.legend = TRUE;
  view.scale = gtk_widget_get_scale_factor (widget);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  qs_graph_render_draw (self->render, cr, &view);
  cairo_destroy (cr);

  if (self->show_minimap)
    snapshot_minimap (self, snapshot);
  qs_graph_view_snapshot_band (self, snapshot);
}

gboolean
qs_graph_view_export (QsGraphView  *self,
                      const char   *filename,
                      GError      **error)
{
  QsRenderFormat format;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);

  if (!qs_render_format_from_filename (filename, &format))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Cannot export to “%s”: use a name ending in .png, .svg or .pdf"),
                   filename);
      return FALSE;
    }
  /* The same renderer, without the selection. */
  qs_graph_render_set_selection (self->render, NULL, QS_ID_NONE);
  if (!qs_graph_render_export (self->render, filename, format, error))
    {
      qs_graph_render_set_selection (self->render, self->selected, self->focus);
      return FALSE;
    }
  qs_graph_render_set_selection (self->render, self->selected, self->focus);
  return TRUE;
}
