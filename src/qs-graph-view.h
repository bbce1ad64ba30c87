/* qs-graph-view.h: the graph canvas
 *
 * Shows a QsLayout built elsewhere (usually in a worker thread by
 * qs_load_graph_async ()) with the Cairo renderer of qs-graph-render.h:
 * pan, zoom, level of detail, a minimap, module groups that collapse,
 * fusion outlines, qconfig colours and overlays. Selection (click, rubber
 * band, shift adds), search and keyboard navigation live here too.
 */
#pragma once

#include <gtk/gtk.h>

#include "qs-graph-render.h"

G_BEGIN_DECLS

#define QS_TYPE_GRAPH_VIEW (qs_graph_view_get_type ())

G_DECLARE_FINAL_TYPE (QsGraphView, qs_graph_view, QS, GRAPH_VIEW, GtkWidget)

typedef enum
{
  QS_GRAPH_VIEW_UP,     /* to a producer */
  QS_GRAPH_VIEW_DOWN,   /* to a consumer */
  QS_GRAPH_VIEW_LEFT,   /* to the neighbour on the left */
  QS_GRAPH_VIEW_RIGHT,
} QsGraphViewDirection;

GtkWidget      *qs_graph_view_new                 (void);
/* Takes ownership of @layout (NULL clears the view), finds its groups and
 * gives a first look (qs_graph_view_zoom_to_top ()); drops the fusion
 * report, prepared graph and selection. */
void            qs_graph_view_take_layout         (QsGraphView          *self,
                                                   QsLayout             *layout);
/* Borrowed; NULL when empty. */
QsLayout       *qs_graph_view_get_layout          (QsGraphView          *self);
QsGraph        *qs_graph_view_get_graph           (QsGraphView          *self);
QsLayoutGroups *qs_graph_view_get_groups          (QsGraphView          *self);

/* Replaces what the view shows in one step: the graph of @layout
 * (referenced), made by the fusion @fused_by (whose output graph it is;
 * may be NULL) and prepared as @prepared (whose ->graph it is; may be
 * NULL). Both are borrowed: @owner_free (@owner) runs when the view lets
 * go of them. The selection and focus carry over by node name (a node
 * fused away selects the node it went into), collapsed groups by path,
 * and zoom and scroll stay; an empty view gets a first look instead. */
void            qs_graph_view_show_graph          (QsGraphView          *self,
                                                   QsLayout             *layout,
                                                   const QsFuseReport   *fused_by,
                                                   const QsPrepared     *prepared,
                                                   gpointer              owner,
                                                   GDestroyNotify        owner_free);
/* Takes ownership; @report's input graph must be the graph shown. */
void            qs_graph_view_take_fusion         (QsGraphView          *self,
                                                   QsFuseReport         *report);
/* Takes ownership; @prepared->graph must be the graph shown. Colours
 * nodes by activation dtype and marks observers. */
void            qs_graph_view_take_prepared       (QsGraphView          *self,
                                                   QsPrepared           *prepared);
/* Colours nodes by @overlay (referenced), NULL for the default colours. */
void            qs_graph_view_set_overlay         (QsGraphView          *self,
                                                   QsOverlay            *overlay);
QsRenderColorMode qs_graph_view_get_color_mode    (QsGraphView          *self);

double          qs_graph_view_get_zoom            (QsGraphView          *self);
/* Zooms around the centre of the view. */
void            qs_graph_view_set_zoom            (QsGraphView          *self,
                                                   double                zoom);
void            qs_graph_view_zoom_in             (QsGraphView          *self);
void            qs_graph_view_zoom_out            (QsGraphView          *self);
void            qs_graph_view_zoom_to_fit         (QsGraphView          *self);
/* A first look: the graph's width, at most 100% and at least
 * QS_LAYOUT_READABLE_SCALE, its top at the top of the view. */
void            qs_graph_view_zoom_to_top         (QsGraphView          *self);
/* Fits the selected nodes; FALSE when nothing is selected. */
gboolean        qs_graph_view_zoom_to_selection   (QsGraphView          *self);
/* Scrolls so that @node is in the middle of the view. */
void            qs_graph_view_center_on_node      (QsGraphView          *self,
                                                   QsId                  node);
/* Widget coordinates of a layout point. */
void            qs_graph_view_layout_to_widget    (QsGraphView          *self,
                                                   double                x,
                                                   double                y,
                                                   double               *wx,
                                                   double               *wy);

/* Selection. The focus is the node keyboard navigation starts from. */
void            qs_graph_view_select_node         (QsGraphView          *self,
                                                   QsId                  node,
                                                   gboolean              add);
void            qs_graph_view_unselect_all        (QsGraphView          *self);
/* Selects the shown nodes meeting @rect (layout units). */
void            qs_graph_view_select_rect         (QsGraphView          *self,
                                                   const QsLayoutRect   *rect,
                                                   gboolean              add);
gboolean        qs_graph_view_is_selected         (QsGraphView          *self,
                                                   QsId                  node);
guint           qs_graph_view_get_n_selected      (QsGraphView          *self);
/* Owned array of QsId, in id order. */
GArray         *qs_graph_view_dup_selection       (QsGraphView          *self);
QsId            qs_graph_view_get_focus           (QsGraphView          *self);

/* What a click at widget point (x, y) does: selects the node there (shift:
 * adds or removes), toggles a group when on its label or collapsed box,
 * clears the selection on empty space. */
void            qs_graph_view_click               (QsGraphView          *self,
                                                   double                x,
                                                   double                y,
                                                   GdkModifierType       state);

/* Moves the focus from the focused node; @cycle (alt) steps through the
 * other producers / consumers of the node the last move came from. */
gboolean        qs_graph_view_navigate            (QsGraphView          *self,
                                                   QsGraphViewDirection  direction,
                                                   gboolean              cycle);

/* Finds nodes whose name, op or module path contains @text (case
 * insensitive), in layout order top to bottom; returns how many. */
guint           qs_graph_view_search              (QsGraphView          *self,
                                                   const char           *text);
/* Selects and centres the next (@step 1) or previous (-1) match; returns
 * it, or QS_ID_NONE without matches. */
QsId            qs_graph_view_search_step         (QsGraphView          *self,
                                                   int                   step);
/* The index of the current match, or -1. */
int             qs_graph_view_get_search_index    (QsGraphView          *self);

/* Collapses or expands the module group @path (or a wrapped region by
 * name); FALSE when there is no such group. Nothing else moves. */
gboolean        qs_graph_view_set_group_collapsed (QsGraphView          *self,
                                                   const char           *path,
                                                   gboolean              collapsed);

gboolean        qs_graph_view_get_show_minimap    (QsGraphView          *self);
void            qs_graph_view_set_show_minimap    (QsGraphView          *self,
                                                   gboolean              show);

/* Writes the whole graph as shown (groups, colours) to @filename; the
 * format comes from the extension (.png, .svg, .pdf). */
gboolean        qs_graph_view_export              (QsGraphView          *self,
                                                   const char           *filename,
                                                   GError              **error);

/* Layout options whose node sizes fit the view's labels, measured with
 * @measure (a PangoLayout private to the calling thread), which must
 * outlive the qs_layout_new () call. */
void            qs_graph_view_init_layout_options (QsLayoutOptions      *opts,
                                                   PangoLayout          *measure);

G_END_DECLS
