/* qs-graph-view.c: draws a laid-out graph; pan, zoom and hit tests
 *
 * A layout point p shows at p * zoom + offset in widget pixels. Only what
 * the layout reports inside the visible rectangle is drawn, and labels are
 * skipped when they would be too small to read.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>

#include "qs-graph-view.h"

#define ZOOM_MIN     0.01
#define ZOOM_MAX     4.0
#define ZOOM_STEP    1.25
#define FIT_MARGIN   24.0
#define TEXT_ZOOM    0.4   /* below this, nodes are drawn without labels */
#define DETAIL_ZOOM  0.12  /* below this, nodes are plain rectangles */
#define NODE_PAD     8.0
#define NODE_MIN_W   96.0
#define NODE_MAX_W   280.0
#define NODE_RADIUS  6.0

#define TITLE_FONT   "Sans Bold 10"
#define NAME_FONT    "Sans 9"
#define TYPE_FONT    "Monospace 8"
#define NOTE_FONT    "Sans 7"

struct _QsGraphView
{
  GtkWidget  parent_instance;

  /* owned */
  QsLayout  *layout;
  GArray    *visible_nodes;
  GArray    *visible_edges;

  double     zoom;
  double     offset_x, offset_y;
  double     drag_start_x, drag_start_y;
  double     pointer_x, pointer_y;
  guint      fit_pending : 1;
};

G_DEFINE_FINAL_TYPE (QsGraphView, qs_graph_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Pastel fills per op class, readable with dark text in both styles. */
static const char * const class_colors[QS_N_OP_CLASSES] = {
  [QS_OP_CLASS_OTHER] = "#deddda",
  [QS_OP_CLASS_IO] = "#f6f5f4",
  [QS_OP_CLASS_CONV] = "#99c1f1",
  [QS_OP_CLASS_LINEAR] = "#a4c8f0",
  [QS_OP_CLASS_MATMUL] = "#b3c7f5",
  [QS_OP_CLASS_NORM] = "#dcc7f0",
  [QS_OP_CLASS_ACTIVATION] = "#f9d27a",
  [QS_OP_CLASS_SOFTMAX] = "#ffbe6f",
  [QS_OP_CLASS_ELEMENTWISE] = "#8ff0a4",
  [QS_OP_CLASS_POOL] = "#a8e0d8",
  [QS_OP_CLASS_REDUCE] = "#b5e8c8",
  [QS_OP_CLASS_RESIZE] = "#c4e6a8",
  [QS_OP_CLASS_MOVE] = "#f0b8a8",
  [QS_OP_CLASS_RESHAPE] = "#e8dcc8",
  [QS_OP_CLASS_IDENTITY] = "#ebebeb",
  [QS_OP_CLASS_SHAPE] = "#e0e0e0",
  [QS_OP_CLASS_WRAPPED] = "#dc8add",
};

static void
node_class_color (const QsNode *node,
                  GdkRGBA      *rgba)
{
  QsOpClass cls = node->wrapped != QS_ID_NONE ? QS_OP_CLASS_WRAPPED : qs_op_class (node->op);

  if (cls >= QS_N_OP_CLASSES || !gdk_rgba_parse (rgba, class_colors[cls]))
    gdk_rgba_parse (rgba, class_colors[QS_OP_CLASS_OTHER]);
}

/* The three label lines of a node: what it does, its name, its type. */
static const char *
node_title (const QsNode *node)
{
  if (node->op == QS_OP_UNKNOWN && node->target != NULL)
    return node->target;
  return qs_op_name (node->op);
}

static void
node_type_text (const QsGraph *graph,
                const QsNode  *node,
                GString       *out)
{
  g_string_truncate (out, 0);
  if (node->n_outputs == 0 || node->outputs[0] >= graph->n_values)
    return;
  qs_type_append (&graph->values[node->outputs[0]].type, out);
  if (node->n_outputs > 1)
    g_string_append_printf (out, " +%u", node->n_outputs - 1);
}

/* Unhinted metrics: text measures the same at every zoom and in the
 * worker thread that sizes the nodes. */
static void
set_unhinted (PangoLayout *pl)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (pango_layout_get_context (pl), options);
  cairo_font_options_destroy (options);
  pango_layout_context_changed (pl);
}

static int
text_width (PangoLayout *pl,
            const char  *font,
            const char  *text,
            int         *height)
{
  g_autoptr (PangoFontDescription) desc = pango_font_description_from_string (font);
  int w, h;

  pango_layout_set_font_description (pl, desc);
  pango_layout_set_text (pl, text, -1);
  pango_layout_get_pixel_size (pl, &w, &h);
  if (height != NULL)
    *height += h;
  return w;
}

static void
measure_node_cb (const QsGraph *graph,
                 QsId           id,
                 double        *width,
                 double        *height,
                 gpointer       user_data)
{
  PangoLayout *pl = user_data;
  const QsNode *node = &graph->nodes[id];
  g_autoptr (GString) type = g_string_new (NULL);
  int w, h = 0, line;

  node_type_text (graph, node, type);
  w = text_width (pl, TITLE_FONT, node_title (node), &h);
  line = text_width (pl, NAME_FONT, node->name ? node->name : "", &h);
  w = MAX (w, line);
  line = text_width (pl, TYPE_FONT, type->len ? type->str : " ", &h);
  w = MAX (w, line);
  *width = CLAMP (w + 2 * NODE_PAD + 4, NODE_MIN_W, NODE_MAX_W);
  *height = h + 2 * NODE_PAD;
}

void
qs_graph_view_init_layout_options (QsLayoutOptions *opts,
                                   PangoLayout     *measure)
{
  g_return_if_fail (opts != NULL);
  g_return_if_fail (PANGO_IS_LAYOUT (measure));

  set_unhinted (measure);
  qs_layout_options_init (opts);
  opts->size_func = measure_node_cb;
  opts->size_data = measure;
}

/* Drawing */

static void
rounded_rect (cairo_t            *cr,
              const QsLayoutRect *r,
              double              radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, r->x + r->width - radius, r->y + radius, radius, -G_PI_2, 0);
  cairo_arc (cr, r->x + r->width - radius, r->y + r->height - radius, radius, 0, G_PI_2);
  cairo_arc (cr, r->x + radius, r->y + r->height - radius, radius, G_PI_2, G_PI);
  cairo_arc (cr, r->x + radius, r->y + radius, radius, G_PI, 3 * G_PI_2);
  cairo_close_path (cr);
}

static void
draw_arrow (cairo_t             *cr,
            const QsLayoutPoint *tip,
            double               size)
{
  cairo_move_to (cr, tip->x, tip->y);
  cairo_line_to (cr, tip->x - size / 2, tip->y - size);
  cairo_line_to (cr, tip->x + size / 2, tip->y - size);
  cairo_close_path (cr);
  cairo_fill (cr);
}

/* Routed edges alternate gaps between layers (drawn as S-curves) and
 * straight runs through a layer. */
static void
draw_edge (cairo_t            *cr,
           const QsLayoutEdge *edge,
           double              arrow)
{
  const QsLayoutPoint *p = edge->points;

  if (edge->flags & QS_LAYOUT_EDGE_STUB)
    {
      static const double dash[] = { 3, 3 };

      cairo_save (cr);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_move_to (cr, p[0].x, p[0].y);
      cairo_line_to (cr, p[1].x, p[1].y);
      cairo_move_to (cr, p[2].x, p[2].y);
      cairo_line_to (cr, p[3].x, p[3].y - arrow);
      cairo_stroke (cr);
      cairo_restore (cr);
      if (arrow > 0)
        {
          cairo_arc (cr, p[1].x, p[1].y, arrow / 3, 0, 2 * G_PI);
          cairo_fill (cr);
          draw_arrow (cr, &p[3], arrow);
        }
      return;
    }

  cairo_move_to (cr, p[0].x, p[0].y);
  for (guint i = 0; i + 1 < edge->n_points; i += 2)
    {
      const QsLayoutPoint *a = &p[i], *b = &p[i + 1];
      double mid = (a->y + b->y) / 2;
      gboolean last = i + 2 >= edge->n_points;

      cairo_curve_to (cr, a->x, mid, b->x, mid, b->x, last ? b->y - arrow : b->y);
      if (!last)
        cairo_line_to (cr, p[i + 2].x, p[i + 2].y);
    }
  cairo_stroke (cr);
  if (arrow > 0)
    draw_arrow (cr, &p[edge->n_points - 1], arrow);
}

static void
draw_label (cairo_t     *cr,
            PangoLayout *pl,
            const char  *font,
            const char  *text,
            double       x,
            double      *y,
            double       width)
{
  g_autoptr (PangoFontDescription) desc = pango_font_description_from_string (font);
  int h;

  pango_layout_set_font_description (pl, desc);
  pango_layout_set_width (pl, (int) (width * PANGO_SCALE));
  pango_layout_set_ellipsize (pl, PANGO_ELLIPSIZE_MIDDLE);
  pango_layout_set_alignment (pl, PANGO_ALIGN_CENTER);
  pango_layout_set_text (pl, text, -1);
  cairo_move_to (cr, x, *y);
  pango_cairo_show_layout (cr, pl);
  pango_layout_get_pixel_size (pl, NULL, &h);
  *y += h;
}

static void
draw_note (cairo_t     *cr,
           PangoLayout *pl,
           const char  *text,
           double       x,
           double       y)
{
  g_autoptr (PangoFontDescription) desc = pango_font_description_from_string (NOTE_FONT);

  pango_layout_set_font_description (pl, desc);
  pango_layout_set_width (pl, -1);
  pango_layout_set_alignment (pl, PANGO_ALIGN_LEFT);
  pango_layout_set_text (pl, text, -1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, pl);
}

/* A stub says where it goes: the far end's node name beside each stub. */
static void
draw_stub_labels (QsGraphView        *self,
                  cairo_t            *cr,
                  PangoLayout        *pl,
                  const QsLayoutEdge *edge)
{
  const QsGraph *graph = qs_layout_get_graph (self->layout);
  const char *source = graph->nodes[edge->source].name;
  const char *target = graph->nodes[edge->target].name;
  g_autofree char *to = g_strdup_printf ("→ %s", target ? target : "");
  g_autofree char *from = g_strdup_printf ("%s →", source ? source : "");
  int h;

  draw_note (cr, pl, to, edge->points[1].x + 4, edge->points[1].y - 6);
  pango_layout_set_text (pl, from, -1);
  pango_layout_get_pixel_size (pl, NULL, &h);
  draw_note (cr, pl, from, edge->points[2].x + 4, edge->points[2].y - h + 4);
}

static void
draw_node (QsGraphView *self,
           cairo_t     *cr,
           PangoLayout *pl,
           GString     *scratch,
           QsId         id)
{
  const QsGraph *graph = qs_layout_get_graph (self->layout);
  const QsNode *node = &graph->nodes[id];
  QsLayoutRect r;
  GdkRGBA fill;
  double y;

  qs_layout_get_node_rect (self->layout, id, &r);
  node_class_color (node, &fill);
  if (self->zoom < DETAIL_ZOOM)
    {
      gdk_cairo_set_source_rgba (cr, &fill);
      cairo_rectangle (cr, r.x, r.y, r.width, r.height);
      cairo_fill (cr);
      return;
    }

  rounded_rect (cr, &r, NODE_RADIUS);
  gdk_cairo_set_source_rgba (cr, &fill);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  if (self->zoom < TEXT_ZOOM)
    return;

  cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 1);
  y = r.y + NODE_PAD;
  draw_label (cr, pl, TITLE_FONT, node_title (node), r.x + 4, &y, r.width - 8);
  cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 0.75);
  draw_label (cr, pl, NAME_FONT, node->name ? node->name : "", r.x + 4, &y, r.width - 8);
  node_type_text (graph, node, scratch);
  draw_label (cr, pl, TYPE_FONT, scratch->str, r.x + 4, &y, r.width - 8);
}

/* A label on a background pill, centred vertically on (x, y), so that it
 * stays legible over the frame and the edges crossing it. */
static void
draw_tag (cairo_t       *cr,
          PangoLayout   *pl,
          const char    *text,
          double         x,
          double         y,
          const GdkRGBA *bg,
          const GdkRGBA *fg)
{
  g_autoptr (PangoFontDescription) desc = pango_font_description_from_string (NAME_FONT);
  QsLayoutRect r;
  int w, h;

  pango_layout_set_font_description (pl, desc);
  pango_layout_set_width (pl, -1);
  pango_layout_set_alignment (pl, PANGO_ALIGN_LEFT);
  pango_layout_set_text (pl, text, -1);
  pango_layout_get_pixel_size (pl, &w, &h);
  r = (QsLayoutRect) { x, y - h / 2.0 - 1, w + 8, h + 2 };
  rounded_rect (cr, &r, (h + 2) / 2.0);
  gdk_cairo_set_source_rgba (cr, bg);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.57, 0.25, 0.67, 0.9);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  gdk_cairo_set_source_rgba (cr, fg);
  cairo_move_to (cr, x + 4, y - h / 2.0);
  pango_cairo_show_layout (cr, pl);
}

static void
draw_wrapped (QsGraphView        *self,
              cairo_t            *cr,
              PangoLayout        *pl,
              const QsLayoutRect *visible,
              const GdkRGBA      *bg,
              const GdkRGBA      *fg,
              gboolean            tags)
{
  static const double dash[] = { 6, 4 };
  const QsGraph *graph = qs_layout_get_graph (self->layout);

  for (QsId i = 0; i < graph->n_wrapped; i++)
    {
      const QsWrapped *w = &graph->wrapped[i];
      g_autofree char *label = NULL;
      QsLayoutRect r;

      if (!qs_layout_get_wrapped_rect (self->layout, i, &r)
          || r.x > visible->x + visible->width || r.x + r.width < visible->x
          || r.y > visible->y + visible->height || r.y + r.height < visible->y)
        continue;
      if (tags)
        {
          /* TRANSLATORS: a wrapped region's frame: its kind, then its name */
          label = g_strdup_printf (_("%s: %s"), qs_wrap_kind_name (w->kind),
                                   w->name ? w->name : "");
          draw_tag (cr, pl, label, r.x + NODE_RADIUS, r.y, bg, fg);
          continue;
        }
      cairo_save (cr);
      rounded_rect (cr, &r, NODE_RADIUS + 4);
      cairo_set_source_rgba (cr, 0.57, 0.25, 0.67, 0.08);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0.57, 0.25, 0.67, 0.9);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
}

static void
visible_rect (QsGraphView  *self,
              QsLayoutRect *rect)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  *rect = (QsLayoutRect) {
    -self->offset_x / self->zoom, -self->offset_y / self->zoom, w / self->zoom, h / self->zoom
  };
}

static void
qs_graph_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  QsGraphView *self = QS_GRAPH_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autoptr (GString) scratch = g_string_new (NULL);
  g_autoptr (PangoLayout) pl = NULL;
  GtkStyleContext *style;
  QsLayoutRect visible;
  GdkRGBA fg, bg;
  cairo_t *cr;

  if (self->layout == NULL || w <= 0 || h <= 0)
    return;

  style = gtk_widget_get_style_context (widget);
  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "view_bg_color", &bg))
    bg = (GdkRGBA) { 1, 1, 1, 1 };
  visible_rect (self, &visible);
  g_array_set_size (self->visible_nodes, 0);
  g_array_set_size (self->visible_edges, 0);
  qs_layout_nodes_in_rect (self->layout, &visible, self->visible_nodes);
  qs_layout_edges_in_rect (self->layout, &visible, self->visible_edges);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_translate (cr, self->offset_x, self->offset_y);
  cairo_scale (cr, self->zoom, self->zoom);
  pl = pango_cairo_create_layout (cr);
  set_unhinted (pl);

  draw_wrapped (self, cr, pl, &visible, &bg, &fg, FALSE);

  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
  cairo_set_line_width (cr, MAX (1.25, 0.75 / self->zoom));
  for (guint i = 0; i < self->visible_edges->len; i++)
    draw_edge (cr, qs_layout_get_edge (self->layout, g_array_index (self->visible_edges, guint, i)),
               self->zoom < DETAIL_ZOOM ? 0 : 6);

  if (self->zoom >= TEXT_ZOOM)
    for (guint i = 0; i < self->visible_edges->len; i++)
      {
        guint e = g_array_index (self->visible_edges, guint, i);
        const QsLayoutEdge *edge = qs_layout_get_edge (self->layout, e);

        if (edge->flags & QS_LAYOUT_EDGE_STUB)
          draw_stub_labels (self, cr, pl, edge);
      }

  if (self->zoom >= TEXT_ZOOM)
    draw_wrapped (self, cr, pl, &visible, &bg, &fg, TRUE);
  for (guint i = 0; i < self->visible_nodes->len; i++)
    draw_node (self, cr, pl, scratch, g_array_index (self->visible_nodes, QsId, i));
  cairo_destroy (cr);
}

/* Zoom and pan */

static void
set_view (QsGraphView *self,
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

/* Zooms by @factor keeping the layout point under (x, y) in place. */
static void
zoom_at (QsGraphView *self,
         double       factor,
         double       x,
         double       y)
{
  double zoom = CLAMP (self->zoom * factor, ZOOM_MIN, ZOOM_MAX);
  double k = zoom / self->zoom;

  set_view (self, zoom, x - (x - self->offset_x) * k, y - (y - self->offset_y) * k);
}

static void
zoom_centered (QsGraphView *self,
               double       factor)
{
  zoom_at (self, factor,
           gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
           gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
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
    set_view (self, self->zoom, self->offset_x - dy * step, self->offset_y - dx * step);
  else
    set_view (self, self->zoom, self->offset_x - dx * step, self->offset_y - dy * step);
  return TRUE;
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

static void
on_drag_begin_cb (GtkGestureDrag *gesture,
                  double          x,
                  double          y,
                  QsGraphView    *self)
{
  self->drag_start_x = self->offset_x;
  self->drag_start_y = self->offset_y;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_drag_update_cb (GtkGestureDrag *gesture,
                   double          dx,
                   double          dy,
                   QsGraphView    *self)
{
  set_view (self, self->zoom, self->drag_start_x + dx, self->drag_start_y + dy);
}

static void
on_drag_end_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                QsGraphView    *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), NULL);
}

static void
zoom_action_cb (GtkWidget  *widget,
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
  else
    qs_graph_view_zoom_to_fit (self);
}

static void
qs_graph_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  QsGraphView *self = QS_GRAPH_VIEW (widget);

  if (self->fit_pending && width > 0 && height > 0)
    qs_graph_view_zoom_to_fit (self);
}

static void
qs_graph_view_dispose (GObject *object)
{
  QsGraphView *self = QS_GRAPH_VIEW (object);

  g_clear_pointer (&self->layout, qs_layout_free);
  g_clear_pointer (&self->visible_nodes, g_array_unref);
  g_clear_pointer (&self->visible_edges, g_array_unref);

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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_zoom_keys (GtkWidgetClass *widget_class,
               const char     *action,
               const guint    *keys,
               guint           n_keys)
{
  for (guint i = 0; i < n_keys; i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i], 0, action, NULL);
}

static void
qs_graph_view_class_init (QsGraphViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const guint in_keys[] = { GDK_KEY_plus, GDK_KEY_equal, GDK_KEY_KP_Add };
  static const guint out_keys[] = { GDK_KEY_minus, GDK_KEY_KP_Subtract };
  static const guint reset_keys[] = { GDK_KEY_0, GDK_KEY_KP_0 };

  object_class->dispose = qs_graph_view_dispose;
  object_class->get_property = qs_graph_view_get_property;
  object_class->set_property = qs_graph_view_set_property;

  widget_class->snapshot = qs_graph_view_snapshot;
  widget_class->size_allocate = qs_graph_view_size_allocate;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, ZOOM_MIN, ZOOM_MAX, 1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "view.zoom-in", NULL, zoom_action_cb);
  gtk_widget_class_install_action (widget_class, "view.zoom-out", NULL, zoom_action_cb);
  gtk_widget_class_install_action (widget_class, "view.zoom-reset", NULL, zoom_action_cb);
  gtk_widget_class_install_action (widget_class, "view.zoom-fit", NULL, zoom_action_cb);
  add_zoom_keys (widget_class, "view.zoom-in", in_keys, G_N_ELEMENTS (in_keys));
  add_zoom_keys (widget_class, "view.zoom-out", out_keys, G_N_ELEMENTS (out_keys));
  add_zoom_keys (widget_class, "view.zoom-reset", reset_keys, G_N_ELEMENTS (reset_keys));
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, 0, "view.zoom-fit", NULL);

  gtk_widget_class_set_css_name (widget_class, "graphview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
qs_graph_view_init (QsGraphView *self)
{
  GtkEventController *scroll, *motion;
  GtkGesture *drag;

  self->zoom = 1;
  self->visible_nodes = g_array_new (FALSE, FALSE, sizeof (QsId));
  self->visible_edges = g_array_new (FALSE, FALSE, sizeof (guint));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

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
}

GtkWidget *
qs_graph_view_new (void)
{
  return g_object_new (QS_TYPE_GRAPH_VIEW, NULL);
}

void
qs_graph_view_take_layout (QsGraphView *self,
                           QsLayout    *layout)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  if (layout == self->layout)
    return;
  g_clear_pointer (&self->layout, qs_layout_free);
  self->layout = layout;
  qs_graph_view_zoom_to_fit (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
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

void
qs_graph_view_zoom_to_fit (QsGraphView *self)
{
  int w, h;
  double zoom, ox, oy;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  self->fit_pending = self->layout != NULL && (w <= 0 || h <= 0);
  if (self->layout == NULL || self->fit_pending)
    return;
  qs_layout_fit (self->layout, w, h, FIT_MARGIN, 1, &zoom, &ox, &oy);
  set_view (self, zoom, ox, oy);
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
  set_view (self, self->zoom,
            gtk_widget_get_width (GTK_WIDGET (self)) / 2.0 - (r.x + r.width / 2) * self->zoom,
            gtk_widget_get_height (GTK_WIDGET (self)) / 2.0 - (r.y + r.height / 2) * self->zoom);
}
