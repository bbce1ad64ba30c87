/* test-window.c: the main window loads a graph and shows it */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "qs-application.h"
#include "qs-window.h"

static QsApplication *app;

static void
wait_until_idle (QsWindow *window)
{
  while (qs_window_get_busy (window))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
wait_for_size (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (gtk_widget_get_width (widget) <= 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

/* A load still running holds the window until its callback ran. */
static void
destroy_window (QsWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_window_destroy (GTK_WINDOW (window));
  while (G_OBJECT (window)->ref_count > 1 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (window);
}

/* Waits until @window is gone and checks nothing else holds it. */
static void
wait_finalized (QsWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (G_OBJECT (window)->ref_count > 1 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (window);
}

/* Loads @file and waits until prepare and estimate settled. */
static QsWindow *
open_and_wait (GFile *file)
{
  QsWindow *window = g_object_ref (qs_window_new (app));
  QsDocument *document = qs_window_get_document (window);

  gtk_window_present (GTK_WINDOW (window));
  qs_window_open_file (window, file);
  wait_until_idle (window);
  while (qs_document_get_updating (document))
    g_main_context_iteration (NULL, TRUE);
  wait_for_size (GTK_WIDGET (qs_window_get_graph_view (window)));
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  return window;
}

static void
on_run_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (qs_document_run_finish (QS_DOCUMENT (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
run_step (QsDocument     *document,
          QsDocumentStep  step)
{
  gboolean done = FALSE;

  qs_document_run_async (document, step, on_run_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static QsId
find_node (QsGraph    *graph,
           const char *name)
{
  for (QsId n = 0; n < graph->n_nodes; n++)
    if (g_strcmp0 (graph->nodes[n].name, name) == 0)
      return n;
  return QS_ID_NONE;
}

static char *
project_path (void)
{
  const char *srcdir = g_getenv ("QS_SOURCE_DIR");

  return g_build_filename (srcdir ? srcdir : QS_SOURCE_DIR, "data", "demo.qsproj", NULL);
}

static char *
demo_path (void)
{
  const char *srcdir = g_getenv ("QS_SOURCE_DIR");

  return g_build_filename (srcdir ? srcdir : QS_SOURCE_DIR,
                           "data", "models", "retinanet-demo.qsgraph.json", NULL);
}

static void
test_window_load (void)
{
  g_autofree char *path = demo_path ();
  g_autoptr (GFile) file = NULL;
  QsWindow *window;
  QsGraphView *view;
  QsLayout *layout;
  QsLayoutRect bounds;
  double zoom;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the demo model is not there");
      return;
    }
  file = g_file_new_for_path (path);
  window = g_object_ref (qs_window_new (app));
  view = qs_window_get_graph_view (window);
  gtk_window_present (GTK_WINDOW (window));

  qs_window_open_file (window, file);
  g_assert_true (qs_window_get_busy (window));
  wait_until_idle (window);

  g_assert_nonnull (qs_graph_view_get_graph (view));
  layout = qs_graph_view_get_layout (view);
  g_assert_nonnull (layout);
  g_assert_cmpuint (qs_layout_get_n_nodes (layout), >, 10);
  g_assert_cmpuint (qs_layout_get_n_layers (layout), >, 5);
  qs_layout_get_bounds (layout, &bounds);
  g_assert_cmpfloat (bounds.width, >, 0);
  g_assert_cmpfloat (bounds.height, >, 0);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==,
                   qs_graph_view_get_graph (view)->name);

  wait_for_size (GTK_WIDGET (view));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (view)), >, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-in", NULL));
  zoom = qs_graph_view_get_zoom (view);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL));
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), <, zoom);
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), <=, 1);

  /* Draw a few frames at different zooms. */
  for (guint i = 0; i < 3; i++)
    {
      gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-out", NULL);
      gtk_widget_queue_draw (GTK_WIDGET (view));
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
    }

  destroy_window (window);
}

static void
test_window_canvas (void)
{
  g_autofree char *path = demo_path ();
  g_autofree char *dir = g_dir_make_tmp ("qs-window-XXXXXX", NULL);
  g_autofree char *svg = g_build_filename (dir, "view.svg", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) state = NULL;
  GtkSearchEntry *entry;
  QsWindow *window;
  QsGraphView *view;
  QsId first;
  gsize length;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the demo model is not there");
      return;
    }
  file = g_file_new_for_path (path);
  window = g_object_ref (qs_window_new (app));
  view = qs_window_get_graph_view (window);
  gtk_window_present (GTK_WINDOW (window));
  qs_window_open_file (window, file);
  wait_until_idle (window);
  wait_for_size (GTK_WIDGET (view));

  /* Ctrl+F's action opens the search bar; typing finds and centres. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL));
  entry = qs_window_get_search_entry (window);
  g_assert_true (gtk_search_bar_get_search_mode (
    GTK_SEARCH_BAR (gtk_widget_get_ancestor (GTK_WIDGET (entry), GTK_TYPE_SEARCH_BAR))));
  gtk_editable_set_text (GTK_EDITABLE (entry), "backbone.layer2");
  g_signal_emit_by_name (entry, "search-changed");
  first = qs_graph_view_get_focus (view);
  g_assert_cmpuint (first, !=, QS_ID_NONE);
  g_assert_true (qs_graph_view_is_selected (view, first));
  /* Enter goes to the next match, win.find-previous comes back. */
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpuint (qs_graph_view_get_focus (view), !=, first);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.find-previous", NULL));
  g_assert_cmpuint (qs_graph_view_get_focus (view), ==, first);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "zoom-selection"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-selection", NULL));

  /* Overlays: the action and the dropdown agree. Opening prepares, so the
   * default colours are activation dtypes. */
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_QDTYPE);
  g_action_group_change_action_state (G_ACTION_GROUP (window), "overlay",
                                      g_variant_new_string ("macs"));
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_OVERLAY);
  g_action_group_change_action_state (G_ACTION_GROUP (window), "overlay",
                                      g_variant_new_string ("bound"));
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_OVERLAY);
  g_action_group_change_action_state (G_ACTION_GROUP (window), "overlay",
                                      g_variant_new_string ("class"));
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_QDTYPE);
  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "overlay");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "class");
  gtk_widget_queue_draw (GTK_WIDGET (view));
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);

  /* Export as the window does it after its file chooser. */
  g_assert_true (qs_window_export (window, svg, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 10000);
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  g_remove (svg);
  g_rmdir (dir);

  destroy_window (window);
}

/* Opening prepares: the canvas shows the prepared graph, one box per
 * fused kernel; Prepare and Fuse swap it and the selection stays. */
static void
test_window_prepared (void)
{
  g_autofree char *path = project_path ();
  g_autoptr (GFile) file = g_file_new_for_path (path);
  QsDocumentCanvas *canvas;
  QsDocument *document;
  QsGraphView *view;
  QsWindow *window;
  QsGraph *source, *shown, *before;
  QsId bn1, focus;
  double fit;

  window = open_and_wait (file);
  document = qs_window_get_document (window);
  view = qs_window_get_graph_view (window);
  source = qs_document_get_graph (document);
  canvas = qs_document_get_canvas (document);
  g_assert_nonnull (canvas);
  g_assert_nonnull (qs_document_get_prepared (document));
  shown = qs_graph_view_get_graph (view);
  g_assert_true (shown == qs_document_get_prepared (document)->graph);
  g_assert_true (shown == qs_document_canvas_get_graph (canvas));
  g_assert_cmpuint (qs_layout_get_n_nodes (qs_graph_view_get_layout (view)), ==,
                    qs_document_get_prepared (document)->graph->n_nodes);
  g_assert_cmpuint (shown->n_nodes, <, source->n_nodes);
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_QDTYPE);

  /* A first look at readable size; zoom to fit still fits everything. */
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), >=, QS_LAYOUT_READABLE_SCALE);
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), <=, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL));
  fit = qs_graph_view_get_zoom (view);
  g_assert_cmpfloat (fit, <, QS_LAYOUT_READABLE_SCALE);

  /* A node fused away selects its fused node; the document keeps the
   * source node's head. */
  bn1 = find_node (source, "backbone_layer1_bn1");
  g_assert_cmpuint (bn1, !=, QS_ID_NONE);
  qs_document_set_selected_node (document, bn1);
  focus = qs_graph_view_get_focus (view);
  g_assert_cmpuint (focus, ==, qs_document_canvas_from_source (canvas, bn1));
  g_assert_true (qs_graph_view_is_selected (view, focus));
  g_assert_cmpstr (shown->nodes[focus].name, ==, "backbone_layer1_conv1");
  g_assert_cmpstr (source->nodes[qs_document_get_selected_node (document)].name, ==,
                   "backbone_layer1_conv1");

  /* Prepare again: a new prepared graph, the same selection and view. */
  before = shown;
  fit = qs_graph_view_get_zoom (view);
  run_step (document, QS_DOCUMENT_STEP_PREPARE);
  shown = qs_graph_view_get_graph (view);
  g_assert_true (shown != before);
  g_assert_true (shown == qs_document_get_prepared (document)->graph);
  g_assert_cmpuint (qs_graph_view_get_n_selected (view), ==, 1);
  g_assert_cmpstr (shown->nodes[qs_graph_view_get_focus (view)].name, ==, "backbone_layer1_conv1");
  g_assert_cmpfloat (qs_graph_view_get_zoom (view), ==, fit);

  /* Overlays are over the nodes shown. */
  g_action_group_change_action_state (G_ACTION_GROUP (window), "overlay",
                                      g_variant_new_string ("latency"));
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_OVERLAY);

  /* Fuse shows the fused graph, coloured by op class with no qconfigs. */
  g_action_group_change_action_state (G_ACTION_GROUP (window), "overlay",
                                      g_variant_new_string ("class"));
  run_step (document, QS_DOCUMENT_STEP_FUSE);
  canvas = qs_document_get_canvas (document);
  shown = qs_graph_view_get_graph (view);
  g_assert_null (canvas->prepared);
  g_assert_true (canvas->fused_by == qs_document_get_fusion (document));
  g_assert_true (shown == qs_document_canvas_get_graph (canvas));
  g_assert_cmpuint (shown->n_nodes, ==, qs_document_get_prepared (document)->graph->n_nodes);
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_OP_CLASS);
  g_assert_cmpstr (shown->nodes[qs_graph_view_get_focus (view)].name, ==, "backbone_layer1_conv1");
  g_action_group_change_action_state (G_ACTION_GROUP (window), "overlay",
                                      g_variant_new_string ("bound"));
  g_assert_cmpint (qs_graph_view_get_color_mode (view), ==, QS_RENDER_COLOR_OVERLAY);
  gtk_widget_queue_draw (GTK_WIDGET (view));
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);

  destroy_window (window);
}

/* The "Save changes?" dialog of a window whose document changed. */
static AdwMessageDialog *
find_close_dialog (QsWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel)
          && gtk_window_get_transient_for (toplevel) == GTK_WINDOW (window)
          && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return ADW_MESSAGE_DIALOG (toplevel);
    }
  return NULL;
}

/* Clicks the dialog's button labelled @label, as a user would. */
static gboolean
click_button (GtkWidget  *widget,
              const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    {
      g_signal_emit_by_name (widget, "clicked");
      return TRUE;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (click_button (child, label))
      return TRUE;
  return FALSE;
}

static void
test_window_close_modified (void)
{
  g_autofree char *path = project_path ();
  g_autoptr (GFile) file = g_file_new_for_path (path);
  QsWindow *window;
  QsDocument *document;
  AdwMessageDialog *dialog;

  window = open_and_wait (file);
  document = qs_window_get_document (window);

  /* Unmodified: no question. The dialog comes with a change. */
  g_assert_false (qs_document_get_modified (document));
  qs_document_set_march (document, qs_march_from_name ("nash-m"));
  g_assert_true (qs_document_get_modified (document));

  gtk_window_close (GTK_WINDOW (window));
  dialog = find_close_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Save Changes?");
  g_assert_true (adw_message_dialog_has_response (dialog, "save"));
  g_assert_true (adw_message_dialog_has_response (dialog, "discard"));
  g_assert_true (adw_message_dialog_has_response (dialog, "cancel"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* Cancel keeps the window. */
  g_assert_true (click_button (GTK_WIDGET (dialog), "_Cancel"));
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (find_close_dialog (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* Quitting asks too; Discard closes without saving. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  dialog = find_close_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_true (click_button (GTK_WIDGET (dialog), "_Discard"));
  wait_finalized (window);
}

static void
test_window_load_error (void)
{
  g_autoptr (GFile) file = g_file_new_for_path ("/nonexistent/graph.qsgraph.json");
  QsWindow *window = g_object_ref (qs_window_new (app));

  gtk_window_present (GTK_WINDOW (window));
  qs_window_open_file (window, file);
  wait_until_idle (window);
  g_assert_null (qs_graph_view_get_graph (qs_window_get_graph_view (window)));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "zoom-fit"));

  destroy_window (window);
}

static void
test_window_cancel (void)
{
  g_autofree char *path = demo_path ();
  g_autoptr (GFile) file = g_file_new_for_path (path);
  QsWindow *window = g_object_ref (qs_window_new (app));

  /* Closing while loading must not crash or leak the window. */
  qs_window_open_file (window, file);
  destroy_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);

  /* No application id: the tests do not need the session bus. */
  app = g_object_new (QS_TYPE_APPLICATION,
                      "flags", G_APPLICATION_NON_UNIQUE,
                      NULL);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/window/load", test_window_load);
  g_test_add_func ("/window/canvas", test_window_canvas);
  g_test_add_func ("/window/prepared", test_window_prepared);
  g_test_add_func ("/window/close-modified", test_window_close_modified);
  g_test_add_func ("/window/load-error", test_window_load_error);
  g_test_add_func ("/window/cancel", test_window_cancel);
  ret = g_test_run ();

  /* A registered GtkApplication keeps internal references until it is
   * run and shut down, so its lifetime is not checked here. */
  g_clear_object (&app);
  return ret;
}
