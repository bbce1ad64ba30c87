/* qs-graph-render-frame.c: one frame, and the two images that spare
 * redrawing it
 *
 * A frame is the content (group frames, fusion outlines, edges, nodes,
 * labels, markers: draw_content ()), then the selection and the legend,
 * which change more often and are always drawn afresh.
 *
 * The content is costly at close zooms on a dense graph (stroking a few
 * hundred long antialiased edges across the view is most of it), so it is
 * kept in an image:
 * - at overview zooms the whole graph fits in a few screens: it is drawn
 *   once into one image, and pans blit it;
 * - at closer zooms the image holds the view: a pan shifts it by whole
 *   device pixels and draws only the strips that came into view, and a
 *   frame that shows the same content again (a new selection, hover) only
 *   blits it. Offsets are snapped to device pixels so that the strips meet
 *   the kept image exactly.
 * Both are redrawn when the zoom, the size, the colours or what shows
 * (serials of the renderer and of the groups) change. Vector targets
 * (exports) are always drawn directly.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qs-graph-render-private.h"

static void
collect_visible (QsGraphRender      *self,
                 const QsLayoutRect *visible)
{
  g_array_set_size (self->visible_nodes, 0);
  g_array_set_size (self->visible_edges, 0);
  g_array_set_size (self->visible_groups, 0);
  qs_layout_groups_nodes_in_rect (self->groups, visible, self->visible_nodes);
  qs_layout_edges_in_rect (self->layout, visible, self->visible_edges);
  qs_layout_groups_in_rect (self->groups, visible, self->visible_groups);
}

/* Frames, edges, nodes, labels and markers: what the caches hold. @visible is in layout units, @cr already scaled by @zoom. */
static void
draw_content (QsGraphRender      *self,
              cairo_t            *cr,
              const QsRenderView *view,
              const QsLayoutRect *visible)
{
  gboolean detail = view->all_text || view->zoom >= QS_RENDER_DETAIL_ZOOM;
  gboolean text = view->all_text || view->zoom >= QS_RENDER_TEXT_ZOOM;
  QsLayoutRect clip;
  double margin;

  collect_visible (self, visible);
  /* Curves flattened to half a pixel look the same and stroke faster;
   * small boxes do not need smooth edges. */
  cairo_set_tolerance (cr, 0.5);
  if (!text)
    cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  qs_graph_render_draw_group_frames (self, cr, view, text);
  if (self->fusion != NULL && detail)
    qs_graph_render_draw_fusion_outlines (self, cr, visible);
  qs_render_set_color (cr, &view->foreground, text ? 0.45 : 0.3);
  cairo_set_line_width (cr, text ? 1.25 : 1 / view->zoom);
  if (!text)
    cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  /* Pieces reach a line width and a pixel of antialiasing past the view. */
  margin = (text ? 1.25 : 0) + 2 / view->zoom;
  clip = (QsLayoutRect) { visible->x - margin, visible->y - margin,
                          visible->width + 2 * margin, visible->height + 2 * margin };
  qs_graph_render_draw_edges (self, cr, &clip, text);
  cairo_set_antialias (cr, text ? CAIRO_ANTIALIAS_DEFAULT : CAIRO_ANTIALIAS_FAST);
  if (text)
    {
      qs_render_set_color (cr, &view->foreground, 0.8);
      qs_graph_render_draw_stub_labels (self, cr, visible);
    }
  qs_graph_render_draw_node_fills (self, cr, text);
  qs_graph_render_draw_collapsed_boxes (self, cr, view, text);
  if (text)
    qs_graph_render_draw_node_labels (self, cr);
  if (detail)
    qs_graph_render_draw_markers (self, cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_DEFAULT);
}

#define CACHE_MAX_SIDE 4096.0

/* At overview zooms the whole graph is a few screens at most: draw it
 * once into an image and let pans blit it. */
static gboolean
use_cache (QsGraphRender      *self,
           const QsRenderView *view,
           const QsLayoutRect *bounds)
{
  double w = bounds->width * view->zoom, h = bounds->height * view->zoom;

  return !view->all_text && view->zoom < QS_RENDER_TEXT_ZOOM
         && w <= CACHE_MAX_SIDE && h <= CACHE_MAX_SIDE
         && w * h <= 4 * MAX (view->width * view->height, 1);
}

static void
ensure_cache (QsGraphRender      *self,
              const QsRenderView *view,
              const QsLayoutRect *bounds)
{
  guint groups_serial = qs_layout_groups_get_serial (self->groups);
  QsRenderView local = *view;
  cairo_t *cr;

  if (self->cache != NULL && self->cache_zoom == view->zoom && self->cache_serial == self->serial
      && self->cache_groups_serial == groups_serial
      && memcmp (&self->cache_fg, &view->foreground, sizeof (QsColor)) == 0)
    return;
  g_clear_pointer (&self->cache, cairo_surface_destroy);
  self->cache = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                            (int) ceil (bounds->width * view->zoom) + 4,
                                            (int) ceil (bounds->height * view->zoom) + 4);
  self->cache_zoom = view->zoom;
  self->cache_serial = self->serial;
  self->cache_groups_serial = groups_serial;
  self->cache_fg = view->foreground;
  local.offset_x = 2 - bounds->x * view->zoom;
  local.offset_y = 2 - bounds->y * view->zoom;
  cr = cairo_create (self->cache);
  cairo_translate (cr, local.offset_x, local.offset_y);
  cairo_scale (cr, view->zoom, view->zoom);
  draw_content (self, cr, &local, bounds);
  cairo_destroy (cr);
}

/* The view's image */

static gboolean
scroll_possible (cairo_t            *cr,
                 const QsRenderView *view)
{
  cairo_surface_type_t type = cairo_surface_get_type (cairo_get_target (cr));
  cairo_matrix_t m;

  if (view->all_text || type == CAIRO_SURFACE_TYPE_PDF || type == CAIRO_SURFACE_TYPE_SVG
      || type == CAIRO_SURFACE_TYPE_PS || type == CAIRO_SURFACE_TYPE_SCRIPT)
    return FALSE;
  /* Blits land on whole pixels only through a whole-pixel translation. */
  cairo_get_matrix (cr, &m);
  return m.xx == 1 && m.yy == 1 && m.xy == 0 && m.yx == 0
         && m.x0 == round (m.x0) && m.y0 == round (m.y0)
         && view->width >= 1 && view->height >= 1;
}

static gboolean
scroll_valid (QsGraphRender      *self,
              const QsRenderView *view,
              double              scale)
{
  const QsRenderView *kept = &self->scroll_view;

  return self->scroll != NULL && kept->zoom == view->zoom && self->scroll_scale == scale
         && kept->width == view->width && kept->height == view->height
         && kept->transparent == view->transparent
         && self->scroll_serial == self->serial
         && self->scroll_groups_serial == qs_layout_groups_get_serial (self->groups)
         && memcmp (&kept->foreground, &view->foreground, sizeof (QsColor)) == 0
         && (view->transparent
             || memcmp (&kept->background, &view->background, sizeof (QsColor)) == 0);
}

static cairo_surface_t *
scroll_surface (const QsRenderView *view,
                double              scale)
{
  cairo_surface_t *surface =
    cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (view->width * scale),
                                (int) ceil (view->height * scale));

  cairo_surface_set_device_scale (surface, scale, scale);
  return surface;
}

/* Redraws the rectangle (x, y, w, h) of the kept image, in view units. */
static void
scroll_draw_rect (QsGraphRender      *self,
                  const QsRenderView *view,
                  double              x,
                  double              y,
                  double              w,
                  double              h)
{
  cairo_t *cr = cairo_create (self->scroll);
  QsLayoutRect visible = {
    (x - view->offset_x) / view->zoom, (y - view->offset_y) / view->zoom,
    w / view->zoom, h / view->zoom,
  };

  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  if (view->transparent)
    cairo_set_source_rgba (cr, 0, 0, 0, 0);
  else
    qs_render_set_color (cr, &view->background, 1);
  cairo_paint (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
  cairo_translate (cr, view->offset_x, view->offset_y);
  cairo_scale (cr, view->zoom, view->zoom);
  draw_content (self, cr, view, &visible);
  cairo_destroy (cr);
}

/* Moves the kept image by (dx, dy) view units and draws what came in. */
static void
scroll_shift (QsGraphRender      *self,
              const QsRenderView *view,
              double              dx,
              double              dy)
{
  double w = view->width, h = view->height;
  cairo_surface_t *swap;
  cairo_t *cr;

  if (self->scroll_back == NULL)
    self->scroll_back = scroll_surface (view, self->scroll_scale);
  cr = cairo_create (self->scroll_back);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_set_source_surface (cr, self->scroll, dx, dy);
  cairo_paint (cr);
  cairo_destroy (cr);
  swap = self->scroll;
  self->scroll = self->scroll_back;
  self->scroll_back = swap;

  /* A band across the top or bottom, then one down the side beside it. */
  if (dy != 0)
    scroll_draw_rect (self, view, 0, dy > 0 ? 0 : h + dy, w, fabs (dy));
  if (dx != 0)
    scroll_draw_rect (self, view, dx > 0 ? 0 : w + dx, dy > 0 ? dy : 0, fabs (dx),
                      h - fabs (dy));
}

static void
scroll_update (QsGraphRender      *self,
               const QsRenderView *view,
               double              scale)
{
  double dx = view->offset_x - self->scroll_view.offset_x;
  double dy = view->offset_y - self->scroll_view.offset_y;

  if (!scroll_valid (self, view, scale) || fabs (dx) >= view->width
      || fabs (dy) >= view->height)
    {
      /* A new size or scale needs new images; anything else only redraws. */
      if (self->scroll == NULL || self->scroll_scale != scale
          || self->scroll_view.width != view->width || self->scroll_view.height != view->height)
        {
          qs_graph_render_clear_scroll (self);
          self->scroll = scroll_surface (view, scale);
        }
      self->scroll_scale = scale;
      self->scroll_serial = self->serial;
      self->scroll_groups_serial = qs_layout_groups_get_serial (self->groups);
      scroll_draw_rect (self, view, 0, 0, view->width, view->height);
    }
  else if (dx != 0 || dy != 0)
    scroll_shift (self, view, dx, dy);
  self->scroll_view = *view;
}

void
qs_graph_render_clear_scroll (QsGraphRender *self)
{
  g_clear_pointer (&self->scroll, cairo_surface_destroy);
  g_clear_pointer (&self->scroll_back, cairo_surface_destroy);
}

/* Frames */

static void
draw_overview (QsGraphRender      *self,
               cairo_t            *cr,
               const QsRenderView *view,
               const QsLayoutRect *bounds)
{
  ensure_cache (self, view, bounds);
  cairo_save (cr);
  cairo_set_source_surface (cr, self->cache, view->offset_x + bounds->x * view->zoom - 2,
                            view->offset_y + bounds->y * view->zoom - 2);
  cairo_paint (cr);
  cairo_restore (cr);
}

static void
draw_scroll (QsGraphRender      *self,
             cairo_t            *cr,
             const QsRenderView *view,
             double              scale)
{
  scroll_update (self, view, scale);
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, view->width, view->height);
  cairo_clip (cr);
  /* Opaque, with the background: a copy, not a blend. */
  if (!view->transparent)
    cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_set_source_surface (cr, self->scroll, 0, 0);
  cairo_paint (cr);
  cairo_restore (cr);
}

static void
draw_direct (QsGraphRender      *self,
             cairo_t            *cr,
             const QsRenderView *view,
             const QsLayoutRect *visible)
{
  cairo_save (cr);
  cairo_translate (cr, view->offset_x, view->offset_y);
  cairo_scale (cr, view->zoom, view->zoom);
  draw_content (self, cr, view, visible);
  cairo_restore (cr);
}

void
qs_graph_render_draw (QsGraphRender      *self,
                      cairo_t            *cr,
                      const QsRenderView *in)
{
  QsRenderView view;
  QsLayoutRect visible, bounds;
  gboolean overview, scroll;
  double scale;

  g_return_if_fail (self != NULL && cr != NULL && in != NULL);
  g_return_if_fail (in->zoom > 0);

  view = *in;
  scale = view.scale > 0 ? view.scale : 1;
  if (self->graph != NULL)
    qs_layout_get_bounds (self->layout, &bounds);
  overview = self->graph != NULL && use_cache (self, &view, &bounds);
  scroll = self->graph != NULL && !overview && scroll_possible (cr, &view);
  /* The view's image holds the background already. */
  if (!view.transparent && !scroll)
    {
      qs_render_set_color (cr, &view.background, 1);
      cairo_paint (cr);
    }
  if (self->graph == NULL)
    return;
  qs_graph_render_ensure_colors (self);
  if (scroll)
    {
      view.offset_x = round (view.offset_x * scale) / scale;
      view.offset_y = round (view.offset_y * scale) / scale;
    }
  visible = (QsLayoutRect) { -view.offset_x / view.zoom, -view.offset_y / view.zoom,
                             view.width / view.zoom, view.height / view.zoom };

  if (overview)
    draw_overview (self, cr, &view, &bounds);
  else if (scroll)
    draw_scroll (self, cr, &view, scale);
  else
    draw_direct (self, cr, &view, &visible);

  /* The selection is drawn over the content, for the nodes on screen. */
  g_array_set_size (self->visible_nodes, 0);
  qs_layout_groups_nodes_in_rect (self->groups, &visible, self->visible_nodes);
  cairo_save (cr);
  cairo_translate (cr, view.offset_x, view.offset_y);
  cairo_scale (cr, view.zoom, view.zoom);
  qs_graph_render_draw_selection (self, cr, view.zoom);
  cairo_restore (cr);
  if (view.legend)
    qs_graph_render_draw_legend (self, cr, &view);
}
