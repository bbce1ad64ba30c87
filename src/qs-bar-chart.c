/* qs-bar-chart.c: horizontal bars with labels, drawn with Cairo */
#include "config.h"

#include "qs-bar-chart.h"

#define BAR_HEIGHT 18
#define BAR_GAP 6
#define LABEL_WIDTH 110
#define TEXT_WIDTH 76

typedef struct
{
  char   *label;
  char   *text;
  double  value;
} Bar;

struct _QsBarChart
{
  GtkWidget  parent_instance;

  /* owned */
  GArray    *bars;   /* Bar */
  double     max;
};

G_DEFINE_FINAL_TYPE (QsBarChart, qs_bar_chart, GTK_TYPE_WIDGET)

static void
bar_clear (gpointer data)
{
  Bar *bar = data;

  g_free (bar->label);
  g_free (bar->text);
}

static void
draw_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       width,
           gboolean     right)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x, y + (BAR_HEIGHT - h) / 2.0);
  pango_cairo_show_layout (cr, layout);
}

static void
qs_bar_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  QsBarChart *self = QS_BAR_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double bar_space = MAX (width - LABEL_WIDTH - TEXT_WIDTH - 12, 10);
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  GdkRGBA fg, accent = { 0.21, 0.52, 0.89, 1 };
  cairo_t *cr;

  if (self->bars->len == 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  for (guint i = 0; i < self->bars->len; i++)
    {
      Bar *bar = &g_array_index (self->bars, Bar, i);
      double y = i * (BAR_HEIGHT + BAR_GAP);
      double w = self->max > 0 ? bar->value / self->max * bar_space : 0;

      gdk_cairo_set_source_rgba (cr, &fg);
      draw_text (cr, layout, bar->label, 0, y, LABEL_WIDTH - 6, FALSE);
      gdk_cairo_set_source_rgba (cr, &accent);
      cairo_rectangle (cr, LABEL_WIDTH, y + 2, MAX (w, 1), BAR_HEIGHT - 4);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &fg);
      draw_text (cr, layout, bar->text, LABEL_WIDTH + w + 6, y, TEXT_WIDTH, FALSE);
    }
  cairo_destroy (cr);
}

static void
qs_bar_chart_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  QsBarChart *self = QS_BAR_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = LABEL_WIDTH + TEXT_WIDTH + 40;
      *natural = LABEL_WIDTH + TEXT_WIDTH + 200;
    }
  else
    *minimum = *natural = self->bars->len * (BAR_HEIGHT + BAR_GAP);
}

static void
qs_bar_chart_finalize (GObject *object)
{
  QsBarChart *self = QS_BAR_CHART (object);

  g_array_unref (self->bars);
  G_OBJECT_CLASS (qs_bar_chart_parent_class)->finalize (object);
}

static void
qs_bar_chart_class_init (QsBarChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = qs_bar_chart_finalize;
  widget_class->snapshot = qs_bar_chart_snapshot;
  widget_class->measure = qs_bar_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "barchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
qs_bar_chart_init (QsBarChart *self)
{
  self->bars = g_array_new (FALSE, TRUE, sizeof (Bar));
  g_array_set_clear_func (self->bars, bar_clear);
}

GtkWidget *
qs_bar_chart_new (void)
{
  return g_object_new (QS_TYPE_BAR_CHART, NULL);
}

void
qs_bar_chart_clear (QsBarChart *self)
{
  g_return_if_fail (QS_IS_BAR_CHART (self));
  g_array_set_size (self->bars, 0);
  self->max = 0;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
qs_bar_chart_add (QsBarChart *self,
                  const char *label,
                  double      value,
                  const char *text)
{
  Bar bar = { g_strdup (label), g_strdup (text), value };

  g_return_if_fail (QS_IS_BAR_CHART (self));
  g_array_append_val (self->bars, bar);
  self->max = MAX (self->max, value);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
qs_bar_chart_get_n_bars (QsBarChart *self)
{
  g_return_val_if_fail (QS_IS_BAR_CHART (self), 0);
  return self->bars->len;
}
