/* qs-graph-view.h: draws a laid-out graph; pan, zoom and hit tests
 *
 * The view shows a QsLayout built elsewhere (usually in a worker thread by
 * qs_load_graph_async ()); qs_graph_view_init_layout_options () gives the
 * node sizes that match how the view draws them.
 */
#pragma once

#include <gtk/gtk.h>

#include "qs-layout.h"

G_BEGIN_DECLS

#define QS_TYPE_GRAPH_VIEW (qs_graph_view_get_type ())

G_DECLARE_FINAL_TYPE (QsGraphView, qs_graph_view, QS, GRAPH_VIEW, GtkWidget)

GtkWidget *qs_graph_view_new                (void);
/* Takes ownership of @layout (NULL clears the view) and zooms to fit. */
void       qs_graph_view_take_layout        (QsGraphView     *self,
                                             QsLayout        *layout);
/* Borrowed; NULL when empty. */
QsLayout  *qs_graph_view_get_layout         (QsGraphView     *self);
QsGraph   *qs_graph_view_get_graph          (QsGraphView     *self);

double     qs_graph_view_get_zoom           (QsGraphView     *self);
/* Zooms around the centre of the view. */
void       qs_graph_view_set_zoom           (QsGraphView     *self,
                                             double           zoom);
void       qs_graph_view_zoom_in            (QsGraphView     *self);
void       qs_graph_view_zoom_out           (QsGraphView     *self);
void       qs_graph_view_zoom_to_fit        (QsGraphView     *self);
/* Scrolls so that @node is in the middle of the view. */
void       qs_graph_view_center_on_node     (QsGraphView     *self,
                                             QsId             node);

/* Layout options whose node sizes fit the view's labels, measured with
 * @measure (a PangoLayout private to the calling thread), which must
 * outlive the qs_layout_new () call. */
void       qs_graph_view_init_layout_options (QsLayoutOptions *opts,
                                              PangoLayout     *measure);

G_END_DECLS
