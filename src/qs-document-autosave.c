/* qs-document-autosave.c: autosave while modified, recovery after a crash
 *
 * The autosave of a document is the project as XML in
 * autosave-dir/<SHA-256 of the open file's path>.qsproj. It is loaded as if
 * it were the original file, so relative paths resolve as before.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "qs-document-private.h"

GFile *
qs_document_dup_autosave_file (QsDocument *self)
{
  g_autofree char *uri = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *name = NULL;

  if (self->file == NULL)
    return NULL;
  uri = g_file_get_uri (self->file);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, uri, -1);
  name = g_strconcat (hash, ".qsproj", NULL);
  return g_file_new_build_filename (self->autosave_dir, name, NULL);
}

gboolean
qs_document_autosave (QsDocument  *self,
                      GError     **error)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFile) dir = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *saved_filename = NULL;
  gsize length = 0;

  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  if (self->project == NULL || (file = qs_document_dup_autosave_file (self)) == NULL)
    return TRUE;

  /* A bare graph's project has no file yet: name the graph absolutely. */
  if (!self->is_project && self->project->graph_path == NULL)
    {
      g_autofree char *graph = g_file_get_path (self->file);

      saved_filename = g_steal_pointer (&self->project->filename);
      self->project->filename = g_strconcat (graph, ".qsproj", NULL);
      qs_project_set_graph (self->project, graph, NULL, NULL);
      g_free (self->project->filename);
      self->project->filename = g_steal_pointer (&saved_filename);
    }
  xml = qs_project_to_xml (self->project, &length);
  dir = g_file_get_parent (file);
  if (g_mkdir_with_parents (g_file_peek_path (dir), 0700) != 0)
    {
      int saved_errno = errno;

      return g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                          _("Could not create %s: %s"), g_file_peek_path (dir),
                          g_strerror (saved_errno)), FALSE;
    }
  if (!g_file_replace_contents (file, xml, length, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                NULL, NULL, error))
    return FALSE;
  self->autosaved_version = qs_edit_stack_get_version (self->edits);
  return TRUE;
}

static gboolean
autosave_cb (gpointer user_data)
{
  QsDocument *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!qs_document_get_modified (self))
    {
      self->autosave_source = 0;
      return G_SOURCE_REMOVE;
    }
  if (!qs_document_autosave (self, &error))
    g_warning ("autosave: %s", error->message);
  return G_SOURCE_CONTINUE;
}

void
qs_document_autosave_start (QsDocument *self)
{
  if (self->autosave_source != 0 || self->file == NULL)
    return;
  self->autosave_source = g_timeout_add_seconds (self->autosave_interval, autosave_cb, self);
  g_source_set_name_by_id (self->autosave_source, "[quantscope] autosave");
}

void
qs_document_autosave_stop (QsDocument *self)
{
  g_clear_handle_id (&self->autosave_source, g_source_remove);
}

void
qs_document_autosave_remove (QsDocument *self)
{
  g_autoptr (GFile) file = qs_document_dup_autosave_file (self);

  if (file != NULL)
    g_file_delete (file, NULL, NULL);
}

static guint64
modified_time (GFile *file)
{
  g_autoptr (GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_TIME_MODIFIED ","
                                                  G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC,
                                                  G_FILE_QUERY_INFO_NONE, NULL, NULL);

  if (info == NULL)
    return 0;
  return g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED) * G_USEC_PER_SEC
         + g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
}

GFile *
qs_document_dup_recovery_file (QsDocument *self)
{
  g_autoptr (GFile) autosave = NULL;
  guint64 saved;

  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  if ((autosave = qs_document_dup_autosave_file (self)) == NULL
      || (saved = modified_time (autosave)) == 0)
    return NULL;
  if (saved <= modified_time (self->file))
    return NULL;
  return g_steal_pointer (&autosave);
}

gboolean
qs_document_recover (QsDocument  *self,
                     GError     **error)
{
  g_autoptr (GFile) autosave = NULL;
  g_autoptr (QsProject) recovered = NULL;
  g_autofree char *data = NULL;
  g_autofree char *anchor = NULL;
  gsize length = 0;

  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  if ((autosave = qs_document_dup_recovery_file (self)) == NULL)
    return g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        _("There are no unsaved changes to recover")), FALSE;
  if (!g_file_load_contents (autosave, NULL, &data, &length, NULL, error))
    return FALSE;
  /* Anchored where the original is, so that relative paths still work. */
  anchor = self->is_project ? g_file_get_path (self->file)
                            : g_strconcat (g_file_peek_path (self->file), ".qsproj", NULL);
  if ((recovered = qs_project_load_from_data (data, length, anchor, error)) == NULL)
    return FALSE;

  qs_edit_stack_begin (self->edits, _("Recover Unsaved Changes"));
  qs_rule_set_assign (self->project->rules, recovered->rules);
  qs_rule_set_assign (self->project->overrides, recovered->overrides);
  self->project->march = recovered->march;
  qs_edit_stack_commit (self->edits);
  /* Notes and calibration settings are not undoable: take them as they are. */
  g_hash_table_remove_all (self->project->annotations);
  g_hash_table_remove_all (self->project->region_notes);
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, recovered->annotations);
    while (g_hash_table_iter_next (&iter, &key, &value))
      qs_project_set_annotation (self->project, key, value);
    g_hash_table_iter_init (&iter, recovered->region_notes);
    while (g_hash_table_iter_next (&iter, &key, &value))
      qs_project_set_region_note (self->project, key, value);
  }
  g_free (self->project->calib.path);
  self->project->calib = recovered->calib;
  self->project->calib.path = g_strdup (recovered->calib.path);
  self->dirty = TRUE;

  g_object_notify_by_pspec (G_OBJECT (self), qs_document_properties[QS_DOCUMENT_PROP_MARCH]);
  qs_document_notify_modified (self);
  qs_document_rules_changed (self);
  return TRUE;
}

void
qs_document_discard_recovery (QsDocument *self)
{
  g_return_if_fail (QS_IS_DOCUMENT (self));
  qs_document_autosave_remove (self);
}
