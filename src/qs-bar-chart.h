/* qs-bar-chart.h: horizontal bars with labels, drawn with Cairo
 *
 * Shows numbers someone else computed (the engine's time by op class):
 * it only scales them to its width.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QS_TYPE_BAR_CHART (qs_bar_chart_get_type ())

G_DECLARE_FINAL_TYPE (QsBarChart, qs_bar_chart, QS, BAR_CHART, GtkWidget)

GtkWidget *qs_bar_chart_new       (void);
void       qs_bar_chart_clear     (QsBarChart *self);
/* Appends a bar; @text is shown at its end ("1.20 ms"). */
void       qs_bar_chart_add       (QsBarChart *self,
                                   const char *label,
                                   double      value,
                                   const char *text);
guint      qs_bar_chart_get_n_bars (QsBarChart *self);

G_END_DECLS
