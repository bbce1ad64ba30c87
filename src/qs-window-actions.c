/* qs-window-actions.c: the win. actions (zoom, find, export, save as,
 * overlay), their enabled states, drag and drop, closing with unsaved
 * changes, and the window state kept in GSettings */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "qs-window-private.h"

/* The one place that decides which window actions are enabled. */
void
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
    qs_window_show_error (self, error);
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
    qs_window_show_error (self, error);
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

gboolean
qs_window_on_drop_cb (GtkDropTarget *target,
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
        qs_window_show_error (self, error);
    }
}

void
qs_window_ask_save_changes (QsWindow *self)
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

static const GActionEntry win_actions[] = {
  { "zoom-in", zoom_activated_cb },
  { "zoom-out", zoom_activated_cb },
  { "zoom-reset", zoom_activated_cb },
  { "zoom-fit", zoom_activated_cb },
  { "zoom-selection", view_activated_cb },
  { "expand-all", view_activated_cb },
  { "find", qs_window_find_activated_cb },
  { "find-next", qs_window_find_activated_cb },
  { "find-previous", qs_window_find_activated_cb },
  { "export", export_activated_cb },
  { "overlay", NULL, "s", "'class'", qs_window_overlay_change_state_cb },
  { "save-as", save_as_activated_cb },
};

void
qs_window_add_actions (QsWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions,
                                   G_N_ELEMENTS (win_actions), self);
}

void
qs_window_bind_settings (QsWindow *self)
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
