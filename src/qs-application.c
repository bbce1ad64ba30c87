/* qs-application.c: the application, its app-wide actions and windows */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-application.h"
#include "qs-resources.h"
#include "qs-screenshots.h"
#include "qs-window.h"

struct _QsApplication
{
  AdwApplication parent_instance;

  /* owned */
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (QsApplication, qs_application, ADW_TYPE_APPLICATION)

void
qs_application_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      qs_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}

/* A window to open a file in: the active one if it shows nothing yet. */
static QsWindow *
window_for_file (QsApplication *self)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (QS_IS_WINDOW (active)
      && qs_graph_view_get_graph (qs_window_get_graph_view (QS_WINDOW (active))) == NULL
      && !qs_window_get_busy (QS_WINDOW (active)))
    return QS_WINDOW (active);
  return qs_window_new (self);
}

static void
qs_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (qs_window_new (QS_APPLICATION (app)));
  gtk_window_present (window);
}

static void
qs_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      QsWindow *window = window_for_file (QS_APPLICATION (app));

      qs_window_open_file (window, files[i]);
      /* tools/make-screenshots */
      if (i == 0 && g_getenv ("QS_SCREENSHOT_DIR") != NULL)
        qs_screenshots_start (window, g_getenv ("QS_SCREENSHOT_DIR"));
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
on_chooser_response_cb (GtkNativeDialog *chooser,
                        int              response,
                        QsApplication   *self)
{
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    {
      QsWindow *window = window_for_file (self);

      qs_window_open_file (window, file);
      gtk_window_present (GTK_WINDOW (window));
    }
  g_clear_object (&self->chooser);
}

static void
open_activated_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  QsApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr (GtkFileFilter) both = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) projects = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) graphs = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }

  gtk_file_filter_set_name (both, _("Projects and Graphs"));
  gtk_file_filter_add_pattern (both, "*.qsproj");
  gtk_file_filter_add_pattern (both, "*.qsgraph.json");
  gtk_file_filter_set_name (projects, _("Quantscope Projects"));
  gtk_file_filter_add_pattern (projects, "*.qsproj");
  gtk_file_filter_set_name (graphs, _("Quantscope Graphs"));
  gtk_file_filter_add_pattern (graphs, "*.qsgraph.json");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");

  self->chooser = gtk_file_chooser_native_new (_("Open Project or Graph"), parent,
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), both);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), projects);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), graphs);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (self->chooser), both);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
about_activated_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  QsApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Quantscope developers", NULL };

  adw_show_about_window (parent,
                         "application-name", _("Quantscope"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Inspect and quantize neural networks for the NASH BPU"),
                         "developer-name", _("The Quantscope developers"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_activated_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  for (GList *l = windows; l != NULL; l = l->next)
    g_object_ref (l->data);

  /* Each window asks about its unsaved changes; the application ends
   * with the last window. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
}

static const GActionEntry app_actions[] = {
  { "open", open_activated_cb },
  { "about", about_activated_cb },
  { "quit", quit_activated_cb },
};

static void
qs_application_startup (GApplication *app)
{
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.open", { "<Control>o", NULL } },
    { "app.quit", { "<Control>q", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", NULL } },
    { "win.zoom-out", { "<Control>minus", NULL } },
    { "win.zoom-reset", { "<Control>0", NULL } },
    { "win.find", { "<Control>f", NULL } },
    { "win.save-as", { "<Shift><Control>s", NULL } },
    { "win.show-panels", { "F9", NULL } },
    { "doc.save", { "<Control>s", NULL } },
    { "doc.undo", { "<Control>z", NULL } },
    { "doc.redo", { "<Shift><Control>z", "<Control>y", NULL } },
    { "doc.fuse", { "<Control>1", NULL } },
    { "doc.prepare", { "<Control>2", NULL } },
    { "doc.calibrate", { "<Control>3", NULL } },
    { "doc.convert", { "<Control>4", NULL } },
    { "doc.estimate", { "<Control>5", NULL } },
    { "doc.cancel", { "<Control>period", NULL } },
  };

  G_APPLICATION_CLASS (qs_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);
}

static void
qs_application_dispose (GObject *object)
{
  QsApplication *self = QS_APPLICATION (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  G_OBJECT_CLASS (qs_application_parent_class)->dispose (object);
}

static void
qs_application_class_init (QsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = qs_application_dispose;
  app_class->startup = qs_application_startup;
  app_class->activate = qs_application_activate;
  app_class->open = qs_application_open;

  qs_application_ensure_resources ();
}

static void
qs_application_init (QsApplication *self)
{
}

QsApplication *
qs_application_new (void)
{
  return g_object_new (QS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/quantscope/Quantscope",
                       NULL);
}
