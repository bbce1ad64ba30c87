/* qs-quant-job.c: calibration, convert and accuracy for the window */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "qs-error.h"
#include "qs-quant-job.h"
#include "qs-quant.h"

struct _QsQuantResult
{
  QsQModel         *model;
  QsAccuracyReport *accuracy;
  GHashTable       *by_node;   /* node id + 1 -> QsAccuracyEntry* in accuracy */
  char             *data_label;
};

static QsCalibData *
open_data (const QsQuantDataSpec  *spec,
           GError                **error)
{
  QsCalibImageOptions image = { { 0 }, { 1, 1, 1, 1 } };

  switch (spec->kind)
    {
    case QS_QUANT_DATA_SYNTHETIC:
      return qs_calib_data_new_synthetic (MAX (spec->count, 1), spec->seed);
    case QS_QUANT_DATA_IMAGES:
      memcpy (image.mean, spec->mean, sizeof image.mean);
      memcpy (image.std, spec->std, sizeof image.std);
      G_GNUC_FALLTHROUGH;
    case QS_QUANT_DATA_FILE:
      if (spec->path == NULL || *spec->path == '\0')
        break;
      return qs_calib_data_open (spec->path, &image, error);
    default:
      break;
    }
  g_set_error_literal (error, QS_ERROR, QS_ERROR_INVALID,
                       _("No calibration data chosen: pick a file, an image folder or "
                         "synthetic data"));
  return NULL;
}

QsQuantResult *
qs_quant_calibrate (QsPrepared             *prepared,
                    QsWeights              *weights,
                    const QsQuantDataSpec  *spec,
                    QsQuantProgressFunc     progress,
                    gpointer                user_data,
                    GCancellable           *cancellable,
                    GError                **error)
{
  g_autoptr (QsCalibData) data = NULL;
  QsQuantResult *result;
  QsQModel *model;

  g_return_val_if_fail (prepared != NULL && spec != NULL, NULL);

  if ((data = open_data (spec, error)) == NULL)
    return NULL;
  model = qs_calibrate (prepared, weights, data, spec->batches, MAX (spec->n_threads, 1),
                        progress, user_data, cancellable, error);
  if (model == NULL)
    return NULL;
  result = g_new0 (QsQuantResult, 1);
  result->model = model;
  result->data_label = g_strdup (qs_calib_data_describe (data));
  return result;
}

gboolean
qs_quant_convert (QsQuantResult          *result,
                  const QsQuantDataSpec  *spec,
                  const char             *filename,
                  GCancellable           *cancellable,
                  GError                **error)
{
  QsExecOptions options = { MAX (spec->n_threads, 1) };
  g_autoptr (QsCalibData) data = NULL;
  g_autoptr (QsExec) exec = NULL;
  g_autoptr (GPtrArray) batches = NULL;
  GPtrArray *first;

  g_return_val_if_fail (result != NULL && spec != NULL, FALSE);

  if ((data = open_data (spec, error)) == NULL
      || (exec = qs_qexec_new (result->model, QS_QMODE_FLOAT, &options, error)) == NULL
      || (batches = qs_calib_data_batches (data, exec, 1, error)) == NULL)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  first = batches->pdata[0];
  g_clear_pointer (&result->accuracy, qs_accuracy_report_free);
  g_clear_pointer (&result->by_node, g_hash_table_unref);
  result->accuracy = qs_accuracy_report_new (result->model,
                                             (QsExecValue *const *) first->pdata, first->len,
                                             MAX (spec->n_threads, 1), error);
  if (result->accuracy == NULL)
    return FALSE;
  result->by_node = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < result->accuracy->entries->len; i++)
    {
      QsAccuracyEntry *e = &g_array_index (result->accuracy->entries, QsAccuracyEntry, i);

      g_hash_table_insert (result->by_node, GUINT_TO_POINTER (e->node + 1), e);
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return filename == NULL || qs_qmodel_save (result->model, filename, error);
}

gboolean
qs_quant_result_has_accuracy (const QsQuantResult *result)
{
  return result != NULL && result->accuracy != NULL;
}

gboolean
qs_quant_result_get_error (const QsQuantResult *result,
                           QsId                 node,
                           double              *sqnr_db,
                           double              *cosine)
{
  const QsAccuracyEntry *e;

  if (result == NULL || result->by_node == NULL)
    return FALSE;
  e = g_hash_table_lookup (result->by_node, GUINT_TO_POINTER (node + 1));
  if (e == NULL)
    return FALSE;
  if (sqnr_db != NULL)
    *sqnr_db = e->q.sqnr_db;
  if (cosine != NULL)
    *cosine = e->q.cosine;
  return TRUE;
}

const char *
qs_quant_result_describe_data (const QsQuantResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->data_label;
}

guint
qs_quant_result_get_n_batches (const QsQuantResult *result)
{
  g_return_val_if_fail (result != NULL, 0);
  return result->model->n_batches;
}

void
qs_quant_result_free (QsQuantResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->by_node, g_hash_table_unref);
  g_clear_pointer (&result->accuracy, qs_accuracy_report_free);
  g_clear_pointer (&result->model, qs_qmodel_unref);
  g_free (result->data_label);
  g_free (result);
}
