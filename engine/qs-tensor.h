/* qs-tensor.h: an owned, dense, C-order tensor for executors and files
 *
 * A QsTensor owns its data (64-byte aligned, so kernels get aligned rows)
 * and is reference counted: executors hand the same tensor to several
 * values (identity, dropout) without copying. Treat a tensor as immutable
 * once it has more than one reference.
 */
#pragma once

#include "qs-graph.h"

G_BEGIN_DECLS

typedef struct
{
  /*< private >*/
  gatomicrefcount ref_count;

  /*< public, read-only but data >*/
  QsDtype  dtype;       /* a tensor dtype (qs_dtype_is_tensor) */
  guint    rank;        /* 0 for a scalar */
  gint64   dims[QS_MAX_RANK];
  gint64   n_elements;
  gsize    n_bytes;
  gpointer data;        /* owned, zero-filled by _new */
} QsTensor;

/* Zero-filled. A bad shape is a programmer error here: use _try_new for
 * shapes that come from a file. */
QsTensor   *qs_tensor_new              (QsDtype        dtype,
                                        guint          rank,
                                        const gint64  *dims);
/* Fails with QS_ERROR_OVERFLOW when the shape is negative, exceeds
 * QS_MAX_RANK or QS_MAX_ELEMENTS, or memory cannot be had. */
QsTensor   *qs_tensor_try_new          (QsDtype        dtype,
                                        guint          rank,
                                        const gint64  *dims,
                                        GError       **error);
QsTensor   *qs_tensor_new_like         (const QsTensor *like);
/* Copies @data (qs_dtype_size (dtype) * elements bytes). */
QsTensor   *qs_tensor_new_from_data    (QsDtype        dtype,
                                        guint          rank,
                                        const gint64  *dims,
                                        gconstpointer  data);
/* A deep copy with a new shape of the same element count. */
QsTensor   *qs_tensor_reshape          (const QsTensor *tensor,
                                        guint          rank,
                                        const gint64  *dims);
/* A float32 copy of any numeric tensor. */
QsTensor   *qs_tensor_to_float32       (const QsTensor *tensor);
QsTensor   *qs_tensor_ref              (QsTensor      *tensor);
void        qs_tensor_unref            (QsTensor      *tensor);

gboolean    qs_tensor_is_float32       (const QsTensor *tensor);
/* The tensor's data as float; asserts float32. */
float      *qs_tensor_f32              (const QsTensor *tensor);
/* Element @i as a double, any dtype. */
double      qs_tensor_get_double       (const QsTensor *tensor,
                                        gint64         i);
/* The tensor's type as a graph QsType. */
void        qs_tensor_get_type         (const QsTensor *tensor,
                                        QsType        *type);
/* "float32[1,3,224,224]" (owned) */
char       *qs_tensor_describe         (const QsTensor *tensor);
/* Index of the first NaN or infinity, or -1. Non-float tensors: -1. */
gint64      qs_tensor_find_nonfinite   (const QsTensor *tensor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsTensor, qs_tensor_unref)

G_END_DECLS
