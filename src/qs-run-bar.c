/* qs-run-bar.c: march, calibration data and the pipeline buttons */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-application.h"
#include "qs-run-bar.h"

struct _QsRunBar
{
  AdwBin                parent_instance;

  /* template widgets */
  GtkDropDown          *march_dropdown;
  GtkStringList        *marches;
  GtkMenuButton        *data_button;
  GtkLabel             *data_label;
  GtkSpinButton        *samples_spin;
  GtkSpinButton        *batches_spin;
  GtkLabel             *status_label;
  GtkProgressBar       *progress_bar;
  GtkButton            *cancel_button;

  /* owned */
  QsDocument           *document;
  GtkFileChooserNative *chooser;

  gboolean              syncing;
};

G_DEFINE_FINAL_TYPE (QsRunBar, qs_run_bar, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- from the document ------------------------------------------------------------------- */

static void
sync_march (QsRunBar *self)
{
  QsMarch march = self->document ? qs_document_get_march (self->document) : QS_MARCH_NONE;

  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->march_dropdown, (guint) (march + 1));
  self->syncing = FALSE;
}

static void
sync_data (QsRunBar *self)
{
  QsProject *project = self->document ? qs_document_get_project (self->document) : NULL;
  g_autofree char *text = NULL;
  g_autofree char *base = NULL;

  if (project == NULL || project->calib.kind == QS_CALIB_DATA_NONE)
    text = g_strdup (_("No Data"));
  else if (project->calib.kind == QS_CALIB_DATA_SYNTHETIC)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Synthetic Sample",
                                         "%u Synthetic Samples", project->calib.count),
                            project->calib.count);
  else
    text = g_path_get_basename (project->calib.path ? project->calib.path : "");
  gtk_label_set_text (self->data_label, text);
  if (project != NULL)
    {
      self->syncing = TRUE;
      gtk_spin_button_set_value (self->batches_spin, project->calib.batches);
      if (project->calib.kind == QS_CALIB_DATA_SYNTHETIC)
        gtk_spin_button_set_value (self->samples_spin, project->calib.count);
      self->syncing = FALSE;
    }
}

static void
sync_progress (QsRunBar *self)
{
  gboolean busy = self->document && qs_document_get_busy (self->document);

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), busy);
  if (!busy)
    return;
  if (qs_document_get_progress (self->document) > 0)
    gtk_progress_bar_set_fraction (self->progress_bar, qs_document_get_progress (self->document));
  else
    gtk_progress_bar_pulse (self->progress_bar);
}

static void
sync_status (QsRunBar *self)
{
  const char *status = self->document ? qs_document_get_status (self->document) : "";

  gtk_label_set_text (self->status_label, status);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), status);
}

static void
on_document_notify_cb (QsDocument *document,
                       GParamSpec *pspec,
                       QsRunBar   *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "march"))
    sync_march (self);
  else if (g_str_equal (name, "busy") || g_str_equal (name, "progress"))
    sync_progress (self);
  else if (g_str_equal (name, "status"))
    sync_status (self);
  else if (g_str_equal (name, "modified") || g_str_equal (name, "file"))
    sync_data (self);
}

/* ---- to the document ------------------------------------------------------------------------ */

static void
on_march_dropdown_selected_cb (GtkDropDown *dropdown,
                               GParamSpec  *pspec,
                               QsRunBar    *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (self->syncing || self->document == NULL || selected == GTK_INVALID_LIST_POSITION)
    return;
  qs_document_set_march (self->document, (QsMarch) selected - 1);
}

static void
set_data (QsRunBar        *self,
          QsCalibDataKind  kind,
          const char      *path)
{
  if (self->document == NULL)
    return;
  qs_document_set_calib_data (self->document, kind, path,
                              gtk_spin_button_get_value_as_int (self->samples_spin),
                              gtk_spin_button_get_value_as_int (self->batches_spin));
  sync_data (self);
  gtk_menu_button_popdown (self->data_button);
}

static void
on_chooser_response_cb (GtkNativeDialog *chooser,
                        int              response,
                        QsRunBar        *self)
{
  gboolean folder = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser))
                    == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        set_data (self, folder ? QS_CALIB_DATA_IMAGES : QS_CALIB_DATA_FILE, path);
    }
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);
}

static void
choose (QsRunBar             *self,
        GtkFileChooserAction  action)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_menu_button_popdown (self->data_button);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (action == GTK_FILE_CHOOSER_ACTION_OPEN
                                               ? _("Choose Calibration Data")
                                               : _("Choose an Image Folder"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               action, _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (action == GTK_FILE_CHOOSER_ACTION_OPEN)
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _("Model Inputs (.npy, .npz, .safetensors)"));
      gtk_file_filter_add_pattern (filter, "*.npy");
      gtk_file_filter_add_pattern (filter, "*.npz");
      gtk_file_filter_add_pattern (filter, "*.safetensors");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
    }
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_file_button_clicked_cb (GtkButton *button,
                           QsRunBar  *self)
{
  choose (self, GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
on_folder_button_clicked_cb (GtkButton *button,
                             QsRunBar  *self)
{
  choose (self, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

static void
on_synthetic_button_clicked_cb (GtkButton *button,
                                QsRunBar  *self)
{
  set_data (self, QS_CALIB_DATA_SYNTHETIC, NULL);
}

static void
on_batches_spin_value_changed_cb (GtkSpinButton *spin,
                                  QsRunBar      *self)
{
  QsProject *project;

  if (self->syncing || self->document == NULL
      || (project = qs_document_get_project (self->document)) == NULL)
    return;
  qs_document_set_calib_data (self->document, project->calib.kind, project->calib.path,
                              project->calib.count,
                              gtk_spin_button_get_value_as_int (spin));
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
qs_run_bar_dispose (GObject *object)
{
  QsRunBar *self = QS_RUN_BAR (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  qs_run_bar_set_document (self, NULL);
  /* AdwBin unparents its child itself. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QS_TYPE_RUN_BAR);
  G_OBJECT_CLASS (qs_run_bar_parent_class)->dispose (object);
}

static void
qs_run_bar_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, QS_RUN_BAR (object)->document);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_run_bar_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_DOCUMENT:
      qs_run_bar_set_document (QS_RUN_BAR (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_run_bar_class_init (QsRunBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qs_run_bar_dispose;
  object_class->get_property = qs_run_bar_get_property;
  object_class->set_property = qs_run_bar_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, QS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  qs_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/quantscope/Quantscope/qs-run-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, march_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, marches);
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, data_button);
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, data_label);
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, samples_spin);
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, batches_spin);
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, status_label);
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, QsRunBar, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_file_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_folder_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_synthetic_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_batches_spin_value_changed_cb);
}

static void
qs_run_bar_init (QsRunBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Index i + 1 is march i; 0 is none. */
  gtk_string_list_append (self->marches, _("No March"));
  for (int m = 0; m < QS_N_MARCHES; m++)
    gtk_string_list_append (self->marches, qs_march_name (m));
  g_signal_connect_object (self->march_dropdown, "notify::selected",
                           G_CALLBACK (on_march_dropdown_selected_cb), self, 0);
  sync_data (self);
}

GtkWidget *
qs_run_bar_new (void)
{
  return g_object_new (QS_TYPE_RUN_BAR, NULL);
}

QsDocument *
qs_run_bar_get_document (QsRunBar *self)
{
  g_return_val_if_fail (QS_IS_RUN_BAR (self), NULL);
  return self->document;
}

void
qs_run_bar_set_document (QsRunBar   *self,
                         QsDocument *document)
{
  g_return_if_fail (QS_IS_RUN_BAR (self));
  g_return_if_fail (document == NULL || QS_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  /* The buttons name doc.* actions: found here even outside a window. */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "doc",
                                  document ? qs_document_get_actions (document) : NULL);
  if (document != NULL)
    g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify_cb), self, 0);
  if (self->march_dropdown != NULL)
    {
      sync_march (self);
      sync_data (self);
      sync_progress (self);
      sync_status (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}
