/* qs-graph-render.c: draws a laid-out graph with Cairo, without GTK
 *
 * A frame draws, in order: group frames, fusion outlines, edges (one
 * stroke), nodes (one fill per colour bucket), then labels, markers and
 * the selection. Only what meets the visible rectangle is drawn; below
 * QS_RENDER_DETAIL_ZOOM nodes are plain rectangles and edges straight
 * lines, below QS_RENDER_TEXT_ZOOM there is no text. Text layouts are
 * built once per node and kept.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "qs-graph-render-private.h"

#define NODE_PAD     8.0
#define NODE_MIN_W   96.0
#define NODE_MAX_W   280.0
#define NODE_RADIUS  6.0
#define TEXT_CACHE_MAX 4096

static const char * const font_names[] = {
  "Sans Bold 10", "Sans 9", "Monospace 8", "Sans 7",
};
enum { FONT_TITLE, FONT_PATH, FONT_TYPE, FONT_NOTE };

/* Labels */

static void
set_unhinted (PangoContext *context)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (context, options);
  cairo_font_options_destroy (options);
}

static const char *
node_title (const QsNode *node,
            GString      *out)
{
  g_string_assign (out, node->op == QS_OP_UNKNOWN && node->target != NULL
                        ? node->target : qs_op_name (node->op));
  /* A fused node says what it absorbed: conv+bn+relu. */
  for (guint i = 0; i < node->n_fused; i++)
    g_string_append_printf (out, "+%s", qs_op_name (node->fused[i].op));
  return out->str;
}

static const char *
node_path (const QsNode *node)
{
  const char *path = qs_node_module_path (node);

  if (path != NULL && *path != '\0')
    return path;
  return node->name ? node->name : "";
}

static const char *
node_type (const QsGraph *graph,
           const QsNode  *node,
           GString       *out)
{
  g_string_truncate (out, 0);
  if (node->n_outputs == 0 || node->outputs[0] >= graph->n_values)
    return " ";
  qs_type_append (&graph->values[node->outputs[0]].type, out);
  if (node->n_outputs > 1)
    g_string_append_printf (out, " +%u", node->n_outputs - 1);
  return out->str;
}

static void
node_lines (const QsGraph *graph,
            QsId           id,
            GString       *title,
            GString       *type,
            const char   **lines)
{
  const QsNode *node = &graph->nodes[id];

  lines[0] = node_title (node, title);
  lines[1] = node_path (node);
  lines[2] = node_type (graph, node, type);
}

/* Text widths for sizing nodes: per font, the advance of every printable
 * ASCII character and the line height, measured once. Summing advances
 * ignores kerning, which only matters for the ellipsis that labels have
 * anyway; other text goes through Pango. */
typedef struct
{
  PangoLayout *layout;   /* borrowed: the measure layout holds this */
  double       advance[3][128];
  int          line_height[3];
} TextMetrics;

static TextMetrics *
text_metrics_new (PangoLayout *pl)
{
  TextMetrics *m = g_new0 (TextMetrics, 1);

  m->layout = pl;
  for (guint f = 0; f < 3; f++)
    {
      g_autoptr (PangoFontDescription) desc = pango_font_description_from_string (font_names[f]);
      PangoRectangle logical;

      pango_layout_set_font_description (pl, desc);
      for (guint c = 32; c < 127; c++)
        {
          char text[2] = { (char) c, 0 };

          pango_layout_set_text (pl, text, 1);
          pango_layout_get_extents (pl, NULL, &logical);
          m->advance[f][c] = (double) logical.width / PANGO_SCALE;
        }
      pango_layout_set_text (pl, "Ag", -1);
      pango_layout_get_pixel_size (pl, NULL, &m->line_height[f]);
    }
  return m;
}

static double
text_width (TextMetrics *m,
            guint        font,
            const char  *text)
{
  double w = 0;

  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      if (*p < 32 || *p >= 127)
        {
          g_autoptr (PangoFontDescription) desc =
            pango_font_description_from_string (font_names[font]);
          int pw;

          pango_layout_set_font_description (m->layout, desc);
          pango_layout_set_text (m->layout, text, -1);
          pango_layout_get_pixel_size (m->layout, &pw, NULL);
          return pw;
        }
      w += m->advance[font][*p];
    }
  return ceil (w);
}

static void
measure_node_cb (const QsGraph *graph,
                 QsId           id,
                 double        *width,
                 double        *height,
                 gpointer       user_data)
{
  TextMetrics *m = user_data;
  g_autoptr (GString) title = g_string_new (NULL);
  g_autoptr (GString) type = g_string_new (NULL);
  const char *lines[3];
  double w = 0;
  int h = 0;

  node_lines (graph, id, title, type, lines);
  for (guint i = 0; i < 3; i++)
    {
      w = MAX (w, text_width (m, i, lines[i]));
      h += m->line_height[i];
    }
  *width = CLAMP (w + 2 * NODE_PAD + 4, NODE_MIN_W, NODE_MAX_W);
  *height = h + 2 * NODE_PAD;
}

void
qs_graph_render_init_layout_options (QsLayoutOptions *opts,
                                     PangoLayout     *measure)
{
  g_return_if_fail (opts != NULL);
  g_return_if_fail (PANGO_IS_LAYOUT (measure));

  set_unhinted (pango_layout_get_context (measure));
  pango_layout_context_changed (measure);
  qs_layout_options_init (opts);
  opts->size_func = measure_node_cb;
  opts->size_data = g_object_get_data (G_OBJECT (measure), "qs-text-metrics");
  if (opts->size_data == NULL)
    {
      opts->size_data = text_metrics_new (measure);
      g_object_set_data_full (G_OBJECT (measure), "qs-text-metrics", opts->size_data, g_free);
    }
}

PangoLayout *
qs_graph_render_new_measure_layout (void)
{
  g_autoptr (PangoFontMap) font_map = pango_cairo_font_map_new ();
  PangoContext *context;
  PangoLayout *layout;

  pango_cairo_font_map_set_resolution (PANGO_CAIRO_FONT_MAP (font_map), 96);
  context = pango_font_map_create_context (font_map);
  layout = pango_layout_new (context);
  g_object_unref (context);
  return layout;
}

static void
node_text_free (gpointer data)
{
  QsNodeText *text = data;

  for (guint i = 0; i < 3; i++)
    g_clear_object (&text->lines[i]);
  g_free (text);
}

static QsNodeText *
node_text (QsGraphRender *self,
           QsId           id,
           double         width)
{
  g_autoptr (GString) title = NULL, type = NULL;
  const char *lines[3];
  QsNodeText *text;

  text = g_hash_table_lookup (self->texts, GUINT_TO_POINTER (id));
  if (text != NULL)
    return text;
  if (g_hash_table_size (self->texts) >= TEXT_CACHE_MAX)
    g_hash_table_remove_all (self->texts);

  title = g_string_new (NULL);
  type = g_string_new (NULL);
  node_lines (self->graph, id, title, type, lines);
  text = g_new0 (QsNodeText, 1);
  for (guint i = 0; i < 3; i++)
    {
      PangoLayout *pl = pango_layout_new (self->context);

      pango_layout_set_font_description (pl, self->fonts[i]);
      pango_layout_set_width (pl, (int) (width * PANGO_SCALE));
      pango_layout_set_ellipsize (pl, PANGO_ELLIPSIZE_MIDDLE);
      pango_layout_set_alignment (pl, PANGO_ALIGN_CENTER);
      pango_layout_set_text (pl, lines[i], -1);
      pango_layout_get_pixel_size (pl, NULL, &text->heights[i]);
      text->lines[i] = pl;
    }
  g_hash_table_insert (self->texts, GUINT_TO_POINTER (id), text);
  return text;
}

/* State */

QsGraphRender *
qs_graph_render_new (void)
{
  QsGraphRender *self = g_new0 (QsGraphRender, 1);

  self->font_map = pango_cairo_font_map_new ();
  pango_cairo_font_map_set_resolution (PANGO_CAIRO_FONT_MAP (self->font_map), 96);
  self->context = pango_font_map_create_context (self->font_map);
  set_unhinted (self->context);
  for (guint i = 0; i < G_N_ELEMENTS (self->fonts); i++)
    self->fonts[i] = pango_font_description_from_string (font_names[i]);
  self->texts = g_hash_table_new_full (NULL, NULL, NULL, node_text_free);
  self->fusion_rects = g_array_new (FALSE, FALSE, sizeof (QsLayoutRect));
  self->visible_nodes = g_array_new (FALSE, FALSE, sizeof (QsId));
  self->visible_edges = g_array_new (FALSE, FALSE, sizeof (guint));
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
  g_hash_table_unref (self->texts);
  g_object_unref (self->context);
  g_object_unref (self->font_map);
  for (guint i = 0; i < G_N_ELEMENTS (self->fonts); i++)
    pango_font_description_free (self->fonts[i]);
  g_array_unref (self->fusion_rects);
  g_array_unref (self->visible_nodes);
  g_array_unref (self->visible_edges);
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
  g_hash_table_remove_all (self->texts);
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
        b = self->prepared->qconfigs->nodes[n].qconfig.activation;
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

static void
show_text (QsGraphRender *self,
           cairo_t       *cr,
           guint          font,
           const char    *text,
           double         x,
           double         y,
           int           *width,
           int           *height)
{
  g_autoptr (PangoLayout) pl = pango_layout_new (self->context);

  pango_layout_set_font_description (pl, self->fonts[font]);
  pango_layout_set_text (pl, text, -1);
  pango_layout_get_pixel_size (pl, width, height);
  if (cr != NULL)
    {
      cairo_move_to (cr, x, y);
      pango_cairo_show_layout (cr, pl);
    }
}

/* Edges */

static gboolean
segment_visible (const QsLayoutPoint *a,
                 const QsLayoutPoint *b,
                 const QsLayoutRect  *v)
{
  return MAX (a->x, b->x) >= v->x && MIN (a->x, b->x) <= v->x + v->width
         && MAX (a->y, b->y) >= v->y && MIN (a->y, b->y) <= v->y + v->height;
}

/* Adds an edge to the path, leaving out the pieces outside @visible: long
 * edges crossing a close-up view cost only what shows. */
static void
path_edge (cairo_t             *cr,
           const QsLayoutPoint *p,
           guint                n,
           gboolean             stub,
           gboolean             curves,
           double               arrow,
           const QsLayoutRect  *visible)
{
  if (stub)
    {
      if (segment_visible (&p[0], &p[1], visible))
        {
          cairo_move_to (cr, p[0].x, p[0].y);
          cairo_line_to (cr, p[1].x, p[1].y);
        }
      if (segment_visible (&p[2], &p[3], visible))
        {
          cairo_move_to (cr, p[2].x, p[2].y);
          cairo_line_to (cr, p[3].x, p[3].y - arrow);
        }
      return;
    }
  if (!curves)
    {
      cairo_move_to (cr, p[0].x, p[0].y);
      cairo_line_to (cr, p[n - 1].x, p[n - 1].y);
      return;
    }
  /* Gaps between layers are S-curves, runs through a layer straight. */
  for (guint i = 0; i + 1 < n; i += 2)
    {
      const QsLayoutPoint *a = &p[i], *b = &p[i + 1];
      double mid = (a->y + b->y) / 2;
      gboolean last = i + 2 >= n;

      if (segment_visible (a, b, visible))
        {
          cairo_move_to (cr, a->x, a->y);
          cairo_curve_to (cr, a->x, mid, b->x, mid, b->x, last ? b->y - arrow : b->y);
        }
      if (!last && segment_visible (b, &p[i + 2], visible))
        {
          cairo_move_to (cr, b->x, b->y);
          cairo_line_to (cr, p[i + 2].x, p[i + 2].y);
        }
    }
}

static void
path_arrow (cairo_t             *cr,
            const QsLayoutPoint *tip,
            double               size)
{
  cairo_move_to (cr, tip->x, tip->y);
  cairo_line_to (cr, tip->x - size / 2, tip->y - size);
  cairo_line_to (cr, tip->x + size / 2, tip->y - size);
  cairo_close_path (cr);
}

static void
draw_edges (QsGraphRender      *self,
            cairo_t            *cr,
            const QsLayoutRect *visible,
            gboolean            detail)
{
  static const double dash[] = { 3, 3 };
  double arrow = detail ? 6 : 0;

  for (int pass = 0; pass < 2; pass++)
    {
      gboolean stubs = pass == 1;

      for (guint i = 0; i < self->visible_edges->len; i++)
        {
          guint e = g_array_index (self->visible_edges, guint, i);
          const QsLayoutEdge *edge = qs_layout_get_edge (self->layout, e);
          guint n;

          if (!!(edge->flags & QS_LAYOUT_EDGE_STUB) != stubs)
            continue;
          n = qs_layout_groups_route_edge (self->groups, e, self->points);
          if (n >= 2)
            path_edge (cr, self->points, n, stubs, detail, arrow, visible);
        }
      if (stubs)
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  if (!detail)
    return;
  /* Arrow heads and stub dots in one fill. */
  for (guint i = 0; i < self->visible_edges->len; i++)
    {
      guint e = g_array_index (self->visible_edges, guint, i);
      const QsLayoutEdge *edge = qs_layout_get_edge (self->layout, e);
      guint n = qs_layout_groups_route_edge (self->groups, e, self->points);

      if (n < 2)
        continue;
      if (segment_visible (&self->points[n - 1], &self->points[n - 1], visible))
        path_arrow (cr, &self->points[n - 1], arrow);
      if ((edge->flags & QS_LAYOUT_EDGE_STUB)
          && segment_visible (&self->points[1], &self->points[1], visible))
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, self->points[1].x, self->points[1].y, 2, 0, 2 * G_PI);
        }
    }
  cairo_fill (cr);
}

/* A stub says where it goes: the far end's node name beside each end. */
static void
draw_stub_labels (QsGraphRender      *self,
                  cairo_t            *cr,
                  const QsLayoutRect *visible)
{
  for (guint i = 0; i < self->visible_edges->len; i++)
    {
      guint e = g_array_index (self->visible_edges, guint, i);
      const QsLayoutEdge *edge = qs_layout_get_edge (self->layout, e);
      const char *source = self->graph->nodes[edge->source].name;
      const char *target = self->graph->nodes[edge->target].name;
      g_autofree char *to = NULL, *from = NULL;
      int h;

      if (!(edge->flags & QS_LAYOUT_EDGE_STUB)
          || qs_layout_groups_route_edge (self->groups, e, self->points) != 4)
        continue;
      if (segment_visible (&self->points[0], &self->points[1], visible))
        {
          to = g_strdup_printf ("→ %s", target ? target : "");
          show_text (self, cr, FONT_NOTE, to, self->points[1].x + 4, self->points[1].y - 6,
                     NULL, NULL);
        }
      if (segment_visible (&self->points[2], &self->points[3], visible))
        {
          from = g_strdup_printf ("%s →", source ? source : "");
          show_text (self, NULL, FONT_NOTE, from, 0, 0, NULL, &h);
          show_text (self, cr, FONT_NOTE, from, self->points[2].x + 4,
                     self->points[2].y - h + 4, NULL, NULL);
        }
    }
}

/* Groups */

static void
draw_group_frames (QsGraphRender      *self,
                   cairo_t            *cr,
                   const QsRenderView *view,
                   gboolean            text)
{
  static const double dash[] = { 6, 4 };

  for (guint i = 0; i < self->visible_groups->len; i++)
    {
      const QsLayoutGroup *g = qs_layout_groups_get_group (self->groups,
                                                           g_array_index (self->visible_groups,
                                                                          guint, i));
      gboolean wrapped = g->kind == QS_LAYOUT_GROUP_WRAPPED;

      if (g->collapsed)
        continue;
      /* Frames on screen smaller than a few pixels are noise. */
      if (g->frame.width * view->zoom < 6 || g->frame.height * view->zoom < 6)
        continue;
      qs_render_rounded_rect (cr, &g->frame, NODE_RADIUS + 4);
      /* Only wrapped regions are tinted: a large module frame's fill would
       * cost a full-screen blend per nesting level. */
      if (wrapped)
        {
          cairo_set_source_rgba (cr, 0.57, 0.25, 0.67, 0.07);
          cairo_fill_preserve (cr);
        }
      if (wrapped)
        {
          cairo_set_source_rgba (cr, 0.57, 0.25, 0.67, 0.9);
          cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
        }
      else
        qs_render_set_color (cr, &view->foreground, 0.25);
      /* At least a device pixel, so frames show at overview zooms. */
      cairo_set_line_width (cr, MAX (wrapped ? 1.5 : 1, 1 / view->zoom));
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      if (!text)
        continue;
      if (wrapped)
        cairo_set_source_rgba (cr, 0.47, 0.18, 0.57, 1);
      else
        qs_render_set_color (cr, &view->foreground, 0.7);
      show_text (self, cr, FONT_PATH, g->label, g->frame.x + 8, g->frame.y + 2, NULL, NULL);
    }
}

static void
draw_collapsed_boxes (QsGraphRender      *self,
                      cairo_t            *cr,
                      const QsRenderView *view,
                      gboolean            text)
{
  static const double dash[] = { 6, 4 };

  for (guint i = 0; i < self->visible_groups->len; i++)
    {
      const QsLayoutGroup *g = qs_layout_groups_get_group (self->groups,
                                                           g_array_index (self->visible_groups,
                                                                          guint, i));
      QsLayoutRect inner = { g->box.x + 3, g->box.y + 3, g->box.width - 6, g->box.height - 6 };
      g_autofree char *count = NULL;

      if (!g->collapsed)
        continue;
      qs_render_rounded_rect (cr, &g->box, NODE_RADIUS);
      cairo_set_source_rgba (cr, 0.82, 0.86, 0.92, 1);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0.2, 0.25, 0.35, 0.8);
      if (g->kind == QS_LAYOUT_GROUP_WRAPPED)
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      /* A second outline: a box that holds more boxes. */
      qs_render_rounded_rect (cr, &inner, NODE_RADIUS - 2);
      cairo_set_line_width (cr, 0.75);
      cairo_stroke (cr);
      if (!text)
        continue;
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 1);
      show_text (self, cr, FONT_TITLE, g->label, g->box.x + 10, g->box.y + 8, NULL, NULL);
      count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "▸ %u node", "▸ %u nodes",
                                            g->n_nodes), g->n_nodes);
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 0.7);
      show_text (self, cr, FONT_PATH, count, g->box.x + 10, g->box.y + 28, NULL, NULL);
    }
}

/* Members of a fusion group are outlined one by one and tied by a thick
 * line: a box around all of them would cover whatever sits between. */
static void
draw_fusion_outlines (QsGraphRender      *self,
                      cairo_t            *cr,
                      const QsLayoutRect *visible)
{
  gboolean any = FALSE;

  cairo_set_source_rgba (cr, 0.10, 0.37, 0.71, 0.35);
  cairo_set_line_width (cr, 6);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < self->fusion_rects->len; i++)
        {
          const QsLayoutRect *r = &g_array_index (self->fusion_rects, QsLayoutRect, i);
          const QsFuseGroup *fg = &g_array_index (self->fusion->groups, QsFuseGroup, i);

          if (r->width <= 0 || r->x > visible->x + visible->width || r->x + r->width < visible->x
              || r->y > visible->y + visible->height || r->y + r->height < visible->y
              || qs_layout_groups_node_owner (self->groups, fg->members[0]) != QS_LAYOUT_GROUP_NONE)
            continue;
          for (guint k = 0; k < fg->n_members; k++)
            {
              QsLayoutRect m;

              qs_layout_get_node_rect (self->layout, fg->members[k], &m);
              if (pass == 0)
                {
                  /* members[0] is the head: tie each member to it. */
                  QsLayoutRect h;

                  qs_layout_get_node_rect (self->layout, fg->members[0], &h);
                  cairo_move_to (cr, h.x + h.width / 2, h.y + h.height / 2);
                  cairo_line_to (cr, m.x + m.width / 2, m.y + m.height / 2);
                }
              else
                {
                  m = (QsLayoutRect) { m.x - 4, m.y - 4, m.width + 8, m.height + 8 };
                  qs_render_rounded_rect (cr, &m, NODE_RADIUS + 4);
                }
              any = TRUE;
            }
        }
      if (pass == 0 && any)
        cairo_stroke (cr);
      cairo_set_source_rgba (cr, 0.10, 0.37, 0.71, 0.85);
      cairo_set_line_width (cr, 2);
    }
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  if (any)
    cairo_stroke (cr);
}

/* Nodes */

static void
draw_node_fills (QsGraphRender *self,
                 cairo_t       *cr,
                 gboolean       detail)
{
  for (guint b = 0; b < QS_RENDER_N_BUCKETS; b++)
    g_array_set_size (self->per_bucket[b], 0);
  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsId n = g_array_index (self->visible_nodes, QsId, i);

      g_array_append_val (self->per_bucket[self->bucket[n]], n);
    }
  for (guint b = 0; b < QS_RENDER_N_BUCKETS; b++)
    {
      GArray *ids = self->per_bucket[b];

      if (ids->len == 0)
        continue;
      for (guint i = 0; i < ids->len; i++)
        {
          QsLayoutRect r;

          qs_layout_get_node_rect (self->layout, g_array_index (ids, QsId, i), &r);
          if (detail)
            qs_render_rounded_rect (cr, &r, NODE_RADIUS);
          else
            cairo_rectangle (cr, r.x, r.y, r.width, r.height);
        }
      qs_render_set_color (cr, &self->bucket_colors[b], 1);
      cairo_fill (cr);
    }
  if (!detail)
    return;
  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsLayoutRect r;

      qs_layout_get_node_rect (self->layout, g_array_index (self->visible_nodes, QsId, i), &r);
      qs_render_rounded_rect (cr, &r, NODE_RADIUS);
    }
  cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
draw_node_labels (QsGraphRender *self,
                  cairo_t       *cr)
{
  static const double alpha[] = { 1, 0.75, 0.75 };

  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsId n = g_array_index (self->visible_nodes, QsId, i);
      QsNodeText *text;
      QsLayoutRect r;
      double y;

      qs_layout_get_node_rect (self->layout, n, &r);
      text = node_text (self, n, r.width - 8);
      y = r.y + NODE_PAD;
      for (guint k = 0; k < 3; k++)
        {
          cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, alpha[k]);
          cairo_move_to (cr, r.x + 4, y);
          pango_cairo_show_layout (cr, text->lines[k]);
          y += text->heights[k];
        }
    }
}

static void
draw_markers (QsGraphRender *self,
              cairo_t       *cr)
{
  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsId n = g_array_index (self->visible_nodes, QsId, i);
      guint8 m = self->markers[n];
      QsLayoutRect r;

      if (m == 0)
        continue;
      qs_layout_get_node_rect (self->layout, n, &r);
      if (m & MARK_FUSED)
        {
          QsLayoutRect outer = { r.x - 3, r.y - 3, r.width + 6, r.height + 6 };

          qs_render_rounded_rect (cr, &outer, NODE_RADIUS + 3);
          cairo_set_source_rgba (cr, 0.10, 0.37, 0.71, 0.85);
          cairo_set_line_width (cr, 2);
          cairo_stroke (cr);
        }
      if (m & MARK_OBSERVED)
        {
          /* A diamond on the output edge, just below the node. */
          double cx = r.x + r.width / 2, cy = r.y + r.height + 8;

          cairo_move_to (cr, cx, cy - 5);
          cairo_line_to (cr, cx + 5, cy);
          cairo_line_to (cr, cx, cy + 5);
          cairo_line_to (cr, cx - 5, cy);
          cairo_close_path (cr);
          cairo_set_source_rgba (cr, 0.11, 0.53, 0.24, 1);
          cairo_fill (cr);
        }
      if (m & MARK_WEIGHT_OBS)
        {
          cairo_rectangle (cr, r.x + 4, r.y + 4, 6, 6);
          cairo_set_source_rgba (cr, 0.11, 0.53, 0.24, 1);
          cairo_fill (cr);
        }
      if (m & MARK_NEAR_MISS)
        {
          double cx = r.x + r.width - 2, cy = r.y + 2;

          cairo_arc (cr, cx, cy, 7, 0, 2 * G_PI);
          cairo_set_source_rgba (cr, 0.90, 0.38, 0.0, 1);
          cairo_fill (cr);
          cairo_set_source_rgba (cr, 1, 1, 1, 1);
          cairo_set_line_width (cr, 2);
          cairo_move_to (cr, cx, cy - 4);
          cairo_line_to (cr, cx, cy + 1);
          cairo_move_to (cr, cx, cy + 3);
          cairo_line_to (cr, cx, cy + 4.5);
          cairo_stroke (cr);
        }
    }
}

static void
draw_selection (QsGraphRender *self,
                cairo_t       *cr,
                double         zoom)
{
  gboolean any = FALSE;

  if (self->selected == NULL)
    return;
  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsId n = g_array_index (self->visible_nodes, QsId, i);
      QsLayoutRect r;

      if (!self->selected[n])
        continue;
      qs_layout_get_node_rect (self->layout, n, &r);
      r = (QsLayoutRect) { r.x - 2, r.y - 2, r.width + 4, r.height + 4 };
      qs_render_rounded_rect (cr, &r, NODE_RADIUS + 2);
      any = TRUE;
    }
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 1);
  cairo_set_line_width (cr, MAX (3, 2 / zoom));
  if (any)
    cairo_stroke (cr);
  if (self->focus < self->graph->n_nodes
      && qs_layout_groups_node_owner (self->groups, self->focus) == QS_LAYOUT_GROUP_NONE)
    {
      QsLayoutRect r;

      qs_layout_get_node_rect (self->layout, self->focus, &r);
      r = (QsLayoutRect) { r.x - 6, r.y - 6, r.width + 12, r.height + 12 };
      qs_render_rounded_rect (cr, &r, NODE_RADIUS + 6);
      cairo_set_line_width (cr, MAX (2, 1.5 / zoom));
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.6);
      cairo_stroke (cr);
    }
}

static void
collect_visible (QsGraphRender      *self,
                 const QsLayoutRect *visible)
{
  g_array_set_size (self->visible_nodes, 0);
  g_array_set_size (self->visible_edges, 0);
  g_array_set_size (self->visible_groups, 0);
  qs_layout_groups_nodes_in_rect (self->groups, visible, self->visible_nodes);
  qs_layout_edges_in_rect (self->layout, visible, self->visible_edges);
  qs_layout_groups_in_rect (self->groups, visible, self->visible_groups);
}

/* Frames, edges, nodes, labels and markers: what the overview cache
 * holds. @visible is in layout units, @cr already scaled by @zoom. */
static void
draw_content (QsGraphRender      *self,
              cairo_t            *cr,
              const QsRenderView *view,
              const QsLayoutRect *visible)
{
  gboolean detail = view->all_text || view->zoom >= QS_RENDER_DETAIL_ZOOM;
  gboolean text = view->all_text || view->zoom >= QS_RENDER_TEXT_ZOOM;

  collect_visible (self, visible);
  /* Curves flattened to half a pixel look the same and stroke faster;
   * small boxes do not need smooth edges. */
  cairo_set_tolerance (cr, 0.5);
  if (!text)
    cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  draw_group_frames (self, cr, view, text);
  if (self->fusion != NULL && detail)
    draw_fusion_outlines (self, cr, visible);
  qs_render_set_color (cr, &view->foreground, text ? 0.45 : 0.3);
  cairo_set_line_width (cr, text ? 1.25 : 1 / view->zoom);
  if (!text)
    cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  draw_edges (self, cr, visible, text);
  cairo_set_antialias (cr, text ? CAIRO_ANTIALIAS_DEFAULT : CAIRO_ANTIALIAS_FAST);
  if (text)
    {
      qs_render_set_color (cr, &view->foreground, 0.8);
      draw_stub_labels (self, cr, visible);
    }
  draw_node_fills (self, cr, text);
  draw_collapsed_boxes (self, cr, view, text);
  if (text)
    draw_node_labels (self, cr);
  if (detail)
    draw_markers (self, cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_DEFAULT);
}

#define CACHE_MAX_SIDE 4096.0

/* At overview zooms the whole graph is a few screens at most: draw it
 * once into an image and let pans blit it. */
static gboolean
use_cache (QsGraphRender      *self,
           const QsRenderView *view,
           const QsLayoutRect *bounds)
{
  double w = bounds->width * view->zoom, h = bounds->height * view->zoom;

  return !view->all_text && view->zoom < QS_RENDER_TEXT_ZOOM
         && w <= CACHE_MAX_SIDE && h <= CACHE_MAX_SIDE
         && w * h <= 4 * MAX (view->width * view->height, 1);
}

static void
ensure_cache (QsGraphRender      *self,
              const QsRenderView *view,
              const QsLayoutRect *bounds)
{
  guint groups_serial = qs_layout_groups_get_serial (self->groups);
  QsRenderView local = *view;
  cairo_t *cr;

  if (self->cache != NULL && self->cache_zoom == view->zoom && self->cache_serial == self->serial
      && self->cache_groups_serial == groups_serial
      && memcmp (&self->cache_fg, &view->foreground, sizeof (QsColor)) == 0)
    return;
  g_clear_pointer (&self->cache, cairo_surface_destroy);
  self->cache = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                            (int) ceil (bounds->width * view->zoom) + 4,
                                            (int) ceil (bounds->height * view->zoom) + 4);
  self->cache_zoom = view->zoom;
  self->cache_serial = self->serial;
  self->cache_groups_serial = groups_serial;
  self->cache_fg = view->foreground;
  local.offset_x = 2 - bounds->x * view->zoom;
  local.offset_y = 2 - bounds->y * view->zoom;
  cr = cairo_create (self->cache);
  cairo_translate (cr, local.offset_x, local.offset_y);
  cairo_scale (cr, view->zoom, view->zoom);
  draw_content (self, cr, &local, bounds);
  cairo_destroy (cr);
}

void
qs_graph_render_draw (QsGraphRender      *self,
                      cairo_t            *cr,
                      const QsRenderView *view)
{
  QsLayoutRect visible, bounds;

  g_return_if_fail (self != NULL && cr != NULL && view != NULL);
  g_return_if_fail (view->zoom > 0);

  if (!view->transparent)
    {
      qs_render_set_color (cr, &view->background, 1);
      cairo_paint (cr);
    }
  if (self->graph == NULL)
    return;
  qs_graph_render_ensure_colors (self);
  visible = (QsLayoutRect) { -view->offset_x / view->zoom, -view->offset_y / view->zoom,
                             view->width / view->zoom, view->height / view->zoom };
  qs_layout_get_bounds (self->layout, &bounds);

  if (use_cache (self, view, &bounds))
    {
      ensure_cache (self, view, &bounds);
      cairo_save (cr);
      cairo_set_source_surface (cr, self->cache, view->offset_x + bounds.x * view->zoom - 2,
                                view->offset_y + bounds.y * view->zoom - 2);
      cairo_paint (cr);
      cairo_restore (cr);
      /* The selection is drawn over it, for what is on screen. */
      collect_visible (self, &visible);
    }
  else
    {
      cairo_save (cr);
      cairo_translate (cr, view->offset_x, view->offset_y);
      cairo_scale (cr, view->zoom, view->zoom);
      draw_content (self, cr, view, &visible);
      cairo_restore (cr);
    }

  cairo_save (cr);
  cairo_translate (cr, view->offset_x, view->offset_y);
  cairo_scale (cr, view->zoom, view->zoom);
  draw_selection (self, cr, view->zoom);
  cairo_restore (cr);
  if (view->legend)
    qs_graph_render_draw_legend (self, cr, view);
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
