/* test-panels.c: the inspector, rules list, run bar and report view drive
 * a real QsDocument under Xvfb; and a translated label under zh_CN */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <adwaita.h>

#include "qs-application.h"
#include "qs-inspector.h"
#include "qs-report-row.h"
#include "qs-report-view.h"
#include "qs-rules-panel.h"
#include "qs-run-bar.h"
#include "qs-window.h"

static char *state_dir;

static void
on_loaded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (qs_document_load_finish (QS_DOCUMENT (source), result, NULL));
  *done = TRUE;
}

static void
iterate (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
wait_updated (QsDocument *doc)
{
  while (qs_document_get_updating (doc) || qs_document_get_busy (doc))
    g_main_context_iteration (NULL, TRUE);
  iterate ();
}

static QsDocument *
open_demo (void)
{
  const char *srcdir = g_getenv ("QS_SOURCE_DIR");
  g_autofree char *path = g_build_filename (srcdir ? srcdir : QS_SOURCE_DIR,
                                            "data", "demo.qsproj", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  QsDocument *doc = g_object_new (QS_TYPE_DOCUMENT, "autosave-dir", state_dir, NULL);
  gboolean done = FALSE;

  qs_document_load_async (doc, file, NULL, on_loaded_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  wait_updated (doc);
  return doc;
}

/* Tasks that just returned drop their references to the document in the
 * same main context, a little later. */
static void
finalize_document (QsDocument *doc)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (G_OBJECT (doc)->ref_count > 1 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_finalize_object (doc);
}

static QsId
find_node (QsDocument *doc,
           const char *name)
{
  QsGraph *graph = qs_document_get_graph (doc);

  for (QsId i = 0; i < graph->n_nodes; i++)
    if (g_str_equal (graph->nodes[i].name, name))
      return i;
  g_assert_not_reached ();
}

/* The first descendant of @widget of @type, depth first. */
static GtkWidget *
find_child (GtkWidget *widget,
            GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_child (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A button whose label is @label (translated text), under @widget. */
static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_by_tooltip (GtkWidget  *widget,
                 const char *tooltip)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_by_tooltip (c, tooltip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  if (ADW_IS_PREFERENCES_ROW (widget)
      && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (has_label (c, text))
      return TRUE;
  return FALSE;
}

static GtkWindow *
show_in_window (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 900, 700);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  iterate ();
  return window;
}

static void
destroy (GtkWindow *window)
{
  g_object_ref (window);
  gtk_window_destroy (window);
  iterate ();
  g_assert_finalize_object (window);
}

static void
test_inspector_edit_undo (void)
{
  QsDocument *doc = open_demo ();
  GtkWidget *inspector = qs_inspector_new ();
  GtkWindow *window;
  GtkWidget *apply;
  AdwComboRow *activation = NULL;
  double before, after;
  QsId conv;

  qs_inspector_set_document (QS_INSPECTOR (inspector), doc);
  window = show_in_window (inspector);
  g_assert_true (has_label (inspector, _("No Node Selected")));

  conv = find_node (doc, "backbone_layer3_conv1");
  qs_document_set_selected_node (doc, conv);
  iterate ();
  g_assert_true (has_label (inspector, "backbone_layer3_conv1"));
  before = qs_document_get_estimate (doc)->total_us;

  /* The first combo row is the activation dtype. */
  activation = ADW_COMBO_ROW (find_child (inspector, ADW_TYPE_COMBO_ROW));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (activation)), ==,
                   _("Activation"));
  adw_combo_row_set_selected (activation, QS_QDTYPE_QINT16);
  apply = find_button (inspector, _("_Apply"));
  g_assert_nonnull (apply);
  g_signal_emit_by_name (apply, "clicked");
  g_assert_true (qs_document_get_can_undo (doc));
  wait_updated (doc);
  after = qs_document_get_estimate (doc)->total_us;
  g_assert_cmpfloat (after, !=, before);
  g_assert_cmpint (qs_document_get_qconfigs (doc)->nodes[conv].qconfig.activation, ==,
                   QS_QDTYPE_QINT16);
  /* The inspector shows the new qconfig and which rule set it. */
  g_assert_cmpuint (adw_combo_row_get_selected (activation), ==, QS_QDTYPE_QINT16);

  g_assert_true (gtk_widget_activate_action (inspector, "doc.undo", NULL)
                 || qs_document_undo (doc));
  wait_updated (doc);
  g_assert_cmpfloat (qs_document_get_estimate (doc)->total_us, ==, before);
  g_assert_cmpuint (adw_combo_row_get_selected (activation), ==, QS_QDTYPE_QINT8);

  destroy (window);
  finalize_document (doc);
}

static void
test_rules_panel (void)
{
  QsDocument *doc = open_demo ();
  GtkWidget *panel = qs_rules_panel_new ();
  QsProject *project = qs_document_get_project (doc);
  GtkWindow *window;
  guint n;
  GtkWidget *remove;

  qs_rules_panel_set_document (QS_RULES_PANEL (panel), doc);
  window = show_in_window (panel);
  n = qs_rule_set_get_n_rules (project->rules);
  g_assert_cmpuint (qs_rules_panel_get_n_rules (QS_RULES_PANEL (panel)), ==, n);
  g_assert_cmpuint (n, >, 0);
  g_assert_true (has_label (panel, "Every conv2d"));

  /* Remove the first rule with its button, then undo. */
  remove = find_by_tooltip (panel, _("Remove Rule"));
  g_assert_true (GTK_IS_BUTTON (remove));
  g_signal_emit_by_name (remove, "clicked");
  g_assert_cmpuint (qs_rule_set_get_n_rules (project->rules), ==, n - 1);
  g_assert_cmpuint (qs_rules_panel_get_n_rules (QS_RULES_PANEL (panel)), ==, n - 1);
  g_assert_true (qs_document_undo (doc));
  g_assert_cmpuint (qs_rules_panel_get_n_rules (QS_RULES_PANEL (panel)), ==, n);
  wait_updated (doc);

  destroy (window);
  finalize_document (doc);
}

static gboolean
cancel_when_started_cb (gpointer user_data)
{
  GtkWidget *bar = user_data;
  QsDocument *doc = qs_run_bar_get_document (QS_RUN_BAR (bar));

  if (qs_document_get_progress (doc) <= 0)
    return G_SOURCE_CONTINUE;
  /* Cancel the way a user does: the bar's Cancel button. */
  g_assert_true (gtk_widget_get_visible (find_button (bar, _("_Cancel"))));
  g_signal_emit_by_name (find_button (bar, _("_Cancel")), "clicked");
  return G_SOURCE_REMOVE;
}

static void
test_run_bar (void)
{
  QsDocument *doc = open_demo ();
  GtkWidget *bar = qs_run_bar_new ();
  GtkWindow *window;
  GtkDropDown *march;

  qs_run_bar_set_document (QS_RUN_BAR (bar), doc);
  window = show_in_window (bar);
  march = GTK_DROP_DOWN (find_child (bar, GTK_TYPE_DROP_DOWN));
  g_assert_cmpuint (gtk_drop_down_get_selected (march), ==,
                    (guint) qs_march_from_name ("nash-e") + 1);

  /* Prepare to completion from its button. */
  g_signal_emit_by_name (find_button (bar, _("Prepare")), "clicked");
  g_assert_true (qs_document_get_busy (doc));
  wait_updated (doc);
  g_assert_cmpstr (qs_document_get_status (doc), !=, "");

  /* Calibrate on many synthetic batches, cancelled midway. */
  qs_document_set_calib_data (doc, QS_CALIB_DATA_SYNTHETIC, NULL, 96, 0);
  g_signal_emit_by_name (find_button (bar, _("Calibrate")), "clicked");
  g_assert_true (qs_document_get_busy (doc));
  g_timeout_add (20, cancel_when_started_cb, bar);
  wait_updated (doc);
  g_assert_false (qs_document_get_calibrated (doc));
  g_assert_cmpstr (qs_document_get_status (doc), ==, _("Cancelled"));
  g_assert_false (gtk_widget_get_visible (find_button (bar, _("_Cancel"))));

  /* Choosing another march is an undoable edit that re-estimates. */
  gtk_drop_down_set_selected (march, (guint) qs_march_from_name ("nash-m") + 1);
  g_assert_cmpint (qs_document_get_march (doc), ==, qs_march_from_name ("nash-m"));
  wait_updated (doc);
  g_assert_cmpint (qs_document_get_estimate (doc)->march, ==, qs_march_from_name ("nash-m"));
  g_assert_true (qs_document_undo (doc));
  iterate ();
  g_assert_cmpuint (gtk_drop_down_get_selected (march), ==,
                    (guint) qs_march_from_name ("nash-e") + 1);
  wait_updated (doc);

  destroy (window);
  finalize_document (doc);
}

static void
test_report_view (void)
{
  QsDocument *doc = open_demo ();
  GtkWidget *view = qs_report_view_new ();
  GtkWindow *window;
  GListModel *model;
  guint n;
  g_autoptr (QsReportRow) first = NULL;
  g_autoptr (QsReportRow) second = NULL;
  QsId node;

  qs_report_view_set_document (QS_REPORT_VIEW (view), doc);
  window = show_in_window (view);
  model = qs_report_view_get_model (QS_REPORT_VIEW (view));
  n = g_list_model_get_n_items (model);
  g_assert_cmpuint (n, >, 10);

  /* Sorted by latency, slowest first. */
  first = g_list_model_get_item (model, 0);
  second = g_list_model_get_item (model, 1);
  g_assert_cmpfloat (qs_report_row_get_latency (first), >=, qs_report_row_get_latency (second));

  /* Selecting a row selects the node; selecting a node selects its row. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (model), 1, TRUE);
  g_assert_cmpuint (qs_document_get_selected_node (doc), ==, qs_report_row_get_node (second));
  node = find_node (doc, "backbone_layer4_conv2");
  qs_document_set_selected_node (doc, node);
  {
    QsReportRow *row = gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (model));

    g_assert_nonnull (row);
    g_assert_cmpstr (qs_report_row_get_name (row), ==, "backbone_layer4_conv2");
  }

  /* Filtering by op keeps only that op. */
  qs_report_view_set_filter (QS_REPORT_VIEW (view), "upsample");
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (model), <, n);
  g_assert_cmpuint (g_list_model_get_n_items (model), >, 0);
  qs_report_view_set_filter (QS_REPORT_VIEW (view), "");
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);

  destroy (window);
  finalize_document (doc);
}

/* With QS_SCREENSHOT_DIR set, saves @widget as it is drawn now. */
static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  const char *dir = g_getenv ("QS_SCREENSHOT_DIR");
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GtkSnapshot) snapshot = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  if (dir == NULL)
    return;
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_strdup_printf ("%s/%s.png", dir, name);
  gdk_texture_save_to_png (texture, path);
}

static void
wait_frames (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

static void
test_window_project (void)
{
  const char *srcdir = g_getenv ("QS_SOURCE_DIR");
  g_autofree char *path = g_build_filename (srcdir ? srcdir : QS_SOURCE_DIR,
                                            "data", "demo.qsproj", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  QsApplication *app = g_object_new (QS_TYPE_APPLICATION, "flags", G_APPLICATION_NON_UNIQUE,
                                     NULL);
  QsWindow *window;
  QsDocument *doc;
  QsGraphView *view;
  QsDocumentCanvas *canvas;
  AdwViewStack *stack;
  gint64 deadline;
  QsId node;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  window = g_object_ref (qs_window_new (app));
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  gtk_window_present (GTK_WINDOW (window));
  doc = qs_window_get_document (window);
  view = qs_window_get_graph_view (window);
  qs_window_open_file (window, file);
  while (qs_window_get_busy (window))
    g_main_context_iteration (NULL, TRUE);
  wait_updated (doc);
  g_assert_nonnull (qs_graph_view_get_graph (view));
  /* Opening prepares: the canvas shows the prepared graph. */
  canvas = qs_document_get_canvas (doc);
  g_assert_nonnull (canvas);
  g_assert_true (qs_graph_view_get_graph (view) == qs_document_canvas_get_graph (canvas));
  g_assert_true (qs_document_get_is_project (doc));

  /* Selecting on the canvas selects the source node in the document, and
   * back. */
  node = find_node (doc, "head_cls_out");
  qs_graph_view_select_node (view, qs_document_canvas_from_source (canvas, node), FALSE);
  g_assert_cmpuint (qs_document_get_selected_node (doc), ==, node);
  node = find_node (doc, "backbone_layer1_conv2");
  qs_document_set_selected_node (doc, node);
  g_assert_true (qs_graph_view_is_selected (view, qs_document_canvas_from_source (canvas, node)));

  /* Pipeline from the window's actions; undo from its accelerator's action. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "doc.estimate", NULL));
  wait_updated (doc);
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && g_main_context_iteration (NULL, FALSE))
    ;
  wait_frames (300);
  screenshot (GTK_WIDGET (window), "window-inspector");

  stack = ADW_VIEW_STACK (find_child (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK));
  adw_view_stack_set_visible_child_name (stack, "report");
  wait_frames (300);
  screenshot (GTK_WIDGET (window), "window-report");
  adw_view_stack_set_visible_child_name (stack, "rules");
  wait_frames (300);
  screenshot (GTK_WIDGET (window), "window-rules");

  gtk_window_destroy (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (G_OBJECT (window)->ref_count > 1 && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_assert_finalize_object (window);
  g_object_unref (app);
}

static void
test_translation (void)
{
  const char *builddir = g_getenv ("QS_BUILD_DIR");
  g_autofree char *mo = g_build_filename (builddir ? builddir : ".", "po", "zh_CN",
                                          "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  const char *locpath = g_getenv ("QS_TEST_LOCPATH");
  GtkWidget *bar;
  GtkWindow *window;

  if (!g_file_test (mo, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the zh_CN catalog is not built");
      return;
    }
  /* The build's own zh_CN locale (main () bound the domain to the build's po/). */
  if (locpath == NULL)
    {
      g_test_skip ("no zh_CN locale: QS_TEST_LOCPATH is not set");
      return;
    }
  g_setenv ("LOCPATH", locpath, TRUE);
  if (setlocale (LC_MESSAGES, "zh_CN.UTF-8") == NULL)
    {
      g_test_skip ("the zh_CN.UTF-8 locale could not be loaded");
      return;
    }
  g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "Calibrate"), ==, "校准");

  /* Widgets built from templates under zh_CN show the translated labels. */
  bar = qs_run_bar_new ();
  window = show_in_window (bar);
  g_assert_nonnull (find_button (bar, "校准"));
  g_assert_nonnull (find_button (bar, "融合"));
  g_assert_null (find_button (bar, "Calibrate"));
  screenshot (GTK_WIDGET (window), "run-bar-zh_CN");
  destroy (window);
  setlocale (LC_MESSAGES, "C.UTF-8");
  g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "Calibrate"), ==, "Calibrate");
}

int
main (int   argc,
      char *argv[])
{
  const char *builddir = g_getenv ("QS_BUILD_DIR");
  g_autofree char *localedir = g_build_filename (builddir ? builddir : ".", "po", NULL);

  /* Messages come from the build tree's catalogs (po/LL/LC_MESSAGES). */
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  qs_application_ensure_resources ();
  state_dir = g_dir_make_tmp ("quantscope-state-XXXXXX", NULL);

  g_test_add_func ("/panels/inspector-edit-undo", test_inspector_edit_undo);
  g_test_add_func ("/panels/rules", test_rules_panel);
  g_test_add_func ("/panels/run-bar", test_run_bar);
  g_test_add_func ("/panels/report-view", test_report_view);
  g_test_add_func ("/panels/window-project", test_window_project);
  g_test_add_func ("/panels/translation", test_translation);
  return g_test_run ();
}
