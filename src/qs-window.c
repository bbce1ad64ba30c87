/* qs-window.c: a main window showing one graph */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-loader.h"
#include "qs-window.h"

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

  /* owned */
  GSettings       *settings;
  GCancellable    *cancellable;
  GFile           *file;
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
    "zoom-in", "zoom-out", "zoom-reset", "zoom-fit",
  };
  gboolean has_graph = qs_graph_view_get_graph (self->graph_view) != NULL;

  for (guint i = 0; i < G_N_ELEMENTS (view_actions); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), view_actions[i]);

      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), has_graph);
    }
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

static void
on_graph_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (QsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (QsGraph) graph = NULL;
  QsLayout *layout = NULL;

  if (!qs_load_graph_finish (result, &graph, &layout, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->cancellable);
      set_busy (self, FALSE);
      show_error (self, error);
      return;
    }

  g_clear_object (&self->cancellable);
  qs_graph_view_take_layout (self->graph_view, layout);
  update_status (self);
  qs_window_update_actions (self);
  set_busy (self, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->graph_view));
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

static const GActionEntry win_actions[] = {
  { "zoom-in", zoom_activated_cb },
  { "zoom-out", zoom_activated_cb },
  { "zoom-reset", zoom_activated_cb },
  { "zoom-fit", zoom_activated_cb },
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
}

static void
qs_window_dispose (GObject *object)
{
  QsWindow *self = QS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->file);
  gtk_widget_dispose_template (GTK_WIDGET (self), QS_TYPE_WINDOW);

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

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (QS_TYPE_GRAPH_VIEW);
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
}

static void
qs_window_init (QsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions,
                                   G_N_ELEMENTS (win_actions), self);
  g_signal_connect_object (self->graph_view, "notify::zoom",
                           G_CALLBACK (on_graph_view_zoom_notify_cb), self, 0);
  on_graph_view_zoom_notify_cb (self->graph_view, NULL, self);
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
  qs_load_graph_async (file, self->cancellable, on_graph_loaded_cb, g_object_ref (self));
}

gboolean
qs_window_get_busy (QsWindow *self)
{
  g_return_val_if_fail (QS_IS_WINDOW (self), FALSE);
  return self->cancellable != NULL;
}

QsGraphView *
qs_window_get_graph_view (QsWindow *self)
{
  g_return_val_if_fail (QS_IS_WINDOW (self), NULL);
  return self->graph_view;
}
