/* qs-layout.h: a layered (Sugiyama-style) drawing of a QsGraph
 *
 * Nodes go into layers from top to bottom (longest path, cycle safe),
 * edges spanning several layers are routed through dummy points, a few
 * barycenter sweeps reduce crossings and nodes are placed close to their
 * neighbours without overlapping. Edges that would span more than
 * QsLayoutOptions.stub_span layers (a mask feeding every block, say) and
 * edges against the layering (only in a cyclic graph) are not routed: they
 * are flagged QS_LAYOUT_EDGE_STUB and drawn as two short stubs.
 *
 * Coordinates are in layout units (one unit is one pixel at zoom 1), y grows
 * downwards, and a node's (x, y) is its top left corner. The layout keeps a
 * reference on the graph; it is immutable once built, so it can be built in
 * a worker thread and read from any thread. It is reference counted so an
 * export running in a thread can keep the layout the view shows alive.
 *
 * Module groups, collapsing and fusion outlines sit on top of a layout in
 * qs-layout-groups.h.
 */
#pragma once

#include <glib.h>

#include "qs-graph.h"

G_BEGIN_DECLS

typedef struct _QsLayout QsLayout;

typedef struct
{
  double x, y;
} QsLayoutPoint;

typedef struct
{
  double x, y, width, height;
} QsLayoutRect;

/* Asks the caller for the size of @node, in layout units. Called once per
 * node, from the thread calling qs_layout_new (). */
typedef void (*QsLayoutSizeFunc) (const QsGraph *graph,
                                  QsId           node,
                                  double        *width,
                                  double        *height,
                                  gpointer       user_data);

typedef struct
{
  /* Node size when @size_func is NULL. */
  double           node_width;
  double           node_height;
  QsLayoutSizeFunc size_func;
  gpointer         size_data;
  /* Gaps between neighbours in a layer and between layers. */
  double           node_gap;
  double           layer_gap;
  /* Edges spanning more layers than this become stubs. */
  guint            stub_span;
  /* Barycenter sweeps (one down and one up each). */
  guint            sweeps;
  /* Length of a stub, and margin around a wrapped region's nodes. */
  double           stub_length;
  double           wrapped_margin;
  /* Nodes are at least this wide per input port. */
  double           port_spacing;
} QsLayoutOptions;

typedef enum
{
  QS_LAYOUT_EDGE_STUB = 1 << 0, /* not routed: points are two stubs */
  QS_LAYOUT_EDGE_BACK = 1 << 1, /* goes against the layering (a cycle) */
} QsLayoutEdgeFlags;

/* An edge from the node producing @value to input @port of @target.
 * A routed edge is the polyline points[0 .. n_points); a stub edge has four
 * points: points[0] -> points[1] leaves the source, points[2] -> points[3]
 * enters the target. */
typedef struct
{
  QsId                 source;
  QsId                 target;
  QsId                 value;
  guint32              port;
  QsLayoutEdgeFlags    flags;
  guint32              n_points;
  const QsLayoutPoint *points;  /* owned by the layout */
} QsLayoutEdge;

/* Fills @opts with the defaults used when qs_layout_new () gets NULL. */
void                qs_layout_options_init     (QsLayoutOptions    *opts);

/* Lays out @graph (it does not need to be analysed). Never fails: any
 * graph, even a cyclic one, gets a drawing. @opts may be NULL. */
QsLayout           *qs_layout_new              (QsGraph            *graph,
                                                const QsLayoutOptions *opts);
QsLayout           *qs_layout_ref              (QsLayout           *layout);
/* Drops a reference (the name predates the reference count). */
void                qs_layout_free             (QsLayout           *layout);

/* Borrowed. */
QsGraph            *qs_layout_get_graph        (const QsLayout     *layout);
guint               qs_layout_get_n_nodes      (const QsLayout     *layout);
const QsLayoutOptions *qs_layout_get_options   (const QsLayout     *layout);
guint               qs_layout_get_n_layers     (const QsLayout     *layout);
/* Dummy points created for long edges (for statistics). */
guint               qs_layout_get_n_dummies    (const QsLayout     *layout);
void                qs_layout_get_bounds       (const QsLayout     *layout,
                                                QsLayoutRect       *bounds);
void                qs_layout_get_node_rect    (const QsLayout     *layout,
                                                QsId                node,
                                                QsLayoutRect       *rect);
guint               qs_layout_get_node_layer   (const QsLayout     *layout,
                                                QsId                node);
guint               qs_layout_get_n_edges      (const QsLayout     *layout);
/* Borrowed; valid as long as the layout. */
const QsLayoutEdge *qs_layout_get_edge         (const QsLayout     *layout,
                                                guint               edge);
/* The dashed frame around a wrapped region's nodes; FALSE when the region
 * has no node to frame. */
gboolean            qs_layout_get_wrapped_rect (const QsLayout     *layout,
                                                QsId                wrapped,
                                                QsLayoutRect       *rect);

/* Neighbours of @node, for keyboard navigation: the edge indices whose
 * target (in) or source (out) is @node. In-edges are in input-port order,
 * out-edges left to right by target. Borrowed. */
const guint32      *qs_layout_node_in_edges    (const QsLayout     *layout,
                                                QsId                node,
                                                guint              *n_edges);
const guint32      *qs_layout_node_out_edges   (const QsLayout     *layout,
                                                QsId                node,
                                                guint              *n_edges);
/* The node @step places right (> 0) or left (< 0) of @node in its layer,
 * or QS_ID_NONE past the end. */
QsId                qs_layout_node_beside      (const QsLayout     *layout,
                                                QsId                node,
                                                int                 step);

/* Hit testing, in O(log n) per layer touched. */
QsId                qs_layout_node_at          (const QsLayout     *layout,
                                                double              x,
                                                double              y);
/* Appends the ids (QsId) of nodes intersecting @rect to @ids. */
void                qs_layout_nodes_in_rect    (const QsLayout     *layout,
                                                const QsLayoutRect *rect,
                                                GArray             *ids);
/* Appends the indices (guint) of edges whose bounding box meets @rect. */
void                qs_layout_edges_in_rect    (const QsLayout     *layout,
                                                const QsLayoutRect *rect,
                                                GArray             *edges);

/* The scale and offset that show the whole layout centred in a view of
 * @view_width x @view_height pixels with @margin pixels around it, at
 * most @max_scale. A layout point p lands at p * scale + offset. */
void                qs_layout_fit              (const QsLayout     *layout,
                                                double              view_width,
                                                double              view_height,
                                                double              margin,
                                                double              max_scale,
                                                double             *scale,
                                                double             *offset_x,
                                                double             *offset_y);

/* The scale at and above which node labels read comfortably (layout units
 * to pixels); a first look at a graph does not go below it. */
#define QS_LAYOUT_READABLE_SCALE 0.55

/* The scale and offset of a first look at the layout: its width fitted
 * into @view_width with @margin pixels each side, but at most @max_scale
 * and at least @min_scale, with the top of the layout @margin pixels
 * below the top of the view. A layout narrower than the view is centred;
 * a wider one shows its middle. */
void                qs_layout_fit_top          (const QsLayout     *layout,
                                                double              view_width,
                                                double              view_height,
                                                double              margin,
                                                double              min_scale,
                                                double              max_scale,
                                                double             *scale,
                                                double             *offset_x,
                                                double             *offset_y);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsLayout, qs_layout_free)

G_END_DECLS
