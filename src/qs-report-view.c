/* qs-report-view.c: the per-node table and the whole-model summary */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "qs-application.h"
#include "qs-bar-chart.h"
#include "qs-report-row.h"
#include "qs-report-view.h"

typedef enum
{
  FORMAT_STRING,
  FORMAT_LATENCY,
  FORMAT_MACS,
  FORMAT_DB,
  FORMAT_COSINE,
} Format;

struct _QsReportView
{
  AdwBin              parent_instance;

  /* template widgets */
  GtkLabel           *summary_label;
  QsBarChart         *chart;
  GtkSearchEntry     *filter_entry;
  GtkColumnView      *column_view;

  /* owned */
  QsDocument         *document;
  GListStore         *rows;
  GtkFilterListModel *filtered;
  GtkSortListModel   *sorted;
  GtkSingleSelection *selection;

  /* borrowed: owned by the filter model */
  GtkStringFilter    *name_filter;
  GtkStringFilter    *op_filter;

  gboolean            syncing;
};

G_DEFINE_FINAL_TYPE (QsReportView, qs_report_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- columns -------------------------------------------------------------------------- */

/* "7.1 M": counts (MACs) with an SI prefix. */
static char *
format_count (guint64 n)
{
  if (n >= G_GUINT64_CONSTANT (1000000000))
    return g_strdup_printf ("%.2f G", n / 1e9);
  if (n >= 1000000)
    return g_strdup_printf ("%.1f M", n / 1e6);
  if (n >= 1000)
    return g_strdup_printf ("%.1f k", n / 1e3);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " ", n);
}

static char *
format_value (QsReportRow *row,
              const char  *property,
              Format       format)
{
  g_auto (GValue) value = G_VALUE_INIT;
  double d;

  g_object_get_property (G_OBJECT (row), property, &value);
  switch (format)
    {
    case FORMAT_STRING:
      return g_value_dup_string (&value);
    case FORMAT_MACS:
      return format_count (g_value_get_uint64 (&value));
    default:
      break;
    }
  d = g_value_get_double (&value);
  if (d == QS_REPORT_ROW_UNKNOWN)
    return g_strdup ("—");
  switch (format)
    {
    case FORMAT_LATENCY:
      /* TRANSLATORS: microseconds */
      return g_strdup_printf (_("%.1f µs"), d);
    case FORMAT_DB:
      return isinf (d) ? g_strdup ("∞") : g_strdup_printf (_("%.1f dB"), d);
    case FORMAT_COSINE:
    default:
      return g_strdup_printf ("%.5f", d);
    }
}

static void
on_setup_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  Format format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "format"));
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), format == FORMAT_STRING ? 0 : 1);
  /* Only names are long: they ellipsize, numbers never do. */
  if (g_object_get_data (G_OBJECT (factory), "ellipsize") != NULL)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  if (format != FORMAT_STRING)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
on_bind_cb (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  const char *property = g_object_get_data (G_OBJECT (factory), "property");
  Format format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "format"));
  g_autofree char *text = format_value (gtk_list_item_get_item (item), property, format);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
add_column (QsReportView *self,
            const char   *title,
            const char   *property,
            Format        format,
            gboolean      expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkExpression *expression = gtk_property_expression_new (QS_TYPE_REPORT_ROW, NULL, property);
  GtkSorter *sorter;
  GtkColumnViewColumn *column;

  g_object_set_data (G_OBJECT (factory), "property", (gpointer) property);
  g_object_set_data (G_OBJECT (factory), "format", GINT_TO_POINTER (format));
  if (expand)
    g_object_set_data (G_OBJECT (factory), "ellipsize", GINT_TO_POINTER (TRUE));
  g_signal_connect (factory, "setup", G_CALLBACK (on_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind_cb), NULL);
  if (format == FORMAT_STRING)
    sorter = GTK_SORTER (gtk_string_sorter_new (expression));
  else
    {
      sorter = GTK_SORTER (gtk_numeric_sorter_new (expression));
      /* Numbers read best largest first. */
      gtk_numeric_sorter_set_sort_order (GTK_NUMERIC_SORTER (sorter), GTK_SORT_DESCENDING);
    }
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_expand (column, expand);
  if (expand)
    gtk_column_view_column_set_fixed_width (column, 170);
  g_object_set_data_full (G_OBJECT (column), "property", g_strdup (property), g_free);
  gtk_column_view_append_column (self->column_view, column);
  g_object_unref (sorter);
  g_object_unref (column);
}

static void
add_columns (QsReportView *self)
{
  add_column (self, _("Node"), "name", FORMAT_STRING, TRUE);
  add_column (self, _("Op"), "op", FORMAT_STRING, FALSE);
  add_column (self, _("Latency"), "latency", FORMAT_LATENCY, FALSE);
  add_column (self, _("Bound"), "bound", FORMAT_STRING, FALSE);
  add_column (self, _("MACs"), "macs", FORMAT_MACS, FALSE);
  add_column (self, _("SQNR"), "sqnr", FORMAT_DB, FALSE);
  add_column (self, _("Cosine"), "cosine", FORMAT_COSINE, FALSE);
  add_column (self, _("Dtype"), "dtype", FORMAT_STRING, FALSE);
}

/* ---- contents ---------------------------------------------------------------------------- */

static QsReportRow *
make_row (QsDocument       *document,
          QsPrepared       *prepared,
          const QsNodeCost *cost)
{
  const QsNode *node = qs_graph_node (prepared->graph, cost->node);
  g_autofree char *dtype = NULL;
  QsReportRowData data = { 0 };

  if (cost->weight != QS_QDTYPE_FLOAT)
    dtype = g_strdup_printf ("%s/%s", qs_qdtype_name (cost->activation),
                             qs_qdtype_name (cost->weight));
  else
    dtype = g_strdup (qs_qdtype_name (cost->activation));
  data.node = qs_document_from_prepared (document, cost->node);
  data.name = node->name;
  data.op = qs_op_name (node->op);
  data.dtype = dtype;
  data.bound = qs_bound_name (cost->bound);
  data.latency_us = cost->time_us;
  data.macs = cost->macs;
  data.sqnr_db = data.cosine = QS_REPORT_ROW_UNKNOWN;
  qs_document_get_node_error (document, cost->node, &data.sqnr_db, &data.cosine);
  return qs_report_row_new (&data);
}

static void
fill_rows (QsReportView *self)
{
  const QsCostEstimate *estimate = NULL;
  QsPrepared *prepared = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->document != NULL)
    {
      estimate = qs_document_get_estimate (self->document);
      prepared = qs_document_get_prepared (self->document);
    }
  for (guint i = 0; estimate != NULL && prepared != NULL && i < estimate->nodes->len; i++)
    g_ptr_array_add (rows, make_row (self->document, prepared,
                                     &g_array_index (estimate->nodes, QsNodeCost, i)));
  self->syncing = TRUE;
  g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                       rows->pdata, rows->len);
  self->syncing = FALSE;
}

typedef struct
{
  QsOpClass cls;
  double    us;
} ClassTime;

static int
compare_class_time (gconstpointer a,
                    gconstpointer b)
{
  const ClassTime *x = a, *y = b;

  return (x->us < y->us) - (x->us > y->us);
}

static void
fill_chart (QsReportView         *self,
            const QsCostEstimate *estimate)
{
  g_autoptr (GArray) classes = g_array_new (FALSE, FALSE, sizeof (ClassTime));

  qs_bar_chart_clear (self->chart);
  for (guint c = 0; c < QS_N_OP_CLASSES; c++)
    if (estimate->class_us[c] > 0)
      {
        ClassTime t = { c, estimate->class_us[c] };

        g_array_append_val (classes, t);
      }
  g_array_sort (classes, compare_class_time);
  for (guint i = 0; i < classes->len; i++)
    {
      ClassTime *t = &g_array_index (classes, ClassTime, i);
      g_autofree char *text = g_strdup_printf (_("%.1f µs"), t->us);

      qs_bar_chart_add (self->chart, qs_op_class_name (t->cls), t->us, text);
    }
}

static void
fill_summary (QsReportView *self)
{
  const QsCostEstimate *e = self->document ? qs_document_get_estimate (self->document) : NULL;
  g_autoptr (GString) text = NULL;
  g_autofree char *macs = NULL;
  g_autofree char *ddr = NULL;

  if (e == NULL)
    {
      gtk_label_set_text (self->summary_label,
                          _("No estimate yet: choose a march and press Estimate"));
      qs_bar_chart_clear (self->chart);
      return;
    }
  text = g_string_new (NULL);
  macs = format_count (e->macs);
  ddr = g_format_size (e->ddr_bytes);
  g_string_append_printf (text, _("%.3f ms per inference on %s (BPU %.3f ms, CPU %.3f ms, "
                                  "host %.3f ms)"),
                          e->total_us / 1000, qs_march_name (e->march), e->bpu_us / 1000,
                          e->cpu_us / 1000, e->host_us / 1000);
  g_string_append_c (text, '\n');
  if (e->threads > 1)
    g_string_append_printf (text, _("%.0f FPS on one thread, %.0f FPS on %u"), e->fps_1,
                            e->fps_n, e->threads);
  else
    g_string_append_printf (text, _("%.0f FPS"), e->fps_1);
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("%sMACs, %s of DDR traffic"), macs, ddr);
  if (!e->calibrated)
    {
      g_string_append_c (text, '\n');
      g_string_append (text, _("The cost model of this march is not calibrated on "
                               "measurements yet: treat times as rough"));
    }
  gtk_label_set_text (self->summary_label, text->str);
  fill_chart (self, e);
}

static void
sync_selection (QsReportView *self)
{
  QsId node = qs_document_get_selected_node (self->document);
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (QsReportRow) row = g_list_model_get_item (model, i);

      if (node != QS_ID_NONE && qs_report_row_get_node (row) == node)
        {
          self->syncing = TRUE;
          gtk_single_selection_set_selected (self->selection, i);
          self->syncing = FALSE;
          return;
        }
    }
  self->syncing = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->syncing = FALSE;
}

static void
on_document_results_changed_cb (QsDocument   *document,
                                QsReportView *self)
{
  fill_rows (self);
  fill_summary (self);
  sync_selection (self);
}

static void
on_document_selected_node_notify_cb (QsDocument   *document,
                                     GParamSpec   *pspec,
                                     QsReportView *self)
{
  sync_selection (self);
}

static void
on_selection_changed_cb (GtkSingleSelection *selection,
                         GParamSpec         *pspec,
                         QsReportView       *self)
{
  QsReportRow *row = gtk_single_selection_get_selected_item (selection);

  if (self->syncing || self->document == NULL || row == NULL)
    return;
  qs_document_set_selected_node (self->document, qs_report_row_get_node (row));
}

static void
on_filter_entry_search_changed_cb (GtkSearchEntry *entry,
                                   QsReportView   *self)
{
  qs_report_view_set_filter (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

/* ---- GObject -------------------------------------------------------------------------------- */

static void
qs_report_view_dispose (GObject *object)
{
  QsReportView *self = QS_REPORT_VIEW (object);

  qs_report_view_set_document (self, NULL);
  /* AdwBin unparents its child itself. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QS_TYPE_REPORT_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filtered);
  g_clear_object (&self->rows);
  G_OBJECT_CLASS (qs_report_view_parent_class)->dispose (object);
}

static void
qs_report_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QsReportView *self = QS_REPORT_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_report_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  QsReportView *self = QS_REPORT_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      qs_report_view_set_document (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_report_view_class_init (QsReportViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qs_report_view_dispose;
  object_class->get_property = qs_report_view_get_property;
  object_class->set_property = qs_report_view_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, QS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (QS_TYPE_BAR_CHART);
  qs_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/quantscope/Quantscope/qs-report-view.ui");
  gtk_widget_class_bind_template_child (widget_class, QsReportView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, QsReportView, chart);
  gtk_widget_class_bind_template_child (widget_class, QsReportView, filter_entry);
  gtk_widget_class_bind_template_child (widget_class, QsReportView, column_view);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_entry_search_changed_cb);
}

static void
qs_report_view_init (QsReportView *self)
{
  g_autoptr (GtkColumnViewColumn) latency = NULL;
  GtkAnyFilter *any;

  gtk_widget_init_template (GTK_WIDGET (self));
  add_columns (self);

  self->rows = g_list_store_new (QS_TYPE_REPORT_ROW);
  self->name_filter = gtk_string_filter_new (gtk_property_expression_new (QS_TYPE_REPORT_ROW,
                                                                          NULL, "name"));
  self->op_filter = gtk_string_filter_new (gtk_property_expression_new (QS_TYPE_REPORT_ROW,
                                                                        NULL, "op"));
  any = gtk_any_filter_new ();
  gtk_multi_filter_append (GTK_MULTI_FILTER (any), GTK_FILTER (self->name_filter));
  gtk_multi_filter_append (GTK_MULTI_FILTER (any), GTK_FILTER (self->op_filter));
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->rows)),
                                              GTK_FILTER (any));
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->filtered)),
                                          g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->sorted)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected",
                           G_CALLBACK (on_selection_changed_cb), self, 0);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  /* Slowest kernels first. */
  latency = g_list_model_get_item (gtk_column_view_get_columns (self->column_view), 2);
  gtk_column_view_sort_by_column (self->column_view, latency, GTK_SORT_ASCENDING);
}

GtkWidget *
qs_report_view_new (void)
{
  return g_object_new (QS_TYPE_REPORT_VIEW, NULL);
}

QsDocument *
qs_report_view_get_document (QsReportView *self)
{
  g_return_val_if_fail (QS_IS_REPORT_VIEW (self), NULL);
  return self->document;
}

void
qs_report_view_set_document (QsReportView *self,
                             QsDocument   *document)
{
  g_return_if_fail (QS_IS_REPORT_VIEW (self));
  g_return_if_fail (document == NULL || QS_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document != NULL)
    {
      g_signal_connect_object (document, "results-changed",
                               G_CALLBACK (on_document_results_changed_cb), self, 0);
      g_signal_connect_object (document, "notify::selected-node",
                               G_CALLBACK (on_document_selected_node_notify_cb), self, 0);
    }
  if (self->rows != NULL)
    {
      fill_rows (self);
      fill_summary (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

GListModel *
qs_report_view_get_model (QsReportView *self)
{
  g_return_val_if_fail (QS_IS_REPORT_VIEW (self), NULL);
  return G_LIST_MODEL (self->selection);
}

void
qs_report_view_set_filter (QsReportView *self,
                           const char   *text)
{
  g_return_if_fail (QS_IS_REPORT_VIEW (self));
  gtk_string_filter_set_search (self->name_filter, text);
  gtk_string_filter_set_search (self->op_filter, text);
}
