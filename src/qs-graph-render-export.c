/* qs-graph-render-export.c: the legend, the minimap and file export */
#include "config.h"

#include <glib/gi18n.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <gio/gio.h>
#include <math.h>

#include "qs-graph-render-private.h"

#define EXPORT_MARGIN 24.0
#define PNG_MAX_SIDE  16384.0
#define PNG_MAX_AREA  (128.0 * 1024 * 1024)

/* Legend */

typedef struct
{
  const char *label;
  QsColor     color;
} LegendItem;

static PangoLayout *
legend_text (QsGraphRender *self,
             const char    *text,
             gboolean       bold)
{
  PangoLayout *pl = pango_layout_new (self->context);
  g_autoptr (PangoFontDescription) desc =
    pango_font_description_from_string (bold ? "Sans Bold 9" : "Sans 9");

  pango_layout_set_font_description (pl, desc);
  pango_layout_set_text (pl, text, -1);
  return pl;
}

static guint
legend_items (QsGraphRender *self,
              LegendItem    *items,
              guint          max)
{
  QsRenderColorMode mode = qs_graph_render_get_color_mode (self);
  gboolean present[QS_N_OP_CLASSES] = { FALSE, };
  guint n = 0;

  if (mode == QS_RENDER_COLOR_QDTYPE)
    {
      static const QsQdtype order[] = {
        QS_QDTYPE_FLOAT, QS_QDTYPE_FP16, QS_QDTYPE_QINT16, QS_QDTYPE_QINT8,
      };

      for (guint i = 0; i < G_N_ELEMENTS (order) && n < max; i++, n++)
        {
          /* Nodes whose output is not a tensor show as float too. */
          /* TRANSLATORS: legend entry: not quantized, or nothing to quantize */
          items[n].label = order[i] == QS_QDTYPE_FLOAT ? _("float / none")
                                                       : qs_qdtype_name (order[i]);
          qs_palette_qdtype (order[i], &items[n].color);
        }
      return n;
    }
  if (mode == QS_RENDER_COLOR_OVERLAY)
    {
      const char * const *names = qs_overlay_get_categories (self->overlay);

      for (guint i = 0; names != NULL && names[i] != NULL && n < max; i++, n++)
        {
          items[n].label = names[i];
          qs_palette_category (i, &items[n].color);
        }
      return n;
    }
  /* Op classes: only those the graph has. */
  for (QsId k = 0; k < self->graph->n_nodes; k++)
    present[MIN (self->bucket[k], QS_N_OP_CLASSES - 1)] = TRUE;
  for (guint c = 0; c < QS_N_OP_CLASSES && n < max; c++)
    if (present[c])
      {
        items[n].label = qs_op_class_name (c);
        qs_palette_op_class (c, &items[n].color);
        n++;
      }
  return n;
}

static const char *
legend_title (QsGraphRender *self)
{
  switch (qs_graph_render_get_color_mode (self))
    {
    case QS_RENDER_COLOR_QDTYPE:
      return _("Activation dtype");
    case QS_RENDER_COLOR_OVERLAY:
      return qs_overlay_get_label (self->overlay);
    case QS_RENDER_COLOR_OP_CLASS:
    default:
      return _("Op class");
    }
}

static void
draw_heat_bar (QsGraphRender *self,
               cairo_t       *cr,
               double         x,
               double         y,
               double         w)
{
  g_autoptr (PangoLayout) lo = NULL, hi = NULL;
  g_autofree char *min_text = NULL, *max_text = NULL;
  cairo_pattern_t *gradient = cairo_pattern_create_linear (x, 0, x + w, 0);
  double min = 0, max = 0;
  int tw;

  for (guint i = 0; i <= 8; i++)
    {
      QsColor c;

      qs_overlay_scale_color (self->overlay, i / 8.0, &c);
      cairo_pattern_add_color_stop_rgb (gradient, i / 8.0, c.red, c.green, c.blue);
    }
  cairo_rectangle (cr, x, y, w, 12);
  cairo_set_source (cr, gradient);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);

  qs_overlay_get_range (self->overlay, &min, &max);
  min_text = qs_overlay_format_value (self->overlay, min);
  max_text = qs_overlay_format_value (self->overlay, max);
  lo = legend_text (self, min_text, FALSE);
  hi = legend_text (self, max_text, FALSE);
  cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 1);
  cairo_move_to (cr, x, y + 14);
  pango_cairo_show_layout (cr, lo);
  pango_layout_get_pixel_size (hi, &tw, NULL);
  cairo_move_to (cr, x + w - tw, y + 14);
  pango_cairo_show_layout (cr, hi);
}

/* In device units, bottom left, over a white card so it reads on any
 * background. */
void
qs_graph_render_draw_legend (QsGraphRender      *self,
                             cairo_t            *cr,
                             const QsRenderView *view)
{
  LegendItem items[QS_N_OP_CLASSES + 4];
  g_autoptr (PangoLayout) title = NULL;
  gboolean heat;
  guint n;
  int tw, th;
  double w, h, x, y;

  if (self->graph == NULL)
    return;
  heat = qs_graph_render_get_color_mode (self) == QS_RENDER_COLOR_OVERLAY
         && qs_overlay_get_scale (self->overlay) != QS_COLOR_SCALE_CATEGORY;
  n = heat ? 0 : legend_items (self, items, G_N_ELEMENTS (items));
  title = legend_text (self, legend_title (self), TRUE);
  pango_layout_get_pixel_size (title, &tw, &th);
  w = MAX (tw, 140) + 20;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PangoLayout) pl = legend_text (self, items[i].label, FALSE);
      int iw;

      pango_layout_get_pixel_size (pl, &iw, NULL);
      w = MAX (w, iw + 44);
    }
  h = 10 + th + 6 + (heat ? 34 : n * 18) + 6;
  x = 12;
  y = view->height - h - 12;

  cairo_save (cr);
  qs_render_rounded_rect (cr, &(QsLayoutRect) { x, y, w, h }, 8);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.92);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.2);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 1);
  cairo_move_to (cr, x + 10, y + 8);
  pango_cairo_show_layout (cr, title);
  y += 10 + th + 6;
  if (heat)
    draw_heat_bar (self, cr, x + 10, y, w - 20);
  for (guint i = 0; i < n; i++, y += 18)
    {
      g_autoptr (PangoLayout) pl = legend_text (self, items[i].label, FALSE);

      qs_render_rounded_rect (cr, &(QsLayoutRect) { x + 10, y + 1, 22, 13 }, 3);
      qs_render_set_color (cr, &items[i].color, 1);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 1);
      cairo_move_to (cr, x + 38, y);
      pango_cairo_show_layout (cr, pl);
    }
  cairo_restore (cr);
}

/* Minimap */

static void
minimap_transform (QsGraphRender *self,
                   double         width,
                   double         height,
                   double        *scale,
                   double        *ox,
                   double        *oy)
{
  qs_layout_fit (self->layout, width, height, 4, G_MAXDOUBLE, scale, ox, oy);
}

void
qs_graph_render_draw_minimap (QsGraphRender      *self,
                              cairo_t            *cr,
                              double              width,
                              double              height,
                              const QsLayoutRect *viewport)
{
  QsLayoutRect bounds;
  double scale, ox, oy;

  g_return_if_fail (self != NULL && cr != NULL);

  if (self->graph == NULL)
    return;
  qs_graph_render_ensure_colors (self);
  qs_layout_get_bounds (self->layout, &bounds);
  minimap_transform (self, width, height, &scale, &ox, &oy);

  cairo_save (cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  cairo_translate (cr, ox, oy);
  cairo_scale (cr, scale, scale);
  g_array_set_size (self->visible_nodes, 0);
  qs_layout_groups_nodes_in_rect (self->groups, &bounds, self->visible_nodes);
  for (guint b = 0; b < QS_RENDER_N_BUCKETS; b++)
    {
      gboolean any = FALSE;

      for (guint i = 0; i < self->visible_nodes->len; i++)
        {
          QsId n = g_array_index (self->visible_nodes, QsId, i);
          QsLayoutRect r;

          if (self->bucket[n] != b)
            continue;
          qs_layout_get_node_rect (self->layout, n, &r);
          /* At least a device pixel, so small nodes still show. */
          cairo_rectangle (cr, r.x, r.y, MAX (r.width, 1.5 / scale), MAX (r.height, 1.5 / scale));
          any = TRUE;
        }
      if (!any)
        continue;
      /* Stronger than on the canvas: the map is small. */
      cairo_set_source_rgb (cr, self->bucket_colors[b].red * 0.85,
                            self->bucket_colors[b].green * 0.85,
                            self->bucket_colors[b].blue * 0.85);
      cairo_fill (cr);
    }
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_DEFAULT);
  if (viewport != NULL)
    {
      cairo_rectangle (cr, viewport->x, viewport->y, viewport->width, viewport->height);
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.15);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 1);
      cairo_set_line_width (cr, 1.5 / scale);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

void
qs_graph_render_minimap_to_layout (QsGraphRender *self,
                                   double         width,
                                   double         height,
                                   double        *x,
                                   double        *y)
{
  double scale, ox, oy;

  g_return_if_fail (self != NULL && x != NULL && y != NULL);

  if (self->layout == NULL)
    return;
  minimap_transform (self, width, height, &scale, &ox, &oy);
  *x = (*x - ox) / scale;
  *y = (*y - oy) / scale;
}

/* Export */

gboolean
qs_render_format_from_filename (const char     *filename,
                                QsRenderFormat *format)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (filename != NULL && format != NULL, FALSE);

  lower = g_ascii_strdown (filename, -1);
  if (g_str_has_suffix (lower, ".png"))
    *format = QS_RENDER_FORMAT_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    *format = QS_RENDER_FORMAT_SVG;
  else if (g_str_has_suffix (lower, ".pdf"))
    *format = QS_RENDER_FORMAT_PDF;
  else
    return FALSE;
  return TRUE;
}

static cairo_surface_t *
create_surface (const char     *filename,
                QsRenderFormat  format,
                double          width,
                double          height)
{
  switch (format)
    {
    case QS_RENDER_FORMAT_SVG:
      return cairo_svg_surface_create (filename, width, height);
    case QS_RENDER_FORMAT_PDF:
      return cairo_pdf_surface_create (filename, width, height);
    case QS_RENDER_FORMAT_PNG:
    default:
      return cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (width),
                                         (int) ceil (height));
    }
}

static gboolean
surface_error (cairo_status_t   status,
               const char      *filename,
               GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               /* TRANSLATORS: exporting the graph failed; a file, then why */
               _("Could not write “%s”: %s"), filename, cairo_status_to_string (status));
  return FALSE;
}

gboolean
qs_graph_render_export (QsGraphRender   *self,
                        const char      *filename,
                        QsRenderFormat   format,
                        GError         **error)
{
  QsRenderView view = { 0 };
  QsLayoutRect bounds = { 0, 0, 0, 0 };
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  double zoom = 1;

  g_return_val_if_fail (self != NULL && filename != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->layout != NULL)
    qs_layout_get_bounds (self->layout, &bounds);
  if (format == QS_RENDER_FORMAT_PNG)
    {
      double w = bounds.width + 2 * EXPORT_MARGIN, h = bounds.height + 2 * EXPORT_MARGIN;

      zoom = MIN (1, MIN (PNG_MAX_SIDE / w, PNG_MAX_SIDE / h));
      zoom = MIN (zoom, sqrt (PNG_MAX_AREA / (w * h)));
    }
  view.zoom = zoom;
  view.width = MAX (bounds.width * zoom + 2 * EXPORT_MARGIN, 200);
  view.height = MAX (bounds.height * zoom + 2 * EXPORT_MARGIN + 120, 200);
  view.offset_x = EXPORT_MARGIN - bounds.x * zoom;
  view.offset_y = EXPORT_MARGIN - bounds.y * zoom;
  view.foreground = (QsColor) { 0.14f, 0.14f, 0.16f };
  view.background = (QsColor) { 1, 1, 1 };
  view.legend = TRUE;
  view.all_text = TRUE;

  surface = create_surface (filename, format, view.width, view.height);
  cr = cairo_create (surface);
  qs_graph_render_draw (self, cr, &view);
  cairo_destroy (cr);
  if (format == QS_RENDER_FORMAT_PNG && cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png (surface, filename);
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  return surface_error (status, filename, error);
}
