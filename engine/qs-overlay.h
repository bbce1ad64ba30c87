/* qs-overlay.h: per-node data shown over the graph, and its colours
 *
 * An overlay is one number per node of a graph (latency, quantization
 * error, bound, ...) with a label, a unit and how to colour it. The
 * engine fills it; the canvas and the exporter only ask for colours, so
 * all the arithmetic (ranges, log scales, palettes) lives here.
 *
 * Colours are sRGB components in [0, 1].
 */
#pragma once

#include <glib.h>

#include "qs-graph.h"
#include "qs-ops.h"
#include "qs-qconfig.h"

G_BEGIN_DECLS

typedef struct
{
  float red, green, blue;
} QsColor;

typedef enum
{
  QS_COLOR_SCALE_HEAT,         /* low is cool, high is hot */
  QS_COLOR_SCALE_HEAT_LOG,     /* the same on a log scale (latency, MACs) */
  QS_COLOR_SCALE_HEAT_INVERSE, /* high is good (SQNR, cosine): high is cool */
  QS_COLOR_SCALE_CATEGORY,     /* values are category indices */
} QsColorScale;

typedef struct _QsOverlay QsOverlay;

/* A new overlay over @n_nodes nodes, every value missing (NAN). */
QsOverlay    *qs_overlay_new            (const char      *label,
                                         const char      *unit,
                                         QsColorScale     scale,
                                         guint            n_nodes);
QsOverlay    *qs_overlay_ref            (QsOverlay       *overlay);
void          qs_overlay_unref          (QsOverlay       *overlay);

const char   *qs_overlay_get_label      (const QsOverlay *overlay);
const char   *qs_overlay_get_unit       (const QsOverlay *overlay);
QsColorScale  qs_overlay_get_scale      (const QsOverlay *overlay);
guint         qs_overlay_get_n_nodes    (const QsOverlay *overlay);

/* NAN marks a node without data. */
void          qs_overlay_set_value      (QsOverlay       *overlay,
                                         QsId             node,
                                         double           value);
double        qs_overlay_get_value      (const QsOverlay *overlay,
                                         QsId             node);
/* Category names for QS_COLOR_SCALE_CATEGORY (copied, NULL-terminated). */
void          qs_overlay_set_categories (QsOverlay       *overlay,
                                         const char * const *names);
const char * const *qs_overlay_get_categories (const QsOverlay *overlay);
/* The range of the data (min and max of the values present); FALSE when
 * no node has a value. */
gboolean      qs_overlay_get_range      (const QsOverlay *overlay,
                                         double          *min,
                                         double          *max);

/* The colour of @node; FALSE (and a neutral grey) when it has no value. */
gboolean      qs_overlay_node_color     (const QsOverlay *overlay,
                                         QsId             node,
                                         QsColor         *color);
/* The colour of @node quantized into one of @n_steps steps along the
 * scale (a category's index for categories), or @none without a value;
 * lets a renderer fill all nodes of one colour at once. */
guint         qs_overlay_bucket         (const QsOverlay *overlay,
                                         QsId             node,
                                         guint            n_steps,
                                         guint            none);
/* The colour at @t in [0, 1] along the overlay's scale, for legends. */
void          qs_overlay_scale_color    (const QsOverlay *overlay,
                                         double           t,
                                         QsColor         *color);
/* "1.2 M", "35.1 dB": a value with the overlay's unit, for legends. */
char         *qs_overlay_format_value   (const QsOverlay *overlay,
                                         double           value);

/* A stand-in until the estimator fills latency: MACs per node. */
QsOverlay    *qs_overlay_new_macs       (const QsGraph   *graph);

/* Fixed palettes. */
void          qs_palette_heat           (double           t,
                                         QsColor         *color);
void          qs_palette_category       (guint            index,
                                         QsColor         *color);
void          qs_palette_op_class       (QsOpClass        cls,
                                         QsColor         *color);
void          qs_palette_qdtype         (QsQdtype         dtype,
                                         QsColor         *color);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsOverlay, qs_overlay_unref)

G_END_DECLS
