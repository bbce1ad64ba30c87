/* qs-overlay.c: per-node data shown over the graph, and its colours */
#include "qs-overlay.h"

#include <math.h>

#include "qs-summary.h"

struct _QsOverlay
{
  gatomicrefcount ref_count;
  char         *label;
  char         *unit;
  QsColorScale  scale;
  guint         n_nodes;
  double       *values;
  char        **categories;
  /* The range, recomputed lazily after a change. */
  gboolean      range_valid;
  gboolean      has_data;
  double        min, max;
};

QsOverlay *
qs_overlay_new (const char   *label,
                const char   *unit,
                QsColorScale  scale,
                guint         n_nodes)
{
  QsOverlay *self = g_new0 (QsOverlay, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->label = g_strdup (label ? label : "");
  self->unit = g_strdup (unit ? unit : "");
  self->scale = scale;
  self->n_nodes = n_nodes;
  self->values = g_new (double, MAX (n_nodes, 1));
  for (guint i = 0; i < n_nodes; i++)
    self->values[i] = NAN;
  return self;
}

QsOverlay *
qs_overlay_ref (QsOverlay *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
qs_overlay_unref (QsOverlay *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->label);
  g_free (self->unit);
  g_free (self->values);
  g_strfreev (self->categories);
  g_free (self);
}

const char *
qs_overlay_get_label (const QsOverlay *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->label;
}

const char *
qs_overlay_get_unit (const QsOverlay *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->unit;
}

QsColorScale
qs_overlay_get_scale (const QsOverlay *self)
{
  g_return_val_if_fail (self != NULL, QS_COLOR_SCALE_HEAT);
  return self->scale;
}

guint
qs_overlay_get_n_nodes (const QsOverlay *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_nodes;
}

void
qs_overlay_set_value (QsOverlay *self,
                      QsId       node,
                      double     value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (node < self->n_nodes);

  self->values[node] = value;
  self->range_valid = FALSE;
}

double
qs_overlay_get_value (const QsOverlay *self,
                      QsId             node)
{
  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (node < self->n_nodes, NAN);
  return self->values[node];
}

void
qs_overlay_set_categories (QsOverlay          *self,
                           const char * const *names)
{
  g_return_if_fail (self != NULL);

  g_strfreev (self->categories);
  self->categories = g_strdupv ((char **) names);
}

const char * const *
qs_overlay_get_categories (const QsOverlay *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->categories;
}

static void
update_range (QsOverlay *self)
{
  gboolean log_scale = self->scale == QS_COLOR_SCALE_HEAT_LOG;

  self->has_data = FALSE;
  self->min = self->max = 0;
  for (guint i = 0; i < self->n_nodes; i++)
    {
      double v = self->values[i];

      /* A log scale ignores zeros: they show as "no data". */
      if (isnan (v) || (log_scale && v <= 0))
        continue;
      if (!self->has_data)
        self->min = self->max = v;
      self->min = MIN (self->min, v);
      self->max = MAX (self->max, v);
      self->has_data = TRUE;
    }
  self->range_valid = TRUE;
}

gboolean
qs_overlay_get_range (const QsOverlay *overlay,
                      double          *min,
                      double          *max)
{
  QsOverlay *self = (QsOverlay *) overlay;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->range_valid)
    update_range (self);
  if (min != NULL)
    *min = self->min;
  if (max != NULL)
    *max = self->max;
  return self->has_data;
}

static const QsColor no_data = { 0.85f, 0.85f, 0.84f };

/* Where @v falls on the scale, in [0, 1]; NAN without data. */
static double
scale_position (const QsOverlay *self,
                double           v)
{
  double min, max;

  if (isnan (v) || !qs_overlay_get_range (self, &min, &max))
    return NAN;
  if (self->scale == QS_COLOR_SCALE_HEAT_LOG)
    {
      if (v <= 0)
        return NAN;
      return max > min ? (log (v) - log (min)) / (log (max) - log (min)) : 1;
    }
  return max > min ? (v - min) / (max - min) : 1;
}

guint
qs_overlay_bucket (const QsOverlay *self,
                   QsId             node,
                   guint            n_steps,
                   guint            none)
{
  double v, t;

  g_return_val_if_fail (self != NULL && n_steps > 0, none);

  if (node >= self->n_nodes || isnan (v = self->values[node]))
    return none;
  if (self->scale == QS_COLOR_SCALE_CATEGORY)
    return (guint) MAX (v, 0);
  t = scale_position (self, v);
  if (isnan (t))
    return none;
  return MIN ((guint) (CLAMP (t, 0, 1) * n_steps), n_steps - 1);
}

gboolean
qs_overlay_node_color (const QsOverlay *self,
                       QsId             node,
                       QsColor         *color)
{
  double v, t;

  g_return_val_if_fail (self != NULL && color != NULL, FALSE);

  *color = no_data;
  if (node >= self->n_nodes || isnan (v = self->values[node]))
    return FALSE;
  if (self->scale == QS_COLOR_SCALE_CATEGORY)
    {
      qs_palette_category ((guint) MAX (v, 0), color);
      return TRUE;
    }
  t = scale_position (self, v);
  if (isnan (t))
    return FALSE;
  qs_overlay_scale_color (self, t, color);
  return TRUE;
}

void
qs_overlay_scale_color (const QsOverlay *self,
                        double           t,
                        QsColor         *color)
{
  g_return_if_fail (self != NULL && color != NULL);

  t = CLAMP (t, 0, 1);
  if (self->scale == QS_COLOR_SCALE_HEAT_INVERSE)
    t = 1 - t;
  qs_palette_heat (t, color);
}

char *
qs_overlay_format_value (const QsOverlay *self,
                         double           value)
{
  static const char * const prefixes[] = { "", " k", " M", " G", " T" };
  double a = fabs (value);
  guint p = 0;

  g_return_val_if_fail (self != NULL, NULL);

  if (isnan (value))
    return g_strdup ("–");
  if (self->scale == QS_COLOR_SCALE_CATEGORY)
    {
      guint n = self->categories ? g_strv_length (self->categories) : 0;
      guint i = (guint) MAX (value, 0);

      return g_strdup (i < n ? self->categories[i] : "?");
    }
  while (a >= 1000 && p + 1 < G_N_ELEMENTS (prefixes))
    {
      a /= 1000;
      value /= 1000;
      p++;
    }
  return g_strdup_printf ("%.3g%s%s%s", value, prefixes[p],
                          *self->unit && p == 0 ? " " : "", self->unit);
}

QsOverlay *
qs_overlay_new_macs (const QsGraph *graph)
{
  QsOverlay *self;

  g_return_val_if_fail (graph != NULL, NULL);

  self = qs_overlay_new ("MACs", "MAC", QS_COLOR_SCALE_HEAT_LOG, graph->n_nodes);
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      guint64 macs = qs_node_macs (graph, &graph->nodes[n]);

      if (macs > 0)
        self->values[n] = (double) macs;
    }
  return self;
}

static void
mix (const QsColor *a,
     const QsColor *b,
     double         t,
     QsColor       *out)
{
  out->red = a->red + (b->red - a->red) * t;
  out->green = a->green + (b->green - a->green) * t;
  out->blue = a->blue + (b->blue - a->blue) * t;
}

/* Light enough for dark labels at both ends: pale blue to red. */
void
qs_palette_heat (double   t,
                 QsColor *color)
{
  static const QsColor stops[] = {
    { 0.56f, 0.75f, 0.88f },  /* #8fbfe0 */
    { 0.80f, 0.91f, 0.90f },  /* #cce8e6 */
    { 1.00f, 0.96f, 0.65f },  /* #fff5a6 */
    { 0.99f, 0.68f, 0.38f },  /* #fdae61 */
    { 0.92f, 0.33f, 0.27f },  /* #eb5445 */
  };
  double x;
  guint i;

  g_return_if_fail (color != NULL);

  t = isnan (t) ? 0 : CLAMP (t, 0, 1);
  x = t * (G_N_ELEMENTS (stops) - 1);
  i = MIN ((guint) x, G_N_ELEMENTS (stops) - 2);
  mix (&stops[i], &stops[i + 1], x - i, color);
}

void
qs_palette_category (guint    index,
                     QsColor *color)
{
  static const QsColor colors[] = {
    { 0.60f, 0.76f, 0.95f },  /* compute: blue */
    { 0.97f, 0.62f, 0.60f },  /* DDR: red */
    { 0.56f, 0.94f, 0.64f },  /* vector: green */
    { 0.98f, 0.82f, 0.48f },
    { 0.86f, 0.54f, 0.87f },
    { 0.66f, 0.88f, 0.85f },
  };

  g_return_if_fail (color != NULL);
  *color = colors[index % G_N_ELEMENTS (colors)];
}

static void
from_hex (guint32  rgb,
          QsColor *color)
{
  color->red = ((rgb >> 16) & 0xff) / 255.0f;
  color->green = ((rgb >> 8) & 0xff) / 255.0f;
  color->blue = (rgb & 0xff) / 255.0f;
}

/* Pastel fills per op class, readable with dark text. */
void
qs_palette_op_class (QsOpClass  cls,
                     QsColor   *color)
{
  static const guint32 colors[QS_N_OP_CLASSES] = {
    [QS_OP_CLASS_OTHER] = 0xdeddda,
    [QS_OP_CLASS_IO] = 0xf6f5f4,
    [QS_OP_CLASS_CONV] = 0x99c1f1,
    [QS_OP_CLASS_LINEAR] = 0xa4c8f0,
    [QS_OP_CLASS_MATMUL] = 0xb3c7f5,
    [QS_OP_CLASS_NORM] = 0xdcc7f0,
    [QS_OP_CLASS_ACTIVATION] = 0xf9d27a,
    [QS_OP_CLASS_SOFTMAX] = 0xffbe6f,
    [QS_OP_CLASS_ELEMENTWISE] = 0x8ff0a4,
    [QS_OP_CLASS_POOL] = 0xa8e0d8,
    [QS_OP_CLASS_REDUCE] = 0xb5e8c8,
    [QS_OP_CLASS_RESIZE] = 0xc4e6a8,
    [QS_OP_CLASS_MOVE] = 0xf0b8a8,
    [QS_OP_CLASS_RESHAPE] = 0xe8dcc8,
    [QS_OP_CLASS_IDENTITY] = 0xebebeb,
    [QS_OP_CLASS_SHAPE] = 0xe0e0e0,
    [QS_OP_CLASS_WRAPPED] = 0xdc8add,
  };

  g_return_if_fail (color != NULL);
  from_hex (cls < QS_N_OP_CLASSES ? colors[cls] : colors[QS_OP_CLASS_OTHER], color);
}

/* The qconfig legend: float stays grey, the narrower the type the
 * stronger the colour. */
void
qs_palette_qdtype (QsQdtype  dtype,
                   QsColor  *color)
{
  static const guint32 colors[QS_N_QDTYPES] = {
    [QS_QDTYPE_QINT8] = 0x57e389,
    [QS_QDTYPE_QINT16] = 0xffbe6f,
    [QS_QDTYPE_FP16] = 0xc061cb,
    [QS_QDTYPE_FLOAT] = 0xc0bfbc,
  };

  g_return_if_fail (color != NULL);
  from_hex (dtype < QS_N_QDTYPES ? colors[dtype] : colors[QS_QDTYPE_FLOAT], color);
}
