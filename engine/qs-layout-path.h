/* qs-layout-path.h: the drawn shape of a routed edge, clipped to a view
 *
 * A routed edge (qs-layout.h) is a polyline through its layers; drawn, each
 * gap between layers is an S-curve (a cubic whose control points sit at
 * the gap's middle height) and each run through a layer a straight line.
 * This file turns the points of an edge into those pieces and cuts each
 * piece to the part inside a clip rectangle, so that a long edge crossing a
 * close-up view costs only what shows. A cut piece is the same curve over
 * a shorter parameter range: drawn, it covers exactly the same pixels
 * inside the clip.
 *
 * Stubs are dashed: their pieces are kept whole or dropped, never cut,
 * so the dashes stay where they were.
 *
 * Coordinates are layout units. The caller picks the clip: the visible
 * rectangle grown by the line width and a pixel of antialiasing.
 */
#pragma once

#include <glib.h>

#include "qs-layout.h"

G_BEGIN_DECLS

typedef enum
{
  QS_LAYOUT_PATH_LINE,    /* p[0] -> p[1] */
  QS_LAYOUT_PATH_CURVE,   /* cubic p[0] -> p[3], control points p[1], p[2] */
} QsLayoutPathKind;

/* One piece, a sub-path of its own (no joins between pieces). */
typedef struct
{
  QsLayoutPathKind kind;
  QsLayoutPoint    p[4];
} QsLayoutPathPiece;

typedef enum
{
  QS_LAYOUT_PATH_STUB   = 1 << 0, /* the four points of a stub edge */
  QS_LAYOUT_PATH_CURVES = 1 << 1, /* S-curves between layers; else one line end to end */
} QsLayoutPathFlags;

/* Appends to @pieces (QsLayoutPathPiece) the parts of the edge through
 * @points[0 .. @n_points) that meet @clip. The edge's last point is moved
 * up by @arrow (room for an arrow head drawn there). Returns the number
 * of pieces appended. */
guint    qs_layout_edge_path       (const QsLayoutPoint *points,
                                    guint                n_points,
                                    QsLayoutPathFlags    flags,
                                    double               arrow,
                                    const QsLayoutRect  *clip,
                                    GArray              *pieces);

/* Whether @rect meets @clip (edges touching count). */
gboolean qs_layout_rects_meet      (const QsLayoutRect  *rect,
                                    const QsLayoutRect  *clip);

G_END_DECLS
