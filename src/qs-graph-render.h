/* qs-graph-render.h: draws a laid-out graph with Cairo, without GTK
 *
 * One renderer serves the canvas (QsGraphView), the window's export and
 * `quantscope-cli export`, so all of them show the same picture. It needs
 * Cairo and Pango only, never a display.
 *
 * Everything it shows is borrowed: the groups (and through them the
 * layout and graph), the fusion report and the prepared graph must outlive
 * the renderer or be unset first; the overlay is referenced. Text layouts
 * and per-node colours are cached and rebuilt when their inputs change, and
 * so is the content of the last frame on a raster target: a pan redraws
 * only what came into view, a redraw of the same view (a new selection)
 * only blits it. There, offsets are snapped to device pixels.
 * A renderer is used from one thread at a time.
 */
#pragma once

#include <cairo.h>
#include <pango/pango.h>

#include "qs-layout-groups.h"
#include "qs-overlay.h"
#include "qs-passes.h"

G_BEGIN_DECLS

typedef struct _QsGraphRender QsGraphRender;

/* Where to draw: a layout point p lands at p * zoom + offset, in a target
 * of width x height device units. */
typedef struct
{
  double  zoom;
  double  offset_x, offset_y;
  double  width, height;
  QsColor foreground;   /* edges and frame labels */
  QsColor background;   /* filled first, unless transparent */
  gboolean transparent;
  gboolean legend;      /* the colour legend in the bottom-left corner */
  gboolean all_text;    /* draw labels at every zoom (exports) */
  double   scale;       /* device pixels per unit of the target (HiDPI); 0 means 1 */
} QsRenderView;

typedef enum
{
  QS_RENDER_COLOR_OP_CLASS,
  QS_RENDER_COLOR_QDTYPE,   /* needs a prepared graph */
  QS_RENDER_COLOR_OVERLAY,  /* needs an overlay */
} QsRenderColorMode;

typedef enum
{
  QS_RENDER_FORMAT_PNG,
  QS_RENDER_FORMAT_SVG,
  QS_RENDER_FORMAT_PDF,
} QsRenderFormat;

/* Zooms below which details go (layout units to device units). */
#define QS_RENDER_TEXT_ZOOM   0.4   /* labels */
#define QS_RENDER_DETAIL_ZOOM 0.12  /* rounded corners, arrows, outlines */

QsGraphRender    *qs_graph_render_new              (void);
void              qs_graph_render_free             (QsGraphRender         *render);

/* NULL clears. Resets the fusion report and prepared graph, which belong
 * to one graph. */
void              qs_graph_render_set_groups       (QsGraphRender         *render,
                                                    QsLayoutGroups        *groups);
QsLayoutGroups   *qs_graph_render_get_groups       (QsGraphRender         *render);
/* A report whose input graph is the graph shown: groups are outlined,
 * near-misses marked. */
void              qs_graph_render_set_fusion       (QsGraphRender         *render,
                                                    const QsFuseReport    *report);
/* A report whose OUTPUT graph is the graph shown (a fused or prepared
 * graph, where each fusion group is one node): near-misses are marked on
 * the node that holds the member that could not absorb its neighbour. */
void              qs_graph_render_set_fused_by     (QsGraphRender         *render,
                                                    const QsFuseReport    *report);
/* A prepared graph whose ->graph is the graph shown: colours by qconfig
 * dtype and observer markers. */
void              qs_graph_render_set_prepared     (QsGraphRender         *render,
                                                    const QsPrepared      *prepared);
void              qs_graph_render_set_overlay      (QsGraphRender         *render,
                                                    QsOverlay             *overlay);
QsRenderColorMode qs_graph_render_get_color_mode   (QsGraphRender         *render);
/* @selected has one byte per node (non-zero: selected), borrowed; @focus
 * is drawn strongest, or QS_ID_NONE. Call again after changing them. */
void              qs_graph_render_set_selection    (QsGraphRender         *render,
                                                    const guint8          *selected,
                                                    QsId                   focus);

void              qs_graph_render_draw             (QsGraphRender         *render,
                                                    cairo_t               *cr,
                                                    const QsRenderView    *view);
/* The whole graph fitted into @width x @height, nodes only, with
 * @viewport (layout units) outlined. */
void              qs_graph_render_draw_minimap     (QsGraphRender         *render,
                                                    cairo_t               *cr,
                                                    double                 width,
                                                    double                 height,
                                                    const QsLayoutRect    *viewport);
/* Layout point shown at minimap point (x, y) of a @width x @height map. */
void              qs_graph_render_minimap_to_layout (QsGraphRender        *render,
                                                    double                 width,
                                                    double                 height,
                                                    double                *x,
                                                    double                *y);

/* Near-misses of @node as sentences, one per line; NULL when none. */
char             *qs_graph_render_dup_near_misses  (QsGraphRender         *render,
                                                    QsId                   node);
/* The qconfig of @node in words ("qint8/qint8 per-channel minmax"), or
 * NULL without a prepared graph. */
char             *qs_graph_render_dup_qconfig      (QsGraphRender         *render,
                                                    QsId                   node);

/* From the file name's extension (.png, .svg, .pdf); FALSE if unknown. */
gboolean          qs_render_format_from_filename   (const char            *filename,
                                                    QsRenderFormat        *format);
/* Draws the whole graph, with labels, at zoom 1 (PNG: scaled down to
 * stay within 16384 pixels a side). */
gboolean          qs_graph_render_export           (QsGraphRender         *render,
                                                    const char            *filename,
                                                    QsRenderFormat         format,
                                                    GError               **error);

/* Layout options whose node sizes fit the labels this renderer draws,
 * measured with @measure (private to the calling thread; must outlive
 * the qs_layout_new () call). */
void              qs_graph_render_init_layout_options (QsLayoutOptions    *opts,
                                                       PangoLayout        *measure);
/* A PangoLayout for measuring, on a font map of its own (for threads and
 * programs without a display). */
PangoLayout      *qs_graph_render_new_measure_layout (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsGraphRender, qs_graph_render_free)

G_END_DECLS
