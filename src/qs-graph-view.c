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
