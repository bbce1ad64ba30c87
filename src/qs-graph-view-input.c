/* qs-graph-view-input.c: pointer, keys and tooltips of the canvas
 *
 * Primary button: click selects (shift adds), a drag from empty space
 * draws a rubber band, a drag from a node pans. Middle or secondary
 * button drags pan; scrolling pans, ctrl+scroll and pinch zoom. The
 * minimap recentres the view where it is clicked or dragged.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "qs-graph-view-private.h"

#define ZOOM_STEP 1.25

static void
zoom_at (QsGraphView *self,
         double       factor,
         double       x,
         double       y)
{
  double zoom = self->zoom * factor;
  double k;

  zoom = CLAMP (zoom, 0.002, 4.0);
  k = zoom / self->zoom;
  qs_graph_view_set_view (self, zoom, x - (x - self->offset_x) * k, y - (y - self->offset_y) * k);
}

static gboolean
on_scroll_cb (GtkEventControllerScroll *controller,
              double                    dx,
              double                    dy,
              QsGraphView              *self)
{
  GdkModifierType state;
  double step = 1;

  if (self->layout == NULL)
    return FALSE;
  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  if (gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL)
    step = 48;
  if (state & GDK_CONTROL_MASK)
    {
      zoom_at (self, pow (ZOOM_STEP, -dy * step / 48), self->pointer_x, self->pointer_y);
      return TRUE;
    }
  if (state & GDK_SHIFT_MASK)
    qs_graph_view_set_view (self, self->zoom, self->offset_x - dy * step,
                            self->offset_y - dx * step);
  else
    qs_graph_view_set_view (self, self->zoom, self->offset_x - dx * step,
                            self->offset_y - dy * step);
  return TRUE;
}

static void
on_zoom_scale_changed_cb (GtkGestureZoom *gesture,
                          double          scale,
                          QsGraphView    *self)
{
  double x, y, target = self->pinch_zoom * scale;

  gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y);
  zoom_at (self, target / self->zoom, x, y);
}

static void
on_zoom_begin_cb (GtkGesture       *gesture,
                  GdkEventSequence *sequence,
                  QsGraphView      *self)
{
  self->pinch_zoom = self->zoom;
}

static void
on_motion_cb (GtkEventControllerMotion *controller,
              double                    x,
              double                    y,
              QsGraphView              *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static gboolean
in_minimap (QsGraphView *self,
            double       x,
            double       y)
{
  graphene_rect_t area;

  if (!self->show_minimap || self->layout == NULL)
    return FALSE;
  qs_graph_view_minimap_rect (self, &area);
  return graphene_rect_contains_point (&area, &GRAPHENE_POINT_INIT (x, y));
}

static void
minimap_jump (QsGraphView *self,
              double       x,
              double       y)
{
  graphene_rect_t area;
  double lx, ly;

  qs_graph_view_minimap_rect (self, &area);
  lx = x - area.origin.x;
  ly = y - area.origin.y;
  qs_graph_render_minimap_to_layout (self->render, area.size.width, area.size.height, &lx, &ly);
  qs_graph_view_set_view (self, self->zoom,
                          gtk_widget_get_width (GTK_WIDGET (self)) / 2.0 - lx * self->zoom,
                          gtk_widget_get_height (GTK_WIDGET (self)) / 2.0 - ly * self->zoom);
}

static void
on_drag_begin_cb (GtkGestureDrag *gesture,
                  double          x,
                  double          y,
                  QsGraphView    *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  guint group = QS_LAYOUT_GROUP_NONE;
  QsId node = QS_ID_NONE;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_x = x;
  self->drag_y = y;
  self->drag_offset_x = self->offset_x;
  self->drag_offset_y = self->offset_y;
  self->band_dx = self->band_dy = 0;
  self->drag_state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  if (self->layout == NULL)
    {
      self->drag_mode = DRAG_NONE;
      return;
    }
  if (button == GDK_BUTTON_PRIMARY && in_minimap (self, x, y))
    {
      self->drag_mode = DRAG_MINIMAP;
      minimap_jump (self, x, y);
      return;
    }
  if (button == GDK_BUTTON_PRIMARY)
    node = qs_layout_groups_hit (self->groups, (x - self->offset_x) / self->zoom,
                                 (y - self->offset_y) / self->zoom, &group);
  self->drag_mode = button == GDK_BUTTON_PRIMARY && node == QS_ID_NONE
                    && group == QS_LAYOUT_GROUP_NONE ? DRAG_BAND : DRAG_PAN;
}

static void
on_drag_update_cb (GtkGestureDrag *gesture,
                   double          dx,
                   double          dy,
                   QsGraphView    *self)
{
  switch (self->drag_mode)
    {
    case DRAG_PAN:
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
      qs_graph_view_set_view (self, self->zoom, self->drag_offset_x + dx,
                              self->drag_offset_y + dy);
      break;
    case DRAG_BAND:
      self->band_dx = dx;
      self->band_dy = dy;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;
    case DRAG_MINIMAP:
      minimap_jump (self, self->drag_x + dx, self->drag_y + dy);
      break;
    case DRAG_NONE:
    default:
      break;
    }
}

static void
on_drag_end_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                QsGraphView    *self)
{
  DragMode mode = self->drag_mode;
  gboolean moved = fabs (dx) > 3 || fabs (dy) > 3;

  self->drag_mode = DRAG_NONE;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), NULL);
  if (mode == DRAG_NONE || mode == DRAG_MINIMAP || self->layout == NULL)
    return;
  if (!moved)
    {
      /* A click: secondary and middle clicks only pan. */
      if (gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture))
          == GDK_BUTTON_PRIMARY)
        qs_graph_view_click (self, self->drag_x, self->drag_y, self->drag_state);
    }
  else if (mode == DRAG_BAND)
    {
      QsLayoutRect r = {
        (MIN (self->drag_x, self->drag_x + dx) - self->offset_x) / self->zoom,
        (MIN (self->drag_y, self->drag_y + dy) - self->offset_y) / self->zoom,
        fabs (dx) / self->zoom, fabs (dy) / self->zoom,
      };

      qs_graph_view_select_rect (self, &r, (self->drag_state & GDK_SHIFT_MASK) != 0);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
qs_graph_view_snapshot_band (QsGraphView *self,
                             GtkSnapshot *snapshot)
{
  graphene_rect_t r;
  GdkRGBA fill = { 0.21, 0.52, 0.89, 0.15 }, line = { 0.21, 0.52, 0.89, 0.9 };
  GskRoundedRect rounded;
  float widths[4] = { 1, 1, 1, 1 };
  GdkRGBA lines[4] = { line, line, line, line };

  if (self->drag_mode != DRAG_BAND || (self->band_dx == 0 && self->band_dy == 0))
    return;
  graphene_rect_init (&r, MIN (self->drag_x, self->drag_x + self->band_dx),
                      MIN (self->drag_y, self->drag_y + self->band_dy),
                      fabs (self->band_dx), fabs (self->band_dy));
  gtk_snapshot_append_color (snapshot, &fill, &r);
  gsk_rounded_rect_init_from_rect (&rounded, &r, 0);
  gtk_snapshot_append_border (snapshot, &rounded, widths, lines);
}

static gboolean
on_query_tooltip_cb (GtkWidget  *widget,
                     int         x,
                     int         y,
                     gboolean    keyboard,
                     GtkTooltip *tooltip,
                     gpointer    user_data)
{
  QsGraphView *self = QS_GRAPH_VIEW (widget);
  g_autoptr (GString) text = NULL;
  g_autofree char *near = NULL, *qconfig = NULL;
  const QsGraph *graph;
  const QsNode *node;
  guint group;
  QsId id;

  if (self->layout == NULL || in_minimap (self, x, y))
    return FALSE;
  if (keyboard)
    id = self->focus;
  else
    id = qs_layout_groups_hit (self->groups, (x - self->offset_x) / self->zoom,
                               (y - self->offset_y) / self->zoom, &group);
  if (!keyboard && group != QS_LAYOUT_GROUP_NONE)
    {
      const QsLayoutGroup *g = qs_layout_groups_get_group (self->groups, group);
      g_autofree char *markup = g_markup_printf_escaped (
        g->collapsed ? _("<b>%s</b>\n%u nodes · click to expand")
                     : _("<b>%s</b>\n%u nodes · click to collapse"), g->label, g->n_nodes);

      gtk_tooltip_set_markup (tooltip, markup);
      return TRUE;
    }
  if (id == QS_ID_NONE)
    return FALSE;

  graph = qs_layout_get_graph (self->layout);
  node = &graph->nodes[id];
  text = g_string_new (NULL);
  g_string_append_printf (text, "<b>%s", qs_op_name (node->op));
  /* A fused kernel says what it absorbed, as its box does. */
  for (guint k = 0; k < node->n_fused; k++)
    g_string_append_printf (text, "+%s", qs_op_name (node->fused[k].op));
  g_string_append (text, "</b>");
  {
    g_autofree char *name = g_markup_escape_text (node->name ? node->name : "", -1);
    g_autofree char *path = g_markup_escape_text (qs_node_module_path (node), -1);

    g_string_append_printf (text, " %s", name);
    if (*path != '\0')
      g_string_append_printf (text, "\n%s", path);
  }
  if (node->n_outputs > 0 && node->outputs[0] < graph->n_values)
    {
      g_autoptr (GString) type = g_string_new (NULL);
      g_autofree char *escaped = NULL;

      qs_type_append (&graph->values[node->outputs[0]].type, type);
      escaped = g_markup_escape_text (type->str, -1);
      g_string_append_printf (text, "\n<tt>%s</tt>", escaped);
    }
  qconfig = qs_graph_render_dup_qconfig (self->render, id);
  if (qconfig != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (qconfig, -1);

      g_string_append_printf (text, "\n%s", escaped);
    }
  near = qs_graph_render_dup_near_misses (self->render, id);
  if (near != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (near, -1);

      g_string_append_printf (text, "\n<span foreground=\"#c64600\">%s</span>", escaped);
    }
  gtk_tooltip_set_markup (tooltip, text->str);
  return TRUE;
}

/* Actions and keys */

static void
view_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  QsGraphView *self = QS_GRAPH_VIEW (widget);

  if (g_str_equal (action_name, "view.zoom-in"))
    qs_graph_view_zoom_in (self);
  else if (g_str_equal (action_name, "view.zoom-out"))
    qs_graph_view_zoom_out (self);
  else if (g_str_equal (action_name, "view.zoom-reset"))
    qs_graph_view_set_zoom (self, 1);
  else if (g_str_equal (action_name, "view.zoom-selection"))
    qs_graph_view_zoom_to_selection (self);
  else if (g_str_equal (action_name, "view.unselect-all"))
    qs_graph_view_unselect_all (self);
  else if (g_str_equal (action_name, "view.toggle-group") && self->focus != QS_ID_NONE)
    {
      guint g = qs_layout_groups_node_owner (self->groups, self->focus);

      if (g == QS_LAYOUT_GROUP_NONE)
        g = qs_layout_groups_node_group (self->groups, self->focus);
      if (g != QS_LAYOUT_GROUP_NONE)
        {
          qs_layout_groups_set_collapsed (self->groups, g,
                                          !qs_layout_groups_get_group (self->groups, g)->collapsed);
          qs_graph_view_content_changed (self);
        }
    }
  else if (g_str_equal (action_name, "view.zoom-fit"))
    qs_graph_view_zoom_to_fit (self);
}

static gboolean
navigate_cb (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  QsGraphView *self = QS_GRAPH_VIEW (widget);
  guint direction;
  gboolean cycle;

  g_variant_get (args, "(ub)", &direction, &cycle);
  if (self->focus == QS_ID_NONE)
    {
      /* Nothing focused: arrows pan. */
      static const double dx[] = { 0, 0, 1, -1 }, dy[] = { 1, -1, 0, 0 };

      qs_graph_view_set_view (self, self->zoom, self->offset_x + 64 * dx[direction],
                              self->offset_y + 64 * dy[direction]);
      return TRUE;
    }
  qs_graph_view_navigate (self, direction, cycle);
  return TRUE;
}

static void
add_keys (GtkWidgetClass *widget_class,
          const char     *action,
          const guint    *keys,
          guint           n_keys)
{
  for (guint i = 0; i < n_keys; i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i], 0, action, NULL);
}

void
qs_graph_view_class_init_input (GtkWidgetClass *widget_class)
{
  static const guint in_keys[] = { GDK_KEY_plus, GDK_KEY_equal, GDK_KEY_KP_Add };
  static const guint out_keys[] = { GDK_KEY_minus, GDK_KEY_KP_Subtract };
  static const guint reset_keys[] = { GDK_KEY_0, GDK_KEY_KP_0 };
  static const struct { guint key; QsGraphViewDirection dir; } arrows[] = {
    { GDK_KEY_Up, QS_GRAPH_VIEW_UP }, { GDK_KEY_Down, QS_GRAPH_VIEW_DOWN },
    { GDK_KEY_Left, QS_GRAPH_VIEW_LEFT }, { GDK_KEY_Right, QS_GRAPH_VIEW_RIGHT },
  };
  static const char * const actions[] = {
    "view.zoom-in", "view.zoom-out", "view.zoom-reset", "view.zoom-fit",
    "view.zoom-selection", "view.unselect-all", "view.toggle-group",
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i], NULL, view_action_cb);
  add_keys (widget_class, "view.zoom-in", in_keys, G_N_ELEMENTS (in_keys));
  add_keys (widget_class, "view.zoom-out", out_keys, G_N_ELEMENTS (out_keys));
  add_keys (widget_class, "view.zoom-reset", reset_keys, G_N_ELEMENTS (reset_keys));
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, 0, "view.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "view.zoom-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "view.unselect-all",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, 0, "view.toggle-group", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (arrows); i++)
    {
      gtk_widget_class_add_binding (widget_class, arrows[i].key, 0, navigate_cb, "(ub)",
                                    arrows[i].dir, FALSE);
      gtk_widget_class_add_binding (widget_class, arrows[i].key, GDK_ALT_MASK, navigate_cb,
                                    "(ub)", arrows[i].dir, TRUE);
    }
}

void
qs_graph_view_init_input (QsGraphView *self)
{
  GtkEventController *scroll, *motion;
  GtkGesture *drag, *zoom;

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion_cb), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "begin", G_CALLBACK (on_zoom_begin_cb), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_scale_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));

  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), NULL);
}
