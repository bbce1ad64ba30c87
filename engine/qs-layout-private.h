/* qs-layout-private.h: the layout's arrays and the steps that fill them,
 * shared by qs-layout*.c (see qs-layout.c for the pipeline) */
#pragma once

#include "qs-layout.h"

G_BEGIN_DECLS

typedef struct
{
  guint32 other;   /* the vertex at the other end of the segment */
  float   offset;  /* the target port's offset from its vertex centre */
  float   slot;    /* the same as a fraction of the target's width */
} Segment;

typedef struct
{
  guint32 first_dummy;  /* dummies of a routed edge are consecutive */
  guint32 span;         /* layers crossed; 0 for stubs */
  double  x0, y0, x1, y1;  /* bounding box */
} EdgeExtra;

struct _QsLayout
{
  gatomicrefcount ref_count;
  QsGraph       *graph;
  QsLayoutOptions opts;

  guint          n_nodes;
  guint          n_vertices;   /* nodes + dummies */
  guint          n_layers;
  guint32       *layer;        /* per vertex */
  double        *x;            /* per vertex: centre */
  double        *w;            /* per vertex */
  double        *h;            /* per node */

  double        *layer_y;      /* per layer: top */
  double        *layer_h;      /* per layer: height */
  guint32       *layer_start;  /* vertices of layer l, left to right: */
  guint32       *layer_verts;  /* layer_verts[layer_start[l] .. [l + 1]) */
  guint32       *node_start;   /* same with nodes only, for hit tests */
  guint32       *layer_nodes;

  guint          n_edges;
  QsLayoutEdge  *edges;
  EdgeExtra     *extra;
  QsLayoutPoint *points;

  QsLayoutRect  *wrapped_rects;
  gboolean      *wrapped_valid;
  QsLayoutRect   bounds;

  guint32       *in_start;     /* per node: in_edges[in_start[n] .. [n + 1]) */
  guint32       *in_edges;
  guint32       *out_start;
  guint32       *out_edges;
  guint32       *node_pos;     /* per node: index in layer_nodes */
};

/* Scratch data used while building. */
typedef struct
{
  guint32  *producer;   /* per value: producing node, or QS_ID_NONE */
  guint32  *out_index;  /* per value: index in its producer's outputs */
  guint32  *order;      /* nodes in layering order */
  guint32  *pos;        /* per vertex: index in its layer */
  guint32  *up_start, *down_start;
  Segment  *up, *down;
} Scratch;

/* qs-layout.c */
double qs_layout_port_offset       (double          width,
                                    guint           index,
                                    guint           count);

/* qs-layout-order.c: steps 4 and 5 */
void   qs_layout_build_layer_lists (QsLayout       *self,
                                    Scratch        *s);
void   qs_layout_reduce_crossings  (QsLayout       *self,
                                    Scratch        *s);
void   qs_layout_assign_x          (QsLayout       *self,
                                    Scratch        *s);

/* qs-layout-route.c: step 6 and the indices of a finished layout */
double qs_layout_node_top          (const QsLayout *self,
                                    guint32         n);
void   qs_layout_route_edges       (QsLayout       *self,
                                    Scratch        *s);
void   qs_layout_finish            (QsLayout       *self);
void   qs_layout_index_node_edges  (QsLayout       *self);

G_END_DECLS
