/* qs-tensor.c: owned, reference-counted dense tensors */
#include "qs-tensor.h"

#include <math.h>
#include <string.h>

#include "qs-error.h"

#define QS_TENSOR_ALIGN 64

static gboolean
shape_count (guint         rank,
             const gint64 *dims,
             gint64       *n_elements)
{
  gint64 n = 1;

  if (rank > QS_MAX_RANK)
    return FALSE;
  for (guint i = 0; i < rank; i++)
    {
      if (dims[i] < 0 || (dims[i] > 0 && n > QS_MAX_ELEMENTS / dims[i]))
        return FALSE;
      n *= dims[i];
    }
  *n_elements = n;
  return TRUE;
}

/* data points at an aligned address inside the block; the offset to the
 * block start is stored in the byte before it. */
static gpointer
align_block (gpointer block)
{
  guint8 *p = block;
  gsize off = QS_TENSOR_ALIGN - ((gsize) p % QS_TENSOR_ALIGN);

  p[off - 1] = (guint8) off;
  return p + off;
}

static gpointer
block_of (gpointer data)
{
  guint8 *p = data;

  return p - p[-1];
}

QsTensor *
qs_tensor_try_new (QsDtype       dtype,
                   guint         rank,
                   const gint64 *dims,
                   GError      **error)
{
  g_autoptr(QsTensor) t = NULL;
  gpointer block;
  gint64 n;
  gsize bytes;

  g_return_val_if_fail (qs_dtype_is_tensor (dtype), NULL);
  g_return_val_if_fail (rank == 0 || dims != NULL, NULL);

  if (!shape_count (rank, dims, &n))
    {
      g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                   "tensor shape of rank %u is negative, has more than %d dimensions or "
                   "more than 2^48 elements", rank, QS_MAX_RANK);
      return NULL;
    }
  bytes = (gsize) n * qs_dtype_size (dtype);
  t = g_new0 (QsTensor, 1);
  g_atomic_ref_count_init (&t->ref_count);
  t->dtype = dtype;
  t->rank = rank;
  if (rank > 0)
    memcpy (t->dims, dims, rank * sizeof (gint64));
  t->n_elements = n;
  t->n_bytes = bytes;
  block = g_try_malloc0 (bytes + QS_TENSOR_ALIGN);
  if (block == NULL)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                   "out of memory for a tensor of %" G_GSIZE_FORMAT " bytes", bytes);
      return NULL;
    }
  t->data = align_block (block);
  return g_steal_pointer (&t);
}

QsTensor *
qs_tensor_new (QsDtype       dtype,
               guint         rank,
               const gint64 *dims)
{
  g_autoptr(GError) error = NULL;
  QsTensor *t = qs_tensor_try_new (dtype, rank, dims, &error);

  if (t == NULL)
    g_error ("qs_tensor_new: %s", error->message);
  return t;
}

QsTensor *
qs_tensor_new_like (const QsTensor *like)
{
  g_return_val_if_fail (like != NULL, NULL);
  return qs_tensor_new (like->dtype, like->rank, like->dims);
}

QsTensor *
qs_tensor_new_from_data (QsDtype       dtype,
                         guint         rank,
                         const gint64 *dims,
                         gconstpointer data)
{
  QsTensor *t = qs_tensor_new (dtype, rank, dims);

  if (t->n_bytes > 0)
    memcpy (t->data, data, t->n_bytes);
  return t;
}

QsTensor *
qs_tensor_reshape (const QsTensor *tensor,
                   guint           rank,
                   const gint64   *dims)
{
  QsTensor *t;

  g_return_val_if_fail (tensor != NULL, NULL);
  t = qs_tensor_new (tensor->dtype, rank, dims);
  g_return_val_if_fail (t->n_elements == tensor->n_elements,
                        (qs_tensor_unref (t), NULL));
  memcpy (t->data, tensor->data, t->n_bytes);
  return t;
}

double
qs_tensor_get_double (const QsTensor *tensor,
                      gint64          i)
{
  g_return_val_if_fail (i >= 0 && i < tensor->n_elements, 0.0);
  switch (tensor->dtype)
    {
    case QS_DTYPE_FLOAT32: return ((const float *) tensor->data)[i];
    case QS_DTYPE_FLOAT64: return ((const double *) tensor->data)[i];
    case QS_DTYPE_INT64:   return (double) ((const gint64 *) tensor->data)[i];
    case QS_DTYPE_INT32:   return ((const gint32 *) tensor->data)[i];
    case QS_DTYPE_INT16:   return ((const gint16 *) tensor->data)[i];
    case QS_DTYPE_INT8:    return ((const gint8 *) tensor->data)[i];
    case QS_DTYPE_UINT8:
    case QS_DTYPE_BOOL:    return ((const guint8 *) tensor->data)[i];
    default:
      g_return_val_if_reached (0.0);
    }
}

QsTensor *
qs_tensor_to_float32 (const QsTensor *tensor)
{
  QsTensor *t;
  float *y;

  g_return_val_if_fail (tensor != NULL, NULL);
  t = qs_tensor_new (QS_DTYPE_FLOAT32, tensor->rank, tensor->dims);
  y = t->data;
  for (gint64 i = 0; i < tensor->n_elements; i++)
    y[i] = (float) qs_tensor_get_double (tensor, i);
  return t;
}

QsTensor *
qs_tensor_ref (QsTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL, NULL);
  g_atomic_ref_count_inc (&tensor->ref_count);
  return tensor;
}

void
qs_tensor_unref (QsTensor *tensor)
{
  g_return_if_fail (tensor != NULL);
  if (!g_atomic_ref_count_dec (&tensor->ref_count))
    return;
  if (tensor->data != NULL)
    g_free (block_of (tensor->data));
  g_free (tensor);
}

gboolean
qs_tensor_is_float32 (const QsTensor *tensor)
{
  return tensor != NULL && tensor->dtype == QS_DTYPE_FLOAT32;
}

float *
qs_tensor_f32 (const QsTensor *tensor)
{
  g_assert (qs_tensor_is_float32 (tensor));
  return tensor->data;
}

void
qs_tensor_get_type (const QsTensor *tensor,
                    QsType         *type)
{
  qs_type_set_tensor (type, tensor->dtype, tensor->rank, tensor->dims);
}

char *
qs_tensor_describe (const QsTensor *tensor)
{
  GString *s = g_string_new (NULL);
  QsType type;

  qs_tensor_get_type (tensor, &type);
  qs_type_append (&type, s);
  return g_string_free (s, FALSE);
}

gint64
qs_tensor_find_nonfinite (const QsTensor *tensor)
{
  if (tensor->dtype == QS_DTYPE_FLOAT32)
    {
      const float *x = tensor->data;

      for (gint64 i = 0; i < tensor->n_elements; i++)
        if (!isfinite (x[i]))
          return i;
    }
  else if (tensor->dtype == QS_DTYPE_FLOAT64)
    {
      const double *x = tensor->data;

      for (gint64 i = 0; i < tensor->n_elements; i++)
        if (!isfinite (x[i]))
          return i;
    }
  return -1;
}
