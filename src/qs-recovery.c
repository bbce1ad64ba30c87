/* qs-recovery.c: offering to recover unsaved changes after a crash */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-recovery.h"

static void
on_response_cb (AdwMessageDialog *dialog,
                const char       *response,
                QsDocument       *document)
{
  g_autoptr (GError) error = NULL;

  if (g_str_equal (response, "recover"))
    {
      if (!qs_document_recover (document, &error))
        g_signal_emit_by_name (document, "message", error->message);
    }
  else if (g_str_equal (response, "discard"))
    qs_document_discard_recovery (document);
}

GtkWidget *
qs_recovery_offer (GtkWindow  *parent,
                   QsDocument *document)
{
  g_autoptr (GFile) autosave = NULL;
  g_autofree char *title = NULL;
  GtkWidget *dialog;

  g_return_val_if_fail (QS_IS_DOCUMENT (document), NULL);

  if ((autosave = qs_document_dup_recovery_file (document)) == NULL)
    return NULL;
  title = qs_document_dup_title (document);
  dialog = adw_message_dialog_new (parent, _("Recover Unsaved Changes?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("Quantscope closed before %s was saved. Its last "
                                    "autosave is newer than the file."), title);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "later", _("_Keep for Later"),
                                    "discard", _("_Discard"),
                                    "recover", _("_Recover"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "recover",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "recover");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "later");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_response_cb), document, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}
