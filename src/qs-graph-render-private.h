/* qs-graph-render-private.h: state shared by the renderer's files */
#pragma once

#include <pango/pangocairo.h>

#include "qs-graph-render.h"
#include "qs-layout-path.h"

G_BEGIN_DECLS

#define QS_RENDER_N_BUCKETS 40   /* distinct fills; heat is quantized */
#define QS_RENDER_NODE_PAD    8.0 /* text inset in a node, layout units */
#define QS_RENDER_NODE_RADIUS 6.0

enum
{
  QS_RENDER_FONT_TITLE,
  QS_RENDER_FONT_PATH,
  QS_RENDER_FONT_TYPE,
  QS_RENDER_FONT_NOTE,
  QS_RENDER_N_FONTS
};

typedef struct
{
  PangoLayout *lines[3];   /* op, module path, type */
  int          heights[3];
} QsNodeText;

struct _QsGraphRender
{
  /* borrowed */
  QsLayoutGroups      *groups;
  QsLayout            *layout;
  QsGraph             *graph;
  const QsFuseReport  *fusion;
  gboolean             fusion_made_graph; /* the report's output is the graph shown */
  const QsPrepared    *prepared;
  const guint8        *selected;
  QsId                 focus;

  /* owned */
  QsOverlay           *overlay;
  PangoFontMap        *font_map;
  PangoContext        *context;
  PangoFontDescription *fonts[QS_RENDER_N_FONTS];
  GHashTable          *texts;     /* node -> QsNodeText */
  GHashTable          *notes;     /* "font:text" -> PangoLayout: frame labels, stub notes */
  guint8              *bucket;    /* per node: its fill */
  QsColor              bucket_colors[QS_RENDER_N_BUCKETS];
  guint8              *markers;   /* per node: MARK_* */
  GArray              *fusion_rects;
  GArray              *visible_nodes;
  GArray              *visible_edges;
  GArray              *pieces;    /* QsLayoutPathPiece: the edges of a frame */
  GArray              *visible_groups;
  GArray              *per_bucket[QS_RENDER_N_BUCKETS];
  QsLayoutPoint       *points;    /* routing scratch */
  guint                n_points;
  gboolean             colors_valid;

  /* The whole graph drawn once at an overview zoom; pans blit it. */
  cairo_surface_t     *cache;
  double               cache_zoom;
  guint                cache_serial;
  guint                cache_groups_serial;
  QsColor              cache_fg;
  guint                serial;    /* bumped on every change of what shows */

  /* At closer zooms the content of the last frame, for pans and redraws
   * (qs-graph-render-frame.c); scroll_back is the spare for shifting. */
  cairo_surface_t     *scroll;
  cairo_surface_t     *scroll_back;
  QsRenderView         scroll_view;
  double               scroll_scale;
  guint                scroll_serial;
  guint                scroll_groups_serial;
};

enum
{
  MARK_NEAR_MISS   = 1 << 0,
  MARK_OBSERVED    = 1 << 1,  /* activation observer on the node's output */
  MARK_WEIGHT_OBS  = 1 << 2,
  MARK_FUSED       = 1 << 3,  /* a node of the prepared graph that absorbed others */
};

void  qs_graph_render_ensure_colors (QsGraphRender      *self);
void  qs_graph_render_clear_scroll  (QsGraphRender      *self);

/* qs-graph-render-text.c */
void        qs_graph_render_init_text   (QsGraphRender *self);
void        qs_graph_render_clear_text  (QsGraphRender *self);
/* Drops the layouts kept for the graph shown. */
void        qs_graph_render_forget_text (QsGraphRender *self);
/* Borrowed; kept until the graph changes. @width in layout units. */
QsNodeText *qs_graph_render_node_text   (QsGraphRender *self,
                                         QsId           id,
                                         double         width);
/* Draws @text at (x, y) unless @cr is NULL; its size in @width, @height
 * (either may be NULL). */
void        qs_graph_render_show_text   (QsGraphRender *self,
                                         cairo_t       *cr,
                                         guint          font,
                                         const char    *text,
                                         double         x,
                                         double         y,
                                         int           *width,
                                         int           *height);

/* qs-graph-render-edges.c and -nodes.c: parts of a frame, drawing what
 * the visible_* arrays hold; @cr is in layout units. */
void  qs_graph_render_draw_edges          (QsGraphRender      *self,
                                           cairo_t            *cr,
                                           const QsLayoutRect *clip,
                                           gboolean            detail);
void  qs_graph_render_draw_stub_labels    (QsGraphRender      *self,
                                           cairo_t            *cr,
                                           const QsLayoutRect *visible);
void  qs_graph_render_draw_group_frames   (QsGraphRender      *self,
                                           cairo_t            *cr,
                                           const QsRenderView *view,
                                           gboolean            text);
void  qs_graph_render_draw_collapsed_boxes (QsGraphRender     *self,
                                           cairo_t            *cr,
                                           const QsRenderView *view,
                                           gboolean            text);
void  qs_graph_render_draw_fusion_outlines (QsGraphRender     *self,
                                           cairo_t            *cr,
                                           const QsLayoutRect *visible);
void  qs_graph_render_draw_node_fills     (QsGraphRender      *self,
                                           cairo_t            *cr,
                                           gboolean            detail);
void  qs_graph_render_draw_node_labels    (QsGraphRender      *self,
                                           cairo_t            *cr);
void  qs_graph_render_draw_markers        (QsGraphRender      *self,
                                           cairo_t            *cr);
void  qs_graph_render_draw_selection      (QsGraphRender      *self,
                                           cairo_t            *cr,
                                           double              zoom);
void  qs_graph_render_draw_legend   (QsGraphRender      *self,
                                     cairo_t            *cr,
                                     const QsRenderView *view);
void  qs_render_set_color           (cairo_t            *cr,
                                     const QsColor      *color,
                                     double              alpha);
void  qs_render_rounded_rect        (cairo_t            *cr,
                                     const QsLayoutRect *r,
                                     double              radius);

G_END_DECLS
