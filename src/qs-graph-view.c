/* qs-graph-view.c: the graph canvas
 *
 * A layout point p shows at p * zoom + offset in widget pixels. Drawing is
 * the renderer's (qs-graph-render.c), shared with export; this file keeps
 * the view state, the selection, search and navigation. Pointer and key
 * handling is in qs-graph-view-input.c.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-graph-view-private.h"

#define ZOOM_MIN     0.002
#define ZOOM_MAX     4.0
#define ZOOM_STEP    1.25
#define FIT_MARGIN   24.0
#define MINIMAP_W    200.0
#define MINIMAP_H    150.0
#define MINIMAP_PAD  12.0

G_DEFINE_FINAL_TYPE (QsGraphView, qs_graph_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ZOOM,
  PROP_SHOW_MINIMAP,
  N_PROPS
};

enum {
  SELECTION_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
qs_graph_view_init_layout_options (QsLayoutOptions *opts,
                                   PangoLayout     *measure)
{
  qs_graph_render_init_layout_options (opts, measure);
}

/* Drawing */

static void
color_from_rgba (const GdkRGBA *rgba,
                 QsColor       *color)
{
  *color = (QsColor) { rgba->red, rgba->green, rgba->blue };
}

void
qs_graph_view_visible_rect (QsGraphView  *self,
                            QsLayoutRect *rect)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  *rect = (QsLayoutRect) {
    -self->offset_x / self->zoom, -self->offset_y / self->zoom, w / self->zoom, h / self->zoom
  };
}

void
qs_graph_view_minimap_rect (QsGraphView     *self,
                            graphene_rect_t *rect)
{
  QsLayoutRect b;
  double w = MINIMAP_W, h = MINIMAP_H;

  qs_layout_get_bounds (self->layout, &b);
  /* The map takes the graph's shape within its box. */
  if (b.width > 0 && b.height > 0)
    {
      if (b.width / b.height > w / h)
        h = MAX (40, w * b.height / b.width);
      else
        w = MAX (40, h * b.width / b.height);
    }
  graphene_rect_init (rect, gtk_widget_get_width (GTK_WIDGET (self)) - w - MINIMAP_PAD,
                      gtk_widget_get_height (GTK_WIDGET (self)) - h - MINIMAP_PAD, w, h);
}

static void
snapshot_minimap (QsGraphView *self,
                  GtkSnapshot *snapshot)
{
  graphene_rect_t area;
  QsLayoutRect visible;
  cairo_t *cr;

  qs_graph_view_minimap_rect (self, &area);
  if (area.origin.x < MINIMAP_W || area.origin.y < MINIMAP_H)
    return;  /* the view is too small to give it room */
  if (!self->minimap_valid
      || self->minimap_serial != qs_layout_groups_get_serial (self->groups))
    {
      g_clear_pointer (&self->minimap, cairo_surface_destroy);
      self->minimap = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, area.size.width,
                                                  area.size.height);
      cr = cairo_create (self->minimap);
      qs_graph_render_draw_minimap (self->render, cr, area.size.width, area.size.height, NULL);
      cairo_destroy (cr);
      self->minimap_valid = TRUE;
      self->minimap_serial = qs_layout_groups_get_serial (self->groups);
    }

  cr = gtk_snapshot_append_cairo (snapshot, &area);
  cairo_translate (cr, area.origin.x, area.origin.y);
  cairo_rectangle (cr, 0, 0, area.size.width, area.size.height);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.92);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_set_source_surface (cr, self->minimap, 0, 0);
  cairo_paint (cr);
  /* Only the viewport frame is drawn per frame. */
  qs_graph_view_visible_rect (self, &visible);
  qs_graph_render_draw_minimap (self->render, cr, area.size.width, area.size.height, &visible);
  cairo_destroy (cr);
}

static void
qs_graph_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  QsGraphView *self = QS_GRAPH_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GtkStyleContext *style;
  QsRenderView view = { 0 };
  GdkRGBA fg, bg;
  cairo_t *cr;

  if (self->layout == NULL || w <= 0 || h <= 0)
    return;

  style = gtk_widget_get_style_context (widget);
  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "view_bg_color", &bg))
    bg = (GdkRGBA) { 1, 1, 1, 1 };
  view.zoom = self->zoom;
  view.offset_x = self->offset_x;
  view.offset_y = self->offset_y;
  view.width = w;
  view.height = h;
  color_from_rgba (&fg, &view.foreground);
  color_from_rgba (&bg, &view.background);
  view.transparent = TRUE;
  view.legend = TRUE;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  qs_graph_render_draw (self->render, cr, &view);
  cairo_destroy (cr);

  if (self->show_minimap)
    snapshot_minimap (self, snapshot);
  qs_graph_view_snapshot_band (self, snapshot);
}

/* Zoom and pan */

void
qs_graph_view_set_view (QsGraphView *self,
                        double       zoom,
                        double       offset_x,
                        double       offset_y)
{
  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  self->offset_x = offset_x;
  self->offset_y = offset_y;
  if (zoom != self->zoom)
    {
      self->zoom = zoom;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
zoom_centered (QsGraphView *self,
               double       factor)
{
  double x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  double y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
  double zoom = CLAMP (self->zoom * factor, ZOOM_MIN, ZOOM_MAX);
  double k = zoom / self->zoom;

  qs_graph_view_set_view (self, zoom, x - (x - self->offset_x) * k, y - (y - self->offset_y) * k);
}

void
qs_graph_view_content_changed (QsGraphView *self)
{
  self->minimap_valid = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
qs_graph_view_selection_changed (QsGraphView *self)
{
  qs_graph_render_set_selection (self->render, self->selected, self->focus);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static void
qs_graph_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  QsGraphView *self = QS_GRAPH_VIEW (widget);

  if (self->fit_pending && width > 0 && height > 0)
    {
      if (self->fit_top)
        qs_graph_view_zoom_to_top (self);
      else
        qs_graph_view_zoom_to_fit (self);
    }
}

static void
clear_content (QsGraphView *self)
{
  qs_graph_render_set_groups (self->render, NULL);
  g_clear_pointer (&self->groups, qs_layout_groups_free);
  g_clear_pointer (&self->layout, qs_layout_free);
  g_clear_pointer (&self->fusion, qs_fuse_report_free);
  g_clear_pointer (&self->prepared, qs_prepared_free);
  g_clear_pointer (&self->selected, g_free);
  g_clear_pointer (&self->minimap, cairo_surface_destroy);
  if (self->owner_free != NULL)
    self->owner_free (self->owner);
  self->owner = NULL;
  self->owner_free = NULL;
  self->n_selected = 0;
  self->focus = self->nav_from = QS_ID_NONE;
  self->match_index = -1;
  if (self->matches != NULL)
    g_array_set_size (self->matches, 0);
}

static void
qs_graph_view_dispose (GObject *object)
{
  QsGraphView *self = QS_GRAPH_VIEW (object);

  clear_content (self);
  g_clear_pointer (&self->render, qs_graph_render_free);
  g_clear_pointer (&self->overlay, qs_overlay_unref);
  g_clear_pointer (&self->matches, g_array_unref);

  G_OBJECT_CLASS (qs_graph_view_parent_class)->dispose (object);
}

static void
qs_graph_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  QsGraphView *self = QS_GRAPH_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_SHOW_MINIMAP:
      g_value_set_boolean (value, self->show_minimap);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_graph_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  QsGraphView *self = QS_GRAPH_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      qs_graph_view_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_SHOW_MINIMAP:
      qs_graph_view_set_show_minimap (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_graph_view_class_init (QsGraphViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qs_graph_view_dispose;
  object_class->get_property = qs_graph_view_get_property;
  object_class->set_property = qs_graph_view_set_property;

  widget_class->snapshot = qs_graph_view_snapshot;
  widget_class->size_allocate = qs_graph_view_size_allocate;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, ZOOM_MIN, ZOOM_MAX, 1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_MINIMAP] =
    g_param_spec_boolean ("show-minimap", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QsGraphView::selection-changed:
   *
   * The selected nodes or the focus changed.
   */
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  qs_graph_view_class_init_input (widget_class);
  gtk_widget_class_set_css_name (widget_class, "graphview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
qs_graph_view_init (QsGraphView *self)
{
  self->zoom = 1;
  self->show_minimap = TRUE;
  self->focus = self->nav_from = QS_ID_NONE;
  self->match_index = -1;
  self->render = qs_graph_render_new ();
  self->matches = g_array_new (FALSE, FALSE, sizeof (QsId));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  qs_graph_view_init_input (self);
}

GtkWidget *
qs_graph_view_new (void)
{
  return g_object_new (QS_TYPE_GRAPH_VIEW, NULL);
}

/* Content */

void
qs_graph_view_take_layout (QsGraphView *self,
                           QsLayout    *layout)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  if (layout != NULL && layout == self->layout)
    return;
  clear_content (self);
  self->layout = layout;
  if (layout != NULL)
    {
      self->groups = qs_layout_groups_new (layout);
      self->selected = g_new0 (guint8, MAX (qs_layout_get_n_nodes (layout), 1));
      qs_graph_render_set_groups (self->render, self->groups);
      if (self->overlay != NULL
          && qs_overlay_get_n_nodes (self->overlay) == qs_layout_get_n_nodes (layout))
        qs_graph_render_set_overlay (self->render, self->overlay);
    }
  qs_graph_render_set_selection (self->render, self->selected, QS_ID_NONE);
  qs_graph_view_zoom_to_top (self);
  qs_graph_view_content_changed (self);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/* Node name -> id in @graph; a fused node also answers to the names of
 * the nodes it absorbed. */
static GHashTable *
index_names (const QsGraph *graph)
{
  GHashTable *index = g_hash_table_new (g_str_hash, g_str_equal);

  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *node = &graph->nodes[n];

      if (node->name != NULL)
        g_hash_table_insert (index, (gpointer) node->name, GUINT_TO_POINTER (n + 1));
      for (guint k = 0; k < node->n_fused; k++)
        if (node->fused[k].name != NULL
            && !g_hash_table_contains (index, node->fused[k].name))
          g_hash_table_insert (index, (gpointer) node->fused[k].name, GUINT_TO_POINTER (n + 1));
    }
  return index;
}

static QsId
lookup_name (GHashTable *index,
             const char *name)
{
  gpointer id = name ? g_hash_table_lookup (index, name) : NULL;

  return id ? GPOINTER_TO_UINT (id) - 1 : QS_ID_NONE;
}

/* Where the shown selection, focus and collapsed groups go in @graph. */
typedef struct
{
  GArray    *selected;   /* QsId in the new graph */
  QsId       focus;
  GPtrArray *collapsed;  /* group paths (owned) */
} CarriedState;

static void
carry_state (QsGraphView  *self,
             QsGraph      *graph,
             CarriedState *state)
{
  QsGraph *old = qs_graph_view_get_graph (self);
  g_autoptr (GHashTable) index = NULL;

  state->selected = g_array_new (FALSE, FALSE, sizeof (QsId));
  state->collapsed = g_ptr_array_new_with_free_func (g_free);
  state->focus = QS_ID_NONE;
  if (old == NULL)
    return;
  index = index_names (graph);
  for (QsId n = 0; n < old->n_nodes; n++)
    {
      QsId to;

      if (!self->selected[n] || (to = lookup_name (index, old->nodes[n].name)) == QS_ID_NONE)
        continue;
      g_array_append_val (state->selected, to);
      if (n == self->focus)
        state->focus = to;
    }
  for (guint g = 0; g < qs_layout_groups_get_n_groups (self->groups); g++)
    {
      const QsLayoutGroup *group = qs_layout_groups_get_group (self->groups, g);

      if (group->collapsed)
        g_ptr_array_add (state->collapsed, g_strdup (group->path));
    }
}

static void
restore_state (QsGraphView  *self,
               CarriedState *state)
{
  for (guint i = 0; i < state->selected->len; i++)
    {
      QsId n = g_array_index (state->selected, QsId, i);

      if (!self->selected[n])
        self->n_selected++;
      self->selected[n] = TRUE;
    }
  self->focus = state->focus;
  if (self->focus == QS_ID_NONE && state->selected->len > 0)
    self->focus = g_array_index (state->selected, QsId, 0);
  for (guint i = 0; i < state->collapsed->len; i++)
    qs_graph_view_set_group_collapsed (self, g_ptr_array_index (state->collapsed, i), TRUE);
  g_array_unref (state->selected);
  g_ptr_array_unref (state->collapsed);
}

void
qs_graph_view_show_graph (QsGraphView        *self,
                          QsLayout           *layout,
                          const QsFuseReport *fused_by,
                          const QsPrepared   *prepared,
                          gpointer            owner,
                          GDestroyNotify      owner_free)
{
  gboolean first_look;
  double zoom, offset_x, offset_y;
  CarriedState state;
  QsGraph *graph;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (layout != NULL);
  graph = qs_layout_get_graph (layout);
  g_return_if_fail (prepared == NULL || prepared->graph == graph);
  g_return_if_fail (fused_by == NULL || fused_by->node_map != NULL);

  first_look = self->layout == NULL;
  zoom = self->zoom;
  offset_x = self->offset_x;
  offset_y = self->offset_y;
  carry_state (self, graph, &state);

  /* Referenced first: the old owner may hold the last reference. */
  qs_layout_ref (layout);
  clear_content (self);
  self->layout = layout;
  self->groups = qs_layout_groups_new (layout);
  self->selected = g_new0 (guint8, MAX (graph->n_nodes, 1));
  self->owner = owner;
  self->owner_free = owner_free;
  qs_graph_render_set_groups (self->render, self->groups);
  qs_graph_render_set_fused_by (self->render, fused_by);
  qs_graph_render_set_prepared (self->render, prepared);
  if (self->overlay != NULL && qs_overlay_get_n_nodes (self->overlay) == graph->n_nodes)
    qs_graph_render_set_overlay (self->render, self->overlay);
  else
    qs_graph_render_set_overlay (self->render, NULL);
  restore_state (self, &state);
  qs_graph_render_set_selection (self->render, self->selected, self->focus);

  if (first_look)
    qs_graph_view_zoom_to_top (self);
  else
    qs_graph_view_set_view (self, zoom, offset_x, offset_y);
  qs_graph_view_content_changed (self);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

QsLayout *
qs_graph_view_get_layout (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), NULL);
  return self->layout;
}

QsGraph *
qs_graph_view_get_graph (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), NULL);
  return self->layout ? qs_layout_get_graph (self->layout) : NULL;
}

QsLayoutGroups *
qs_graph_view_get_groups (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), NULL);
  return self->groups;
}

void
qs_graph_view_take_fusion (QsGraphView  *self,
                           QsFuseReport *report)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (report == NULL || self->layout != NULL);
  g_return_if_fail (report == NULL
                    || report->n_input_nodes == qs_layout_get_n_nodes (self->layout));

  qs_graph_render_set_fusion (self->render, report);
  g_clear_pointer (&self->fusion, qs_fuse_report_free);
  self->fusion = report;
  qs_graph_view_content_changed (self);
}

void
qs_graph_view_take_prepared (QsGraphView *self,
                             QsPrepared  *prepared)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (prepared == NULL || prepared->graph == qs_graph_view_get_graph (self));

  qs_graph_render_set_prepared (self->render, prepared);
  g_clear_pointer (&self->prepared, qs_prepared_free);
  self->prepared = prepared;
  qs_graph_view_content_changed (self);
}

void
qs_graph_view_set_overlay (QsGraphView *self,
                           QsOverlay   *overlay)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  if (overlay == self->overlay)
    return;
  if (overlay != NULL)
    qs_overlay_ref (overlay);
  g_clear_pointer (&self->overlay, qs_overlay_unref);
  self->overlay = overlay;
  qs_graph_render_set_overlay (self->render, overlay);
  qs_graph_view_content_changed (self);
}

QsRenderColorMode
qs_graph_view_get_color_mode (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), QS_RENDER_COLOR_OP_CLASS);
  return qs_graph_render_get_color_mode (self->render);
}

double
qs_graph_view_get_zoom (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), 1);
  return self->zoom;
}

void
qs_graph_view_set_zoom (QsGraphView *self,
                        double       zoom)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  zoom_centered (self, CLAMP (zoom, ZOOM_MIN, ZOOM_MAX) / self->zoom);
}

void
qs_graph_view_zoom_in (QsGraphView *self)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  zoom_centered (self, ZOOM_STEP);
}

void
qs_graph_view_zoom_out (QsGraphView *self)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  zoom_centered (self, 1 / ZOOM_STEP);
}

static void
fit_rect (QsGraphView        *self,
          const QsLayoutRect *r,
          double              max_zoom)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double zoom = max_zoom;

  if (r->width > 0)
    zoom = MIN (zoom, MAX (w - 2 * FIT_MARGIN, 1) / r->width);
  if (r->height > 0)
    zoom = MIN (zoom, MAX (h - 2 * FIT_MARGIN, 1) / r->height);
  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  qs_graph_view_set_view (self, zoom, w / 2 - (r->x + r->width / 2) * zoom,
                          h / 2 - (r->y + r->height / 2) * zoom);
}

void
qs_graph_view_zoom_to_fit (QsGraphView *self)
{
  int w, h;
  QsLayoutRect bounds;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  self->fit_pending = self->layout != NULL && (w <= 0 || h <= 0);
  self->fit_top = FALSE;
  if (self->layout == NULL || self->fit_pending)
    return;
  qs_layout_get_bounds (self->layout, &bounds);
  fit_rect (self, &bounds, 1);
}

void
qs_graph_view_zoom_to_top (QsGraphView *self)
{
  double zoom, offset_x, offset_y;
  int w, h;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  self->fit_pending = self->layout != NULL && (w <= 0 || h <= 0);
  self->fit_top = self->fit_pending;
  if (self->layout == NULL || self->fit_pending)
    return;
  qs_layout_fit_top (self->layout, w, h, FIT_MARGIN, QS_LAYOUT_READABLE_SCALE, 1,
                     &zoom, &offset_x, &offset_y);
  qs_graph_view_set_view (self, zoom, offset_x, offset_y);
}

gboolean
qs_graph_view_zoom_to_selection (QsGraphView *self)
{
  QsLayoutRect box = { 0, 0, 0, 0 };
  gboolean any = FALSE;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);

  if (self->layout == NULL || self->n_selected == 0)
    return FALSE;
  for (QsId n = 0; n < qs_layout_get_n_nodes (self->layout); n++)
    {
      QsLayoutRect r;
      double x1, y1;

      if (!self->selected[n])
        continue;
      qs_layout_get_node_rect (self->layout, n, &r);
      if (!any)
        box = r;
      x1 = MAX (box.x + box.width, r.x + r.width);
      y1 = MAX (box.y + box.height, r.y + r.height);
      box.x = MIN (box.x, r.x);
      box.y = MIN (box.y, r.y);
      box.width = x1 - box.x;
      box.height = y1 - box.y;
      any = TRUE;
    }
  fit_rect (self, &box, 1.5);
  return TRUE;
}

void
qs_graph_view_center_on_node (QsGraphView *self,
                              QsId         node)
{
  QsLayoutRect r;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (self->layout != NULL);
  g_return_if_fail (node < qs_layout_get_n_nodes (self->layout));

  qs_layout_get_node_rect (self->layout, node, &r);
  /* Too small to read: come close enough for labels. */
  if (self->zoom < QS_RENDER_TEXT_ZOOM)
    self->zoom = 1;
  qs_graph_view_set_view (self, self->zoom,
                          gtk_widget_get_width (GTK_WIDGET (self)) / 2.0
                          - (r.x + r.width / 2) * self->zoom,
                          gtk_widget_get_height (GTK_WIDGET (self)) / 2.0
                          - (r.y + r.height / 2) * self->zoom);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

void
qs_graph_view_layout_to_widget (QsGraphView *self,
                                double       x,
                                double       y,
                                double      *wx,
                                double      *wy)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  if (wx != NULL)
    *wx = x * self->zoom + self->offset_x;
  if (wy != NULL)
    *wy = y * self->zoom + self->offset_y;
}

gboolean
qs_graph_view_get_show_minimap (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);
  return self->show_minimap;
}

void
qs_graph_view_set_show_minimap (QsGraphView *self,
                                gboolean     show)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  if (!self->show_minimap == !show)
    return;
  self->show_minimap = !!show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_MINIMAP]);
}

/* Selection */

static void
set_selected (QsGraphView *self,
              QsId         node,
              gboolean     selected)
{
  if (!self->selected[node] == !selected)
    return;
  self->selected[node] = !!selected;
  self->n_selected += selected ? 1 : -1;
}

static void
clear_selection (QsGraphView *self)
{
  if (self->n_selected > 0)
    memset (self->selected, 0, qs_layout_get_n_nodes (self->layout));
  self->n_selected = 0;
}

void
qs_graph_view_select_node (QsGraphView *self,
                           QsId         node,
                           gboolean     add)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (self->layout != NULL);
  g_return_if_fail (node < qs_layout_get_n_nodes (self->layout));

  if (!add)
    clear_selection (self);
  set_selected (self, node, TRUE);
  self->focus = node;
  qs_graph_view_selection_changed (self);
}

void
qs_graph_view_unselect_all (QsGraphView *self)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  if (self->layout == NULL)
    return;
  clear_selection (self);
  self->focus = QS_ID_NONE;
  qs_graph_view_selection_changed (self);
}

void
qs_graph_view_select_rect (QsGraphView        *self,
                           const QsLayoutRect *rect,
                           gboolean            add)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (QsId));

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (rect != NULL);

  if (self->layout == NULL)
    return;
  if (!add)
    clear_selection (self);
  qs_layout_groups_nodes_in_rect (self->groups, rect, ids);
  for (guint i = 0; i < ids->len; i++)
    set_selected (self, g_array_index (ids, QsId, i), TRUE);
  if (ids->len > 0)
    self->focus = g_array_index (ids, QsId, 0);
  qs_graph_view_selection_changed (self);
}

gboolean
qs_graph_view_is_selected (QsGraphView *self,
                           QsId         node)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);
  return self->layout != NULL && node < qs_layout_get_n_nodes (self->layout)
         && self->selected[node];
}

guint
qs_graph_view_get_n_selected (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), 0);
  return self->n_selected;
}

GArray *
qs_graph_view_dup_selection (QsGraphView *self)
{
  GArray *ids;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), NULL);

  ids = g_array_sized_new (FALSE, FALSE, sizeof (QsId), self->n_selected);
  for (QsId n = 0; self->layout != NULL && n < qs_layout_get_n_nodes (self->layout); n++)
    if (self->selected[n])
      g_array_append_val (ids, n);
  return ids;
}

QsId
qs_graph_view_get_focus (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), QS_ID_NONE);
  return self->focus;
}

void
qs_graph_view_click (QsGraphView     *self,
                     double           x,
                     double           y,
                     GdkModifierType  state)
{
  double lx, ly;
  guint group;
  QsId node;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  if (self->layout == NULL)
    return;
  lx = (x - self->offset_x) / self->zoom;
  ly = (y - self->offset_y) / self->zoom;
  node = qs_layout_groups_hit (self->groups, lx, ly, &group);
  if (group != QS_LAYOUT_GROUP_NONE)
    {
      const QsLayoutGroup *g = qs_layout_groups_get_group (self->groups, group);

      qs_layout_groups_set_collapsed (self->groups, group, !g->collapsed);
      qs_graph_view_content_changed (self);
      return;
    }
  if (node == QS_ID_NONE)
    {
      if (!(state & GDK_SHIFT_MASK))
        qs_graph_view_unselect_all (self);
      return;
    }
  if (state & GDK_SHIFT_MASK)
    {
      set_selected (self, node, !self->selected[node]);
      self->focus = self->selected[node] ? node : QS_ID_NONE;
      qs_graph_view_selection_changed (self);
    }
  else
    qs_graph_view_select_node (self, node, FALSE);
  self->nav_from = QS_ID_NONE;
}

/* Navigation */

static QsId
neighbour (QsGraphView *self,
           QsId         node,
           int          dir,
           guint        index,
           guint       *n_out)
{
  const guint32 *edges;
  guint n;

  edges = dir < 0 ? qs_layout_node_in_edges (self->layout, node, &n)
                  : qs_layout_node_out_edges (self->layout, node, &n);
  *n_out = n;
  if (n == 0)
    return QS_ID_NONE;
  index %= n;
  return dir < 0 ? qs_layout_get_edge (self->layout, edges[index])->source
                 : qs_layout_get_edge (self->layout, edges[index])->target;
}

static void
move_focus (QsGraphView *self,
            QsId         node)
{
  clear_selection (self);
  set_selected (self, node, TRUE);
  self->focus = node;
  if (qs_layout_groups_node_owner (self->groups, node) == QS_LAYOUT_GROUP_NONE)
    {
      QsLayoutRect r, visible;

      qs_layout_get_node_rect (self->layout, node, &r);
      qs_graph_view_visible_rect (self, &visible);
      if (r.x < visible.x || r.y < visible.y || r.x + r.width > visible.x + visible.width
          || r.y + r.height > visible.y + visible.height || self->zoom < QS_RENDER_TEXT_ZOOM)
        qs_graph_view_center_on_node (self, node);
    }
  qs_graph_view_selection_changed (self);
}

gboolean
qs_graph_view_navigate (QsGraphView          *self,
                        QsGraphViewDirection  direction,
                        gboolean              cycle)
{
  gboolean vertical = direction == QS_GRAPH_VIEW_UP || direction == QS_GRAPH_VIEW_DOWN;
  QsId next;
  guint n;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);

  if (self->layout == NULL || self->focus == QS_ID_NONE)
    return FALSE;
  if (vertical)
    {
      int dir = direction == QS_GRAPH_VIEW_UP ? -1 : 1;

      next = neighbour (self, self->focus, dir, 0, &n);
      if (next == QS_ID_NONE)
        return FALSE;
      self->nav_from = self->focus;
      self->nav_dir = dir;
      self->nav_index = 0;
    }
  else if (cycle && self->nav_from != QS_ID_NONE)
    {
      /* Siblings: the other producers (or consumers) of where we came from. */
      neighbour (self, self->nav_from, self->nav_dir, 0, &n);
      if (n < 2)
        return FALSE;
      self->nav_index = (self->nav_index + (direction == QS_GRAPH_VIEW_RIGHT ? 1 : n - 1)) % n;
      next = neighbour (self, self->nav_from, self->nav_dir, self->nav_index, &n);
    }
  else
    {
      next = qs_layout_node_beside (self->layout, self->focus,
                                    direction == QS_GRAPH_VIEW_RIGHT ? 1 : -1);
      if (next == QS_ID_NONE)
        return FALSE;
      self->nav_from = QS_ID_NONE;
    }
  move_focus (self, next);
  return TRUE;
}

/* Search */

static gboolean
contains (const char *haystack,
          const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL || *haystack == '\0')
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static int
compare_by_position (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  QsLayout *layout = user_data;
  QsLayoutRect ra, rb;

  qs_layout_get_node_rect (layout, *(const QsId *) a, &ra);
  qs_layout_get_node_rect (layout, *(const QsId *) b, &rb);
  if (ra.y != rb.y)
    return ra.y < rb.y ? -1 : 1;
  return (ra.x > rb.x) - (ra.x < rb.x);
}

guint
qs_graph_view_search (QsGraphView *self,
                      const char  *text)
{
  g_autofree char *needle = NULL;
  QsGraph *graph;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), 0);

  g_array_set_size (self->matches, 0);
  self->match_index = -1;
  graph = qs_graph_view_get_graph (self);
  if (graph == NULL || text == NULL || *text == '\0')
    return 0;
  needle = g_utf8_casefold (text, -1);
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *node = &graph->nodes[n];

      gboolean hit = contains (node->name, needle) || contains (qs_op_name (node->op), needle)
                     || contains (node->target, needle)
                     || contains (qs_node_module_path (node), needle);

      /* A fused node is found by what it absorbed, too. */
      for (guint k = 0; !hit && k < node->n_fused; k++)
        hit = contains (node->fused[k].name, needle) || contains (node->fused[k].target, needle);
      if (hit)
        g_array_append_val (self->matches, n);
    }
  g_array_sort_with_data (self->matches, compare_by_position, self->layout);
  return self->matches->len;
}

QsId
qs_graph_view_search_step (QsGraphView *self,
                           int          step)
{
  QsId node;
  guint group;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), QS_ID_NONE);

  if (self->matches->len == 0)
    return QS_ID_NONE;
  if (self->match_index < 0)
    self->match_index = step >= 0 ? 0 : (int) self->matches->len - 1;
  else
    self->match_index = (self->match_index + step + (int) self->matches->len)
                        % (int) self->matches->len;
  node = g_array_index (self->matches, QsId, self->match_index);
  /* A hit inside a collapsed group opens it: a search should show. */
  while ((group = qs_layout_groups_node_owner (self->groups, node)) != QS_LAYOUT_GROUP_NONE)
    qs_layout_groups_set_collapsed (self->groups, group, FALSE);
  qs_graph_view_content_changed (self);
  qs_graph_view_select_node (self, node, FALSE);
  qs_graph_view_center_on_node (self, node);
  return node;
}

int
qs_graph_view_get_search_index (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), -1);
  return self->match_index;
}

/* Groups and export */

gboolean
qs_graph_view_set_group_collapsed (QsGraphView *self,
                                   const char  *path,
                                   gboolean     collapsed)
{
  guint group;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->groups == NULL)
    return FALSE;
  group = qs_layout_groups_lookup (self->groups, path);
  for (guint i = 0; group == QS_LAYOUT_GROUP_NONE && i < qs_layout_groups_get_n_groups (self->groups); i++)
    {
      const QsLayoutGroup *g = qs_layout_groups_get_group (self->groups, i);

      if (g->kind == QS_LAYOUT_GROUP_WRAPPED && g_str_equal (g->path, path))
        group = i;
    }
  if (group == QS_LAYOUT_GROUP_NONE)
    return FALSE;
  qs_layout_groups_set_collapsed (self->groups, group, collapsed);
  qs_graph_view_content_changed (self);
  return TRUE;
}

gboolean
qs_graph_view_export (QsGraphView  *self,
                      const char   *filename,
                      GError      **error)
{
  QsRenderFormat format;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);

  if (!qs_render_format_from_filename (filename, &format))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Cannot export to “%s”: use a name ending in .png, .svg or .pdf"),
                   filename);
      return FALSE;
    }
  /* The same renderer, without the selection. */
  qs_graph_render_set_selection (self->render, NULL, QS_ID_NONE);
  if (!qs_graph_render_export (self->render, filename, format, error))
    {
      qs_graph_render_set_selection (self->render, self->selected, self->focus);
      return FALSE;
    }
  qs_graph_render_set_selection (self->render, self->selected, self->focus);
  return TRUE;
}
