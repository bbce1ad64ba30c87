/* qs-graph-render-private.h: state shared by the renderer's files */
#pragma once

#include <pango/pangocairo.h>

#include "qs-graph-render.h"

G_BEGIN_DECLS

#define QS_RENDER_N_BUCKETS 40   /* distinct fills; heat is quantized */

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
  PangoFontDescription *fonts[4]; /* title, path, type, note */
  GHashTable          *texts;     /* node -> QsNodeText */
  guint8              *bucket;    /* per node: its fill */
  QsColor              bucket_colors[QS_RENDER_N_BUCKETS];
  guint8              *markers;   /* per node: MARK_* */
  GArray              *fusion_rects;
  GArray              *visible_nodes;
  GArray              *visible_edges;
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
};

enum
{
  MARK_NEAR_MISS   = 1 << 0,
  MARK_OBSERVED    = 1 << 1,  /* activation observer on the node's output */
  MARK_WEIGHT_OBS  = 1 << 2,
  MARK_FUSED       = 1 << 3,  /* a node of the prepared graph that absorbed others */
};

void  qs_graph_render_ensure_colors (QsGraphRender      *self);
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
