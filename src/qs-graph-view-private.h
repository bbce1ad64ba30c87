/* qs-graph-view-private.h: state shared by the canvas's files */
#pragma once

#include "qs-graph-view.h"

G_BEGIN_DECLS

#define ZOOM_MIN     0.002
#define ZOOM_MAX     4.0
#define ZOOM_STEP    1.25
#define FIT_MARGIN   24.0
#define MINIMAP_W    200.0
#define MINIMAP_H    150.0
#define MINIMAP_PAD  12.0


typedef enum
{
  DRAG_NONE,
  DRAG_PAN,
  DRAG_BAND,
  DRAG_MINIMAP,
} DragMode;

struct _QsGraphView
{
  GtkWidget        parent_instance;

  /* owned */
  QsLayout        *layout;
  QsLayoutGroups  *groups;
  QsGraphRender   *render;
  QsFuseReport    *fusion;
  QsPrepared      *prepared;
  QsOverlay       *overlay;
  guint8          *selected;      /* per node */
  guint            n_selected;
  GArray          *matches;       /* QsId: search hits, top to bottom */
  cairo_surface_t *minimap;       /* cached nodes of the minimap */
  /* What keeps the borrowed report and prepared graph of
   * qs_graph_view_show_graph () alive. */
  gpointer         owner;
  GDestroyNotify   owner_free;

  QsId             focus;
  int              match_index;
  /* The last vertical move, for alt+left/right: from which node, which
   * way, and which of its neighbours we are on. */
  QsId             nav_from;
  int              nav_dir;
  guint            nav_index;

  double           zoom;
  double           offset_x, offset_y;
  DragMode         drag_mode;
  double           drag_x, drag_y;         /* where the drag began (widget) */
  double           drag_offset_x, drag_offset_y;
  double           band_dx, band_dy;
  GdkModifierType  drag_state;
  double           pointer_x, pointer_y;
  double           pinch_zoom;             /* the zoom when a pinch began */
  guint            minimap_serial;
  guint            fit_pending : 1;
  guint            fit_top : 1;            /* the pending fit is a first look */
  guint            show_minimap : 1;
  guint            minimap_valid : 1;
};

/* qs-graph-view.c */
void     qs_graph_view_set_view            (QsGraphView        *self,
                                            double              zoom,
                                            double              offset_x,
                                            double              offset_y);
void     qs_graph_view_visible_rect        (QsGraphView        *self,
                                            QsLayoutRect       *rect);
void     qs_graph_view_minimap_rect        (QsGraphView        *self,
                                            graphene_rect_t    *rect);
void     qs_graph_view_selection_changed   (QsGraphView        *self);
void     qs_graph_view_content_changed     (QsGraphView        *self);

/* qs-graph-view-input.c */
void     qs_graph_view_init_input          (QsGraphView        *self);
void     qs_graph_view_class_init_input    (GtkWidgetClass     *widget_class);
void     qs_graph_view_snapshot_band       (QsGraphView        *self,
                                            GtkSnapshot        *snapshot);

/* qs-graph-view-draw.c */
void     qs_graph_view_snapshot            (GtkWidget          *widget,
                                            GtkSnapshot        *snapshot);

G_END_DECLS
