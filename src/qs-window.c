/* qs-window.c: a main window showing one graph */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "qs-window-private.h"

/* The dropdown's entries, in order; "class" is the default colouring (op
 * class, or activation dtype once a prepared graph is shown). */
static const char * const overlay_names[] = { "class", "macs", "latency", "error", "bound" };
#define N_OVERLAYS G_N_ELEMENTS (overlay_names)

G_DEFINE_FINAL_TYPE (QsWindow, qs_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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

void
qs_window_show_error (QsWindow     *self,
                      const GError *error)
{
  AdwToast *toast = adw_toast_new (error->message);

  adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_graph_view_selection_changed_cb (QsGraphView *view,
                                    QsWindow    *self)
{
  qs_window_update_actions (self);
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
      qs_window_start_fusion (self);
    }
  /* Overlays are per node of one graph: remake them all. */
  for (guint i = 0; i < N_OVERLAYS; i++)
    g_clear_pointer (&self->overlays[i], qs_overlay_unref);
  qs_window_update_document_overlays (self);
  qs_graph_view_set_overlay (self->graph_view, qs_window_ensure_overlay (self, qs_window_current_overlay (self)));
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
      qs_window_show_error (self, error);
      return;
    }

  g_clear_object (&self->cancellable);
  qs_window_reset_overlays (self);
  show_document_graph (self, TRUE);
  set_busy (self, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->run_bar), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->graph_view));
  qs_recovery_offer (GTK_WINDOW (self), self->document);
}

static gboolean
qs_window_close_request (GtkWindow *window)
{
  QsWindow *self = QS_WINDOW (window);

  if (self->document != NULL && qs_document_get_modified (self->document))
    {
      qs_window_ask_save_changes (self);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (qs_window_parent_class)->close_request (window);
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
  qs_window_class_init_search (widget_class);
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
  g_signal_connect_object (drop, "drop", G_CALLBACK (qs_window_on_drop_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

static void
qs_window_init (QsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  qs_window_add_actions (self);
  g_autoptr (GPropertyAction) minimap = NULL;
  GtkEventController *keys;

  g_signal_connect_object (self->graph_view, "notify::zoom",
                           G_CALLBACK (on_graph_view_zoom_notify_cb), self, 0);
  g_signal_connect_object (self->graph_view, "selection-changed",
                           G_CALLBACK (on_graph_view_selection_changed_cb), self, 0);
  g_signal_connect_object (self->overlay_dropdown, "notify::selected",
                           G_CALLBACK (qs_window_on_overlay_dropdown_selected_notify_cb), self, 0);
  minimap = g_property_action_new ("show-minimap", self->graph_view, "show-minimap");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (minimap));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (qs_window_on_search_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);
  on_graph_view_zoom_notify_cb (self->graph_view, NULL, self);
  init_document (self);
  qs_window_bind_settings (self);
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
