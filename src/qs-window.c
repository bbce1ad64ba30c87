/* qs-window.c: a main window showing one graph */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "qs-inspector.h"
#include "qs-loader.h"
#include "qs-passes.h"
#include "qs-recovery.h"
#include "qs-report-view.h"
#include "qs-rules-panel.h"
#include "qs-run-bar.h"
#include "qs-window.h"

/* The dropdown's entries, in order; "class" is the default colouring (op
 * class, or activation dtype once a prepared graph is shown). */
static const char * const overlay_names[] = { "class", "macs", "latency", "error", "bound" };
#define N_OVERLAYS G_N_ELEMENTS (overlay_names)

struct _QsWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle  *window_title;
  GtkSpinner      *spinner;
  GtkStack        *stack;
  QsGraphView     *graph_view;
  GtkLabel        *status_label;
  GtkLabel        *zoom_label;
  GtkSearchBar    *search_bar;
  GtkSearchEntry  *search_entry;
  GtkLabel        *match_label;
  GtkDropDown     *overlay_dropdown;
  QsRunBar        *run_bar;
  GtkWidget       *side_panel;
  AdwViewStack    *side_stack;
  QsInspector     *inspector;
  QsRulesPanel    *rules_panel;
  QsReportView    *report_view;

  /* owned */
  QsDocument      *document;
  GtkFileChooserNative *save_chooser;
  GSettings       *settings;
  GCancellable    *cancellable;
  GCancellable    *fuse_cancellable;
  GFile           *file;
  GtkFileChooserNative *export_chooser;
  QsOverlay       *overlays[5];   /* by overlay_names; [0] unused */

  /* borrowed */
  AdwMessageDialog *close_dialog; /* "Save changes?" while it shows */

  gboolean         close_after_save;
};

G_DEFINE_FINAL_TYPE (QsWindow, qs_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The one place that decides which window actions are enabled. */
static void
qs_window_update_actions (QsWindow *self)
{
  static const char * const view_actions[] = {
    "zoom-in", "zoom-out", "zoom-reset", "zoom-fit", "find", "find-next", "find-previous",
    "export", "overlay", "expand-all",
  };
  gboolean has_graph = qs_graph_view_get_graph (self->graph_view) != NULL;
  GAction *action;

  for (guint i = 0; i < G_N_ELEMENTS (view_actions); i++)
    {
      action = g_action_map_lookup_action (G_ACTION_MAP (self), view_actions[i]);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), has_graph);
    }
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "zoom-selection");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action),
                               qs_graph_view_get_n_selected (self->graph_view) > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->overlay_dropdown), has_graph);
}

static void
update_status (QsWindow *self)
{
  QsGraph *graph = qs_graph_view_get_graph (self->graph_view);
  QsLayout *layout = qs_graph_view_get_layout (self->graph_view);
  g_autoptr (GString) text = NULL;
  g_autofree char *subtitle = NULL;

  if (graph == NULL)
    {
      adw_window_title_set_title (self->window_title, _("Quantscope"));
      adw_window_title_set_subtitle (self->window_title, "");
      gtk_label_set_text (self->status_label, "");
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  text = g_string_new (NULL);
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u node", "%u nodes",
                                             graph->n_nodes), graph->n_nodes);
  g_string_append (text, " · ");
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u value", "%u values",
                                             graph->n_values), graph->n_values);
  g_string_append (text, " · ");
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u module", "%u modules",
                                             graph->n_modules), graph->n_modules);
  g_string_append (text, " · ");
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u wrapped region",
                                             "%u wrapped regions", graph->n_wrapped),
                          graph->n_wrapped);
  g_string_append (text, " · ");
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u layer", "%u layers",
                                             qs_layout_get_n_layers (layout)),
                          qs_layout_get_n_layers (layout));

  if (self->file != NULL)
    subtitle = g_file_get_basename (self->file);
  adw_window_title_set_title (self->window_title,
                              graph->name && *graph->name ? graph->name : _("Untitled Graph"));
  adw_window_title_set_subtitle (self->window_title, subtitle ? subtitle : "");
  gtk_window_set_title (GTK_WINDOW (self),
                        graph->name && *graph->name ? graph->name : _("Quantscope"));
  gtk_label_set_text (self->status_label, text->str);
  gtk_stack_set_visible_child_name (self->stack, "graph");
}

static void
on_graph_view_zoom_notify_cb (QsGraphView *view,
                              GParamSpec  *pspec,
                              QsWindow    *self)
{
  g_autofree char *text = NULL;

  /* TRANSLATORS: the zoom level in the status bar */
  text = g_strdup_printf (_("%.0f%%"), qs_graph_view_get_zoom (view) * 100);
  gtk_label_set_text (self->zoom_label, text);
}

static void
set_busy (QsWindow *self,
          gboolean  busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
show_error (QsWindow     *self,
            const GError *error)
{
  AdwToast *toast = adw_toast_new (error->message);

  adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Overlays */

static void
reset_overlays (QsWindow *self)
{
  for (guint i = 0; i < N_OVERLAYS; i++)
    g_clear_pointer (&self->overlays[i], qs_overlay_unref);
  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                          "overlay")),
                             g_variant_new_string ("class"));
  gtk_drop_down_set_selected (self->overlay_dropdown, 0);
  qs_graph_view_set_overlay (self->graph_view, NULL);
}

static guint
overlay_index (const char *name)
{
  for (guint i = 0; i < N_OVERLAYS; i++)
    if (g_str_equal (overlay_names[i], name))
      return i;
  return 0;
}

/* The overlay to show for @index: the data given so far, the MACs stand-in
 * computed on demand, or an empty one that says what is missing. */
static QsOverlay *
ensure_overlay (QsWindow *self,
                guint     index)
{
  QsGraph *graph = qs_graph_view_get_graph (self->graph_view);

  if (index == 0 || graph == NULL)
    return NULL;
  if (self->overlays[index] != NULL
      && qs_overlay_get_n_nodes (self->overlays[index]) == graph->n_nodes)
    return self->overlays[index];
  g_clear_pointer (&self->overlays[index], qs_overlay_unref);
  if (g_str_equal (overlay_names[index], "macs"))
    self->overlays[index] = qs_overlay_new_macs (graph);
  else if (g_str_equal (overlay_names[index], "latency"))
    self->overlays[index] = qs_overlay_new (_("Latency (run Estimate)"), "us",
                                            QS_COLOR_SCALE_HEAT_LOG, graph->n_nodes);
  else if (g_str_equal (overlay_names[index], "error"))
    self->overlays[index] = qs_overlay_new (_("SQNR (run Calibrate)"), "dB",
                                            QS_COLOR_SCALE_HEAT_INVERSE, graph->n_nodes);
  else
    {
      static const char * const bounds[] = { "compute", "DDR", "vector", NULL };

      self->overlays[index] = qs_overlay_new (_("Bound (run Estimate)"), NULL,
                                              QS_COLOR_SCALE_CATEGORY, graph->n_nodes);
      qs_overlay_set_categories (self->overlays[index], bounds);
    }
  return self->overlays[index];
}

static void
overlay_change_state_cb (GSimpleAction *action,
                         GVariant      *state,
                         gpointer       user_data)
{
  QsWindow *self = user_data;
  guint index = overlay_index (g_variant_get_string (state, NULL));

  g_simple_action_set_state (action, g_variant_new_string (overlay_names[index]));
  qs_graph_view_set_overlay (self->graph_view, ensure_overlay (self, index));
  if (gtk_drop_down_get_selected (self->overlay_dropdown) != index)
    gtk_drop_down_set_selected (self->overlay_dropdown, index);
}

static void
on_overlay_dropdown_selected_notify_cb (GtkDropDown *dropdown,
                                        GParamSpec  *pspec,
                                        QsWindow    *self)
{
  guint index = gtk_drop_down_get_selected (dropdown);

  if (index < N_OVERLAYS)
    g_action_group_change_action_state (G_ACTION_GROUP (self), "overlay",
                                        g_variant_new_string (overlay_names[index]));
}

void
qs_window_set_overlay (QsWindow   *self,
                       const char *name,
                       QsOverlay  *overlay)
{
  guint index;
  GVariant *state;

  g_return_if_fail (QS_IS_WINDOW (self));
  g_return_if_fail (name != NULL && overlay_index (name) > 0);

  index = overlay_index (name);
  if (overlay != NULL)
    qs_overlay_ref (overlay);
  g_clear_pointer (&self->overlays[index], qs_overlay_unref);
  self->overlays[index] = overlay;
  state = g_action_group_get_action_state (G_ACTION_GROUP (self), "overlay");
  if (g_str_equal (g_variant_get_string (state, NULL), name))
    qs_graph_view_set_overlay (self->graph_view, ensure_overlay (self, index));
  g_variant_unref (state);
}

/* Fusion runs in a thread as soon as a graph shows: the canvas outlines
 * what will fuse and marks the near-misses before anyone asks. */

static void
fuse_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;
  QsFuseReport *report = NULL;
  QsGraph *fused;

  fused = qs_pass_fuse (task_data, NULL, &report, &error);
  if (fused == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  qs_graph_unref (fused);
  g_task_return_pointer (task, report, (GDestroyNotify) qs_fuse_report_free);
}

static void
on_fused_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (QsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  QsFuseReport *report = g_task_propagate_pointer (G_TASK (result), &error);
  QsGraph *graph = g_task_get_task_data (G_TASK (result));

  if (report == NULL)
    {
      /* An unverifiable graph shows without fusion outlines. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No fusion outlines: %s", error->message);
      return;
    }
  if (graph != qs_graph_view_get_graph (self->graph_view))
    {
      qs_fuse_report_free (report);
      return;
    }
  g_clear_object (&self->fuse_cancellable);
  qs_graph_view_take_fusion (self->graph_view, report);
}

static void
start_fusion (QsWindow *self)
{
  QsGraph *graph = qs_graph_view_get_graph (self->graph_view);
  g_autoptr (GTask) task = NULL;

  g_cancellable_cancel (self->fuse_cancellable);
  g_clear_object (&self->fuse_cancellable);
  if (graph == NULL)
    return;
  self->fuse_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->fuse_cancellable, on_fused_cb, g_object_ref (self));
  g_task_set_task_data (task, qs_graph_ref (graph), (GDestroyNotify) qs_graph_unref);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, fuse_thread);
}

/* Search */

static void
update_match_label (QsWindow *self,
                    guint     n_matches)
{
  g_autofree char *text = NULL;
  int index = qs_graph_view_get_search_index (self->graph_view);

  if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) == '\0')
    text = g_strdup ("");
  else if (n_matches == 0)
    text = g_strdup (_("No match"));
  else if (index < 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u match", "%u matches", n_matches),
                            n_matches);
  else
    /* TRANSLATORS: the current search match, then how many there are */
    text = g_strdup_printf (_("%d of %u"), index + 1, n_matches);
  gtk_label_set_text (self->match_label, text);
}

static guint
current_match_count (QsWindow *self)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->search_entry), "qs-n-matches"));
}

static void
on_search_entry_search_changed_cb (GtkSearchEntry *entry,
                                   QsWindow       *self)
{
  guint n = qs_graph_view_search (self->graph_view,
                                  gtk_editable_get_text (GTK_EDITABLE (entry)));

  g_object_set_data (G_OBJECT (entry), "qs-n-matches", GUINT_TO_POINTER (n));
  /* The first hit shows as you type. */
  if (n > 0)
    qs_graph_view_search_step (self->graph_view, 1);
  update_match_label (self, n);
}

static void
find_step (QsWindow *self,
           int       step)
{
  qs_graph_view_search_step (self->graph_view, step);
  update_match_label (self, current_match_count (self));
}

static void
on_search_entry_activate_cb (GtkSearchEntry *entry,
                             QsWindow       *self)
{
  find_step (self, 1);
}

static void
on_search_entry_next_match_cb (GtkSearchEntry *entry,
                               QsWindow       *self)
{
  find_step (self, 1);
}

static void
on_search_entry_previous_match_cb (GtkSearchEntry *entry,
                                   QsWindow       *self)
{
  find_step (self, -1);
}

static void
on_search_entry_stop_search_cb (GtkSearchEntry *entry,
                                QsWindow       *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->graph_view));
}

/* Shift+Enter: GtkSearchEntry only has Enter (activate). */
static gboolean
on_search_key_pressed_cb (GtkEventControllerKey *controller,
                          guint                  keyval,
                          guint                  keycode,
                          GdkModifierType        state,
                          QsWindow              *self)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) && (state & GDK_SHIFT_MASK))
    {
      find_step (self, -1);
      return TRUE;
    }
  return FALSE;
}

static void
find_activated_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  QsWindow *self = user_data;
  const char *name = g_action_get_name (G_ACTION (action));

  if (g_str_equal (name, "find-next"))
    find_step (self, 1);
  else if (g_str_equal (name, "find-previous"))
    find_step (self, -1);
  else
    {
      gtk_search_bar_set_search_mode (self->search_bar, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
    }
}

/* Export */

static void
on_export_response_cb (GtkNativeDialog *chooser,
                       int              response,
                       QsWindow        *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->export_chooser);
  if (file == NULL)
    return;
  path = g_file_get_path (file);
  if (!qs_window_export (self, path, &error))
    show_error (self, error);
}

static void
export_activated_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  QsWindow *self = user_data;
  QsGraph *graph = qs_graph_view_get_graph (self->graph_view);
  g_autofree char *name = NULL;
  static const struct { const char *name; const char *pattern; } filters[] = {
    { N_("SVG Image"), "*.svg" }, { N_("PNG Image"), "*.png" }, { N_("PDF Document"), "*.pdf" },
  };

  if (graph == NULL)
    return;
  if (self->export_chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_chooser));
      return;
    }
  self->export_chooser = gtk_file_chooser_native_new (_("Export View"), GTK_WINDOW (self),
                                                      GTK_FILE_CHOOSER_ACTION_SAVE,
                                                      _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->export_chooser), TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _(filters[i].name));
      gtk_file_filter_add_pattern (filter, filters[i].pattern);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->export_chooser), filter);
    }
  name = g_strdup_printf ("%s.svg", graph->name && *graph->name ? graph->name : "graph");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->export_chooser), name);
  g_signal_connect (self->export_chooser, "response", G_CALLBACK (on_export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_chooser));
}

gboolean
qs_window_export (QsWindow    *self,
                  const char  *filename,
                  GError     **error)
{
  g_autofree char *basename = NULL, *message = NULL;

  g_return_val_if_fail (QS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);

  if (!qs_graph_view_export (self->graph_view, filename, error))
    return FALSE;
  basename = g_path_get_basename (filename);
  /* TRANSLATORS: a toast after exporting the view to a file */
  message = g_strdup_printf (_("Exported to %s"), basename);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
  return TRUE;
}

static void
view_activated_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  QsWindow *self = user_data;
  const char *name = g_action_get_name (G_ACTION (action));
  QsLayoutGroups *groups = qs_graph_view_get_groups (self->graph_view);

  if (g_str_equal (name, "zoom-selection"))
    qs_graph_view_zoom_to_selection (self->graph_view);
  else if (g_str_equal (name, "expand-all") && groups != NULL)
    {
      qs_layout_groups_expand_all (groups);
      gtk_widget_queue_draw (GTK_WIDGET (self->graph_view));
    }
}

static void
on_graph_view_selection_changed_cb (QsGraphView *view,
                                    QsWindow    *self)
{
  qs_window_update_actions (self);
}

/* The document: a project or graph, its panels and its results */

static void
update_document_overlays (QsWindow *self)
{
  static const char * const names[] = { "latency", "error", "bound" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (QsOverlay) overlay = NULL;

      overlay = qs_document_dup_overlay (self->document, names[i],
                                         qs_graph_view_get_graph (self->graph_view));

      if (overlay != NULL)
        qs_window_set_overlay (self, names[i], overlay);
    }
}

/* The index of the overlay the action shows. */
static guint
current_overlay (QsWindow *self)
{
  g_autoptr (GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self),
                                                                "overlay");

  return overlay_index (g_variant_get_string (state, NULL));
}

/* Shows what the document has to show: the graph its last Fuse or
 * prepare made, or (@fresh, after loading) its source graph when there is
 * none. Overlays are remade for the nodes of the graph shown. */
static void
show_document_graph (QsWindow *self,
                     gboolean  fresh)
{
  QsDocumentCanvas *canvas = qs_document_get_canvas (self->document);
  g_autoptr (QsLayout) source_layout = NULL;

  if (fresh)
    {
      source_layout = qs_document_steal_layout (self->document);
      qs_graph_view_take_layout (self->graph_view, NULL);
    }
  if (canvas != NULL
      && qs_document_canvas_get_graph (canvas) != qs_graph_view_get_graph (self->graph_view))
    {
      g_cancellable_cancel (self->fuse_cancellable);
      g_clear_object (&self->fuse_cancellable);
      qs_graph_view_show_graph (self->graph_view, canvas->layout, canvas->fused_by,
                                canvas->prepared, qs_document_canvas_ref (canvas),
                                (GDestroyNotify) qs_document_canvas_unref);
    }
  else if (canvas == NULL && source_layout != NULL)
    {
      qs_graph_view_take_layout (self->graph_view, g_steal_pointer (&source_layout));
      start_fusion (self);
    }
  /* Overlays are per node of one graph: remake them all. */
  for (guint i = 0; i < N_OVERLAYS; i++)
    g_clear_pointer (&self->overlays[i], qs_overlay_unref);
  update_document_overlays (self);
  qs_graph_view_set_overlay (self->graph_view, ensure_overlay (self, current_overlay (self)));
  update_status (self);
  qs_window_update_actions (self);
}

static void
on_document_results_changed_cb (QsDocument *document,
                                QsWindow   *self)
{
  /* While a file loads, its results arrive before the window shows it. */
  if (qs_window_get_busy (self))
    return;
  show_document_graph (self, FALSE);
}

/* Node ids between the canvas and the document, which speaks of source
 * nodes. */
static QsId
canvas_to_source (QsWindow *self,
                  QsId      node)
{
  QsDocumentCanvas *canvas = qs_document_get_canvas (self->document);
  QsGraph *shown = qs_graph_view_get_graph (self->graph_view);

  if (shown == qs_document_get_graph (self->document))
    return node;
  if (canvas == NULL || shown != qs_document_canvas_get_graph (canvas))
    return QS_ID_NONE;
  return qs_document_canvas_to_source (canvas, node);
}

static QsId
source_to_canvas (QsWindow *self,
                  QsId      node)
{
  QsDocumentCanvas *canvas = qs_document_get_canvas (self->document);
  QsGraph *shown = qs_graph_view_get_graph (self->graph_view);

  if (shown == qs_document_get_graph (self->document))
    return node;
  if (canvas == NULL || shown != qs_document_canvas_get_graph (canvas))
    return QS_ID_NONE;
  return qs_document_canvas_from_source (canvas, node);
}

static void
on_document_message_cb (QsDocument *document,
                        const char *message,
                        QsWindow   *self)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* Canvas selection -> document, and back. */
static void
sync_selection_to_document (QsWindow *self)
{
  g_autoptr (GArray) selection = qs_graph_view_dup_selection (self->graph_view);
  QsId focus = qs_graph_view_get_focus (self->graph_view);

  g_autoptr (GArray) source = g_array_sized_new (FALSE, FALSE, sizeof (QsId), selection->len);

  /* The focus first: it is the node the inspector shows. */
  for (guint i = 1; focus != QS_ID_NONE && i < selection->len; i++)
    if (g_array_index (selection, QsId, i) == focus)
      {
        g_array_index (selection, QsId, i) = g_array_index (selection, QsId, 0);
        g_array_index (selection, QsId, 0) = focus;
      }
  for (guint i = 0; i < selection->len; i++)
    {
      QsId node = canvas_to_source (self, g_array_index (selection, QsId, i));

      if (node != QS_ID_NONE)
        g_array_append_val (source, node);
    }
  qs_document_set_selection (self->document, (const QsId *) source->data, source->len);
}

static void
on_document_selected_node_notify_cb (QsDocument *document,
                                     GParamSpec *pspec,
                                     QsWindow   *self)
{
  QsId node = source_to_canvas (self, qs_document_get_selected_node (document));

  if (node == QS_ID_NONE || qs_graph_view_is_selected (self->graph_view, node))
    return;
  qs_graph_view_select_node (self->graph_view, node, FALSE);
  qs_graph_view_center_on_node (self->graph_view, node);
}

static void
on_document_file_notify_cb (QsDocument *document,
                            GParamSpec *pspec,
                            QsWindow   *self)
{
  GFile *file = qs_document_get_file (document);
  g_autofree char *uri = file ? g_file_get_uri (file) : NULL;

  if (uri != NULL)
    gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
  update_status (self);
}

static void
on_graph_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (QsWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!qs_document_load_finish (QS_DOCUMENT (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->cancellable);
      set_busy (self, FALSE);
      show_error (self, error);
      return;
    }

  g_clear_object (&self->cancellable);
  reset_overlays (self);
  show_document_graph (self, TRUE);
  set_busy (self, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->run_bar), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->graph_view));
  qs_recovery_offer (GTK_WINDOW (self), self->document);
}

/* Save As */

static void
on_save_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     QsWindow        *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gboolean saved = file != NULL && qs_document_save (self->document, file, &error);

  if (file != NULL && !saved)
    show_error (self, error);
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->save_chooser);
  /* Saving was the answer to "Save changes?" when closing. */
  if (self->close_after_save)
    {
      self->close_after_save = FALSE;
      if (saved)
        gtk_window_destroy (GTK_WINDOW (self));
    }
}

static void
save_as_activated_cb (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  QsWindow *self = user_data;
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *title = qs_document_dup_title (self->document);
  g_autofree char *name = NULL;

  if (self->save_chooser != NULL)
    return;
  self->save_chooser = gtk_file_chooser_native_new (_("Save Project"), GTK_WINDOW (self),
                                                    GTK_FILE_CHOOSER_ACTION_SAVE,
                                                    _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->save_chooser), TRUE);
  gtk_file_filter_set_name (filter, _("Quantscope Projects"));
  gtk_file_filter_add_pattern (filter, "*.qsproj");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->save_chooser), filter);
  /* "model.qsgraph.json" -> "model.qsproj" */
  name = g_strdup (title);
  if (strchr (name, '.') != NULL)
    *strchr (name, '.') = '\0';
  {
    g_autofree char *suggested = g_strconcat (name, ".qsproj", NULL);

    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->save_chooser), suggested);
  }
  g_signal_connect (self->save_chooser, "response", G_CALLBACK (on_save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->save_chooser));
}

/* Drag and drop of a project or graph onto the window */

static gboolean
on_drop_cb (GtkDropTarget *target,
            const GValue  *value,
            double         x,
            double         y,
            QsWindow      *self)
{
  GSList *files = g_value_get_boxed (value);

  if (files == NULL)
    return FALSE;
  qs_window_open_file (self, files->data);
  return TRUE;
}

static void
zoom_activated_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  QsWindow *self = user_data;
  const char *name = g_action_get_name (G_ACTION (action));

  if (g_str_equal (name, "zoom-in"))
    qs_graph_view_zoom_in (self->graph_view);
  else if (g_str_equal (name, "zoom-out"))
    qs_graph_view_zoom_out (self->graph_view);
  else if (g_str_equal (name, "zoom-reset"))
    qs_graph_view_set_zoom (self->graph_view, 1);
  else
    qs_graph_view_zoom_to_fit (self->graph_view);
}

/* Closing with unsaved changes */

static void
close_now (QsWindow *self)
{
  self->close_after_save = FALSE;
  /* Dropped changes are not offered back as a recovery next time. */
  if (qs_document_get_modified (self->document))
    qs_document_discard_recovery (self->document);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_close_dialog_response_cb (AdwMessageDialog *dialog,
                             const char       *response,
                             QsWindow         *self)
{
  g_autoptr (GError) error = NULL;

  self->close_dialog = NULL;
  if (g_str_equal (response, "discard"))
    close_now (self);
  else if (g_str_equal (response, "save"))
    {
      if (qs_document_save (self->document, NULL, &error))
        gtk_window_destroy (GTK_WINDOW (self));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          /* A bare graph has no project file yet: ask where. */
          self->close_after_save = TRUE;
          gtk_widget_activate_action (GTK_WIDGET (self), "win.save-as", NULL);
        }
      else
        show_error (self, error);
    }
}

static void
ask_save_changes (QsWindow *self)
{
  g_autofree char *title = qs_document_dup_title (self->document);
  GtkWidget *dialog;

  if (self->close_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->close_dialog));
      return;
    }
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” has unsaved changes. Changes which are not saved "
                                    "will be permanently lost."), title);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_close_dialog_response_cb),
                           self, 0);
  self->close_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
qs_window_close_request (GtkWindow *window)
{
  QsWindow *self = QS_WINDOW (window);

  if (self->document != NULL && qs_document_get_modified (self->document))
    {
      ask_save_changes (self);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (qs_window_parent_class)->close_request (window);
}

static const GActionEntry win_actions[] = {
  { "zoom-in", zoom_activated_cb },
  { "zoom-out", zoom_activated_cb },
  { "zoom-reset", zoom_activated_cb },
  { "zoom-fit", zoom_activated_cb },
  { "zoom-selection", view_activated_cb },
  { "expand-all", view_activated_cb },
  { "find", find_activated_cb },
  { "find-next", find_activated_cb },
  { "find-previous", find_activated_cb },
  { "export", export_activated_cb },
  { "overlay", NULL, "s", "'class'", overlay_change_state_cb },
  { "save-as", save_as_activated_cb },
};

static void
bind_settings (QsWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  /* Running uninstalled without the compiled schema: no saved state. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    return;
  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "show-panels", self->side_panel, "visible",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "autosave-interval", self->document, "autosave-interval",
                   G_SETTINGS_BIND_GET);
}

static void
qs_window_dispose (GObject *object)
{
  QsWindow *self = QS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->fuse_cancellable);
  g_clear_object (&self->fuse_cancellable);
  if (self->close_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->close_dialog));
  self->close_dialog = NULL;
  g_clear_object (&self->settings);
  g_clear_object (&self->file);
  if (self->save_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->save_chooser));
  g_clear_object (&self->save_chooser);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->export_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_chooser));
  g_clear_object (&self->export_chooser);
  for (guint i = 0; i < N_OVERLAYS; i++)
    g_clear_pointer (&self->overlays[i], qs_overlay_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), QS_TYPE_WINDOW);
  g_clear_object (&self->document);

  G_OBJECT_CLASS (qs_window_parent_class)->dispose (object);
}

static void
qs_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  QsWindow *self = QS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, qs_window_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_window_class_init (QsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qs_window_dispose;
  object_class->get_property = qs_window_get_property;
  GTK_WINDOW_CLASS (klass)->close_request = qs_window_close_request;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (QS_TYPE_GRAPH_VIEW);
  g_type_ensure (QS_TYPE_RUN_BAR);
  g_type_ensure (QS_TYPE_INSPECTOR);
  g_type_ensure (QS_TYPE_RULES_PANEL);
  g_type_ensure (QS_TYPE_REPORT_VIEW);
  qs_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/quantscope/Quantscope/qs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, graph_view);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, zoom_label);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, match_label);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, overlay_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, run_bar);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, side_panel);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, inspector);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, rules_panel);
  gtk_widget_class_bind_template_child (widget_class, QsWindow, report_view);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_next_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_previous_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_stop_search_cb);
}

static void
init_document (QsWindow *self)
{
  g_autoptr (GPropertyAction) panels = NULL;
  GtkDropTarget *drop;

  self->document = qs_document_new ();
  gtk_widget_insert_action_group (GTK_WIDGET (self), "doc",
                                  qs_document_get_actions (self->document));
  qs_run_bar_set_document (self->run_bar, self->document);
  qs_inspector_set_document (self->inspector, self->document);
  qs_rules_panel_set_document (self->rules_panel, self->document);
  qs_report_view_set_document (self->report_view, self->document);
  g_signal_connect_object (self->document, "message",
                           G_CALLBACK (on_document_message_cb), self, 0);
  g_signal_connect_object (self->document, "results-changed",
                           G_CALLBACK (on_document_results_changed_cb), self, 0);
  g_signal_connect_object (self->document, "notify::selected-node",
                           G_CALLBACK (on_document_selected_node_notify_cb), self, 0);
  g_signal_connect_object (self->document, "notify::file",
                           G_CALLBACK (on_document_file_notify_cb), self, 0);
  g_signal_connect_object (self->graph_view, "selection-changed",
                           G_CALLBACK (sync_selection_to_document), self, G_CONNECT_SWAPPED);
  panels = g_property_action_new ("show-panels", self->side_panel, "visible");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (panels));

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

static void
qs_window_init (QsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions,
                                   G_N_ELEMENTS (win_actions), self);
  g_autoptr (GPropertyAction) minimap = NULL;
  GtkEventController *keys;

  g_signal_connect_object (self->graph_view, "notify::zoom",
                           G_CALLBACK (on_graph_view_zoom_notify_cb), self, 0);
  g_signal_connect_object (self->graph_view, "selection-changed",
                           G_CALLBACK (on_graph_view_selection_changed_cb), self, 0);
  g_signal_connect_object (self->overlay_dropdown, "notify::selected",
                           G_CALLBACK (on_overlay_dropdown_selected_notify_cb), self, 0);
  minimap = g_property_action_new ("show-minimap", self->graph_view, "show-minimap");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (minimap));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_search_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);
  on_graph_view_zoom_notify_cb (self->graph_view, NULL, self);
  init_document (self);
  bind_settings (self);
  update_status (self);
  qs_window_update_actions (self);
}

QsWindow *
qs_window_new (QsApplication *application)
{
  g_return_val_if_fail (QS_IS_APPLICATION (application), NULL);

  return g_object_new (QS_TYPE_WINDOW, "application", application, NULL);
}

void
qs_window_open_file (QsWindow *self,
                     GFile    *file)
{
  g_return_if_fail (QS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->file, file);
  set_busy (self, TRUE);
  qs_document_load_async (self->document, file, self->cancellable, on_graph_loaded_cb,
                          g_object_ref (self));
}

gboolean
qs_window_get_busy (QsWindow *self)
{
  g_return_val_if_fail (QS_IS_WINDOW (self), FALSE);
  return self->cancellable != NULL;
}

GtkSearchEntry *
qs_window_get_search_entry (QsWindow *self)
{
  g_return_val_if_fail (QS_IS_WINDOW (self), NULL);
  return self->search_entry;
}

QsDocument *
qs_window_get_document (QsWindow *self)
{
  g_return_val_if_fail (QS_IS_WINDOW (self), NULL);
  return self->document;
}

QsGraphView *
qs_window_get_graph_view (QsWindow *self)
{
  g_return_val_if_fail (QS_IS_WINDOW (self), NULL);
  return self->graph_view;
}

void
qs_window_show_panel (QsWindow   *self,
                      const char *name)
{
  g_return_if_fail (QS_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  gtk_widget_set_visible (self->side_panel, TRUE);
  adw_view_stack_set_visible_child_name (self->side_stack, name);
}
