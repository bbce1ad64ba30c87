/* qs-graph-render.c: draws a laid-out graph with Cairo, without GTK
 *
 * The renderer's state: what it shows (borrowed), what it caches, and the
 * per-node colours and markers. A frame is drawn by qs-graph-render-frame.c
 * from the pieces in qs-graph-render-{edges,nodes,text}.c; the legend,
 * minimap and file export are in qs-graph-render-export.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "qs-graph-render-private.h"

QsGraphRender *
qs_graph_render_new (void)
{
  QsGraphRender *self = g_new0 (QsGraphRender, 1);

  qs_graph_render_init_text (self);
  self->fusion_rects = g_array_new (FALSE, FALSE, sizeof (QsLayoutRect));
  self->visible_nodes = g_array_new (FALSE, FALSE, sizeof (QsId));
  self->visible_edges = g_array_new (FALSE, FALSE, sizeof (guint));
  self->pieces = g_array_new (FALSE, FALSE, sizeof (QsLayoutPathPiece));
  self->visible_groups = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < QS_RENDER_N_BUCKETS; i++)
    self->per_bucket[i] = g_array_new (FALSE, FALSE, sizeof (QsId));
  self->focus = QS_ID_NONE;
  return self;
}

void
qs_graph_render_free (QsGraphRender *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->overlay, qs_overlay_unref);
  g_clear_pointer (&self->cache, cairo_surface_destroy);
  qs_graph_render_clear_scroll (self);
  qs_graph_render_clear_text (self);
  g_array_unref (self->fusion_rects);
  g_array_unref (self->visible_nodes);
  g_array_unref (self->visible_edges);
  g_array_unref (self->pieces);
  g_array_unref (self->visible_groups);
  for (guint i = 0; i < QS_RENDER_N_BUCKETS; i++)
    g_array_unref (self->per_bucket[i]);
  g_free (self->bucket);
  g_free (self->markers);
  g_free (self->points);
  g_free (self);
}

/* The node shown for a near-miss: the report's node, or the fused node
 * holding it when the report made the graph shown. */
static QsId
near_miss_node (QsGraphRender    *self,
                const QsNearMiss *m)
{
  if (!self->fusion_made_graph)
    return m->node;
  if (m->node >= self->fusion->n_input_nodes)
    return QS_ID_NONE;
  return self->fusion->node_map[m->node];
}

static void
update_markers (QsGraphRender *self)
{
  if (self->graph == NULL)
    return;
  memset (self->markers, 0, MAX (self->graph->n_nodes, 1));
  for (QsId n = 0; n < self->graph->n_nodes; n++)
    if (self->graph->nodes[n].n_fused > 0)
      self->markers[n] |= MARK_FUSED;
  if (self->fusion != NULL)
    for (guint i = 0; i < self->fusion->near_misses->len; i++)
      {
        const QsNearMiss *m = &g_array_index (self->fusion->near_misses, QsNearMiss, i);
        QsId node = near_miss_node (self, m);

        if (node < self->graph->n_nodes)
          self->markers[node] |= MARK_NEAR_MISS;
      }
  if (self->prepared != NULL)
    for (guint i = 0; i < self->prepared->observers->len; i++)
      {
        const QsObserverSpec *o = &g_array_index (self->prepared->observers, QsObserverSpec, i);

        if (o->node < self->graph->n_nodes)
          self->markers[o->node] |= o->point == QS_OBSERVE_WEIGHT ? MARK_WEIGHT_OBS
                                                                   : MARK_OBSERVED;
      }
}

void
qs_graph_render_set_groups (QsGraphRender  *self,
                            QsLayoutGroups *groups)
{
  guint max_points = 4;

  g_return_if_fail (self != NULL);

  self->serial++;
  self->groups = groups;
  self->layout = groups ? qs_layout_groups_get_layout (groups) : NULL;
  self->graph = self->layout ? qs_layout_get_graph (self->layout) : NULL;
  self->fusion = NULL;
  self->fusion_made_graph = FALSE;
  self->prepared = NULL;
  self->selected = NULL;
  self->focus = QS_ID_NONE;
  self->colors_valid = FALSE;
  qs_graph_render_forget_text (self);
  g_array_set_size (self->fusion_rects, 0);
  g_clear_pointer (&self->bucket, g_free);
  g_clear_pointer (&self->markers, g_free);
  if (self->graph == NULL)
    return;
  self->bucket = g_new0 (guint8, MAX (self->graph->n_nodes, 1));
  self->markers = g_new0 (guint8, MAX (self->graph->n_nodes, 1));
  for (guint e = 0; e < qs_layout_get_n_edges (self->layout); e++)
    max_points = MAX (max_points, qs_layout_get_edge (self->layout, e)->n_points);
  self->points = g_renew (QsLayoutPoint, self->points, max_points);
  self->n_points = max_points;
  update_markers (self);
}

QsLayoutGroups *
qs_graph_render_get_groups (QsGraphRender *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->groups;
}

void
qs_graph_render_set_fusion (QsGraphRender      *self,
                            const QsFuseReport *report)
{
  g_return_if_fail (self != NULL);

  self->serial++;
  self->fusion = report;
  self->fusion_made_graph = FALSE;
  g_array_set_size (self->fusion_rects, 0);
  if (report != NULL && self->layout != NULL)
    qs_layout_fusion_outlines (self->layout, report, self->fusion_rects);
  update_markers (self);
}

void
qs_graph_render_set_fused_by (QsGraphRender      *self,
                              const QsFuseReport *report)
{
  g_return_if_fail (self != NULL);

  /* Members are one box already (outlined as fused): no outlines to tie. */
  self->serial++;
  self->fusion = report;
  self->fusion_made_graph = report != NULL;
  g_array_set_size (self->fusion_rects, 0);
  update_markers (self);
}

void
qs_graph_render_set_prepared (QsGraphRender    *self,
                              const QsPrepared *prepared)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (prepared == NULL || prepared->graph == self->graph);

  self->serial++;
  self->prepared = prepared;
  self->colors_valid = FALSE;
  update_markers (self);
}

void
qs_graph_render_set_overlay (QsGraphRender *self,
                             QsOverlay     *overlay)
{
  g_return_if_fail (self != NULL);

  if (overlay != NULL)
    qs_overlay_ref (overlay);
  g_clear_pointer (&self->overlay, qs_overlay_unref);
  self->overlay = overlay;
  self->serial++;
  self->colors_valid = FALSE;
}

QsRenderColorMode
qs_graph_render_get_color_mode (QsGraphRender *self)
{
  g_return_val_if_fail (self != NULL, QS_RENDER_COLOR_OP_CLASS);

  if (self->overlay != NULL && self->graph != NULL
      && qs_overlay_get_n_nodes (self->overlay) == self->graph->n_nodes)
    return QS_RENDER_COLOR_OVERLAY;
  if (self->prepared != NULL)
    return QS_RENDER_COLOR_QDTYPE;
  return QS_RENDER_COLOR_OP_CLASS;
}

void
qs_graph_render_set_selection (QsGraphRender *self,
                               const guint8  *selected,
                               QsId           focus)
{
  g_return_if_fail (self != NULL);
  self->selected = selected;
  self->focus = focus;
}

/* What a node's output is quantized to. A node whose output is not a
 * tensor (a dict placeholder, a tuple, the output node) holds nothing to
 * quantize, whatever its qconfig says: it shows as float, the neutral
 * colour, which the legend names "float / none". */
static QsQdtype
node_qdtype (const QsGraph    *graph,
             const QsPrepared *prepared,
             QsId              n)
{
  const QsNode *node = &graph->nodes[n];

  if (node->n_outputs == 0 || node->outputs[0] >= graph->n_values
      || !qs_type_is_tensor (&graph->values[node->outputs[0]].type))
    return QS_QDTYPE_FLOAT;
  return prepared->qconfigs->nodes[n].qconfig.activation;
}

/* Colours, quantized into buckets so that a frame fills once per colour. */
void
qs_graph_render_ensure_colors (QsGraphRender *self)
{
  QsRenderColorMode mode;
  guint n_heat = QS_RENDER_N_BUCKETS - 8;

  if (self->colors_valid || self->graph == NULL)
    return;
  mode = qs_graph_render_get_color_mode (self);
  for (guint b = 0; b < QS_RENDER_N_BUCKETS; b++)
    {
      if (mode == QS_RENDER_COLOR_OP_CLASS)
        qs_palette_op_class (MIN (b, QS_N_OP_CLASSES - 1), &self->bucket_colors[b]);
      else if (mode == QS_RENDER_COLOR_QDTYPE)
        qs_palette_qdtype (MIN (b, QS_N_QDTYPES - 1), &self->bucket_colors[b]);
      else if (qs_overlay_get_scale (self->overlay) == QS_COLOR_SCALE_CATEGORY)
        qs_palette_category (b, &self->bucket_colors[b]);
      else if (b < n_heat)
        qs_overlay_scale_color (self->overlay, (b + 0.5) / n_heat, &self->bucket_colors[b]);
    }
  /* The last bucket is "no data". */
  self->bucket_colors[QS_RENDER_N_BUCKETS - 1] = (QsColor) { 0.87f, 0.87f, 0.86f };

  for (QsId n = 0; n < self->graph->n_nodes; n++)
    {
      const QsNode *node = &self->graph->nodes[n];
      guint b = QS_RENDER_N_BUCKETS - 1;

      if (mode == QS_RENDER_COLOR_OP_CLASS)
        b = node->wrapped != QS_ID_NONE ? QS_OP_CLASS_WRAPPED : qs_op_class (node->op);
      else if (mode == QS_RENDER_COLOR_QDTYPE)
        b = node_qdtype (self->graph, self->prepared, n);
      else
        b = qs_overlay_bucket (self->overlay, n, n_heat, QS_RENDER_N_BUCKETS - 1);
      self->bucket[n] = MIN (b, QS_RENDER_N_BUCKETS - 1);
    }
  self->colors_valid = TRUE;
}

/* Drawing helpers */

void
qs_render_set_color (cairo_t       *cr,
                     const QsColor *color,
                     double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, alpha);
}

void
qs_render_rounded_rect (cairo_t            *cr,
                        const QsLayoutRect *r,
                        double              radius)
{
  radius = MIN (radius, MIN (r->width, r->height) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, r->x + r->width - radius, r->y + radius, radius, -G_PI_2, 0);
  cairo_arc (cr, r->x + r->width - radius, r->y + r->height - radius, radius, 0, G_PI_2);
  cairo_arc (cr, r->x + radius, r->y + r->height - radius, radius, G_PI_2, G_PI);
  cairo_arc (cr, r->x + radius, r->y + radius, radius, G_PI, 3 * G_PI_2);
  cairo_close_path (cr);
}

char *
qs_graph_render_dup_near_misses (QsGraphRender *self,
                                 QsId           node)
{
  GString *out = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->fusion == NULL || self->markers == NULL || node >= self->graph->n_nodes
      || !(self->markers[node] & MARK_NEAR_MISS))
    return NULL;
  for (guint i = 0; i < self->fusion->near_misses->len; i++)
    {
      const QsNearMiss *m = &g_array_index (self->fusion->near_misses, QsNearMiss, i);

      if (near_miss_node (self, m) != node)
        continue;
      out = out ? g_string_append_c (out, '\n') : g_string_new (NULL);
      /* TRANSLATORS: a fusion pattern that almost matched, then why not */
      g_string_append_printf (out, _("Not fused (%s): %s"), m->pattern,
                              m->detail ? m->detail : qs_near_miss_reason_name (m->reason));
    }
  return out ? g_string_free (out, FALSE) : NULL;
}

char *
qs_graph_render_dup_qconfig (QsGraphRender *self,
                             QsId           node)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->prepared == NULL || node >= self->graph->n_nodes)
    return NULL;
  out = g_string_new (NULL);
  qs_qconfig_append (&self->prepared->qconfigs->nodes[node].qconfig, out);
  return g_string_free (out, FALSE);
}
